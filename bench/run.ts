/**
 * npm run bench [-- --quick]: wasmgrad's `wasm` backend against its pure-TypeScript `js` backend,
 * TensorFlow.js (wasm and cpu backends) and jax-js (wasm device, eager and `jit`). Each library runs in
 * a process of its own (this script with `--peer <name>`, which prints its measurements as one JSON line),
 * so no library's heap, threads or compiled code slows another's. Prints one Markdown table per workload;
 * ratio columns say how many times faster the wasm backend is than each peer. A peer that cannot run a
 * workload gets an "n/a (reason)" row. See bench/README.md for how to read and extend it.
 *
 * Real models (bench/models.ts: a GPT, a CIFAR ResNet-20, a char LSTM) run on wasmgrad 1 and 2 threads and,
 * when /usr/bin/python3 has torch, on PyTorch 1 and 2 threads (bench/pytorch/models.py, same models), which
 * also runs the MNIST CNN and MLP for those tables. `--model gpt,lstm` runs only those models' tables.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { init, setBackend } from '../src/index.js';
import { fmt, quick, ratio, table } from './harness.js';
import { tfjsMlpSteps, wasmgradMlpSteps } from './mlp.js';
import { tfjsTutorialMicros, wasmgradTutorialMicros } from './tutorial.js';
import { gemmBench, gflops, tfjsMatmulGflops } from './gemm.js';
import { jaxMatmulGflops, jaxMlpSteps, jaxTutorialMicros, type Result } from './jax.js';
import { ADD_N, jaxAdd, tfjsAddGBs, wasmgradAddGBs } from './elementwise.js';
import { tfjsCnnSamples, wasmgradCnnSamples } from './cnn.js';
import { REAL_MODELS, wasmgradModelSteps, type RealModel } from './models.js';

/** Steps/s of batch 32 as samples/s. */
const times32 = (r: Result): Result => (typeof r === 'number' ? r * 32 : r);

/** "a / b×" for numbers, or the n/a text as is. `higher`: a bigger value is better (rates, not times). */
function vs(ours: number, peer: Result, higher = true): string {
  if (typeof peer === 'string') return '—';
  return higher ? ratio(ours, peer) : ratio(peer, ours);
}

const modelArg = process.argv.indexOf('--model');
/** The real models to run (all without --model); with --model, only their tables are printed. */
const MODELS: RealModel[] = modelArg < 0 ? [...REAL_MODELS] : process.argv[modelArg + 1]!.split(',').map((m) => {
  if (!(REAL_MODELS as readonly string[]).includes(m)) throw new Error(`bench: --model takes ${REAL_MODELS.join(', ')}, got ${m}`);
  return m as RealModel;
});
const onlyModels = modelArg >= 0;

/** The real models on wasmgrad, steps/s on 1 and 2 threads (or why not). */
async function measureModels(): Promise<Record<string, { 1: Result; 2: Result }>> {
  const out: Record<string, { 1: Result; 2: Result }> = {};
  const attempt = (m: RealModel): Result => {
    try {
      return wasmgradModelSteps(m);
    } catch (err) {
      return `n/a (${(err as Error).message.split('\n')[0]})`;
    }
  };
  await init({ threads: 1 });
  for (const m of MODELS) out[m] = { 1: attempt(m), 2: 'n/a' };
  await init({ threads: 2 });
  for (const m of MODELS) out[m]![2] = attempt(m);
  await init({ threads: 1 });
  return out;
}

/** PyTorch's process (python3 bench/pytorch/models.py): the real models and the MNIST CNN and MLP, 1 and 2 threads. */
type TorchResults = { torch: string; blas: string } & Record<string, { 1: number; 2: number }>;
function runPytorch(): TorchResults | string {
  const script = fileURLToPath(new URL('./pytorch/models.py', import.meta.url));
  const which = onlyModels ? MODELS : [...MODELS, 'cnn', 'mlp'];
  let merged: TorchResults | null = null;
  // one process per thread count: OpenBLAS takes its pool size from OPENBLAS_NUM_THREADS when it loads
  for (const threads of [1, 2]) {
    const child = spawnSync('/usr/bin/python3', [script, ...(quick ? ['--quick'] : []), '--model', which.join(','), '--threads', String(threads)], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    });
    if (child.error || child.status !== 0) {
      const why = child.error ? 'python3 not found' : /No module named 'torch'/.test(child.stderr ?? '') ? 'python3 has no torch' : `exit code ${child.status}`;
      return `n/a (PyTorch: ${why}; apt-get install python3-torch)`;
    }
    const r = JSON.parse((child.stdout ?? '').trim().split('\n').pop()!) as TorchResults;
    if (merged === null) merged = r;
    else for (const m of which) Object.assign(merged[m]!, r[m]);
  }
  return merged!;
}

/** The processes of a run, in order: one per library. */
const PEERS = ['wasmgrad', 'tfjs', 'jax'] as const;
type Peer = (typeof PEERS)[number];
/** Prefix of the line a peer process prints its results on. */
const RESULT_LINE = '@@bench-result ';

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

/** wasmgrad's process: the GEMM table (printed here), then every workload on wasm and js, then on 2 threads. */
async function measureWasmgrad(): Promise<Results['wasmgrad']> {
  const models = await measureModels();
  if (onlyModels) return { models } as Results['wasmgrad']; // only the model tables are printed
  return { ...(await measureAll()), models };
}

async function measureAll() {
  // one thread for every table but the "2 threads" rows (Node's default is one thread per core)
  await init({ threads: 1 });
  const gemm = await gemmBench(); // GEMM: relaxed-SIMD and plain-SIMD builds, NN/TN/NT/batched, js
  const tut = { wasm: wasmgradTutorialMicros('wasm'), js: wasmgradTutorialMicros('js') };
  const mlp = { wasm: wasmgradMlpSteps('wasm'), js: wasmgradMlpSteps('js') };
  const cnn = { wasm: wasmgradCnnSamples('wasm'), js: wasmgradCnnSamples('js') };
  const add = { wasm: wasmgradAddGBs('wasm'), js: wasmgradAddGBs('js') };
  const two = await twoThreads();
  return { build: gemm.build, mm: { 256: gemm.nn.get(256)!, 1024: gemm.nn.get(1024)! }, tut, mlp, cnn, add, two };
}

/** TensorFlow.js's process: its wasm and cpu backends. */
async function measureTfjs() {
  return {
    tut: { wasm: await tfjsTutorialMicros('wasm'), cpu: await tfjsTutorialMicros('cpu') },
    mlp: { wasm: await tfjsMlpSteps('wasm'), cpu: await tfjsMlpSteps('cpu') },
    cnn: { wasm: await tfjsCnnSamples('wasm'), cpu: await tfjsCnnSamples('cpu') },
    add: { wasm: await tfjsAddGBs('wasm'), cpu: await tfjsAddGBs('cpu') },
    mm: { 256: await tfjsMatmulGflops(256), 1024: await tfjsMatmulGflops(1024) },
  };
}

/** jax-js's process: eager and jit. */
async function measureJax() {
  return {
    mm: {
      256: { plain: await jaxMatmulGflops(256, false), jit: await jaxMatmulGflops(256, true) },
      1024: { plain: await jaxMatmulGflops(1024, false), jit: await jaxMatmulGflops(1024, true) },
    },
    mlp: { plain: await jaxMlpSteps(false), jit: await jaxMlpSteps(true) },
    add: { plain: await jaxAdd(false), jit: await jaxAdd(true) },
    tut: { plain: await jaxTutorialMicros(false), jit: await jaxTutorialMicros(true) },
  };
}

type Results = {
  wasmgrad: Awaited<ReturnType<typeof measureAll>> & { models: Awaited<ReturnType<typeof measureModels>> };
  tfjs: Awaited<ReturnType<typeof measureTfjs>>;
  jax: Awaited<ReturnType<typeof measureJax>>;
};
const measure: { [P in Peer]: () => Promise<Results[P]> } = { wasmgrad: measureWasmgrad, tfjs: measureTfjs, jax: measureJax };

/**
 * Runs one peer's process and returns its results (its other output is passed through), or the reason it
 * failed.
 */
function runPeer<P extends Peer>(peer: P): Results[P] | string {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--peer', peer, ...(quick ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  let result: Results[P] | null = null;
  for (const line of (child.stdout ?? '').split('\n')) {
    if (line.startsWith(RESULT_LINE)) result = JSON.parse(line.slice(RESULT_LINE.length)) as Results[P];
    else if (line.length > 0) console.log(line);
  }
  if (result !== null) return result;
  const why = child.error?.message ?? (child.signal !== null ? `killed by ${child.signal}` : `exit code ${child.status}`);
  console.error(`bench: the ${peer} process failed (${why})`);
  return `n/a (${peer} process failed: ${why})`;
}

const peerArg = process.argv.indexOf('--peer');
if (peerArg >= 0) {
  const peer = process.argv[peerArg + 1] as Peer;
  if (!PEERS.includes(peer)) throw new Error(`bench: --peer must be one of ${PEERS.join(', ')}, got ${peer}`);
  const result = await measure[peer]();
  console.log(RESULT_LINE + JSON.stringify(result));
  process.exit(0); // worker threads and library timers must not keep the process alive
}

const t0 = performance.now();
const ours = runPeer('wasmgrad');
if (typeof ours === 'string') throw new Error(`bench: ${ours}`);
const torchR = runPytorch();
const pt = (model: string, threads: 1 | 2): Result => (typeof torchR === 'string' ? torchR : torchR[model]?.[threads] ?? 'n/a');
const torchName = typeof torchR === 'string' ? 'PyTorch' : `PyTorch ${torchR.torch} (${torchR.blas})`;
if (typeof torchR !== 'string' && torchR.blas === 'the reference BLAS') {
  console.log('\nbench: PyTorch runs its matmuls on the reference BLAS here, several times slower than OpenBLAS; ' +
    'apt-get install libopenblas0-pthread for a fair comparison');
}
const MODEL_TITLES: Record<RealModel, string> = {
  gpt: 'GPT training step (examples/gpt/model.ts; 2 layers, 4 heads, n_embd 128, block 64, batch 16, AdamW)',
  resnet: 'CIFAR ResNet-20 training step (16-32-64 channels, batch 32, 32×32×3, SGD momentum)',
  lstm: 'char LSTM training step (embedding 65×128, nn.LSTM hidden 128, seq 32, batch 16, Adam)',
};
for (const m of MODELS) {
  const w1 = ours.models[m]![1], w2 = ours.models[m]![2], p1 = pt(m, 1), p2 = pt(m, 2);
  table(`${MODEL_TITLES[m]} (steps/s, higher is better)`, ['implementation', 'steps/s', 'wasmgrad 1 thread is', 'wasmgrad 2 threads is'], [
    ['wasmgrad wasm, 1 thread', w1, '1×', typeof w1 === 'number' && typeof w2 === 'number' ? ratio(w2, w1) : '—'],
    ['wasmgrad wasm, 2 threads', w2, '—', '1×'],
    [`${torchName}, 1 thread`, p1, typeof w1 === 'number' ? vs(w1, p1) : '—', '—'],
    [`${torchName}, 2 threads`, p2, '—', typeof w2 === 'number' ? vs(w2, p2) : '—'],
  ]);
}
if (onlyModels) {
  console.log(`\n(${quick ? 'quick run, ' : ''}${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  process.exit(0);
}
const tfR = runPeer('tfjs');
const jaxR = runPeer('jax');
/** A peer's value at `pick`, or its process's failure. */
const tf = <T>(pick: (r: Results['tfjs']) => T): T | string => (typeof tfR === 'string' ? tfR : pick(tfR));
const jx = <T>(pick: (r: Results['jax']) => T): T | string => (typeof jaxR === 'string' ? jaxR : pick(jaxR));
const { tut, mlp, cnn, add, two } = ours;
const mm = ([256, 1024] as const).map((n) => ({ n, ours: ours.mm[n], tfWasm: tf((r) => r.mm[n]) }));

table(`matmul against the peers, float32, 1 thread (GFLOPS, higher is better; wasmgrad ${ours.build} build)`,
  ['shape', 'wasmgrad wasm', 'jax-js', 'jax-js jit', 'TensorFlow.js wasm', 'wasmgrad / jax-js', 'wasmgrad / jax-js jit', 'wasmgrad / tfjs wasm'],
  mm.map(({ n, ours: o, tfWasm }) => {
    const plain = jx((r) => r.mm[n as 256 | 1024].plain), jit = jx((r) => r.mm[n as 256 | 1024].jit);
    return [`${n}×${n} · ${n}×${n}`, o, plain, jit, tfWasm, vs(o, plain), vs(o, jit), vs(o, tfWasm)];
  }));
const mm1024 = ours.mm[1024];
console.log(`\nwasmgrad wasm on 2 threads, matmul 1024×1024 · 1024×1024: ${typeof two.mm === 'number' ? `${fmt(two.mm)} GFLOPS ` +
  `(${ratio(two.mm, mm1024)} one thread; jax-js and TensorFlow.js wasm have no threads in Node)` : two.mm}`);

table('tutorial loop y = w·x: forward + backward + update (µs per iteration, lower is better)', ['implementation', 'µs/iteration', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', tut.wasm, '1×'],
  ['wasmgrad wasm, 2 threads (Node\'s default; nothing here is large enough to split)', two.tut, vs(tut.wasm, two.tut, false)],
  ['wasmgrad js (pure TypeScript)', tut.js, ratio(tut.js, tut.wasm)],
  ['TensorFlow.js wasm backend', tf((r) => r.tut.wasm), vs(tut.wasm, tf((r) => r.tut.wasm), false)],
  ['TensorFlow.js cpu backend', tf((r) => r.tut.cpu), vs(tut.wasm, tf((r) => r.tut.cpu), false)],
  ['jax-js wasm (eager grad)', jx((r) => r.tut.plain), vs(tut.wasm, jx((r) => r.tut.plain), false)],
  ['jax-js wasm (step under jit)', jx((r) => r.tut.jit), vs(tut.wasm, jx((r) => r.tut.jit), false)],
]);

table('MLP 784-256-256-10 training step, batch 128, SGD (steps/s, higher is better)', ['implementation', 'steps/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', mlp.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.mlp, vs(mlp.wasm, two.mlp)],
  ['wasmgrad js (pure TypeScript)', mlp.js, ratio(mlp.wasm, mlp.js)],
  ['TensorFlow.js wasm backend', tf((r) => r.mlp.wasm), vs(mlp.wasm, tf((r) => r.mlp.wasm))],
  ['TensorFlow.js cpu backend', tf((r) => r.mlp.cpu), vs(mlp.wasm, tf((r) => r.mlp.cpu))],
  ['jax-js wasm (eager valueAndGrad)', jx((r) => r.mlp.plain), vs(mlp.wasm, jx((r) => r.mlp.plain))],
  ['jax-js wasm (whole step under jit)', jx((r) => r.mlp.jit), vs(mlp.wasm, jx((r) => r.mlp.jit))],
  [`${torchName}, 1 thread`, pt('mlp', 1), vs(mlp.wasm, pt('mlp', 1))],
  [`${torchName}, 2 threads (wasmgrad 2 threads is ${typeof two.mlp === 'number' ? vs(two.mlp, pt('mlp', 2)) : '—'})`, pt('mlp', 2), vs(mlp.wasm, pt('mlp', 2))],
]);

table(`elementwise add of ${ADD_N / 2 ** 20}M floats, c = a + b (GB/s counting 12 bytes per element, higher is better)`, ['implementation', 'GB/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', add.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.add, vs(add.wasm, two.add)],
  ['wasmgrad js (pure TypeScript)', add.js, ratio(add.wasm, add.js)],
  ['TensorFlow.js wasm backend (+ dataSync copy-out)', tf((r) => r.add.wasm), vs(add.wasm, tf((r) => r.add.wasm))],
  ['TensorFlow.js cpu backend (+ dataSync)', tf((r) => r.add.cpu), vs(add.wasm, tf((r) => r.add.cpu))],
  ['jax-js wasm (eager, blockUntilReady)', jx((r) => r.add.plain), vs(add.wasm, jx((r) => r.add.plain))],
  ['jax-js wasm (jit, blockUntilReady)', jx((r) => r.add.jit), vs(add.wasm, jx((r) => r.add.jit))],
]);

table('CNN training on MNIST batches (the `npm start` model), batch 32, Adam (samples/s, higher is better)', ['implementation', 'samples/s', 'wasmgrad wasm is'], [
  ['wasmgrad wasm', cnn.wasm, '1×'],
  ['wasmgrad wasm, 2 threads', two.cnn, vs(cnn.wasm, two.cnn)],
  ['wasmgrad js (pure TypeScript)', cnn.js, ratio(cnn.wasm, cnn.js)],
  ['TensorFlow.js wasm backend', tf((r) => r.cnn.wasm), vs(cnn.wasm, tf((r) => r.cnn.wasm))],
  ['TensorFlow.js cpu backend', tf((r) => r.cnn.cpu), vs(cnn.wasm, tf((r) => r.cnn.cpu))],
  [`${torchName}, 1 thread`, times32(pt('cnn', 1)), vs(cnn.wasm, times32(pt('cnn', 1)))],
  [`${torchName}, 2 threads (wasmgrad 2 threads is ${typeof two.cnn === 'number' ? vs(two.cnn, times32(pt('cnn', 2))) : '—'})`, times32(pt('cnn', 2)), vs(cnn.wasm, times32(pt('cnn', 2)))],
]);
console.log(`\n(${quick ? 'quick run, ' : ''}${((performance.now() - t0) / 1000).toFixed(0)} s; one process per library)`);
