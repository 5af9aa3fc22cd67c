/**
 * What the elementwise ops share and other op families use: contiguous float32 operands, the output layout
 * of an elementwise op, fused backward kernels, ReLU's backward.
 */
import { kernels } from '../backends/index.js';
import type { KernelName } from '../backends/kernels.js';
import { isGradEnabled } from '../autograd/mode.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { denseStrides, rawContiguous, toDType } from './copy.js';
import { where } from './binary.js';

/** x as a contiguous float32 tensor (x itself when it already is one). */
export function floatContiguous(x: Tensor): Tensor {
  if (x.dtype !== 'float32') return toDType(x, 'float32');
  return x.isContiguous() ? x : rawContiguous(x);
}

type FusedGradKernel = Extract<KernelName, 'relu_backward_f32' | 'sigmoid_backward_f32' | 'tanh_backward_f32' | 'gelu_backward_f32'>;


/**
 * @internal A backward rule's fused form: kernel(g, y, out, n) (y the op's output, or its input for GELU) when grad mode is off (backward without
 * createGraph, so the result need not be differentiable) and g, y are contiguous float32 of one shape;
 * null otherwise (the rule then uses its composite, differentiable form).
 */
export function fusedGrad(kernel: FusedGradKernel, g: Tensor, y: Tensor): Tensor | null {
  if (isGradEnabled() || g.dtype !== 'float32' || y.dtype !== 'float32' || !sameShape(g.shape, y.shape)) return null;
  if (!g.isContiguous() || !y.isContiguous()) return null;
  const pg = g.ptr, py = y.ptr;
  const out = Tensor.empty(y.shape, 'float32');
  const n = out.storage.bytes >>> 2;
  if (n > 0) kernels()[kernel](pg, py, out.ptr, n);
  return out;
}

/**
 * A float32 output for an elementwise op on x, and x's elements as one run: x itself when it is contiguous
 * or dense in another order of dims (transposed, permuted: the output then gets x's layout, as PyTorch's
 * elementwise ops do), else a contiguous copy. The caller disposes `src` when it is not x.
 */
export function elementwiseOperand(x: Tensor): { src: Tensor; out: Tensor } {
  if (x.dtype === 'float32' && !x.isContiguous()) {
    const strides = denseStrides(x);
    if (strides !== null) return { src: x, out: Tensor.emptyStrided(x.shape, strides, 'float32') };
  }
  return { src: floatContiguous(x), out: Tensor.empty(x.shape, 'float32') };
}

/**
 * @internal ReLU's backward from its output y: threshold_backward(g, y, 0), one fused kernel when it can,
 * else the differentiable where() form (createGraph).
 */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  return fusedGrad('relu_backward_f32', g, y) ?? where(y.le(0), 0, g);
}

/** sign(x) in {-1, 0, 1} as float32, with no gradient (the public sign, with PyTorch's dtypes, is in math.ts). */
export function signOf(x: Tensor): Tensor {
  return x.gt(0).float().sub(x.lt(0).float());
}
