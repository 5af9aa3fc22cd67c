/**
 * npm run bench [-- --quick]: wasmgrad's `wasm` backend against its pure-TypeScript `js` backend and
 * TensorFlow.js. Prints one Markdown table per workload; ratio columns say how many times faster the
 * wasm backend is.
 * See bench/README.md for how to read and extend it.
 */
import { setBackend } from '../src/index.js';
import { ratio, table } from './harness.js';
import { tfjsMlpSteps, wasmgradMlpSteps } from './mlp.js';
import { tfjsTutorialMicros, wasmgradTutorialMicros } from './tutorial.js';
import { gemmBench } from './gemm.js';


await gemmBench(); // GEMM: relaxed-SIMD and plain-SIMD builds, NN/TN/NT/batched, js

const tut = {
  wasm: wasmgradTutorialMicros('wasm'),
  js: wasmgradTutorialMicros('js'),
  tfWasm: await tfjsTutorialMicros('wasm'),
  tfCpu: await tfjsTutorialMicros('cpu'),
};
table('tutorial loop y = w·x: forward + backward + update (µs per iteration, lower is better)', ['implementation', 'µs/iteration', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', tut.wasm, '1×'],
  ['wasmgrad js (pure TypeScript)', tut.js, ratio(tut.js, tut.wasm)],
  ['TensorFlow.js wasm backend', tut.tfWasm, ratio(tut.tfWasm, tut.wasm)],
  ['TensorFlow.js cpu backend', tut.tfCpu, ratio(tut.tfCpu, tut.wasm)],
]);

const mlp = {
  wasm: wasmgradMlpSteps('wasm'),
  js: wasmgradMlpSteps('js'),
  tfWasm: await tfjsMlpSteps('wasm'),
  tfCpu: await tfjsMlpSteps('cpu'),
};
table('MLP 784-256-256-10 training step, batch 128, SGD (steps/s, higher is better)', ['implementation', 'steps/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', mlp.wasm, '1×'],
  ['wasmgrad js (pure TypeScript)', mlp.js, ratio(mlp.wasm, mlp.js)],
  ['TensorFlow.js wasm backend', mlp.tfWasm, ratio(mlp.wasm, mlp.tfWasm)],
  ['TensorFlow.js cpu backend', mlp.tfCpu, ratio(mlp.wasm, mlp.tfCpu)],
]);
setBackend('wasm');
