/**
 * 2-D max and average pooling over NCHW (or CHW) input, PyTorch's parameters: kernel size, stride
 * (default: the kernel size), padding, dilation (max), ceil mode, returnIndices (max), countIncludePad and
 * divisorOverride (average). The window geometry (output size, ceil mode) is conv2d's (ops/conv.ts).
 */
import { kernels } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { floatContiguous } from './elementwise-support.js';
import { boolArg, intPair, kernelStr, showArg, windowCount, type IntPair, type PositionalOr, type Prefixes } from './conv.js';

export interface MaxPool2dOptions {
  kernelSize?: IntPair;
  /** Default (undefined or null): the kernel size. */
  stride?: IntPair | null;
  padding?: IntPair;
  dilation?: IntPair;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize?: IntPair;
  /** Default (undefined or null): the kernel size. */
  stride?: IntPair | null;
  padding?: IntPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (not 0). */
  divisorOverride?: number | null;
}

type Opt<T> = T | undefined;
/** maxPool2d's arguments after the input: PyTorch's positional order, optionally ending with options. */
export type MaxPool2dArgs = PositionalOr<
  [kernelSize: IntPair, stride: Opt<IntPair | null>, padding: Opt<IntPair>, dilation: Opt<IntPair>, ceilMode: Opt<boolean>, returnIndices: Opt<false>],
  MaxPool2dOptions & { returnIndices?: false }
>;
/** maxPool2d's arguments that ask for the indices. */
export type MaxPool2dIndicesArgs =
  | [kernelSize: IntPair, stride: Opt<IntPair | null>, padding: Opt<IntPair>, dilation: Opt<IntPair>, ceilMode: Opt<boolean>, returnIndices: true]
  | [...Prefixes<[kernelSize: IntPair, stride: Opt<IntPair | null>, padding: Opt<IntPair>, dilation: Opt<IntPair>, ceilMode: Opt<boolean>]>,
    MaxPool2dOptions & { returnIndices: true }];
/** avgPool2d's arguments after the input: PyTorch's positional order, optionally ending with options. */
export type AvgPool2dArgs = PositionalOr<
  [kernelSize: IntPair, stride: Opt<IntPair | null>, padding: Opt<IntPair>, ceilMode: Opt<boolean>, countIncludePad: Opt<boolean>,
    divisorOverride: Opt<number | null>],
  AvgPool2dOptions
>;

const MAX_POOL2D_PARAMS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
export const AVG_POOL2D_PARAMS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

/** @internal Validated pooling parameters (both kinds; the other kind's fields keep their defaults). */
export interface PoolParams {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  returnIndices: boolean;
  countIncludePad: boolean;
  /** 0: none */
  divisorOverride: number;
}

/** @internal Validates the options of a max (kind 'max') or average pooling, PyTorch's defaults and rules. */
export function poolParams(op: string, kind: 'max' | 'avg', o: Record<string, unknown>): PoolParams {
  if (o.kernelSize === undefined) throw new TypeError(`${op}: missing required argument kernelSize`);
  const kernelSize = intPair(op, 'kernelSize', o.kernelSize, 1);
  const stride = o.stride == null ? kernelSize : intPair(op, 'stride', o.stride, 1);
  const padding = intPair(op, 'padding', o.padding ?? 0, 0);
  const dilation = kind === 'max' ? intPair(op, 'dilation', o.dilation ?? 1, 1) : [1, 1] as [number, number];
  if (padding[0] > kernelSize[0] / 2 || padding[1] > kernelSize[1] / 2) {
    throw new RangeError(`${op}: padding ${padding[0]}x${padding[1]} must be at most half the kernel size ${kernelSize[0]}x${kernelSize[1]}`);
  }
  const ceilMode = boolArg(op, 'ceilMode', o.ceilMode ?? false);
  const returnIndices = kind === 'max' ? boolArg(op, 'returnIndices', o.returnIndices ?? false) : false;
  const countIncludePad = kind === 'avg' ? boolArg(op, 'countIncludePad', o.countIncludePad ?? true) : true;
  let divisorOverride = 0;
  if (kind === 'avg' && o.divisorOverride != null) {
    if (typeof o.divisorOverride !== 'number') throw new TypeError(`${op}: divisorOverride must be an integer or null, got ${showArg(o.divisorOverride)}`);
    if (!Number.isInteger(o.divisorOverride) || o.divisorOverride === 0) {
      throw new RangeError(`${op}: divisorOverride must be a non-zero integer, got ${showArg(o.divisorOverride)}`);
    }
    divisorOverride = o.divisorOverride;
  }
  return { kernelSize, stride, padding, dilation, ceilMode, returnIndices, countIncludePad, divisorOverride };
}

interface PoolGeometry {
  planes: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  oh: number; ow: number;
  inShape: readonly number[]; outShape: number[];
}

/** The checked geometry of pooling x with `p`. */
function poolGeometry(op: string, x: unknown, p: PoolParams): PoolGeometry {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${showArg(x)}`);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: expects 3-D or 4-D input, got shape ${shapeStr(x.shape)}`);
  const [kh, kw] = p.kernelSize, [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  const h = x.shape[x.ndim - 2]!, w = x.shape[x.ndim - 1]!;
  const oh = windowCount(h, kh, sh, ph, ph, dh, p.ceilMode);
  const ow = windowCount(w, kw, sw, pw, pw, dw, p.ceilMode);
  if (oh <= 0 || ow <= 0) {
    throw new RangeError(`${op}: kernel ${kernelStr(kh, kw, dh, dw)} is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} (input shape ${shapeStr(x.shape)})`);
  }
  const planes = h * w === 0 ? 0 : x.numel() / (h * w);
  return { planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, inShape: x.shape, outShape: [...x.shape.slice(0, -2), oh, ow] };
}

// ---------------------------------------------------------------- max pooling

/** out[p, o] = x[p, idx[p, o]] over planes of `hw` elements (max pooling's forward at fixed indices). */
function pickAt(x: Tensor, idx: Tensor, planes: number, hw: number, outShape: readonly number[]): Tensor {
  return x.reshape(planes, hw).gather(1, idx.reshape(planes, -1)).reshape(outShape);
}

/** @internal maxPool2d with validated parameters (nn.MaxPool2d's forward). */
export function maxPool2dWith(op: string, x: Tensor, p: PoolParams): Tensor | [Tensor, Tensor] {
  const g = poolGeometry(op, x, p);
  const { planes, h, w, oh, ow, outShape, inShape } = g;
  const xc = floatContiguous(x);
  const out = Tensor.empty(outShape, 'float32');
  const idx = Tensor.empty(outShape, 'int32');
  if (out.numel() > 0) {
    if (g.dh === 1 && g.dw === 1) kernels().maxpool2d_f32(xc.ptr, out.ptr, idx.ptr, planes, h, w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, oh, ow);
    else kernels().maxpool2d_dilated_f32(xc.ptr, out.ptr, idx.ptr, planes, h, w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, oh, ow);
  }
  if (xc !== x) xc.dispose();
  // MaxPool2d(2) with every window in the plane: the backward kernel writes all of dx (no zero fill first)
  const pairs = g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1 &&
    2 * oh <= h && 2 * ow <= w;
  const y = record(out, 'MaxPool2DWithIndicesBackward0', [x], [idx], (gy, [ix]) => {
    const gc = floatContiguous(gy);
    const dx = pairs ? Tensor.empty(inShape, 'float32') : zeros(inShape);
    if (gc.numel() > 0) {
      if (pairs) kernels().maxpool2x2_backward_f32(gc.ptr, ix!.ptr, dx.ptr, planes, h, w, oh, ow);
      else kernels().maxpool2d_backward_f32(gc.ptr, ix!.ptr, dx.ptr, planes, h, w, oh, ow);
    }
    if (gc !== gy) gc.dispose();
    // linear in g: under createGraph its backward picks the incoming gradient at the same indices
    return [record(dx, 'MaxPool2DWithIndicesBackwardBackward0', [gy], [ix!], (gg, [ixs]) => [pickAt(gg, ixs!, planes, h * w, outShape)])];
  });
  if (isTracing()) traceAttrs(y, { geo: g, params: p });
  if (p.returnIndices) return [y, idx];
  // the indices are this op's own: freed when the backward node is done with them (now, if none saved
  // them), not left to the garbage collector
  idx._releaseToGraph();
  return y;
}

/**
 * Max pooling over NCHW (or CHW) input, PyTorch's parameters in PyTorch's order or an options object
 * after any prefix of them: `maxPool2d(input, kernelSize, stride = kernelSize, padding = 0, dilation = 1,
 * ceilMode = false, returnIndices = false)`. Padding counts as -Infinity and is at most half the kernel;
 * ceilMode rounds the output size up (the last window must start inside the input or the left/top
 * padding). returnIndices gives [output, indices]: int32, the flat position iy*W + ix of each maximum in
 * its plane (PyTorch's, as int32).
 * @example maxPool2d(x, 2) // [N, C, H, W] -> [N, C, H/2, W/2]
 */
export function maxPool2d(input: Tensor, ...args: MaxPool2dIndicesArgs): [Tensor, Tensor];
export function maxPool2d(input: Tensor, ...args: MaxPool2dArgs): Tensor;
export function maxPool2d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const p = poolParams('maxPool2d', 'max', positionalOptions('maxPool2d', args, MAX_POOL2D_PARAMS));
  return maxPool2dWith('maxPool2d', input, p);
}

// ---------------------------------------------------------------- average pooling

/** @internal avgPool2d with validated parameters (nn.AvgPool2d's forward). */
export function avgPool2dWith(op: string, x: Tensor, p: PoolParams): Tensor {
  const g = poolGeometry(op, x, p);
  const { planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, outShape, inShape } = g;
  // every window inside the padded input and divided by kh*kw: the plain kernels; otherwise the ones
  // with PyTorch's general divisor
  const inside = (oh - 1) * sh - ph + kh <= h + ph && (ow - 1) * sw - pw + kw <= w + pw;
  const general = !(inside && p.countIncludePad && p.divisorOverride === 0);
  const cip = p.countIncludePad ? 1 : 0, div = p.divisorOverride;
  const xc = floatContiguous(x);
  const out = Tensor.empty(outShape, 'float32');
  if (out.numel() > 0) {
    if (general) kernels().avgpool2d_divisor_f32(xc.ptr, out.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cip, div);
    else kernels().avgpool2d_f32(xc.ptr, out.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
  }
  if (xc !== x) xc.dispose();
  if (isTracing()) traceAttrs(out, { geo: g, params: p });
  return record(out, 'AvgPool2DBackward0', [x], [], (gy) => {
    const gc = floatContiguous(gy);
    const dx = zeros(inShape);
    if (gc.numel() > 0) {
      if (general) kernels().avgpool2d_divisor_backward_f32(gc.ptr, dx.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cip, div);
      else kernels().avgpool2d_backward_f32(gc.ptr, dx.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }
    if (gc !== gy) gc.dispose();
    // linear in g, and the adjoint of the pooling: under createGraph its backward is the pooling itself
    return [record(dx, 'AvgPool2DBackwardBackward0', [gy], [], (gg) => [avgPool2dWith(op, gg, p)])];
  });
}

/**
 * Average pooling over NCHW (or CHW) input, PyTorch's parameters in PyTorch's order or an options object
 * after any prefix of them: `avgPool2d(input, kernelSize, stride = kernelSize, padding = 0, ceilMode = false,
 * countIncludePad = true, divisorOverride = null)`. Each output is its window's sum over the input divided
 * by divisorOverride if given, else by the window's size within the padded input (countIncludePad) or by
 * its number of input elements.
 * @example avgPool2d(x, 2) // [N, C, H, W] -> [N, C, H/2, W/2]
 */
export function avgPool2d(input: Tensor, ...args: AvgPool2dArgs): Tensor {
  const p = poolParams('avgPool2d', 'avg', positionalOptions('avgPool2d', args, AVG_POOL2D_PARAMS));
  return avgPool2dWith('avgPool2d', input, p);
}

