/**
 * Reference fused layer norm (see kernels.ts): per row of a contiguous [rows, cols] array, statistics and
 * outputs computed in doubles from the f32 inputs, rounded to f32 on store.
 */
import { heap } from '../memory.js';

/** Per row: mean, biased variance, rstd = 1 / sqrt(var + eps); y = (x - mean) * rstd * w + b (w, b: 0 = absent). */
export function layer_norm_f32(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2, ws = w >>> 2, bs = b >>> 2, ys = y >>> 2, ms = mean >>> 2, rss = rstd >>> 2;
  for (let r = 0; r < rows; r++) {
    const o = xs + r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += f32[o + j]!;
    const m = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = f32[o + j]! - m;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + Math.fround(eps));
    f32[ms + r] = m;
    f32[rss + r] = rs;
    for (let j = 0; j < cols; j++) {
      let t = (f32[o + j]! - m) * rs;
      if (w !== 0) t *= f32[ws + j]!;
      if (b !== 0) t += f32[bs + j]!;
      f32[ys + r * cols + j] = t;
    }
  }
}

/**
 * Backward of layer_norm_f32 from dy and the saved mean, rstd: xh = (x - mean) * rstd, g = dy * w (dy when
 * w = 0); dx = rstd * (g - mean(g) - xh * mean(g * xh)) per row, dw = sum over rows of dy * xh, db = sum of dy.
 * dx, dw, db: 0 = not wanted; work unused here.
 */
export function layer_norm_backward_f32(dy: number, x: number, w: number, mean: number, rstd: number, dx: number, dw: number, db: number,
  _work: number, rows: number, cols: number): void {
  const f32 = heap.f32;
  const dys = dy >>> 2, xs = x >>> 2, ws = w >>> 2, ms = mean >>> 2, rss = rstd >>> 2, dxs = dx >>> 2;
  const tw = new Float64Array(dw !== 0 ? cols : 0), tb = new Float64Array(db !== 0 ? cols : 0);
  const xh = new Float64Array(cols), g = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = f32[ms + r]!, rs = f32[rss + r]!;
    let sg = 0, sgx = 0;
    for (let j = 0; j < cols; j++) {
      const d = f32[dys + o + j]!;
      const h = (f32[xs + o + j]! - m) * rs;
      const gj = w !== 0 ? d * f32[ws + j]! : d;
      xh[j] = h;
      g[j] = gj;
      sg += gj;
      sgx += gj * h;
      if (dw !== 0) tw[j] += d * h;
      if (db !== 0) tb[j] += d;
    }
    if (dx === 0) continue;
    const a = sg / cols, c = sgx / cols;
    for (let j = 0; j < cols; j++) f32[dxs + o + j] = rs * (g[j]! - a - xh[j]! * c);
  }
  for (let j = 0; j < cols; j++) {
    if (dw !== 0) f32[(dw >>> 2) + j] = tw[j]!;
    if (db !== 0) f32[(db >>> 2) + j] = tb[j]!;
  }
}
