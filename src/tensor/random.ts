/**
 * The seeded random source behind rand/randn/randint, weight initialisation and shuffling.
 * xoshiro128** (Blackman & Vigna) for uniform 32-bit values; Box-Muller for normals.
 */

const state = new Uint32Array(4);
let spareNormal: number | null = null;

/** Seeds every random draw of the library, for reproducible runs. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new TypeError(`manualSeed: seed must be a finite number, got ${seed}`);
  // splitmix32 expands the seed into the four state words.
  let s = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    state[i] = (z ^ (z >>> 16)) >>> 0;
  }
  spareNormal = null;
}

manualSeed(Date.now() ^ Math.floor(Math.random() * 2 ** 31));

/** Next uniform 32-bit unsigned integer. */
export function nextU32(): number {
  const s0 = state[0]!, s1 = state[1]!, s2 = state[2]!, s3 = state[3]!;
  const m = Math.imul(s1, 5) >>> 0;
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = (s1 << 9) >>> 0;
  state[2] = s2 ^ s0;
  state[3] = s3 ^ s1;
  state[1] = s1 ^ state[2]!;
  state[0] = s0 ^ state[3]!;
  state[2] = state[2]! ^ t;
  state[3] = (state[3]! << 11) | (state[3]! >>> 21);
  return result;
}

/** Uniform in [0, 1) with 24 random bits (exactly representable in float32). */
export function nextUniform(): number {
  return (nextU32() >>> 8) / 16777216;
}

/** Standard normal. */
export function nextNormal(): number {
  if (spareNormal !== null) {
    const v = spareNormal;
    spareNormal = null;
    return v;
  }
  let u = 0;
  while (u === 0) u = nextUniform();
  const v = nextUniform();
  const r = Math.sqrt(-2 * Math.log(u));
  spareNormal = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** Uniform integer in [0, n) without modulo bias. */
export function nextInt(n: number): number {
  if (n <= 0x100000000) {
    const limit = 0x100000000 - (0x100000000 % n);
    let x = nextU32();
    while (x >= limit) x = nextU32();
    return x % n;
  }
  return Math.floor(nextUniform() * n);
}

/** Snapshot / restore of the generator (used by tests and data loaders). */
export function getRngState(): Uint32Array {
  return state.slice();
}
export function setRngState(s: Uint32Array): void {
  state.set(s);
  spareNormal = null;
}
