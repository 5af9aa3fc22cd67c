/** Pooling layers. */
import { Tensor } from '../../tensor/tensor.js';
import { positionalOptions } from '../../options.js';
import { Module, pyBool, pyTuple } from '../module.js';
import type { IntPair, PositionalOr, Prefixes } from '../../ops/conv.js';
import {
  AVG_POOL2D_PARAMS, avgPool2dWith, maxPool2dWith, poolParams, type AvgPool2dOptions, type MaxPool2dOptions,
  type PoolParams,
} from '../../ops/pool.js';

type Opt<T> = T | undefined;

type MaxPosition<R> = [stride: Opt<IntPair | null>, padding: Opt<IntPair>, dilation: Opt<IntPair>, returnIndices: R, ceilMode: Opt<boolean>];
/**
 * nn.MaxPool2d's arguments after kernelSize: PyTorch's positional order, optionally ending with options.
 * `MaxPool2dLayerArgs<true>`: the ones that set returnIndices (then forward gives [output, indices]).
 */
export type MaxPool2dLayerArgs<R extends boolean = false> = R extends true
  ? MaxPosition<true> | [...MaxPosition<true>, Omit<MaxPool2dOptions, 'kernelSize' | 'returnIndices'>]
    | [...Prefixes<[stride: Opt<IntPair | null>, padding: Opt<IntPair>, dilation: Opt<IntPair>]>, Omit<MaxPool2dOptions, 'kernelSize'> & { returnIndices: true }]
  : PositionalOr<MaxPosition<Opt<false>>, Omit<MaxPool2dOptions, 'kernelSize' | 'returnIndices'> & { returnIndices?: false }>;
/** nn.AvgPool2d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type AvgPool2dLayerArgs = PositionalOr<
  [stride: Opt<IntPair | null>, padding: Opt<IntPair>, ceilMode: Opt<boolean>, countIncludePad: Opt<boolean>, divisorOverride: Opt<number | null>],
  Omit<AvgPool2dOptions, 'kernelSize'>
>;

/** The options of nn.MaxPool2d or nn.AvgPool2d (after kernelSize). */
export type Pool2dOptions = Omit<MaxPool2dOptions, 'kernelSize'> | Omit<AvgPool2dOptions, 'kernelSize'>;

/**
 * What max and average pooling layers share: the parameters, validated at construction (PyTorch's
 * names after kernelSize, in the layer's positional order), kept as given for the repr.
 */
abstract class Pool2d<Out = Tensor> extends Module<(x: Tensor) => Out> {
  readonly kernelSize: IntPair;
  /** As given; the kernel size when omitted (PyTorch's default). */
  readonly stride: IntPair;
  readonly padding: IntPair;
  readonly ceilMode: boolean;
  protected readonly params: PoolParams;
  /** The options as given (for the repr). */
  protected readonly given: Record<string, unknown>;

  constructor(op: string, kind: 'max' | 'avg', names: readonly string[], kernelSize: IntPair, args: readonly unknown[]) {
    super();
    const o = positionalOptions<Record<string, unknown>>(op, args, names);
    this.params = poolParams(op, kind, { ...o, kernelSize });
    this.kernelSize = kernelSize;
    this.stride = (o.stride as IntPair | null | undefined) ?? kernelSize;
    this.padding = (o.padding as IntPair | undefined) ?? 0;
    this.ceilMode = this.params.ceilMode;
    this.given = o;
  }
}

/**
 * Max pooling; PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new MaxPool2d(kernelSize, stride = kernelSize, padding = 0, dilation = 1, returnIndices = false, ceilMode = false)`.
 * With returnIndices, forward gives [output, indices] (see F.maxPool2d).
 */
export class MaxPool2d<ReturnIndices extends boolean = false> extends Pool2d<ReturnIndices extends true ? [Tensor, Tensor] : Tensor> {
  readonly dilation: IntPair;
  readonly returnIndices: ReturnIndices;

  /** `new MaxPool2d<true>(2, { returnIndices: true })` for a forward typed [output, indices]. */
  constructor(kernelSize: IntPair, ...args: MaxPool2dLayerArgs<ReturnIndices>) {
    super('MaxPool2d', 'max', ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], kernelSize, args);
    this.dilation = (this.given.dilation as IntPair | undefined) ?? 1;
    this.returnIndices = this.params.returnIndices as ReturnIndices;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === MaxPool2d.prototype.forward; // forwardIs(MaxPool2d), which its generic constructor's type does not fit
  }

  override forward(x: Tensor): ReturnIndices extends true ? [Tensor, Tensor] : Tensor {
    return maxPool2dWith('maxPool2d', x, this.params) as ReturnIndices extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}, ` +
      `dilation=${pyTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * Average pooling; PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new AvgPool2d(kernelSize, stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true,
 * divisorOverride = null)` (see F.avgPool2d).
 */
export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: IntPair, ...args: AvgPool2dLayerArgs) {
    super('AvgPool2d', 'avg', AVG_POOL2D_PARAMS.slice(1), kernelSize, args);
    this.countIncludePad = this.params.countIncludePad;
    this.divisorOverride = this.params.divisorOverride === 0 ? null : this.params.divisorOverride;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === AvgPool2d.prototype.forward; // forwardIs(AvgPool2d), which its constructor's type does not fit
  }

  override forward(x: Tensor): Tensor {
    return avgPool2dWith('avgPool2d', x, this.params);
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

