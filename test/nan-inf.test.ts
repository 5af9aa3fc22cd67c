/**
 * NaN, ±Infinity, -0, subnormals and the float32 maximum flow through every op as IEEE-754 and PyTorch
 * say: nothing is clamped or replaced silently. Expected values are computed here in float64 from the
 * definitions (then rounded with Math.fround); exact ops are compared bit for bit, transcendental ones
 * with a tolerance, but the positions and signs of NaN and ±Inf always have to match exactly.
 *
 * PyTorch semantics that are not plain IEEE arithmetic, as asserted below:
 *  - maximum / minimum / clamp / relu / amax / amin propagate NaN (torch.maximum(nan, 1) = nan,
 *    torch.clamp(nan, 0, 1) = nan, relu(nan) = nan); the sign of a zero result of relu, clamp, maximum,
 *    minimum, amax, amin, max and min (relu(-0.) etc.) is not asserted.
 *  - max / min / argmax / argmin along a dim treat NaN as the extreme and return the first NaN's index;
 *    otherwise the first index of the extreme value.
 *  - max_pool2d: a NaN in a window wins; its index (where the gradient goes) is the last NaN in the window
 *    (PyTorch's CPU kernel takes `val > maxval || isnan(val)`).
 *  - softmax / log_softmax subtract the row max first: a row holding +Inf, NaN, or only -Inf is all NaN.
 *  - relu's backward is threshold_backward(grad, result, 0): grad where result > 0 or result is NaN, else 0.
 *  - abs's backward is grad * sgn(x), and torch.sign(nan) = 0, so it is 0 at NaN.
 *  - clamp's backward is grad where min <= x <= max, else 0 (0 at NaN).
 *  - maximum's backward: grad / 2 at ties, grad to self unless self < other, to other unless self > other;
 *    both comparisons are false at NaN, so both inputs get the whole gradient.
 *  - max() / min() over all elements: the gradient is split evenly among the elements equal to the result,
 *    and among the NaNs when the result is NaN (evenly_distribute_backward); amax / amin divide by the
 *    number of equal elements, which is 0 when the result is NaN, so their gradient is NaN everywhere.
 * Every test runs on both backends (see vitest.config.ts); sizes 1, 3, 17 and 129 reach the SIMD bodies and
 * the scalar tails, with each special value at every position.
 */
import { describe, expect, it } from 'vitest';
import {
  F, Tensor, add, amax, amin, argmax, argmin, bmm, div, eq, ge, grad, gt, le, lt, matmul, max, maximum, min, minimum, mm, mul, ne,
  pow, sub, sum, tensor, where,
} from '../src/index.js';
import { ints, mulberry32 } from './helpers.js';

const FMAX = 3.4028234663852886e38;
const DENORM = Math.fround(1e-40); // subnormal in float32
const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, DENORM, -DENORM, FMAX, -FMAX];
const ORDINARY = [1, -2.5, 0.5, 3, -0.75];
const CYCLE = [...SPECIALS, ...ORDINARY];
const SIZES = [1, 3, 17, 129];
const f = Math.fround;

/** Arrays of length n holding CYCLE rotated by every offset: each value reaches every position. */
function rotations(n: number, values: readonly number[] = CYCLE): Float32Array[] {
  return values.map((_, r) => Float32Array.from({ length: n }, (_, i) => values[(i + r) % values.length]!));
}

interface Tol {
  atol?: number;
  rtol?: number;
  /** Also require the sign of zero results to match (default: only for exact IEEE ops that define it). */
  zeroSign?: boolean;
}

/**
 * Compares values: NaN where NaN is expected, ±Inf exactly, finite values exactly (no tolerance given) or
 * within atol + rtol * |expected| (and then finite).
 */
function expectSame(actual: ArrayLike<number> | Tensor, expected: ArrayLike<number>, what: string, tol: Tol = {}): void {
  const a = actual instanceof Tensor ? Array.from(actual.toArray()) : Array.from(actual);
  expect(a.length, `${what}: length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = expected[i]!;
    let ok: boolean;
    if (Number.isNaN(y) || !Number.isFinite(y)) ok = Object.is(x, y);
    else if (tol.atol === undefined && tol.rtol === undefined) ok = tol.zeroSign ? Object.is(x, y) : x === y;
    else ok = Number.isFinite(x) && Math.abs(x - y) <= (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(y);
    if (!ok && bad.length < 6) bad.push(`[${i}] actual ${Object.is(x, -0) ? '-0' : x}, expected ${Object.is(y, -0) ? '-0' : y}`);
  }
  expect(bad, `${what}: ${bad.length ? 'mismatches' : ''}`).toEqual([]);
}

const show = (v: ArrayLike<number>) => `[${Array.from(v, (x) => (Object.is(x, -0) ? '-0' : String(x))).slice(0, 20).join(', ')}]`;

// ---------------------------------------------------------------- float64 references

/** erf to ~1e-7 absolute (Abramowitz & Stegun 7.1.26 is 1.5e-7; the kernels promise ~1e-6). */
function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** C99 / IEEE pow (what torch.pow computes): pow(1, y) = 1 and pow(-1, ±Inf) = 1 even where Math.pow gives NaN. */
function ieeePowRef(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

const TRANS: Tol = { atol: 1e-6, rtol: 2e-6 };

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  tol?: Tol;
}

const UNARY: UnaryCase[] = [
  { name: 'neg', fn: (x) => x.neg(), ref: (x) => -x, tol: { zeroSign: true } },
  { name: 'exp', fn: (x) => x.exp(), ref: Math.exp, tol: TRANS },
  { name: 'log', fn: (x) => x.log(), ref: Math.log, tol: TRANS }, // log(-0) = -Inf, log(-denormal) = NaN
  { name: 'sqrt', fn: (x) => x.sqrt(), ref: Math.sqrt, tol: { zeroSign: true } }, // sqrt(-0) = -0
  { name: 'abs', fn: (x) => x.abs(), ref: Math.abs, tol: { zeroSign: true } },
  { name: 'relu', fn: (x) => x.relu(), ref: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)) },
  { name: 'sigmoid', fn: (x) => x.sigmoid(), ref: (x) => 1 / (1 + Math.exp(-x)), tol: TRANS },
  { name: 'tanh', fn: (x) => x.tanh(), ref: Math.tanh, tol: TRANS },
  { name: 'clamp(-1, 1)', fn: (x) => x.clamp(-1, 1), ref: (x) => Math.min(Math.max(x, -1), 1) },
  { name: 'clamp(min 0)', fn: (x) => x.clamp(0), ref: (x) => Math.max(x, 0) },
  { name: 'clamp(max -0.5)', fn: (x) => x.clamp(null, -0.5), ref: (x) => Math.min(x, -0.5) },
  { name: 'pow 2', fn: (x) => x.pow(2), ref: (x) => x * x, tol: { zeroSign: true } },
  { name: 'pow 3', fn: (x) => x.pow(3), ref: (x) => ieeePowRef(x, 3), tol: { rtol: 1e-6 } },
  { name: 'pow -1', fn: (x) => x.pow(-1), ref: (x) => ieeePowRef(x, -1), tol: { rtol: 1e-7 } },
  { name: 'pow 0', fn: (x) => x.pow(0), ref: () => 1 }, // torch.pow(nan, 0) = 1
  { name: 'pow -2.5', fn: (x) => x.pow(-2.5), ref: (x) => ieeePowRef(x, -2.5), tol: { rtol: 1e-6 } },
  // NOTE: a documented choice (kernels.ts: pow_scalar_f32 is IEEE pow): pow(-Inf, 0.5) = +Inf and pow(-0, 0.5) = +0,
  // asserted here, where PyTorch's CPU kernel dispatches exponent 0.5 to sqrt (NaN and -0).
  { name: 'pow 0.5', fn: (x) => x.pow(0.5), ref: (x) => (x === -Infinity ? Infinity : Math.sqrt(x) + 0) },
  { name: 'erf', fn: (x) => F.erf(x), ref: erfRef, tol: { atol: 2e-6 } },
  // PyTorch: x * 0.5 * (1 + erf(x / sqrt 2)), in that order (so gelu(FMAX) = FMAX; gelu(-Inf) = -Inf * 0 = NaN)
  { name: 'gelu', fn: (x) => F.gelu(x), ref: (x) => x * 0.5 * (1 + erfRef(x * Math.SQRT1_2)), tol: { atol: 2e-6, rtol: 1e-5 } },
  {
    name: 'gelu tanh',
    fn: (x) => F.gelu(x, { approximate: 'tanh' }),
    // PyTorch: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), x^3 overflowing in float32
    ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * f(x * x * x)))),
    tol: { atol: 2e-6, rtol: 1e-5 },
  },
  // PyTorch: x > 0 ? x : x * negative_slope (the slope rounded to float32 first)
  { name: 'leakyRelu', fn: (x) => F.leakyRelu(x, 0.01), ref: (x) => (x > 0 ? x : x * f(0.01)), tol: { zeroSign: true } },
];

describe('unary ops: NaN, ±Inf, -0, subnormals, float32 max', () => {
  for (const c of UNARY) {
    it(c.name, () => {
      for (const n of SIZES) {
        for (const v of rotations(n)) {
          const expected = Array.from(v, (x) => f(c.ref(x)));
          expectSame(c.fn(tensor(v)), expected, `${c.name} of ${show(v)}`, c.tol);
        }
      }
    });
  }
});

// ---------------------------------------------------------------- binary ops

interface BinaryCase {
  name: string;
  fn: (a: Tensor | number, b: Tensor | number) => Tensor;
  ref: (a: number, b: number) => number;
  tol?: Tol;
}

const BINARY: BinaryCase[] = [
  { name: 'add', fn: (a, b) => add(a, b), ref: (a, b) => a + b, tol: { zeroSign: true } },
  { name: 'sub', fn: (a, b) => sub(a, b), ref: (a, b) => a - b, tol: { zeroSign: true } },
  { name: 'mul', fn: (a, b) => mul(a, b), ref: (a, b) => a * b, tol: { zeroSign: true } },
  { name: 'div', fn: (a, b) => div(a, b), ref: (a, b) => a / b, tol: { zeroSign: true } },
  { name: 'pow', fn: (a, b) => pow(a, b), ref: ieeePowRef, tol: { rtol: 1e-6 } },
  { name: 'maximum', fn: (a, b) => maximum(a, b), ref: (a, b) => Math.max(a, b) }, // NaN if either is NaN
  { name: 'minimum', fn: (a, b) => minimum(a, b), ref: (a, b) => Math.min(a, b) },
  { name: 'eq', fn: (a, b) => eq(a, b), ref: (a, b) => +(a === b) }, // -0 == 0; NaN != NaN
  { name: 'ne', fn: (a, b) => ne(a, b), ref: (a, b) => +(a !== b) },
  { name: 'gt', fn: (a, b) => gt(a, b), ref: (a, b) => +(a > b) },
  { name: 'lt', fn: (a, b) => lt(a, b), ref: (a, b) => +(a < b) },
  { name: 'ge', fn: (a, b) => ge(a, b), ref: (a, b) => +(a >= b) },
  { name: 'le', fn: (a, b) => le(a, b), ref: (a, b) => +(a <= b) },
];

/** Every ordered pair of CYCLE values, as two parallel lists. */
const PAIRS_A = CYCLE.flatMap((a) => CYCLE.map(() => a));
const PAIRS_B = CYCLE.flatMap(() => CYCLE);

describe('binary ops over every pair of special values', () => {
  for (const c of BINARY) {
    it(c.name, () => {
      const np = PAIRS_A.length;
      const check = (a: ArrayLike<number>, b: ArrayLike<number>, t: Tensor, how: string) =>
        expectSame(t, Array.from(a, (x, i) => f(c.ref(x, b[i]!))), `${c.name} ${how} ${show(a)} , ${show(b)}`, c.tol);
      for (const n of SIZES) {
        // every pair at every position for the small sizes; shifted windows of the pair list for 129
        const step = n === 129 ? 7 : 1;
        for (let s = 0; s < np; s += step) {
          const a = Float32Array.from({ length: n }, (_, i) => PAIRS_A[(i + s) % np]!);
          const b = Float32Array.from({ length: n }, (_, i) => PAIRS_B[(i + s) % np]!);
          check(a, b, c.fn(tensor(a), tensor(b)), 'contiguous');
        }
        // broadcast: a tensor against each value as a number, as a [1] tensor, and as the first operand
        const a = Float32Array.from({ length: n }, (_, i) => CYCLE[i % CYCLE.length]!);
        for (const v of CYCLE) {
          const bv = new Float32Array(n).fill(v);
          check(a, bv, c.fn(tensor(a), v), `number ${v}`);
          check(a, bv, c.fn(tensor(a), tensor([v])), `[1] ${v}`);
          check(bv, a, c.fn(v, tensor(a)), `number ${v} first`);
        }
      }
      // strided (non-contiguous) operands take the general loop
      const m = CYCLE.length;
      const at = tensor(Float32Array.from(PAIRS_A)).reshape(m, m).t(), bt = tensor(Float32Array.from(PAIRS_B)).reshape(m, m).t();
      const tr = (v: readonly number[]) => Array.from({ length: m * m }, (_, q) => v[(q % m) * m + Math.floor(q / m)]!);
      check(tr(PAIRS_A), tr(PAIRS_B), c.fn(at, bt), 'transposed');
    });
  }

  it('where moves NaN, ±Inf and -0 bit for bit', () => {
    for (const n of SIZES) {
      for (const v of rotations(n)) {
        const cond = tensor(Float32Array.from(v, (_, i) => i % 3)).gt(0.5);
        const other = Float32Array.from(v, (_, i) => CYCLE[(i * 5 + 3) % CYCLE.length]!);
        const expected = Array.from(v, (x, i) => (i % 3 === 1 || i % 3 === 2 ? x : other[i]!));
        expectSame(where(cond, tensor(v), tensor(other)), expected, `where ${show(v)}`, { zeroSign: true });
        expectSame(where(cond, tensor(v), -0), Array.from(v, (x, i) => (i % 3 ? x : -0)), 'where scalar -0', { zeroSign: true });
      }
    }
  });
});

// ---------------------------------------------------------------- reductions

/** PyTorch's max/min along a dim: NaN wins with its first index, else the first index of the extreme. */
function extremeRef(vals: readonly number[], isMax: boolean): { value: number; index: number } {
  let best = vals[0]!, bi = 0;
  if (Number.isNaN(best)) return { value: NaN, index: 0 };
  for (let j = 1; j < vals.length; j++) {
    const v = vals[j]!;
    if (Number.isNaN(v)) return { value: NaN, index: j };
    if (isMax ? v > best : v < best) { best = v; bi = j; }
  }
  return { value: best, index: bi };
}

/**
 * Float32 sum of values whose result does not depend on the order of summation: NaN if any NaN or both
 * infinities, else ±Inf, else the float64 sum rounded (the inputs here never overflow by partial sums).
 */
function sumRef(vals: readonly number[]): number {
  let s = 0;
  for (const v of vals) s += v;
  return f(s);
}

/** Splits [outer, r, inner] row-major data into the lists reduced by the middle axis. */
function lanes(data: ArrayLike<number>, outer: number, r: number, inner: number): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out.push(Array.from({ length: r }, (_, j) => data[(o * r + j) * inner + i]!));
  }
  return out;
}

// reductions use the specials without ±FMAX, whose partial sums would overflow in an order-dependent way
const RED_VALUES = [NaN, Infinity, -Infinity, -0, 0, DENORM, -DENORM, 1, -2.5, 0.5, 3, -0.75, 2, -1.5];
const RED_FINITE = [-0, 0, DENORM, -DENORM, 1, -2.5, 0.5, 3, -0.75, 2, -1.5, 7, -4];

describe('reductions', () => {
  /** [outer, r, inner] layouts reducing dim 1, over sizes that reach the SIMD and tail paths. */
  const layouts: [number, number, number][] = [];
  for (const r of SIZES) layouts.push([1, r, 1], [3, r, 1], [2, r, 5], [1, r, 4]);

  const inputs = (n: number): Float32Array[] => [
    ...rotations(n, RED_VALUES),
    // only one special among finite values, so the result is that special's doing
    ...[NaN, Infinity, -Infinity].flatMap((s) => [0, Math.floor(n / 2), n - 1].map((p) =>
      Float32Array.from({ length: n }, (_, i) => (i === p ? s : RED_FINITE[i % RED_FINITE.length]!)))),
    ...rotations(n, RED_FINITE),
  ];

  it('sum / mean along a dim and over all elements', () => {
    for (const [outer, r, inner] of layouts) {
      for (const v of inputs(outer * r * inner)) {
        const x = tensor(v).reshape(outer, r, inner);
        const ls = lanes(v, outer, r, inner);
        const what = `[${outer},${r},${inner}] ${show(v)}`;
        expectSame(x.sum(1), ls.map(sumRef), `sum(1) ${what}`, { atol: 1e-6, rtol: 1e-6 });
        expectSame(x.mean(1), ls.map((l) => f(sumRef(l) / r)), `mean(1) ${what}`, { atol: 1e-6, rtol: 1e-6 });
        expectSame(sum(x).reshape(1), [sumRef(Array.from(v))], `sum() ${what}`, { atol: 1e-6, rtol: 1e-6 });
        expectSame(x.mean().reshape(1), [f(sumRef(Array.from(v)) / v.length)], `mean() ${what}`, { atol: 1e-6, rtol: 1e-6 });
      }
    }
    // float32 overflow: FMAX + FMAX = Inf in any order
    expectSame(tensor([FMAX, FMAX, 1]).sum().reshape(1), [Infinity], 'sum overflow');
    expectSame(tensor([-FMAX, -FMAX]).mean().reshape(1), [-Infinity], 'mean overflow');
    expectSame(tensor([DENORM, DENORM, -DENORM]).sum().reshape(1), [DENORM], 'subnormal sum is exact');
  });

  it('amax / amin / max / min / argmax / argmin: NaN wins, first index', () => {
    for (const [outer, r, inner] of layouts) {
      for (const v of [...inputs(outer * r * inner), ...rotations(outer * r * inner)]) {
        const x = tensor(v).reshape(outer, r, inner);
        const ls = lanes(v, outer, r, inner);
        const what = `[${outer},${r},${inner}] ${show(v)}`;
        for (const isMax of [true, false]) {
          const name = isMax ? 'max' : 'min';
          const ref = ls.map((l) => extremeRef(l, isMax));
          const all = extremeRef(Array.from(v), isMax);
          expectSame((isMax ? amax : amin)(x, 1), ref.map((e) => e.value), `a${name}(1) ${what}`);
          expectSame((isMax ? amax : amin)(x, [0, 1, 2]).reshape(1), [all.value], `a${name}(all) ${what}`);
          expectSame((isMax ? max : min)(x).reshape(1), [all.value], `${name}() ${what}`);
          const vi = (isMax ? max : min)(x, 1);
          expectSame(vi.values, ref.map((e) => e.value), `${name}(1).values ${what}`);
          expectSame(vi.indices, ref.map((e) => e.index), `${name}(1).indices ${what}`);
          expectSame((isMax ? argmax : argmin)(x, 1), ref.map((e) => e.index), `arg${name}(1) ${what}`);
          expectSame((isMax ? argmax : argmin)(x).reshape(1), [all.index], `arg${name}() ${what}`);
        }
      }
    }
  });
});

// ---------------------------------------------------------------- matmul

/** C = A·B in float64 (products of these values never overflow float32: no FMAX here). */
function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const c: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c.push(k === 0 ? 0 : s);
    }
  }
  return c;
}

describe('matmul / mm / bmm', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 3, 3], [1, 17, 3], [17, 3, 17], [5, 129, 3], [33, 17, 129], [129, 5, 1]];
  const MM_SPECIALS = [NaN, Infinity, -Infinity];

  it('a special in A poisons its row (Inf·0 = NaN, Inf - Inf = NaN), in B its column', () => {
    const rng = mulberry32(7);
    for (const [m, k, n] of shapes) {
      // ordinary values with some exact zeros (Inf·0) and -0, subnormals
      const base = (len: number) => Float32Array.from({ length: len }, (_, i) =>
        i % 7 === 3 ? 0 : i % 11 === 5 ? -0 : i % 13 === 6 ? DENORM : Math.round((rng() * 4 - 2) * 8) / 8);
      const positions = (len: number) => [...new Set([0, Math.floor(len / 2), len - 1, Math.floor(len / 3)])];
      for (const s of MM_SPECIALS) {
        for (const which of ['A', 'B'] as const) {
          for (const p of positions(which === 'A' ? m * k : k * n)) {
            const a = base(m * k), b = base(k * n);
            (which === 'A' ? a : b)[p] = s;
            // a second, opposite infinity elsewhere, so Inf - Inf happens too
            if (s === Infinity && which === 'A' && m * k > 2) a[(p + 1) % (m * k)] = -Infinity;
            const expected = matmulRef(a, b, m, k, n).map(f);
            const what = `${m}x${k}x${n} ${which}[${p}] = ${s}`;
            const A = tensor(a).reshape(m, k), B = tensor(b).reshape(k, n);
            expectSame(mm(A, B), expected, `mm ${what}`, { atol: 1e-5, rtol: 1e-5 });
            expectSame(matmul(A, B), expected, `matmul ${what}`, { atol: 1e-5, rtol: 1e-5 });
            // transposed operand (strided gemm), and batched
            expectSame(mm(A.t().contiguous().t(), B), expected, `mm transposed A ${what}`, { atol: 1e-5, rtol: 1e-5 });
            expectSame(bmm(A.unsqueeze(0).expand(2, m, k).contiguous(), B.unsqueeze(0).expand(2, k, n).contiguous()),
              [...expected, ...expected], `bmm ${what}`, { atol: 1e-5, rtol: 1e-5 });
          }
        }
      }
    }
  });

  it('linear (GEMM with the bias fused): a special in x poisons its row, in the bias its column', () => {
    const x = [[1, 2, 3], [NaN, 0, 0], [Infinity, 0, 1], [0.5, -1, 2]];
    const wt = [[1, 0, -1], [0, 0, 0], [2, 1, 0.5]];
    for (const b of [[0, 0, 0], [Infinity, NaN, -Infinity], [-0, 1, FMAX]]) {
      const expected = x.flatMap((r) => wt.map((wr, j) => f(r.reduce((s, v, p) => s + v * wr[p]!, 0) + b[j]!)));
      expectSame(F.linear(tensor(x), tensor(wt), tensor(b)), expected, `linear, bias ${show(b)}`, { atol: 1e-6, rtol: 1e-6 });
    }
  });

  it('matrix-vector and NaN in one row only', () => {
    const a = tensor([[1, 2, 3], [NaN, 0, 0], [Infinity, 0, 1], [-0, -0, -0]]);
    const v = tensor([0, 1, -1]);
    // Inf * 0 = NaN; (-0)(0) + (-0)(1) + (-0)(-1) = -0 + -0 + 0 = 0
    expectSame(matmul(a, v), [-1, NaN, NaN, 0], 'matmul [4,3]@[3]');
  });
});

// ---------------------------------------------------------------- softmax family

/** PyTorch's softmax / log_softmax of one row: m = max (NaN if any), e = exp(x - m), s = sum e. */
function softmaxRowRef(row: readonly number[], log: boolean): number[] {
  let m = -Infinity;
  for (const v of row) m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
  const d = row.map((v) => f(v - m)); // float32 difference: FMAX - (-FMAX) = Inf
  let s = 0;
  for (const v of d) s += Math.exp(v);
  return d.map((v) => (log ? v - Math.log(s) : Math.exp(v) / s));
}

describe('softmax / logSoftmax / crossEntropy', () => {
  const rowsOf = (cols: number): number[][] => {
    const rows = rotations(cols).map((v) => Array.from(v));
    rows.push(new Array(cols).fill(-Infinity)); // all -Inf: NaN like PyTorch
    rows.push(Array.from({ length: cols }, (_, i) => (i === cols - 1 ? -Infinity : i % 3))); // a -Inf logit: p = 0
    rows.push(Array.from({ length: cols }, (_, i) => (i === 0 ? Infinity : i))); // +Inf: NaN
    rows.push(Array.from({ length: cols }, (_, i) => (i % 2 ? FMAX : -FMAX)));
    return rows;
  };

  it('softmax and logSoftmax along the last dim and along dim 0', () => {
    for (const cols of SIZES) {
      const rows = rowsOf(cols);
      const x = tensor(rows);
      for (const log of [false, true]) {
        const name = log ? 'logSoftmax' : 'softmax';
        const expected = rows.flatMap((r) => softmaxRowRef(r, log)).map(f);
        const tol = { atol: 1e-6, rtol: 1e-5 };
        expectSame(log ? x.logSoftmax(1) : x.softmax(1), expected, `${name}(1) cols ${cols}`, tol);
        const moved = x.t().contiguous();
        const got = (log ? moved.logSoftmax(0) : moved.softmax(0)).t().contiguous();
        expectSame(got, expected, `${name}(0) cols ${cols}`, tol);
      }
    }
  });

  it('crossEntropy and nllLoss with Inf and NaN logits', () => {
    for (const cols of [1, 3, 17]) {
      const rows = rowsOf(cols);
      const targets = rows.map((_, i) => (i * 7) % cols);
      const logp = rows.map((r) => softmaxRowRef(r, true));
      const perRow = logp.map((l, i) => f(-l[targets[i]!]!));
      const x = tensor(rows);
      const t = ints(targets);
      const tol = { atol: 1e-5, rtol: 1e-5 };
      expectSame(F.crossEntropy(x, t, { reduction: 'none' }), perRow, `crossEntropy none cols ${cols}`, tol);
      expectSame(F.crossEntropy(x, t).reshape(1), [f(perRow.reduce((a, b) => a + b, 0) / rows.length)], `crossEntropy mean cols ${cols}`, tol);
      // rows without NaN only: a -Inf target logit gives +Inf loss
      const fin = rows.map((r, i) => [r, i] as const).filter(([, i]) => !Number.isNaN(perRow[i]!));
      const xf = tensor(fin.map(([r]) => r));
      const tf = ints(fin.map(([, i]) => targets[i]!));
      const sumRows = fin.reduce((a, [, i]) => a + perRow[i]!, 0);
      expectSame(F.crossEntropy(xf, tf, { reduction: 'sum' }).reshape(1), [f(sumRows)], `crossEntropy sum without NaN rows, cols ${cols}`, tol);
      const lp = tensor(logp.map((l) => l.map(f)));
      expectSame(F.nllLoss(lp, t, { reduction: 'none' }), perRow, `nllLoss none cols ${cols}`, tol);
    }
    const x = tensor([[-Infinity, 0, 1], [0, 0, 0]]);
    expectSame(F.crossEntropy(x, ints([0, 1]), { reduction: 'none' }), [Infinity, f(Math.log(3))], 'crossEntropy of a -Inf target logit', { rtol: 1e-6 });
  });
});

// ---------------------------------------------------------------- losses

describe('losses', () => {
  const vals = CYCLE;
  const n = vals.length;
  const inp = Float32Array.from({ length: n * n }, (_, i) => vals[Math.floor(i / n)]!);
  const tgt = Float32Array.from({ length: n * n }, (_, i) => vals[i % n]!);

  it('mseLoss and l1Loss over every pair', () => {
    const d = Array.from(inp, (x, i) => f(x - tgt[i]!));
    const mse = d.map((v) => f(v * v));
    const l1 = d.map((v) => Math.abs(v));
    expectSame(F.mseLoss(tensor(inp), tensor(tgt), { reduction: 'none' }), mse, 'mseLoss none');
    expectSame(F.l1Loss(tensor(inp), tensor(tgt), { reduction: 'none' }), l1, 'l1Loss none');
    expectSame(F.mseLoss(tensor(inp), tensor(tgt)).reshape(1), [NaN], 'mseLoss mean with a NaN');
    // without NaN pairs: Inf - Inf = NaN remains, so pick pairs that stay finite or infinite
    const keep = Array.from(inp.keys()).filter((i) => !Number.isNaN(d[i]!) && d[i] !== Infinity && d[i] !== -Infinity && Math.abs(d[i]!) < 1e19);
    const ki = Float32Array.from(keep, (i) => inp[i]!), kt = Float32Array.from(keep, (i) => tgt[i]!);
    expectSame(F.l1Loss(tensor(ki), tensor(kt), { reduction: 'sum' }).reshape(1), [f(keep.reduce((a, i) => a + l1[i]!, 0))], 'l1Loss sum', { rtol: 1e-6 });
    expectSame(F.mseLoss(tensor([Infinity, 1]), tensor([0, 1])).reshape(1), [Infinity], 'mseLoss mean of Inf');
    expectSame(F.mseLoss(tensor([FMAX, 0]), tensor([-FMAX, 0]), { reduction: 'none' }), [Infinity, 0], 'mseLoss overflow');
  });

  it('binaryCrossEntropyWithLogits: (1 - y) x - log_sigmoid(x), as PyTorch', () => {
    // log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)); (1 - y) * x is 0 * Inf = NaN at x = ±Inf, y = 1
    const logSigmoid = (x: number) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    for (const y of [0, 1, 0.5, 0.25]) {
      const x = Float32Array.from(CYCLE);
      const expected = Array.from(x, (v) => f((1 - y) * v - logSigmoid(v)));
      const got = F.binaryCrossEntropyWithLogits(tensor(x), tensor(new Float32Array(x.length).fill(y)), { reduction: 'none' });
      expectSame(got, expected, `bce with logits, y = ${y}`, { atol: 1e-6, rtol: 1e-6 });
    }
    const yNaN = F.binaryCrossEntropyWithLogits(tensor([1, -1]), tensor([NaN, 0.5]), { reduction: 'none' });
    expectSame(yNaN, [NaN, f(0.5 * -1 - logSigmoid(-1))], 'bce with a NaN target', { atol: 1e-6, rtol: 1e-6 });
  });
});

// ---------------------------------------------------------------- conv2d and pooling

/** conv2d in float64 over [c, h, w] with weight [o, c, kh, kw]: padded positions contribute nothing. */
function conv2dRef(x: ArrayLike<number>, wt: ArrayLike<number>, c: number, h: number, w: number, o: number, k: number,
  stride: number, pad: number): number[] {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1, ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const out: number[] = [];
  for (let oc = 0; oc < o; oc++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let ci = 0; ci < c; ci++) {
          for (let ki = 0; ki < k; ki++) {
            for (let kj = 0; kj < k; kj++) {
              const iy = oy * stride - pad + ki, ix = ox * stride - pad + kj;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += x[(ci * h + iy) * w + ix]! * wt[((oc * c + ci) * k + ki) * k + kj]!;
            }
          }
        }
        out.push(s);
      }
    }
  }
  return out;
}

/** Pooling of one [h, w] plane; `pick` folds a window's in-range values. */
function poolRef(x: ArrayLike<number>, h: number, w: number, k: number, stride: number, pad: number,
  pick: (vals: number[], idx: number[]) => number): number[] {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1, ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const out: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const vals: number[] = [], idx: number[] = [];
      for (let ki = 0; ki < k; ki++) {
        for (let kj = 0; kj < k; kj++) {
          const iy = oy * stride - pad + ki, ix = ox * stride - pad + kj;
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) { vals.push(x[iy * w + ix]!); idx.push(iy * w + ix); }
        }
      }
      out.push(pick(vals, idx));
    }
  }
  return out;
}

/** PyTorch max_pool2d: start at -Inf; replace on `v > best || isnan(v)` (so the last NaN wins). */
function maxPoolPick(vals: number[], idx: number[], wantIndex: boolean): number {
  let best = -Infinity, bi = idx[0]!;
  vals.forEach((v, i) => {
    if (v > best || Number.isNaN(v)) { best = v; bi = idx[i]!; }
  });
  return wantIndex ? bi : best;
}

describe('conv2d and pooling', () => {
  const c = 2, h = 5, w = 5;
  const plane = (s: number, p: number) => Float32Array.from({ length: c * h * w }, (_, i) => (i === p ? s : ((i * 7) % 11) / 4 - 1));

  it('conv2d: a special input poisons every output whose window covers it (also through a zero weight)', () => {
    const o = 3, k = 3;
    const wt = Float32Array.from({ length: o * c * k * k }, (_, i) => (i % 5 === 2 ? 0 : ((i * 3) % 7) / 3 - 1));
    for (const [stride, pad] of [[1, 1], [2, 0], [1, 0]] as const) {
      for (const s of [NaN, Infinity, -Infinity]) {
        for (let p = 0; p < c * h * w; p++) {
          const x = plane(s, p);
          const expected = conv2dRef(x, wt, c, h, w, o, k, stride, pad).map(f);
          const got = F.conv2d(tensor(x).reshape(1, c, h, w), tensor(wt).reshape(o, c, k, k), null, { stride, padding: pad });
          expectSame(got, expected, `conv2d stride ${stride} pad ${pad}, x[${p}] = ${s}`, { atol: 1e-5, rtol: 1e-5 });
        }
        // a special bias fills its output channel
        const bias = [1, s, -0.5];
        const x = plane(1, 0);
        const per = conv2dRef(x, wt, c, h, w, o, k, stride, pad);
        const expected = per.map((v, i) => f(v + bias[Math.floor(i / (per.length / o))]!));
        const got = F.conv2d(tensor(x).reshape(1, c, h, w), tensor(wt).reshape(o, c, k, k), tensor(bias), { stride, padding: pad });
        expectSame(got, expected, `conv2d stride ${stride} pad ${pad}, bias ${s}`, { atol: 1e-5, rtol: 1e-5 });
      }
    }
  });

  it('maxPool2d: NaN wins; the gradient goes to the last NaN of the window', () => {
    for (const [k, stride, pad] of [[2, 2, 0], [3, 1, 1], [3, 2, 1]] as const) {
      for (const s of [...SPECIALS]) {
        for (let p = 0; p < c * h * w; p++) {
          const v = plane(s, p);
          v[(p + 6) % v.length] = NaN; // a second NaN, sometimes in the same window
          const x = tensor(v).reshape(1, c, h, w).requiresGrad_(true);
          const y = F.maxPool2d(x, k, stride, pad);
          const vals: number[] = [], dx = new Array<number>(v.length).fill(0);
          for (let ci = 0; ci < c; ci++) {
            const pl = v.subarray(ci * h * w, (ci + 1) * h * w);
            vals.push(...poolRef(pl, h, w, k, stride, pad, (vs, is) => maxPoolPick(vs, is, false)));
            for (const i of poolRef(pl, h, w, k, stride, pad, (vs, is) => maxPoolPick(vs, is, true))) dx[ci * h * w + i]! += 1;
          }
          const what = `maxPool2d k ${k} s ${stride} p ${pad}, x[${p}] = ${s}`;
          expectSame(y, vals, what);
          expectSame(grad(y.sum(), [x])[0]!, dx, `${what} (gradient)`);
        }
      }
    }
  });

  it('avgPool2d: NaN and Inf - Inf poison their windows', () => {
    for (const [k, stride, pad] of [[2, 2, 0], [3, 1, 1]] as const) {
      for (const s of [NaN, Infinity, -Infinity]) {
        for (let p = 0; p < c * h * w; p++) {
          const v = plane(s, p);
          if (s === Infinity) v[(p + 1) % v.length] = -Infinity;
          const expected: number[] = [];
          for (let ci = 0; ci < c; ci++) {
            expected.push(...poolRef(v.subarray(ci * h * w, (ci + 1) * h * w), h, w, k, stride, pad, (vs) => f(vs.reduce((a, b) => a + b, 0) / (k * k))));
          }
          expectSame(F.avgPool2d(tensor(v).reshape(1, c, h, w), k, stride, pad), expected, `avgPool2d k ${k}, x[${p}] = ${s}`, { atol: 1e-6, rtol: 1e-6 });
        }
      }
    }
  });
});

// ---------------------------------------------------------------- normalisation

describe('batchNorm / layerNorm', () => {
  const normRef = (vals: number[], eps: number): number[] => {
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const v = vals.reduce((a, b) => a + (b - m) * (b - m), 0) / vals.length;
    return vals.map((x) => (x - m) / Math.sqrt(v + eps));
  };

  it('a special value in a channel (training) or a row (layerNorm) makes all of it NaN; eval only the element', () => {
    const n = 3, c = 2, l = 5;
    for (const s of [NaN, Infinity, -Infinity]) {
      for (let p = 0; p < n * c * l; p++) {
        const v = Float32Array.from({ length: n * c * l }, (_, i) => (i === p ? s : ((i * 5) % 9) / 3 - 1));
        const x = tensor(v).reshape(n, c, l);
        // batchNorm, training: per channel over n and l
        const exp = new Array<number>(v.length);
        for (let ci = 0; ci < c; ci++) {
          const idx: number[] = [];
          for (let b = 0; b < n; b++) for (let j = 0; j < l; j++) idx.push((b * c + ci) * l + j);
          normRef(idx.map((i) => v[i]!), 1e-5).forEach((y, q) => (exp[idx[q]!] = f(y)));
        }
        expectSame(F.batchNorm(x, null, null, null, null, true), exp, `batchNorm training, x[${p}] = ${s}`, { atol: 1e-5, rtol: 1e-5 });
        // eval: running mean 0.5, var 2
        const evalExp = Array.from(v, (x) => f((x - 0.5) / Math.sqrt(2 + 1e-5)));
        expectSame(F.batchNorm(x, tensor([0.5, 0.5]), tensor([2, 2])), evalExp, `batchNorm eval, x[${p}] = ${s}`, { atol: 1e-5, rtol: 1e-5 });
        // layerNorm over the last dim
        const lnExp: number[] = [];
        for (let r = 0; r < n * c; r++) lnExp.push(...normRef(Array.from(v.subarray(r * l, (r + 1) * l)), 1e-5).map(f));
        expectSame(F.layerNorm(x, l), lnExp, `layerNorm, x[${p}] = ${s}`, { atol: 1e-5, rtol: 1e-5 });
      }
    }
  });
});

// ---------------------------------------------------------------- gradients

describe('gradients at NaN and ±Inf', () => {
  const x0 = [NaN, Infinity, -Infinity, -0, 0, DENORM, -DENORM, FMAX, -FMAX, 1, -2.5];
  /** d(sum(fn(x)))/dx with backward's fused kernels (createGraph off) and with the composite rules (on). */
  const grads = (fn: (x: Tensor) => Tensor, vals: readonly number[], cot?: readonly number[]): Tensor[] => [false, true].map((createGraph) => {
    const x = tensor(Float32Array.from(vals), { requiresGrad: true });
    const y = fn(x);
    const out = cot ? y.mul(tensor(Float32Array.from(cot))).sum() : y.sum();
    return grad(out, [x], { createGraph })[0]!.detach();
  });

  it('relu: threshold_backward passes the gradient where the result is NaN or > 0', () => {
    for (const n of SIZES) {
      for (const v of rotations(n)) {
        const expected = Array.from(v, (x) => (Number.isNaN(x) || x > 0 ? 1 : 0));
        for (const g of grads((x) => x.relu(), Array.from(v))) expectSame(g, expected, `relu backward ${show(v)}`);
      }
    }
    // a NaN upstream gradient where the result is <= 0 gives 0 (a select, not a multiply)
    const cot = [NaN, NaN, 2, NaN];
    for (const g of grads((x) => x.relu(), [-1, NaN, 3, 0], cot)) expectSame(g, [0, NaN, 2, 0], 'relu backward of a NaN gradient');
  });

  it('abs (sgn(NaN) = 0), clamp (0 outside the bounds and at NaN), sqrt, log, sigmoid, tanh, exp', () => {
    const sgn = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    for (const g of grads((x) => x.abs(), x0)) expectSame(g, x0.map(sgn), 'abs backward');
    for (const g of grads((x) => x.clamp(-1, 1), x0)) expectSame(g, x0.map((x) => (x >= -1 && x <= 1 ? 1 : 0)), 'clamp backward');
    // clamp's backward is a select: a NaN gradient outside the bounds (or at a NaN input) gives 0
    const nanCot = x0.map(() => NaN);
    for (const g of grads((x) => x.clamp(-1, 1), x0, nanCot)) expectSame(g, x0.map((x) => (x >= -1 && x <= 1 ? NaN : 0)), 'clamp backward of a NaN gradient');
    for (const g of grads((x) => x.sqrt(), x0)) expectSame(g, x0.map((x) => f(1 / (2 * f(Math.sqrt(x))))), 'sqrt backward', { rtol: 1e-6 });
    for (const g of grads((x) => x.log(), x0)) expectSame(g, x0.map((x) => f(1 / x)), 'log backward', { rtol: 1e-6 });
    for (const g of grads((x) => x.exp(), x0)) expectSame(g, x0.map((x) => f(Math.exp(x))), 'exp backward', { atol: 1e-6, rtol: 2e-6 });
    const sig = (x: number) => f(1 / (1 + Math.exp(-x)));
    for (const g of grads((x) => x.sigmoid(), x0)) expectSame(g, x0.map((x) => f(sig(x) * f(1 - sig(x)))), 'sigmoid backward', { atol: 1e-6, rtol: 1e-5 });
    for (const g of grads((x) => x.tanh(), x0)) expectSame(g, x0.map((x) => f(1 - f(Math.tanh(x)) ** 2)), 'tanh backward', { atol: 1e-6, rtol: 1e-5 });
  });

  it('maximum / minimum: at a NaN both inputs get the whole gradient; ties split it', () => {
    const a = [NaN, 1, NaN, 2, Infinity, -0, 3];
    const b = [1, NaN, NaN, 2, Infinity, 0, -Infinity];
    for (const createGraph of [false, true]) {
      for (const [fn, name] of [[maximum, 'maximum'], [minimum, 'minimum']] as const) {
        const ta = tensor(a, { requiresGrad: true }), tb = tensor(b, { requiresGrad: true });
        const [ga, gb] = grad(fn(ta, tb).sum(), [ta, tb], { createGraph });
        const win = (x: number, y: number) => (x === y ? 0.5 : (name === 'maximum' ? x < y : x > y) ? 0 : 1);
        expectSame(ga!, a.map((x, i) => win(x, b[i]!)), `${name} backward, first`);
        expectSame(gb!, b.map((y, i) => win(y, a[i]!)), `${name} backward, second`);
        // a select: the losing input gets 0 even from a NaN gradient
        const ua = tensor([1, 3], { requiresGrad: true }), ub = tensor([2, 2], { requiresGrad: true });
        const [gna, gnb] = grad(fn(ua, ub).mul(tensor([NaN, NaN])).sum(), [ua, ub], { createGraph });
        expectSame(gna!, name === 'maximum' ? [0, NaN] : [NaN, 0], `${name} backward of a NaN gradient, first`);
        expectSame(gnb!, name === 'maximum' ? [NaN, 0] : [0, NaN], `${name} backward of a NaN gradient, second`);
      }
    }
  });

  it('pow: exponent 0 has gradient 0 even at x = 0, x = NaN or for a NaN gradient; d/de is g * x^e * log x, 0 at x = 0', () => {
    for (const createGraph of [false, true]) {
      const x = tensor([0, 0, 2, NaN, -0], { requiresGrad: true }), e = tensor([0, 2, 0, 0, 3], { requiresGrad: true });
      const [gx, ge] = grad(pow(x, e).sum(), [x, e], { createGraph });
      expectSame(gx!, [0, 0, 0, 0, 0], 'pow(x, e) backward to x');
      expectSame(ge!, [0, 0, f(Math.log(2)), NaN, 0], 'pow(x, e) backward to e', { rtol: 1e-6 });
      const s = tensor([0, NaN, Infinity, 2], { requiresGrad: true });
      expectSame(grad(s.pow(0).mul(tensor([1, 1, NaN, Infinity])).sum(), [s], { createGraph })[0]!, [0, 0, 0, 0], 'pow(x, 0) backward');
      expectSame(grad(s.pow(2).sum(), [s], { createGraph })[0]!, [0, NaN, Infinity, 4], 'pow(x, 2) backward');
    }
  });

  it('max / min / amax with NaN: max() splits among the NaNs, amax() is NaN everywhere, max(dim) picks the first NaN', () => {
    const v = [1, NaN, 3, NaN, -Infinity];
    for (const createGraph of [false, true]) {
      const x = tensor(v, { requiresGrad: true });
      expectSame(grad(max(x), [x], { createGraph })[0]!, [0, 0.5, 0, 0.5, 0], 'max() backward');
      expectSame(grad(min(x), [x], { createGraph })[0]!, [0, 0.5, 0, 0.5, 0], 'min() backward');
      expectSame(grad(amax(x), [x], { createGraph })[0]!, [NaN, NaN, NaN, NaN, NaN], 'amax() backward');
      expectSame(grad(max(x.reshape(1, 5), 1).values.sum(), [x], { createGraph })[0]!, [0, 1, 0, 0, 0], 'max(1) backward');
      // ties without NaN: max() splits evenly, amax() too
      const t = tensor([2, 5, 5, -Infinity], { requiresGrad: true });
      expectSame(grad(max(t), [t], { createGraph })[0]!, [0, 0.5, 0.5, 0], 'max() ties');
      expectSame(grad(amax(t), [t], { createGraph })[0]!, [0, 0.5, 0.5, 0], 'amax() ties');
    }
  });

  it('softmax / logSoftmax backward through a NaN row and an Inf row', () => {
    for (const createGraph of [false, true]) {
      const x = tensor([[1, NaN, 2], [0, Infinity, 1], [0, 1, 2]], { requiresGrad: true });
      const cot = tensor([[1, 2, 3], [1, 2, 3], [1, 0, 0]]);
      const [g] = grad(x.softmax(1).mul(cot).sum(), [x], { createGraph });
      const s = softmaxRowRef([0, 1, 2], false);
      const dot = s[0]!;
      expectSame(g!, [NaN, NaN, NaN, NaN, NaN, NaN, ...s.map((p, i) => f(p * ((i === 0 ? 1 : 0) - dot)))], 'softmax backward', { atol: 1e-6, rtol: 1e-5 });
      const [gl] = grad(x.logSoftmax(1).mul(cot).sum(), [x], { createGraph });
      expectSame(gl!, [NaN, NaN, NaN, NaN, NaN, NaN, ...s.map((p, i) => f((i === 0 ? 1 : 0) - p))], 'logSoftmax backward', { atol: 1e-6, rtol: 1e-5 });
    }
  });
});
