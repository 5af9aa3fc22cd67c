/**
 * Reference fused batch norm in training mode (see kernels.ts): contiguous x [N, C, S], per-channel
 * statistics and every element computed in doubles from the f32 inputs, rounded to f32 on store.
 */
import { heap } from '../memory.js';

/** Per channel: mean, biased var, invstd = 1 / sqrt(var + eps); y = (x - mean) * invstd * weight + bias. */
export function batchnorm_forward_f32(x: number, weight: number, bias: number, y: number, mean: number, invstd: number, varOut: number,
  N: number, C: number, S: number, c0: number, c1: number, eps: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2, ys = y >>> 2;
  const cnt = N * S;
  for (let c = c0; c < c1; c++) {
    let total = 0;
    for (let n = 0; n < N; n++) {
      const r = xs + (n * C + c) * S;
      for (let j = 0; j < S; j++) total += f32[r + j]!;
    }
    const m = total / cnt;
    let sq = 0;
    for (let n = 0; n < N; n++) {
      const r = xs + (n * C + c) * S;
      for (let j = 0; j < S; j++) {
        const d = f32[r + j]! - m;
        sq += d * d;
      }
    }
    const v = sq / cnt;
    const is = 1 / Math.sqrt(v + eps);
    f32[(mean >>> 2) + c] = m;
    f32[(invstd >>> 2) + c] = is;
    if (varOut !== 0) f32[(varOut >>> 2) + c] = v;
    const a = weight !== 0 ? is * f32[(weight >>> 2) + c]! : is;
    const b = bias !== 0 ? f32[(bias >>> 2) + c]! : 0;
    for (let n = 0; n < N; n++) {
      const off = (n * C + c) * S;
      for (let j = 0; j < S; j++) f32[ys + off + j] = (f32[xs + off + j]! - m) * a + b;
    }
  }
}

/**
 * Per channel: sdy = sum dy, sdyx = sum dy * (x - mean); dbias = sdy, dweight = sdyx * invstd;
 * dx = (dy - sdy / cnt - (x - mean) * sdyx * invstd² / cnt) * invstd * weight. Pointers 0: absent.
 */
export function batchnorm_backward_f32(dy: number, x: number, mean: number, invstd: number, weight: number, dx: number, dweight: number,
  dbias: number, N: number, C: number, S: number, c0: number, c1: number): void {
  const f32 = heap.f32;
  const gs = dy >>> 2, xs = x >>> 2, ds = dx >>> 2;
  const cnt = N * S;
  for (let c = c0; c < c1; c++) {
    const m = f32[(mean >>> 2) + c]!, is = f32[(invstd >>> 2) + c]!;
    let sdy = 0, sdyx = 0;
    for (let n = 0; n < N; n++) {
      const off = (n * C + c) * S;
      for (let j = 0; j < S; j++) {
        const g = f32[gs + off + j]!;
        sdy += g;
        sdyx += g * (f32[xs + off + j]! - m);
      }
    }
    if (dbias !== 0) f32[(dbias >>> 2) + c] = sdy;
    if (dweight !== 0) f32[(dweight >>> 2) + c] = sdyx * is;
    if (dx === 0) continue;
    const mdy = sdy / cnt, k = sdyx * is * is / cnt;
    const s = weight !== 0 ? is * f32[(weight >>> 2) + c]! : is;
    for (let n = 0; n < N; n++) {
      const off = (n * C + c) * S;
      for (let j = 0; j < S; j++) f32[ds + off + j] = (f32[gs + off + j]! - mdy - (f32[xs + off + j]! - m) * k) * s;
    }
  }
}
