/**
 * The exact GELU kernels (gelu_f32, gelu_backward_f32): the float64 reference against known values, then both
 * WebAssembly builds (plain SIMD, relaxed SIMD with fused multiply-adds) against the reference within a stated ulp
 * bound over millions of points incl. the negative tail, tiny |x|, subnormals and the special values.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import {
  defaultWasmUrl, enableRelaxedSimd, instantiateKernelsSync, readWasmFileSync, relaxedWasmUrl,
} from '../src/backends/wasm/loader.js';
import { mulberry32, put, randArray, readF } from './helpers.js';

const relaxedBytes = readWasmFileSync(relaxedWasmUrl);
const builds: [string, Kernels][] = [['simd', instantiateKernelsSync(readWasmFileSync(defaultWasmUrl))]];
if (enableRelaxedSimd(relaxedBytes)) builds.push(['relaxed-simd', instantiateKernelsSync(relaxedBytes)]);

/** Runs gelu_f32 (g null) or gelu_backward_f32 on x and returns the output. */
function run(k: Kernels, x: Float32Array, g: Float32Array | null): Float32Array {
  const px = put(x), po = put(new Float32Array(x.length));
  const pg = g === null ? 0 : put(g);
  try {
    if (g === null) k.gelu_f32(px, po, x.length);
    else k.gelu_backward_f32(pg, px, po, x.length);
    return readF(po, x.length);
  } finally {
    heap.free(px, Math.max(4, x.length * 4));
    heap.free(po, Math.max(4, x.length * 4));
    if (g !== null) heap.free(pg, Math.max(4, x.length * 4));
  }
}

/** The spacing of float32 values at |v| (2^-149 for subnormals and 0). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
/** Φ(v) for the bound's scale of the backward: the terms Φ(x) and x φ(x) in float64 (their sum is the reference). */
const cdfTerm = (v: number): number => Math.abs(v) > 40 ? (v > 0 ? 1 : 0) : 0.5 * (1 + erfSmall(v * SQRT1_2));
// Magnitude only (a 1e-7 relative error in the scale does not matter): erf from Abramowitz-Stegun 7.1.26.
function erfSmall(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return z < 0 ? -y : y;
}

/** Test points: uniform ranges, the negative tail, tiny and huge magnitudes of both signs. */
function points(rng: () => number): Float32Array[] {
  const logs = new Float32Array(1 << 18);
  for (let i = 0; i < logs.length; i++) logs[i] = (rng() < 0.5 ? -1 : 1) * 10 ** (-40 + 78 * rng());
  return [
    randArray(rng, 1 << 20, -16, 16), randArray(rng, 1 << 19, -1, 1), randArray(rng, 1 << 19, -6, 6),
    randArray(rng, 1 << 19, -14.5, -5), randArray(rng, 1 << 18, -1e-3, 1e-3), logs,
  ];
}

describe('gelu reference (float64)', () => {
  it('matches x Φ(x) and Φ(x) + x φ(x) from 30-digit values, incl. the lower tail', () => {
    // mpmath: x * ncdf(x) and ncdf(x) + x * npdf(x)
    const table: [number, number, number][] = [
      [-13, -7.952313719414843587e-38, -1.033730444011335615e-36], [-10, -7.619853024160526066e-23, -7.6184000964648140857e-22],
      [-5, -1.4332578593959695584e-6, -7.1469460017922946279e-6], [-3, -0.00404969409489028358, -0.011945647204183927],
      [-1, -0.15865525393145705141, -0.083315470587686298383], [-0.5, -0.15426876936299344818, 0.13250487534383715747],
      [0.25, 0.14967658142073093106, 0.69537335488363602598], [1, 0.84134474606854294859, 1.0833154705876862984],
      [3, 2.9959503059051097164, 1.011945647204183927],
    ];
    const x = new Float32Array(table.map((r) => r[0]));
    const y = run(jsKernels, x, null), d = run(jsKernels, x, new Float32Array(x.length).fill(1));
    table.forEach(([v, g, dg], i) => {
      expect(y[i], `gelu(${v})`).toBe(Math.fround(g));
      expect(d[i], `gelu'(${v})`).toBe(Math.fround(dg));
    });
  });
});

describe('gelu_f32 / gelu_backward_f32 against the float64 reference', () => {
  // The bounds documented in assembly/activation.ts: GELU within 5 ulp (plus 16 subnormal units, for x < -13 where
  // Φ(x) is subnormal); GELU' within 5 ulp of max(|Φ(x)|, |x φ(x)|) plus 16 subnormal units.
  const FWD_ULP = 5, BWD_ULP = 5, SUB = 16 * 2 ** -149;
  for (const [name, k] of builds) {
    it(`${name}: GELU and GELU' within ${FWD_ULP} / ${BWD_ULP} ulp over 3.1M points`, () => {
      const rng = mulberry32(18);
      let worstF = 0, worstB = 0;
      for (const x of points(rng)) {
        const ones = new Float32Array(x.length).fill(1);
        const y = run(k, x, null), want = run(jsKernels, x, null);
        const d = run(k, x, ones), wantD = run(jsKernels, x, ones);
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          const ef = Math.abs(y[i]! - want[i]!) / (FWD_ULP * ulp(want[i]!) + SUB);
          const scale = Math.max(Math.abs(cdfTerm(v)), Math.abs(v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI), Math.abs(wantD[i]!));
          const eb = Math.abs(d[i]! - wantD[i]!) / (BWD_ULP * ulp(scale) + SUB);
          if (!(ef <= 1)) expect.fail(`gelu(${v}) = ${y[i]}, reference ${want[i]}`);
          if (!(eb <= 1)) expect.fail(`gelu'(${v}) = ${d[i]}, reference ${wantD[i]}`);
          worstF = Math.max(worstF, ef);
          worstB = Math.max(worstB, eb);
        }
      }
      // the bound is not loose by orders of magnitude (a test that can fail)
      expect(worstF).toBeGreaterThan(0.1);
      expect(worstB).toBeGreaterThan(0.1);
    });

    it(`${name}: sizes 1, 3, 17, 129 (vector body and scalar tail) with random g, same as the reference`, () => {
      const rng = mulberry32(5);
      for (const n of [1, 3, 17, 129]) {
        const x = randArray(rng, n, -8, 8), g = randArray(rng, n, -2, 2);
        const y = run(k, x, null), want = run(jsKernels, x, null);
        const d = run(k, x, g), wantD = run(jsKernels, x, g);
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          expect(Math.abs(y[i]! - want[i]!), `gelu(${v})`).toBeLessThanOrEqual(FWD_ULP * ulp(want[i]!) + SUB);
          const scale = Math.abs(g[i]!) * Math.max(Math.abs(cdfTerm(v)), Math.abs(v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI));
          expect(Math.abs(d[i]! - wantD[i]!), `gelu'(${v})`).toBeLessThanOrEqual(2 * BWD_ULP * ulp(scale) + SUB);
        }
      }
    });

    it(`${name}: special values as the reference and PyTorch's formula, in the body and the tail`, () => {
      const specials = [NaN, Infinity, -Infinity, 0, -0, 3.4e38, -3.4e38, -20, 20, 1e-45, -1e-45, -30, 14.4];
      for (const pad of [0, 3]) { // pad 3: every special also lands in the scalar tail
        const x = new Float32Array([...specials, ...new Array(pad).fill(0.5)]);
        const y = run(k, x, null), want = run(jsKernels, x, null);
        const d = run(k, x, new Float32Array(x.length).fill(1)), wantD = run(jsKernels, x, new Float32Array(x.length).fill(1));
        for (let i = 0; i < specials.length; i++) {
          expect(Object.is(y[i], want[i]), `gelu(${x[i]}) = ${y[i]}, reference ${want[i]}`).toBe(true);
          // the sign of a zero GELU' at large negative x is not kept: the float64 value rounds to -0, float32
          // arithmetic (here and PyTorch's) gives 0 + x * 0 = +0
          const same = d[i] === wantD[i] || (Number.isNaN(d[i]) && Number.isNaN(wantD[i]));
          expect(same, `gelu'(${x[i]}) = ${d[i]}, reference ${wantD[i]}`).toBe(true);
        }
      }
      const y = run(k, new Float32Array(specials), null);
      expect(y[0]).toBeNaN();
      expect(y[1]).toBe(Infinity);
      expect(y[2]).toBeNaN(); // -Inf * Φ(-Inf) = -Inf * 0, as PyTorch's x * 0.5 * (1 + erf(x / sqrt 2))
      expect(Object.is(y[3], 0) && Object.is(y[4], -0)).toBe(true);
      expect(y[5]).toBe(Math.fround(3.4e38));
      expect(Object.is(y[6], -0) && Object.is(y[7], -0)).toBe(true);
      const d = run(k, new Float32Array(specials), new Float32Array(specials.length).fill(1));
      expect([d[0], d[1], d[2]].every(Number.isNaN)).toBe(true);
      expect([d[3], d[4]]).toEqual([0.5, 0.5]);
      expect(d[7]).toBe(0);
      expect(d[8]).toBe(1);
    });
  }
});
