#!/usr/bin/env python3
"""Command-line tests of precompiled modules: `kiln compile`, `kiln run FILE.cwasm`,
`kiln objdump`, the compile cache and `kiln config`. Each case works in a fresh temporary
directory (also used as XDG_CACHE_HOME, so the user's cache is never touched).

  run.py --kiln BUILD/kiln [--case NAME]...   (no --case: every case)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# WASI hello world in text form (no toolchain needed), plus a pure export for --invoke.
HELLO = r'''
(module $hello
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello, precompiled\n")
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $crash (export "crash") (param i32) (result i32)
    (i32.load (i32.const 0x7fffffff)))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 19))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))
'''

# Many functions, so a parallel compile really interleaves.
BIG = "(module\n" + "\n".join(
    f'  (func (export "f{i}") (param i32) (result i32) local.get 0 i32.const {i} i32.mul i32.const 7 i32.add'
    + (f" call {i - 1}" if i else "") + ")" for i in range(80)) + ")\n"

CASES = {}


def case(f):
    CASES[f.__name__] = f
    return f


class Ctx:
    def __init__(self, kiln, tmp):
        self.kiln, self.tmp = kiln, tmp
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                        XDG_CONFIG_HOME=os.path.join(tmp, "config"))
        self.env.pop("KILN_CACHE_DEBUG", None)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def run(self, *args, env=None, expect=0):
        p = subprocess.run([self.kiln, *args], capture_output=True, text=True, env=env or self.env,
                           cwd=self.tmp, timeout=120)
        if expect is not None and p.returncode != expect:
            raise AssertionError(f"kiln {' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def cache_entries(self, root=None):
        root = root or os.path.join(self.tmp, "cache")
        out = []
        for d, _, files in os.walk(root):
            out += [os.path.join(d, f) for f in files]
        return out


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


@case
def compile_run(c):
    src = c.write("hello.wat", HELLO)
    c.run("compile", src, "-o", c.path("hello.cwasm"))
    with open(c.path("hello.cwasm"), "rb") as f:
        check(f.read(4) == b"\x7fELF", "output is not an ELF file")
    p = c.run("run", "--allow-precompiled", c.path("hello.cwasm"))
    check(p.stdout == "hello, precompiled\n", f"stdout: {p.stdout!r}")
    p = c.run("run", "--allow-precompiled", "--invoke", "fib", c.path("hello.cwasm"), "20")
    check(p.stdout == "6765\n", f"fib: {p.stdout!r}")
    # A trap in precompiled code: the trap table and function names came through.
    p = c.run("run", "--allow-precompiled", "--invoke", "crash", c.path("hello.cwasm"), "1", expect=134)
    check("out of bounds memory access" in p.stderr and "crash" in p.stderr, p.stderr)
    # Default output name.
    c.run("compile", src)
    check(os.path.exists(c.path("hello.cwasm")), "default output missing")


@case
def refuse_without_flag(c):
    c.run("compile", c.write("hello.wat", HELLO), "-o", c.path("x.cwasm"))
    p = c.run("run", c.path("x.cwasm"), expect=1)
    check("--allow-precompiled" in p.stderr and "precompiled" in p.stderr, p.stderr)
    check(p.stdout == "", p.stdout)
    # By content, whatever the name.
    os.rename(c.path("x.cwasm"), c.path("x.wasm"))
    p = c.run("run", c.path("x.wasm"), expect=1)
    check("--allow-precompiled" in p.stderr, p.stderr)


@case
def deterministic(c):
    src = c.write("big.wat", BIG)
    outs = []
    for j in ("1", "2", "4"):
        c.run("compile", "-j", j, src, "-o", c.path(f"big{j}.cwasm"))
        with open(c.path(f"big{j}.cwasm"), "rb") as f:
            outs.append(f.read())
    check(outs[0] == outs[1] == outs[2], "output differs between thread counts")
    p = c.run("compile", "-j", "0", src, expect=2)
    check("-j" in p.stderr, p.stderr)


@case
def bench_flag(c):
    p = c.run("compile", "--help")
    check("--bench" in p.stdout and "-j N" in p.stdout, p.stdout)
    p = c.run("compile", "--bench", "-j1", c.write("big.wat", BIG), "-o", c.path("b.cwasm"))
    m = re.search(r"^KILN_BENCH compile (\d+\.\d+)$", p.stderr, re.M)
    check(m and 0 < float(m.group(1)) < 60, p.stderr)


@case
def objdump(c):
    c.run("compile", c.write("hello.wat", HELLO), "-o", c.path("h.cwasm"))
    p = c.run("objdump", c.path("h.cwasm"))
    for want in ("<fib> (function 1", "<crash> (function 2", "x86_64", "push rbp", "; trap: HeapOutOfBounds"):
        check(want in p.stdout, f"objdump output lacks {want!r}:\n{p.stdout[:2000]}")
    p = c.run("objdump", c.write("not.cwasm", "hello"), expect=1)
    check("not an ELF file" in p.stderr, p.stderr)


@case
def mismatch(c):
    src = c.write("hello.wat", HELLO)
    c.run("compile", "-O0", src, "-o", c.path("o0.cwasm"))
    p = c.run("run", "--allow-precompiled", c.path("o0.cwasm"), expect=1)
    check("opt level 0, this engine uses opt level 2" in p.stderr, p.stderr)
    c.run("run", "--allow-precompiled", "-O0", c.path("o0.cwasm"))
    c.run("compile", "--target-features=sse2", src, "-o", c.path("sse2.cwasm"))
    p = c.run("run", "--allow-precompiled", c.path("sse2.cwasm"), expect=1)
    check("CPU features sse2" in p.stderr, p.stderr)


@case
def limits_flags(c):
    # `kiln compile -W` builds the fuel and epoch checks into the artifact, as `kiln run -W`
    # would; an artifact without them is refused by a run that needs them, naming the setting.
    spin = c.write("spin.wat", '(module (func (export "spin") (loop $l (br $l))))')
    c.run("compile", "-W", "epoch-interruption", spin, "-o", c.path("spin_epoch.cwasm"))
    p = c.run("run", "--allow-precompiled", "-W", "timeout=50ms", "--invoke", "spin",
              c.path("spin_epoch.cwasm"), expect=134)
    check("interrupt" in p.stderr, p.stderr)
    c.run("compile", "-Wfuel=1000", spin, "-o", c.path("spin_fuel.cwasm"))
    p = c.run("run", "--allow-precompiled", "-W", "fuel=1000", "--invoke", "spin",
              c.path("spin_fuel.cwasm"), expect=134)
    check("all fuel consumed" in p.stderr, p.stderr)
    c.run("compile", spin, "-o", c.path("spin_plain.cwasm"))
    p = c.run("run", "--allow-precompiled", "-W", "timeout=50ms", "--invoke", "spin",
              c.path("spin_plain.cwasm"), expect=1)
    check("epoch" in p.stderr, p.stderr)
    p = c.run("compile", "-W", "no-such-option", spin, expect=2)
    check("no-such-option" in p.stderr, p.stderr)


@case
def corrupt_artifact(c):
    c.run("compile", c.write("hello.wat", HELLO), "-o", c.path("h.cwasm"))
    data = bytearray(open(c.path("h.cwasm"), "rb").read())
    for i, (at, what) in enumerate([(len(data) // 2, "checksum"), (len(data) - 1, "checksum")]):
        b = bytearray(data)
        b[at] ^= 0x10
        open(c.path(f"bad{i}.cwasm"), "wb").write(b)
        p = c.run("run", "--allow-precompiled", c.path(f"bad{i}.cwasm"), expect=1)
        check(what in p.stderr, p.stderr)
    open(c.path("short.cwasm"), "wb").write(data[:3000])
    p = c.run("run", "--allow-precompiled", c.path("short.cwasm"), expect=1)
    check("invalid precompiled module" in p.stderr, p.stderr)


def debug_env(c):
    return dict(c.env, KILN_CACHE_DEBUG="1")


@case
def cache_hit(c):
    src = c.write("hello.wat", HELLO)
    p = c.run("run", src, env=debug_env(c))
    check(p.stdout == "hello, precompiled\n" and "cache: miss" in p.stderr, p.stderr)
    entries = c.cache_entries()
    check(len(entries) == 1 and entries[0].endswith(".cwasm"), entries)
    p = c.run("run", src, env=debug_env(c))
    check(p.stdout == "hello, precompiled\n" and "cache: hit" in p.stderr, p.stderr)
    # Other settings: another entry.
    c.run("run", "-O0", src)
    check(len(c.cache_entries()) == 2, c.cache_entries())


@case
def cache_corrupt(c):
    src = c.write("hello.wat", HELLO)
    c.run("run", src)
    [entry] = c.cache_entries()
    b = bytearray(open(entry, "rb").read())
    b[len(b) // 3] ^= 1
    open(entry, "wb").write(b)
    p = c.run("run", src, env=debug_env(c))
    check(p.stdout == "hello, precompiled\n", p.stdout)
    check("discarded a bad cache entry" in p.stderr and "checksum" in p.stderr, p.stderr)
    p = c.run("run", src, env=debug_env(c))
    check("cache: hit" in p.stderr, p.stderr)


@case
def cache_off(c):
    src = c.write("hello.wat", HELLO)
    c.run("run", "-C", "cache=n", src)
    check(c.cache_entries() == [], c.cache_entries())
    # Benchmark runs time compilation: no cache unless asked for.
    c.run("run", "--bench-hooks", src)
    c.run("run", "--bench=2", "--invoke", "fib", src, "10")
    check(c.cache_entries() == [], c.cache_entries())
    p = c.run("run", "-C", "cache=maybe", src, expect=2)
    check("cache=y|n" in p.stderr, p.stderr)
    cfg = c.write("off.toml", "[cache]\nenabled = false\n")
    c.run("run", "--config", cfg, src)
    check(c.cache_entries() == [], c.cache_entries())
    # The command line wins over the config file.
    c.run("run", "--config", cfg, "-Ccache=y", src)
    check(len(c.cache_entries()) == 1, c.cache_entries())


@case
def cache_concurrent(c):
    src = c.write("big.wat", BIG)
    n = 6

    def one(_):
        return subprocess.run([c.kiln, "run", "--invoke", "f79", src, "3"], capture_output=True, text=True,
                              env=c.env, timeout=120)

    with ThreadPoolExecutor(n) as ex:
        results = list(ex.map(one, range(n)))
    want = None
    for r in results:
        check(r.returncode == 0, r.stderr)
        want = want or r.stdout
        check(r.stdout == want and r.stdout.strip().lstrip("-").isdigit(), r.stdout)
    entries = c.cache_entries()
    check(len(entries) == 1 and entries[0].endswith(".cwasm"), f"entries: {entries}")
    # And every process now hits.
    with ThreadPoolExecutor(n) as ex:
        for r in ex.map(one, range(n)):
            check(r.returncode == 0 and r.stdout == want, r.stderr)


@case
def config_new(c):
    path = c.path("kiln.toml")
    p = c.run("config", "new", path)
    text = open(path).read()
    check("[cache]" in text and "enabled = true" in text and "directory" in text, text)
    p = c.run("config", "new", path, expect=1)
    check("already exists" in p.stderr, p.stderr)
    c.run("config", "new")  # default location, under XDG_CONFIG_HOME
    check(os.path.exists(os.path.join(c.tmp, "config", "kiln", "config.toml")), "default config missing")
    # A config naming a cache directory is used.
    cache_dir = c.path("my cache")
    cfg = c.write("dir.toml", f'# comment\n[cache]\nenabled = true  # on\ndirectory = "{cache_dir}"\n')
    src = c.write("hello.wat", HELLO)
    c.run("run", "--config", cfg, src)
    check(len(c.cache_entries(cache_dir)) == 1, c.cache_entries(cache_dir))
    check(c.cache_entries() == [], "default cache used despite the config")
    # The generated file itself is accepted.
    c.run("run", "--config", path, src)


@case
def config_errors(c):
    src = c.write("hello.wat", HELLO)
    for text, want in [("[cache]\nenabled = maybe\n", ":2: bad value"),
                       ("[cache]\nsize = 3\n", ":2: unknown setting `size`"),
                       ("[other]\n", ":1: unknown section [other]"),
                       ("enabled = true\n", ":1: setting `enabled` outside a section"),
                       ('[cache]\ndirectory = "unterminated\n', ":2: unterminated string"),
                       ("[cache\n", ":1: expected `]`")]:
        cfg = c.write("bad.toml", text)
        p = c.run("run", "--config", cfg, src, expect=1)
        check(want in p.stderr, f"{text!r}: {p.stderr}")
    p = c.run("run", "--config", c.path("missing.toml"), src, expect=1)
    check("missing.toml" in p.stderr, p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--case", action="append")
    args = ap.parse_args()
    names = args.case or list(CASES)
    failed = 0
    for name in names:
        if name not in CASES:
            print(f"unknown case {name}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="kiln-cwasm-cli-") as tmp:
            try:
                CASES[name](Ctx(os.path.abspath(args.kiln), tmp))
                print(f"PASS {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {e}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
