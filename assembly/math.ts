// Math kernels (src/ops/math.ts): math_f32(x, out, n, op), one contiguous unary function per op code.
// reciprocal and rsqrt are f32x4 SIMD (as PyTorch's vectorized CPU kernels: 1 / x, 1 / sqrt(x) in f32);
// the transcendental functions run per element in f64 (AssemblyScript's Math, a port of musl) rounded to
// f32 on store; the special functions are the same algorithms as src/backends/js/math.ts, line for line.

// Op codes: the numbers of MATH_OP in src/backends/js/math.ts.
const LOG1P = 0;
const EXPM1 = 1;
const SIN = 2;
const COS = 3;
const RSQRT = 4;
const RECIPROCAL = 5;
const TAN = 6;
const ASIN = 7;
const ACOS = 8;
const ATAN = 9;
const SINH = 10;
const COSH = 11;
const ASINH = 12;
const ACOSH = 13;
const ATANH = 14;
const LOG2 = 15;
const LOG10 = 16;
const EXP2 = 17;
const ERFC = 18;
const ERFINV = 19;
const LGAMMA = 20;
const DIGAMMA = 21;
const TRIGAMMA = 22;

const PI: f64 = 3.141592653589793;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;

/** erf(x) for |x| < 3: 2/sqrt(pi) e^-x² Σ 2^k x^(2k+1) / (1·3···(2k+1)) (all terms positive). */
function erfSeries(x: f64): f64 {
  const x2 = x * x;
  let term = x, sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (2 * x2) / <f64>(2 * k + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 3: e^-x² / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), 60 terms. */
function erfcFraction(x: f64): f64 {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + (<f64>k * 0.5) / f;
  return Math.exp(-x * x) / (f * 1.7724538509055159);
}

function erf64(x: f64): f64 {
  if (x != x) return x;
  const a = Math.abs(x);
  if (a < 3) return erfSeries(x);
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}

function erfc64(x: f64): f64 {
  if (x != x) return x;
  if (x < 3) return 1 - erfSeries(Math.max(x, -6));
  return erfcFraction(x);
}

/** PyTorch's calc_erfinv (rational first guess, two Newton steps), in f64. */
function erfinv64(y: f64): f64 {
  const ay = Math.abs(y);
  if (!(ay <= 1)) return NaN;
  if (ay == 1) return y > 0 ? Infinity : -Infinity;
  let x: f64;
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

/** log|Γ(x)| (Lanczos, g = 7; reflection below 1/2): +Inf at the poles and at ±Inf. */
function lgamma64(x: f64): f64 {
  if (x != x) return x;
  if (Math.abs(x) == Infinity) return Infinity;
  if (x <= 0 && x == Math.floor(x)) return Infinity;
  if (x < 0.5) {
    const r = x - 2 * Math.floor(x / 2);
    return Math.log(PI / Math.abs(Math.sin(PI * r))) - lgamma64(1 - x);
  }
  const xm = x - 1;
  let a: f64 = 0.99999999999980993;
  a += 676.5203681218851 / (xm + 1);
  a += -1259.1392167224028 / (xm + 2);
  a += 771.32342877765313 / (xm + 3);
  a += -176.61502916214059 / (xm + 4);
  a += 12.507343278686905 / (xm + 5);
  a += -0.13857109526572012 / (xm + 6);
  a += 9.9843695780195716e-6 / (xm + 7);
  a += 1.5056327351493116e-7 / (xm + 8);
  const t = xm + 7.5;
  return 0.9189385332046728 + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x): PyTorch's calc_digamma in f64. */
function digamma64(x: f64): f64 {
  if (x == 0) return (reinterpret<u64>(x) >> 63) != 0 ? Infinity : -Infinity;
  if (x < 0) {
    if (x == Math.trunc(x)) return NaN;
    const r = x - Math.trunc(x);
    return digamma64(1 - x) - PI / Math.tan(PI * r);
  }
  let result: f64 = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + 2.2517525890667211;
  let y: f64 = 0;
  if (x < 1e17) {
    const z = 1 / (x * x);
    y = z * ((((((8.33333333333333333333e-2 * z - 2.10927960927960927961e-2) * z + 7.57575757575757575758e-3) * z -
      4.16666666666666666667e-3) * z + 3.96825396825396825397e-3) * z - 8.33333333333333333333e-3) * z + 8.33333333333333333333e-2);
  }
  return result + Math.log(x) - 0.5 / x - y;
}

/** ψ'(x) (polygamma(1, x)): PyTorch's calc_trigamma in f64. */
function trigamma64(x: f64): f64 {
  let sign: f64 = 1, result: f64 = 0;
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
  result += (1 + 1 / (2 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x;
  return sign * result;
}

@inline function f64op(op: i32, v: f64): f64 {
  if (op == LOG1P) return Math.log1p(v);
  if (op == EXPM1) return Math.expm1(v);
  if (op == SIN) return Math.sin(v);
  if (op == COS) return Math.cos(v);
  if (op == TAN) return Math.tan(v);
  if (op == ASIN) return Math.asin(v);
  if (op == ACOS) return Math.acos(v);
  if (op == ATAN) return Math.atan(v);
  if (op == SINH) return Math.sinh(v);
  if (op == COSH) return Math.cosh(v);
  if (op == ASINH) return Math.asinh(v);
  if (op == ACOSH) return Math.acosh(v);
  if (op == ATANH) return Math.atanh(v);
  if (op == LOG2) return Math.log2(v);
  if (op == LOG10) return Math.log10(v);
  if (op == EXP2) return Math.pow(2.0, v);
  if (op == ERFC) return erfc64(v);
  if (op == ERFINV) return erfinv64(v);
  if (op == LGAMMA) return lgamma64(v);
  if (op == DIGAMMA) return digamma64(v);
  return trigamma64(v);
}

/** out[i] = f(x[i]) computed in f64, rounded to f32 (op is a literal at every call, so the dispatch folds). */
@inline function mapF64(op: i32, x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>f64op(op, <f64>load<f32>(x + o)));
  }
}

/** out[i] = 1 / x[i] (rsqrt = 0: 1 / sqrt(x[i])) in f32, SIMD body and scalar tail. */
@inline function mapRecip(rsqrt: bool, x: usize, out: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(out + o, f32x4.div(one, rsqrt ? f32x4.sqrt(v) : v));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, <f32>1.0 / (rsqrt ? Mathf.sqrt(v) : v));
  }
}

/**
 * out[i] = f_op(x[i]), contiguous, for the op codes above: log1p expm1 sin cos rsqrt reciprocal tan asin
 * acos atan sinh cosh asinh acosh atanh log2 log10 exp2 erfc erfinv lgamma digamma trigamma.
 */
export function math_f32(x: usize, out: usize, n: i32, op: i32): void {
  if (op == RECIPROCAL) mapRecip(false, x, out, n);
  else if (op == RSQRT) mapRecip(true, x, out, n);
  else if (op == EXPM1) mapF64(EXPM1, x, out, n);
  else if (op == SIN) mapF64(SIN, x, out, n);
  else if (op == COS) mapF64(COS, x, out, n);
  else if (op == TAN) mapF64(TAN, x, out, n);
  else if (op == ASIN) mapF64(ASIN, x, out, n);
  else if (op == ACOS) mapF64(ACOS, x, out, n);
  else if (op == ATAN) mapF64(ATAN, x, out, n);
  else if (op == SINH) mapF64(SINH, x, out, n);
  else if (op == COSH) mapF64(COSH, x, out, n);
  else if (op == ASINH) mapF64(ASINH, x, out, n);
  else if (op == ACOSH) mapF64(ACOSH, x, out, n);
  else if (op == ATANH) mapF64(ATANH, x, out, n);
  else if (op == LOG2) mapF64(LOG2, x, out, n);
  else if (op == LOG10) mapF64(LOG10, x, out, n);
  else if (op == EXP2) mapF64(EXP2, x, out, n);
  else if (op == ERFC) mapF64(ERFC, x, out, n);
  else if (op == ERFINV) mapF64(ERFINV, x, out, n);
  else if (op == LGAMMA) mapF64(LGAMMA, x, out, n);
  else if (op == DIGAMMA) mapF64(DIGAMMA, x, out, n);
  else if (op == TRIGAMMA) mapF64(TRIGAMMA, x, out, n);
  else mapF64(LOG1P, x, out, n); // LOG1P, and any other code
}
