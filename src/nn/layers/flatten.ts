/** Flatten: merges dims startDim..endDim (default: all but the batch dim). */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Flatten);
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
