/**
 * More loss functions with PyTorch's names, arguments and formulas (F.smooth_l1_loss ... F.ctc_loss):
 * the optional arguments positionally in PyTorch's order (the deprecated size_average and reduce throw)
 * or as an options object, alone or trailing. Reductions as in PyTorch: 'none' keeps the per-element (or
 * per-sample) losses, 'sum' adds them, 'mean' averages them (over elements for elementwise losses, over
 * samples for the per-sample ones). Everything but the CTC loss is composed from tensor ops, so its
 * gradient (with respect to every float argument) comes from autograd; the CTC loss is one autograd node
 * whose forward and backward run the alpha/beta recursions in float64.
 */
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { tensor } from '../tensor/creation.js';
import { broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import { describeValue, lossArgs, type PositionalOr, type Reduction } from './loss.js';

/** PyTorch's positional parameters after the required ones, per loss. */
export const LOSS_MORE_POSITIONAL = {
  smoothL1Loss: ['sizeAverage', 'reduce', 'reduction', 'beta'],
  huberLoss: ['reduction', 'delta'],
  binaryCrossEntropy: ['weight', 'sizeAverage', 'reduce', 'reduction'],
  klDiv: ['sizeAverage', 'reduce', 'reduction', 'logTarget'],
  poissonNllLoss: ['logInput', 'full', 'sizeAverage', 'eps', 'reduce', 'reduction'],
  gaussianNllLoss: ['full', 'eps', 'reduction'],
  cosineEmbeddingLoss: ['margin', 'sizeAverage', 'reduce', 'reduction'],
  marginRankingLoss: ['margin', 'sizeAverage', 'reduce', 'reduction'],
  hingeEmbeddingLoss: ['margin', 'sizeAverage', 'reduce', 'reduction'],
  tripletMarginLoss: ['margin', 'p', 'eps', 'swap', 'sizeAverage', 'reduce', 'reduction'],
  multiMarginLoss: ['p', 'margin', 'weight', 'sizeAverage', 'reduce', 'reduction'],
  multilabelMarginLoss: ['sizeAverage', 'reduce', 'reduction'],
  multilabelSoftMarginLoss: ['weight', 'sizeAverage', 'reduce', 'reduction'],
  softMarginLoss: ['sizeAverage', 'reduce', 'reduction'],
  ctcLoss: ['blank', 'reduction', 'zeroInfinity'],
} as const;

export interface ReductionOptions { reduction?: Reduction }
export interface SmoothL1LossOptions extends ReductionOptions { beta?: number }
export interface HuberLossOptions extends ReductionOptions { delta?: number }
export interface BCELossOptions extends ReductionOptions { weight?: Tensor | null }
export type KLDivReduction = Reduction | 'batchmean';
export interface KLDivOptions { reduction?: KLDivReduction; logTarget?: boolean }
export interface PoissonNLLLossOptions extends ReductionOptions { logInput?: boolean; full?: boolean; eps?: number }
export interface GaussianNLLLossOptions extends ReductionOptions { full?: boolean; eps?: number }
export interface MarginOptions extends ReductionOptions { margin?: number }
export interface TripletMarginLossOptions extends MarginOptions { p?: number; eps?: number; swap?: boolean }
export interface MultiMarginLossOptions extends MarginOptions { p?: number; weight?: Tensor | null }
export interface MultilabelSoftMarginLossOptions extends ReductionOptions { weight?: Tensor | null }
export interface CTCLossOptions extends ReductionOptions { blank?: number; zeroInfinity?: boolean }

type N = null;
export type ReductionArgs = PositionalOr<[sizeAverage: N, reduce: N, reduction: Reduction], ReductionOptions>;
export type SmoothL1LossArgs = PositionalOr<[sizeAverage: N, reduce: N, reduction: Reduction, beta: number], SmoothL1LossOptions>;
export type HuberLossArgs = PositionalOr<[reduction: Reduction, delta: number], HuberLossOptions>;
export type BCELossArgs = PositionalOr<[weight: Tensor | null, sizeAverage: N, reduce: N, reduction: Reduction], BCELossOptions>;
export type KLDivArgs = PositionalOr<[sizeAverage: N, reduce: N, reduction: KLDivReduction, logTarget: boolean], KLDivOptions>;
export type PoissonNLLLossArgs = PositionalOr<
  [logInput: boolean, full: boolean, sizeAverage: N, eps: number, reduce: N, reduction: Reduction], PoissonNLLLossOptions>;
export type GaussianNLLLossArgs = PositionalOr<[full: boolean, eps: number, reduction: Reduction], GaussianNLLLossOptions>;
export type MarginArgs = PositionalOr<[margin: number, sizeAverage: N, reduce: N, reduction: Reduction], MarginOptions>;
export type TripletMarginLossArgs = PositionalOr<
  [margin: number, p: number, eps: number, swap: boolean, sizeAverage: N, reduce: N, reduction: Reduction], TripletMarginLossOptions>;
export type MultiMarginLossArgs = PositionalOr<
  [p: number, margin: number, weight: Tensor | null, sizeAverage: N, reduce: N, reduction: Reduction], MultiMarginLossOptions>;
export type MultilabelSoftMarginLossArgs = PositionalOr<[weight: Tensor | null, sizeAverage: N, reduce: N, reduction: Reduction], MultilabelSoftMarginLossOptions>;
export type CTCLossArgs = PositionalOr<[blank: number, reduction: Reduction, zeroInfinity: boolean], CTCLossOptions>;

// ---------------------------------------------------------------- argument checks

function checkRed(r: unknown, op: string, batchmean = false): KLDivReduction {
  if (r === undefined) return 'mean';
  if (r === 'mean' || r === 'sum' || r === 'none' || (batchmean && r === 'batchmean')) return r;
  const allowed = batchmean ? "'mean', 'batchmean', 'sum' or 'none'" : "'mean', 'sum' or 'none'";
  throw new RangeError(`${op}: reduction must be ${allowed}, got ${typeof r === 'string' ? JSON.stringify(r) : describeValue(r)}`);
}

function floatTensor(v: unknown, op: string, name: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describeValue(v)}`);
  if (v.dtype !== 'float32') throw new TypeError(`${op}: ${name} must be a float32 Tensor, got dtype ${v.dtype}`);
  return v;
}

function intTensor(v: unknown, op: string, name: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describeValue(v)}`);
  if (v.dtype !== 'int32') throw new TypeError(`${op}: ${name} must hold int32 class indices, got dtype ${v.dtype} (use .int())`);
  return v;
}

/** A float32 or int32 target (±1 labels), as a float32 tensor. */
function labelTensor(v: unknown, op: string, name: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describeValue(v)}`);
  if (v.dtype === 'bool') throw new TypeError(`${op}: ${name} must be a float32 or int32 Tensor, got dtype bool`);
  return v.dtype === 'float32' ? v : v.float();
}

function optTensor(v: unknown, op: string, name: string): Tensor | null {
  if (v == null) return null;
  if (v instanceof Tensor) {
    if (v.dtype !== 'float32') throw new TypeError(`${op}: ${name} must be a float32 Tensor, got dtype ${v.dtype}`);
    return v;
  }
  const hint = v === 'mean' || v === 'sum' || v === 'none' ? `; did you mean { reduction: ${JSON.stringify(v)} }?` : '';
  throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}${hint}`);
}

function num(v: unknown, dflt: number, op: string, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${describeValue(v)}`);
  return v;
}

function bool(v: unknown, dflt: boolean, op: string, name: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

function same(a: Tensor, b: Tensor, op: string, an = 'input', bn = 'target'): void {
  if (!sameShape(a.shape, b.shape)) throw new RangeError(`${op}: ${bn} shape ${shapeStr(b.shape)} must be the same as ${an} shape ${shapeStr(a.shape)}`);
}

function broadcastable(t: Tensor, shape: readonly number[], op: string, name: string): void {
  let ok = false;
  try {
    ok = sameShape(broadcastShapes(t.shape, shape, op), shape);
  } catch {
    ok = false;
  }
  if (!ok) throw new RangeError(`${op}: ${name} shape ${shapeStr(t.shape)} does not broadcast to input shape ${shapeStr(shape)}`);
}

function reduceLoss(loss: Tensor, reduction: KLDivReduction): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  return loss.mean();
}

/**
 * log(sigmoid(x)) = -(max(-x, 0) + log1p(exp(-|x|))), stable for any x; gradient g * sigmoid(-x)
 * (written with tensor ops, so it is differentiable again).
 */
function logSigmoid(x: Tensor): Tensor {
  const out = noGrad(() => {
    const xd = x.detach();
    return xd.neg().relu().add(xd.abs().neg().exp().log1p()).neg();
  });
  return record(out, 'LogSigmoidBackward0', [x], [x], (g, [xx]) => [g.mul(xx!.neg().sigmoid())]);
}

// ---------------------------------------------------------------- elementwise regression losses

/**
 * Smooth L1: with d = input - target, 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is
 * the L1 loss). Arguments: (input, target, sizeAverage, reduce, reduction, beta) as PyTorch, or
 * { reduction, beta }; input and target of the same shape.
 * @example smoothL1Loss(pred, target, { beta: 0.5 })
 */
export function smoothL1Loss(input: Tensor, target: Tensor, ...args: SmoothL1LossArgs): Tensor {
  const op = 'smoothL1Loss';
  const o = lossArgs<SmoothL1LossOptions>(op, args, LOSS_MORE_POSITIONAL.smoothL1Loss);
  const reduction = checkRed(o.reduction, op);
  const beta = num(o.beta, 1, op, 'beta');
  if (beta < 0) throw new RangeError(`${op}: beta must be non-negative, got ${beta}`);
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  const d = input.sub(target);
  const ad = d.abs();
  if (beta === 0) return reduceLoss(ad, reduction);
  const loss = d.pow(2).mul(0.5 / beta).where(ad.lt(beta), ad.sub(0.5 * beta));
  return reduceLoss(loss, reduction);
}

/**
 * Huber: with d = input - target, 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); delta > 0.
 * Arguments: (input, target, reduction, delta) as PyTorch, or { reduction, delta }.
 * @example huberLoss(pred, target, 'sum', 2)
 */
export function huberLoss(input: Tensor, target: Tensor, ...args: HuberLossArgs): Tensor {
  const op = 'huberLoss';
  const o = lossArgs<HuberLossOptions>(op, args, LOSS_MORE_POSITIONAL.huberLoss);
  const reduction = checkRed(o.reduction, op);
  const delta = num(o.delta, 1, op, 'delta');
  if (!(delta > 0)) throw new RangeError(`${op}: delta must be positive, got ${delta}`);
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  const d = input.sub(target);
  const ad = d.abs();
  const loss = d.pow(2).mul(0.5).where(ad.lt(delta), ad.sub(0.5 * delta).mul(delta));
  return reduceLoss(loss, reduction);
}

/**
 * Binary cross-entropy of probabilities: -w (y max(log x, -100) + (1 - y) max(log(1 - x), -100)), with
 * PyTorch's clamp of the logs at -100; every input element must be in [0, 1]. Gradients as PyTorch's:
 * g w (x - y) / max(x (1 - x), 1e-12) for the input, g w (log(1 - x) - log x) for the target (infinite at
 * x = 0 or 1). Arguments: (input, target, weight, sizeAverage, reduce, reduction) or { weight, reduction };
 * weight broadcasts to the input's shape.
 * @example binaryCrossEntropy(probs, labels, { reduction: 'sum' })
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, ...args: BCELossArgs): Tensor {
  const op = 'binaryCrossEntropy';
  const o = lossArgs<BCELossOptions>(op, args, LOSS_MORE_POSITIONAL.binaryCrossEntropy);
  const weight = optTensor(o.weight, op, 'weight');
  const reduction = checkRed(o.reduction, op);
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: using a target size ${shapeStr(target.shape)} that is different to the input size ${shapeStr(input.shape)} is not supported`);
  }
  if (weight !== null) broadcastable(weight, input.shape, op, 'weight');
  const xs = input.toArray();
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${op}: all elements of input should be between 0 and 1, got ${v}`);
  }
  const logs = (x: Tensor) => [x.log().clamp(-100), x.neg().log1p().clamp(-100)] as const;
  const elementwise = noGrad(() => {
    const [lx, l1x] = logs(input.detach());
    const y = target.detach();
    return y.sub(1).mul(l1x).sub(y.mul(lx));
  });
  let loss = record(elementwise, 'BinaryCrossEntropyBackward0', [input, target], [input, target], (g, [x, y], needs) => {
    const gx = needs[0] ? g.mul(x!.sub(y!)).div(x!.mul(x!.neg().add(1)).clamp(1e-12)) : null;
    // PyTorch's -logit(x), without the clamp: +-inf at x = 0 or 1
    const gy = needs[1] ? g.mul(x!.neg().log1p().sub(x!.log())) : null;
    return [gx, gy];
  });
  if (weight !== null) loss = loss.mul(weight.detach());
  return reduceLoss(loss, reduction);
}

/**
 * Kullback-Leibler divergence with the input given as log-probabilities: target (log target - input)
 * (PyTorch's xlogy(target, target) - target input, 0 where target is 0), or with logTarget
 * exp(target) (target - input). reduction 'mean' averages over all elements, 'batchmean' divides the sum
 * by the batch size input.shape[0] (the mathematically correct KL divergence), 'sum', 'none'. Arguments:
 * (input, target, sizeAverage, reduce, reduction, logTarget) or { reduction, logTarget }.
 * @example klDiv(logSoftmax(x, 1), p, { reduction: 'batchmean' })
 */
export function klDiv(input: Tensor, target: Tensor, ...args: KLDivArgs): Tensor {
  const op = 'klDiv';
  const o = lossArgs<KLDivOptions>(op, args, LOSS_MORE_POSITIONAL.klDiv);
  const reduction = checkRed(o.reduction, op, true);
  const logTarget = bool(o.logTarget, false, op, 'logTarget');
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  const loss = logTarget ? target.exp().mul(target.sub(input)) : target.xlogy(target).sub(target.mul(input));
  if (reduction === 'batchmean') {
    const s = loss.sum();
    return input.ndim === 0 ? s : s.div(input.shape[0]!);
  }
  return reduceLoss(loss, reduction);
}

/**
 * Poisson negative log-likelihood: exp(input) - target input with logInput (default), else
 * input - target log(input + eps); with full, plus Stirling's approximation
 * target log(target) - target + 0.5 log(2 pi target) where target > 1. Arguments: (input, target,
 * logInput, full, sizeAverage, eps, reduce, reduction) or { logInput, full, eps, reduction }.
 * @example poissonNllLoss(logRate, counts, { full: true })
 */
export function poissonNllLoss(input: Tensor, target: Tensor, ...args: PoissonNLLLossArgs): Tensor {
  const op = 'poissonNllLoss';
  const o = lossArgs<PoissonNLLLossOptions>(op, args, LOSS_MORE_POSITIONAL.poissonNllLoss);
  const reduction = checkRed(o.reduction, op);
  const logInput = bool(o.logInput, true, op, 'logInput');
  const full = bool(o.full, false, op, 'full');
  const eps = num(o.eps, 1e-8, op, 'eps');
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  let loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(eps).log()));
  if (full) {
    const stirling = target.mul(target.log()).sub(target).add(target.mul(2 * Math.PI).log().mul(0.5));
    loss = loss.add(stirling.where(target.gt(1), 0));
  }
  return reduceLoss(loss, reduction);
}

/**
 * Gaussian negative log-likelihood: 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)), plus
 * 0.5 log(2 pi) with full. var has the input's shape, or it without its last dim, or with a last dim of 1
 * (PyTorch's rules); it must not be negative; a number is a constant var. As PyTorch, the clamp at eps does
 * not stop var's gradient. Arguments: (input, target, var, full, eps, reduction) or { full, eps, reduction }.
 * @example gaussianNllLoss(mu, y, sigma2, { eps: 1e-4 })
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor | number, ...args: GaussianNLLLossArgs): Tensor {
  const op = 'gaussianNllLoss';
  const o = lossArgs<GaussianNLLLossOptions>(op, args, LOSS_MORE_POSITIONAL.gaussianNllLoss);
  const reduction = checkRed(o.reduction, op);
  const full = bool(o.full, false, op, 'full');
  const eps = num(o.eps, 1e-6, op, 'eps');
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  let v = typeof variance === 'number' ? tensor([variance]).reshape([]) : floatTensor(variance, op, 'var');
  if (typeof variance === 'number') v = v.expand([...input.shape]);
  if (!sameShape(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (input.ndim > 0 && sameShape(v.shape, lead)) v = v.unsqueeze(-1);
    else if (input.ndim > 0 && v.ndim === input.ndim && sameShape(v.shape.slice(0, -1), lead) && v.shape[v.ndim - 1] === 1) { /* broadcasts */ }
    else throw new RangeError(`${op}: var is of incorrect size ${shapeStr(v.shape)} for input shape ${shapeStr(input.shape)} (expected the input's shape, it without the last dim, or a last dim of 1)`);
  }
  const vs = v.toArray();
  for (let i = 0; i < vs.length; i++) if (vs[i]! < 0) throw new RangeError(`${op}: var has negative entry/entries`);
  // clamp without a gradient of its own (PyTorch clamps a clone in place under no_grad)
  const vc = v.add(noGrad(() => v.detach().clamp(eps).sub(v.detach())));
  let loss = vc.log().add(input.sub(target).pow(2).div(vc)).mul(0.5);
  if (full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduceLoss(loss, reduction);
}

// ---------------------------------------------------------------- margin and embedding losses

/**
 * Cosine embedding loss of input1, input2 [N, D] ([D]) with labels y [N] (0-d) of ±1 (float32 or int32):
 * 1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1, 0 otherwise, with
 * cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12) (sum(x2^2) + 1e-12)) (PyTorch's formula). 'mean' averages
 * over N. Arguments: (input1, input2, target, margin, sizeAverage, reduce, reduction) or { margin, reduction }.
 * @example cosineEmbeddingLoss(a, b, tensor([1, -1]), { margin: 0.2 })
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const op = 'cosineEmbeddingLoss';
  const o = lossArgs<MarginOptions>(op, args, LOSS_MORE_POSITIONAL.cosineEmbeddingLoss);
  const reduction = checkRed(o.reduction, op);
  const margin = num(o.margin, 0, op, 'margin');
  floatTensor(input1, op, 'input1');
  floatTensor(input2, op, 'input2');
  const y = labelTensor(target, op, 'target');
  if (y.ndim > 1) throw new RangeError(`${op}: 0D or 1D target tensor expected, multi-target not supported (got shape ${shapeStr(y.shape)})`);
  const want = y.ndim + 1;
  if (input1.ndim !== want || input2.ndim !== want) {
    throw new RangeError(`${op}: ${y.ndim}D target tensor expects ${want}D input tensors, but found inputs with sizes ${shapeStr(input1.shape)} and ${shapeStr(input2.shape)}`);
  }
  same(input1, input2, op, 'input1', 'input2');
  if (y.ndim === 1 && y.shape[0] !== input1.shape[0]) throw new RangeError(`${op}: target shape ${shapeStr(y.shape)} does not match the batch size ${input1.shape[0]}`);
  const d = y.ndim;
  const prod = input1.mul(input2).sum(d);
  const m1 = input1.mul(input1).sum(d).add(1e-12);
  const m2 = input2.mul(input2).sum(d).add(1e-12);
  const cos = prod.div(m1.mul(m2).sqrt());
  const pos = cos.neg().add(1).where(y.eq(1), 0);
  const neg = cos.sub(margin).clamp(0).where(y.eq(-1), 0);
  return reduceLoss(pos.add(neg), reduction);
}

/**
 * Margin ranking loss: max(0, -y (x1 - x2) + margin), elementwise over the broadcast shape (x1, x2 and y of
 * the same number of dims). Arguments: (input1, input2, target, margin, sizeAverage, reduce, reduction) or
 * { margin, reduction }.
 * @example marginRankingLoss(s1, s2, tensor([1, -1, 1]), { margin: 0.1 })
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const op = 'marginRankingLoss';
  const o = lossArgs<MarginOptions>(op, args, LOSS_MORE_POSITIONAL.marginRankingLoss);
  const reduction = checkRed(o.reduction, op);
  const margin = num(o.margin, 0, op, 'margin');
  floatTensor(input1, op, 'input1');
  floatTensor(input2, op, 'input2');
  const y = labelTensor(target, op, 'target');
  if (input1.ndim !== input2.ndim || input1.ndim !== y.ndim) {
    throw new RangeError(`${op}: all input tensors should have same dimension but got sizes: input1: ${shapeStr(input1.shape)}, input2: ${shapeStr(input2.shape)}, target: ${shapeStr(y.shape)}`);
  }
  broadcastShapes(broadcastShapes(input1.shape, input2.shape, op), y.shape, op);
  const loss = y.neg().mul(input1.sub(input2)).add(margin).clamp(0);
  return reduceLoss(loss, reduction);
}

/**
 * Hinge embedding loss: x where y == 1, max(0, margin - x) where y == -1 (PyTorch's formula: the first
 * term where y != -1, the second where y != 1). Arguments: (input, target, margin, sizeAverage, reduce,
 * reduction) or { margin, reduction }.
 * @example hingeEmbeddingLoss(dist, tensor([1, -1]), { margin: 2 })
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, ...args: MarginArgs): Tensor {
  const op = 'hingeEmbeddingLoss';
  const o = lossArgs<MarginOptions>(op, args, LOSS_MORE_POSITIONAL.hingeEmbeddingLoss);
  const reduction = checkRed(o.reduction, op);
  const margin = num(o.margin, 1, op, 'margin');
  floatTensor(input, op, 'input');
  const y = labelTensor(target, op, 'target');
  same(input, y, op);
  const marginTerm = input.neg().add(margin).clamp(0).where(y.ne(1), 0);
  const selfTerm = input.where(y.ne(-1), 0);
  return reduceLoss(marginTerm.add(selfTerm), reduction);
}

/**
 * Triplet margin loss: max(0, margin + d(a, p) - d(a, n)) with d(x, y) = ||x - y + eps||_p over the last
 * dim (PyTorch's pairwise_distance); with swap, d(a, n) becomes min(d(a, n), d(p, n)). anchor, positive and
 * negative are [N, D] (or [D]); 'mean' averages over N. Arguments: (anchor, positive, negative, margin, p,
 * eps, swap, sizeAverage, reduce, reduction) or { margin, p, eps, swap, reduction }.
 * @example tripletMarginLoss(a, pos, neg, { margin: 0.5, swap: true })
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, ...args: TripletMarginLossArgs): Tensor {
  const op = 'tripletMarginLoss';
  const o = lossArgs<TripletMarginLossOptions>(op, args, LOSS_MORE_POSITIONAL.tripletMarginLoss);
  const reduction = checkRed(o.reduction, op);
  const margin = num(o.margin, 1, op, 'margin');
  const p = num(o.p, 2, op, 'p');
  const eps = num(o.eps, 1e-6, op, 'eps');
  const swap = bool(o.swap, false, op, 'swap');
  if (!(margin > 0)) throw new RangeError(`${op}: margin must be greater than 0, got ${margin}`);
  floatTensor(anchor, op, 'anchor');
  floatTensor(positive, op, 'positive');
  floatTensor(negative, op, 'negative');
  if (anchor.ndim !== positive.ndim || positive.ndim !== negative.ndim) {
    throw new RangeError(`${op}: all inputs should have same dimension but got ${anchor.ndim}D, ${positive.ndim}D and ${negative.ndim}D inputs`);
  }
  if (anchor.ndim === 0) throw new RangeError(`${op}: expects 1D or 2D inputs, got 0D`);
  broadcastShapes(broadcastShapes(anchor.shape, positive.shape, op), negative.shape, op);
  const dist = (a: Tensor, b: Tensor) => a.sub(b).add(eps).norm(p, -1);
  const dPos = dist(anchor, positive);
  let dNeg = dist(anchor, negative);
  if (swap) dNeg = dNeg.minimum(dist(positive, negative));
  return reduceLoss(dPos.sub(dNeg).add(margin).clamp(0), reduction);
}

function classCheck(input: Tensor, target: Tensor, op: string): { x: Tensor; t: Tensor; c: number } {
  if (input.ndim !== 1 && input.ndim !== 2) throw new RangeError(`${op}: expected a 1-D [C] or 2-D [N, C] input, got shape ${shapeStr(input.shape)}`);
  const c = input.shape[input.ndim - 1]!;
  if (c === 0) throw new RangeError(`${op}: expected a non-empty class dim, got input shape ${shapeStr(input.shape)}`);
  return { x: input.ndim === 1 ? input.unsqueeze(0) : input, t: target, c };
}

/**
 * Multi-class hinge loss of scores [N, C] ([C]) at int32 class indices y [N] (0-d or [1]):
 * sum over i != y of w[y] max(0, margin - x[y] + x[i])^p, divided by C; p is 1 or 2; 'mean' averages over
 * N. Arguments: (input, target, p, margin, weight, sizeAverage, reduce, reduction) or
 * { p, margin, weight, reduction }.
 * @example multiMarginLoss(scores, tensor([2, 0], { dtype: 'int32' }), { margin: 0.5 })
 */
export function multiMarginLoss(input: Tensor, target: Tensor, ...args: MultiMarginLossArgs): Tensor {
  const op = 'multiMarginLoss';
  const o = lossArgs<MultiMarginLossOptions>(op, args, LOSS_MORE_POSITIONAL.multiMarginLoss);
  const reduction = checkRed(o.reduction, op);
  const p = num(o.p, 1, op, 'p');
  if (p !== 1 && p !== 2) throw new RangeError(`${op}: only p == 1 and p == 2 supported, got ${p}`);
  const margin = num(o.margin, 1, op, 'margin');
  const weight = optTensor(o.weight, op, 'weight');
  floatTensor(input, op, 'input');
  intTensor(target, op, 'target');
  const { x, c } = classCheck(input, target, op);
  const n = x.shape[0]!;
  if (target.ndim > 1 || target.numel() !== n) throw new RangeError(`${op}: inconsistent target size, expected ${n} but got ${shapeStr(target.shape)}`);
  if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== c)) throw new RangeError(`${op}: weight must be a 1-D Tensor of ${c} class weights, got shape ${shapeStr(weight.shape)}`);
  const tv = target.toArray();
  const other = new Float32Array(n * c).fill(1);
  for (let i = 0; i < n; i++) {
    const v = tv[i]!;
    if (v < 0 || v >= c) throw new RangeError(`${op}: target ${v} is out of range for ${c} classes`);
    other[i * c + v] = 0;
  }
  const t = target.reshape(n, 1);
  const xy = x.gather(1, t);
  let h = x.sub(xy).add(margin).relu();
  if (p === 2) h = h.pow(2);
  let rows = h.mul(tensor(other).reshape(n, c)).sum(1).div(c);
  if (weight !== null) rows = rows.mul(weight.detach().gather(0, t.reshape(n)));
  if (reduction === 'none') return target.ndim === 0 ? rows.reshape([]) : rows;
  return reduceLoss(rows, reduction);
}

/**
 * Multi-label hinge loss of scores [N, C] ([C]) against int32 targets of the same shape holding each
 * sample's target classes, ended by the first -1: sum over targets j and non-targets i of
 * max(0, 1 - (x[j] - x[i])), divided by C; 'mean' averages over N.
 * Arguments: (input, target, sizeAverage, reduce, reduction) or { reduction }.
 * @example multilabelMarginLoss(scores, tensor([[3, 0, -1, 1]], { dtype: 'int32' }))
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, ...args: ReductionArgs): Tensor {
  const op = 'multilabelMarginLoss';
  const o = lossArgs<ReductionOptions>(op, args, LOSS_MORE_POSITIONAL.multilabelMarginLoss);
  const reduction = checkRed(o.reduction, op);
  floatTensor(input, op, 'input');
  intTensor(target, op, 'target');
  const { x, c } = classCheck(input, target, op);
  same(input, target, op);
  const n = x.shape[0]!;
  const tv = target.toArray();
  const idx = new Int32Array(n * c);
  const mask = new Float32Array(n * c * c);
  for (let r = 0; r < n; r++) {
    const isTarget = new Uint8Array(c);
    let k = 0;
    for (; k < c; k++) {
      const v = tv[r * c + k]!;
      if (v < 0) break;
      if (v >= c) throw new RangeError(`${op}: target ${v} is out of range for ${c} classes`);
      idx[r * c + k] = v;
      isTarget[v] = 1;
    }
    for (let j = k; j < c; j++) {
      const v = tv[r * c + j]!;
      if (v < -1 || v >= c) throw new RangeError(`${op}: target ${v} is out of range for ${c} classes`);
    }
    for (let a = 0; a < k; a++) for (let i = 0; i < c; i++) if (!isTarget[i]) mask[(r * c + a) * c + i] = 1;
  }
  const xj = x.gather(1, tensor(idx, { dtype: 'int32' }).reshape(n, c)); // [n, c]: x at each target slot
  const z = x.unsqueeze(1).sub(xj.unsqueeze(2)).add(1).relu(); // [n, slot, i]: max(0, 1 - (x[j] - x[i]))
  const rows = z.mul(tensor(mask).reshape(n, c, c)).sum([1, 2]).div(c);
  if (reduction === 'none') return input.ndim === 1 ? rows.reshape([]) : rows;
  return reduceLoss(rows, reduction);
}

/**
 * Multi-label one-versus-all loss of scores [N, C] ([C]) against float targets y in {0, 1} of the same shape:
 * -mean over classes of w (y log sigmoid(x) + (1 - y) log sigmoid(-x)); 'mean' averages over N.
 * Arguments: (input, target, weight, sizeAverage, reduce, reduction) or { weight, reduction }; weight
 * broadcasts to the input's shape.
 * @example multilabelSoftMarginLoss(scores, labels01)
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, ...args: MultilabelSoftMarginLossArgs): Tensor {
  const op = 'multilabelSoftMarginLoss';
  const o = lossArgs<MultilabelSoftMarginLossOptions>(op, args, LOSS_MORE_POSITIONAL.multilabelSoftMarginLoss);
  const reduction = checkRed(o.reduction, op);
  const weight = optTensor(o.weight, op, 'weight');
  floatTensor(input, op, 'input');
  floatTensor(target, op, 'target');
  same(input, target, op);
  if (input.ndim === 0) throw new RangeError(`${op}: expected an input [N, C] or [C], got a 0-d input`);
  if (weight !== null) broadcastable(weight, input.shape, op, 'weight');
  let loss = target.mul(logSigmoid(input)).add(target.neg().add(1).mul(logSigmoid(input.neg()))).neg();
  if (weight !== null) loss = loss.mul(weight);
  const cd = input.ndim - 1;
  return reduceLoss(loss.sum(cd).div(input.shape[cd]!), reduction);
}

/**
 * Two-class logistic loss: log(1 + exp(-y x)) (computed as -log sigmoid(y x), finite for any y x, where
 * PyTorch's log1p(exp(-y x)) overflows to inf beyond y x < -88), input and target of the same shape.
 * Arguments: (input, target, sizeAverage, reduce, reduction) or { reduction }.
 * @example softMarginLoss(scores, tensor([1, -1]))
 */
export function softMarginLoss(input: Tensor, target: Tensor, ...args: ReductionArgs): Tensor {
  const op = 'softMarginLoss';
  const o = lossArgs<ReductionOptions>(op, args, LOSS_MORE_POSITIONAL.softMarginLoss);
  const reduction = checkRed(o.reduction, op);
  floatTensor(input, op, 'input');
  const y = labelTensor(target, op, 'target');
  same(input, y, op);
  return reduceLoss(logSigmoid(input.mul(y)).neg(), reduction);
}

// ---------------------------------------------------------------- CTC

function lengths(v: unknown, op: string, name: string, n: number): number[] {
  let arr: number[];
  if (v instanceof Tensor) {
    if (v.dtype !== 'int32') throw new TypeError(`${op}: ${name} must be integral (an int32 Tensor or an array of integers), got dtype ${v.dtype}`);
    if (v.ndim > 1) throw new RangeError(`${op}: ${name} must be 0-d or 1-D, got shape ${shapeStr(v.shape)}`);
    arr = Array.from(v.toArray());
  } else if (Array.isArray(v)) {
    arr = v as number[];
  } else if (typeof v === 'number') {
    arr = [v];
  } else {
    throw new TypeError(`${op}: ${name} must be an int32 Tensor or an array of integers, got ${describeValue(v)}`);
  }
  if (arr.length !== n) throw new RangeError(`${op}: ${name} must be of size batch_size (${n}), got ${arr.length} values`);
  for (const x of arr) if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new RangeError(`${op}: ${name} must hold non-negative integers, got ${describeValue(x)}`);
  return arr;
}

const NEG_INF = -Infinity;
function lse2(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * Connectionist Temporal Classification loss (PyTorch's F.ctc_loss): -log p(target | input), summed over
 * every alignment of the target (blanks between and around its labels, repeats merged), by the alpha/beta
 * recursions in log space in float64. logProbs: [T, N, C] (or [T, C] unbatched) log-probabilities, e.g.
 * logSoftmax(x, 2); targets: int32, padded [N, S] or all targets concatenated [sum(targetLengths)];
 * inputLengths, targetLengths: int32 tensors or arrays of N integers. reduction 'mean' divides each
 * sample's loss by its target length (at least 1), then averages over the batch; zeroInfinity turns
 * infinite losses (impossible alignments) and their gradients into 0. The gradient is PyTorch's:
 * exp(logProbs) - (the posterior of each class at each step), which is the exact gradient for the logits
 * once it passes through logSoftmax (as PyTorch, it assumes logProbs are normalised); 0 for t >= the input
 * length. It is not differentiable twice (as PyTorch). Arguments: (logProbs, targets, inputLengths,
 * targetLengths, blank, reduction, zeroInfinity) or { blank, reduction, zeroInfinity }.
 * @example ctcLoss(logits.logSoftmax(2), targets, [50, 48], [10, 7], { zeroInfinity: true })
 */
export function ctcLoss(
  logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[], ...args: CTCLossArgs
): Tensor {
  const op = 'ctcLoss';
  const o = lossArgs<CTCLossOptions>(op, args, LOSS_MORE_POSITIONAL.ctcLoss);
  const reduction = checkRed(o.reduction, op);
  const blank = num(o.blank, 0, op, 'blank');
  const zeroInfinity = bool(o.zeroInfinity, false, op, 'zeroInfinity');
  floatTensor(logProbs, op, 'logProbs');
  intTensor(targets, op, 'targets');
  if (logProbs.ndim !== 2 && logProbs.ndim !== 3) throw new RangeError(`${op}: logProbs must be [T, N, C] or [T, C], got shape ${shapeStr(logProbs.shape)}`);
  const batched = logProbs.ndim === 3;
  const T = logProbs.shape[0]!;
  const N = batched ? logProbs.shape[1]! : 1;
  const C = logProbs.shape[logProbs.ndim - 1]!;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new RangeError(`${op}: blank must be in label range [0, ${C}), got ${blank}`);
  const il = lengths(inputLengths, op, 'inputLengths', N);
  const tl = lengths(targetLengths, op, 'targetLengths', N);
  for (const v of il) if (v > T) throw new RangeError(`${op}: expected inputLengths to have value at most ${T}, but got value ${v}`);
  const tv = targets.toArray();
  const offsets: number[] = [];
  let stride: number;
  if (targets.ndim === 1) {
    let pos = 0;
    for (const l of tl) {
      offsets.push(pos);
      pos += l;
    }
    if (targets.shape[0] !== pos) throw new RangeError(`${op}: concatenated targets must have sum(targetLengths) = ${pos} elements, got shape ${shapeStr(targets.shape)}`);
    stride = 1;
  } else if (targets.ndim === 2 && batched) {
    if (targets.shape[0] !== N) throw new RangeError(`${op}: padded targets must be [N, S] with N = ${N}, got shape ${shapeStr(targets.shape)}`);
    const S = targets.shape[1]!;
    const maxLen = Math.max(0, ...tl);
    if (S < maxLen) throw new RangeError(`${op}: expected targets to have size at least ${maxLen} at dimension 1, but got size ${S}`);
    for (let b = 0; b < N; b++) offsets.push(b * S);
    stride = 1;
  } else {
    throw new RangeError(`${op}: targets must be [N, S] (padded) or 1-D (concatenated) for logProbs ${shapeStr(logProbs.shape)}, got shape ${shapeStr(targets.shape)}`);
  }
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < tl[b]!; i++) {
      const v = tv[offsets[b]! + i * stride]!;
      if (v < 0 || v >= C) throw new RangeError(`${op}: target label ${v} of sample ${b} is out of range for ${C} classes`);
    }
  }
  const lp = Float64Array.from(logProbs.toArray());
  const at = (t: number, b: number, c: number) => lp[(t * N + b) * C + c]!;
  const alphas: Float64Array[] = [];
  const nll = new Float64Array(N);
  const labelsOf: Int32Array[] = [];
  for (let b = 0; b < N; b++) {
    const L = tl[b]!;
    const Tb = il[b]!;
    const S2 = 2 * L + 1;
    const lab = new Int32Array(S2).fill(blank);
    for (let i = 0; i < L; i++) lab[2 * i + 1] = tv[offsets[b]! + i * stride]!;
    labelsOf.push(lab);
    const la = new Float64Array(Math.max(Tb, 1) * S2).fill(NEG_INF);
    alphas.push(la);
    if (Tb === 0) {
      nll[b] = L === 0 ? 0 : Infinity;
      continue;
    }
    la[0] = at(0, b, blank);
    if (L > 0) la[1] = at(0, b, lab[1]!);
    for (let t = 1; t < Tb; t++) {
      for (let s = 0; s < S2; s++) {
        let v = la[(t - 1) * S2 + s]!;
        if (s > 0) v = lse2(v, la[(t - 1) * S2 + s - 1]!);
        if (s > 1 && lab[s] !== lab[s - 2]) v = lse2(v, la[(t - 1) * S2 + s - 2]!);
        la[t * S2 + s] = v === NEG_INF ? NEG_INF : v + at(t, b, lab[s]!);
      }
    }
    const last = (Tb - 1) * S2;
    nll[b] = -(L === 0 ? la[last]! : lse2(la[last + S2 - 1]!, la[last + S2 - 2]!));
  }
  const raw = tensor(Float32Array.from(nll));
  const perSample = record(raw, 'CtcLossBackward0', [logProbs], [], (g) => {
    if (isGradEnabled()) throw new Error(`${op}: the CTC loss's backward is not differentiable (double backward is not supported, as in PyTorch)`);
    const gv = g.toArray();
    const out = new Float32Array(T * N * C);
    for (let b = 0; b < N; b++) {
      const Tb = il[b]!;
      const gr = gv[b]!;
      if (Tb === 0 || (zeroInfinity && nll[b] === Infinity)) continue;
      const lab = labelsOf[b]!;
      const S2 = lab.length;
      const la = alphas[b]!;
      const lb = new Float64Array(Tb * S2).fill(NEG_INF);
      const last = (Tb - 1) * S2;
      lb[last + S2 - 1] = at(Tb - 1, b, blank);
      if (S2 > 1) lb[last + S2 - 2] = at(Tb - 1, b, lab[S2 - 2]!);
      for (let t = Tb - 2; t >= 0; t--) {
        for (let s = 0; s < S2; s++) {
          let v = lb[(t + 1) * S2 + s]!;
          if (s < S2 - 1) v = lse2(v, lb[(t + 1) * S2 + s + 1]!);
          if (s < S2 - 2 && lab[s + 2] !== lab[s]) v = lse2(v, lb[(t + 1) * S2 + s + 2]!);
          lb[t * S2 + s] = v === NEG_INF ? NEG_INF : v + at(t, b, lab[s]!);
        }
      }
      const lcab = new Float64Array(C);
      for (let t = 0; t < Tb; t++) {
        lcab.fill(NEG_INF);
        for (let s = 0; s < S2; s++) {
          const c = lab[s]!;
          lcab[c] = lse2(lcab[c]!, la[t * S2 + s]! + lb[t * S2 + s]!);
        }
        for (let c = 0; c < C; c++) {
          const l = at(t, b, c);
          out[(t * N + b) * C + c] = (Math.exp(l) - Math.exp(lcab[c]! + nll[b]! - l)) * gr;
        }
      }
    }
    return [tensor(out).reshape([...logProbs.shape])];
  });
  let res = perSample;
  if (zeroInfinity) res = res.where(res.ne(Infinity), 0);
  if (reduction === 'mean') return res.div(tensor(Float32Array.from(tl, (l) => Math.max(l, 1)))).mean();
  if (reduction === 'sum') return res.sum();
  return batched ? res : res.reshape([]);
}

/** The options of GaussianNLLLoss's constructor, which PyTorch makes keyword-only. */
export function gaussianNllModuleOptions(args: readonly unknown[]): Partial<GaussianNLLLossOptions> {
  const o = positionalOptions<GaussianNLLLossOptions>('GaussianNLLLoss', args, [], ['full', 'eps', 'reduction']);
  return o;
}
