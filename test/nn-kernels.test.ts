/**
 * The nn kernels (erf_f32, avgpool2d_f32, avgpool2d_backward_f32): WebAssembly against the plain-TS
 * reference at sizes 1, 3, 17, 129 and over extreme ranges, and both against known values.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { erf as erf64 } from '../src/backends/js/activation.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { mulberry32, put, randArray, readF } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
const backends: [string, Kernels][] = [['wasm', wasm], ['js', jsKernels]];
const SIZES = [1, 3, 17, 129];
let rng = mulberry32(77);

/** The `n` float32 values at `p`, then frees the block. */
function take(p: number, n: number): Float32Array {
  const out = readF(p, n);
  heap.free(p, Math.max(4, n * 4));
  return out;
}
function runErf(k: Kernels, x: Float32Array): Float32Array {
  const px = put(x);
  const po = put(new Float32Array(x.length));
  k.erf_f32(px, po, x.length);
  take(px, x.length);
  return take(po, x.length);
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('erf_f32', () => {
  it('the double-precision reference matches tabulated values', () => {
    const table: [number, number][] = [
      [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
      [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014], [4, 0.9999999845827421], [-0.7, -0.6778011938374184],
      [1e-10, 1.1283791670955126e-10],
    ];
    for (const [x, v] of table) expect(Math.abs(erf64(x) - v), `erf(${x})`).toBeLessThan(1e-15);
    expect(erf64(Infinity)).toBe(1);
    expect(erf64(-Infinity)).toBe(-1);
    expect(erf64(NaN)).toBeNaN();
  });

  for (const [name, k] of backends) {
    it(`${name}: within 1e-6 of the double-precision erf on [-6, 6] and near 0 (relative)`, () => {
      rng = mulberry32(1);
      const x = randArray(rng, 4099, -6, 6);
      const got = runErf(k, x);
      for (let i = 0; i < x.length; i++) expect(Math.abs(got[i]! - erf64(x[i]!)), `x = ${x[i]}`).toBeLessThan(1e-6);
      const small = randArray(rng, 257, -1e-3, 1e-3);
      const gs = runErf(k, small);
      for (let i = 0; i < small.length; i++) {
        const want = erf64(small[i]!);
        expect(Math.abs(gs[i]! - want), `x = ${small[i]}`).toBeLessThanOrEqual(1e-6 * Math.abs(want) + 1e-12);
      }
    });

    it(`${name}: special values and saturation`, () => {
      const x = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 3.4e38, -3.4e38, 10, -10, 1e-38]);
      const got = runErf(k, x);
      expect(got[0]).toBeNaN();
      expect(Array.from(got.slice(1, 3))).toEqual([1, -1]);
      expect(Object.is(got[3], 0)).toBe(true);
      expect(Object.is(got[4], -0)).toBe(true);
      expect(Array.from(got.slice(5, 9))).toEqual([1, -1, 1, -1]);
      expect(Math.abs(got[9]!)).toBeLessThan(1e-37);
      for (const v of got) if (!Number.isNaN(v)) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    });
  }

  it('wasm matches js at sizes 1, 3, 17, 129 and over extreme ranges', () => {
    rng = mulberry32(2);
    const ranges: [number, number][] = [[-1, 1], [-5, 5], [-1e-20, 1e-20], [-1e30, 1e30]];
    for (const n of SIZES) {
      for (const [lo, hi] of ranges) {
        const x = randArray(rng, n, lo, hi);
        if (n > 3) { x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; }
        const a = runErf(wasm, x);
        const b = runErf(jsKernels, x);
        for (let i = 0; i < n; i++) {
          if (Number.isNaN(b[i]!)) expect(a[i]).toBeNaN();
          else expect(Math.abs(a[i]! - b[i]!), `n=${n} x=${x[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1e-30, Math.abs(b[i]!) < 1e-6 ? Math.abs(b[i]!) : 1));
        }
      }
    }
  });
});

// ---------------------------------------------------------------- average pooling

interface Geo { planes: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number }
const outSize = (g: Geo) => [Math.floor((g.h + 2 * g.ph - g.kh) / g.sh) + 1, Math.floor((g.w + 2 * g.pw - g.kw) / g.sw) + 1] as const;

/** float64 average pooling with zero padding counted in the divisor. */
function avgRef(x: Float32Array, g: Geo): Float64Array {
  const [oh, ow] = outSize(g);
  const out = new Float64Array(g.planes * oh * ow);
  for (let p = 0; p < g.planes; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let i = 0; i < g.kh; i++)
          for (let j = 0; j < g.kw; j++) {
            const iy = oy * g.sh - g.ph + i, ix = ox * g.sw - g.pw + j;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) s += x[p * g.h * g.w + iy * g.w + ix]!;
          }
        out[(p * oh + oy) * ow + ox] = s / (g.kh * g.kw);
      }
  return out;
}

function runAvg(k: Kernels, x: Float32Array, g: Geo): Float32Array {
  const [oh, ow] = outSize(g);
  const n = g.planes * oh * ow;
  const px = put(x), po = put(new Float32Array(n));
  k.avgpool2d_f32(px, po, g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, oh, ow);
  take(px, x.length);
  return take(po, n);
}
function runAvgBack(k: Kernels, dy: Float32Array, dx0: Float32Array, g: Geo): Float32Array {
  const [oh, ow] = outSize(g);
  const py = put(dy), pd = put(dx0);
  k.avgpool2d_backward_f32(py, pd, g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, oh, ow);
  take(py, dy.length);
  return take(pd, dx0.length);
}

const GEOS: Geo[] = [
  { planes: 1, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 },
  { planes: 3, h: 4, w: 4, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { planes: 2, h: 17, w: 5, kh: 3, kw: 3, sh: 2, sw: 1, ph: 1, pw: 1 },
  { planes: 1, h: 129, w: 3, kh: 4, kw: 2, sh: 3, sw: 1, ph: 2, pw: 1 },
  { planes: 17, h: 7, w: 9, kh: 3, kw: 5, sh: 1, sw: 2, ph: 0, pw: 2 },
];

describe('avgpool2d_f32 / avgpool2d_backward_f32', () => {
  it('forward matches a float64 reference on both backends', () => {
    rng = mulberry32(3);
    for (const g of GEOS) {
      const x = randArray(rng, g.planes * g.h * g.w, -3, 3);
      const want = avgRef(x, g);
      for (const [name, k] of backends) {
        const got = runAvg(k, x, g);
        expect(maxAbsDiff(got, want), `${name} ${JSON.stringify(g)}`).toBeLessThan(1e-5);
      }
    }
  });

  it('wasm matches js at extreme ranges, with infinities and NaN propagating', () => {
    rng = mulberry32(4);
    for (const g of GEOS) {
      for (const [lo, hi] of [[-1e-30, 1e-30], [-1e30, 1e30]] as const) {
        const x = randArray(rng, g.planes * g.h * g.w, lo, hi);
        const a = runAvg(wasm, x, g), b = runAvg(jsKernels, x, g);
        // f32 accumulation (wasm) vs double (js): compare on the scale of the inputs, as sums cancel
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-6 * hi * g.kh * g.kw);
      }
    }
    const g = GEOS[1]!;
    const x = new Float32Array(g.planes * g.h * g.w).fill(1);
    x[0] = Infinity; x[20] = NaN;
    for (const [, k] of backends) {
      const out = runAvg(k, x, g);
      expect(out[0]).toBe(Infinity);
      expect(out[1]).toBe(1);
      expect(out[4]).toBeNaN(); // plane 1 (outputs 4..7), window (0, 0) contains x[16 + 4]
      expect(out[5]).toBe(1);
    }
  });

  it('backward is the adjoint of forward (<avg(x), dy> = <x, avg*(dy)>) and accumulates into dx', () => {
    rng = mulberry32(5);
    for (const g of GEOS) {
      const [oh, ow] = outSize(g);
      const x = randArray(rng, g.planes * g.h * g.w, -1, 1);
      const dy = randArray(rng, g.planes * oh * ow, -1, 1);
      const base = randArray(rng, x.length, -1, 1);
      const results: Float32Array[] = [];
      for (const [name, k] of backends) {
        const y = runAvg(k, x, g);
        const dx = runAvgBack(k, dy, base, g);
        let lhs = 0, rhs = 0;
        for (let i = 0; i < y.length; i++) lhs += y[i]! * dy[i]!;
        for (let i = 0; i < x.length; i++) rhs += x[i]! * (dx[i]! - base[i]!);
        expect(Math.abs(lhs - rhs), `${name} ${JSON.stringify(g)}`).toBeLessThan(1e-4);
        results.push(dx);
      }
      expect(maxAbsDiff(results[0]!, results[1]!)).toBeLessThan(1e-5);
    }
  });
});

/** The exact GELU and its derivative in float64, from the reference erf. */
const gelu64 = (x: number): number => 0.5 * x * (1 + erf64(x * Math.SQRT1_2));
const geluGrad64 = (x: number): number => 0.5 * (1 + erf64(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

describe('gelu_f32 and gelu_backward_f32 (the fused exact GELU)', () => {
  const run = (k: Kernels, x: Float32Array, g: Float32Array | null): Float32Array => {
    const px = put(x), po = put(new Float32Array(x.length));
    const pg = g === null ? 0 : put(g);
    if (g === null) k.gelu_f32(px, po, x.length);
    else k.gelu_backward_f32(pg, px, po, x.length);
    take(px, x.length);
    if (g !== null) take(pg, x.length);
    return take(po, x.length);
  };
  for (const [name, k] of backends) {
    it(`${name}: within 2e-6 (absolute, plus 2e-6 relative) of float64 at sizes 1, 3, 17, 129 on [-8, 8]`, () => {
      rng = mulberry32(5);
      for (const n of SIZES) {
        const x = randArray(rng, n, -8, 8), g = randArray(rng, n, -2, 2);
        const y = run(k, x, null), dx = run(k, x, g);
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          expect(Math.abs(y[i]! - gelu64(v)), `gelu(${v})`).toBeLessThanOrEqual(2e-6 + 2e-6 * Math.abs(gelu64(v)));
          const want = g[i]! * geluGrad64(v);
          expect(Math.abs(dx[i]! - want), `gelu'(${v})`).toBeLessThanOrEqual(2e-6 + 2e-6 * Math.abs(want));
        }
      }
    });

    it(`${name}: special values`, () => {
      const x = new Float32Array([NaN, Infinity, -Infinity, 0, 3.4e38, -3.4e38, -20]);
      const y = run(k, x, null);
      expect(y[0]).toBeNaN();
      expect(y[1]).toBe(Infinity);
      expect(Object.is(y[2], -0) || y[2] === 0 || Number.isNaN(y[2])).toBe(true); // -Inf * 0: PyTorch gives NaN too
      expect(Math.abs(y[3]!)).toBe(0);
      expect(y[4]).toBeCloseTo(3.4e38, -33); // halved first: no overflow
      expect(Math.abs(y[5]!)).toBe(0);
      expect(Math.abs(y[6]!)).toBeLessThan(1e-30);
      const d = run(k, new Float32Array([NaN, 0, 20, -20]), new Float32Array([1, 1, 1, 1]));
      expect(d[0]).toBeNaN();
      expect(d[1]).toBeCloseTo(0.5, 6);
      expect(d[2]).toBeCloseTo(1, 6);
      expect(Math.abs(d[3]!)).toBeLessThan(1e-30);
    });
  }

  it('wasm and js agree to 1e-6 on 4099 values (the body and the tail)', () => {
    rng = mulberry32(9);
    const x = randArray(rng, 4099, -6, 6), g = randArray(rng, 4099, -1, 1);
    expect(maxAbsDiff(run(wasm, x, null), run(jsKernels, x, null))).toBeLessThan(1e-6);
    expect(maxAbsDiff(run(wasm, x, g), run(jsKernels, x, g))).toBeLessThan(1e-6);
  });
});
