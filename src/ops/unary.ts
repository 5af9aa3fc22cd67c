/**
 * Elementwise functions of one tensor, each with its derivative beside it.
 * Kernels are contiguous-only; non-contiguous inputs are copied first.
 */
import { K } from '../backends/index.js';
import type { KernelName } from '../backends/kernels.js';
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/mode.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { denseStrides, rawContiguous, toDType } from './copy.js';
import { where } from './binary.js';

type UnaryKernel = Extract<KernelName, 'neg_f32' | 'exp_f32' | 'log_f32' | 'sqrt_f32' | 'abs_f32' | 'relu_f32' | 'sigmoid_f32' | 'tanh_f32'>;

/** x as a contiguous float32 tensor (x itself when it already is one). */
export function floatContiguous(x: Tensor): Tensor {
  if (x.dtype !== 'float32') return toDType(x, 'float32');
  return x.isContiguous() ? x : rawContiguous(x);
}

type FusedGradKernel = Extract<KernelName, 'relu_backward_f32' | 'sigmoid_backward_f32' | 'tanh_backward_f32'>;

/**
 * @internal A backward rule's fused form: kernel(g, y, out, n) when grad mode is off (backward without
 * createGraph, so the result need not be differentiable) and g, y are contiguous float32 of one shape;
 * null otherwise (the rule then uses its composite, differentiable form).
 */
export function fusedGrad(kernel: FusedGradKernel, g: Tensor, y: Tensor): Tensor | null {
  if (isGradEnabled() || g.dtype !== 'float32' || y.dtype !== 'float32' || !sameShape(g.shape, y.shape)) return null;
  if (!g.isContiguous() || !y.isContiguous()) return null;
  const pg = g.ptr, py = y.ptr;
  const out = Tensor.empty(y.shape, 'float32');
  const n = out.storage.bytes >>> 2;
  if (n > 0) K()[kernel](pg, py, out.ptr, n);
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

/** Applies a unary kernel; `keepInt` casts back for int inputs (neg, abs, relu keep integer dtypes). */
function apply(x: Tensor, kernel: UnaryKernel, keepInt = false): Tensor {
  const { src, out } = elementwiseOperand(x);
  const n = out.numel();
  if (n > 0) K()[kernel](src.ptr, out.ptr, n);
  if (src !== x) src.dispose();
  if (keepInt && x.dtype !== 'float32') {
    const r = toDType(out, 'int32');
    out.dispose();
    return r;
  }
  return out;
}

/** -x. @example neg(tensor([1, -2])) // tensor([-1., 2.]) */
export function neg(x: Tensor): Tensor {
  return record(apply(x, 'neg_f32', true), 'NegBackward0', [x], [], (g) => [g.neg()]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const y = apply(x, 'exp_f32');
  return record(y, 'ExpBackward0', [x], [y], (g, [out]) => [g.mul(out!)]);
}

/** Natural logarithm (log(0) = -inf, log(-1) = nan, as in PyTorch). */
export function log(x: Tensor): Tensor {
  return record(apply(x, 'log_f32'), 'LogBackward0', [x], [x], (g, [a]) => [g.div(a!)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = apply(x, 'sqrt_f32');
  return record(y, 'SqrtBackward0', [x], [y], (g, [out]) => [g.div(out!.mul(2))]);
}

/** |x|; the gradient at 0 is 0 (sign(x)), as in PyTorch. */
export function abs(x: Tensor): Tensor {
  return record(apply(x, 'abs_f32', true), 'AbsBackward0', [x], [x], (g, [a]) => [g.mul(sign(a!))]);
}

/** sign(x) in {-1, 0, 1} (no gradient). */
export function sign(x: Tensor): Tensor {
  return x.gt(0).float().sub(x.lt(0).float());
}

/**
 * max(x, 0), NaN kept. The gradient is PyTorch's threshold_backward(g, y, 0): 0 where y <= 0 (so 0 at x = 0),
 * g elsewhere, including where y is NaN.
 */
export function relu(x: Tensor): Tensor {
  const y = apply(x, 'relu_f32', true);
  if (!x.requiresGrad) return y;
  return record(y, 'ReluBackward0', [x], [y], (g, [out]) => [reluBackward(g, out!)]);
}

/**
 * @internal ReLU's backward from its output y: threshold_backward(g, y, 0), one fused kernel when it can,
 * else the differentiable where() form (createGraph).
 */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  return fusedGrad('relu_backward_f32', g, y) ?? where(y.le(0), 0, g);
}

/** 1 / (1 + e^-x), computed stably. */
export function sigmoid(x: Tensor): Tensor {
  const y = apply(x, 'sigmoid_f32');
  if (!x.requiresGrad) return y;
  return record(y, 'SigmoidBackward0', [x], [y], (g, [s]) => [fusedGrad('sigmoid_backward_f32', g, s!) ?? g.mul(s!.mul(s!.neg().add(1)))]);
}

export function tanh(x: Tensor): Tensor {
  const y = apply(x, 'tanh_f32');
  if (!x.requiresGrad) return y;
  return record(y, 'TanhBackward0', [x], [y], (g, [t]) => [fusedGrad('tanh_backward_f32', g, t!) ?? g.mul(t!.mul(t!).neg().add(1))]);
}

/**
 * Clamps into [min, max]; either bound may be null/undefined. The gradient passes where
 * min <= x <= max (PyTorch's convention at the bounds).
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new TypeError('clamp: at least one of min and max must be given');
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (v != null && typeof v !== 'number') throw new TypeError(`clamp: ${name} must be a number or null, got ${typeof v}`);
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const { src, out } = elementwiseOperand(x);
  if (out.numel() > 0) K().clamp_f32(src.ptr, out.ptr, out.numel(), lo, hi);
  if (src !== x) src.dispose();
  // a select, as PyTorch's clamp_backward: 0 outside the bounds and at NaN even for a NaN gradient
  return record(out, 'ClampBackward1', [x], [x], (g, [a]) => [where(a!.ge(lo).mul(a!.le(hi)), g, 0)]);
}
