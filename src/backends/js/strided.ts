/**
 * Shared helper for the strided kernels of the reference backend: reads a meta descriptor and walks
 * its shape in row-major order with an index counter array, one innermost row at a time.
 */
import { heap } from '../memory.js';

/** A decoded meta descriptor: `[ndim, shape..., strides of each operand...]`. */
interface StridedMeta {
  nd: number;
  shape: number[];
  /** strides[t][d]: stride (in elements) of operand t along dim d. */
  strides: number[][];
  /** Product of shape (0 if any dim is 0). */
  size: number;
}

/** Decodes the descriptor at byte offset `meta` with `nOps` stride arrays. */
export function readMeta(meta: number, nOps: number): StridedMeta {
  const i32 = heap.i32;
  const p = meta >>> 2;
  const nd = i32[p];
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < nd; d++) {
    shape.push(i32[p + 1 + d]);
    size *= i32[p + 1 + d];
  }
  const strides: number[][] = [];
  for (let t = 0; t < nOps; t++) {
    const s: number[] = [];
    for (let d = 0; d < nd; d++) s.push(i32[p + 1 + nd * (t + 1) + d]);
    strides.push(s);
  }
  return { nd, shape, strides, size };
}

/**
 * Calls `row(offs)` once per innermost row (the last dim), in row-major order, where offs[t] is the
 * element offset of operand t at the start of that row. The callee loops over shape[nd-1] itself.
 */
export function forEachRow(m: StridedMeta, row: (offs: number[]) => void): void {
  if (m.size === 0) return;
  const nd = m.nd;
  const k = m.strides.length;
  const idx: number[] = new Array<number>(nd).fill(0);
  const offs: number[] = new Array<number>(k).fill(0);
  const rows = m.size / m.shape[nd - 1];
  for (let r = 0; r < rows; r++) {
    row(offs);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let t = 0; t < k; t++) offs[t] += m.strides[t][d];
      if (idx[d] < m.shape[d]) break;
      for (let t = 0; t < k; t++) offs[t] -= m.strides[t][d] * m.shape[d];
      idx[d] = 0;
    }
  }
}
