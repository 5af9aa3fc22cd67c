/** Dropout layers. */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyFloat } from '../module.js';
import { dropout } from '../functional.js';

/** Zeroes elements with probability p and scales the rest by 1/(1-p) in training; identity in eval. */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Dropout);
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
