#!/usr/bin/env bash
# tests/component/jco_component_test.sh KILN SRC.c WORKDIR: builds a real component from a C
# program (clang-19 --target=wasm32-wasi with Debian's wasi-libc, then `jco new --wasi-command`,
# which wraps it with the preview1 adapter), and checks that
#   1. Kiln decodes and validates it and describes it as WIT (`kiln wit comp.wasm`);
#   2. that WIT resolves again and prints the same (a fixed point of resolve + print);
#   3. the world `jco wit` prints, resolved against the packages Kiln printed, is the same
#      resolved world as Kiln's (both printed from resolved models by the same printer, so
#      any difference in world name, items, their kinds or order shows up).
# jco is installed with npm into $KILN_JCO_DIR (default ~/.cache/kiln-jco), outside the repo.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 KILN SRC.c WORKDIR" >&2
  exit 2
fi
kiln=$1
src=$2
work=$3
jco_dir=${KILN_JCO_DIR:-$HOME/.cache/kiln-jco}
jco=$jco_dir/node_modules/.bin/jco

if [ ! -x "$jco" ]; then
  mkdir -p "$jco_dir"
  # Serialise concurrent CTest cases installing into the same cache directory.
  (
    flock 9
    if [ ! -x "$jco" ]; then
      (cd "$jco_dir" && npm install --no-audit --no-fund --silent @bytecodealliance/jco >&2)
    fi
  ) 9>"$jco_dir/.install.lock"
fi
if [ ! -x "$jco" ]; then
  echo "error: jco is not installed in $jco_dir (npm install @bytecodealliance/jco failed)" >&2
  exit 1
fi

name=$(basename "$src" .c)
mkdir -p "$work"
core=$work/$name.core.wasm
comp=$work/$name.wasm

clang-19 --target=wasm32-wasi -O1 -o "$core" "$src"
"$jco" new "$core" --wasi-command -o "$comp" >&2

"$kiln" wit "$comp" > "$work/$name.kiln.wit"
"$kiln" wit "$work/$name.kiln.wit" > "$work/$name.kiln2.wit"
if ! cmp -s "$work/$name.kiln.wit" "$work/$name.kiln2.wit"; then
  echo "error: kiln's WIT for $comp does not print the same after resolving it again:" >&2
  diff "$work/$name.kiln.wit" "$work/$name.kiln2.wit" >&2 || true
  exit 1
fi

"$jco" wit "$comp" > "$work/$name.jco.wit"
python3 - "$work/$name.kiln.wit" "$work/$name.jco.wit" "$work/$name.combined.wit" <<'PY'
import re, sys
kiln, jco, out = (open(p).read() if i < 2 else p for i, p in enumerate(sys.argv[1:]))
# jco prints `package root:component;` and the world; Kiln prints the same header, the
# packages the world uses as nested blocks, then the world. Put jco's world after Kiln's
# package blocks so it can be resolved.
kw = kiln.find("\nworld ")
jw = jco.find("\nworld ")
if kw < 0 or jw < 0:
    sys.exit("error: no world in " + ("kiln" if kw < 0 else "jco") + " output")
kh = kiln.splitlines()[0]
jh = jco.splitlines()[0]
if kh != jh:
    sys.exit(f"error: package differs: kiln `{kh}`, jco `{jh}`")
open(out, "w").write(kiln[:kw] + jco[jw:])
PY
"$kiln" wit "$work/$name.combined.wit" > "$work/$name.combined.out.wit"
if ! cmp -s "$work/$name.kiln.wit" "$work/$name.combined.out.wit"; then
  echo "error: the world jco describes differs from Kiln's:" >&2
  diff "$work/$name.kiln.wit" "$work/$name.combined.out.wit" >&2 || true
  exit 1
fi
echo "$name: ok ($(grep -c '^  import' "$work/$name.kiln.wit") imports, $(grep -c '^  export' "$work/$name.kiln.wit") exports)"
