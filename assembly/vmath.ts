// Vectorized f32x4 math helpers shared by the kernels (not exported from the module).
//
// exp and log follow the Cephes single-precision reductions (Cody-Waite range reduction and a
// minimax polynomial), which are accurate to about 1-2 ulp over the whole f32 range. Special values
// are handled explicitly: exp overflow -> +Inf, underflow -> 0 (with gradual underflow through the
// subnormals), log(0) = -Inf, log(negative) = NaN, log(+Inf) = +Inf, and NaN propagates everywhere.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 split so that n * LN2_HI is exact for |n| <= 2^15
const LN2_LO: f32 = -2.12194440e-4;
const SQRT_HALF: f32 = 0.707106781186547524;

/** Horizontal sum of the four lanes, as (l0 + l1) + (l2 + l3). */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Horizontal max of the four lanes (NaN if any lane is NaN). */
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Lane-wise e^x. */
@inline export function vexp(x: v128): v128 {
  // Clamp so that 2^n below stays representable as two normal factors; exp(89) overflows to +Inf and
  // exp(-104) rounds to 0, so clamping does not change any result. pmax/pmin (one instruction each, where
  // min/max compile to long NaN-safe sequences) return their first operand when it is NaN, so NaN stays NaN.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  // n = x·log2(e) rounded to the nearest integer (ties to even, as f32x4.nearest) by adding 1.5·2^23: the sum
  // holds n in its low mantissa bits (|x·log2 e| <= 151), read back as an integer below without a conversion
  const tm = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(12582912.0));
  const n = f32x4.sub(tm, f32x4.splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1.0));
  // y * 2^n with n in [-150, 128], applied as two factors 2^(n>>1) * 2^(n - (n>>1)) that are each
  // normal, so subnormal results are rounded once (by the last multiply). NaN lanes get arbitrary factors
  // and stay NaN (y is NaN).
  const ni = i32x4.sub(tm, i32x4.splat(0x4b400000));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** Lane-wise natural logarithm. */
@inline export function vlog(x: v128): v128 {
  // Subnormals (and 0 / negatives, fixed up at the end) are scaled by 2^23 first.
  const den = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, den);
  // frexp: xs = m * 2^e with m in [0.5, 1)
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(den, i32x4.splat(23)));
  const m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // if m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1
  const small = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, small); // the mask is -1 where true
  const t = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1.0));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(t, t);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, t), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(LN2_LO)));
  y = f32x4.add(y, f32x4.mul(z, f32x4.splat(-0.5)));
  let r = f32x4.add(t, y);
  r = f32x4.add(r, f32x4.mul(ef, f32x4.splat(LN2_HI)));
  // special values
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0.0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0.0)));
  const keep = v128.or(f32x4.ne(x, x), f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(x, r, keep);
}

/** Lane-wise hyperbolic tangent. */
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| < 0.625: odd polynomial
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  // x + (p z) x, except at x = ±0 where the sum would turn -0 into +0 (tanh(-0) is -0)
  const small = v128.bitselect(x, f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x), f32x4.eq(x, f32x4.splat(0.0)));
  // otherwise: sign(x) * (1 - 2 / (e^(2|x|) + 1)); e = +Inf gives exactly 1
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** Lane-wise logistic sigmoid, 1 / (1 + e^-x), computed as e^-|x| / (1 + e^-|x|) for x < 0. */
@inline export function vsigmoid(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(e, f32x4.splat(1.0), f32x4.lt(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(f32x4.splat(1.0), e));
}

/** Scalar versions through lane 0 (used by the scalar tails so every element gets the same result). */
@inline export function sexp(x: f32): f32 { return f32x4.extract_lane(vexp(f32x4.splat(x)), 0); }
@inline export function slog(x: f32): f32 { return f32x4.extract_lane(vlog(f32x4.splat(x)), 0); }

/** IEEE-754 pow in f64: like Math.pow, except pow(1, y) = 1 and pow(-1, ±Inf) = 1 (Math.pow gives NaN). */
@inline export function ieeePow(x: f64, y: f64): f64 {
  if (x == 1 || (x == -1 && Math.abs(y) == Infinity)) return 1;
  return Math.pow(x, y);
}
