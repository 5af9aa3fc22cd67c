/**
 * Matrix products. One primitive, `batchedMatmul`, multiplies the last two dims of two tensors that share
 * their batch dims, for any strides (transposed and broadcast operands are read in place by the GEMM
 * kernel, never copied). mm, bmm and matmul's PyTorch rules are built on it.
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { GEMM_BIAS } from '../backends/kernels.js';
import { record } from '../autograd/node.js';
import { numelOf, shapeStr, broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { asFloat32 } from './copy.js';
import { reluBackward } from './elementwise-support.js';
import { ownReshape } from './view.js';
import { isGradEnabled } from '../autograd/mode.js';

function checkTensor(x: unknown, op: string, which: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${which} operand must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}


/** C[..., m, n] = A[..., m, k] · B[..., k, n]; a and b have identical batch dims. No validation. */
function gemmBatched(a: Tensor, b: Tensor): Tensor {
  const nd = a.ndim;
  const m = a.shape[nd - 2]!, k = a.shape[nd - 1]!, n = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const out = Tensor.empty([...batchShape, m, n], 'float32');
  const batches = numelOf(batchShape);
  if (out.numel() === 0) return out;
  const kern = kernels();
  const wsBytes = kern.gemm_f32_workspace(m, n, k);
  const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
  try {
    const sa0 = a.strides[nd - 2]!, sa1 = a.strides[nd - 1]!, sb0 = b.strides[nd - 2]!, sb1 = b.strides[nd - 1]!;
    const aBase = a.ptr, bBase = b.ptr, cBase = out.ptr;
    const bs = batchShape.length;
    const counter = new Array<number>(bs).fill(0);
    let aOff = 0, bOff = 0;
    for (let t = 0; t < batches; t++) {
      kern.gemm_f32(aBase + aOff * 4, bBase + bOff * 4, cBase + t * m * n * 4, m, n, k, sa0, sa1, sb0, sb1, 0, ws);
      // advance the batch counter (row-major), updating element offsets incrementally
      for (let d = bs - 1; d >= 0; d--) {
        counter[d]!++;
        aOff += a.strides[d]!;
        bOff += b.strides[d]!;
        if (counter[d]! < batchShape[d]!) break;
        aOff -= a.strides[d]! * batchShape[d]!;
        bOff -= b.strides[d]! * batchShape[d]!;
        counter[d] = 0;
      }
    }
  } finally {
    if (ws !== 0) heap.free(ws, wsBytes);
  }
  return out;
}

/** Swaps the last two dims (a view). */
function mT(x: Tensor): Tensor {
  return x.transpose(-1, -2);
}

/** The differentiable primitive: batch dims of a and b must already match. */
function batchedMatmul(a: Tensor, b: Tensor, name: string): Tensor {
  const af = asFloat32(a), bf = asFloat32(b);
  const out = gemmBatched(af, bf);
  if (af !== a) af.dispose();
  if (bf !== b) bf.dispose();
  // Each operand is saved only for the other's gradient (as PyTorch), so changing it in place afterwards
  // is fine when that gradient is not needed.
  const saveA = b.requiresGrad, saveB = a.requiresGrad;
  const saved = saveA && saveB ? [a, b] : saveA ? [a] : saveB ? [b] : [];
  return record(out, name, [a, b], saved, (g, s, needs) => {
    const x = saveA ? s[0]! : null;
    const y = saveB ? s[saveA ? 1 : 0]! : null;
    return [needs[0] ? batchedMatmul(g, mT(y!), name) : null, needs[1] ? batchedMatmul(mT(x!), g, name) : null];
  });
}

function cannotMultiply(op: string, a: Tensor, b: Tensor): never {
  throw new RangeError(`${op}: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied`);
}

/** Matrix product of two 2-D tensors. @example mm(ones(2, 3), ones(3, 4)).shape // [2, 4] */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'mm', 'first');
  checkTensor(b, 'mm', 'second');
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expects 2-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  if (a.shape[1] !== b.shape[0]) cannotMultiply('mm', a, b);
  return batchedMatmul(a, b, 'MmBackward0');
}

/** Batched matrix product of two 3-D tensors with the same batch size. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'bmm', 'first');
  checkTensor(b, 'bmm', 'second');
  if (a.ndim !== 3 || b.ndim !== 3) throw new RangeError(`bmm: expects 3-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) cannotMultiply('bmm', a, b);
  return batchedMatmul(a, b, 'BmmBackward0');
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product (0-d result), a 1-D operand is treated as
 * a row (left) or column (right) vector and that dim removed afterwards, and batch dims broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul', 'first');
  checkTensor(b, 'matmul', 'second');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both arguments need at least 1 dimension, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) cannotMultiply('matmul', a, b);
  let out: Tensor;
  if (a2.ndim === 2 && b2.ndim === 2) {
    out = batchedMatmul(a2, b2, 'MmBackward0');
  } else if (b2.ndim === 2 && a2.isContiguous()) {
    // [..., m, k] · [k, n]: fold the batch into the rows, one GEMM.
    const k = a2.shape[a2.ndim - 1]!;
    const rows = a2.reshape(-1, k);
    out = ownReshape(batchedMatmul(rows, b2, 'MmBackward0'), [...a2.shape.slice(0, -1), b2.shape[1]!]);
  } else {
    let batch: number[];
    try {
      batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
    } catch {
      cannotMultiply('matmul', a, b); // name the full shapes, not just the batch dims
    }
    const ae = a2.expand([...batch, ...a2.shape.slice(-2)]);
    const be = b2.expand([...batch, ...b2.shape.slice(-2)]);
    out = batchedMatmul(ae, be, 'BmmBackward0');
  }
  // the product is this op's own: drop the vector dims without making the result a view of it
  if (a.ndim === 1 || b.ndim === 1) {
    const shape = out.shape.filter((_, i) => !(a.ndim === 1 && i === out.ndim - 2) && !(b.ndim === 1 && i === out.ndim - 1));
    out = ownReshape(out, shape);
  }
  return out;
}

/** The checks of F.linear: tensors, weight [out, in] matching x's last dim, bias [out]. */
export function checkLinearOperands(x: Tensor, weight: Tensor, bias?: Tensor | null): void {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError('linear: input and weight must be Tensors');
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new RangeError(`linear: input shape ${shapeStr(x.shape)} does not match weight shape ${shapeStr(weight.shape)} (expected [..., ${weight.shape[1]}])`);
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new RangeError(`linear: bias shape ${shapeStr(bias.shape)} does not match weight shape ${shapeStr(weight.shape)}`);
  }
}

/**
 * y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out] (all float32, bias contiguous, x foldable to
 * rows): one GEMM with the bias added as C is stored (the kernel's fused epilogue), recorded as one node
 * like PyTorch's addmm. Backward: gx = g·W, gW = gᵀ·x over all rows, gb = g summed over rows.
 * With `relu`, y = relu(x·Wᵀ + b) from the same GEMM (ReLU applied on store), one node
 * (LinearReluBackward0) that first masks g where y <= 0, as ReLU's backward does.
 * Returns null when the operands do not fit that path (the caller then uses matmul + add).
 */
export function linearFused(x: Tensor, weight: Tensor, bias: Tensor, relu = false): Tensor | null {
  if (x.dtype !== 'float32' || weight.dtype !== 'float32' || bias.dtype !== 'float32') return null;
  if (bias.ndim !== 1 || (bias.strides[0] !== 1 && bias.shape[0]! > 1)) return null;
  if (x.ndim > 2 && !x.isContiguous()) return null;
  const inF = weight.shape[1]!, outF = weight.shape[0]!;
  const rows = x.ndim === 1 ? 1 : x.numel() / (inF || 1);
  if (inF === 0 && x.ndim > 1) return null; // rows cannot be recovered from numel: leave it to matmul
  // row and column strides of x as [rows, in] (for ndim > 2, contiguous: rows of inF)
  const sx0 = x.ndim === 2 ? x.strides[0]! : inF, sx1 = x.strides[x.ndim - 1]!;
  const out = Tensor.empty([...x.shape.slice(0, -1), outF], 'float32');
  if (out.numel() > 0) {
    const kern = kernels();
    const wsBytes = kern.gemm_f32_workspace(rows, outF, inF);
    const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
    try {
      // B = Wᵀ: B[p][j] = W[j][p]
      kern.gemm_bias_f32(x.ptr, weight.ptr, out.ptr, rows, outF, inF, sx0, sx1, weight.strides[1]!, weight.strides[0]!,
        0, bias.ptr, GEMM_BIAS.perColumn, relu ? 1 : 0, ws);
    } finally {
      if (ws !== 0) heap.free(ws, wsBytes);
    }
  }
  const xShape = x.shape;
  const linearGrads = (g: Tensor, xs: Tensor | null, ws: Tensor | null, needs: readonly boolean[]): (Tensor | null)[] => {
    const g2 = g.reshape(-1, outF);
    return [
      needs[0] ? batchedMatmul(g2, ws!, 'MmBackward0').reshape(xShape) : null,
      needs[1] ? batchedMatmul(mT(g2), xs!.reshape(-1, inF), 'MmBackward0') : null,
      needs[2] ? g2.sum(0) : null,
    ];
  };
  // x is saved for the weight's gradient and the weight for x's, only when needed (as PyTorch's addmm)
  const saveX = weight.requiresGrad, saveW = x.requiresGrad;
  const saved = saveX && saveW ? [x, weight] : saveX ? [x] : saveW ? [weight] : [];
  const unpack = (s: readonly Tensor[]): [Tensor | null, Tensor | null] => [saveX ? s[0]! : null, saveW ? s[saveX ? 1 : 0]! : null];
  if (!relu) {
    return record(out, 'AddmmBackward0', [x, weight, bias], saved, (g, s, needs) => linearGrads(g, ...unpack(s), needs));
  }
  return record(out, 'LinearReluBackward0', [x, weight, bias], [...saved, out], (g, s, needs) => {
    const gz = reluBackward(g, s[s.length - 1]!);
    try {
      return linearGrads(gz, ...unpack(s), needs);
    } finally {
      if (!isGradEnabled()) gz.dispose(); // a temporary here, unless createGraph recorded a graph through it
    }
  });
}
