// tests/diff/v8_run.js: the V8 side of the differential harness (tests/diff/fuzz_diff.py).
//
// Two modes, both following the harness protocol: every instrumented export `__diff_*` is
// called with no arguments on a fresh instance with no imports, and returns only i32/i64.
//
//   node v8_run.js batch FILE.wasm...
//       For each file, for each `__diff_*` export in export order, prints one JSON line:
//       {"file", "export", "status": "ok"|"trap"|"error", "values": [decimal strings],
//        "message"}. Values are printed as signed decimals (i32 as Number, i64 as BigInt);
//       the Python driver masks them to the width named in the export.
//   node v8_run.js run [-O...] --invoke NAME FILE.wasm
//       Mimics `kiln run --invoke`: results one per line on stdout, a trap message on stderr
//       with exit status 134. Used to self-test the harness (V8 against V8 must always agree).
'use strict';

const fs = require('fs');

// Instantiates afresh and calls `name`; returns {status, values, message}. A trap during
// instantiation (e.g. an active data segment out of bounds) is reported as the call's trap,
// exactly as a fresh-instance CLI run would report it.
function invoke(module, name) {
  let instance;
  try {
    instance = new WebAssembly.Instance(module, {});
  } catch (e) {
    return classify(e);
  }
  try {
    const r = instance.exports[name]();
    const values = r === undefined ? [] : Array.isArray(r) ? r : [r];
    return {status: 'ok', values: values.map((v) => v.toString()), message: ''};
  } catch (e) {
    return classify(e);
  }
}

function classify(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    return {status: 'trap', values: [], message: e.message};
  }
  // V8 reports guest stack exhaustion as a JS RangeError; it is a Wasm trap all the same.
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return {status: 'trap', values: [], message: 'call stack exhausted: ' + e.message};
  }
  return {status: 'error', values: [], message: String(e)};
}

function batch(files) {
  for (const file of files) {
    let module;
    try {
      module = new WebAssembly.Module(fs.readFileSync(file));
    } catch (e) {
      console.log(JSON.stringify({file, export: '', status: 'error', values: [],
                                  message: 'compile: ' + String(e)}));
      continue;
    }
    for (const exp of WebAssembly.Module.exports(module)) {
      if (exp.kind !== 'function' || !exp.name.startsWith('__diff_')) continue;
      const r = invoke(module, exp.name);
      console.log(JSON.stringify({file, export: exp.name, ...r}));
    }
  }
}

function run(args) {
  let name = null;
  const positional = [];
  const usage = 'usage: v8_run.js run [-O...] --invoke NAME FILE.wasm\n';
  if (args.includes('--help')) {
    process.stdout.write(usage);
    return 0;
  }
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--invoke') {
      name = args[++i];
    } else if (args[i].startsWith('-')) {
      continue;  // opt-level flags mean nothing to V8
    } else {
      positional.push(args[i]);
    }
  }
  if (name === null || positional.length !== 1) {
    process.stderr.write(usage);
    return 2;
  }
  let module;
  try {
    module = new WebAssembly.Module(fs.readFileSync(positional[0]));
  } catch (e) {
    process.stderr.write('error: ' + String(e) + '\n');
    return 1;
  }
  const r = invoke(module, name);
  if (r.status === 'ok') {
    for (const v of r.values) process.stdout.write(v + '\n');
    return 0;
  }
  if (r.status === 'trap') {
    process.stderr.write('wasm trap: ' + r.message + '\n');
    return 134;  // kiln run's trap status (128 + SIGABRT, as Wasmtime)
  }
  process.stderr.write('error: ' + r.message + '\n');
  return 1;
}

const argv = process.argv.slice(2);
if (argv[0] === 'batch') {
  batch(argv.slice(1));
} else if (argv[0] === 'run') {
  process.exitCode = run(argv.slice(1));
} else {
  process.stderr.write('usage: v8_run.js batch FILE... | run --invoke NAME FILE\n');
  process.exitCode = 2;
}
