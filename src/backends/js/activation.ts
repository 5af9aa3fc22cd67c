/** Reference activation kernels: erf in double precision, rounded to f32 on store. */
import { heap } from '../memory.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;

/**
 * erf(x) in double, accurate to ~1e-15: the Maclaurin series 2/sqrt(pi) * sum (-1)^k x^(2k+1) / (k! (2k+1))
 * for |x| < 2.5, and for |x| >= 2.5 erf = 1 - erfc with erfc from its Laplace continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps the sign of zero
  const a = Math.abs(x);
  if (a < 2.5) {
    const x2 = x * x;
    let term = x; // (-1)^k x^(2k+1) / k!
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return x > 0 ? 1 : -1; // erfc(6) ~ 2e-17
  let f = a;
  for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
  const erfc = (Math.exp(-a * a) * INV_SQRT_PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** out[i] = erf(x[i]), contiguous. */
export function erf_f32(x: number, out: number, n: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let i = 0; i < n; i++) f32[os + i] = erf(f32[xs + i]!);
}

/**
 * Φ(v), the standard normal CDF, in double: erfc(-v / sqrt 2) / 2, with erfc from the continued fraction above where
 * -v / sqrt 2 >= 2.5, so the lower tail keeps its relative accuracy (1 + erf(v / sqrt 2) cancels to 0 there).
 */
function normalCdf(v: number): number {
  const z = -v * Math.SQRT1_2;
  if (!(z >= 2.5)) return z === z ? 0.5 * (1 - erf(z)) : NaN;
  let f = z;
  for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
  return (0.5 * Math.exp(-z * z) * INV_SQRT_PI) / f;
}

/** out[i] = GELU(x[i]) = x Φ(x) (the exact form), in doubles, contiguous. */
export function gelu_f32(x: number, out: number, n: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) {
    const v = f32[xs + i]!;
    f32[os + i] = v * normalCdf(v);
  }
}

/** out[i] = g[i] * (Φ(x[i]) + x[i] φ(x[i])) (the exact GELU's backward), in doubles, contiguous. */
export function gelu_backward_f32(g: number, x: number, out: number, n: number): void {
  const f32 = heap.f32;
  const gs = g >>> 2, xs = x >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) {
    const v = f32[xs + i]!;
    const pdf = Math.exp(-0.5 * v * v) * 0.3989422804014327;
    f32[os + i] = f32[gs + i]! * (normalCdf(v) + v * pdf);
  }
}
