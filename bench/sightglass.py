#!/usr/bin/env python3
"""Sightglass benchmark runner: Kiln vs Node (V8).

Usage: python3 bench/sightglass.py [--build BUILD] [--reps N] [--programs NAME,...] [options]

Each program of ../shared/bench/sightglass (except splay, which needs Wasm GC) runs as
Sightglass runs it (see SOURCE.md there): working directory = its folder, preopened as `.`;
argv = [the wasm file name]; an empty environment; no stdin. The `bench.start`/`bench.end`
imports time the measured region:

  Kiln: kiln run --bench-hooks --dir . FILE.wasm
        prints 'KILN_BENCH compile|instantiate|execute SECONDS' on stderr
  V8:   node [FLAGS] bench/node/run_wasi.mjs FILE.wasm   (node:wasi)
        prints 'NODE_BENCH compile|instantiate|execute SECONDS' on stderr

V8 runs with TurboFan only (--no-liftoff --no-wasm-lazy-compilation: every function optimized
before the run); --default-tiers adds a run with default tiering (Liftoff, then tier-up), which
takes minutes on the long-running programs. Every run's stdout/stderr is checked against the
expected files, as the conformance tests do; a wrong output or exit status makes that
program's row an error and the exit status 1. Each phase takes the best (--stat min, default)
or median of --reps runs (default 5), the engines taking turns run by run so that both see
the same drift in machine speed. The ratio is Kiln execute / V8 execute; the last row is the geometric
mean over programs (noop, which measures only the harness, and programs whose V8 execute time
is under 100 us, are marked * and left out of the mean).
"""

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(SCRIPT_DIR)
sys.path.insert(0, os.path.join(REPO_DIR, "tests", "sightglass"))
import run as conformance  # noqa: E402  (tests/sightglass/run.py: expected-output rules)

SHOOTOUT = ["ackermann", "base64", "ctype", "ed25519", "fib2", "gimli", "heapsort", "keccak",
            "matrix", "memmove", "minicsv", "nestedloop", "random", "ratelimit", "seqhash",
            "sieve", "switch", "xblabla20", "xchacha20"]
# Program name -> path of its .wasm under the sightglass folder.
PROGRAMS = {
    "blake3-scalar": "blake3-scalar/benchmark.wasm",
    "bz2": "bz2/benchmark.wasm",
    "meshoptimizer": "meshoptimizer/benchmark.wasm",
    "noop": "noop/benchmark.wasm",
    "pulldown-cmark": "pulldown-cmark/benchmark.wasm",
    "quicksort": "quicksort/benchmark.wasm",
    "regex": "regex/benchmark.wasm",
    "richards": "richards/benchmark.wasm",
    "rust-json": "rust-json/benchmark.wasm",
    "sqlite3": "sqlite3/sqlite3.wasm",
    **{f"shootout-{s}": f"shootout/shootout-{s}.wasm" for s in SHOOTOUT},
}
NOT_IN_MEAN = {"noop"}

V8_OPT_FLAGS = ["--no-liftoff", "--no-wasm-lazy-compilation"]
# The phase lines exactly as each harness writes them (run_wasi.mjs starts each on a new line).
PHASE_RE = {"kiln": re.compile(r"KILN_BENCH (compile|instantiate|execute) ([0-9.]+)\n"),
            "node": re.compile(r"\nNODE_BENCH (compile|instantiate|execute) ([0-9.]+)\n")}
# Programs whose V8 execute time is below this measure nothing but timer resolution (their
# measured region was optimized away at build time, e.g. shootout-nestedloop): shown, marked,
# and left out of the geometric mean like noop.
MIN_MEASURABLE_S = 100e-6


class RunError(Exception):
    pass


def run_once(engine: str, cmd: list[str], wasm_path: str, timeout: float) -> dict[str, float]:
    """Runs one program once; returns its phase times after checking its output."""
    folder, wasm = os.path.split(wasm_path)
    # Files, not pipes: node:wasi writes to a non-blocking pipe fail with EAGAIN on large
    # output (pulldown-cmark's 1.2 MB of stderr), and files are what Sightglass uses.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            p = subprocess.run(cmd, cwd=folder, env={"PATH": os.environ.get("PATH", "")} if engine == "node" else {},
                               stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RunError(f"no exit after {timeout:.0f} s")
        out.seek(0)
        err.seek(0)
        stdout_bytes, stderr_bytes = out.read(), err.read()
    stderr = stderr_bytes.decode(errors="replace")
    phases = {m.group(1): float(m.group(2)) for m in PHASE_RE[engine].finditer(stderr)}
    guest_stderr = PHASE_RE[engine].sub("", stderr).encode()
    if p.returncode != 0:
        errs = [l for l in stderr.splitlines() if l.startswith("Error") or "Error:" in l]
        raise RunError(f"exit status {p.returncode}: {(errs or stderr.strip().splitlines() or [''])[0][:300]}")
    stem = wasm[: -len(".wasm")]
    for stream, got in (("stdout", stdout_bytes), ("stderr", guest_stderr)):
        path = conformance.expected_file(folder, stem, stream)
        if path is None:
            continue
        with open(path, "rb") as f:
            want = conformance.lines(f.read())
        if conformance.lines(got) != want:
            raise RunError(f"{stream} differs from {os.path.basename(path)}: "
                           f"{conformance.first_difference(conformance.lines(got), want)}")
    if "execute" not in phases:
        raise RunError("the program never completed bench.start .. bench.end")
    return phases


def summarize(runs: list[dict[str, float]], stat: str) -> dict[str, float]:
    pick = min if stat == "min" else statistics.median
    return {k: pick(r[k] for r in runs) for k in runs[0]}


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    if x < 1e-3:
        return f"{x * 1e6:.0f}us"
    if x < 1:
        return f"{x * 1e3:.1f}ms"
    return f"{x:.3f}s"


def geomean(xs: list[float]) -> float | None:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO_DIR, "build"), help="build directory")
    ap.add_argument("--kiln", help="kiln executable (default BUILD/kiln)")
    ap.add_argument("--node", default="node", help="node executable")
    ap.add_argument("--sightglass", default=os.path.join(REPO_DIR, "..", "shared", "bench", "sightglass"))
    ap.add_argument("--reps", type=int, default=5, help="runs per program and engine (default 5)")
    ap.add_argument("--stat", choices=("min", "median"), default="min")
    ap.add_argument("--programs", action="append",
                    help="comma-separated subset (repeatable); names: " + ", ".join(PROGRAMS))
    ap.add_argument("--default-tiers", action="store_true",
                    help="also run V8 with default tiering (slow: minutes for shootout-seqhash)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run")
    args = ap.parse_args()

    kiln = os.path.abspath(args.kiln or os.path.join(args.build, "kiln"))
    if not os.path.isfile(kiln):
        print(f"error: {kiln} does not exist (build it first)", file=sys.stderr)
        return 2
    names = list(PROGRAMS)
    if args.programs:
        names = [n for group in args.programs for n in group.split(",") if n]
        unknown = [n for n in names if n not in PROGRAMS]
        if unknown:
            print(f"error: unknown program(s) {', '.join(unknown)}; known: {', '.join(PROGRAMS)}", file=sys.stderr)
            return 2
    if args.reps < 1:
        print("error: --reps must be at least 1", file=sys.stderr)
        return 2
    mjs = os.path.join(SCRIPT_DIR, "node", "run_wasi.mjs")
    engines = [("kiln", "kiln", lambda w: [kiln, "run", "--bench-hooks", "--dir", ".", w]),
               ("v8", "node", lambda w: [args.node, "--no-warnings", *V8_OPT_FLAGS, mjs, w])]
    if args.default_tiers:
        engines.append(("v8-default", "node", lambda w: [args.node, "--no-warnings", mjs, w]))

    print(f"Sightglass: {len(names)} programs, {args.reps} rep(s), {args.stat} per phase; "
          f"Kiln {kiln}; V8 = node {subprocess.run([args.node, '--version'], capture_output=True, text=True).stdout.strip()}")
    cols = ["program", "kiln compile", "kiln inst", "kiln exec", "v8 compile", "v8 exec", "kiln/v8"]
    if args.default_tiers:
        cols += ["v8dflt exec", "kiln/v8dflt"]
    widths = [21] + [12] * (len(cols) - 1)
    print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths))), flush=True)

    ratios: dict[str, list[float]] = {"v8": [], "v8-default": []}
    errors = 0
    for name in names:
        wasm = os.path.join(os.path.abspath(args.sightglass), PROGRAMS[name])
        results: dict[str, dict[str, float] | str] = {}
        # The engines take turns, one run each per rep: this VM's speed drifts over seconds,
        # and interleaving exposes both engines to the same drift, so the ratio stays fair.
        runs: dict[str, list] = {label: [] for label, _, _ in engines}
        for label, _, _ in engines:
            if not os.path.isfile(wasm):
                results[label] = f"missing {wasm}"
        for _ in range(args.reps):
            for label, engine, cmd in engines:
                if label in results:
                    continue  # missing, or already failed
                try:
                    runs[label].append(run_once(engine, cmd(os.path.basename(wasm)), wasm, args.timeout))
                except RunError as e:
                    results[label] = str(e)
        for label, _, _ in engines:
            if label not in results:
                results[label] = summarize(runs[label], args.stat)
        bad = {k: v for k, v in results.items() if isinstance(v, str)}
        if bad:
            errors += 1
            print(name.ljust(21) + "  ERROR " + "; ".join(f"{k}: {v}" for k, v in bad.items()), flush=True)
            continue
        k, v8 = results["kiln"], results["v8"]
        row = [name, fmt_s(k["compile"]), fmt_s(k["instantiate"]), fmt_s(k["execute"]),
               fmt_s(v8["compile"]), fmt_s(v8["execute"])]
        for label in [e[0] for e in engines[1:]]:
            r = k["execute"] / results[label]["execute"] if results[label]["execute"] > 0 else None
            if label == "v8-default":
                row.append(fmt_s(results[label]["execute"]))
            row.append(f"{r:.2f}x" if r else "-")
            if r and name not in NOT_IN_MEAN and results[label]["execute"] >= MIN_MEASURABLE_S:
                ratios[label].append(r)
        if name in NOT_IN_MEAN or v8["execute"] < MIN_MEASURABLE_S:
            row[0] += "*"
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))), flush=True)

    mean = ["geomean", "", "", "", "", ""]
    g = geomean(ratios["v8"])
    mean.append(f"{g:.2f}x" if g else "-")
    if args.default_tiers:
        g = geomean(ratios["v8-default"])
        mean += ["", f"{g:.2f}x" if g else "-"]
    print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(mean, widths))))
    dflt = "; kiln/v8dflt: V8 with default tiers" if args.default_tiers else ""
    print(f"(kiln/v8 = Kiln execute / V8 execute time, V8 TurboFan only{dflt};"
          f" geomean over {len(ratios['v8'])} programs; * = harness overhead only or under "
          f"{MIN_MEASURABLE_S * 1e6:.0f}us, not in the mean)")
    if errors:
        print(f"{errors} program(s) failed", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
