// Reductions over the middle axis of a contiguous [outer, r, inner] array.
import { hsum, hmax } from "./vmath";

/** out[o*inner + i] = sum over j < r of x[(o*r + j)*inner + i]. */
export function sum_f32(x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  if (inner == 1) {
    // each output is the sum of a contiguous run of r: two vector accumulators, then a scalar tail
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>(o * r) << 2);
      let s0 = f32x4.splat(0.0);
      let s1 = f32x4.splat(0.0);
      let j = 0;
      for (; j + 8 <= r; j += 8) {
        const p = row + (<usize>j << 2);
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
      }
      for (; j + 4 <= r; j += 4) s0 = f32x4.add(s0, v128.load(row + (<usize>j << 2)));
      let s = hsum(f32x4.add(s0, s1));
      for (; j < r; j++) s += load<f32>(row + (<usize>j << 2));
      store<f32>(out + (<usize>o << 2), s);
    }
    return;
  }
  // inner > 1: accumulate whole rows of `inner` into the output row (SIMD across i)
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const dst = out + (<usize>(o * inner) << 2);
    const src0 = x + (<usize>(o * r) << 2) * <usize>inner;
    memory.copy(dst, src0, rowBytes);
    for (let j = 1; j < r; j++) {
      const src = src0 + <usize>j * rowBytes;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = <usize>i << 2;
        v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(src + p)));
      }
      for (; i < inner; i++) {
        const p = <usize>i << 2;
        store<f32>(dst + p, load<f32>(dst + p) + load<f32>(src + p));
      }
    }
  }
}

/** Lane mask of where `x` replaces `best`: strictly better, or x is NaN and best is not (NaN wins, first one kept). */
@inline function vbetter(isMax: bool, x: v128, best: v128): v128 {
  const cmp = isMax ? f32x4.gt(x, best) : f32x4.lt(x, best);
  return v128.or(cmp, v128.and(f32x4.ne(x, x), f32x4.eq(best, best)));
}

@inline function sbetter(isMax: bool, x: f32, best: f32): bool {
  return (isMax ? x > best : x < best) || (x != x && best == best);
}

/** Whether lane candidate (v, vi) beats (b, bi) when merging per-lane results of the same row. */
@inline function laneWins(isMax: bool, v: f32, vi: i32, b: f32, bi: i32): bool {
  const same = v == b || (v != v && b != b);
  return sbetter(isMax, v, b) || (same && vi < bi);
}

@inline function hmin(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function extreme(isMax: bool, x: usize, out: usize, idx: usize, outer: i32, r: i32, inner: i32): void {
  const withIdx = idx != 0;
  if (inner == 1) {
    // each output reduces a contiguous run of r: per-lane best (and index), merged, then a scalar tail
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>(o * r) << 2);
      let best = load<f32>(row);
      let bi = 0;
      let j = 1;
      if (r >= 8) {
        let bv = v128.load(row);
        j = 4;
        if (withIdx) {
          let biv = i32x4(0, 1, 2, 3);
          let cur = i32x4(4, 5, 6, 7);
          const four = i32x4.splat(4);
          for (; j + 4 <= r; j += 4) {
            const v = v128.load(row + (<usize>j << 2));
            const m = vbetter(isMax, v, bv);
            bv = v128.bitselect(v, bv, m);
            biv = v128.bitselect(cur, biv, m);
            cur = i32x4.add(cur, four);
          }
          best = f32x4.extract_lane(bv, 0);
          bi = i32x4.extract_lane(biv, 0);
          let v = f32x4.extract_lane(bv, 1);
          let vi = i32x4.extract_lane(biv, 1);
          if (laneWins(isMax, v, vi, best, bi)) { best = v; bi = vi; }
          v = f32x4.extract_lane(bv, 2);
          vi = i32x4.extract_lane(biv, 2);
          if (laneWins(isMax, v, vi, best, bi)) { best = v; bi = vi; }
          v = f32x4.extract_lane(bv, 3);
          vi = i32x4.extract_lane(biv, 3);
          if (laneWins(isMax, v, vi, best, bi)) { best = v; bi = vi; }
        } else {
          for (; j + 4 <= r; j += 4) {
            const v = v128.load(row + (<usize>j << 2));
            bv = isMax ? f32x4.max(bv, v) : f32x4.min(bv, v); // NaN propagates
          }
          best = isMax ? hmax(bv) : hmin(bv);
        }
      }
      for (; j < r; j++) {
        const v = load<f32>(row + (<usize>j << 2));
        if (sbetter(isMax, v, best)) { best = v; bi = j; }
      }
      store<f32>(out + (<usize>o << 2), best);
      if (withIdx) store<i32>(idx + (<usize>o << 2), bi);
    }
    return;
  }
  // inner > 1: SIMD across i, walking j down the column
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>(o * r) << 2) * <usize>inner;
    const ob = <usize>(o * inner) << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      let p = base + (<usize>i << 2);
      let bv = v128.load(p);
      if (withIdx) {
        let biv = i32x4.splat(0);
        for (let j = 1; j < r; j++) {
          p += rowBytes;
          const v = v128.load(p);
          const m = vbetter(isMax, v, bv);
          bv = v128.bitselect(v, bv, m);
          biv = v128.bitselect(i32x4.splat(j), biv, m);
        }
        v128.store(idx + ob + (<usize>i << 2), biv);
      } else {
        for (let j = 1; j < r; j++) {
          p += rowBytes;
          const v = v128.load(p);
          bv = isMax ? f32x4.max(bv, v) : f32x4.min(bv, v);
        }
      }
      v128.store(out + ob + (<usize>i << 2), bv);
    }
    for (; i < inner; i++) {
      let p = base + (<usize>i << 2);
      let best = load<f32>(p);
      let bi = 0;
      for (let j = 1; j < r; j++) {
        p += rowBytes;
        const v = load<f32>(p);
        if (sbetter(isMax, v, best)) { best = v; bi = j; }
      }
      store<f32>(out + ob + (<usize>i << 2), best);
      if (withIdx) store<i32>(idx + ob + (<usize>i << 2), bi);
    }
  }
}

/** out = max over the middle axis of [outer, r, inner]; idx (if non-zero) gets the first argmax (NaN wins). */
export function max_f32(x: usize, out: usize, idx: usize, outer: i32, r: i32, inner: i32): void {
  extreme(true, x, out, idx, outer, r, inner);
}

/** out = min over the middle axis of [outer, r, inner]; idx (if non-zero) gets the first argmin (NaN wins). */
export function min_f32(x: usize, out: usize, idx: usize, outer: i32, r: i32, inner: i32): void {
  extreme(false, x, out, idx, outer, r, inner);
}
