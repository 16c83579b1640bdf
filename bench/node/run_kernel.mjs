// bench/node/run_kernel.mjs: the V8 side of a kernel run: compiles a kernel module (no
// imports), calls its `run(n)` export REPS times in one instance and prints each call's time
// and the checksum in the runner's line format ("time S" lines, then "result U32").
// usage: node [V8 flags] run_kernel.mjs FILE.wasm N REPS
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function fail(message) {
  process.stderr.write(`run_kernel.mjs: ${message}\n`);
  process.exit(2);
}

const [file, nText, repsText] = process.argv.slice(2);
if (file === undefined || nText === undefined || repsText === undefined) {
  fail('usage: node run_kernel.mjs FILE.wasm N REPS');
}
const n = Number(nText);
const reps = Number(repsText);
if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) fail(`bad N '${nText}'`);
if (!Number.isInteger(reps) || reps < 1) fail(`bad REPS '${repsText}'`);

const module = new WebAssembly.Module(readFileSync(file));
if (WebAssembly.Module.imports(module).length !== 0) fail(`${file}: kernels must not import`);
const { exports } = new WebAssembly.Instance(module, {});
if (typeof exports.run !== 'function') fail(`${file}: no 'run' export`);

let first;
for (let r = 0; r < reps; ++r) {
  const t0 = performance.now();
  const result = exports.run(n) >>> 0;  // i32 arrives signed; the runner compares as u32
  const t1 = performance.now();
  if (r === 0) first = result;
  if (result !== first) fail(`run(${n}) is not deterministic: ${first} then ${result}`);
  process.stdout.write(`time ${((t1 - t0) / 1000).toFixed(9)}\n`);
}
process.stdout.write(`result ${first}\n`);
