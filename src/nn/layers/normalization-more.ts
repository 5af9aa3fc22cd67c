/**
 * More normalisation layers: GroupNorm, InstanceNorm1d/2d, LocalResponseNorm and RMSNorm, with PyTorch's
 * parameter and buffer names (weight, bias; running_mean, running_var, num_batches_tracked) so state
 * dicts move between the two.
 */
import { noGrad } from '../../autograd/mode.js';
import { shapeStr } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { ones, zeros, scalarTensor } from '../../tensor/creation.js';
import { Module, pyBool, pyFloat, pyTuple } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkSize, type ModuleClass } from './linear.js';
import { positionalOptions } from '../../options.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkBool } from '../../ops/dropout.js';
import { groupNorm, instanceNorm, localResponseNorm, rmsNorm, normalizedShapeArg, type LocalResponseNormOptions } from '../../ops/normalization-more.js';
import { numArg } from '../../ops/activation-more.js';

function epsOf(v: unknown, def: number, name: string): number {
  const eps = v ?? def;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${name}: eps must be a non-negative number, got ${describeValue(eps)}`);
  return eps;
}

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight (ones) and bias (zeros). Default true. */
  affine?: boolean;
}

/**
 * Group normalisation of [N, C, *] input: the C channels in numGroups groups, each (sample, group)
 * normalised by its own statistics. PyTorch's GroupNorm(num_groups, num_channels, eps=1e-5, affine=True).
 * @example new nn.GroupNorm(2, 6)
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, ...args: PositionalOr<[eps: number, affine: boolean], GroupNormOptions>) {
    super();
    this.numGroups = checkSize(numGroups, 'GroupNorm', 'numGroups');
    this.numChannels = checkSize(numChannels, 'GroupNorm', 'numChannels');
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    const o = positionalOptions<GroupNormOptions>('GroupNorm', args, ['eps', 'affine']);
    this.eps = epsOf(o.eps, 1e-5, 'GroupNorm');
    this.affine = checkBool(o.affine, true, 'GroupNorm', 'affine');
    this.weight = this.affine ? new Parameter(ones(numChannels)) : null;
    this.bias = this.affine ? new Parameter(zeros(numChannels)) : null;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(GroupNorm as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

export interface InstanceNormOptions {
  eps?: number;
  /** Weight of the new statistic in the running average. Default 0.1. */
  momentum?: number;
  /** Learnable per-channel weight (ones) and bias (zeros). Default false. */
  affine?: boolean;
  /** Keep running statistics (used in eval mode). Default false. */
  trackRunningStats?: boolean;
}

type BufferHost = { running_mean: Tensor | null; running_var: Tensor | null; num_batches_tracked: Tensor | null };

/** Shared implementation of InstanceNorm1d and InstanceNorm2d (PyTorch's _InstanceNorm). */
export abstract class InstanceNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  /** Dims of unbatched input ([C, L] for 1d, [C, H, W] for 2d). */
  protected abstract readonly noBatchDim: number;

  /**
   * PyTorch's (num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False),
   * positionally and/or as a trailing options object.
   */
  constructor(numFeatures: number, ...args: PositionalOr<[eps: number, momentum: number, affine: boolean, trackRunningStats: boolean], InstanceNormOptions>) {
    super();
    const name = new.target.name;
    this.numFeatures = checkSize(numFeatures, name, 'numFeatures');
    const o = positionalOptions<InstanceNormOptions>(name, args, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    this.eps = epsOf(o.eps, 1e-5, name);
    if (o.momentum === null) throw new TypeError(`${name}: momentum null (a cumulative average) is not supported by instance norm; give a number`);
    const momentum: unknown = o.momentum ?? 0.1;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new RangeError(`${name}: momentum must be a number in [0, 1], got ${describeValue(momentum)}`);
    this.momentum = momentum;
    this.affine = checkBool(o.affine, false, name, 'affine');
    this.trackRunningStats = checkBool(o.trackRunningStats, false, name, 'trackRunningStats');
    this.weight = this.affine ? new Parameter(ones(numFeatures)) : null;
    this.bias = this.affine ? new Parameter(zeros(numFeatures)) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros(numFeatures) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones(numFeatures) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? scalarTensor(0, 'int32') : null);
  }

  private get buf(): BufferHost {
    return this as unknown as BufferHost;
  }
  /** Running mean per channel (buffer `running_mean`), null without trackRunningStats. */
  get runningMean(): Tensor | null {
    return this.buf.running_mean;
  }
  /** Running (unbiased) variance per channel (buffer `running_var`). */
  get runningVar(): Tensor | null {
    return this.buf.running_var;
  }
  /** Buffer `num_batches_tracked` (kept for state-dict compatibility; instance norm does not count, as PyTorch). */
  get numBatchesTracked(): Tensor | null {
    return this.buf.num_batches_tracked;
  }

  /** Running mean 0, variance 1, count 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(InstanceNorm as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!(x instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor, got ${describeValue(x)}`);
    const nb = this.noBatchDim;
    if (x.ndim !== nb && x.ndim !== nb + 1) {
      throw new RangeError(`${name}: expected ${nb}D (unbatched) or ${nb + 1}D (batched) input, got ${x.ndim}D input of shape ${shapeStr(x.shape)}`);
    }
    const fdim = x.ndim - nb;
    if (x.shape[fdim] !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new RangeError(`${name}: expected input's size at dim ${fdim} to match numFeatures (${this.numFeatures}), got input shape ${shapeStr(x.shape)}`);
    }
    const batched = x.ndim === nb ? x.unsqueeze(0) : x;
    const y = instanceNorm(batched, this.runningMean, this.runningVar, this.weight, this.bias, this.training || !this.trackRunningStats, this.momentum, this.eps);
    return x.ndim === nb ? y.squeeze(0) : y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Instance normalisation of [N, C, L] (or unbatched [C, L]) input. @example new nn.InstanceNorm1d(4) */
export class InstanceNorm1d extends InstanceNorm {
  protected readonly noBatchDim = 2;
}

/** Instance normalisation of [N, C, H, W] (or unbatched [C, H, W]) input. @example new nn.InstanceNorm2d(4, { affine: true }) */
export class InstanceNorm2d extends InstanceNorm {
  protected readonly noBatchDim = 3;
}

/**
 * Local response normalisation across channels. PyTorch's LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.).
 * @example new nn.LocalResponseNorm(3)
 */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(size: number, ...args: PositionalOr<[alpha: number, beta: number, k: number], LocalResponseNormOptions>) {
    super();
    this.size = checkSize(size, 'LocalResponseNorm', 'size');
    const o = positionalOptions<LocalResponseNormOptions>('LocalResponseNorm', args, ['alpha', 'beta', 'k']);
    this.alpha = numArg(o.alpha, 1e-4, 'LocalResponseNorm', 'alpha');
    this.beta = numArg(o.beta, 0.75, 'LocalResponseNorm', 'beta');
    this.k = numArg(o.k, 1, 'LocalResponseNorm', 'k');
  }
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LocalResponseNorm as unknown as ModuleClass);
  }
  override forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

export interface RMSNormOptions {
  /** Added to the mean of squares; null (default): float32's machine epsilon. */
  eps?: number | null;
  /** Learnable weight (ones) of normalizedShape. Default true. */
  elementwiseAffine?: boolean;
}

/**
 * RMS normalisation over the trailing normalizedShape dims: x / sqrt(mean(x^2) + eps) * weight.
 * PyTorch 2.4's RMSNorm(normalized_shape, eps=None, elementwise_affine=True).
 * @example new nn.RMSNorm([8])
 */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  constructor(normalizedShape: number | readonly number[], ...args: PositionalOr<[eps: number | null, elementwiseAffine: boolean], RMSNormOptions>) {
    super();
    this.normalizedShape = normalizedShapeArg(normalizedShape, 'RMSNorm');
    const o = positionalOptions<RMSNormOptions>('RMSNorm', args, ['eps', 'elementwiseAffine']);
    this.eps = o.eps == null ? null : epsOf(o.eps, 0, 'RMSNorm');
    this.elementwiseAffine = checkBool(o.elementwiseAffine, true, 'RMSNorm', 'elementwiseAffine');
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape)) : null;
  }
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(RMSNorm as unknown as ModuleClass);
  }
  override forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${this.eps === null ? 'None' : pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
