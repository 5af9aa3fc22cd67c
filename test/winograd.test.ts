/**
 * Winograd F(2x2, 3x3) convolution (assembly/winograd.ts, src/backends/js/winograd.ts): the kernels (WebAssembly
 * and the plain-TS reference) against a float64 direct convolution at odd sizes, paddings 0..3 (the input
 * gradient's 2 - p can be negative), blocks and row ranges (bit-identical on the wasm side), the weight
 * transform and abs_max_f32; NaN and Inf (what the kernel does, and that conv2d falls back to the direct path
 * where Winograd would differ); accuracy on ResNet-like data against float64 next to the direct path's; and
 * the conv2d-level cases of test/winograd-cases.ts (against the direct path, NaN/Inf fallback, gradcheck,
 * the 2-thread split) for F(2x2); and that a conv2d node reads max|·| of each operand once.
 */
import { describe, expect, it, vi } from 'vitest';
import { heap } from '../src/backends/memory.js';
import { kernels } from '../src/backends/index.js';
import { tensor } from '../src/index.js';
import { conv2d } from '../src/ops/conv.js';
import { winogradConvCases } from './winograd-cases.js';
import { backends, bits, direct64, expectNear, flipTranspose, geo, runKernel, runWeight, wasm, type Conv } from './winograd-reference.js';
import { mulberry32, put, randArray, readF } from './helpers.js';


describe('Winograd kernels against a float64 direct convolution', () => {
  // 4 float32 ulps of Winograd's error scale (direct64)
  const TOL = 2 ** -23 * 4;
  for (const [name, k] of backends) {
    it(`${name}: H, W in 1, 3, 17; C, O in 1, 3, 17; batch 1 and 3; padding 0, 1, 2 (and 3 for the input gradient's -1)`, () => {
      const rnd = mulberry32(11);
      let cases = 0;
      for (const h of [1, 3, 17]) for (const wd of [1, 3, 17]) for (const c of [1, 3, 17]) for (const o of [1, 3, 17]) {
        for (const n of [1, 3]) for (const p of [0, 1, 2, 3]) {
          // p = 3 stands for the negative padding -1 below; the others for every size they fit
          const ph = p === 3 ? -1 : p, pw = p === 3 ? 1 : p;
          const q = geo(n, c, h, wd, o, ph, pw);
          if (q.oh <= 0 || q.ow <= 0) continue;
          // not every combination on the slow reference backend
          if (name === 'js' && (h * wd * c * o * n) % 7 !== 0 && h * wd > 9) continue;
          const x = randArray(rnd, n * c * h * wd), w = randArray(rnd, o * c * 9), b = (c + o) % 2 ? randArray(rnd, o) : null;
          const y = runKernel(2, k, x, w, 0, b, q);
          expectNear(y, direct64(2, x, w, b, q), TOL, `${name} n${n} c${c} ${h}x${wd} o${o} pad ${ph},${pw}`);
          cases++;
        }
      }
      expect(cases).toBeGreaterThan(100);
    });

    it(`${name}: the flipped, transposed weights (conv2d's input gradient)`, () => {
      const rnd = mulberry32(12);
      for (const [c, o, h, wd, p] of [[3, 17, 5, 7, 1], [17, 3, 17, 3, 0], [1, 3, 3, 1, 2], [5, 4, 9, 8, 1]] as const) {
        const q = geo(2, c, h, wd, o, p);
        const x = randArray(rnd, 2 * c * h * wd), wT = randArray(rnd, c * o * 9); // wT: [c, o, 3, 3] as conv2d's weight
        const y = runKernel(2, k, x, wT, 1, null, q);
        expectNear(y, direct64(2, x, flipTranspose(wT, c, o), null, q), TOL, `${name} flip c${c} o${o}`);
      }
    });
  }

  it('wasm: any blocks and any runs of tile rows give the same bits (the thread split relies on it)', () => {
    const rnd = mulberry32(13);
    for (const [n, c, h, wd, o] of [[3, 17, 17, 13, 9], [2, 8, 8, 8, 16], [3, 3, 5, 31, 17]] as const) {
      const q = geo(n, c, h, wd, o, 1);
      const tilesY = (q.oh + 1) >> 1, rows = n * tilesY;
      const x = randArray(rnd, n * c * h * wd), w = randArray(rnd, o * c * 9), b = randArray(rnd, o);
      const whole = runKernel(2, wasm, x, w, 0, b, q);
      for (const blockRows of [1, 2, 5]) expect(bits(runKernel(2, wasm, x, w, 0, b, q, { blockRows }))).toEqual(bits(whole));
      // two runs of rows into one output, each with its own blocks
      const cutAt = Math.floor(rows / 2) + 1;
      let y = runKernel(2, wasm, x, w, 0, b, q, { row0: 0, rows: cutAt, blockRows: 3 });
      y = runKernel(2, wasm, x, w, 0, b, q, { row0: cutAt, rows: rows - cutAt, blockRows: 2, y0: y });
      expect(bits(y)).toEqual(bits(whole));
    }
  });

  /**
   * The float64 weight gradient Σ gy[oc](oy, ox) x[ci](oy - ph + ki, ox - pw + kj), and its Winograd error
   * scale per (oc, ci): Σ over tiles of (Σ|dY|)(Σ|d|) (every transformed gy is at most Σ|dY|, every
   * transformed input at most Σ|d|).
   */
  function weightGrad64(gy: Float32Array, x: Float32Array, q: Conv): { y: Float64Array; wscale: Float64Array } {
    const { n, c, h, wd, o, ph, pw, oh, ow } = q;
    const y = new Float64Array(o * c * 9), wscale = new Float64Array(o * c * 9);
    const xa = (i: number, ci: number, iy: number, ix: number) => (iy < 0 || iy >= h || ix < 0 || ix >= wd ? 0 : x[((i * c + ci) * h + iy) * wd + ix]!);
    const ga = (i: number, oc: number, oy: number, ox: number) => (oy >= oh || ox >= ow ? 0 : gy[((i * o + oc) * oh + oy) * ow + ox]!);
    for (let oc = 0; oc < o; oc++) for (let ci = 0; ci < c; ci++) {
      let sc = 0;
      for (let i = 0; i < n; i++) for (let ty = 0; ty < oh; ty += 2) for (let tx = 0; tx < ow; tx += 2) {
        let sg = 0, sd = 0;
        for (let k = 0; k < 4; k++) sg += Math.abs(ga(i, oc, ty + (k >> 1), tx + (k & 1)));
        for (let k = 0; k < 16; k++) sd += Math.abs(xa(i, ci, ty - ph + (k >> 2), tx - pw + (k & 3)));
        sc += sg * sd;
        for (let k = 0; k < 4; k++) {
          const oy = ty + (k >> 1), ox = tx + (k & 1), gv = ga(i, oc, oy, ox);
          for (let t = 0; t < 9; t++) y[(oc * c + ci) * 9 + t] += gv * xa(i, ci, oy - ph + Math.floor(t / 3), ox - pw + (t % 3));
        }
      }
      for (let t = 0; t < 9; t++) wscale[(oc * c + ci) * 9 + t] = sc;
    }
    return { y, wscale };
  }

  for (const [name, k] of backends) {
    it(`${name}: the weight gradient at odd sizes and paddings 0, 1, 2`, () => {
      const rnd = mulberry32(21);
      for (const [n, c, h, wd, o, p] of [[1, 1, 3, 3, 1, 0], [3, 3, 17, 5, 17, 1], [2, 17, 4, 9, 3, 2], [1, 3, 1, 1, 3, 1],
        [3, 5, 7, 17, 2, 0], [2, 4, 6, 6, 5, 1]] as const) {
        const q = geo(n, c, h, wd, o, p);
        const x = randArray(rnd, n * c * h * wd), gy = randArray(rnd, n * o * q.oh * q.ow);
        expectNear(runWeight(2, k, gy, x, q), weightGrad64(gy, x, q), 2 ** -23 * 8, `${name} weight n${n} c${c} ${h}x${wd} o${o} pad ${p}`);
      }
    });
  }

  it('wasm: the weight gradient summed in runs of tile rows and blocks matches one run', () => {
    const rnd = mulberry32(22);
    const q = geo(3, 6, 9, 11, 5, 1);
    const x = randArray(rnd, 3 * 6 * 9 * 11), gy = randArray(rnd, 3 * 5 * 9 * 11);
    const rows = 3 * 5;
    const whole = runWeight(2, wasm, gy, x, q);
    const parts = runWeight(2, wasm, gy, x, q, [[0, 7, 2], [7, rows - 7, 3]]);
    const ref = weightGrad64(gy, x, q);
    expectNear(parts, ref, 2 ** -23 * 8, 'runs');
    for (let i = 0; i < whole.length; i++) expect(Math.abs(parts[i]! - whole[i]!)).toBeLessThanOrEqual(2 ** -23 * 4 * ref.wscale[i]!);
  });

  it('wasm and js weight transforms agree bit for bit (f64, rounded once)', () => {
    const rnd = mulberry32(14);
    for (const [o, c] of [[1, 1], [3, 17], [17, 3]] as const) {
      const w = randArray(rnd, o * c * 9, -3, 3);
      for (const flip of [0, 1]) {
        const out = backends.map(([, k]) => {
          const pw = put(w), u = heap.alloc(16 * o * c * 4);
          k.winograd_weights_f32(pw, u, o, c, flip);
          const r = readF(u, 16 * o * c);
          heap.free(pw, w.length * 4);
          heap.free(u, 16 * o * c * 4);
          return r;
        });
        expect(bits(out[0]!)).toEqual(bits(out[1]!));
      }
    }
  });

  it('abs_max_f32: largest |x|, Infinity and NaN kept, at 0, 1, 3, 17, 129 elements', () => {
    for (const [, k] of backends) {
      for (const n of [0, 1, 3, 17, 129]) {
        const x = new Float32Array(n).map((_, i) => Math.sin(i * 1.3) * (i + 1));
        const want = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        const p = put(x.length ? x : new Float32Array(1));
        expect(k.abs_max_f32(p, n)).toBe(Math.fround(want));
        if (n > 0) {
          heap.f32[p >>> 2] = -Infinity;
          expect(k.abs_max_f32(p, n)).toBe(Infinity);
          heap.f32[(p >>> 2) + n - 1] = NaN;
          expect(k.abs_max_f32(p, n)).toBeNaN();
        }
        heap.free(p, Math.max(4, n * 4));
      }
    }
  });

  it('NaN in the input reaches exactly the outputs whose window holds it; an Inf can give NaN instead of Inf', () => {
    const q = geo(1, 2, 6, 7, 3, 1);
    const rnd = mulberry32(15);
    const w = randArray(rnd, 3 * 2 * 9, 0.5, 1); // positive: the direct sums of one Inf are +Inf
    for (const [name, k] of backends) {
      for (let at = 0; at < 2 * 6 * 7; at += 5) {
        const x = randArray(rnd, 2 * 6 * 7);
        x[at] = NaN;
        const ref = direct64(2, x, w, null, q);
        const y = runKernel(2, k, x, w, 0, null, q);
        for (let i = 0; i < y.length; i++) expect(Number.isNaN(y[i]!), `${name} NaN at ${at}, output ${i}`).toBe(Number.isNaN(ref.y[i]!));
      }
      // the transforms subtract neighbours: Inf - Inf. conv2d checks for this (abs_max_f32) and takes the direct path.
      const x = new Float32Array(2 * 6 * 7).fill(1);
      x[2 * 7 + 3] = Infinity;
      const y = runKernel(2, k, x, w, 0, null, q);
      const ref = direct64(2, x, w, null, q);
      expect(ref.y.some((v) => v === Infinity)).toBe(true);
      expect(y.some((v, i) => Number.isNaN(v) && ref.y[i] === Infinity), name).toBe(true);
    }
  });
});

/** The ResNet-like data of the accuracy test: ReLU'd normal activations, Kaiming-normal weights, small biases. */
function resnetLike(rnd: () => number, n: number, c: number, hw: number, o: number): { x: Float32Array; w: Float32Array; b: Float32Array } {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const x = new Float32Array(n * c * hw * hw).map(() => Math.max(0, normal() * 1.5 + 0.2));
  const w = new Float32Array(o * c * 9).map(() => normal() * Math.sqrt(2 / (9 * c)));
  const b = new Float32Array(o).map(() => normal() * 0.05);
  return { x, w, b };
}

describe('Winograd accuracy on ResNet-like data (channels 16, 32, 64) against float64', () => {
  it('max error relative to Σ|x||w| within 4e-7 and at most 2x the direct float32 path\'s; relative to max |y| within 1e-6', () => {
    const rnd = mulberry32(16);
    for (const [c, hw] of [[16, 32], [32, 16], [64, 8]] as const) {
      const q = geo(2, c, hw, hw, c, 1);
      const { x, w, b } = resnetLike(rnd, 2, c, hw, c);
      const ref = direct64(2, x, w, b, q);
      const wino = runKernel(2, wasm, x, w, 0, b, q);
      // the direct path: conv2d_images_f32 (im2col + GEMM)
      const px = put(x), pw = put(w), pb = put(b), py = heap.alloc(wino.length * 4);
      const L = q.oh * q.ow, ckk = c * 9;
      const cols = heap.alloc(ckk * L * 4), wsBytes = wasm.gemm_f32_workspace(c, L, ckk), ws = heap.alloc(wsBytes);
      wasm.conv2d_images_f32(px, pw, pb, py, 2, c, hw, hw, c, 3, 3, 1, 1, 1, 1, q.oh, q.ow, cols, ws);
      const dir = readF(py, wino.length);
      for (const [p, bytes] of [[px, x.length * 4], [pw, w.length * 4], [pb, b.length * 4], [py, wino.length * 4], [cols, ckk * L * 4], [ws, wsBytes]] as const) heap.free(p, bytes);
      const stats = (y: Float32Array) => {
        let rel = 0, abs = 0, ymax = 0;
        for (let i = 0; i < y.length; i++) {
          const e = Math.abs(y[i]! - ref.y[i]!);
          rel = Math.max(rel, e / ref.scale[i]!);
          abs = Math.max(abs, e);
          ymax = Math.max(ymax, Math.abs(ref.y[i]!));
        }
        return { rel, ofMax: abs / ymax };
      };
      const sw = stats(wino), sd = stats(dir);
      expect(sw.rel, `c ${c}: winograd ${sw.rel}, direct ${sd.rel}`).toBeLessThanOrEqual(4e-7);
      expect(sw.rel).toBeLessThanOrEqual(2 * sd.rel);
      expect(sw.ofMax).toBeLessThanOrEqual(1e-6);
    }
  });
});

winogradConvCases({ variant: 2, tolerance: 2e-6, seed: 17, huge: [3e37], gradcheck: { input: [1, 16, 3, 4] } });

describe('the finite checks of the Winograd path', () => {
  it('a conv2d forward + backward reads max|·| of each operand once: x and w in the forward, the gradient once for both gradients', () => {
    const rnd = mulberry32(23);
    const x = tensor(randArray(rnd, 2 * 16 * 8 * 8)).reshape(2, 16, 8, 8).requiresGrad_();
    const w = tensor(randArray(rnd, 16 * 16 * 9)).reshape(16, 16, 3, 3).requiresGrad_();
    const r = tensor(randArray(rnd, 2 * 16 * 8 * 8)).reshape(2, 16, 8, 8);
    const spy = vi.spyOn(kernels(), 'abs_max_f32');
    try {
      conv2d(x, w, null, { padding: 1 }).mul(r).sum().backward();
      // the input gradient reuses w's, the weight gradient the gradient's and x's
      expect(spy.mock.calls.map((call) => call[1])).toEqual([x.numel(), w.numel(), r.numel()]);
    } finally {
      spy.mockRestore();
    }
    expect(x.grad).not.toBeNull();
    expect(w.grad).not.toBeNull();
  });
});
