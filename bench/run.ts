/**
 * npm run bench [-- --quick]: wasmgrad's `wasm` backend against its pure-TypeScript `js` backend and
 * TensorFlow.js. Prints one Markdown table per workload; ratio columns say how many times faster the
 * wasm backend is.
 * See bench/README.md for how to read and extend it.
 */
import { randn, setBackend, tensor, type BackendName } from '../src/index.js';
import { quick, ratio, table, timeIt } from './harness.js';
import { tfjsMlpSteps, wasmgradMlpSteps } from './mlp.js';

const backends: BackendName[] = ['wasm', 'js'];

function matmulGflops(n: number, backend: BackendName): number {
  setBackend(backend);
  const a = randn(n, n), b = randn(n, n);
  const big = n >= 1024 && backend === 'js';
  const s = timeIt(() => a.matmul(b).dispose(), big ? { repeats: quick ? 1 : 3, minSeconds: 0, warmup: quick ? 0 : 1 } : {});
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / s / 1e9;
}

/** The tutorial's inner step: forward, backward, SGD update through .data, zero the grad. */
function tutorialMicros(backend: BackendName): number {
  setBackend(backend);
  const w = tensor([3.0], { requiresGrad: true });
  const data = [[1, 2], [2, 4], [3, 6]] as const;
  let i = 0;
  const s = timeIt(() => {
    const [x, y] = data[i++ % 3]!;
    const l = w.mul(x).sub(y).pow(2);
    l.backward();
    w.data = w.data.sub(w.grad!.data.mul(0.01));
    w.grad!.data.zero_();
  }, { warmup: 2000 });
  return s * 1e6;
}

const sizes = quick ? [64, 256] : [64, 256, 1024];
const gemmRows = sizes.map((n) => {
  const [w, j] = backends.map((b) => matmulGflops(n, b)) as [number, number];
  return [`${n}×${n}·${n}×${n}`, w, j, ratio(w, j)];
});
table('matmul, float32, 1 thread (GFLOPS, higher is better)', ['shape', 'wasm', 'js', 'wasm / js'], gemmRows);

const [tw, tj] = backends.map(tutorialMicros) as [number, number];
table('tutorial loop y = w·x (µs per iteration, lower is better)', ['workload', 'wasm', 'js', 'js / wasm'], [
  ['forward + backward + update', tw, tj, ratio(tj, tw)],
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
