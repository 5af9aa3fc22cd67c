/** Dropout layers. */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { dropout } from '../functional.js';
import { positionalOptions } from '../../options.js';
import { checkBool, checkDropoutP } from '../../ops/dropout.js';
import type { PositionalOr } from '../../ops/loss.js';
import type { ModuleClass } from './linear.js';

interface DropoutLayerOptions {
  /** Zeroing probability, in [0, 1]; default 0.5. */
  p?: number;
  /** Write the result into the input (autograd-correct); default false. */
  inplace?: boolean;
}

/**
 * Zeroes elements with probability p and scales the rest by 1/(1-p) in training; identity in eval.
 * PyTorch's (p=0.5, inplace=False), positionally and/or as a trailing options object.
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;

  constructor(...args: PositionalOr<[p: number, inplace: boolean], DropoutLayerOptions>) {
    super();
    const o = positionalOptions<DropoutLayerOptions>('Dropout', args, ['p', 'inplace']);
    this.p = checkDropoutP(o.p ?? 0.5, 'Dropout');
    this.inplace = checkBool(o.inplace, false, 'Dropout', 'inplace');
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Dropout as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return this.inplace ? dropout(x, this.p, this.training, true) : dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
