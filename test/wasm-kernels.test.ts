/**
 * Every kernel of the WebAssembly backend against the plain-TypeScript reference backend (jsKernels),
 * on seeded random inputs, odd sizes, non-contiguous strides and IEEE special values.
 * Needs `build/wasmgrad.wasm` (npm run asbuild).
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap, writeMeta, STATIC_END } from '../src/backends/memory.js';
import {
  defaultWasmUrl,
  instantiateKernels,
  instantiateKernelsSync,
  readWasmFileSync,
} from '../src/backends/wasm/loader.js';
import { contiguousStrides, expectClose, mulberry32, numelOf, put, randArray, readF, readI } from './helpers.js';

const wasmBytes = readWasmFileSync(defaultWasmUrl);
const wasm = instantiateKernelsSync(wasmBytes);
const js = jsKernels;

// ---------- seeded PRNG and data ----------

let rng = mulberry32(12345);
const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rng();
const randInt = (n: number): number => Math.floor(rng() * n);
/** Random values from a small set of integers, so ties are common. */
function tieArray(n: number, levels = 5): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = randInt(levels) - 2;
  return a;
}
function sprinkle(a: Float32Array, values: number[], prob = 0.05): Float32Array {
  for (let i = 0; i < a.length; i++) if (rng() < prob) a[i] = values[randInt(values.length)]!;
  return a;
}
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0];
const SIZES = [1, 3, 17, 129, 1000];

// ---------- heap helpers ----------

type Typed = Float32Array | Int32Array;

function read<T extends Typed>(like: T, ptr: number): T {
  return (like instanceof Float32Array ? readF(ptr, like.length) : readI(ptr, like.length)) as T;
}
function freeAll(ptrs: number[], sizes: number[]): void {
  ptrs.forEach((p, i) => heap.free(p, Math.max(4, sizes[i]! * 4)));
}

/**
 * Runs `call` once per backend, each with fresh copies of the output buffers (initialised from `outs`,
 * which matters for accumulating kernels), and returns [wasm results, js results].
 */
function dual<T extends Typed[]>(outs: [...T], call: (k: Kernels, o: number[]) => void): [T, T] {
  const run = (k: Kernels): T => {
    const ptrs = outs.map((o) => put(o));
    call(k, ptrs);
    const res = outs.map((o, i) => read(o, ptrs[i]!)) as T;
    freeAll(ptrs, outs.map((o) => o.length));
    return res;
  };
  return [run(wasm), run(js)];
}

function expectExact(got: Int32Array, want: Int32Array, what = ''): void {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) expect(`${what}[${i}] got ${got[i]}, want ${want[i]}`).toBe('equal');
  }
}

// ---------- the module itself ----------

describe('wasm module', () => {
  it('exports every kernel of the table and imports only env.memory', () => {
    const mod = new WebAssembly.Module(wasmBytes);
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const name of Object.keys(js)) expect(exports, name).toContain(name);
    expect(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`)).toEqual(['env.memory:memory']);
  });

  it('keeps its static data below STATIC_END', () => {
    // parse the data section (id 11): every active segment must end below 16 KiB
    const b = wasmBytes;
    let p = 8;
    const leb = (): number => {
      let r = 0;
      let shift = 0;
      for (;;) {
        const byte = b[p++]!;
        r += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if ((byte & 0x80) === 0) return r;
      }
    };
    let maxEnd = 0;
    while (p < b.length) {
      const id = b[p++]!;
      const size = leb();
      const end = p + size;
      if (id === 11) {
        const count = leb();
        for (let s = 0; s < count; s++) {
          const flags = leb();
          expect(flags).toBe(0); // active, memory 0
          expect(b[p++]).toBe(0x41); // i32.const
          // signed LEB offset (small, positive here)
          const offset = leb();
          expect(b[p++]).toBe(0x0b); // end
          const len = leb();
          p += len;
          maxEnd = Math.max(maxEnd, offset + len);
        }
      }
      p = end;
    }
    expect(maxEnd).toBeGreaterThan(0);
    expect(maxEnd).toBeLessThanOrEqual(STATIC_END);
  });

  it('instantiates asynchronously from a file: URL, a string and bytes', async () => {
    const a = await instantiateKernels(defaultWasmUrl);
    const b = await instantiateKernels(defaultWasmUrl.href);
    const c = await instantiateKernels(wasmBytes);
    for (const k of [a, b, c]) {
      const x = put(new Float32Array([1, -2, 3]));
      k.neg_f32(x, x, 3);
      expect(Array.from(readF(x, 3))).toEqual([-1, 2, -3]);
    }
  });
});

// ---------- data movement ----------

describe('copy / fill / cast', () => {
  it('copy_strided: permutations, broadcast and strided destinations', () => {
    rng = mulberry32(1);
    const shapes = [[1], [3], [17], [129], [1000], [3, 17], [17, 129], [2, 3, 4], [3, 1, 5, 2], [2, 1, 3, 1, 2, 2, 1, 3]];
    for (const base of shapes) {
      const nd = base.length;
      // a random permutation of a contiguous source
      const perm = Array.from({ length: nd }, (_, i) => i).sort(() => rng() - 0.5);
      const shape = perm.map((d) => base[d]!);
      const baseStrides = contiguousStrides(base);
      const srcStrides = perm.map((d) => baseStrides[d]!);
      const n = numelOf(base);
      const bits = new Int32Array(n);
      for (let i = 0; i < n; i++) bits[i] = (rng() * 2 ** 32) | 0; // raw bits, including NaN payloads
      const src = put(bits);
      // contiguous destination
      let [w, j] = dual([new Int32Array(n)], (k, [d]) => k.copy_strided(src, d!, writeMeta(shape, srcStrides, contiguousStrides(shape))));
      expectExact(w[0], j[0], `perm ${shape}`);
      // transposed destination (reverse dims)
      const rev = shape.slice().reverse();
      const revStrides = contiguousStrides(rev).reverse();
      [w, j] = dual([new Int32Array(n)], (k, [d]) => k.copy_strided(src, d!, writeMeta(shape, srcStrides, revStrides)));
      expectExact(w[0], j[0], `transposed dst ${shape}`);
      // broadcast the first dim (stride 0) into a destination with a gap of one element per row
      const bStrides = srcStrides.slice();
      bStrides[0] = 0;
      const dStrides = contiguousStrides(shape).map((s) => s * 2);
      [w, j] = dual([new Int32Array(2 * n).fill(7)], (k, [d]) => k.copy_strided(src, d!, writeMeta(shape, bStrides, dStrides)));
      expectExact(w[0], j[0], `broadcast ${shape}`);
    }
  });

  it('copy_strided with a zero-sized dim does nothing', () => {
    const src = put(new Int32Array([1, 2, 3]));
    const [w] = dual([new Int32Array(3).fill(9)], (k, [d]) => k.copy_strided(src, d!, writeMeta([3, 0], [1, 1], [1, 1])));
    expect(Array.from(w[0])).toEqual([9, 9, 9]);
  });

  it('fill_f32 / fill_i32 on contiguous and strided destinations', () => {
    for (const n of SIZES) {
      for (const stride of [1, 3]) {
        const [w, j] = dual([new Float32Array(n * stride).fill(-5)], (k, [d]) => k.fill_f32(d!, 2.5, writeMeta([n], [stride])));
        expectClose(w[0], j[0], { rtol: 0, atol: 0 });
        const [wi, ji] = dual([new Int32Array(n * stride).fill(-5)], (k, [d]) => k.fill_i32(d!, -123456789, writeMeta([n], [stride])));
        expectExact(wi[0], ji[0]);
      }
      const shape = [2, n, 3];
      const strides = [n * 3 * 2, 1, n]; // transposed inner dims, gaps between the outer ones
      const [w, j] = dual([new Float32Array(4 * n * 3).fill(1)], (k, [d]) => k.fill_f32(d!, NaN, writeMeta(shape, strides)));
      expectClose(w[0], j[0], { rtol: 0, atol: 0 });
    }
  });

  it('cast_i32_f32 and cast_f32_i32 (truncation, NaN -> 0, saturation)', () => {
    rng = mulberry32(2);
    for (const n of SIZES) {
      const ints = new Int32Array(n);
      for (let i = 0; i < n; i++) ints[i] = (rng() * 2 ** 32) | 0;
      ints[0] = 2147483647;
      const src = put(ints);
      const [w, j] = dual([new Float32Array(n)], (k, [d]) => k.cast_i32_f32(src, d!, n));
      expectClose(w[0], j[0], { rtol: 0, atol: 0 });

      const fl = sprinkle(randArray(rng, n, -1e10, 1e10), [NaN, Infinity, -Infinity, -0.5, 2.5, -2.5, 2147483648, -2147483904, 3e9, -3e9], 0.3);
      const fsrc = put(fl);
      const [wi, ji] = dual([new Int32Array(n)], (k, [d]) => k.cast_f32_i32(fsrc, d!, n));
      expectExact(wi[0], ji[0], `n=${n}`);
    }
  });
});

// ---------- unary ----------

const EXTREMES = [
  NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, 1.17549435e-38, 1e-30, 0.5, 1, 2, 10,
  88.7, 88.72, 88.73, 89, 90, -87.3, -88, -100, -103.9, -104, -110, -90, 3.4e38, -3.4e38, 0.624, 0.626, -0.626,
];

describe('unary', () => {
  const cases: [keyof Kernels, number, number, number][] = [
    // name, lo, hi, rtol
    ['neg_f32', -10, 10, 0],
    ['abs_f32', -10, 10, 0],
    ['relu_f32', -10, 10, 0],
    ['sqrt_f32', 0, 100, 1e-6],
    ['exp_f32', -90, 90, 2e-5],
    ['log_f32', 0, 100, 2e-5],
    ['sigmoid_f32', -90, 90, 2e-5],
    ['tanh_f32', -90, 90, 2e-5],
  ];
  for (const [name, lo, hi, rtol] of cases) {
    it(name, () => {
      rng = mulberry32(name.length * 7919);
      const run = (x: Float32Array, what: string): void => {
        const n = x.length;
        const xp = put(x);
        const [w, j] = dual([new Float32Array(n)], (k, [o]) => (k[name] as (a: number, b: number, c: number) => void)(xp, o!, n));
        // atol: a couple of subnormal quanta
        expectClose(w[0], j[0], { rtol, atol: 3e-45, what: `${name} ${what}` });
        // in place
        const [wi, ji] = dual([x.slice()], (k, [o]) => (k[name] as (a: number, b: number, c: number) => void)(o!, o!, n));
        expectClose(wi[0], ji[0], { rtol, atol: 3e-45, what: `${name} in place ${what}` });
      };
      for (const n of SIZES) run(randArray(rng, n, lo, hi), `n=${n}`);
      run(randArray(rng, 1000, -3, 3), 'small range');
      run(randArray(rng, 1000, 1e-44, 1e-36), 'near zero / subnormal');
      // a dense sweep of the full f32 range for the transcendental functions: random bit patterns
      const bits = new Int32Array(4096);
      for (let i = 0; i < bits.length; i++) bits[i] = (rng() * 2 ** 32) | 0;
      run(new Float32Array(bits.buffer), 'random bits');
      run(new Float32Array(EXTREMES), 'extremes');
    });
  }

  it('clamp_f32', () => {
    rng = mulberry32(3);
    for (const n of SIZES) {
      const x = sprinkle(randArray(rng, n, -5, 5), SPECIAL);
      const xp = put(x);
      for (const [lo, hi] of [[-1, 1], [-Infinity, 2], [0, Infinity], [-Infinity, Infinity], [0.5, 0.5]] as const) {
        const [w, j] = dual([new Float32Array(n)], (k, [o]) => k.clamp_f32(xp, o!, n, lo, hi));
        expectClose(w[0], j[0], { rtol: 0, atol: 0, what: `n=${n} [${lo}, ${hi}]` });
      }
    }
  });

  it('pow_scalar_f32 (fast paths and the general case)', () => {
    rng = mulberry32(4);
    for (const p of [2, 0.5, 0, 1, 3, -1, -1.5, 2.5, 0.25, Infinity, -Infinity, NaN]) {
      for (const n of SIZES) {
        const x = sprinkle(randArray(rng, n, -4, 4), [...SPECIAL, 1, -1, 1e-40, -1e-40]);
        const xp = put(x);
        const [w, j] = dual([new Float32Array(n)], (k, [o]) => k.pow_scalar_f32(xp, o!, n, p));
        expectClose(w[0], j[0], { rtol: 2e-5, atol: 3e-45, what: `p=${p} n=${n}` });
      }
    }
  });

  it('axpy_f32', () => {
    rng = mulberry32(5);
    for (const n of SIZES) {
      const x = put(randArray(rng, n));
      const alpha = uniform(-2, 2);
      const [w, j] = dual([randArray(rng, n)], (k, [y]) => k.axpy_f32(x, y!, n, alpha));
      expectClose(w[0], j[0], { rtol: 1e-5, atol: 1e-7, what: `n=${n}` });
    }
  });
});

// ---------- binary with broadcasting ----------

interface BinCase {
  shape: number[];
  /** operand shapes as broadcast strides into the out shape; 'T' = transposed (reversed-dims) storage */
  a: 'C' | 'T' | number[];
  b: 'C' | 'T' | number[];
}

/** Builds an operand for `shape`: returns [ptr, strides] for contiguous, transposed or broadcast storage. */
function operand(shape: number[], kind: 'C' | 'T' | number[], make: (n: number) => Float32Array): [number, number[]] {
  if (kind === 'C') return [put(make(numelOf(shape))), contiguousStrides(shape)];
  if (kind === 'T') return [put(make(numelOf(shape))), contiguousStrides(shape.slice().reverse()).reverse()];
  // kind = operand shape (1 where broadcast), same rank as shape
  const st = contiguousStrides(kind).map((s, d) => (kind[d] === 1 ? 0 : s));
  return [put(make(numelOf(kind))), st];
}

const BIN_CASES: BinCase[] = [
  ...SIZES.flatMap((n): BinCase[] => [
    { shape: [n], a: 'C', b: 'C' },
    { shape: [n], a: 'C', b: [1] },
    { shape: [n], a: [1], b: 'C' },
    { shape: [3, n], a: 'C', b: [1, n] },
    { shape: [3, n], a: [3, 1], b: 'C' },
    { shape: [n, 3], a: 'T', b: 'C' },
    { shape: [3, n], a: 'T', b: 'T' },
    { shape: [3, n], a: [3, 1], b: [1, n] },
  ]),
  { shape: [1], a: [1], b: [1] },
  { shape: [2, 3, 17], a: 'C', b: [1, 1, 17] },
  { shape: [2, 3, 17], a: [2, 1, 17], b: [1, 3, 1] },
  { shape: [4, 1, 5, 3], a: 'T', b: [1, 1, 5, 1] },
  { shape: [2, 2, 1, 3, 2, 1, 2, 3], a: 'C', b: [1, 2, 1, 3, 1, 1, 2, 1] },
  { shape: [129, 17], a: 'T', b: [129, 1] },
];

describe('binary (broadcast)', () => {
  const arith: (keyof Kernels)[] = ['add_f32', 'sub_f32', 'mul_f32', 'div_f32', 'maximum_f32', 'minimum_f32', 'pow_f32'];
  const cmp: (keyof Kernels)[] = ['eq_f32', 'ne_f32', 'gt_f32', 'lt_f32', 'ge_f32', 'le_f32'];
  type Bin = (a: number, b: number, o: number, m: number) => void;

  for (const name of [...arith, ...cmp]) {
    it(name, () => {
      rng = mulberry32(name.charCodeAt(0) * 31 + name.length);
      const isPow = name === 'pow_f32';
      const makeA = (n: number): Float32Array =>
        sprinkle(isPow ? randArray(rng, n, -3, 3) : tieArray(n).map((v) => v + (rng() < 0.5 ? 0 : uniform(-1, 1))), [...SPECIAL, 1, -1]);
      const makeB = (n: number): Float32Array =>
        sprinkle(isPow ? randArray(rng, n, -3, 3).map((v) => (rng() < 0.5 ? Math.round(v) : v)) : tieArray(n), SPECIAL);
      for (const c of BIN_CASES) {
        const [a, sa] = operand(c.shape, c.a, makeA);
        const [b, sb] = operand(c.shape, c.b, makeB);
        const n = numelOf(c.shape);
        const what = `${JSON.stringify(c)}`;
        if (cmp.includes(name)) {
          const [w, j] = dual([new Int32Array(n).fill(-7)], (k, [o]) => (k[name] as Bin)(a, b, o!, writeMeta(c.shape, sa, sb)));
          expectExact(w[0], j[0], what);
        } else {
          const [w, j] = dual([new Float32Array(n)], (k, [o]) => (k[name] as Bin)(a, b, o!, writeMeta(c.shape, sa, sb)));
          expectClose(w[0], j[0], { rtol: isPow ? 2e-5 : 0, atol: isPow ? 3e-45 : 0, what });
        }
      }
    });
  }

  it('in-place add (out = a, contiguous)', () => {
    for (const n of SIZES) {
      const b = put(randArray(rng, n));
      const [w, j] = dual([randArray(rng, n)], (k, [o]) => k.add_f32(o!, b, o!, writeMeta([n], [1], [1])));
      expectClose(w[0], j[0], { rtol: 0, atol: 0 });
    }
  });

  it('where_f32', () => {
    rng = mulberry32(6);
    for (const c of BIN_CASES) {
      for (const condKind of ['C', 'T', c.shape.map((s, d) => (d === c.shape.length - 1 ? s : 1))] as const) {
        const [cond, sc] = ((): [number, number[]] => {
          const [p, st] = operand(c.shape, condKind, (n) => new Float32Array(n));
          const n = condKind === 'C' || condKind === 'T' ? numelOf(c.shape) : numelOf(condKind);
          const ints = new Int32Array(n);
          for (let i = 0; i < n; i++) ints[i] = rng() < 0.5 ? 0 : randInt(5) - 2;
          heap.i32.set(ints, p >>> 2);
          return [p, st];
        })();
        const [a, sa] = operand(c.shape, c.a, (n) => sprinkle(randArray(rng, n), SPECIAL));
        const [b, sb] = operand(c.shape, c.b, (n) => sprinkle(randArray(rng, n), SPECIAL));
        const n = numelOf(c.shape);
        const [w, j] = dual([new Float32Array(n)], (k, [o]) => k.where_f32(cond, a, b, o!, writeMeta(c.shape, sc, sa, sb)));
        expectClose(w[0], j[0], { rtol: 0, atol: 0, what: JSON.stringify(c) });
      }
    }
  });
});

// ---------- reductions ----------

const RED_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 1], [3, 17, 1], [2, 129, 1], [1, 1000, 1], [4, 8, 1], [5, 1, 7],
  [2, 3, 4], [3, 17, 3], [5, 3, 17], [2, 129, 129], [1, 7, 1000], [3, 1000, 2],
];

describe('reductions', () => {
  it('sum_f32', () => {
    rng = mulberry32(7);
    for (const [outer, r, inner] of RED_SHAPES) {
      const x = put(randArray(rng, outer * r * inner));
      const [w, j] = dual([new Float32Array(outer * inner)], (k, [o]) => k.sum_f32(x, o!, outer, r, inner));
      expectClose(w[0], j[0], { rtol: 2e-5, atol: 2e-6 * Math.sqrt(r), what: `${outer}x${r}x${inner}` });
    }
    // special values propagate
    const xs = put(new Float32Array([1, Infinity, 2, 3, NaN, 4, -Infinity, Infinity, 5, 6, 7, 8]));
    const [w, j] = dual([new Float32Array(3)], (k, [o]) => k.sum_f32(xs, o!, 3, 4, 1));
    expectClose(w[0], j[0], { rtol: 0, atol: 0 });
  });

  for (const name of ['max_f32', 'min_f32'] as const) {
    it(`${name} with and without indices (ties, NaN wins)`, () => {
      rng = mulberry32(name === 'max_f32' ? 8 : 9);
      for (const [outer, r, inner] of RED_SHAPES) {
        for (const kind of ['random', 'ties', 'nan', 'inf']) {
          const n = outer * r * inner;
          const data =
            kind === 'random' ? randArray(rng, n) :
            kind === 'ties' ? tieArray(n, 3) :
            kind === 'nan' ? sprinkle(tieArray(n, 3), [NaN], 0.1) :
            sprinkle(tieArray(n, 2), [Infinity, -Infinity], 0.5);
          const x = put(data);
          const m = outer * inner;
          const [w, j] = dual([new Float32Array(m), new Int32Array(m)], (k, [o, i]) => k[name](x, o!, i!, outer, r, inner));
          const what = `${kind} ${outer}x${r}x${inner}`;
          expectClose(w[0], j[0], { rtol: 0, atol: 0, what });
          expectExact(w[1], j[1], what);
          const [w2, j2] = dual([new Float32Array(m)], (k, [o]) => k[name](x, o!, 0, outer, r, inner));
          expectClose(w2[0], j2[0], { rtol: 0, atol: 0, what: `${what} (no idx)` });
        }
      }
    });
  }

  it('find_nan_f32: a NaN at every position, none, Infinity only, several, unaligned starts', () => {
    rng = mulberry32(10);
    const find = (k: Kernels, data: Float32Array, shift: number): number => {
      // shift elements of padding before the data: the kernel may only assume 4-byte alignment
      const padded = new Float32Array(shift + data.length).fill(NaN);
      padded.set(data, shift); // a typed-array copy keeps NaN payload bits
      const p = put(padded);
      const r = k.find_nan_f32(p + 4 * shift, data.length);
      freeAll([p], [data.length + shift]);
      return r;
    };
    const both = (data: Float32Array, shift: number, what: string): number => {
      const w = find(wasm, data, shift);
      expect(w, what).toBe(find(js, data, shift));
      return w;
    };
    for (const n of [1, 3, 17, 129]) {
      for (const shift of [0, 1]) {
        const clean = sprinkle(randArray(rng, n), [Infinity, -Infinity, 0, -0], 0.2);
        expect(both(clean, shift, `none n=${n}`)).toBe(-1);
        for (let at = 0; at < n; at++) {
          const one = clean.slice();
          one[at] = NaN;
          expect(both(one, shift, `n=${n} at ${at} shift ${shift}`)).toBe(at);
          // a second NaN further on does not change the answer
          if (at + 1 < n) {
            one[n - 1] = NaN;
            expect(both(one, shift, `n=${n} at ${at} and ${n - 1}`)).toBe(at);
          }
        }
      }
    }
    // n = 0 reads nothing; a NaN with a payload or the sign bit set is still NaN
    expect(both(new Float32Array(0), 0, 'empty')).toBe(-1);
    const bits = new Int32Array([0x3f800000, 0x7fc00001, 0]);
    expect(both(new Float32Array(bits.buffer), 0, 'payload')).toBe(1);
    bits[1] = 0xffc00000 | 0;
    expect(both(new Float32Array(bits.buffer), 0, 'negative NaN')).toBe(1);
    bits[1] = 0x7f800000; // +Infinity
    expect(both(new Float32Array(bits.buffer), 0, 'infinity')).toBe(-1);
  });
});

// ---------- gemm ----------

describe('gemm', () => {
  function runGemm(m: number, n: number, k: number, ta: boolean, tb: boolean, beta: number, what: string): void {
    const a = put(randArray(rng, m * k));
    const b = put(randArray(rng, k * n));
    const [sa0, sa1] = ta ? [1, m] : [k, 1];
    const [sb0, sb1] = tb ? [1, k] : [n, 1];
    const wsBytes = wasm.gemm_f32_workspace(m, n, k);
    expect(wsBytes).toBeGreaterThanOrEqual(0);
    const work = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
    const c0 = randArray(rng, m * n);
    const [w, j] = dual([c0], (K, [c]) => K.gemm_f32(a, b, c!, m, n, k, sa0, sa1, sb0, sb1, beta, work));
    expectClose(w[0], j[0], { rtol: 1e-5 * Math.sqrt(Math.max(k, 1)), atol: 1e-6 * Math.sqrt(Math.max(k, 1)), what });
    if (work !== 0) heap.free(work, wsBytes);
    heap.free(a, m * k * 4);
    heap.free(b, k * n * 4);
  }

  it('all transposes, beta 0/1, odd sizes', () => {
    rng = mulberry32(10);
    const dims = [1, 3, 17, 129];
    for (const m of dims) for (const n of dims) for (const k of dims) {
      // all sizes with both layouts of A, a rotating choice for B and beta (keeps the run short)
      for (const ta of [false, true]) {
        const tb = (m + n + k + (ta ? 1 : 0)) % 2 === 0;
        const beta = (m * n + k) % 2;
        runGemm(m, n, k, ta, tb, beta, `m=${m} n=${n} k=${k} ta=${ta} tb=${tb} beta=${beta}`);
      }
    }
    for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1]) {
      runGemm(17, 129, 3, ta, tb, beta, `ta=${ta} tb=${tb} beta=${beta}`);
      runGemm(5, 9, 33, ta, tb, beta, `ta=${ta} tb=${tb} beta=${beta}`);
    }
  });

  it('k = 0 gives C = 0 (beta 0) or leaves C (beta 1)', () => {
    for (const beta of [0, 1]) runGemm(3, 17, 0, false, false, beta, `k=0 beta=${beta}`);
  });

  it('larger than one cache block in every dimension (m > 128, n > 1024, k > 256)', () => {
    rng = mulberry32(11);
    runGemm(133, 1030, 260, false, false, 1, 'big NN');
    runGemm(131, 37, 513, true, true, 0, 'big TT');
  });

  it('broadcast strides (a row repeated) and non-unit column strides', () => {
    rng = mulberry32(12);
    const m = 5, n = 7, k = 9;
    const a = put(randArray(rng, k)); // one row, sa0 = 0
    const b = put(randArray(rng, k * n * 2));
    const ws = wasm.gemm_f32_workspace(m, n, k);
    const work = heap.alloc(Math.max(ws, 4));
    const [w, j] = dual([new Float32Array(m * n)], (K, [c]) => K.gemm_f32(a, b, c!, m, n, k, 0, 1, 2 * n, 2, 0, work));
    expectClose(w[0], j[0], { rtol: 1e-5 * 3, atol: 1e-6 * 3 });
  });
});

// ---------- softmax family ----------

describe('softmax family', () => {
  const shapes: [number, number][] = [[1, 1], [3, 3], [4, 17], [2, 129], [3, 1000], [17, 5]];
  function logits(rows: number, cols: number, kind: string): Float32Array {
    if (kind === 'large') return randArray(rng, rows * cols, -80, 80);
    const x = randArray(rng, rows * cols, -5, 5);
    if (kind === 'inf') {
      sprinkle(x, [-Infinity], 0.2);
      x.fill(-Infinity, 0, cols); // first row all -Infinity -> NaN row
    }
    return x;
  }

  it('softmax_f32 and log_softmax_f32', () => {
    rng = mulberry32(13);
    for (const [rows, cols] of shapes) for (const kind of ['normal', 'large', 'inf']) {
      const x = put(logits(rows, cols, kind));
      const n = rows * cols;
      const what = `${rows}x${cols} ${kind}`;
      let [w, j] = dual([new Float32Array(n)], (k, [o]) => k.softmax_f32(x, o!, rows, cols));
      expectClose(w[0], j[0], { rtol: 2e-5, atol: 1e-37, what: `softmax ${what}` });
      [w, j] = dual([new Float32Array(n)], (k, [o]) => k.log_softmax_f32(x, o!, rows, cols));
      expectClose(w[0], j[0], { rtol: 2e-5, atol: 2e-6, what: `log_softmax ${what}` });
    }
  });

  it('softmax_xent_f32 and its backward', () => {
    rng = mulberry32(14);
    for (const [rows, cols] of shapes) for (const kind of ['normal', 'large']) {
      const x = put(logits(rows, cols, kind));
      const t = new Int32Array(rows);
      for (let r = 0; r < rows; r++) t[r] = randInt(cols);
      const target = put(t);
      const n = rows * cols;
      const what = `${rows}x${cols} ${kind}`;
      const [w, j] = dual([new Float32Array(n), new Float32Array(rows)], (k, [p, l]) =>
        k.softmax_xent_f32(x, target, p!, l!, rows, cols));
      expectClose(w[0], j[0], { rtol: 2e-5, atol: 1e-37, what: `prob ${what}` });
      expectClose(w[1], j[1], { rtol: 2e-5, atol: 2e-6, what: `loss ${what}` });

      const prob = put(j[0]);
      const scale = 1 / rows;
      const [wb, jb] = dual([new Float32Array(n)], (k, [d]) => k.softmax_xent_backward_f32(prob, target, d!, rows, cols, scale));
      expectClose(wb[0], jb[0], { rtol: 1e-5, atol: 0, what: `backward ${what}` });
    }
  });
});

// ---------- convolution and pooling ----------

interface ConvCfg { c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number }
const CONV_CFGS: ConvCfg[] = [
  { c: 1, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 },
  { c: 2, h: 5, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  { c: 3, h: 8, w: 6, kh: 2, kw: 3, sh: 2, sw: 2, ph: 0, pw: 1 },
  { c: 1, h: 17, w: 17, kh: 5, kw: 5, sh: 3, sw: 2, ph: 2, pw: 2 },
  { c: 4, h: 9, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 },
  { c: 2, h: 12, w: 20, kh: 4, kw: 2, sh: 1, sw: 3, ph: 1, pw: 0 },
  { c: 1, h: 3, w: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 2, pw: 2 },
  // MaxPool2d(2) (maxpool2d_f32's 4-wide path: 10 outputs per row, the last group of 4 overlapping; 3 outputs,
  // all scalar; exactly 4; 5, the second group overlapping the first by 3; odd sides) and
  // a 3x3 convolution with rows long enough for im2col's 4-wide copies
  { c: 3, h: 9, w: 21, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { c: 2, h: 5, w: 7, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { c: 2, h: 4, w: 9, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { c: 2, h: 6, w: 11, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  { c: 2, h: 6, w: 29, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 },
  // stride 1 with ow == w (im2col's whole-plane copies): column shifts of up to 2, oh != h
  { c: 2, h: 7, w: 9, kh: 2, kw: 5, sh: 1, sw: 1, ph: 1, pw: 2 },
];
/** Elements after an output buffer that must keep their sentinel value. */
const GUARD = 8;
const outSize = (cfg: ConvCfg): [number, number] => [
  Math.floor((cfg.h + 2 * cfg.ph - cfg.kh) / cfg.sh) + 1,
  Math.floor((cfg.w + 2 * cfg.pw - cfg.kw) / cfg.sw) + 1,
];

describe('convolution and pooling', () => {
  it('im2col_f32 / col2im_f32', () => {
    rng = mulberry32(15);
    for (const cfg of CONV_CFGS) {
      const { c, h, w, kh, kw, sh, sw, ph, pw } = cfg;
      const [oh, ow] = outSize(cfg);
      const x = put(randArray(rng, c * h * w));
      const ncols = c * kh * kw * oh * ow;
      // NaN where every element must be written, then GUARD sentinels that nothing may overwrite
      const colsInit = Float32Array.from({ length: ncols + GUARD }, (_, i) => (i < ncols ? NaN : -7));
      const [wc, jc] = dual([colsInit], (k, [o]) => k.im2col_f32(x, o!, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow));
      expectClose(wc[0], jc[0], { rtol: 0, atol: 0, what: `im2col ${JSON.stringify(cfg)}` });
      const cols = put(randArray(rng, ncols));
      const [wd, jd] = dual([randArray(rng, c * h * w)], (k, [d]) => k.col2im_f32(cols, d!, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow));
      expectClose(wd[0], jd[0], { rtol: 1e-5, atol: 1e-6, what: `col2im ${JSON.stringify(cfg)}` });
    }
  });

  it('maxpool2d_f32 / maxpool2d_backward_f32', () => {
    rng = mulberry32(16);
    for (const cfg of CONV_CFGS) {
      if (cfg.ph * 2 > cfg.kh || cfg.pw * 2 > cfg.kw) continue; // windows must overlap the image
      const { c: planes, h, w, kh, kw, sh, sw, ph, pw } = cfg;
      const [oh, ow] = outSize(cfg);
      for (const kind of ['random', 'ties', 'nan', '-inf']) {
        const n = planes * h * w;
        const data =
          kind === 'random' ? randArray(rng, n) :
          kind === 'ties' ? tieArray(n, 2) :
          kind === 'nan' ? sprinkle(tieArray(n, 3), [NaN], 0.1) :
          new Float32Array(n).fill(-Infinity);
        const x = put(data);
        const no = planes * oh * ow;
        const what = `${kind} ${JSON.stringify(cfg)}`;
        // GUARD sentinels past the outputs: a kernel writing beyond them differs from the reference
        const [wf, jf] = dual([new Float32Array(no + GUARD).fill(-7), new Int32Array(no + GUARD).fill(-7)], (k, [o, i]) =>
          k.maxpool2d_f32(x, o!, i!, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow));
        expectClose(wf[0], jf[0], { rtol: 0, atol: 0, what });
        expectExact(wf[1], jf[1], what);

        const idx = put(jf[1]);
        const dy = put(randArray(rng, no));
        const [wb, jb] = dual([randArray(rng, n)], (k, [d]) => k.maxpool2d_backward_f32(dy, idx, d!, planes, h, w, oh, ow));
        expectClose(wb[0], jb[0], { rtol: 1e-5, atol: 1e-6, what: `backward ${what}` });
      }
    }
  });
});

// ---------- indexing ----------

describe('indexing', () => {
  const shapes: [number, number, number, number][] = [
    // outer, dimSize, nIdx, inner
    [1, 1, 1, 1], [1, 5, 3, 1], [3, 17, 5, 1], [2, 3, 7, 4], [2, 10, 4, 17], [1, 129, 200, 3], [4, 2, 3, 129], [1, 1000, 1000, 1],
  ];
  function indices(n: number, dimSize: number): Int32Array {
    const t = new Int32Array(n);
    for (let i = 0; i < n; i++) t[i] = randInt(dimSize); // repeats are common
    return t;
  }

  it('index_select_f32 / index_add_f32', () => {
    rng = mulberry32(17);
    for (const [outer, dimSize, nIdx, inner] of shapes) {
      const what = `${outer}x${dimSize}x${inner} nIdx=${nIdx}`;
      const idx = put(indices(nIdx, dimSize));
      const x = put(sprinkle(randArray(rng, outer * dimSize * inner), SPECIAL));
      const nout = outer * nIdx * inner;
      const [w, j] = dual([new Float32Array(nout)], (k, [o]) => k.index_select_f32(x, idx, o!, outer, dimSize, nIdx, inner));
      expectClose(w[0], j[0], { rtol: 0, atol: 0, what: `index_select ${what}` });
      const g = put(randArray(rng, nout));
      const [wa, ja] = dual([randArray(rng, outer * dimSize * inner)], (k, [d]) => k.index_add_f32(g, idx, d!, outer, dimSize, nIdx, inner));
      expectClose(wa[0], ja[0], { rtol: 1e-5, atol: 1e-6, what: `index_add ${what}` });
    }
  });

  it('gather_f32 / scatter_add_f32', () => {
    rng = mulberry32(18);
    for (const [outer, dimSize, nIdx, inner] of shapes) {
      const what = `${outer}x${dimSize}x${inner} nIdx=${nIdx}`;
      const nout = outer * nIdx * inner;
      const idx = put(indices(nout, dimSize));
      const x = put(randArray(rng, outer * dimSize * inner));
      const [w, j] = dual([new Float32Array(nout)], (k, [o]) => k.gather_f32(x, idx, o!, outer, dimSize, nIdx, inner));
      expectClose(w[0], j[0], { rtol: 0, atol: 0, what: `gather ${what}` });
      const g = put(randArray(rng, nout));
      const [wa, ja] = dual([randArray(rng, outer * dimSize * inner)], (k, [d]) => k.scatter_add_f32(g, idx, d!, outer, dimSize, nIdx, inner));
      expectClose(wa[0], ja[0], { rtol: 1e-5, atol: 1e-6, what: `scatter_add ${what}` });
    }
  });
});
