/**
 * GEMM benchmark: matmul GFLOPS of the relaxed-SIMD build, the plain-SIMD build and the js backend, for
 * the layouts training uses: a·b (NN), aᵀ·b (TN, weight gradients), a·bᵀ (NT, input gradients and
 * linear layers) and a batched bmm. Each is one op call on tensors (allocation and dispatch included).
 */
import { backendInfo, bmm, init, randn, setBackend, type SimdPreference, type Tensor } from '../src/index.js';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { fmt, quick, ratio, table, timeIt } from './harness.js';

/**
 * GFLOPS of f32x4.relaxed_madd on one core with everything in registers (bench/peak/fma-peak.ts, built to
 * build/fma-peak.wasm by `npm run prebench`), the fastest of several runs: the ceiling of any WebAssembly
 * SIMD GEMM here. A string when it cannot run (not built, or no relaxed SIMD).
 */
export async function fmaPeakGflops(): Promise<number | string> {
  let fn: (iterations: number, x: number) => number;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 (later versions have it on)
    const bytes = readFileSync(new URL('../build/fma-peak.wasm', import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes, {});
    fn = instance.exports.fma_chains as typeof fn;
  } catch (err) {
    return `n/a (${(err as Error).message.split('\n')[0]}; \`npm run bench\` builds it)`;
  }
  const iterations = 1e7, flops = iterations * 12 * 8;
  fn(1e6, 1); // past V8's baseline tier
  // a ceiling: the fastest of several runs (noise only slows a run down)
  let best = Infinity;
  for (let r = 0; r < (quick ? 5 : 15); r++) {
    const t0 = performance.now();
    fn(iterations, 1);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return flops / best / 1e9;
}

type Variant = 'NN' | 'TN' | 'NT' | 'batched';
const variants: Variant[] = ['NN', 'TN', 'NT', 'batched'];
const BATCH = 4;

/** Returns the timed body and its flop count for one variant at size n (inputs made once). */
function workload(n: number, v: Variant): { fn: () => void; flops: number; free: () => void } {
  if (v === 'batched') {
    const a = randn(BATCH, n, n), b = randn(BATCH, n, n);
    return { fn: () => bmm(a, b).dispose(), flops: 2 * BATCH * n ** 3, free: () => { a.dispose(); b.dispose(); } };
  }
  // TN: a is stored k×m and used transposed; NT: b stored n×k
  const a = randn(n, n), b = randn(n, n);
  const op: () => Tensor = v === 'NN' ? () => a.matmul(b) : v === 'TN' ? () => a.t().matmul(b) : () => a.matmul(b.t());
  return { fn: () => op().dispose(), flops: 2 * n ** 3, free: () => { a.dispose(); b.dispose(); } };
}

/** GFLOPS of one layout at size n on the current backend and thread count. */
export function gflops(n: number, v: Variant): number {
  const { fn, flops, free } = workload(n, v);
  // warm up for a while: V8 runs a wasm function's first long calls in its baseline tier
  const t0 = performance.now();
  do fn(); while (performance.now() - t0 < (quick ? 60 : 200));
  const s = timeIt(fn, { warmup: 0 });
  free();
  return flops / s / 1e9;
}

function jsGflops(n: number): number {
  setBackend('js');
  const { fn, flops, free } = workload(n, 'NN');
  const s = timeIt(fn, n >= 512 ? { repeats: 1, minSeconds: 0, warmup: 0 } : { warmup: 1 });
  free();
  setBackend('wasm');
  return flops / s / 1e9;
}

async function measureBuild(simd: SimdPreference, sizes: number[]): Promise<{ build: string; g: Map<string, number> }> {
  await init({ simd, backend: 'wasm' });
  const g = new Map<string, number>();
  for (const n of sizes) for (const v of variants) g.set(`${n} ${v}`, gflops(n, v));
  return { build: backendInfo().build ?? '?', g };
}

/**
 * Prints the GEMM table; restores the default (auto) build afterwards and returns that build's name and
 * its NN GFLOPS by n (for the peer tables).
 */
export async function gemmBench(): Promise<{ build: string; nn: Map<number, number> }> {
  const sizes = [64, 256, 512, 1024];
  const jsSizes = quick ? [64, 256] : [64, 256, 512];
  // plain first: init({ simd: 'auto' }) keeps whichever build is loaded, so measuring relaxed last leaves
  // the process on the build a fresh process picks (relaxed where the engine has it) for the other tables
  const plain = await measureBuild('plain', sizes);
  const relaxed = await measureBuild('relaxed', sizes);
  await init({ simd: 'auto' });
  const js = new Map(jsSizes.map((n) => [n, jsGflops(n)] as const));
  const rows = sizes.flatMap((n) =>
    variants.map((v) => {
      const r = relaxed.g.get(`${n} ${v}`)!, p = plain.g.get(`${n} ${v}`)!;
      const j = v === 'NN' ? js.get(n) : undefined;
      const shape = v === 'batched' ? `${BATCH}×${n}×${n} · ${BATCH}×${n}×${n}` : `${n}×${n} · ${n}×${n}`;
      return [shape, v === 'batched' ? 'bmm' : v, r, p, j ?? '—', ratio(r, p), j !== undefined ? ratio(r, j) : '—'];
    }));
  table(
    `matmul, float32, 1 thread (GFLOPS, higher is better; ${relaxed.build} vs ${plain.build} WebAssembly build)`,
    ['shape', 'layout', 'wasm relaxed-simd', 'wasm simd', 'js', 'relaxed / simd', 'relaxed / js'],
    rows,
  );
  const at = (m: Map<string, number>, min: number): string =>
    variants.map((v) => `${v} ${fmt(Math.min(...sizes.filter((n) => n >= min).map((n) => m.get(`${n} ${v}`)!)))}`).join(', ');
  console.log(`\nslowest at n ≥ 256 — relaxed: ${at(relaxed.g, 256)}; plain: ${at(plain.g, 256)}`);
  const peak = await fmaPeakGflops();
  console.log(typeof peak === 'string'
    ? `f32x4.relaxed_madd peak: ${peak}`
    : `f32x4.relaxed_madd peak on one core (12 chains in registers): ${fmt(peak)} GFLOPS; the relaxed matmul at ` +
      `n = 1024 runs at ${Math.round((100 * relaxed.g.get('1024 NN')!) / peak)}% of it`);
  const auto = backendInfo().build ?? '?';
  const chosen = auto === plain.build && auto !== relaxed.build ? plain : relaxed;
  return { build: chosen.build, nn: new Map(sizes.map((n) => [n, chosen.g.get(`${n} NN`)!] as const)) };
}

/** TensorFlow.js wasm-backend matmul n×n · n×n GFLOPS (dataSync ends each call), for the peer table. */
export async function tfjsMatmulGflops(n: number): Promise<number> {
  const { loadTf } = await import('./mlp.js');
  const tf = await loadTf();
  await tf.setBackend('wasm');
  await tf.ready();
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  const fn = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  const t0 = performance.now();
  do fn(); while (performance.now() - t0 < (quick ? 60 : 200));
  const s = timeIt(fn, { warmup: 0 });
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / s / 1e9;
}
