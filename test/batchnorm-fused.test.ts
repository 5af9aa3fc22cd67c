/**
 * The fused training-mode batch norm (issue 18): batchnorm_forward_f32 / batchnorm_backward_f32 (WebAssembly and
 * the plain-TS reference) against a float64 implementation at 1, 3, 17, 129 channels, batch 1 and 3, several
 * trailing sizes (S = 1 takes the channels-as-lanes path), with and without weight and bias, NaN and Inf;
 * then batchNorm itself (one graph node, NativeBatchNormBackward0) against the composed formula from tensor ops:
 * values, gradients of x, weight and bias, the running statistics, non-contiguous input, gradcheck and second
 * derivatives (createGraph takes the composed, differentiable backward).
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { Tensor, grad, noGrad, tensor } from '../src/index.js';
import { batchNorm } from '../src/nn/functional.js';
import { checkGradGrad, checkOp, expectClose, fixedCotangent, mulberry32, nonContiguous, put, randArray, readF } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
const backends: [string, Kernels][] = [['wasm', wasm], ['js', jsKernels]];
const CHANNELS = [1, 3, 17, 129];
const BATCHES = [1, 3];
const TRAILING = [1, 3, 17];
const EPS = 1e-5;

function take(p: number, n: number): Float32Array {
  const out = readF(p, n);
  heap.free(p, Math.max(4, n * 4));
  return out;
}
const putOrZero = (a: Float32Array | null): number => (a === null ? 0 : put(a));

interface Fwd { y: Float32Array; mean: Float32Array; invstd: Float32Array; v: Float32Array }
interface Bwd { dx: Float32Array; dw: Float32Array; db: Float32Array }

/** The kernel over channels [c0, c1) (default all); outputs start as 7 (what a range leaves alone stays 7). */
function runForward(k: Kernels, x: Float32Array, w: Float32Array | null, b: Float32Array | null, N: number, C: number, S: number,
  [c0, c1] = [0, C]): Fwd {
  const px = put(x), pw = putOrZero(w), pb = putOrZero(b);
  const sentinel = (n: number) => put(new Float32Array(n).fill(7));
  const py = sentinel(x.length), pm = sentinel(C), pi = sentinel(C), pv = sentinel(C);
  k.batchnorm_forward_f32(px, pw, pb, py, pm, pi, pv, N, C, S, c0, c1, EPS);
  take(px, x.length);
  if (w) take(pw, C);
  if (b) take(pb, C);
  return { y: take(py, x.length), mean: take(pm, C), invstd: take(pi, C), v: take(pv, C) };
}

function runBackward(k: Kernels, dy: Float32Array, x: Float32Array, mean: Float32Array, invstd: Float32Array, w: Float32Array | null,
  N: number, C: number, S: number, want = { dx: true, dw: true, db: true }, [c0, c1] = [0, C]): Bwd {
  const pg = put(dy), px = put(x), pm = put(mean), pi = put(invstd), pw = putOrZero(w);
  const pdx = want.dx ? put(new Float32Array(x.length).fill(7)) : 0;
  const pdw = want.dw ? put(new Float32Array(C).fill(7)) : 0;
  const pdb = want.db ? put(new Float32Array(C).fill(7)) : 0;
  k.batchnorm_backward_f32(pg, px, pm, pi, pw, pdx, pdw, pdb, N, C, S, c0, c1);
  take(pg, x.length); take(px, x.length); take(pm, C); take(pi, C);
  if (w) take(pw, C);
  return {
    dx: want.dx ? take(pdx, x.length) : new Float32Array(0),
    dw: want.dw ? take(pdw, C) : new Float32Array(0),
    db: want.db ? take(pdb, C) : new Float32Array(0),
  };
}

/** float64 batch norm of [N, C, S] data: per-channel statistics, y, and the backward from the given dy. */
function ref64(x: Float32Array, w: Float32Array | null, b: Float32Array | null, dy: Float32Array, N: number, C: number, S: number) {
  const cnt = N * S;
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const mean = new Float64Array(C), v = new Float64Array(C), invstd = new Float64Array(C), dw = new Float64Array(C), db = new Float64Array(C);
  const at = (n: number, c: number, s: number) => (n * C + c) * S + s;
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) m += x[at(n, c, s)]!;
    m /= cnt;
    let q = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) q += (x[at(n, c, s)]! - m) ** 2;
    q /= cnt;
    const is = 1 / Math.sqrt(q + EPS);
    const wc = w ? w[c]! : 1, bc = b ? b[c]! : 0;
    let sdy = 0, sdyx = 0;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const i = at(n, c, s);
        const xh = (x[i]! - m) * is;
        y[i] = xh * wc + bc;
        sdy += dy[i]!;
        sdyx += dy[i]! * xh;
      }
    }
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const i = at(n, c, s);
        const xh = (x[i]! - m) * is;
        dx[i] = is * wc * (dy[i]! - sdy / cnt - xh * sdyx / cnt);
      }
    }
    mean[c] = m; v[c] = q; invstd[c] = is; dw[c] = sdyx; db[c] = sdy;
  }
  return { y, mean, v, invstd, dx, dw, db };
}

/** max |a - b| / (1 + |b|) over the arrays. */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

describe('batchnorm_forward_f32 / batchnorm_backward_f32 against float64', () => {
  for (const [name, k] of backends) {
    it(`${name}: channels 1, 3, 17, 129, batch 1 and 3, trailing sizes 1, 3, 17, with and without weight and bias`, () => {
      const rng = mulberry32(18);
      for (const N of BATCHES) {
        for (const C of CHANNELS) {
          for (const S of TRAILING) {
            for (const affine of [true, false]) {
              const len = N * C * S;
              // an offset per element so that the mean is far from 0 (catches a one-pass variance)
              const x = randArray(rng, len, -2, 2).map((v, i) => v + 3 + (i % 5));
              const w = affine ? randArray(rng, C, 0.5, 1.5) : null;
              const b = affine ? randArray(rng, C, -1, 1) : null;
              const dy = randArray(rng, len, -1, 1);
              const r = ref64(x, w, b, dy, N, C, S);
              const f = runForward(k, x, w, b, N, C, S);
              const what = `${name} N=${N} C=${C} S=${S} affine=${affine}`;
              expect(maxRelErr(f.mean, r.mean), `${what} mean`).toBeLessThan(2e-6);
              expect(maxRelErr(f.v, r.v), `${what} var`).toBeLessThan(2e-5);
              if (N * S > 1) {
                expect(maxRelErr(f.invstd.map((v, c) => v / r.invstd[c]!), new Float64Array(C).fill(1)), `${what} invstd`).toBeLessThan(2e-5);
                expect(maxRelErr(f.y, r.y), `${what} y`).toBeLessThan(2e-5);
              } else {
                // one value per channel: y = bias (x - mean = 0), invstd = 1 / sqrt(eps)
                expect(maxRelErr(f.y, r.y), `${what} y`).toBeLessThan(1e-6);
              }
              // the backward from the kernel's own saved statistics
              const bw = runBackward(k, dy, x, f.mean, f.invstd, w, N, C, S);
              const scale = N * S > 1 ? 1 : Math.sqrt(1 / EPS); // invstd = 316 when there is one value per channel
              expect(maxRelErr(bw.db, r.db), `${what} dbias`).toBeLessThan(2e-6);
              expect(maxRelErr(bw.dw, r.dw), `${what} dweight`).toBeLessThan(5e-5);
              expect(maxRelErr(bw.dx, r.dx) / scale, `${what} dx`).toBeLessThan(5e-5);
            }
          }
        }
      }
    });

    it(`${name}: optional outputs (only dx, only dweight and dbias) give the same values`, () => {
      const rng = mulberry32(3);
      const N = 3, C = 5, S = 7;
      const x = randArray(rng, N * C * S, -1, 1), dy = randArray(rng, N * C * S, -1, 1), w = randArray(rng, C, 0.5, 2);
      const f = runForward(k, x, w, null, N, C, S);
      const all = runBackward(k, dy, x, f.mean, f.invstd, w, N, C, S);
      const onlyDx = runBackward(k, dy, x, f.mean, f.invstd, w, N, C, S, { dx: true, dw: false, db: false });
      const params = runBackward(k, dy, x, f.mean, f.invstd, w, N, C, S, { dx: false, dw: true, db: true });
      expect([...onlyDx.dx]).toEqual([...all.dx]);
      expect([...params.dw]).toEqual([...all.dw]);
      expect([...params.db]).toEqual([...all.db]);
    });

    it(`${name}: a range of channels [c0, c1) computes exactly those channels, with the full call's values`, () => {
      const rng = mulberry32(6);
      for (const S of [1, 5]) {
        const N = 3, C = 11;
        const x = randArray(rng, N * C * S, -1, 1), dy = randArray(rng, N * C * S, -1, 1);
        const w = randArray(rng, C, 0.5, 2), b = randArray(rng, C, -1, 1);
        const full = runForward(k, x, w, b, N, C, S);
        const fullBw = runBackward(k, dy, x, full.mean, full.invstd, w, N, C, S);
        for (const [c0, c1] of [[0, 4], [4, 11], [3, 6], [5, 5]] as const) {
          const f = runForward(k, x, w, b, N, C, S, [c0, c1]);
          const bw = runBackward(k, dy, x, full.mean, full.invstd, w, N, C, S, undefined, [c0, c1]);
          const inside = (c: number) => c >= c0 && c < c1;
          for (let c = 0; c < C; c++) {
            const what = `S=${S} [${c0}, ${c1}) c=${c}`;
            for (const [got, want] of [[f.mean, full.mean], [f.invstd, full.invstd], [f.v, full.v], [bw.dw, fullBw.dw], [bw.db, fullBw.db]]) {
              expect(got![c], what).toBe(inside(c) ? want![c] : 7);
            }
            for (let n = 0; n < N; n++) {
              for (let j = 0; j < S; j++) {
                const i = (n * C + c) * S + j;
                expect(f.y[i], what).toBe(inside(c) ? full.y[i] : 7);
                expect(bw.dx[i], what).toBe(inside(c) ? fullBw.dx[i] : 7);
              }
            }
          }
        }
      }
    });

    it(`${name}: NaN and Inf stay in their channel`, () => {
      for (const S of [1, 6]) {
        const N = 3, C = 6;
        const x = randArray(mulberry32(4), N * C * S, -1, 1);
        x[(1 * C + 2) * S] = NaN; // channel 2
        x[(0 * C + 4) * S] = Infinity; // channel 4
        const f = runForward(k, x, null, null, N, C, S);
        for (let c = 0; c < C; c++) {
          const bad = c === 2 || c === 4;
          for (let n = 0; n < N; n++) {
            for (let s = 0; s < S; s++) {
              const v = f.y[(n * C + c) * S + s]!;
              if (bad) expect(v, `S=${S} c=${c}`).toBeNaN();
              else expect(Number.isFinite(v), `S=${S} c=${c}`).toBe(true);
            }
          }
        }
        expect(f.mean[2]).toBeNaN();
        expect(f.mean[4]).toBe(Infinity);
        const dy = randArray(mulberry32(5), N * C * S, -1, 1);
        dy[(2 * C + 1) * S] = NaN; // channel 1's gradient
        const bw = runBackward(k, dy, x, f.mean, f.invstd, null, N, C, S);
        for (let c = 0; c < C; c++) {
          const bad = c === 1 || c === 2 || c === 4;
          expect(Number.isNaN(bw.db[c]!) || Number.isNaN(bw.dw[c]!), `S=${S} c=${c}`).toBe(bad);
          if (!bad) for (let n = 0; n < N; n++) expect(Number.isFinite(bw.dx[(n * C + c) * S]!)).toBe(true);
        }
      }
    });
  }

  it('wasm and js agree on a large channel (more than one 1024-element block per run)', () => {
    const rng = mulberry32(11);
    const N = 3, C = 2, S = 2500;
    const x = randArray(rng, N * C * S, -4, 4), dy = randArray(rng, N * C * S, -1, 1), w = randArray(rng, C, 0.5, 2), b = randArray(rng, C);
    const a = runForward(wasm, x, w, b, N, C, S), j = runForward(jsKernels, x, w, b, N, C, S);
    expect(maxRelErr(a.y, j.y)).toBeLessThan(2e-6);
    const ba = runBackward(wasm, dy, x, a.mean, a.invstd, w, N, C, S), bj = runBackward(jsKernels, dy, x, a.mean, a.invstd, w, N, C, S);
    expect(maxRelErr(ba.dx, bj.dx)).toBeLessThan(2e-6);
    expect(maxRelErr(ba.dw, bj.dw)).toBeLessThan(1e-5);
    expect(maxRelErr(ba.db, bj.db)).toBeLessThan(1e-5);
  });
});

/** Training-mode batch norm composed from tensor ops (the implementation before the fused kernels). */
function composed(x: Tensor, w: Tensor | null, b: Tensor | null, eps = EPS): Tensor {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const xc = x.sub(x.mean(dims, true));
  let y = xc.div(xc.mul(xc).mean(dims, true).add(eps).sqrt());
  if (w) y = y.mul(w.reshape(bshape));
  if (b) y = y.add(b.reshape(bshape));
  return y;
}

function leaf(shape: number[], seed: number, lo = -2, hi = 2): Tensor {
  const n = shape.reduce((a, v) => a * v, 1);
  return tensor(randArray(mulberry32(seed), n, lo, hi)).reshape(shape).clone().requiresGrad_(true);
}

describe('batchNorm (training) as the fused node against the composed formula', () => {
  const SHAPES = [[3, 4], [2, 3, 5], [3, 5, 4, 3], [1, 3, 2, 2], [4, 17, 6], [2, 129], [2, 3, 2, 2, 3]];
  for (const shape of SHAPES) {
    for (const affine of [true, false]) {
      it(`[${shape.join(', ')}] ${affine ? 'with' : 'without'} weight and bias: values, gradients, running statistics`, () => {
        const C = shape[1]!;
        const x = leaf(shape, 1, 1, 5);
        const w = affine ? leaf([C], 2, 0.5, 1.5) : null, b = affine ? leaf([C], 3) : null;
        const rm = tensor(new Float32Array(C).fill(0.5)), rv = tensor(new Float32Array(C).fill(2));
        const y = batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: 0.3 });
        expect(y.gradFn?.name).toBe('NativeBatchNormBackward0');
        const yc = composed(x, w, b);
        expectClose(y, yc, { atol: 2e-5, rtol: 2e-5, what: 'y' });
        const g = fixedCotangent(shape);
        const wrt = [x, ...(affine ? [w!, b!] : [])];
        const got = grad(y, wrt, { gradOutputs: g });
        const want = grad(yc, wrt, { gradOutputs: g });
        for (let i = 0; i < wrt.length; i++) expectClose(got[i]!, want[i]!, { atol: 5e-5, rtol: 5e-5, what: `grad ${i}` });
        // running statistics: as the composed update (unbiased variance)
        const rm2 = tensor(new Float32Array(C).fill(0.5)), rv2 = tensor(new Float32Array(C).fill(2));
        noGrad(() => {
          const dims = shape.map((_, i) => i).filter((i) => i !== 1);
          const n = x.numel() / C;
          const m = x.mean(dims), v = x.sub(x.mean(dims, true)).pow(2).mean(dims).mul(n / (n - 1));
          rm2.mul_(0.7).add_(m, 0.3);
          rv2.mul_(0.7).add_(v, 0.3);
        });
        expectClose(rm, rm2, { atol: 1e-6, rtol: 1e-5, what: 'runningMean' });
        expectClose(rv, rv2, { atol: 1e-6, rtol: 1e-5, what: 'runningVar' });
      });
    }
  }

  it('no running statistics and training false: batch statistics through the fused node', () => {
    const x = leaf([4, 3, 5], 7), w = leaf([3], 8, 0.5, 1.5), b = leaf([3], 9);
    const y = batchNorm(x, null, null, { weight: w, bias: b });
    expect(y.gradFn?.name).toBe('NativeBatchNormBackward0');
    expectClose(y, composed(x, w, b), { atol: 2e-5, rtol: 2e-5 });
  });

  it('only weight or only bias, and gradients needed for some inputs only', () => {
    const x = leaf([3, 4, 5], 10), w = leaf([4], 11, 0.5, 1.5), b = leaf([4], 12);
    for (const [ww, bb] of [[w, null], [null, b]] as const) {
      const y = batchNorm(x, null, null, { weight: ww, bias: bb, training: true });
      const yc = composed(x, ww, bb);
      expectClose(y, yc, { atol: 2e-5, rtol: 2e-5 });
      const wrt = [x, (ww ?? bb)!];
      const g = fixedCotangent(y.shape);
      const got = grad(y, wrt, { gradOutputs: g }), want = grad(yc, wrt, { gradOutputs: g });
      for (let i = 0; i < 2; i++) expectClose(got[i]!, want[i]!, { atol: 5e-5, rtol: 5e-5 });
    }
    // x without grad: only the parameters' gradients
    const xc = leaf([3, 4, 5], 10).detach();
    const y = batchNorm(xc, null, null, { weight: w, bias: b, training: true });
    const [dw, db] = grad(y, [w, b], { gradOutputs: fixedCotangent(y.shape) });
    const yc = composed(xc, w, b);
    const [dwc, dbc] = grad(yc, [w, b], { gradOutputs: fixedCotangent(y.shape) });
    expectClose(dw!, dwc!, { atol: 5e-5, rtol: 5e-5 });
    expectClose(db!, dbc!, { atol: 5e-5, rtol: 5e-5 });
  });

  it('non-contiguous input and a non-contiguous gradient', () => {
    for (const kind of ['transpose', 'permute', 'narrow', 'strided'] as const) {
      const x = nonContiguous([3, 4, 5, 2], kind, { requiresGrad: true, range: [-2, 3] });
      expect(x.isContiguous()).toBe(false);
      const w = leaf([4], 13, 0.5, 1.5), b = leaf([4], 14);
      const y = batchNorm(x, null, null, { weight: w, bias: b, training: true });
      const yc = composed(x, w, b);
      expectClose(y, yc, { atol: 2e-5, rtol: 2e-5, what: kind });
      const g = fixedCotangent([3, 4, 2, 5]).transpose(2, 3); // non-contiguous cotangent
      const got = grad(y, [x, w, b], { gradOutputs: g }), want = grad(yc, [x, w, b], { gradOutputs: g });
      for (let i = 0; i < 3; i++) expectClose(got[i]!, want[i]!, { atol: 5e-5, rtol: 5e-5, what: `${kind} grad ${i}` });
    }
  });

  it('gradcheck at small sizes (x, weight, bias)', () => {
    const bn = (x: Tensor, w: Tensor, b: Tensor) => batchNorm(x, null, null, { weight: w, bias: b, training: true });
    checkOp('bn fused [3,2,4]', bn, [[3, 2, 4], [2], [2]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]] });
    checkOp('bn fused [4,3]', bn, [[4, 3], [3], [3]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]] });
    checkOp('bn fused [2,3,2,2]', bn, [[2, 3, 2, 2], [3], [3]], { range: [[-2, 2], [0.5, 1.5], [-1, 1]], nonContiguous: [true, false, false] });
  });

  it('second derivatives (createGraph) through the composed backward', () => {
    const bn = (x: Tensor, w: Tensor) => batchNorm(x, null, null, { weight: w, training: true });
    checkGradGrad('bn fused [3,2,3]', bn, [[3, 2, 3], [2]], { range: [[-2, 2], [0.5, 1.5]] });
    checkGradGrad('bn fused [5,2]', (x: Tensor) => batchNorm(x, null, null, { training: true }).pow(2), [[5, 2]], { range: [[-2, 2]] });
  });
});
