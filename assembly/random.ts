// Random draws that continue the library's generator (src/tensor/random.ts: xoshiro128**): the caller
// passes the generator's four state words in memory and gets them back advanced, so a kernel's draws are
// exactly the ones the TypeScript generator would have made, in the same order.

/**
 * Dropout over n elements: per element, the next xoshiro128** output r (advancing the state at `state`,
 * four u32 words) gives the uniform u = (r >>> 8) / 2^24; mask[i] = u < p ? 0 : scale, where the caller
 * passes p as threshold = ceil(p * 2^24) (u < p exactly when (r >>> 8) < threshold). When x is not 0,
 * out[i] = x[i] * mask[i] (NaN stays NaN, as x * 0 does). The state update is sequential, so scalar.
 */
export function dropout_f32(x: usize, out: usize, mask: usize, n: i32, threshold: u32, scale: f32, state: usize): void {
  const scaleBits = reinterpret<i32>(scale);
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    const r = rotl<u32>(s1 * 5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    // the scale's bits where kept, else +0's, by integer arithmetic: a float select or branch on random
    // data would mispredict at every other element
    const m = reinterpret<f32>(scaleBits & -<i32>((r >>> 8) >= threshold));
    const o = <usize>i << 2;
    store<f32>(mask + o, m);
    if (x != 0) store<f32>(out + o, load<f32>(x + o) * m);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}
