#!/usr/bin/env python3
# tests/wasi/run.py: the wasi-testsuite runner: runs every preview1 test program of a
# wasi-testsuite checkout under `kiln run` as FORMAT.md describes (args, env, root, expected
# stdout/stderr prefix and exit code) and prints "N passed, M failed".
#
# Usage: run.py --kiln PATH [--suite DIR]... [--test NAME] [--expected-failures FILE] [-v]
# The fixture directory a test names as `root` is copied to a scratch directory first, so the
# shared checkout is never written and parallel runs cannot collide.
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

DEFAULT_SUITES = [
    "tests/assemblyscript/testsuite/wasm32-wasip1",
    "tests/c/testsuite/wasm32-wasip1",
]
KNOWN_KEYS = {"args", "env", "root", "exit_code", "stdout", "stderr"}
TIMEOUT_S = 30


def suite_version(suite):
    manifest = os.path.join(suite, "manifest.json")
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as f:
            return json.load(f).get("version", "wasm32-wasip1")
    base = os.path.basename(suite)
    return base if base.startswith("wasm32-wasip") else "wasm32-wasip1"


def list_tests(suite):
    return sorted(f[:-5] for f in os.listdir(suite) if f.endswith(".wasm"))


def make_writable(path):
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)


def run_test(kiln, suite, name, verbose):
    """Returns (passed, message)."""
    wasm = os.path.join(suite, name + ".wasm")
    spec = {}
    spec_path = os.path.join(suite, name + ".json")
    if os.path.exists(spec_path):
        with open(spec_path, encoding="utf-8") as f:
            spec = json.load(f)
    if "operations" in spec:
        return False, "operation-form specs are not supported by this runner"
    unknown = set(spec) - KNOWN_KEYS
    if unknown:
        print(f"warning: {name}: unknown keys {sorted(unknown)}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="kiln-wasi-") as scratch:
        cmd = [kiln, "run"]
        for k, v in spec.get("env", {}).items():
            cmd += ["--env", f"{k}={v}"]
        if spec.get("root") is not None:
            root = os.path.join(scratch, "root")
            shutil.copytree(os.path.join(suite, spec["root"]), root, symlinks=True)
            make_writable(root)
            cmd += ["--dir", f"{root}::/"]
        cmd += [wasm] + list(spec.get("args", []))
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=TIMEOUT_S, cwd=scratch)
        except subprocess.TimeoutExpired:
            return False, f"timed out after {TIMEOUT_S} s"
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    problems = []
    want_code = spec.get("exit_code", 0)
    if p.returncode != want_code:
        problems.append(f"exit code {p.returncode}, expected {want_code}")
    for key, got in (("stdout", out), ("stderr", err)):
        if key in spec and not got.startswith(spec[key]):
            problems.append(f"{key} {got[:200]!r} does not start with {spec[key]!r}")
    if problems:
        detail = "; ".join(problems)
        if verbose or p.returncode != want_code:
            detail += f"\n    command: {' '.join(cmd)}\n    stderr: {err[:1000]}"
        return False, detail
    return True, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--testsuite", default="/work/shared/wasi-testsuite",
                    help="wasi-testsuite checkout (suites are found under it)")
    ap.add_argument("--suite", action="append", help="suite directory (default: preview1 ones)")
    ap.add_argument("--test", help="run only this test (file stem)")
    ap.add_argument("--expected-failures",
                    help="file of 'suite/test reason' lines: listed tests must fail")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    suites = a.suite or [os.path.join(a.testsuite, s) for s in DEFAULT_SUITES]
    expected = {}
    if a.expected_failures and os.path.exists(a.expected_failures):
        with open(a.expected_failures, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, reason = line.partition(" ")
                    expected[key] = reason.strip()

    passed = failed = 0
    seen = set()
    for suite in suites:
        if suite_version(suite) != "wasm32-wasip1":
            continue
        label = os.path.basename(os.path.dirname(os.path.dirname(suite)))
        for name in list_tests(suite):
            if a.test and name != a.test:
                continue
            key = f"{label}/{name}"
            seen.add(key)
            ok, msg = run_test(a.kiln, suite, name, a.verbose)
            if key in expected:
                if ok:
                    print(f"FAIL {key}: passes but is listed as an expected failure")
                    failed += 1
                else:
                    print(f"XFAIL {key}: {expected[key]}")
                    passed += 1
                continue
            if ok:
                passed += 1
                print(f"PASS {key}")
            else:
                failed += 1
                print(f"FAIL {key}: {msg}")
    if a.test and not seen:
        print(f"no test named {a.test}")
        return 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
