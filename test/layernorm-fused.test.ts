/**
 * The fused layer norm (issue 18): layer_norm_f32 / layer_norm_backward_f32 (WebAssembly and the plain-TS
 * reference) against a float64 implementation at 1, 3, 17, 129 features, batch 1 and 3 rows, with and without
 * weight and bias, NaN and Inf, optional outputs, long rows and many rows (the blocked sums); then layerNorm
 * itself (one graph node, NativeLayerNormBackward0) against the composed formula from tensor ops: values,
 * gradients of x, weight and bias, non-contiguous input and gradient, gradcheck and second derivatives
 * (createGraph takes the composed, differentiable backward), and the composed path while tracing / in anomaly mode.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { Tensor, detectAnomaly, grad, noGrad, tensor } from '../src/index.js';
import { layerNorm } from '../src/nn/functional.js';
import { checkGradGrad, checkOp, expectClose, fixedCotangent, mulberry32, nonContiguous, put, randArray, readF } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
const backends: [string, Kernels][] = [['wasm', wasm], ['js', jsKernels]];
const FEATURES = [1, 3, 17, 129];
const ROWS = [1, 3];
const EPS = 1e-5;

function take(p: number, n: number): Float32Array {
  const out = readF(p, n);
  heap.free(p, Math.max(4, n * 4));
  return out;
}
const putOrZero = (a: Float32Array | null): number => (a === null ? 0 : put(a));

interface Fwd { y: Float32Array; mean: Float32Array; rstd: Float32Array }
interface Bwd { dx: Float32Array; dw: Float32Array; db: Float32Array }

function runForward(k: Kernels, x: Float32Array, w: Float32Array | null, b: Float32Array | null, R: number, C: number): Fwd {
  const px = put(x), pw = putOrZero(w), pb = putOrZero(b);
  const py = put(new Float32Array(x.length)), pm = put(new Float32Array(R)), pr = put(new Float32Array(R));
  k.layer_norm_f32(px, pw, pb, py, pm, pr, R, C, EPS);
  take(px, x.length);
  if (w) take(pw, C);
  if (b) take(pb, C);
  return { y: take(py, x.length), mean: take(pm, R), rstd: take(pr, R) };
}

function runBackward(k: Kernels, dy: Float32Array, x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array,
  R: number, C: number, want = { dx: true, dw: true, db: true }): Bwd {
  const pg = put(dy), px = put(x), pm = put(mean), pr = put(rstd), pw = putOrZero(w);
  const pdx = want.dx ? put(new Float32Array(x.length).fill(7)) : 0;
  const pdw = want.dw ? put(new Float32Array(C).fill(7)) : 0;
  const pdb = want.db ? put(new Float32Array(C).fill(7)) : 0;
  const workBytes = want.dw || want.db ? 24 * C : 0;
  const work = workBytes > 0 ? heap.alloc(workBytes) : 0;
  k.layer_norm_backward_f32(pg, px, pw, pm, pr, pdx, pdw, pdb, work, R, C);
  if (work) heap.free(work, workBytes);
  take(pg, x.length); take(px, x.length); take(pm, R); take(pr, R);
  if (w) take(pw, C);
  return {
    dx: want.dx ? take(pdx, x.length) : new Float32Array(0),
    dw: want.dw ? take(pdw, C) : new Float32Array(0),
    db: want.db ? take(pdb, C) : new Float32Array(0),
  };
}

/** float64 layer norm of [R, C] data: per-row statistics, y, and the backward from the given dy. */
function ref64(x: Float32Array, w: Float32Array | null, b: Float32Array | null, dy: Float32Array, R: number, C: number) {
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const mean = new Float64Array(R), rstd = new Float64Array(R), dw = new Float64Array(C), db = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let m = 0;
    for (let j = 0; j < C; j++) m += x[o + j]!;
    m /= C;
    let q = 0;
    for (let j = 0; j < C; j++) q += (x[o + j]! - m) ** 2;
    const rs = 1 / Math.sqrt(q / C + EPS);
    let sg = 0, sgx = 0;
    for (let j = 0; j < C; j++) {
      const xh = (x[o + j]! - m) * rs;
      y[o + j] = xh * (w ? w[j]! : 1) + (b ? b[j]! : 0);
      const g = dy[o + j]! * (w ? w[j]! : 1);
      sg += g;
      sgx += g * xh;
      dw[j] += dy[o + j]! * xh;
      db[j] += dy[o + j]!;
    }
    for (let j = 0; j < C; j++) {
      const xh = (x[o + j]! - m) * rs;
      const g = dy[o + j]! * (w ? w[j]! : 1);
      dx[o + j] = rs * (g - sg / C - xh * sgx / C);
    }
    mean[r] = m;
    rstd[r] = rs;
  }
  return { y, mean, rstd, dx, dw, db };
}

/** max |a - b| / (1 + |b|) over the arrays. */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

describe('layer_norm_f32 / layer_norm_backward_f32 against float64', () => {
  for (const [name, k] of backends) {
    it(`${name}: features 1, 3, 17, 129, rows 1 and 3, with and without weight and bias`, () => {
      const rng = mulberry32(18);
      for (const R of ROWS) {
        for (const C of FEATURES) {
          for (const [hasW, hasB] of [[true, true], [false, false], [true, false], [false, true]] as const) {
            const len = R * C;
            // an offset per element so that the mean is far from 0 (catches a one-pass variance)
            const x = randArray(rng, len, -2, 2).map((v, i) => v + 3 + (i % 5));
            const w = hasW ? randArray(rng, C, 0.5, 1.5) : null;
            const b = hasB ? randArray(rng, C, -1, 1) : null;
            const dy = randArray(rng, len, -1, 1);
            const r = ref64(x, w, b, dy, R, C);
            const f = runForward(k, x, w, b, R, C);
            const what = `${name} R=${R} C=${C} w=${hasW} b=${hasB}`;
            expect(maxRelErr(f.mean, r.mean), `${what} mean`).toBeLessThan(2e-6);
            // one feature: x - mean = 0, y = bias, rstd = 1 / sqrt(eps) (316)
            const scale = C > 1 ? 1 : Math.sqrt(1 / EPS);
            expect(maxRelErr(f.rstd.map((v, i) => v / r.rstd[i]!), new Float64Array(R).fill(1)), `${what} rstd`).toBeLessThan(2e-5);
            expect(maxRelErr(f.y, r.y), `${what} y`).toBeLessThan(2e-5);
            const bw = runBackward(k, dy, x, w, f.mean, f.rstd, R, C);
            expect(maxRelErr(bw.db, r.db), `${what} dbias`).toBeLessThan(2e-6);
            expect(maxRelErr(bw.dw, r.dw), `${what} dweight`).toBeLessThan(5e-5);
            expect(maxRelErr(bw.dx, r.dx) / scale, `${what} dx`).toBeLessThan(5e-5);
          }
        }
      }
    });

    it(`${name}: optional outputs (only dx, only dweight and dbias, no rows) give the same values`, () => {
      const rng = mulberry32(3);
      const R = 3, C = 7;
      const x = randArray(rng, R * C, -1, 1), dy = randArray(rng, R * C, -1, 1), w = randArray(rng, C, 0.5, 2);
      const f = runForward(k, x, w, null, R, C);
      const all = runBackward(k, dy, x, w, f.mean, f.rstd, R, C);
      const onlyDx = runBackward(k, dy, x, w, f.mean, f.rstd, R, C, { dx: true, dw: false, db: false });
      const params = runBackward(k, dy, x, w, f.mean, f.rstd, R, C, { dx: false, dw: true, db: true });
      const onlyDb = runBackward(k, dy, x, w, f.mean, f.rstd, R, C, { dx: false, dw: false, db: true });
      expect([...onlyDx.dx]).toEqual([...all.dx]);
      expect([...params.dw]).toEqual([...all.dw]);
      expect([...params.db]).toEqual([...all.db]);
      expect([...onlyDb.db]).toEqual([...all.db]);
      // zero rows: dweight and dbias are zeros
      const none = runBackward(k, new Float32Array(0), new Float32Array(0), w, new Float32Array(0), new Float32Array(0), 0, C, { dx: false, dw: true, db: true });
      expect([...none.dw]).toEqual(new Array(C).fill(0));
      expect([...none.db]).toEqual(new Array(C).fill(0));
    });

    it(`${name}: NaN and Inf stay in their row (and their column of dweight / dbias)`, () => {
      for (const C of [3, 6, 17]) {
        const R = 4;
        const x = randArray(mulberry32(4), R * C, -1, 1);
        x[1 * C + 2] = NaN; // row 1
        x[3 * C] = Infinity; // row 3
        const f = runForward(k, x, null, null, R, C);
        for (let r = 0; r < R; r++) {
          const bad = r === 1 || r === 3;
          for (let j = 0; j < C; j++) {
            const v = f.y[r * C + j]!;
            if (bad) expect(v, `C=${C} r=${r}`).toBeNaN();
            else expect(Number.isFinite(v), `C=${C} r=${r}`).toBe(true);
          }
        }
        expect(f.mean[1]).toBeNaN();
        expect(f.mean[3]).toBe(Infinity);
        // the gradient of the good rows, with a NaN in one element of dy (row 0, column 1)
        const dy = randArray(mulberry32(5), R * C, -1, 1);
        dy[1] = NaN;
        const bw = runBackward(k, dy, x, null, f.mean, f.rstd, R, C);
        for (let j = 0; j < C; j++) {
          expect(bw.db[j], `db ${j}`).toBe(j === 1 ? NaN : bw.db[j]);
          if (j !== 1) expect(Number.isFinite(bw.db[j]!)).toBe(true);
          expect(bw.dw[j]).toBeNaN(); // rows 1 and 3 have xh NaN in every column
        }
        for (let j = 0; j < C; j++) {
          expect(bw.dx[j]).toBeNaN(); // row 0 holds the NaN of dy: its sums are NaN
          expect(Number.isFinite(bw.dx[2 * C + j]!)).toBe(true);
          expect(bw.dx[C + j]).toBeNaN();
        }
      }
    });
  }

  it('wasm and js agree on long rows (several 1024-column blocks) and many rows (several 256-row blocks)', () => {
    const rng = mulberry32(11);
    for (const [R, C] of [[3, 2500], [600, 5], [300, 33]]) {
      const x = randArray(rng, R * C, -4, 4), dy = randArray(rng, R * C, -1, 1), w = randArray(rng, C, 0.5, 2), b = randArray(rng, C);
      const a = runForward(wasm, x, w, b, R, C), j = runForward(jsKernels, x, w, b, R, C);
      expect(maxRelErr(a.y, j.y)).toBeLessThan(2e-6);
      expect(maxRelErr(a.mean, j.mean)).toBeLessThan(1e-6);
      const ba = runBackward(wasm, dy, x, w, a.mean, a.rstd, R, C), bj = runBackward(jsKernels, dy, x, w, a.mean, a.rstd, R, C);
      expect(maxRelErr(ba.dx, bj.dx)).toBeLessThan(2e-6);
      expect(maxRelErr(ba.dw, bj.dw)).toBeLessThan(1e-5);
      expect(maxRelErr(ba.db, bj.db)).toBeLessThan(1e-5);
      const r = ref64(x, w, b, dy, R, C);
      expect(maxRelErr(ba.dw, r.dw)).toBeLessThan(1e-5);
      expect(maxRelErr(ba.db, r.db)).toBeLessThan(1e-5);
    }
  });
});

/** layerNorm composed from tensor ops (the implementation before the fused kernels). */
function composed(x: Tensor, k: number, w: Tensor | null, b: Tensor | null, eps = EPS): Tensor {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const xc = x.sub(x.mean(dims, true));
  let y = xc.div(xc.mul(xc).mean(dims, true).add(eps).sqrt());
  if (w) y = y.mul(w);
  if (b) y = y.add(b);
  return y;
}

function leaf(shape: number[], seed: number, lo = -2, hi = 2): Tensor {
  const n = shape.reduce((a, v) => a * v, 1);
  return tensor(randArray(mulberry32(seed), n, lo, hi)).reshape(shape).clone().requiresGrad_(true);
}

describe('layerNorm as the fused node against the composed formula', () => {
  const CASES: [number[], number][] = [[[3, 4], 1], [[2, 3, 5], 1], [[2, 3, 5], 2], [[1, 17], 1], [[3, 129], 1], [[2, 2, 3, 3], 3], [[7], 1], [[4, 1], 1]];
  for (const [shape, k] of CASES) {
    for (const affine of [true, false]) {
      it(`[${shape.join(', ')}] over the last ${k} dims ${affine ? 'with' : 'without'} weight and bias: values and gradients`, () => {
        const ns = shape.slice(shape.length - k);
        const x = leaf(shape, 1, 1, 5);
        const w = affine ? leaf(ns, 2, 0.5, 1.5) : null, b = affine ? leaf(ns, 3) : null;
        const y = layerNorm(x, ns, { weight: w, bias: b });
        expect(y.gradFn?.name).toBe('NativeLayerNormBackward0');
        const yc = composed(x, k, w, b);
        expectClose(y, yc, { atol: 2e-5, rtol: 2e-5, what: 'y' });
        const g = fixedCotangent(shape);
        const wrt = [x, ...(affine ? [w!, b!] : [])];
        const got = grad(y, wrt, { gradOutputs: g });
        const want = grad(yc, wrt, { gradOutputs: g });
        // one feature: rstd = 316, the composed dx is rounding noise times it
        const tol = ns.reduce((a, d) => a * d, 1) > 1 ? 5e-5 : 1e-2;
        for (let i = 0; i < wrt.length; i++) expectClose(got[i]!, want[i]!, { atol: tol, rtol: 5e-5, what: `grad ${i}` });
      });
    }
  }

  it('eps, positional arguments, and no grad: no node, the same values', () => {
    const x = leaf([3, 6], 4), w = leaf([6], 5, 0.5, 1.5), b = leaf([6], 6);
    const y = layerNorm(x, 6, w, b, 0.1);
    expectClose(y, composed(x, 1, w, b, 0.1), { atol: 2e-5, rtol: 2e-5 });
    const y2 = noGrad(() => layerNorm(x, [6], { weight: w, bias: b }));
    expect(y2.gradFn).toBeNull();
    expectClose(y2, composed(x, 1, w, b), { atol: 2e-5, rtol: 2e-5 });
  });

  it('only weight or only bias, and gradients needed for some inputs only', () => {
    const x = leaf([3, 4, 5], 10), w = leaf([5], 11, 0.5, 1.5), b = leaf([5], 12);
    for (const [ww, bb] of [[w, null], [null, b]] as const) {
      const y = layerNorm(x, 5, { weight: ww, bias: bb });
      const yc = composed(x, 1, ww, bb);
      expectClose(y, yc, { atol: 2e-5, rtol: 2e-5 });
      const wrt = [x, (ww ?? bb)!];
      const g = fixedCotangent(y.shape);
      const got = grad(y, wrt, { gradOutputs: g }), want = grad(yc, wrt, { gradOutputs: g });
      for (let i = 0; i < 2; i++) expectClose(got[i]!, want[i]!, { atol: 5e-5, rtol: 5e-5 });
    }
    // x without grad: only the parameters' gradients
    const xd = leaf([3, 4, 5], 10).detach();
    const y = layerNorm(xd, 5, { weight: w, bias: b });
    const [dw, db] = grad(y, [w, b], { gradOutputs: fixedCotangent(y.shape) });
    const [dwc, dbc] = grad(composed(xd, 1, w, b), [w, b], { gradOutputs: fixedCotangent(y.shape) });
    expectClose(dw!, dwc!, { atol: 5e-5, rtol: 5e-5 });
    expectClose(db!, dbc!, { atol: 5e-5, rtol: 5e-5 });
    // only x needs a gradient (weight and bias are constants)
    const wd = w.detach(), bd = b.detach();
    const [dx] = grad(layerNorm(x, 5, { weight: wd, bias: bd }), [x], { gradOutputs: fixedCotangent(y.shape) });
    const [dxc] = grad(composed(x, 1, wd, bd), [x], { gradOutputs: fixedCotangent(y.shape) });
    expectClose(dx!, dxc!, { atol: 5e-5, rtol: 5e-5 });
  });

  it('non-contiguous input, weight and gradient', () => {
    for (const kind of ['transpose', 'permute', 'narrow', 'strided'] as const) {
      const x = nonContiguous([3, 4, 5], kind, { requiresGrad: true, range: [-2, 3] });
      expect(x.isContiguous()).toBe(false);
      const w = nonContiguous([5], 'strided', { requiresGrad: true, range: [0.5, 1.5] }), b = leaf([5], 14);
      const y = layerNorm(x, 5, { weight: w, bias: b });
      const yc = composed(x, 1, w, b);
      expectClose(y, yc, { atol: 2e-5, rtol: 2e-5, what: kind });
      const g = fixedCotangent([3, 5, 4]).transpose(1, 2); // non-contiguous cotangent
      const got = grad(y, [x, w, b], { gradOutputs: g }), want = grad(yc, [x, w, b], { gradOutputs: g });
      for (let i = 0; i < 3; i++) expectClose(got[i]!, want[i]!, { atol: 5e-5, rtol: 5e-5, what: `${kind} grad ${i}` });
    }
  });

  it('empty inputs: zero rows give zero weight and bias gradients', () => {
    const x = leaf([0, 4], 1), w = leaf([4], 2), b = leaf([4], 3);
    const y = layerNorm(x, 4, { weight: w, bias: b });
    expect(y.shape).toEqual([0, 4]);
    const [dx, dw, db] = grad(y.sum(), [x, w, b]);
    expect(dx!.shape).toEqual([0, 4]);
    expect(dw!.tolist()).toEqual([0, 0, 0, 0]);
    expect(db!.tolist()).toEqual([0, 0, 0, 0]);
  });

  it('anomaly mode takes the composed form (a NaN is blamed on its primitive), with the same values', () => {
    const x = leaf([3, 4], 15), w = leaf([4], 16, 0.5, 1.5);
    const y = detectAnomaly(() => layerNorm(x, 4, { weight: w }));
    expect(y.gradFn?.name).not.toBe('NativeLayerNormBackward0');
    expectClose(y, layerNorm(x, 4, { weight: w }), { atol: 2e-5, rtol: 2e-5 });
  });

  it('gradcheck at small sizes (x, weight, bias)', () => {
    const ln = (k: number[]) => (x: Tensor, w: Tensor, b: Tensor) => layerNorm(x, k, { weight: w, bias: b });
    checkOp('ln fused [3,4]', ln([4]), [[3, 4], [4], [4]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]] });
    checkOp('ln fused [2,3,5]', ln([3, 5]), [[2, 3, 5], [3, 5], [3, 5]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]] });
    checkOp('ln fused [2,3,4] nc', ln([4]), [[2, 3, 4], [4], [4]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]], nonContiguous: [true, false, false] });
    checkOp('ln fused [3] no affine', (x: Tensor) => layerNorm(x, 3).pow(2), [[3]], { range: [[-2, 2]] });
  });

  it('second derivatives (createGraph) through the composed backward', () => {
    const ln = (x: Tensor, w: Tensor) => layerNorm(x, 3, { weight: w });
    checkGradGrad('ln fused [2,3]', ln, [[2, 3], [3]], { range: [[-2, 2], [0.5, 1.5]] });
    checkGradGrad('ln fused [4,5]', (x: Tensor) => layerNorm(x, 5).pow(2), [[4, 5]], { range: [[-2, 2]] });
  });
});
