/**
 * Loss modules: forward(input, target) with the options chosen at construction, PyTorch's constructor
 * arguments positionally (the deprecated sizeAverage and reduce throw) and/or as a trailing options object.
 * A class weight (and BCEWithLogitsLoss's posWeight) is a buffer, saved in the state dict as PyTorch does.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import * as F from '../functional.js';
import {
  checkReduction, describeValue, lossArgs, LOSS_POSITIONAL, type BCEWithLogitsArgs, type CrossEntropyArgs, type LossArgs, type NLLLossArgs,
} from '../../ops/loss.js';

abstract class Loss extends Module<(input: Tensor, target: Tensor) => Tensor> {
  readonly reduction: F.Reduction;
  constructor(reduction: unknown) {
    super();
    this.reduction = checkReduction(reduction, new.target.name);
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

function bufferTensor(v: unknown, op: string, name: string): Tensor | null {
  if (v == null) return null;
  if (!(v instanceof Tensor)) {
    const hint = v === 'mean' || v === 'sum' || v === 'none' ? `; did you mean { reduction: ${JSON.stringify(v)} }?` : '';
    throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}${hint}`);
  }
  return v;
}

/** Mean squared error. PyTorch's (size_average, reduce, reduction) or { reduction }. */
export class MSELoss extends Loss {
  constructor(...args: LossArgs) {
    super(lossArgs<F.LossOptions>('MSELoss', args, LOSS_POSITIONAL.mseLoss).reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. PyTorch's (size_average, reduce, reduction) or { reduction }. */
export class L1Loss extends Loss {
  constructor(...args: LossArgs) {
    super(lossArgs<F.LossOptions>('L1Loss', args, LOSS_POSITIONAL.l1Loss).reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Shared by NLLLoss and CrossEntropyLoss (PyTorch's _WeightedLoss): the class weight buffer and ignoreIndex. */
abstract class WeightedLoss extends Loss {
  readonly ignoreIndex: number;
  constructor(o: Partial<F.NLLLossOptions>, name: string) {
    super(o.reduction);
    const ii = o.ignoreIndex ?? -100;
    if (typeof ii !== 'number' || !Number.isInteger(ii)) throw new TypeError(`${name}: ignoreIndex must be an integer, got ${describeValue(ii)}`);
    this.ignoreIndex = ii;
    this.registerBuffer('weight', bufferTensor(o.weight, name, 'weight'));
  }
  /** The per-class weight (buffer `weight`), null when none. */
  declare weight: Tensor | null;
}

/**
 * Negative log-likelihood of log-probabilities [N, C] ([N, C, d1, ...]) at int32 class indices.
 * PyTorch's (weight, size_average, ignore_index, reduce, reduction) or { weight, ignoreIndex, reduction }.
 */
export class NLLLoss extends WeightedLoss {
  constructor(...args: NLLLossArgs) {
    super(lossArgs<F.NLLLossOptions>('NLLLoss', args, LOSS_POSITIONAL.nllLoss), 'NLLLoss');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Cross-entropy of raw scores [N, C] ([N, C, d1, ...]) against int32 class indices or class probabilities.
 * PyTorch's (weight, size_average, ignore_index, reduce, reduction, label_smoothing) or
 * { weight, ignoreIndex, reduction, labelSmoothing }.
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly labelSmoothing: number;
  constructor(...args: CrossEntropyArgs) {
    const o = lossArgs<F.CrossEntropyOptions>('CrossEntropyLoss', args, LOSS_POSITIONAL.crossEntropy);
    super(o, 'CrossEntropyLoss');
    const ls: unknown = o.labelSmoothing ?? 0;
    if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new RangeError(`CrossEntropyLoss: labelSmoothing must be a number in [0, 1], got ${describeValue(ls)}`);
    this.labelSmoothing = ls;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    const w = this.weight;
    // the common case without a weight or ignored index keeps the plain options object
    if (w === null && this.ignoreIndex === -100) return F.crossEntropy(input, target, { reduction: this.reduction, labelSmoothing: this.labelSmoothing });
    return F.crossEntropy(input, target, { weight: w, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * Sigmoid + binary cross-entropy in one numerically stable step; weight and posWeight are buffers
 * (weight, pos_weight). PyTorch's (weight, size_average, reduce, reduction, pos_weight) or
 * { weight, reduction, posWeight }.
 */
export class BCEWithLogitsLoss extends Loss {
  constructor(...args: BCEWithLogitsArgs) {
    const o = lossArgs<F.BCEWithLogitsOptions>('BCEWithLogitsLoss', args, LOSS_POSITIONAL.binaryCrossEntropyWithLogits);
    super(o.reduction);
    this.registerBuffer('weight', bufferTensor(o.weight, 'BCEWithLogitsLoss', 'weight'));
    this.registerBuffer('pos_weight', bufferTensor(o.posWeight, 'BCEWithLogitsLoss', 'posWeight'));
  }
  /** The per-element rescaling weight (buffer `weight`), null when none. */
  declare weight: Tensor | null;
  get posWeight(): Tensor | null {
    return (this as unknown as { pos_weight: Tensor | null }).pos_weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, reduction: this.reduction, posWeight: this.posWeight });
  }
}
