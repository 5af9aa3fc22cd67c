/**
 * More reductions and scans (issue 15): prod, std/var (+ Mean), logsumexp, norm, cumsum/cumprod/cummax/
 * cummin/logcumsumexp, all/any, median/nanmedian/mode/kthvalue, sort/argsort/topk, unique/
 * uniqueConsecutive, diff, nansum/nanmean, countNonzero, aminmax.
 *
 * No kernels of their own: values are composed from existing differentiable ops, or, for order
 * statistics and scans, computed in TypeScript over the values with the gradient built from tensor ops
 * (the values of sort/topk/kthvalue/median/mode/cummax are gather(x, dim, indices), so their gradient is
 * gather's; cumsum's is a reversed cumsum; logcumsumexp's is PyTorch's logcumsumexp_backward).
 * NaN ordering is PyTorch's: NaN sorts as the largest value.
 */
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { normDim, numelOf, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, ones } from '../tensor/creation.js';
import { checkDType, type DType } from '../tensor/dtype.js';
import { checkOptions, positionalOptions as posOpts } from '../options.js';
import { clone, inplace, toDType } from './copy.js';
import { sum, amax, amin, reduceDims, type ValuesIndices } from './reduce.js';
import { gather, indexSelect, cat } from './indexing.js';
import { where } from './binary.js';
import { ownReshape } from './view.js';
import { describeValue, type PositionalOr } from './loss.js';

type Dims = number | readonly number[] | null | undefined;

// ---------------------------------------------------------------- helpers

/** positionalOptions, a trailing null options object counting as none. */
function positionalOptions<T extends object>(op: string, args: readonly unknown[], names: readonly string[], extra: readonly string[] = []): Partial<T> {
  const a = args.length > 0 && args[args.length - 1] === null ? args.slice(0, -1) : args;
  return posOpts<T>(op, a, names, extra);
}

function checkTensor(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${describeValue(x)}`);
}

function boolOpt(v: unknown, dflt: boolean, op: string, name: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

function intArg(v: unknown, op: string, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ${name} must be an integer, got ${describeValue(v)}`);
  return v;
}

function checkFloat(x: Tensor, op: string): void {
  if (x.dtype !== 'float32') throw new TypeError(`${op}: expects a float32 tensor, got ${x.dtype}; use .float()`);
}

/** A frozen pair destructuring as [a, b] with named fields, as PyTorch's named tuples. */
function named<A extends string, B extends string>(a: A, av: Tensor, b: B, bv: Tensor): readonly [Tensor, Tensor] & Record<A | B, Tensor> {
  return Object.freeze(Object.assign([av, bv], { [a]: av, [b]: bv })) as unknown as readonly [Tensor, Tensor] & Record<A | B, Tensor>;
}

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return named('values', values, 'indices', indices) as unknown as ValuesIndices;
}

/** (min, max) of aminmax, as PyTorch's named tuple: `r.min`, `r.max`, destructures as [min, max]. */
export type MinMax = readonly [min: Tensor, max: Tensor] & { readonly min: Tensor; readonly max: Tensor };

/** [outer, n, inner] of x around dim d (n = 1 for a 0-d tensor). */
function layout(shape: readonly number[], d: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  return [numelOf(shape.slice(0, d)), shape[d]!, numelOf(shape.slice(d + 1))];
}

/** PyTorch's order with NaN the largest value (ascending). */
function cmpAsc(a: number, b: number): number {
  const na = a !== a, nb = b !== b;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function intTensor(data: Int32Array, shape: readonly number[]): Tensor {
  return tensor(data, { dtype: 'int32' }).reshape([...shape]);
}

/** t reversed along d (indexSelect with a reversed index: differentiable, twice). */
function flip(t: Tensor, d: number): Tensor {
  const n = t.shape[d]!;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
  return indexSelect(t, d, tensor(idx, { dtype: 'int32' }));
}

/**
 * For each row of x along d, the permutation that sorts it (stable; NaN largest; descending reverses the
 * order of values but keeps ties in their original order). Returns per row the sorted positions.
 */
function sortedRows(x: Tensor, d: number, descending: boolean, each: (vals: ArrayLike<number>, perm: number[], row: number) => void): void {
  const [outer, n, inner] = layout(x.shape, d);
  const v = x.toArray();
  const vals = new Float64Array(n);
  const perm = new Array<number>(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        vals[j] = v[base + j * inner]!;
        perm[j] = j;
      }
      perm.sort(descending ? (a, b) => cmpAsc(vals[b]!, vals[a]!) : (a, b) => cmpAsc(vals[a]!, vals[b]!));
      each(vals, perm, o * inner + i);
    }
  }
}

/** An int32 index tensor of x's shape with size m along d, filled per row by pick(row values, sorted perm). */
function indexPerRow(x: Tensor, d: number, m: number, descending: boolean, pick: (vals: ArrayLike<number>, perm: number[]) => ArrayLike<number>): Tensor {
  const [outer, , inner] = layout(x.shape, d);
  const out = new Int32Array(outer * m * inner);
  sortedRows(x, d, descending, (vals, perm, row) => {
    const o = Math.floor(row / inner), i = row % inner;
    const r = pick(vals, perm);
    for (let j = 0; j < m; j++) out[o * m * inner + j * inner + i] = r[j]!;
  });
  const shape = x.ndim === 0 ? [] : x.shape.map((s, k) => (k === d ? m : s));
  return intTensor(out, shape);
}

/** values = gather(x, d, idx) (idx with d kept), squeezed (as results of their own) unless keepdim. */
function selected(x: Tensor, d: number, idx: Tensor, keepdim: boolean): ValuesIndices {
  const values = x.ndim === 0 ? x.clone() : gather(x, d, idx);
  if (keepdim || x.ndim === 0) return valuesIndices(values, idx);
  const shape = x.shape.filter((_, i) => i !== d);
  return valuesIndices(ownReshape(values, shape), intTensor(idx.toArray() as Int32Array, shape));
}

function checkRowsNonEmpty(x: Tensor, d: number, op: string): void {
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`${op}: cannot reduce over a zero-size dimension (shape ${shapeStr(x.shape)}, dim ${d})`);
}

/**
 * y = s^(1/p) with PyTorch's norm/std gradient: dy/ds = y / (p s), and 0 where y == 0 (no NaN at 0).
 * Written with tensor ops, so twice differentiable.
 */
function rootSafe(s: Tensor, p: number, name: string): Tensor {
  const y = noGrad(() => (p === 2 ? s.sqrt() : p === 1 ? s.clone() : s.pow(1 / p)));
  return record(y, name, [s], [s, y], (g, [a, out]) => [where(out!.eq(0), 0, g.mul(out!).div(a!.mul(p)))]);
}

// ---------------------------------------------------------------- sort / argsort / topk

interface SortOptions { dim?: number; descending?: boolean; stable?: boolean }

function sortArgs(op: string, args: readonly unknown[]): [number, boolean] {
  const o = positionalOptions<SortOptions>(op, args, ['dim', 'descending'], ['stable']);
  const dim = o.dim === undefined ? -1 : intArg(o.dim, op, 'dim');
  boolOpt(o.stable, false, op, 'stable'); // the sort is always stable
  return [dim, boolOpt(o.descending, false, op, 'descending')];
}

/**
 * Sorts along `dim` (default -1), ascending unless `descending`; values and int32 indices. Always stable
 * (`{ stable }` is accepted): ties keep their order; NaN sorts as the largest value. Gradient: gather's.
 * @example const [values, indices] = sort(x, 1, true)
 */
export function sort(x: Tensor, ...args: PositionalOr<[dim: number, descending: boolean], SortOptions>): ValuesIndices {
  checkTensor(x, 'sort');
  const [dim, desc] = sortArgs('sort', args);
  const d = normDim(dim, x.ndim, 'sort');
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  const idx = indexPerRow(x, d, n, desc, (_, perm) => perm);
  return valuesIndices(x.ndim === 0 ? x.clone() : gather(x, d, idx), idx);
}

/**
 * The int32 indices that sort `x` along `dim` (sort's indices; options as sort).
 * @example argsort(x, -1, true)
 */
export function argsort(x: Tensor, ...args: PositionalOr<[dim: number, descending: boolean], SortOptions>): Tensor {
  checkTensor(x, 'argsort');
  const [dim, desc] = sortArgs('argsort', args);
  const d = normDim(dim, x.ndim, 'argsort');
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  return indexPerRow(x, d, n, desc, (_, perm) => perm);
}

interface TopkOptions { dim?: number; largest?: boolean; sorted?: boolean }

/**
 * The k largest (or smallest, `largest: false`) values along `dim` (default -1) and their int32 indices,
 * sorted (the order with `sorted: false` is also sorted). NaN counts as the largest; among tied values
 * the earlier index comes first (PyTorch leaves this unspecified). Gradient: gather's.
 * @example const [values, indices] = topk(x, 3)
 */
export function topk(x: Tensor, k: number, ...args: PositionalOr<[dim: number, largest: boolean, sorted: boolean], TopkOptions>): ValuesIndices {
  checkTensor(x, 'topk');
  const kk = intArg(k, 'topk', 'k');
  const o = positionalOptions<TopkOptions>('topk', args, ['dim', 'largest', 'sorted']);
  const d = normDim(o.dim === undefined ? -1 : intArg(o.dim, 'topk', 'dim'), x.ndim, 'topk');
  const largest = boolOpt(o.largest, true, 'topk', 'largest');
  boolOpt(o.sorted, true, 'topk', 'sorted');
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  if (kk < 0 || kk > n) throw new RangeError(`topk: k (${kk}) is out of range for dim ${d} of size ${n} (shape ${shapeStr(x.shape)})`);
  const idx = indexPerRow(x, d, kk, largest, (_, perm) => perm.slice(0, kk));
  return valuesIndices(x.ndim === 0 ? x.clone() : gather(x, d, idx), idx);
}

// ---------------------------------------------------------------- kthvalue / median / nanmedian / mode

function dimKeep(op: string, args: readonly unknown[], dflt: number | undefined): [number | undefined, boolean] {
  const o = positionalOptions<{ dim?: number; keepdim?: boolean }>(op, args, ['dim', 'keepdim']);
  const dim = o.dim === undefined ? dflt : intArg(o.dim, op, 'dim');
  return [dim, boolOpt(o.keepdim, false, op, 'keepdim')];
}

/**
 * The k-th smallest value (1-based) along `dim` (default -1) and its int32 index; NaN is the largest.
 * Among tied values the index is the first in stable sorted order (PyTorch's quickselect leaves it
 * unspecified). Gradient: gather's.
 * @example const [v, i] = kthvalue(x, 2, 0, true)
 */
export function kthvalue(x: Tensor, k: number, ...args: PositionalOr<[dim: number, keepdim: boolean], { dim?: number; keepdim?: boolean }>): ValuesIndices {
  checkTensor(x, 'kthvalue');
  const kk = intArg(k, 'kthvalue', 'k');
  const [dim, keepdim] = dimKeep('kthvalue', args, -1);
  const d = normDim(dim!, x.ndim, 'kthvalue');
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  if (kk < 1 || kk > n) throw new RangeError(`kthvalue: k (${kk}) is out of range for dim ${d} of size ${n} (shape ${shapeStr(x.shape)})`);
  const idx = indexPerRow(x, d, 1, false, (_, perm) => [perm[kk - 1]!]);
  return selected(x, d, idx, keepdim);
}

/** Index (in the row) of the median: the lower median; with NaN, the first NaN (median) or ignored (nanmedian). */
function medianPick(vals: ArrayLike<number>, perm: number[], ignoreNan: boolean): number {
  const n = perm.length;
  let m = n;
  while (m > 0 && Number.isNaN(vals[perm[m - 1]!]!)) m--;
  if (m < n && !ignoreNan) {
    for (let j = 0; j < n; j++) if (Number.isNaN(vals[j]!)) return j;
  }
  if (m === 0) return perm[0]!; // all NaN (nanmedian)
  return perm[Math.floor((m - 1) / 2)]!;
}

/** Gradient of a value picked among all elements (PyTorch's evenly_distribute_backward). */
function evenly(x: Tensor, out: Tensor, name: string): Tensor {
  return record(out, name, [x], [x, out], (g, [a, y]) => {
    const mask = a!.eq(y!).float().add(a!.ne(a!).float().mul(y!.ne(y!).float()));
    return [where(mask.gt(0), g.div(mask.sum()), 0)];
  });
}

function medianOf(op: 'median' | 'nanmedian', x: Tensor, args: readonly unknown[]): Tensor | ValuesIndices {
  checkTensor(x, op);
  const ignoreNan = op === 'nanmedian';
  if (args.length === 0) {
    if (x.numel() === 0) throw new RangeError(`${op}: cannot compute the median of an empty tensor of shape ${shapeStr(x.shape)}`);
    const flat = x.reshape(-1);
    const idx = indexPerRow(flat, 0, 1, false, (vals, perm) => [medianPick(vals, perm, ignoreNan)]);
    const v = noGrad(() => gather(flat, 0, idx)).reshape([]);
    return x.dtype === 'float32' ? evenly(x, v, op === 'median' ? 'MedianBackward0' : 'NanmedianBackward0') : v;
  }
  const [dim, keepdim] = dimKeep(op, args, undefined);
  if (dim === undefined) {
    if (keepdim) throw new TypeError(`${op}: keepdim needs a dim`);
    return medianOf(op, x, []);
  }
  const d = normDim(dim, x.ndim, op);
  checkRowsNonEmpty(x, d, op);
  const idx = indexPerRow(x, d, 1, false, (vals, perm) => [medianPick(vals, perm, ignoreNan)]);
  return selected(x, d, idx, keepdim);
}

/**
 * The lower median: median(x) over all elements (a 0-d tensor; its gradient is shared among the elements
 * equal to it), or median(x, dim, keepdim?) values and int32 indices. A row with NaN gives NaN (the
 * first NaN's index).
 * @example median(x); const [v, i] = median(x, 1)
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
export function median(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return medianOf('median', x, args);
}

/**
 * median ignoring NaN (a row of only NaN gives NaN).
 * @example nanmedian(x, 0)
 */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
export function nanmedian(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return medianOf('nanmedian', x, args);
}

/**
 * The most frequent value along `dim` (default -1; the smallest among equally frequent ones) and the
 * int32 index of its last occurrence. Each NaN counts as a distinct value. Gradient: gather's.
 * @example const [v, i] = mode(x, 1)
 */
export function mode(x: Tensor, ...args: PositionalOr<[dim: number, keepdim: boolean], { dim?: number; keepdim?: boolean }>): ValuesIndices {
  checkTensor(x, 'mode');
  const [dim, keepdim] = dimKeep('mode', args, -1);
  const d = normDim(dim!, x.ndim, 'mode');
  checkRowsNonEmpty(x, d, 'mode');
  const idx = indexPerRow(x, d, 1, false, (vals, perm) => {
    let best = perm[0]!, bestCount = 0, count = 0;
    for (let j = 0; j < perm.length; j++) {
      count++;
      const v = vals[perm[j]!]!;
      if (j === perm.length - 1 || !(vals[perm[j + 1]!]! === v)) {
        if (count > bestCount) {
          bestCount = count;
          best = perm[j]!;
        }
        count = 0;
      }
    }
    return [best];
  });
  return selected(x, d, idx, keepdim);
}

// ---------------------------------------------------------------- std / var

interface VarOptions { dim?: Dims; unbiased?: boolean; keepdim?: boolean; correction?: number }

function varArgs(op: string, args: readonly unknown[]): [Dims, number, boolean] {
  let a = args;
  // PyTorch's var(input, unbiased) overload
  if (typeof a[0] === 'boolean') {
    if (a.length > 1) throw new TypeError(`${op}: ${op}(x, unbiased) takes nothing after unbiased`);
    a = [undefined, a[0]];
  }
  const o = positionalOptions<VarOptions>(op, a, ['dim', 'unbiased', 'keepdim'], ['correction']);
  if (o.unbiased !== undefined && o.correction !== undefined) throw new TypeError(`${op}: give either unbiased or correction, not both`);
  const unbiased = boolOpt(o.unbiased, true, op, 'unbiased');
  let correction = unbiased ? 1 : 0;
  if (o.correction !== undefined) {
    if (typeof o.correction !== 'number' || !Number.isFinite(o.correction)) throw new TypeError(`${op}: correction must be a number, got ${describeValue(o.correction)}`);
    correction = o.correction;
  }
  return [o.dim, correction, boolOpt(o.keepdim, false, op, 'keepdim')];
}

function varMeanOf(op: string, x: Tensor, dim: Dims, correction: number, keepdim: boolean): [Tensor, Tensor] {
  checkTensor(x, op);
  checkFloat(x, op);
  const dims = reduceDims(dim, x.ndim, op);
  const count = dims.reduce((n, dd) => n * x.shape[dd]!, 1);
  const m = x.mean(dims, true);
  const v = noGrad(() => {
    const diff = x.sub(m);
    return diff.mul(diff).sum(dims, keepdim).div(Math.max(0, count - correction));
  });
  // PyTorch's var_backward: (2 / (N - correction)) * g * (x - mean(x)), without the (zero) path through the mean
  const kept = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const out = record(v, 'VarBackward0', [x], [x], (g, [a]) => [g.reshape(kept).mul(a!.sub(a!.mean(dims, true))).mul(2 / (count - correction))]);
  return [out, keepdim ? m : m.reshape(v.shape)];
}

type VarArgs = PositionalOr<[dim: Dims, unbiased: boolean, keepdim: boolean], VarOptions> | [unbiased: boolean];

/**
 * Variance over `dim` (all when omitted) with Bessel's `correction` (default 1; `unbiased: false` is
 * correction 0): sum((x - mean)^2) / max(0, N - correction). PyTorch's forms: var(x, dim, unbiased,
 * keepdim), var(x, unbiased), var(x, dim, { correction, keepdim }).
 * Exported as `var` (`import * as W`; `W.var(x)`) and the method `x.var(...)`.
 * @example x.var(1, { correction: 0, keepdim: true })
 */
export function var_(x: Tensor, ...args: VarArgs): Tensor {
  const [dim, c, k] = varArgs('var', args);
  return varMeanOf('var', x, dim, c, k)[0];
}

/**
 * Standard deviation: sqrt(var) with var's arguments; the gradient is 0 where the result is 0 (PyTorch's).
 * @example std(x, 0, false) // biased
 */
export function std(x: Tensor, ...args: VarArgs): Tensor {
  const [dim, c, k] = varArgs('std', args);
  return rootSafe(varMeanOf('std', x, dim, c, k)[0], 2, 'StdBackward0');
}

/**
 * (var, mean) over `dim` with var's arguments.
 * @example const [v, m] = varMean(x, 1)
 */
export function varMean(x: Tensor, ...args: VarArgs): readonly [Tensor, Tensor] {
  const [dim, c, k] = varArgs('varMean', args);
  return Object.freeze(varMeanOf('varMean', x, dim, c, k));
}

/**
 * (std, mean) over `dim` with var's arguments.
 * @example const [s, m] = stdMean(x, 1, { correction: 0 })
 */
export function stdMean(x: Tensor, ...args: VarArgs): readonly [Tensor, Tensor] {
  const [dim, c, k] = varArgs('stdMean', args);
  const [v, m] = varMeanOf('stdMean', x, dim, c, k);
  return Object.freeze([rootSafe(v, 2, 'StdMeanBackward0'), m] as [Tensor, Tensor]);
}

// ---------------------------------------------------------------- prod

function castFor(x: Tensor, dtype: DType | undefined, op: string): Tensor {
  if (dtype !== undefined) {
    checkDType(dtype, op);
    if (dtype !== x.dtype) return toDType(x, dtype);
  }
  return x.dtype === 'bool' ? toDType(x, 'int32') : x;
}

/** Product along d by pairwise halving (log2(n) differentiable muls: exact gradients with zeros). */
function prodAlong(x: Tensor, d: number): Tensor {
  let cur = x;
  let n = x.shape[d]!;
  if (n === 0) return ones(x.shape.map((s, i) => (i === d ? 1 : s)), { dtype: x.dtype });
  while (n > 1) {
    const h = Math.floor(n / 2);
    let next = cur.narrow(d, 0, h).mul(cur.narrow(d, h, h));
    if (n % 2 === 1) next = cat([next, cur.narrow(d, 2 * h, 1)], d);
    cur = next;
    n = cur.shape[d]!;
  }
  return cur === x ? x.clone() : cur;
}

/**
 * Product of all elements, or along one `dim` (keepdim optional). Integer and bool inputs give int32;
 * `{ dtype }` casts first. The gradient is exact with zeros (products of the other elements).
 * @example prod(x); prod(x, 1, true)
 */
export function prod(x: Tensor, ...args: PositionalOr<[dim: number, keepdim: boolean], { dim?: number; keepdim?: boolean; dtype?: DType }>): Tensor {
  checkTensor(x, 'prod');
  const o = positionalOptions<{ dim?: number; keepdim?: boolean; dtype?: DType }>('prod', args, ['dim', 'keepdim'], ['dtype']);
  const keepdim = boolOpt(o.keepdim, false, 'prod', 'keepdim');
  const xc = castFor(x, o.dtype, 'prod');
  if (o.dim === undefined) {
    if (o.keepdim !== undefined) throw new TypeError('prod: keepdim needs a dim');
    return prodAlong(xc.reshape(-1), 0).reshape([]);
  }
  const d = normDim(intArg(o.dim, 'prod', 'dim'), x.ndim, 'prod');
  if (x.ndim === 0) return xc === x ? x.clone() : xc;
  const r = prodAlong(xc, d);
  return keepdim ? r : r.squeeze(d);
}

// ---------------------------------------------------------------- logsumexp / norm

/**
 * log(sum(exp(x), dim)), computed stably (max subtracted); -Inf rows give -Inf, +Inf gives +Inf. Gradient:
 * softmax(x) * g. Integer inputs are computed as float32.
 * @example logsumexp(x, 1, true)
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], ...args: PositionalOr<[keepdim: boolean], { keepdim?: boolean }>): Tensor {
  checkTensor(x, 'logsumexp');
  if (dim === undefined || dim === null) throw new TypeError('logsumexp: dim is required');
  const o = positionalOptions<{ keepdim?: boolean }>('logsumexp', args, ['keepdim']);
  const keepdim = boolOpt(o.keepdim, false, 'logsumexp', 'keepdim');
  const xf = x.dtype === 'float32' ? x : toDType(x, 'float32');
  const dims = reduceDims(dim, x.ndim, 'logsumexp');
  if (xf.numel() === 0) return sum(xf, dims, keepdim).log();
  const m = noGrad(() => {
    const mx = amax(xf.detach(), dims, true);
    return where(mx.abs().eq(Infinity), 0, mx);
  });
  const s = xf.sub(m).exp().sum(dims, keepdim).log();
  return s.add(keepdim ? m : m.reshape(s.shape));
}

type NormP = number | 'fro';
interface NormOptions { p?: NormP; dim?: Dims; keepdim?: boolean }

/**
 * Vector p-norm over `dim` (all elements when omitted): p = 'fro' (default) or 2, 1, Infinity (max |x|),
 * -Infinity (min |x|), 0 (count of non-zeros), any other p: (sum |x|^p)^(1/p). Gradients as PyTorch's
 * (0 where the norm is 0; shared among ties for ±Infinity). float32 only.
 * @example norm(x); norm(x, 1, 0); norm(x, { p: Infinity, dim: [0, 1], keepdim: true })
 */
export function norm(x: Tensor, ...args: PositionalOr<[p: NormP, dim: Dims, keepdim: boolean], NormOptions>): Tensor {
  checkTensor(x, 'norm');
  const o = positionalOptions<NormOptions>('norm', args, ['p', 'dim', 'keepdim']);
  const p = o.p ?? 'fro';
  if (p !== 'fro' && typeof p !== 'number') throw new TypeError(`norm: p must be a number or 'fro', got ${describeValue(p)}${p === 'nuc' ? " (the nuclear norm is not supported)" : ''}`);
  if (typeof p === 'number' && Number.isNaN(p)) throw new RangeError('norm: p must not be NaN');
  const keepdim = boolOpt(o.keepdim, false, 'norm', 'keepdim');
  checkFloat(x, 'norm');
  const dims = reduceDims(o.dim, x.ndim, 'norm');
  const a = x.abs();
  if (p === Infinity || p === -Infinity) {
    for (const d of dims) {
      if (x.shape[d] === 0) throw new RangeError(`norm: cannot compute the ${p}-norm over a zero-size dimension (shape ${shapeStr(x.shape)}, dim ${d})`);
    }
    return p > 0 ? amax(a, dims, keepdim) : amin(a, dims, keepdim);
  }
  if (p === 0) {
    // PyTorch: the 0-"norm" requires grad but its backward gives no gradient (None)
    const c = noGrad(() => x.ne(0).float().sum(dims, keepdim));
    return record(c, 'NormBackward1', [x], [], () => [null]);
  }
  if (p === 1) return a.sum(dims, keepdim);
  const pp = p === 'fro' ? 2 : p;
  const s = pp === 2 ? x.mul(x).sum(dims, keepdim) : a.pow(pp).sum(dims, keepdim);
  return rootSafe(s, pp, 'NormBackward1');
}

// ---------------------------------------------------------------- scans

function scanDim(x: Tensor, dim: unknown, op: string): number {
  if (dim === undefined || dim === null) throw new TypeError(`${op}: dim is required`);
  return normDim(intArg(dim, op, 'dim'), x.ndim, op);
}

/** Values of each row along d transformed by f (f64 in, rounded on store), as a new tensor of x's shape and dtype. */
function mapRows(x: Tensor, d: number, dtype: DType, f: (row: Float64Array) => void): Tensor {
  const [outer, n, inner] = layout(x.shape, d);
  const v = x.toArray();
  const out = dtype === 'float32' ? new Float32Array(v.length) : new Int32Array(v.length);
  const row = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) row[j] = v[base + j * inner]!;
      f(row);
      for (let j = 0; j < n; j++) out[base + j * inner] = dtype === 'int32' ? row[j]! | 0 : row[j]!;
    }
  }
  return (out instanceof Float32Array ? tensor(out) : tensor(out, { dtype: 'int32' })).reshape([...x.shape]);
}

/**
 * Cumulative sum along `dim` (accumulated in float64 as PyTorch's CPU kernel). Integer and bool inputs
 * give int32; `{ dtype }` casts first. Gradient: the reversed cumulative sum of g.
 * @example cumsum(x, 1)
 */
export function cumsum(x: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
  checkTensor(x, 'cumsum');
  const d = scanDim(x, dim, 'cumsum');
  const o = checkOptions('cumsum', options, ['dtype']);
  const xc = castFor(x, o.dtype, 'cumsum');
  if (x.ndim === 0) return xc === x ? x.clone() : xc;
  const out = mapRows(xc, d, xc.dtype, (r) => {
    for (let j = 1; j < r.length; j++) r[j] = r[j]! + r[j - 1]!;
  });
  if (out.dtype !== 'float32') return out;
  return record(out, 'CumsumBackward0', [xc], [], (g) => [flip(cumsum(flip(g, d), d), d)]);
}

/**
 * Cumulative product along `dim` (integer and bool inputs give int32; `{ dtype }` casts first). Computed
 * as a log2(n)-step scan of differentiable products, so the gradient is exact also with zeros.
 * @example cumprod(x, 0)
 */
export function cumprod(x: Tensor, dim: number, options?: { dtype?: DType }): Tensor {
  checkTensor(x, 'cumprod');
  const d = scanDim(x, dim, 'cumprod');
  const o = checkOptions('cumprod', options, ['dtype']);
  let cur = castFor(x, o.dtype, 'cumprod');
  if (x.ndim === 0) return cur === x ? x.clone() : cur;
  const n = x.shape[d]!;
  if (n <= 1) return cur === x ? x.clone() : cur;
  for (let s = 1; s < n; s *= 2) {
    cur = cat([cur.narrow(d, 0, s), cur.narrow(d, s, n - s).mul(cur.narrow(d, 0, n - s))], d);
  }
  return cur;
}

function cumExtreme(x: Tensor, dim: number, op: 'cummax' | 'cummin'): ValuesIndices {
  checkTensor(x, op);
  const d = scanDim(x, dim, op);
  const [outer, n, inner] = layout(x.shape, d);
  const v = x.toArray();
  const idx = new Int32Array(v.length);
  const better = op === 'cummax' ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = NaN, bi = 0;
      for (let j = 0; j < n; j++) {
        const c = v[base + j * inner]!;
        if (j === 0 || Number.isNaN(c) || (!Number.isNaN(best) && better(c, best))) {
          best = c;
          bi = j;
        }
        idx[base + j * inner] = bi;
      }
    }
  }
  const it = intTensor(idx, x.shape);
  return valuesIndices(x.ndim === 0 ? x.clone() : gather(x, d, it), it);
}

/**
 * Running maximum along `dim` and the int32 index where it was reached (the last of equal values); NaN
 * propagates (a NaN becomes the maximum from there on). Gradient: gather's.
 * @example const [values, indices] = cummax(x, 0)
 */
export function cummax(x: Tensor, dim: number): ValuesIndices {
  return cumExtreme(x, dim, 'cummax');
}

/**
 * Running minimum along `dim` (as cummax).
 * @example const [values, indices] = cummin(x, 0)
 */
export function cummin(x: Tensor, dim: number): ValuesIndices {
  return cumExtreme(x, dim, 'cummin');
}

function logAddExp(a: number, b: number): number {
  const mn = Math.min(a, b), mx = Math.max(a, b);
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (mn !== mx || Number.isFinite(mn)) return mx + Math.log1p(Math.exp(mn - mx));
  return a;
}

/**
 * log(cumsum(exp(x))) along `dim`, computed stably; float32 only. Gradient: PyTorch's
 * logcumsumexp_backward (positive and negative parts of g through reversed logcumsumexps).
 * @example logcumsumexp(x, 1)
 */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'logcumsumexp');
  const d = scanDim(x, dim, 'logcumsumexp');
  checkFloat(x, 'logcumsumexp');
  if (x.ndim === 0) return x.clone();
  const out = mapRows(x, d, 'float32', (r) => {
    for (let j = 1; j < r.length; j++) r[j] = logAddExp(r[j - 1]!, r[j]!);
  });
  return record(out, 'LogcumsumexpBackward0', [x], [x, out], (g, [a, y]) => {
    const lowest = -3.4028234663852886e38;
    const rev = (t: Tensor) => flip(logcumsumexp(flip(t, d), d), d);
    const logAbs = g.abs().log();
    const pos = where(g.gt(0), logAbs, lowest);
    const neg = where(g.lt(0), logAbs, lowest);
    return [rev(pos.sub(y!)).add(a!).exp().sub(rev(neg.sub(y!)).add(a!).exp())];
  });
}

// ---------------------------------------------------------------- all / any / countNonzero

function boolReduce(op: 'all' | 'any', x: Tensor, args: readonly unknown[]): Tensor {
  checkTensor(x, op);
  const o = positionalOptions<{ dim?: Dims; keepdim?: boolean }>(op, args, ['dim', 'keepdim']);
  const keepdim = boolOpt(o.keepdim, false, op, 'keepdim');
  if (o.dim == null && o.keepdim !== undefined) throw new TypeError(`${op}: keepdim needs a dim`);
  const dims = reduceDims(o.dim, x.ndim, op);
  return noGrad(() => {
    const hits = (op === 'all' ? x.eq(0) : x.ne(0)).sum(dims, keepdim);
    return op === 'all' ? hits.eq(0) : hits.gt(0);
  });
}

/**
 * Whether every element (along `dim`, keepdim optional) is non-zero (NaN counts as non-zero); bool
 * result, true for an empty reduction.
 * @example all(x.gt(0)); all(x, 1, true)
 */
export function all(x: Tensor, ...args: PositionalOr<[dim: Dims, keepdim: boolean], { dim?: Dims; keepdim?: boolean }>): Tensor {
  return boolReduce('all', x, args);
}

/**
 * Whether any element (along `dim`, keepdim optional) is non-zero; bool result, false for an empty reduction.
 * @example any(x.ne(x)) // any NaN
 */
export function any(x: Tensor, ...args: PositionalOr<[dim: Dims, keepdim: boolean], { dim?: Dims; keepdim?: boolean }>): Tensor {
  return boolReduce('any', x, args);
}

/**
 * The number of non-zero elements (along `dim`: an integer or a list), int32. NaN counts as non-zero.
 * @example countNonzero(x, 0)
 */
export function countNonzero(x: Tensor, dim?: Dims): Tensor {
  checkTensor(x, 'countNonzero');
  const dims = reduceDims(dim, x.ndim, 'countNonzero');
  return noGrad(() => x.ne(0).sum(dims));
}

// ---------------------------------------------------------------- nansum / nanmean / aminmax

type NanArgs = PositionalOr<[dim: Dims, keepdim: boolean], { dim?: Dims; keepdim?: boolean; dtype?: DType }>;

function nanArgs(op: string, x: Tensor, args: readonly unknown[]): [Tensor, Dims, boolean] {
  checkTensor(x, op);
  const o = positionalOptions<{ dim?: Dims; keepdim?: boolean; dtype?: DType }>(op, args, ['dim', 'keepdim'], ['dtype']);
  const xc = castFor(x, o.dtype, op);
  return [xc, o.dim, boolOpt(o.keepdim, false, op, 'keepdim')];
}

/**
 * Sum treating NaN as 0 (integers: sum). `{ dtype }` casts first. The gradient is 0 at NaN.
 * @example nansum(x, 1)
 */
export function nansum(x: Tensor, ...args: NanArgs): Tensor {
  const [xc, dim, keepdim] = nanArgs('nansum', x, args);
  reduceDims(dim, xc.ndim, 'nansum');
  if (xc.dtype !== 'float32') return xc.sum(dim ?? null, keepdim);
  return where(xc.ne(xc), 0, xc).sum(dim ?? null, keepdim);
}

/**
 * Mean of the non-NaN elements (NaN when there are none); float32 only (or `{ dtype: 'float32' }`).
 * @example nanmean(x, 0, true)
 */
export function nanmean(x: Tensor, ...args: NanArgs): Tensor {
  const [xc, dim, keepdim] = nanArgs('nanmean', x, args);
  checkFloat(xc, 'nanmean');
  const dims = reduceDims(dim, xc.ndim, 'nanmean');
  const count = noGrad(() => xc.eq(xc).sum(dims, keepdim));
  return where(xc.ne(xc), 0, xc).sum(dims, keepdim).div(count);
}

/**
 * (min, max) over all elements or along `dim` (keyword-only, as PyTorch's), named `.min` and `.max`.
 * Gradients as amin's and amax's.
 * @example const [lo, hi] = aminmax(x, { dim: 1 })
 */
export function aminmax(x: Tensor, options?: { dim?: number; keepdim?: boolean }): MinMax {
  checkTensor(x, 'aminmax');
  const o = checkOptions('aminmax', options, ['dim', 'keepdim']);
  const keepdim = boolOpt(o.keepdim, false, 'aminmax', 'keepdim');
  const dim = o.dim === undefined || o.dim === null ? null : normDim(intArg(o.dim, 'aminmax', 'dim'), x.ndim, 'aminmax');
  if (x.numel() === 0 && (dim === null || x.ndim === 0 || x.shape[dim] === 0)) {
    throw new RangeError(`aminmax: cannot compute aminmax of an empty tensor of shape ${shapeStr(x.shape)}${dim === null ? '' : ` over dim ${dim}`}`);
  }
  if (dim === null && keepdim) {
    const k = x.shape.map(() => 1);
    return named('min', amin(x, null, true).reshape(k), 'max', amax(x, null, true).reshape(k)) as MinMax;
  }
  return named('min', amin(x, dim, keepdim), 'max', amax(x, dim, keepdim)) as MinMax;
}

// ---------------------------------------------------------------- diff

interface DiffOptions { n?: number; dim?: number; prepend?: Tensor | null; append?: Tensor | null }

/**
 * n-th forward difference along `dim` (default -1): out[i] = x[i + 1] - x[i], applied n times, after
 * concatenating `prepend` / `append` along dim (bool inputs: x[i + 1] != x[i]).
 * @example diff(x); diff(x, 2, 0, { prepend: zeros(1, 3) })
 */
export function diff(x: Tensor, ...args: PositionalOr<[n: number, dim: number, prepend: Tensor | null, append: Tensor | null], DiffOptions>): Tensor {
  checkTensor(x, 'diff');
  const o = positionalOptions<DiffOptions>('diff', args, ['n', 'dim', 'prepend', 'append']);
  const n = o.n === undefined ? 1 : intArg(o.n, 'diff', 'n');
  if (n < 0) throw new RangeError(`diff: order n must be non-negative, got ${n}`);
  if (x.ndim === 0) throw new RangeError('diff: expects input to be at least one-dimensional');
  const d = normDim(o.dim === undefined ? -1 : intArg(o.dim, 'diff', 'dim'), x.ndim, 'diff');
  const parts: Tensor[] = [];
  for (const [name, t] of [['prepend', o.prepend], ['append', o.append]] as const) {
    if (t == null) continue;
    if (!(t instanceof Tensor)) throw new TypeError(`diff: ${name} must be a Tensor or null, got ${describeValue(t)}`);
    if (t.ndim !== x.ndim || !t.shape.every((s, i) => i === d || s === x.shape[i])) {
      throw new RangeError(`diff: ${name} of shape ${shapeStr(t.shape)} must match input shape ${shapeStr(x.shape)} outside dim ${d}`);
    }
  }
  if (o.prepend != null) parts.push(o.prepend);
  parts.push(x);
  if (o.append != null) parts.push(o.append);
  let cur = parts.length > 1 ? cat(parts, d) : x;
  for (let i = 0; i < n; i++) {
    const len = cur.shape[d]!;
    if (len === 0) break;
    const a = cur.narrow(d, 1, len - 1), b = cur.narrow(d, 0, len - 1);
    cur = cur.dtype === 'bool' ? a.ne(b) : a.sub(b);
  }
  return cur === x ? x.clone() : cur;
}

// ---------------------------------------------------------------- unique

interface UniqueOptions { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }

function uniqueFlags(op: string, args: readonly unknown[], names: readonly string[]): [boolean, boolean] {
  const o = positionalOptions<UniqueOptions>(op, args, names);
  if (o.dim != null) throw new RangeError(`${op}: dim is not supported (only the flattened form)`);
  boolOpt(o.sorted, true, op, 'sorted');
  return [boolOpt(o.returnInverse, false, op, 'returnInverse'), boolOpt(o.returnCounts, false, op, 'returnCounts')];
}

function uniqueResult(x: Tensor, vals: number[], inverse: Int32Array, counts: number[], inv: boolean, cnt: boolean): Tensor | Tensor[] {
  const out = x.dtype === 'float32' ? tensor(Float32Array.from(vals)) : tensor(Int32Array.from(vals), { dtype: 'int32' }).to(x.dtype);
  if (!inv && !cnt) return out;
  const res = [out];
  if (inv) res.push(intTensor(inverse, x.shape));
  if (cnt) res.push(tensor(Int32Array.from(counts), { dtype: 'int32' }));
  return Object.freeze(res) as Tensor[];
}

/**
 * The distinct values of the flattened input, sorted (NaN last, each NaN distinct with count 1, where
 * PyTorch 1.13 reports count 0); `sorted: false` also gives them sorted; with `returnInverse`
 * also the int32 index of each element's value (x's shape), with `returnCounts` the count of each
 * (then a tuple [output, inverse?, counts?]). Not differentiable. `dim` is not supported (throws).
 * @example const [u, inv, counts] = unique(x, true, true, true)
 */
export function unique(x: Tensor, ...args: PositionalOr<[sorted: boolean, returnInverse: boolean, returnCounts: boolean, dim: number | null], UniqueOptions>): Tensor | Tensor[] {
  checkTensor(x, 'unique');
  const [inv, cnt] = uniqueFlags('unique', args, ['sorted', 'returnInverse', 'returnCounts', 'dim']);
  const v = x.toArray();
  const perm = Array.from({ length: v.length }, (_, i) => i);
  perm.sort((a, b) => cmpAsc(v[a]!, v[b]!));
  const vals: number[] = [], counts: number[] = [];
  const inverse = new Int32Array(v.length);
  for (let j = 0; j < perm.length; j++) {
    const c = v[perm[j]!]!;
    if (vals.length === 0 || !(vals[vals.length - 1] === c)) {
      vals.push(c);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[perm[j]!] = vals.length - 1;
  }
  return uniqueResult(x, vals, inverse, counts, inv, cnt);
}

/**
 * Collapses runs of equal consecutive values of the flattened input (NaN never equals); `returnInverse`
 * and `returnCounts` as unique. `dim` is not supported (throws).
 * @example uniqueConsecutive(x, { returnCounts: true })
 */
export function uniqueConsecutive(x: Tensor, ...args: PositionalOr<[returnInverse: boolean, returnCounts: boolean, dim: number | null], Omit<UniqueOptions, 'sorted'>>): Tensor | Tensor[] {
  checkTensor(x, 'uniqueConsecutive');
  const [inv, cnt] = uniqueFlags('uniqueConsecutive', args, ['returnInverse', 'returnCounts', 'dim']);
  const v = x.toArray();
  const vals: number[] = [], counts: number[] = [];
  const inverse = new Int32Array(v.length);
  for (let j = 0; j < v.length; j++) {
    if (j === 0 || !(v[j] === v[j - 1])) {
      vals.push(v[j]!);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[j] = vals.length - 1;
  }
  return uniqueResult(x, vals, inverse, counts, inv, cnt);
}


/** In-place cumsum (Tensor.cumsum_): self's values replaced by cumsum(self, dim), history as PyTorch's. */
export function cumsum_<T extends Tensor>(self: T, dim: number, options?: { dtype?: DType }): T {
  checkTensor(self, 'cumsum_');
  return inplace(self, (a) => cumsum(a as Tensor, dim, options), 0, undefined, 'cumsum_');
}

/** In-place cumprod (Tensor.cumprod_). */
export function cumprod_<T extends Tensor>(self: T, dim: number, options?: { dtype?: DType }): T {
  checkTensor(self, 'cumprod_');
  return inplace(self, (a) => cumprod(clone(a as Tensor), dim, options), 0, undefined, 'cumprod_');
}
