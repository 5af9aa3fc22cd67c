/**
 * wasmgrad: PyTorch-style tensors and autograd for TypeScript, computed by WebAssembly SIMD kernels.
 *
 * @example
 * import { tensor } from 'wasmgrad';
 * const w = tensor([3.0], { requiresGrad: true });
 * const loss = w.mul(2).sub(4).pow(2);
 * loss.backward();
 * w.grad!.item(); // 24
 */
export { Tensor, type TensorOrScalar, type BackwardOptions } from './tensor/tensor.js';
export { type DType } from './tensor/dtype.js';
export {
  tensor, zeros, ones, full, empty, rand, randn, randint, arange, linspace, eye, zerosLike, onesLike, fullLike,
  type CreateOptions,
} from './tensor/creation.js';
export { manualSeed, Generator } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/mode.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd/anomaly.js';
export { grad, type GradOptions } from './autograd/engine.js';
export { gradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export type { Node } from './autograd/node.js';
export {
  init, setBackend, getBackend, backendInfo, setNumThreads, getNumThreads, type BackendName, type InitOptions, type BackendInfo, type SimdPreference, type WasmBuild,
} from './backends/index.js';
export * from './ops/unary.js'; // every op there is public (see its header)
export {
  add, sub, mul, div, floorDivide, remainder, fmod, pow, maximum, minimum, eq, ne, gt, lt, ge, le, where, type DivOptions,
} from './ops/binary.js';
export { sum, mean, max, min, amax, amin, argmax, argmin, type ValuesIndices, type ReduceOptions } from './ops/reduce.js';
export { reshape, view, flatten, squeeze, unsqueeze, expand, expandAs, transpose, permute, t, narrow, select } from './ops/view.js';
export { indexSelect, gather, cat, stack } from './ops/indexing.js';
export { matmul, mm, bmm } from './ops/matmul.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { clone, contiguous } from './ops/copy.js';
export { erf } from './ops/activation.js';
export { memory } from './memory.js';
// ---- math (src/ops/math.ts) ----
export {
  log1p, expm1, log2, log10, exp2, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erfc, erfinv, sign, sgn,
  signbit, reciprocal, rsqrt, square, lgamma, digamma, logit, nanToNum, type LogitOptions, type NanToNumOptions,
} from './ops/math.js';
// ---- binary-math (src/ops/binary-math.ts) ----
export {
  lerp, addcmul, addcdiv, atan2, hypot, copysign, xlogy, logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseAnd, bitwiseOr,
  bitwiseXor, bitwiseNot, isnan, isinf, isposinf, isneginf, isfinite, isclose, allclose, equal, type AddcOptions, type IscloseOptions,
} from './ops/binary-math.js';
// ---- reduce-more (src/ops/reduce-more.ts) ----
export {
  prod, std, var_ as var, stdMean, varMean, logsumexp, norm, cumsum, cumprod, cummax, cummin, logcumsumexp, all, any, median, nanmedian,
  mode, kthvalue, sort, argsort, topk, unique, uniqueConsecutive, diff, nansum, nanmean, countNonzero, aminmax, type MinMax,
} from './ops/reduce-more.js';
// ---- shape (src/ops/shape.ts) ----
export {
  movedim, moveaxis, unflatten, broadcastTo, broadcastTensors, repeat, repeatInterleave, tile, flip, fliplr, flipud, roll, rot90, chunk, split,
  tensorSplit, unbind, hstack, vstack, dstack, columnStack, viewAs, reshapeAs, diagonal, swapaxes, swapdims, atleast1d, atleast2d, atleast3d,
  type DiagonalOptions, type DimOptions, type RepeatInterleaveOptions, type RollOptions, type Rot90Options,
} from './ops/shape.js';
// ---- creation-random (src/ops/creation-random.ts) ----
export {
  logspace, tril, triu, diag, diagEmbed, meshgrid, emptyLike, randLike, randnLike, randintLike, randperm, multinomial, bernoulli, normal,
  type RandomCreateOptions, type GeneratorOptions, type MultinomialOptions, type BernoulliOptions, type NormalOptions, type MeshgridOptions,
} from './ops/creation-random.js';
// ---- indexing-more (src/ops/indexing-more.ts) ----
export { index, indexSet_, slice, ellipsis, type Slice, type IndexPiece } from './ops/python-index.js';
export {
  maskedFill, maskedSelect, maskedScatter, scatter, scatterAdd, scatterReduce, indexAdd, indexCopy, indexFill, indexPut, indexPut_, nonzero,
  argwhere, take, takeAlongDim, bincount, bucketize, searchsorted, type ScatterOptions, type ScatterReduction, type ScatterReduceOptions,
  type IndexAddOptions, type IndexPutOptions, type NonzeroOptions, type BincountOptions, type BucketizeOptions, type SearchsortedOptions,
} from './ops/indexing-more.js';
// ---- linalg (src/ops/linalg.ts) ----
export {
  dot, vdot, mv, outer, inner, addmm, addmv, addbmm, baddbmm, multiDot, chainMatmul, trace, tensordot, kron, cross, cdist, einsum, linalg,
  type AddmmOptions, type CdistOptions, type VectorNormOptions, type MatrixNormOptions, type NormOptions, type SolveOptions,
  type CholeskyOptions, type SignLogAbsDet, type EighResult, type SvdResult, type SvdOptions, type PinvOptions, type QRResult, type QROptions,
  type LstsqResult, type LstsqOptions,
} from './ops/linalg.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export {
  save, load, loadMetadata, toSafetensors, fromSafetensors, readSafetensorsHeader, readSafetensorsMetadata, SafetensorsError,
  optimizerStateToSafetensors, optimizerStateFromSafetensors, schedulerStateToSafetensors, schedulerStateFromSafetensors,
  type ToSafetensorsOptions, type FromSafetensorsOptions, type SafetensorsFloatDType,
} from './io/index.js';


export * as onnx from './onnx/index.js';
