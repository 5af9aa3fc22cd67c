// Broadcasting binary f32 kernels; meta: [nd, outShape, aStrides, bStrides], out contiguous.
// One loop (binaryStrided) is written once and instantiated per op with a literal op code.
import { itPrepare, itInner, itInnerStride, itOff, itNext } from "./strided";
import { ieeePow } from "./vmath";

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const POW = 4;
const MAXIMUM = 5;
const MINIMUM = 6;
const EQ = 7;
const NE = 8;
const GT = 9;
const LT = 10;
const GE = 11;
const LE = 12;
const FLOOR_DIVIDE = 13;
const REMAINDER = 14;
const FMOD = 15;

@inline function isCompare(op: i32): bool { return op >= EQ && op <= LE; }

/** fmod of f32 values, exactly (the f64 fmod of two f32 values is an f32 value). */
@inline function fmodf(a: f32, b: f32): f32 { return <f32>(<f64>a % <f64>b); }

/** PyTorch's floor division of floats (div_floor_floating), in f32 arithmetic. */
@inline function floorDivf(a: f32, b: f32): f32 {
  if (b == 0) return a / b;
  const mod = fmodf(a, b);
  let div: f32 = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return copysign<f32>(0, a / b);
  let fl = floor<f32>(div);
  if (div - fl > <f32>0.5) fl += 1;
  return fl;
}

/** Python's modulo (PyTorch's remainder): the sign of the divisor, in f32 arithmetic. */
@inline function remainderf(a: f32, b: f32): f32 {
  let mod = fmodf(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

@inline function vbin(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAXIMUM) return f32x4.max(a, b); // NaN if either is NaN
  if (op == MINIMUM) return f32x4.min(a, b);
  // comparisons: all-ones masks -> i32 1
  const one = i32x4.splat(1);
  if (op == EQ) return v128.and(f32x4.eq(a, b), one);
  if (op == NE) return v128.and(f32x4.ne(a, b), one);
  if (op == GT) return v128.and(f32x4.gt(a, b), one);
  if (op == LT) return v128.and(f32x4.lt(a, b), one);
  if (op == GE) return v128.and(f32x4.ge(a, b), one);
  return v128.and(f32x4.le(a, b), one); // LE
}

/** Computes one element and stores it (f32 result, or i32 0/1 for comparisons). */
@inline function sbin(op: i32, o: usize, a: f32, b: f32): void {
  if (op == ADD) store<f32>(o, a + b);
  else if (op == SUB) store<f32>(o, a - b);
  else if (op == MUL) store<f32>(o, a * b);
  else if (op == DIV) store<f32>(o, a / b);
  else if (op == POW) store<f32>(o, <f32>ieeePow(<f64>a, <f64>b));
  else if (op == MAXIMUM) store<f32>(o, max(a, b));
  else if (op == MINIMUM) store<f32>(o, min(a, b));
  else if (op == FLOOR_DIVIDE) store<f32>(o, floorDivf(a, b));
  else if (op == REMAINDER) store<f32>(o, remainderf(a, b));
  else if (op == FMOD) store<f32>(o, fmodf(a, b));
  else if (op == EQ) store<i32>(o, <i32>(a == b));
  else if (op == NE) store<i32>(o, <i32>(a != b));
  else if (op == GT) store<i32>(o, <i32>(a > b));
  else if (op == LT) store<i32>(o, <i32>(a < b));
  else if (op == GE) store<i32>(o, <i32>(a >= b));
  else store<i32>(o, <i32>(a <= b));
}

/** One innermost run of n elements; SIMD when the inner strides are (1,1), (1,0) or (0,1). */
@inline function binaryRun(op: i32, a: usize, b: usize, out: usize, n: i32, sa: i32, sb: i32): void {
  let i = 0;
  if (op != POW && op < FLOOR_DIVIDE) { // the others have no SIMD form
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, vbin(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, vbin(op, v128.load(a + o), vb));
      }
    } else if (sa == 0 && sb == 1) {
      const va = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, vbin(op, va, v128.load(b + o)));
      }
    }
  }
  // scalar tail (and the general strided case)
  for (; i < n; i++) {
    sbin(op, out + (<usize>i << 2),
      load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2)));
  }
}

@inline function binaryStrided(op: i32, a: usize, b: usize, out: usize, meta: usize): void {
  const total = itPrepare(meta, 2, true);
  if (total == 0) return;
  const n = itInner();
  const sa = itInnerStride(0);
  const sb = itInnerStride(1);
  const rows = total / n;
  for (let r = 0; r < rows; r++) {
    binaryRun(op, a + (<usize>itOff(0) << 2), b + (<usize>itOff(1) << 2), out + (<usize>(r * n) << 2), n, sa, sb);
    itNext(3);
  }
}

/** out = a + b with broadcasting. */
export function add_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(ADD, a, b, out, meta); }
/** out = a - b with broadcasting. */
export function sub_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(SUB, a, b, out, meta); }
/** out = a * b with broadcasting. */
export function mul_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(MUL, a, b, out, meta); }
/** out = a / b with broadcasting. */
export function div_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(DIV, a, b, out, meta); }
/** out = a ** b (IEEE pow in f64, rounded to f32; scalar) with broadcasting. */
export function pow_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(POW, a, b, out, meta); }
/** out = PyTorch's floor division of floats (floor(a / b) corrected through fmod) with broadcasting. */
export function floor_divide_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(FLOOR_DIVIDE, a, b, out, meta); }
/** out = a - floor(a / b) * b with the sign of b (Python's %, via exact fmod) with broadcasting. */
export function remainder_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(REMAINDER, a, b, out, meta); }
/** out = fmod(a, b) (exact, the sign of a) with broadcasting. */
export function fmod_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(FMOD, a, b, out, meta); }
/** out = max(a, b), NaN if either is NaN, with broadcasting. */
export function maximum_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(MAXIMUM, a, b, out, meta); }
/** out = min(a, b), NaN if either is NaN, with broadcasting. */
export function minimum_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(MINIMUM, a, b, out, meta); }
/** out = i32(a == b) with broadcasting. */
export function eq_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(EQ, a, b, out, meta); }
/** out = i32(a != b) (true for NaN) with broadcasting. */
export function ne_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(NE, a, b, out, meta); }
/** out = i32(a > b) with broadcasting. */
export function gt_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(GT, a, b, out, meta); }
/** out = i32(a < b) with broadcasting. */
export function lt_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(LT, a, b, out, meta); }
/** out = i32(a >= b) with broadcasting. */
export function ge_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(GE, a, b, out, meta); }
/** out = i32(a <= b) with broadcasting. */
export function le_f32(a: usize, b: usize, out: usize, meta: usize): void { binaryStrided(LE, a, b, out, meta); }

/** out = cond != 0 ? a : b (cond i32) with broadcasting; meta: [nd, outShape, condStrides, aStrides, bStrides]. */
export function where_f32(cond: usize, a: usize, b: usize, out: usize, meta: usize): void {
  const total = itPrepare(meta, 3, true);
  if (total == 0) return;
  const n = itInner();
  const sc = itInnerStride(0);
  const sa = itInnerStride(1);
  const sb = itInnerStride(2);
  const rows = total / n;
  // SIMD when every inner stride is 0 (splat) or 1 (load); the per-operand choice is loop-invariant.
  const simd = <u32>sc <= 1 && <u32>sa <= 1 && <u32>sb <= 1;
  const zero = i32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const pc = cond + (<usize>itOff(0) << 2);
    const pa = a + (<usize>itOff(1) << 2);
    const pb = b + (<usize>itOff(2) << 2);
    const po = out + (<usize>(r * n) << 2);
    let i = 0;
    if (simd) {
      const cc = v128.load32_splat(pc);
      const ca = v128.load32_splat(pa);
      const cb = v128.load32_splat(pb);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const vc = sc ? v128.load(pc + o) : cc;
        const va = sa ? v128.load(pa + o) : ca;
        const vb = sb ? v128.load(pb + o) : cb;
        v128.store(po + o, v128.bitselect(va, vb, i32x4.ne(vc, zero)));
      }
    }
    for (; i < n; i++) {
      const c = load<i32>(pc + (<usize>(i * sc) << 2));
      const src = c != 0 ? pa + (<usize>(i * sa) << 2) : pb + (<usize>(i * sb) << 2);
      store<i32>(po + (<usize>i << 2), load<i32>(src)); // moved as bits
    }
    itNext(4);
  }
}
