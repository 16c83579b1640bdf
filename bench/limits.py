#!/usr/bin/env python3
# bench/limits.py: the cost of execution limits on the benchmark kernels: each kernel runs in
# `kiln run --bench=REPS` unlimited, with fuel metering (-W fuel=<more than it needs>) and with
# epoch interruption (-W epoch-interruption, the checks behind -W timeout), and the table gives
# each mode's best call time relative to the unlimited one, with geometric means. Modes are
# interleaved round by round so a busy machine slows all of them alike.
"""Kiln execution-limit overhead.

Usage: python3 bench/limits.py [--build BUILD] [--kernels a,b] [--reps N] [--rounds R] [--scale S] [--cpu]

Needs BUILD/kiln and BUILD/bench/kernels/*.wasm (ninja -C BUILD kiln bench_kernels). Every
mode must return the same checksum; a disagreement or failure makes the exit status 1.
Targets (issue 5): fuel <= 1.3x and epochs <= 1.1x the unlimited time, geometric mean.
"""

import argparse
import math
import os
import re
import subprocess
import sys

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)
from run import KERNELS  # noqa: E402  (the kernels' default sizes, shared with run.py)

# More fuel than any kernel run consumes (the counter's reserve covers the rest of u64).
HUGE_FUEL = 2**64 - 1
MODES = {
    "none": [],
    "fuel": ["-W", f"fuel={HUGE_FUEL}"],
    "epoch": ["-W", "epoch-interruption"],
}
TARGETS = {"fuel": 1.3, "epoch": 1.1}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(os.path.dirname(SCRIPT_DIR), "build"))
    p.add_argument("--kiln", help="kiln executable (default BUILD/kiln)")
    p.add_argument("--kernels", default=",".join(KERNELS))
    p.add_argument("--reps", type=int, default=3, help="calls per process (best is kept)")
    p.add_argument("--rounds", type=int, default=2, help="processes per kernel and mode")
    p.add_argument("--scale", type=float, default=0.5, help="multiplies each kernel's size")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--cpu", action="store_true",
                   help="compare the calls' thread CPU time instead of wall time (steadier on a busy machine)")
    args = p.parse_args()
    args.kiln = args.kiln or os.path.join(args.build, "kiln")
    args.kernels = [k for k in args.kernels.split(",") if k]
    for k in args.kernels:
        if k not in KERNELS:
            p.error(f"unknown kernel '{k}' (known: {', '.join(KERNELS)})")
    return args


def kernel_size(name, scale):
    if name == "fib":  # exponential in n
        return max(1, int(round(KERNELS[name] + math.log(scale, 1.618))))
    return max(1, int(round(KERNELS[name] * scale)))


def run_once(args, mode, wasm, n):
    """Returns (best call seconds, checksum) of one process."""
    cmd = [args.kiln, "run", *MODES[mode], f"--bench={args.reps}", "--invoke", "run", wasm, str(n)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out: {' '.join(cmd)}")
    if proc.returncode != 0:
        raise RuntimeError(f"exit status {proc.returncode}: {' '.join(cmd)}\n    {proc.stderr.strip()[-400:]}")
    times = [float(t) for t in re.findall(rf"^KILN_BENCH {'call-cpu' if args.cpu else 'call'} (\S+)$", proc.stderr, re.M)]
    if len(times) != args.reps:
        raise RuntimeError(f"expected {args.reps} KILN_BENCH call lines from {' '.join(cmd)}")
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    return min(times), (int(lines[-1]) & 0xFFFFFFFF) if lines else None


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    args = parse_args()
    kernel_dir = os.path.join(args.build, "bench", "kernels")
    if not os.access(args.kiln, os.X_OK):
        sys.exit(f"limits.py: no kiln executable at {args.kiln}")
    failures = 0
    rows, ratios = [], {m: [] for m in MODES if m != "none"}
    for name in args.kernels:
        wasm = os.path.join(kernel_dir, name + ".wasm")
        if not os.path.isfile(wasm):
            sys.exit(f"limits.py: {wasm} is missing (ninja -C {args.build} bench_kernels)")
        n = kernel_size(name, args.scale)
        best = {m: float("inf") for m in MODES}
        results = {}
        try:
            for _ in range(args.rounds):
                for mode in MODES:
                    t, r = run_once(args, mode, wasm, n)
                    best[mode] = min(best[mode], t)
                    results.setdefault(mode, r)
        except RuntimeError as e:
            print(f"{name}: FAILED: {e}", file=sys.stderr)
            failures += 1
            continue
        if len(set(results.values())) != 1:
            print(f"{name}: checksums differ between modes: {results}", file=sys.stderr)
            failures += 1
            continue
        row = [name, f"{best['none'] * 1e3:.1f}"]
        for mode in ratios:
            r = best[mode] / best["none"]
            ratios[mode].append(r)
            row += [f"{best[mode] * 1e3:.1f}", f"{r:.3f}x"]
        rows.append(row)
    headers = ["kernel", "none ms"]
    for mode in ratios:
        headers += [f"{mode} ms", f"{mode}/none"]
    summary = ["geomean", ""]
    for mode in ratios:
        summary += ["", f"{geomean(ratios[mode]):.3f}x"]
    table = [headers] + rows + [summary]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0 or i == len(table) - 2:
            print("  ".join("-" * w for w in widths))
    for mode, target in TARGETS.items():
        g = geomean(ratios[mode])
        verdict = "ok" if g <= target else "OVER TARGET"
        print(f"{mode}: geomean {g:.3f}x (target <= {target}x): {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
