/**
 * Fused training kernels (assembly/fused.ts, src/backends/js/fused.ts): the WebAssembly kernels against
 * the TypeScript reference at odd sizes and IEEE special values, and backward results through the fused
 * path (grad mode off inside backward) against the composite path the same rules take under createGraph.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { F, grad, memory, randint, randn, tensor, type Tensor } from '../src/index.js';
import { expectClose, mulberry32, put, randArray, readF } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
const js = jsKernels;

const rng = mulberry32(777);
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 3e38, -3e38, 1e-40, -1e-40];
/** Without huge finite values: row sums of those overflow in f32 (wasm) but not in f64 (js). */
const SPECIAL_NO_HUGE = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40];

function values(n: number, lo = -3, hi = 3, special = false, sp = SPECIAL): Float32Array {
  const a = randArray(rng, n, lo, hi);
  if (special) {
    for (let i = 0; i < n; i++) if (rng() < 0.3) a[i] = sp[Math.floor(rng() * sp.length)]!;
  }
  return a;
}
const SIZES = [1, 3, 17, 129];

/** Runs an elementwise fused kernel on both backends with fresh outputs; returns [wasm, js]. */
function both(n: number, inputs: Float32Array[], call: (k: Kernels, ptrs: number[], out: number) => void): [Float32Array, Float32Array] {
  const res = [wasm, js].map((k) => {
    const ptrs = inputs.map(put);
    const out = heap.alloc(Math.max(16, n * 4));
    call(k, ptrs, out);
    const r = readF(out, n);
    ptrs.forEach((p, i) => heap.free(p, Math.max(16, inputs[i]!.length * 4)));
    heap.free(out, Math.max(16, n * 4));
    return r;
  });
  return res as [Float32Array, Float32Array];
}

/** The same values: NaN matches NaN, and -0 differs from 0. */
const SAME = { atol: 0, rtol: 0, signedZeros: true };

describe('fused kernels: wasm against js', () => {
  for (const n of SIZES) {
    for (const special of [false, true]) {
      const tag = `n=${n}${special ? ' with special values' : ''}`;
      it(`relu_backward_f32 ${tag}`, () => {
        const g = values(n, -3, 3, special), y = values(n, -3, 3, special);
        const [w, j] = both(n, [g, y], (k, [pg, py], out) => k.relu_backward_f32(pg!, py!, out, n));
        expectClose(w, j, SAME);
        for (let i = 0; i < n; i++) expect(Object.is(j[i], y[i]! <= 0 ? 0 : g[i])).toBe(true);
      });
      it(`sigmoid_backward_f32 and tanh_backward_f32 ${tag}`, () => {
        const g = values(n, -3, 3, special), y = values(n, -1, 1, special);
        for (const name of ['sigmoid_backward_f32', 'tanh_backward_f32'] as const) {
          const [w, j] = both(n, [g, y], (k, [pg, py], out) => k[name](pg!, py!, out, n));
          expectClose(w, j, SAME);
        }
      });
      for (const p of [2, 3, 0, 1, 0.5, 2.5, -1, -0.5]) {
        it(`pow_backward_f32 p=${p} ${tag}`, () => {
          const g = values(n, -3, 3, special), x = values(n, p % 1 === 0 ? -3 : 0, 3, special);
          const [w, j] = both(n, [g, x], (k, [pg, px], out) => k.pow_backward_f32(pg!, px!, out, n, p));
          // fast paths are exact; general exponents go through pow in f64 (wasm rounds p - 1 to f32)
          expectClose(w, j, [0, 1, 2, 3].includes(p) ? SAME : { rtol: 1e-6, atol: 0 });
        });
      }
      for (const cols of [1, 3, 10]) {
        it(`softmax / log_softmax backward ${tag} cols=${cols}`, () => {
          const rows = n;
          const m = rows * cols;
          const g = values(m, -3, 3, special, SPECIAL_NO_HUGE);
          const logits = values(m);
          const y = new Float32Array(m), ly = new Float32Array(m);
          for (let r = 0; r < rows; r++) {
            const row = logits.subarray(r * cols, (r + 1) * cols);
            const mx = Math.max(...row);
            const s = row.reduce((acc, v) => acc + Math.exp(v - mx), 0);
            for (let c = 0; c < cols; c++) {
              y[r * cols + c] = Math.exp(row[c]! - mx) / s;
              ly[r * cols + c] = row[c]! - mx - Math.log(s);
            }
          }
          const [w1, j1] = both(m, [g, y], (k, [pg, py], out) => k.softmax_backward_f32(pg!, py!, out, rows, cols));
          expectClose(w1, j1, { rtol: 1e-5, atol: 1e-6 });
          const [w2, j2] = both(m, [g, ly], (k, [pg, py], out) => k.log_softmax_backward_f32(pg!, py!, out, rows, cols));
          expectClose(w2, j2, { rtol: 1e-5, atol: 1e-6 });
        });
      }
    }
  }

  it('out may alias an input', () => {
    for (const k of [wasm, js]) {
      const g = values(17), y = values(17);
      const pg = put(g), py = put(y);
      k.relu_backward_f32(pg, py, pg, 17);
      const r = readF(pg, 17);
      for (let i = 0; i < 17; i++) expect(r[i]).toBe(y[i]! > 0 ? g[i] : 0);
      heap.free(pg, 68);
      heap.free(py, 68);
    }
  });
});

/** Gradients of `f` at `inputs`, through backward() (fused) and through grad() with createGraph (composite). */
function fusedAndComposite(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): [Float32Array[], Float32Array[]] {
  const fused = (() => {
    for (const x of inputs) x.grad = null;
    f(...inputs).backward();
    return inputs.map((x) => x.grad!.toArray() as Float32Array);
  })();
  const composite = grad(f(...inputs), inputs, { createGraph: true }).map((g) => g!.toArray() as Float32Array);
  return [fused, composite];
}

describe('backward through the fused kernels equals the composite form', () => {
  const cases: [string, (x: Tensor) => Tensor, number][] = [
    ['relu', (x) => x.relu().mul(x).sum(), 0],
    ['sigmoid', (x) => x.sigmoid().mul(x).sum(), 0],
    ['tanh', (x) => x.tanh().mul(x).sum(), 0],
    ['pow 2', (x) => x.pow(2).mul(x).sum(), 0],
    ['pow 3', (x) => x.pow(3).sum(), 0],
    ['pow 0', (x) => x.pow(0).mul(x).sum(), 0],
    ['pow 2.5', (x) => x.abs().add(0.1).pow(2.5).mul(x).sum(), 0],
    ['pow -1', (x) => x.abs().add(0.5).pow(-1).mul(x).sum(), 0],
    ['softmax', (x) => x.softmax(1).mul(x).sum(), 1e-5],
    ['softmax dim 0 (composite both ways)', (x) => x.softmax(0).mul(x).sum(), 1e-5],
    ['logSoftmax', (x) => x.logSoftmax(-1).mul(x).sum(), 1e-5],
  ];
  for (const [name, f, rel] of cases) {
    it(name, () => {
      const x = randn(5, 7, { requiresGrad: true });
      const [[a], [b]] = fusedAndComposite(f, [x]);
      expectClose(a!, b!, rel === 0 ? SAME : { rtol: rel, atol: rel });
    });
  }

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`crossEntropy reduction=${reduction}`, () => {
      const x = randn(9, 5, { requiresGrad: true });
      const y = randint(0, 5, [9]);
      const w = randn(9);
      const f = (t: Tensor) => {
        const l = F.crossEntropy(t, y, { reduction });
        return reduction === 'none' ? l.mul(w).sum() : l.mul(1.5);
      };
      const [[a], [b]] = fusedAndComposite(f, [x]);
      expectClose(a!, b!, { rtol: 1e-6, atol: 1e-7 });
    });
  }

  it('mseLoss matches the closed form 2 (x - y) / n', () => {
    const x = tensor([1, -2, 3.5, 0.25], { requiresGrad: true });
    const y = tensor([0.5, 1, 3, -1]);
    F.mseLoss(x, y).backward();
    expect(Array.from(x.grad!.toArray())).toEqual([0.25, -1.5, 0.25, 0.625]);
  });

  it('the tutorial loop still converges and frees its temporaries', () => {
    const w = tensor([3.0], { requiresGrad: true });
    const before = memory().liveTensors;
    for (let i = 0; i < 300; i++) {
      const [x, y] = [[1, 2], [2, 4], [3, 6]][i % 3]!;
      const l = w.mul(x).sub(y).pow(2);
      l.backward();
      w.data = w.data.sub(w.grad!.data.mul(0.01));
      w.grad!.data.zero_();
    }
    expect(w.item()).toBeCloseTo(2, 1);
    expect(memory().liveTensors).toBeLessThanOrEqual(before + 300 * 5 + 1);
  });
});
