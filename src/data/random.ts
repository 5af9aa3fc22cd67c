/**
 * Random sources for shuffling. A DataLoader or randomSplit given a `seed` owns a private `Generator`, so
 * its order is reproducible whatever else draws from the library's generator; without a seed it draws from
 * the default generator (reproducible under `manualSeed`).
 */
import { defaultGenerator, Generator } from '../tensor/random.js';

/** Anything that draws uniform integers in [0, n). */
export interface RandomSource {
  nextInt(n: number): number;
}

/** The library-wide generator (the one `manualSeed` seeds). */
export const globalSource: RandomSource = defaultGenerator;

/** A private generator for a seeded loader or split. */
export class SeededSource extends Generator {
  constructor(seed: number, op: string) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new TypeError(`${op}: seed must be a finite number, got ${String(seed)}`);
    }
    super(seed);
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
