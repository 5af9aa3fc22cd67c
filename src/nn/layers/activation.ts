/** Activation layers (stateless wrappers of nn.functional). */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyFloat } from '../module.js';
import * as F from '../functional.js';

export class ReLU extends Module {
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(ReLU);
  }

  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new TypeError(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LeakyReLU);
  }

  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** GELU, exact (erf) form by default as PyTorch; {approximate: 'tanh'} for the tanh form. */
export class GELU extends Module {
  readonly approximate: F.GeluApproximate;
  constructor(options: { approximate?: F.GeluApproximate } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(this.approximate)}`);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(GELU);
  }

  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Sigmoid extends Module {
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Sigmoid);
  }

  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Tanh extends Module {
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Tanh);
  }

  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** Softmax along `dim` (default -1, the last dim). */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Softmax);
  }

  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` (default -1, the last dim). */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LogSoftmax);
  }

  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
