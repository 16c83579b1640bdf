// bench/node/compile.mjs: V8's compile speed: times synchronous `new WebAssembly.Module(bytes)`
// over each file (under whatever tiering flags node was started with) and prints one line
// per file: "compile FILE BYTES BEST_S MEDIAN_S".
// usage: node [V8 flags] compile.mjs REPS FILE.wasm...
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function fail(message) {
  process.stderr.write(`compile.mjs: ${message}\n`);
  process.exit(2);
}

const [repsText, ...files] = process.argv.slice(2);
const reps = Number(repsText);
if (!Number.isInteger(reps) || reps < 1 || files.length === 0) {
  fail('usage: node compile.mjs REPS FILE.wasm...');
}

// V8 caches native modules by their wire bytes, so compiling the same bytes twice would
// measure a cache hit. Each repetition appends a custom section named by a counter: ignored
// by compilation, but it makes every module's bytes unique.
let counter = 0;
function unique_bytes(bytes) {
  const name = new TextEncoder().encode(`kiln-bench-${counter++}`);
  const payload = 1 + name.length;  // name length (a 1-byte LEB128 here) + name
  const out = new Uint8Array(bytes.length + 2 + payload);
  out.set(bytes, 0);
  let at = bytes.length;
  out[at++] = 0;        // custom section id
  out[at++] = payload;  // section size (< 128: one LEB128 byte)
  out[at++] = name.length;
  out.set(name, at);
  return out;
}

for (const file of files) {
  const bytes = readFileSync(file);
  const times = [];
  for (let r = 0; r < reps; ++r) {
    const input = unique_bytes(bytes);
    const t0 = performance.now();
    const module = new WebAssembly.Module(input);
    const t1 = performance.now();
    if (!(module instanceof WebAssembly.Module)) fail(`${file}: compile failed`);
    times.push((t1 - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  process.stdout.write(`compile ${file} ${bytes.length} ${times[0].toFixed(9)} ${median.toFixed(9)}\n`);
}
