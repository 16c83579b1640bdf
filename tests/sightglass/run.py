#!/usr/bin/env python3
"""Runs one Sightglass benchmark program under `kiln run` the way Sightglass does and checks
its output (../shared/bench/sightglass/SOURCE.md):

- working directory = the program's folder, preopened at guest path `.` (read-only);
- no arguments besides argv[0] (the wasm file name), an empty environment, no stdin;
- the `bench` imports come from tests/sightglass/bench.wat via `--preload bench=...`;
- stdout and stderr are compared line by line with `<stem>.stdout.expected` /
  `<stem>.stderr.expected`, falling back to `default.*.expected`; a missing expected file means
  that stream is not checked. `\\r\\n` vs `\\n` and a missing final newline do not matter.

Exit status 0 when the program exits with 0 and every checked stream matches.
"""
import argparse
import os
import subprocess
import sys
import time


def lines(data: bytes) -> list[bytes]:
    data = data.replace(b"\r\n", b"\n")
    if data.endswith(b"\n"):
        data = data[:-1]
    return data.split(b"\n") if data else []


def expected_file(folder: str, stem: str, stream: str) -> str | None:
    for name in (f"{stem}.{stream}.expected", f"default.{stream}.expected"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    return None


def first_difference(got: list[bytes], want: list[bytes]) -> str:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"line {i + 1}: got {g[:200]!r}, expected {w[:200]!r}"
    return f"got {len(got)} lines, expected {len(want)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", required=True, help="the kiln executable")
    ap.add_argument("--bench-module", required=True, help="the `bench` module (bench.wat)")
    ap.add_argument("--program", required=True, help="path of the benchmark's .wasm file")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before the run is killed")
    args = ap.parse_args()

    program = os.path.abspath(args.program)
    folder, wasm = os.path.split(program)
    if not os.path.isfile(program):
        print(f"FAIL: benchmark program {program} does not exist (is ../shared checked out?)")
        return 1
    stem = wasm[: -len(".wasm")] if wasm.endswith(".wasm") else wasm
    cmd = [os.path.abspath(args.kiln), "run", "--dir", ".",
           "--preload", f"bench={os.path.abspath(args.bench_module)}", wasm]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=folder, env={}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {wasm}: no exit after {args.timeout:.0f} s: {' '.join(cmd)} (in {folder})")
        return 1
    elapsed = time.monotonic() - start

    failures = []
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace")[-2000:]
        failures.append(f"exit status {proc.returncode}, expected 0; stderr ends with:\n{tail}")
    checked = []
    for stream, got in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        path = expected_file(folder, stem, stream)
        if path is None:
            continue
        checked.append(stream)
        with open(path, "rb") as f:
            want = f.read()
        if lines(got) != lines(want):
            failures.append(f"{stream} differs from {os.path.basename(path)}: "
                            f"{first_difference(lines(got), lines(want))}")

    print(f"$ cd {folder} && {' '.join(cmd)}")
    if failures:
        for f in failures:
            print(f"FAIL: {wasm}: {f}")
        return 1
    print(f"PASS: {wasm} in {elapsed:.2f} s (checked: {', '.join(checked) or 'exit status only'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
