/**
 * Normalisation layers. BatchNorm's running statistics are buffers saved in the state dict under
 * PyTorch's keys (running_mean, running_var, num_batches_tracked), so checkpoints move between the two;
 * in TypeScript they read as runningMean, runningVar and numBatchesTracked.
 */
import { noGrad } from '../../autograd/mode.js';
import { shapeStr } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { ones, zeros, scalarTensor } from '../../tensor/creation.js';
import { Module, pyBool, pyFloat, pyTuple } from '../module.js';
import { Parameter } from '../parameter.js';
import { batchNorm, layerNorm } from '../functional.js';
import { checkSize, type ModuleClass } from './linear.js';
import { positionalOptions } from '../../options.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkBool } from '../../ops/dropout.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel weight (ones) and bias (zeros). Default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode (otherwise batch statistics are used always). Default true. */
  trackRunningStats?: boolean;
}

type BufferHost = { running_mean: Tensor | null; running_var: Tensor | null; num_batches_tracked: Tensor | null };

/** Shared implementation of BatchNorm1d and BatchNorm2d (PyTorch's _BatchNorm). */
export abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /**
   * PyTorch's (num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True), positionally
   * and/or as a trailing options object: `new BatchNorm2d(8, 1e-3)`, `new BatchNorm2d(8, { momentum: null })`.
   */
  constructor(numFeatures: number, ...args: PositionalOr<[eps: number, momentum: number | null, affine: boolean, trackRunningStats: boolean], BatchNormOptions>) {
    super();
    const name = new.target.name;
    this.numFeatures = checkSize(numFeatures, name, 'numFeatures');
    const o = positionalOptions<BatchNormOptions>(name, args, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    const eps: unknown = o.eps ?? 1e-5;
    const momentum: unknown = o.momentum === undefined ? 0.1 : o.momentum;
    if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${name}: eps must be a non-negative number, got ${describeValue(eps)}`);
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new RangeError(`${name}: momentum must be a number in [0, 1] or null, got ${describeValue(momentum)}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = checkBool(o.affine, true, name, 'affine');
    this.trackRunningStats = checkBool(o.trackRunningStats, true, name, 'trackRunningStats');
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
  set runningMean(t: Tensor | null) {
    this.buf.running_mean = t;
  }
  /** Running (unbiased) variance per channel (buffer `running_var`). */
  get runningVar(): Tensor | null {
    return this.buf.running_var;
  }
  set runningVar(t: Tensor | null) {
    this.buf.running_var = t;
  }
  /** Number of training batches seen (int32 0-d buffer `num_batches_tracked`). */
  get numBatchesTracked(): Tensor | null {
    return this.buf.num_batches_tracked;
  }
  set numBatchesTracked(t: Tensor | null) {
    this.buf.num_batches_tracked = t;
  }

  /** Running mean 0, variance 1, count 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  protected abstract checkInput(x: Tensor): void;

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(BatchNorm as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`${this.constructor.name}: input must be a Tensor`);
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      const nbt = this.numBatchesTracked;
      const count = nbt.item() + 1;
      noGrad(() => nbt.fill_(count));
      factor = this.momentum ?? 1 / count;
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const keepRunning = !this.training || this.trackRunningStats;
    return batchNorm(
      x,
      keepRunning ? this.runningMean : null,
      keepRunning ? this.runningVar : null,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    );
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] input (statistics per channel C). */
export class BatchNorm1d extends BatchNorm {
  protected override checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input of shape ${shapeStr(x.shape)})`);
    if (x.shape[1] !== this.numFeatures) throw new RangeError(`BatchNorm1d: input shape ${shapeStr(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
  }
}

/** Batch normalisation over [N, C, H, W] input (statistics per channel C). */
export class BatchNorm2d extends BatchNorm {
  protected override checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input of shape ${shapeStr(x.shape)})`);
    if (x.shape[1] !== this.numFeatures) throw new RangeError(`BatchNorm2d: input shape ${shapeStr(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (ones) and bias (zeros) of normalizedShape. Default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether to learn the bias too (keyword only; PyTorch 2.1's bias). Default true. */
  bias?: boolean;
}

/** Layer normalisation over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /**
   * PyTorch's (normalized_shape, eps=1e-5, elementwise_affine=True), positionally and/or as a trailing
   * options object: `new LayerNorm(5, 1e-3)`, `new LayerNorm([4, 5], { elementwiseAffine: false })`.
   */
  constructor(normalizedShape: number | readonly number[], ...args: PositionalOr<[eps: number, elementwiseAffine: boolean], LayerNormOptions>) {
    super();
    if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape)) {
      throw new TypeError(`LayerNorm: normalizedShape must be a number or an array of numbers, got ${describeValue(normalizedShape)}`);
    }
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...(normalizedShape as readonly number[])];
    ns.forEach((d) => checkSize(d, 'LayerNorm', 'normalizedShape entries'));
    this.normalizedShape = ns;
    const o = positionalOptions<LayerNormOptions>('LayerNorm', args, ['eps', 'elementwiseAffine'], ['bias']);
    const eps: unknown = o.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`LayerNorm: eps must be a non-negative number, got ${describeValue(eps)}`);
    this.eps = eps;
    this.elementwiseAffine = checkBool(o.elementwiseAffine, true, 'LayerNorm', 'elementwiseAffine');
    const bias = checkBool(o.bias, true, 'LayerNorm', 'bias');
    this.weight = this.elementwiseAffine ? new Parameter(ones(ns)) : null;
    this.bias = this.elementwiseAffine && bias ? new Parameter(zeros(ns)) : null;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LayerNorm as unknown as ModuleClass);
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
