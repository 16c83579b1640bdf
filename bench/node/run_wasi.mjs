// bench/node/run_wasi.mjs: runs a Sightglass benchmark program in Node (V8) with node:wasi,
// the way Sightglass runs one (../shared/bench/sightglass/SOURCE.md): the working directory
// preopened as `.`, argv = [the wasm file name], an empty environment, and the `bench`
// imports as JS functions that time the region between bench.start and bench.end.
//
//   node [V8 FLAGS] bench/node/run_wasi.mjs FILE.wasm
//
// Run it in the benchmark's folder. Prints on standard error, after the guest's output:
//   NODE_BENCH compile SECONDS       WebAssembly.compile
//   NODE_BENCH instantiate SECONDS   WebAssembly.instantiate (with WASI and bench imports)
//   NODE_BENCH execute SECONDS       bench.start .. bench.end
// and exits with the guest's exit code. Each phase line starts on a new line.
import { readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { argv, exit, hrtime } from 'node:process';
import { WASI } from 'node:wasi';

if (argv.length !== 3) {
  console.error('usage: node bench/node/run_wasi.mjs FILE.wasm');
  exit(2);
}
const file = argv[2];
const seconds = (ns) => (Number(ns) / 1e9).toFixed(9);
const report = (phase, ns) => writeSync(2, `\nNODE_BENCH ${phase} ${seconds(ns)}\n`);

const bytes = readFileSync(file);
const wasi = new WASI({
  version: 'preview1',
  args: [basename(file)],
  env: {},
  preopens: { '.': '.' },
  returnOnExit: true,
});

let start = null;
let end = null;
const bench = {
  start() {
    if (start !== null) throw new Error('bench.start called twice');
    start = hrtime.bigint();
  },
  end() {
    const now = hrtime.bigint();
    if (start === null) throw new Error('bench.end called before bench.start');
    if (end !== null) throw new Error('bench.end called twice');
    end = now;
  },
};

const t0 = hrtime.bigint();
const module = await WebAssembly.compile(bytes);
const t1 = hrtime.bigint();
const instance = await WebAssembly.instantiate(module, { bench, ...wasi.getImportObject() });
const t2 = hrtime.bigint();
const code = wasi.start(instance);
report('compile', t1 - t0);
report('instantiate', t2 - t1);
if (start !== null && end !== null) report('execute', end - start);
exit(code);
