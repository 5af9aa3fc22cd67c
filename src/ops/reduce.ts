/**
 * Reductions. Kernels reduce the middle axis of a contiguous [outer, r, inner] array; a reduction over
 * several dims reduces adjacent runs of dims in one call each.
 */
import { kernels } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { contiguousStrides, normDim, numelOf, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { rawContiguous, toDType } from './copy.js';
import { floatContiguous } from './elementwise-support.js';
import { gather } from './indexing.js';
import { maximum, minimum, where } from './binary.js';
import { checkOptions, isPlainObject } from '../options.js';
import { checkDType, type DType } from '../tensor/dtype.js';
import { ownReshape } from './view.js';

/**
 * (values, indices) of max/min along a dim, as PyTorch's named tuple: `r.values`, `r.indices`, and it
 * destructures as `const [values, indices] = x.max(1)`.
 */
export type ValuesIndices = readonly [values: Tensor, indices: Tensor] & { readonly values: Tensor; readonly indices: Tensor };

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.freeze(Object.assign([values, indices], { values, indices })) as unknown as ValuesIndices;
}

/** A reduction's keyword options (PyTorch's keepdim=, dtype=). */
export interface ReduceOptions {
  keepdim?: boolean;
  /** Cast the input to this dtype before reducing (PyTorch's dtype=). */
  dtype?: DType;
}

type Dims = number | readonly number[] | null | undefined;

/**
 * The arguments after x of sum/mean: (dim?, keepdim?, options?), an options object allowed in any
 * trailing position ({ keepdim, dtype }), as PyTorch's `sum(x, dim, keepdim=False, *, dtype=None)`.
 */
function reduceArgs(op: string, dim: Dims | ReduceOptions, keepdim: boolean | ReduceOptions | undefined, options: ReduceOptions | undefined): [Dims, boolean, DType | undefined] {
  const args = [dim, keepdim, options];
  let last = args.length - 1;
  while (last >= 0 && args[last] === undefined) last--;
  let opts: ReduceOptions = {};
  if (last >= 0 && isPlainObject(args[last])) {
    opts = checkOptions(op, args[last] as ReduceOptions, ['keepdim', 'dtype']);
    args[last] = undefined;
  }
  const [d, k] = args;
  if (isPlainObject(d) || isPlainObject(k)) throw new TypeError(`${op}: an options object must come last`);
  if (k !== undefined && typeof k !== 'boolean') throw new TypeError(`${op}: keepdim must be a boolean, got ${typeof k}`);
  if (k !== undefined && opts.keepdim !== undefined) throw new TypeError(`${op}: keepdim is given both as positional argument and as option`);
  const kd = (k as boolean | undefined) ?? opts.keepdim ?? false;
  if (typeof kd !== 'boolean') throw new TypeError(`${op}: keepdim must be a boolean, got ${typeof kd}`);
  if (opts.dtype !== undefined) checkDType(opts.dtype, op);
  return [d as Dims, kd, opts.dtype];
}

const ALL_DIMS: (readonly number[])[] = [];
const ONE_DIM: (readonly number[])[] = [];

/** [0, 1, ..., ndim - 1], shared and frozen. */
function allDims(ndim: number): readonly number[] {
  return (ALL_DIMS[ndim] ??= Object.freeze(Array.from({ length: ndim }, (_, i) => i)));
}

/** [d], shared and frozen. */
function oneDim(d: number): readonly number[] {
  return (ONE_DIM[d] ??= Object.freeze([d]));
}

/** Normalised, sorted, de-duplicated dims; all dims when `dim` is null/undefined. */
export function reduceDims(dim: number | readonly number[] | null | undefined, ndim: number, op: string): readonly number[] {
  if (dim == null) return allDims(ndim);
  if (typeof dim === 'number' && Number.isInteger(dim) && dim >= 0 && dim < ndim) return oneDim(dim);
  if (typeof dim !== 'number' && !Array.isArray(dim)) {
    throw new TypeError(`${op}: dim must be an integer or a list of integers, got ${typeof dim}`);
  }
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const dims = list.map((d) => {
    if (typeof d !== 'number') throw new TypeError(`${op}: dim must be an integer, got ${typeof d}`);
    return normDim(d, ndim, op);
  });
  const sorted = [...new Set(dims)].sort((x, y) => x - y);
  if (sorted.length !== dims.length) throw new RangeError(`${op}: dim ${JSON.stringify(list)} lists a dimension twice`);
  return ndim === 0 ? [] : sorted;
}

/** Contiguous `t` in another shape, taking over t's memory (t is disposed): a new result, not a view. */
function reshapeOwned(t: Tensor, shape: readonly number[]): Tensor {
  const v = t._alias(shape, contiguousStrides(shape));
  t.dispose();
  return v;
}

/** toDType that disposes its input. */
function castOwned(t: Tensor, dtype: 'int32'): Tensor {
  const r = toDType(t, dtype);
  if (r !== t) t.dispose();
  return r;
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

function outShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, dims) : shape.filter((_, i) => !dims.includes(i));
}

/** Runs a [outer, r, inner] kernel over each run of adjacent dims, last run first. No autograd. */
function reduceRuns(x: Tensor, dims: readonly number[], kernel: 'sum_f32' | 'max_f32' | 'min_f32'): Tensor {
  let cur = floatContiguous(x);
  let shape = [...x.shape];
  let i = dims.length - 1;
  while (i >= 0) {
    let j = i;
    while (j > 0 && dims[j - 1] === dims[j]! - 1) j--;
    const d0 = dims[j]!, d1 = dims[i]!;
    const outer = numelOf(shape.slice(0, d0));
    const r = numelOf(shape.slice(d0, d1 + 1));
    const inner = numelOf(shape.slice(d1 + 1));
    const nextShape = shape.map((s, k) => (k >= d0 && k <= d1 ? 1 : s));
    const out = Tensor.empty(nextShape, 'float32');
    if (out.numel() > 0) {
      if (kernel === 'sum_f32') kernels().sum_f32(cur.ptr, out.ptr, outer, r, inner);
      else kernels()[kernel](cur.ptr, out.ptr, 0, outer, r, inner);
    }
    if (cur !== x) cur.dispose();
    cur = out;
    shape = nextShape;
    i = j - 1;
  }
  return cur;
}

/**
 * Sum over `dim` (all dims when omitted: a 0-d result). Integer inputs give int32; `{ dtype }` casts the
 * input first (PyTorch's dtype=).
 * @example sum(x, 1, true); sum(x, [0, 2], { dtype: 'float32' })
 */
export function sum(x: Tensor, dim?: Dims | ReduceOptions, keepdimOrOptions?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  const [d, keepdim, dtype] = reduceArgs('sum', dim, keepdimOrOptions, options);
  if (dtype !== undefined && dtype !== x.dtype) {
    const c = toDType(x, dtype);
    const r = sumOf(c, d, keepdim);
    if (c !== r) c._releaseToGraph();
    return r;
  }
  return sumOf(x, d, keepdim);
}

function sumOf(x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = reduceDims(dim, x.ndim, 'sum');
  const shape = outShape(x.shape, dims, keepdim);
  let out: Tensor;
  if (x.numel() === 0) {
    out = Tensor.empty(shape, 'float32');
    if (out.numel() > 0) out.zero_();
  } else if (dims.length === 0) {
    out = x.dtype === 'float32' ? rawContiguous(x) : toDType(x, 'float32');
  } else {
    out = reshapeOwned(reduceRuns(x, dims, 'sum_f32'), shape);
  }
  if (x.dtype !== 'float32') return castOwned(out, 'int32');
  const kept = keptShape(x.shape, dims);
  const inShape = x.shape;
  if (isTracing()) traceAttrs(out, { dims, keepdim });
  return record(out, dim == null ? 'SumBackward0' : 'SumBackward1', [x], [], (g) => [g.reshape(kept).expand(inShape)]);
}

/** Mean over `dim` (all when omitted); float32 only, or `{ dtype: 'float32' }` to cast integers first. */
export function mean(x: Tensor, dim?: Dims | ReduceOptions, keepdimOrOptions?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  const [d, keepdim, dtype] = reduceArgs('mean', dim, keepdimOrOptions, options);
  if (dtype !== undefined && dtype !== x.dtype) {
    if (dtype !== 'float32') throw new TypeError(`mean: dtype must be a floating point dtype (float32), got ${dtype}`);
    const c = toDType(x, dtype);
    const r = mean(c, d, keepdim);
    c._releaseToGraph();
    return r;
  }
  if (x.dtype !== 'float32') throw new TypeError(`mean: input dtype should be float32, got ${x.dtype}; use .float() or { dtype: 'float32' }`);
  const dims = reduceDims(d, x.ndim, 'mean');
  const count = dims.reduce((n, dd) => n * x.shape[dd]!, 1);
  const s = sumOf(x, dims, keepdim);
  const out = s.div(count);
  s._releaseToGraph(); // the sum is this op's own intermediate (sum always makes a new tensor)
  return out;
}

/**
 * Maximum (or minimum) over `dim` (all when omitted). The gradient is shared evenly among tied
 * maxima, as PyTorch's amax: a NaN result equals no element, so its gradient is NaN everywhere.
 * op 'max' / 'min' is max(x) / min(x) over all elements, whose gradient (PyTorch's
 * evenly_distribute_backward) is instead shared among the NaNs when the result is NaN.
 */
function reduceExtreme(x: Tensor, dim: number | readonly number[] | null | undefined, keepdim: boolean, op: 'amax' | 'amin' | 'max' | 'min'): Tensor {
  const dims = reduceDims(dim, x.ndim, op);
  for (const d of dims) {
    if (x.shape[d] === 0) throw new RangeError(`${op}: cannot reduce over a zero-size dimension (shape ${shapeStr(x.shape)}, dim ${d})`);
  }
  if (x.numel() === 0 && dims.length === 0 && x.ndim > 0) {
    throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${shapeStr(x.shape)}`);
  }
  const shape = outShape(x.shape, dims, keepdim);
  const kept = keptShape(x.shape, dims);
  const isMax = op === 'amax' || op === 'max';
  const r = dims.length === 0 ? rawContiguous(floatContiguous(x)) : reduceRuns(x, dims, isMax ? 'max_f32' : 'min_f32');
  const out = reshapeOwned(r, shape);
  if (x.dtype !== 'float32') return castOwned(out, 'int32');
  const name = { amax: 'AmaxBackward0', amin: 'AminBackward0', max: 'MaxBackward1', min: 'MinBackward1' }[op];
  if (isTracing()) traceAttrs(out, { dims, keepdim });
  return record(out, name, [x], [x, out], (g, [a, y]) => {
    const yk = y!.reshape(kept);
    if (op === 'amax' || op === 'amin') {
      const mask = a!.eq(yk).float();
      return [mask.mul(g.reshape(kept)).div(mask.sum(dims, true))];
    }
    // max() / min() (PyTorch's evenly_distribute_backward): a NaN result is shared among the NaNs, and the
    // other elements get exactly 0 (a select, also for a NaN or infinite g).
    const mask = a!.eq(yk).float().add(a!.ne(a!).float().mul(yk.ne(yk).float()));
    return [where(mask.gt(0), g.reshape(kept).div(mask.sum(dims, true)), 0)];
  });
}

export function amax(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  return reduceExtreme(x, dim, keepdim, 'amax');
}
export function amin(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  return reduceExtreme(x, dim, keepdim, 'amin');
}
/** max(x) / min(x) over all elements: amax / amin's value, with PyTorch's gradient at a NaN result. */
export function extremeAll(x: Tensor, which: 'max' | 'min'): Tensor {
  return reduceExtreme(x, null, false, which);
}

/** Indices of the maximum (or minimum) along one dim, as int32 with that dim kept (size 1). */
function argExtreme(x: Tensor, d: number, which: 'max' | 'min'): Tensor {
  const src = floatContiguous(x);
  const shape = x.shape.length === 0 ? [] : x.shape.map((s, i) => (i === d ? 1 : s));
  const vals = Tensor.empty(shape, 'float32');
  const idx = Tensor.empty(shape, 'int32');
  if (idx.numel() > 0) {
    const outer = numelOf(x.shape.slice(0, d));
    const r = x.shape.length === 0 ? 1 : x.shape[d]!;
    const inner = numelOf(x.shape.slice(d + 1));
    kernels()[which === 'max' ? 'max_f32' : 'min_f32'](src.ptr, vals.ptr, idx.ptr, outer, r, inner);
  }
  if (src !== x) src.dispose();
  vals.dispose();
  return idx;
}

function checkNonEmpty(x: Tensor, d: number, op: string): void {
  if (x.ndim > 0 && x.shape[d] === 0) {
    throw new RangeError(`${op}: cannot reduce over a zero-size dimension (shape ${shapeStr(x.shape)}, dim ${d})`);
  }
  if (x.numel() === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${shapeStr(x.shape)}`);
}

/** max(dim) / min(dim): values and int32 indices; the gradient flows to the chosen elements. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, which: 'max' | 'min'): ValuesIndices {
  const d = normDim(dim, x.ndim, which);
  checkNonEmpty(x, d, which);
  const idx = argExtreme(x, d, which);
  const values = x.ndim === 0 ? x.clone() : gather(x, d, idx);
  if (keepdim || x.ndim === 0) return valuesIndices(values, idx);
  // results of their own, not views of the kept-dim tensors (which nothing else sees)
  const shape = x.shape.filter((_, i) => i !== d);
  return valuesIndices(ownReshape(values, shape), idx._alias(shape, contiguousStrides(shape)));
}

/**
 * PyTorch's max: max(x) over all elements; max(x, dim, keepdim?) the values and int32 indices along dim
 * (destructure as [values, indices]); max(x, other) the elementwise maximum (= maximum).
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
export function max(x: Tensor, dimOrOther?: number | Tensor, keepdim?: boolean | { keepdim?: boolean }): Tensor | ValuesIndices {
  return extremeOf(x, dimOrOther, keepdim, 'max');
}

/** PyTorch's min: min(x); min(x, dim, keepdim?) values and indices; min(x, other) = minimum. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
export function min(x: Tensor, dimOrOther?: number | Tensor, keepdim?: boolean | { keepdim?: boolean }): Tensor | ValuesIndices {
  return extremeOf(x, dimOrOther, keepdim, 'min');
}

function extremeOf(x: Tensor, a: number | Tensor | undefined, k: boolean | { keepdim?: boolean } | undefined, op: 'max' | 'min'): Tensor | ValuesIndices {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (a instanceof Tensor) {
    if (k !== undefined) throw new TypeError(`${op}: max(x, other) takes no keepdim`);
    return op === 'max' ? maximum(x, a) : minimum(x, a);
  }
  if (a === undefined) {
    if (k !== undefined) throw new TypeError(`${op}: keepdim needs a dim`);
    return extremeAll(x, op);
  }
  if (typeof a !== 'number') throw new TypeError(`${op}: dim must be an integer or other a Tensor, got ${a === null ? 'null' : typeof a}`);
  const keepdim = isPlainObject(k) ? (checkOptions(op, k, ['keepdim']).keepdim ?? false) : (k ?? false);
  if (typeof keepdim !== 'boolean') throw new TypeError(`${op}: keepdim must be a boolean, got ${typeof keepdim}`);
  return maxDim(x, a, keepdim, op);
}

/** Index of the maximum along `dim`, or in the flattened tensor when dim is omitted. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce(x, dim, keepdim, 'max', 'argmax');
}
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce(x, dim, keepdim, 'min', 'argmin');
}

function argReduce(x: Tensor, dim: number | null | undefined, keepdim: boolean, which: 'max' | 'min', op: string): Tensor {
  if (dim == null) {
    const flat = x.reshape(-1);
    checkNonEmpty(flat, 0, op);
    const idx = argExtreme(flat, 0, which);
    return keepdim ? idx.reshape(x.shape.map(() => 1)) : idx.reshape([]);
  }
  const d = normDim(dim, x.ndim, op);
  checkNonEmpty(x, d, op);
  const idx = argExtreme(x, d, which);
  return keepdim || x.ndim === 0 ? idx : idx.squeeze(d);
}

/**
 * Sums a gradient down to `shape` (the inverse of broadcasting): leading extra dims and dims where
 * `shape` has size 1 are summed. The engine calls this once for every input gradient.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new RangeError(`sumToShape: gradient shape ${shapeStr(g.shape)} has fewer dims than ${shapeStr(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length > 0 ? sum(g, dims, true) : g;
  return s.reshape(shape);
}
