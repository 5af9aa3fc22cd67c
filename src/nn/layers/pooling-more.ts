/** More pooling layers: 1-D max / average, adaptive average / max, LP pooling and max unpooling (ops/pool-more.ts). */
import { Tensor } from '../../tensor/tensor.js';
import { positionalOptions } from '../../options.js';
import { Module, pyBool, pyTuple } from '../module.js';
import { boolArg, intPair, type IntPair, type PositionalOr, type Prefixes } from '../../ops/conv.js';
import type { PoolParams } from '../../ops/pool.js';
import {
  AVG_POOL1D_PARAMS, adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPoolWith, avgPool1dWith, intSingle, lpPool1dWith,
  lpPool2dWith, maxPool1dWith, maxUnpool1dWith, maxUnpool2dWith, normTypeArg, pool1dParams, unpoolParams,
  type AdaptiveMaxPoolOptions, type AdaptiveSize1d, type AdaptiveSize2d, type AvgPool1dOptions, type IntSingle,
  type MaxPool1dOptions, type UnpoolParams,
} from '../../ops/pool-more.js';

type Opt<T> = T | undefined;

type MaxPosition<R> = [stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, dilation: Opt<IntSingle>, returnIndices: R, ceilMode: Opt<boolean>];
/**
 * nn.MaxPool1d's arguments after kernelSize: PyTorch's positional order, optionally ending with options.
 * `MaxPool1dLayerArgs<true>`: the ones that set returnIndices (then forward gives [output, indices]).
 */
export type MaxPool1dLayerArgs<R extends boolean = false> = R extends true
  ? MaxPosition<true> | [...MaxPosition<true>, Omit<MaxPool1dOptions, 'kernelSize' | 'returnIndices'>]
    | [...Prefixes<[stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, dilation: Opt<IntSingle>]>, Omit<MaxPool1dOptions, 'kernelSize'> & { returnIndices: true }]
  : PositionalOr<MaxPosition<Opt<false>>, Omit<MaxPool1dOptions, 'kernelSize' | 'returnIndices'> & { returnIndices?: false }>;
/** nn.AvgPool1d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type AvgPool1dLayerArgs = PositionalOr<
  [stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, ceilMode: Opt<boolean>, countIncludePad: Opt<boolean>],
  Omit<AvgPool1dOptions, 'kernelSize'>
>;

/**
 * 1-D max pooling; PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new MaxPool1d(kernelSize, stride = kernelSize, padding = 0, dilation = 1, returnIndices = false,
 * ceilMode = false)`. With returnIndices, forward gives [output, indices] (see F.maxPool1d).
 * @example new nn.MaxPool1d(3, 2).forward(x) // [N, C, L] -> [N, C, floor((L - 3) / 2) + 1]
 */
export class MaxPool1d<ReturnIndices extends boolean = false> extends Module<(x: Tensor) => ReturnIndices extends true ? [Tensor, Tensor] : Tensor> {
  readonly kernelSize: IntSingle;
  readonly stride: IntSingle;
  readonly padding: IntSingle;
  readonly dilation: IntSingle;
  readonly returnIndices: ReturnIndices;
  readonly ceilMode: boolean;
  private readonly params: PoolParams;

  /** `new MaxPool1d<true>(2, { returnIndices: true })` for a forward typed [output, indices]. */
  constructor(kernelSize: IntSingle, ...args: MaxPool1dLayerArgs<ReturnIndices>) {
    super();
    const o = positionalOptions<MaxPool1dOptions>('MaxPool1d', args, ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode']);
    this.params = pool1dParams('MaxPool1d', 'max', { ...o, kernelSize });
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.returnIndices = this.params.returnIndices as ReturnIndices;
    this.ceilMode = this.params.ceilMode;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === MaxPool1d.prototype.forward;
  }

  override forward(x: Tensor): ReturnIndices extends true ? [Tensor, Tensor] : Tensor {
    return maxPool1dWith('maxPool1d', x, this.params) as ReturnIndices extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}, ` +
      `dilation=${pyTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * 1-D average pooling; PyTorch's parameters in PyTorch's order, or an options object after any prefix of
 * them: `new AvgPool1d(kernelSize, stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true)`.
 * @example new nn.AvgPool1d(2).forward(x) // [N, C, L] -> [N, C, floor(L / 2)]
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  private readonly params: PoolParams;

  constructor(kernelSize: IntSingle, ...args: AvgPool1dLayerArgs) {
    super();
    const o = positionalOptions<AvgPool1dOptions>('AvgPool1d', args, AVG_POOL1D_PARAMS.slice(1));
    this.params = pool1dParams('AvgPool1d', 'avg', { ...o, kernelSize });
    this.kernelSize = this.params.kernelSize[1];
    this.stride = this.params.stride[1];
    this.padding = this.params.padding[1];
    this.ceilMode = this.params.ceilMode;
    this.countIncludePad = this.params.countIncludePad;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(AvgPool1d);
  }

  override forward(x: Tensor): Tensor {
    return avgPool1dWith('avgPool1d', x, this.params);
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([this.stride])}, padding=${pyTuple([this.padding])}`;
  }
}

/** Python's repr of an adaptive output size (None for null). */
function pySize(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return v.length === 1 ? `(${pySize(v[0])},)` : `(${v.map(pySize).join(', ')})`;
  return String(v);
}

/**
 * Adaptive average pooling to outputSize over the last dim (see F.adaptiveAvgPool1d).
 * @example new nn.AdaptiveAvgPool1d(5).forward(x) // [N, C, L] -> [N, C, 5]
 */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: AdaptiveSize1d) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(AdaptiveAvgPool1d);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}

/**
 * Adaptive average pooling to outputSize over the last two dims (an integer, or [oh, ow] where null keeps
 * that dim; see F.adaptiveAvgPool2d).
 * @example new nn.AdaptiveAvgPool2d([1, 1]).forward(x) // global average pooling: [N, C, H, W] -> [N, C, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2d) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(AdaptiveAvgPool2d);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}

abstract class AdaptiveMaxPool<ReturnIndices extends boolean> extends Module<(x: Tensor) => ReturnIndices extends true ? [Tensor, Tensor] : Tensor> {
  readonly returnIndices: ReturnIndices;

  constructor(
    private readonly op: string,
    private readonly n: 1 | 2,
    readonly outputSize: unknown,
    args: readonly unknown[],
  ) {
    super();
    const o = positionalOptions<AdaptiveMaxPoolOptions>(op.replace(/^a/, 'A'), args, ['returnIndices']);
    this.returnIndices = boolArg(op.replace(/^a/, 'A'), 'returnIndices', o.returnIndices ?? false) as ReturnIndices;
  }

  override forward(x: Tensor): ReturnIndices extends true ? [Tensor, Tensor] : Tensor {
    return adaptiveMaxPoolWith(this.op, x, this.outputSize, this.n, this.returnIndices) as ReturnIndices extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling to outputSize over the last dim: `new AdaptiveMaxPool1d(outputSize, returnIndices =
 * false)` (see F.adaptiveMaxPool1d); with returnIndices, forward gives [output, indices].
 * @example new nn.AdaptiveMaxPool1d(4).forward(x) // [N, C, L] -> [N, C, 4]
 */
export class AdaptiveMaxPool1d<ReturnIndices extends boolean = false> extends AdaptiveMaxPool<ReturnIndices> {
  declare readonly outputSize: AdaptiveSize1d;
  constructor(outputSize: AdaptiveSize1d, ...args: [returnIndices?: boolean | AdaptiveMaxPoolOptions, options?: AdaptiveMaxPoolOptions]) {
    super('adaptiveMaxPool1d', 1, outputSize, args);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === AdaptiveMaxPool1d.prototype.forward;
  }
}

/**
 * Adaptive max pooling to outputSize over the last two dims: `new AdaptiveMaxPool2d(outputSize,
 * returnIndices = false)` (see F.adaptiveMaxPool2d); with returnIndices, forward gives [output, indices].
 * @example new nn.AdaptiveMaxPool2d([3, null]).forward(x) // [N, C, H, W] -> [N, C, 3, W]
 */
export class AdaptiveMaxPool2d<ReturnIndices extends boolean = false> extends AdaptiveMaxPool<ReturnIndices> {
  declare readonly outputSize: AdaptiveSize2d;
  constructor(outputSize: AdaptiveSize2d, ...args: [returnIndices?: boolean | AdaptiveMaxPoolOptions, options?: AdaptiveMaxPoolOptions]) {
    super('adaptiveMaxPool2d', 2, outputSize, args);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === AdaptiveMaxPool2d.prototype.forward;
  }
}

/** nn.LPPool1d/2d's arguments after kernelSize. */
export type LPPoolLayerArgs<S> = PositionalOr<[stride: Opt<S | null>, ceilMode: Opt<boolean>], { stride?: S | null; ceilMode?: boolean }>;

/**
 * Power-average pooling over the last dim: `new LPPool1d(normType, kernelSize, stride = kernelSize,
 * ceilMode = false)` (see F.lpPool1d).
 * @example new nn.LPPool1d(2, 3).forward(x) // the L2 norm of each window of 3
 */
export class LPPool1d extends Module {
  readonly stride: IntSingle | null;
  readonly ceilMode: boolean;
  private readonly k: number;
  private readonly s: number;

  constructor(readonly normType: number, readonly kernelSize: IntSingle, ...args: LPPoolLayerArgs<IntSingle>) {
    super();
    const o = positionalOptions<{ stride?: IntSingle | null; ceilMode?: boolean }>('LPPool1d', args, ['stride', 'ceilMode']);
    normTypeArg('LPPool1d', normType);
    this.k = intSingle('LPPool1d', 'kernelSize', kernelSize, 1);
    this.s = o.stride == null ? this.k : intSingle('LPPool1d', 'stride', o.stride, 1);
    this.stride = o.stride ?? null;
    this.ceilMode = boolArg('LPPool1d', 'ceilMode', o.ceilMode ?? false);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LPPool1d);
  }

  override forward(x: Tensor): Tensor {
    return lpPool1dWith('lpPool1d', x, this.normType, this.k, this.s, this.ceilMode);
  }

  override extraRepr(): string {
    return `norm_type=${this.normType}, kernel_size=${pyTuple(this.kernelSize)}, stride=${this.stride === null ? 'None' : pyTuple(this.stride)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * Power-average pooling over the last two dims: `new LPPool2d(normType, kernelSize, stride = kernelSize,
 * ceilMode = false)` (see F.lpPool2d).
 * @example new nn.LPPool2d(2, 2).forward(x) // the L2 norm of each 2x2 window
 */
export class LPPool2d extends Module {
  readonly stride: IntPair | null;
  readonly ceilMode: boolean;
  private readonly k: [number, number];
  private readonly s: [number, number];

  constructor(readonly normType: number, readonly kernelSize: IntPair, ...args: LPPoolLayerArgs<IntPair>) {
    super();
    const o = positionalOptions<{ stride?: IntPair | null; ceilMode?: boolean }>('LPPool2d', args, ['stride', 'ceilMode']);
    normTypeArg('LPPool2d', normType);
    this.k = intPair('LPPool2d', 'kernelSize', kernelSize, 1);
    this.s = o.stride == null ? this.k : intPair('LPPool2d', 'stride', o.stride, 1);
    this.stride = o.stride ?? null;
    this.ceilMode = boolArg('LPPool2d', 'ceilMode', o.ceilMode ?? false);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(LPPool2d);
  }

  override forward(x: Tensor): Tensor {
    return lpPool2dWith('lpPool2d', x, this.normType, this.k, this.s, this.ceilMode);
  }

  override extraRepr(): string {
    return `norm_type=${this.normType}, kernel_size=${pyTuple(this.kernelSize)}, stride=${this.stride === null ? 'None' : pyTuple(this.stride)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** nn.MaxUnpool1d/2d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type MaxUnpoolLayerArgs<S> = PositionalOr<[stride: Opt<S | null>, padding: Opt<S>], { stride?: S | null; padding?: S }>;

abstract class MaxUnpool extends Module<(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null) => Tensor> {
  protected readonly params: UnpoolParams;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];

  constructor(private readonly op: string, private readonly n: 1 | 2, kernelSize: unknown, args: readonly unknown[]) {
    super();
    const name = op.replace(/^m/, 'M');
    this.params = unpoolParams(name, n, kernelSize, positionalOptions(name, args, ['stride', 'padding']));
    this.kernelSize = this.params.kernel;
    this.stride = this.params.stride;
    this.padding = this.params.padding;
  }

  override forward(x: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    const p = { ...this.params, outputSize };
    return this.n === 1 ? maxUnpool1dWith(this.op, x, indices, p) : maxUnpool2dWith(this.op, x, indices, p);
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

/**
 * The partial inverse of MaxPool1d: `new MaxUnpool1d(kernelSize, stride = kernelSize, padding = 0)`,
 * forward(input, indices, outputSize = null) (see F.maxUnpool1d).
 * @example new nn.MaxUnpool1d(2).forward(...new nn.MaxPool1d(2, { returnIndices: true }).forward(x))
 */
export class MaxUnpool1d extends MaxUnpool {
  constructor(kernelSize: IntSingle, ...args: MaxUnpoolLayerArgs<IntSingle>) {
    super('maxUnpool1d', 1, kernelSize, args);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(MaxUnpool1d);
  }
}

/**
 * The partial inverse of MaxPool2d: `new MaxUnpool2d(kernelSize, stride = kernelSize, padding = 0)`,
 * forward(input, indices, outputSize = null) (see F.maxUnpool2d).
 * @example new nn.MaxUnpool2d(2).forward(...new nn.MaxPool2d<true>(2, { returnIndices: true }).forward(x))
 */
export class MaxUnpool2d extends MaxUnpool {
  constructor(kernelSize: IntPair, ...args: MaxUnpoolLayerArgs<IntPair>) {
    super('maxUnpool2d', 2, kernelSize, args);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(MaxUnpool2d);
  }
}
