#!/usr/bin/env python3
# tests/diff/fuzz_diff.py: differential testing of Kiln on random modules from binaryen's
# fuzzer (wasm-opt --translate-to-fuzz), against Node's V8 (mode v8) or Kiln -O0 against
# Kiln -O2 (mode opt). See tests/diff/README.md for the protocol and how to reproduce.
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
V8_RUN = os.path.join(HERE, 'v8_run.js')

# The wasm features of generated modules (binaryen 108 names); --simd adds 'simd'. Wide
# arithmetic and relaxed SIMD are not in binaryen 108.
FEATURES = ['sign-ext', 'mutable-globals', 'nontrapping-float-to-int', 'bulk-memory',
            'reference-types', 'multivalue', 'tail-call']
# wabt's wasm-validate enables MVP-plus-standardized features by default; only these need
# a flag.
WABT_FLAGS = {'tail-call': '--enable-tail-call', 'simd': None}

MASK64 = (1 << 64) - 1


def feature_flags(features):
    return ['--mvp-features'] + ['--enable-' + f for f in features]


# --- deterministic seed bytes -------------------------------------------------------------
# splitmix64, written out so the bytes for a seed never depend on the Python version.
def seed_bytes(seed):
    state = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) & MASK64

    def next64():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    # Sizes vary so that both tiny and large modules appear (binaryen's fuzz driver does
    # the same); binaryen reads the bytes as its random stream.
    size = 512 + next64() % 12288
    out = bytearray()
    while len(out) < size:
        out += next64().to_bytes(8, 'little')
    return bytes(out[:size])


# --- instrumentation ----------------------------------------------------------------------
# The harness runs every export on a fresh instance with no imports, so any engine CLI that
# can `--invoke NAME FILE` can take part. The fuzzing-support logging imports become defined
# functions folding each logged value into (count, hash) globals, and each original export E
# gets a wrapper `__diff_<k>_<sig>` that calls E with default arguments and returns E's
# results as integers (f32/f64 as bits with NaN canonicalized, references as ref.is_null)
# followed by the log count and hash. <sig> spells the wrapper's result types (i = i32,
# I = i64) so values can be masked to their width from the name alone, also after
# wasm-reduce has rewritten the module.
#
# v128 values (SIMD mode) are compared as two i64 lanes after canonicalizing NaNs the way the
# spec's nondeterminism allows engines to differ: every 64-bit lane that is an f64 NaN becomes
# 0x7ff8000000000000, then every 32-bit lane that is an f32 NaN becomes 0x7fc00000. Both
# engines' values go through the same mapping, so it can only hide differences, never make
# them; integer vectors whose lanes happen to look like NaNs are compared more coarsely.
# (binaryen 108's --denan does not cover v128, so SIMD float results may hold NaNs.)
LOG_TAGS = {'log-i32': 1, 'log-i64': 2, 'log-f32': 3, 'log-f64': 4, 'log-v128': 5}


def canon_v128(local):
    """Statements canonicalizing the NaN lanes of v128 local `local` in place."""
    g = '(local.get %s)' % local
    return [
        '(local.set %s (v128.bitselect (v128.const i64x2 0x7ff8000000000000 0x7ff8000000000000)'
        ' %s (f64x2.ne %s %s)))' % (local, g, g, g),
        '(local.set %s (v128.bitselect (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000'
        ' 0x7fc00000) %s (f32x4.ne %s %s)))' % (local, g, g, g),
    ]

LOG_RUNTIME = '''
 (global $__diff_count (mut i32) (i32.const 0))
 (global $__diff_hash (mut i64) (i64.const 0))
 (func $__diff_log (param $tag i64) (param $bits i64)
  (global.set $__diff_count (i32.add (global.get $__diff_count) (i32.const 1)))
  (global.set $__diff_hash
   (i64.rotl
    (i64.xor
     (i64.mul
      (i64.xor (i64.mul (global.get $__diff_hash) (i64.const 0x100000001b3)) (local.get $tag))
      (i64.const 0x9e3779b97f4a7c15))
     (local.get $bits))
    (i64.const 29))))
'''

LOG_BODIES = {
    'log-i32': '(call $__diff_log (i64.const 1) (i64.extend_i32_u (local.get $0)))',
    'log-i64': '(call $__diff_log (i64.const 2) (local.get $0))',
    'log-f32': ('(call $__diff_log (i64.const 3) (i64.extend_i32_u (select (i32.const 0x7fc00000)'
                ' (i32.reinterpret_f32 (local.get $0)) (f32.ne (local.get $0) (local.get $0)))))'),
    'log-f64': ('(call $__diff_log (i64.const 4) (select (i64.const 0x7ff8000000000000)'
                ' (i64.reinterpret_f64 (local.get $0)) (f64.ne (local.get $0) (local.get $0))))'),
    'log-v128': ' '.join(['(local $c v128)', '(local.set $c (local.get $0))'] + canon_v128('$c') +
                         ['(call $__diff_log (i64.const 5) (i64x2.extract_lane 0 (local.get $c)))',
                          '(call $__diff_log (i64.const 5) (i64x2.extract_lane 1 (local.get $c)))']),
}

DEFAULT_VALUE = {
    'i32': '(i32.const 0)', 'i64': '(i64.const 0)', 'f32': '(f32.const 0)',
    'f64': '(f64.const 0)', 'funcref': '(ref.null func)', 'externref': '(ref.null extern)',
    'v128': '(v128.const i64x2 0 0)',
}

IMPORT_RE = re.compile(r'^\s*\(import "([^"]*)" "([^"]*)" \(func (\$\S+) \(param (\w+)\)\)\)\s*$')
EXPORT_RE = re.compile(r'^\s*\(export "([^"]*)" \(func (\$\S+)\)\)\s*$')
FUNC_RE = re.compile(r'^ \(func (\$\S+)(.*)$')
PARAM_RE = re.compile(r'\(param (?:\$\S+ )?([\w ]+)\)')
RESULT_RE = re.compile(r'\(result ([\w ]+)\)')
REF_FUNC_RE = re.compile(r'\(ref\.func \$[^\s()]+\)')
TYPED_REF_RE = re.compile(r'\(ref (?:null )?(\$[^\s()]+|func|extern|any)\)')


class SkipSeed(Exception):
    """The generator produced something no engine should be asked to run."""


def legalize_refs(text, anyref_as):
    # binaryen 108 leaks `anyref` and typed `(ref $t)` into modules generated without GC
    # or typed function references (and writes them as invalid binaries); mapping them to a
    # plain reference type gives a valid module in nearly every case, and the caller
    # revalidates and skips the seed otherwise.
    heap = 'func' if anyref_as == 'funcref' else 'extern'
    plain = {'func': 'funcref', 'extern': 'externref', 'any': anyref_as}
    text = TYPED_REF_RE.sub(lambda m: plain.get(m.group(1), 'funcref'), text)
    text = text.replace('ref.null any', 'ref.null ' + heap)
    text = text.replace('anyref', anyref_as)
    # binaryen types ref.func as a non-null typed reference and, when it lowers tuples to
    # scratch locals, declares them with that type; a block with a declared nullable result
    # keeps the scratch locals plain. Constant expressions (globals, elems) cannot hold a
    # block and need no scratch locals.
    out, in_func = [], False
    for line in text.split('\n'):
        if line.startswith(' ('):  # a module field starts (binaryen indents them by one)
            in_func = line.startswith(' (func ')
        out.append(REF_FUNC_RE.sub(r'(block (result funcref) \g<0>)', line) if in_func else line)
    return '\n'.join(out)


def instrument(text):
    lines = text.split('\n')
    log_funcs = {}   # name -> (import base, param type)
    exports = []     # (export name, func name)
    sigs = {}        # func name -> (params, results)
    out = []
    for line in lines:
        m = IMPORT_RE.match(line)
        if m:
            module, base, name, ty = m.groups()
            if module != 'fuzzing-support' or base not in LOG_BODIES:
                raise SkipSeed('unknown import %s.%s' % (module, base))
            log_funcs[name] = (base, ty)
            sigs[name] = ([ty], [])
            continue
        if line.lstrip().startswith('(import '):
            raise SkipSeed('unexpected import: ' + line.strip())
        m = EXPORT_RE.match(line)
        if m:
            exports.append(m.groups())
        m = FUNC_RE.match(line)
        if m:
            name, rest = m.groups()
            params = [t for group in PARAM_RE.findall(rest) for t in group.split()]
            results = [t for group in RESULT_RE.findall(rest) for t in group.split()]
            sigs[name] = (params, results)
        out.append(line)
    end = max(i for i, l in enumerate(out) if l.strip() == ')')
    extra = [LOG_RUNTIME]
    for name, (base, ty) in log_funcs.items():
        extra.append(' (func %s (param $0 %s) %s)' % (name, ty, LOG_BODIES[base]))
    wrappers = []
    for k, (export, func) in enumerate(exports):
        if func not in sigs:
            raise SkipSeed('no signature found for exported %s' % func)
        params, results = sigs[func]
        for t in params + results:
            if t not in DEFAULT_VALUE:
                raise SkipSeed('unsupported type %s in export %s' % (t, export))
        wrapper, sig = make_wrapper(k, func, params, results)
        wname = '__diff_%d_%s' % (k, sig)
        extra.append(wrapper)
        extra.append(' (export "%s" (func $__diff_w%d))' % (wname, k))
        wrappers.append((wname, export))
    return '\n'.join(out[:end] + extra + out[end:]), wrappers


def make_wrapper(k, func, params, results):
    locals_ = []
    body = ['(global.set $__diff_count (i32.const 0))', '(global.set $__diff_hash (i64.const 0))']
    call = '(call %s %s)' % (func, ' '.join(DEFAULT_VALUE[t] for t in params))
    for i, t in enumerate(results):
        locals_.append('(local $v%d %s)' % (i, t))
    if len(results) == 0:
        body.append(call)
    elif len(results) == 1:
        body.append('(local.set $v0 %s)' % call)
    else:
        locals_.append('(local $t (%s))' % ' '.join(results))
        body.append('(local.set $t %s)' % call)
        for i in range(len(results)):
            body.append('(local.set $v%d (tuple.extract %d (local.get $t)))' % (i, i))
    values, sig = [], ''
    for i, t in enumerate(results):
        v = '(local.get $v%d)' % i
        if t == 'i32':
            values.append(v)
            sig += 'i'
        elif t == 'i64':
            values.append(v)
            sig += 'I'
        elif t == 'f32':
            values.append('(select (i32.const 0x7fc00000) (i32.reinterpret_f32 %s) (f32.ne %s %s))'
                          % (v, v, v))
            sig += 'i'
        elif t == 'f64':
            values.append('(select (i64.const 0x7ff8000000000000) (i64.reinterpret_f64 %s)'
                          ' (f64.ne %s %s))' % (v, v, v))
            sig += 'I'
        elif t == 'v128':
            body.extend(canon_v128('$v%d' % i))
            values.append('(i64x2.extract_lane 0 %s)' % v)
            values.append('(i64x2.extract_lane 1 %s)' % v)
            sig += 'II'
        else:
            values.append('(ref.is_null %s)' % v)
            sig += 'i'
    values += ['(global.get $__diff_count)', '(global.get $__diff_hash)']
    sig += 'iI'
    result_types = ' '.join('i32' if c == 'i' else 'i64' for c in sig)
    body.append('(tuple.make %s)' % ' '.join(values))
    text = ' (func $__diff_w%d (result %s)\n  %s\n  %s)' % (
        k, result_types, ' '.join(locals_), '\n  '.join(body))
    return text, sig


def run_tool(cmd, timeout=120, stdin=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)


def generate(seed, workdir, args):
    """Writes <workdir>/seed-<seed>.wasm (instrumented); returns [(wrapper, export)]."""
    flags = feature_flags(args.features)
    seed_file = os.path.join(workdir, 'seed-%d.bin' % seed)
    with open(seed_file, 'wb') as f:
        f.write(seed_bytes(seed))
    cmd = ['wasm-opt'] + flags + ['--translate-to-fuzz', seed_file]
    if args.denan:
        cmd.append('--denan')
    cmd.append('--print')
    p = run_tool(cmd)
    if p.returncode != 0:
        raise SkipSeed('wasm-opt --translate-to-fuzz failed: ' + p.stderr.strip()[:300])
    last_error = ''
    for anyref_as in ('funcref', 'externref'):
        try:
            text, wrappers = instrument(legalize_refs(p.stdout, anyref_as))
        except SkipSeed as e:
            last_error = str(e)
            continue
        wat = os.path.join(workdir, 'seed-%d.wat' % seed)
        wasm = os.path.join(workdir, 'seed-%d.wasm' % seed)
        with open(wat, 'w') as f:
            f.write(text)
        q = run_tool(['wasm-opt'] + flags + [wat, '-o', wasm])
        if q.returncode != 0:
            last_error = 'binaryen rejects the instrumented module: ' + q.stderr.strip()[:300]
            continue
        # An independent validator: the module must be valid before engines are compared.
        wabt = [WABT_FLAGS[f] for f in args.features if WABT_FLAGS.get(f)]
        q = run_tool(['wasm-validate'] + wabt + [wasm])
        if q.returncode != 0:
            last_error = 'wabt rejects the module: ' + q.stderr.strip()[:300]
            continue
        os.unlink(seed_file)
        return wasm, wrappers
    raise SkipSeed(last_error)


# --- engines ------------------------------------------------------------------------------
# Trap kinds, compared where both engines name one: a message maps to the set of spec kinds it
# may stand for, and two traps agree when their sets meet. V8 words some traps more coarsely
# than the spec: "float unrepresentable in integer range" covers both the spec's "integer
# overflow" and "invalid conversion to integer" (NaN), and "null function or function
# signature mismatch" covers "uninitialized element" and "indirect call type mismatch".
TRAP_KINDS = [
    ('stack', ['call stack exhausted', 'maximum call stack', 'stack overflow']),
    ('unreachable', ['unreachable']),
    ('div-zero', ['divide by zero', 'remainder by zero']),
    ('int-overflow', ['integer overflow', 'divide result unrepresentable',
                      'float unrepresentable']),
    ('bad-conversion', ['invalid conversion to integer', 'float unrepresentable']),
    ('call-null', ['uninitialized element', 'null function', 'indirect call to null']),
    ('call-signature', ['indirect call type mismatch', 'signature mismatch']),
    ('table-oob', ['undefined element', 'out of bounds table access', 'table index is out of bounds',
                   'element segment out of bounds', 'table access out of bounds']),
    ('memory-oob', ['out of bounds memory access', 'memory access out of bounds',
                    'data segment out of bounds', 'out of bounds data segment']),
]


def trap_kind(message):
    """The kinds a trap message may stand for, as a sorted tuple; None if unrecognized."""
    low = message.lower()
    kinds = tuple(k for k, needles in TRAP_KINDS if any(n in low for n in needles))
    return kinds or None


def normalize_values(strings, sig):
    """Parses printed integers and masks them to the widths spelled in the export name."""
    if len(strings) != len(sig):
        return None
    out = []
    for s, c in zip(strings, sig):
        m = re.fullmatch(r'\s*(?:[if](?:32|64)[:= ]\s*)?(-?(?:0x[0-9a-fA-F]+|\d+))'
                         r'(?:\s*:?\s*[if](?:32|64))?\s*', s)
        if not m:
            return None
        v = int(m.group(1), 0)
        out.append(v & (0xFFFFFFFF if c == 'i' else MASK64))
    return out


def outcome(status, values, message, sig):
    """The comparable form of one call: ('ok', values) | ('trap', kind) | ('error', msg)."""
    if status == 'ok':
        vals = normalize_values(values, sig)
        if vals is None:
            return ('error', 'unparsable results %r' % (values,))
        return ('ok', tuple(vals))
    if status == 'trap':
        return ('trap', trap_kind(message))
    return ('error', message)


def run_v8(wasm, wrappers, args):
    p = run_tool(['node', V8_RUN, 'batch', wasm], timeout=args.timeout * max(1, len(wrappers)))
    results = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if r['export'] == '':
            for w, _ in wrappers:
                results[w] = (('error', r['message']), r['message'])
            continue
        sig = r['export'].rsplit('_', 1)[1]
        results[r['export']] = (outcome(r['status'], r['values'], r['message'], sig),
                                r['message'])
    for w, _ in wrappers:
        if w not in results:
            msg = 'node exited %d: %s' % (p.returncode, p.stderr.strip()[-300:])
            results[w] = (('error', msg), msg)
    return results


# `kiln run` exits with this status on a trap (Wasmtime's convention, 128 + SIGABRT); any
# other non-zero status is an error of the engine, never a trap.
KILN_EXIT_TRAP = 134


def run_cli(wasm, wrappers, cmd_prefix, args):
    results = {}
    for w, _ in wrappers:
        sig = w.rsplit('_', 1)[1]
        cmd = cmd_prefix + ['--invoke', w, wasm]
        try:
            p = run_tool(cmd, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            results[w] = (('error', 'timeout after %ds' % args.timeout), '')
            continue
        # Only the message names the trap kind; a backtrace may hold arbitrary names.
        err = p.stderr.split('wasm backtrace:')[0].strip()
        if p.returncode == 0:
            lines = [l for l in p.stdout.splitlines() if l.strip()]
            results[w] = (outcome('ok', lines, '', sig), '')
        elif p.returncode < 0:
            results[w] = (('error', 'killed by signal %d: %s' % (-p.returncode, err[-300:])), err)
        elif p.returncode == KILN_EXIT_TRAP:
            results[w] = (('trap', trap_kind(err)), err)
        else:
            results[w] = (('error', 'exit %d: %s' % (p.returncode, err[-300:])), err)
    return results


def same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == 'trap':
        # An unnamed trap kind on either side only compares trap against trap.
        return a[1] is None or b[1] is None or bool(set(a[1]) & set(b[1]))
    if a[0] == 'error':
        return False  # an engine that cannot run a valid module disagrees by definition
    return a[1] == b[1]


def sides(args):
    kiln = shlex.split(args.kiln) + ['run']
    if args.mode == 'v8':
        return (('v8', lambda w, ws: run_v8(w, ws, args)),
                ('kiln', lambda w, ws: run_cli(w, ws, kiln + shlex.split(args.kiln_flags), args)))
    return (('kiln' + args.o0_flag, lambda w, ws: run_cli(w, ws, kiln + [args.o0_flag], args)),
            ('kiln' + args.o2_flag, lambda w, ws: run_cli(w, ws, kiln + [args.o2_flag], args)))


def compare(wasm, wrappers, args):
    """Returns a list of mismatch descriptions (empty when the engines agree)."""
    (name_a, run_a), (name_b, run_b) = sides(args)
    ra, rb = run_a(wasm, wrappers), run_b(wasm, wrappers)
    mismatches = []
    for w, export in wrappers:
        (oa, msg_a), (ob, msg_b) = ra[w], rb[w]
        if not same(oa, ob):
            mismatches.append('export "%s" (%s): %s=%s%s  %s=%s%s' % (
                export, w, name_a, fmt(oa), detail(msg_a), name_b, fmt(ob), detail(msg_b)))
    return mismatches


def fmt(o):
    if o[0] == 'ok':
        return 'ok[' + ', '.join(hex(v) for v in o[1]) + ']'
    if o[0] == 'trap':
        return 'trap(%s)' % ('|'.join(o[1]) if o[1] else 'unnamed')
    return '%s(%s)' % o


def detail(msg):
    return ' {%s}' % msg.splitlines()[0][:160] if msg else ''


def label(args):
    """The mode as kept files and summaries name it (v8, v8-simd, opt, opt-simd)."""
    return args.mode + ('-simd' if 'simd' in args.features else '')


def run_seed(seed, args):
    workdir = tempfile.mkdtemp(prefix='kiln-diff-')
    try:
        try:
            wasm, wrappers = generate(seed, workdir, args)
        except SkipSeed as e:
            return seed, 'skip', [str(e)], 0
        mismatches = compare(wasm, wrappers, args)
        if mismatches:
            os.makedirs(args.results, exist_ok=True)
            keep = os.path.join(args.results, '%s-seed-%d.wasm' % (label(args), seed))
            shutil.copyfile(wasm, keep)
            with open(keep[:-5] + '.txt', 'w') as f:
                f.write('seed %d (mode %s, features %s)\n' % (seed, args.mode,
                                                             ','.join(args.features)))
                f.write('\n'.join(mismatches) + '\n')
            return seed, 'fail', mismatches, len(wrappers)
        return seed, 'pass', [], len(wrappers)
    except subprocess.TimeoutExpired as e:
        return seed, 'fail', ['tool timeout: %s' % e], 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_kiln_run(args):
    """Fails loudly, before any seed runs, when the Kiln CLI cannot execute modules."""
    kiln = shlex.split(args.kiln)
    try:
        p = run_tool(kiln + ['run', '--help'], timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 'cannot start %s: %s' % (args.kiln, e)
    if p.returncode != 0:
        return '`%s run --help` exited %d: %s' % (args.kiln, p.returncode,
                                                  (p.stderr or p.stdout).strip()[:300])
    return None


def check_tools():
    for tool in ('node', 'wasm-opt', 'wasm-validate'):
        if shutil.which(tool) is None:
            return 'missing tool %s (scripts/install-deps.sh installs nodejs, binaryen, wabt)' % tool
    return None


def main_fuzz(args):
    problem = check_tools()
    if problem:
        print('fuzz-diff: %s' % problem)
        print('fuzz-diff: 0 passed, %d failed (not run), mode %s' % (args.count, args.mode))
        return 1
    problem = check_kiln_run(args)
    if problem:
        print('fuzz-diff: Kiln cannot execute modules: %s' % problem)
        print('fuzz-diff: 0 passed, %d failed (not run), mode %s' % (args.count, args.mode))
        return 1
    seeds = range(args.start, args.start + args.count)
    passed = failed = skipped = calls = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for seed, status, notes, n in pool.map(lambda s: run_seed(s, args), seeds):
            calls += n
            if status == 'pass':
                passed += 1
                if args.verbose:
                    print('seed %d: pass (%d exports)' % (seed, n))
            elif status == 'skip':
                skipped += 1
                print('seed %d: skipped, generator output unusable: %s'
                      % (seed, notes[0].splitlines()[0] if notes[0] else ''))
            else:
                failed += 1
                print('seed %d: FAIL' % seed)
                for m in notes:
                    print('  ' + m)
                print('  kept: %s' % os.path.join(args.results, '%s-seed-%d.wasm' % (label(args),
                                                                                     seed)))
            sys.stdout.flush()
    print('fuzz-diff (%s, seeds %d..%d): %d passed, %d failed, %d skipped; %d export calls'
          % (label(args), args.start, args.start + args.count - 1, passed, failed, skipped, calls))
    # A run where the generator skipped most seeds tests little; say so by failing.
    if skipped * 2 > args.count:
        print('fuzz-diff: more than half of the seeds were skipped')
        return 1
    return 1 if failed else 0


def main_check(args):
    """For wasm-reduce: prints a fixed verdict; the output stays identical while the
    reduced module still disagrees."""
    node = run_tool(['node', '-e', 'const m=new WebAssembly.Module(require("fs").readFileSync('
                     + json.dumps(args.file) + '));for(const e of WebAssembly.Module.exports(m))'
                     'if(e.kind==="function"&&e.name.startsWith("__diff_"))console.log(e.name)'])
    wrappers = [(w, w) for w in node.stdout.split()]
    if node.returncode != 0 or not wrappers:
        print('diff: no instrumented exports')
        return 0
    print('diff: mismatch' if compare(args.file, wrappers, args) else 'diff: agree')
    return 0


def main_reduce(args):
    """Shrinks a kept failing module with wasm-reduce, keeping it a mismatch."""
    src = os.path.abspath(args.reduce)
    base = src[:-5] if src.endswith('.wasm') else src
    test, work = base + '.test.wasm', base + '.reduced.wasm'
    check = [sys.executable, os.path.abspath(__file__), '--check', test, '--mode', args.mode,
             '--kiln', args.kiln, '--kiln-flags=' + args.kiln_flags,
             '--o0-flag=' + args.o0_flag, '--o2-flag=' + args.o2_flag,
             '--timeout', str(args.timeout)]
    flags = feature_flags(args.features)
    binaryen_bin = os.path.dirname(shutil.which('wasm-opt') or '/usr/bin/wasm-opt') + '/'
    cmd = (['wasm-reduce', '-b', binaryen_bin, src, '--command=' + shlex.join(check), '-t', test,
            '-w', work, '--extra-flags=' + ' '.join(flags), '--timeout', str(args.timeout * 4)]
           + flags)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(work):
        print('fuzz-diff: wasm-reduce failed:\n' + (p.stdout + p.stderr)[-2000:])
        return 1
    if os.path.exists(test):
        os.unlink(test)
    print('reduced module: %s' % work)
    wat = run_tool(['wasm-opt'] + flags + [work, '--print'])
    print(wat.stdout)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--mode', choices=['v8', 'opt'], default='v8',
                    help='v8: Kiln against Node; opt: Kiln -O0 against Kiln -O2')
    ap.add_argument('--kiln', default='kiln', help='the kiln command (may include a prefix)')
    ap.add_argument('--kiln-flags', default='', help='extra `kiln run` flags in mode v8')
    ap.add_argument('--o0-flag', default='-O0')
    ap.add_argument('--o2-flag', default='-O2')
    ap.add_argument('--start', type=int, default=1, help='first seed')
    ap.add_argument('-n', '--count', type=int, default=100, help='number of seeds')
    ap.add_argument('-j', '--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--timeout', type=int, default=20, help='seconds per engine call')
    ap.add_argument('--results', default='fuzz-diff-results',
                    help='where failing modules and their reports are kept')
    ap.add_argument('--features', default=','.join(FEATURES),
                    help='comma-separated binaryen feature names')
    ap.add_argument('--simd', action='store_true',
                    help='also generate SIMD (adds the binaryen feature simd; v128 values are '
                         'compared with NaN lanes canonicalized)')
    ap.add_argument('--no-denan', dest='denan', action='store_false',
                    help='keep NaNs (their bits may legitimately differ between engines '
                         'once reinterpreted as integers)')
    ap.add_argument('--check', metavar='FILE.wasm',
                    help='compare one instrumented module and print a fixed verdict '
                         '(the interestingness test for wasm-reduce)')
    ap.add_argument('--reduce', metavar='FILE.wasm',
                    help='shrink a kept failing module with wasm-reduce (same --mode/--kiln)')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    args.features = [f for f in args.features.split(',') if f]
    if args.simd and 'simd' not in args.features:
        args.features.append('simd')
    if args.check:
        args.file = args.check
        return main_check(args)
    if args.reduce:
        return main_reduce(args)
    return main_fuzz(args)


if __name__ == '__main__':
    sys.exit(main())
