/**
 * More loss modules (PyTorch's SmoothL1Loss ... CTCLoss): the options chosen at construction, PyTorch's
 * constructor arguments positionally (the deprecated sizeAverage and reduce throw) and/or as a trailing
 * options object; forward calls the function of the same name in nn.functional. A class weight is a
 * buffer named `weight`, saved in the state dict as PyTorch does.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { describeValue, lossArgs, type Reduction } from '../../ops/loss.js';
import * as L from '../../ops/loss-more.js';

const P = L.LOSS_MORE_POSITIONAL;

function checkReduction(r: unknown, op: string, batchmean = false): L.KLDivReduction {
  if (r === undefined) return 'mean';
  if (r === 'mean' || r === 'sum' || r === 'none' || (batchmean && r === 'batchmean')) return r;
  throw new RangeError(`${op}: reduction must be ${batchmean ? "'mean', 'batchmean', 'sum' or 'none'" : "'mean', 'sum' or 'none'"}, got ${describeValue(r)}`);
}

function bufferTensor(v: unknown, op: string, name: string): Tensor | null {
  if (v == null) return null;
  if (!(v instanceof Tensor)) {
    const hint = v === 'mean' || v === 'sum' || v === 'none' ? `; did you mean { reduction: ${JSON.stringify(v)} }?` : '';
    throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}${hint}`);
  }
  return v;
}

function numberOpt(v: unknown, dflt: number, op: string, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${describeValue(v)}`);
  return v;
}

function boolOpt(v: unknown, dflt: boolean, op: string, name: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

abstract class Loss2 extends Module<(input: Tensor, target: Tensor) => Tensor> {
  readonly reduction: Reduction;
  constructor(reduction: unknown) {
    super();
    this.reduction = checkReduction(reduction, new.target.name) as Reduction;
  }
}

abstract class Loss3 extends Module<(a: Tensor, b: Tensor, c: Tensor) => Tensor> {
  readonly reduction: Reduction;
  constructor(reduction: unknown) {
    super();
    this.reduction = checkReduction(reduction, new.target.name) as Reduction;
  }
}

/** Smooth L1 loss (F.smoothL1Loss). PyTorch's (size_average, reduce, reduction, beta) or { reduction, beta }. @example new nn.SmoothL1Loss({ beta: 0.5 }) */
export class SmoothL1Loss extends Loss2 {
  readonly beta: number;
  constructor(...args: L.SmoothL1LossArgs) {
    const o = lossArgs<L.SmoothL1LossOptions>('SmoothL1Loss', args, P.smoothL1Loss);
    super(o.reduction);
    this.beta = numberOpt(o.beta, 1, 'SmoothL1Loss', 'beta');
    if (this.beta < 0) throw new RangeError(`SmoothL1Loss: beta must be non-negative, got ${this.beta}`);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss (F.huberLoss). PyTorch's (reduction, delta) or { reduction, delta }. @example new nn.HuberLoss('sum', 2) */
export class HuberLoss extends Loss2 {
  readonly delta: number;
  constructor(...args: L.HuberLossArgs) {
    const o = lossArgs<L.HuberLossOptions>('HuberLoss', args, P.huberLoss);
    super(o.reduction);
    this.delta = numberOpt(o.delta, 1, 'HuberLoss', 'delta');
    if (!(this.delta > 0)) throw new RangeError(`HuberLoss: delta must be positive, got ${this.delta}`);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Binary cross-entropy of probabilities (F.binaryCrossEntropy); weight is a buffer. PyTorch's (weight, size_average, reduce, reduction) or { weight, reduction }. @example new nn.BCELoss() */
export class BCELoss extends Loss2 {
  declare weight: Tensor | null;
  constructor(...args: L.BCELossArgs) {
    const o = lossArgs<L.BCELossOptions>('BCELoss', args, P.binaryCrossEntropy);
    super(o.reduction);
    this.registerBuffer('weight', bufferTensor(o.weight, 'BCELoss', 'weight'));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** KL divergence (F.klDiv). PyTorch's (size_average, reduce, reduction, log_target) or { reduction, logTarget }; reduction may be 'batchmean'. @example new nn.KLDivLoss({ reduction: 'batchmean' }) */
export class KLDivLoss extends Module<(input: Tensor, target: Tensor) => Tensor> {
  readonly reduction: L.KLDivReduction;
  readonly logTarget: boolean;
  constructor(...args: L.KLDivArgs) {
    super();
    const o = lossArgs<L.KLDivOptions>('KLDivLoss', args, P.klDiv);
    this.reduction = checkReduction(o.reduction, 'KLDivLoss', true);
    this.logTarget = boolOpt(o.logTarget, false, 'KLDivLoss', 'logTarget');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** Poisson NLL (F.poissonNllLoss). PyTorch's (log_input, full, size_average, eps, reduce, reduction) or { logInput, full, eps, reduction }. @example new nn.PoissonNLLLoss(false) */
export class PoissonNLLLoss extends Loss2 {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(...args: L.PoissonNLLLossArgs) {
    const o = lossArgs<L.PoissonNLLLossOptions>('PoissonNLLLoss', args, P.poissonNllLoss);
    super(o.reduction);
    this.logInput = boolOpt(o.logInput, true, 'PoissonNLLLoss', 'logInput');
    this.full = boolOpt(o.full, false, 'PoissonNLLLoss', 'full');
    this.eps = numberOpt(o.eps, 1e-8, 'PoissonNLLLoss', 'eps');
  }
  override forward(logInput: Tensor, target: Tensor): Tensor {
    return L.poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** Gaussian NLL (F.gaussianNllLoss); forward(input, target, var). PyTorch's keyword-only { full, eps, reduction }. @example new nn.GaussianNLLLoss({ full: true }) */
export class GaussianNLLLoss extends Module<(input: Tensor, target: Tensor, variance: Tensor | number) => Tensor> {
  readonly reduction: Reduction;
  readonly full: boolean;
  readonly eps: number;
  constructor(options?: L.GaussianNLLLossOptions) {
    super();
    const o = L.gaussianNllModuleOptions(options === undefined ? [] : [options]);
    this.reduction = checkReduction(o.reduction, 'GaussianNLLLoss') as Reduction;
    this.full = boolOpt(o.full, false, 'GaussianNLLLoss', 'full');
    this.eps = numberOpt(o.eps, 1e-6, 'GaussianNLLLoss', 'eps');
  }
  override forward(input: Tensor, target: Tensor, variance: Tensor | number): Tensor {
    return L.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** Cosine embedding loss (F.cosineEmbeddingLoss); forward(input1, input2, target). PyTorch's (margin, size_average, reduce, reduction) or { margin, reduction }. @example new nn.CosineEmbeddingLoss(0.2) */
export class CosineEmbeddingLoss extends Loss3 {
  readonly margin: number;
  constructor(...args: L.MarginArgs) {
    const o = lossArgs<L.MarginOptions>('CosineEmbeddingLoss', args, P.cosineEmbeddingLoss);
    super(o.reduction);
    this.margin = numberOpt(o.margin, 0, 'CosineEmbeddingLoss', 'margin');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** Margin ranking loss (F.marginRankingLoss); forward(input1, input2, target). PyTorch's (margin, size_average, reduce, reduction) or { margin, reduction }. @example new nn.MarginRankingLoss(0.1) */
export class MarginRankingLoss extends Loss3 {
  readonly margin: number;
  constructor(...args: L.MarginArgs) {
    const o = lossArgs<L.MarginOptions>('MarginRankingLoss', args, P.marginRankingLoss);
    super(o.reduction);
    this.margin = numberOpt(o.margin, 0, 'MarginRankingLoss', 'margin');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** Hinge embedding loss (F.hingeEmbeddingLoss). PyTorch's (margin, size_average, reduce, reduction) or { margin, reduction }. @example new nn.HingeEmbeddingLoss(2) */
export class HingeEmbeddingLoss extends Loss2 {
  readonly margin: number;
  constructor(...args: L.MarginArgs) {
    const o = lossArgs<L.MarginOptions>('HingeEmbeddingLoss', args, P.hingeEmbeddingLoss);
    super(o.reduction);
    this.margin = numberOpt(o.margin, 1, 'HingeEmbeddingLoss', 'margin');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** Triplet margin loss (F.tripletMarginLoss); forward(anchor, positive, negative). PyTorch's (margin, p, eps, swap, size_average, reduce, reduction) or { margin, p, eps, swap, reduction }. @example new nn.TripletMarginLoss({ swap: true }) */
export class TripletMarginLoss extends Loss3 {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(...args: L.TripletMarginLossArgs) {
    const o = lossArgs<L.TripletMarginLossOptions>('TripletMarginLoss', args, P.tripletMarginLoss);
    super(o.reduction);
    this.margin = numberOpt(o.margin, 1, 'TripletMarginLoss', 'margin');
    this.p = numberOpt(o.p, 2, 'TripletMarginLoss', 'p');
    this.eps = numberOpt(o.eps, 1e-6, 'TripletMarginLoss', 'eps');
    this.swap = boolOpt(o.swap, false, 'TripletMarginLoss', 'swap');
    if (!(this.margin > 0)) throw new RangeError(`TripletMarginLoss: margin must be greater than 0, got ${this.margin}`);
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return L.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

/** Multi-class hinge loss (F.multiMarginLoss); weight is a buffer. PyTorch's (p, margin, weight, size_average, reduce, reduction) or { p, margin, weight, reduction }. @example new nn.MultiMarginLoss(2) */
export class MultiMarginLoss extends Loss2 {
  readonly p: number;
  readonly margin: number;
  declare weight: Tensor | null;
  constructor(...args: L.MultiMarginLossArgs) {
    const o = lossArgs<L.MultiMarginLossOptions>('MultiMarginLoss', args, P.multiMarginLoss);
    super(o.reduction);
    this.p = numberOpt(o.p, 1, 'MultiMarginLoss', 'p');
    if (this.p !== 1 && this.p !== 2) throw new RangeError(`MultiMarginLoss: only p == 1 and p == 2 supported, got ${this.p}`);
    this.margin = numberOpt(o.margin, 1, 'MultiMarginLoss', 'margin');
    this.registerBuffer('weight', bufferTensor(o.weight, 'MultiMarginLoss', 'weight'));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/** Multi-label hinge loss (F.multilabelMarginLoss). PyTorch's (size_average, reduce, reduction) or { reduction }. @example new nn.MultiLabelMarginLoss() */
export class MultiLabelMarginLoss extends Loss2 {
  constructor(...args: L.ReductionArgs) {
    super(lossArgs<L.ReductionOptions>('MultiLabelMarginLoss', args, P.multilabelMarginLoss).reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.multilabelMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** Multi-label one-versus-all loss (F.multilabelSoftMarginLoss); weight is a buffer. PyTorch's (weight, size_average, reduce, reduction) or { weight, reduction }. @example new nn.MultiLabelSoftMarginLoss() */
export class MultiLabelSoftMarginLoss extends Loss2 {
  declare weight: Tensor | null;
  constructor(...args: L.MultilabelSoftMarginLossArgs) {
    const o = lossArgs<L.MultilabelSoftMarginLossOptions>('MultiLabelSoftMarginLoss', args, P.multilabelSoftMarginLoss);
    super(o.reduction);
    this.registerBuffer('weight', bufferTensor(o.weight, 'MultiLabelSoftMarginLoss', 'weight'));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Two-class logistic loss (F.softMarginLoss). PyTorch's (size_average, reduce, reduction) or { reduction }. @example new nn.SoftMarginLoss() */
export class SoftMarginLoss extends Loss2 {
  constructor(...args: L.ReductionArgs) {
    super(lossArgs<L.ReductionOptions>('SoftMarginLoss', args, P.softMarginLoss).reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** CTC loss (F.ctcLoss); forward(logProbs, targets, inputLengths, targetLengths). PyTorch's (blank, reduction, zero_infinity) or { blank, reduction, zeroInfinity }. @example new nn.CTCLoss(0, 'sum') */
export class CTCLoss extends Module<(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[]) => Tensor> {
  readonly blank: number;
  readonly reduction: Reduction;
  readonly zeroInfinity: boolean;
  constructor(...args: L.CTCLossArgs) {
    super();
    const o = lossArgs<L.CTCLossOptions>('CTCLoss', args, P.ctcLoss);
    this.reduction = checkReduction(o.reduction, 'CTCLoss') as Reduction;
    this.blank = numberOpt(o.blank, 0, 'CTCLoss', 'blank');
    if (!Number.isInteger(this.blank) || this.blank < 0) throw new RangeError(`CTCLoss: blank must be a non-negative integer, got ${this.blank}`);
    this.zeroInfinity = boolOpt(o.zeroInfinity, false, 'CTCLoss', 'zeroInfinity');
  }
  override forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[]): Tensor {
    return L.ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity });
  }
}
