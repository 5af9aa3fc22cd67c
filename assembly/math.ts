// Math kernels (src/ops/math.ts): math_f32(x, out, n, op), one contiguous unary function per op code.
// reciprocal and rsqrt are f32x4 SIMD (as PyTorch's vectorized CPU kernels: 1 / x, 1 / sqrt(x) in f32);
// log1p, expm1, sin and cos (the ones training uses) are SIMD too, evaluated in f64x2 lanes with range
// reduction and polynomials accurate far beyond f32, so each result is the f64 value rounded to f32, as in
// the js reference (four lanes = two f64x2 halves); the other transcendental functions run per element in f64 (AssemblyScript's Math, a port of musl) rounded to
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

// ---- f64x2 lanes: log1p, expm1, sin, cos ----
const LN2_HI64: f64 = 6.93147180369123816490e-01; // ln 2 split: n * LN2_HI64 exact for |n| < 2^20
const LN2_LO64: f64 = 1.90821492927058770002e-10;
const LOG2E64: f64 = 1.4426950408889634;
const PIO2_1: f64 = 1.57079632673412561417e+00; // pi/2 = PIO2_1 + PIO2_1T, first 33 bits
const PIO2_1T: f64 = 6.07710050650619224932e-11;
const TWO_OVER_PI: f64 = 6.36619772367581382433e-01;
const SQRT2: f64 = 1.4142135623730951;

/** 2^n for the integral f64 lanes n (|n| < 1023). */
@inline function pow2(n: v128): v128 {
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  return i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
}

/** e^x - 1 per f64 lane, for x in [-60, 90] (NaN propagates): 2^n (e^r - 1) + (2^n - 1), |r| <= ln2 / 2. */
@inline function expm1x2(x: v128): v128 {
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E64)));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI64)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(LN2_LO64)));
  // e^r - 1 = r + r²/2! + ... + r^11/11!  (next term < 1e-13 relative)
  let p = f64x2.splat(2.505210838544172e-8); // 1/11!
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.755731922398589e-7));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.7557319223985893e-6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(2.48015873015873e-5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.984126984126984e-4));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.388888888888889e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(8.333333333333333e-3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(4.1666666666666664e-2));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.6666666666666666e-1));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  const em1 = f64x2.add(f64x2.mul(f64x2.mul(p, r), r), r);
  const s = pow2(n);
  return f64x2.add(f64x2.mul(s, em1), f64x2.sub(s, f64x2.splat(1.0)));
}

/** ln(u) per f64 lane for positive normal finite u: e ln 2 + 2 atanh(f / (2 + f)), u = 2^e (1 + f). */
@inline function logx2(u: v128): v128 {
  const bits = u;
  let e = i64x2.sub(i64x2.shr_u(bits, 52), i64x2.splat(1023));
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, f64x2.splat(SQRT2)); // m in (sqrt 2, 2): use m / 2 and e + 1
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = i64x2.sub(e, big); // the mask is -1 where true
  const ef = f64x2.convert_low_i32x4_s(i32x4.shuffle(e, e, 0, 2, 0, 2));
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const s = f64x2.div(f, f64x2.add(f, f64x2.splat(2.0)));
  const z = f64x2.mul(s, s);
  // 2 atanh(s) = 2 (s + s³/3 + ... + s^15/15), |s| <= 0.1716
  let p = f64x2.splat(1.0 / 15.0);
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 13.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 11.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 9.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 7.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 5.0));
  p = f64x2.add(f64x2.mul(p, z), f64x2.splat(1.0 / 3.0));
  const lm = f64x2.mul(f64x2.splat(2.0), f64x2.add(f64x2.mul(f64x2.mul(p, z), s), s));
  return f64x2.add(f64x2.mul(ef, f64x2.splat(0.6931471805599453)), lm);
}

/** ln(1 + x) per f64 lane for x > -1 finite: ln(u) - ((u - 1) - x) / u with u = 1 + x rounded. */
@inline function log1px2(x: v128): v128 {
  const u = f64x2.add(x, f64x2.splat(1.0));
  const c = f64x2.sub(f64x2.sub(u, f64x2.splat(1.0)), x);
  return f64x2.sub(logx2(u), f64x2.div(c, u));
}

/** sin (cosine = false) or cos of each f64 lane, |x| <= 2^20: r = x - n pi/2, then the quadrant's polynomial. */
@inline function sincosx2(x: v128, cosine: bool): v128 {
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(TWO_OVER_PI)));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(PIO2_1)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(PIO2_1T)));
  const z = f64x2.mul(r, r);
  // sin r = r + r³ (-1/3! + z (1/5! - ...)), up to r^15; cos r = 1 - z/2 + z² (1/4! - ...), up to r^16
  let ps = f64x2.splat(-7.647163731819816e-13); // -1/15!
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(1.6059043836821613e-10));
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(-2.505210838544172e-8));
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(2.7557319223985893e-6));
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(-1.984126984126984e-4));
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(8.333333333333333e-3));
  ps = f64x2.add(f64x2.mul(ps, z), f64x2.splat(-1.6666666666666666e-1));
  const sr = f64x2.add(f64x2.mul(f64x2.mul(ps, z), r), r);
  let pc = f64x2.splat(4.779477332387385e-14); // 1/16!
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(-1.1470745597729725e-11));
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(2.08767569878681e-9));
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(-2.755731922398589e-7));
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(2.48015873015873e-5));
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(-1.388888888888889e-3));
  pc = f64x2.add(f64x2.mul(pc, z), f64x2.splat(4.1666666666666664e-2));
  const cr = f64x2.add(f64x2.mul(f64x2.mul(pc, z), z), f64x2.sub(f64x2.splat(1.0), f64x2.mul(z, f64x2.splat(0.5))));
  // quadrant q = n mod 4 (cos x = sin(x + pi/2): q + 1): odd q takes the other function, q & 2 negates
  let q = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  if (cosine) q = i64x2.add(q, i64x2.splat(1));
  const odd = i64x2.ne(v128.and(q, i64x2.splat(1)), i64x2.splat(0));
  const neg = i64x2.shl(v128.and(q, i64x2.splat(2)), 62); // the sign bit where q & 2
  return v128.xor(v128.bitselect(cr, sr, odd), neg);
}

/** f(x) of the four f32 lanes through two f64x2 halves, rounded to f32 (op: LOG1P, EXPM1, SIN or COS). */
@inline function lanes4(op: i32, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
  let a: v128, b: v128;
  if (op == LOG1P) {
    a = log1px2(lo);
    b = log1px2(hi);
  } else if (op == EXPM1) {
    a = expm1x2(lo);
    b = expm1x2(hi);
  } else {
    a = sincosx2(lo, op == COS);
    b = sincosx2(hi, op == COS);
  }
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** f(x) of four f32 lanes with the special values: zeros keep their sign, and what the polynomials do not cover. */
@inline function vec4(op: i32, x: v128): v128 {
  const zero = f32x4.eq(x, f32x4.splat(0.0));
  if (op == LOG1P) {
    // x in (-1, +Inf) finite is computed; -1 -> -Inf, below -1 -> NaN, +Inf and NaN -> themselves
    const ok = v128.and(f32x4.gt(x, f32x4.splat(-1.0)), f32x4.lt(x, f32x4.splat(Infinity)));
    let r = lanes4(LOG1P, v128.bitselect(x, f32x4.splat(0.0), ok));
    r = v128.bitselect(r, f32x4.splat(NaN), ok);
    r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(-1.0)));
    r = v128.bitselect(x, r, v128.or(f32x4.ne(x, x), f32x4.eq(x, f32x4.splat(Infinity))));
    return v128.bitselect(x, r, zero);
  }
  if (op == EXPM1) {
    // e^-60 - 1 rounds to -1 and e^90 overflows f32, so clamping (which keeps NaN) changes no result
    const r = lanes4(EXPM1, f32x4.min(f32x4.max(x, f32x4.splat(-60.0)), f32x4.splat(90.0)));
    return v128.bitselect(x, r, zero);
  }
  // sin, cos: the reduction by pi/2 is exact enough for |x| <= 2^20; beyond (and +-Inf) per element in f64
  if (v128.any_true(f32x4.gt(f32x4.abs(x), f32x4.splat(1048576.0)))) {
    let r = x;
    r = f32x4.replace_lane(r, 0, <f32>f64op(op, <f64>f32x4.extract_lane(x, 0)));
    r = f32x4.replace_lane(r, 1, <f32>f64op(op, <f64>f32x4.extract_lane(x, 1)));
    r = f32x4.replace_lane(r, 2, <f32>f64op(op, <f64>f32x4.extract_lane(x, 2)));
    return f32x4.replace_lane(r, 3, <f32>f64op(op, <f64>f32x4.extract_lane(x, 3)));
  }
  const r = lanes4(op, x);
  return op == SIN ? v128.bitselect(x, r, zero) : r;
}

/** out[i] = f(x[i]) four lanes at a time; each of the last 1-3 elements through the same lanes, splatted. */
@inline function mapVec(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vec4(op, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(vec4(op, f32x4.splat(load<f32>(x + o))), 0));
  }
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
  else if (op == EXPM1) mapVec(EXPM1, x, out, n);
  else if (op == SIN) mapVec(SIN, x, out, n);
  else if (op == COS) mapVec(COS, x, out, n);
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
  else mapVec(LOG1P, x, out, n); // LOG1P, and any other code
}
