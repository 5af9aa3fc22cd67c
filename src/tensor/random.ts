/**
 * Random numbers: a `Generator` (xoshiro128** by Blackman & Vigna, seeded through splitmix32) and the
 * default generator behind rand/randn/randint, weight initialisation, dropout and unseeded shuffling,
 * which `manualSeed` seeds. Normals come from Box-Muller.
 */

export class Generator {
  private readonly s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number = Date.now() ^ Math.floor(Math.random() * 2 ** 31)) {
    this.manualSeed(seed);
  }

  /** Re-seeds this generator. */
  manualSeed(seed: number): this {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new TypeError(`manualSeed: seed must be a finite number, got ${String(seed)}`);
    }
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spareNormal = null;
    return this;
  }

  /** Next uniform 32-bit unsigned integer. */
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

  /** Uniform in [0, 1) with 24 random bits (exactly representable in float32). */
  nextUniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /**
   * Fills `out` with what `out.length` calls of nextUniform would return, in order. The step is nextU32's,
   * with the state kept in locals through the loop rather than read from and written to its array per draw.
   */
  fillUniform(out: Float32Array | Float64Array): void {
    const s = this.s;
    let s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5) >>> 0;
      const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      s2 = (s2 ^ s0) >>> 0;
      s3 = (s3 ^ s1) >>> 0;
      s1 = (s1 ^ s2) >>> 0;
      s0 = (s0 ^ s3) >>> 0;
      s2 = (s2 ^ t) >>> 0;
      s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
      out[i] = (result >>> 8) / 16777216;
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
  }

  /** Standard normal. */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextUniform();
    const v = this.nextUniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n) without modulo bias. */
  nextInt(n: number): number {
    if (n <= 0x100000000) {
      const limit = 0x100000000 - (0x100000000 % n);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return x % n;
    }
    return Math.floor(this.nextUniform() * n);
  }

  /**
   * @internal Writes the four state words to `words` from index `at` on, for a kernel that continues this
   * generator's stream (dropout); `_restoreFrom` takes the advanced words back. Any spare normal is kept.
   */
  _saveTo(words: Int32Array, at: number): void {
    for (let i = 0; i < 4; i++) words[at + i] = this.s[i]!;
  }
  /** @internal Takes the state words back from `words[at .. at + 4)` (see `_saveTo`). */
  _restoreFrom(words: Int32Array, at: number): void {
    for (let i = 0; i < 4; i++) this.s[i] = words[at + i]! >>> 0;
  }

  /** Snapshot / restore of the state (tests and data loaders). */
  getState(): Uint32Array {
    return this.s.slice();
  }
  setState(state: Uint32Array): void {
    this.s.set(state);
    this.spareNormal = null;
  }
}

/** The library-wide generator. */
export const defaultGenerator = new Generator();

/** Seeds every unseeded random draw of the library, for reproducible runs. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

export const nextUniform = (): number => defaultGenerator.nextUniform();
export const nextNormal = (): number => defaultGenerator.nextNormal();
export const nextInt = (n: number): number => defaultGenerator.nextInt(n);
