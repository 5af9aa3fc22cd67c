/** nn.functional (also exported as F): stateless building blocks of networks, PyTorch names. */
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkLinearOperands, linearFused } from '../ops/matmul.js';

export { relu, sigmoid, tanh } from '../ops/unary.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export { mseLoss, crossEntropy, nllLoss, type LossOptions, type Reduction } from '../ops/loss.js';
export { conv2d, maxPool2d, type Conv2dOptions } from '../ops/conv.js';
export { erf, gelu, leakyRelu, type GeluApproximate } from '../ops/activation.js';
export { batchNorm, layerNorm } from '../ops/normalization.js';
export { dropout } from '../ops/dropout.js';
export { avgPool2d } from '../ops/pool.js';
export {
  l1Loss, binaryCrossEntropyWithLogits, type CrossEntropyOptions, type BCEWithLogitsOptions,
} from '../ops/loss.js';

/** y = x·Wᵀ + b with PyTorch's weight layout [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkLinearOperands(x, weight, bias);
  if (bias != null) {
    const fused = linearFused(x, weight, bias); // one GEMM with the bias added on store
    if (fused !== null) return fused;
  }
  const y = x.matmul(weight.t());
  return bias != null ? y.add(bias) : y;
}

/**
 * Rows of `weight` [num, dim] picked by int32 `indices` of any shape: the result is [...indices.shape, dim].
 * The gradient scatters back into the picked rows (accumulating repeats).
 */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  if (!(indices instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError('embedding: indices and weight must be Tensors');
  if (indices.dtype !== 'int32') throw new TypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be 2-D [num, dim], got shape ${shapeStr(weight.shape)}`);
  return weight.indexSelect(0, indices.reshape(-1)).reshape([...indices.shape, weight.shape[1]!]);
}
