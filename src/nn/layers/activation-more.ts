/**
 * More activation layers (PyTorch's nn.SiLU ... nn.Softmax2d): stateless wrappers of the functions of
 * src/ops/activation-more.ts, except PReLU (a learnable `weight`). Constructor arguments are PyTorch's,
 * positionally and/or as a trailing options object; `inplace` writes the result into the input. They
 * print as PyTorch's modules do.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { full } from '../../tensor/creation.js';
import { Module, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import { positionalOptions } from '../../options.js';
import { checkBool } from '../../ops/dropout.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkSize, type ModuleClass } from './linear.js';
import {
  silu, mish, softplus, hardswish, hardsigmoid, hardtanh, relu6, elu, selu, celu, softsign, tanhshrink, softshrink, hardshrink, threshold,
  logsigmoid, prelu, rrelu, glu, softmin, numArg, type SoftplusOptions, type HardtanhOptions, type EluOptions,
  type RreluOptions,
} from '../../ops/activation-more.js';
import { softmax } from '../../ops/softmax.js';

/** A number as Python prints the value PyTorch's module stores (an int stays an int: Softplus(beta=1)). */
function pyNum(v: number): string {
  return Number.isInteger(v) ? String(v) : pyFloat(v);
}

/**
 * Shared base of the stateless activations: forward applies `fn` (so nn.Sequential may free intermediates
 * around them, see Module.keepsNothing).
 */
export abstract class Activation extends Module {
  protected abstract fn(x: Tensor): Tensor;

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(Activation as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

/** Base of the activations whose only argument is PyTorch's inplace=False. */
abstract class InplaceActivation extends Activation {
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[inplace: boolean], { inplace?: boolean }>) {
    super();
    const name = new.target.name;
    this.inplace = checkBool(positionalOptions<{ inplace: boolean }>(name, args, ['inplace']).inplace, false, name, 'inplace');
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** x * sigmoid(x). PyTorch's SiLU(inplace=False). @example new nn.SiLU() */
export class SiLU extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return silu(x, this.inplace);
  }
}

/** x * tanh(softplus(x)). PyTorch's Mish(inplace=False). @example new nn.Mish() */
export class Mish extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return mish(x, this.inplace);
  }
}

/** x * relu6(x + 3) / 6. PyTorch's Hardswish(inplace=False) (prints no arguments, as PyTorch). @example new nn.Hardswish() */
export class Hardswish extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return hardswish(x, this.inplace);
  }
  override extraRepr(): string {
    return '';
  }
}

/** relu6(x + 3) / 6. PyTorch's Hardsigmoid(inplace=False) (prints no arguments, as PyTorch). @example new nn.Hardsigmoid() */
export class Hardsigmoid extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return hardsigmoid(x, this.inplace);
  }
  override extraRepr(): string {
    return '';
  }
}

/** min(max(x, 0), 6). PyTorch's ReLU6(inplace=False). @example new nn.ReLU6() */
export class ReLU6 extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return relu6(x, this.inplace);
  }
}

/** Scaled ELU with fixed alpha and scale. PyTorch's SELU(inplace=False). @example new nn.SELU() */
export class SELU extends InplaceActivation {
  protected fn(x: Tensor): Tensor {
    return selu(x, this.inplace);
  }
}

/** log(1 + exp(beta x)) / beta, linear above threshold. PyTorch's Softplus(beta=1, threshold=20). @example new nn.Softplus(2) */
export class Softplus extends Activation {
  readonly beta: number;
  readonly threshold: number;
  constructor(...args: PositionalOr<[beta: number, threshold: number], SoftplusOptions>) {
    super();
    const o = positionalOptions<SoftplusOptions>('Softplus', args, ['beta', 'threshold']);
    this.beta = numArg(o.beta, 1, 'Softplus', 'beta');
    this.threshold = numArg(o.threshold, 20, 'Softplus', 'threshold');
  }
  protected fn(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${pyNum(this.beta)}, threshold=${pyNum(this.threshold)}`;
  }
}

/**
 * x clamped to [minVal, maxVal]. PyTorch's Hardtanh(min_val=-1., max_val=1., inplace=False); its
 * deprecated min_value/max_value throw.
 * @example new nn.Hardtanh(-2, 2)
 */
export class Hardtanh extends Activation {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[minVal: number, maxVal: number, inplace: boolean], HardtanhOptions & { minValue?: null; maxValue?: null }>) {
    super();
    const o = positionalOptions<HardtanhOptions & { minValue?: unknown; maxValue?: unknown }>('Hardtanh', args, ['minVal', 'maxVal', 'inplace'], ['minValue', 'maxValue']);
    for (const k of ['minValue', 'maxValue'] as const) {
      if (o[k] != null) throw new TypeError(`Hardtanh: ${k} is deprecated in PyTorch and not supported; use ${k === 'minValue' ? 'minVal' : 'maxVal'}`);
    }
    this.minVal = numArg(o.minVal, -1, 'Hardtanh', 'minVal');
    this.maxVal = numArg(o.maxVal, 1, 'Hardtanh', 'maxVal');
    if (this.maxVal < this.minVal) throw new RangeError(`Hardtanh: maxVal (${this.maxVal}) must be greater than or equal to minVal (${this.minVal})`);
    this.inplace = checkBool(o.inplace, false, 'Hardtanh', 'inplace');
  }
  protected fn(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal, this.inplace);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** x for x > 0, alpha (exp(x) - 1) otherwise. PyTorch's ELU(alpha=1., inplace=False). @example new nn.ELU(0.5) */
export class ELU extends Activation {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[alpha: number, inplace: boolean], EluOptions>) {
    super();
    const name = new.target.name;
    const o = positionalOptions<EluOptions>(name, args, ['alpha', 'inplace']);
    this.alpha = numArg(o.alpha, 1, name, 'alpha');
    this.inplace = checkBool(o.inplace, false, name, 'inplace');
  }
  protected fn(x: Tensor): Tensor {
    return elu(x, this.alpha, this.inplace);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** max(0, x) + min(0, alpha (exp(x / alpha) - 1)). PyTorch's CELU(alpha=1., inplace=False). @example new nn.CELU(2) */
export class CELU extends ELU {
  constructor(...args: PositionalOr<[alpha: number, inplace: boolean], EluOptions>) {
    super(...args);
    if (this.alpha === 0) throw new RangeError('CELU: alpha cannot be 0 (it divides the input)');
  }
  protected override fn(x: Tensor): Tensor {
    return celu(x, this.alpha, this.inplace);
  }
}

/** x / (1 + |x|). PyTorch's Softsign(). @example new nn.Softsign() */
export class Softsign extends Activation {
  protected fn(x: Tensor): Tensor {
    return softsign(x);
  }
}

/** x - tanh(x). PyTorch's Tanhshrink(). @example new nn.Tanhshrink() */
export class Tanhshrink extends Activation {
  protected fn(x: Tensor): Tensor {
    return tanhshrink(x);
  }
}

/** log(sigmoid(x)), stable. PyTorch's LogSigmoid(). @example new nn.LogSigmoid() */
export class LogSigmoid extends Activation {
  protected fn(x: Tensor): Tensor {
    return logsigmoid(x);
  }
}

/** Shrinks toward 0 by lambd (0 inside [-lambd, lambd]). PyTorch's Softshrink(lambd=0.5). @example new nn.Softshrink(0.25) */
export class Softshrink extends Activation {
  readonly lambd: number;
  constructor(...args: PositionalOr<[lambd: number], { lambd?: number }>) {
    super();
    const name = new.target.name;
    this.lambd = numArg(positionalOptions<{ lambd: number }>(name, args, ['lambd']).lambd, 0.5, name, 'lambd');
    if (name === 'Softshrink' && this.lambd < 0) throw new RangeError(`Softshrink: lambd must be greater or equal to 0, got ${this.lambd}`);
  }
  protected fn(x: Tensor): Tensor {
    return softshrink(x, this.lambd);
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/** 0 inside [-lambd, lambd], x outside. PyTorch's Hardshrink(lambd=0.5). @example new nn.Hardshrink() */
export class Hardshrink extends Softshrink {
  protected override fn(x: Tensor): Tensor {
    return hardshrink(x, this.lambd);
  }
}

/**
 * `value` where x <= threshold, else x. PyTorch's Threshold(threshold, value, inplace=False). Numbers
 * print as JavaScript numbers (Python would print 20.0 for a float 20.0).
 * @example new nn.Threshold(0.1, 20)
 */
export class Threshold extends Activation {
  readonly threshold: number;
  readonly value: number;
  readonly inplace: boolean;
  constructor(threshold: number, value: number, ...args: PositionalOr<[inplace: boolean], { inplace?: boolean }>) {
    super();
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`Threshold: threshold must be a number, got ${describeValue(threshold)}`);
    if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`Threshold: value must be a number, got ${describeValue(value)}`);
    this.threshold = threshold;
    this.value = value;
    this.inplace = checkBool(positionalOptions<{ inplace: boolean }>('Threshold', args, ['inplace']).inplace, false, 'Threshold', 'inplace');
  }
  protected fn(x: Tensor): Tensor {
    return threshold(x, this.threshold, this.value, this.inplace);
  }
  override extraRepr(): string {
    return `threshold=${pyNum(this.threshold)}, value=${pyNum(this.value)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export interface PReLUOptions {
  /** 1 (one shared slope) or the number of input channels (dim 1). Default 1. */
  numParameters?: number;
  /** Initial value of every slope. Default 0.25. */
  init?: number;
}

/**
 * x for x > 0, weight * x otherwise, with a learnable `weight` of numParameters slopes (initialised to
 * `init`). PyTorch's PReLU(num_parameters=1, init=0.25).
 * @example new nn.PReLU(3)
 */
export class PReLU extends Module {
  readonly numParameters: number;
  weight: Parameter;
  constructor(...args: PositionalOr<[numParameters: number, init: number], PReLUOptions>) {
    super();
    const o = positionalOptions<PReLUOptions>('PReLU', args, ['numParameters', 'init']);
    this.numParameters = checkSize(o.numParameters ?? 1, 'PReLU', 'numParameters');
    const init = numArg(o.init, 0.25, 'PReLU', 'init');
    this.weight = new Parameter(full([this.numParameters], init));
  }
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(PReLU as unknown as ModuleClass);
  }
  override forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/**
 * Randomized leaky ReLU: random slopes in [lower, upper] for x <= 0 in training mode, (lower + upper) / 2
 * in eval mode. PyTorch's RReLU(lower=1/8, upper=1/3, inplace=False).
 * @example new nn.RReLU(0.1, 0.3)
 */
export class RReLU extends Activation {
  readonly lower: number;
  readonly upper: number;
  readonly inplace: boolean;
  constructor(...args: PositionalOr<[lower: number, upper: number, inplace: boolean], Omit<RreluOptions, 'training'>>) {
    super();
    const o = positionalOptions<RreluOptions>('RReLU', args, ['lower', 'upper', 'inplace']);
    this.lower = numArg(o.lower, 1 / 8, 'RReLU', 'lower');
    this.upper = numArg(o.upper, 1 / 3, 'RReLU', 'upper');
    if (this.lower > this.upper) throw new RangeError(`RReLU: lower (${this.lower}) must be less than or equal to upper (${this.upper})`);
    this.inplace = checkBool(o.inplace, false, 'RReLU', 'inplace');
  }
  protected fn(x: Tensor): Tensor {
    return rrelu(x, this.lower, this.upper, this.training, this.inplace);
  }
  override extraRepr(): string {
    return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** a * sigmoid(b), the halves of the input along dim. PyTorch's GLU(dim=-1). @example new nn.GLU(1) */
export class GLU extends Activation {
  readonly dim: number;
  constructor(...args: PositionalOr<[dim: number], { dim?: number }>) {
    super();
    const dim: unknown = positionalOptions<{ dim: number }>('GLU', args, ['dim']).dim ?? -1;
    if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`GLU: dim must be an integer, got ${describeValue(dim)}`);
    this.dim = dim;
  }
  protected fn(x: Tensor): Tensor {
    return glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** softmax(-x) along dim (null: PyTorch's implicit choice). PyTorch's Softmin(dim=None). @example new nn.Softmin(1) */
export class Softmin extends Activation {
  readonly dim: number | null;
  constructor(...args: PositionalOr<[dim: number | null], { dim?: number | null }>) {
    super();
    const dim: unknown = positionalOptions<{ dim: number | null }>('Softmin', args, ['dim']).dim ?? null;
    if (dim !== null && (typeof dim !== 'number' || !Number.isInteger(dim))) throw new TypeError(`Softmin: dim must be an integer or null, got ${describeValue(dim)}`);
    this.dim = dim;
  }
  protected fn(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** Softmax over the channels (dim -3) of [C, H, W] or [N, C, H, W] input. PyTorch's Softmax2d(). @example new nn.Softmax2d() */
export class Softmax2d extends Activation {
  protected fn(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`Softmax2d: input must be a Tensor, got ${describeValue(x)}`);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`Softmax2d: expected input of 3 or 4 dims ([C, H, W] or [N, C, H, W]), got shape ${shapeStr(x.shape)}`);
    return softmax(x, x.ndim - 3);
  }
}
