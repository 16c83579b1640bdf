#!/usr/bin/env bash
# scripts/install-deps.sh: installs the Debian 12 packages Kiln needs to build, test and bench.
# Idempotent: installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

pkgs=(cmake ninja-build ccache g++ make libgtest-dev libgmock-dev libbenchmark-dev
      clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 wabt binaryen
      libasmjit-dev libcapstone-dev nodejs python3)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# jco (npm) for tests/component: installed into a cache outside the repo, once.
jco_dir=${KILN_JCO_DIR:-$HOME/.cache/kiln-jco}
if [ ! -x "$jco_dir/node_modules/.bin/jco" ]; then
  echo "install-deps: installing @bytecodealliance/jco into $jco_dir"
  mkdir -p "$jco_dir"
  (cd "$jco_dir" && npm install --no-audit --no-fund --silent @bytecodealliance/jco)
fi
