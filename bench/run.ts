/**
 * npm run bench [-- --quick]: wasmgrad's `wasm` backend against its pure-TypeScript `js` backend,
 * TensorFlow.js (wasm and cpu backends) and jax-js (wasm device, eager and `jit`), all in this one
 * process. Prints one Markdown table per workload; ratio columns say how many times faster the wasm
 * backend is than each peer. A peer that cannot run a workload gets an "n/a (reason)" row.
 * See bench/README.md for how to read and extend it.
 */
import { init, setBackend } from '../src/index.js';
import { fmt, quick, ratio, table } from './harness.js';
import { tfjsMlpSteps, wasmgradMlpSteps } from './mlp.js';
import { tfjsTutorialMicros, wasmgradTutorialMicros } from './tutorial.js';
import { gemmBench, gflops, tfjsMatmulGflops } from './gemm.js';
import { jaxMatmulGflops, jaxMlpSteps, jaxTutorialMicros, type Result } from './jax.js';
import { ADD_N, jaxAdd, tfjsAddGBs, wasmgradAddGBs } from './elementwise.js';
import { tfjsCnnSamples, wasmgradCnnSamples } from './cnn.js';

/** "a / b×" for numbers, or the n/a text as is. `higher`: a bigger value is better (rates, not times). */
function vs(ours: number, peer: Result, higher = true): string {
  if (typeof peer === 'string') return '—';
  return higher ? ratio(ours, peer) : ratio(peer, ours);
}

const t0 = performance.now();
// one thread for every table but the "2 threads" rows (Node's default is one thread per core)
await init({ threads: 1 });
const gemm = await gemmBench(); // GEMM: relaxed-SIMD and plain-SIMD builds, NN/TN/NT/batched, js

// wasmgrad and TensorFlow.js first, jax-js last: after its eager tutorial loop jax-js keeps ~100 MB of JS
// heap alive, which slows wasmgrad's reclaiming gc() calls (and so its MLP step) about 2× if it runs
// afterwards. Tables are printed once everything is measured.
const tut = {
  wasm: wasmgradTutorialMicros('wasm'),
  js: wasmgradTutorialMicros('js'),
  tfWasm: await tfjsTutorialMicros('wasm'),
  tfCpu: await tfjsTutorialMicros('cpu'),
  jax: '' as Result,
  jaxJit: '' as Result,
};
const mlp = {
  wasm: wasmgradMlpSteps('wasm'),
  js: wasmgradMlpSteps('js'),
  tfWasm: await tfjsMlpSteps('wasm'),
  tfCpu: await tfjsMlpSteps('cpu'),
  jax: '' as Result,
  jaxJit: '' as Result,
};
const cnn = {
  wasm: wasmgradCnnSamples('wasm'),
  js: wasmgradCnnSamples('js'),
  tfWasm: await tfjsCnnSamples('wasm'),
  tfCpu: await tfjsCnnSamples('cpu'),
};
const add = {
  wasm: wasmgradAddGBs('wasm'),
  js: wasmgradAddGBs('js'),
  tfWasm: await tfjsAddGBs('wasm'),
  tfCpu: await tfjsAddGBs('cpu'),
  jax: '' as Result,
  jaxJit: '' as Result,
};

/** wasmgrad on 2 threads (worker_threads on the shared memory) for the same workloads, then back to 1. */
async function twoThreads(): Promise<{ mm: Result; tut: Result; mlp: Result; add: Result; cnn: Result }> {
  try {
    await init({ threads: 2 });
  } catch (err) {
    const na = `n/a (${(err as Error).message.split(';')[0]})`;
    return { mm: na, tut: na, mlp: na, add: na, cnn: na };
  }
  setBackend('wasm');
  const r = {
    mm: gflops(1024, 'NN'), tut: wasmgradTutorialMicros('wasm'), mlp: wasmgradMlpSteps('wasm'), add: wasmgradAddGBs('wasm'),
    cnn: wasmgradCnnSamples('wasm'),
  };
  await init({ threads: 1 });
  return r;
}
const two = await twoThreads();
const mm = await Promise.all([256, 1024].map(async (n) => ({ n, ours: gemm.nn.get(n)!, tfWasm: await tfjsMatmulGflops(n) })));

// jax-js
const mmJax: { plain: Result; jit: Result }[] = [];
for (const { n } of mm) mmJax.push({ plain: await jaxMatmulGflops(n, false), jit: await jaxMatmulGflops(n, true) });
mlp.jax = await jaxMlpSteps(false);
mlp.jaxJit = await jaxMlpSteps(true);
add.jax = await jaxAdd(false);
add.jaxJit = await jaxAdd(true);
tut.jax = await jaxTutorialMicros(false);
tut.jaxJit = await jaxTutorialMicros(true);

table(`matmul against the peers, float32, 1 thread (GFLOPS, higher is better; wasmgrad ${gemm.build} build)`,
  ['shape', 'wasmgrad wasm', 'jax-js', 'jax-js jit', 'TensorFlow.js wasm', 'wasmgrad / jax-js', 'wasmgrad / jax-js jit', 'wasmgrad / tfjs wasm'],
  mm.map(({ n, ours, tfWasm }, i) => {
    const { plain, jit } = mmJax[i]!;
    return [`${n}×${n} · ${n}×${n}`, ours, plain, jit, tfWasm, vs(ours, plain), vs(ours, jit), vs(ours, tfWasm)];
  }));
const mm1024 = mm.find((r) => r.n === 1024)!.ours;
console.log(`\nwasmgrad wasm on 2 threads, matmul 1024×1024 · 1024×1024: ${typeof two.mm === 'number' ? `${fmt(two.mm)} GFLOPS ` +
  `(${ratio(two.mm, mm1024)} one thread; jax-js and TensorFlow.js wasm have no threads in Node)` : two.mm}`);

table('tutorial loop y = w·x: forward + backward + update (µs per iteration, lower is better)', ['implementation', 'µs/iteration', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', tut.wasm, '1×'],
  ['wasmgrad wasm, 2 threads (Node\'s default; nothing here is large enough to split)', two.tut, vs(tut.wasm, two.tut, false)],
  ['wasmgrad js (pure TypeScript)', tut.js, ratio(tut.js, tut.wasm)],
  ['TensorFlow.js wasm backend', tut.tfWasm, ratio(tut.tfWasm, tut.wasm)],
  ['TensorFlow.js cpu backend', tut.tfCpu, ratio(tut.tfCpu, tut.wasm)],
  ['jax-js wasm (eager grad)', tut.jax, vs(tut.wasm, tut.jax, false)],
  ['jax-js wasm (step under jit)', tut.jaxJit, vs(tut.wasm, tut.jaxJit, false)],
]);

table('MLP 784-256-256-10 training step, batch 128, SGD (steps/s, higher is better)', ['implementation', 'steps/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', mlp.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.mlp, vs(mlp.wasm, two.mlp)],
  ['wasmgrad js (pure TypeScript)', mlp.js, ratio(mlp.wasm, mlp.js)],
  ['TensorFlow.js wasm backend', mlp.tfWasm, ratio(mlp.wasm, mlp.tfWasm)],
  ['TensorFlow.js cpu backend', mlp.tfCpu, ratio(mlp.wasm, mlp.tfCpu)],
  ['jax-js wasm (eager valueAndGrad)', mlp.jax, vs(mlp.wasm, mlp.jax)],
  ['jax-js wasm (whole step under jit)', mlp.jaxJit, vs(mlp.wasm, mlp.jaxJit)],
]);

table(`elementwise add of ${ADD_N / 2 ** 20}M floats, c = a + b (GB/s counting 12 bytes per element, higher is better)`, ['implementation', 'GB/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', add.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.add, vs(add.wasm, two.add)],
  ['wasmgrad js (pure TypeScript)', add.js, ratio(add.wasm, add.js)],
  ['TensorFlow.js wasm backend (+ dataSync copy-out)', add.tfWasm, ratio(add.wasm, add.tfWasm)],
  ['TensorFlow.js cpu backend (+ dataSync)', add.tfCpu, ratio(add.wasm, add.tfCpu)],
  ['jax-js wasm (eager, blockUntilReady)', add.jax, vs(add.wasm, add.jax)],
  ['jax-js wasm (jit, blockUntilReady)', add.jaxJit, vs(add.wasm, add.jaxJit)],
]);

table('CNN training on MNIST batches (the `npm start` model), batch 32, Adam (samples/s, higher is better)', ['implementation', 'samples/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', cnn.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.cnn, vs(cnn.wasm, two.cnn)],
  ['wasmgrad js (pure TypeScript)', cnn.js, ratio(cnn.wasm, cnn.js)],
  ['TensorFlow.js wasm backend', cnn.tfWasm, vs(cnn.wasm, cnn.tfWasm)],
  ['TensorFlow.js cpu backend', cnn.tfCpu, vs(cnn.wasm, cnn.tfCpu)],
]);
setBackend('wasm');
console.log(`\n(${quick ? 'quick run, ' : ''}${((performance.now() - t0) / 1000).toFixed(0)} s)`);
