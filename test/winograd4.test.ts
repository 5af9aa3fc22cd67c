/**
 * Winograd F(4x4, 3x3) convolution (assembly/winograd4.ts, src/backends/js/winograd4.ts): the kernels
 * (WebAssembly and the plain-TS reference) against a float64 direct convolution at odd sizes and paddings
 * (the input gradient's 2 - p can be negative), blocks and row ranges (bit-identical on the wasm side), the
 * weight transforms; NaN at kernel level and NaN/Inf/huge operands falling back at op level; accuracy on
 * ResNet-like data against float64 next to F(2x2)'s and the direct path's; and the conv2d-level cases of
 * test/winograd-cases.ts (against the direct path, NaN/Inf/huge fallback, gradcheck, the 2-thread split).
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { W4_REFERENCE_MR, winograd4Layout } from '../src/backends/js/winograd4.js';
import { wasmConstants } from '../src/backends/wasm/exports.js';
import { heap } from '../src/backends/memory.js';
import { tensor } from '../src/index.js';
import { conv2d, setWinograd, setWinogradVariant } from '../src/ops/conv.js';
import { winogradConvCases } from './winograd-cases.js';
import { backends, bits, direct64, expectNear, flipTranspose, geo, runKernel, runWeight, wasm, type Conv } from './winograd-reference.js';
import { mulberry32, put, randArray, readF } from './helpers.js';

/** GEMM_MR of a backend's packed U: the module's, or the reference's. */
const uMR = (k: Kernels): number => (k === wasm ? wasmConstants(wasm).GEMM_MR : W4_REFERENCE_MR);

/**
 * The float64 weight gradient Σ gy[oc](oy, ox) x[ci](oy - ph + ki, ox - pw + kj), its direct error scale
 * Σ|gy||x| and its F(4x4) error scale per (oc, ci): Σ over tiles of (Σ|dY| over the 4x4 block)(Σ|d| over
 * the 6x6 input).
 */
function weightGrad64(gy: Float32Array, x: Float32Array, q: Conv): { y: Float64Array; scale: Float64Array; wscale: Float64Array } {
  const { n, c, h, wd, o, ph, pw, oh, ow } = q;
  const y = new Float64Array(o * c * 9), scale = new Float64Array(o * c * 9), wscale = new Float64Array(o * c * 9);
  const xa = (i: number, ci: number, iy: number, ix: number) => (iy < 0 || iy >= h || ix < 0 || ix >= wd ? 0 : x[((i * c + ci) * h + iy) * wd + ix]!);
  const ga = (i: number, oc: number, oy: number, ox: number) => (oy >= oh || ox >= ow ? 0 : gy[((i * o + oc) * oh + oy) * ow + ox]!);
  for (let oc = 0; oc < o; oc++) for (let ci = 0; ci < c; ci++) {
    let sc = 0;
    for (let i = 0; i < n; i++) for (let ty = 0; ty < oh; ty += 4) for (let tx = 0; tx < ow; tx += 4) {
      let sgy = 0, sd = 0;
      for (let k = 0; k < 16; k++) sgy += Math.abs(ga(i, oc, ty + (k >> 2), tx + (k & 3)));
      for (let k = 0; k < 36; k++) sd += Math.abs(xa(i, ci, ty - ph + Math.floor(k / 6), tx - pw + (k % 6)));
      sc += sgy * sd;
    }
    for (let i = 0; i < n; i++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const gv = ga(i, oc, oy, ox);
      for (let t = 0; t < 9; t++) {
        const xv = xa(i, ci, oy - ph + Math.floor(t / 3), ox - pw + (t % 3));
        y[(oc * c + ci) * 9 + t] += gv * xv;
        scale[(oc * c + ci) * 9 + t] += Math.abs(gv * xv);
      }
    }
    for (let t = 0; t < 9; t++) wscale[(oc * c + ci) * 9 + t] = sc;
  }
  return { y, scale, wscale };
}

describe('Winograd F(4x4) kernels against a float64 direct convolution', () => {
  // float32 ulps of F(4x4)'s error scale (direct64): the transforms' coefficients reach 81/64 and 27/8
  const TOL = 2 ** -23 * 16;
  for (const [name, k] of backends) {
    it(`${name}: H, W in 1, 3, 5, 7, 17; C, O in 1, 3, 16, 17; batch 1 and 3; padding 0, 1, 2 and -1`, () => {
      const rnd = mulberry32(31);
      let cases = 0;
      for (const h of [1, 3, 5, 7, 17]) for (const wd of [1, 3, 5, 7, 17]) for (const c of [1, 3, 16, 17]) for (const o of [1, 3, 16, 17]) {
        for (const n of [1, 3]) for (const p of [0, 1, 2, 3]) {
          // p = 3 stands for the padding (-1, 1) below
          const ph = p === 3 ? -1 : p, pw = p === 3 ? 1 : p;
          const q = geo(n, c, h, wd, o, ph, pw);
          if (q.oh <= 0 || q.ow <= 0) continue;
          // a sample of the combinations (every one on wasm would take long in the float64 reference)
          const key = h * 31 + wd * 7 + c * 5 + o * 3 + n + p;
          if (key % (name === 'js' ? 23 : 5) !== 0) continue;
          const x = randArray(rnd, n * c * h * wd), w = randArray(rnd, o * c * 9), b = (c + o) % 2 ? randArray(rnd, o) : null;
          const y = runKernel(4, k, x, w, 0, b, q);
          expectNear(y, direct64(4, x, w, b, q), TOL, `${name} n${n} c${c} ${h}x${wd} o${o} pad ${ph},${pw}`);
          cases++;
        }
      }
      expect(cases).toBeGreaterThan(name === 'js' ? 25 : 120);
    });

    it(`${name}: the flipped, transposed weights (conv2d's input gradient), paddings 2 - p`, () => {
      const rnd = mulberry32(32);
      for (const [c, o, h, wd, ph, pw] of [[3, 17, 5, 7, 1, 1], [17, 3, 17, 3, 0, 2], [1, 3, 3, 1, 2, 2], [5, 16, 9, 8, 1, -1],
        [16, 16, 7, 17, 2, 1]] as const) {
        const q = geo(2, c, h, wd, o, ph, pw);
        const x = randArray(rnd, 2 * c * h * wd), wT = randArray(rnd, c * o * 9); // wT: [c, o, 3, 3] as conv2d's weight
        const y = runKernel(4, k, x, wT, 1, null, q);
        expectNear(y, direct64(4, x, flipTranspose(wT, c, o), null, q), TOL, `${name} flip c${c} o${o}`);
      }
    });

    it(`${name}: the weight gradient at odd sizes and paddings 0, 1, 2, -1`, () => {
      const rnd = mulberry32(33);
      for (const [n, c, h, wd, o, ph, pw] of [[1, 1, 3, 3, 1, 0, 0], [3, 3, 17, 5, 17, 1, 1], [2, 17, 4, 9, 3, 2, 2], [1, 3, 1, 1, 3, 1, 1],
        [3, 5, 7, 17, 2, 0, 0], [2, 16, 6, 6, 5, 1, 1], [1, 4, 7, 5, 16, -1, 1]] as const) {
        const q = geo(n, c, h, wd, o, ph, pw);
        const x = randArray(rnd, n * c * h * wd), gy = randArray(rnd, n * o * q.oh * q.ow);
        expectNear(runWeight(4, k, gy, x, q), weightGrad64(gy, x, q), 2 ** -23 * 32, `${name} weight n${n} c${c} ${h}x${wd} o${o} pad ${ph},${pw}`);
      }
    });
  }

  it('the float64 check can fail: a wrong tap in the weights is caught', () => {
    const rnd = mulberry32(34);
    const q = geo(1, 3, 7, 7, 3, 1);
    const x = randArray(rnd, 3 * 49), w = randArray(rnd, 3 * 3 * 9);
    const y = runKernel(4, wasm, x, w, 0, null, q);
    const bad = w.slice();
    bad[4]! += 1e-3;
    expect(() => expectNear(y, direct64(4, x, bad, null, q), TOL, 'perturbed')).toThrow();
  });

  it('wasm: any blocks and any runs of tile rows give the same bits (the thread split relies on it)', () => {
    const rnd = mulberry32(35);
    for (const [n, c, h, wd, o] of [[3, 17, 17, 13, 9], [2, 8, 8, 8, 16], [3, 3, 5, 31, 17]] as const) {
      const q = geo(n, c, h, wd, o, 1);
      const tilesY = (q.oh + 3) >> 2, rows = n * tilesY;
      const x = randArray(rnd, n * c * h * wd), w = randArray(rnd, o * c * 9), b = randArray(rnd, o);
      const whole = runKernel(4, wasm, x, w, 0, b, q);
      for (const blockRows of [1, 2, 5]) expect(bits(runKernel(4, wasm, x, w, 0, b, q, { blockRows }))).toEqual(bits(whole));
      const cutAt = Math.floor(rows / 2) + 1;
      let y = runKernel(4, wasm, x, w, 0, b, q, { row0: 0, rows: cutAt, blockRows: 3 });
      y = runKernel(4, wasm, x, w, 0, b, q, { row0: cutAt, rows: rows - cutAt, blockRows: 2, y0: y });
      expect(bits(y)).toEqual(bits(whole));
    }
  });

  it('wasm: V packed by the input transform (blocks of <= 4096 tiles) gives the bits of the GEMM packing it (larger blocks)', () => {
    const rnd = mulberry32(44);
    // 17 columns: 8 stored tiles per tile row, so 513 tile rows make a block of 4104 tiles, past the packed limit
    for (const [n, c, o, hw] of [[103, 3, 5, 17], [103, 17, 2, 17]] as const) {
      const q = geo(n, c, hw, hw, o, 1);
      const rows = n * ((q.oh + 3) >> 2);
      expect(rows).toBeGreaterThanOrEqual(513);
      const x = randArray(rnd, n * c * hw * hw), w = randArray(rnd, o * c * 9), b = randArray(rnd, o);
      const unpacked = runKernel(4, wasm, x, w, 0, b, q, { blockRows: rows });
      for (const blockRows of [1, 3, 512]) expect(bits(runKernel(4, wasm, x, w, 0, b, q, { blockRows }))).toEqual(bits(unpacked));
    }
  });

  it('wasm: the weight gradient summed in runs of tile rows and blocks is close to one run', () => {
    const rnd = mulberry32(36);
    const q = geo(3, 6, 9, 11, 5, 1);
    const x = randArray(rnd, 3 * 6 * 9 * 11), gy = randArray(rnd, 3 * 5 * 9 * 11);
    const rows = 3 * 3;
    const whole = runWeight(4, wasm, gy, x, q);
    const parts = runWeight(4, wasm, gy, x, q, [[0, 4, 2], [4, rows - 4, 3]]);
    const ref = weightGrad64(gy, x, q);
    expectNear(parts, ref, 2 ** -23 * 32, 'runs');
    for (let i = 0; i < whole.length; i++) expect(Math.abs(parts[i]! - whole[i]!)).toBeLessThanOrEqual(2 ** -23 * 32 * ref.wscale[i]!);
    // outputs at most 8 wide: tile rows in pairs, odd blocks and runs padded
    const q2 = geo(3, 5, 10, 8, 4, 1);
    const x2 = randArray(rnd, 3 * 5 * 80), gy2 = randArray(rnd, 3 * 4 * 80);
    const ref2 = weightGrad64(gy2, x2, q2);
    for (const runs of [null, [[0, 3, 3], [3, 6, 1]], [[0, 1, 1], [1, 5, 2], [6, 3, 5]]] as [number, number, number][][]) {
      expectNear(runWeight(4, wasm, gy2, x2, q2, runs), ref2, 2 ** -23 * 32, `pairs ${JSON.stringify(runs)}`);
    }
  });

  it('wasm and js weight transforms agree within one rounding (f64, rounded once)', () => {
    const rnd = mulberry32(37);
    for (const [o, c] of [[1, 1], [3, 17], [17, 3], [16, 16], [7, 513], [130, 5]] as const) {
      const w = randArray(rnd, o * c * 9, -3, 3);
      for (const flip of [0, 1]) {
        const out = backends.map(([, k]) => {
          // U [36, rows, depth] in the GEMM's packed-A layout: unpacked to row-major planes
          const rows = flip ? c : o, depth = flip ? o : c;
          const uBytes = k.winograd4_weights_bytes(rows, depth);
          const { plane, at } = winograd4Layout(rows, depth, uMR(k));
          expect(uBytes).toBe(36 * plane * 4);
          const pw = put(w), u = heap.alloc(uBytes);
          k.winograd4_weights_f32(pw, u, o, c, flip);
          const all = readF(u, 36 * plane);
          const r = new Float32Array(36 * o * c).map((_, i) => all[Math.floor(i / (o * c)) * plane + at(Math.floor((i % (o * c)) / depth), i % depth)]!);
          // the padding (rows past the last, depth to a multiple of 4, the 16 floats after each plane) is zero
          const used = new Set<number>();
          for (let xi = 0; xi < 36; xi++) for (let q = 0; q < rows; q++) for (let p = 0; p < depth; p++) used.add(xi * plane + at(q, p));
          for (let i = 0; i < all.length; i++) if (!used.has(i)) expect(all[i], `padding ${i}`).toBe(0);
          heap.free(pw, w.length * 4);
          heap.free(u, uBytes);
          return r;
        });
        for (let i = 0; i < out[0]!.length; i++) {
          expect(Math.abs(out[0]![i]! - out[1]![i]!)).toBeLessThanOrEqual(2 ** -23 * Math.abs(out[1]![i]!));
        }
      }
    }
  });

  it('wasm: U as written is gemm_pack_a_f32 of its row-major planes (the GEMMs over it give gemm_f32\'s bits)', () => {
    const rnd = mulberry32(45);
    const mr = uMR(wasm);
    for (const [o, c] of [[5, 3], [16, 16], [17, 33], [130, 7], [1, 512]] as const) {
      const w = randArray(rnd, o * c * 9, -3, 3);
      for (const flip of [0, 1]) {
        const rows = flip ? c : o, depth = flip ? o : c;
        const { plane, at } = winograd4Layout(rows, depth, mr);
        const uBytes = wasm.winograd4_weights_bytes(rows, depth), paBytes = wasm.gemm_pack_a_bytes(rows, depth);
        expect(paBytes + 64).toBe(plane * 4);
        const pw = put(w), u = heap.alloc(uBytes), flat = heap.alloc(rows * depth * 4), pa = heap.alloc(paBytes);
        try {
          wasm.winograd4_weights_f32(pw, u, o, c, flip);
          const all = new Int32Array(readF(u, 36 * plane).buffer);
          for (let xi = 0; xi < 36; xi++) {
            const row = new Float32Array(new Int32Array(rows * depth).map((_, i) => all[xi * plane + at(Math.floor(i / depth), i % depth)]!).buffer);
            heap.f32.set(row, flat >>> 2);
            wasm.gemm_pack_a_f32(flat, rows, depth, depth, 1, pa);
            expect(Array.from(all.subarray(xi * plane, xi * plane + paBytes / 4)), `plane ${xi}`).toEqual(Array.from(new Int32Array(readF(pa, paBytes / 4).buffer)));
          }
        } finally {
          heap.free(pw, w.length * 4);
          heap.free(u, uBytes);
          heap.free(flat, rows * depth * 4);
          heap.free(pa, paBytes);
        }
      }
    }
  });

  it('NaN in the input reaches every output whose window holds it (and may reach more of its tile: conv2d sends NaN down the direct path)', () => {
    const q = geo(1, 2, 6, 7, 3, 1);
    const rnd = mulberry32(38);
    const w = randArray(rnd, 3 * 2 * 9, 0.5, 1);
    for (const [name, k] of backends) {
      const x = randArray(rnd, 2 * 6 * 7);
      x[17] = NaN;
      const ref = direct64(4, x, w, null, q);
      const y = runKernel(4, k, x, w, 0, null, q);
      for (let i = 0; i < y.length; i++) if (Number.isNaN(ref.y[i]!)) expect(Number.isNaN(y[i]!), `${name} output ${i}`).toBe(true);
    }
  });
});

/** ResNet-like data: ReLU'd normal activations, Kaiming-normal weights, small biases; output gradients ~ N(0, 1e-3). */
function resnetLike(rnd: () => number, n: number, c: number, hw: number, o: number) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const x = new Float32Array(n * c * hw * hw).map(() => Math.max(0, normal()));
  const w = new Float32Array(o * c * 9).map(() => normal() * Math.sqrt(2 / (9 * c)));
  const b = new Float32Array(o).map(() => normal() * 0.05);
  const gy = new Float32Array(n * o * hw * hw).map(() => normal() * 1e-3);
  return { x, w, b, gy };
}

/** Max and mean of |y - ref| / scale. */
function relErr(y: Float32Array, ref: Float64Array, scale: Float64Array): { max: number; mean: number } {
  let max = 0, sum = 0;
  for (let i = 0; i < y.length; i++) {
    const e = Math.abs(y[i]! - ref[i]!) / scale[i]!;
    max = Math.max(max, e);
    sum += e;
  }
  return { max, mean: sum / y.length };
}

describe('Winograd F(4x4) accuracy on ResNet-like data (channels 16, 32, 64) against float64', () => {
  /** conv2d's y, dx, dw for the data with the given path, as float32 arrays. */
  function op(variant: 'direct' | 2 | 4, d: ReturnType<typeof resnetLike>, n: number, c: number, hw: number): Float32Array[] {
    const wasOn = setWinograd(variant !== 'direct');
    const was = setWinogradVariant(variant === 'direct' ? 'auto' : variant);
    try {
      const x = tensor(d.x).reshape(n, c, hw, hw).requiresGrad_(), w = tensor(d.w).reshape(c, c, 3, 3).requiresGrad_();
      const y = conv2d(x, w, tensor(d.b), { padding: 1 });
      y.backward(tensor(d.gy).reshape(n, c, hw, hw));
      return [y, x.grad!, w.grad!].map((t) => t.toArray() as Float32Array);
    } finally {
      setWinograd(wasOn);
      setWinogradVariant(was);
    }
  }

  it('max error relative to Σ|x||w| within 1.5e-6 (forward, input gradient) and 2e-6 (weight gradient), within 10x (15x) the direct path\'s', () => {
    const rnd = mulberry32(39);
    const rows: string[] = [];
    for (const [c, hw] of [[16, 32], [32, 16], [64, 8]] as const) {
      const n = 2;
      const d = resnetLike(rnd, n, c, hw, c);
      const q = geo(n, c, hw, hw, c, 1);
      const ref = [direct64(4, d.x, d.w, d.b, q), direct64(4, d.gy, flipTranspose(d.w, c, c), null, q), weightGrad64(d.gy, d.x, q)];
      const errs = (['direct', 2, 4] as const).map((v) => op(v, d, n, c, hw).map((y, i) => relErr(y, ref[i]!.y, ref[i]!.scale)));
      rows.push(`c ${c}: ` + ['y', 'dx', 'dw'].map((what, i) => `${what} ${errs.map((e) => `${e[i]!.max.toExponential(1)}/${e[i]!.mean.toExponential(1)}`).join(' ')}`).join('; '));
      const [dir, , f4] = errs;
      // forward and weight gradient within 10x the direct path's max error, the input gradient (whose direct
      // path, a GEMM then col2im's sums of 9, is the most accurate) within 15x
      for (let i = 0; i < 3; i++) {
        expect(f4![i]!.max, `c ${c} ${i}`).toBeLessThanOrEqual(i === 2 ? 2e-6 : 1.5e-6);
        expect(f4![i]!.max, `c ${c} ${i}`).toBeLessThanOrEqual((i === 1 ? 15 : 10) * dir![i]!.max);
      }
    }
    if (process.env.WINOGRAD4_ACCURACY) console.log(`(max/mean of |err| / Σ|x||w|: direct F2 F4)\n${rows.join('\n')}`);
  });
});

// 1e35 passes F(2x2)'s finite bound (81·16·1e35·max|w| < 2^127) but not F(4x4)'s (3545·16·1e35·max|w|)
winogradConvCases({ variant: 4, tolerance: 2e-5, seed: 41, huge: [3e37, 1e35], gradcheck: { input: [1, 16, 5, 6], eps: 0.05 } });
