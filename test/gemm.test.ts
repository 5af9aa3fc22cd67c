/**
 * The packed GEMM of both WebAssembly builds (relaxed SIMD: 6x8 FMA micro-kernel; plain SIMD: 5x8
 * mul+add) against the js reference: all transpose combinations and general strides, odd sizes and
 * sizes crossing the cache blocks (MC = 120 rows, KC = 512 deep, NC = 4096 columns), beta 0/1, k = 0, the fused
 * bias (per column and per row) and ReLU epilogues; plus build selection at load (backendInfo, init).
 * Needs build/wasmgrad.wasm and build/wasmgrad-relaxed.wasm (npm run asbuild).
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import {
  defaultWasmUrl, enableRelaxedSimd, instantiateKernelsSync, readWasmFileSync, relaxedWasmUrl,
} from '../src/backends/wasm/loader.js';
import { backendInfo, getBackend, init, setBackend, F, tensor, randn, manualSeed } from '../src/index.js';
import { mulberry32, put, randArray, readF } from './helpers.js';

const conv2d = F.conv2d;

const relaxedBytes = readWasmFileSync(relaxedWasmUrl);
const builds: [string, Kernels][] = [['simd', instantiateKernelsSync(readWasmFileSync(defaultWasmUrl))]];
if (enableRelaxedSimd(relaxedBytes)) builds.push(['relaxed-simd', instantiateKernelsSync(relaxedBytes)]);

let rng = mulberry32(7);

interface Case {
  m: number; n: number; k: number;
  ta?: boolean; tb?: boolean;
  /** Extra element stride of A's and B's rows/columns (a view of every other element). */
  step?: number;
  beta?: number;
  biasMode?: number;
  relu?: number;
}

/** Runs one case on a build and on js (same inputs, same initial C) and compares. */
function check(kern: Kernels, c: Case): void {
  const { m, n, k, ta = false, tb = false, step = 1, beta = 0, biasMode = 0, relu = 0 } = c;
  const what = JSON.stringify(c);
  // A is m×k (stored k×m when ta), B is k×n (stored n×k when tb); `step` spreads elements apart
  const aData = randArray(rng, m * k * step), bData = randArray(rng, k * n * step);
  const a = put(aData), b = put(bData);
  const [sa0, sa1] = ta ? [step, m * step] : [k * step, step];
  const [sb0, sb1] = tb ? [step, k * step] : [n * step, step];
  const biasLen = biasMode === 1 ? n : biasMode === 2 ? m : 0;
  const bias = biasLen > 0 ? put(randArray(rng, biasLen)) : 0;
  const c0 = randArray(rng, m * n);
  const results = [kern, jsKernels].map((K) => {
    const cPtr = put(c0);
    const wsBytes = K.gemm_f32_workspace(m, n, k);
    const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
    if (biasMode === 0 && relu === 0) K.gemm_f32(a, b, cPtr, m, n, k, sa0, sa1, sb0, sb1, beta, ws);
    else K.gemm_bias_f32(a, b, cPtr, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, ws);
    const out = readF(cPtr, m * n);
    if (ws !== 0) heap.free(ws, wsBytes);
    heap.free(cPtr, Math.max(4, m * n * 4));
    return out;
  });
  const [got, want] = results as [Float32Array, Float32Array];
  const tol = 2e-6 * Math.sqrt(Math.max(k, 1)) * 4;
  let bad: string | null = null;
  for (let i = 0; i < want.length && bad === null; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)))) bad = `${what}: [${i}] got ${got[i]}, want ${want[i]}`;
    if (relu && got[i]! < 0) bad = `${what}: [${i}] negative after ReLU`;
  }
  expect(bad).toBeNull();
  heap.free(a, Math.max(4, aData.length * 4));
  heap.free(b, Math.max(4, bData.length * 4));
  if (bias !== 0) heap.free(bias, biasLen * 4);
}

describe.each(builds)('gemm, %s build, against js', (_name, kern) => {
  it('all transpose combinations, odd sizes (1, 3, 17, 129), beta 0/1', () => {
    rng = mulberry32(1);
    const dims = [1, 3, 17, 129];
    for (const m of dims) for (const n of dims) for (const k of dims) {
      const i = m + 2 * n + 3 * k;
      check(kern, { m, n, k, ta: i % 2 === 0, tb: (i >> 1) % 2 === 0, beta: (i >> 2) % 2 });
    }
    for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1]) {
      check(kern, { m: 17, n: 129, k: 3, ta, tb, beta });
      check(kern, { m: 7, n: 9, k: 33, ta, tb, beta });
      check(kern, { m: 6, n: 8, k: 4, ta, tb, beta }); // exactly one full tile
    }
  });

  it('sizes crossing the cache blocks (m > MC, k > KC) and panel edges', () => {
    rng = mulberry32(2);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      check(kern, { m: 145, n: 37, k: 257, ta, tb, beta: 1 });
      check(kern, { m: 289, n: 9, k: 513, ta, tb });
    }
    check(kern, { m: 31, n: 4100, k: 5 }); // n > NC
    check(kern, { m: 300, n: 23, k: 600, biasMode: 1, relu: 1, beta: 1 }); // bias once, ReLU after the last k block
    check(kern, { m: 241, n: 17, k: 1030, biasMode: 2, relu: 1, tb: true });
  });

  it('every count of rows left in the last row panel (edge kernels), with each epilogue and a second k block', () => {
    rng = mulberry32(6);
    for (let m = 1; m <= 13; m++) {
      for (const biasMode of [0, 1, 2]) {
        check(kern, { m, n: 16, k: 9, beta: biasMode === 1 ? 1 : 0, biasMode, relu: biasMode === 2 ? 1 : 0 });
      }
      check(kern, { m, n: 8, k: 515, ta: true, biasMode: 2, relu: 1, beta: 1 });
      // 1-2 edge rows go through 16-column kernels over pairs of B panels: an odd count of full panels
      // (the last one alone), a pair followed by a partial panel, one full panel and a partial one
      check(kern, { m, n: 40, k: 515, biasMode: 1, relu: 1, beta: 1 });
      check(kern, { m, n: 20, k: 7, tb: true, biasMode: 2 });
      check(kern, { m, n: 12, k: 6, beta: 1 });
    }
  });

  it('general strides (neither unit row nor unit column stride)', () => {
    rng = mulberry32(3);
    for (const [ta, tb] of [[false, false], [true, true], [false, true]] as const) {
      check(kern, { m: 13, n: 19, k: 21, ta, tb, step: 2 });
      check(kern, { m: 6, n: 16, k: 8, ta, tb, step: 3, beta: 1 });
    }
  });

  it('k = 0: C = 0 or unchanged, plus bias and ReLU', () => {
    rng = mulberry32(4);
    for (const beta of [0, 1]) for (const biasMode of [0, 1, 2]) for (const relu of [0, 1]) {
      check(kern, { m: 3, n: 17, k: 0, beta, biasMode, relu });
    }
  });

  it('fused bias (per column, per row) and ReLU epilogues, every layout', () => {
    rng = mulberry32(5);
    for (const biasMode of [0, 1, 2]) for (const relu of [0, 1]) for (const beta of [0, 1]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
        check(kern, { m: 13, n: 21, k: 17, ta, tb, beta, biasMode, relu });
        check(kern, { m: 12, n: 16, k: 64, ta, tb, beta, biasMode, relu });
      }
    }
  });

  it('ReLU keeps NaN, and bias-only with a zero product', () => {
    const m = 7, n = 9, k = 5;
    const a = put(new Float32Array(m * k).fill(0));
    const b = put(new Float32Array(k * n).fill(1));
    const bias = put(Float32Array.from({ length: n }, (_, j) => (j === 3 ? NaN : j - 4)));
    const c = put(new Float32Array(m * n));
    const ws = heap.alloc(kern.gemm_f32_workspace(m, n, k));
    kern.gemm_bias_f32(a, b, c, m, n, k, k, 1, n, 1, 0, bias, 1, 1, ws);
    const out = readF(c, m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = out[i * n + j]!;
        if (j === 3) expect(v).toBeNaN();
        else expect(v).toBe(Math.max(j - 4, 0));
      }
    }
  });
});

describe('build selection', () => {
  it('Node 20 gets the relaxed-SIMD build by default; init({ simd }) switches builds', async () => {
    expect(builds.length).toBe(2); // relaxed SIMD validates after the V8 flag
    const before = getBackend();
    setBackend('wasm');
    const info = backendInfo();
    expect(info.backend).toBe('wasm');
    expect(info.build).toBe(process.env.WASMGRAD_WASM_BUILD === 'plain' ? 'simd' : 'relaxed-simd');
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const w = tensor([[1, 0, -1], [2, 1, 0]]);
    const bias = tensor([2.5, -10]);
    const want = [[0.5, 0], [0.5, 3]];
    expect(F.linear(x, w, bias).relu().tolist()).toEqual(want);
    await init({ simd: 'plain' });
    expect(backendInfo().build).toBe('simd');
    expect(F.linear(x, w, bias).relu().tolist()).toEqual(want);
    await init({ simd: 'auto' });
    expect(backendInfo().build).toBe('simd'); // auto keeps what is loaded
    await init({ simd: 'relaxed' });
    expect(backendInfo().build).toBe('relaxed-simd');
    expect(F.linear(x, w, bias).relu().tolist()).toEqual(want);
    setBackend(before);
  });
});

describe('fused-bias callers', () => {
  it('F.linear (fused bias) matches matmul + add, gradients included, 1-D to 3-D inputs', () => {
    manualSeed(3);
    for (const shape of [[5], [4, 5], [2, 3, 5]]) {
      const x = randn(shape, { requiresGrad: true });
      const w = randn([6, 5], { requiresGrad: true });
      const b = randn([6], { requiresGrad: true });
      const y = F.linear(x, w, b);
      expect(y.shape).toEqual([...shape.slice(0, -1), 6]);
      expect(y.gradFn?.name).toBe('AddmmBackward0');
      const ref = x.matmul(w.t()).add(b);
      expectAllClose(y.toArray(), ref.toArray());
      const gy = randn(y.shape);
      y.backward(gy);
      const [gx, gw, gb] = [x.grad!.toArray(), w.grad!.toArray(), b.grad!.toArray()];
      x.grad = null; w.grad = null; b.grad = null;
      ref.backward(gy);
      expectAllClose(gx, x.grad!.toArray());
      expectAllClose(gw, w.grad!.toArray());
      expectAllClose(gb, b.grad!.toArray());
    }
  });

  it('F.linear with a transposed input view and conv2d with a fused bias', () => {
    manualSeed(4);
    const xt = randn(5, 4).t(); // [4, 5], non-contiguous
    const w = randn(3, 5), b = randn(3);
    expectAllClose(F.linear(xt, w, b).toArray(), xt.matmul(w.t()).add(b).toArray());
    const x = randn([2, 3, 6, 6], { requiresGrad: true });
    const cw = randn([4, 3, 3, 3], { requiresGrad: true });
    const cb = randn([4], { requiresGrad: true });
    const y = conv2d(x, cw, cb, { padding: 1 });
    expect(y.gradFn?.name).toBe('ConvolutionBackward0');
    const ref = conv2d(x, cw, null, { padding: 1 }).add(cb.reshape(1, 4, 1, 1));
    expectAllClose(y.toArray(), ref.toArray());
    y.sum().backward();
    const gb = cb.grad!.toArray();
    expect(gb.length).toBe(4);
    for (const v of gb) expect(v).toBeCloseTo(2 * 36, 3);
  });
});

function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)))) {
      expect(`[${i}] got ${got[i]}, want ${want[i]}`).toBe('close');
    }
  }
}
