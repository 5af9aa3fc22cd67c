/**
 * Elementwise functions of two operands with NumPy broadcasting; either operand may be a number.
 * Each forward is one strided kernel call (broadcast dims get stride 0, so nothing is expanded in memory);
 * gradients come back at the broadcast shape and the engine sums them down to each input's shape.
 */
import { kernels } from '../backends/index.js';
import type { KernelName } from '../backends/kernels.js';
import { scalarSlot, writeMeta, writeMeta1 } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { isGradEnabled } from '../autograd/mode.js';
import { anomalyMode } from '../autograd/anomaly.js';
import { promote, type DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { scalarTensor, zeros, zerosLike } from '../tensor/creation.js';
import { checkOptions } from '../options.js';
import { whereNonzero } from './indexing-more.js';
import { asFloat32, denseStrides, toDType } from './copy.js';

type BinaryKernel = Extract<
  KernelName,
  | 'add_f32' | 'sub_f32' | 'mul_f32' | 'div_f32' | 'pow_f32' | 'maximum_f32' | 'minimum_f32' | 'eq_f32' | 'ne_f32' | 'gt_f32' | 'lt_f32' | 'ge_f32' | 'le_f32'
  | 'floor_divide_f32' | 'remainder_f32' | 'fmod_f32'
>;

function checkOperand(v: unknown, op: string, which: string): void {
  if (v instanceof Tensor) {
    void v.ptr; // throws if disposed
    return;
  }
  if (typeof v !== 'number') {
    throw new TypeError(`${op}: ${which} operand must be a Tensor or a number, got ${v === null ? 'null' : typeof v}`);
  }
}


function dtOf(v: TensorOrScalar): DType {
  return v instanceof Tensor ? v.dtype : Number.isInteger(v) ? 'int32' : 'float32';
}

/** Whether t is a contiguous float32 tensor (its elements are numel consecutive floats at its ptr). */
function isFlatFloat32(t: Tensor): boolean {
  return t.dtype === 'float32' && t.isContiguous();
}

/**
 * Runs a binary kernel over broadcast operands (no autograd). `outDType` is the dtype of the result:
 * comparisons give bool; integer arithmetic is computed in float32 and cast back.
 */
function run(a: TensorOrScalar, b: TensorOrScalar, kernel: BinaryKernel, op: string, outKind: 'arith' | 'float' | 'bool'): Tensor {
  // Fast paths (no broadcasting, float32 operands, contiguous): one 1-D kernel call, no stride arrays.
  if (a instanceof Tensor) {
    if (typeof b === 'number') {
      if (isFlatFloat32(a)) {
        const pa = a.ptr; // throws if disposed
        const out = Tensor.empty(a.shape, outKind === 'bool' ? 'bool' : 'float32');
        const n = out.storage.bytes >>> 2;
        if (n > 0) kernels()[kernel](pa, scalarSlot(b, 1), out.ptr, writeMeta1(n, 1, 0));
        return out;
      }
    } else if (b instanceof Tensor && isFlatFloat32(a) && isFlatFloat32(b) && sameShape(a.shape, b.shape)) {
      const pa = a.ptr, pb = b.ptr;
      const out = Tensor.empty(a.shape, outKind === 'bool' ? 'bool' : 'float32');
      const n = out.storage.bytes >>> 2;
      if (n > 0) kernels()[kernel](pa, pb, out.ptr, writeMeta1(n, 1, 1));
      return out;
    }
  } else if (typeof a === 'number' && b instanceof Tensor && isFlatFloat32(b)) {
    const pb = b.ptr;
    const out = Tensor.empty(b.shape, outKind === 'bool' ? 'bool' : 'float32');
    const n = out.storage.bytes >>> 2;
    if (n > 0) kernels()[kernel](scalarSlot(a, 0), pb, out.ptr, writeMeta1(n, 0, 1));
    return out;
  }
  const dense = denseRun(a, b, kernel, outKind);
  if (dense !== null) return dense;
  checkOperand(a, op, 'first');
  checkOperand(b, op, 'second');
  const at = a instanceof Tensor ? a : null;
  const bt = b instanceof Tensor ? b : null;
  const shape = at && bt ? broadcastShapes(at.shape, bt.shape, op) : (at ?? bt)!.shape;
  const resultType = outKind === 'bool' ? 'bool' : outKind === 'float' ? 'float32' : at && bt ? promote(at.dtype, bt.dtype) : promote(dtOf(a), dtOf(b));
  const af = at ? asFloat32(at) : null;
  const bf = bt ? asFloat32(bt) : null;
  const out = Tensor.empty(shape, resultType === 'bool' ? 'bool' : 'float32');
  if (out.numel() > 0) {
    const kshape = shape.length === 0 ? [1] : shape;
    const zero = kshape.map(() => 0);
    const pa = af ? af.ptr : scalarSlot(a as number, 0);
    const pb = bf ? bf.ptr : scalarSlot(b as number, 1);
    const sa = af ? (shape.length === 0 ? [0] : broadcastStrides(af.shape, af.strides, shape)) : zero;
    const sb = bf ? (shape.length === 0 ? [0] : broadcastStrides(bf.shape, bf.strides, shape)) : zero;
    kernels()[kernel](pa, pb, out.ptr, writeMeta(kshape, sa, sb));
  }
  if (af && af !== at) af.dispose();
  if (bf && bf !== bt) bf.dispose();
  if (resultType === 'int32') {
    const r = toDType(out, 'int32');
    out.dispose();
    return r;
  }
  return out;
}

/**
 * The kernel as one flat call over float32 operands that are dense in the same non-row-major layout
 * (transposed, permuted; or one such tensor and a number): the output keeps that layout, as PyTorch's
 * elementwise ops do. null when the operands are not like that.
 */
function denseRun(a: TensorOrScalar, b: TensorOrScalar, kernel: BinaryKernel, outKind: 'arith' | 'float' | 'bool'): Tensor | null {
  const t = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  if (t === null || t.dtype !== 'float32' || t.isContiguous()) return null;
  const other = t === a ? b : a;
  if (other instanceof Tensor) {
    if (other.dtype !== 'float32' || !sameShape(t.shape, other.shape) || !sameShape(t.strides, other.strides)) return null;
  }
  const strides = denseStrides(t);
  if (strides === null) return null;
  const out = Tensor.emptyStrided(t.shape, strides, outKind === 'bool' ? 'bool' : 'float32');
  const pa = a instanceof Tensor ? a.ptr : scalarSlot(a, 0);
  const pb = b instanceof Tensor ? b.ptr : scalarSlot(b, 1);
  kernels()[kernel](pa, pb, out.ptr, writeMeta1(t.numel(), a instanceof Tensor ? 1 : 0, b instanceof Tensor ? 1 : 0));
  return out;
}

function tensorOf(v: TensorOrScalar): Tensor {
  return v instanceof Tensor ? v : scalarTensor(v);
}

/** a + alpha * b. @example add(tensor([1, 2]), 1) // tensor([2., 3.]) */
export function add(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) return add(a, scaled(b, alpha, 'add'));
  const out = run(a, b, 'add_f32', 'add', 'arith');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  return record(out, 'AddBackward0', [tensorOrNull(a), tensorOrNull(b)], [], (g) => [g, g]);
}

/** a - alpha * b. */
export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) return sub(a, scaled(b, alpha, 'sub'));
  const out = run(a, b, 'sub_f32', 'sub', 'arith');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  return record(out, 'SubBackward0', [tensorOrNull(a), tensorOrNull(b)], [], (g, _s, needs) => [g, needs[1] ? g.neg() : null]);
}

/** alpha * b for add/sub's alpha (a number when b is one). */
function scaled(b: TensorOrScalar, alpha: number, op: string): TensorOrScalar {
  if (typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${alpha === null ? 'null' : typeof alpha}`);
  return typeof b === 'number' ? b * alpha : mul(b, alpha);
}

/** a * b. */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = run(a, b, 'mul_f32', 'mul', 'arith');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  const at = tensorOrNull(a), bt = tensorOrNull(b);
  // Each operand is saved only if the other's gradient needs it (a number operand is kept in the closure).
  const needA = at !== null && at.requiresGrad, needB = bt !== null && bt.requiresGrad;
  const saved = savedOf(needA ? bt : null, needB ? at : null);
  const an = numberOr0(a), bn = numberOr0(b);
  return record(out, 'MulBackward0', [at, bt], saved, (g, s, needs) => {
    const [sb, sa] = unpack(s, needA && bt !== null, needB && at !== null);
    return [needs[0] ? g.mul(sb ?? bn) : null, needs[1] ? g.mul(sa ?? an) : null];
  });
}

/**
 * A number operand, for a backward rule to keep (0 for a tensor): rules must not capture tensor operands,
 * which would keep them alive without the saved-tensor checks.
 */
function numberOr0(v: TensorOrScalar): number {
  return typeof v === 'number' ? v : 0;
}

/** The tensors among `ts` (in order), for record()'s saved list. */
function savedOf(...ts: (Tensor | null)[]): Tensor[] {
  const out: Tensor[] = [];
  for (const t of ts) if (t !== null) out.push(t);
  return out;
}

/** Reads back a saved list made by savedOf: `present[i]` says whether the i-th tensor was saved. */
function unpack(saved: readonly Tensor[], ...present: boolean[]): (Tensor | null)[] {
  let k = 0;
  return present.map((p) => (p ? saved[k++]! : null));
}

export interface DivOptions {
  /**
   * null (default): true division (integer inputs give float32); 'trunc': rounded toward zero; 'floor':
   * rounded down (Python's //). With a rounding mode, integer inputs stay int32 and the gradient is 0.
   */
  roundingMode?: 'trunc' | 'floor' | null;
}

/**
 * a / b, PyTorch's div. Integer inputs are computed in float32 (exact while |a|, |b| < 2^24).
 * @example div(tensor([7, -7]), 2, { roundingMode: 'floor' }) // tensor([3, -4], dtype=int32)
 */
export function div(a: TensorOrScalar, b: TensorOrScalar, options?: DivOptions): Tensor {
  if (options !== undefined) {
    const mode = checkOptions('div', options, ['roundingMode']).roundingMode ?? null;
    if (mode !== null) return roundedDiv(a, b, mode);
  }
  const out = run(a, b, 'div_f32', 'div', 'float');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  const at = tensorOrNull(a), bt = tensorOrNull(b);
  // As PyTorch: b is saved when either gradient is needed, a only for b's gradient (not the output).
  const needB = bt !== null && bt.requiresGrad;
  const saveA = needB && at !== null;
  const an = numberOr0(a), bn = numberOr0(b);
  return record(out, 'DivBackward0', [at, bt], savedOf(bt, saveA ? at : null), (g, s, needs) => {
    const [sb, sa] = unpack(s, bt !== null, saveA);
    return [
      needs[0] ? g.div(sb ?? bn) : null,
      // d(a/b)/db = -a / b^2
      needs[1] ? g.mul(sa ?? an).div(sb!.mul(sb!)).neg() : null,
    ];
  });
}

/** div with a rounding mode: PyTorch's values (floor: div_floor_floating), zero gradients (DivBackward2). */
function roundedDiv(a: TensorOrScalar, b: TensorOrScalar, mode: unknown): Tensor {
  let out: Tensor;
  if (mode === 'floor') {
    out = run(a, b, 'floor_divide_f32', 'div', 'arith');
  } else if (mode === 'trunc') {
    const q = run(a, b, 'div_f32', 'div', 'float');
    out = roundOwned(q, 2);
    if (dtOf(a) !== 'float32' && dtOf(b) !== 'float32') {
      const r = toDType(out, 'int32');
      out.dispose();
      out = r;
    }
  } else {
    throw new TypeError(`div: roundingMode must be 'trunc', 'floor' or null, got ${JSON.stringify(mode)}`);
  }
  if (!mustRecord(a, b)) return out;
  return record(out, 'DivBackward2', [tensorOrNull(a), tensorOrNull(b)], [], (g, _s, needs) => [
    needs[0] ? zerosLike(g) : null,
    needs[1] ? zerosLike(g) : null,
  ]);
}

/** `t` (float32, contiguous, an op's own) rounded in place by round_f32's `mode`. */
function roundOwned(t: Tensor, mode: number): Tensor {
  const n = t.numel();
  if (n > 0) kernels().round_f32(t.ptr, t.ptr, n, mode);
  return t;
}

/**
 * a // b (Python's floor division, PyTorch's floor_divide): int32 for integer inputs. Not differentiable
 * (as in PyTorch, backward through it throws).
 */
export function floorDivide(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = run(a, b, 'floor_divide_f32', 'floorDivide', 'arith');
  if (!mustRecord(a, b)) return out;
  return record(out, 'FloorDivideBackward0', [tensorOrNull(a), tensorOrNull(b)], [], () => {
    throw new Error('floorDivide: the derivative of floorDivide is not implemented (as in PyTorch); use div(a, b, { roundingMode: \'floor\' }), whose gradient is 0');
  });
}

/** Python's a % b: the result has the sign of b (PyTorch's remainder). Integer inputs stay int32. */
export function remainder(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return modulo(a, b, 'remainder_f32', 'remainder', 'RemainderBackward1', 'floor');
}

/** C's fmod: a - trunc(a / b) * b, the sign of a (PyTorch's fmod). Integer inputs stay int32. */
export function fmod(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return modulo(a, b, 'fmod_f32', 'fmod', 'FmodBackward1', 'trunc');
}

/** remainder / fmod: gradient g for a, -g * div(a, b, rounding) for b (PyTorch's formulas). */
function modulo(a: TensorOrScalar, b: TensorOrScalar, kernel: BinaryKernel, op: string, name: string, rounding: 'floor' | 'trunc'): Tensor {
  const out = run(a, b, kernel, op, 'arith');
  if (!mustRecord(a, b)) return out;
  const at = tensorOrNull(a), bt = tensorOrNull(b);
  const needB = bt !== null && bt.requiresGrad;
  const an = numberOr0(a), bn = numberOr0(b);
  return record(out, name, [at, bt], needB ? savedOf(at, bt) : [], (g, s, needs) => {
    if (!needs[1]) return [g, null];
    const [sa, sb] = unpack(s, at !== null, true);
    return [needs[0] ? g : null, g.mul(div(sa ?? an, sb!, { roundingMode: rounding })).neg()];
  });
}

/** a ** b. */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (typeof b === 'number' && a instanceof Tensor) {
    if (intPow(a, b) && b < 0) {
      throw new RangeError(`pow: integers to negative integer powers are not allowed (exponent ${b}, input dtype ${a.dtype})`);
    }
    const src = asFloat32(a);
    const out = Tensor.empty(a.shape, 'float32');
    if (out.numel() > 0) {
      const c = src.isContiguous() ? src : src.contiguous();
      kernels().pow_scalar_f32(c.ptr, out.ptr, out.numel(), b);
      if (c !== src) c.dispose();
    }
    if (src !== a) src.dispose();
    if (intPow(a, b)) {
      const r = toDType(out, 'int32');
      out.dispose();
      return r;
    }
    if (isTracing()) traceAttrs(out, { a, b });
    if (!a.requiresGrad && !anomalyMode.checkForward) return out;
    // NOTE: exponent 0 has gradient 0 everywhere, whatever g is (PyTorch: zeros_like(x); 0 * x^-1 would be NaN at 0).
    return record(out, 'PowBackward0', [a], [a], (g, [x]) => [b === 0 ? zeros(x!.shape) : powGradFused(g, x!, b) ?? g.mul(x!.pow(b - 1).mul(b))]);
  }
  const out = run(a, b, 'pow_f32', 'pow', intPow(a, b) ? 'arith' : 'float');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  const at = tensorOrNull(a), bt = tensorOrNull(b);
  // Saved as PyTorch: the base and exponent for the base's gradient, also the result for the exponent's.
  const needE = bt !== null && bt.requiresGrad;
  const an = numberOr0(a), bn = numberOr0(b);
  return record(out, 'PowBackward1', [at, bt], savedOf(at, bt, needE ? out : null), (g, s, needs) => {
    const [sa, sb, so] = unpack(s, at !== null, bt !== null, needE);
    const x = sa ?? scalarTensor(an), e = sb ?? scalarTensor(bn);
    return [
      // 0 where e == 0, as PyTorch (e * x^(e-1) would be 0 * Inf = NaN at x = 0)
      needs[0] ? where(e.eq(0), 0, g.mul(e).mul(pow(x, sub(e, 1)))) : null,
      // d(x^e)/de = x^e * log(x), taken as 0 where x == 0 and e >= 0 (PyTorch's convention), times g.
      needs[1] ? g.mul(where(x.eq(0).mul(e.ge(0)), 0, so!.mul(x.log()))) : null,
    ];
  });
}

/** Whether a ** b stays integer: both integer (PyTorch: int ** int is int; int ** float is float). */
function intPow(a: TensorOrScalar, b: TensorOrScalar): boolean {
  return dtOf(a) !== 'float32' && dtOf(b) !== 'float32';
}

/** PowBackward0 in one kernel when the rule need not be differentiable (see fusedGrad in elementwise-support.ts). */
function powGradFused(g: Tensor, x: Tensor, p: number): Tensor | null {
  if (isGradEnabled() || !isFlatFloat32(g) || !isFlatFloat32(x) || !sameShape(g.shape, x.shape)) return null;
  const pg = g.ptr, px = x.ptr;
  const out = Tensor.empty(x.shape, 'float32');
  const n = out.storage.bytes >>> 2;
  if (n > 0) kernels().pow_backward_f32(pg, px, out.ptr, n, p);
  return out;
}

/** True when an op with these operands goes through record(): autograd records it, or anomaly mode checks it. */
function mustRecord(a: TensorOrScalar, b: TensorOrScalar): boolean {
  if (anomalyMode.checkForward) return true;
  return isGradEnabled() && ((a instanceof Tensor && a.requiresGrad) || (b instanceof Tensor && b.requiresGrad));
}

function tensorOrNull(v: TensorOrScalar): Tensor | null {
  return v instanceof Tensor ? v : null;
}

/** Elementwise maximum (NaN if either is NaN); at ties the gradient is split evenly (as PyTorch). */
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return pairwiseExtreme(a, b, 'maximum_f32', 'maximum', 'MaximumBackward0', (x, y) => x.lt(y));
}

/** Elementwise minimum (NaN if either is NaN); at ties the gradient is split evenly. */
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return pairwiseExtreme(a, b, 'minimum_f32', 'minimum', 'MinimumBackward0', (x, y) => x.gt(y));
}

/**
 * PyTorch's rule: each input gets g / 2 at a tie, 0 where it `loses` (a select: 0 even for a NaN g), else g.
 * Both comparisons are false at a NaN, so there both inputs get the whole gradient.
 */
function pairwiseExtreme(a: TensorOrScalar, b: TensorOrScalar, kernel: BinaryKernel, op: string, name: string, loses: (x: Tensor, y: Tensor) => Tensor): Tensor {
  const out = run(a, b, kernel, op, 'arith');
  if (isTracing()) traceAttrs(out, { a, b });
  if (!mustRecord(a, b)) return out;
  const at = tensorOrNull(a), bt = tensorOrNull(b);
  const an = numberOr0(a), bn = numberOr0(b);
  return record(out, name, [at, bt], savedOf(at, bt), (g, s, needs) => {
    const [sa, sb] = unpack(s, at !== null, bt !== null);
    const x = sa ?? scalarTensor(an), y = sb ?? scalarTensor(bn);
    const shared = g.mul(x.eq(y).mul(-0.5).add(1)); // g / 2 at ties
    return [needs[0] ? where(loses(x, y), 0, shared) : null, needs[1] ? where(loses(y, x), 0, shared) : null];
  });
}

/** Elementwise comparisons: bool results, no gradient. */
export function eq(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'eq_f32', 'eq', 'bool');
}
export function ne(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'ne_f32', 'ne', 'bool');
}
export function gt(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'gt_f32', 'gt', 'bool');
}
export function lt(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'lt_f32', 'lt', 'bool');
}
export function ge(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'ge_f32', 'ge', 'bool');
}
export function le(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return run(a, b, 'le_f32', 'le', 'bool');
}

/**
 * condition ? a : b elementwise, all three broadcast together; where(condition) alone is
 * nonzero(condition, { asTuple: true }) (PyTorch's one-argument form).
 */
export function where(condition: Tensor): Tensor[];
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor;
export function where(condition: Tensor, a?: TensorOrScalar, b?: TensorOrScalar): Tensor | Tensor[] {
  if (a === undefined && b === undefined) return whereNonzero(condition);
  if (!(condition instanceof Tensor)) throw new TypeError(`where: condition must be a Tensor, got ${typeof condition}`);
  return whereSelect(condition, a as TensorOrScalar, b as TensorOrScalar);
}

function whereSelect(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkOperand(a, 'where', 'second');
  checkOperand(b, 'where', 'third');
  const at = tensorOf(a), bt = tensorOf(b);
  const shape = broadcastShapes(broadcastShapes(condition.shape, at.shape, 'where'), bt.shape, 'where');
  const c = condition.dtype === 'float32' ? toDType(condition, 'bool') : condition;
  const af = asFloat32(at), bf = asFloat32(bt);
  const out = Tensor.empty(shape, 'float32');
  if (out.numel() > 0) {
    const ks = shape.length === 0 ? [1] : shape;
    const st = (t: Tensor) => (shape.length === 0 ? [0] : broadcastStrides(t.shape, t.strides, shape));
    kernels().where_f32(c.ptr, af.ptr, bf.ptr, out.ptr, writeMeta(ks, st(c), st(af), st(bf)));
  }
  for (const [t, orig] of [[c, condition], [af, at], [bf, bt]] as const) if (t !== orig) t.dispose();
  const result = dtOf(a) !== 'float32' && dtOf(b) !== 'float32' ? toDType(out, 'int32') : out;
  if (result !== out) out.dispose();
  if (isTracing()) traceAttrs(result, { condition, a, b });
  return record(result, 'WhereBackward0', [tensorOrNull(a), tensorOrNull(b)], [condition], (g, [cond], needs) => [
    needs[0] ? where(cond!, g, 0) : null,
    needs[1] ? where(cond!, 0, g) : null,
  ]);
}
