/**
 * More elementwise functions of two (or three) operands, PyTorch's: atan2, hypot, lerp, addcmul, addcdiv,
 * copysign, xlogy; logical and bitwise ops; isnan/isinf/isposinf/isneginf/isfinite; isclose, allclose,
 * equal. Composed from the existing kernels (add, mul, div, where, comparisons, abs, log) or, where no
 * kernel computes the function (atan2, hypot, copysign, the integer bit operations), computed in
 * TypeScript over the values and written to a new tensor, the same on both backends. Operands broadcast
 * as NumPy does; gradients follow PyTorch's formulas, written with tensor ops (so double backward works).
 */
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { anomalyMode } from '../autograd/anomaly.js';
import { promote, type DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, numelOf, sameShape } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { scalarTensor, zerosLike, full } from '../tensor/creation.js';
import { checkOptions, positionalOptions } from '../options.js';
import { add, sub, mul, div, where, eq, ne, le, lt } from './binary.js';
import { abs, log } from './unary.js';

// ---------------------------------------------------------------- helpers

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? ((v as object).constructor?.name ?? 'an object') : typeof v;
}

/** Throws unless `v` is a live Tensor. */
function checkTensor(v: unknown, op: string, which: string): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${which} must be a Tensor, got ${describe(v)}`);
  void v.ptr; // throws if disposed
}

/** Throws unless `v` is a live Tensor or a number. */
function checkOperand(v: unknown, op: string, which: string): asserts v is TensorOrScalar {
  if (v instanceof Tensor) {
    void v.ptr;
    return;
  }
  if (typeof v !== 'number') throw new TypeError(`${op}: ${which} must be a Tensor or a number, got ${describe(v)}`);
}

/** Two operands of which at least one is a tensor: their broadcast shape (throws naming `op`). */
function shapeOf(a: TensorOrScalar, b: TensorOrScalar, op: string): number[] {
  const at = a instanceof Tensor ? a : null, bt = b instanceof Tensor ? b : null;
  if (at === null && bt === null) throw new TypeError(`${op}: at least one operand must be a Tensor, got two numbers`);
  return at && bt ? broadcastShapes(at.shape, bt.shape, op) : [...(at ?? bt)!.shape];
}

function dtOf(v: TensorOrScalar): DType {
  return v instanceof Tensor ? v.dtype : Number.isInteger(v) ? 'int32' : 'float32';
}

function tensorOrNull(v: TensorOrScalar): Tensor | null {
  return v instanceof Tensor ? v : null;
}

/** A number operand for a backward rule to keep (rules must not capture tensors). */
function numberOr0(v: TensorOrScalar): number {
  return typeof v === 'number' ? v : 0;
}

/** `t`'s values in row-major order of `shape` (t broadcast to it), as a plain typed array. */
function valuesAt(t: Tensor, shape: readonly number[]): Float32Array | Int32Array {
  const v = t.toArray();
  if (sameShape(t.shape, shape)) return v;
  const n = numelOf(shape);
  const out = t.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  const st = broadcastStrides(t.shape, contiguousStrides(t.shape), shape);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = v[off]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += st[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= st[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** A new tensor of `shape` and `dtype` holding `values` (row-major). */
function fromValues(values: Float32Array | Int32Array, shape: readonly number[], dtype: DType): Tensor {
  const t = Tensor.empty(shape, dtype);
  if (values.length > 0) (dtype === 'float32' ? heap.f32 : heap.i32).set(values, t.ptr >>> 2);
  return t;
}

/**
 * out[i] = f(a[i], b[i]) over the broadcast operands, computed in TypeScript (doubles, rounded to float32
 * on store for a float32 result). Numbers are broadcast scalars.
 */
function mapValues(a: TensorOrScalar, b: TensorOrScalar, shape: readonly number[], dtype: DType, f: (x: number, y: number) => number): Tensor {
  const av = a instanceof Tensor ? valuesAt(a, shape) : null;
  const bv = b instanceof Tensor ? valuesAt(b, shape) : null;
  const an = numberOr0(a), bn = numberOr0(b);
  const n = numelOf(shape);
  const out = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(av ? av[i]! : an, bv ? bv[i]! : bn);
  return fromValues(out, shape, dtype);
}

/** Whether any of `ts` requires grad (the op then records a node). */
function anyGrad(...ts: (Tensor | null)[]): boolean {
  return ts.some((t) => t !== null && t.requiresGrad);
}

/** Reads back a saved list: `present[i]` says whether the i-th tensor was saved. */
function unpack(saved: readonly Tensor[], ...present: boolean[]): (Tensor | null)[] {
  let k = 0;
  return present.map((p) => (p ? saved[k++]! : null));
}

function savedOf(...ts: (Tensor | null | false)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t instanceof Tensor);
}

/**
 * Runs `f` with grad mode off (intermediate results record nothing) and without anomaly mode's forward
 * checks: the op's own record() call then checks its result under the op's name.
 */
function quiet<T>(f: () => T): T {
  const check = anomalyMode.checkForward;
  anomalyMode.checkForward = false;
  try {
    return noGrad(f);
  } finally {
    anomalyMode.checkForward = check;
  }
}

// ---------------------------------------------------------------- lerp, addcmul, addcdiv

/**
 * Linear interpolation start + weight * (end - start), PyTorch's lerp (computed as PyTorch does:
 * `end - (end - start) * (1 - weight)` where |weight| >= 0.5). start and end are float32 tensors, weight a
 * number or a float32 tensor; all three broadcast. Gradients: g * (1 - weight), g * weight and
 * g * (end - start).
 * @example lerp(tensor([0, 10], { dtype: 'float32' }), tensor([10, 20], { dtype: 'float32' }), 0.5) // tensor([5., 15.])
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  checkTensor(start, 'lerp', 'input');
  checkTensor(end, 'lerp', 'end');
  checkOperand(weight, 'lerp', 'weight');
  if (start.dtype !== 'float32') throw new TypeError(`lerp: expects float32 tensors, got input of dtype ${start.dtype} (as PyTorch)`);
  if (end.dtype !== 'float32') throw new TypeError(`lerp: expected dtype float32 for end, got ${end.dtype} (as PyTorch)`);
  const wt = tensorOrNull(weight);
  if (wt !== null && wt.dtype !== 'float32') throw new TypeError(`lerp: expected dtype float32 for weight, got ${wt.dtype} (as PyTorch)`);
  let shape = broadcastShapes(start.shape, end.shape, 'lerp');
  if (wt !== null) shape = broadcastShapes(shape, wt.shape, 'lerp');
  const out = quiet(() => {
    const diff = sub(end, start);
    if (typeof weight === 'number') return Math.abs(weight) < 0.5 ? add(start, mul(diff, weight)) : sub(end, mul(diff, 1 - weight));
    const lo = add(start, mul(wt!, diff));
    const hi = sub(end, mul(diff, sub(1, wt!)));
    return where(lt(abs(wt!), 0.5), lo, hi);
  });
  const needSE = start.requiresGrad || end.requiresGrad;
  const needW = wt !== null && wt.requiresGrad;
  const saveW = wt !== null && needSE;
  const wn = numberOr0(weight);
  return record(out, 'LerpBackward', [start, end, wt], savedOf(saveW && wt, needW && start, needW && end), (g, s, needs) => {
    const [sw, ss, se] = unpack(s, saveW, needW, needW);
    return [
      needs[0] ? (sw ? g.mul(sub(1, sw)) : g.mul(1 - wn)) : null,
      needs[1] ? (sw ? g.mul(sw) : g.mul(wn)) : null,
      needs[2] ? g.mul(se!.sub(ss!)) : null,
    ];
  });
}

/** Options of addcmul and addcdiv (keyword-only in PyTorch). */
export interface AddcOptions {
  /** The factor of the product / quotient (default 1); an integer for integer tensors. */
  value?: number;
}

function checkValue(op: string, options: AddcOptions | undefined, intResult: boolean): number {
  const value = checkOptions(op, options, ['value']).value ?? 1;
  if (typeof value !== 'number') throw new TypeError(`${op}: value must be a number, got ${describe(value)}`);
  if (intResult && !Number.isInteger(value)) {
    throw new TypeError(`${op}: for integer tensors, value must be an integer, got ${value}`);
  }
  return value;
}

/**
 * input + value * tensor1 * tensor2 (PyTorch's addcmul; `value` is keyword-only: `{ value }`). The three
 * tensors broadcast; integer tensors stay int32 (value must then be an integer).
 * @example addcmul(zeros(2), tensor([1, 2]), tensor([3, 4]), { value: 0.5 }) // tensor([1.5, 4.])
 */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: AddcOptions): Tensor {
  checkTensor(input, 'addcmul', 'input');
  checkTensor(tensor1, 'addcmul', 'tensor1');
  checkTensor(tensor2, 'addcmul', 'tensor2');
  const dt = promote(promote(input.dtype, tensor1.dtype), tensor2.dtype);
  if (input.dtype === 'bool' && tensor1.dtype === 'bool' && tensor2.dtype === 'bool') {
    throw new TypeError('addcmul: not implemented for bool tensors (as PyTorch)');
  }
  const value = checkValue('addcmul', options, dt !== 'float32');
  broadcastShapes(broadcastShapes(input.shape, tensor1.shape, 'addcmul'), tensor2.shape, 'addcmul');
  // PyTorch's order: self + value * t1 * t2
  return add(input, mul(value === 1 ? tensor1 : mul(tensor1, value), tensor2));
}

/**
 * input + value * tensor1 / tensor2 (PyTorch's addcdiv; `{ value }` keyword-only). True division: tensor1
 * and tensor2 may not both be integer (PyTorch refuses integer division here).
 * @example addcdiv(zeros(2), tensor([1, 2], { dtype: 'float32' }), tensor([4, 4], { dtype: 'float32' }), { value: 2 }) // tensor([0.5, 1.])
 */
export function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: AddcOptions): Tensor {
  checkTensor(input, 'addcdiv', 'input');
  checkTensor(tensor1, 'addcdiv', 'tensor1');
  checkTensor(tensor2, 'addcdiv', 'tensor2');
  if (tensor1.dtype !== 'float32' && tensor2.dtype !== 'float32') {
    throw new TypeError(
      `addcdiv: integer division with addcdiv is not supported (tensor1 ${tensor1.dtype}, tensor2 ${tensor2.dtype}), as in PyTorch; ` +
        'convert them to float32, or use div(tensor1, tensor2, { roundingMode: \'trunc\' }) for integer division',
    );
  }
  const value = checkValue('addcdiv', options, false);
  broadcastShapes(broadcastShapes(input.shape, tensor1.shape, 'addcdiv'), tensor2.shape, 'addcdiv');
  return add(input, div(value === 1 ? tensor1 : mul(tensor1, value), tensor2));
}

// ---------------------------------------------------------------- atan2, hypot, copysign, xlogy

/**
 * atan2(input, other): the angle of the point (other, input), in (-pi, pi], elementwise (PyTorch's atan2;
 * integer inputs give float32). Gradients: g * other / (input^2 + other^2) and -g * input / (input^2 + other^2).
 * @example atan2(tensor([1, -1], { dtype: 'float32' }), tensor([1, 1], { dtype: 'float32' })) // tensor([0.7854, -0.7854])
 */
export function atan2(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'atan2', 'input');
  checkTensor(other, 'atan2', 'other');
  const shape = shapeOf(input, other, 'atan2');
  const out = mapValues(input, other, shape, 'float32', Math.atan2);
  return record(out, 'Atan2Backward0', [input, other], [input, other], (g, [y, x], needs) => {
    const recip = div(1, add(mul(y!, y!), mul(x!, x!)));
    return [needs[0] ? g.mul(x!).mul(recip) : null, needs[1] ? g.mul(y!.neg()).mul(recip) : null];
  });
}

/**
 * sqrt(input^2 + other^2) without overflow or underflow in between (PyTorch's hypot; hypot(±Inf, NaN) is
 * Inf). Float inputs (PyTorch has no integer hypot). Gradients: g * input / out, g * other / out.
 * @example hypot(tensor([3], { dtype: 'float32' }), tensor([4], { dtype: 'float32' })) // tensor([5.])
 */
export function hypot(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'hypot', 'input');
  checkTensor(other, 'hypot', 'other');
  if (promote(input.dtype, other.dtype) !== 'float32') {
    throw new TypeError(`hypot: not implemented for integer tensors (${input.dtype}, ${other.dtype}), as in PyTorch; convert to float32`);
  }
  const shape = shapeOf(input, other, 'hypot');
  const out = mapValues(input, other, shape, 'float32', Math.hypot);
  return record(out, 'HypotBackward0', [input, other], [input, other, out], (g, [a, b, r], needs) => [
    needs[0] ? g.mul(a!).div(r!) : null,
    needs[1] ? g.mul(b!).div(r!) : null,
  ]);
}

const signBuf = new Float32Array(1);
const signBits = new Int32Array(signBuf.buffer);

/** Whether the float32 value v has its sign bit set (-0 and negative NaNs included). */
function signBit(v: number): boolean {
  signBuf[0] = v;
  return signBits[0]! < 0;
}

/**
 * |input| with the sign of other, elementwise, including the signs of -0 and NaN (PyTorch's copysign;
 * the result is float32). `other` may be a number. Gradients: g * sign ratio (0 where input is 0) for
 * input, zeros for other.
 * @example copysign(tensor([1, 2]), tensor([-0.0, 3.5])) // tensor([-1., 2.])
 */
export function copysign(input: Tensor, other: TensorOrScalar): Tensor {
  checkTensor(input, 'copysign', 'input');
  checkOperand(other, 'copysign', 'other');
  const shape = shapeOf(input, other, 'copysign');
  const ot = tensorOrNull(other);
  const isFloat = ot === null || ot.dtype === 'float32';
  const out = mapValues(input, other, shape, 'float32', (x, y) => {
    const neg = isFloat ? signBit(y) : y < 0;
    const m = Math.abs(x);
    return neg ? -m : m;
  });
  const needA = input.requiresGrad;
  return record(out, ot ? 'CopysignBackward0' : 'CopysignBackward1', [input, ot], needA ? [input, out] : [], (g, s, needs) => {
    const [a, r] = unpack(s, needA, needA);
    return [needs[0] ? g.mul(where(a!.eq(0), 0, r!.div(a!))) : null, needs[1] ? zerosLike(g) : null];
  });
}

/**
 * input * log(other), 0 where input is 0 and other is not NaN (PyTorch's xlogy; integer inputs give
 * float32). Either operand may be a number. Gradients as PyTorch's: xlogy(g, other), 0 where input == 0 and
 * other <= 0, for input; g * input / other for other.
 * @example xlogy(tensor([0, 2], { dtype: 'float32' }), tensor([0, Math.E])) // tensor([0., 2.])
 */
export function xlogy(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  checkOperand(input, 'xlogy', 'input');
  checkOperand(other, 'xlogy', 'other');
  shapeOf(input, other, 'xlogy');
  const it = tensorOrNull(input), ot = tensorOrNull(other);
  const out = quiet(() => {
    const x = it ?? scalarTensor(input as number);
    const y = ot ?? scalarTensor(other as number);
    const prod = mul(x, log(y));
    // 0 where x == 0 and y == y (not NaN); NaN y gives NaN, as PyTorch
    return where(mul(eq(x, 0), eq(y, y)).ne(0), 0, prod);
  });
  // As PyTorch, both tensor operands are saved (x's gradient reads x and y, y's reads x and y).
  const save = anyGrad(it, ot);
  const xn = numberOr0(input), yn = numberOr0(other);
  return record(out, 'XlogyBackward0', [it, ot], save ? savedOf(it, ot) : [], (g, s, needs) => {
    const [sx, sy] = unpack(s, it !== null, ot !== null);
    const x = sx ?? xn, y = sy ?? yn;
    return [
      // PyTorch: xlogy(grad, other).masked_fill((self == 0) & (other <= 0), 0)
      needs[0] ? where(logicalAnd(eq(x, 0), sy ? le(sy, 0) : scalarTensor(yn <= 0 ? 1 : 0, 'bool')), 0, xlogy(g, y)) : null,
      needs[1] ? g.mul(x).div(y) : null,
    ];
  });
}

// ---------------------------------------------------------------- logical ops

/** x != 0 as bool (NaN counts as true, as in PyTorch). */
function truth(x: Tensor): Tensor {
  return x.dtype === 'bool' ? x : ne(x, 0);
}

/**
 * Elementwise logical and: bool result, inputs of any dtype (nonzero, NaN included, is true). Both operands
 * are tensors (as in PyTorch) and broadcast.
 * @example logicalAnd(tensor([1, 0, 2]), tensor([true, true, false])) // tensor([true, false, false])
 */
export function logicalAnd(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'logicalAnd', 'input');
  checkTensor(other, 'logicalAnd', 'other');
  shapeOf(input, other, 'logicalAnd');
  return quiet(() => ne(mul(truth(input), truth(other)), 0));
}

/** Elementwise logical or (bool result). @example logicalOr(tensor([1, 0]), tensor([0, 0])) // tensor([true, false]) */
export function logicalOr(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'logicalOr', 'input');
  checkTensor(other, 'logicalOr', 'other');
  shapeOf(input, other, 'logicalOr');
  return quiet(() => ne(add(truth(input), truth(other)), 0));
}

/** Elementwise logical exclusive or (bool result). @example logicalXor(tensor([1, 0]), tensor([1, 1])) // tensor([false, true]) */
export function logicalXor(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'logicalXor', 'input');
  checkTensor(other, 'logicalXor', 'other');
  shapeOf(input, other, 'logicalXor');
  return quiet(() => ne(truth(input), truth(other)));
}

/** Elementwise logical not: x == 0 (bool result; NaN gives false). @example logicalNot(tensor([0, 3])) // tensor([true, false]) */
export function logicalNot(input: Tensor): Tensor {
  checkTensor(input, 'logicalNot', 'input');
  return quiet(() => eq(input, 0));
}

// ---------------------------------------------------------------- bitwise ops

/** The result dtype of a bitwise op on these operands; throws for float operands (as PyTorch). */
function bitwiseDType(a: TensorOrScalar, b: TensorOrScalar, op: string): DType {
  for (const v of [a, b]) {
    if (v instanceof Tensor ? v.dtype === 'float32' : !Number.isInteger(v)) {
      throw new TypeError(`${op}: not implemented for float32 ${v instanceof Tensor ? 'tensors' : `numbers (got ${v})`}; bitwise ops take int32 and bool (as PyTorch)`);
    }
    if (typeof v === 'number' && !(v >= -0x80000000 && v <= 0x7fffffff)) throw new RangeError(`${op}: ${v} does not fit in int32`);
  }
  return dtOf(a) === 'bool' && dtOf(b) === 'bool' ? 'bool' : 'int32';
}

function bitwise(a: TensorOrScalar, b: TensorOrScalar, op: string, f: (x: number, y: number) => number): Tensor {
  checkOperand(a, op, 'input');
  checkOperand(b, op, 'other');
  const shape = shapeOf(a, b, op);
  const dt = bitwiseDType(a, b, op);
  return mapValues(a, b, shape, dt, f);
}

/** Elementwise bitwise and of int32 / bool tensors (or an integer); bool & bool is bool. @example bitwiseAnd(tensor([12, 10]), 6) // tensor([4, 2], dtype=int32) */
export function bitwiseAnd(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwise(input, other, 'bitwiseAnd', (x, y) => x & y);
}

/** Elementwise bitwise or. @example bitwiseOr(tensor([12, 10]), 1) // tensor([13, 11], dtype=int32) */
export function bitwiseOr(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwise(input, other, 'bitwiseOr', (x, y) => x | y);
}

/** Elementwise bitwise exclusive or. @example bitwiseXor(tensor([12, 10]), 6) // tensor([10, 12], dtype=int32) */
export function bitwiseXor(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwise(input, other, 'bitwiseXor', (x, y) => x ^ y);
}

/** ~x for int32 (two's complement), not x for bool; float throws (as PyTorch). @example bitwiseNot(tensor([0, 5])) // tensor([-1, -6], dtype=int32) */
export function bitwiseNot(input: Tensor): Tensor {
  checkTensor(input, 'bitwiseNot', 'input');
  bitwiseDType(input, 0, 'bitwiseNot');
  const dt = input.dtype;
  return mapValues(input, 0, input.shape, dt, dt === 'bool' ? (x) => x ^ 1 : (x) => ~x);
}

/** @internal For bitwise in-place ops: PyTorch refuses an int32 result in a bool tensor. */
export function checkBitwiseInplace(self: Tensor, other: TensorOrScalar, op: string): void {
  checkTensor(self, op, 'self');
  checkOperand(other, op, 'other');
  if (bitwiseDType(self, other, op) === 'int32' && self.dtype === 'bool') {
    throw new TypeError(`${op}: result type int32 cannot be stored in a tensor of dtype bool (as PyTorch)`);
  }
}

// ---------------------------------------------------------------- isnan ... isfinite

function classify(x: Tensor, op: string, float: (x: Tensor) => Tensor, intValue: boolean): Tensor {
  checkTensor(x, op, 'input');
  if (x.dtype !== 'float32') return full(x.shape, intValue ? 1 : 0, { dtype: 'bool' });
  return quiet(() => float(x));
}

/** x != x: true at NaN (bool result; false for integer tensors). @example isnan(tensor([1, NaN])) // tensor([false, true]) */
export function isnan(input: Tensor): Tensor {
  return classify(input, 'isnan', (x) => ne(x, x), false);
}

/** True at ±Infinity. @example isinf(tensor([1, -Infinity, NaN])) // tensor([false, true, false]) */
export function isinf(input: Tensor): Tensor {
  return classify(input, 'isinf', (x) => eq(abs(x), Infinity), false);
}

/** True at +Infinity. @example isposinf(tensor([Infinity, -Infinity])) // tensor([true, false]) */
export function isposinf(input: Tensor): Tensor {
  return classify(input, 'isposinf', (x) => eq(x, Infinity), false);
}

/** True at -Infinity. @example isneginf(tensor([Infinity, -Infinity])) // tensor([false, true]) */
export function isneginf(input: Tensor): Tensor {
  return classify(input, 'isneginf', (x) => eq(x, -Infinity), false);
}

/** True where finite (not NaN, not ±Infinity; always for integer tensors). @example isfinite(tensor([1, NaN, Infinity])) // tensor([true, false, false]) */
export function isfinite(input: Tensor): Tensor {
  return classify(input, 'isfinite', (x) => lt(abs(x), Infinity), true);
}

// ---------------------------------------------------------------- isclose, allclose, equal

/** isclose / allclose's parameters (positional in PyTorch's order, or this object). */
export interface IscloseOptions {
  /** Relative tolerance (default 1e-5), >= 0. */
  rtol?: number;
  /** Absolute tolerance (default 1e-8), >= 0. */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

/** isclose / allclose's arguments after the two tensors: rtol, atol, equalNan positionally, then optionally the options object. */
export type IscloseArgs = [rtol?: number | IscloseOptions, atol?: number | IscloseOptions, equalNan?: boolean | IscloseOptions, options?: IscloseOptions];

function iscloseArgs(op: string, args: readonly unknown[]): { rtol: number; atol: number; equalNan: boolean } {
  const o = positionalOptions<IscloseOptions>(op, args, ['rtol', 'atol', 'equalNan']);
  const rtol = o.rtol ?? 1e-5, atol = o.atol ?? 1e-8, equalNan = o.equalNan ?? false;
  for (const [k, v] of [['rtol', rtol], ['atol', atol]] as const) {
    if (typeof v !== 'number') throw new TypeError(`${op}: ${k} must be a number, got ${describe(v)}`);
    if (!(v >= 0)) throw new RangeError(`${op}: ${k} must be greater than or equal to zero, got ${v}`);
  }
  if (typeof equalNan !== 'boolean') throw new TypeError(`${op}: equalNan must be a boolean, got ${describe(equalNan)}`);
  return { rtol, atol, equalNan };
}

/**
 * |input - other| <= atol + rtol * |other| elementwise, or input == other (so equal infinities are close);
 * NaNs are close to each other only with equalNan. Both tensors of the same dtype, broadcast; bool result.
 * PyTorch's signature: `isclose(a, b, rtol = 1e-5, atol = 1e-8, equalNan = false)` or `isclose(a, b, { rtol, atol, equalNan })`.
 * @example isclose(tensor([1, 2.001]), tensor([1, 2], { dtype: 'float32' }), { atol: 0.01 }) // tensor([true, true])
 */
export function isclose(input: Tensor, other: Tensor, ...args: IscloseArgs): Tensor {
  checkTensor(input, 'isclose', 'input');
  checkTensor(other, 'isclose', 'other');
  return closeness(input, other, iscloseArgs('isclose', args), 'isclose');
}

function closeness(a: Tensor, b: Tensor, o: { rtol: number; atol: number; equalNan: boolean }, op: string): Tensor {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: expected both tensors to have the same dtype, got ${a.dtype} and ${b.dtype}`);
  broadcastShapes(a.shape, b.shape, op);
  return quiet(() => {
    let close = eq(a, b);
    if (o.equalNan && a.dtype === 'float32') close = logicalOr(close, logicalAnd(ne(a, a), ne(b, b)));
    const af = a.dtype === 'bool' ? a.float() : a, bf = b.dtype === 'bool' ? b.float() : b;
    // PyTorch: allowed = atol + |rtol * other|, actual = |self - other|, close |= isfinite(actual) & actual <= allowed
    const allowed = add(abs(mul(bf, o.rtol)), o.atol);
    const actual = abs(sub(af, bf));
    return logicalOr(close, logicalAnd(lt(actual, Infinity), le(actual, allowed)));
  });
}

/**
 * Whether every element of isclose(input, other, ...) is true (a boolean, as PyTorch's Python bool).
 * @example allclose(tensor([1, 2], { dtype: 'float32' }), tensor([1, 2.000001])) // true
 */
export function allclose(input: Tensor, other: Tensor, ...args: IscloseArgs): boolean {
  checkTensor(input, 'allclose', 'input');
  checkTensor(other, 'allclose', 'other');
  const c = closeness(input, other, iscloseArgs('allclose', args), 'allclose');
  const ok = c.toArray().every((v) => v !== 0);
  c.dispose();
  return ok;
}

/**
 * Whether the two tensors have the same shape and the same values (a boolean; NaN is not equal to NaN,
 * int32 and float32 values are compared as numbers, as PyTorch's equal).
 * @example equal(tensor([1, 2]), tensor([1, 2])) // true
 */
export function equal(input: Tensor, other: Tensor): boolean {
  checkTensor(input, 'equal', 'input');
  checkTensor(other, 'equal', 'other');
  if (!sameShape(input.shape, other.shape)) return false;
  // compared in TypeScript: exact for int32 values beyond 2^24
  const a = input.toArray(), b = other.toArray();
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
