/** Reference kernels: reductions over the middle axis of a contiguous [outer, r, inner] array, and the NaN search. */
import { heap } from '../memory.js';

/** out[o*inner + i] = sum over j < r of x[(o*r + j)*inner + i], accumulated in a double. */
export function sum_f32(x: number, out: number, outer: number, r: number, inner: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let j = 0; j < r; j++) acc += f32[xs + (o * r + j) * inner + i];
      f32[os + o * inner + i] = acc;
    }
  }
}

/** Shared body of max/min: `better(v, best)` says v replaces best; NaN always wins, ties keep the first. */
function extreme(x: number, out: number, idx: number, outer: number, r: number, inner: number,
  better: (v: number, best: number) => boolean): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const xs = x >>> 2;
  const os = out >>> 2;
  const is = idx >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = xs + o * r * inner + i;
      let best = f32[base];
      let bi = 0;
      if (best === best) {
        for (let j = 1; j < r; j++) {
          const v = f32[base + j * inner];
          if (v !== v) {
            best = v;
            bi = j;
            break;
          }
          if (better(v, best)) {
            best = v;
            bi = j;
          }
        }
      }
      f32[os + o * inner + i] = best;
      if (idx !== 0) i32[is + o * inner + i] = bi;
    }
  }
}

/** out = max over the middle axis; idx (i32, when idx != 0) = j of the first maximum; NaN wins. */
export function max_f32(x: number, out: number, idx: number, outer: number, r: number, inner: number): void {
  extreme(x, out, idx, outer, r, inner, (v, best) => v > best);
}

/** out = min over the middle axis; idx (i32, when idx != 0) = j of the first minimum; NaN wins. */
export function min_f32(x: number, out: number, idx: number, outer: number, r: number, inner: number): void {
  extreme(x, out, idx, outer, r, inner, (v, best) => v < best);
}

/** Index of the first NaN among x[0..n), or -1. */
export function find_nan_f32(x: number, n: number): number {
  const f32 = heap.f32;
  const xs = x >>> 2;
  for (let i = 0; i < n; i++) {
    const v = f32[xs + i];
    if (v !== v) return i;
  }
  return -1;
}
