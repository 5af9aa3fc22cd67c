/** Reference kernels: softmax family along the last axis of a contiguous rows×cols array. */
import { heap } from '../memory.js';

/** Max of a row with NaN propagation (-Infinity for an all -Infinity row). */
function rowMax(f32: Float32Array, start: number, cols: number): number {
  let mx = -Infinity;
  for (let c = 0; c < cols; c++) mx = Math.max(mx, f32[start + c]);
  return mx;
}

/** Sum over the row of exp(x - mx), in a double. */
function rowSumExp(f32: Float32Array, start: number, cols: number, mx: number): number {
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(f32[start + c] - mx);
  return s;
}

/** Stable softmax per row; an all -Infinity row gives NaN. */
export function softmax_f32(x: number, out: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let r = 0; r < rows; r++) {
    const xr = xs + r * cols;
    const orow = os + r * cols;
    const mx = rowMax(f32, xr, cols);
    const s = rowSumExp(f32, xr, cols, mx);
    for (let c = 0; c < cols; c++) f32[orow + c] = Math.exp(f32[xr + c] - mx) / s;
  }
}

/** Stable log-softmax per row: x - max - log(sum(exp(x - max))). */
export function log_softmax_f32(x: number, out: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const os = out >>> 2;
  for (let r = 0; r < rows; r++) {
    const xr = xs + r * cols;
    const orow = os + r * cols;
    const mx = rowMax(f32, xr, cols);
    const lse = Math.log(rowSumExp(f32, xr, cols, mx));
    for (let c = 0; c < cols; c++) f32[orow + c] = f32[xr + c] - mx - lse;
  }
}

/** prob[r] = softmax(x[r]); loss[r] = -log_softmax(x[r])[target[r]] (target i32). */
export function softmax_xent_f32(x: number, target: number, prob: number, loss: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const xs = x >>> 2;
  const ts = target >>> 2;
  const ps = prob >>> 2;
  const ls = loss >>> 2;
  for (let r = 0; r < rows; r++) {
    const xr = xs + r * cols;
    const pr = ps + r * cols;
    const mx = rowMax(f32, xr, cols);
    const s = rowSumExp(f32, xr, cols, mx);
    const t = i32[ts + r];
    const xt = f32[xr + t];
    for (let c = 0; c < cols; c++) f32[pr + c] = Math.exp(f32[xr + c] - mx) / s;
    f32[ls + r] = -(xt - mx - Math.log(s));
  }
}

/** dx[r][c] = (prob[r][c] - (c == target[r] ? 1 : 0)) * scale. */
export function softmax_xent_backward_f32(prob: number, target: number, dx: number, rows: number, cols: number,
  scale: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const ps = prob >>> 2;
  const ts = target >>> 2;
  const ds = dx >>> 2;
  for (let r = 0; r < rows; r++) {
    const t = i32[ts + r];
    for (let c = 0; c < cols; c++) {
      const q = r * cols + c;
      f32[ds + q] = (f32[ps + q] - (c === t ? 1 : 0)) * scale;
    }
  }
}
