/** Convolution layers. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { positionalOptions } from '../../options.js';
import { Module, pyBool, pyTuple } from '../module.js';
import { Parameter } from '../parameter.js';
import {
  boolArg, conv2dWith, convParams, intPair, pad2d, padSides, showArg, type Conv2dPadding, type ConvParams, type IntPair,
  type PadMode, type PositionalOr,
} from '../../ops/conv.js';
import { checkSize, resetWeightAndBias } from './linear.js';

/** How nn.Conv2d pads its input: with zeros (in the convolution) or explicitly, as PyTorch's F.pad modes. */
export type PaddingMode = 'zeros' | PadMode;
const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface Conv2dLayerOptions {
  stride?: IntPair;
  padding?: Conv2dPadding;
  dilation?: IntPair;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

type Opt<T> = T | undefined;
/** nn.Conv2d's arguments after kernelSize: PyTorch's positional order, optionally ending with options. */
export type Conv2dLayerArgs = PositionalOr<
  [stride: Opt<IntPair>, padding: Opt<Conv2dPadding>, dilation: Opt<IntPair>, groups: Opt<number>, bias: Opt<boolean>, paddingMode: Opt<PaddingMode>],
  Conv2dLayerOptions
>;

const CONV2D_LAYER_PARAMS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'];

/**
 * 2-D convolution over NCHW input; weight [outChannels, inChannels/groups, kH, kW], bias [outChannels].
 * PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `new Conv2d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, dilation = 1, groups = 1,
 * bias = true, paddingMode = 'zeros')`, e.g. `new Conv2d(3, 8, 3, 1, 1)` or `new Conv2d(3, 8, 3, { padding: 1 })`.
 * padding: per side, 'valid' or 'same' (see F.conv2d); paddingMode 'reflect', 'replicate' or 'circular'
 * pads the input explicitly (as PyTorch's F.pad) and convolves without padding.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  /** A pair, or the string given ('valid', 'same'), as PyTorch keeps it. */
  readonly padding: [number, number] | 'valid' | 'same';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;
  /** Validated convolution parameters; padding [0, 0] when the input is padded explicitly. */
  private readonly params: ConvParams;
  /** [left, right, top, bottom], the explicit padding of a non-zeros paddingMode. */
  private readonly explicitPad: [number, number, number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, ...args: Conv2dLayerArgs) {
    super();
    const o = positionalOptions<Conv2dLayerOptions>('Conv2d', args, CONV2D_LAYER_PARAMS);
    this.inChannels = checkSize(inChannels, 'Conv2d', 'inChannels');
    this.outChannels = checkSize(outChannels, 'Conv2d', 'outChannels');
    this.kernelSize = intPair('Conv2d', 'kernelSize', kernelSize, 1);
    const p = convParams('Conv2d', o);
    if (inChannels % p.groups !== 0) throw new RangeError(`Conv2d: inChannels (${inChannels}) must be divisible by groups (${p.groups})`);
    if (outChannels % p.groups !== 0) throw new RangeError(`Conv2d: outChannels (${outChannels}) must be divisible by groups (${p.groups})`);
    const bias = boolArg('Conv2d', 'bias', o.bias ?? true);
    const mode = o.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(mode)) {
      throw new RangeError(`Conv2d: paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, got ${showArg(mode)}`);
    }
    this.stride = p.stride;
    this.padding = p.padding;
    this.dilation = p.dilation;
    this.groups = p.groups;
    this.paddingMode = mode;
    const [top, left, bottom, right] = padSides(p.padding, ...this.kernelSize, ...p.dilation);
    this.explicitPad = [left, right, top, bottom];
    this.params = mode === 'zeros' ? p : { ...p, padding: [0, 0] };
    this.weight = new Parameter(empty(outChannels, inChannels / p.groups, ...this.kernelSize));
    this.bias = bias ? new Parameter(empty(outChannels)) : null;
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform(a = sqrt 5) weight, bias U(±1/sqrt(fanIn)), fanIn = inChannels/groups*kH*kW. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === Conv2d.prototype.forward; // forwardIs(Conv2d), which its overloaded constructor's type does not fit
  }

  override forward(x: Tensor): Tensor {
    // errors name conv2d, as PyTorch's (its forward calls F.conv2d)
    if (this.paddingMode === 'zeros' || !(x instanceof Tensor) || x.ndim !== 4) return conv2dWith('conv2d', x, this.weight, this.bias, this.params);
    return conv2dWith('conv2d', pad2d('Conv2d', x, this.explicitPad, this.paddingMode), this.weight, this.bias, this.params);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}
