/**
 * More pooling, composed from the 2-D pooling kernels (ops/pool.ts) and tensor ops, so gradients come for
 * free: 1-D max / average pooling (the 2-D ops on an H = 1 view), adaptive average and max pooling for any
 * output size (PyTorch's windows start = floor(i * in / out), end = ceil((i + 1) * in / out)), power-average
 * (LP) pooling and max unpooling (a scatter at the indices max pooling returns).
 */
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { boolArg, intPair, showArg, windowCount, type IntPair, type PositionalOr, type Prefixes } from './conv.js';
import { avgPool2dWith, maxPool2dWith, poolParams, type PoolParams } from './pool.js';

type Opt<T> = T | undefined;

/** An integer or a one-element array of one (PyTorch's int or 1-tuple). */
export type IntSingle = number | readonly [number];

/** @internal `op`'s argument `name` as an integer >= min: a number or a one-element array. */
export function intSingle(op: string, name: string, v: unknown, min: number): number {
  const n = Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v;
  if (typeof n !== 'number') throw new TypeError(`${op}: ${name} must be an integer or a one-element array of one, got ${showArg(v)}`);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${showArg(v)}`);
  }
  return n;
}

function checkTensor(op: string, x: unknown, name = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${showArg(x)}`);
  return x;
}

/** A float32 Tensor input (PyTorch's pooling kernels take floating inputs only). */
function floatInput(op: string, x: unknown): Tensor {
  const t = checkTensor(op, x);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${t.dtype}`);
  return t;
}

function checkRank(op: string, x: Tensor, ranks: readonly number[]): void {
  if (!ranks.includes(x.ndim)) {
    throw new RangeError(`${op}: expects ${ranks.map((r) => `${r}-D`).join(' or ')} input, got shape ${shapeStr(x.shape)}`);
  }
}

// ---------------------------------------------------------------- 1-D max and average pooling

export interface MaxPool1dOptions {
  kernelSize?: IntSingle;
  /** Default (undefined or null): the kernel size. */
  stride?: IntSingle | null;
  padding?: IntSingle;
  dilation?: IntSingle;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPool1dOptions {
  kernelSize?: IntSingle;
  /** Default (undefined or null): the kernel size. */
  stride?: IntSingle | null;
  padding?: IntSingle;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

type MaxPool1dPositional = [kernelSize: IntSingle, stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, dilation: Opt<IntSingle>, ceilMode: Opt<boolean>];
/** maxPool1d's arguments after the input: PyTorch's positional order, optionally ending with options. */
export type MaxPool1dArgs = PositionalOr<[...MaxPool1dPositional, returnIndices: Opt<false>], MaxPool1dOptions & { returnIndices?: false }>;
/** maxPool1d's arguments that ask for the indices. */
export type MaxPool1dIndicesArgs =
  | [...MaxPool1dPositional, returnIndices: true]
  | [...Prefixes<MaxPool1dPositional>, MaxPool1dOptions & { returnIndices: true }];
/** avgPool1d's arguments after the input: PyTorch's positional order, optionally ending with options. */
export type AvgPool1dArgs = PositionalOr<
  [kernelSize: IntSingle, stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, ceilMode: Opt<boolean>, countIncludePad: Opt<boolean>],
  AvgPool1dOptions
>;

const MAX_POOL1D_PARAMS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
/** @internal */
export const AVG_POOL1D_PARAMS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad'];

/** @internal 1-D pooling parameters as the 2-D ones of an H = 1 view (kernel 1 x k), checked in 1-D terms. */
export function pool1dParams(op: string, kind: 'max' | 'avg', o: Record<string, unknown>): PoolParams {
  if (o.kernelSize === undefined) throw new TypeError(`${op}: missing required argument kernelSize`);
  const k = intSingle(op, 'kernelSize', o.kernelSize, 1);
  const s = o.stride == null ? k : intSingle(op, 'stride', o.stride, 1);
  const p = intSingle(op, 'padding', o.padding ?? 0, 0);
  const d = kind === 'max' ? intSingle(op, 'dilation', o.dilation ?? 1, 1) : 1;
  if (p > k / 2) throw new RangeError(`${op}: padding ${p} must be at most half the kernel size ${k}`);
  return poolParams(op, kind, {
    ...o, kernelSize: [1, k], stride: [1, s], padding: [0, p], ...(kind === 'max' ? { dilation: [1, d] } : {}),
  });
}

/** The checked 1-D input of a pooling with `p` (2-D [C, L] or 3-D [N, C, L]). */
function pool1dInput(op: string, x: unknown, p: PoolParams): Tensor {
  const t = floatInput(op, x);
  checkRank(op, t, [2, 3]);
  const L = t.shape[t.ndim - 1]!;
  const k = p.kernelSize[1], s = p.stride[1], pad = p.padding[1], d = p.dilation[1];
  if (windowCount(L, k, s, pad, pad, d, p.ceilMode) <= 0) {
    throw new RangeError(`${op}: kernel ${k}${d > 1 ? ` with dilation ${d}` : ''} is larger than the padded input ${L + 2 * pad} (input shape ${shapeStr(t.shape)})`);
  }
  return t;
}

/** @internal maxPool1d with validated parameters (nn.MaxPool1d's forward). */
export function maxPool1dWith(op: string, x: Tensor, p: PoolParams): Tensor | [Tensor, Tensor] {
  const t = pool1dInput(op, x, p);
  const r = maxPool2dWith(op, t.unsqueeze(-2), p);
  return Array.isArray(r) ? [r[0].squeeze(-2), r[1].squeeze(-2)] : r.squeeze(-2);
}

/** @internal avgPool1d with validated parameters (nn.AvgPool1d's forward). */
export function avgPool1dWith(op: string, x: Tensor, p: PoolParams): Tensor {
  const t = pool1dInput(op, x, p);
  return avgPool2dWith(op, t.unsqueeze(-2), p).squeeze(-2);
}

/**
 * Max pooling over the last dim of [N, C, L] (or [C, L]) input, PyTorch's parameters in PyTorch's order or
 * an options object after any prefix of them: `maxPool1d(input, kernelSize, stride = kernelSize, padding = 0,
 * dilation = 1, ceilMode = false, returnIndices = false)`. Padding counts as -Infinity (at most half the
 * kernel); returnIndices gives [output, indices] (int32 positions along L).
 * @example maxPool1d(x, 3, 2) // [N, C, L] -> [N, C, floor((L - 3) / 2) + 1]
 */
export function maxPool1d(input: Tensor, ...args: MaxPool1dIndicesArgs): [Tensor, Tensor];
export function maxPool1d(input: Tensor, ...args: MaxPool1dArgs): Tensor;
export function maxPool1d(input: Tensor, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  const p = pool1dParams('maxPool1d', 'max', positionalOptions('maxPool1d', args, MAX_POOL1D_PARAMS));
  return maxPool1dWith('maxPool1d', input, p);
}

/**
 * Average pooling over the last dim of [N, C, L] (or [C, L]) input, PyTorch's parameters in PyTorch's order
 * or an options object after any prefix of them: `avgPool1d(input, kernelSize, stride = kernelSize,
 * padding = 0, ceilMode = false, countIncludePad = true)` (see F.avgPool2d for the divisor).
 * @example avgPool1d(x, 2) // [N, C, L] -> [N, C, floor(L / 2)]
 */
export function avgPool1d(input: Tensor, ...args: AvgPool1dArgs): Tensor {
  const p = pool1dParams('avgPool1d', 'avg', positionalOptions('avgPool1d', args, AVG_POOL1D_PARAMS));
  return avgPool1dWith('avgPool1d', input, p);
}

// ---------------------------------------------------------------- adaptive pooling

/** An adaptive pooling's output size: an integer, or one per dim where null keeps the input's size. */
export type AdaptiveSize1d = number | readonly [number | null] | null;
export type AdaptiveSize2d = number | null | readonly [number | null, number | null];

/** @internal The output size of an adaptive pooling over the last `n` dims of `x` (null: the input's size). */
export function adaptiveSizes(op: string, x: Tensor, outputSize: unknown, n: number): number[] {
  const spatial = x.shape.slice(x.ndim - n);
  let list: unknown[];
  if (typeof outputSize === 'number' || outputSize === null) list = new Array<unknown>(n).fill(outputSize);
  else if (Array.isArray(outputSize) && outputSize.length === n) list = outputSize;
  else throw new TypeError(`${op}: outputSize must be an integer${n > 1 ? `, null or ${n} of them` : ' or a one-element array'}, got ${showArg(outputSize)}`);
  return list.map((v, i) => {
    if (v === null) return spatial[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new RangeError(`${op}: outputSize must hold non-negative integers or null, got ${showArg(outputSize)}`);
    }
    return v;
  });
}

/** PyTorch's adaptive windows of `out` positions over `size` elements: start, length, and the longest one. */
function adaptiveWindows(size: number, out: number): { start: number[]; len: number[]; maxLen: number } {
  const start: number[] = [], len: number[] = [];
  let maxLen = 0;
  for (let i = 0; i < out; i++) {
    const s = Math.floor((i * size) / out), e = Math.ceil(((i + 1) * size) / out);
    start.push(s);
    len.push(e - s);
    maxLen = Math.max(maxLen, e - s);
  }
  return { start, len, maxLen };
}

/** A tensor of `shape` broadcasting [out, ...] against dims `dim`.. of a tensor with `ndim` dims. */
function alongDim(values: ArrayLike<number>, lead: readonly number[], ndim: number, dim: number, dtype: 'float32' | 'bool'): Tensor {
  const shape = [...lead, ...new Array<number>(ndim - dim - 1).fill(1)];
  const t = dtype === 'bool' ? tensor(Array.from(values, (v) => v !== 0), { dtype: 'bool' }) : tensor(Float32Array.from(values));
  return t.reshape(shape);
}

/** Adaptive average pooling of dim `dim` of x to `out` positions (sum over each window / its length). */
function adaptiveAvgAxis(x: Tensor, dim: number, out: number): Tensor {
  const size = x.shape[dim]!;
  if (out === size) return x;
  if (out > 0 && size % out === 0) return x.unflatten(dim, [out, size / out]).mean(dim + 1);
  const { start, len, maxLen: K } = adaptiveWindows(size, out);
  const idx = new Int32Array(out * K), valid = new Uint8Array(out * K);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < K; k++) {
      idx[i * K + k] = start[i]! + Math.min(k, len[i]! - 1);
      valid[i * K + k] = k < len[i]! ? 1 : 0;
    }
  }
  const g = x.indexSelect(dim, tensor(idx, { dtype: 'int32' })).unflatten(dim, [out, K]);
  const mask = alongDim(valid, [out, K], x.ndim + 1, dim + 1, 'bool');
  return g.where(mask, 0).sum(dim + 1).div(alongDim(len, [out], x.ndim, dim, 'float32'));
}

/** @internal Adaptive average pooling of the last `sizes.length` dims of x to `sizes` (separable). */
export function adaptiveAvgPoolNd(x: Tensor, sizes: readonly number[]): Tensor {
  let y = x;
  for (let i = sizes.length - 1; i >= 0; i--) y = adaptiveAvgAxis(y, x.ndim - sizes.length + i, sizes[i]!);
  return y === x ? x.clone() : y;
}

function adaptiveInput(op: string, x: unknown, n: number): Tensor {
  const t = floatInput(op, x);
  checkRank(op, t, [n + 1, n + 2]);
  for (let d = 1; d < t.ndim; d++) {
    if (t.shape[d] === 0) throw new RangeError(`${op}: expects non-zero sizes in every dim but the batch dim, got input shape ${shapeStr(t.shape)}`);
  }
  return t;
}

/**
 * Adaptive average pooling over the last dim of [N, C, L] (or [C, L]): output position i averages the input
 * window [floor(i * L / out), ceil((i + 1) * L / out)) (PyTorch's windows; any output size).
 * @example adaptiveAvgPool1d(x, 5) // [N, C, L] -> [N, C, 5]
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: AdaptiveSize1d): Tensor {
  const x = adaptiveInput('adaptiveAvgPool1d', input, 1);
  return adaptiveAvgPoolNd(x, adaptiveSizes('adaptiveAvgPool1d', x, outputSize, 1));
}

/**
 * Adaptive average pooling over the last two dims of [N, C, H, W] (or [C, H, W]) to outputSize (an integer
 * for both, or [oh, ow] where null keeps that dim): each output averages PyTorch's window
 * [floor(i * H / oh), ceil((i + 1) * H / oh)) x [floor(j * W / ow), ceil((j + 1) * W / ow)).
 * @example adaptiveAvgPool2d(x, [7, null]) // [N, C, H, W] -> [N, C, 7, W]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize2d): Tensor {
  const x = adaptiveInput('adaptiveAvgPool2d', input, 2);
  const [oh, ow] = adaptiveSizes('adaptiveAvgPool2d', x, outputSize, 2) as [number, number];
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  if (oh > 0 && ow > 0 && H % oh === 0 && W % ow === 0 && (oh !== H || ow !== W)) {
    const k: [number, number] = [H / oh, W / ow];
    return avgPool2dWith('adaptiveAvgPool2d', x, poolParams('adaptiveAvgPool2d', 'avg', { kernelSize: k }));
  }
  return adaptiveAvgPoolNd(x, [oh, ow]);
}

/** Adaptive max pooling of the last two dims of x (3-D or 4-D) to oh x ow: values and flat indices h * W + w. */
function adaptiveMax2d(op: string, x: Tensor, oh: number, ow: number): [Tensor, Tensor] {
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  const outShape = [...x.shape.slice(0, -2), oh, ow];
  if (oh > 0 && ow > 0 && H % oh === 0 && W % ow === 0) {
    const k: [number, number] = [H / oh, W / ow];
    return maxPool2dWith(op, x, poolParams(op, 'max', { kernelSize: k, returnIndices: true })) as [Tensor, Tensor];
  }
  const planes = H * W === 0 ? 0 : x.numel() / (H * W);
  if (oh === 0 || ow === 0) {
    const none = tensor(new Int32Array(0), { dtype: 'int32' });
    return [x.reshape(planes, H * W).indexSelect(1, none).reshape(outShape), none.reshape(outShape)];
  }
  const rows = adaptiveWindows(H, oh), cols = adaptiveWindows(W, ow);
  const K = rows.maxLen * cols.maxLen, P = oh * ow;
  const idx = new Int32Array(P * K), valid = new Array<boolean>(P * K);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      // taps in row-major window order (PyTorch's scan order), the missing ones repeat the last and are masked
      for (let a = 0; a < rows.maxLen; a++) {
        for (let b = 0; b < cols.maxLen; b++) {
          const at = (i * ow + j) * K + a * cols.maxLen + b;
          idx[at] = (rows.start[i]! + Math.min(a, rows.len[i]! - 1)) * W + cols.start[j]! + Math.min(b, cols.len[j]! - 1);
          valid[at] = a < rows.len[i]! && b < cols.len[j]!;
        }
      }
    }
  }
  const taps = tensor(idx, { dtype: 'int32' });
  const g = x.reshape(planes, H * W).indexSelect(1, taps).reshape(planes, P, K)
    .where(tensor(valid, { dtype: 'bool' }).reshape(P, K), -Infinity);
  // PyTorch's scan keeps the first maximum, or the last NaN of a window holding NaN
  const [, first] = g.max(2, true);
  const nanAt = g.isnan().float().mul(tensor(Float32Array.from({ length: K }, (_, k) => k + 1)));
  const which = nanAt.argmax(2, true).where(nanAt.amax(2, true).gt(0), first);
  const values = g.gather(2, which);
  const indices = taps.reshape(1, P, K).expand(planes, P, K).gather(2, which);
  return [values.reshape(outShape), indices.reshape(outShape)];
}

export interface AdaptiveMaxPoolOptions {
  returnIndices?: boolean;
}

type AdaptiveMaxArgs = [returnIndices?: boolean | AdaptiveMaxPoolOptions, options?: AdaptiveMaxPoolOptions];

/** @internal adaptiveMaxPool1d/2d over the last n dims with validated arguments. */
export function adaptiveMaxPoolWith(op: string, input: Tensor, outputSize: unknown, n: 1 | 2, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const x = adaptiveInput(op, input, n);
  const sizes = adaptiveSizes(op, x, outputSize, n);
  const r = n === 1
    ? adaptiveMax2d(op, x.unsqueeze(-2), 1, sizes[0]!).map((t) => t.squeeze(-2)) as [Tensor, Tensor]
    : adaptiveMax2d(op, x, sizes[0]!, sizes[1]!);
  if (returnIndices) return r;
  return r[0];
}

/**
 * Adaptive max pooling over the last dim of [N, C, L] (or [C, L]) with PyTorch's windows (see
 * adaptiveAvgPool1d): `adaptiveMaxPool1d(input, outputSize, returnIndices = false)`; with returnIndices,
 * [output, indices] (int32 positions along L).
 * @example adaptiveMaxPool1d(x, 4) // [N, C, L] -> [N, C, 4]
 */
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize1d, returnIndices: true | { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize1d, ...args: AdaptiveMaxArgs): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize1d, ...args: AdaptiveMaxArgs): Tensor | [Tensor, Tensor] {
  const o = positionalOptions<AdaptiveMaxPoolOptions>('adaptiveMaxPool1d', args, ['returnIndices']);
  return adaptiveMaxPoolWith('adaptiveMaxPool1d', input, outputSize, 1, boolArg('adaptiveMaxPool1d', 'returnIndices', o.returnIndices ?? false));
}

/**
 * Adaptive max pooling over the last two dims of [N, C, H, W] (or [C, H, W]) with PyTorch's windows (see
 * adaptiveAvgPool2d): `adaptiveMaxPool2d(input, outputSize, returnIndices = false)`; with returnIndices,
 * [output, indices] (int32 flat positions h * W + w in each plane, the first maximum in scan order).
 * @example adaptiveMaxPool2d(x, [3, 3]) // [N, C, H, W] -> [N, C, 3, 3]
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize2d, returnIndices: true | { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize2d, ...args: AdaptiveMaxArgs): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize2d, ...args: AdaptiveMaxArgs): Tensor | [Tensor, Tensor] {
  const o = positionalOptions<AdaptiveMaxPoolOptions>('adaptiveMaxPool2d', args, ['returnIndices']);
  return adaptiveMaxPoolWith('adaptiveMaxPool2d', input, outputSize, 2, boolArg('adaptiveMaxPool2d', 'returnIndices', o.returnIndices ?? false));
}

// ---------------------------------------------------------------- power-average (LP) pooling

export interface LPPoolOptions {
  /** Default (undefined or null): the kernel size. */
  stride?: IntPair | null;
  ceilMode?: boolean;
}
/** lpPool1d/2d's arguments after the kernel size: PyTorch's positional order, optionally ending with options. */
export type LPPoolArgs<S> = PositionalOr<[stride: Opt<S | null>, ceilMode: Opt<boolean>], { stride?: S | null; ceilMode?: boolean }>;

/** @internal The checked norm type of an LP pooling. */
export function normTypeArg(op: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: normType must be a number, got ${showArg(v)}`);
  return v;
}

/** (sign(s) * relu(|s|) * numel)^(1/p) for s the average of x^p over each window (PyTorch's formula). */
function lpFinish(avg: Tensor, numel: number, p: number): Tensor {
  return avg.sign().mul(avg.abs().relu()).mul(numel).pow(1 / p);
}

/** @internal lpPool1d with validated arguments. */
export function lpPool1dWith(op: string, x: Tensor, p: number, k: number, stride: number, ceilMode: boolean): Tensor {
  const params = pool1dParams(op, 'avg', { kernelSize: k, stride, ceilMode });
  const t = pool1dInput(op, x, params);
  return lpFinish(avgPool1dWith(op, t.pow(p), params), k, p);
}

/** @internal lpPool2d with validated arguments. */
export function lpPool2dWith(op: string, x: Tensor, p: number, k: [number, number], stride: [number, number], ceilMode: boolean): Tensor {
  const params = poolParams(op, 'avg', { kernelSize: k, stride, ceilMode });
  checkRank(op, floatInput(op, x), [3, 4]);
  return lpFinish(avgPool2dWith(op, x.pow(p), params), k[0] * k[1], p);
}

/**
 * Power-average pooling over the last dim: `lpPool1d(input, normType, kernelSize, stride = kernelSize,
 * ceilMode = false)` = (sum over each window of x^p)^(1/p), computed as PyTorch does: s = avgPool1d(x^p),
 * then (sign(s) * relu(|s|) * kernelSize)^(1/p).
 * @example lpPool1d(x, 2, 3) // the L2 norm of each window of 3
 */
export function lpPool1d(input: Tensor, normType: number, kernelSize: IntSingle, ...args: LPPoolArgs<IntSingle>): Tensor {
  const op = 'lpPool1d';
  const o = positionalOptions<{ stride?: unknown; ceilMode?: unknown }>(op, args, ['stride', 'ceilMode']);
  const p = normTypeArg(op, normType);
  const k = intSingle(op, 'kernelSize', kernelSize, 1);
  const s = o.stride == null ? k : intSingle(op, 'stride', o.stride, 1);
  return lpPool1dWith(op, checkTensor(op, input), p, k, s, boolArg(op, 'ceilMode', o.ceilMode ?? false));
}

/**
 * Power-average pooling over the last two dims: `lpPool2d(input, normType, kernelSize, stride = kernelSize,
 * ceilMode = false)` = (sum over each window of x^p)^(1/p), computed as PyTorch does: s = avgPool2d(x^p),
 * then (sign(s) * relu(|s|) * kh * kw)^(1/p).
 * @example lpPool2d(x, 2, 2) // the L2 norm of each 2x2 window
 */
export function lpPool2d(input: Tensor, normType: number, kernelSize: IntPair, ...args: LPPoolArgs<IntPair>): Tensor {
  const op = 'lpPool2d';
  const o = positionalOptions<{ stride?: unknown; ceilMode?: unknown }>(op, args, ['stride', 'ceilMode']);
  const p = normTypeArg(op, normType);
  const k = intPair(op, 'kernelSize', kernelSize, 1);
  const s = o.stride == null ? k : intPair(op, 'stride', o.stride, 1);
  return lpPool2dWith(op, checkTensor(op, input), p, k, s, boolArg(op, 'ceilMode', o.ceilMode ?? false));
}

// ---------------------------------------------------------------- max unpooling

export interface MaxUnpool1dOptions {
  /** Default (undefined or null): the kernel size. */
  stride?: IntSingle | null;
  padding?: IntSingle;
  /** The output's size: [L] or the full [N, C, L] (within a stride of the default). */
  outputSize?: readonly number[] | null;
}
export interface MaxUnpool2dOptions {
  /** Default (undefined or null): the kernel size. */
  stride?: IntPair | null;
  padding?: IntPair;
  /** The output's size: [H, W] or the full [N, C, H, W] (within a stride of the default). */
  outputSize?: readonly number[] | null;
}
export type MaxUnpool1dArgs = PositionalOr<[stride: Opt<IntSingle | null>, padding: Opt<IntSingle>, outputSize: Opt<readonly number[] | null>], MaxUnpool1dOptions>;
export type MaxUnpool2dArgs = PositionalOr<[stride: Opt<IntPair | null>, padding: Opt<IntPair>, outputSize: Opt<readonly number[] | null>], MaxUnpool2dOptions>;
const UNPOOL_PARAMS = ['stride', 'padding', 'outputSize'];

/** @internal Validated max-unpooling geometry: per spatial dim kernel, stride, padding. */
export interface UnpoolParams {
  kernel: number[];
  stride: number[];
  padding: number[];
  outputSize: readonly number[] | null;
}

/** @internal PyTorch's _unpool_output_size: the default (in - 1) * stride - 2 * padding + kernel, or outputSize checked against it. */
export function unpoolOutputSize(op: string, x: Tensor, p: UnpoolParams): number[] {
  const n = p.kernel.length;
  const def = p.kernel.map((k, d) => (x.shape[x.ndim - n + d]! - 1) * p.stride[d]! + k - 2 * p.padding[d]!);
  if (p.outputSize == null) {
    if (def.some((v) => v <= 0)) throw new RangeError(`${op}: the output size ${shapeStr(def)} for input shape ${shapeStr(x.shape)} is not positive`);
    return def;
  }
  let size: unknown = p.outputSize;
  if (!Array.isArray(size) || !size.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new TypeError(`${op}: outputSize must be an array of integers, got ${showArg(size)}`);
  }
  if (size.length === n + 2) size = size.slice(2);
  const s = size as number[];
  if (s.length !== n) throw new RangeError(`${op}: outputSize must have ${n} or ${n + 2} elements, got ${showArg(p.outputSize)}`);
  s.forEach((v, d) => {
    const lo = def[d]! - p.stride[d]!, hi = def[d]! + p.stride[d]!;
    if (!(lo < v && v < hi)) {
      throw new RangeError(`${op}: outputSize ${showArg(p.outputSize)} is invalid: each size must be strictly between ${shapeStr(def.map((v2, i) => v2 - p.stride[i]!))} and ${shapeStr(def.map((v2, i) => v2 + p.stride[i]!))}`);
    }
  });
  return s;
}

/** Scatter of x's values at `indices` (flat positions in each output plane of oh x ow). */
function unpool2d(op: string, x: Tensor, indices: Tensor, oh: number, ow: number, outShape: readonly number[]): Tensor {
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  const planes = H * W === 0 ? 0 : x.numel() / (H * W);
  const hw = oh * ow;
  const ix = indices.toArray();
  for (let i = 0; i < ix.length; i++) {
    if (ix[i]! < 0 || ix[i]! >= hw) {
      throw new RangeError(`${op}: found an invalid max index ${ix[i]} (output planes are ${oh}x${ow}, indices must be in [0, ${hw}))`);
    }
  }
  const out = zeros(planes, hw).scatter(1, indices.reshape(planes, H * W), x.reshape(planes, H * W));
  return out.reshape([...outShape]);
}

function unpoolOperands(op: string, input: unknown, indices: unknown, ranks: readonly number[]): [Tensor, Tensor] {
  const x = checkTensor(op, input);
  const ix = checkTensor(op, indices, 'indices');
  checkRank(op, x, ranks);
  if (ix.dtype !== 'int32') throw new TypeError(`${op}: indices must be int32 (as max pooling's returnIndices gives), got ${ix.dtype}`);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: input must be float32, got ${x.dtype}`);
  if (shapeStr(ix.shape) !== shapeStr(x.shape)) {
    throw new RangeError(`${op}: indices shape ${shapeStr(ix.shape)} must equal the input shape ${shapeStr(x.shape)}`);
  }
  return [x, ix];
}

/** @internal maxUnpool1d with validated parameters (nn.MaxUnpool1d's forward). */
export function maxUnpool1dWith(op: string, input: Tensor, indices: Tensor, p: UnpoolParams): Tensor {
  const [x, ix] = unpoolOperands(op, input, indices, [2, 3]);
  const [L] = unpoolOutputSize(op, x, p) as [number];
  return unpool2d(op, x.unsqueeze(-1), ix.unsqueeze(-1), L, 1, [...x.shape.slice(0, -1), L]);
}

/** @internal maxUnpool2d with validated parameters (nn.MaxUnpool2d's forward). */
export function maxUnpool2dWith(op: string, input: Tensor, indices: Tensor, p: UnpoolParams): Tensor {
  const [x, ix] = unpoolOperands(op, input, indices, [3, 4]);
  const [oh, ow] = unpoolOutputSize(op, x, p) as [number, number];
  return unpool2d(op, x, ix, oh, ow, [...x.shape.slice(0, -2), oh, ow]);
}

/** @internal Validated unpooling parameters (n = 1 or 2 spatial dims). */
export function unpoolParams(op: string, n: 1 | 2, kernelSize: unknown, o: Record<string, unknown>): UnpoolParams {
  if (kernelSize === undefined) throw new TypeError(`${op}: missing required argument kernelSize`);
  const many = (name: string, v: unknown, min: number): number[] => (n === 1 ? [intSingle(op, name, v, min)] : intPair(op, name, v, min));
  const kernel = many('kernelSize', kernelSize, 1);
  const stride = o.stride == null ? kernel : many('stride', o.stride, 1);
  const padding = many('padding', o.padding ?? 0, 0);
  return { kernel, stride, padding, outputSize: (o.outputSize as readonly number[] | null | undefined) ?? null };
}

/**
 * The partial inverse of maxPool1d: `maxUnpool1d(input, indices, kernelSize, stride = kernelSize,
 * padding = 0, outputSize = null)` puts each input value at its index (from maxPool1d's returnIndices) in
 * a zero output of length (L - 1) * stride - 2 * padding + kernelSize, or outputSize ([L'] or [N, C, L']).
 * Gradient: the output gradient gathered at the indices.
 * @example maxUnpool1d(...maxPool1d(x, 2, { returnIndices: true }), 2)
 */
export function maxUnpool1d(input: Tensor, indices: Tensor, kernelSize: IntSingle, ...args: MaxUnpool1dArgs): Tensor {
  const p = unpoolParams('maxUnpool1d', 1, kernelSize, positionalOptions('maxUnpool1d', args, UNPOOL_PARAMS));
  return maxUnpool1dWith('maxUnpool1d', input, indices, p);
}

/**
 * The partial inverse of maxPool2d: `maxUnpool2d(input, indices, kernelSize, stride = kernelSize,
 * padding = 0, outputSize = null)` puts each input value at its flat index h * W' + w (from maxPool2d's
 * returnIndices) in a zero output of (H - 1) * stride - 2 * padding + kernelSize per dim, or outputSize
 * ([H', W'] or [N, C, H', W']). Gradient: the output gradient gathered at the indices.
 * @example maxUnpool2d(...maxPool2d(x, 2, { returnIndices: true }), 2)
 */
export function maxUnpool2d(input: Tensor, indices: Tensor, kernelSize: IntPair, ...args: MaxUnpool2dArgs): Tensor {
  const p = unpoolParams('maxUnpool2d', 2, kernelSize, positionalOptions('maxUnpool2d', args, UNPOOL_PARAMS));
  return maxUnpool2dWith('maxUnpool2d', input, indices, p);
}
