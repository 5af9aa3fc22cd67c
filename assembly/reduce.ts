// Reductions over the middle axis of a contiguous [outer, r, inner] array, and the NaN search.
import { hsum, hmax } from "./vmath";

/** Lanes 0-1 / 2-3 of a f32x4 as f64x2. */
@inline function promoteLow(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
}
/** Two f64x2 rounded back into one f32x4 (lo in lanes 0-1). */
@inline function demote2(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}

/**
 * Rows summed in float32 before the partial sum is added to a float64 total (bounds the rounding error),
 * when inner > 1. Exported (a wasm global): src/backends/wasm/split.ts cuts a full sum across threads at
 * these block boundaries, so the split sum is bit-identical to this kernel's.
 */
export const SUM_BLOCK_ROWS: i32 = 256;
/** The same block for inner = 1 (each output is the sum of a contiguous run); exported likewise. */
export const SUM_BLOCK_ROWS_CONTIGUOUS: i32 = SUM_BLOCK_ROWS * 4;

/**
 * out[o*inner + i] = sum over j < r of x[(o*r + j)*inner + i]. Blocks of SUM_BLOCK_ROWS rows
 * (SUM_BLOCK_ROWS_CONTIGUOUS for inner = 1) are summed with f32x4 and their partial sums accumulated in
 * f64, so long reductions keep float32 accuracy.
 */
export function sum_f32(x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  if (inner == 1) {
    // each output is the sum of a contiguous run of r: per block two vector accumulators, then a scalar tail
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>(o * r) << 2);
      let total: f64 = 0;
      for (let j0 = 0; j0 < r; j0 += SUM_BLOCK_ROWS_CONTIGUOUS) {
        const end = min(r, j0 + SUM_BLOCK_ROWS_CONTIGUOUS);
        let s0 = f32x4.splat(0.0);
        let s1 = f32x4.splat(0.0);
        let j = j0;
        for (; j + 8 <= end; j += 8) {
          const p = row + (<usize>j << 2);
          s0 = f32x4.add(s0, v128.load(p));
          s1 = f32x4.add(s1, v128.load(p, 16));
        }
        for (; j + 4 <= end; j += 4) s0 = f32x4.add(s0, v128.load(row + (<usize>j << 2)));
        let s = hsum(f32x4.add(s0, s1));
        for (; j < end; j++) s += load<f32>(row + (<usize>j << 2));
        total += <f64>s;
      }
      store<f32>(out + (<usize>o << 2), <f32>total);
    }
    return;
  }
  // inner > 1: strips of 16, then 4 columns, summed down the rows in registers per block (one cache line
  // per row for the wide strips), block sums added into f64x2 totals
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const dst = out + (<usize>(o * inner) << 2);
    const src0 = x + (<usize>(o * r) << 2) * <usize>inner;
    let i = 0;
    for (; i + 16 <= inner; i += 16) {
      let t0 = f64x2.splat(0), t1 = f64x2.splat(0), t2 = f64x2.splat(0), t3 = f64x2.splat(0);
      let t4 = f64x2.splat(0), t5 = f64x2.splat(0), t6 = f64x2.splat(0), t7 = f64x2.splat(0);
      for (let j0 = 0; j0 < r; j0 += SUM_BLOCK_ROWS) {
        const end = min(r, j0 + SUM_BLOCK_ROWS);
        let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.0), a2 = f32x4.splat(0.0), a3 = f32x4.splat(0.0);
        let s = src0 + <usize>j0 * rowBytes + (<usize>i << 2);
        for (let j = j0; j < end; j++) {
          a0 = f32x4.add(a0, v128.load(s));
          a1 = f32x4.add(a1, v128.load(s, 16));
          a2 = f32x4.add(a2, v128.load(s, 32));
          a3 = f32x4.add(a3, v128.load(s, 48));
          s += rowBytes;
        }
        t0 = f64x2.add(t0, promoteLow(a0)); t1 = f64x2.add(t1, promoteHigh(a0));
        t2 = f64x2.add(t2, promoteLow(a1)); t3 = f64x2.add(t3, promoteHigh(a1));
        t4 = f64x2.add(t4, promoteLow(a2)); t5 = f64x2.add(t5, promoteHigh(a2));
        t6 = f64x2.add(t6, promoteLow(a3)); t7 = f64x2.add(t7, promoteHigh(a3));
      }
      const d = dst + (<usize>i << 2);
      v128.store(d, demote2(t0, t1));
      v128.store(d, demote2(t2, t3), 16);
      v128.store(d, demote2(t4, t5), 32);
      v128.store(d, demote2(t6, t7), 48);
    }
    for (; i + 4 <= inner; i += 4) {
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      for (let j0 = 0; j0 < r; j0 += SUM_BLOCK_ROWS) {
        const end = min(r, j0 + SUM_BLOCK_ROWS);
        let acc = f32x4.splat(0.0);
        let s = src0 + <usize>j0 * rowBytes + (<usize>i << 2);
        for (let j = j0; j < end; j++) {
          acc = f32x4.add(acc, v128.load(s));
          s += rowBytes;
        }
        lo = f64x2.add(lo, promoteLow(acc));
        hi = f64x2.add(hi, promoteHigh(acc));
      }
      v128.store(dst + (<usize>i << 2), demote2(lo, hi));
    }
    for (; i < inner; i++) {
      let total: f64 = 0;
      for (let j0 = 0; j0 < r; j0 += SUM_BLOCK_ROWS) {
        const end = min(r, j0 + SUM_BLOCK_ROWS);
        let acc: f32 = 0;
        let s = src0 + <usize>j0 * rowBytes + (<usize>i << 2);
        for (let j = j0; j < end; j++) {
          acc += load<f32>(s);
          s += rowBytes;
        }
        total += <f64>acc;
      }
      store<f32>(dst + (<usize>i << 2), <f32>total);
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

/** Floats scanned per step of find_nan_f32: four vectors OR-ed together, one branch per 16 elements. */
const NAN_BLOCK: i32 = 16;

/**
 * Index of the first NaN among the n contiguous floats at x, or -1 (Infinity is not NaN). A NaN is the
 * only value unequal to itself, so f32x4.ne(v, v) marks NaN lanes; a block that has one is rescanned
 * one element at a time to find the first.
 */
export function find_nan_f32(x: usize, n: i32): i32 {
  let i = 0;
  for (; i + NAN_BLOCK <= n; i += NAN_BLOCK) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    const any = v128.or(v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)), v128.or(f32x4.ne(v2, v2), f32x4.ne(v3, v3)));
    if (v128.any_true(any)) break;
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != v) return i;
  }
  return -1;
}
