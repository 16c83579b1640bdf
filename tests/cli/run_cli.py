#!/usr/bin/env python3
"""Command-line tests of `kiln run`: --preload, `kiln FILE` without a command, arguments after
the module going to the guest, --help, and --bench-hooks. Each case writes its modules (text
format) into a fresh temporary directory and checks exit status, stdout and stderr.

  run_cli.py --kiln BUILD/kiln [--case NAME]...   (no --case: every case)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# A library module: a function, a memory with data, an immutable and a mutable global, and a
# function reading its own memory (so a write through the imported memory must show up here).
LIB = r'''
(module
  (memory (export "mem") 1)
  (data (i32.const 16) "\2a\00\00\00")
  (global (export "base") i32 (i32.const 1000))
  (global (export "counter") (mut i32) (i32.const 7))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
'''

MAIN = r'''
(module
  (import "lib" "add" (func $add (param i32 i32) (result i32)))
  (import "lib" "load" (func $load (param i32) (result i32)))
  (import "lib" "mem" (memory 1))
  (import "lib" "base" (global $base i32))
  (import "lib" "counter" (global $counter (mut i32)))
  ;; add(2, 3) + mem[16] (42, from lib's data) + base (1000) = 1047
  (func (export "sum") (result i32)
    (i32.add (i32.add (call $add (i32.const 2) (i32.const 3)) (i32.load (i32.const 16)))
             (global.get $base)))
  ;; Writes through the shared memory and global, then reads back through lib's own code.
  (func (export "shared") (result i32)
    (i32.store (i32.const 32) (i32.const 99))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.add (call $load (i32.const 32)) (global.get $counter))))
'''

MISSING = r'''
(module
  (import "lib" "add" (func (param i32 i32) (result i32)))
  (import "lib" "nope" (func))
  (func (export "f")))
'''

# A preloaded module that itself imports WASI: writes a greeting with fd_write from its own
# exported memory. The main module imports no WASI at all.
WASI_LIB = r'''
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello from a preloaded module\n")
  (func (export "greet")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 30))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
'''

WASI_MAIN = r'''
(module
  (import "greeter" "greet" (func $greet))
  (func (export "_start") (call $greet)))
'''

# A reactor: its _initialize must run before the main module uses it.
REACTOR = r'''
(module
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $ready (i32.const 5)))
  (func (export "ready") (result i32) (global.get $ready)))
'''

REACTOR_MAIN = r'''
(module
  (import "r" "ready" (func $ready (result i32)))
  (func (export "get") (result i32) (call $ready)))
'''

# Prints its arguments (argv[1..]) one per line with WASI.
ECHO = r'''
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\n")
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func $write (param $p i32) (param $n i32)
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "_start") (local $argc i32) (local $i i32) (local $p i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (local.set $argc (i32.load (i32.const 0)))
    ;; argv pointers at 1024, strings at 4096
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (local.set $i (i32.const 1))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
      (local.set $p (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
      (call $write (local.get $p) (call $strlen (local.get $p)))
      (call $write (i32.const 8) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))
'''

BENCH_OK = r'''
(module
  (import "bench" "start" (func $start))
  (import "bench" "end" (func $end))
  (func (export "_start") (local $i i32)
    (call $start)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000))))
    (call $end)))
'''

BENCH_TWICE = r'''
(module
  (import "bench" "start" (func $start))
  (import "bench" "end" (func $end))
  (func (export "_start") (call $start) (call $end) (call $end)))
'''


class Failure(Exception):
    pass


class Case:
    def __init__(self, kiln: str, tmp: str):
        self.kiln = kiln
        self.tmp = tmp

    def file(self, name: str, text: str) -> str:
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, *args: str, status: int = 0) -> subprocess.CompletedProcess:
        cmd = [self.kiln, *args]
        p = subprocess.run(cmd, cwd=self.tmp, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=120)
        if p.returncode != status:
            raise Failure(f"`{' '.join(cmd)}` exited with {p.returncode}, expected {status}\n"
                          f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p


def expect_eq(what: str, got, want) -> None:
    if got != want:
        raise Failure(f"{what}: got {got!r}, expected {want!r}")


def expect_in(what: str, needle: str, hay: str) -> None:
    if needle not in hay:
        raise Failure(f"{what}: {needle!r} not found in {hay!r}")


def case_preload_imports(c: Case) -> None:
    c.file("lib.wat", LIB)
    c.file("main.wat", MAIN)
    p = c.run("run", "--preload", "lib=lib.wat", "--invoke", "sum", "main.wat")
    expect_eq("sum", p.stdout, "1047\n")
    # 99 written by main, read by lib's code; counter 7 + 1.
    p = c.run("run", "--preload=lib=lib.wat", "--invoke", "shared", "main.wat")
    expect_eq("shared", p.stdout, "107\n")


def case_preload_binary(c: Case) -> None:
    c.file("lib.wat", LIB)
    c.file("main.wat", MAIN)
    c.run("parse", "lib.wat", "-o", "lib.wasm")
    p = c.run("run", "--preload", "lib=lib.wasm", "--invoke", "sum", "main.wat")
    expect_eq("sum", p.stdout, "1047\n")


def case_preload_missing_export(c: Case) -> None:
    c.file("lib.wat", LIB)
    c.file("missing.wat", MISSING)
    p = c.run("run", "--preload", "lib=lib.wat", "--invoke", "f", "missing.wat", status=1)
    expect_in("error", "import `lib::nope`", p.stderr)
    expect_in("error", "the preloaded module `lib` (lib.wat) has no export named `nope`", p.stderr)


def case_preload_unknown_module(c: Case) -> None:
    c.file("main.wat", MAIN)
    p = c.run("run", "--invoke", "sum", "main.wat", status=1)
    expect_in("error", "`lib::add`", p.stderr)


def case_preload_bad_option(c: Case) -> None:
    c.file("main.wat", MAIN)
    p = c.run("run", "--preload", "lib", "main.wat", status=2)
    expect_in("error", "expected NAME=FILE", p.stderr)
    p = c.run("run", "--preload", "lib=nonexistent.wat", "--invoke", "sum", "main.wat", status=1)
    expect_in("error", "nonexistent.wat", p.stderr)


def case_preload_wasi(c: Case) -> None:
    c.file("greeter.wat", WASI_LIB)
    c.file("main.wat", WASI_MAIN)
    p = c.run("run", "--preload", "greeter=greeter.wat", "main.wat")
    expect_eq("stdout", p.stdout, "hello from a preloaded module\n")


def case_preload_reactor(c: Case) -> None:
    c.file("r.wat", REACTOR)
    c.file("main.wat", REACTOR_MAIN)
    p = c.run("run", "--preload", "r=r.wat", "--invoke", "get", "main.wat")
    expect_eq("stdout", p.stdout, "5\n")


def case_no_subcommand(c: Case) -> None:
    c.file("echo.wat", ECHO)
    p = c.run("echo.wat", "a", "b c")
    expect_eq("stdout", p.stdout, "a\nb c\n")
    # Options before the file, without a command.
    p = c.run("--dir", ".", "echo.wat", "x")
    expect_eq("stdout", p.stdout, "x\n")
    # A file without a module extension that exists.
    c.file("echo", ECHO)
    p = c.run("echo", "y")
    expect_eq("stdout", p.stdout, "y\n")
    # The same with `run`.
    p = c.run("run", "echo.wat", "a")
    expect_eq("stdout", p.stdout, "a\n")
    p = c.run("nonexistent-command", status=2)
    expect_in("error", "unknown command 'nonexistent-command'", p.stderr)


def case_guest_options(c: Case) -> None:
    c.file("echo.wat", ECHO)
    # Everything after the module belongs to the guest, --help included.
    p = c.run("run", "echo.wat", "--help", "-O0", "--dir", "/")
    expect_eq("stdout", p.stdout, "--help\n-O0\n--dir\n/\n")
    p = c.run("echo.wat", "--help")
    expect_eq("stdout", p.stdout, "--help\n")


def case_help(c: Case) -> None:
    p = c.run("run", "--help")
    for flag in ("--invoke", "--preload", "--bench-hooks", "--bench=", "-O", "--dir", "--env",
                 "--argv0", "--help"):
        expect_in("kiln run --help", flag, p.stdout)
    p = c.run("run", "--dir", ".", "--help")
    expect_in("kiln run --dir . --help", "--preload", p.stdout)
    p = c.run("--help")
    expect_in("kiln --help", "kiln [OPTIONS] FILE", p.stdout)
    p = c.run("run", "--no-such-option", "x.wasm", status=2)
    expect_in("error", "unknown option `--no-such-option`", p.stderr)


def case_bench_hooks(c: Case) -> None:
    c.file("b.wat", BENCH_OK)
    p = c.run("run", "--bench-hooks", "b.wat")
    phases = dict(re.findall(r"^KILN_BENCH (\w+) ([0-9.]+)$", p.stderr, re.M))
    expect_eq("phases", sorted(phases), ["compile", "execute", "instantiate"])
    if not float(phases["execute"]) > 0:
        raise Failure(f"execute time {phases['execute']} is not positive")
    c.file("twice.wat", BENCH_TWICE)
    p = c.run("run", "--bench-hooks", "twice.wat", status=134)
    expect_in("trap", "bench.end called twice", p.stderr)
    # Without the hooks (or a preload), the bench imports are unknown.
    p = c.run("run", "b.wat", status=1)
    expect_in("error", "bench::start", p.stderr)


V128_ADD = r'''
(module
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "lane") (param v128) (result i32) (i32x4.extract_lane 0 (local.get 0))))
'''


def case_invoke_v128(c: Case) -> None:
    c.file("v.wat", V128_ADD)
    # Lane 0 is the low end of the hex number, as results print.
    p = c.run("run", "--invoke", "add", "v.wat", "0x00000004000000030000000200000001", "0x1000000010")
    expect_eq("add", p.stdout, "0x00000004000000030000001200000011\n")
    p = c.run("run", "--invoke", "lane", "v.wat", "0xFFFFFFFF")
    expect_eq("lane", p.stdout, "-1\n")
    for bad in ["12", "0x", "0xg1", "0x" + "1" * 33]:
        p = c.run("run", "--invoke", "lane", "v.wat", bad, status=2)
        expect_in("bad v128", "is not a valid v128", p.stderr)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--case", action="append", choices=sorted(CASES))
    ap.add_argument("--list", action="store_true", help="print the case names")
    args = ap.parse_args()
    if args.list:
        print("\n".join(sorted(CASES)))
        return 0
    kiln = os.path.abspath(args.kiln)
    failed = 0
    for name in args.case or sorted(CASES):
        with tempfile.TemporaryDirectory(prefix=f"kiln-cli-{name}-") as tmp:
            try:
                CASES[name](Case(kiln, tmp))
                print(f"PASS: {name}")
            except (Failure, subprocess.TimeoutExpired) as e:
                failed += 1
                print(f"FAIL: {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
