/** Functions that make new tensors: from data, constants, ranges and random draws. */
import { heap, writeMeta } from '../backends/memory.js';
import { kernels } from '../backends/index.js';
import { checkDType, checkValue, type DType } from './dtype.js';
import { checkNdim, parseShape, shapeStr, contiguousStrides } from './shape.js';
import { Tensor } from './tensor.js';
import { nextInt, nextNormal, nextUniform } from './random.js';
import { checkOptions } from '../options.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | boolean | readonly Nested[];

/** Checks a creation function's options object (unknown keys throw with a hint). */
function createOptions(opts: CreateOptions | undefined, op: string): CreateOptions | undefined {
  if (opts !== undefined) checkOptions(op, opts, CREATE_KEYS);
  return opts;
}
const CREATE_KEYS = ['dtype', 'requiresGrad'] as const;

/**
 * The dtype PyTorch infers from JavaScript values: bool for booleans only, int32 (wasmgrad's integer dtype,
 * standing in for PyTorch's int64) when every number is an integer that fits it, float32 otherwise and for
 * no values (an integer beyond int32, such as 1e10, is taken as a float literal).
 * One deliberate difference: with requiresGrad, integers give float32 (PyTorch refuses integer tensors
 * that require grad; JavaScript cannot write 3.0 apart from 3).
 */
const INT32_MAX = 2147483647;

function inferDType(kind: DType | null, opts: CreateOptions | undefined): DType {
  if (kind === null) return 'float32';
  return kind !== 'float32' && opts?.requiresGrad === true ? 'float32' : kind;
}

function finish(t: Tensor, opts: CreateOptions | undefined, op: string): Tensor {
  if (opts?.requiresGrad) {
    if (t.dtype !== 'float32') throw new TypeError(`${op}: only float32 tensors can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

/** Splits trailing options off varargs shapes: zeros(2, 3, {dtype}) or zeros([2, 3], {dtype}). */
function shapeAndOptions(args: readonly unknown[], op: string): [number[], CreateOptions | undefined] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
    return [parseShape(args.slice(0, -1), op), createOptions(last as CreateOptions, op)];
  }
  return [parseShape(args, op), undefined];
}

/** Fills a contiguous tensor with `value` (any dtype). */
export function fillContiguous(t: Tensor, value: number): Tensor {
  const n = t.numel();
  if (n === 0) return t;
  const meta = writeMeta([n], [1]);
  if (t.dtype === 'float32') kernels().fill_f32(t.ptr, value, meta);
  else kernels().fill_i32(t.ptr, value, meta);
  return t;
}

/**
 * Makes a tensor from a number, nested arrays, or a Float32Array/Int32Array (copied). The dtype is inferred
 * as PyTorch does: integers give int32 (labels, indices), any fraction float32, booleans bool; pass
 * `{ dtype: 'float32' }` for float data written as integers (`tensor([1, 2], { dtype: 'float32' })`).
 * @example tensor([[1.5, 2], [3, 4]]) // float32; tensor([0, 2, 1]) // int32; tensor([1, 2], { requiresGrad: true }) // float32
 */
export function tensor(data: Nested | Float32Array | Int32Array | Tensor, options?: CreateOptions): Tensor {
  createOptions(options, 'tensor');
  if (data instanceof Tensor) {
    const t = data.detach().clone();
    return finish(options?.dtype && options.dtype !== t.dtype ? t.to(options.dtype) : t, options, 'tensor');
  }
  let shape: number[];
  let flat: ArrayLike<number>;
  let dtype: DType;
  if (data instanceof Float32Array || data instanceof Int32Array) {
    shape = [data.length];
    flat = data;
    dtype = options?.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  } else {
    shape = [];
    let probe: Nested = data;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      checkNdim(shape.length, 'tensor', () => 'nested arrays');
      probe = probe.length > 0 ? (probe[0] as Nested) : 0;
    }
    const values: number[] = [];
    let sawNumber = false;
    let allIntegers = true;
    const walk = (v: Nested, dim: number, path: string) => {
      if (dim === shape.length) {
        if (typeof v === 'boolean') {
          values.push(v ? 1 : 0);
        } else if (typeof v === 'number') {
          sawNumber = true;
          // (-0 only comes from float arithmetic or a float literal: it keeps the tensor float32)
          if (allIntegers && !(Number.isInteger(v) && Math.abs(v) <= INT32_MAX && !Object.is(v, -0))) allIntegers = false;
          values.push(v);
        } else {
          throw new TypeError(`tensor: expected a number at ${path || 'the top level'}, got ${Array.isArray(v) ? 'an array (nested arrays of unequal depth)' : typeof v}`);
        }
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[dim]) {
        throw new TypeError(
          `tensor: nested arrays must be rectangular; expected length ${shape[dim]} at ${path || 'the top level'}, got ${Array.isArray(v) ? `length ${v.length}` : typeof v}`,
        );
      }
      for (let i = 0; i < v.length; i++) walk(v[i] as Nested, dim + 1, `${path}[${i}]`);
    };
    walk(data, 0, '');
    flat = values;
    dtype = options?.dtype ?? inferDType(values.length === 0 ? null : !sawNumber ? 'bool' : allIntegers ? 'int32' : 'float32', options);
  }
  dtype = checkDType(dtype, 'tensor');
  const t = Tensor.empty(shape, dtype);
  const p = t.ptr >>> 2;
  if (dtype === 'float32') {
    heap.f32.set(flat, p);
  } else {
    const i32 = heap.i32;
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i]!;
      if (dtype === 'int32' && !Number.isInteger(v)) {
        throw new TypeError(`tensor: dtype int32 needs integer values, got ${v}`);
      }
      if (dtype === 'int32') checkValue(v, dtype, 'tensor');
      i32[p + i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
    }
  }
  return finish(t, options, 'tensor');
}

/** @internal a 0-d float32 tensor holding `v`. */
export function scalarTensor(v: number, dtype: DType = 'float32'): Tensor {
  return fillContiguous(Tensor.empty([], dtype), v);
}

export function empty(...args: unknown[]): Tensor {
  const [shape, opts] = shapeAndOptions(args, 'empty');
  return finish(Tensor.empty(shape, checkDType(opts?.dtype ?? 'float32', 'empty')), opts, 'empty');
}

/** Tensor of zeros: zeros(2, 3) or zeros([2, 3], {dtype: 'int32'}). */
export function zeros(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [shape, opts] = shapeAndOptions(args, 'zeros');
  return finish(fillContiguous(Tensor.empty(shape, checkDType(opts?.dtype ?? 'float32', 'zeros')), 0), opts, 'zeros');
}

/** Tensor of ones. */
export function ones(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [shape, opts] = shapeAndOptions(args, 'ones');
  return finish(fillContiguous(Tensor.empty(shape, checkDType(opts?.dtype ?? 'float32', 'ones')), 1), opts, 'ones');
}

/** Tensor filled with `value`: int32 for an integer value, float32 otherwise (PyTorch's inference), unless `dtype`. */
export function full(shape: number | readonly number[], value: number, options?: CreateOptions): Tensor {
  createOptions(options, 'full');
  const s = parseShape(typeof shape === 'number' ? [shape] : [shape], 'full');
  if (typeof value !== 'number') throw new TypeError(`full: fill value must be a number, got ${typeof value}`);
  const dtype = checkDType(options?.dtype ?? inferDType(Number.isInteger(value) ? 'int32' : 'float32', options), 'full');
  return finish(fillContiguous(Tensor.empty(s, dtype), checkValue(value, dtype, 'full')), options, 'full');
}

/** A new tensor of `t`'s shape and (unless `options.dtype`) dtype, filled with `value`. */
function filledLike(t: Tensor, value: number, options: CreateOptions | undefined, op: string): Tensor {
  createOptions(options, op);
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expects a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (typeof value !== 'number') throw new TypeError(`${op}: fill value must be a number, got ${typeof value}`);
  const dtype = checkDType(options?.dtype ?? t.dtype, op);
  return finish(fillContiguous(Tensor.empty(t.shape, dtype), checkValue(value, dtype, op)), options, op);
}

export function zerosLike(t: Tensor, options?: CreateOptions): Tensor {
  return filledLike(t, 0, options, 'zerosLike');
}

export function onesLike(t: Tensor, options?: CreateOptions): Tensor {
  return filledLike(t, 1, options, 'onesLike');
}

export function fullLike(t: Tensor, value: number, options?: CreateOptions): Tensor {
  return filledLike(t, value, options, 'fullLike');
}

function fromGenerator(shape: number[], dtype: DType, gen: () => number): Tensor {
  const t = Tensor.empty(shape, dtype);
  const n = t.numel();
  const p = t.ptr >>> 2;
  const arr = dtype === 'float32' ? heap.f32 : heap.i32;
  for (let i = 0; i < n; i++) arr[p + i] = gen();
  return t;
}

/** Uniform random values in [0, 1). */
export function rand(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [shape, opts] = shapeAndOptions(args, 'rand');
  return finish(fromGenerator(shape, 'float32', nextUniform), opts, 'rand');
}

/** Standard normal random values. */
export function randn(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
  const [shape, opts] = shapeAndOptions(args, 'randn');
  return finish(fromGenerator(shape, 'float32', nextNormal), opts, 'randn');
}

/** Random integers in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: number | readonly number[], options?: CreateOptions): Tensor {
  createOptions(options, 'randint');
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const s = parseShape(typeof shape === 'number' ? [shape] : [shape], 'randint');
  const dtype = checkDType(options?.dtype ?? 'int32', 'randint');
  checkValue(low, dtype, 'randint');
  checkValue(high - 1, dtype, 'randint');
  return finish(fromGenerator(s, dtype, () => low + nextInt(high - low)), options, 'randint');
}

/**
 * Values from start to end (exclusive) by step: arange(4), arange(1, 4), arange(0, 1, 0.25). int32 when
 * start, end and step are integers (PyTorch's int64), float32 otherwise, unless `dtype`.
 */
export function arange(start: number, end?: number | CreateOptions, step?: number | CreateOptions, options?: CreateOptions): Tensor {
  let opts = options;
  if (typeof end === 'object') { opts = end; end = undefined; }
  if (typeof step === 'object') { opts = step; step = undefined; }
  createOptions(opts, 'arange');
  let lo = start, hi = end as number | undefined, st = (step as number | undefined) ?? 1;
  if (hi === undefined) { hi = lo; lo = 0; }
  if (![lo, hi, st].every(Number.isFinite) || st === 0 || (hi - lo) / st < 0) {
    throw new RangeError(`arange: invalid range start=${lo}, end=${hi}, step=${st}`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const dtype = checkDType(opts?.dtype ?? inferDType([lo, hi, st].every(Number.isInteger) ? 'int32' : 'float32', opts), 'arange');
  let i = 0;
  return finish(fromGenerator([n], dtype, () => lo + st * i++), opts, 'arange');
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  createOptions(options, 'linspace');
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = checkDType(options?.dtype ?? 'float32', 'linspace');
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  let i = 0;
  return finish(fromGenerator([steps], dtype, () => (steps > 1 && i === steps - 1 ? end : start + d * i++)), options, 'linspace');
}

/** Identity matrix n×m (m defaults to n). */
export function eye(n: number, m: number | CreateOptions = n, options?: CreateOptions): Tensor {
  let opts = options;
  if (typeof m === 'object') { opts = m; m = n; }
  createOptions(opts, 'eye');
  const s = parseShape([n, m], 'eye');
  const t = zeros(s, { dtype: opts?.dtype ?? 'float32' });
  const p = t.ptr >>> 2;
  const arr = t.dtype === 'float32' ? heap.f32 : heap.i32;
  for (let i = 0; i < Math.min(s[0]!, s[1]!); i++) arr[p + i * s[1]! + i] = 1;
  return finish(t, opts, 'eye');
}

export { shapeStr, contiguousStrides };
