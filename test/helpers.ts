/**
 * Shared test helpers: seeded inputs (own PRNG, independent of the library's generator), non-contiguous
 * input makers, a tolerant comparison with readable failures, tiny float64 reference implementations, and
 * `checkOp`, a one-line-per-op gradcheck + forward-reference check in the spirit of tinygrad's
 * helper_test_op; plus heap buffers for the kernel tests and a check that the library still works.
 */
import { expect } from 'vitest';
import { heap } from '../src/backends/memory.js';
import { enableGrad, grad, gradcheck, matmul, ones, tensor, Tensor } from '../src/index.js';

// ---------------------------------------------------------------- seeded values

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rng = mulberry32(1234);

/** Reseeds the helpers' generator (checkOp reseeds from the op name, so cases do not depend on order). */
export function seed(s: number): void {
  rng = mulberry32(s);
}

/** A stable 32-bit hash of a string (FNV-1a). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export type Range = readonly [number, number];

/** `n` uniform values in [lo, hi) drawn from `random` (e.g. a mulberry32), rounded to float32. */
export function randArray(random: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

/** `n` uniform values in [lo, hi) from the helpers' generator, rounded to float32. */
export function uniformValues(n: number, range: Range = [-1, 1]): Float32Array {
  return randArray(rng, n, range[0], range[1]);
}

/**
 * Values bounded away from 0 in magnitude: |v| in [lo, hi) with a random sign. Used where an op has a
 * kink at 0 (relu, abs) or a pole (div).
 */
export function awayFromZero(n: number, lo = 0.2, hi = 1.5): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng());
  return out;
}

/** Distinct values (a shuffled, jittered grid spaced >= `gap`), so max/min never tie within eps. */
export function distinctValues(n: number, gap = 0.05): Float32Array {
  const out = new Float32Array(n);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  for (let i = 0; i < n; i++) out[i] = (perm[i]! - n / 2) * gap + rng() * gap * 0.2;
  return out;
}

/** The number of elements of `shape` (1 for a scalar). */
export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export interface InputOptions {
  range?: Range;
  /** Explicit values (row-major), overriding range. */
  values?: ArrayLike<number>;
  requiresGrad?: boolean;
}

/** A contiguous float32 leaf of `shape` with seeded values. */
export function makeInput(shape: readonly number[], opts: InputOptions = {}): Tensor {
  const n = numelOf(shape);
  const vals = opts.values !== undefined ? Float32Array.from(opts.values) : uniformValues(n, opts.range);
  if (vals.length !== n) throw new Error(`makeInput: ${vals.length} values for shape [${shape.join(', ')}]`);
  const t = tensor(vals).reshape([...shape]).clone();
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export type NonContigKind = 'transpose' | 'permute' | 'narrow' | 'strided';

/**
 * A non-contiguous float32 leaf of `shape` (its own view of a bigger or differently laid out buffer):
 * - transpose: stored as the shape with its last two dims swapped, then `.transpose(-1, -2)`;
 * - permute: stored with the dims reversed, then `.permute(...)` back;
 * - narrow: a slice of a buffer one larger in dim 0 (and in the last dim, so it is really non-contiguous);
 * - strided: every other element of the last dim (`[..., 2].select(-1, 0)`).
 * Kinds that cannot make a non-contiguous view for this shape (too few dims) fall back to 'strided'.
 * Values are row-major over `shape` as with makeInput.
 */
export function nonContiguous(shape: readonly number[], kind: NonContigKind = 'transpose', opts: InputOptions = {}): Tensor {
  const n = numelOf(shape);
  const vals = opts.values !== undefined ? Float32Array.from(opts.values) : uniformValues(n, opts.range);
  const logical = tensor(vals).reshape([...shape]);
  const nd = shape.length;
  let k: NonContigKind = kind;
  if (nd < 2 && (k === 'transpose' || k === 'permute' || k === 'narrow')) k = 'strided';
  let view: Tensor;
  if (k === 'transpose') {
    const stored = logical.transpose(-1, -2).contiguous().clone(); // memory layout of the swapped shape
    view = stored.transpose(-1, -2);
  } else if (k === 'permute') {
    const rev = shape.map((_, i) => nd - 1 - i);
    const stored = logical.permute(rev).contiguous().clone();
    view = stored.permute(rev);
  } else if (k === 'narrow') {
    const big = tensor(uniformValues(numelOf([shape[0]! + 1, ...shape.slice(1, -1), shape[nd - 1]! + 1]), [-9, 9]))
      .reshape([shape[0]! + 1, ...shape.slice(1, -1), shape[nd - 1]! + 1])
      .clone();
    view = big.narrow(0, 1, shape[0]!).narrow(-1, 0, shape[nd - 1]!);
    view.copy_(logical);
  } else {
    const big = tensor(uniformValues(n * 2, [-9, 9])).reshape([...shape, 2]).clone();
    view = big.select(-1, 0);
    view.copy_(logical);
  }
  if (n > 1 && view.isContiguous()) throw new Error(`nonContiguous: ${k} view of [${shape.join(', ')}] is contiguous`);
  if (opts.requiresGrad) view.requiresGrad_(true);
  return view;
}

// ---------------------------------------------------------------- comparison

/** Plain numbers of a tensor / array / scalar. */
export function valuesOf(v: Tensor | ArrayLike<number> | number | NDArray): number[] {
  if (typeof v === 'number') return [v];
  if (v instanceof Tensor) return Array.from(v.toArray());
  if (isND(v)) return Array.from(v.data);
  return Array.from(v);
}

function shapeOf(v: unknown): readonly number[] | null {
  if (v instanceof Tensor) return v.shape;
  if (isND(v)) return v.shape;
  return null;
}

export interface Tolerance {
  atol?: number;
  rtol?: number;
  /** Prefix of the failure message. */
  what?: string;
  /** -0 and 0 differ (where expected is a zero, actual must be the same zero). */
  signedZeros?: boolean;
}

/**
 * Throws unless every |actual - expected| <= atol + rtol * |expected|. NaN must match NaN, and infinities
 * must match exactly. Shapes are compared when both sides carry one. A null actual (e.g. a missing
 * gradient) fails.
 */
export function expectClose(
  actual: Tensor | ArrayLike<number> | number | NDArray | null,
  expected: Tensor | ArrayLike<number> | number | NDArray,
  tol: Tolerance = {},
): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-4;
  const what = tol.what ? `${tol.what}: ` : '';
  if (actual === null) throw new Error(`${what}actual is null`);
  const sa = shapeOf(actual), se = shapeOf(expected);
  if (sa !== null && se !== null && (sa.length !== se.length || sa.some((s, i) => s !== se[i]))) {
    throw new Error(`${what}shape mismatch: actual [${sa.join(', ')}] vs expected [${se.join(', ')}]`);
  }
  const a = valuesOf(actual), e = valuesOf(expected);
  if (a.length !== e.length) throw new Error(`${what}length mismatch: actual ${a.length} vs expected ${e.length}`);
  const bad: string[] = [];
  let nBad = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = e[i]!;
    let ok: boolean;
    if (Number.isNaN(y)) ok = Number.isNaN(x);
    else if (!Number.isFinite(y)) ok = x === y;
    else if (y === 0 && tol.signedZeros) ok = Object.is(x, y);
    else {
      const d = Math.abs(x - y);
      ok = d <= atol + rtol * Math.abs(y);
      if (Number.isFinite(d)) worst = Math.max(worst, d);
    }
    if (!ok) {
      nBad++;
      if (bad.length < 8) bad.push(`  [${i}] actual ${x} expected ${y} (diff ${Math.abs(x - y)}, allowed ${atol + rtol * Math.abs(y)})`);
    }
  }
  if (nBad > 0) {
    throw new Error(
      `${what}${nBad} of ${a.length} values differ (atol ${atol}, rtol ${rtol}; max finite abs diff ${worst}):\n${bad.join('\n')}`,
    );
  }
}

// ---------------------------------------------------------------- float64 references

export interface NDArray {
  shape: number[];
  data: Float64Array;
}

function isND(v: unknown): v is NDArray {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && 'shape' in v && 'data' in v;
}

export function nd(shape: readonly number[], data: ArrayLike<number>): NDArray {
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function fromTensor(t: Tensor): NDArray {
  return nd(t.shape, t.toArray());
}

/** Row-major (contiguous) element strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const nd_ = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < nd_; i++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[s.length - nd_ + i] ?? 1;
      if (v !== 1) {
        if (size !== 1 && size !== v) throw new Error(`broadcastShape: [${shapes.map((x) => x.join(',')).join('] [')}]`);
        size = v;
      }
    }
    out.push(size);
  }
  return out;
}

/** Elementwise f over broadcast operands (numbers are scalars). */
export function bmap(f: (...v: number[]) => number, ...args: (NDArray | number)[]): NDArray {
  const arrs = args.map((a) => (typeof a === 'number' ? nd([], [a]) : a));
  const shape = broadcastShape(...arrs.map((a) => a.shape));
  const n = numelOf(shape);
  const out = new Float64Array(n);
  const bstr = arrs.map((a) => {
    const s = contiguousStrides(a.shape);
    const lead = shape.length - a.shape.length;
    return shape.map((_, i) => (i < lead || a.shape[i - lead] === 1 ? 0 : s[i - lead]!));
  });
  const vals = new Array<number>(arrs.length);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    for (let k = 0; k < arrs.length; k++) {
      let off = 0;
      for (let d = 0; d < shape.length; d++) off += idx[d]! * bstr[k]![d]!;
      vals[k] = arrs[k]!.data[off]!;
    }
    out[i] = f(...vals);
  }
  return { shape, data: out };
}

function normDim(d: number, ndim: number): number {
  return d < 0 ? d + ndim : d;
}

/** Reduction over dims (all when null) with sum / mean / max / min. */
export function reduceND(a: NDArray, dims: number | readonly number[] | null, keepdim: boolean, op: 'sum' | 'mean' | 'max' | 'min'): NDArray {
  const ds = dims === null ? a.shape.map((_, i) => i) : (typeof dims === 'number' ? [dims] : [...dims]).map((d) => normDim(d, a.shape.length));
  const kept = a.shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const outShape = keepdim ? kept : a.shape.filter((_, i) => !ds.includes(i));
  const n = numelOf(kept);
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  const out = new Float64Array(n).fill(init);
  const cnt = ds.reduce((c, d) => c * a.shape[d]!, 1);
  const ks = contiguousStrides(kept);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    let o = 0;
    for (let d = 0; d < idx.length; d++) o += (ds.includes(d) ? 0 : idx[d]!) * ks[d]!;
    const v = a.data[i]!;
    if (op === 'max') out[o] = Number.isNaN(v) || Number.isNaN(out[o]!) ? NaN : Math.max(out[o]!, v);
    else if (op === 'min') out[o] = Number.isNaN(v) || Number.isNaN(out[o]!) ? NaN : Math.min(out[o]!, v);
    else out[o] = out[o]! + v;
  }
  if (op === 'mean') for (let i = 0; i < n; i++) out[i] = out[i]! / cnt;
  return { shape: outShape, data: out };
}

/** y.shape[i] = x.shape[p[i]]. */
export function permuteND(a: NDArray, p: readonly number[]): NDArray {
  const shape = p.map((d) => a.shape[d]!);
  const s = contiguousStrides(a.shape);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let off = 0;
    for (let k = 0; k < p.length; k++) off += idx[k]! * s[p[k]!]!;
    out[i] = a.data[off]!;
  }
  return { shape, data: out };
}

export function transposeND(a: NDArray, d0: number, d1: number): NDArray {
  const nd_ = a.shape.length;
  const x = normDim(d0, nd_), y = normDim(d1, nd_);
  return permuteND(a, a.shape.map((_, i) => (i === x ? y : i === y ? x : i)));
}

export function reshapeND(a: NDArray, shape: readonly number[]): NDArray {
  return { shape: [...shape], data: a.data };
}

/** matmul with PyTorch's rules (1-D promotion, broadcast batch dims). */
export function matmulND(a: NDArray, b: NDArray): NDArray {
  const a2 = a.shape.length === 1 ? reshapeND(a, [1, a.shape[0]!]) : a;
  const b2 = b.shape.length === 1 ? reshapeND(b, [b.shape[0]!, 1]) : b;
  const m = a2.shape[a2.shape.length - 2]!, k = a2.shape[a2.shape.length - 1]!, n = b2.shape[b2.shape.length - 1]!;
  if (b2.shape[b2.shape.length - 2] !== k) throw new Error('matmulND: inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const nb = numelOf(batch);
  const out = new Float64Array(nb * m * n);
  const bidx = (arr: NDArray, t: number): number => {
    const bs = arr.shape.slice(0, -2);
    const idx = unravel(t, batch);
    const lead = batch.length - bs.length;
    let off = 0;
    const s = contiguousStrides(bs);
    for (let d = 0; d < bs.length; d++) off += (bs[d] === 1 ? 0 : idx[d + lead]!) * s[d]!;
    return off;
  };
  for (let t = 0; t < nb; t++) {
    const ao = bidx(a2, t) * m * k, bo = bidx(b2, t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += a2.data[ao + i * k + q]! * b2.data[bo + q * n + j]!;
        out[t * m * n + i * n + j] = acc;
      }
    }
  }
  let shape = [...batch, m, n];
  if (a.shape.length === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data: out };
}

/** softmax / logSoftmax along dim, float64 with max subtraction. */
export function softmaxND(a: NDArray, dim: number, log = false): NDArray {
  const nd_ = a.shape.length;
  const d = nd_ === 0 ? 0 : normDim(dim, nd_);
  const r = nd_ === 0 ? 1 : a.shape[d]!;
  const outer = numelOf(a.shape.slice(0, d));
  const inner = numelOf(a.shape.slice(d + 1));
  const out = new Float64Array(a.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => o * r * inner + j * inner + i;
      let m = -Infinity;
      for (let j = 0; j < r; j++) m = Math.max(m, a.data[at(j)]!);
      let s = 0;
      for (let j = 0; j < r; j++) s += Math.exp(a.data[at(j)]! - m);
      for (let j = 0; j < r; j++) out[at(j)] = log ? a.data[at(j)]! - m - Math.log(s) : Math.exp(a.data[at(j)]! - m) / s;
    }
  }
  return { shape: [...a.shape], data: out };
}

/** Direct float64 conv2d, NCHW, weight [O, C, kH, kW]. */
export function conv2dND(x: NDArray, w: NDArray, b: NDArray | null, stride = 1, padding = 0): NDArray {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const OH = Math.floor((H + 2 * padding - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * padding - KW) / stride) + 1;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = b ? b.data[o]! : 0;
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - padding + kh, iw = ow * stride - padding + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += x.data[((n * C + c) * H + ih) * W + iw]! * w.data[((o * C + c) * KH + kh) * KW + kw]!;
              }
          out[((n * O + o) * OH + oh) * OW + ow] = acc;
        }
  return { shape: [N, O, OH, OW], data: out };
}

/** float64 max pooling over the last two dims (no padding). */
export function maxPool2dND(x: NDArray, k: number, stride = k): NDArray {
  const H = x.shape[x.shape.length - 2]!, W = x.shape[x.shape.length - 1]!;
  const planes = x.data.length / (H * W);
  const OH = Math.floor((H - k) / stride) + 1, OW = Math.floor((W - k) / stride) + 1;
  const out = new Float64Array(planes * OH * OW);
  for (let p = 0; p < planes; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, x.data[p * H * W + (oh * stride + i) * W + ow * stride + j]!);
        out[(p * OH + oh) * OW + ow] = m;
      }
  return { shape: [...x.shape.slice(0, -2), OH, OW], data: out };
}

// ---------------------------------------------------------------- checkOp

export interface CheckOpOptions {
  /** Value range of every input, or one per input (undefined entries use the default [-1, 1]). */
  range?: Range | readonly (Range | undefined)[];
  /** Explicit values per input (row-major); entries left undefined are random. */
  values?: readonly (ArrayLike<number> | undefined)[];
  /** Make inputs non-contiguous: true ('transpose'), a kind, or one setting per input. */
  nonContiguous?: boolean | NonContigKind | readonly (boolean | NonContigKind | undefined)[];
  /** Which float inputs require grad (default: all made from shapes). */
  requiresGrad?: readonly boolean[];
  /** float64 plain-JS reference of the forward, given every input's values (float64). */
  ref?: (...xs: NDArray[]) => NDArray | number;
  /** gradcheck tolerances (library defaults: eps 1e-3, atol 1e-3, rtol 1e-2). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Forward-vs-reference tolerances (default atol 1e-5, rtol 1e-4). */
  fwdAtol?: number;
  fwdRtol?: number;
  /** Skip gradcheck (forward-only check). */
  noGradcheck?: boolean;
}

type InputSpec = readonly number[] | Tensor;

function perInput<T>(v: T | readonly (T | undefined)[] | undefined, i: number, isList: (x: unknown) => boolean): T | undefined {
  if (v === undefined) return undefined;
  return isList(v) ? (v as readonly (T | undefined)[])[i] : (v as T);
}

/**
 * Builds one input per shape (seeded from `name`; Tensors in `shapes` are passed through as they are,
 * e.g. int32 indices or bool masks), then
 *   1. runs `fn` and compares its values with `ref` (float64) when given;
 *   2. gradchecks `fn` with respect to every generated input.
 * Errors are prefixed with `name`.
 */
export function checkOp(name: string, fn: (...xs: Tensor[]) => Tensor, shapes: readonly InputSpec[], opts: CheckOpOptions = {}): void {
  const inputs = buildInputs(name, shapes, opts);
  try {
    if (opts.ref) {
      const refIn = inputs.map((t) => fromTensor(t));
      const expected = opts.ref(...refIn);
      const out = fn(...inputs);
      expectClose(out, typeof expected === 'number' ? nd([], [expected]) : expected, {
        atol: opts.fwdAtol ?? 1e-5,
        rtol: opts.fwdRtol ?? 1e-4,
        what: 'forward vs float64 reference',
      });
    }
    if (!opts.noGradcheck) {
      gradcheck(fn, inputs, { eps: opts.eps, atol: opts.atol, rtol: opts.rtol });
    }
  } catch (e) {
    throw annotate(e, name, shapes);
  }
}

/** A fixed deterministic cotangent of `shape` (values in [-1, 1]). */
export function fixedCotangent(shape: readonly number[]): Tensor {
  const n = numelOf(shape);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 1.7 + 0.3);
  return tensor(v).reshape([...shape]).clone();
}

/**
 * Second-order check: gradchecks xs -> d/dxs sum(fn(xs) * R) built with createGraph, i.e. checks that the
 * backward rules are themselves correctly differentiable. `fn` must be non-linear in every input (else
 * its gradient is a constant that does not require grad).
 */
export function checkGradGrad(name: string, fn: (...xs: Tensor[]) => Tensor, shapes: readonly InputSpec[], opts: CheckOpOptions = {}): void {
  const inputs = buildInputs(name, shapes, opts);
  const wrt = (xs: Tensor[]) => xs.filter((x) => x.requiresGrad);
  const firstOrder = (...xs: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const y = fn(...xs);
      return grad(y, wrt(xs), { gradOutputs: fixedCotangent(y.shape), createGraph: true }).map((g, i) => {
        if (g === null || !g.requiresGrad) throw new Error(`first-order gradient of input ${i} is not differentiable (no graph with createGraph)`);
        return g;
      });
    });
  try {
    gradcheck(firstOrder, inputs, { eps: opts.eps, atol: opts.atol ?? 2e-3, rtol: opts.rtol ?? 2e-2 });
  } catch (e) {
    throw annotate(e, `${name} (second order)`, shapes);
  }
}

function annotate(e: unknown, name: string, shapes: readonly InputSpec[]): Error {
  const shapesStr = shapes.map((s) => (s instanceof Tensor ? `${s.dtype}[${s.shape.join(',')}]` : `[${s.join(',')}]`)).join(' ');
  const err = e instanceof Error ? e : new Error(String(e));
  err.message = `checkOp(${name}) with inputs ${shapesStr}: ${err.message}`;
  return err;
}

function buildInputs(name: string, shapes: readonly InputSpec[], opts: CheckOpOptions): Tensor[] {
  seed(hashString(name));
  const isRangeList = (v: unknown) => Array.isArray(v) && v.length > 0 && (v[0] === undefined || Array.isArray(v[0]));
  const isList = (v: unknown) => Array.isArray(v);
  const inputs = shapes.map((s, i) => {
    if (s instanceof Tensor) return s;
    const range = perInput<Range>(opts.range as Range | readonly (Range | undefined)[] | undefined, i, isRangeList);
    const values = opts.values?.[i];
    const nc = perInput<boolean | NonContigKind>(opts.nonContiguous, i, isList);
    const requiresGrad = opts.requiresGrad?.[i] ?? true;
    const io: InputOptions = { range, values, requiresGrad };
    if (nc) return nonContiguous(s, nc === true ? 'transpose' : nc, io);
    return makeInput(s, io);
  });
  return inputs;
}

/** An int32 tensor from plain numbers (indices, class labels). */
export function ints(values: readonly number[], shape?: readonly number[]): Tensor {
  const t = tensor(Int32Array.from(values), { dtype: 'int32' });
  return shape ? t.reshape([...shape]) : t;
}

/** The error `fn` throws (fails the test if it throws none). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The library still computes correctly: arithmetic, a strided copy, matmul and a backward pass. */
export function expectLibraryWorks(): void {
  expect(tensor([1, 2]).add(tensor([3, 4])).tolist()).toEqual([4, 6]);
  expect(tensor([[1, 2], [3, 4]]).t().contiguous().tolist()).toEqual([[1, 3], [2, 4]]);
  expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).item()).toBe(11);
  expect(matmul(ones(2, 3), ones(3, 1)).tolist()).toEqual([[3], [3]]);
  const w = tensor([2, -1], { requiresGrad: true });
  w.mul(w).sum().backward();
  expect(w.grad!.tolist()).toEqual([4, -2]);
}

// ---------------------------------------------------------------- heap buffers (kernel tests)

/**
 * Copies `data` into a new heap block of max(4, 4 * data.length) bytes and returns its address; give it
 * back with heap.free(ptr, 4 * data.length) (any byte count up to 16 is the same, smallest, block).
 */
export function put(data: Float32Array | Int32Array): number {
  const ptr = heap.alloc(Math.max(4, data.length * 4));
  if (data instanceof Float32Array) heap.f32.set(data, ptr >>> 2);
  else heap.i32.set(data, ptr >>> 2);
  return ptr;
}

/** A copy of the `n` float32 values at `ptr`. */
export function readF(ptr: number, n: number): Float32Array {
  return heap.f32.slice(ptr >>> 2, (ptr >>> 2) + n);
}

/** A copy of the `n` int32 values at `ptr`. */
export function readI(ptr: number, n: number): Int32Array {
  return heap.i32.slice(ptr >>> 2, (ptr >>> 2) + n);
}

// ---------------------------------------------------------------- PyTorch fixture cases

/** A tensor in a PyTorch fixture (test/fixtures/<family>/gen.py): row-major values, "nan"/"inf"/"-inf" as strings. */
export interface TorchArr {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: (number | string)[];
  requiresGrad?: boolean;
}

/** One case: named inputs, PyTorch's output, and the gradients of sum(out * R) for R = 1 + 0.1 * arange. */
export interface TorchCase {
  inputs: Record<string, TorchArr>;
  output: TorchArr;
  grads?: Record<string, (number | string)[] | null>;
}

/** A fixture value as a number. */
export function torchNum(v: number | string): number {
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);
}

/**
 * `got` against PyTorch's `want`: shape, dtype, length; NaN for NaN, infinities and integers exactly,
 * floats within `rtol` (relative, absolute below 1) with the sign of zero.
 */
export function expectTorchValues(got: Tensor, want: TorchArr, what: string, rtol = 1e-6): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  expect(g.length, `${what} length`).toBe(want.values.length);
  want.values.forEach((w, i) => {
    const e = torchNum(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype !== 'float32') expect(v, `${what}[${i}]`).toBe(e);
    else {
      expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e)));
      if (e === 0) expect(Object.is(v, -0), `${what}[${i}]: sign of zero`).toBe(Object.is(e, -0));
    }
  });
}

/**
 * Runs `op` on a case's inputs and checks its output and, where the fixture has them, the gradients of
 * sum(out * R) against PyTorch's; a case without gradients must give a result that requires none.
 */
export function expectTorchCase(name: string, c: TorchCase, op: (...xs: Tensor[]) => Tensor, rtol = 1e-6): void {
  const names = Object.keys(c.inputs);
  const xs = names.map((k) => {
    const a = c.inputs[k]!;
    const t = tensor(a.values.map(torchNum), { dtype: a.dtype }).reshape(a.shape);
    return a.requiresGrad ? t.requiresGrad_() : t;
  });
  const y = op(...xs);
  expectTorchValues(y, c.output, name, rtol);
  if (!c.grads) {
    expect(y.requiresGrad, `${name}: requiresGrad`).toBe(false);
    return;
  }
  const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
  const r = tensor(Array.from({ length: y.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y.shape);
  const gs = grad(y.mul(r).sum(), wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
  wrt.forEach((k, i) => {
    const want = c.grads![k];
    if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
    else expectTorchValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`, rtol);
  });
}
