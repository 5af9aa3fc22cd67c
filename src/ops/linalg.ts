/**
 * Linear algebra (issue 15): products built on the GEMM of matmul.ts (dot, mv, outer, inner, addmm, addmv,
 * addbmm, baddbmm, multiDot, chainMatmul, tensordot, einsum), trace, kron, cross, cdist, and the `linalg`
 * namespace (vectorNorm, matrixNorm, norm, inv, det, slogdet, solve, cholesky).
 *
 * Products are composed from differentiable ops (permute/reshape + mm/bmm), so their gradients, and
 * second derivatives, come from those ops. The small-matrix decompositions (inv, det, slogdet, solve,
 * cholesky) compute in float64 in TypeScript (LU with partial pivoting, Cholesky) and round to float32;
 * their backward rules are written with tensor ops (so they are differentiable again).
 * int32 operands of the products are computed in float32 and give int32 (exact while values stay within
 * 2^24), as PyTorch's integer products give int64; operands of one product must share a dtype (as
 * PyTorch requires) and bool is refused.
 */
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { broadcastShapes, normDim, numelOf, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { eye, tensor, zeros } from '../tensor/creation.js';
import { checkOptions, positionalOptions } from '../options.js';
import type { PositionalOr } from './conv.js';
import { copyInto, toDType } from './copy.js';
import { matmul, mm, bmm } from './matmul.js';
import { add, mul, sub, div, pow, where, eq, ne, maximum } from './binary.js';
import { abs, sqrt } from './unary.js';
import { signOf as sign } from './elementwise-support.js';
import { sum, amax, amin } from './reduce.js';
import { cat, indexSelect } from './indexing.js';

// ---------------------------------------------------------------- helpers

function checkTensor(x: unknown, op: string, which: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${which} must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  void x.ptr; // throws if disposed
}

/** The common dtype of a product's operands: they must agree (as PyTorch) and not be bool. */
function productDType(op: string, ...ts: Tensor[]): 'float32' | 'int32' {
  const dt = ts[0]!.dtype;
  for (const t of ts) {
    if (t.dtype !== dt) throw new TypeError(`${op}: expected operands of the same dtype, got ${ts.map((u) => u.dtype).join(' and ')}`);
  }
  if (dt === 'bool') throw new TypeError(`${op}: not implemented for bool tensors`);
  return dt;
}

/** An int32 result of a product computed in float32 (the float result is disposed). */
function intResult(out: Tensor, dt: 'float32' | 'int32'): Tensor {
  if (dt === 'float32') return out;
  const r = toDType(out, 'int32');
  out.dispose();
  return r;
}

/** Runs a product: float32 operands as they are, int32 ones cast to float32 and the result back. */
function product(dt: 'float32' | 'int32', f: () => Tensor): Tensor {
  if (dt === 'float32') return f();
  return intResult(noGrad(f), dt);
}

function checkScalarArg(op: string, name: string, v: unknown, dt: 'float32' | 'int32'): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be a number, got ${v === null ? 'null' : typeof v}`);
  if (dt === 'int32' && !Number.isInteger(v)) {
    throw new TypeError(`${op}: for integer tensors, ${name} must be an integer, got ${v}`);
  }
  return v;
}

/**
 * The diagonal of dims d1, d2 (moved to the end) as a view; backward writes g into the diagonal of zeros.
 */
function diagonalView(x: Tensor, d1: number, d2: number): Tensor {
  const n = Math.min(x.shape[d1]!, x.shape[d2]!);
  const keep = x.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const shape = [...keep.map((i) => x.shape[i]!), n];
  const strides = [...keep.map((i) => x.strides[i]!), x.strides[d1]! + x.strides[d2]!];
  const inShape = x.shape;
  const v = x._view(shape, strides, x.offset, (b) => diagonalView(b, d1, d2));
  return record(v, 'DiagonalBackward0', [x], [], (g) => [diagonalBackward(g, inShape, d1, d2)]);
}

function diagonalBackward(g: Tensor, inShape: readonly number[], d1: number, d2: number): Tensor {
  const z = noGrad(() => {
    const z = zeros(inShape);
    const part = diagonalView(z, d1, d2);
    copyInto(part, g);
    part.dispose();
    return z;
  });
  return record(z, 'DiagonalBackwardBackward0', [g], [], (gg) => [diagonalView(gg, d1, d2)]);
}

// ---------------------------------------------------------------- products

/**
 * Dot product of two 1-D tensors of the same size (a 0-d result).
 * @example dot(tensor([1, 2, 3]), tensor([4, 5, 6])) // tensor(32)
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  return dotLike('dot', a, b);
}

/** dot for real tensors (PyTorch's vdot conjugates the first operand). @example vdot(x, y) */
export function vdot(a: Tensor, b: Tensor): Tensor {
  return dotLike('vdot', a, b);
}

function dotLike(op: string, a: Tensor, b: Tensor): Tensor {
  checkTensor(a, op, 'the first operand');
  checkTensor(b, op, 'the second operand');
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`${op}: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`${op}: inconsistent tensor size, expected tensors of the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements`);
  }
  const dt = productDType(op, a, b);
  return product(dt, () => matmul(a, b));
}

/**
 * Matrix-vector product: mat [n, m] · vec [m] -> [n].
 * @example mv(ones(2, 3), ones(3)) // tensor([3., 3.])
 */
export function mv(mat: Tensor, vec: Tensor): Tensor {
  checkTensor(mat, 'mv', 'mat');
  checkTensor(vec, 'mv', 'vec');
  if (mat.ndim !== 2 || vec.ndim !== 1) throw new RangeError(`mv: expects a 2-D matrix and a 1-D vector, got shapes ${shapeStr(mat.shape)} and ${shapeStr(vec.shape)}`);
  if (mat.shape[1] !== vec.shape[0]) throw new RangeError(`mv: shapes ${shapeStr(mat.shape)} and ${shapeStr(vec.shape)} cannot be multiplied`);
  const dt = productDType('mv', mat, vec);
  return product(dt, () => matmul(mat, vec));
}

/**
 * Outer product of two 1-D tensors: out[i, j] = a[i] * b[j] (dtypes promote as mul).
 * @example outer(tensor([1, 2]), tensor([3, 4, 5])).shape // [2, 3]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'outer', 'the first operand');
  checkTensor(b, 'outer', 'the second operand');
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`outer: expects 1-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  return mul(a.unsqueeze(1), b.unsqueeze(0));
}

/**
 * Inner product over the last dims: out[..a, ..b] = sum_k a[..a, k] * b[..b, k]; a 0-d operand multiplies.
 * @example inner(ones(2, 3), ones(4, 3)).shape // [2, 4]
 */
export function inner(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'inner', 'the first operand');
  checkTensor(b, 'inner', 'the second operand');
  if (a.ndim === 0 || b.ndim === 0) return mul(a, b);
  if (a.shape[a.ndim - 1] !== b.shape[b.ndim - 1]) {
    throw new RangeError(`inner: the last dims of both inputs must match, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return tensordotWith('inner', a, b, [a.ndim - 1], [b.ndim - 1]);
}

/**
 * Sums the products of a's dims `dims[0]` with b's dims `dims[1]` (or of a's last `dims` dims with b's first
 * `dims`); the result has a's remaining dims, then b's.
 * @example tensordot(ones(3, 4, 5), ones(4, 5, 2), 2).shape // [3, 2]
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | readonly [readonly number[], readonly number[]] | readonly [number, number] = 2): Tensor {
  checkTensor(a, 'tensordot', 'the first operand');
  checkTensor(b, 'tensordot', 'the second operand');
  let da: number[], db: number[];
  if (typeof dims === 'number') {
    if (!Number.isInteger(dims) || dims < 0) throw new RangeError(`tensordot: dims must be a non-negative integer, got ${dims}`);
    if (dims > a.ndim || dims > b.ndim) {
      throw new RangeError(`tensordot: cannot contract ${dims} dims of tensors of shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
    }
    da = Array.from({ length: dims }, (_, i) => a.ndim - dims + i);
    db = Array.from({ length: dims }, (_, i) => i);
  } else if (Array.isArray(dims) && dims.length === 2) {
    const [x, y] = dims as readonly unknown[];
    const list = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as number[])] : [NaN]);
    da = list(x);
    db = list(y);
    if (da.length !== db.length) throw new RangeError(`tensordot: both dim lists should have the same length, got ${da.length} and ${db.length}`);
    da = da.map((d) => normDim(d, a.ndim, 'tensordot'));
    db = db.map((d) => normDim(d, b.ndim, 'tensordot'));
    if (new Set(da).size !== da.length || new Set(db).size !== db.length) throw new RangeError('tensordot: a dim appears twice in a dim list');
  } else {
    throw new TypeError('tensordot: dims must be an integer or a pair of dim lists');
  }
  return tensordotWith('tensordot', a, b, da, db);
}

function tensordotWith(op: string, a: Tensor, b: Tensor, da: readonly number[], db: readonly number[]): Tensor {
  for (let i = 0; i < da.length; i++) {
    if (a.shape[da[i]!] !== b.shape[db[i]!]) {
      throw new RangeError(
        `${op}: contracted dimensions need to match, but first has size ${a.shape[da[i]!]} in dim ${da[i]} and second has size ${b.shape[db[i]!]} in dim ${db[i]} (shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)})`,
      );
    }
  }
  const dt = productDType(op, a, b);
  const fa = a.shape.map((_, i) => i).filter((i) => !da.includes(i));
  const fb = b.shape.map((_, i) => i).filter((i) => !db.includes(i));
  const k = numelOf(da.map((d) => a.shape[d]!));
  const m = numelOf(fa.map((d) => a.shape[d]!));
  const n = numelOf(fb.map((d) => b.shape[d]!));
  const outShape = [...fa.map((d) => a.shape[d]!), ...fb.map((d) => b.shape[d]!)];
  return product(dt, () => {
    const a2 = a.permute([...fa, ...da]).reshape(m, k);
    const b2 = b.permute([...db, ...fb]).reshape(k, n);
    return mm(a2, b2).reshape(outShape);
  });
}

export interface AddmmOptions {
  /** Multiplier of input (0: input is ignored, even its NaNs). Default 1. */
  beta?: number;
  /** Multiplier of the product. Default 1. */
  alpha?: number;
}

/** beta * input + alpha * prod, input broadcast to prod's shape (which it must not enlarge). */
function addProduct(op: string, input: Tensor, prodShape: readonly number[], options: AddmmOptions | undefined, dt: 'float32' | 'int32', prod: () => Tensor): Tensor {
  const o = checkOptions(op, options, ['beta', 'alpha']);
  const beta = o.beta === undefined ? 1 : checkScalarArg(op, 'beta', o.beta, dt);
  const alpha = o.alpha === undefined ? 1 : checkScalarArg(op, 'alpha', o.alpha, dt);
  let shape: number[];
  try {
    shape = broadcastShapes(input.shape, prodShape, op);
  } catch {
    shape = [];
  }
  if (shape.length !== prodShape.length || shape.some((s, i) => s !== prodShape[i])) {
    throw new RangeError(`${op}: input of shape ${shapeStr(input.shape)} cannot be broadcast to the product's shape ${shapeStr(prodShape)}`);
  }
  return product(dt, () => {
    let p = prod();
    if (alpha !== 1) p = mul(p, alpha);
    if (beta === 0) {
      // PyTorch ignores input when beta is 0 (NaN and Inf in it do not propagate); its gradient is 0
      return where(tensor([true]), p, input);
    }
    return add(beta === 1 ? input : mul(input, beta), p);
  });
}

/**
 * beta * input + alpha * (mat1 @ mat2), mat1 [n, m], mat2 [m, p], input broadcastable to [n, p].
 * @example addmm(zeros(2, 4), ones(2, 3), ones(3, 4), { beta: 0.5, alpha: 2 })
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: AddmmOptions): Tensor {
  checkTensor(input, 'addmm', 'input');
  checkTensor(mat1, 'addmm', 'mat1');
  checkTensor(mat2, 'addmm', 'mat2');
  if (mat1.ndim !== 2 || mat2.ndim !== 2) throw new RangeError(`addmm: mat1 and mat2 must be 2-D, got shapes ${shapeStr(mat1.shape)} and ${shapeStr(mat2.shape)}`);
  if (mat1.shape[1] !== mat2.shape[0]) throw new RangeError(`addmm: shapes ${shapeStr(mat1.shape)} and ${shapeStr(mat2.shape)} cannot be multiplied`);
  const dt = productDType('addmm', input, mat1, mat2);
  return addProduct('addmm', input, [mat1.shape[0]!, mat2.shape[1]!], options, dt, () => mm(mat1, mat2));
}

/**
 * beta * input + alpha * (mat @ vec), mat [n, m], vec [m], input broadcastable to [n].
 * @example addmv(zeros(2), ones(2, 3), ones(3), { alpha: 2 }) // tensor([6., 6.])
 */
export function addmv(input: Tensor, mat: Tensor, vec: Tensor, options?: AddmmOptions): Tensor {
  checkTensor(input, 'addmv', 'input');
  checkTensor(mat, 'addmv', 'mat');
  checkTensor(vec, 'addmv', 'vec');
  if (mat.ndim !== 2 || vec.ndim !== 1) throw new RangeError(`addmv: expects a 2-D matrix and a 1-D vector, got shapes ${shapeStr(mat.shape)} and ${shapeStr(vec.shape)}`);
  if (mat.shape[1] !== vec.shape[0]) throw new RangeError(`addmv: shapes ${shapeStr(mat.shape)} and ${shapeStr(vec.shape)} cannot be multiplied`);
  const dt = productDType('addmv', input, mat, vec);
  return addProduct('addmv', input, [mat.shape[0]!], options, dt, () => matmul(mat, vec));
}

function checkBatches(op: string, b1: Tensor, b2: Tensor): void {
  if (b1.ndim !== 3 || b2.ndim !== 3) throw new RangeError(`${op}: batch1 and batch2 must be 3-D, got shapes ${shapeStr(b1.shape)} and ${shapeStr(b2.shape)}`);
  if (b1.shape[0] !== b2.shape[0] || b1.shape[2] !== b2.shape[1]) {
    throw new RangeError(`${op}: shapes ${shapeStr(b1.shape)} and ${shapeStr(b2.shape)} cannot be multiplied`);
  }
}

/**
 * beta * input + alpha * bmm(batch1, batch2), batch1 [b, n, m], batch2 [b, m, p], input broadcastable to [b, n, p].
 * @example baddbmm(zeros(2, 3, 4), ones(2, 3, 5), ones(2, 5, 4)).shape // [2, 3, 4]
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: AddmmOptions): Tensor {
  checkTensor(input, 'baddbmm', 'input');
  checkTensor(batch1, 'baddbmm', 'batch1');
  checkTensor(batch2, 'baddbmm', 'batch2');
  checkBatches('baddbmm', batch1, batch2);
  const dt = productDType('baddbmm', input, batch1, batch2);
  return addProduct('baddbmm', input, [batch1.shape[0]!, batch1.shape[1]!, batch2.shape[2]!], options, dt, () => bmm(batch1, batch2));
}

/**
 * beta * input + alpha * sum_b batch1[b] @ batch2[b] (one GEMM over the concatenated batch), input
 * broadcastable to [n, p].
 * @example addbmm(zeros(3, 4), ones(2, 3, 5), ones(2, 5, 4)) // all 10
 */
export function addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: AddmmOptions): Tensor {
  checkTensor(input, 'addbmm', 'input');
  checkTensor(batch1, 'addbmm', 'batch1');
  checkTensor(batch2, 'addbmm', 'batch2');
  checkBatches('addbmm', batch1, batch2);
  const dt = productDType('addbmm', input, batch1, batch2);
  const [b, n, m] = batch1.shape as [number, number, number];
  const p = batch2.shape[2]!;
  return addProduct('addbmm', input, [n, p], options, dt, () => mm(batch1.permute(1, 0, 2).reshape(n, b * m), batch2.reshape(b * m, p)));
}

/** The cheapest parenthesisation of a chain of matrices with dims p (matrix i is p[i] x p[i+1]). */
function chainOrder(p: readonly number[]): number[][] {
  const n = p.length - 1;
  const cost = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let len = 1; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i]![j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i]![k]! + cost[k + 1]![j]! + p[i]! * p[k + 1]! * p[j + 1]!;
        if (c < cost[i]![j]!) {
          cost[i]![j] = c;
          split[i]![j] = k;
        }
      }
    }
  }
  return split;
}

function chainProduct(ms: readonly Tensor[]): Tensor {
  if (ms.length === 1) return ms[0]!;
  if (ms.length === 2) return mm(ms[0]!, ms[1]!);
  const p = [ms[0]!.shape[0]!, ...ms.map((m) => m.shape[1]!)];
  const split = chainOrder(p);
  const go = (i: number, j: number): Tensor => (i === j ? ms[i]! : mm(go(i, split[i]![j]!), go(split[i]![j]! + 1, j)));
  return go(0, ms.length - 1);
}

function checkChain(op: string, ts: readonly Tensor[], vectorEnds: boolean): Tensor[] {
  ts.forEach((t, i) => checkTensor(t, op, `tensor ${i}`));
  const dt = productDType(op, ...ts);
  void dt;
  const ms = ts.map((t, i) => {
    const end = i === 0 || i === ts.length - 1;
    if (t.ndim === 2) return t;
    if (vectorEnds && end && t.ndim === 1) return i === 0 ? t.unsqueeze(0) : t.unsqueeze(1);
    throw new RangeError(`${op}: tensor ${i} must be 2-D${vectorEnds ? ' (the first and last may be 1-D)' : ''}, got shape ${shapeStr(t.shape)}`);
  });
  for (let i = 0; i + 1 < ms.length; i++) {
    if (ms[i]!.shape[1] !== ms[i + 1]!.shape[0]) {
      throw new RangeError(`${op}: tensors ${i} and ${i + 1} with shapes ${shapeStr(ts[i]!.shape)} and ${shapeStr(ts[i + 1]!.shape)} cannot be multiplied`);
    }
  }
  return ms;
}

/**
 * Product of two or more matrices in the cheapest order; the first may be a 1-D row and the last a 1-D
 * column vector (their dim is removed from the result), as PyTorch's linalg.multi_dot.
 * @example multiDot([ones(2, 3), ones(3, 4), ones(4)]) // shape [2]
 */
export function multiDot(tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors)) throw new TypeError('multiDot: expects an array of tensors');
  if (tensors.length < 2) throw new RangeError(`multiDot: expected at least 2 tensors but got ${tensors.length}`);
  const ms = checkChain('multiDot', tensors, true);
  const dt = productDType('multiDot', ...tensors);
  const first = tensors[0]!, last = tensors[tensors.length - 1]!;
  return product(dt, () => {
    let r = chainProduct(ms);
    if (first.ndim === 1 && last.ndim === 1) r = r.reshape([]);
    else if (first.ndim === 1) r = r.reshape(-1);
    else if (last.ndim === 1) r = r.reshape(-1);
    return r;
  });
}

/**
 * Product of 2-D matrices in the cheapest order (PyTorch's deprecated chain_matmul; one matrix gives a copy).
 * @example chainMatmul(ones(2, 3), ones(3, 4)).shape // [2, 4]
 */
export function chainMatmul(...matrices: Tensor[]): Tensor {
  if (matrices.length === 0) throw new RangeError('chainMatmul: expected at least one tensor');
  const ms = checkChain('chainMatmul', matrices, false);
  const dt = productDType('chainMatmul', ...matrices);
  return product(dt, () => (ms.length === 1 ? ms[0]!.clone() : chainProduct(ms)));
}

/**
 * Sum of the main diagonal of a 2-D tensor (int32 stays int32).
 * @example trace(tensor([[1, 2], [3, 4]])) // tensor(5)
 */
export function trace(x: Tensor): Tensor {
  checkTensor(x, 'trace', 'input');
  if (x.ndim !== 2) throw new RangeError(`trace: expected a matrix, but got tensor with shape ${shapeStr(x.shape)}`);
  if (x.dtype === 'bool') throw new TypeError('trace: not implemented for bool tensors');
  return sum(diagonalView(x, 0, 1));
}

/**
 * Kronecker product: out[i0*b0 + j0, i1*b1 + j1, ...] = a[i0, i1, ...] * b[j0, j1, ...] (the fewer-dim
 * operand gets leading 1s).
 * @example kron(eye(2), ones(2, 2)).shape // [4, 4]
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'kron', 'the first operand');
  checkTensor(b, 'kron', 'the second operand');
  const nd = Math.max(a.ndim, b.ndim);
  const as = [...new Array<number>(nd - a.ndim).fill(1), ...a.shape];
  const bs = [...new Array<number>(nd - b.ndim).fill(1), ...b.shape];
  const ai: number[] = [], bi: number[] = [];
  for (let i = 0; i < nd; i++) {
    ai.push(as[i]!, 1);
    bi.push(1, bs[i]!);
  }
  const out = mul(a.reshape(ai), b.reshape(bi));
  return out.reshape(as.map((s, i) => s * bs[i]!));
}

/**
 * Cross product of 3-vectors along `dim` (default: the first dim of size 3), operands broadcast.
 * @example cross(tensor([1, 0, 0]), tensor([0, 1, 0])) // tensor([0, 0, 1])
 */
export function cross(a: Tensor, b: Tensor, dim?: number | null): Tensor {
  checkTensor(a, 'cross', 'the first operand');
  checkTensor(b, 'cross', 'the second operand');
  if (a.ndim !== b.ndim) throw new RangeError(`cross: inputs must have the same number of dimensions, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const shape = broadcastShapes(a.shape, b.shape, 'cross');
  let d: number;
  if (dim == null) {
    d = shape.indexOf(3);
    if (d < 0) throw new RangeError(`cross: no dimension of size 3 in input of shape ${shapeStr(shape)}`);
  } else {
    d = normDim(dim, shape.length, 'cross');
  }
  const sa = a.shape[d], sb = b.shape[d];
  if (sa !== 3 || sb !== 3) {
    throw new RangeError(`cross: inputs dimension ${dim ?? d} must have length 3, got ${sa} and ${sb} (shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)})`);
  }
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new TypeError('cross: not implemented for bool tensors');
  const i1 = tensor([1, 2, 0]), i2 = tensor([2, 0, 1]);
  return sub(mul(indexSelect(a, d, i1), indexSelect(b, d, i2)), mul(indexSelect(a, d, i2), indexSelect(b, d, i1)));
}

export interface CdistOptions {
  p?: number;
  /** Accepted for PyTorch compatibility; distances are always computed directly (no mm-based shortcut). */
  computeMode?: 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';
}

const COMPUTE_MODES = ['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist'];

/**
 * p-norm distances between the rows of x1 [..., P, M] and x2 [..., R, M]: out [..., P, R] (batch dims
 * broadcast). p >= 0 (0 counts differing entries, Infinity takes the largest difference). Gradients as
 * PyTorch's (0 where a distance is 0).
 * @example cdist(randn(3, 2), randn(4, 2)).shape // [3, 4]
 */
export function cdist(x1: Tensor, x2: Tensor, ...args: [] | [p: number] | [p: number, computeMode: CdistOptions['computeMode']] | [CdistOptions] | [p: number, CdistOptions]): Tensor {
  checkTensor(x1, 'cdist', 'x1');
  checkTensor(x2, 'cdist', 'x2');
  const o = positionalOptions<CdistOptions>('cdist', args, ['p', 'computeMode']);
  const p = o.p ?? 2;
  if (typeof p !== 'number' || Number.isNaN(p)) throw new TypeError(`cdist: p must be a number, got ${typeof p}`);
  if (p < 0) throw new RangeError(`cdist: only supports non-negative p values, got ${p}`);
  if (o.computeMode !== undefined && !COMPUTE_MODES.includes(o.computeMode)) {
    throw new TypeError(`cdist: computeMode must be one of ${COMPUTE_MODES.join(', ')}, got ${JSON.stringify(o.computeMode)}`);
  }
  if (x1.ndim < 2 || x2.ndim < 2) throw new RangeError(`cdist: only supports at least 2D tensors, got shapes ${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`);
  if (x1.dtype !== 'float32' || x2.dtype !== 'float32') throw new TypeError(`cdist: only supports floating-point dtypes, got ${x1.dtype} and ${x2.dtype}`);
  if (x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new RangeError(`cdist: x1 and x2 must have the same number of columns, got shapes ${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`);
  }
  broadcastShapes(x1.shape.slice(0, -2), x2.shape.slice(0, -2), 'cdist');
  const diffOf = (a: Tensor, b: Tensor): Tensor => sub(a.unsqueeze(-2), b.unsqueeze(-3)); // [..., P, R, M]
  const out = noGrad(() => {
    const d = diffOf(x1, x2);
    if (p === 0) return sum(ne(d, 0).float(), -1);
    const ad = abs(d);
    if (p === Infinity) return amax(ad, -1);
    if (p === 1) return sum(ad, -1);
    if (p === 2) return sqrt(sum(mul(ad, ad), -1));
    return pow(sum(pow(ad, p), -1), 1 / p);
  });
  return record(out, 'CdistBackward0', [x1, x2], [x1, x2, out], (g, [a, b, dist], needs) => {
    const d = diffOf(a!, b!);
    let gd: Tensor; // gradient with respect to the differences, [..., P, R, M]
    if (p === 0) gd = zeros(d.shape);
    else if (p === 1) gd = mul(sign(d), g.unsqueeze(-1));
    else if (p === Infinity) {
      const m = eq(abs(d), dist!.unsqueeze(-1)).float();
      gd = mul(mul(sign(d), m), g.unsqueeze(-1));
    } else {
      // sign(d) |d|^(p-1) / dist^(p-1), 0 where the distance is 0 (PyTorch's _cdist_backward)
      const scale = where(eq(dist!, 0), 0, div(g, p === 2 ? dist! : pow(dist!, p - 1))).unsqueeze(-1);
      // for p < 1, |0|^(p-1) is Inf: PyTorch takes 0 where a difference is 0
      const num = p === 2 ? d : p < 1 ? where(eq(d, 0), 0, mul(sign(d), pow(abs(d), p - 1))) : mul(sign(d), pow(abs(d), p - 1));
      gd = mul(num, scale);
    }
    return [needs[0] ? sum(gd, -2) : null, needs[1] ? sum(gd, -3).neg() : null];
  });
}

// ---------------------------------------------------------------- einsum

/**
 * Einstein summation with PyTorch's equations: letters a-z and A-Z label dims, '...' stands for the
 * broadcast dims, '->' names the output (without it: the letters that appear once, in alphabetical
 * order, after the ellipsis dims); a letter repeated in one operand takes its diagonal. Operands are
 * contracted pairwise, left to right, each pair as one batched GEMM after permute/reshape; gradients
 * come from those ops. Also takes the operands as one array: einsum('ij,jk', [a, b]).
 * @example einsum('bij,bjk->bik', a, b) // bmm(a, b)
 */
export function einsum(equation: string, ...operands: Tensor[] | [readonly Tensor[]]): Tensor {
  if (typeof equation !== 'string') throw new TypeError(`einsum: equation must be a string, got ${typeof equation}`);
  const ops: Tensor[] = operands.length === 1 && Array.isArray(operands[0]) ? [...(operands[0] as readonly Tensor[])] : (operands as Tensor[]);
  if (ops.length === 0) throw new RangeError('einsum: must provide at least one operand');
  ops.forEach((t, i) => checkTensor(t, 'einsum', `operand ${i}`));
  const dt = productDType('einsum', ...ops);
  const eq_ = equation.replace(/\s+/g, '');
  const arrow = eq_.indexOf('->');
  const lhs = arrow >= 0 ? eq_.slice(0, arrow) : eq_;
  const rhs = arrow >= 0 ? eq_.slice(arrow + 2) : null;
  const terms = lhs.split(',');
  if (terms.length !== ops.length) {
    throw new RangeError(`einsum: the equation '${equation}' has ${terms.length} operand${terms.length === 1 ? '' : 's'} but ${ops.length} were given`);
  }
  // parse each term into labels; the ellipsis becomes ndim - letters labels '.k' (k counted from the right)
  const parseTerm = (s: string, what: string): { letters: string[]; ell: number } => {
    const letters: string[] = [];
    let ell = -1;
    for (let i = 0; i < s.length; i++) {
      if (s.startsWith('...', i)) {
        if (ell >= 0) throw new RangeError(`einsum: ${what} contains more than one ellipsis ('...')`);
        ell = letters.length;
        i += 2;
      } else if (/[a-zA-Z]/.test(s[i]!)) letters.push(s[i]!);
      else throw new RangeError(`einsum: invalid subscript '${s[i]}' in ${what}; subscripts must be letters a-z, A-Z or '...'`);
    }
    return { letters, ell };
  };
  let ellNd = 0;
  const labelsOf: string[][] = terms.map((term, i) => {
    const { letters, ell } = parseTerm(term, `operand ${i}`);
    const t = ops[i]!;
    if (ell < 0) {
      if (letters.length !== t.ndim) {
        throw new RangeError(`einsum: operand ${i} has ${t.ndim} dims (shape ${shapeStr(t.shape)}) but the subscript '${term}' labels ${letters.length}`);
      }
      return letters;
    }
    const ne_ = t.ndim - letters.length;
    if (ne_ < 0) throw new RangeError(`einsum: operand ${i} has ${t.ndim} dims (shape ${shapeStr(t.shape)}), fewer than the ${letters.length} letters of '${term}'`);
    ellNd = Math.max(ellNd, ne_);
    return [...letters.slice(0, ell), ...Array.from({ length: ne_ }, (_, k) => `.${ne_ - 1 - k}`), ...letters.slice(ell)];
  });
  const ellLabels = Array.from({ length: ellNd }, (_, k) => `.${ellNd - 1 - k}`);
  const counts = new Map<string, number>();
  for (const ls of labelsOf) for (const l of ls) if (!l.startsWith('.')) counts.set(l, (counts.get(l) ?? 0) + 1);
  let outLabels: string[];
  if (rhs === null) {
    outLabels = [...ellLabels, ...[...counts.keys()].filter((l) => counts.get(l) === 1).sort()];
  } else {
    const { letters, ell } = parseTerm(rhs, 'the output');
    for (const l of letters) if (!counts.has(l)) throw new RangeError(`einsum: output subscript '${l}' does not appear in the equation for any input operand`);
    if (new Set(letters).size !== letters.length) throw new RangeError(`einsum: output subscript appears more than once in '${rhs}'`);
    outLabels = ell < 0 ? letters : [...letters.slice(0, ell), ...ellLabels, ...letters.slice(ell)];
  }
  // sizes: equal, or 1 (broadcast)
  const size = new Map<string, number>();
  labelsOf.forEach((ls, i) => ls.forEach((l, d) => {
    const s = ops[i]!.shape[d]!;
    const prev = size.get(l);
    if (prev === undefined || prev === 1) size.set(l, s);
    else if (s !== 1 && s !== prev) {
      throw new RangeError(`einsum: subscript '${l.startsWith('.') ? '...' : l}' has size ${s} for operand ${i} which does not broadcast with previously seen size ${prev}`);
    }
  }));
  return product(dt, () => einsumRun(ops, labelsOf, outLabels, size));
}

interface Term { t: Tensor; labels: string[] }

function einsumRun(ops: Tensor[], labelsOf: string[][], outLabels: string[], size: Map<string, number>): Tensor {
  // 1. diagonals for repeated labels within an operand
  const terms: Term[] = ops.map((t0, i) => {
    let t = t0;
    let labels = [...labelsOf[i]!];
    for (;;) {
      const dup = labels.findIndex((l, k) => labels.indexOf(l) !== k);
      if (dup < 0) break;
      const first = labels.indexOf(labels[dup]!);
      t = diagonalView(t, first, dup);
      const l = labels[dup]!;
      labels = [...labels.filter((_, k) => k !== first && k !== dup), l];
    }
    return { t, labels };
  });
  const needed = (skip: number, rest: Term[]): Set<string> => {
    const s = new Set(outLabels);
    rest.forEach((r, k) => {
      if (k !== skip) for (const l of r.labels) s.add(l);
    });
    return s;
  };
  // 2. sum out labels only this operand has (and the output does not)
  const reduceOwn = (term: Term, keep: Set<string>): Term => {
    const dims = term.labels.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
    if (dims.length === 0) return term;
    return { t: sum(term.t, dims), labels: term.labels.filter((l) => keep.has(l)) };
  };
  let cur = reduceOwn(terms[0]!, needed(0, terms));
  for (let i = 1; i < terms.length; i++) {
    const rest = terms.slice(i + 1);
    const keepAfter = new Set(outLabels);
    for (const r of rest) for (const l of r.labels) keepAfter.add(l);
    const next = reduceOwn(terms[i]!, new Set([...keepAfter, ...cur.labels]));
    cur = reduceOwn(cur, new Set([...keepAfter, ...next.labels]));
    cur = contractPair(cur, next, keepAfter, size);
  }
  // 3. sum out what the output does not keep, then order the dims as the output
  cur = reduceOwn(cur, new Set(outLabels));
  let t = cur.t;
  const perm = outLabels.map((l) => cur.labels.indexOf(l));
  // labels of the output that no operand kept (ellipsis dims of size 1 everywhere, or broadcast): add them
  if (perm.some((d) => d < 0)) {
    const missing = outLabels.filter((l) => !cur.labels.includes(l));
    t = t.reshape([...t.shape, ...missing.map(() => 1)]);
    cur = { t, labels: [...cur.labels, ...missing] };
  }
  const perm2 = outLabels.map((l) => cur.labels.indexOf(l));
  t = perm2.every((d, k) => d === k) ? cur.t : cur.t.permute(perm2);
  const want = outLabels.map((l) => size.get(l) ?? 1);
  if (t.shape.some((s, k) => s !== want[k])) t = t.expand(want).contiguous();
  return t === ops[0] ? t.clone() : t;
}

/** a, b contracted over their shared labels not in `keep`; shared labels in keep are batch dims. */
function contractPair(a: Term, b: Term, keep: Set<string>, size: Map<string, number>): Term {
  const shared = a.labels.filter((l) => b.labels.includes(l));
  const batch = shared.filter((l) => keep.has(l));
  const contr = shared.filter((l) => !keep.has(l));
  const am = a.labels.filter((l) => !b.labels.includes(l));
  const bn = b.labels.filter((l) => !a.labels.includes(l));
  const sz = (l: string) => size.get(l)!;
  const expandTo = (t: Tensor, labels: string[]): Tensor => {
    const want = labels.map((l) => (shared.includes(l) ? sz(l) : t.shape[labels.indexOf(l)]!));
    return want.some((s, d) => s !== t.shape[d]) ? t.expand(want) : t;
  };
  const ta = expandTo(a.t, a.labels), tb = expandTo(b.t, b.labels);
  const B = numelOf(batch.map(sz)), K = numelOf(contr.map(sz));
  const M = numelOf(am.map((l) => ta.shape[a.labels.indexOf(l)]!)), N = numelOf(bn.map((l) => tb.shape[b.labels.indexOf(l)]!));
  const pa = ta.permute([...batch, ...am, ...contr].map((l) => a.labels.indexOf(l))).reshape(B, M, K);
  const pb = tb.permute([...batch, ...contr, ...bn].map((l) => b.labels.indexOf(l))).reshape(B, K, N);
  const r = B === 1 ? mm(pa.reshape(M, K), pb.reshape(K, N)) : bmm(pa, pb);
  const shape = [...batch.map(sz), ...am.map((l) => ta.shape[a.labels.indexOf(l)]!), ...bn.map((l) => tb.shape[b.labels.indexOf(l)]!)];
  return { t: r.reshape(shape), labels: [...batch, ...am, ...bn] };
}

// ---------------------------------------------------------------- norms

type Ord = number;
export interface VectorNormOptions {
  ord?: number;
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
  /** The dtype to compute in (only float32 here). */
  dtype?: 'float32';
}

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype !== 'float32') throw new TypeError(`${op}: expected a floating point tensor as input, got ${x.dtype}`);
}

function checkDTypeOpt(op: string, dtype: unknown): void {
  if (dtype !== undefined && dtype !== 'float32') throw new TypeError(`${op}: dtype must be 'float32', got ${JSON.stringify(dtype)}`);
}

function dimList(op: string, dim: number | readonly number[] | null | undefined, ndim: number): number[] {
  // null, undefined and [] all mean every dim (PyTorch's dim=None / dim=())
  if (dim == null || (Array.isArray(dim) && dim.length === 0)) return Array.from({ length: ndim }, (_, i) => i);
  const ds = (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normDim(d, ndim, op));
  if (new Set(ds).size !== ds.length) throw new RangeError(`${op}: dim ${JSON.stringify(dim)} appears multiple times in the list of dims`);
  return ds;
}

/**
 * The vector ord-norm over `dim` (all dims when null): (sum |x|^ord)^(1/ord); ord Infinity / -Infinity:
 * max / min |x|; ord 0: the number of nonzeros. Float32 input. Positional (x, ord, dim, keepdim) or
 * options. Gradient as PyTorch's (0 where the norm is 0 for ord >= 1).
 * @example linalg.vectorNorm(tensor([3, 4], { dtype: 'float32' })) // tensor(5.)
 */
export function vectorNorm(x: Tensor, ...args: PositionalOr<[ord: number, dim: number | readonly number[] | null, keepdim: boolean], VectorNormOptions>): Tensor {
  checkTensor(x, 'linalg.vectorNorm', 'input');
  const o = positionalOptions<VectorNormOptions>('linalg.vectorNorm', args, ['ord', 'dim', 'keepdim'], ['dtype']);
  checkDTypeOpt('linalg.vectorNorm', o.dtype);
  checkFloat('linalg.vectorNorm', x);
  const ord = o.ord ?? 2;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new TypeError(`linalg.vectorNorm: ord must be a number, got ${JSON.stringify(ord)}`);
  const keepdim = o.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new TypeError(`linalg.vectorNorm: keepdim must be a boolean, got ${typeof keepdim}`);
  const dims = dimList('linalg.vectorNorm', o.dim, x.ndim);
  if (x.numel() === 0 && (ord < 0 || ord === Infinity)) {
    throw new RangeError(`linalg.vectorNorm: cannot compute the ${ord} norm of an empty tensor because the operation has no identity`);
  }
  return vectorNormWith(x, ord, dims, keepdim);
}

function vectorNormWith(x: Tensor, ord: Ord, dims: number[], keepdim: boolean): Tensor {
  const all = dims.length === x.ndim;
  const red = all && !keepdim ? null : dims;
  const out = noGrad(() => {
    const ax = abs(x);
    if (ord === Infinity) return red === null ? amax(ax) : amax(ax, red, keepdim);
    if (ord === -Infinity) return red === null ? amin(ax) : amin(ax, red, keepdim);
    if (ord === 0) return sum(ne(x, 0).float(), red, keepdim);
    if (ord === 1) return sum(ax, red, keepdim);
    if (ord === 2) return sqrt(sum(mul(ax, ax), red, keepdim));
    return pow(sum(pow(ax, ord), red, keepdim), 1 / ord);
  });
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  return record(out, 'LinalgVectorNormBackward0', [x], [x, out], (g, [xs, n]) => {
    const gk = g.reshape(keptShape), nk = n!.reshape(keptShape);
    if (ord === 0) return [null]; // PyTorch's gradient is undefined (None) for ord 0
    if (ord === 1) return [mul(sign(xs!), gk)];
    if (ord === Infinity || ord === -Infinity) {
      // split evenly among the entries whose |x| is the norm (PyTorch's amax/amin rule)
      const m = eq(abs(xs!), nk).float();
      return [mul(mul(sign(xs!), m), div(gk, sum(m, dims, true)))];
    }
    const scale = where(eq(nk, 0), 0, div(gk, ord === 2 ? nk : pow(nk, ord - 1)));
    const scaled = ord === 2 ? xs! : ord < 2 ? mul(sign(xs!), pow(abs(xs!), ord - 1)) : mul(xs!, pow(abs(xs!), ord - 2));
    return [mul(scaled, scale)];
  });
}

export interface MatrixNormOptions {
  ord?: 'fro' | 'nuc' | number;
  dim?: readonly [number, number];
  keepdim?: boolean;
  dtype?: 'float32';
}

/**
 * The matrix norm over the two dims `dim` (default the last two): ord 'fro' (default, sqrt of the sum of
 * squares), 1 / -1 (max / min column sum of |A|), Infinity / -Infinity (max / min row sum of |A|).
 * 2 / -2 (largest / smallest singular value), 'nuc' (sum of singular values), through svd.
 * @example linalg.matrixNorm(ones(2, 3)) // tensor(2.4495)
 */
export function matrixNorm(A: Tensor, ...args: PositionalOr<[ord: 'fro' | 'nuc' | number, dim: readonly [number, number], keepdim: boolean], MatrixNormOptions>): Tensor {
  checkTensor(A, 'linalg.matrixNorm', 'input');
  const o = positionalOptions<MatrixNormOptions>('linalg.matrixNorm', args, ['ord', 'dim', 'keepdim'], ['dtype']);
  checkDTypeOpt('linalg.matrixNorm', o.dtype);
  checkFloat('linalg.matrixNorm', A);
  const keepdim = o.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new TypeError(`linalg.matrixNorm: keepdim must be a boolean, got ${typeof keepdim}`);
  return matrixNormWith('linalg.matrixNorm', A, o.ord ?? 'fro', o.dim ?? [-2, -1], keepdim);
}

function matrixNormWith(op: string, A: Tensor, ord: unknown, dim: unknown, keepdim: boolean): Tensor {
  if (A.ndim < 2) throw new RangeError(`${op}: the input tensor A must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  if (!Array.isArray(dim) || dim.length !== 2) throw new TypeError(`${op}: dim must be a 2-tuple of ints, got ${JSON.stringify(dim)}`);
  const [d0, d1] = dimList(op, dim as number[], A.ndim) as [number, number];
  if (ord === 'fro') return vectorNormWith(A, 2, [d0, d1], keepdim);
  if (ord === 2 || ord === -2 || ord === 'nuc') {
    // singular values of the matrices over (d0, d1): largest, smallest or their sum
    const others = A.shape.map((_, i) => i).filter((i) => i !== d0 && i !== d1);
    const S = svdWith(op, A.permute([...others, d0, d1]), false).S;
    let r = ord === 2 ? amax(S, -1) : ord === -2 ? amin(S, -1) : sum(S, -1);
    if (keepdim) for (const d of [d0, d1].sort((x, y) => x - y)) r = r.unsqueeze(d);
    return r;
  }
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new RangeError(`${op}: order ${JSON.stringify(ord)} not supported; ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity`);
  }
  if (A.shape[d0] === 0 || A.shape[d1] === 0) {
    if (ord === -1 || ord === -Infinity || A.numel() === 0) throw new RangeError(`${op}: cannot compute the ${ord} norm of an empty matrix (shape ${shapeStr(A.shape)})`);
  }
  // |A| summed over rows (ord +-1: column sums, dim d0) or columns (ord +-inf: row sums), then max / min
  const [sumDim, pickDim] = ord === 1 || ord === -1 ? [d0, d1] : [d1, d0];
  const s = sum(abs(A), sumDim, true);
  const r = ord > 0 ? amax(s, pickDim, true) : amin(s, pickDim, true);
  if (keepdim) return r;
  return r.squeeze(Math.max(d0, d1)).squeeze(Math.min(d0, d1));
}

export interface NormOptions {
  ord?: 'fro' | 'nuc' | number | null;
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
  dtype?: 'float32';
}

/**
 * linalg.norm: a vector norm when `dim` is one dim (or when ord is null and dim null: of the flattened
 * input), a matrix norm when `dim` is two dims (or the input is 2-D and ord is given).
 * @example linalg.norm(ones(2, 2)) // tensor(2.)
 */
export function norm(A: Tensor, ...args: PositionalOr<[ord: 'fro' | 'nuc' | number | null, dim: number | readonly number[] | null, keepdim: boolean], NormOptions>): Tensor {
  checkTensor(A, 'linalg.norm', 'input');
  const o = positionalOptions<NormOptions>('linalg.norm', args, ['ord', 'dim', 'keepdim'], ['dtype']);
  checkDTypeOpt('linalg.norm', o.dtype);
  checkFloat('linalg.norm', A);
  const keepdim = o.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new TypeError(`linalg.norm: keepdim must be a boolean, got ${typeof keepdim}`);
  const ord = o.ord ?? null;
  const dim = o.dim ?? null;
  if (dim !== null) {
    const ds = typeof dim === 'number' ? [dim] : [...dim];
    if (ds.length === 1) {
      if (typeof ord === 'string') throw new RangeError(`linalg.norm: ord '${ord}' is a matrix norm but dim has one entry`);
      return vectorNormWith(A, ord ?? 2, dimList('linalg.norm', ds, A.ndim), keepdim);
    }
    if (ds.length === 2) return matrixNormWith('linalg.norm', A, ord ?? 'fro', ds, keepdim);
    throw new RangeError(`linalg.norm: If dim is specified, it must be of length 1 or 2. Got ${JSON.stringify(dim)}`);
  }
  if (ord === null) return vectorNormWith(A, 2, dimList('linalg.norm', null, A.ndim), keepdim);
  if (A.ndim === 1) {
    if (typeof ord === 'string') throw new RangeError(`linalg.norm: ord '${ord}' is a matrix norm but the input is 1-D`);
    return vectorNormWith(A, ord, [0], keepdim);
  }
  if (A.ndim === 2) return matrixNormWith('linalg.norm', A, ord, [0, 1], keepdim);
  throw new RangeError(`linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A.ndim}D`);
}

// ---------------------------------------------------------------- decompositions (float64 in TypeScript)

function checkSquare(op: string, A: Tensor, name = 'A'): number {
  checkTensor(A, op, name);
  if (A.dtype !== 'float32') throw new TypeError(`${op}: expected a floating point tensor as input, got ${A.dtype}`);
  if (A.ndim < 2) throw new RangeError(`${op}: ${name} must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  const n = A.shape[A.ndim - 1]!;
  if (A.shape[A.ndim - 2] !== n) throw new RangeError(`${op}: ${name} must be batches of square matrices, but they are ${A.shape[A.ndim - 2]} by ${n} matrices`);
  return n;
}

/** The batch of n x n matrices of A (contiguous row-major values, float64). */
function matrices(A: Tensor, n: number): Float64Array[] {
  const flat = A.toArray();
  const count = n === 0 ? numelOf(A.shape.slice(0, -2)) : flat.length / (n * n);
  return Array.from({ length: count }, (_, b) => Float64Array.from(flat.subarray(b * n * n, (b + 1) * n * n)));
}

interface LU { lu: Float64Array; perm: Int32Array; sign: number; info: number }

/** In-place LU with partial pivoting (LAPACK getrf): info is the 1-based index of the first zero pivot, 0 if none. */
function luFactor(a: Float64Array, n: number): LU {
  const perm = new Int32Array(n);
  let sign = 1, info = 0;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = -sign;
    }
    const piv = a[k * n + k]!;
    if (piv === 0) {
      if (info === 0) info = k + 1;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / piv;
      a[i * n + k] = f;
      if (f !== 0 || Number.isNaN(f)) for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
    }
  }
  return { lu: a, perm, sign, info };
}

/** Solves A X = B with A's LU (B: n x m row-major, overwritten with X). */
function luSolve(f: LU, n: number, b: Float64Array, m: number): Float64Array {
  const { lu, perm } = f;
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) x[i * m + j] = b[perm[i]! * m + j]!;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = lu[i * n + k]!;
      if (l !== 0 || Number.isNaN(l)) for (let j = 0; j < m; j++) x[i * m + j] = x[i * m + j]! - l * x[k * m + j]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const u = lu[i * n + k]!;
      if (u !== 0 || Number.isNaN(u)) for (let j = 0; j < m; j++) x[i * m + j] = x[i * m + j]! - u * x[k * m + j]!;
    }
    const d = lu[i * n + i]!;
    for (let j = 0; j < m; j++) x[i * m + j] = x[i * m + j]! / d;
  }
  return x;
}

function singularError(op: string, batch: number, count: number, info: number): Error {
  const where_ = count > 1 ? `(Batch element ${batch}): ` : '';
  return new RangeError(`${op}: ${where_}The diagonal element ${info} is zero, the ${op === 'linalg.inv' ? 'inversion' : 'solve'} could not be completed because the input matrix is singular.`);
}

function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/** Inverses of A's matrices (float32), throwing for a singular one when `strict`, else Inf/NaN there. */
function invValues(op: string, A: Tensor, n: number, strict: boolean): Tensor {
  const ms = matrices(A, n);
  const out = new Float32Array(ms.length * n * n);
  ms.forEach((m, b) => {
    const f = luFactor(m, n);
    if (f.info > 0 && strict) throw singularError(op, b, ms.length, f.info);
    out.set(luSolve(f, n, identity(n), n), b * n * n);
  });
  return tensor(out).reshape([...A.shape]);
}

/** The transpose of the last two dims. */
const mT = (x: Tensor): Tensor => x.transpose(-1, -2);

/**
 * Inverse of square matrices (batched over leading dims); a singular matrix throws PyTorch's error.
 * Gradient: -A⁻ᵀ g A⁻ᵀ.
 * @example linalg.inv(tensor([[2, 0], [0, 4]], { dtype: 'float32' })) // [[0.5, 0], [0, 0.25]]
 */
export function inv(A: Tensor): Tensor {
  const n = checkSquare('linalg.inv', A);
  return invRecorded(A, invValues('linalg.inv', A, n, true));
}

function invRecorded(A: Tensor, out: Tensor): Tensor {
  return record(out, 'LinalgInvExBackward0', [A], [out], (g, [ai]) => {
    const t = mT(ai!);
    return [matmul(matmul(t, g), t).neg()];
  });
}

/** inv without the singular check (Inf/NaN for a singular matrix), for backward rules. */
function invLoose(A: Tensor): Tensor {
  const n = A.shape[A.ndim - 1]!;
  return invRecorded(A, invValues('linalg.inv', A, n, false));
}

/**
 * Determinants of square matrices (batched). Gradient g * det * A⁻ᵀ, 0 for a singular matrix (as PyTorch 1.13).
 * @example linalg.det(tensor([[1, 2], [3, 4]], { dtype: 'float32' })) // tensor(-2.)
 */
export function det(A: Tensor): Tensor {
  const n = checkSquare('linalg.det', A);
  const ms = matrices(A, n);
  const out = new Float32Array(ms.length);
  ms.forEach((m, b) => {
    const f = luFactor(m, n);
    let d = f.sign;
    for (let i = 0; i < n; i++) d *= f.lu[i * n + i]!;
    out[b] = d;
  });
  const r = tensor(out).reshape(A.shape.slice(0, -2));
  // PyTorch 1.13's rule gives 0 for a singular matrix (det 0), not the cofactors: so here
  return record(r, 'LinalgDetBackward0', [A], [A, r], (g, [a, d]) => {
    const dd = d!.unsqueeze(-1).unsqueeze(-1);
    return [where(eq(dd, 0), 0, mul(mT(invLoose(a!)), mul(g.unsqueeze(-1).unsqueeze(-1), dd)))];
  });
}

/** (sign, logabsdet) of slogdet, destructurable as `[sign, logabsdet]`. */
export type SignLogAbsDet = readonly [sign: Tensor, logabsdet: Tensor] & { readonly sign: Tensor; readonly logabsdet: Tensor };

/**
 * Sign and log of the absolute value of determinants (batched): det = sign * exp(logabsdet); a singular
 * matrix gives sign 0 and logabsdet -Infinity. Gradient of logabsdet: g * A⁻ᵀ; sign has none.
 * @example const { sign, logabsdet } = linalg.slogdet(A)
 */
export function slogdet(A: Tensor): SignLogAbsDet {
  const n = checkSquare('linalg.slogdet', A);
  const ms = matrices(A, n);
  const sgn = new Float32Array(ms.length), lad = new Float32Array(ms.length);
  ms.forEach((m, b) => {
    const f = luFactor(m, n);
    let s = f.sign, l = 0;
    for (let i = 0; i < n; i++) {
      const v = f.lu[i * n + i]!;
      s *= Math.sign(v);
      l += Math.log(Math.abs(v));
    }
    if (Number.isNaN(l) || Number.isNaN(s)) {
      s = 0; // PyTorch: sign 0, logabsdet NaN
      l = NaN;
    } else if (s === 0) l = -Infinity;
    sgn[b] = s;
    lad[b] = l;
  });
  const bs = A.shape.slice(0, -2);
  const sign_ = tensor(sgn).reshape(bs);
  const logabsdet = record(tensor(lad).reshape(bs), 'LinalgSlogdetBackward0', [A], [A], (g, [a]) => [
    mul(mT(invLoose(a!)), g.unsqueeze(-1).unsqueeze(-1)),
  ]);
  return Object.freeze(Object.assign([sign_, logabsdet], { sign: sign_, logabsdet })) as unknown as SignLogAbsDet;
}

export interface SolveOptions {
  /** true (default): solve A X = B; false: X A = B. */
  left?: boolean;
}

/**
 * The solution X of A X = B (or X A = B with `{ left: false }`), batched with broadcasting; B may be a
 * vector ([..., n]). A singular A throws. Gradients: gB = solve(Aᵀ, g), gA = -gB Xᵀ.
 * @example linalg.solve(A, b)
 */
export function solve(A: Tensor, B: Tensor, options?: SolveOptions): Tensor {
  const n = checkSquare('linalg.solve', A);
  checkTensor(B, 'linalg.solve', 'B');
  const o = checkOptions('linalg.solve', options, ['left']);
  const left = o.left ?? true;
  if (typeof left !== 'boolean') throw new TypeError(`linalg.solve: left must be a boolean, got ${typeof left}`);
  if (B.dtype !== 'float32') throw new TypeError(`linalg.solve: expected B to be float32, got ${B.dtype}`);
  // B is a vector when it is 1-D or has A's batch shape minus the last dim (PyTorch's rule)
  const vectorCase = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.every((s, i) => s === A.shape[i]));
  if (vectorCase) {
    if (!left) throw new RangeError('linalg.solve: vector B is not supported with left=false');
    const Bm = B.unsqueeze(-1);
    return solveMatrix(A, Bm, n).squeeze(-1);
  }
  if (!left) return mT(solveMatrix(mT(A), mT(B), n));
  return solveMatrix(A, B, n);
}

function solveMatrix(A: Tensor, B: Tensor, n: number): Tensor {
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== n) {
    throw new RangeError(`linalg.solve: incompatible shapes of A and B for the equation AX = B (${shapeStr(A.shape)} and ${shapeStr(B.shape)})`);
  }
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2), 'linalg.solve');
  const m = B.shape[B.ndim - 1]!;
  const Ae = A.expand([...batch, n, n]).contiguous();
  const Be = B.expand([...batch, n, m]).contiguous();
  const am = matrices(Ae, n);
  const bflat = Be.toArray();
  const out = new Float32Array(am.length * n * m);
  am.forEach((a, b) => {
    const f = luFactor(a, n);
    if (f.info > 0) throw singularError('linalg.solve', b, am.length, f.info);
    out.set(luSolve(f, n, Float64Array.from(bflat.subarray(b * n * m, (b + 1) * n * m)), m), b * n * m);
  });
  if (Ae !== A) Ae.dispose();
  if (Be !== B) Be.dispose();
  const X = tensor(out).reshape([...batch, n, m]);
  return record(X, 'LinalgSolveExBackward0', [A, B], [A, X], (g, [a, x], needs) => {
    const gB = solve(mT(a!), g);
    return [needs[0] ? matmul(gB, mT(x!)).neg() : null, needs[1] ? gB : null];
  });
}

export interface CholeskyOptions {
  /** Return the upper factor U (A = Uᵀ U) instead of L. */
  upper?: boolean;
}

/**
 * The Cholesky factor L of symmetric positive-definite matrices (A = L Lᵀ; only the lower triangle of A
 * is read), batched; `{ upper: true }` gives Lᵀ. A matrix that is not positive-definite throws.
 * Gradient as PyTorch's cholesky_backward (symmetrised).
 * @example linalg.cholesky(tensor([[4, 2], [2, 3]], { dtype: 'float32' }))
 */
export function cholesky(A: Tensor, options?: CholeskyOptions): Tensor {
  const n = checkSquare('linalg.cholesky', A);
  const o = checkOptions('linalg.cholesky', options, ['upper']);
  const upper = o.upper ?? false;
  if (typeof upper !== 'boolean') throw new TypeError(`linalg.cholesky: upper must be a boolean, got ${typeof upper}`);
  const ms = matrices(A, n);
  const out = new Float32Array(ms.length * n * n);
  ms.forEach((a, b) => {
    const l = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let s = a[j * n + j]!;
      for (let k = 0; k < j; k++) s -= l[j * n + k]! * l[j * n + k]!;
      if (!(s > 0)) {
        throw new RangeError(
          `linalg.cholesky: ${ms.length > 1 ? `(Batch element ${b}): ` : ''}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${j + 1} is not positive-definite).`,
        );
      }
      const d = Math.sqrt(s);
      l[j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let t = a[i * n + j]!;
        for (let k = 0; k < j; k++) t -= l[i * n + k]! * l[j * n + k]!;
        l[i * n + j] = t / d;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[b * n * n + i * n + j] = upper ? l[j * n + i]! : l[i * n + j]!;
  });
  const L = tensor(out).reshape([...A.shape]);
  return record(L, 'LinalgCholeskyExBackward0', [A], [L], (g, [f]) => {
    const Lf = upper ? mT(f!) : f!;
    const gL = upper ? mT(g) : g;
    const Li = invLoose(Lf);
    // phi(Lᵀ gL): the lower triangle with the diagonal halved
    const mask = lowerHalfMask(n);
    const phi = mul(matmul(mT(Lf), gL), mask);
    const gA = matmul(matmul(mT(Li), phi), Li);
    return [mul(add(gA, mT(gA)), 0.5)];
  });
}

/** n x n: 1 below the diagonal, 0.5 on it, 0 above. */
function lowerHalfMask(n: number): Tensor {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = i === j ? 0.5 : 1;
  return tensor(m).reshape(n, n);
}

// ---------------------------------------------------------------- eigh, svd (Jacobi in float64)

/** Symmetric eigen-decomposition by cyclic Jacobi: eigenvalues ascending, eigenvectors as columns of v. */
function jacobiEigh(a: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const v = identity(n);
  if (a.some((x) => !Number.isFinite(x))) return { w: new Float64Array(n).fill(NaN), v: v.fill(NaN) };
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, tot = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const x = a[i * n + j]! * a[i * n + j]!;
      tot += x;
      if (i !== j) off += x;
    }
    if (off <= 1e-30 * tot || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i]! - a[j * n + j]!);
  const w = Float64Array.from(order, (i) => a[i * n + i]!);
  const vs = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) vs[k * n + j] = v[k * n + order[j]!]!;
  return { w, v: vs };
}

/** (eigenvalues, eigenvectors) of eigh, destructurable. */
export type EighResult = readonly [eigenvalues: Tensor, eigenvectors: Tensor] & { readonly eigenvalues: Tensor; readonly eigenvectors: Tensor };

/** Whether every value of g is 0 (a gradient the engine filled in for an unused output). */
function allZero(g: Tensor): boolean {
  return g.toArray().every((v) => v === 0);
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices, batched; only
 * the lower triangle is read (`{ UPLO: 'U' }`: the upper). Eigenvectors are determined up to sign.
 * Gradients as PyTorch's (V (diag(gL) + skew(Vᵀ gV) / (λj - λi)) Vᵀ), undefined for repeated eigenvalues.
 * @example const { eigenvalues, eigenvectors } = linalg.eigh(A)
 */
export function eigh(A: Tensor, options?: { UPLO?: 'L' | 'U' }): EighResult {
  const n = checkSquare('linalg.eigh', A);
  const o = checkOptions('linalg.eigh', options, ['UPLO']);
  const uplo = o.UPLO ?? 'L';
  if (uplo !== 'L' && uplo !== 'U') throw new TypeError(`linalg.eigh: UPLO must be 'L' or 'U', got ${JSON.stringify(uplo)}`);
  const ms = matrices(A, n);
  const k = n + n * n;
  const packed = new Float32Array(ms.length * k);
  ms.forEach((m, b) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const lower = i >= j;
      m[i * n + j] = lower === (uplo === 'L') ? m[i * n + j]! : m[j * n + i]!;
    }
    const { w, v } = jacobiEigh(m, n);
    packed.set(w, b * k);
    packed.set(v, b * k + n);
  });
  const bs = A.shape.slice(0, -2);
  const P0 = tensor(packed).reshape([...bs, k]);
  const Pr = record(P0, 'LinalgEighBackward0', [A], [P0], (g, [p]) => {
    const gL = g.narrow(-1, 0, n), gV = g.narrow(-1, n, n * n).reshape([...bs, n, n]);
    const L = p!.narrow(-1, 0, n), V = p!.narrow(-1, n, n * n).reshape([...bs, n, n]);
    const I = eye(n);
    let S = mul(gL.unsqueeze(-1), I); // diag(gL)
    if (!allZero(gV)) {
      const VhgV = matmul(mT(V), gV);
      const skew = mul(sub(VhgV, mT(VhgV)), 0.5);
      const E = add(sub(L.unsqueeze(-2), L.unsqueeze(-1)), I); // λj - λi, 1 on the diagonal (skew is 0 there)
      S = add(S, div(skew, E));
    }
    return [matmul(V, matmul(S, mT(V)))];
  });
  const eigenvalues = Pr.narrow(-1, 0, n);
  const eigenvectors = Pr.narrow(-1, n, n * n).reshape([...bs, n, n]);
  return Object.freeze(Object.assign([eigenvalues, eigenvectors], { eigenvalues, eigenvectors })) as unknown as EighResult;
}

/** Hestenes one-sided Jacobi SVD of an m x n matrix with m >= n: U (m x n), S (n, descending), V (n x n). */
function jacobiSvd(a: Float64Array, m: number, n: number): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const w = Float64Array.from(a);
  const v = identity(n);
  if (a.some((x) => !Number.isFinite(x))) return { u: new Float64Array(m * n).fill(NaN), s: new Float64Array(n).fill(NaN), v: v.fill(NaN) };
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p]!, y = w[i * n + q]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p]!, y = w[i * n + q]!;
          w[i * n + p] = c * x - sn * y;
          w[i * n + q] = sn * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p]!, y = v[i * n + q]!;
          v[i * n + p] = c * x - sn * y;
          v[i * n + q] = sn * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let acc = 0;
    for (let i = 0; i < m; i++) acc += w[i * n + j]! * w[i * n + j]!;
    return Math.sqrt(acc);
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j]! - norms[i]!);
  const s = Float64Array.from(order, (j) => norms[j]!);
  const u = new Float64Array(m * n), vs = new Float64Array(n * n);
  order.forEach((j, c) => {
    for (let i = 0; i < m; i++) u[i * n + c] = norms[j]! > 0 ? w[i * n + j]! / norms[j]! : 0;
    for (let i = 0; i < n; i++) vs[i * n + c] = v[i * n + j]!;
  });
  return { u, s, v: vs };
}

/** Replaces the columns of q (rows x cols, row-major) for which `bad` holds by an orthonormal completion of the others. */
function completeBasis(q: Float64Array, rows: number, cols: number, bad: (c: number) => boolean): void {
  const good = Array.from({ length: cols }, (_, c) => !bad(c));
  let e = 0;
  for (let c = 0; c < cols; c++) {
    if (good[c]) continue;
    while (e < rows) {
      const x = new Float64Array(rows);
      x[e++] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c2 = 0; c2 < cols; c2++) {
          if (!good[c2]) continue;
          let d = 0;
          for (let i = 0; i < rows; i++) d += q[i * cols + c2]! * x[i]!;
          for (let i = 0; i < rows; i++) x[i] = x[i]! - d * q[i * cols + c2]!;
        }
      }
      let nx = 0;
      for (let i = 0; i < rows; i++) nx += x[i]! * x[i]!;
      nx = Math.sqrt(nx);
      if (nx > 0.5) {
        for (let i = 0; i < rows; i++) q[i * cols + c] = x[i]! / nx;
        good[c] = true;
        break;
      }
    }
  }
}

/** (U, S, Vh) of svd, destructurable. */
export type SvdResult = readonly [U: Tensor, S: Tensor, Vh: Tensor] & { readonly U: Tensor; readonly S: Tensor; readonly Vh: Tensor };

export interface SvdOptions {
  /** true (default, as PyTorch): U is m x m and Vh n x n; false: k = min(m, n) columns / rows. */
  fullMatrices?: boolean;
}

/**
 * A = U diag(S) Vh, batched, singular values descending (float64 Jacobi, rounded to float32); singular
 * vectors are determined up to sign. Gradients as PyTorch's svd_backward (for fullMatrices: false, or
 * when only S is used); with fullMatrices: true a gradient through U or Vh throws, as the extra columns
 * are not unique.
 * @example const { U, S, Vh } = linalg.svd(A, { fullMatrices: false })
 */
export function svd(A: Tensor, ...args: [] | [fullMatrices: boolean] | [SvdOptions]): SvdResult {
  checkTensor(A, 'linalg.svd', 'A');
  const o = positionalOptions<SvdOptions>('linalg.svd', args, ['fullMatrices']);
  const full = o.fullMatrices ?? true;
  if (typeof full !== 'boolean') throw new TypeError(`linalg.svd: fullMatrices must be a boolean, got ${typeof full}`);
  return svdWith('linalg.svd', A, full);
}

function svdWith(op: string, A: Tensor, full: boolean): SvdResult {
  if (A.dtype !== 'float32') throw new TypeError(`${op}: expected a floating point tensor as input, got ${A.dtype}`);
  if (A.ndim < 2) throw new RangeError(`${op}: A must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!, k = Math.min(m, n);
  const uc = full ? m : k, vr = full ? n : k;
  const bs = A.shape.slice(0, -2);
  const flat = A.contiguous().toArray();
  if (!flat.every(Number.isFinite)) throw new RangeError(`${op}: the SVD failed to converge because the input matrix contained non-finite values`);
  const count = numelOf(bs);
  const size = m * uc + k + vr * n;
  const packed = new Float32Array(count * size);
  for (let b = 0; b < count; b++) {
    const a = Float64Array.from(flat.subarray(b * m * n, (b + 1) * m * n));
    // work on the tall orientation: A (m >= n) or Aᵀ
    const tall = m >= n;
    const at = tall ? a : Float64Array.from({ length: m * n }, (_, i) => a[(i % m) * n + Math.floor(i / m)]!);
    const [rows, cols] = tall ? [m, n] : [n, m];
    const r = jacobiSvd(at, rows, cols);
    // left vectors of the tall matrix: rows x cols -> rows x (full ? rows : cols)
    const lc = full ? rows : cols;
    const left = new Float64Array(rows * lc);
    for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) left[i * lc + c] = r.u[i * cols + c]!;
    if (!r.s.some(Number.isNaN)) completeBasis(left, rows, lc, (c) => c >= cols || r.s[c] === 0);
    // U (m x uc), Vh (vr x n)
    const U = tall ? left : r.v, Uc = tall ? lc : cols; // r.v is cols x cols = m x m when wide
    const Vm = tall ? r.v : left, Vc = tall ? cols : lc; // V: n x Vc
    const base = b * size;
    for (let i = 0; i < m; i++) for (let c = 0; c < uc; c++) packed[base + i * uc + c] = U[i * Uc + c]!;
    for (let c = 0; c < k; c++) packed[base + m * uc + c] = r.s[c]!;
    for (let rr = 0; rr < vr; rr++) for (let j = 0; j < n; j++) packed[base + m * uc + k + rr * n + j] = Vm[j * Vc + rr]!;
  }
  const P0 = tensor(packed).reshape([...bs, size]);
  const parts = (p: Tensor): [Tensor, Tensor, Tensor] => [
    p.narrow(-1, 0, m * uc).reshape([...bs, m, uc]),
    p.narrow(-1, m * uc, k),
    p.narrow(-1, m * uc + k, vr * n).reshape([...bs, vr, n]),
  ];
  const P = record(P0, 'LinalgSvdBackward0', [A], [P0], (g, [p]) => {
    const [gU0, gS, gVh0] = parts(g);
    const [U0, S, Vh0] = parts(p!);
    const gUd = !allZero(gU0), gVd = !allZero(gVh0);
    if (full && (gUd || gVd) && (m !== n)) {
      throw new Error(`${op}: backward through U or Vh is not implemented for fullMatrices: true with a non-square input (the extra singular vectors are not unique); use { fullMatrices: false }`);
    }
    const U = uc === k ? U0 : U0.narrow(-1, 0, k), Vh = vr === k ? Vh0 : Vh0.narrow(-2, 0, k);
    const gU = uc === k ? gU0 : gU0.narrow(-1, 0, k), gVh = vr === k ? gVh0 : gVh0.narrow(-2, 0, k);
    if (!gUd && !gVd) return [m >= n ? matmul(U, mul(gS.unsqueeze(-1), Vh)) : matmul(mul(U, gS.unsqueeze(-2)), Vh)];
    const V = mT(Vh), gV = mT(gVh);
    const skew = (x: Tensor) => sub(x, mT(x));
    const S2 = mul(S, S);
    const E = add(sub(S2.unsqueeze(-2), S2.unsqueeze(-1)), eye(k));
    let gA: Tensor;
    if (gUd && gVd) gA = div(add(mul(skew(matmul(mT(U), gU)), S.unsqueeze(-2)), mul(S.unsqueeze(-1), skew(matmul(mT(V), gV)))), E);
    else if (gUd) gA = mul(div(skew(matmul(mT(U), gU)), E), S.unsqueeze(-2));
    else gA = mul(S.unsqueeze(-1), div(skew(matmul(mT(V), gV)), E));
    gA = add(gA, mul(gS.unsqueeze(-1), eye(k)));
    if (m > n && gUd) {
      gA = matmul(U, gA);
      const gUSinv = div(gU, S.unsqueeze(-2));
      gA = sub(add(gA, gUSinv), matmul(U, matmul(mT(U), gUSinv)));
      gA = matmul(gA, Vh);
    } else if (m < n && gVd) {
      gA = matmul(gA, Vh);
      const SinvgVh = div(gVh, S.unsqueeze(-1));
      gA = sub(add(gA, SinvgVh), matmul(matmul(SinvgVh, V), Vh));
      gA = matmul(U, gA);
    } else {
      gA = m >= n ? matmul(U, matmul(gA, Vh)) : matmul(matmul(U, gA), Vh);
    }
    return [gA];
  });
  const [U, S, Vh] = parts(P);
  return Object.freeze(Object.assign([U, S, Vh], { U, S, Vh })) as unknown as SvdResult;
}

/**
 * Singular values (descending), batched; gradient U diag(g) Vh.
 * @example linalg.svdvals(eye(3)) // tensor([1., 1., 1.])
 */
export function svdvals(A: Tensor): Tensor {
  checkTensor(A, 'linalg.svdvals', 'A');
  return svdWith('linalg.svdvals', A, false).S;
}

export interface PinvOptions {
  /** Absolute tolerance: singular values <= max(atol, rtol * largest) are treated as 0. */
  atol?: number;
  /** Relative tolerance; default max(m, n) * float32 eps when atol is not given, else 0. */
  rtol?: number;
  /** Use eigh for a symmetric input (same result here: computed through the SVD). */
  hermitian?: boolean;
}

/**
 * Moore-Penrose pseudo-inverse through the SVD: V diag(1/S) Uᵀ, singular values at or below the
 * tolerance dropped (PyTorch's atol / rtol rule); gradients through the SVD.
 * @example linalg.pinv(tensor([[1, 2], [2, 4]], { dtype: 'float32' }))
 */
export function pinv(A: Tensor, options?: PinvOptions): Tensor {
  checkTensor(A, 'linalg.pinv', 'A');
  const o = checkOptions('linalg.pinv', options, ['atol', 'rtol', 'hermitian']);
  if (o.hermitian !== undefined && typeof o.hermitian !== 'boolean') throw new TypeError(`linalg.pinv: hermitian must be a boolean, got ${typeof o.hermitian}`);
  for (const k of ['atol', 'rtol'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || o[k]! < 0)) throw new TypeError(`linalg.pinv: ${k} must be a non-negative number, got ${String(o[k])}`);
  }
  if (A.ndim < 2) throw new RangeError(`linalg.pinv: A must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const atol = o.atol ?? 0;
  const rtol = o.rtol ?? (o.atol !== undefined && o.atol > 0 ? 0 : Math.max(m, n) * 1.1920928955078125e-7);
  const { U, S, Vh } = svdWith('linalg.pinv', A, false);
  const smax = amax(S, -1, true);
  const tol = maximum(mul(noGrad(() => smax.detach()), rtol), atol);
  const keep = S.gt(tol);
  const sinv = where(keep, div(1, where(keep, S, 1)), 0);
  return matmul(mul(mT(Vh), sinv.unsqueeze(-2)), mT(U));
}

/** (Q, R) of qr, destructurable. */
export type QRResult = readonly [Q: Tensor, R: Tensor] & { readonly Q: Tensor; readonly R: Tensor };

export interface QROptions {
  /** 'reduced' (default): Q m x k, R k x n; 'complete': Q m x m, R m x n; 'r': R only (Q is empty). */
  mode?: 'reduced' | 'complete' | 'r';
}

/** Householder QR of an m x n matrix (LAPACK's geqrf sign convention): Q m x m, R m x n. */
function householderQR(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  const r = Float64Array.from(a);
  const q = identity(m);
  for (let k = 0; k < Math.min(m, n); k++) {
    const alpha = r[k * n + k]!;
    let xn = 0;
    for (let i = k + 1; i < m; i++) xn += r[i * n + k]! * r[i * n + k]!;
    if (xn === 0) continue; // H = I (dlarfg: tau = 0)
    const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + xn);
    const tau = (beta - alpha) / beta;
    const v = new Float64Array(m);
    v[k] = 1;
    for (let i = k + 1; i < m; i++) v[i] = r[i * n + k]! / (alpha - beta);
    for (let j = k; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i]! * r[i * n + j]!;
      d *= tau;
      for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - d * v[i]!;
    }
    for (let i = k + 1; i < m; i++) r[i * n + k] = 0;
    r[k * n + k] = beta;
    for (let i = 0; i < m; i++) {
      let d = 0;
      for (let j = k; j < m; j++) d += q[i * m + j]! * v[j]!;
      d *= tau;
      for (let j = k; j < m; j++) q[i * m + j] = q[i * m + j]! - d * v[j]!;
    }
  }
  return { q, r };
}

/**
 * QR decomposition A = Q R (Q with orthonormal columns, R upper triangular), batched, with LAPACK's sign
 * convention. Positional `mode` or `{ mode }`. Gradients as PyTorch's linalg_qr_backward; as in PyTorch
 * there are none for mode 'r', nor for mode 'complete' with more rows than columns.
 * @example const { Q, R } = linalg.qr(A)
 */
export function qr(A: Tensor, ...args: [] | [mode: QROptions['mode']] | [QROptions]): QRResult {
  checkTensor(A, 'linalg.qr', 'A');
  const o = positionalOptions<QROptions>('linalg.qr', args, ['mode']);
  const mode = o.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') throw new TypeError(`linalg.qr: qr received unrecognized mode '${String(mode)}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  if (A.dtype !== 'float32') throw new TypeError(`linalg.qr: expected a floating point tensor as input, got ${A.dtype}`);
  if (A.ndim < 2) throw new RangeError(`linalg.qr: A must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!, k = Math.min(m, n);
  const qc = mode === 'complete' ? m : k, rr = mode === 'complete' ? m : k;
  const bs = A.shape.slice(0, -2);
  const flat = A.contiguous().toArray();
  const count = numelOf(bs);
  const size = m * qc + rr * n;
  const packed = new Float32Array(count * size);
  for (let b = 0; b < count; b++) {
    const { q, r } = householderQR(Float64Array.from(flat.subarray(b * m * n, (b + 1) * m * n)), m, n);
    for (let i = 0; i < m; i++) for (let c = 0; c < qc; c++) packed[b * size + i * qc + c] = q[i * m + c]!;
    for (let i = 0; i < rr; i++) for (let j = 0; j < n; j++) packed[b * size + m * qc + i * n + j] = r[i * n + j]!;
  }
  const parts = (p: Tensor): [Tensor, Tensor] => [p.narrow(-1, 0, m * qc).reshape([...bs, m, qc]), p.narrow(-1, m * qc, rr * n).reshape([...bs, rr, n])];
  const P0 = tensor(packed).reshape([...bs, size]);
  const P = record(P0, 'LinalgQrBackward0', [A], [P0], (g, [p]) => {
    if (mode === 'r') {
      throw new Error("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, { mode: 'reduced' }) if you are going to differentiate through linalg.qr.");
    }
    if (mode === 'complete' && m > n) throw new Error("linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
    const [gQ, gR] = parts(g);
    const [Q, R] = parts(p!);
    if (m >= n) return [qrBackwardTall(gQ, gR, Q, R, n)];
    // A = [X | Y] with X = Q U square: Y = Q V, so gY = Q gV and Q also receives Y gVᵀ
    const U = R.narrow(-1, 0, m), gU = gR.narrow(-1, 0, m), gV = gR.narrow(-1, m, n - m);
    const Y = matmul(Q, R.narrow(-1, m, n - m));
    const gX = qrBackwardTall(add(gQ, matmul(Y, mT(gV))), gU, Q, U, m);
    return [cat2(gX, matmul(Q, gV))];
  });
  const [Q, R] = parts(P);
  const Qout = mode === 'r' ? tensor(new Float32Array(0)) : Q;
  return Object.freeze(Object.assign([Qout, R], { Q: Qout, R })) as unknown as QRResult;
}

/**
 * QR backward for m >= n (R square n x n): M = R gRᵀ - gQᵀ Q, gA = (gQ + Q copyltu(M)) R⁻ᵀ with
 * copyltu(M) the symmetric matrix with M's lower triangle (the formula PyTorch's linalg_qr_backward computes).
 */
function qrBackwardTall(gQ: Tensor, gR: Tensor, Q: Tensor, R: Tensor, n: number): Tensor {
  const M = sub(matmul(R, mT(gR)), matmul(mT(gQ), Q));
  const h = mul(M, lowerHalfMask(n)); // tril(M) with the diagonal halved
  const B = add(gQ, matmul(Q, add(h, mT(h))));
  return matmul(B, mT(invLoose(R)));
}

/** [x | y] along the last dim. */
function cat2(x: Tensor, y: Tensor): Tensor {
  return cat([x, y], -1);
}

/** (solution, residuals, rank, singularValues) of lstsq, destructurable. */
export type LstsqResult = readonly [solution: Tensor, residuals: Tensor, rank: Tensor, singularValues: Tensor] & {
  readonly solution: Tensor;
  readonly residuals: Tensor;
  readonly rank: Tensor;
  readonly singularValues: Tensor;
};

export interface LstsqOptions {
  /** Singular values <= rcond * the largest count as 0; default float32 eps * max(m, n). */
  rcond?: number | null;
  /** LAPACK driver PyTorch would use ('gelsy' default): decides which of residuals / rank / singularValues are computed. */
  driver?: 'gels' | 'gelsy' | 'gelsd' | 'gelss' | null;
}

const DRIVERS = ['gels', 'gelsy', 'gelsd', 'gelss'];

/**
 * Least-squares solution X minimising ||A X - B|| (the minimum-norm one for a rank-deficient A), batched,
 * through the SVD: X = pinv(A) B with singular values <= rcond * the largest dropped. As PyTorch (CPU
 * drivers): `rank` (int32) unless driver 'gels'; `singularValues` for 'gelsd' / 'gelss'; `residuals`
 * (squared column residuals) for drivers other than 'gelsy' when m > n and A has full rank; the others are
 * empty tensors. Only the solution is differentiable (as pinv(A) B). B may be a vector ([..., m]).
 * @example const { solution } = linalg.lstsq(A, B)
 */
export function lstsq(A: Tensor, B: Tensor, ...args: [] | [rcond: number | null] | [LstsqOptions] | [rcond: number | null, LstsqOptions]): LstsqResult {
  checkTensor(A, 'linalg.lstsq', 'A');
  checkTensor(B, 'linalg.lstsq', 'B');
  const o = positionalOptions<LstsqOptions>('linalg.lstsq', args, ['rcond'], ['driver']);
  const driver = o.driver ?? 'gelsy';
  if (!DRIVERS.includes(driver)) throw new TypeError(`linalg.lstsq: parameter \`driver\` should be one of (gels, gelsy, gelsd, gelss), got ${JSON.stringify(driver)}`);
  if (o.rcond != null && (typeof o.rcond !== 'number' || Number.isNaN(o.rcond))) throw new TypeError(`linalg.lstsq: rcond must be a number, got ${typeof o.rcond}`);
  if (A.dtype !== 'float32' || B.dtype !== 'float32') throw new TypeError(`linalg.lstsq: expected float32 tensors, got ${A.dtype} and ${B.dtype}`);
  if (A.ndim < 2) throw new RangeError(`linalg.lstsq: A must have at least 2 dimensions, got shape ${shapeStr(A.shape)}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const vector = B.ndim === A.ndim - 1;
  const Bm = vector ? B.unsqueeze(-1) : B;
  if (Bm.ndim < 2 || Bm.shape[Bm.ndim - 2] !== m) {
    throw new RangeError(`linalg.lstsq: A and B must have the same number of rows, got shapes ${shapeStr(A.shape)} and ${shapeStr(B.shape)}`);
  }
  broadcastShapes(A.shape.slice(0, -2), Bm.shape.slice(0, -2), 'linalg.lstsq');
  const rcond = o.rcond == null || o.rcond < 0 ? Math.max(m, n) * 1.1920928955078125e-7 : o.rcond;
  const { U, S, Vh } = svdWith('linalg.lstsq', A, false);
  const smax = noGrad(() => amax(S, -1, true).detach());
  const keep = S.gt(mul(smax, rcond));
  const sinv = where(keep, div(1, where(keep, S, 1)), 0);
  const pA = matmul(mul(mT(Vh), sinv.unsqueeze(-2)), mT(U));
  let X = matmul(pA, Bm);
  const info = noGrad(() => {
    const rank = sum(keep.float(), -1).int();
    const full = Array.from(rank.toArray()).every((r) => r === Math.min(m, n));
    const empty = tensor(new Float32Array(0));
    const residuals = driver !== 'gelsy' && m > n && full ? sum(pow(sub(matmul(A, X), Bm), 2), -2) : empty;
    return {
      rank: driver === 'gels' ? tensor(new Int32Array(0), { dtype: 'int32' }) : rank,
      residuals: vector && residuals.numel() > 0 ? residuals.squeeze(-1) : residuals,
      singularValues: driver === 'gelsd' || driver === 'gelss' ? S.detach().clone() : tensor(new Float32Array(0)),
    };
  });
  if (vector) X = X.squeeze(-1);
  const r = [X, info.residuals, info.rank, info.singularValues] as const;
  return Object.freeze(Object.assign([...r], { solution: X, ...info })) as unknown as LstsqResult;
}

/** The `linalg` namespace (PyTorch's torch.linalg). */
export const linalg = { vectorNorm, matrixNorm, norm, inv, det, slogdet, solve, cholesky, multiDot, cross: linalgCross, eigh, svd, svdvals, pinv, qr, lstsq };

/** linalg.cross: as cross with dim -1 by default. @example linalg.cross(a, b) */
function linalgCross(a: Tensor, b: Tensor, options?: { dim?: number }): Tensor {
  const o = checkOptions('linalg.cross', options, ['dim']);
  checkTensor(a, 'linalg.cross', 'the first operand');
  checkTensor(b, 'linalg.cross', 'the second operand');
  return cross(a, b, o.dim ?? -1);
}
