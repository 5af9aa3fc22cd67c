/**
 * Random sources for shuffling. A DataLoader or randomSplit given a `seed` owns a private generator
 * (xoshiro128**, seeded like `manualSeed`), so its order is reproducible whatever else draws from the
 * library's generator; without a seed it draws from the library's generator (reproducible under
 * `manualSeed`).
 */
import { nextInt as globalNextInt } from '../tensor/random.js';

/** Anything that draws uniform integers in [0, n). */
export interface RandomSource {
  nextInt(n: number): number;
}

/** The library-wide generator (the one `manualSeed` seeds). */
export const globalSource: RandomSource = { nextInt: globalNextInt };

/** A private xoshiro128** generator; the seed is expanded with splitmix32 as in `manualSeed`. */
export class SeededSource implements RandomSource {
  private readonly s = new Uint32Array(4);

  constructor(seed: number, op: string) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new TypeError(`${op}: seed must be a finite number, got ${String(seed)}`);
    }
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const m = Math.imul(s1, 5) >>> 0;
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s[2] = s2 ^ s0;
    s[3] = s3 ^ s1;
    s[1] = s1 ^ s[2]!;
    s[0] = s0 ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = (s[3]! << 11) | (s[3]! >>> 21);
    return result;
  }

  /** Uniform integer in [0, n) without modulo bias (n <= 2^32). */
  nextInt(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function randperm(n: number, rng: RandomSource): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
