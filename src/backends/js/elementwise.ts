/** Reference kernels: data movement, casts, unary and binary elementwise ops, where. */
import { heap } from '../memory.js';
import { forEachRow, readMeta } from './strided.js';

// ---- data movement ----

/** dst[i over shape] = src[i over shape], bit-exact (i32 view); meta: [nd, shape, srcStrides, dstStrides]. */
export function copy_strided(src: number, dst: number, meta: number): void {
  const m = readMeta(meta, 2);
  const i32 = heap.i32;
  const s0 = src >>> 2;
  const d0 = dst >>> 2;
  const n = m.shape[m.nd - 1];
  const ss = m.strides[0][m.nd - 1];
  const ds = m.strides[1][m.nd - 1];
  forEachRow(m, (offs) => {
    let s = s0 + offs[0];
    let d = d0 + offs[1];
    for (let i = 0; i < n; i++, s += ss, d += ds) i32[d] = i32[s];
  });
}

/** dst[i over shape] = value (f32); meta: [nd, shape, dstStrides]. */
export function fill_f32(dst: number, value: number, meta: number): void {
  const m = readMeta(meta, 1);
  const f32 = heap.f32;
  const d0 = dst >>> 2;
  const n = m.shape[m.nd - 1];
  const ds = m.strides[0][m.nd - 1];
  forEachRow(m, (offs) => {
    let d = d0 + offs[0];
    for (let i = 0; i < n; i++, d += ds) f32[d] = value;
  });
}

/** dst[i over shape] = value (i32); meta: [nd, shape, dstStrides]. */
export function fill_i32(dst: number, value: number, meta: number): void {
  const m = readMeta(meta, 1);
  const i32 = heap.i32;
  const d0 = dst >>> 2;
  const n = m.shape[m.nd - 1];
  const ds = m.strides[0][m.nd - 1];
  forEachRow(m, (offs) => {
    let d = d0 + offs[0];
    for (let i = 0; i < n; i++, d += ds) i32[d] = value;
  });
}

/** dst[i] = f32(src[i]) for i32 src, contiguous. */
export function cast_i32_f32(src: number, dst: number, n: number): void {
  const i32 = heap.i32;
  const f32 = heap.f32;
  const s = src >>> 2;
  const d = dst >>> 2;
  for (let i = 0; i < n; i++) f32[d + i] = i32[s + i];
}

/** dst[i] = trunc(src[i]) as i32: NaN -> 0, saturating at [-2^31, 2^31 - 1], contiguous. */
export function cast_f32_i32(src: number, dst: number, n: number): void {
  const i32 = heap.i32;
  const f32 = heap.f32;
  const s = src >>> 2;
  const d = dst >>> 2;
  for (let i = 0; i < n; i++) {
    const x = f32[s + i];
    let v: number;
    if (x !== x) v = 0;
    else if (x >= 2147483647) v = 2147483647;
    else if (x <= -2147483648) v = -2147483648;
    else v = Math.trunc(x);
    i32[d + i] = v;
  }
}

// ---- unary f32, contiguous ----

/** Applies `f` elementwise to n contiguous f32 (out may equal x). */
function unary(x: number, out: number, n: number, f: (v: number) => number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let i = 0; i < n; i++) f32[os + i] = f(f32[xs + i]);
}

/** Round half to even (Math.round rounds halves up). */
function nearestEven(v: number): number {
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
}
const ROUNDERS: readonly ((v: number) => number)[] = [Math.floor, Math.ceil, Math.trunc, nearestEven];
/** out = x rounded: mode 0 floor, 1 ceil, 2 trunc, 3 nearest with ties to even. */
export function round_f32(x: number, out: number, n: number, mode: number): void {
  unary(x, out, n, ROUNDERS[mode]!);
}

/** out = -x. */
export function neg_f32(x: number, out: number, n: number): void {
  unary(x, out, n, (v) => -v);
}
/** out = exp(x). */
export function exp_f32(x: number, out: number, n: number): void {
  unary(x, out, n, Math.exp);
}
/** out = log(x). */
export function log_f32(x: number, out: number, n: number): void {
  unary(x, out, n, Math.log);
}
/** out = sqrt(x). */
export function sqrt_f32(x: number, out: number, n: number): void {
  unary(x, out, n, Math.sqrt);
}
/** out = |x|. */
export function abs_f32(x: number, out: number, n: number): void {
  unary(x, out, n, Math.abs);
}
/** out = max(x, 0); NaN stays NaN, -0 gives +0. */
export function relu_f32(x: number, out: number, n: number): void {
  unary(x, out, n, (v) => (v > 0 ? v : v === v ? 0 : v));
}
/** out = 1 / (1 + exp(-x)), evaluated as exp(x) / (1 + exp(x)) for x < 0 so it never overflows. */
export function sigmoid_f32(x: number, out: number, n: number): void {
  unary(x, out, n, (v) => {
    if (v >= 0) return 1 / (1 + Math.exp(-v));
    const e = Math.exp(v);
    return e / (1 + e);
  });
}
/** out = tanh(x). */
export function tanh_f32(x: number, out: number, n: number): void {
  unary(x, out, n, Math.tanh);
}
/** out = min(max(x, lo), hi); NaN stays NaN. */
export function clamp_f32(x: number, out: number, n: number, lo: number, hi: number): void {
  unary(x, out, n, (v) => Math.min(Math.max(v, lo), hi));
}

/**
 * IEEE-754 / C99 pow: like Math.pow except pow(1, y) = 1 and pow(-1, ±Infinity) = 1 for every y
 * (Math.pow gives NaN there). pow(x, 0) = 1 for every x, as Math.pow already does.
 */
export function ieeePow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** out = x ** p (IEEE pow). */
export function pow_scalar_f32(x: number, out: number, n: number, p: number): void {
  unary(x, out, n, (v) => ieeePow(v, p));
}

// ---- binary f32 with broadcasting; meta: [nd, outShape, aStrides, bStrides]; out contiguous ----

/** Walks a broadcast binary op over meta, writing out contiguous through the f32 view. */
function binary(a: number, b: number, out: number, meta: number, f: (x: number, y: number) => number): void {
  const m = readMeta(meta, 2);
  const f32 = heap.f32;
  const a0 = a >>> 2;
  const b0 = b >>> 2;
  let q = out >>> 2;
  const n = m.shape[m.nd - 1];
  const as = m.strides[0][m.nd - 1];
  const bs = m.strides[1][m.nd - 1];
  forEachRow(m, (offs) => {
    let ia = a0 + offs[0];
    let ib = b0 + offs[1];
    for (let i = 0; i < n; i++, ia += as, ib += bs) f32[q++] = f(f32[ia], f32[ib]);
  });
}

/** Walks a broadcast comparison over meta, writing i32 1/0 to out contiguous. */
function compare(a: number, b: number, out: number, meta: number, f: (x: number, y: number) => boolean): void {
  const m = readMeta(meta, 2);
  const f32 = heap.f32;
  const i32 = heap.i32;
  const a0 = a >>> 2;
  const b0 = b >>> 2;
  let q = out >>> 2;
  const n = m.shape[m.nd - 1];
  const as = m.strides[0][m.nd - 1];
  const bs = m.strides[1][m.nd - 1];
  forEachRow(m, (offs) => {
    let ia = a0 + offs[0];
    let ib = b0 + offs[1];
    for (let i = 0; i < n; i++, ia += as, ib += bs) i32[q++] = f(f32[ia], f32[ib]) ? 1 : 0;
  });
}

/** out = a + b (broadcast). */
export function add_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => x + y);
}
/** out = a - b (broadcast). */
export function sub_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => x - y);
}
/** out = a * b (broadcast). */
export function mul_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => x * y);
}
/** out = a / b (broadcast). */
export function div_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => x / y);
}
/** out = a ** b (IEEE pow, broadcast). */
export function pow_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, ieeePow);
}
const f = Math.fround;
/** PyTorch's floor division of floats (div_floor_floating), in f32 arithmetic. */
function floorDivf(a: number, b: number): number {
  if (b === 0) return f(a / b);
  const mod = a % b;
  let div = f(f(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = f(div - 1);
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  let fl = Math.floor(div);
  if (f(div - fl) > 0.5) fl = f(fl + 1);
  return fl;
}
/** out = PyTorch's floor division of floats (broadcast). */
export function floor_divide_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, floorDivf);
}
/** out = Python's a % b (sign of b), via exact fmod (broadcast). */
export function remainder_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => {
    const mod = x % y;
    return mod !== 0 && y < 0 !== mod < 0 ? f(mod + y) : mod;
  });
}
/** out = fmod(a, b), sign of a (broadcast). */
export function fmod_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, (x, y) => x % y);
}
/** out = max(a, b), NaN if either is NaN (broadcast). */
export function maximum_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, Math.max);
}
/** out = min(a, b), NaN if either is NaN (broadcast). */
export function minimum_f32(a: number, b: number, out: number, meta: number): void {
  binary(a, b, out, meta, Math.min);
}
/** out (i32) = a == b; false for NaN. */
export function eq_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x === y);
}
/** out (i32) = a != b; true for NaN. */
export function ne_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x !== y);
}
/** out (i32) = a > b; false for NaN. */
export function gt_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x > y);
}
/** out (i32) = a < b; false for NaN. */
export function lt_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x < y);
}
/** out (i32) = a >= b; false for NaN. */
export function ge_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x >= y);
}
/** out (i32) = a <= b; false for NaN. */
export function le_f32(a: number, b: number, out: number, meta: number): void {
  compare(a, b, out, meta, (x, y) => x <= y);
}

/** out = cond != 0 ? a : b (cond i32); meta: [nd, outShape, condStrides, aStrides, bStrides]; out contiguous. */
export function where_f32(cond: number, a: number, b: number, out: number, meta: number): void {
  const m = readMeta(meta, 3);
  const f32 = heap.f32;
  const i32 = heap.i32;
  const c0 = cond >>> 2;
  const a0 = a >>> 2;
  const b0 = b >>> 2;
  let q = out >>> 2;
  const n = m.shape[m.nd - 1];
  const cs = m.strides[0][m.nd - 1];
  const as = m.strides[1][m.nd - 1];
  const bs = m.strides[2][m.nd - 1];
  forEachRow(m, (offs) => {
    let ic = c0 + offs[0];
    let ia = a0 + offs[1];
    let ib = b0 + offs[2];
    for (let i = 0; i < n; i++, ic += cs, ia += as, ib += bs) f32[q++] = i32[ic] !== 0 ? f32[ia] : f32[ib];
  });
}
