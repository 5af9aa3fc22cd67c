/**
 * More indexing ops, as PyTorch's: maskedFill, maskedSelect, maskedScatter, scatter, scatterAdd,
 * scatterReduce, indexAdd, indexCopy, indexFill, indexPut_, nonzero, argwhere, take, takeAlongDim,
 * bincount, bucketize, searchsorted, and where(cond)'s one-argument form (whereNonzero).
 *
 * No kernels of their own: the index bookkeeping (which flat element of the output each element of the
 * source lands on) is computed in TypeScript over the index values, checked before anything is
 * computed; values move with the flat-index machinery of indexing.ts (indexSelect and its adjoint), so
 * every backward rule is written with differentiable tensor ops and double backward works.
 */
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { broadcastShapes, contiguousStrides, normDim, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { scalarTensor } from '../tensor/creation.js';
import { checkOptions, positionalOptions } from '../options.js';
import * as I from './indexing.js';
import { where } from './binary.js';
import { inplace, toDType } from './copy.js';

type DType = Tensor['dtype'];

// ---------------------------------------------------------------- helpers

const INT32_MAX = 2147483647;

function checkTensor(t: unknown, op: string, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

function checkIndexTensor(t: unknown, op: string, what = 'index'): asserts t is Tensor {
  checkTensor(t, op, what);
  if (t.dtype !== 'int32') throw new TypeError(`${op}: ${what} must be an int32 tensor (int32 stands in for int64), got ${t.dtype}`);
}

function checkBoolMask(t: unknown, op: string): asserts t is Tensor {
  checkTensor(t, op, 'mask');
  if (t.dtype !== 'bool') throw new TypeError(`${op}: mask must be a bool tensor, got ${t.dtype}`);
}

/** A number converted to `dtype` as PyTorch converts a Python scalar written into a tensor. */
function castValue(v: number, dtype: DType, op: string): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: value must be a number or a 0-d tensor, got ${typeof v}`);
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  const t = Math.trunc(v);
  if (!Number.isFinite(v) || t > INT32_MAX || t < -INT32_MAX - 1) throw new RangeError(`${op}: value ${v} cannot be converted to int32 without overflow`);
  return t;
}

/** A fresh contiguous tensor of `shape` and `dtype` holding `values` (row-major; bool as 0/1). */
function fromValues(values: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const t = Tensor.empty([...shape], dtype);
  if (values.length > 0) {
    const p = t.ptr >>> 2;
    if (dtype === 'float32') heap.f32.set(values, p);
    else heap.i32.set(values, p);
  }
  return t;
}

function int32Tensor(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor {
  return fromValues(values, shape, 'int32');
}

/** The coordinates of flat row-major position `q` in `shape`, into `coord`. */
function unravel(q: number, shape: readonly number[], coord: number[]): void {
  for (let k = shape.length - 1; k >= 0; k--) {
    const s = shape[k]!;
    coord[k] = q % s;
    q = Math.floor(q / s);
  }
}

/** A node whose backward throws PyTorch's "not implemented" (the op has no derivative). */
function noDerivative(out: Tensor, name: string, op: string, inputs: readonly (Tensor | null)[]): Tensor {
  return record(out, name, inputs, [], () => {
    throw new Error(`${op}: the derivative is not implemented (as in PyTorch)`);
  });
}

/** The flat values at `t` (as a 1-D tensor) gathered at flat positions `pos` (int32, in range). */
function takeFlat(t: Tensor, pos: Tensor): Tensor {
  return I.indexSelect(t.reshape(-1), 0, pos);
}

/** zeros(shape) with `v` (1-D, one value per entry of `pos`) added at flat positions `pos`. */
function putFlat(v: Tensor, pos: Tensor, shape: readonly number[]): Tensor {
  return I.indexAdd(v, 0, pos, [numelOf(shape)]).reshape([...shape]);
}

/** Whether S reads every element of a src of `n` elements once, in order (then src's gradient is a plain reshape, keeping -0). */
function isIdentity(S: Int32Array, n: number): boolean {
  if (S.length !== n) return false;
  for (let i = 0; i < n; i++) if (S[i] !== i) return false;
  return true;
}

/** v (one value per read of src, 1-D) placed where each was read from a src of `shape` (positions unique). */
function placeAt(v: Tensor, St: Tensor, identity: boolean, shape: readonly number[]): Tensor {
  return identity ? v.reshape([...shape]) : putFlat(v, St, shape);
}

/**
 * Where each element of a scatter goes. T[p]: flat position in self written by element p of the
 * iteration; S[p]: flat position in src read for it. The iteration runs over `iterShape` row-major.
 */
interface Plan {
  T: Int32Array;
  S: Int32Array;
}

/**
 * The plan of scatter-like ops along dim `d`: element at coordinate c of the iteration (shape
 * `iterShape`) goes to self at c with c[d] replaced by `idxAt(p, c)`, and reads src at c (src of
 * shape `srcShape`, at least iterShape in every dim). Index values are checked against self's size.
 */
function scatterPlan(
  op: string,
  selfShape: readonly number[],
  d: number,
  iterShape: readonly number[],
  idxAt: (p: number, c: readonly number[]) => number,
  srcShape: readonly number[],
  allowNegative = false,
): Plan {
  const sShape = selfShape.length === 0 ? [1] : selfShape;
  const iShape = iterShape.length === 0 ? [1] : iterShape;
  const rShape = srcShape.length === 0 ? [1] : srcShape;
  const ss = contiguousStrides(sShape);
  const rs = contiguousStrides(rShape);
  const n = numelOf(iShape);
  const T = new Int32Array(n);
  const S = new Int32Array(n);
  const c = new Array<number>(iShape.length).fill(0);
  const size = sShape[d]!;
  for (let p = 0; p < n; p++) {
    unravel(p, iShape, c);
    let v = idxAt(p, c);
    if (allowNegative && v < 0 && v >= -size) v += size;
    if (v < 0 || v >= size) throw new RangeError(`${op}: index ${idxAt(p, c)} is out of bounds for dimension ${d} with size ${size}`);
    let t = 0;
    let s = 0;
    for (let k = 0; k < c.length; k++) {
      t += (k === d ? v : c[k]!) * ss[k]!;
      s += c[k]! * rs[k]!;
    }
    T[p] = t;
    S[p] = s;
  }
  return { T, S };
}

/** Flat positions of self that a plan writes, each once, in first-write order. */
function uniqueTargets(T: Int32Array): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const t of T) {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return Int32Array.from(out);
}

/** A bool tensor of `shape`, true at the flat positions T. */
function writtenMask(T: Int32Array, shape: readonly number[]): Tensor {
  const m = new Int32Array(numelOf(shape));
  for (const t of T) m[t] = 1;
  return fromValues(m, shape, 'bool');
}

type Mode = 'replace' | 'add' | 'multiply';

/**
 * self with src's values (or `value`) written along a plan: replaced, added (times alpha) or
 * multiplied, in the iteration's order (the last write wins for 'replace'). Gradients as PyTorch's:
 * self gets g with the written positions zeroed ('replace') or g ('add'); src gets g at the target
 * positions (times alpha), placed where it was read. 'multiply' has no derivative (as in PyTorch).
 */
function scatterCore(
  op: string,
  node: string,
  self: Tensor,
  plan: Plan,
  src: Tensor | null,
  value: number,
  mode: Mode,
  alpha = 1,
): Tensor {
  const { T, S } = plan;
  const dtype = self.dtype;
  const out = self.toArray();
  const sv = src === null ? null : src.toArray();
  const f = dtype === 'float32' ? Math.fround : dtype === 'bool' ? (x: number) => (x !== 0 ? 1 : 0) : (x: number) => x | 0;
  for (let p = 0; p < T.length; p++) {
    const t = T[p]!;
    const v = sv === null ? value : sv[S[p]!]!;
    if (mode === 'replace') out[t] = v;
    else if (mode === 'add') out[t] = f(out[t]! + (alpha === 1 ? v : f(alpha * v)));
    else out[t] = f(out[t]! * v);
  }
  const result = fromValues(out, self.shape, dtype);
  if (mode === 'multiply') return noDerivative(result, node, `${op} with reduce='multiply'`, [self, src]);
  if (!isGradEnabled() || !(self.requiresGrad || (src?.requiresGrad ?? false))) return result;
  const Tt = int32Tensor(T);
  const St = int32Tensor(S);
  const selfShape = self.shape;
  const srcShape = src?.shape ?? [];
  const keep = mode === 'replace' ? writtenMask(T, selfShape) : null;
  const identity = src !== null && isIdentity(S, src.numel());
  const saved = keep === null ? [Tt, St] : [Tt, St, keep];
  // (a number value goes in as a 0-d tensor that needs no gradient, so detectAnomaly sees a NaN value as an input)
  const srcIn = src ?? scalarTensor(value, dtype);
  return record(result, node, [self, srcIn], saved, (g, [tt, st, k], needs) => {
    let gs: Tensor | null = null;
    if (needs[1]) {
      const picked = takeFlat(g, tt!);
      gs = placeAt(alpha === 1 ? picked : picked.mul(alpha), st!, identity, srcShape);
    }
    const gself = needs[0] ? (k === undefined ? g : where(k, 0, g)) : null;
    return [gself, gs];
  });
}

/** The tensor form of a value argument: a number, or a 0-d tensor (whose value is used). */
function valueArg(value: TensorOrScalar, op: string): Tensor | number {
  if (typeof value === 'number') return value;
  if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new RangeError(`${op}: only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s)`);
    return value;
  }
  throw new TypeError(`${op}: value must be a number or a 0-d tensor, got ${value === null ? 'null' : typeof value}`);
}

// ---------------------------------------------------------------- maskedFill

/**
 * x with `value` where `mask` (bool, broadcast with x) is true; value a number or a 0-d tensor (which then
 * gets the sum of the gradient at the masked positions). x's gradient is zero at masked positions.
 * @example maskedFill(tensor([1, 2, 3]), tensor([true, false, true]), 0) // [0, 2, 0]
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  checkTensor(x, 'maskedFill', 'input');
  checkBoolMask(mask, 'maskedFill');
  const v = valueArg(value, 'maskedFill');
  broadcastShapes(x.shape, mask.shape, 'maskedFill');
  // A number goes in as a 0-d tensor, so that detectAnomaly sees a NaN value as an input, not as made here.
  const vt = typeof v === 'number' ? scalarTensor(castValue(v, x.dtype, 'maskedFill'), x.dtype === 'bool' ? 'int32' : x.dtype) : v.dtype === 'float32' ? v : toDType(v, 'float32');
  const r = noGrad(() => where(mask, vt, x));
  let out = r;
  if (r.dtype !== x.dtype) {
    out = toDType(r, x.dtype);
    r.dispose();
  }
  if (isTracing()) traceAttrs(out, { mask });
  return record(out, 'MaskedFillBackward0', [x, typeof v === 'number' ? vt : v], [mask], (g, [m], needs) => [
    needs[0] ? where(m!, 0, g) : null,
    needs[1] ? where(m!, g, 0).sum() : null,
  ]);
}

/**
 * In place: self's elements where `mask` (bool, broadcast to self's shape) is true are set to `value`.
 * @example x.maskedFill_(x.lt(0), 0)
 */
export function maskedFill_<T extends Tensor>(self: T, mask: Tensor, value: TensorOrScalar): T {
  checkTensor(self, 'maskedFill_', 'self');
  checkBoolMask(mask, 'maskedFill_');
  const b = broadcastShapes(self.shape, mask.shape, 'maskedFill_');
  if (!sameShape(b, self.shape)) throw new RangeError(`maskedFill_: mask of shape ${shapeStr(mask.shape)} cannot be broadcast to self's shape ${shapeStr(self.shape)}`);
  valueArg(value, 'maskedFill_');
  if (typeof value === 'number') castValue(value, self.dtype, 'maskedFill_');
  return inplace(self, (a) => maskedFill(a as Tensor, mask, value), 0, undefined, 'maskedFill_');
}

// ---------------------------------------------------------------- nonzero, argwhere, where(cond)

/** Row-major flat positions of the nonzero (NaN counts as nonzero) elements of x. */
function nonzeroPositions(x: Tensor): number[] {
  const v = x.toArray();
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) out.push(i);
  return out;
}

export interface NonzeroOptions {
  /** Return one 1-D index tensor per dim instead of one [n, ndim] tensor. */
  asTuple?: boolean;
}

/**
 * Indices of the nonzero elements of x: an int32 tensor [n, ndim] (row-major order), or with
 * `{ asTuple: true }` one 1-D int32 tensor per dim (a 0-d x gives one tensor). NaN counts as nonzero.
 * @example nonzero(tensor([[1, 0], [0, 2]])) // [[0, 0], [1, 1]]
 */
export function nonzero(x: Tensor, options: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(x: Tensor, options?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(x: Tensor, options?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(x: Tensor, options?: NonzeroOptions): Tensor | Tensor[] {
  checkTensor(x, 'nonzero', 'input');
  const o = checkOptions('nonzero', options, ['asTuple']);
  const pos = nonzeroPositions(x);
  const nd = x.ndim;
  if (o.asTuple === true) {
    if (nd === 0) return [int32Tensor(pos.map(() => 0))];
    const cols = Array.from({ length: nd }, () => new Int32Array(pos.length));
    const c = new Array<number>(nd).fill(0);
    pos.forEach((q, i) => {
      unravel(q, x.shape, c);
      for (let k = 0; k < nd; k++) cols[k]![i] = c[k]!;
    });
    return cols.map((col) => int32Tensor(col));
  }
  const out = new Int32Array(pos.length * nd);
  const c = new Array<number>(nd).fill(0);
  pos.forEach((q, i) => {
    unravel(q, x.shape, c);
    for (let k = 0; k < nd; k++) out[i * nd + k] = c[k]!;
  });
  return int32Tensor(out, [pos.length, nd]);
}

/**
 * Indices of the nonzero elements of x as an int32 tensor [n, ndim] (PyTorch's argwhere = nonzero).
 * @example argwhere(tensor([0, 3, 0, 4])) // [[1], [3]]
 */
export function argwhere(x: Tensor): Tensor {
  checkTensor(x, 'argwhere', 'input');
  return nonzero(x);
}

/**
 * where(condition) with one argument: nonzero(condition, { asTuple: true }).
 * @example whereNonzero(tensor([0, 1, 1])) // [tensor([1, 2])]
 */
export function whereNonzero(condition: Tensor): Tensor[] {
  checkTensor(condition, 'where', 'condition');
  return nonzero(condition, { asTuple: true });
}

// ---------------------------------------------------------------- maskedSelect, maskedScatter

/**
 * The elements of x where `mask` (bool; x and mask broadcast together) is true, as a 1-D tensor in
 * row-major order. The gradient goes back to the selected positions.
 * @example maskedSelect(tensor([1, 2, 3]), tensor([true, false, true])) // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkTensor(x, 'maskedSelect', 'input');
  checkBoolMask(mask, 'maskedSelect');
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const m = sameShape(mask.shape, shape) ? mask : mask.expand(shape);
  const pos = int32Tensor(nonzeroPositions(m));
  const out = noGrad(() => takeFlat(sameShape(x.shape, shape) ? x : x.expand(shape), pos));
  // The gradient lands in the broadcast shape; the engine sums it down to x's shape.
  return record(out, 'MaskedSelectBackward0', [x], [pos], (g, [p]) => [putFlat(g, p!, shape)]);
}

/**
 * x with the positions where `mask` (bool, broadcast with x) is true filled, in row-major order, with the
 * leading elements of `source` (same dtype as x, at least as many elements as masked positions).
 * Gradients: x gets zeros at masked positions, source gets the masked gradient at its leading positions.
 * @example maskedScatter(zeros(4), tensor([true, false, true, false]), tensor([5, 6], { dtype: 'float32' })) // [5, 0, 6, 0]
 */
export function maskedScatter(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'maskedScatter', 'input');
  checkBoolMask(mask, 'maskedScatter');
  checkTensor(source, 'maskedScatter', 'source');
  if (source.dtype !== x.dtype) throw new TypeError(`maskedScatter: expected self and source to have the same dtype, got ${x.dtype} and ${source.dtype}`);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedScatter');
  const m = sameShape(mask.shape, shape) ? mask : mask.expand(shape);
  const pos = nonzeroPositions(m);
  if (m !== mask) m.dispose();
  if (pos.length > source.numel()) {
    throw new RangeError(`maskedScatter: the mask has ${pos.length} true elements but source (shape ${shapeStr(source.shape)}) has only ${source.numel()}`);
  }
  const xe = sameShape(x.shape, shape) ? x : x.expand(shape);
  const plan = { T: Int32Array.from(pos), S: Int32Array.from(pos, (_, i) => i) };
  return scatterCore('maskedScatter', 'MaskedScatterBackward0', xe, plan, source, 0, 'replace');
}

// ---------------------------------------------------------------- scatter family

function checkScatterArgs(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | null): number {
  checkTensor(x, op, 'input');
  const d = normDim(dim, x.ndim, op);
  checkIndexTensor(index, op);
  const nd = Math.max(x.ndim, 1);
  if (Math.max(index.ndim, 1) !== nd && index.numel() > 0) {
    throw new RangeError(`${op}: index (shape ${shapeStr(index.shape)}) must have as many dimensions as self (shape ${shapeStr(x.shape)})`);
  }
  if (src !== null) {
    if (src.dtype !== x.dtype) throw new TypeError(`${op}: expected self and src to have the same dtype, got ${x.dtype} and ${src.dtype}`);
    if (Math.max(src.ndim, 1) !== nd && index.numel() > 0) {
      throw new RangeError(`${op}: src (shape ${shapeStr(src.shape)}) must have as many dimensions as self (shape ${shapeStr(x.shape)})`);
    }
  }
  if (index.numel() > 0) {
    const is = index.ndim === 0 ? [1] : index.shape;
    const xs = x.ndim === 0 ? [1] : x.shape;
    const ss = src === null ? null : src.ndim === 0 ? [1] : src.shape;
    for (let k = 0; k < nd; k++) {
      if ((k !== d && is[k]! > xs[k]!) || (ss !== null && is[k]! > ss[k]!)) {
        throw new RangeError(
          `${op}: index shape ${shapeStr(index.shape)} must not be larger than self shape ${shapeStr(x.shape)} outside dim ${d}` +
            (src === null ? '' : ` nor than src shape ${shapeStr(src.shape)}`),
        );
      }
    }
  }
  return d;
}

function planOfIndex(op: string, x: Tensor, d: number, index: Tensor, srcShape: readonly number[]): Plan {
  const iv = index.toArray();
  if (index.numel() === 0) return { T: new Int32Array(0), S: new Int32Array(0) };
  return scatterPlan(op, x.shape, d, index.shape, (p) => iv[p]!, srcShape);
}

export interface ScatterOptions {
  /** PyTorch 1.13's scatter reduction: 'add' or 'multiply' (not differentiable, as in PyTorch). */
  reduce?: 'add' | 'multiply';
}

/**
 * x with, along `dim`, out[..., index[i][j], ...] = src[i][j] (src a tensor of x's dtype, or a number),
 * for every position of `index` (int32, as many dims as x, not larger than x outside dim nor than src).
 * With `{ reduce: 'add' | 'multiply' }` the values are added or multiplied instead. Gradients (without
 * reduce) as PyTorch's: x gets g with the scattered positions zeroed, src gets g gathered at index.
 * @example scatter(zeros(3), 0, tensor([2, 0]), tensor([5, 6], { dtype: 'float32' })) // [6, 0, 5]
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: TensorOrScalar, options?: ScatterOptions): Tensor {
  const o = checkOptions('scatter', options, ['reduce']);
  if (o.reduce !== undefined && o.reduce !== 'add' && o.reduce !== 'multiply') {
    throw new RangeError(`scatter: reduce must be 'add' or 'multiply', got ${String(o.reduce)}`);
  }
  if (typeof src !== 'number' && !(src instanceof Tensor)) throw new TypeError(`scatter: src must be a Tensor or a number, got ${src === null ? 'null' : typeof src}`);
  const s = typeof src === 'number' ? null : src;
  const d = checkScatterArgs('scatter', x, dim, index, s);
  const value = typeof src === 'number' ? castValue(src, x.dtype, 'scatter') : 0;
  const plan = planOfIndex('scatter', x, d, index, s?.shape ?? index.shape);
  const mode: Mode = o.reduce ?? 'replace';
  return scatterCore('scatter', o.reduce === undefined ? 'ScatterBackward0' : 'ScatterReduceBackward0', x, plan, s, value, mode);
}

/**
 * x with src's values added along `dim` at the positions `index` names (duplicates accumulate).
 * Gradients: x gets g, src gets g gathered at index.
 * @example scatterAdd(zeros(3), 0, tensor([0, 0, 2]), ones(3)) // [2, 0, 1]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(src, 'scatterAdd', 'src');
  const d = checkScatterArgs('scatterAdd', x, dim, index, src);
  const plan = planOfIndex('scatterAdd', x, d, index, src.shape);
  return scatterCore('scatterAdd', 'ScatterAddBackward0', x, plan, src, 0, 'add');
}

export type ScatterReduction = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

export interface ScatterReduceOptions {
  /** Whether self's own values take part in the reduction (default true). */
  includeSelf?: boolean;
}

/**
 * x with src's values reduced along `dim` into the positions `index` names: 'sum', 'prod', 'mean',
 * 'amax' or 'amin', with x's own value included unless `{ includeSelf: false }` (positions nothing is
 * scattered to keep x's value). Integer 'mean' rounds down, as PyTorch's. NaN propagates through
 * amax/amin. Gradients as PyTorch's scatter_reduce backward (amax/amin share g evenly among ties).
 * @example scatterReduce(zeros(2), 0, tensor([0, 0, 1]), tensor([1, 3, 2], { dtype: 'float32' }), 'amax') // [3, 2]
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options?: ScatterReduceOptions): Tensor {
  const o = checkOptions('scatterReduce', options, ['includeSelf']);
  checkTensor(src, 'scatterReduce', 'src');
  if (!['sum', 'prod', 'mean', 'amax', 'amin'].includes(reduce)) {
    throw new RangeError(`scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got ${String(reduce)}`);
  }
  const includeSelf = o.includeSelf ?? true;
  if (typeof includeSelf !== 'boolean') throw new TypeError(`scatterReduce: includeSelf must be a boolean, got ${typeof includeSelf}`);
  const d = checkScatterArgs('scatterReduce', x, dim, index, src);
  const plan = planOfIndex('scatterReduce', x, d, index, src.shape);
  return scatterReduceCore(x, d, plan, src, reduce, includeSelf);
}

function scatterReduceCore(x: Tensor, d: number, plan: Plan, src: Tensor, reduce: ScatterReduction, includeSelf: boolean): Tensor {
  const { T, S } = plan;
  const dtype = x.dtype;
  const out = x.toArray();
  const sv = src.toArray();
  const f = dtype === 'float32' ? Math.fround : dtype === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : (v: number) => v | 0;
  const count = new Int32Array(out.length);
  if (!includeSelf) {
    const init = reduce === 'prod' ? 1 : reduce === 'amax' ? -Infinity : reduce === 'amin' ? Infinity : 0;
    for (const t of T) out[t] = dtype === 'float32' ? init : reduce === 'amax' ? -INT32_MAX - 1 : reduce === 'amin' ? INT32_MAX : init;
  } else {
    for (const t of T) count[t] = 1;
  }
  for (let p = 0; p < T.length; p++) {
    const t = T[p]!;
    const v = sv[S[p]!]!;
    const a = out[t]!;
    if (reduce === 'sum' || reduce === 'mean') out[t] = f(a + v);
    else if (reduce === 'prod') out[t] = f(a * v);
    else if (reduce === 'amax') out[t] = Number.isNaN(a) || a > v ? a : v;
    else out[t] = Number.isNaN(a) || a < v ? a : v;
    count[t]!++;
  }
  if (reduce === 'mean') {
    for (const t of uniqueTargets(T)) {
      const n = count[t]!;
      out[t] = dtype === 'float32' ? Math.fround(out[t]! / n) : Math.floor(out[t]! / n);
    }
  }
  const result = fromValues(out, x.shape, dtype);
  if (!isGradEnabled() || !(x.requiresGrad || src.requiresGrad)) return result;
  const Tt = int32Tensor(T);
  const St = int32Tensor(S);
  const selfShape = x.shape;
  const srcShape = src.shape;
  const written = includeSelf ? null : writtenMask(T, selfShape);
  const needValues = reduce === 'prod' || reduce === 'amax' || reduce === 'amin';
  const identity = isIdentity(S, src.numel());
  const saved = [Tt, St, ...(written === null ? [] : [written]), ...(needValues ? [x, src, result] : [])];
  return record(result, 'ScatterReduceBackward0', [x, src], saved, (g, sv2, needs) => {
    const tt = sv2[0]!, st = sv2[1]!;
    let k = 2;
    const w = written === null ? null : sv2[k++]!;
    const self = needValues ? sv2[k++]! : null;
    const s = needValues ? sv2[k++]! : null;
    const res = needValues ? sv2[k++]! : null;
    const gatherT = (t: Tensor) => takeFlat(t, tt);
    const toSrc = (v: Tensor) => placeAt(v, st, identity, srcShape);
    let gSelf: Tensor;
    let gSrc: Tensor;
    if (reduce === 'sum') {
      gSelf = g;
      gSrc = toSrc(gatherT(g));
    } else if (reduce === 'mean') {
      const cnt = new Float32Array(numelOf(selfShape)).fill(includeSelf ? 1 : 0);
      for (const t of T) cnt[t]! += 1;
      for (let i = 0; i < cnt.length; i++) if (cnt[i] === 0) cnt[i] = 1;
      const N = fromValues(cnt, selfShape, 'float32');
      gSelf = g.div(N);
      gSrc = toSrc(gatherT(g).div(gatherT(N)));
    } else if (reduce === 'prod') {
      // PyTorch's rule, with explicit exclusive products where self or src hold zeros.
      const maskedSelf = maskedFill(self!, self!.eq(0), 1);
      const maskedSelfResult = scatterReduceCore(maskedSelf, d, { T, S }, s!, 'prod', includeSelf);
      gSelf = g.mul(maskedSelfResult).div(maskedSelf);
      const srcAt = takeFlat(s!, st);
      const srcZero = srcAt.eq(0);
      const zeros = takeFlat(putFlat(srcZero.float(), tt, selfShape), tt);
      const singleZero = srcZero.float().mul(zeros.eq(1).float()).bool();
      const maskedSrc = maskedFill(srcAt, singleZero, 1);
      const ident = Int32Array.from(T, (_, i) => i);
      const maskedSrcResult = scatterReduceCore(self!, d, { T, S: ident }, maskedSrc, 'prod', includeSelf);
      gSrc = toSrc(where(singleZero, gatherT(g.mul(maskedSrcResult)), gatherT(g.mul(res!)).div(maskedFill(srcAt, srcZero, 1))));
    } else {
      const value = gatherT(res!);
      const srcAt = takeFlat(s!, st);
      const selfIs = self!.eq(res!).float();
      const srcIs = srcAt.eq(value).float();
      const nDist = selfIs.add(putFlat(srcIs, tt, selfShape));
      const gDist = g.div(nDist);
      gSelf = selfIs.mul(gDist);
      gSrc = toSrc(srcIs.mul(gatherT(gDist)));
    }
    return [needs[0] ? (w === null ? gSelf : where(w, 0, gSelf)) : null, needs[1] ? gSrc : null];
  });
}

// ---------------------------------------------------------------- indexAdd, indexCopy, indexFill

/** Checks index (0-d or 1-D int32) and source's shape for the index_* ops; returns the dim. */
function checkIndexOp(op: string, x: Tensor, dim: number, index: Tensor, source: Tensor | null): number {
  checkTensor(x, op, 'input');
  const d = normDim(dim, x.ndim, op);
  checkIndexTensor(index, op);
  if (index.ndim > 1) throw new RangeError(`${op}: index must be 0-d or 1-D, got shape ${shapeStr(index.shape)}`);
  if (source !== null) {
    checkTensor(source, op, 'source');
    if (source.dtype !== x.dtype) throw new TypeError(`${op}: self and source must have the same dtype, got ${x.dtype} and ${source.dtype}`);
    const want = x.ndim === 0 ? [] : x.shape.map((s, k) => (k === d ? index.numel() : s));
    const ok = sameShape(source.shape, want) || (x.ndim === 0 && source.numel() === 1 && index.numel() === 1) || (source.ndim === 0 && numelOf(want) === 1);
    if (!ok) {
      throw new RangeError(
        `${op}: source of shape ${shapeStr(source.shape)} does not match self of shape ${shapeStr(x.shape)} with ${index.numel()} indices along dim ${d} (expected ${shapeStr(want)})`,
      );
    }
  }
  return d;
}

/** The plan of index_* ops: element c of the iteration (x's shape with dim d of index's length) goes to c[d] = index[c[d]]. */
function planOfIndexOp(op: string, x: Tensor, d: number, index: Tensor, srcShape: readonly number[], allowNegative = false): Plan {
  const iv = index.toArray();
  const iterShape = x.ndim === 0 ? [iv.length] : x.shape.map((s, k) => (k === d ? iv.length : s));
  if (numelOf(iterShape) === 0) return { T: new Int32Array(0), S: new Int32Array(0) };
  return scatterPlan(op, x.shape, d, iterShape, (_p, c) => iv[c[d]!]!, srcShape.length === 0 ? [1] : srcShape, allowNegative);
}

export interface IndexAddOptions {
  /** Scale of source (default 1). */
  alpha?: number;
}

/**
 * x with alpha * source's slices added along `dim` at the positions `index` (0-d or 1-D int32) names;
 * source is x's shape with dim of index's length. Duplicates accumulate. Gradients: x gets g, source
 * gets alpha * g.indexSelect(dim, index).
 * @example indexAdd(zeros(3, 2), 0, tensor([0, 2]), ones(2, 2), { alpha: 2 })
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options?: IndexAddOptions): Tensor {
  const o = checkOptions('indexAdd', options, ['alpha']);
  const alpha = o.alpha ?? 1;
  if (typeof alpha !== 'number') throw new TypeError(`indexAdd: alpha must be a number, got ${typeof alpha}`);
  if (x instanceof Tensor && x.dtype !== 'float32' && !Number.isInteger(alpha)) throw new TypeError(`indexAdd: alpha must be an integer for a ${x.dtype} tensor, got ${alpha}`);
  const d = checkIndexOp('indexAdd', x, dim, index, source);
  const plan = planOfIndexOp('indexAdd', x, d, index, source.shape);
  return scatterCore('indexAdd', 'IndexAddBackward0', x, plan, source, 0, 'add', alpha);
}

/**
 * x with source's slices copied along `dim` to the positions `index` (0-d or 1-D int32) names.
 * Gradients: x gets g with the indexed slices zeroed, source gets g.indexSelect(dim, index).
 * @example indexCopy(zeros(3, 2), 0, tensor([2, 0]), ones(2, 2))
 */
export function indexCopy(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const d = checkIndexOp('indexCopy', x, dim, index, source);
  const plan = planOfIndexOp('indexCopy', x, d, index, source.shape);
  return scatterCore('indexCopy', 'IndexCopyBackward0', x, plan, source, 0, 'replace');
}

/**
 * x with the slices along `dim` at `index` (0-d or 1-D int32; negative indices count from the end, as
 * PyTorch's) set to `value` (a number or a 0-d tensor, which then gets the sum of the gradient over the
 * filled positions). x's gradient is zero in the filled slices.
 * @example indexFill(ones(2, 3), 1, tensor([0, 2]), 0) // [[0, 1, 0], [0, 1, 0]]
 */
export function indexFill(x: Tensor, dim: number, index: Tensor, value: TensorOrScalar): Tensor {
  const d = checkIndexOp('indexFill', x, dim, index, null);
  const v = valueArg(value, 'indexFill');
  const plan = planOfIndexOp('indexFill', x, d, index, [], true);
  // Each filled position once: a 0-d value tensor's gradient sums g over the distinct positions, as PyTorch's.
  const T = uniqueTargets(plan.T);
  const one = { T, S: new Int32Array(T.length) };
  if (typeof v === 'number') return scatterCore('indexFill', 'IndexFillBackward0', x, one, null, castValue(v, x.dtype, 'indexFill'), 'replace');
  const vv = v.dtype === x.dtype ? v : toDType(v, x.dtype);
  return scatterCore('indexFill', 'IndexFillBackward1', x, one, vv.reshape(1), 0, 'replace');
}

// ---------------------------------------------------------------- take, takeAlongDim

/**
 * The elements of x at flat (row-major) positions `index` (int32, any shape; negative counts from the
 * end), shaped like index. The gradient accumulates back at those positions.
 * @example take(tensor([[1, 2], [3, 4]]), tensor([0, 3])) // [1, 4]
 */
export function take(x: Tensor, index: Tensor): Tensor {
  checkTensor(x, 'take', 'input');
  checkIndexTensor(index, 'take');
  const n = x.numel();
  const iv = index.toArray();
  const pos = new Int32Array(iv.length);
  for (let i = 0; i < iv.length; i++) {
    const v = iv[i]!;
    if (v < -n || v >= n) throw new RangeError(`take: out of range: tried to access index ${v} on a tensor of ${n} elements`);
    pos[i] = v < 0 ? v + n : v;
  }
  const p = int32Tensor(pos);
  const xv = x.toArray();
  const out = fromValues(Array.from(pos, (q) => xv[q]!), index.shape, x.dtype);
  const shape = x.shape;
  return record(out, 'TakeBackward0', [x], [p], (g, [q]) => [putFlat(g.reshape(-1), q!, shape)]);
}

/**
 * Values of x picked along `dim` by `indices` (int32; x and indices broadcast in the other dims), as
 * gather; without dim, x flattened and indices as flat positions (a 1-D result).
 * @example takeAlongDim(tensor([[10, 30, 20]]), tensor([[1]]), 1) // [[30]]
 */
export function takeAlongDim(x: Tensor, indices: Tensor, dim?: number | null): Tensor {
  checkTensor(x, 'takeAlongDim', 'input');
  checkIndexTensor(indices, 'takeAlongDim', 'indices');
  if (dim === undefined || dim === null) {
    const xf = x.reshape(-1);
    const n = xf.shape[0]!;
    const iv = indices.toArray();
    for (const v of iv) if (v < 0 || v >= n) throw new RangeError(`takeAlongDim: index ${v} is out of bounds for dimension 0 with size ${n}`);
    return I.gather(xf, 0, indices.reshape(-1));
  }
  const d = normDim(dim, x.ndim, 'takeAlongDim');
  if (x.ndim !== indices.ndim) {
    throw new RangeError(`takeAlongDim: input (shape ${shapeStr(x.shape)}) and indices (shape ${shapeStr(indices.shape)}) should have the same number of dimensions`);
  }
  const xs = [...x.shape], is = [...indices.shape];
  xs[d] = 1;
  is[d] = 1;
  const b = broadcastShapes(xs, is, 'takeAlongDim');
  const xe = [...b], ie = [...b];
  xe[d] = x.ndim === 0 ? 1 : x.shape[d]!;
  ie[d] = indices.ndim === 0 ? 1 : indices.shape[d]!;
  const size = xe[d]!;
  for (const v of indices.toArray()) if (v < 0 || v >= size) throw new RangeError(`takeAlongDim: index ${v} is out of bounds for dimension ${d} with size ${size}`);
  const xx = sameShape(x.shape, xe) ? x : x.expand(xe);
  const ii = sameShape(indices.shape, ie) ? indices : indices.expand(ie);
  return I.gather(xx, d, ii);
}

// ---------------------------------------------------------------- indexPut_

/** Index tensors of indexPut: int32 (negative counts from the end) or bool (its nonzero positions). */
function indexPutPlan(op: string, self: Tensor, indices: readonly (Tensor | null)[]): { T: Int32Array; shape: number[] } {
  if (!Array.isArray(indices)) throw new TypeError(`${op}: indices must be an array of tensors`);
  const ints: Tensor[] = [];
  const owned: Tensor[] = [];
  for (const [i, t] of indices.entries()) {
    checkTensor(t, op, `indices[${i}]`);
    if (t.dtype === 'bool') {
      const k = ints.length;
      for (let j = 0; j < t.ndim; j++) {
        if (t.shape[j] !== self.shape[k + j]) {
          throw new RangeError(`${op}: the shape of the mask ${shapeStr(t.shape)} at index ${i} does not match the shape of the indexed tensor ${shapeStr(self.shape)}`);
        }
      }
      const cols = t.ndim === 0 ? [] : nonzero(t, { asTuple: true });
      ints.push(...cols);
      owned.push(...cols);
    } else if (t.dtype === 'int32') {
      ints.push(t);
    } else {
      throw new TypeError(`${op}: indices must be int32 or bool tensors, got ${t.dtype} at ${i}`);
    }
  }
  if (ints.length > self.ndim) throw new RangeError(`${op}: too many indices for tensor of dimension ${self.ndim} (got ${ints.length})`);
  let bshape: number[] = [];
  for (const t of ints) bshape = broadcastShapes(bshape, t.shape, op);
  const rest = self.shape.slice(ints.length);
  const vals = ints.map((t) => ({ v: t.toArray(), st: t.shape.length === 0 ? [] : t.shape }));
  const nb = numelOf(bshape);
  const nr = numelOf(rest);
  const ss = contiguousStrides(self.shape);
  const T = new Int32Array(nb * nr);
  const c = new Array<number>(bshape.length).fill(0);
  const rc = new Array<number>(rest.length).fill(0);
  for (let b = 0; b < nb; b++) {
    unravel(b, bshape, c);
    let base = 0;
    vals.forEach(({ v, st }, k) => {
      // broadcast coordinate into this index tensor
      let q = 0;
      const off = bshape.length - st.length;
      for (let j = 0; j < st.length; j++) q = q * st[j]! + (st[j] === 1 ? 0 : c[off + j]!);
      let iv = v[q]!;
      const size = self.shape[k]!;
      if (iv < -size || iv >= size) throw new RangeError(`${op}: index ${iv} is out of bounds for dimension ${k} with size ${size}`);
      if (iv < 0) iv += size;
      base += iv * ss[k]!;
    });
    for (let r = 0; r < nr; r++) {
      unravel(r, rest, rc);
      let o = 0;
      for (let j = 0; j < rest.length; j++) o += rc[j]! * ss[ints.length + j]!;
      T[b * nr + r] = base + o;
    }
  }
  for (const t of owned) t.dispose();
  return { T, shape: [...bshape, ...rest] };
}

export interface IndexPutOptions {
  /** Add values at the indexed positions (duplicates accumulate) instead of writing them. */
  accumulate?: boolean;
}

/**
 * self[indices] = values, out of place: `indices` is an array of int32 tensors (negative counts from
 * the end) or bool masks indexing self's leading dims (broadcast together), `values` (self's dtype, or a
 * number) broadcasts to the indexed shape; with `accumulate` the values are added. Gradients: self gets
 * g (accumulate) or g with the indexed positions zeroed; values get g at the indexed positions.
 * @example indexPut(zeros(3), [tensor([0, 2])], tensor([5, 6], { dtype: 'float32' })) // [5, 0, 6]
 */
export function indexPut(self: Tensor, indices: readonly (Tensor | null)[], values: TensorOrScalar, accumulate?: boolean | IndexPutOptions, options?: IndexPutOptions): Tensor {
  checkTensor(self, 'indexPut', 'self');
  const o = positionalOptions<IndexPutOptions>('indexPut', options === undefined ? [accumulate] : [accumulate, options], ['accumulate']);
  const acc = o.accumulate ?? false;
  if (typeof acc !== 'boolean') throw new TypeError(`indexPut: accumulate must be a boolean, got ${typeof acc}`);
  if (typeof values !== 'number') {
    checkTensor(values, 'indexPut', 'values');
    if (values.dtype !== self.dtype) throw new TypeError(`indexPut: values must have self's dtype ${self.dtype}, got ${values.dtype}`);
  }
  const { T, shape } = indexPutPlan('indexPut', self, indices);
  let src: Tensor | null = null;
  if (values instanceof Tensor) {
    const b = broadcastShapes(values.shape, shape, 'indexPut');
    if (!sameShape(b, shape)) throw new RangeError(`indexPut: values of shape ${shapeStr(values.shape)} cannot be broadcast to the indexed shape ${shapeStr(shape)}`);
    src = sameShape(values.shape, shape) ? values : values.expand(shape);
  }
  const value = typeof values === 'number' ? castValue(values, self.dtype, 'indexPut') : 0;
  const plan = { T, S: Int32Array.from(T, (_, i) => i) };
  return scatterCore('indexPut', 'IndexPutBackward0', self, plan, src, value, acc ? 'add' : 'replace');
}

/**
 * In place: self[indices] = values (or += with `accumulate`); see indexPut.
 * @example x.indexPut_([tensor([0])], tensor(1.5))
 */
export function indexPut_<T extends Tensor>(self: T, indices: readonly (Tensor | null)[], values: TensorOrScalar, accumulate?: boolean | IndexPutOptions, options?: IndexPutOptions): T {
  checkTensor(self, 'indexPut_', 'self');
  const o = positionalOptions<IndexPutOptions>('indexPut_', options === undefined ? [accumulate] : [accumulate, options], ['accumulate']);
  indexPutPlan('indexPut_', self, indices); // errors before anything is written
  return inplace(self, (a) => indexPut(a as Tensor, indices, values, o), 0, undefined, 'indexPut_');
}

// ---------------------------------------------------------------- bincount, bucketize, searchsorted

export interface BincountOptions {
  /** Per-element weights (same length as input): the counts become sums of weights (float32). */
  weights?: Tensor | null;
  /** Minimum number of bins. */
  minlength?: number;
}

/**
 * Counts of each value of a 1-D non-negative int32 tensor: bin i holds how many times i occurs (or the
 * sum of the weights there); max(input) + 1 bins, at least `minlength`. int32 without weights, float32
 * with. Not differentiable (as in PyTorch).
 * @example bincount(tensor([0, 1, 1, 3])) // [1, 2, 0, 1]
 */
export function bincount(x: Tensor, ...args: (Tensor | number | null | BincountOptions | undefined)[]): Tensor {
  const o = positionalOptions<BincountOptions>('bincount', args, ['weights', 'minlength']);
  checkTensor(x, 'bincount', 'input');
  const minlength = o.minlength ?? 0;
  if (typeof minlength !== 'number' || !Number.isInteger(minlength) || minlength < 0) throw new RangeError(`bincount: minlength should be a non-negative integer, got ${String(minlength)}`);
  if (x.ndim !== 1 || x.dtype !== 'int32') throw new TypeError(`bincount: only supports 1-d non-negative integral (int32) inputs, got ${x.dtype} of shape ${shapeStr(x.shape)}`);
  const w = o.weights ?? null;
  if (w !== null) {
    checkTensor(w, 'bincount', 'weights');
    if (w.ndim !== 1 || w.shape[0] !== x.shape[0]) throw new RangeError(`bincount: weights (shape ${shapeStr(w.shape)}) should be 1-d and have the same length as input (shape ${shapeStr(x.shape)})`);
  }
  const v = x.toArray();
  let max = -1;
  for (const a of v) {
    if (a < 0) throw new RangeError(`bincount: only supports non-negative inputs, got ${a}`);
    if (a > max) max = a;
  }
  const n = Math.max(max + 1, minlength);
  if (w === null) {
    const out = new Int32Array(n);
    for (const a of v) out[a]!++;
    return fromValues(out, [n], 'int32');
  }
  const wv = w.toArray();
  const out = new Float64Array(n);
  for (let i = 0; i < v.length; i++) out[v[i]!]! += wv[i]!;
  return noDerivative(fromValues(Float32Array.from(out), [n], 'float32'), 'BincountBackward0', 'bincount', [w]);
}

/** First position in sorted[off .. off+len) (read through `sorter`) with value >= v (or > v with right), as PyTorch's binary search. */
function bound(sorted: ArrayLike<number>, off: number, len: number, v: number, right: boolean, sorter: ArrayLike<number> | null): number {
  let start = 0;
  let end = len;
  while (start < end) {
    const mid = start + ((end - start) >> 1);
    const m = sorted[off + (sorter === null ? mid : sorter[off + mid]!)]!; // sorter values are positions within the row
    if (right ? !(m > v) : !(m >= v)) start = mid + 1;
    else end = mid;
  }
  return start;
}

export interface BucketizeOptions {
  /** PyTorch's out_int32: the result is int32 either way (int32 stands in for int64). */
  outInt32?: boolean;
  /** Right-closed buckets: boundaries[i-1] <= x < boundaries[i] (default: left-closed, < and <=). */
  right?: boolean;
}

function checkFlags(op: string, o: { outInt32?: unknown; right?: unknown }): void {
  for (const k of ['outInt32', 'right'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`${op}: ${k} must be a boolean, got ${typeof o[k]}`);
  }
}

/**
 * The bucket of each value of x (a tensor or a number) among the sorted 1-D `boundaries`: the index i
 * with boundaries[i-1] < x <= boundaries[i] (right: boundaries[i-1] <= x < boundaries[i]). int32; NaN
 * sorts after everything, as in PyTorch. Not differentiable.
 * @example bucketize(tensor([1, 5]), tensor([1, 3, 5, 7])) // [0, 2]
 */
export function bucketize(x: TensorOrScalar, boundaries: Tensor, options?: BucketizeOptions): Tensor {
  const o = checkOptions('bucketize', options, ['outInt32', 'right']);
  checkFlags('bucketize', o);
  checkTensor(boundaries, 'bucketize', 'boundaries');
  if (boundaries.ndim !== 1) throw new RangeError(`bucketize: boundaries tensor must be 1 dimension, but got shape ${shapeStr(boundaries.shape)}`);
  if (typeof x !== 'number') checkTensor(x, 'bucketize', 'input');
  const xv = typeof x === 'number' ? [x] : x.toArray();
  const bv = boundaries.toArray();
  const out = new Int32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = bound(bv, 0, bv.length, xv[i]!, o.right === true, null);
  return fromValues(out, typeof x === 'number' ? [] : x.shape, 'int32');
}

export interface SearchsortedOptions {
  outInt32?: boolean;
  right?: boolean;
  /** 'left' (first suitable index) or 'right' (last); must agree with `right` when both are given. */
  side?: 'left' | 'right';
  /** int32 indices that sort sortedSequence along its last dim (as argsort gives). */
  sorter?: Tensor | null;
}

/**
 * For each value of `values` (a tensor or a number), the index in `sortedSequence` (sorted along its last
 * dim; 1-D, or with the same leading dims as values) where it would be inserted keeping the order:
 * the first such index, or the last with `{ right: true }` / `{ side: 'right' }`. int32; NaN sorts last.
 * @example searchsorted(tensor([1, 3, 5, 7]), tensor([3, 6])) // [1, 3]
 */
export function searchsorted(sortedSequence: Tensor, values: TensorOrScalar, options?: SearchsortedOptions): Tensor {
  const o = checkOptions('searchsorted', options, ['outInt32', 'right', 'side', 'sorter']);
  checkFlags('searchsorted', o);
  checkTensor(sortedSequence, 'searchsorted', 'sortedSequence');
  if (o.side !== undefined && o.side !== 'left' && o.side !== 'right') throw new RangeError(`searchsorted: side can only be 'left' or 'right', got ${String(o.side)}`);
  if (o.side === 'left' && o.right === true) throw new RangeError("searchsorted: side and right can't be set to opposites, got side of left while right was True");
  const right = o.side === 'right' || o.right === true;
  if (sortedSequence.ndim === 0) throw new RangeError('searchsorted: sortedSequence must have at least one dimension');
  if (typeof values !== 'number') checkTensor(values, 'searchsorted', 'values');
  const vshape = typeof values === 'number' ? [] : values.shape;
  const sshape = sortedSequence.shape;
  if (typeof values === 'number' && sortedSequence.ndim !== 1) throw new RangeError(`searchsorted: with a number as values, sortedSequence must be 1-D, got shape ${shapeStr(sshape)}`);
  if (sshape.length > 1 && (vshape.length !== sshape.length || !sshape.slice(0, -1).every((s, i) => s === vshape[i]))) {
    throw new RangeError(
      `searchsorted: sortedSequence (shape ${shapeStr(sshape)}) should be 1-D or have the same leading dimensions as values (shape ${shapeStr(vshape)})`,
    );
  }
  const sorter = o.sorter ?? null;
  let sv: Int32Array | null = null;
  const len = sshape[sshape.length - 1]!;
  if (sorter !== null) {
    checkIndexTensor(sorter, 'searchsorted', 'sorter');
    if (!sameShape(sorter.shape, sshape)) throw new RangeError(`searchsorted: sorter (shape ${shapeStr(sorter.shape)}) must have the shape of sortedSequence (shape ${shapeStr(sshape)})`);
    sv = sorter.toArray() as Int32Array;
    for (const v of sv) if (v < 0 || v >= len) throw new RangeError(`searchsorted: sorter index ${v} is out of bounds for dimension ${sshape.length - 1} with size ${len}`);
  }
  const seq = sortedSequence.toArray();
  const xv = typeof values === 'number' ? [values] : values.toArray();
  const inner = vshape.length === 0 ? 1 : vshape[vshape.length - 1]!;
  const out = new Int32Array(xv.length);
  for (let i = 0; i < xv.length; i++) {
    const row = sshape.length === 1 ? 0 : Math.floor(i / inner);
    out[i] = bound(seq, row * len, len, xv[i]!, right, sv);
  }
  return fromValues(out, vshape, 'int32');
}

// ---------------------------------------------------------------- in-place forms

/** Runs an out-of-place op of this family and writes its result into self (autograd as PyTorch's in-place op). */
function inplaceOf<T extends Tensor>(self: T, name: string, op: (a: Tensor) => Tensor): T {
  checkTensor(self, name, 'self');
  return inplace(self, (a) => op(a as Tensor), 0, undefined, name);
}

/**
 * In place: see scatter.
 * @example x.scatter_(0, tensor([1]), 5)
 */
export function scatter_<T extends Tensor>(self: T, dim: number, index: Tensor, src: TensorOrScalar, options?: ScatterOptions): T {
  checkOptions('scatter_', options, ['reduce']);
  return inplaceOf(self, 'scatter_', (a) => scatter(a, dim, index, src, options));
}

/**
 * In place: see scatterAdd.
 * @example x.scatterAdd_(0, tensor([0, 0]), ones(2))
 */
export function scatterAdd_<T extends Tensor>(self: T, dim: number, index: Tensor, src: Tensor): T {
  return inplaceOf(self, 'scatterAdd_', (a) => scatterAdd(a, dim, index, src));
}

/**
 * In place: see scatterReduce.
 * @example x.scatterReduce_(0, tensor([0, 0]), tensor([1, 2], { dtype: 'float32' }), 'amax')
 */
export function scatterReduce_<T extends Tensor>(self: T, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options?: ScatterReduceOptions): T {
  checkOptions('scatterReduce_', options, ['includeSelf']);
  return inplaceOf(self, 'scatterReduce_', (a) => scatterReduce(a, dim, index, src, reduce, options));
}

/**
 * In place: see indexAdd.
 * @example x.indexAdd_(0, tensor([0, 2]), ones(2, 3))
 */
export function indexAdd_<T extends Tensor>(self: T, dim: number, index: Tensor, source: Tensor, options?: IndexAddOptions): T {
  checkOptions('indexAdd_', options, ['alpha']);
  return inplaceOf(self, 'indexAdd_', (a) => indexAdd(a, dim, index, source, options));
}

/**
 * In place: see indexCopy.
 * @example x.indexCopy_(0, tensor([1]), ones(1, 3))
 */
export function indexCopy_<T extends Tensor>(self: T, dim: number, index: Tensor, source: Tensor): T {
  return inplaceOf(self, 'indexCopy_', (a) => indexCopy(a, dim, index, source));
}

/**
 * In place: see indexFill.
 * @example x.indexFill_(1, tensor([0]), -1)
 */
export function indexFill_<T extends Tensor>(self: T, dim: number, index: Tensor, value: TensorOrScalar): T {
  return inplaceOf(self, 'indexFill_', (a) => indexFill(a, dim, index, value));
}

/**
 * In place: see maskedScatter (mask must broadcast to self's shape).
 * @example x.maskedScatter_(x.gt(0), src)
 */
export function maskedScatter_<T extends Tensor>(self: T, mask: Tensor, source: Tensor): T {
  checkTensor(self, 'maskedScatter_', 'self');
  checkBoolMask(mask, 'maskedScatter_');
  if (!sameShape(broadcastShapes(self.shape, mask.shape, 'maskedScatter_'), self.shape)) {
    throw new RangeError(`maskedScatter_: mask of shape ${shapeStr(mask.shape)} cannot be broadcast to self's shape ${shapeStr(self.shape)}`);
  }
  return inplaceOf(self, 'maskedScatter_', (a) => maskedScatter(a, mask, source));
}
