/**
 * Strict options across the whole exported API: the test walks every export (functions, classes,
 * namespaces and Tensor methods) and requires each to be listed either with a sample call that passes an
 * options object, or as taking none. Each sample call with an unknown key must throw a TypeError naming
 * the function and the key, and with PyTorch's snake_case spelling of a known key, the camelCase hint.
 * A new export without an entry fails the first test, so no option can be silently dropped.
 */
import { describe, expect, it } from 'vitest';
import * as W from '../src/index.js';
import { data, F, nn, optim, Tensor, tensor, zeros, ones, randn } from '../src/index.js';

type Opts = Record<string, unknown>;

/** A call with valid required arguments and `o` as its options object; `snake` is a PyTorch key it knows. */
interface Sample { call: (o: Opts) => unknown; snake?: string }

const x4 = () => randn(1, 2, 5, 5);
const logits = () => randn(3, 4);
const labels = () => tensor([0, 3, 1], { dtype: 'int32' });
const params = () => [zeros(2, { requiresGrad: true })];
const sgd = () => new optim.SGD(params(), 0.1);

const SAMPLES: Record<string, Sample> = {
  // creation
  tensor: { call: (o) => tensor([1, 2], o), snake: 'requires_grad' },
  zeros: { call: (o) => zeros(2, o), snake: 'requires_grad' },
  ones: { call: (o) => ones(2, o), snake: 'requires_grad' },
  empty: { call: (o) => W.empty(2, o), snake: 'requires_grad' },
  rand: { call: (o) => W.rand(2, o), snake: 'requires_grad' },
  randn: { call: (o) => randn(2, o), snake: 'requires_grad' },
  randint: { call: (o) => W.randint(0, 5, [2], o) },
  full: { call: (o) => W.full([2], 1, o), snake: 'requires_grad' },
  zerosLike: { call: (o) => W.zerosLike(ones(2), o), snake: 'requires_grad' },
  onesLike: { call: (o) => W.onesLike(ones(2), o), snake: 'requires_grad' },
  fullLike: { call: (o) => W.fullLike(ones(2), 3, o), snake: 'requires_grad' },
  arange: { call: (o) => W.arange(0, 4, 1, o), snake: 'requires_grad' },
  linspace: { call: (o) => W.linspace(0, 1, 3, o), snake: 'requires_grad' },
  eye: { call: (o) => W.eye(2, 2, o), snake: 'requires_grad' },
  // ops with keyword options
  div: { call: (o) => W.div(ones(2), 2, o), snake: 'rounding_mode' },
  clamp: { call: (o) => W.clamp(ones(2), { min: 0, ...o }) },
  sum: { call: (o) => W.sum(ones(2), 0, o) },
  mean: { call: (o) => W.mean(ones(2), 0, o) },
  max: { call: (o) => W.max(ones(2, 2), 0, o) },
  min: { call: (o) => W.min(ones(2, 2), 0, o) },
  round: { call: (o) => W.round(ones(2), o) },
  softmax: { call: (o) => W.softmax(ones(2), 0, o) },
  logSoftmax: { call: (o) => W.logSoftmax(ones(2), 0, o) },
  clone: { call: (o) => W.clone(ones(2), o), snake: 'memory_format' },
  grad: { call: (o) => { const a = ones(1, { requiresGrad: true }); return W.grad(a.mul(2).sum(), [a], o); }, snake: 'retain_graph' },
  gradcheck: { call: (o) => W.gradcheck((a) => a.mul(2), [randn(2, { requiresGrad: true })], o) },
  init: { call: (o) => W.init(o) },
  toSafetensors: { call: (o) => W.toSafetensors({ a: ones(2) }, null, o) },
  fromSafetensors: { call: (o) => W.fromSafetensors(W.toSafetensors({ a: ones(2) }), o) },
  // F
  'F.conv2d': { call: (o) => F.conv2d(x4(), randn(3, 2, 3, 3), null, o) },
  'F.maxPool2d': { call: (o) => F.maxPool2d(x4(), 2, o), snake: 'ceil_mode' },
  'F.avgPool2d': { call: (o) => F.avgPool2d(x4(), 2, o), snake: 'count_include_pad' },
  'F.batchNorm': { call: (o) => F.batchNorm(x4(), zeros(2), ones(2), o) },
  'F.layerNorm': { call: (o) => F.layerNorm(x4(), [5], o) },
  'F.dropout': { call: (o) => F.dropout(x4(), 0.5, o) },
  'F.embedding': { call: (o) => F.embedding(labels(), randn(5, 2), o), snake: 'padding_idx' },
  'F.linear': { call: (o) => F.linear(randn(2, 3), randn(4, 3), o) },
  'F.gelu': { call: (o) => F.gelu(ones(2), o) },
  'F.softmax': { call: (o) => F.softmax(ones(2), 0, o) },
  'F.logSoftmax': { call: (o) => F.logSoftmax(ones(2), 0, o) },
  'F.crossEntropy': { call: (o) => F.crossEntropy(logits(), labels(), o), snake: 'ignore_index' },
  'F.nllLoss': { call: (o) => F.nllLoss(logits(), labels(), o), snake: 'ignore_index' },
  'F.mseLoss': { call: (o) => F.mseLoss(ones(2), ones(2), o) },
  'F.l1Loss': { call: (o) => F.l1Loss(ones(2), ones(2), o) },
  'F.binaryCrossEntropyWithLogits': { call: (o) => F.binaryCrossEntropyWithLogits(ones(2), ones(2), o), snake: 'pos_weight' },
  // nn layers
  'nn.Conv2d': { call: (o) => new nn.Conv2d(2, 3, 3, o), snake: 'padding_mode' },
  'nn.Linear': { call: (o) => new nn.Linear(2, 3, o) },
  'nn.BatchNorm1d': { call: (o) => new nn.BatchNorm1d(3, o), snake: 'track_running_stats' },
  'nn.BatchNorm2d': { call: (o) => new nn.BatchNorm2d(3, o), snake: 'track_running_stats' },
  'nn.LayerNorm': { call: (o) => new nn.LayerNorm(3, o), snake: 'elementwise_affine' },
  'nn.Dropout': { call: (o) => new nn.Dropout(0.5, o) },
  'nn.Embedding': { call: (o) => new nn.Embedding(5, 2, o), snake: 'padding_idx' },
  'nn.MaxPool2d': { call: (o) => new nn.MaxPool2d(2, o), snake: 'ceil_mode' },
  'nn.AvgPool2d': { call: (o) => new nn.AvgPool2d(2, o), snake: 'count_include_pad' },
  'nn.GELU': { call: (o) => new nn.GELU(o) },
  'nn.ReLU': { call: (o) => new nn.ReLU(o) },
  'nn.LeakyReLU': { call: (o) => new nn.LeakyReLU(0.1, o), snake: 'negative_slope' },
  'nn.CrossEntropyLoss': { call: (o) => new nn.CrossEntropyLoss(o), snake: 'label_smoothing' },
  'nn.NLLLoss': { call: (o) => new nn.NLLLoss(o), snake: 'ignore_index' },
  'nn.MSELoss': { call: (o) => new nn.MSELoss(o) },
  'nn.L1Loss': { call: (o) => new nn.L1Loss(o) },
  'nn.BCEWithLogitsLoss': { call: (o) => new nn.BCEWithLogitsLoss(o), snake: 'pos_weight' },
  'nn.init.kaimingUniform_': { call: (o) => nn.init.kaimingUniform_(zeros(3, 2), o) },
  'nn.init.kaimingNormal_': { call: (o) => nn.init.kaimingNormal_(zeros(3, 2), o) },
  // optim, data
  'optim.SGD': { call: (o) => new optim.SGD(params(), 0.1, o), snake: 'weight_decay' },
  'optim.Adam': { call: (o) => new optim.Adam(params(), 0.1, o), snake: 'weight_decay' },
  'optim.AdamW': { call: (o) => new optim.AdamW(params(), 0.1, o), snake: 'weight_decay' },
  'optim.RMSprop': { call: (o) => new optim.RMSprop(params(), 0.1, o), snake: 'weight_decay' },
  'optim.lrScheduler.StepLR': { call: (o) => new optim.lrScheduler.StepLR(sgd(), 2, o), snake: 'last_epoch' },
  'optim.lrScheduler.MultiStepLR': { call: (o) => new optim.lrScheduler.MultiStepLR(sgd(), [2], o), snake: 'last_epoch' },
  'optim.lrScheduler.ExponentialLR': { call: (o) => new optim.lrScheduler.ExponentialLR(sgd(), 0.9, o), snake: 'last_epoch' },
  'optim.lrScheduler.CosineAnnealingLR': { call: (o) => new optim.lrScheduler.CosineAnnealingLR(sgd(), 5, o), snake: 'eta_min' },
  'optim.lrScheduler.LinearLR': { call: (o) => new optim.lrScheduler.LinearLR(sgd(), o), snake: 'start_factor' },
  'optim.lrScheduler.OneCycleLR': { call: (o) => new optim.lrScheduler.OneCycleLR(sgd(), 0.1, 10, o), snake: 'pct_start' },
  'data.DataLoader': { call: (o) => new data.DataLoader(new data.TensorDataset(ones(4, 1)), o), snake: 'batch_size' },
  'data.randomSplit': { call: (o) => data.randomSplit(new data.TensorDataset(ones(4, 1)), [2, 2], o) },
  save: { call: (o) => W.save({ a: ones(1) }, '/tmp/wasmgrad-api-options.safetensors', null, o) },
  load: { call: (o) => { W.save({ a: ones(1) }, '/tmp/wasmgrad-api-options.safetensors'); return W.load('/tmp/wasmgrad-api-options.safetensors', o); } },
  // issue 15, reduce-more
  sort: { call: (o) => W.sort(ones(2, 3), 1, o) },
  'Tensor.sort': { call: (o) => ones(2, 3).sort(1, o) },
  argsort: { call: (o) => W.argsort(ones(2, 3), 1, o) },
  'Tensor.argsort': { call: (o) => ones(2, 3).argsort(1, o) },
  topk: { call: (o) => W.topk(ones(2, 3), 2, o) },
  'Tensor.topk': { call: (o) => ones(2, 3).topk(2, o) },
  kthvalue: { call: (o) => W.kthvalue(ones(2, 3), 1, 0, o) },
  'Tensor.kthvalue': { call: (o) => ones(2, 3).kthvalue(1, 0, o) },
  median: { call: (o) => W.median(ones(2, 3), 0, o) },
  'Tensor.median': { call: (o) => ones(2, 3).median(0, o) },
  nanmedian: { call: (o) => W.nanmedian(ones(2, 3), 0, o) },
  'Tensor.nanmedian': { call: (o) => ones(2, 3).nanmedian(0, o) },
  mode: { call: (o) => W.mode(ones(2, 3), 0, o) },
  'Tensor.mode': { call: (o) => ones(2, 3).mode(0, o) },
  std: { call: (o) => W.std(ones(2, 3), 0, o) },
  'Tensor.std': { call: (o) => ones(2, 3).std(0, o) },
  var: { call: (o) => W.var(ones(2, 3), 0, o) },
  'Tensor.var': { call: (o) => ones(2, 3).var(0, o) },
  stdMean: { call: (o) => W.stdMean(ones(2, 3), 0, o) },
  varMean: { call: (o) => W.varMean(ones(2, 3), 0, o) },
  prod: { call: (o) => W.prod(ones(2, 3), 0, o) },
  'Tensor.prod': { call: (o) => ones(2, 3).prod(0, o) },
  logsumexp: { call: (o) => W.logsumexp(ones(2, 3), 0, o) },
  'Tensor.logsumexp': { call: (o) => ones(2, 3).logsumexp(0, o) },
  norm: { call: (o) => W.norm(ones(2, 3), 2, 0, o) },
  'Tensor.norm': { call: (o) => ones(2, 3).norm(2, 0, o) },
  cumsum: { call: (o) => W.cumsum(ones(2, 3), 0, o) },
  'Tensor.cumsum': { call: (o) => ones(2, 3).cumsum(0, o) },
  cumprod: { call: (o) => W.cumprod(ones(2, 3), 0, o) },
  'Tensor.cumprod': { call: (o) => ones(2, 3).cumprod(0, o) },
  all: { call: (o) => W.all(ones(2, 3), 0, o) },
  'Tensor.all': { call: (o) => ones(2, 3).all(0, o) },
  any: { call: (o) => W.any(ones(2, 3), 0, o) },
  'Tensor.any': { call: (o) => ones(2, 3).any(0, o) },
  unique: { call: (o) => W.unique(ones(2, 3), o), snake: 'return_inverse' },
  'Tensor.unique': { call: (o) => ones(2, 3).unique(o), snake: 'return_inverse' },
  uniqueConsecutive: { call: (o) => W.uniqueConsecutive(ones(2, 3), o), snake: 'return_counts' },
  'Tensor.uniqueConsecutive': { call: (o) => ones(2, 3).uniqueConsecutive(o), snake: 'return_counts' },
  diff: { call: (o) => W.diff(ones(2, 3), 1, 0, o) },
  'Tensor.diff': { call: (o) => ones(2, 3).diff(1, 0, o) },
  nansum: { call: (o) => W.nansum(ones(2, 3), 0, o) },
  'Tensor.nansum': { call: (o) => ones(2, 3).nansum(0, o) },
  nanmean: { call: (o) => W.nanmean(ones(2, 3), 0, o) },
  'Tensor.nanmean': { call: (o) => ones(2, 3).nanmean(0, o) },
  aminmax: { call: (o) => W.aminmax(ones(2, 3), o) },
  'Tensor.aminmax': { call: (o) => ones(2, 3).aminmax(o) },
  'Tensor.cumsum_': { call: (o) => ones(2, 3).cumsum_(0, o) },
  'Tensor.cumprod_': { call: (o) => ones(2, 3).cumprod_(0, o) },
  // issue 15, shape
  repeatInterleave: { call: (o) => W.repeatInterleave(ones(2), 2, 0, o), snake: 'output_size' },
  roll: { call: (o) => W.roll(ones(2), 1, o) },
  rot90: { call: (o) => W.rot90(ones(2, 2), 1, o) },
  chunk: { call: (o) => W.chunk(ones(2), 2, o) },
  split: { call: (o) => W.split(ones(2), 1, o) },
  tensorSplit: { call: (o) => W.tensorSplit(ones(2), 2, o) },
  unbind: { call: (o) => W.unbind(ones(2), o) },
  diagonal: { call: (o) => W.diagonal(ones(2, 2), 0, o) },
  'Tensor.repeatInterleave': { call: (o) => ones(2).repeatInterleave(2, 0, o), snake: 'output_size' },
  'Tensor.roll': { call: (o) => ones(2).roll(1, o) },
  'Tensor.rot90': { call: (o) => ones(2, 2).rot90(1, o) },
  'Tensor.chunk': { call: (o) => ones(2).chunk(2, o) },
  'Tensor.split': { call: (o) => ones(2).split(1, o) },
  'Tensor.tensorSplit': { call: (o) => ones(2).tensorSplit(2, o) },
  'Tensor.unbind': { call: (o) => ones(2).unbind(o) },
  'Tensor.diagonal': { call: (o) => ones(2, 2).diagonal(0, o) },
  // issue 15, indexing-more
  nonzero: { call: (o) => W.nonzero(ones(2), o), snake: 'as_tuple' },
  scatter: { call: (o) => W.scatter(zeros(3), 0, tensor([1]), 2, o) },
  scatterReduce: { call: (o) => W.scatterReduce(zeros(3), 0, tensor([1]), ones(1), 'sum', o), snake: 'include_self' },
  indexAdd: { call: (o) => W.indexAdd(zeros(3), 0, tensor([1]), ones(1), o) },
  indexPut: { call: (o) => W.indexPut(zeros(3), [tensor([1])], 2, o) },
  indexPut_: { call: (o) => W.indexPut_(zeros(3), [tensor([1])], 2, o) },
  bincount: { call: (o) => W.bincount(tensor([1, 2]), o) },
  bucketize: { call: (o) => W.bucketize(ones(2), tensor([0, 2]), o), snake: 'out_int32' },
  searchsorted: { call: (o) => W.searchsorted(tensor([0, 2]), ones(2), o), snake: 'out_int32' },
  'Tensor.nonzero': { call: (o) => ones(2).nonzero(o), snake: 'as_tuple' },
  'Tensor.scatter': { call: (o) => zeros(3).scatter(0, tensor([1]), 2, o) },
  'Tensor.scatter_': { call: (o) => zeros(3).scatter_(0, tensor([1]), 2, o) },
  'Tensor.scatterReduce': { call: (o) => zeros(3).scatterReduce(0, tensor([1]), ones(1), 'amax', o), snake: 'include_self' },
  'Tensor.scatterReduce_': { call: (o) => zeros(3).scatterReduce_(0, tensor([1]), ones(1), 'amax', o), snake: 'include_self' },
  'Tensor.indexAdd': { call: (o) => zeros(3).indexAdd(0, tensor([1]), ones(1), o) },
  'Tensor.indexAdd_': { call: (o) => zeros(3).indexAdd_(0, tensor([1]), ones(1), o) },
  'Tensor.indexPut': { call: (o) => zeros(3).indexPut([tensor([1])], 2, o) },
  'Tensor.indexPut_': { call: (o) => zeros(3).indexPut_([tensor([1])], 2, o) },
  'Tensor.bincount': { call: (o) => tensor([1, 2]).bincount(o) },
  // issue 15, math
  logit: { call: (o) => W.logit(ones(2), o) },
  'Tensor.logit': { call: (o) => ones(2).logit(o) },
  'Tensor.logit_': { call: (o) => ones(2).logit_(o) },
  nanToNum: { call: (o) => W.nanToNum(ones(2), o) },
  'Tensor.nanToNum': { call: (o) => ones(2).nanToNum(o) },
  'Tensor.nanToNum_': { call: (o) => ones(2).nanToNum_(o) },
  // issue 15, creation-random
  logspace: { call: (o) => W.logspace(0, 1, 3, o), snake: 'requires_grad' },
  meshgrid: { call: (o) => W.meshgrid(ones(2), ones(3), o) },
  emptyLike: { call: (o) => W.emptyLike(ones(2), o), snake: 'requires_grad' },
  randLike: { call: (o) => W.randLike(ones(2), o), snake: 'requires_grad' },
  randnLike: { call: (o) => W.randnLike(ones(2), o), snake: 'requires_grad' },
  randintLike: { call: (o) => W.randintLike(ones(2), 0, 5, o), snake: 'requires_grad' },
  randperm: { call: (o) => W.randperm(4, o), snake: 'requires_grad' },
  multinomial: { call: (o) => W.multinomial(ones(3), 2, o) },
  bernoulli: { call: (o) => W.bernoulli(ones(3).mul(0.5), o) },
  normal: { call: (o) => W.normal(0, 1, [2], o), snake: 'requires_grad' },
  'Tensor.newZeros': { call: (o) => ones(2).newZeros(2, o), snake: 'requires_grad' },
  'Tensor.newOnes': { call: (o) => ones(2).newOnes(2, o), snake: 'requires_grad' },
  'Tensor.newEmpty': { call: (o) => ones(2).newEmpty(2, o), snake: 'requires_grad' },
  'Tensor.newFull': { call: (o) => ones(2).newFull([2], 3, o), snake: 'requires_grad' },
  'Tensor.newTensor': { call: (o) => ones(2).newTensor([1, 2], o), snake: 'requires_grad' },
  'Tensor.multinomial': { call: (o) => ones(3).multinomial(2, o) },
  'Tensor.bernoulli': { call: (o) => ones(3).bernoulli(o) },
  'Tensor.uniform_': { call: (o) => zeros(3).uniform_(o) },
  'Tensor.normal_': { call: (o) => zeros(3).normal_(o) },
  'Tensor.bernoulli_': { call: (o) => zeros(3).bernoulli_(o) },
  'Tensor.exponential_': { call: (o) => zeros(3).exponential_(o) },
  'Tensor.random_': { call: (o) => zeros(3).random_(o) },
  addcmul: { call: (o) => W.addcmul(ones(2), ones(2), ones(2), o) },
  addcdiv: { call: (o) => W.addcdiv(ones(2), ones(2), ones(2), o) },
  isclose: { call: (o) => W.isclose(ones(2), ones(2), o), snake: 'equal_nan' },
  allclose: { call: (o) => W.allclose(ones(2), ones(2), o), snake: 'equal_nan' },
  'Tensor.addcmul': { call: (o) => ones(2).addcmul(ones(2), ones(2), o) },
  'Tensor.addcmul_': { call: (o) => ones(2).addcmul_(ones(2), ones(2), o) },
  'Tensor.addcdiv': { call: (o) => ones(2).addcdiv(ones(2), ones(2), o) },
  'Tensor.addcdiv_': { call: (o) => ones(2).addcdiv_(ones(2), ones(2), o) },
  'Tensor.isclose': { call: (o) => ones(2).isclose(ones(2), o), snake: 'equal_nan' },
  'Tensor.allclose': { call: (o) => ones(2).allclose(ones(2), o), snake: 'equal_nan' },
  // issue 15, linalg
  addmm: { call: (o) => W.addmm(zeros(2, 2), ones(2, 3), ones(3, 2), o) },
  addmv: { call: (o) => W.addmv(zeros(2), ones(2, 3), ones(3), o) },
  addbmm: { call: (o) => W.addbmm(zeros(2, 2), ones(2, 2, 3), ones(2, 3, 2), o) },
  baddbmm: { call: (o) => W.baddbmm(zeros(2, 2, 2), ones(2, 2, 3), ones(2, 3, 2), o) },
  cdist: { call: (o) => W.cdist(ones(2, 3), ones(4, 3), 2, o), snake: 'compute_mode' },
  'linalg.vectorNorm': { call: (o) => W.linalg.vectorNorm(ones(2, 3), 2, o) },
  'linalg.matrixNorm': { call: (o) => W.linalg.matrixNorm(ones(2, 3), 'fro', o) },
  'linalg.norm': { call: (o) => W.linalg.norm(ones(2, 3), null, o) },
  'linalg.solve': { call: (o) => W.linalg.solve(W.eye(2), ones(2), o) },
  'linalg.cholesky': { call: (o) => W.linalg.cholesky(W.eye(2), o) },
  'linalg.cross': { call: (o) => W.linalg.cross(ones(2, 3), ones(2, 3), o) },
  'linalg.eigh': { call: (o) => W.linalg.eigh(W.eye(2), o) },
  'linalg.svd': { call: (o) => W.linalg.svd(W.eye(2), o), snake: 'full_matrices' },
  'linalg.pinv': { call: (o) => W.linalg.pinv(W.eye(2), o) },
  'linalg.qr': { call: (o) => W.linalg.qr(W.eye(2), o) },
  'linalg.lstsq': { call: (o) => W.linalg.lstsq(W.eye(2), ones(2, 1), null, o) },
  'Tensor.addmm': { call: (o) => zeros(2, 2).addmm(ones(2, 3), ones(3, 2), o) },
  'Tensor.addmm_': { call: (o) => zeros(2, 2).addmm_(ones(2, 3), ones(3, 2), o) },
  'Tensor.addmv': { call: (o) => zeros(2).addmv(ones(2, 3), ones(3), o) },
  'Tensor.addmv_': { call: (o) => zeros(2).addmv_(ones(2, 3), ones(3), o) },
  'Tensor.addbmm': { call: (o) => zeros(2, 2).addbmm(ones(2, 2, 3), ones(2, 3, 2), o) },
  'Tensor.addbmm_': { call: (o) => zeros(2, 2).addbmm_(ones(2, 2, 3), ones(2, 3, 2), o) },
  'Tensor.baddbmm': { call: (o) => zeros(2, 2, 2).baddbmm(ones(2, 2, 3), ones(2, 3, 2), o) },
  'Tensor.baddbmm_': { call: (o) => zeros(2, 2, 2).baddbmm_(ones(2, 2, 3), ones(2, 3, 2), o) },
  // activations (src/ops/activation-more.ts)
  'F.silu': { call: (o) => F.silu(ones(2), o) },
  'F.mish': { call: (o) => F.mish(ones(2), o) },
  'F.softplus': { call: (o) => F.softplus(ones(2), o) },
  'F.hardswish': { call: (o) => F.hardswish(ones(2), o) },
  'F.hardsigmoid': { call: (o) => F.hardsigmoid(ones(2), o) },
  'F.hardtanh': { call: (o) => F.hardtanh(ones(2), o), snake: 'min_val' },
  'F.hardtanh_': { call: (o) => F.hardtanh_(ones(2), o), snake: 'max_val' },
  'F.relu6': { call: (o) => F.relu6(ones(2), o) },
  'F.elu': { call: (o) => F.elu(ones(2), o) },
  'F.elu_': { call: (o) => F.elu_(ones(2), o) },
  'F.selu': { call: (o) => F.selu(ones(2), o) },
  'F.celu': { call: (o) => F.celu(ones(2), o) },
  'F.celu_': { call: (o) => F.celu_(ones(2), o) },
  'F.softshrink': { call: (o) => F.softshrink(ones(2), o) },
  'F.hardshrink': { call: (o) => F.hardshrink(ones(2), o) },
  'F.threshold': { call: (o) => F.threshold(ones(2), 0, 0, o) },
  'F.rrelu': { call: (o) => F.rrelu(ones(2), o) },
  'F.rrelu_': { call: (o) => F.rrelu_(ones(2), o) },
  'F.glu': { call: (o) => F.glu(ones(2), o) },
  'F.softmin': { call: (o) => F.softmin(ones(2), 0, o) },
  'nn.SiLU': { call: (o) => new nn.SiLU(o) },
  'nn.Mish': { call: (o) => new nn.Mish(o) },
  'nn.Softplus': { call: (o) => new nn.Softplus(o) },
  'nn.Hardswish': { call: (o) => new nn.Hardswish(o) },
  'nn.Hardsigmoid': { call: (o) => new nn.Hardsigmoid(o) },
  'nn.Hardtanh': { call: (o) => new nn.Hardtanh(o), snake: 'min_val' },
  'nn.ReLU6': { call: (o) => new nn.ReLU6(o) },
  'nn.ELU': { call: (o) => new nn.ELU(o) },
  'nn.SELU': { call: (o) => new nn.SELU(o) },
  'nn.CELU': { call: (o) => new nn.CELU(o) },
  'nn.Softshrink': { call: (o) => new nn.Softshrink(o) },
  'nn.Hardshrink': { call: (o) => new nn.Hardshrink(o) },
  'nn.Threshold': { call: (o) => new nn.Threshold(0, 0, o) },
  'nn.PReLU': { call: (o) => new nn.PReLU(o), snake: 'num_parameters' },
  'nn.RReLU': { call: (o) => new nn.RReLU(o) },
  'nn.GLU': { call: (o) => new nn.GLU(o) },
  'nn.Softmin': { call: (o) => new nn.Softmin(o) },
  // normalization and distances (src/ops/normalization-more.ts, src/ops/distance.ts)
  'F.groupNorm': { call: (o) => F.groupNorm(x4(), 2, o) },
  'F.instanceNorm': { call: (o) => F.instanceNorm(x4(), o), snake: 'use_input_stats' },
  'F.localResponseNorm': { call: (o) => F.localResponseNorm(x4(), 2, o) },
  'F.rmsNorm': { call: (o) => F.rmsNorm(x4(), [5], o) },
  'F.normalize': { call: (o) => F.normalize(x4(), o) },
  'F.cosineSimilarity': { call: (o) => F.cosineSimilarity(ones(2, 3), ones(2, 3), o) },
  'F.pairwiseDistance': { call: (o) => F.pairwiseDistance(ones(2, 3), zeros(2, 3), o) },
  'F.oneHot': { call: (o) => F.oneHot(labels(), o), snake: 'num_classes' },
  'F.embeddingBag': { call: (o) => F.embeddingBag(tensor([[0, 1]], { dtype: 'int32' }), randn(5, 2), o), snake: 'padding_idx' },
  'nn.GroupNorm': { call: (o) => new nn.GroupNorm(1, 2, o) },
  'nn.InstanceNorm1d': { call: (o) => new nn.InstanceNorm1d(3, o), snake: 'track_running_stats' },
  'nn.InstanceNorm2d': { call: (o) => new nn.InstanceNorm2d(3, o), snake: 'track_running_stats' },
  'nn.LocalResponseNorm': { call: (o) => new nn.LocalResponseNorm(2, o) },
  'nn.RMSNorm': { call: (o) => new nn.RMSNorm(3, o), snake: 'elementwise_affine' },
  'nn.CosineSimilarity': { call: (o) => new nn.CosineSimilarity(o) },
  'nn.PairwiseDistance': { call: (o) => new nn.PairwiseDistance(o) },
  'nn.EmbeddingBag': { call: (o) => new nn.EmbeddingBag(5, 2, o), snake: 'padding_idx' },
  // losses (src/ops/loss-more.ts)
  'F.smoothL1Loss': { call: (o) => F.smoothL1Loss(ones(2), zeros(2), o) },
  'F.huberLoss': { call: (o) => F.huberLoss(ones(2), zeros(2), o) },
  'F.binaryCrossEntropy': { call: (o) => F.binaryCrossEntropy(ones(2).mul(0.5), ones(2), o) },
  'F.klDiv': { call: (o) => F.klDiv(ones(2).neg(), ones(2).mul(0.5), o), snake: 'log_target' },
  'F.poissonNllLoss': { call: (o) => F.poissonNllLoss(ones(2), ones(2), o), snake: 'log_input' },
  'F.gaussianNllLoss': { call: (o) => F.gaussianNllLoss(ones(2), zeros(2), ones(2), o) },
  'F.cosineEmbeddingLoss': { call: (o) => F.cosineEmbeddingLoss(ones(2, 3), randn(2, 3), ones(2), o) },
  'F.marginRankingLoss': { call: (o) => F.marginRankingLoss(ones(2), zeros(2), ones(2), o) },
  'F.hingeEmbeddingLoss': { call: (o) => F.hingeEmbeddingLoss(ones(2), ones(2), o) },
  'F.tripletMarginLoss': { call: (o) => F.tripletMarginLoss(ones(2, 3), zeros(2, 3), randn(2, 3), o) },
  'F.multiMarginLoss': { call: (o) => F.multiMarginLoss(logits(), labels(), o) },
  'F.multilabelMarginLoss': { call: (o) => F.multilabelMarginLoss(logits(), tensor([[0, -1, 0, 0], [1, 2, -1, 0], [3, 0, 1, 2]], { dtype: 'int32' }), o) },
  'F.multilabelSoftMarginLoss': { call: (o) => F.multilabelSoftMarginLoss(logits(), ones(3, 4), o) },
  'F.softMarginLoss': { call: (o) => F.softMarginLoss(ones(2), ones(2), o) },
  'F.ctcLoss': { call: (o) => F.ctcLoss(randn(3, 1, 4).logSoftmax(2), tensor([[1]], { dtype: 'int32' }), [3], [1], o), snake: 'zero_infinity' },
  'nn.SmoothL1Loss': { call: (o) => new nn.SmoothL1Loss(o) },
  'nn.HuberLoss': { call: (o) => new nn.HuberLoss(o) },
  'nn.BCELoss': { call: (o) => new nn.BCELoss(o) },
  'nn.KLDivLoss': { call: (o) => new nn.KLDivLoss(o), snake: 'log_target' },
  'nn.PoissonNLLLoss': { call: (o) => new nn.PoissonNLLLoss(o), snake: 'log_input' },
  'nn.GaussianNLLLoss': { call: (o) => new nn.GaussianNLLLoss(o) },
  'nn.CosineEmbeddingLoss': { call: (o) => new nn.CosineEmbeddingLoss(o) },
  'nn.MarginRankingLoss': { call: (o) => new nn.MarginRankingLoss(o) },
  'nn.HingeEmbeddingLoss': { call: (o) => new nn.HingeEmbeddingLoss(o) },
  'nn.TripletMarginLoss': { call: (o) => new nn.TripletMarginLoss(o) },
  'nn.MultiMarginLoss': { call: (o) => new nn.MultiMarginLoss(o) },
  'nn.MultiLabelMarginLoss': { call: (o) => new nn.MultiLabelMarginLoss(o) },
  'nn.MultiLabelSoftMarginLoss': { call: (o) => new nn.MultiLabelSoftMarginLoss(o) },
  'nn.SoftMarginLoss': { call: (o) => new nn.SoftMarginLoss(o) },
  'nn.CTCLoss': { call: (o) => new nn.CTCLoss(o), snake: 'zero_infinity' },
  // convolution (src/ops/conv-more.ts)
  'F.conv1d': { call: (o) => F.conv1d(randn(1, 2, 5), randn(3, 2, 3), null, o) },
  'F.convTranspose1d': { call: (o) => F.convTranspose1d(randn(1, 2, 5), randn(2, 3, 3), null, o), snake: 'output_padding' },
  'F.convTranspose2d': { call: (o) => F.convTranspose2d(x4(), randn(2, 3, 3, 3), null, o), snake: 'output_padding' },
  'F.unfold': { call: (o) => F.unfold(x4(), 2, o) },
  'F.fold': { call: (o) => F.fold(randn(1, 8, 16), 5, 2, o) },
  'nn.Conv1d': { call: (o) => new nn.Conv1d(2, 3, 3, o), snake: 'padding_mode' },
  'nn.ConvTranspose1d': { call: (o) => new nn.ConvTranspose1d(2, 3, 3, o), snake: 'output_padding' },
  'nn.ConvTranspose2d': { call: (o) => new nn.ConvTranspose2d(2, 3, 3, o), snake: 'output_padding' },
  'nn.Unfold': { call: (o) => new nn.Unfold(2, o) },
  'nn.Fold': { call: (o) => new nn.Fold(5, 2, o) },
  // pooling and resampling (src/ops/pool-more.ts, src/ops/resample.ts)
  'F.maxPool1d': { call: (o) => F.maxPool1d(randn(1, 2, 5), 2, o), snake: 'ceil_mode' },
  'F.avgPool1d': { call: (o) => F.avgPool1d(randn(1, 2, 5), 2, o), snake: 'count_include_pad' },
  'F.adaptiveMaxPool1d': { call: (o) => F.adaptiveMaxPool1d(randn(1, 2, 5), 2, o), snake: 'return_indices' },
  'F.adaptiveMaxPool2d': { call: (o) => F.adaptiveMaxPool2d(x4(), 2, o), snake: 'return_indices' },
  'F.lpPool1d': { call: (o) => F.lpPool1d(randn(1, 2, 5), 2, 2, o), snake: 'ceil_mode' },
  'F.lpPool2d': { call: (o) => F.lpPool2d(x4(), 2, 2, o), snake: 'ceil_mode' },
  'F.maxUnpool1d': { call: (o) => { const [y, i] = F.maxPool1d(randn(1, 2, 4), 2, { returnIndices: true }); return F.maxUnpool1d(y, i, 2, o); }, snake: 'output_size' },
  'F.maxUnpool2d': { call: (o) => { const [y, i] = F.maxPool2d(randn(1, 2, 4, 4), 2, { returnIndices: true }); return F.maxUnpool2d(y, i, 2, o); }, snake: 'output_size' },
  'F.pad': { call: (o) => F.pad(x4(), [1, 1], o) },
  'F.interpolate': { call: (o) => F.interpolate(x4(), 3, o), snake: 'align_corners' },
  'nn.MaxPool1d': { call: (o) => new nn.MaxPool1d(2, o), snake: 'ceil_mode' },
  'nn.AvgPool1d': { call: (o) => new nn.AvgPool1d(2, o), snake: 'count_include_pad' },
  'nn.AdaptiveMaxPool1d': { call: (o) => new nn.AdaptiveMaxPool1d(2, o), snake: 'return_indices' },
  'nn.AdaptiveMaxPool2d': { call: (o) => new nn.AdaptiveMaxPool2d(2, o), snake: 'return_indices' },
  'nn.LPPool1d': { call: (o) => new nn.LPPool1d(2, 2, o), snake: 'ceil_mode' },
  'nn.LPPool2d': { call: (o) => new nn.LPPool2d(2, 2, o), snake: 'ceil_mode' },
  'nn.MaxUnpool1d': { call: (o) => new nn.MaxUnpool1d(2, o) },
  'nn.MaxUnpool2d': { call: (o) => new nn.MaxUnpool2d(2, o) },
  'nn.Upsample': { call: (o) => new nn.Upsample(null, 2, o), snake: 'align_corners' },
  'nn.UpsamplingNearest2d': { call: (o) => new nn.UpsamplingNearest2d(null, 2, o), snake: 'scale_factor' },
  'nn.UpsamplingBilinear2d': { call: (o) => new nn.UpsamplingBilinear2d(null, 2, o), snake: 'scale_factor' },
  // attention (src/ops/attention.ts)
  'F.scaledDotProductAttention': { call: (o) => F.scaledDotProductAttention(ones(2, 3), ones(4, 3), ones(4, 2), o), snake: 'is_causal' },
  // transformers (src/nn/layers/transformer.ts)
  'nn.MultiheadAttention': { call: (o) => new nn.MultiheadAttention(4, 2, o), snake: 'add_bias_kv' },
  'nn.TransformerEncoderLayer': { call: (o) => new nn.TransformerEncoderLayer(4, 2, o), snake: 'dim_feedforward' },
  'nn.TransformerDecoderLayer': { call: (o) => new nn.TransformerDecoderLayer(4, 2, o), snake: 'norm_first' },
  'nn.TransformerEncoder': { call: (o) => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, 8), 1, o), snake: 'enable_nested_tensor' },
  'nn.TransformerDecoder': { call: (o) => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, 8), 1, o) },
  'nn.Transformer': { call: (o) => new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8, ...o }), snake: 'layer_norm_eps' },
  // recurrent (src/ops/rnn.ts, src/nn/layers/rnn.ts)
  'nn.RNN': { call: (o) => new nn.RNN(3, 4, o), snake: 'batch_first' },
  'nn.LSTM': { call: (o) => new nn.LSTM(3, 4, o), snake: 'proj_size' },
  'nn.GRU': { call: (o) => new nn.GRU(3, 4, 1, o), snake: 'batch_first' },
  'nn.RNNCell': { call: (o) => new nn.RNNCell(3, 4, o) },
  'nn.LSTMCell': { call: (o) => new nn.LSTMCell(3, 4, o) },
  'nn.GRUCell': { call: (o) => new nn.GRUCell(3, 4, true, o) },
  'nn.utils.rnn.padSequence': { call: (o) => nn.utils.rnn.padSequence([ones(2, 3), ones(1, 3)], o), snake: 'batch_first' },
  'nn.utils.rnn.packPaddedSequence': { call: (o) => nn.utils.rnn.packPaddedSequence(ones(2, 2, 3), [2, 1], o), snake: 'enforce_sorted' },
  'nn.utils.rnn.padPackedSequence': { call: (o) => nn.utils.rnn.padPackedSequence(nn.utils.rnn.packSequence([ones(2, 3), ones(1, 3)]), o), snake: 'total_length' },
  'nn.utils.rnn.packSequence': { call: (o) => nn.utils.rnn.packSequence([ones(2, 3), ones(1, 3)], o), snake: 'enforce_sorted' },
  'nn.utils.rnn.unpadSequence': { call: (o) => nn.utils.rnn.unpadSequence(ones(2, 2, 3), [2, 1], o), snake: 'batch_first' },
  // Module, containers, init, utils (src/nn)
  'nn.utils.clipGradNorm_': { call: (o) => nn.utils.clipGradNorm_(params(), 1, o), snake: 'error_if_nonfinite' },
  'nn.utils.clipGradValue_': { call: (o) => nn.utils.clipGradValue_(params(), 1, o) },
  // optimizers and schedulers (src/optim)
  'optim.Adagrad': { call: (o) => new optim.Adagrad(params(), 0.1, o), snake: 'lr_decay' },
  'optim.Adadelta': { call: (o) => new optim.Adadelta(params(), 1, o), snake: 'weight_decay' },
  'optim.Adamax': { call: (o) => new optim.Adamax(params(), 0.1, o), snake: 'weight_decay' },
  'optim.NAdam': { call: (o) => new optim.NAdam(params(), 0.1, o), snake: 'momentum_decay' },
  'optim.RAdam': { call: (o) => new optim.RAdam(params(), 0.1, o), snake: 'decoupled_weight_decay' },
  'optim.LBFGS': { call: (o) => new optim.LBFGS(params(), 1, o), snake: 'max_iter' },
  'optim.lrScheduler.LambdaLR': { call: (o) => new optim.lrScheduler.LambdaLR(sgd(), () => 1, o), snake: 'last_epoch' },
  'optim.lrScheduler.MultiplicativeLR': { call: (o) => new optim.lrScheduler.MultiplicativeLR(sgd(), () => 0.9, o), snake: 'last_epoch' },
  'optim.lrScheduler.ConstantLR': { call: (o) => new optim.lrScheduler.ConstantLR(sgd(), o), snake: 'total_iters' },
  'optim.lrScheduler.PolynomialLR': { call: (o) => new optim.lrScheduler.PolynomialLR(sgd(), o), snake: 'total_iters' },
  'optim.lrScheduler.CosineAnnealingWarmRestarts': { call: (o) => new optim.lrScheduler.CosineAnnealingWarmRestarts(sgd(), 2, o), snake: 'eta_min' },
  'optim.lrScheduler.CyclicLR': { call: (o) => new optim.lrScheduler.CyclicLR(sgd(), 0.01, 0.1, o), snake: 'step_size_up' },
  'optim.lrScheduler.ReduceLROnPlateau': { call: (o) => new optim.lrScheduler.ReduceLROnPlateau(sgd(), o), snake: 'threshold_mode' },
  'optim.lrScheduler.SequentialLR': {
    call: (o) => { const opt = sgd(); return new optim.lrScheduler.SequentialLR(opt, [new optim.lrScheduler.ConstantLR(opt), new optim.lrScheduler.ExponentialLR(opt, 0.9)], [2], o); },
    snake: 'last_epoch',
  },
  // onnx (src/onnx)
  'onnx.export': { call: (o) => W.onnx.export(new nn.Linear(2, 1), randn(1, 2), o), snake: 'input_names' },
  // Tensor methods with options
  'Tensor.div': { call: (o) => ones(2).div(2, o), snake: 'rounding_mode' },
  'Tensor.div_': { call: (o) => ones(2).div_(2, o), snake: 'rounding_mode' },
  'Tensor.clamp': { call: (o) => ones(2).clamp({ max: 1, ...o }) },
  'Tensor.clamp_': { call: (o) => ones(2).clamp_({ max: 1, ...o }) },
  'Tensor.sum': { call: (o) => ones(2).sum(0, o) },
  'Tensor.mean': { call: (o) => ones(2).mean(0, o) },
  'Tensor.max': { call: (o) => ones(2, 2).max(0, o) },
  'Tensor.min': { call: (o) => ones(2, 2).min(0, o) },
  'Tensor.round': { call: (o) => ones(2).round(o) },
  'Tensor.round_': { call: (o) => ones(2).round_(o) },
  'Tensor.softmax': { call: (o) => ones(2).softmax(0, o) },
  'Tensor.logSoftmax': { call: (o) => ones(2).logSoftmax(0, o) },
  'Tensor.clone': { call: (o) => ones(2).clone(o), snake: 'memory_format' },
  'Tensor.backward': { call: (o) => ones(1, { requiresGrad: true }).mul(2).sum().backward(o), snake: 'retain_graph' },
};

/** Exports that take no options object (positional arguments only, or none). */
const NO_OPTIONS = new Set(`
  Generator SafetensorsError Tensor abs add amax amin argmax argmin backendInfo bmm cat ceil contiguous detectAnomaly
  enableGrad eq erf exp expand expandAs flatten floor floorDivide fmod frac gather ge getBackend getNumThreads gt
  indexSelect isAnomalyEnabled isGradEnabled le loadMetadata log lt manualSeed matmul maximum memory minimum mm mul
  narrow ne neg noGrad permute pow readSafetensorsHeader readSafetensorsMetadata relu remainder reshape select setBackend
  setDetectAnomaly setNumThreads sigmoid sqrt squeeze stack sub t tanh transpose trunc unsqueeze view where
  optimizerStateFromSafetensors optimizerStateToSafetensors schedulerStateFromSafetensors schedulerStateToSafetensors
  F.erf F.leakyRelu F.relu F.sigmoid F.tanh
  nn.BatchNorm nn.Flatten nn.Identity nn.LogSoftmax nn.Softmax nn.Module nn.ModuleList nn.Parameter nn.Sequential nn.Sigmoid nn.Tanh
  nn.init.calculateFanInAndFanOut nn.init.calculateGain nn.init.constant_ nn.init.normal_ nn.init.ones_ nn.init.uniform_
  nn.init.xavierNormal_ nn.init.xavierUniform_ nn.init.zeros_
  optim.Optimizer optim.lrScheduler.LRScheduler data.Subset data.TensorDataset
  Tensor.ndim Tensor.numel Tensor.size Tensor.ptr Tensor.isContiguous Tensor.isLeaf Tensor.gradFn Tensor.requiresGrad
  Tensor.requiresGrad_ Tensor.grad Tensor.retainGrad Tensor.detach Tensor.detach_ Tensor.data Tensor.dispose Tensor.isDisposed
  Tensor.item Tensor.toArray Tensor.tolist Tensor.toString Tensor.to Tensor.float Tensor.int Tensor.bool Tensor.contiguous
  Tensor.add Tensor.sub Tensor.mul Tensor.floorDivide Tensor.remainder Tensor.fmod Tensor.pow Tensor.maximum Tensor.minimum
  Tensor.eq Tensor.ne Tensor.gt Tensor.lt Tensor.ge Tensor.le Tensor.neg Tensor.exp Tensor.log Tensor.sqrt Tensor.abs
  Tensor.relu Tensor.sigmoid Tensor.tanh Tensor.erf Tensor.floor Tensor.ceil Tensor.trunc Tensor.frac Tensor.where
  Tensor.zero_ Tensor.fill_ Tensor.copy_ Tensor.add_ Tensor.sub_ Tensor.mul_ Tensor.floorDivide_ Tensor.remainder_
  Tensor.fmod_ Tensor.floor_ Tensor.ceil_ Tensor.trunc_ Tensor.amax Tensor.amin Tensor.argmax Tensor.argmin
  Tensor.reshape Tensor.view Tensor.flatten Tensor.squeeze Tensor.unsqueeze Tensor.expand Tensor.expandAs Tensor.transpose
  Tensor.permute Tensor.t Tensor.T Tensor.narrow Tensor.select Tensor.indexSelect Tensor.gather Tensor.matmul Tensor.mm Tensor.bmm
  # math (src/ops/math.ts)
  log1p expm1 log2 log10 exp2 sin cos tan asin acos atan sinh cosh asinh acosh atanh erfc erfinv sign sgn reciprocal rsqrt square lgamma digamma signbit
  Tensor.log1p Tensor.expm1 Tensor.log2 Tensor.log10 Tensor.exp2 Tensor.sin Tensor.cos Tensor.tan Tensor.asin Tensor.acos Tensor.atan Tensor.sinh Tensor.cosh Tensor.asinh Tensor.acosh Tensor.atanh Tensor.erfc Tensor.erfinv Tensor.sign Tensor.sgn Tensor.reciprocal Tensor.rsqrt Tensor.square Tensor.lgamma Tensor.digamma Tensor.signbit
  Tensor.log1p_ Tensor.expm1_ Tensor.log2_ Tensor.log10_ Tensor.exp2_ Tensor.sin_ Tensor.cos_ Tensor.tan_ Tensor.asin_ Tensor.acos_ Tensor.atan_ Tensor.sinh_ Tensor.cosh_ Tensor.asinh_ Tensor.acosh_ Tensor.atanh_ Tensor.erfc_ Tensor.erfinv_ Tensor.sign_ Tensor.sgn_ Tensor.reciprocal_ Tensor.rsqrt_ Tensor.square_ Tensor.lgamma_ Tensor.digamma_
  # binary-math (src/ops/binary-math.ts)
  lerp atan2 hypot copysign xlogy logicalAnd logicalOr logicalXor logicalNot bitwiseAnd bitwiseOr bitwiseXor bitwiseNot
  isnan isinf isposinf isneginf isfinite equal
  Tensor.lerp Tensor.lerp_ Tensor.atan2 Tensor.atan2_ Tensor.hypot Tensor.hypot_ Tensor.copysign Tensor.copysign_
  Tensor.xlogy Tensor.xlogy_ Tensor.logicalAnd Tensor.logicalAnd_ Tensor.logicalOr Tensor.logicalOr_ Tensor.logicalXor
  Tensor.logicalXor_ Tensor.logicalNot Tensor.logicalNot_ Tensor.bitwiseAnd Tensor.bitwiseAnd_ Tensor.bitwiseOr
  Tensor.bitwiseOr_ Tensor.bitwiseXor Tensor.bitwiseXor_ Tensor.bitwiseNot Tensor.bitwiseNot_ Tensor.isnan Tensor.isinf
  Tensor.isposinf Tensor.isneginf Tensor.isfinite Tensor.equal
  # reduce-more (src/ops/reduce-more.ts)
  cummax cummin logcumsumexp countNonzero Tensor.cummax Tensor.cummin Tensor.logcumsumexp Tensor.countNonzero
  # shape (src/ops/shape.ts)
  movedim moveaxis unflatten broadcastTo broadcastTensors repeat tile flip fliplr flipud hstack vstack dstack columnStack viewAs reshapeAs
  swapaxes swapdims atleast1d atleast2d atleast3d
  Tensor.movedim Tensor.moveaxis Tensor.unflatten Tensor.broadcastTo Tensor.viewAs Tensor.reshapeAs Tensor.swapaxes Tensor.swapdims
  Tensor.repeat Tensor.tile Tensor.flip Tensor.fliplr Tensor.flipud
  # creation-random (src/ops/creation-random.ts)
  tril triu diag diagEmbed Tensor.tril Tensor.triu Tensor.tril_ Tensor.triu_ Tensor.diag Tensor.diagEmbed
  # indexing-more (src/ops/indexing-more.ts)
  maskedFill maskedSelect maskedScatter scatterAdd indexCopy indexFill argwhere take takeAlongDim
  Tensor.maskedFill Tensor.maskedFill_ Tensor.maskedSelect Tensor.maskedScatter Tensor.maskedScatter_ Tensor.scatterAdd Tensor.scatterAdd_
  Tensor.indexCopy Tensor.indexCopy_ Tensor.indexFill Tensor.indexFill_ Tensor.argwhere Tensor.take Tensor.takeAlongDim
  index indexSet_ slice Tensor.index Tensor.indexSet_
  # linalg (src/ops/linalg.ts)
  dot vdot mv outer inner multiDot chainMatmul trace tensordot kron cross einsum
  linalg.inv linalg.det linalg.slogdet linalg.multiDot linalg.svdvals
  Tensor.dot Tensor.vdot Tensor.mv Tensor.outer Tensor.inner Tensor.trace Tensor.kron Tensor.cross Tensor.det Tensor.inverse Tensor.slogdet
  # activations (src/ops/activation-more.ts)
  F.softsign F.tanhshrink F.logsigmoid F.prelu F.selu_ F.threshold_ nn.Softsign nn.Tanhshrink nn.LogSigmoid nn.Softmax2d
  # normalization and distances (src/ops/normalization-more.ts, src/ops/distance.ts)
  nn.InstanceNorm
  # pooling and resampling (src/ops/pool-more.ts, src/ops/resample.ts)
  F.adaptiveAvgPool1d F.adaptiveAvgPool2d F.pixelShuffle F.pixelUnshuffle nn.AdaptiveAvgPool1d nn.AdaptiveAvgPool2d nn.PixelShuffle nn.PixelUnshuffle
  nn.ZeroPad1d nn.ZeroPad2d nn.ZeroPad3d nn.ConstantPad1d nn.ConstantPad2d nn.ConstantPad3d nn.ReflectionPad1d nn.ReflectionPad2d nn.ReflectionPad3d
  nn.ReplicationPad1d nn.ReplicationPad2d nn.ReplicationPad3d nn.CircularPad1d nn.CircularPad2d nn.CircularPad3d
  # recurrent (src/ops/rnn.ts, src/nn/layers/rnn.ts)
  nn.RNNBase nn.RNNCellBase nn.utils.rnn.PackedSequence nn.utils.rnn.unpackSequence
  # Module, containers, init, utils (src/nn)
  nn.ModuleDict nn.ParameterList nn.ParameterDict nn.Unflatten nn.init.truncNormal_ nn.init.orthogonal_ nn.init.sparse_ nn.init.dirac_
  nn.init.eye_ nn.utils.parametersToVector nn.utils.vectorToParameters
  # optimizers and schedulers (src/optim)
  optim.lrScheduler.ChainedScheduler
  # onnx (src/onnx)
  onnx.isTracing
`.split('\n').filter((line) => !line.trim().startsWith('#')).join(' ').split(/\s+/).filter(Boolean)); // '#' lines are comments

/** Every exported function and class (namespaces walked; nn.functional is F) and every public Tensor member. */
function exportedNames(): string[] {
  const names: string[] = [];
  const walk = (obj: object, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (prefix === 'nn.' && k === 'functional') continue; // the same object as F
      if (typeof v === 'function') names.push(prefix + k);
      else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) walk(v, `${prefix}${k}.`);
    }
  };
  walk(W, '');
  for (const k of Object.getOwnPropertyNames(Tensor.prototype)) if (k !== 'constructor' && !k.startsWith('_')) names.push(`Tensor.${k}`);
  return names;
}

/** The error a call throws (or its promise rejects with), undefined when it succeeds. */
async function attempt(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('every public API validates its options', () => {
  it('every export is listed, with a sample call or as taking no options', () => {
    const missing = exportedNames().filter((n) => !(n in SAMPLES) && !NO_OPTIONS.has(n));
    expect(missing, 'add these to SAMPLES (with an options object) or NO_OPTIONS in test/api-options.test.ts').toEqual([]);
    const stale = [...Object.keys(SAMPLES), ...NO_OPTIONS].filter((n) => !exportedNames().includes(n));
    expect(stale, 'listed but not exported').toEqual([]);
  });
  for (const [name, s] of Object.entries(SAMPLES)) {
    const short = name.replace(/^(F|nn|optim|data|Tensor|lrScheduler|init)\./, '').replace(/^(lrScheduler|init)\./, '');
    it(`${name}: valid options pass, an unknown key throws naming it`, async () => {
      expect(await attempt(() => s.call({}))).toBeUndefined();
      const err = await attempt(() => s.call({ notAnOption: 1 }));
      expect(err, `${name} accepted an unknown option`).toBeInstanceOf(TypeError);
      const msg = (err as Error).message;
      expect(msg).toContain('notAnOption');
      expect(msg.toLowerCase(), `the message names ${short}`).toContain(short.replace(/_$/, '').toLowerCase().slice(0, 8));
      const snake = s.snake;
      if (snake !== undefined) {
        const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        const e = await attempt(() => s.call({ [snake]: 1 }));
        expect((e as Error | undefined)?.message, `${name}: ${snake}`).toMatch(new RegExp(`${snake}.*${camel}`));
      }
    });
  }
});
