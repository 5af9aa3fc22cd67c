/**
 * Resampling composed from tensor ops (gradients for free): pixel shuffle / unshuffle (reshape + permute),
 * F.pad in PyTorch's four modes (constant: narrow + cat; reflect, replicate, circular: index selections),
 * and F.interpolate with PyTorch 1.13's CPU source-index formulas, applied per spatial dim (separable):
 * nearest modes select one input index per output, linear modes weigh 2 taps, bicubic 4 (clamped at the
 * border), area is adaptive average pooling.
 */
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { full, tensor } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { boolArg, showArg, type PositionalOr } from './conv.js';
import { adaptiveAvgPoolNd } from './pool-more.js';
import { cat } from './indexing.js';

function checkTensor(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${showArg(x)}`);
  return x;
}

function factorArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be an integer, got ${showArg(v)}`);
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${showArg(v)}`);
  return v;
}

// ---------------------------------------------------------------- pixel shuffle

/**
 * Rearranges [*, C * r^2, H, W] into [*, C, H * r, W * r] (PyTorch's pixel_shuffle):
 * out[..., c, h * r + i, w * r + j] = x[..., c * r^2 + i * r + j, h, w].
 * @example pixelShuffle(x, 2) // [N, 12, H, W] -> [N, 3, 2H, 2W]
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  const op = 'pixelShuffle';
  const x = checkTensor(op, input);
  const r = factorArg(op, 'upscaleFactor', upscaleFactor);
  if (x.ndim < 3) throw new RangeError(`${op}: expects input with at least 3 dims, got shape ${shapeStr(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3) as [number, number, number];
  if (c % (r * r) !== 0) {
    throw new RangeError(`${op}: the channel dim (size ${c} of input shape ${shapeStr(x.shape)}) must be divisible by upscaleFactor^2 = ${r * r}`);
  }
  const n = lead.length, oc = c / (r * r);
  const lp = lead.map((_, i) => i);
  return x.reshape(...lead, oc, r, r, h, w).permute(...lp, n, n + 3, n + 1, n + 4, n + 2).reshape(...lead, oc, h * r, w * r);
}

/**
 * The inverse of pixelShuffle: [*, C, H * r, W * r] -> [*, C * r^2, H, W] (PyTorch's pixel_unshuffle).
 * @example pixelUnshuffle(x, 2) // [N, 3, 2H, 2W] -> [N, 12, H, W]
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  const op = 'pixelUnshuffle';
  const x = checkTensor(op, input);
  const r = factorArg(op, 'downscaleFactor', downscaleFactor);
  if (x.ndim < 3) throw new RangeError(`${op}: expects input with at least 3 dims, got shape ${shapeStr(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3) as [number, number, number];
  if (h % r !== 0 || w % r !== 0) {
    throw new RangeError(`${op}: height and width (input shape ${shapeStr(x.shape)}) must be divisible by downscaleFactor ${r}`);
  }
  const n = lead.length, oh = h / r, ow = w / r;
  const lp = lead.map((_, i) => i);
  return x.reshape(...lead, c, oh, r, ow, r).permute(...lp, n, n + 2, n + 4, n + 1, n + 3).reshape(...lead, c * r * r, oh, ow);
}

// ---------------------------------------------------------------- pad

/** F.pad's modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

export interface PadOptions {
  mode?: PadMode;
  /** The fill value of mode 'constant' (default 0); other modes take none. */
  value?: number | null;
}
export type PadArgs = PositionalOr<[mode: PadMode | undefined, value: number | null | undefined], PadOptions>;

/** The padding of the last pad.length / 2 dims, checked: [before, after] per dim, from the first padded dim. */
function padPairs(op: string, x: Tensor, pad: unknown): [number, number][] {
  if (!Array.isArray(pad) || !pad.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new TypeError(`${op}: pad must be an array of integers, got ${showArg(pad)}`);
  }
  if (pad.length % 2 !== 0) throw new RangeError(`${op}: the pad length must be divisible by 2, got ${pad.length} (${showArg(pad)})`);
  if (pad.length / 2 > x.ndim) {
    throw new RangeError(`${op}: pad ${showArg(pad)} pads ${pad.length / 2} dims, more than the input has (shape ${shapeStr(x.shape)})`);
  }
  const pairs: [number, number][] = [];
  for (let i = pad.length - 2; i >= 0; i -= 2) pairs.push([pad[i] as number, pad[i + 1] as number]);
  return pairs; // pairs[j] pads dim x.ndim - pairs.length + j
}

/**
 * Source index of each output position of a dim of `size` padded by `before`/`after` (either may be
 * negative) in `mode`. Circular padding (PyTorch's) crops first and wraps around the cropped part.
 */
function padIndex(size: number, before: number, after: number, mode: Exclude<PadMode, 'constant'>): Tensor {
  const idx = new Int32Array(Math.max(0, size + before + after));
  const kept = size + Math.min(before, 0) + Math.min(after, 0), from = Math.max(-before, 0), lead = Math.max(before, 0);
  for (let i = 0; i < idx.length; i++) {
    const j = i - before;
    idx[i] = mode === 'replicate' ? Math.min(Math.max(j, 0), size - 1)
      : mode === 'circular' ? from + ((((i - lead) % kept) + kept) % kept)
      : j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j;
  }
  return tensor(idx, { dtype: 'int32' });
}

/** Constant padding of dim `d` by `before`/`after` (negative: crop). */
function constantPadDim(x: Tensor, d: number, before: number, after: number, value: number): Tensor {
  let y = x;
  const size = x.shape[d]!;
  if (before < 0 || after < 0) {
    const start = Math.max(0, -before);
    y = y.narrow(d, start, size + Math.min(0, before) + Math.min(0, after));
  }
  if (before <= 0 && after <= 0) return y;
  const part = (n: number): Tensor => {
    const shape = [...y.shape];
    shape[d] = n;
    return full(shape, value, { dtype: y.dtype });
  };
  const pieces: Tensor[] = [];
  if (before > 0) pieces.push(part(before));
  pieces.push(y);
  if (after > 0) pieces.push(part(after));
  return cat(pieces, d);
}

/**
 * Pads the input, PyTorch's F.pad: `pad(input, pad, mode = 'constant', value = null)`. `pad` lists
 * (before, after) pairs starting from the LAST dim: [left, right] pads the last dim, [left, right, top,
 * bottom] the last two, and so on. 'constant' fills with value (default 0) over any number of dims, and a
 * negative pad crops. 'reflect' (mirror without repeating the edge; each pad < the dim's size),
 * 'replicate' (repeat the edge) and 'circular' (wrap around; each pad <= the dim's size) pad the last 1,
 * 2 or 3 dims of an input with 1 or 2 more dims (unbatched circular input as PyTorch 2.x allows).
 * @example pad(x, [1, 1, 2, 0], 'reflect') // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export function pad(input: Tensor, padding: readonly number[], ...args: PadArgs): Tensor {
  const op = 'pad';
  const x = checkTensor(op, input);
  const o = positionalOptions<PadOptions>(op, args, ['mode', 'value']);
  const mode = o.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) throw new RangeError(`${op}: mode must be one of ${PAD_MODES.map((m) => `'${m}'`).join(', ')}, got ${showArg(mode)}`);
  if (o.value != null && typeof o.value !== 'number') throw new TypeError(`${op}: value must be a number or null, got ${showArg(o.value)}`);
  const pairs = padPairs(op, x, padding);
  const first = x.ndim - pairs.length;
  if (mode === 'constant') {
    const value = o.value ?? 0;
    pairs.forEach(([b, a], j) => {
      const size = x.shape[first + j]!;
      if (size + b + a < 0) {
        throw new RangeError(`${op}: the input size ${size} of dim ${first + j} plus the padding (${b}, ${a}) is negative (input shape ${shapeStr(x.shape)})`);
      }
    });
    let y = x;
    for (let j = pairs.length - 1; j >= 0; j--) y = constantPadDim(y, first + j, pairs[j]![0], pairs[j]![1], value);
    return y === x ? x.clone() : y;
  }
  if (o.value != null && o.value !== 0) throw new RangeError(`${op}: mode '${mode}' takes no value argument, got value ${showArg(o.value)}`);
  const k = pairs.length;
  if (k < 1 || k > 3 || (x.ndim !== k + 1 && x.ndim !== k + 2)) {
    throw new RangeError(`${op}: mode '${mode}' pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims; ` +
      `got ${k} padded dims (pad ${showArg(padding)}) for input shape ${shapeStr(x.shape)}`);
  }
  for (let d = x.ndim - k - 1; d < x.ndim; d++) {
    if (mode !== 'circular' && x.shape[d] === 0) {
      throw new RangeError(`${op}: mode '${mode}' needs non-zero sizes in every dim but the batch dim, got input shape ${shapeStr(x.shape)}`);
    }
  }
  pairs.forEach(([b, a], j) => {
    const d = first + j, size = x.shape[d]!;
    const bad = mode === 'reflect' ? b >= size || a >= size : mode === 'circular' ? b > size || a > size : false;
    if (bad) {
      throw new RangeError(`${op}: ${mode} padding (${b}, ${a}) of dim ${d} must be ${mode === 'reflect' ? 'smaller than' : 'at most'} its size ${size} (input shape ${shapeStr(x.shape)})`);
    }
    const kept = size + Math.min(b, 0) + Math.min(a, 0);
    if (mode === 'circular' && (b > kept || a > kept)) {
      throw new RangeError(`${op}: circular padding (${b}, ${a}) of dim ${d} wraps around the ${kept} elements left after cropping more than once (input shape ${shapeStr(x.shape)})`);
    }
    const out = size + b + a;
    if (out < (mode === 'circular' ? 0 : 1)) {
      throw new RangeError(`${op}: ${mode} padding (${b}, ${a}) of dim ${d} (size ${size}) gives output size ${out} (input shape ${shapeStr(x.shape)})`);
    }
  });
  let y = x;
  for (let j = pairs.length - 1; j >= 0; j--) {
    const [b, a] = pairs[j]!;
    if (b !== 0 || a !== 0) y = y.indexSelect(first + j, padIndex(x.shape[first + j]!, b, a, mode));
  }
  return y === x ? x.clone() : y;
}

// ---------------------------------------------------------------- interpolate

/** F.interpolate's modes. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area';
const MODES: readonly InterpolateMode[] = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];
/** The input rank each interpolating mode needs. */
const MODE_RANK: Partial<Record<InterpolateMode, number>> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };

export interface InterpolateOptions {
  /** Output size: one integer for every spatial dim, or one per dim. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size: one number, or one per dim. */
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** Linear modes only (default false): align the centres of the corner pixels. */
  alignCorners?: boolean | null;
  /** Compute the output size from scaleFactor, then interpolate with the scale that size implies. */
  recomputeScaleFactor?: boolean | null;
  /** Not supported (throws when true). */
  antialias?: boolean;
}
type Opt<T> = T | undefined;
export type InterpolateArgs = PositionalOr<
  [size: Opt<number | readonly number[] | null>, scaleFactor: Opt<number | readonly number[] | null>, mode: Opt<InterpolateMode>,
    alignCorners: Opt<boolean | null>, recomputeScaleFactor: Opt<boolean | null>, antialias: Opt<boolean>],
  InterpolateOptions
>;
/** @internal */
export const INTERPOLATE_PARAMS = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', 'antialias'];

const f32 = Math.fround;

/** PyTorch's compute_scales_value<float>: 1 / scale when a scale was given, else in / out. */
function scalesValue(scale: number | null, inSize: number, outSize: number): number {
  return scale !== null && scale > 0 ? f32(1 / scale) : f32(inSize / outSize);
}

/** PyTorch's area_pixel_compute_scale<float>. */
function pixelScale(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): number {
  if (alignCorners) return outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0;
  return scalesValue(scale, inSize, outSize);
}

/** PyTorch's area_pixel_compute_source_index<float>. */
function sourceIndex(scale: number, dst: number, alignCorners: boolean, cubic: boolean): number {
  if (alignCorners) return f32(scale * dst);
  const src = f32(scale * (dst + 0.5) - 0.5);
  return !cubic && src < 0 ? 0 : src;
}

/** Taps of one spatial dim: per output position, `taps` input indices and their float32 weights. */
interface AxisPlan {
  idx: Int32Array[];
  w: Float32Array[] | null;
}

function nearestPlan(inSize: number, outSize: number, scale: number | null, exact: boolean): AxisPlan {
  const s = scalesValue(scale, inSize, outSize);
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = exact ? Math.floor(f32(sourceIndex(s, i, false, false) + 0.5)) : Math.floor(f32(s * i));
    idx[i] = Math.min(src, inSize - 1);
  }
  return { idx: [idx], w: null };
}

function linearPlan(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): AxisPlan {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), l0 = new Float32Array(outSize), l1 = new Float32Array(outSize);
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) {
      i0[i] = i1[i] = i;
      l0[i] = 1;
      l1[i] = 0;
      continue;
    }
    const real = sourceIndex(s, i, alignCorners, false);
    const j = Math.min(Math.trunc(real), inSize - 1);
    i0[i] = j;
    i1[i] = j + (j < inSize - 1 ? 1 : 0);
    l1[i] = f32(real - j);
    l0[i] = f32(1 - l1[i]!);
  }
  return { idx: [i0, i1], w: [l0, l1] };
}

function cubicPlan(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): AxisPlan {
  const A = -0.75;
  const idx = [0, 1, 2, 3].map(() => new Int32Array(outSize));
  const w = [0, 1, 2, 3].map(() => new Float32Array(outSize));
  const conv1 = (x: number): number => f32(f32(f32(f32(f32((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const conv2 = (x: number): number => f32(f32(f32(f32(f32(f32(A * x) - 5 * A) * x) + 8 * A) * x) - 4 * A);
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  for (let i = 0; i < outSize; i++) {
    const real = sourceIndex(s, i, alignCorners, true);
    const j = Math.floor(real);
    const t = f32(real - j);
    const c = [conv2(f32(t + 1)), conv1(t), conv1(f32(1 - t)), conv2(f32(f32(1 - t) + 1))];
    for (let k = 0; k < 4; k++) {
      idx[k]![i] = Math.min(Math.max(j - 1 + k, 0), inSize - 1);
      w[k]![i] = c[k]!;
    }
  }
  return { idx, w };
}

/** y along dim d = sum over taps of x.indexSelect(d, idx_k) * w_k (w broadcast along d). */
function applyPlan(x: Tensor, d: number, plan: AxisPlan): Tensor {
  const tail = new Array<number>(x.ndim - d - 1).fill(1);
  let y: Tensor | null = null;
  plan.idx.forEach((ix, k) => {
    const g = x.indexSelect(d, tensor(ix, { dtype: 'int32' }));
    const term = plan.w === null ? g : g.mul(tensor(plan.w[k]!).reshape([ix.length, ...tail]));
    y = y === null ? term : y.add(term);
  });
  return y!;
}

/** A value as a list of `n` numbers (one number repeated), or the error naming `name`. */
function perDim(op: string, name: string, v: unknown, n: number, x: Tensor): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) {
    if (v.length !== n) {
      throw new RangeError(`${op}: ${name} ${showArg(v)} must have one entry per spatial dim: the input shape ${shapeStr(x.shape)} has ${n} (${shapeStr(x.shape.slice(2))})`);
    }
    return v as number[];
  }
  throw new TypeError(`${op}: ${name} must be a number or an array of numbers, got ${showArg(v)}`);
}

/** @internal interpolate with its options merged (nn.Upsample's forward). */
export function interpolateWith(op: string, input: Tensor, o: InterpolateOptions): Tensor {
  const x = checkTensor(op, input);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${x.dtype}`);
  const mode = o.mode ?? 'nearest';
  if (!MODES.includes(mode)) throw new RangeError(`${op}: mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${showArg(mode)}`);
  let alignCorners = false;
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (o.alignCorners != null) {
      throw new RangeError(`${op}: alignCorners can only be set with the interpolating modes linear, bilinear, bicubic, trilinear (mode is '${mode}')`);
    }
  } else if (o.alignCorners != null) alignCorners = boolArg(op, 'alignCorners', o.alignCorners);
  if (x.ndim < 3 || x.ndim > 5) {
    throw new RangeError(`${op}: expects 3-D, 4-D or 5-D input ([N, C, *spatial]), got shape ${shapeStr(x.shape)}`);
  }
  const n = x.ndim - 2;
  const need = MODE_RANK[mode];
  if (need !== undefined && need !== x.ndim) throw new RangeError(`${op}: mode '${mode}' needs ${need}-D input, got shape ${shapeStr(x.shape)}`);
  if (o.size != null && o.scaleFactor != null) throw new TypeError(`${op}: give only one of size and scaleFactor`);
  if (o.size == null && o.scaleFactor == null) throw new TypeError(`${op}: give either size or scaleFactor`);
  const recompute = o.recomputeScaleFactor == null ? null : boolArg(op, 'recomputeScaleFactor', o.recomputeScaleFactor);
  if (recompute === true && o.size != null) throw new TypeError(`${op}: recomputeScaleFactor is not meaningful with an explicit size`);
  if (boolArg(op, 'antialias', o.antialias ?? false)) {
    if (!((mode === 'bilinear' || mode === 'bicubic') && x.ndim === 4)) {
      throw new RangeError(`${op}: antialias is only available for modes bilinear and bicubic (4-D input)`);
    }
    throw new RangeError(`${op}: antialias=true is not supported`);
  }
  const inSizes = x.shape.slice(2);
  let outSizes: number[];
  let scales: (number | null)[] = new Array<number | null>(n).fill(null);
  if (o.size != null) {
    outSizes = perDim(op, 'size', o.size, n, x);
    if (!outSizes.every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`${op}: size must hold non-negative integers, got ${showArg(o.size)}`);
  } else {
    const sf = perDim(op, 'scaleFactor', o.scaleFactor, n, x);
    if (!sf.every((v) => Number.isFinite(v) && v > 0)) throw new RangeError(`${op}: scaleFactor must hold positive finite numbers, got ${showArg(o.scaleFactor)}`);
    outSizes = inSizes.map((s, i) => Math.floor(s * sf[i]!));
    if (!(recompute === true || mode === 'area')) scales = sf;
  }
  inSizes.forEach((s, i) => {
    if (s <= 0 || outSizes[i]! <= 0) {
      throw new RangeError(`${op}: input and output sizes must be greater than 0, got input ${shapeStr(inSizes)} and output ${shapeStr(outSizes)}`);
    }
  });
  if (mode === 'area') return adaptiveAvgPoolNd(x, outSizes);
  let y = x;
  for (let i = n - 1; i >= 0; i--) {
    const inS = inSizes[i]!, outS = outSizes[i]!;
    const plan = mode === 'nearest' || mode === 'nearest-exact' ? nearestPlan(inS, outS, scales[i]!, mode === 'nearest-exact')
      : mode === 'bicubic' ? cubicPlan(inS, outS, alignCorners, scales[i]!)
      : linearPlan(inS, outS, alignCorners, scales[i]!);
    y = applyPlan(y, 2 + i, plan);
  }
  return y;
}

/**
 * Up/down-samples [N, C, *spatial] input (1 to 3 spatial dims), PyTorch's F.interpolate in PyTorch's order
 * or an options object after any prefix: `interpolate(input, size = null, scaleFactor = null, mode =
 * 'nearest', alignCorners = null, recomputeScaleFactor = null, antialias = false)`. Exactly one of size and
 * scaleFactor; with scaleFactor the output size is floor(in * scale) and (unless recomputeScaleFactor) the
 * source positions use 1 / scale. Modes: 'nearest' (src = floor(dst * scale)), 'nearest-exact'
 * (floor((dst + 0.5) * scale)), 'linear' (3-D), 'bilinear' (4-D), 'trilinear' (5-D), 'bicubic' (4-D,
 * A = -0.75, border samples clamped), with alignCorners (default false) choosing src = dst * (in - 1) /
 * (out - 1) or (dst + 0.5) * scale - 0.5; 'area' is adaptive average pooling. antialias is not supported.
 * @example interpolate(x, null, 2, 'bilinear', false) // [N, C, H, W] -> [N, C, 2H, 2W]
 */
export function interpolate(input: Tensor, ...args: InterpolateArgs): Tensor {
  return interpolateWith('interpolate', input, positionalOptions<InterpolateOptions>('interpolate', args, INTERPOLATE_PARAMS));
}
