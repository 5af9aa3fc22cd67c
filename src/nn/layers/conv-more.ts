/** More convolution layers: Conv1d, ConvTranspose1d/2d, Unfold, Fold (ops in ops/conv-more.ts). */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { shapeStr } from '../../tensor/shape.js';
import { positionalOptions } from '../../options.js';
import { Module, pyBool, pyTuple } from '../module.js';
import { Parameter } from '../parameter.js';
import { boolArg, pad2d, showArg, type IntPair, type PadMode, type PositionalOr } from '../../ops/conv.js';
import {
  blockParams, conv1dParams, conv1dWith, convTransposeParams, convTransposeSize, convTransposeWith, foldWith, intTuple, padSides1d,
  unfoldWith, type BlockParams, type Conv1dPadding, type Conv1dParams, type ConvTransposeParams, type IntSingle, type UnfoldOptions,
} from '../../ops/conv-more.js';
import { checkSize, resetWeightAndBias } from './linear.js';
import type { PaddingMode } from './conv.js';

type Opt<T> = T | undefined;
const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** inChannels and outChannels checked against groups (PyTorch's _ConvNd). */
function checkChannels(op: string, inChannels: number, outChannels: number, groups: number): void {
  checkSize(inChannels, op, 'inChannels');
  checkSize(outChannels, op, 'outChannels');
  if (inChannels % groups !== 0) throw new RangeError(`${op}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
  if (outChannels % groups !== 0) throw new RangeError(`${op}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
}

// ---------------------------------------------------------------- Conv1d

export interface Conv1dLayerOptions {
  stride?: IntSingle;
  padding?: Conv1dPadding;
  dilation?: IntSingle;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/** nn.Conv1d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type Conv1dLayerArgs = PositionalOr<
  [stride: Opt<IntSingle>, padding: Opt<Conv1dPadding>, dilation: Opt<IntSingle>, groups: Opt<number>, bias: Opt<boolean>, paddingMode: Opt<PaddingMode>],
  Conv1dLayerOptions
>;

/** x [N, C, L] or [C, L] padded by [before, after] along L in `mode` (PyTorch's F.pad for these modes). */
function pad1d(op: string, x: Tensor, before: number, after: number, mode: PadMode): Tensor {
  const len = x.shape[x.ndim - 1]!;
  const limit = mode === 'reflect' ? len - 1 : mode === 'circular' ? len : Infinity;
  if (len === 0 || before > limit || after > limit) {
    const what = mode === 'reflect' ? 'smaller than' : mode === 'circular' ? 'at most' : 'possible with';
    throw new RangeError(`${op}: ${mode} padding (${before}, ${after}) of input shape ${shapeStr(x.shape)} must be ${what} its length ${len}`);
  }
  const batched = x.ndim === 3;
  const y = pad2d(op, (batched ? x : x.unsqueeze(0)).unsqueeze(2), [before, after, 0, 0], mode).squeeze(2);
  return batched ? y : y.squeeze(0);
}

/**
 * 1-D convolution over [N, C, L] (or [C, L]) input; weight [outChannels, inChannels/groups, k], bias
 * [outChannels]. PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new Conv1d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, dilation = 1, groups = 1,
 * bias = true, paddingMode = 'zeros')`. padding: per side, 'valid' or 'same' (see F.conv1d); paddingMode
 * 'reflect', 'replicate' or 'circular' pads the input explicitly and convolves without padding.
 * Default init as PyTorch: kaiming-uniform(a = sqrt 5) weight, bias U(±1/sqrt(inChannels/groups·k)).
 * @example new nn.Conv1d(3, 8, 5, { padding: 2 }).forward(randn(2, 3, 17)).shape // [2, 8, 17]
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number];
  readonly stride: [number];
  /** A one-element array, or the string given ('valid', 'same'), as PyTorch keeps it. */
  readonly padding: [number] | 'valid' | 'same';
  readonly dilation: [number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;
  private readonly params: Conv1dParams;
  private readonly explicitPad: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: IntSingle, ...args: Conv1dLayerArgs) {
    super();
    const o = positionalOptions<Conv1dLayerOptions>('Conv1d', args, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode']);
    const p = conv1dParams('Conv1d', o);
    checkChannels('Conv1d', inChannels, outChannels, p.groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = intTuple('Conv1d', 'kernelSize', kernelSize, 1, 1) as [number];
    const bias = boolArg('Conv1d', 'bias', o.bias ?? true);
    const mode = o.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(mode)) {
      throw new RangeError(`Conv1d: paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, got ${showArg(mode)}`);
    }
    this.stride = [p.stride];
    this.padding = typeof p.padding === 'string' ? p.padding : [p.padding];
    this.dilation = [p.dilation];
    this.groups = p.groups;
    this.paddingMode = mode;
    this.explicitPad = padSides1d(p.padding, this.kernelSize[0], p.dilation);
    this.params = mode === 'zeros' ? p : { ...p, padding: 0 };
    this.weight = new Parameter(empty(outChannels, inChannels / p.groups, this.kernelSize[0]));
    this.bias = bias ? new Parameter(empty(outChannels)) : null;
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform(a = sqrt 5) weight, bias U(±1/sqrt(fanIn)), fanIn = inChannels/groups·k. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /** @internal forward keeps no reference to its input or output. */
  override keepsNothing(): boolean {
    return this.forward === Conv1d.prototype.forward;
  }

  override forward(x: Tensor): Tensor {
    // errors name conv1d, as PyTorch's (its forward calls F.conv1d)
    if (this.paddingMode === 'zeros' || !(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3)) {
      return conv1dWith('conv1d', x, this.weight, this.bias, this.params);
    }
    return conv1dWith('conv1d', pad1d('Conv1d', x, ...this.explicitPad, this.paddingMode), this.weight, this.bias, this.params);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation[0] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

// ---------------------------------------------------------------- ConvTranspose1d / ConvTranspose2d

export interface ConvTransposeLayerOptions<P> {
  stride?: P;
  padding?: P;
  outputPadding?: P;
  groups?: number;
  bias?: boolean;
  dilation?: P;
  /** Only 'zeros' (PyTorch supports no other for transposed convolutions). */
  paddingMode?: 'zeros';
}
export type ConvTranspose1dLayerOptions = ConvTransposeLayerOptions<IntSingle>;
export type ConvTranspose2dLayerOptions = ConvTransposeLayerOptions<IntPair>;

/** nn.ConvTranspose1d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type ConvTranspose1dLayerArgs = PositionalOr<
  [stride: Opt<IntSingle>, padding: Opt<IntSingle>, outputPadding: Opt<IntSingle>, groups: Opt<number>, bias: Opt<boolean>,
    dilation: Opt<IntSingle>, paddingMode: Opt<'zeros'>],
  ConvTranspose1dLayerOptions
>;
/** nn.ConvTranspose2d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type ConvTranspose2dLayerArgs = PositionalOr<
  [stride: Opt<IntPair>, padding: Opt<IntPair>, outputPadding: Opt<IntPair>, groups: Opt<number>, bias: Opt<boolean>,
    dilation: Opt<IntPair>, paddingMode: Opt<'zeros'>],
  ConvTranspose2dLayerOptions
>;

const CONV_T_LAYER_PARAMS = ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode'];

/** The shared body of ConvTranspose1d and ConvTranspose2d over `nd` spatial dims. */
abstract class ConvTransposeNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly dilation: number[];
  readonly paddingMode = 'zeros' as const;
  weight: Parameter;
  bias: Parameter | null;
  private readonly params: ConvTransposeParams;

  protected constructor(private readonly nd: number, name: string, inChannels: number, outChannels: number, kernelSize: unknown, args: readonly unknown[]) {
    super();
    const o = positionalOptions<ConvTransposeLayerOptions<unknown>>(name, args, CONV_T_LAYER_PARAMS);
    const p = convTransposeParams(name, o, nd);
    checkChannels(name, inChannels, outChannels, p.groups);
    const mode: unknown = o.paddingMode ?? 'zeros';
    if (mode !== 'zeros') {
      throw new RangeError(`${name}: only paddingMode 'zeros' is supported for ${name} (as in PyTorch), got ${showArg(mode)}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = intTuple(name, 'kernelSize', kernelSize, nd, 1);
    const bias = boolArg(name, 'bias', o.bias ?? true);
    this.params = p;
    this.stride = p.stride;
    this.padding = p.padding;
    this.outputPadding = p.outputPadding;
    this.groups = p.groups;
    this.dilation = p.dilation;
    this.weight = new Parameter(empty(inChannels, outChannels / p.groups, ...this.kernelSize));
    this.bias = bias ? new Parameter(empty(outChannels)) : null;
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform(a = sqrt 5) weight, bias U(±1/sqrt(fanIn)), fanIn = outChannels/groups·∏k (weight dim 1). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /**
   * The output padding that gives `outputSize` (PyTorch's _output_padding): its spatial sizes, or the
   * whole shape; each must lie in [min, min + stride - 1], min the size with outputPadding 0.
   */
  private outputPaddingFor(name: string, x: Tensor, outputSize: readonly number[]): number[] {
    const nd = this.nd;
    if (!Array.isArray(outputSize) || !outputSize.every((s) => typeof s === 'number' && Number.isInteger(s))) {
      throw new TypeError(`${name}: outputSize must be an array of integers, got ${showArg(outputSize)}`);
    }
    const nonSpatial = x.ndim === nd + 2 ? 2 : 1;
    let size = outputSize;
    if (size.length === nonSpatial + nd) size = size.slice(nonSpatial);
    if (size.length !== nd) {
      throw new RangeError(`${name}: for ${x.ndim}-D input, outputSize must have ${nd} or ${nonSpatial + nd} elements (got ${outputSize.length})`);
    }
    const spatial = x.shape.slice(x.ndim - nd);
    const min = spatial.map((s, d) => convTransposeSize(s, this.kernelSize[d]!, this.stride[d]!, this.padding[d]!, this.dilation[d]!, 0));
    const max = min.map((m, d) => m + this.stride[d]! - 1);
    if (size.some((s, d) => s < min[d]! || s > max[d]!)) {
      throw new RangeError(`${name}: requested an output size of ${showArg(outputSize)}, but valid sizes range from ${showArg(min)} to ${showArg(max)} ` +
        `(for an input of ${shapeStr(spatial)})`);
    }
    return size.map((s, d) => s - min[d]!);
  }

  protected forwardNd(name: string, op: string, x: Tensor, outputSize?: readonly number[] | null): Tensor {
    let p = this.params;
    if (outputSize != null) {
      if (!(x instanceof Tensor) || (x.ndim !== this.nd + 1 && x.ndim !== this.nd + 2)) {
        throw new RangeError(`${name}: expected ${this.nd + 1}-D (unbatched) or ${this.nd + 2}-D (batched) input, got ${showArg(x)}`);
      }
      p = { ...p, outputPadding: this.outputPaddingFor(name, x, outputSize) };
    }
    return convTransposeWith(op, x, this.weight, this.bias, p, this.nd);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (this.padding.some((v) => v !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    return s;
  }
}

/**
 * 1-D transposed convolution over [N, C, L] (or [C, L]); weight [inChannels, outChannels/groups, k], bias
 * [outChannels]. PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new ConvTranspose1d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, outputPadding = 0,
 * groups = 1, bias = true, dilation = 1, paddingMode = 'zeros')`. `forward(input, outputSize?)`: outputSize
 * (the spatial size, or the whole shape) picks the output padding, as PyTorch's output_size.
 * @example new nn.ConvTranspose1d(4, 2, 3, 2).forward(randn(1, 4, 9), [20]).shape // [1, 2, 20]
 */
export class ConvTranspose1d extends ConvTransposeNd {
  declare readonly kernelSize: [number];
  declare readonly stride: [number];
  declare readonly padding: [number];
  declare readonly outputPadding: [number];
  declare readonly dilation: [number];

  constructor(inChannels: number, outChannels: number, kernelSize: IntSingle, ...args: ConvTranspose1dLayerArgs) {
    super(1, 'ConvTranspose1d', inChannels, outChannels, kernelSize, args);
  }

  /** @internal forward keeps no reference to its input or output. */
  override keepsNothing(): boolean {
    return this.forward === ConvTranspose1d.prototype.forward;
  }

  override forward(x: Tensor, outputSize?: readonly number[] | null): Tensor {
    return this.forwardNd('ConvTranspose1d', 'convTranspose1d', x, outputSize);
  }
}

/**
 * 2-D transposed convolution over NCHW (or CHW); weight [inChannels, outChannels/groups, kH, kW], bias
 * [outChannels]. PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new ConvTranspose2d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, outputPadding = 0,
 * groups = 1, bias = true, dilation = 1, paddingMode = 'zeros')`. `forward(input, outputSize?)`: outputSize
 * (the spatial size, or the whole shape) picks the output padding, as PyTorch's output_size.
 * @example new nn.ConvTranspose2d(8, 3, 4, 2, 1).forward(randn(1, 8, 7, 7)).shape // [1, 3, 14, 14]
 */
export class ConvTranspose2d extends ConvTransposeNd {
  declare readonly kernelSize: [number, number];
  declare readonly stride: [number, number];
  declare readonly padding: [number, number];
  declare readonly outputPadding: [number, number];
  declare readonly dilation: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, ...args: ConvTranspose2dLayerArgs) {
    super(2, 'ConvTranspose2d', inChannels, outChannels, kernelSize, args);
  }

  /** @internal forward keeps no reference to its input or output. */
  override keepsNothing(): boolean {
    return this.forward === ConvTranspose2d.prototype.forward;
  }

  override forward(x: Tensor, outputSize?: readonly number[] | null): Tensor {
    return this.forwardNd('ConvTranspose2d', 'convTranspose2d', x, outputSize);
  }
}

// ---------------------------------------------------------------- Unfold / Fold

/** nn.Unfold's and nn.Fold's arguments after kernelSize: PyTorch's order, optionally ending with options. */
export type UnfoldLayerArgs = PositionalOr<[dilation: Opt<IntPair>, padding: Opt<IntPair>, stride: Opt<IntPair>], UnfoldOptions>;

/** A value as Python's repr shows an int or a tuple of ints. */
const pyValue = (v: IntPair): string => pyTuple(v as number | readonly number[]);

/**
 * Extracts sliding local blocks: [N, C, H, W] (or [C, H, W]) -> [N, C·kH·kW, L] (see F.unfold).
 * `new Unfold(kernelSize, dilation = 1, padding = 0, stride = 1)`, positional or as options.
 * @example new nn.Unfold(2, { stride: 2 }).forward(randn(1, 3, 4, 4)).shape // [1, 12, 4]
 */
export class Unfold extends Module {
  readonly kernelSize: IntPair;
  readonly dilation: IntPair;
  readonly padding: IntPair;
  readonly stride: IntPair;
  private readonly params: BlockParams;

  constructor(kernelSize: IntPair, ...args: UnfoldLayerArgs) {
    super();
    const o = positionalOptions<UnfoldOptions>('Unfold', args, ['dilation', 'padding', 'stride']);
    this.params = blockParams('Unfold', kernelSize, o);
    this.kernelSize = kernelSize;
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
  }

  /** @internal forward keeps no reference to its input or output. */
  override keepsNothing(): boolean {
    return this.forward === Unfold.prototype.forward;
  }

  override forward(x: Tensor): Tensor {
    return unfoldWith(x, this.params);
  }

  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, dilation=${pyValue(this.dilation)}, padding=${pyValue(this.padding)}, stride=${pyValue(this.stride)}`;
  }
}

/**
 * Combines sliding local blocks into images: [N, C·kH·kW, L] (or [C·kH·kW, L]) -> [N, C, *outputSize]
 * (see F.fold). `new Fold(outputSize, kernelSize, dilation = 1, padding = 0, stride = 1)`, positional or as options.
 * @example new nn.Fold([4, 4], 2, { stride: 2 }).forward(randn(1, 12, 4)).shape // [1, 3, 4, 4]
 */
export class Fold extends Module {
  readonly outputSize: IntPair;
  readonly kernelSize: IntPair;
  readonly dilation: IntPair;
  readonly padding: IntPair;
  readonly stride: IntPair;
  private readonly params: BlockParams;
  private readonly size: [number, number];

  constructor(outputSize: IntPair, kernelSize: IntPair, ...args: UnfoldLayerArgs) {
    super();
    const o = positionalOptions<UnfoldOptions>('Fold', args, ['dilation', 'padding', 'stride']);
    this.size = intTuple('Fold', 'outputSize', outputSize, 2, 0) as [number, number];
    this.params = blockParams('Fold', kernelSize, o);
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
  }

  /** @internal forward keeps no reference to its input or output. */
  override keepsNothing(): boolean {
    return this.forward === Fold.prototype.forward;
  }

  override forward(x: Tensor): Tensor {
    return foldWith(x, this.size, this.params);
  }

  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}, kernel_size=${pyValue(this.kernelSize)}, dilation=${pyValue(this.dilation)}, ` +
      `padding=${pyValue(this.padding)}, stride=${pyValue(this.stride)}`;
  }
}
