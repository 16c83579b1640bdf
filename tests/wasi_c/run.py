#!/usr/bin/env python3
"""Runs one C WASI test program (tests/wasi_c/<name>.c, compiled to <name>.wasm) under
`kiln run` and checks it from the host side.

Every test gets a fresh temporary "world":

    world/outside/...      sentinel tree: files with a random secret token, a victim file,
                           a nested directory, a symlink; never preopened
    world/top-secret.txt   a sentinel next to the preopens
    world/ro/...           a read-only preopen (--dir world/ro::ro::ro); contents sentinel too
    world/sandbox/...      the read-write preopen (--dir world/sandbox::sandbox)
    world/other/...        a second read-write preopen (--dir world/other::other)

Before the run the harness snapshots everything except the read-write preopens (path, type,
mode, size, nlink, inode, SHA-256 of the content, mtime in ns, symlink target); after it, the
snapshot must be identical, so nothing outside a writable preopen was created, modified,
deleted, renamed or hard-linked. The secret token must not appear in the guest's output (the
programs print what they read when a read that must fail succeeds). Then the exit status and
stdout are checked: by default exit 0 and a last line "<name>: N checks passed" with N > 0.
"""
import argparse
import ctypes
import ctypes.util
import hashlib
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

OLD_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09, a recognisable mtime for sentinels


class World:
    def __init__(self, root):
        self.root = root
        self.token = "KILN-SENTINEL-" + secrets.token_hex(8)
        self.outside = os.path.join(root, "outside")
        self.sandbox = os.path.join(root, "sandbox")
        self.other = os.path.join(root, "other")
        self.ro = os.path.join(root, "ro")
        for d in (self.outside, os.path.join(self.outside, "dir"), self.sandbox, self.other,
                  self.ro, os.path.join(self.ro, "sub")):
            os.makedirs(d, exist_ok=True)
        self.write(os.path.join(self.outside, "secret.txt"), self.token + " outside/secret.txt\n")
        self.write(os.path.join(self.outside, "victim.txt"), self.token + " victim\n")
        self.write(os.path.join(self.outside, "dir", "nested.txt"), self.token + " nested\n")
        os.symlink("secret.txt", os.path.join(self.outside, "link-to-secret"))
        self.write(os.path.join(root, "top-secret.txt"), self.token + " top\n")
        self.write(os.path.join(self.ro, "readonly.txt"), "read-only content\n")
        self.write(os.path.join(self.ro, "sub", "deep.txt"), "deep read-only content\n")
        for d in (self.outside, os.path.join(self.outside, "dir"), self.ro,
                  os.path.join(self.ro, "sub")):
            self.age(d)

    def write(self, path, content, age=True):
        with open(path, "w") as f:
            f.write(content)
        if age:
            self.age(path)

    @staticmethod
    def age(path):
        os.utime(path, ns=(OLD_NS, OLD_NS), follow_symlinks=False)

    def preopens(self):
        return ["--dir", self.sandbox + "::sandbox", "--dir", self.other + "::other",
                "--dir", self.ro + "::ro::ro"]

    def snapshot(self):
        """Everything under the world except the read-write preopens' contents."""
        skip = {self.sandbox, self.other}
        snap = {}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            names = sorted(dirnames + filenames)
            for name in names:
                p = os.path.join(dirpath, name)
                if p in skip:
                    continue
                st = os.lstat(p)
                entry = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size,
                         st.st_nlink, st.st_ino, st.st_mtime_ns]
                if stat.S_ISLNK(st.st_mode):
                    entry.append(os.readlink(p))
                elif stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        entry.append(hashlib.sha256(f.read()).hexdigest())
                snap[os.path.relpath(p, self.root)] = entry
            dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skip]
        st = os.lstat(self.root)
        snap["."] = [st.st_ino, st.st_mtime_ns]
        return snap


def tree(path):
    """{relative path: content or '<dir>' or '-> target'} of a preopen, for post-checks."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, path)
            if os.path.islink(p):
                out[rel] = "-> " + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "<dir>"
            else:
                with open(p, "rb") as f:
                    out[rel] = f.read().decode("utf-8", "replace")
    return out


class Swapper(threading.Thread):
    """Swaps world/sandbox/swap (a real directory) with a symlink to world/outside, in a loop,
    with renameat2(RENAME_EXCHANGE) so the name always exists (falling back to rename/symlink
    pairs where the call is missing)."""

    def __init__(self, world):
        super().__init__(daemon=True)
        self.world = world
        self.stop = threading.Event()
        self.swaps = 0
        self.error = None
        sb = world.sandbox
        self.a = os.path.join(sb, "swap")
        self.b = os.path.join(sb, "swap.link")
        os.symlink(world.outside, self.b)          # absolute symlink out
        os.symlink("../outside", os.path.join(sb, "swap.rel"))  # relative one, for the fallback
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.renameat2 = getattr(libc, "renameat2", None)

    def exchange(self):
        AT_FDCWD, RENAME_EXCHANGE = -100, 2
        r = self.renameat2(AT_FDCWD, self.a.encode(), AT_FDCWD, self.b.encode(), RENAME_EXCHANGE)
        if r != 0:
            raise OSError(ctypes.get_errno(), "renameat2")

    def run(self):
        try:
            use_exchange = self.renameat2 is not None
            if use_exchange:
                try:
                    self.exchange()
                    self.exchange()
                except OSError:
                    use_exchange = False
            while not self.stop.is_set():
                if use_exchange:
                    self.exchange()
                else:
                    tmp = self.a + ".real"
                    os.rename(self.a, tmp)
                    os.symlink(self.world.outside, self.a)
                    os.unlink(self.a)
                    os.rename(tmp, self.a)
                self.swaps += 1
                if self.swaps % 64 == 0:
                    time.sleep(0)
            if use_exchange and os.path.islink(self.a):
                self.exchange()  # leave the real directory in place
        except Exception as e:  # reported by the harness
            self.error = e


# ---- per-test configuration ---------------------------------------------------------------
# Each returns dict(opts=[kiln options], args=[guest args], env={host env additions},
# stdin=bytes, exit=expected status, check=callable(world, stdout) -> error or None,
# background=thread factory, summary=bool).

def t_args_env(w):
    return dict(opts=["--argv0", "args-env-argv0", "--env", "KILN_A=1", "--env", "KILN_EMPTY=",
                      "--env", "KILN_INHERITED", "--env", "KILN_EQ=a=b",
                      "--env", "KILN_UNSET_ON_HOST"],
                args=["alpha", "two words", "", "h\u00e9llo"],
                env={"KILN_INHERITED": "from-host"})


def t_plain(w):
    return dict(opts=w.preopens())


def t_fd_io(w):
    w.write(os.path.join(w.sandbox, "fixed.txt"), "0123456789", age=False)
    os.symlink("fixed.txt", os.path.join(w.sandbox, "fixed.lnk"))

    def check(world, out):
        # Times first: reading the file (tree) may update its atime (relatime).
        st = os.stat(os.path.join(world.sandbox, "times.txt"))
        if (st.st_mtime_ns != 1_500_000_000_123_456_789
                or st.st_atime_ns != 1_400_000_000_000_000_007):
            return "sandbox/times.txt times %d %d" % (st.st_atime_ns, st.st_mtime_ns)
        t = tree(world.sandbox)
        want = {"final.txt": "hello, world! appended", "stdout-copy.txt": "into the file",
                "fixed.txt": "0123456789", "rw.txt": ""}
        for k, v in want.items():
            if t.get(k) != v:
                return "sandbox/%s is %r, want %r" % (k, t.get(k), v)
        return None
    return dict(opts=w.preopens(), stdin=b"stdin-line\n", check=check)


def t_fault(w):
    def check(world, out):
        t = tree(world.sandbox)
        if t != {"data.txt": "0123456789"}:
            return "sandbox/ should hold only data.txt, holds %r" % t
        return None
    return dict(opts=w.preopens(), stdin=b"stdin-line\n", check=check)


def t_path_ops(w):
    def check(world, out):
        t = tree(world.sandbox)
        want = {"kept": "<dir>", "kept/moved.txt": "payload", "hard.txt": "payload",
                "abs.lnk": "-> /outside/secret.txt"}
        for k, v in want.items():
            if t.get(k) != v:
                return "sandbox/%s is %r, want %r" % (k, t.get(k), v)
        if os.stat(os.path.join(world.sandbox, "hard.txt")).st_ino != \
                os.stat(os.path.join(world.sandbox, "kept", "moved.txt")).st_ino:
            return "hard.txt is not a hard link of kept/moved.txt"
        if tree(world.other).get("from-sandbox.txt") != "crossing":
            return "other/from-sandbox.txt missing: %r" % tree(world.other)
        return None
    return dict(opts=w.preopens(), check=check)


def t_poll(w):
    return dict(opts=w.preopens(), stdin=b"poll-input")


def t_proc(w):
    # Several runs: the exit status of proc_exit(n) is the process's.
    # (args, status or "trap", regex stdout must match).
    return dict(opts=[], runs=[(["exit", "0"], 0, r"exiting with 0\n"),
                               (["exit", "7"], 7, r"exiting with 7\n"),
                               (["exit", "125"], 125, r"exiting with 125\n"),
                               (["exit", "126"], "trap", r"exiting with 126\n"),
                               (["exit", "4000000000"], "trap", r"exiting with 4000000000\n"),
                               (["main-return", "3"], 3, r""),
                               (["raise"], 0, r"proc: \d+ checks passed\n"),
                               (["yield"], 0, r"proc: \d+ checks passed\n")])


def t_sandbox(w):
    # Symlinks planted by the host inside the preopen, each pointing out.
    sb = w.sandbox
    os.symlink(w.outside, os.path.join(sb, "abs-dir"))
    os.symlink(os.path.join(w.outside, "secret.txt"), os.path.join(sb, "abs-file"))
    os.symlink("../outside", os.path.join(sb, "rel-dir"))
    os.symlink("../outside/secret.txt", os.path.join(sb, "rel-file"))
    os.symlink("../top-secret.txt", os.path.join(sb, "rel-top"))
    os.makedirs(os.path.join(sb, "a", "b"))
    os.symlink("../../../outside/victim.txt", os.path.join(sb, "a", "b", "deep-out"))
    os.symlink("../b/../../a/b/../../../outside", os.path.join(sb, "a", "b", "winding-out"))
    os.symlink("..", os.path.join(sb, "a", "up"))  # stays inside: sandbox
    os.symlink("loop1", os.path.join(sb, "loop2"))
    os.symlink("loop2", os.path.join(sb, "loop1"))
    os.symlink("self", os.path.join(sb, "self"))
    os.symlink("/proc/self/root", os.path.join(sb, "proc-root"))
    os.symlink("/proc/self/cwd", os.path.join(sb, "proc-cwd"))
    w.write(os.path.join(sb, "inside.txt"), "inside content\n", age=False)
    os.symlink("a/../inside.txt", os.path.join(sb, "good-rel"))
    return dict(opts=w.preopens(), args=[w.outside, w.root])


def t_links(w):
    t = t_sandbox(w)

    def check(world, out):
        t = tree(world.ro)
        if t.get("readonly.txt") != "read-only content\n":
            return "ro/readonly.txt changed: %r" % t.get("readonly.txt")
        return None
    t["check"] = check
    return t


def t_race(w):
    sb = w.sandbox
    os.makedirs(os.path.join(sb, "swap", "sub"))
    w.write(os.path.join(sb, "swap", "secret.txt"), "inside swap\n", age=False)
    w.write(os.path.join(sb, "swap", "victim.txt"), "inside victim\n", age=False)
    # Names the guest would create / delete / link / rename through the swapped directory; the
    # outside tree must not gain or lose any of them.
    return dict(opts=w.preopens(), args=["3000"], background=lambda: Swapper(w))


def t_selfcheck(w):
    # Every detector must fire; the test fails if one stays silent.
    return dict(opts=["--dir", w.root + "::world"],
                expect_detect=["printed a sentinel", "outside/created.txt changed: None ->",
                               "outside/victim.txt changed", "outside/secret.txt changed",
                               "outside/dir/hl changed: None ->",
                               "outside/dir/nested.txt changed",
                               "top-secret.txt changed:", "ro/renamed.txt changed: None ->",
                               "ro/readonly.txt changed:"])


TESTS = {
    "args_env": t_args_env,
    "clock_random": lambda w: dict(opts=[]),
    "fd_io": t_fd_io,
    "fd_rights": t_plain,
    "prestat": lambda w: dict(opts=w.preopens() + ["--dir", w.sandbox + "::/"]),
    "readdir": t_plain,
    "path_ops": t_path_ops,
    "path_open": t_sandbox,
    "poll": t_poll,
    "proc": t_proc,
    "sock": t_plain,
    "fault": t_fault,
    "sandbox_dotdot": t_sandbox,
    "sandbox_symlink": t_sandbox,
    "sandbox_links": t_links,
    "sandbox_race": t_race,
    "harness_selfcheck": t_selfcheck,
}


def run_guest(kiln, wasm, opts, args, env, stdin, timeout):
    cmd = [kiln, "run"] + opts + [wasm] + args
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full_env.update(env)
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=full_env, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary world")
    a = ap.parse_args()
    if a.test not in TESTS:
        print("run.py: unknown test %s" % a.test)
        return 2
    if not os.path.exists(a.wasm):
        print("run.py: %s was not built" % a.wasm)
        return 1
    root = tempfile.mkdtemp(prefix="kiln-wasi-c-")
    try:
        w = World(root)
        cfg = TESTS[a.test](w)
        before = w.snapshot()
        bg = cfg["background"]() if "background" in cfg else None
        if bg:
            bg.start()
        errors = []
        runs = cfg.get("runs") or [(cfg.get("args", []), cfg.get("exit", 0), None)]
        outputs = []
        try:
            for args, want, want_out in runs:
                rc, out, err = run_guest(a.kiln, a.wasm, cfg.get("opts", []), args,
                                         cfg.get("env", {}), cfg.get("stdin", b""), 100)
                outputs.append((args, rc, out, err))
                sys.stdout.write(out)
                sys.stdout.write(err)
                if want == "trap":
                    # `kiln run` reports a trap with status 134 and a message on stderr.
                    if rc != 134 or "wasm backtrace" not in err:
                        errors.append("%s: exit status %d, want a trap (134)" % (args, rc))
                elif rc != want:
                    errors.append("%s: exit status %d, want %d" % (args, rc, want))
                if want_out is not None:
                    if not re.fullmatch(want_out, out):
                        errors.append("%s: stdout %r does not match %r" % (args, out, want_out))
                else:
                    lines = out.strip().splitlines()
                    m = re.fullmatch(re.escape(a.test) + r": (\d+) checks passed",
                                     lines[-1] if lines else "")
                    if not m or int(m.group(1)) == 0:
                        errors.append("%s: no summary line '%s: N checks passed'" % (args, a.test))
                if w.token in out or w.token in err:
                    errors.append("%s: the guest printed a sentinel outside its preopens" % args)
                if "FAIL" in out:
                    errors.append("%s: a check failed" % args)
        finally:
            if bg:
                bg.stop.set()
                bg.join()
        if bg is not None:
            if bg.error:
                errors.append("background: %s" % bg.error)
            print("run.py: background swaps: %d" % bg.swaps)
        after = w.snapshot()
        if before != after:
            for k in sorted(set(before) | set(after)):
                if before.get(k) != after.get(k):
                    errors.append("outside a writable preopen: %s changed: %s -> %s"
                                  % (k, before.get(k), after.get(k)))
        if "check" in cfg and not errors:
            e = cfg["check"](w, outputs[-1][2])
            if e:
                errors.append(e)
        if "expect_detect" in cfg:
            # Negative control: the errors are the expected result.
            missed = [d for d in cfg["expect_detect"] if not any(d in e for e in errors)]
            for e in errors:
                print("run.py: detected (expected): " + e)
            errors = ["detector silent: '%s'" % d for d in missed]
            if not errors:
                print("run.py: %s passed (all %d planted changes detected)"
                      % (a.test, len(cfg["expect_detect"])))
                return 0
        for e in errors:
            print("run.py: FAILED: " + e)
        if not errors:
            print("run.py: %s passed (%d run(s); %d paths outside the writable preopens "
                  "unchanged)" % (a.test, len(runs), len(after)))
        return 1 if errors else 0
    finally:
        if a.keep:
            print("run.py: world kept in " + root)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
