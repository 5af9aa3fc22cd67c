/**
 * The MaxPool2d(2) kernels (assembly/conv.ts): maxpool2d_f32's 4-wide 2x2 path, which scans each window as a
 * tree (plain and relaxed-SIMD builds), against the reference on every combination of special values in a window; maxpool2x2_backward_f32
 * (the gradient written whole, no zero fill first) against the reference and against zeros +
 * maxpool2d_backward_f32, at odd sizes, with ±0, NaN and ±Inf in the gradient; and F.maxPool2d(x, 2)'s
 * backward through it against a scatter of the returned indices, gradcheck and second order.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, enableRelaxedSimd, instantiateKernelsSync, readWasmFileSync, relaxedWasmUrl } from '../src/backends/wasm/loader.js';
import { F, tensor } from '../src/index.js';
import { checkGradGrad, checkOp, distinctValues, mulberry32, put, randArray, readF, readI } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
/** Both builds where the engine has relaxed SIMD: maxpool2d_f32 selects lanes with relaxed_laneselect there. */
const BUILDS: [string, Kernels][] = [['plain', wasm]];
if (enableRelaxedSimd()) BUILDS.push(['relaxed', instantiateKernelsSync(readWasmFileSync(relaxedWasmUrl))]);
const GUARD = 4;

/** Same float: both NaN, or equal with the same sign of zero. */
const same = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!same(got[i]!, want[i]!)) expect(`${what} [${i}]: got ${got[i]}, want ${want[i]}`).toBe('same');
}

/** maxpool2d_f32 with 2x2 windows, stride 2, on kernel table k: [values, indices] (each with GUARD sentinels). */
function pool(k: Kernels, x: Float32Array, planes: number, h: number, w: number): [Float32Array, Int32Array] {
  const oh = Math.floor(h / 2), ow = Math.floor(w / 2), no = planes * oh * ow;
  const xp = put(x), op = put(new Float32Array(no + GUARD).fill(-7)), ip = put(new Int32Array(no + GUARD).fill(-7));
  k.maxpool2d_f32(xp, op, ip, planes, h, w, 2, 2, 2, 2, 0, 0, oh, ow);
  const res: [Float32Array, Int32Array] = [readF(op, no + GUARD), readI(ip, no + GUARD)];
  heap.free(xp, x.length * 4);
  heap.free(op, (no + GUARD) * 4);
  heap.free(ip, (no + GUARD) * 4);
  return res;
}

/** dx from maxpool2x2_backward_f32 on k (NaN before, so every element must be written; GUARD sentinels after). */
function backward2x2(k: Kernels, dy: Float32Array, idx: Int32Array, planes: number, h: number, w: number): Float32Array {
  const oh = Math.floor(h / 2), ow = Math.floor(w / 2), n = planes * h * w;
  const yp = put(dy), ip = put(idx), dp = put(Float32Array.from({ length: n + GUARD }, (_, i) => (i < n ? NaN : -7)));
  k.maxpool2x2_backward_f32(yp, ip, dp, planes, h, w, oh, ow);
  const dx = readF(dp, n + GUARD);
  heap.free(yp, dy.length * 4);
  heap.free(ip, idx.length * 4);
  heap.free(dp, (n + GUARD) * 4);
  return dx;
}

describe('maxpool2d_f32, 2x2 stride 2', () => {
  it('every window of values from {NaN, -Inf, -0, +0, 1, 2} (and each order): values and indices as the reference', () => {
    const V = [NaN, -Infinity, -0, 0, 1, 2];
    const windows = V.length ** 4; // 1296 windows in one row of the plane: the 4-wide path with a tail group
    const w = 2 * windows + 1, h = 3; // an odd column and row no window covers
    const x = new Float32Array(h * w).fill(5);
    for (let q = 0; q < windows; q++) {
      const d = [q % 6, Math.floor(q / 6) % 6, Math.floor(q / 36) % 6, Math.floor(q / 216)];
      x[2 * q] = V[d[0]!]!;
      x[2 * q + 1] = V[d[1]!]!;
      x[w + 2 * q] = V[d[2]!]!;
      x[w + 2 * q + 1] = V[d[3]!]!;
    }
    const [jv, ji] = pool(jsKernels, x, 1, h, w);
    for (const [build, k] of BUILDS) {
      const [wv, wi] = pool(k, x, 1, h, w);
      expectSame(wv, jv, `${build} values`);
      expect(Array.from(wi), build).toEqual(Array.from(ji));
    }
  });

  it('random planes and rows of 1 to 9 windows, ties and NaN: as the reference', () => {
    const rng = mulberry32(41);
    for (const [planes, h, w] of [[3, 2, 2], [2, 5, 7], [2, 4, 9], [1, 6, 11], [2, 17, 17], [1, 3, 19], [2, 28, 28], [1, 2, 129]] as const) {
      for (const kind of ['random', 'ties', 'nan']) {
        const x = randArray(rng, planes * h * w, -2, 2);
        if (kind !== 'random') for (let i = 0; i < x.length; i++) x[i] = Math.floor(x[i]!);
        if (kind === 'nan') for (let i = 0; i < x.length; i++) if (rng() < 0.15) x[i] = NaN;
        const [jv, ji] = pool(jsKernels, x, planes, h, w);
        for (const [build, k] of BUILDS) {
          const [wv, wi] = pool(k, x, planes, h, w);
          expectSame(wv, jv, `${build} ${kind} ${planes}x${h}x${w}`);
          expect(Array.from(wi), `${build} ${kind} ${planes}x${h}x${w}`).toEqual(Array.from(ji));
        }
      }
    }
  });
});

describe('maxpool2x2_backward_f32', () => {
  const SHAPES = [[1, 2, 2], [3, 3, 3], [2, 5, 7], [2, 4, 9], [1, 6, 11], [2, 17, 17], [1, 9, 29], [2, 28, 28], [1, 2, 129], [2, 129, 3]] as const;

  it('writes every element: as the reference and as zeros + maxpool2d_backward_f32, ±0 / NaN / ±Inf in dy', () => {
    const rng = mulberry32(43);
    for (const [planes, h, w] of SHAPES) {
      const oh = Math.floor(h / 2), ow = Math.floor(w / 2), no = planes * oh * ow, n = planes * h * w;
      for (const kind of ['random', 'ties', 'nan']) {
        const x = randArray(rng, n, -2, 2);
        if (kind !== 'random') for (let i = 0; i < n; i++) x[i] = Math.floor(x[i]!);
        if (kind === 'nan') for (let i = 0; i < n; i++) if (rng() < 0.15) x[i] = NaN;
        const idx = pool(jsKernels, x, planes, h, w)[1].subarray(0, no);
        const dy = randArray(rng, no, -3, 3);
        [-0, 0, NaN, Infinity, -Infinity].forEach((v, i) => { if (3 * i < no) dy[3 * i] = v; });
        const what = `${kind} ${planes}x${h}x${w}`;
        const wd = backward2x2(wasm, dy, idx, planes, h, w);
        expectSame(wd, backward2x2(jsKernels, dy, idx, planes, h, w), what);
        // zeros, then the accumulating kernel
        const yp = put(dy), ip = put(idx), dp = put(new Float32Array(n));
        wasm.maxpool2d_backward_f32(yp, ip, dp, planes, h, w, oh, ow);
        expectSame(wd.subarray(0, n), readF(dp, n), `${what} vs zeros + maxpool2d_backward_f32`);
        heap.free(yp, no * 4);
        heap.free(ip, no * 4);
        heap.free(dp, n * 4);
        expect(Array.from(wd.subarray(n)), what).toEqual(new Array(GUARD).fill(-7));
        // -0 arrives as +0 (0 + -0), as the sum into zeros gives
        if (no > 0) expect(Object.is(wd[idx[0]!], 0)).toBe(true);
      }
    }
  });
});

describe('F.maxPool2d(x, 2) backward', () => {
  it('is the scatter of the gradient to the returned indices (odd sizes, NaN in x, -0 in the gradient)', () => {
    const rng = mulberry32(47);
    for (const shape of [[2, 3, 5, 7], [1, 1, 2, 2], [2, 2, 9, 8], [1, 16, 28, 28], [3, 6, 11]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = randArray(rng, n, -2, 2);
      for (let i = 0; i < n; i += 13) xv[i] = NaN;
      const x = tensor(xv).reshape(shape).requiresGrad_();
      const [y, idx] = F.maxPool2d(x, 2, null, 0, 1, false, true);
      const gv = randArray(rng, y.numel(), -1, 1);
      gv[0] = -0;
      y.backward(tensor(gv).reshape(y.shape));
      const h = shape[shape.length - 2]!, w = shape[shape.length - 1]!;
      const hw = h * w, per = y.shape[y.ndim - 1]! * y.shape[y.ndim - 2]!;
      const want = new Float32Array(n);
      const iv = idx.toArray();
      for (let o = 0; o < gv.length; o++) {
        const t = Math.floor(o / per) * hw + iv[o]!;
        want[t] = want[t]! + gv[o]!;
      }
      expectSame(x.grad!.toArray() as Float32Array, want, shape.join('x'));
    }
  });

  it('gradcheck and second order (odd sides)', () => {
    checkOp('maxPool2d 2 (odd)', (x) => F.maxPool2d(x, 2), [[2, 3, 5, 7]], { values: [distinctValues(210)] });
    checkGradGrad('maxPool2d 2 (odd)', (x) => F.maxPool2d(x, 2).pow(2), [[1, 2, 5, 9]], { values: [distinctValues(90)] });
  });
});
