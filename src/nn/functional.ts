/** nn.functional (also exported as F): stateless building blocks of networks, PyTorch names. */
import { Tensor } from '../tensor/tensor.js';
import { checkLinearOperands, linearFused } from '../ops/matmul.js';
import { checkOptions, isPlainObject } from '../options.js';
import { describeValue } from '../ops/loss.js';

export { relu, sigmoid, tanh } from '../ops/unary.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export { mseLoss, crossEntropy, nllLoss, type LossOptions, type NLLLossOptions, type Reduction } from '../ops/loss.js';
export { conv2d, type Conv2dOptions, type Conv2dArgs, type Conv2dPadding, type IntPair } from '../ops/conv.js';
export { erf, gelu, leakyRelu, type GeluApproximate } from '../ops/activation.js';
export { batchNorm, layerNorm, type BatchNormFnOptions, type LayerNormFnOptions } from '../ops/normalization.js';
export { dropout, type DropoutOptions } from '../ops/dropout.js';
export { embedding, type EmbeddingOptions } from '../ops/embedding.js';
export {
  maxPool2d, avgPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type MaxPool2dArgs, type MaxPool2dIndicesArgs, type AvgPool2dArgs,
} from '../ops/pool.js';
export {
  l1Loss, binaryCrossEntropyWithLogits, type CrossEntropyOptions, type BCEWithLogitsOptions,
} from '../ops/loss.js';

// ---- activations (src/ops/activation-more.ts) ----
export {
  silu, mish, softplus, hardswish, hardsigmoid, hardtanh, hardtanh_, relu6, elu, elu_, selu, selu_, celu, celu_, softsign, tanhshrink, softshrink,
  hardshrink, threshold, threshold_, logsigmoid, prelu, rrelu, rrelu_, glu, softmin, type SoftplusOptions, type HardtanhOptions, type EluOptions,
  type ThresholdOptions, type RreluOptions, type SoftminOptions,
} from '../ops/activation-more.js';
// ---- normalization and distances (src/ops/normalization-more.ts, src/ops/distance.ts) ----
export {
  groupNorm, instanceNorm, localResponseNorm, rmsNorm, type GroupNormFnOptions, type InstanceNormFnOptions, type LocalResponseNormOptions,
  type RMSNormFnOptions,
} from '../ops/normalization-more.js';
export {
  normalize, cosineSimilarity, pairwiseDistance, oneHot, embeddingBag, type NormalizeOptions, type PairwiseDistanceOptions, type EmbeddingBagMode,
  type EmbeddingBagOptions, type EmbeddingBagArgs,
} from '../ops/distance.js';
// ---- losses (src/ops/loss-more.ts) ----
export {
  smoothL1Loss, huberLoss, binaryCrossEntropy, klDiv, poissonNllLoss, gaussianNllLoss, cosineEmbeddingLoss, marginRankingLoss,
  hingeEmbeddingLoss, tripletMarginLoss, multiMarginLoss, multilabelMarginLoss, multilabelSoftMarginLoss, softMarginLoss, ctcLoss,
} from '../ops/loss-more.js';
// ---- convolution (src/ops/conv-more.ts) ----
export {
  conv1d, convTranspose1d, convTranspose2d, unfold, fold, type Conv1dOptions, type Conv1dArgs, type Conv1dPadding, type IntSingle,
  type ConvTranspose1dOptions, type ConvTranspose2dOptions, type ConvTranspose1dArgs, type ConvTranspose2dArgs, type UnfoldOptions, type UnfoldArgs,
} from '../ops/conv-more.js';
// ---- pooling and resampling (src/ops/pool-more.ts, src/ops/resample.ts) ----
export {
  maxPool1d, avgPool1d, adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d, lpPool1d, lpPool2d, maxUnpool1d, maxUnpool2d,
  type MaxPool1dOptions, type AvgPool1dOptions, type AdaptiveMaxPoolOptions, type LPPoolOptions, type MaxUnpool1dOptions, type MaxUnpool2dOptions,
} from '../ops/pool-more.js';
export { pixelShuffle, pixelUnshuffle, pad, interpolate, type PadOptions, type InterpolateOptions, type InterpolateMode } from '../ops/resample.js';
// ---- attention (src/ops/attention.ts) ----
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from '../ops/attention.js';

/**
 * y = x·Wᵀ + b with PyTorch's weight layout [out, in]. The bias is PyTorch's third positional argument,
 * or { bias }.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null | { bias?: Tensor | null }): Tensor {
  let b: Tensor | null | undefined;
  if (bias === undefined || bias === null || bias instanceof Tensor) b = bias;
  else if (isPlainObject(bias)) b = checkOptions('linear', bias, ['bias']).bias;
  else throw new TypeError(`linear: bias must be a Tensor or null, got ${describeValue(bias)}`);
  if (b != null && !(b instanceof Tensor)) throw new TypeError(`linear: bias must be a Tensor or null, got ${describeValue(b)}`);
  checkLinearOperands(x, weight, b);
  if (b != null) {
    const fused = linearFused(x, weight, b); // one GEMM with the bias added on store
    if (fused !== null) return fused;
  }
  const y = x.matmul(weight.t());
  return b != null ? y.add(b) : y;
}
