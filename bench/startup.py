#!/usr/bin/env python3
"""Startup benchmarks for precompiled modules (issue 7):

  1. `kiln run --allow-precompiled hello.cwasm` process wall time, median of --reps runs, and
     the CPU time (user+sys) per run, which a loaded machine inflates less than wall time;
     against `node` running the same WASI program (hello = examples/hello.c built with
     `clang-19 --target=wasm32-wasi -O2`).
  2. In-process .cwasm load-to-first-call time: load (Module::deserialize_file), instantiate,
     and the first call of an empty export, from `kiln run --bench-hooks --bench=1`, for hello
     and for each sightglass benchmark given.
  3. Compile time single- vs multi-threaded (`kiln compile --bench -j1` vs all threads) of
     ../shared/bench/sightglass/*/benchmark.wasm.

  bench/startup.py [--kiln BUILD/kiln] [--reps 50] [--compile-reps 3] [--no-compile]
                   [--sightglass DIR] [--node node] [--clang clang-19]
"""
import argparse
import glob
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NODE_WASI = r"""
import { readFileSync } from 'node:fs';
import { argv } from 'node:process';
import { WASI } from 'node:wasi';
const wasi = new WASI({ version: 'preview1', args: [argv[2]], env: {} });
const { instance } = await WebAssembly.instantiate(readFileSync(argv[2]), wasi.getImportObject());
wasi.start(instance);
"""

# An empty export next to a memory with data, for load-to-first-call of a module-only artifact.
NOOP = r"""(module (memory 1) (data (i32.const 0) "some data") (func (export "noop")))"""


def timed_runs(cmd, reps, env=None, cwd=None):
    """Wall times and CPU (user+sys) times, in seconds, of `reps` runs of cmd."""
    walls, cpus = [], []
    for _ in range(reps):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return walls, cpus


def ms(x):
    return f"{x * 1e3:8.2f} ms"


def phases(cmd, reps, allow_fail=False):
    """Medians of the KILN_BENCH lines (compile = load for a .cwasm, instantiate, call)."""
    got = {}
    for _ in range(reps):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0 and not allow_fail:
            raise RuntimeError(f"{' '.join(cmd)}: {p.stderr[-500:]}")
        for m in re.finditer(r"^KILN_BENCH (\w+) (\S+)$", p.stderr, re.M):
            got.setdefault(m.group(1), []).append(float(m.group(2)))
    return {k: statistics.median(v) for k, v in got.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", default=os.path.join(ROOT, "build", "kiln"))
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--compile-reps", type=int, default=3)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--sightglass", default=os.path.join(ROOT, "..", "shared", "bench", "sightglass"))
    ap.add_argument("--node", default="node")
    ap.add_argument("--clang", default="clang-19")
    args = ap.parse_args()
    kiln = os.path.abspath(args.kiln)
    if not os.path.exists(kiln):
        ap.error(f"no kiln executable at {kiln} (use --kiln)")

    with tempfile.TemporaryDirectory(prefix="kiln-startup-") as tmp:
        hello_wasm = os.path.join(tmp, "hello.wasm")
        hello_cwasm = os.path.join(tmp, "hello.cwasm")
        if not shutil.which(args.clang):
            print(f"SKIP hello: {args.clang} not found")
            hello_wasm = None
        else:
            subprocess.run([args.clang, "--target=wasm32-wasi", "-O2", os.path.join(ROOT, "examples", "hello.c"),
                            "-o", hello_wasm], check=True)
            subprocess.run([kiln, "compile", hello_wasm, "-o", hello_cwasm], check=True)
            print(f"hello.wasm {os.path.getsize(hello_wasm)} bytes, hello.cwasm {os.path.getsize(hello_cwasm)} bytes")
            print(f"\nprocess time, median of {args.reps} runs (wall; CPU = user+sys):")
            rows = [("kiln run hello.cwasm", [kiln, "run", "--allow-precompiled", hello_cwasm]),
                    ("kiln run hello.wasm (cache off)", [kiln, "run", "-C", "cache=n", hello_wasm])]
            env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"))
            subprocess.run([kiln, "run", hello_wasm], env=env, stdout=subprocess.DEVNULL, check=True)  # fill
            rows.append(("kiln run hello.wasm (cache hit)", [kiln, "run", hello_wasm]))
            rows.append(("kiln --version (process floor)", [kiln, "--version"]))
            if shutil.which(args.node):
                script = os.path.join(tmp, "wasi.mjs")
                with open(script, "w") as f:
                    f.write(NODE_WASI)
                rows.append(("node hello.wasm", [args.node, "--no-warnings", script, hello_wasm]))
            else:
                print(f"  (node not found: {args.node})")
            for name, cmd in rows:
                reps = args.reps if "cache off" not in name else max(3, args.reps // 10)
                walls, cpus = timed_runs(cmd, reps, env=env)
                print(f"  {name:34s} wall {ms(statistics.median(walls))}   CPU {ms(statistics.median(cpus))}")

        print(f"\nin-process load-to-first-call of .cwasm (median of {args.reps}): load + instantiate + first call")
        targets = []
        noop_wat = os.path.join(tmp, "noop.wat")
        with open(noop_wat, "w") as f:
            f.write(NOOP)
        subprocess.run([kiln, "compile", noop_wat, "-o", os.path.join(tmp, "noop.cwasm")], check=True)
        targets.append(("noop (memory + data)", os.path.join(tmp, "noop.cwasm"), "noop"))
        for name, cwasm, export in targets:
            p = phases([kiln, "run", "--allow-precompiled", "--bench-hooks", "--invoke", export, "--bench=1", cwasm],
                       args.reps)
            total = p.get("compile", 0) + p.get("instantiate", 0) + p.get("call", 0)
            print(f"  {name:34s} load {ms(p.get('compile', 0))}  instantiate {ms(p.get('instantiate', 0))}  "
                  f"call {ms(p.get('call', 0))}  total {ms(total)}")
        if hello_wasm:
            p = phases([kiln, "run", "--allow-precompiled", "--bench-hooks", hello_cwasm], args.reps)
            print(f"  {'hello (WASI, + running main)':34s} load {ms(p.get('compile', 0))}  "
                  f"instantiate {ms(p.get('instantiate', 0))}")

        if args.no_compile:
            return 0
        files = sorted(glob.glob(os.path.join(args.sightglass, "*", "benchmark.wasm")))
        if not files:
            print(f"\nSKIP compile time: no {args.sightglass}/*/benchmark.wasm")
            return 0
        print(f"\ncompile time (kiln compile --bench, median of {args.compile_reps}), and .cwasm load time:")
        print(f"  {'benchmark':18s} {'KB':>6s} {'1 thread':>11s} {'all threads':>12s} {'speedup':>8s} {'load':>11s} {'instantiate':>11s}")
        for f in files:
            name = os.path.basename(os.path.dirname(f))
            out = os.path.join(tmp, name + ".cwasm")
            res = {}
            for label, extra in (("1", ["-j1"]), ("all", [])):
                times = []
                for _ in range(args.compile_reps):
                    p = subprocess.run([kiln, "compile", "--bench", *extra, f, "-o", out], capture_output=True, text=True)
                    m = re.search(r"^KILN_BENCH compile (\S+)$", p.stderr, re.M)
                    if p.returncode != 0 or not m:
                        times = None
                        print(f"  {name:18s} compile failed: {p.stderr.strip()[-200:]}")
                        break
                    times.append(float(m.group(1)))
                if times is None:
                    break
                res[label] = statistics.median(times)
            if len(res) != 2:
                continue
            # In-process load + instantiate of the artifact, without running it: --invoke of an
            # export that does not exist stops right after instantiation (exit status 1).
            p = phases([kiln, "run", "--allow-precompiled", "--bench-hooks", "--invoke", "-no-such-export-",
                        out], args.compile_reps, allow_fail=True)
            print(f"  {name:18s} {os.path.getsize(f) // 1024:6d} {ms(res['1'])} {ms(res['all'])}  "
                  f"{res['1'] / res['all']:7.2f}x {ms(p.get('compile', float('nan')))} "
                  f"{ms(p.get('instantiate', float('nan')))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
