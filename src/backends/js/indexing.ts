/** Reference kernels: index_select / index_add / gather / scatter_add over a contiguous [outer, dimSize, inner] array. */
import { heap } from '../memory.js';

/** out[(o*nIdx + j)*inner + i] = x[(o*dimSize + idx[j])*inner + i], copied bit-exactly (f32 or i32). */
export function index_select_f32(x: number, idx: number, out: number, outer: number, dimSize: number, nIdx: number,
  inner: number): void {
  const i32 = heap.i32;
  const xs = x >>> 2;
  const is = idx >>> 2;
  let q = out >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const src = xs + (o * dimSize + i32[is + j]) * inner;
      for (let i = 0; i < inner; i++) i32[q++] = i32[src + i];
    }
  }
}

/** dx[(o*dimSize + idx[j])*inner + i] += g[(o*nIdx + j)*inner + i]. */
export function index_add_f32(g: number, idx: number, dx: number, outer: number, dimSize: number, nIdx: number,
  inner: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const ds = dx >>> 2;
  const is = idx >>> 2;
  let q = g >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const dst = ds + (o * dimSize + i32[is + j]) * inner;
      for (let i = 0; i < inner; i++, q++) f32[dst + i] = f32[dst + i] + f32[q];
    }
  }
}

/** out[q] = x[(o*dimSize + idx[q])*inner + i] for q = (o*nIdx + j)*inner + i, copied bit-exactly (f32 or i32). */
export function gather_f32(x: number, idx: number, out: number, outer: number, dimSize: number, nIdx: number,
  inner: number): void {
  const i32 = heap.i32;
  const xs = x >>> 2;
  const is = idx >>> 2;
  const os = out >>> 2;
  let q = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++, q++) i32[os + q] = i32[xs + (o * dimSize + i32[is + q]) * inner + i];
    }
  }
}

/** dx[(o*dimSize + idx[q])*inner + i] += g[q] for q = (o*nIdx + j)*inner + i. */
export function scatter_add_f32(g: number, idx: number, dx: number, outer: number, dimSize: number, nIdx: number,
  inner: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const gs = g >>> 2;
  const is = idx >>> 2;
  const ds = dx >>> 2;
  let q = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++, q++) {
        const t = ds + (o * dimSize + i32[is + q]) * inner + i;
        f32[t] = f32[t] + f32[gs + q];
      }
    }
  }
}
