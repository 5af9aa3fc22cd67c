/** Resampling layers: pixel shuffle, the padding layers and upsampling (ops/resample.ts). */
import { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { positionalOptions } from '../../options.js';
import { Module, pyBool, pyFloat, pyTuple } from '../module.js';
import { showArg, type PositionalOr } from '../../ops/conv.js';
import {
  interpolateWith, pad, pixelShuffle, pixelUnshuffle, type InterpolateMode, type InterpolateOptions, type PadMode,
} from '../../ops/resample.js';

/**
 * Rearranges [*, C * r^2, H, W] into [*, C, H * r, W * r] (see F.pixelShuffle).
 * @example new nn.PixelShuffle(2).forward(x) // [N, 12, H, W] -> [N, 3, 2H, 2W]
 */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(PixelShuffle);
  }

  override forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/**
 * Rearranges [*, C, H * r, W * r] into [*, C * r^2, H, W] (see F.pixelUnshuffle).
 * @example new nn.PixelUnshuffle(2).forward(x) // [N, 3, 2H, 2W] -> [N, 12, H, W]
 */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(PixelUnshuffle);
  }

  override forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

// ---------------------------------------------------------------- padding layers

/** The padding of a padding layer over n dims: an integer for every side, or 2n integers (F.pad's order). */
export type PadSpec = number | readonly number[];

/** The padding as F.pad's list [left, right, (top, bottom, (front, back))], checked. */
function padList(op: string, padding: unknown, n: number): number[] {
  if (typeof padding === 'number' && Number.isInteger(padding)) return new Array<number>(2 * n).fill(padding);
  if (Array.isArray(padding) && padding.length === 2 * n && padding.every((v) => typeof v === 'number' && Number.isInteger(v))) return [...padding] as number[];
  throw new TypeError(`${op}: padding must be an integer or ${2 * n} integers, got ${showArg(padding)}`);
}

abstract class PadNd extends Module {
  /** The padding as F.pad takes it: [left, right, top, bottom, front, back] up to the layer's dims. */
  readonly padding: number[];

  constructor(protected readonly name: string, protected readonly n: number, padding: PadSpec, protected readonly mode: PadMode, readonly value = 0) {
    super();
    this.padding = padList(name, padding, n);
  }

  override forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`${this.name}: input must be a Tensor, got ${showArg(x)}`);
    if (this.mode !== 'constant' && x.ndim !== this.n + 1 && x.ndim !== this.n + 2) {
      throw new RangeError(`${this.name}: expects ${this.n + 1}-D or ${this.n + 2}-D input, got shape ${shapeStr(x.shape)}`);
    }
    return this.mode === 'constant' ? pad(x, this.padding, 'constant', this.value) : pad(x, this.padding, this.mode);
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === PadNd.prototype.forward;
  }

  override extraRepr(): string {
    return pyTuple(this.padding);
  }
}

/** Constant padding layers: value everywhere outside the input. */
abstract class ConstantPadNd extends PadNd {
  override extraRepr(): string {
    return `padding=${pyTuple(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/**
 * Pads the last dim with `value` (see F.pad): `new ConstantPad1d(padding, value)`, padding an integer or
 * [left, right].
 * @example new nn.ConstantPad1d([1, 2], 3.5).forward(x) // [N, C, L] -> [N, C, L + 3]
 */
export class ConstantPad1d extends ConstantPadNd {
  constructor(padding: PadSpec, value: number) {
    super('ConstantPad1d', 1, padding, 'constant', numberArg('ConstantPad1d', value));
  }
}
/**
 * Pads the last two dims with `value`: `new ConstantPad2d(padding, value)`, padding an integer or
 * [left, right, top, bottom].
 * @example new nn.ConstantPad2d(1, 0.5).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class ConstantPad2d extends ConstantPadNd {
  constructor(padding: PadSpec, value: number) {
    super('ConstantPad2d', 2, padding, 'constant', numberArg('ConstantPad2d', value));
  }
}
/**
 * Pads the last three dims with `value`: `new ConstantPad3d(padding, value)`, padding an integer or
 * [left, right, top, bottom, front, back].
 * @example new nn.ConstantPad3d(1, 0).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2]
 */
export class ConstantPad3d extends ConstantPadNd {
  constructor(padding: PadSpec, value: number) {
    super('ConstantPad3d', 3, padding, 'constant', numberArg('ConstantPad3d', value));
  }
}

function numberArg(op: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: value must be a number, got ${showArg(v)}`);
  return v;
}

/**
 * Pads the last dim with zeros: `new ZeroPad1d(padding)`, padding an integer or [left, right].
 * @example new nn.ZeroPad1d(2).forward(x) // [N, C, L] -> [N, C, L + 4]
 */
export class ZeroPad1d extends PadNd {
  constructor(padding: PadSpec) {
    super('ZeroPad1d', 1, padding, 'constant');
  }
}
/**
 * Pads the last two dims with zeros: `new ZeroPad2d(padding)`, padding an integer or [left, right, top, bottom].
 * @example new nn.ZeroPad2d([1, 1, 2, 0]).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class ZeroPad2d extends PadNd {
  constructor(padding: PadSpec) {
    super('ZeroPad2d', 2, padding, 'constant');
  }
}
/**
 * Pads the last three dims with zeros: `new ZeroPad3d(padding)`, padding an integer or 6 integers.
 * @example new nn.ZeroPad3d(1).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2]
 */
export class ZeroPad3d extends PadNd {
  constructor(padding: PadSpec) {
    super('ZeroPad3d', 3, padding, 'constant');
  }
}

/**
 * Mirror padding of the last dim (without repeating the edge; each pad < the dim's size): `new
 * ReflectionPad1d(padding)`, padding an integer or [left, right]; input [C, L] or [N, C, L].
 * @example new nn.ReflectionPad1d(2).forward(x) // [N, C, L] -> [N, C, L + 4]
 */
export class ReflectionPad1d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReflectionPad1d', 1, padding, 'reflect');
  }
}
/**
 * Mirror padding of the last two dims: `new ReflectionPad2d(padding)`, padding an integer or [left, right,
 * top, bottom]; input [C, H, W] or [N, C, H, W].
 * @example new nn.ReflectionPad2d(1).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class ReflectionPad2d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReflectionPad2d', 2, padding, 'reflect');
  }
}
/**
 * Mirror padding of the last three dims: `new ReflectionPad3d(padding)`, padding an integer or 6 integers;
 * input [C, D, H, W] or [N, C, D, H, W].
 * @example new nn.ReflectionPad3d(1).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2]
 */
export class ReflectionPad3d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReflectionPad3d', 3, padding, 'reflect');
  }
}

/**
 * Edge-repeating padding of the last dim: `new ReplicationPad1d(padding)`, padding an integer or [left,
 * right]; input [C, L] or [N, C, L].
 * @example new nn.ReplicationPad1d([3, 0]).forward(x) // [N, C, L] -> [N, C, L + 3]
 */
export class ReplicationPad1d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReplicationPad1d', 1, padding, 'replicate');
  }
}
/**
 * Edge-repeating padding of the last two dims: `new ReplicationPad2d(padding)`; input [C, H, W] or [N, C, H, W].
 * @example new nn.ReplicationPad2d(1).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class ReplicationPad2d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReplicationPad2d', 2, padding, 'replicate');
  }
}
/**
 * Edge-repeating padding of the last three dims: `new ReplicationPad3d(padding)`; input [C, D, H, W] or
 * [N, C, D, H, W].
 * @example new nn.ReplicationPad3d(1).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2]
 */
export class ReplicationPad3d extends PadNd {
  constructor(padding: PadSpec) {
    super('ReplicationPad3d', 3, padding, 'replicate');
  }
}

/**
 * Wrap-around padding of the last dim (each pad <= the dim's size): `new CircularPad1d(padding)`; input
 * [C, L] or [N, C, L].
 * @example new nn.CircularPad1d(1).forward(x) // [N, C, L] -> [N, C, L + 2]
 */
export class CircularPad1d extends PadNd {
  constructor(padding: PadSpec) {
    super('CircularPad1d', 1, padding, 'circular');
  }
}
/**
 * Wrap-around padding of the last two dims: `new CircularPad2d(padding)`; input [C, H, W] or [N, C, H, W].
 * @example new nn.CircularPad2d(1).forward(x) // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class CircularPad2d extends PadNd {
  constructor(padding: PadSpec) {
    super('CircularPad2d', 2, padding, 'circular');
  }
}
/**
 * Wrap-around padding of the last three dims: `new CircularPad3d(padding)`; input [C, D, H, W] or
 * [N, C, D, H, W].
 * @example new nn.CircularPad3d(1).forward(x) // [N, C, D, H, W] -> [N, C, D + 2, H + 2, W + 2]
 */
export class CircularPad3d extends PadNd {
  constructor(padding: PadSpec) {
    super('CircularPad3d', 3, padding, 'circular');
  }
}

// ---------------------------------------------------------------- upsampling

type Opt<T> = T | undefined;
export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}
export type UpsampleArgs = PositionalOr<
  [size: Opt<number | readonly number[] | null>, scaleFactor: Opt<number | readonly number[] | null>, mode: Opt<InterpolateMode>,
    alignCorners: Opt<boolean | null>, recomputeScaleFactor: Opt<boolean | null>],
  UpsampleOptions
>;

function pyValue(v: unknown): string {
  if (v == null) return 'None';
  if (typeof v === 'boolean') return pyBool(v);
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `(${v.map(pyValue).join(', ')}${v.length === 1 ? ',' : ''})`;
  return String(v);
}

/**
 * Upsampling, F.interpolate as a layer: `new Upsample(size = null, scaleFactor = null, mode = 'nearest',
 * alignCorners = null, recomputeScaleFactor = null)` (see F.interpolate; options checked at forward).
 * @example new nn.Upsample(null, 2, 'bilinear').forward(x) // [N, C, H, W] -> [N, C, 2H, 2W]
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(...args: UpsampleArgs) {
    super();
    const o = positionalOptions<UpsampleOptions>('Upsample', args, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor']);
    this.size = o.size ?? null;
    this.scaleFactor = o.scaleFactor ?? null;
    this.mode = o.mode ?? 'nearest';
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === Upsample.prototype.forward;
  }

  override forward(x: Tensor): Tensor {
    const o: InterpolateOptions = {
      size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor,
    };
    return interpolateWith('interpolate', x, o);
  }

  override extraRepr(): string {
    // PyTorch keeps the scale factor as float(s)
    const sf = this.scaleFactor;
    const info = sf !== null ? `scale_factor=${typeof sf === 'number' ? pyFloat(sf) : `(${sf.map(pyFloat).join(', ')}${sf.length === 1 ? ',' : ''})`}` : `size=${pyValue(this.size)}`;
    return `${info}, mode=${this.mode}`; // PyTorch 1.13 prints the mode without quotes
  }
}

/** nn.UpsamplingNearest2d / UpsamplingBilinear2d's arguments: size or scaleFactor, positional or as options. */
export type Upsampling2dArgs = PositionalOr<
  [size: Opt<number | readonly number[] | null>, scaleFactor: Opt<number | readonly number[] | null>],
  { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }
>;

/**
 * 2-D nearest upsampling: `new UpsamplingNearest2d(size = null, scaleFactor = null)` = Upsample with mode 'nearest'.
 * @example new nn.UpsamplingNearest2d(null, 2).forward(x) // [N, C, H, W] -> [N, C, 2H, 2W]
 */
export class UpsamplingNearest2d extends Upsample {
  constructor(...args: Upsampling2dArgs) {
    const o = positionalOptions<UpsampleOptions>('UpsamplingNearest2d', args, ['size', 'scaleFactor']);
    super({ ...o, mode: 'nearest' });
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === Upsample.prototype.forward;
  }
}

/**
 * 2-D bilinear upsampling with aligned corners: `new UpsamplingBilinear2d(size = null, scaleFactor = null)`
 * = Upsample with mode 'bilinear' and alignCorners true.
 * @example new nn.UpsamplingBilinear2d(null, 2).forward(x) // [N, C, H, W] -> [N, C, 2H, 2W]
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: Upsampling2dArgs) {
    const o = positionalOptions<UpsampleOptions>('UpsamplingBilinear2d', args, ['size', 'scaleFactor']);
    super({ ...o, mode: 'bilinear', alignCorners: true });
  }

  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forward === Upsample.prototype.forward;
  }
}
