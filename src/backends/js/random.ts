/**
 * Reference random kernels (see kernels.ts): they continue the library's generator (src/tensor/random.ts,
 * xoshiro128**) from its state words in memory and store the advanced state back.
 */
import { heap } from '../memory.js';

/**
 * Dropout: mask[i] = (next output >>> 8) < threshold ? 0 : f32(scale); out[i] = x[i] * mask[i] when x is
 * not 0. The state (four u32 words at `state`) advances by n draws.
 */
export function dropout_f32(x: number, out: number, mask: number, n: number, threshold: number, scale: number, state: number): void {
  const f32 = heap.f32;
  const i32 = heap.i32;
  const st = state >>> 2;
  let s0 = i32[st]! >>> 0, s1 = i32[st + 1]! >>> 0, s2 = i32[st + 2]! >>> 0, s3 = i32[st + 3]! >>> 0;
  const kept = Math.fround(scale);
  const xs = x >>> 2, os = out >>> 2, ms = mask >>> 2;
  for (let i = 0; i < n; i++) {
    const m5 = Math.imul(s1, 5) >>> 0;
    const r = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
    const m = r >>> 8 < threshold ? 0 : kept;
    f32[ms + i] = m;
    if (x !== 0) f32[os + i] = f32[xs + i]! * m;
  }
  i32[st] = s0;
  i32[st + 1] = s1;
  i32[st + 2] = s2;
  i32[st + 3] = s3;
}
