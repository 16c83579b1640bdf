#!/usr/bin/env python3
# bench/run.py: the benchmark runner: runs each C kernel natively, in Node's V8 (default tiering
# and optimizing tier only) and in Kiln, checks that every engine returns the same checksum,
# and prints run-time ratios to native plus compile throughput (MB of wasm per second).
"""Kiln benchmark runner.

Usage: python3 bench/run.py [--build BUILD] [--kiln BUILD/kiln] [options]

Every kernel exports run(n) -> i32 checksum. For each kernel and engine the export is called
REPS times in one process (one instance), each call is timed inside the process, and the
best (or median) call time is reported. Ratios are engine time / native time; the summary row
is their geometric mean. Any checksum disagreement or engine failure makes the exit status 1.

Kiln protocol (the column is skipped, never estimated, while `kiln run` does not exist):
  kiln run --invoke run FILE.wasm N          prints the result on stdout
  kiln run --bench=REPS --invoke run FILE N  also: calls the export REPS times in one instance
                                             and prints to stderr one line per call,
                                             'KILN_BENCH call SECONDS'
  kiln compile FILE.wasm -o OUT.cwasm
  kiln compile --bench FILE.wasm -o OUT      also prints 'KILN_BENCH compile SECONDS'
Without --bench support the whole process is timed instead and the number is marked '*'
(it then includes process start, compilation and instantiation).
"""

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(SCRIPT_DIR)

# Kernel name -> default n, sized for roughly 0.2-0.3 s per native call on a 2020s x86-64.
KERNELS = {
    "fib": 40,
    "matmul": 120,
    "nbody": 3000000,
    "sieve": 32,
    "sha256": 800,
    "hash64": 2000,
    "quicksort": 3,
    "heapsort": 3,
    "interp": 2000000,
    "memops": 800,
    # SIMD (bench/simd/): wasm built with -msimd128, native with -msse4.1.
    "simd_blend": 200,
    "simd_dot": 16000,
}

V8_OPT_FLAGS = ["--no-liftoff", "--no-wasm-lazy-compilation"]
# Compile throughput only: V8's baseline compiler on every function, with no tier-up.
V8_LIFTOFF_FLAGS = ["--liftoff", "--no-wasm-lazy-compilation", "--no-wasm-tier-up"]
KILN_SKIP_NO_RUN = "kiln cannot run wasm yet"
KILN_SKIP_NO_COMPILE = "kiln cannot compile wasm yet"


class EngineError(Exception):
    """An engine failed to produce a result (crash, non-zero exit, unparsable output)."""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", help="CMake build directory (default: the folder of --kiln, else REPO/build)")
    p.add_argument("--kiln", help="kiln executable (default: BUILD/kiln)")
    p.add_argument("--node", default="node", help="node executable (default: node on PATH)")
    p.add_argument("--reps", type=int, default=5, help="timed calls per kernel and engine (default 5)")
    p.add_argument("--rounds", type=int, default=3,
                   help="processes per kernel and engine, run interleaved across the engines so that "
                        "a noisy period does not fall on one engine only; the statistic is taken over "
                        "the calls of all rounds (default 3)")
    p.add_argument("--stat", choices=["best", "median"], default="best",
                   help="which of the REPS times to report (default best)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every kernel's default n")
    p.add_argument("--kernels", help="comma-separated subset of: " + ",".join(KERNELS))
    p.add_argument("--engines", default="native,v8,v8-opt,kiln",
                   help="comma-separated subset of native,v8,v8-opt,kiln")
    p.add_argument("--sightglass", default=os.path.join(REPO_DIR, "..", "shared", "bench", "sightglass"),
                   help="folder searched (recursively) for large .wasm files to compile")
    p.add_argument("--min-kb", type=int, default=150,
                   help="sightglass files smaller than this are left out of compile throughput")
    p.add_argument("--compile-reps", type=int, default=3, help="compiles per file (default 3)")
    p.add_argument("--no-compile", action="store_true", help="skip the compile-throughput table")
    p.add_argument("--no-run", action="store_true", help="skip the kernel run-time table")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per engine process")
    p.add_argument("--json", help="also write all measurements to this file")
    p.add_argument("--single-threaded", action="store_true",
                   help="compile throughput with one compiler thread each (node --single-threaded, "
                        "kiln compile -j1), the issue 8 measure")
    args = p.parse_args()
    if args.reps < 1 or args.compile_reps < 1 or args.rounds < 1:
        p.error("--reps, --rounds and --compile-reps must be at least 1")
    if args.scale <= 0:
        p.error("--scale must be positive")
    if args.build is None:
        args.build = os.path.dirname(os.path.abspath(args.kiln)) if args.kiln else os.path.join(REPO_DIR, "build")
    if args.kiln is None:
        args.kiln = os.path.join(args.build, "kiln")
    args.kernels = args.kernels.split(",") if args.kernels else list(KERNELS)
    for k in args.kernels:
        if k not in KERNELS:
            p.error(f"unknown kernel '{k}' (known: {', '.join(KERNELS)})")
    args.engines = set(args.engines.split(","))
    unknown = args.engines - {"native", "v8", "v8-opt", "kiln"}
    if unknown:
        p.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    return args


def summarize(times, stat):
    return min(times) if stat == "best" else statistics.median(times)


def run_process(cmd, timeout):
    """Runs cmd; returns (stdout, stderr). Raises EngineError on failure or timeout."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EngineError(f"timed out after {timeout:.0f} s: {' '.join(cmd)}")
    except OSError as e:
        raise EngineError(f"cannot start {cmd[0]}: {e}")
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise EngineError(f"exit status {proc.returncode}: {' '.join(cmd)}\n    " + "\n    ".join(tail))
    return proc.stdout, proc.stderr


def parse_timed_output(stdout, what):
    """Parses the 'time S' / 'result U32' lines printed by driver.c and run_kernel.mjs."""
    times, result = [], None
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "time":
            times.append(float(parts[1]))
        elif len(parts) == 2 and parts[0] == "result":
            result = int(parts[1]) & 0xFFFFFFFF
    if not times or result is None:
        raise EngineError(f"{what}: no 'time'/'result' lines in output:\n{stdout[:400]}")
    return times, result


def time_wall(cmd, timeout):
    """Runs cmd like run_process; returns (wall seconds of the whole process, (stdout, stderr))."""
    t0 = time.perf_counter()
    out = run_process(cmd, timeout)
    return time.perf_counter() - t0, out


# --- Kiln -------------------------------------------------------------------------------

class Kiln:
    """What the kiln binary can do, probed from its --help (never assumed)."""

    def __init__(self, path):
        self.path = path
        self.run_skip = None      # reason the run column is skipped, or None
        self.compile_skip = None
        self.run_bench = False    # `kiln run --bench=REPS` is supported
        self.compile_bench = False
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            self.run_skip = KILN_SKIP_NO_RUN + f" (no kiln executable at {path})"
            self.compile_skip = KILN_SKIP_NO_COMPILE + f" (no kiln executable at {path})"
            return
        ok, text = self._help("run")
        if ok:
            self.run_bench = "--bench" in text
        else:
            self.run_skip = KILN_SKIP_NO_RUN + f" ({path} has no 'run' command)"
        ok, text = self._help("compile")
        if ok:
            self.compile_bench = "--bench" in text
        else:
            self.compile_skip = KILN_SKIP_NO_COMPILE + f" ({path} has no 'compile' command)"

    def _help(self, command):
        try:
            proc = subprocess.run([self.path, command, "--help"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return False, ""
        return proc.returncode == 0, proc.stdout + proc.stderr

    def run_kernel(self, wasm, n, reps, timeout):
        """Returns (times, result, per_process) for `run(n)` in Kiln."""
        if self.run_bench:
            cmd = [self.path, "run", f"--bench={reps}", "--invoke", "run", wasm, str(n)]
            stdout, stderr = run_process(cmd, timeout)
            times = [float(m.group(1)) for m in re.finditer(r"^KILN_BENCH call (\S+)$", stdout + "\n" + stderr, re.M)]
            if len(times) != reps:
                raise EngineError(f"kiln: expected {reps} 'KILN_BENCH call' lines, got {len(times)}")
            return times, self._result(stdout), False
        times, result = [], None
        for _ in range(reps):
            seconds, (stdout, _) = time_wall([self.path, "run", "--invoke", "run", wasm, str(n)], timeout)
            r = self._result(stdout)
            if result is not None and r != result:
                raise EngineError(f"kiln: run({n}) is not deterministic: {result} then {r}")
            result = r
            times.append(seconds)
        return times, result, True

    @staticmethod
    def _result(stdout):
        # The result is the last whole integer token on the last line outside KILN_BENCH lines
        # ("5", "i32: -5", "5 (i32)" all give 5 or -5); an i32 may print signed.
        lines = [l for l in stdout.splitlines() if l.strip() and not l.startswith("KILN_BENCH")]
        tokens = re.split(r"[\s:=(),]+", lines[-1]) if lines else []
        numbers = [t for t in tokens if re.fullmatch(r"-?\d+", t)]
        if not numbers:
            raise EngineError(f"kiln: no result on stdout:\n{stdout[:400]}")
        return int(numbers[-1]) & 0xFFFFFFFF

    def compile_file(self, wasm, reps, timeout, extra=()):
        """Returns (times, per_process) for compiling wasm with `kiln compile [extra]`."""
        times, per_process = [], not self.compile_bench
        with tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp:
            out = os.path.join(tmp, "out.cwasm")
            for _ in range(reps):
                cmd = [self.path, "compile"] + (["--bench"] if self.compile_bench else []) + list(extra) + [wasm, "-o", out]
                seconds, (stdout, stderr) = time_wall(cmd, timeout)
                if self.compile_bench:
                    m = re.search(r"^KILN_BENCH compile (\S+)$", stdout + "\n" + stderr, re.M)
                    if not m:
                        raise EngineError("kiln compile --bench printed no 'KILN_BENCH compile' line")
                    seconds = float(m.group(1))
                times.append(seconds)
        return times, per_process


# --- tables -------------------------------------------------------------------------------

def fmt_time(t):
    if t is None:
        return "-"
    return f"{t * 1000:.1f}ms" if t < 1 else f"{t:.3f}s"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def print_table(headers, rows, out=sys.stdout):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print(line(r), file=out)


# --- the two benchmarks -------------------------------------------------------------------

def bench_kernels(args, kiln, failures, record):
    kernel_dir = os.path.join(args.build, "bench", "kernels")
    for name in args.kernels:
        for f in (os.path.join(kernel_dir, name + ext) for ext in (".wasm", ".native")):
            if not os.path.isfile(f):
                sys.exit(f"run.py: {f} is missing: build the 'bench_kernels' target "
                         f"(ninja -C {args.build} bench_kernels; needs clang-19 and lld-19)")
    engines = [e for e in ("native", "v8", "v8-opt", "kiln") if e in args.engines]
    if "kiln" in engines and kiln.run_skip:
        print(f"Kiln column skipped: {kiln.run_skip}")
    print(f"kernels: {args.rounds} rounds of {args.reps} calls each (one process per round and engine, "
          f"engines interleaved), {args.stat} call time reported; ratios are engine/native\n")
    rows, ratio_cols = [], {"v8": [], "v8-opt": [], "kiln": [], "kiln/v8-opt": []}
    kiln_per_process = False
    for name in args.kernels:
        n = max(1, int(round(KERNELS[name] * args.scale))) if name != "fib" else \
            max(1, int(round(KERNELS[name] + math.log(args.scale, 1.618))))  # fib's cost is exponential in n
        wasm = os.path.join(kernel_dir, name + ".wasm")
        native = os.path.join(kernel_dir, name + ".native")
        times, results, notes, wrong = {}, {}, [], set()
        calls, failed = {}, set()
        for engine in [e for _ in range(args.rounds) for e in engines]:
            if engine in failed:
                continue
            if sys.stderr.isatty():
                print(f"\r\033[K[{name} on {engine}]", end="", file=sys.stderr, flush=True)
            try:
                if engine == "native":
                    stdout, _ = run_process([native, str(n), str(args.reps)], args.timeout)
                    t, r = parse_timed_output(stdout, f"{name} native")
                elif engine in ("v8", "v8-opt"):
                    flags = V8_OPT_FLAGS if engine == "v8-opt" else []
                    cmd = [args.node] + flags + [os.path.join(SCRIPT_DIR, "node", "run_kernel.mjs"), wasm, str(n),
                                                 str(args.reps)]
                    stdout, _ = run_process(cmd, args.timeout)
                    t, r = parse_timed_output(stdout, f"{name} {engine}")
                else:
                    if kiln.run_skip:
                        continue
                    t, r, per_process = kiln.run_kernel(wasm, n, args.reps, args.timeout)
                    kiln_per_process = kiln_per_process or per_process
            except EngineError as e:
                print(f"ERROR: {name} on {engine}: {e}", file=sys.stderr)
                failures.append(f"{name}/{engine}: failed")
                notes.append(f"{engine} failed")
                failed.add(engine)
                calls.pop(engine, None)
                results.pop(engine, None)
                continue
            if engine in results and results[engine] != r:
                msg = f"kernel {name} n={n}: {engine} returned {r} and {results[engine]} in different rounds"
                print("ERROR: " + msg, file=sys.stderr)
                failures.append(msg)
            calls.setdefault(engine, []).extend(t)
            results[engine] = r
        for engine, t in calls.items():
            times[engine] = summarize(t, args.stat)
            record.setdefault("kernels", {}).setdefault(name, {"n": n})[engine] = {"times": t, "result": results[engine]}
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        reference = results.get("native", next(iter(results.values()), None))
        for engine, r in results.items():
            if r != reference:
                msg = (f"CHECKSUM MISMATCH: kernel {name} n={n}: {engine} returned {r}, "
                       f"{'native' if 'native' in results else 'first engine'} returned {reference}")
                print("!" * 78 + "\n" + msg + "\n" + "!" * 78, file=sys.stderr)
                failures.append(msg)
                notes.append(f"{engine} MISMATCH")
                del times[engine]  # a wrong answer's time says nothing: no ratio from it
                wrong.add(engine)
        base = times.get("native")
        ratio = lambda e: times[e] / base if base and e in times else None
        r_v8, r_opt, r_kiln = ratio("v8"), ratio("v8-opt"), ratio("kiln")
        r_kiln_opt = times["kiln"] / times["v8-opt"] if "kiln" in times and "v8-opt" in times else None
        for key, value in (("v8", r_v8), ("v8-opt", r_opt), ("kiln", r_kiln), ("kiln/v8-opt", r_kiln_opt)):
            ratio_cols[key].append(value)
        cell = lambda e: "WRONG" if e in wrong else fmt_time(times.get(e))
        kiln_cell = cell("kiln")
        if "kiln" in times and kiln_per_process:
            kiln_cell += "*"
        rows.append([name, n, cell("native"), cell("v8"), cell("v8-opt"), kiln_cell,
                     fmt_ratio(r_v8), fmt_ratio(r_opt), fmt_ratio(r_kiln), fmt_ratio(r_kiln_opt),
                     f"{reference:08x}" if reference is not None else "-", ", ".join(notes)])
    rows.append(["geomean", "", "", "", "", "", fmt_ratio(geomean(ratio_cols["v8"])),
                 fmt_ratio(geomean(ratio_cols["v8-opt"])), fmt_ratio(geomean(ratio_cols["kiln"])),
                 fmt_ratio(geomean(ratio_cols["kiln/v8-opt"])), "", ""])
    print_table(["kernel", "n", "native", "V8", "V8-opt", "Kiln", "V8/nat", "V8opt/nat", "Kiln/nat",
                 "Kiln/V8opt", "checksum", "notes"], rows)
    print("\nV8 = node default tiering (Liftoff, then TurboFan for hot functions); "
          "V8-opt = node " + " ".join(V8_OPT_FLAGS) + " (TurboFan only).")
    if kiln_per_process:
        print("* Kiln time is the whole `kiln run` process (start, compile, instantiate, call): "
              "kiln has no `run --bench` yet.")
    record["kernel_geomean"] = {k: geomean(v) for k, v in ratio_cols.items()}


def find_large_wasm(folder, min_kb):
    found = []
    if not os.path.isdir(folder):
        return found
    for root, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(root, f)
            if f.endswith(".wasm") and os.path.getsize(path) >= min_kb * 1024:
                found.append(path)
    return sorted(found)


def bench_compile(args, kiln, failures, record):
    kernel_dir = os.path.join(args.build, "bench", "kernels")
    kernels = [os.path.join(kernel_dir, k + ".wasm") for k in args.kernels]
    kernels = [k for k in kernels if os.path.isfile(k)]
    large = find_large_wasm(args.sightglass, args.min_kb)
    if not large:
        print(f"(no .wasm files of at least {args.min_kb} KB under {args.sightglass})")
    files = kernels + large
    if not files:
        return
    use_kiln = "kiln" in args.engines and not kiln.compile_skip
    threads = " with one compiler thread each" if args.single_threaded else ""
    print(f"\ncompile throughput{threads}: MB of wasm per second (file bytes / {args.stat} of "
          f"{args.compile_reps} compiles)")
    if "kiln" in args.engines and kiln.compile_skip:
        print(f"Kiln column skipped: {kiln.compile_skip}")
    # seconds[engine][file]
    seconds = {"v8": {}, "v8-liftoff": {}, "v8-opt": {}, "kiln-O0": {}, "kiln": {}}
    kiln_per_process = False
    for engine in ("v8", "v8-liftoff", "v8-opt"):
        if ("v8-opt" if engine == "v8-opt" else "v8") not in args.engines:
            continue  # the v8 engine covers both default and Liftoff compile columns
        flags = {"v8": [], "v8-liftoff": V8_LIFTOFF_FLAGS, "v8-opt": V8_OPT_FLAGS}[engine]
        if args.single_threaded:
            flags = flags + ["--single-threaded"]
        cmd = [args.node] + flags + [os.path.join(SCRIPT_DIR, "node", "compile.mjs"), str(args.compile_reps)] + files
        try:
            stdout, _ = run_process(cmd, args.timeout)
        except EngineError as e:
            print(f"ERROR: compile on {engine}: {e}", file=sys.stderr)
            failures.append(f"compile/{engine}: failed")
            continue
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[0] == "compile":
                seconds[engine][parts[1]] = float(parts[3] if args.stat == "best" else parts[4])
    if use_kiln:
        jobs = ["-j1"] if args.single_threaded else []
        for column, extra in (("kiln-O0", ["-O0"] + jobs), ("kiln", jobs)):
            for f in files:
                try:
                    t, per_process = kiln.compile_file(f, args.compile_reps, args.timeout, extra)
                except EngineError as e:
                    print(f"ERROR: kiln compile {' '.join(extra)} {f}: {e}", file=sys.stderr)
                    failures.append(f"compile/{column} {f}: failed")
                    continue
                kiln_per_process = kiln_per_process or per_process
                seconds[column][f] = summarize(t, args.stat)

    def mbps(engine, group):
        done = [f for f in group if f in seconds[engine]]
        if not done:
            return None
        return sum(os.path.getsize(f) for f in done) / sum(seconds[engine][f] for f in done) / 1e6

    def label(f):
        if f.startswith(kernel_dir):
            return "kernel " + os.path.basename(f)[:-5]
        # sightglass layout: NAME/benchmark.wasm, NAME/NAME.wasm or NAME/OTHER.wasm
        folder, base = os.path.split(os.path.relpath(f, args.sightglass)[:-len(".wasm")])
        return folder if base in ("benchmark", os.path.basename(folder)) else os.path.join(folder, base)

    fmt = lambda v: "-" if v is None else f"{v:.1f}"
    rows = []
    engines = ("v8", "v8-liftoff", "v8-opt", "kiln-O0", "kiln")
    for f in large:
        rows.append([label(f), f"{os.path.getsize(f) / 1024:.0f}"] + [fmt(mbps(e, [f])) for e in engines])
    for group_name, group in (("all kernels", kernels), ("all sightglass", large)):
        if group:
            rows.append([group_name, f"{sum(os.path.getsize(f) for f in group) / 1024:.0f}"] +
                        [fmt(mbps(e, group)) for e in engines])
    print_table(["module", "KB", "V8", "V8-liftoff", "V8-opt", "Kiln-O0", "Kiln"], rows)
    print("V8 = default flags (lazy compilation: mostly decoding and validation); V8-liftoff = node "
          + " ".join(V8_LIFTOFF_FLAGS) + " (eager baseline compile);\nV8-opt = node " + " ".join(V8_OPT_FLAGS)
          + " (eager TurboFan of every function); Kiln = kiln compile (-O2), Kiln-O0 = kiln compile -O0."
          + ("\nOne compiler thread each: node --single-threaded, kiln compile -j1." if args.single_threaded else ""))
    if kiln_per_process:
        print("Kiln MB/s counts the whole `kiln compile` process: kiln has no `compile --bench` yet.")
    record["compile_seconds"] = seconds


def main():
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep the tables and stderr errors in order
    if shutil.which(args.node) is None and ({"v8", "v8-opt"} & args.engines):
        sys.exit(f"run.py: node not found ('{args.node}'); install nodejs or pass --engines without v8")
    kiln = Kiln(args.kiln)
    failures, record = [], {"reps": args.reps, "stat": args.stat}
    if not args.no_run:
        bench_kernels(args, kiln, failures, record)
    if not args.no_compile:
        bench_compile(args, kiln, failures, record)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=1)
    if failures:
        print(f"\nrun.py: {len(failures)} failure(s):", file=sys.stderr)
        for msg in failures:
            print("  " + msg, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
