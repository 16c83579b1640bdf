#!/usr/bin/env bash
# tests/spec/totals.sh BUILD_DIR: runs every spec script CTest runs, in one `kiln wast`
# invocation, and prints the per-file results and the totals. Exit status is kiln's.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
here=$(cd "$(dirname "$0")" && pwd)
kiln="$build/kiln"
if [ ! -x "$kiln" ]; then
  echo "error: $kiln is not built" >&2
  exit 1
fi

# The testsuite location the build was configured with, else the default beside the repo.
shared=$(sed -n 's/^KILN_SHARED_DIR:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[ -n "$shared" ] || shared="$here/../../../shared"
suite="$shared/wasm-testsuite"

files=()
for folder in spec spec/legacy spec/proposals/threads spec/proposals/wide-arithmetic spec/proposals/custom-page-sizes; do
  found=("$suite/$folder"/*.wast)
  if [ ! -e "${found[0]}" ]; then
    echo "error: no .wast files in $suite/$folder" >&2
    exit 1
  fi
  files+=("${found[@]}")
done
# Component Model tests live in nested folders.
for folder in component-model/reference component-model/wasmtime; do
  if [ ! -d "$suite/$folder" ]; then
    echo "error: no $suite/$folder" >&2
    exit 1
  fi
  while IFS= read -r f; do files+=("$f"); done < <(find "$suite/$folder" -name '*.wast' | sort)
done

# kiln enables threads for files under proposals/threads/ by itself.
exec "$kiln" wast --expected-failures "$here/expected_failures.txt" "${files[@]}"
