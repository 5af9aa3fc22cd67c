/**
 * softmax and logSoftmax along any dim: one fused, numerically stable kernel along the last axis
 * (the dim is moved last first when needed). Backward rules are written with tensor ops.
 */
import { kernels } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { isGradEnabled } from '../autograd/mode.js';
import { normDim, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { contiguous, rawContiguous, toDType } from './copy.js';
import { checkOptions, isPlainObject } from '../options.js';
import { checkDType, type DType } from '../tensor/dtype.js';
import { floatContiguous } from './elementwise-support.js';

function alongLast(x: Tensor, dim: number, op: string, kernel: 'softmax_f32' | 'log_softmax_f32'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof x}`);
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim is required (an integer), got ${typeof dim}`);
  const d = normDim(dim, x.ndim, op);
  const last = Math.max(x.ndim - 1, 0);
  const moved = d === last ? x : x.detach().transpose(d, last);
  const src = floatContiguous(moved);
  const cols = x.ndim === 0 ? 1 : x.shape[d]!;
  const out = Tensor.empty(src.shape, 'float32');
  if (out.numel() > 0) kernels()[kernel](src.ptr, out.ptr, out.numel() / cols, cols);
  if (src !== moved && src !== x) src.dispose();
  if (d === last) return out;
  const back = out.transpose(d, last);
  const res = rawContiguous(back);
  back.dispose();
  out.dispose();
  return res;
}

/**
 * The backward of softmax / logSoftmax along the last dim in one kernel, when the rule need not be
 * differentiable (grad mode off: backward without createGraph) and g, y are contiguous; else null.
 */
function fusedRowsGrad(kernel: 'softmax_backward_f32' | 'log_softmax_backward_f32', g: Tensor, y: Tensor, dim: number): Tensor | null {
  if (isGradEnabled() || g.dtype !== 'float32' || !sameShape(g.shape, y.shape)) return null;
  const nd = y.ndim;
  if (nd === 0 || normDim(dim, nd, 'softmax') !== nd - 1 || !g.isContiguous() || !y.isContiguous()) return null;
  const pg = g.ptr, py = y.ptr;
  const out = Tensor.empty(y.shape, 'float32');
  const n = out.numel();
  const cols = y.shape[nd - 1]!;
  if (n > 0) kernels()[kernel](pg, py, out.ptr, n / cols, cols);
  return out;
}

/**
 * PyTorch's dtype= of softmax/logSoftmax (positional or `{ dtype }`): the input is cast to it first; only
 * float32 exists here, so it converts integer inputs (which are refused without it, as in PyTorch).
 */
function castFor(x: Tensor, dtype: DType | { dtype?: DType } | undefined, op: string): Tensor {
  const dt = isPlainObject(dtype) ? checkOptions(op, dtype, ['dtype']).dtype : dtype;
  if (dt === undefined || dt === null) {
    if (x instanceof Tensor && x.dtype !== 'float32') {
      throw new TypeError(`${op}: expects a float32 tensor, got ${x.dtype}; pass { dtype: 'float32' } to convert it first`);
    }
    return x;
  }
  checkDType(dt, op);
  if (dt !== 'float32') throw new TypeError(`${op}: dtype must be a floating point dtype (float32), got ${dt}`);
  return x.dtype === 'float32' ? x : toDType(x, 'float32');
}

/** exp(x) / sum(exp(x)) along `dim`, stable for large inputs; `dtype` casts the input first. */
export function softmax(x: Tensor, dim: number, dtype?: DType | { dtype?: DType }): Tensor {
  x = castFor(x, dtype, 'softmax');
  const y = alongLast(x, dim, 'softmax', 'softmax_f32');
  if (isTracing()) traceAttrs(y, { dim });
  return record(y, 'SoftmaxBackward0', [x], [y], (g, [s]) => {
    // dx = s * (g - sum(g * s, dim))
    return [fusedRowsGrad('softmax_backward_f32', g, s!, dim) ?? s!.mul(g.sub(g.mul(s!).sum(dim, true)))];
  });
}

/** log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))); `dtype` casts the input first. */
export function logSoftmax(x: Tensor, dim: number, dtype?: DType | { dtype?: DType }): Tensor {
  x = castFor(x, dtype, 'logSoftmax');
  const y = alongLast(x, dim, 'logSoftmax', 'log_softmax_f32');
  if (isTracing()) traceAttrs(y, { dim });
  return record(y, 'LogSoftmaxBackward0', [x], [y], (g, [ls]) => {
    // dx = g - softmax * sum(g, dim)
    return [fusedRowsGrad('log_softmax_backward_f32', g, ls!, dim) ?? g.sub(ls!.exp().mul(g.sum(dim, true)))];
  });
}

export { contiguous };
