/** Loss modules: forward(input, target) with the reduction ('mean' | 'sum' | 'none') chosen at construction. */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import * as F from '../functional.js';

abstract class Loss extends Module {
  readonly reduction: F.Reduction;
  constructor(options: F.LossOptions = {}) {
    super();
    const r = options.reduction ?? 'mean';
    if (r !== 'mean' && r !== 'sum' && r !== 'none') {
      throw new RangeError(`${new.target.name}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
    }
    this.reduction = r;
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Negative log-likelihood of log-probabilities [N, C] at int32 class indices [N]. */
export class NLLLoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { reduction: this.reduction });
  }
}

/** Cross-entropy of raw scores [N, C] against int32 class indices [N], with optional label smoothing. */
export class CrossEntropyLoss extends Loss {
  readonly labelSmoothing: number;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options);
    const ls = options.labelSmoothing ?? 0;
    if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${ls}`);
    this.labelSmoothing = ls;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Sigmoid + binary cross-entropy in one numerically stable step; posWeight is a buffer (pos_weight). */
export class BCEWithLogitsLoss extends Loss {
  constructor(options: F.BCEWithLogitsOptions = {}) {
    super(options);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }
  get posWeight(): Tensor | null {
    return (this as unknown as { pos_weight: Tensor | null }).pos_weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, posWeight: this.posWeight });
  }
}
