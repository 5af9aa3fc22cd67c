// Data movement over 4-byte elements (f32 or i32 alike; values are moved as raw bits).
import { itPrepare, itInner, itInnerStride, itOff, itNext } from "./strided";

/** dst[i over shape] = src[i over shape] for 4-byte elements; meta: [nd, shape, srcStrides, dstStrides]. */
export function copy_strided(src: usize, dst: usize, meta: usize): void {
  const total = itPrepare(meta, 2, false);
  if (total == 0) return;
  const n = itInner();
  const ss = itInnerStride(0);
  const ds = itInnerStride(1);
  const rows = total / n;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>itOff(0) << 2);
    const d = dst + (<usize>itOff(1) << 2);
    if (ss == 1 && ds == 1) {
      memory.copy(d, s, <usize>n << 2);
    } else if (ss == 0 && ds == 1) {
      fillRun(d, load<i32>(s), n);
    } else {
      const sb = <usize>ss << 2;
      const db = <usize>ds << 2;
      let ps = s, pd = d;
      for (let i = 0; i < n; i++) {
        store<i32>(pd, load<i32>(ps));
        ps += sb;
        pd += db;
      }
    }
    itNext(2);
  }
}

/** Fills n consecutive 4-byte elements with the bits `v`. */
@inline function fillRun(d: usize, v: i32, n: i32): void {
  const vv = i32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), vv);
  for (; i < n; i++) store<i32>(d + (<usize>i << 2), v);
}

function fillBits(dst: usize, v: i32, meta: usize): void {
  const total = itPrepare(meta, 1, false);
  if (total == 0) return;
  const n = itInner();
  const ds = itInnerStride(0);
  const rows = total / n;
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>itOff(0) << 2);
    if (ds == 1) {
      fillRun(d, v, n);
    } else {
      const db = <usize>ds << 2;
      let pd = d;
      for (let i = 0; i < n; i++) {
        store<i32>(pd, v);
        pd += db;
      }
    }
    itNext(1);
  }
}

/** dst[i over shape] = value (f32); meta: [nd, shape, dstStrides]. */
export function fill_f32(dst: usize, value: f32, meta: usize): void {
  fillBits(dst, reinterpret<i32>(value), meta);
}

/** dst[i over shape] = value (i32); meta: [nd, shape, dstStrides]. */
export function fill_i32(dst: usize, value: i32, meta: usize): void {
  fillBits(dst, value, meta);
}
