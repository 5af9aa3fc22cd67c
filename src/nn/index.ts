/** The nn namespace: modules, layers, losses, init, utils and nn.functional. */
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
export { Parameter } from './parameter.js';
export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Linear, Identity, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dLayerOptions, type Conv2dLayerArgs, type PaddingMode } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, type Pool2dOptions, type MaxPool2dLayerArgs, type AvgPool2dLayerArgs } from './layers/pooling.js';
export {
  BatchNorm, BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions,
} from './layers/normalization.js';
export { Dropout } from './layers/dropout.js';
export { Embedding } from './layers/sparse.js';
export { Flatten } from './layers/flatten.js';
export { ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from './layers/activation.js';
export { Sequential, ModuleList } from './layers/container.js';
export { MSELoss, L1Loss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from './layers/loss.js';
// ---- activations (src/ops/activation-more.ts) ----
export {
  SiLU, Mish, Softplus, Hardswish, Hardsigmoid, Hardtanh, ReLU6, ELU, SELU, CELU, Softsign, Tanhshrink, Softshrink, Hardshrink, Threshold,
  LogSigmoid, PReLU, RReLU, GLU, Softmin, Softmax2d, type PReLUOptions,
} from './layers/activation-more.js';
// ---- normalization and distances (src/ops/normalization-more.ts, src/ops/distance.ts) ----
export {
  GroupNorm, InstanceNorm, InstanceNorm1d, InstanceNorm2d, LocalResponseNorm, RMSNorm, type GroupNormOptions, type InstanceNormOptions,
  type RMSNormOptions,
} from './layers/normalization-more.js';
export { CosineSimilarity, PairwiseDistance, EmbeddingBag, type EmbeddingBagLayerOptions } from './layers/distance.js';
// ---- losses (src/ops/loss-more.ts) ----
export {
  SmoothL1Loss, HuberLoss, BCELoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss,
  TripletMarginLoss, MultiMarginLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, SoftMarginLoss, CTCLoss,
} from './layers/loss-more.js';
// ---- convolution (src/ops/conv-more.ts) ----
export {
  Conv1d, ConvTranspose1d, ConvTranspose2d, Unfold, Fold, type Conv1dLayerOptions, type Conv1dLayerArgs, type ConvTransposeLayerOptions,
  type ConvTranspose1dLayerOptions, type ConvTranspose2dLayerOptions, type ConvTranspose1dLayerArgs, type ConvTranspose2dLayerArgs, type UnfoldLayerArgs,
} from './layers/conv-more.js';
// ---- pooling and resampling (src/ops/pool-more.ts, src/ops/resample.ts) ----
export {
  MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d,
} from './layers/pooling-more.js';
export {
  PixelShuffle, PixelUnshuffle, ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
  ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, Upsample,
  UpsamplingNearest2d, UpsamplingBilinear2d, type UpsampleOptions,
} from './layers/resample.js';
// ---- transformers (src/nn/layers/transformer.ts) ----
export {
  MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer,
  type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type MultiheadAttentionForwardArgs, type TransformerActivation,
  type TransformerEncoderLayerOptions, type TransformerDecoderLayerOptions, type TransformerEncoderLayerForwardOptions,
  type TransformerDecoderLayerForwardOptions, type TransformerEncoderOptions, type TransformerEncoderForwardOptions,
  type TransformerDecoderOptions, type TransformerOptions, type TransformerForwardOptions,
} from './layers/transformer.js';
// ---- recurrent (src/ops/rnn.ts, src/nn/layers/rnn.ts) ----
export {
  RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell, type RNNInput, type RNNBaseOptions, type RNNOptions,
  type LSTMOptions, type RNNCellBaseOptions, type RNNCellOptions,
} from './layers/rnn.js';
// ---- Module, containers, init, utils (src/nn) ----
export { ModuleDict, ParameterList, ParameterDict } from './layers/container.js';
export { Unflatten } from './layers/unflatten.js';
export type { ForwardHook, ForwardPreHook, FullBackwardHook, RemovableHandle, HookOptions, ZeroGradOptions } from './module.js';
export type { ClipGradNormOptions } from './utils.js';
