/**
 * More convolutions, on conv2d's kernels (ops/conv.ts), no kernels of their own:
 * - conv1d: conv2d on an H = 1 view (input [N, C, 1, L], weight [O, C/groups, 1, k]).
 * - convTranspose1d/2d: the adjoint of conv2d. Its forward is conv2d's input gradient (GEMM Wᵀ·x into
 *   columns, then col2im) at the geometry of the convolution it transposes (input of the output's size,
 *   output of the input's size); its input gradient is that convolution and its weight gradient conv2d's
 *   weight gradient, both recorded by ops/conv.ts's inputGrad (double backward included).
 * - unfold/fold: im2col/col2im with dilation over a batch, each the other's backward.
 */
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { kernels } from '../backends/index.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import { floatContiguous } from './elementwise-support.js';
import { conv2dWith, convolution, inputGrad, showArg, weightGrad, windowCount, type ConvParams, type Geometry, type IntPair, type PositionalOr } from './conv.js';

// ---------------------------------------------------------------- argument checks

/** An integer, or a one-element array of it (PyTorch's `_single`). */
export type IntSingle = number | readonly [number];

/**
 * @internal `op`'s argument `name` as `n` integers >= min: a number is used for every dim, an array must
 * have `n` numbers. Wrong types throw a TypeError, out-of-range or fractional values a RangeError.
 */
export function intTuple(op: string, name: string, v: unknown, n: number, min: number): number[] {
  const num = (x: unknown): x is number => typeof x === 'number';
  let p: number[];
  if (num(v)) p = new Array<number>(n).fill(v);
  else if (Array.isArray(v) && v.length === n && v.every(num)) p = [...(v as number[])];
  else throw new TypeError(`${op}: ${name} must be an integer or an array of ${n} integer${n > 1 ? 's' : ''}, got ${showArg(v)}`);
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or an array of them, got ${showArg(v)}`);
  }
  return p;
}

function intArg(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be an integer, got ${showArg(v)}`);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${showArg(v)}`);
  return v;
}

function tensorArgs(op: string, x: unknown, weight: unknown, bias: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${showArg(x)}`);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor, got ${showArg(weight)}`);
  if (bias != null && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null, got ${showArg(bias)}`);
}

// ---------------------------------------------------------------- conv1d

/** conv1d's padding: per side (an int), 'valid' (none) or 'same' (output length = input length; stride 1). */
export type Conv1dPadding = IntSingle | 'valid' | 'same';

export interface Conv1dOptions {
  bias?: Tensor | null;
  stride?: IntSingle;
  padding?: Conv1dPadding;
  dilation?: IntSingle;
  groups?: number;
}

/** conv1d's arguments after (input, weight): PyTorch's positional order, optionally ending with options. */
export type Conv1dArgs = PositionalOr<
  [bias: Tensor | null | undefined, stride: IntSingle | undefined, padding: Conv1dPadding | undefined, dilation: IntSingle | undefined, groups: number | undefined],
  Conv1dOptions
>;

/** @internal conv1d's validated parameters. */
export interface Conv1dParams {
  stride: number;
  padding: number | 'valid' | 'same';
  dilation: number;
  groups: number;
}

/** @internal Validates conv1d's stride, padding, dilation and groups (PyTorch's rules and defaults). */
export function conv1dParams(op: string, o: { stride?: unknown; padding?: unknown; dilation?: unknown; groups?: unknown }): Conv1dParams {
  const [stride] = intTuple(op, 'stride', o.stride ?? 1, 1, 1) as [number];
  const [dilation] = intTuple(op, 'dilation', o.dilation ?? 1, 1, 1) as [number];
  const groups = intArg(op, 'groups', o.groups ?? 1, 1);
  let padding: Conv1dParams['padding'];
  if (typeof o.padding === 'string') {
    if (o.padding !== 'valid' && o.padding !== 'same') {
      throw new RangeError(`${op}: invalid padding string '${o.padding}', should be one of 'valid', 'same'`);
    }
    if (o.padding === 'same' && stride !== 1) {
      throw new RangeError(`${op}: padding='same' is not supported for strided convolutions (stride ${showArg(o.stride)})`);
    }
    padding = o.padding;
  } else if (o.padding === undefined || typeof o.padding === 'number' || Array.isArray(o.padding)) {
    padding = intTuple(op, 'padding', o.padding ?? 0, 1, 0)[0]!;
  } else {
    throw new TypeError(`${op}: padding must be a non-negative integer, 'valid' or 'same', got ${showArg(o.padding)}`);
  }
  return { stride, padding, dilation, groups };
}

/** @internal Padding [before, after] of conv1d's `padding` for a kernel of k taps spaced d apart ('same': the odd one after). */
export function padSides1d(padding: Conv1dParams['padding'], k: number, d: number): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    const t = d * (k - 1);
    return [t >> 1, t - (t >> 1)];
  }
  return [padding, padding];
}

/** Checks conv1d's operands (PyTorch's rules; messages name the op and the shapes) before any kernel runs. */
function checkConv1d(op: string, x: unknown, weight: unknown, bias: unknown, p: Conv1dParams): asserts x is Tensor {
  tensorArgs(op, x, weight, bias);
  const w = weight as Tensor, b = bias as Tensor | null | undefined;
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new RangeError(`${op}: expected 2-D (unbatched [C, L]) or 3-D (batched [N, C, L]) input, got shape ${shapeStr(x.shape)}`);
  }
  if (w.ndim !== 3) throw new RangeError(`${op}: expects 3-D weight [outC, inC/groups, k], got shape ${shapeStr(w.shape)}`);
  const [o, wc, k] = w.shape as [number, number, number];
  const c = x.shape[x.ndim - 2]!, len = x.shape[x.ndim - 1]!;
  if (o % p.groups !== 0) {
    throw new RangeError(`${op}: given groups=${p.groups}, expected weight to be divisible by ${p.groups} at dimension 0, but got weight of shape ${shapeStr(w.shape)}`);
  }
  if (wc * p.groups !== c) {
    throw new RangeError(`${op}: input shape ${shapeStr(x.shape)} has ${c} channels but weight shape ${shapeStr(w.shape)} expects ${wc * p.groups}` +
      (p.groups > 1 ? ` (groups=${p.groups} of ${wc})` : ''));
  }
  if (b != null && (b.ndim !== 1 || b.shape[0] !== o)) throw new RangeError(`${op}: bias shape ${shapeStr(b.shape)} does not match ${o} output channels`);
  const [before, after] = padSides1d(p.padding, k, p.dilation);
  if (k === 0 || windowCount(len, k, p.stride, before, after, p.dilation, false) <= 0) {
    throw new RangeError(`${op}: calculated padded input size per channel: (${len + before + after}). Kernel size: (${p.dilation * (k - 1) + 1}). ` +
      `Kernel size can't be greater than actual input size (input shape ${shapeStr(x.shape)})`);
  }
}

/** @internal conv1d with validated parameters (nn.Conv1d's forward): conv2d on the H = 1 view. */
export function conv1dWith(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv1dParams): Tensor {
  checkConv1d(op, x, weight, bias, p);
  const batched = x.ndim === 3;
  const x4 = (batched ? x : x.unsqueeze(0)).unsqueeze(2);
  const p2: ConvParams = {
    stride: [1, p.stride], padding: typeof p.padding === 'string' ? p.padding : [0, p.padding], dilation: [1, p.dilation], groups: p.groups,
  };
  const y = conv2dWith(op, x4, weight.unsqueeze(2), bias, p2).squeeze(2);
  return batched ? y : y.squeeze(0);
}

const CONV_PARAMS = ['bias', 'stride', 'padding', 'dilation', 'groups'];

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) input with weight [outC, inC/groups, k] and optional
 * bias [outC]: out[n, o, t] = bias[o] + Σ_{c in o's group, j} w[o, c, j] · x[n, c, t*stride - padding + j*dilation].
 * PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `conv1d(input, weight, bias?, stride = 1, padding = 0, dilation = 1, groups = 1)`; padding is per side,
 * 'valid' or 'same' (stride 1; an odd total padding puts the extra element at the end, as PyTorch).
 * Runs conv2d's kernels on the H = 1 view.
 * @example conv1d(randn(2, 3, 17), randn(4, 3, 5), null, { padding: 'same' }).shape // [2, 4, 17]
 */
export function conv1d(input: Tensor, weight: Tensor, ...args: Conv1dArgs): Tensor {
  const o = positionalOptions<Conv1dOptions>('conv1d', args, CONV_PARAMS);
  return conv1dWith('conv1d', input, weight, o.bias ?? null, conv1dParams('conv1d', o));
}

// ---------------------------------------------------------------- transposed convolution

export interface ConvTranspose1dOptions {
  bias?: Tensor | null;
  stride?: IntSingle;
  padding?: IntSingle;
  outputPadding?: IntSingle;
  groups?: number;
  dilation?: IntSingle;
}

export interface ConvTranspose2dOptions {
  bias?: Tensor | null;
  stride?: IntPair;
  padding?: IntPair;
  outputPadding?: IntPair;
  groups?: number;
  dilation?: IntPair;
}

type Opt<T> = T | undefined;
/** convTranspose1d's arguments after (input, weight), PyTorch's order (groups before dilation), optionally ending with options. */
export type ConvTranspose1dArgs = PositionalOr<
  [bias: Opt<Tensor | null>, stride: Opt<IntSingle>, padding: Opt<IntSingle>, outputPadding: Opt<IntSingle>, groups: Opt<number>, dilation: Opt<IntSingle>],
  ConvTranspose1dOptions
>;
/** convTranspose2d's arguments after (input, weight), PyTorch's order (groups before dilation), optionally ending with options. */
export type ConvTranspose2dArgs = PositionalOr<
  [bias: Opt<Tensor | null>, stride: Opt<IntPair>, padding: Opt<IntPair>, outputPadding: Opt<IntPair>, groups: Opt<number>, dilation: Opt<IntPair>],
  ConvTranspose2dOptions
>;

/** @internal A transposed convolution's validated parameters, one entry per spatial dim. */
export interface ConvTransposeParams {
  stride: number[];
  padding: number[];
  outputPadding: number[];
  groups: number;
  dilation: number[];
}

/** @internal Validates a transposed convolution's parameters over `nd` spatial dims (PyTorch's defaults). */
export function convTransposeParams(op: string, o: { stride?: unknown; padding?: unknown; outputPadding?: unknown; groups?: unknown; dilation?: unknown },
  nd: number): ConvTransposeParams {
  if (typeof o.padding === 'string') {
    throw new TypeError(`${op}: padding must be an integer or an array of ${nd} integers; padding='${o.padding}' is not supported for transposed convolutions (as in PyTorch)`);
  }
  return {
    stride: intTuple(op, 'stride', o.stride ?? 1, nd, 1),
    padding: intTuple(op, 'padding', o.padding ?? 0, nd, 0),
    outputPadding: intTuple(op, 'outputPadding', o.outputPadding ?? 0, nd, 0),
    groups: intArg(op, 'groups', o.groups ?? 1, 1),
    dilation: intTuple(op, 'dilation', o.dilation ?? 1, nd, 1),
  };
}

/** @internal The output size of a transposed convolution per spatial dim: (in - 1)·s - 2p + d·(k - 1) + outputPadding + 1. */
export function convTransposeSize(inSize: number, k: number, s: number, p: number, d: number, op: number): number {
  return (inSize - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

/**
 * @internal The transposed convolution over `nd` (1 or 2) spatial dims with validated parameters: checks
 * (PyTorch's rules, before any kernel runs), then conv2d's input gradient at the transposed geometry.
 */
export function convTransposeWith(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, p: ConvTransposeParams, nd: number): Tensor {
  tensorArgs(op, x, weight, bias);
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2) {
    throw new RangeError(`${op}: expected ${nd + 1}-D (unbatched) or ${nd + 2}-D (batched) input, got shape ${shapeStr(x.shape)}`);
  }
  if (weight.ndim !== nd + 2) {
    throw new RangeError(`${op}: expects ${nd + 2}-D weight [inC, outC/groups, ${nd === 1 ? 'k' : 'kH, kW'}], got shape ${shapeStr(weight.shape)}`);
  }
  const batched = x.ndim === nd + 2;
  const cin = weight.shape[0]!, og = weight.shape[1]!, cout = og * p.groups;
  const c = x.shape[batched ? 1 : 0]!;
  if (cin % p.groups !== 0) {
    throw new RangeError(`${op}: given groups=${p.groups}, expected weight to be divisible by ${p.groups} at dimension 0, but got weight of shape ${shapeStr(weight.shape)}`);
  }
  if (c !== cin) {
    throw new RangeError(`${op}: input shape ${shapeStr(x.shape)} has ${c} channels but weight shape ${shapeStr(weight.shape)} expects ${cin} ` +
      `(a transposed convolution's weight is [inC, outC/groups, ...])`);
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== cout)) {
    throw new RangeError(`${op}: bias shape ${shapeStr(bias.shape)} does not match ${cout} output channels (weight shape ${shapeStr(weight.shape)}, groups=${p.groups})`);
  }
  for (let d = 0; d < nd; d++) {
    if (p.outputPadding[d]! >= p.stride[d]! && p.outputPadding[d]! >= p.dilation[d]!) {
      throw new RangeError(`${op}: output padding must be smaller than either stride or dilation, but got outputPadding ${showArg(p.outputPadding)}, ` +
        `stride ${showArg(p.stride)}, dilation ${showArg(p.dilation)}`);
    }
  }
  const spatialIn = x.shape.slice(x.ndim - nd), ks = weight.shape.slice(2);
  const spatialOut = spatialIn.map((s, d) => convTransposeSize(s, ks[d]!, p.stride[d]!, p.padding[d]!, p.dilation[d]!, p.outputPadding[d]!));
  if (ks.some((k) => k === 0) || spatialOut.some((s) => s <= 0)) {
    throw new RangeError(`${op}: given input size per channel: (${spatialIn.join(' x ')}). Calculated output size per channel: (${spatialOut.join(' x ')}). ` +
      `Output size is too small (input shape ${shapeStr(x.shape)}, weight shape ${shapeStr(weight.shape)})`);
  }
  // the 4-D views: [N, inC, H, W] and [inC, outC/groups, kH, kW] (H = kH = 1 for 1-D)
  let x4 = batched ? x : x.unsqueeze(0);
  let w4 = weight;
  if (nd === 1) {
    x4 = x4.unsqueeze(2);
    w4 = weight.unsqueeze(2);
  }
  const at = (a: readonly number[], d: number, dflt: number) => (nd === 1 ? (d === 0 ? dflt : a[0]!) : a[d]!);
  const geo: Geometry = {
    n: x4.shape[0]!, c: cout, h: at(spatialOut, 0, 1), w: at(spatialOut, 1, 1), o: cin,
    kh: w4.shape[2]!, kw: w4.shape[3]!,
    sh: at(p.stride, 0, 1), sw: at(p.stride, 1, 1), ph: at(p.padding, 0, 0), pw: at(p.padding, 1, 0),
    dh: at(p.dilation, 0, 1), dw: at(p.dilation, 1, 1),
    groups: p.groups, oh: x4.shape[2]!, ow: x4.shape[3]!,
  };
  let y = transposed(x4, w4, bias ?? null, geo);
  if (nd === 1) y = y.squeeze(2);
  return batched ? y : y.squeeze(0);
}

/**
 * y = Cᵀx (+ bias), C the convolution at `geo` (mapping [N, outC, H', W'] to [N, inC, H, W]): its kernel
 * is conv2d's input gradient. One node for x, weight and bias, like PyTorch's ConvolutionBackward0:
 * dx = C(g), dweight = conv2d's weight gradient of (x against g), dbias = g summed over N, H', W'; both
 * are differentiable (double backward).
 */
function transposed(x: Tensor, weight: Tensor, bias: Tensor | null, geo: Geometry): Tensor {
  const y = noGrad(() => {
    const out = inputGrad(x, weight, geo);
    if (bias !== null) out.add_((bias.dtype === 'float32' ? bias : bias.float()).reshape([1, geo.c, 1, 1]));
    return out;
  });
  // x is saved for the weight's gradient and the weight for x's, only when needed (as PyTorch)
  const saveX = weight.requiresGrad, saveW = x.requiresGrad;
  const saved = saveX && saveW ? [x, weight] : saveX ? [x] : saveW ? [weight] : [];
  if (isTracing()) traceAttrs(y, { geo, transposed: true });
  return record(y, 'ConvolutionBackward0', [x, weight, bias], saved, (g, s, needs) => {
    const xs = saveX ? s[0]! : null, ws = saveW ? s[saveX ? 1 : 0]! : null;
    return [
      needs[0] ? convolution(g, ws!, null, geo) : null,
      needs[1] ? weightGrad(xs!, g, geo) : null,
      needs[2] ? g.sum([0, 2, 3]) : null,
    ];
  });
}

const CONV_T_PARAMS = ['bias', 'stride', 'padding', 'outputPadding', 'groups', 'dilation'];

/**
 * 1-D transposed convolution ("deconvolution", the adjoint of conv1d) over [N, inC, L] (or unbatched
 * [inC, L]) with weight [inC, outC/groups, k] and optional bias [outC]; output length
 * (L - 1)·stride - 2·padding + dilation·(k - 1) + outputPadding + 1. PyTorch's parameters in PyTorch's order
 * (groups before dilation), or an options object after any prefix of them:
 * `convTranspose1d(input, weight, bias?, stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1)`.
 * outputPadding must be smaller than stride or dilation.
 * @example convTranspose1d(randn(1, 4, 9), randn(4, 2, 3), null, { stride: 2 }).shape // [1, 2, 19]
 */
export function convTranspose1d(input: Tensor, weight: Tensor, ...args: ConvTranspose1dArgs): Tensor {
  const o = positionalOptions<ConvTranspose1dOptions>('convTranspose1d', args, CONV_T_PARAMS);
  return convTransposeWith('convTranspose1d', input, weight, o.bias ?? null, convTransposeParams('convTranspose1d', o, 1), 1);
}

/**
 * 2-D transposed convolution (the adjoint of conv2d: its value is conv2d's input gradient) over NCHW (or
 * unbatched CHW) input with weight [inC, outC/groups, kH, kW] and optional bias [outC]; output size per dim
 * (in - 1)·stride - 2·padding + dilation·(k - 1) + outputPadding + 1. PyTorch's parameters in PyTorch's
 * order (groups before dilation), or an options object after any prefix of them:
 * `convTranspose2d(input, weight, bias?, stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1)`.
 * outputPadding must be smaller than stride or dilation; padding strings are not accepted (as PyTorch).
 * @example convTranspose2d(randn(1, 8, 7, 7), randn(8, 3, 4, 4), null, { stride: 2, padding: 1 }).shape // [1, 3, 14, 14]
 */
export function convTranspose2d(input: Tensor, weight: Tensor, ...args: ConvTranspose2dArgs): Tensor {
  const o = positionalOptions<ConvTranspose2dOptions>('convTranspose2d', args, CONV_T_PARAMS);
  return convTransposeWith('convTranspose2d', input, weight, o.bias ?? null, convTransposeParams('convTranspose2d', o, 2), 2);
}

// ---------------------------------------------------------------- unfold / fold

export interface UnfoldOptions {
  dilation?: IntPair;
  padding?: IntPair;
  stride?: IntPair;
}

/** unfold's and fold's arguments after the kernel size: PyTorch's order, optionally ending with options. */
export type UnfoldArgs = PositionalOr<[dilation: Opt<IntPair>, padding: Opt<IntPair>, stride: Opt<IntPair>], UnfoldOptions>;

/** @internal The sliding blocks of unfold/fold: c channels of h×w images, kernel, stride, padding, dilation, blocks oh×ow. */
export interface Blocks {
  c: number; h: number; w: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  oh: number; ow: number;
}

/** @internal unfold's and fold's kernelSize and options, validated. */
export interface BlockParams {
  kernelSize: [number, number];
  dilation: [number, number];
  padding: [number, number];
  stride: [number, number];
}

const pair = (op: string, name: string, v: unknown, min: number) => intTuple(op, name, v, 2, min) as [number, number];

/** @internal Validates unfold's and fold's kernelSize, dilation, padding and stride (PyTorch's defaults). */
export function blockParams(op: string, kernelSize: unknown, o: UnfoldOptions): BlockParams {
  return {
    kernelSize: pair(op, 'kernelSize', kernelSize, 1),
    dilation: pair(op, 'dilation', o.dilation ?? 1, 1),
    padding: pair(op, 'padding', o.padding ?? 0, 0),
    stride: pair(op, 'stride', o.stride ?? 1, 1),
  };
}

/** The blocks of c channels of h×w images with `p`; throws (PyTorch's message) when there are none. */
function blocksOf(op: string, c: number, h: number, w: number, p: BlockParams, what: string): Blocks {
  const [kh, kw] = p.kernelSize, [dh, dw] = p.dilation, [ph, pw] = p.padding, [sh, sw] = p.stride;
  const oh = windowCount(h, kh, sh, ph, ph, dh, false), ow = windowCount(w, kw, sw, pw, pw, dw, false);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${op}: given ${what} (${h}, ${w}), kernelSize=(${kh}, ${kw}), dilation=(${dh}, ${dw}), padding=(${ph}, ${pw}), ` +
      `stride=(${sh}, ${sw}), calculated shape of the array of sliding blocks as (${oh}, ${ow}), but its components must be at least one`);
  }
  return { c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

const geoArgs = (b: Blocks) => [b.c, b.h, b.w, b.kh, b.kw, b.sh, b.sw, b.ph, b.pw, b.dh, b.dw, b.oh, b.ow] as const;

/** Differentiable im2col of x [n, c, h, w] -> [n, c·kh·kw, oh·ow]; its backward is fold. */
function im2col(x: Tensor, b: Blocks): Tensor {
  const n = x.shape[0]!;
  const out = Tensor.empty([n, b.c * b.kh * b.kw, b.oh * b.ow], 'float32');
  if (out.numel() > 0) {
    const xc = floatContiguous(x);
    const kern = kernels(), xStep = b.c * b.h * b.w * 4, oStep = b.c * b.kh * b.kw * b.oh * b.ow * 4;
    for (let i = 0; i < n; i++) kern.im2col_dilated_f32(xc.ptr + i * xStep, out.ptr + i * oStep, ...geoArgs(b));
    if (xc !== x) xc.dispose();
  }
  return record(out, 'Im2ColBackward0', [x], [], (g) => [col2im(g, b)]);
}

/** Differentiable col2im of cols [n, c·kh·kw, oh·ow] -> [n, c, h, w] (overlaps summed); its backward is unfold. */
function col2im(cols: Tensor, b: Blocks): Tensor {
  const n = cols.shape[0]!;
  const out = Tensor.empty([n, b.c, b.h, b.w], 'float32');
  if (out.numel() > 0) {
    out.zero_();
    const cc = floatContiguous(cols);
    const kern = kernels(), cStep = b.c * b.kh * b.kw * b.oh * b.ow * 4, oStep = b.c * b.h * b.w * 4;
    if (cStep > 0) for (let i = 0; i < n; i++) kern.col2im_dilated_f32(cc.ptr + i * cStep, out.ptr + i * oStep, ...geoArgs(b));
    if (cc !== cols) cc.dispose();
  }
  return record(out, 'Col2ImBackward0', [cols], [], (g) => [im2col(g, b)]);
}

/** @internal unfold with validated parameters (nn.Unfold's forward). */
export function unfoldWith(input: Tensor, p: BlockParams): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`unfold: input must be a Tensor, got ${showArg(input)}`);
  if ((input.ndim !== 3 && input.ndim !== 4) || input.shape.slice(-3).some((s) => s === 0)) {
    throw new RangeError(`unfold: expected 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input with non-zero C, H, W, got shape ${shapeStr(input.shape)}`);
  }
  const batched = input.ndim === 4;
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  const b = blocksOf('unfold', c, h, w, p, 'input with spatial size');
  const y = im2col(batched ? input : input.unsqueeze(0), b);
  return batched ? y : y.squeeze(0);
}

/** @internal fold with validated parameters (nn.Fold's forward). */
export function foldWith(input: Tensor, outputSize: [number, number], p: BlockParams): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`fold: input must be a Tensor, got ${showArg(input)}`);
  if ((input.ndim !== 2 && input.ndim !== 3) || input.shape.slice(-2).some((s) => s === 0)) {
    throw new RangeError(`fold: expected 2-D (unbatched [C·kH·kW, L]) or 3-D (batched [N, C·kH·kW, L]) input with non-zero dims after the batch, got shape ${shapeStr(input.shape)}`);
  }
  const batched = input.ndim === 3;
  const [ckk, L] = input.shape.slice(-2) as [number, number];
  const [kh, kw] = p.kernelSize;
  if (ckk % (kh * kw) !== 0) {
    throw new RangeError(`fold: expected size of input's dimension ${batched ? 1 : 0} to be divisible by the product of kernelSize, but got ` +
      `input shape ${shapeStr(input.shape)} and kernelSize=(${kh}, ${kw})`);
  }
  const b = blocksOf('fold', ckk / (kh * kw), outputSize[0], outputSize[1], p, 'outputSize');
  if (b.oh * b.ow !== L) {
    throw new RangeError(`fold: given outputSize=(${outputSize.join(', ')}), kernelSize=(${kh}, ${kw}), dilation=(${b.dh}, ${b.dw}), padding=(${b.ph}, ${b.pw}), ` +
      `stride=(${b.sh}, ${b.sw}), expected size of input's dimension ${batched ? 2 : 1} to match the calculated number of sliding blocks ` +
      `${b.oh} * ${b.ow} = ${b.oh * b.ow}, but got input shape ${shapeStr(input.shape)}`);
  }
  const y = col2im(batched ? input : input.unsqueeze(0), b);
  return batched ? y : y.squeeze(0);
}

const UNFOLD_PARAMS = ['dilation', 'padding', 'stride'];

/**
 * Extracts sliding local blocks (im2col): input [N, C, H, W] (or unbatched [C, H, W]) -> [N, C·kH·kW, L],
 * L = number of block positions; out[n, (c·kH + i)·kW + j, oy·oW + ox] = x[n, c, oy·sH - pH + i·dH,
 * ox·sW - pW + j·dW] (0 in the padding). PyTorch's order, or an options object after any prefix:
 * `unfold(input, kernelSize, dilation = 1, padding = 0, stride = 1)`. Its backward is fold.
 * @example unfold(randn(1, 3, 5, 5), 3, { padding: 1 }).shape // [1, 27, 25]
 */
export function unfold(input: Tensor, kernelSize: IntPair, ...args: UnfoldArgs): Tensor {
  const o = positionalOptions<UnfoldOptions>('unfold', args, UNFOLD_PARAMS);
  return unfoldWith(input, blockParams('unfold', kernelSize, o));
}

/**
 * Combines sliding local blocks into an image (col2im, the adjoint of unfold; overlapping values are
 * summed): input [N, C·kH·kW, L] (or unbatched [C·kH·kW, L]) -> [N, C, outputSize[0], outputSize[1]].
 * PyTorch's order, or an options object after any prefix:
 * `fold(input, outputSize, kernelSize, dilation = 1, padding = 0, stride = 1)`. Its backward is unfold.
 * @example fold(unfold(x, 2, { stride: 2 }), [4, 4], 2, { stride: 2 }) // x again, for x of shape [1, C, 4, 4]
 */
export function fold(input: Tensor, outputSize: IntPair, kernelSize: IntPair, ...args: UnfoldArgs): Tensor {
  const o = positionalOptions<UnfoldOptions>('fold', args, UNFOLD_PARAMS);
  const p = blockParams('fold', kernelSize, o);
  return foldWith(input, pair('fold', 'outputSize', outputSize, 0), p);
}
