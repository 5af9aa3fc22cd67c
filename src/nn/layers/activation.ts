/**
 * Activation layers (stateless wrappers of nn.functional). Constructor arguments are PyTorch's, positionally
 * and/or as a trailing options object; `inplace` writes the result into the input (autograd-correct).
 */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyBool, pyFloat } from '../module.js';
import * as F from '../functional.js';
import { positionalOptions } from '../../options.js';
import { inplace as inplaceOp } from '../../ops/copy.js';
import { checkBool } from '../../ops/dropout.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import type { ModuleClass } from './linear.js';

/** max(x, 0). PyTorch's ReLU(inplace=False), or { inplace }. */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[inplace: boolean], { inplace?: boolean }>) {
    super();
    this.inplace = args.length === 0 ? false : checkBool(positionalOptions<{ inplace: boolean }>('ReLU', args, ['inplace']).inplace, false, 'ReLU', 'inplace');
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(ReLU as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    if (this.inplace && x instanceof Tensor) return inplaceOp(x, (a) => F.relu(a as Tensor), 0, undefined, 'relu_');
    return F.relu(x);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** x for x > 0, negativeSlope * x otherwise. PyTorch's LeakyReLU(negative_slope=0.01, inplace=False), or options. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[negativeSlope: number, inplace: boolean], { negativeSlope?: number; inplace?: boolean }>) {
    super();
    const o = positionalOptions<{ negativeSlope: number; inplace: boolean }>('LeakyReLU', args, ['negativeSlope', 'inplace']);
    const negativeSlope: unknown = o.negativeSlope ?? 0.01;
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new TypeError(`LeakyReLU: negativeSlope must be a finite number, got ${describeValue(negativeSlope)}`);
    this.negativeSlope = negativeSlope;
    this.inplace = checkBool(o.inplace, false, 'LeakyReLU', 'inplace');
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LeakyReLU as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    if (this.inplace && x instanceof Tensor) return inplaceOp(x, (a) => F.leakyRelu(a as Tensor, this.negativeSlope), 0, undefined, 'leakyRelu_');
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}` + (this.inplace ? ', inplace=True' : '');
  }
}

/** GELU, exact (erf) form by default as PyTorch; 'tanh' or {approximate: 'tanh'} for the tanh form. */
export class GELU extends Module {
  readonly approximate: F.GeluApproximate;
  constructor(...args: PositionalOr<[approximate: F.GeluApproximate], { approximate?: F.GeluApproximate }>) {
    super();
    const a: unknown = positionalOptions<{ approximate: F.GeluApproximate }>('GELU', args, ['approximate']).approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${typeof a === 'string' ? JSON.stringify(a) : describeValue(a)}`);
    this.approximate = a;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(GELU as unknown as ModuleClass);
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
    return this.forwardIs(Sigmoid as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Tanh extends Module {
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Tanh as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** PyTorch's legacy implicit softmax dim (its _get_softmax_dim): 0 for 0-, 1- and 3-D input, else 1. */
function implicitDim(x: Tensor): number {
  const nd = x instanceof Tensor ? x.ndim : 2;
  return nd === 0 || nd === 1 || nd === 3 ? 0 : 1;
}

/** Softmax along `dim` (PyTorch's Softmax(dim=None): without dim, its implicit choice, see implicitDim). */
export class Softmax extends Module {
  /** null: PyTorch's implicit choice (dim 0 for 0-, 1- and 3-D input, else 1). */
  readonly dim: number | null;
  constructor(...args: PositionalOr<[dim: number | null], { dim?: number | null }>) {
    super();
    const dim: unknown = positionalOptions<{ dim: number | null }>('Softmax', args, ['dim']).dim ?? null;
    if (dim !== null && (typeof dim !== 'number' || !Number.isInteger(dim))) throw new TypeError(`Softmax: dim must be an integer or null, got ${describeValue(dim)}`);
    this.dim = dim;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Softmax as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim ?? implicitDim(x));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** Log-softmax along `dim` (PyTorch's LogSoftmax(dim=None): without dim, its implicit choice). */
export class LogSoftmax extends Module {
  /** null: PyTorch's implicit choice (dim 0 for 0-, 1- and 3-D input, else 1). */
  readonly dim: number | null;
  constructor(...args: PositionalOr<[dim: number | null], { dim?: number | null }>) {
    super();
    const dim: unknown = positionalOptions<{ dim: number | null }>('LogSoftmax', args, ['dim']).dim ?? null;
    if (dim !== null && (typeof dim !== 'number' || !Number.isInteger(dim))) throw new TypeError(`LogSoftmax: dim must be an integer or null, got ${describeValue(dim)}`);
    this.dim = dim;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LogSoftmax as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim ?? implicitDim(x));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}
