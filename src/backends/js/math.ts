/**
 * Reference kernel of the math family (src/ops/math.ts): math_f32(x, out, n, op), one contiguous unary
 * function per op code, computed in doubles and rounded to f32 on store. The special functions (erf/erfc,
 * erfinv, lgamma, digamma, trigamma) are written out here and, line for line, in assembly/math.ts.
 */
import { heap } from '../memory.js';

/** math_f32's op codes (assembly/math.ts has the same numbers). */
export const MATH_OP = {
  log1p: 0, expm1: 1, sin: 2, cos: 3, rsqrt: 4, reciprocal: 5, tan: 6, asin: 7, acos: 8, atan: 9, sinh: 10,
  cosh: 11, asinh: 12, acosh: 13, atanh: 14, log2: 15, log10: 16, exp2: 17, erfc: 18, erfinv: 19, lgamma: 20,
  digamma: 21, trigamma: 22,
} as const;
export type MathOpName = keyof typeof MATH_OP;

const PI = Math.PI;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf(x) for |x| < 3: 2/sqrt(pi) e^-x² Σ 2^k x^(2k+1) / (1·3···(2k+1)) (all terms positive). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x, sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (2 * x2) / (2 * k + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 3: e^-x² / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), 60 terms. */
function erfcFraction(x: number): number {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + (k * 0.5) / f;
  return Math.exp(-x * x) / (f * 1.7724538509055159);
}

/** erf(x) in double precision. */
export function erf64(x: number): number {
  if (x !== x) return x;
  const a = Math.abs(x);
  if (a < 3) return erfSeries(x);
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}

/** erfc(x) in double precision (relative accuracy also in the tail, down to the subnormals of f32). */
export function erfc64(x: number): number {
  if (x !== x) return x;
  if (x < 3) return 1 - erfSeries(Math.max(x, -6));
  return erfcFraction(x);
}

/** erfinv(y): PyTorch's calc_erfinv (rational first guess, two Newton steps), in doubles. */
export function erfinv64(y: number): number {
  const ay = Math.abs(y);
  if (!(ay <= 1)) return NaN;
  if (ay === 1) return y > 0 ? Infinity : -Infinity;
  let x: number;
  if (ay <= 0.7) {
    const z = y * y;
    const num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899;
    const dem = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1;
    x = (y * num) / dem;
  } else {
    const z = Math.sqrt(-Math.log((1 - ay) / 2));
    const num = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454;
    const dem = (1.6370678 * z + 3.5438892) * z + 1;
    x = (y < 0 ? -num : num) / dem;
  }
  x = x - (erf64(x) - y) / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
  x = x - (erf64(x) - y) / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
  return x;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log|Γ(x)| (Lanczos, g = 7; reflection below 1/2): +Inf at the poles 0, -1, -2, ... and at ±Inf. */
export function lgamma64(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0 && x === Math.floor(x)) return Infinity;
  if (x < 0.5) {
    const r = x - 2 * Math.floor(x / 2); // x mod 2, exact
    return Math.log(PI / Math.abs(Math.sin(PI * r))) - lgamma64(1 - x);
  }
  const xm = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (xm + i);
  const t = xm + 7.5;
  return 0.9189385332046728 + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x): PyTorch's calc_digamma in doubles (±Inf at ±0 with the opposite sign, NaN at negative integers). */
export function digamma64(x: number): number {
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x < 0) {
    if (x === Math.trunc(x)) return NaN;
    const r = x - Math.trunc(x);
    return digamma64(1 - x) - PI / Math.tan(PI * r);
  }
  let result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x === 10) return result + 2.2517525890667211;
  let y = 0;
  if (x < 1e17) {
    const z = 1 / (x * x);
    y = z * ((((((8.33333333333333333333e-2 * z - 2.10927960927960927961e-2) * z + 7.57575757575757575758e-3) * z -
      4.16666666666666666667e-3) * z + 3.96825396825396825397e-3) * z - 8.33333333333333333333e-3) * z + 8.33333333333333333333e-2);
  }
  return result + Math.log(x) - 0.5 / x - y;
}

/** ψ'(x), polygamma(1, x): PyTorch's calc_trigamma in doubles. */
export function trigamma64(x: number): number {
  let sign = 1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const s = Math.sin(PI * x);
    result -= (PI * PI) / (s * s);
    x = 1 - x;
  }
  for (let i = 0; i < 6; i++) {
    result += 1 / (x * x);
    x += 1;
  }
  const ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x;
  return sign * result;
}

const f32r = Math.fround;
const FUNCS: readonly ((v: number) => number)[] = [
  Math.log1p, Math.expm1, Math.sin, Math.cos,
  (v) => 1 / f32r(Math.sqrt(v)), // rsqrt as f32 1 / f32 sqrt (two roundings, as PyTorch's vectorized rsqrt)
  (v) => 1 / v, Math.tan, Math.asin, Math.acos, Math.atan, Math.sinh, Math.cosh, Math.asinh, Math.acosh, Math.atanh,
  Math.log2, Math.log10, (v) => Math.pow(2, v), erfc64, erfinv64, lgamma64, digamma64, trigamma64,
];

/** out[i] = f_op(x[i]) for the op codes of MATH_OP; out may equal x. */
export function math_f32(x: number, out: number, n: number, op: number): void {
  const f = FUNCS[op | 0] ?? FUNCS[0]!;
  const f32 = heap.f32;
  const xs = x >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) f32[os + i] = f(f32[xs + i]!);
}
