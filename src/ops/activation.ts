/** Activations beyond the basic unary ops: erf, GELU (exact and tanh forms), leaky ReLU, softplus-free helpers. */
import { kernels } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { isTracing, traceComposite } from '../onnx/trace.js';
import { Tensor } from '../tensor/tensor.js';
import { floatContiguous, fusedGrad } from './elementwise-support.js';
import { checkOptions } from '../options.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** The error function, elementwise; d/dx erf(x) = 2/sqrt(pi) * exp(-x^2). */
export function erf(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('erf: input must be a Tensor');
  const src = floatContiguous(x);
  const out = Tensor.empty(x.shape, 'float32');
  if (out.numel() > 0) kernels().erf_f32(src.ptr, out.ptr, out.numel());
  if (src !== x) src.dispose();
  return record(out, 'ErfBackward0', [x], [x], (g, [a]) => [g.mul(a!.mul(a!).neg().exp().mul(TWO_OVER_SQRT_PI))]);
}

export type GeluApproximate = 'none' | 'tanh';

/**
 * GELU. `approximate: 'none'` (default, PyTorch's): x * Φ(x) = 0.5 x (1 + erf(x / sqrt 2));
 * 'tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export function gelu(x: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('gelu: input must be a Tensor');
  const approximate = checkOptions('gelu', options, ['approximate']).approximate ?? 'none';
  if (approximate === 'none') {
    // while onnx.export traces, the composed form (its primitives export one by one)
    if (isTracing()) return geluExactComposed(x);
    const src = floatContiguous(x);
    const out = Tensor.empty(x.shape, 'float32');
    if (out.numel() > 0) kernels().gelu_f32(src.ptr, out.ptr, out.numel()); // one pass
    if (src !== x) src.dispose();
    return record(out, 'GeluBackward0', [x], [x], (g, [a]) => [fusedGrad('gelu_backward_f32', g, a!) ?? geluExactGrad(g, a!)]);
  }
  if (approximate === 'tanh') {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
}

/** The exact GELU from tensor ops; halving x first, as PyTorch does: x * (1 + erf) would overflow near the float32 maximum. */
function geluExactComposed(x: Tensor): Tensor {
  return x.mul(0.5).mul(erf(x.mul(SQRT1_2)).add(1));
}

/** g * GELU'(a) = g * (Φ(a) + a φ(a)) from tensor ops: differentiable, for backward with createGraph. */
function geluExactGrad(g: Tensor, a: Tensor): Tensor {
  const cdf = erf(a.mul(SQRT1_2)).add(1).mul(0.5);
  const pdf = a.mul(a).mul(-0.5).exp().mul(INV_SQRT_2PI);
  return g.mul(cdf.add(a.mul(pdf)));
}

/** max(0, x) + negativeSlope * min(0, x); the gradient at 0 is negativeSlope (PyTorch: x > 0 ? 1 : slope). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('leakyRelu: input must be a Tensor');
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new TypeError(`leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  const pos = x.gt(0);
  const out = x.mul(pos.float().mul(1 - negativeSlope).add(negativeSlope));
  if (isTracing()) traceComposite(out, 'LeakyRelu', [x], { alpha: negativeSlope });
  return out;
}
