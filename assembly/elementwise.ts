// Contiguous unary f32 kernels and dtype casts: a SIMD body over groups of 4, then a scalar tail.
import { vexp, vlog, vtanh, vsigmoid, ieeePow } from "./vmath";

// Op codes for the shared loop; always passed as literals so Binaryen folds the dispatch away.
const NEG = 0;
const EXP = 1;
const LOG = 2;
const SQRT = 3;
const ABS = 4;
const RELU = 5;
const SIGMOID = 6;
const TANH = 7;
const CLAMP = 8;
const SQUARE = 9;
const SQRT_POW = 10; // x ** 0.5: sqrt, except pow(-0, .5) = +0 and pow(-Inf, .5) = +Inf
const ONE = 11; // x ** 0 = 1 (also for NaN)
const FLOOR = 12;
const CEIL = 13;
const TRUNC = 14;
const NEAREST = 15; // round half to even

@inline function vunary(op: i32, v: v128, lo: v128, hi: v128): v128 {
  if (op == NEG) return f32x4.neg(v);
  if (op == EXP) return vexp(v);
  if (op == LOG) return vlog(v);
  if (op == SQRT) return f32x4.sqrt(v);
  if (op == ABS) return f32x4.abs(v);
  if (op == RELU) return f32x4.max(v, f32x4.splat(0.0)); // f32x4.max propagates NaN
  if (op == SIGMOID) return vsigmoid(v);
  if (op == TANH) return vtanh(v);
  if (op == CLAMP) return f32x4.min(f32x4.max(v, lo), hi);
  if (op == SQUARE) return f32x4.mul(v, v);
  if (op == FLOOR) return f32x4.floor(v);
  if (op == CEIL) return f32x4.ceil(v);
  if (op == TRUNC) return f32x4.trunc(v);
  if (op == NEAREST) return f32x4.nearest(v);
  if (op == SQRT_POW) {
    const s = f32x4.add(f32x4.sqrt(v), f32x4.splat(0.0)); // -0 + 0 = +0
    return v128.bitselect(f32x4.splat(Infinity), s, f32x4.eq(v, f32x4.splat(-Infinity)));
  }
  return f32x4.splat(1.0); // ONE
}

@inline function sunary(op: i32, x: f32, lo: f32, hi: f32): f32 {
  if (op == NEG) return -x;
  if (op == SQRT) return Mathf.sqrt(x);
  if (op == ABS) return Mathf.abs(x);
  if (op == RELU) return max(x, <f32>0.0);
  if (op == CLAMP) return min(max(x, lo), hi);
  if (op == SQUARE) return x * x;
  if (op == ONE) return 1.0;
  if (op == FLOOR) return floor<f32>(x);
  if (op == CEIL) return ceil<f32>(x);
  if (op == TRUNC) return trunc<f32>(x);
  if (op == NEAREST) return nearest<f32>(x);
  // transcendental ops (and SQRT_POW): the vector code on lane 0, so tails match the body exactly
  return f32x4.extract_lane(vunary(op, f32x4.splat(x), f32x4.splat(lo), f32x4.splat(hi)), 0);
}

@inline function unaryMap(op: i32, x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vunary(op, v128.load(x + o), vlo, vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, sunary(op, load<f32>(x + o), lo, hi));
  }
}

/** out[i] = -x[i], contiguous. */
export function neg_f32(x: usize, out: usize, n: i32): void { unaryMap(NEG, x, out, n, 0, 0); }
/** out[i] = e^x[i] (vectorized, ~1 ulp; overflow -> Inf, underflow -> 0), contiguous. */
export function exp_f32(x: usize, out: usize, n: i32): void { unaryMap(EXP, x, out, n, 0, 0); }
/** out[i] = ln x[i] (vectorized, ~1 ulp; log 0 = -Inf, log of negative = NaN), contiguous. */
export function log_f32(x: usize, out: usize, n: i32): void { unaryMap(LOG, x, out, n, 0, 0); }
/** out[i] = sqrt(x[i]) (correctly rounded), contiguous. */
export function sqrt_f32(x: usize, out: usize, n: i32): void { unaryMap(SQRT, x, out, n, 0, 0); }
/** out[i] = |x[i]|, contiguous. */
export function abs_f32(x: usize, out: usize, n: i32): void { unaryMap(ABS, x, out, n, 0, 0); }
/** out[i] = max(x[i], 0) with NaN kept, contiguous. */
export function relu_f32(x: usize, out: usize, n: i32): void { unaryMap(RELU, x, out, n, 0, 0); }
/** out[i] = 1 / (1 + e^-x[i]), stable for large |x|, contiguous. */
export function sigmoid_f32(x: usize, out: usize, n: i32): void { unaryMap(SIGMOID, x, out, n, 0, 0); }
/** out[i] = tanh(x[i]), contiguous. */
export function tanh_f32(x: usize, out: usize, n: i32): void { unaryMap(TANH, x, out, n, 0, 0); }
/** out[i] = min(max(x[i], lo), hi) with NaN kept, contiguous. */
export function clamp_f32(x: usize, out: usize, n: i32, lo: f32, hi: f32): void { unaryMap(CLAMP, x, out, n, lo, hi); }

/**
 * out[i] = x[i] rounded to an integer: mode 0 floor, 1 ceil, 2 toward zero, 3 to nearest with ties to even
 * (NaN, infinities and -0 kept), contiguous.
 */
export function round_f32(x: usize, out: usize, n: i32, mode: i32): void {
  if (mode == 0) unaryMap(FLOOR, x, out, n, 0, 0);
  else if (mode == 1) unaryMap(CEIL, x, out, n, 0, 0);
  else if (mode == 2) unaryMap(TRUNC, x, out, n, 0, 0);
  else unaryMap(NEAREST, x, out, n, 0, 0);
}

/** out[i] = x[i] ** p (IEEE pow via f64, rounded to f32; p = 0, 0.5, 1, 2 take exact SIMD paths), contiguous. */
export function pow_scalar_f32(x: usize, out: usize, n: i32, p: f32): void {
  if (p == 2) { unaryMap(SQUARE, x, out, n, 0, 0); return; }
  if (p == 0.5) { unaryMap(SQRT_POW, x, out, n, 0, 0); return; }
  if (p == 0) { unaryMap(ONE, x, out, n, 0, 0); return; }
  if (p == 1) { if (out != x) memory.copy(out, x, <usize>n << 2); return; }
  const pd = <f64>p;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>ieeePow(<f64>load<f32>(x + o), pd));
  }
}

/** dst[i] = f32(src[i]) for i32 src, contiguous. */
export function cast_i32_f32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.convert_i32x4_s(v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, <f32>load<i32>(src + o));
  }
}

/** dst[i] = i32 truncation of src[i] toward zero (NaN -> 0, saturating), contiguous. */
export function cast_f32_i32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, i32x4.trunc_sat_f32x4_s(v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    // one lane of the saturating SIMD truncation (same semantics as i32.trunc_sat_f32_s)
    store<i32>(dst + o, i32x4.extract_lane(i32x4.trunc_sat_f32x4_s(v128.load32_zero(src + o)), 0));
  }
}

/** y[i] += alpha * x[i], contiguous (gradient accumulation). */
export function axpy_f32(x: usize, y: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}
