/**
 * Reference fused backward kernels (see kernels.ts). Where the fused op replaces a chain of f32 kernels,
 * every intermediate is rounded to f32 (Math.fround) as the chain would, so results match it exactly.
 */
import { heap } from '../memory.js';
import { ieeePow } from './elementwise.js';

const fround = Math.fround;

/** out[i] = y[i] <= 0 ? 0 : g[i] (g passes where y is NaN, as PyTorch's threshold_backward). */
export function relu_backward_f32(g: number, y: number, out: number, n: number): void {
  const f32 = heap.f32;
  const gs = g >>> 2, ys = y >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) f32[os + i] = f32[ys + i]! <= 0 ? 0 : f32[gs + i]!;
}

/** out[i] = g[i] * (f32(p) * f32(x[i] ** (p - 1))), each product rounded to f32; g[i] * 0 when p = 0. */
export function pow_backward_f32(g: number, x: number, out: number, n: number, p: number): void {
  const f32 = heap.f32;
  const gs = g >>> 2, xs = x >>> 2, os = out >>> 2;
  const pf = fround(p);
  const q = p - 1;
  for (let i = 0; i < n; i++) {
    const gv = f32[gs + i]!;
    f32[os + i] = p === 0 ? gv * 0 : gv * fround(fround(ieeePow(f32[xs + i]!, q)) * pf);
  }
}

/** Per row: out = y * (g - sum(g * y)). */
export function softmax_backward_f32(g: number, y: number, out: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  for (let r = 0; r < rows; r++) {
    const gr = (g >>> 2) + r * cols, yr = (y >>> 2) + r * cols, orow = (out >>> 2) + r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += f32[gr + c]! * f32[yr + c]!;
    for (let c = 0; c < cols; c++) f32[orow + c] = f32[yr + c]! * (f32[gr + c]! - dot);
  }
}

/** Per row: out = g - exp(y) * sum(g). */
export function log_softmax_backward_f32(g: number, y: number, out: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  for (let r = 0; r < rows; r++) {
    const gr = (g >>> 2) + r * cols, yr = (y >>> 2) + r * cols, orow = (out >>> 2) + r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += f32[gr + c]!;
    for (let c = 0; c < cols; c++) f32[orow + c] = f32[gr + c]! - Math.exp(f32[yr + c]!) * s;
  }
}

/** out[i] = g[i] * f32(y[i] * f32(1 - y[i])). */
export function sigmoid_backward_f32(g: number, y: number, out: number, n: number): void {
  const f32 = heap.f32;
  const gs = g >>> 2, ys = y >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) {
    const yv = f32[ys + i]!;
    f32[os + i] = f32[gs + i]! * fround(yv * fround(1 - yv));
  }
}

/** out[i] = g[i] * f32(1 - f32(y[i] * y[i])). */
export function tanh_backward_f32(g: number, y: number, out: number, n: number): void {
  const f32 = heap.f32;
  const gs = g >>> 2, ys = y >>> 2, os = out >>> 2;
  for (let i = 0; i < n; i++) {
    const yv = f32[ys + i]!;
    f32[os + i] = f32[gs + i]! * fround(1 - fround(yv * yv));
  }
}
