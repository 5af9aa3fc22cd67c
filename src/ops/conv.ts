/**
 * conv2d (im2col + GEMM per image, in one kernel call over the batch), NCHW, PyTorch weight layout
 * [out, in/groups, kH, kW], and the window geometry it shares with pooling (ops/pool.ts): int-or-pair
 * arguments and output sizes (ceil mode included).
 * Backward passes are their own kernels-level functions: the input gradient is col2im of Wᵀ·g and the
 * weight gradient sums g·colsᵀ over the batch (cols are recomputed rather than kept). Dilation and groups
 * take a general path (dilated im2col/col2im, one GEMM per group); dilation 1 and groups 1 keep the fused
 * conv2d-over-images kernels. 3x3 stride-1 convolutions with enough channels take Winograd F(2x2, 3x3)
 * (assembly/winograd.ts), or F(4x4, 3x3) (assembly/winograd4.ts) where it is faster (winogradTile), forward
 * and for both gradients, when their operands are finite (winogradFits, winogradSafe).
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { floatContiguous } from './elementwise-support.js';
import { winogradScratch, winogradWeightScratch } from '../backends/js/winograd.js';
import { W4_AT, W4_BT, W4_G, winograd4Scratch, winograd4TilesX, winograd4WeightScratch } from '../backends/js/winograd4.js';

// ---------------------------------------------------------------- shared argument checks and geometry

/** An integer, or a pair of them (height, width). */
export type IntPair = number | readonly [number, number];

/** @internal A value as error messages show it. */
export function showArg(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor of shape ${shapeStr(v.shape)}`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * @internal `op`'s argument `name` as a pair of integers >= min: a number is used for both dims, an array
 * must have two numbers. Wrong types throw a TypeError, out-of-range or fractional values a RangeError,
 * both naming the function and the argument.
 */
export function intPair(op: string, name: string, v: unknown, min: number): [number, number] {
  const num = (x: unknown): x is number => typeof x === 'number';
  let p: [number, number];
  if (num(v)) p = [v, v];
  else if (Array.isArray(v) && v.length === 2 && v.every(num)) p = [v[0] as number, v[1] as number];
  else throw new TypeError(`${op}: ${name} must be an integer or a pair of integers, got ${showArg(v)}`);
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${showArg(v)}`);
  }
  return p;
}

/** `op`'s integer argument `name` (>= min). */
function intArg(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be an integer, got ${showArg(v)}`);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${showArg(v)}`);
  return v;
}

/** @internal `op`'s boolean argument `name`. */
export function boolArg(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${showArg(v)}`);
  return v;
}

/**
 * @internal Number of positions of a window of k taps spaced d apart, moved by s over `size` elements
 * padded by `before` and `after` (PyTorch's conv and pooling output size). With ceil mode the division
 * rounds up, but the last window must start inside the input or the padding before it (PyTorch's rule).
 */
export function windowCount(size: number, k: number, s: number, before: number, after: number, d: number, ceil: boolean): number {
  const span = size + before + after - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && out > 0 && (out - 1) * s >= size + before) out--;
  return out;
}

/** @internal "3x3", or "3x3 with dilation 2x2 (effective 5x5)". */
export function kernelStr(kh: number, kw: number, dh: number, dw: number): string {
  return dh === 1 && dw === 1 ? `${kh}x${kw}` : `${kh}x${kw} with dilation ${dh}x${dw} (effective ${dh * (kh - 1) + 1}x${dw * (kw - 1) + 1})`;
}

// ---------------------------------------------------------------- conv2d options

/** conv2d's padding: per side (int or pair), 'valid' (none) or 'same' (output size = input size; stride 1). */
export type Conv2dPadding = IntPair | 'valid' | 'same';

export interface Conv2dOptions {
  bias?: Tensor | null;
  stride?: IntPair;
  padding?: Conv2dPadding;
  dilation?: IntPair;
  groups?: number;
}

/** All prefixes of the tuple T, [] included. */
export type Prefixes<T extends unknown[]> = T extends [...infer H, unknown] ? T | Prefixes<H> : [];
/** All prefixes of the positional parameters T, each alone or followed by an options object O. */
export type PositionalOr<T extends unknown[], O> = Prefixes<T> | [...Prefixes<T>, O];

/** conv2d's arguments after (input, weight): PyTorch's positional order, optionally ending with options. */
export type Conv2dArgs = PositionalOr<
  [bias: Tensor | null | undefined, stride: IntPair | undefined, padding: Conv2dPadding | undefined, dilation: IntPair | undefined, groups: number | undefined],
  Conv2dOptions
>;

/** @internal conv2d's validated options (padding as given: a pair or one of the strings). */
export interface ConvParams {
  stride: [number, number];
  padding: [number, number] | 'valid' | 'same';
  dilation: [number, number];
  groups: number;
}

/** @internal Validates conv2d's stride, padding, dilation and groups (PyTorch's rules and defaults). */
export function convParams(op: string, o: { stride?: unknown; padding?: unknown; dilation?: unknown; groups?: unknown }): ConvParams {
  const stride = intPair(op, 'stride', o.stride ?? 1, 1);
  const dilation = intPair(op, 'dilation', o.dilation ?? 1, 1);
  const groups = intArg(op, 'groups', o.groups ?? 1, 1);
  let padding: ConvParams['padding'];
  if (typeof o.padding === 'string') {
    if (o.padding !== 'valid' && o.padding !== 'same') {
      throw new RangeError(`${op}: invalid padding string '${o.padding}', should be one of 'valid', 'same'`);
    }
    if (o.padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) {
      throw new RangeError(`${op}: padding='same' is not supported for strided convolutions (stride ${showArg(o.stride)})`);
    }
    padding = o.padding;
  } else if (o.padding === undefined || typeof o.padding === 'number' || Array.isArray(o.padding)) {
    padding = intPair(op, 'padding', o.padding ?? 0, 0);
  } else {
    throw new TypeError(`${op}: padding must be a non-negative integer, a pair of them, 'valid' or 'same', got ${showArg(o.padding)}`);
  }
  return { stride, padding, dilation, groups };
}

/**
 * @internal Padding [top, left, bottom, right] of `padding` for a kernel kh×kw with dilation (dh, dw):
 * 'same' pads d*(k-1) in total, the odd one at the bottom/right (as PyTorch).
 */
export function padSides(padding: ConvParams['padding'], kh: number, kw: number, dh: number, dw: number): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const th = dh * (kh - 1), tw = dw * (kw - 1);
    return [th >> 1, tw >> 1, th - (th >> 1), tw - (tw >> 1)];
  }
  return [padding[0], padding[1], padding[0], padding[1]];
}

// ---------------------------------------------------------------- kernels

/** @internal The geometry of one convolution (conv-more.ts builds the transposed convolution's from it). */
export interface Geometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  /** stride, padding before the image (top, left), dilation */
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  groups: number;
  oh: number; ow: number;
}

/** Dilation 1 and one group: the fused conv2d-over-images kernels (split over the batch on threads). */
const plain = (g: Geometry): boolean => g.dh === 1 && g.dw === 1 && g.groups === 1;

/**
 * Runs one of the conv2d-over-images kernels on the whole batch with scratch for its im2col columns and
 * its GEMM (of m×n×k); the backend may split the batch across threads (each with its own scratch).
 */
function overImages(kernel: 'conv2d_images_f32' | 'conv2d_backward_input_images_f32' | 'conv2d_backward_weight_images_f32',
  p0: number, p1: number, bias: number, dst: number, g: Geometry, m: number, n: number, k: number): void {
  const kern = kernels();
  const colsBytes = Math.max(4, g.c * g.kh * g.kw * g.oh * g.ow * 4);
  const wsBytes = Math.max(4, kern.gemm_f32_workspace(m, n, k));
  const cols = heap.alloc(colsBytes);
  try {
    const ws = heap.alloc(wsBytes);
    try {
      const geo = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow] as const;
      if (kernel === 'conv2d_images_f32') kern.conv2d_images_f32(p0, p1, bias, dst, ...geo, cols, ws);
      else kern[kernel](p0, p1, dst, ...geo, cols, ws);
    } finally {
      heap.free(ws, wsBytes);
    }
  } finally {
    heap.free(cols, colsBytes);
  }
}

/**
 * The general path (dilation, groups), image by image: the dilated im2col of all channels (group gi's
 * rows are the block gi*cg*kh*kw ..), then one GEMM per group on its blocks of the weight [o, cg*kh*kw]
 * and of the output [o, L]. Each GEMM may split across threads.
 * forward: dst[i] = w·cols(x[i]) (+ bias); input: dst[i] += col2im(wᵀ·gy[i]); weight: dst += gy[i]·cols(x[i])ᵀ.
 */
function overGroups(kind: 'forward' | 'input' | 'weight', p0: number, p1: number, bias: number, dst: number, g: Geometry): void {
  const kern = kernels();
  const L = g.oh * g.ow, og = g.o / g.groups, cgkk = (g.c / g.groups) * g.kh * g.kw;
  const [m, n, k] = kind === 'forward' ? [og, L, cgkk] : kind === 'input' ? [cgkk, L, og] : [og, cgkk, L];
  const colsBytes = Math.max(4, g.c * g.kh * g.kw * L * 4);
  const wsBytes = Math.max(4, kern.gemm_f32_workspace(m, n, k));
  const cols = heap.alloc(colsBytes);
  try {
    const ws = heap.alloc(wsBytes);
    try {
      const geo = [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow] as const;
      const xStep = g.c * g.h * g.w * 4, yStep = g.o * L * 4;
      const wG = og * cgkk * 4, colsG = cgkk * L * 4, yG = og * L * 4;
      for (let i = 0; i < g.n; i++) {
        if (kind === 'forward') {
          kern.im2col_dilated_f32(p0 + i * xStep, cols, ...geo);
          for (let gi = 0; gi < g.groups; gi++) {
            kern.gemm_bias_f32(p1 + gi * wG, cols + gi * colsG, dst + i * yStep + gi * yG, og, L, cgkk, cgkk, 1, L, 1, 0,
              bias !== 0 ? bias + gi * og * 4 : 0, bias !== 0 ? 2 : 0, 0, ws);
          }
        } else if (kind === 'input') {
          for (let gi = 0; gi < g.groups; gi++) {
            kern.gemm_bias_f32(p1 + gi * wG, p0 + i * yStep + gi * yG, cols + gi * colsG, cgkk, L, og, 1, cgkk, L, 1, 0, 0, 0, 0, ws);
          }
          kern.col2im_dilated_f32(cols, dst + i * xStep, ...geo);
        } else {
          kern.im2col_dilated_f32(p1 + i * xStep, cols, ...geo);
          for (let gi = 0; gi < g.groups; gi++) {
            kern.gemm_bias_f32(p0 + i * yStep + gi * yG, cols + gi * colsG, dst + gi * wG, og, cgkk, L, L, 1, 1, L, 1, 0, 0, 0, ws);
          }
        }
      }
    } finally {
      heap.free(ws, wsBytes);
    }
  } finally {
    heap.free(cols, colsBytes);
  }
}

// ---------------------------------------------------------------- Winograd F(2x2, 3x3) and F(4x4, 3x3)

/**
 * Fewest channels (summed over and produced) with which a 3x3 stride-1 convolution takes the Winograd
 * kernels: their GEMMs have depth c (or o), and with fewer channels the transforms weigh more against the
 * multiply-adds they save (MNIST's first convolution, 1 channel in, stays direct).
 */
const WINOGRAD_MIN_CHANNELS = 16;
let winogradEnabled = true;

/** @internal Turns the Winograd path on or off (tests compare it with the direct path); returns the previous setting. */
export function setWinograd(on: boolean): boolean {
  const was = winogradEnabled;
  winogradEnabled = on;
  return was;
}

/** Which Winograd kernels a convolution takes: chosen per shape (winogradTile), or forced by the tests. */
type WinogradVariant = 'auto' | 2 | 4;
let winogradVariant: WinogradVariant = 'auto';

/** @internal Forces F(2x2, 3x3) (2) or F(4x4, 3x3) (4) wherever Winograd applies, or 'auto'; returns the previous setting. */
export function setWinogradVariant(v: WinogradVariant): WinogradVariant {
  const was = winogradVariant;
  winogradVariant = v;
  return was;
}

/** Bytes of the Winograd kernel's V and M per block of tile rows (kept within L2 between the transforms and the GEMMs). */
const WINOGRAD_BLOCK_BYTES = 512 * 1024;
/**
 * The same for F(4x4, 3x3): larger blocks, whose GEMMs (36 per block, each packing its o x c block of U)
 * have more tiles to share each packing with.
 */
const WINOGRAD4_BLOCK_BYTES = 1024 * 1024;
/** Fewest output positions per channel (over the batch) with which a convolution takes F(4x4, 3x3). */
const WINOGRAD4_MIN_OUTPUTS = 2048;

/**
 * The Winograd kernels (assembly/winograd.ts, assembly/winograd4.ts) compute the convolution: 3x3 filters,
 * stride 1, dilation 1, one group, enough channels, and not while an ONNX export traces (its Conv node comes
 * from the geometry). Their results are those of the direct path up to float32 rounding. F(2x2, 3x3)'s
 * transforms only add and subtract, so an output's error is a few ulps of Σ over channels of (Σ|d|)(Σ|g|)
 * over its 4x4 input tile d and filter g; on ResNet-like data it stays within 4e-7 of Σ|x||w| and at most
 * twice the direct path's error (test/winograd.test.ts). F(4x4, 3x3)'s transforms multiply by dyadic
 * constants up to 27/8 over 6x6 tiles: within 1.5e-6 of Σ|x||w| forward and for the input gradient, 2e-6
 * for the weight gradient, and within 10x (input gradient 15x) the direct path's (test/winograd4.test.ts).
 */
function winogradFits(g: Geometry): boolean {
  return winogradEnabled && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.groups === 1 &&
    g.c >= WINOGRAD_MIN_CHANNELS && g.o >= WINOGRAD_MIN_CHANNELS && !isTracing();
}

/**
 * True when the operands are finite and small enough for the Winograd path to give the direct path's
 * results. Its transforms subtract neighbours and spread values over a tile: an infinite input or weight
 * gives Inf - Inf = NaN where the direct sum gives ±Inf, a NaN weight would reach input-gradient positions
 * the direct path leaves finite (0·NaN from the zero padding), and huge finite values could overflow inside
 * the transforms. Every intermediate is bounded by factor·max|x|·max|w| (+ max|b| at the end), with factor
 * 81·c for an F(2x2) convolution summing c channels (WINOGRAD4_FORWARD_FACTOR·c for F(4x4)), so below
 * 2^127 nothing overflows; NaN or Inf anywhere (a diverged run) takes the direct path.
 */
function winogradSafe(x: Tensor, w: Tensor, bias: Tensor | null, factor: number, memo: AbsMaxMemo | null): boolean {
  const bound = factor * absMax(x, memo) * absMax(w, memo);
  return bound + (bias !== null ? absMax(bias, memo) : 0) < 2 ** 127;
}

/**
 * The results of absMax over the operands of one convolution node, its forward and its gradients: the input
 * is checked by the forward and again by the weight gradient, the incoming gradient by both gradients, the
 * weight by the forward and the input gradient. Autograd refuses a backward whose saved operands were
 * modified in place since the forward; the storage version is kept anyway, so a modified tensor is read again.
 * Weak, so the node's memo keeps no tensor alive. @internal
 */
export type AbsMaxMemo = WeakMap<Tensor, { version: number; value: number }>;

/** The largest |t[i]| of a contiguous float32 tensor (abs_max_f32), remembered in `memo` when given. */
function absMax(t: Tensor, memo: AbsMaxMemo | null): number {
  const seen = memo?.get(t);
  if (seen !== undefined && seen.version === t.storage.version) return seen.value;
  const value = kernels().abs_max_f32(t.ptr, t.numel());
  memo?.set(t, { version: t.storage.version, value });
  return value;
}

/** The largest absolute row sum of a matrix (the ∞-norm: |M v| <= it · max|v|). */
const rowNorm = (m: readonly (readonly number[])[]): number => Math.max(...m.map((r) => r.reduce((a, v) => a + Math.abs(v), 0)));
/** The largest absolute column sum (the ∞-norm of the transpose). */
const colNorm = (m: readonly (readonly number[])[]): number => Math.max(...m[0]!.map((_, j) => m.reduce((a, r) => a + Math.abs(r[j]!), 0)));

/**
 * Bounds on every intermediate of the F(4x4, 3x3) kernels per unit of max|x|·max|w| (forward, per summed
 * channel) and of max|gy|·max|x| (weight gradient, per tile): a transform applies its matrix along both
 * dimensions, so |Bᵀ d B| <= ‖Bᵀ‖²·max|d| with ‖·‖ the largest absolute row sum (which also bounds the
 * partial sums inside it), likewise G g Gᵀ and Aᵀ M A; the adjoints A dY Aᵀ and Gᵀ dU G take the largest
 * column sums. (F(2x2): 81 and 64, the same products for its matrices.)
 */
const WINOGRAD4_FORWARD_FACTOR = (rowNorm(W4_BT) * rowNorm(W4_G) * rowNorm(W4_AT)) ** 2;
const WINOGRAD4_WEIGHT_FACTOR = (colNorm(W4_AT) * rowNorm(W4_BT) * colNorm(W4_G)) ** 2;

/**
 * The Winograd tile for a convolution that fits (winogradFits): 4 for F(4x4, 3x3), 2 for F(2x2, 3x3), per
 * pass (the forward and input gradient run the same kernels, on (c, oh, ow) and on (o, h, w)).
 */
function winogradTile(g: Geometry, pass: 'forward' | 'input' | 'weight'): 2 | 4 {
  if (winogradVariant !== 'auto') return winogradVariant;
  // the outputs of the kernel call: the input gradient's are x's positions
  const oh = pass === 'input' ? g.h : g.oh, ow = pass === 'input' ? g.w : g.ow;
  // GEMM columns · planes of each: rows of tiles padded to multiples of 4 tiles (F(4x4): rows of at most 2
  // tiles go in pairs, as 2)
  const cost4 = 36 * Math.ceil(oh / 4) * winograd4TilesX(ow);
  const cost2 = 16 * Math.ceil(oh / 2) * ((Math.ceil(ow / 2) + 3) & ~3);
  // F(2x2) is the more accurate: small convolutions, with little time to gain, keep it
  return cost4 <= 0.75 * cost2 && g.n * oh * ow >= WINOGRAD4_MIN_OUTPUTS ? 4 : 2;
}

/** Tile rows per block of `rows`: as many as keep a block's two matrices (perRow bytes a row) within the variant's budget. */
function winogradBlockRows(tile: 2 | 4, rows: number, perRow: number): number {
  return Math.max(1, Math.min(rows, Math.floor((tile === 4 ? WINOGRAD4_BLOCK_BYTES : WINOGRAD_BLOCK_BYTES) / perRow)));
}

/** The safety factor of winogradSafe for a convolution summing `c` channels through tiles of `tile`. */
function convFactor(tile: 2 | 4, c: number): number {
  return (tile === 4 ? WINOGRAD4_FORWARD_FACTOR : 81) * c;
}

/**
 * y [n, o, oh, ow] = the 3x3 stride-1 convolution of x [n, c, h, wd] padded by (ph, pw) (+ bias) through
 * the Winograd kernels with tiles of `tile` (F(2x2) or F(4x4)), with the filters of w [wo, wc, 3, 3] as
 * they are (flip 0: o = wo, c = wc) or rotated and transposed (flip 1: o = wc, c = wo; conv2d's input
 * gradient). Every output is written.
 */
function winogradConv(tile: 2 | 4, x: number, w: number, flip: 0 | 1, wo: number, wc: number, bias: number, y: number,
  n: number, c: number, h: number, wd: number, o: number, ph: number, pw: number, oh: number, ow: number): void {
  const kern = kernels();
  const f4 = tile === 4;
  const scratch = f4 ? winograd4Scratch : winogradScratch;
  const rows = n * Math.ceil(oh / tile);
  const row = scratch(c, o, ow, 1, () => 0);
  const blockRows = winogradBlockRows(tile, rows, row.v + row.m);
  const bytes = scratch(c, o, ow, blockRows, kern.gemm_f32_workspace);
  // U: F(4x4)'s planes in the GEMM's packed-A layout (winograd4_weights_bytes)
  withScratch([f4 ? kern.winograd4_weights_bytes(o, c) : 16 * o * c * 4, bytes.v, bytes.m, bytes.work], ([u, v, m, work]) => {
    if (f4) {
      kern.winograd4_weights_f32(w, u!, wo, wc, flip);
      kern.conv2d_winograd4_f32(x, u!, bias, y, n, c, h, wd, o, ph, pw, oh, ow, 0, rows, blockRows, v!, m!, work!);
    } else {
      kern.winograd_weights_f32(w, u!, wo, wc, flip);
      kern.conv2d_winograd_f32(x, u!, bias, y, n, c, h, wd, o, ph, pw, oh, ow, 0, rows, blockRows, v!, m!, work!);
    }
  });
}

/**
 * dW [o, c, 3, 3] of the 3x3 stride-1 convolution of x [n, c, h, wd] (padding ph, pw) from its output
 * gradient gy [n, o, oh, ow] through the Winograd kernels with tiles of `tile`: the tiles' products summed
 * into du [(tile + 2)², o, c], then dW = Gᵀ du G.
 */
function winogradWeightGrad(tile: 2 | 4, gy: number, x: number, dw: number, n: number, c: number, h: number, wd: number,
  o: number, ph: number, pw: number, oh: number, ow: number): void {
  const kern = kernels();
  const f4 = tile === 4;
  const scratch = f4 ? winograd4WeightScratch : winogradWeightScratch;
  const rows = n * Math.ceil(oh / tile);
  const row = scratch(c, o, ow, 1, () => 0);
  const blockRows = winogradBlockRows(tile, rows, row.v + row.z);
  const bytes = scratch(c, o, ow, blockRows, kern.gemm_f32_workspace);
  const duBytes = (tile + 2) ** 2 * o * c * 4;
  withScratch([duBytes, bytes.v, bytes.z, bytes.work], ([du, v, z, work]) => {
    heap.f32.fill(0, du! >>> 2, (du! + duBytes) >>> 2);
    if (f4) {
      kern.conv2d_winograd4_weight_f32(gy, x, du!, n, c, h, wd, o, ph, pw, oh, ow, 0, rows, blockRows, v!, z!, work!);
      kern.winograd4_weights_backward_f32(du!, dw, o, c);
    } else {
      kern.conv2d_winograd_weight_f32(gy, x, du!, n, c, h, wd, o, ph, pw, oh, ow, 0, rows, blockRows, v!, z!, work!);
      kern.winograd_weights_backward_f32(du!, dw, o, c);
    }
  });
}

/** Runs `fn` with blocks of the given byte sizes from the heap, all freed afterwards (also when an allocation fails). */
function withScratch(sizes: readonly number[], fn: (ptrs: number[]) => void): void {
  const ptrs: number[] = [];
  try {
    for (const bytes of sizes) ptrs.push(heap.alloc(bytes));
    fn(ptrs);
  } finally {
    ptrs.forEach((ptr, i) => heap.free(ptr, sizes[i]!));
  }
}

/** y = conv(x, w) (+ bias[o] per output channel, added by the GEMM as it stores; bias contiguous float32). */
function convForward(x: Tensor, w: Tensor, g: Geometry, bias: Tensor | null, memo: AbsMaxMemo | null = null): Tensor {
  const out = Tensor.empty([g.n, g.o, g.oh, g.ow], 'float32');
  if (out.numel() === 0) return out;
  if (!plain(g)) {
    if (g.c * g.kh * g.kw === 0) out.zero_();
    overGroups('forward', x.ptr, w.ptr, bias !== null ? bias.ptr : 0, out.ptr, g);
    return out;
  }
  const tile = winogradFits(g) ? winogradTile(g, 'forward') : 0;
  if (tile !== 0 && winogradSafe(x, w, bias, convFactor(tile, g.c), memo)) {
    winogradConv(tile, x.ptr, w.ptr, 0, g.o, g.c, bias !== null ? bias.ptr : 0, out.ptr, g.n, g.c, g.h, g.w, g.o, g.ph, g.pw, g.oh, g.ow);
    return out;
  }
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  overImages('conv2d_images_f32', x.ptr, w.ptr, bias !== null ? bias.ptr : 0, out.ptr, g, g.o, L, CKK);
  return out;
}

/** dL/dx: for each image, col2im(Wᵀ · g). */
function convBackwardInput(gy: Tensor, w: Tensor, g: Geometry, memo: AbsMaxMemo | null): Tensor {
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  const tile = L > 0 && g.n * g.c * g.h * g.w > 0 && winogradFits(g) ? winogradTile(g, 'input') : 0;
  if (tile !== 0 && winogradSafe(gy, w, null, convFactor(tile, g.o), memo)) {
    // the 3x3 stride-1 convolution of gy with the rotated, transposed filters, padded by 2 - p
    const dx = Tensor.empty([g.n, g.c, g.h, g.w], 'float32');
    winogradConv(tile, gy.ptr, w.ptr, 1, g.o, g.c, 0, dx.ptr, g.n, g.o, g.oh, g.ow, g.c, 2 - g.ph, 2 - g.pw, g.h, g.w);
    return dx;
  }
  const dx = zeros([g.n, g.c, g.h, g.w]);
  if (dx.numel() === 0 || L === 0) return dx;
  if (!plain(g)) overGroups('input', gy.ptr, w.ptr, 0, dx.ptr, g);
  else overImages('conv2d_backward_input_images_f32', gy.ptr, w.ptr, 0, dx.ptr, g, CKK, L, g.o);
  return dx;
}

/** dL/dW = Σ over images of g · colsᵀ. */
function convBackwardWeight(gy: Tensor, x: Tensor, g: Geometry, memo: AbsMaxMemo | null): Tensor {
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  const tile = L > 0 && g.n > 0 && winogradFits(g) ? winogradTile(g, 'weight') : 0;
  // the sum runs over every tile of the batch: F(2x2) each term at most 16·max|gy|·max|x|, and Gᵀ du G 4x du
  const tiles = g.n * Math.ceil(g.oh / (tile || 2)) * Math.ceil(g.ow / (tile || 2));
  if (tile !== 0 && winogradSafe(gy, x, null, (tile === 4 ? WINOGRAD4_WEIGHT_FACTOR : 64) * tiles, memo)) {
    const dw = Tensor.empty([g.o, g.c, 3, 3], 'float32');
    winogradWeightGrad(tile, gy.ptr, x.ptr, dw.ptr, g.n, g.c, g.h, g.w, g.o, g.ph, g.pw, g.oh, g.ow);
    return dw;
  }
  const dw = zeros([g.o, g.c / g.groups, g.kh, g.kw]);
  if (dw.numel() === 0 || L === 0) return dw;
  if (!plain(g)) overGroups('weight', gy.ptr, x.ptr, 0, dw.ptr, g);
  else overImages('conv2d_backward_weight_images_f32', gy.ptr, x.ptr, 0, dw.ptr, g, g.o, CKK, L);
  return dw;
}

/**
 * conv2d's input gradient as a differentiable op of (g, w): it is bilinear, so its own backward is a
 * convolution of the incoming gradient with w (for g) and a weight gradient of g against it (for w).
 * Recorded only under createGraph (grad mode on inside backward); otherwise it is the plain kernel call.
 * `memo`: the absMax results of conv2d's node when called from its backward.
 * @internal Also the transposed convolution's forward and backward (conv-more.ts).
 */
export function inputGrad(g: Tensor, w: Tensor, geo: Geometry, memo: AbsMaxMemo | null = null): Tensor {
  const gc = floatContiguous(g), wc = floatContiguous(w);
  const dx = convBackwardInput(gc, wc, geo, memo);
  if (gc !== g) gc.dispose();
  if (wc !== w) wc.dispose();
  return record(dx, 'ConvolutionBackwardBackward0', [g, w], [g, w], (gg, [gs, ws], needs) => [
    needs[0] ? convolution(gg, ws!, null, geo) : null,
    needs[1] ? weightGrad(gs!, gg, geo) : null,
  ]);
}

/** @internal conv2d's weight gradient as a differentiable op of (g, x), bilinear like inputGrad. */
export function weightGrad(g: Tensor, x: Tensor, geo: Geometry, memo: AbsMaxMemo | null = null): Tensor {
  const gc = floatContiguous(g), xc = floatContiguous(x);
  const dw = convBackwardWeight(gc, xc, geo, memo);
  if (gc !== g) gc.dispose();
  if (xc !== x) xc.dispose();
  return record(dw, 'ConvolutionBackwardBackward0', [g, x], [g, x], (gg, [gs, xs], needs) => [
    needs[0] ? convolution(xs!, gg, null, geo) : null,
    needs[1] ? inputGrad(gs!, gg, geo) : null,
  ]);
}

/** @internal The differentiable convolution of x [n, c, h, w] with w [o, c/groups, kh, kw] (+ bias) at `geo`. */
export function convolution(x: Tensor, weight: Tensor, bias: Tensor | null, geo: Geometry): Tensor {
  const xc = floatContiguous(x), wt = floatContiguous(weight);
  const bc = bias !== null ? floatContiguous(bias) : null;
  // one node for x, weight and the bias (fused into the GEMM's store), like PyTorch's ConvolutionBackward0
  // x is saved for the weight's gradient and the weight for x's, only when needed (as PyTorch)
  const saveX = weight.requiresGrad, saveW = x.requiresGrad;
  const saved = saveX && saveW ? [xc, wt] : saveX ? [xc] : saveW ? [wt] : [];
  const memo: AbsMaxMemo = new WeakMap();
  const y = record(convForward(xc, wt, geo, bc, memo), 'ConvolutionBackward0', [x, weight, bias], saved, (g, s, needs) => {
    const xs = saveX ? s[0]! : null, ws = saveW ? s[saveX ? 1 : 0]! : null;
    return [
      needs[0] ? inputGrad(g, ws!, geo, memo) : null,
      needs[1] ? weightGrad(g, xs!, geo, memo) : null,
      needs[2] ? g.sum([0, 2, 3]) : null,
    ];
  });
  if (isTracing()) traceAttrs(y, { geo });
  if (bc !== null && bc !== bias) bc.dispose();
  // contiguous copies made here are saved by the node only
  if (xc !== x) xc._releaseToGraph();
  if (wt !== weight) wt._releaseToGraph();
  return y;
}

/** The checked geometry of conv2d(x, weight, bias) with `p` (PyTorch's messages, naming op and shapes). */
function convGeometry(op: string, x: unknown, weight: unknown, bias: unknown, p: ConvParams): Geometry {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError(`${op}: input and weight must be Tensors`);
  if (bias != null && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null, got ${showArg(bias)}`);
  if (x.ndim !== 4) throw new RangeError(`${op}: expects 4-D input [N, C, H, W], got shape ${shapeStr(x.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expects 4-D weight [outC, inC/groups, kH, kW], got shape ${shapeStr(weight.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, wc, kh, kw] = weight.shape as [number, number, number, number];
  const groups = p.groups;
  if (o % groups !== 0) {
    throw new RangeError(`${op}: given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of shape ${shapeStr(weight.shape)}`);
  }
  if (wc * groups !== c) {
    throw new RangeError(`${op}: input shape ${shapeStr(x.shape)} has ${c} channels but weight shape ${shapeStr(weight.shape)} expects ${wc * groups}` +
      (groups > 1 ? ` (groups=${groups} of ${wc})` : ''));
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new RangeError(`${op}: bias shape ${shapeStr(bias.shape)} does not match ${o} output channels`);
  }
  const [sh, sw] = p.stride, [dh, dw] = p.dilation;
  const [pt, pl, pb, pr] = padSides(p.padding, kh, kw, dh, dw);
  const oh = windowCount(h, kh, sh, pt, pb, dh, false);
  const ow = windowCount(w, kw, sw, pl, pr, dw, false);
  if (oh <= 0 || ow <= 0 || kh === 0 || kw === 0) {
    throw new RangeError(`${op}: kernel ${kernelStr(kh, kw, dh, dw)} is larger than the padded input ${h + pt + pb}x${w + pl + pr} (input shape ${shapeStr(x.shape)})`);
  }
  return { n, c, h, w, o, kh, kw, sh, sw, ph: pt, pw: pl, dh, dw, groups, oh, ow };
}

/** @internal conv2d with validated parameters (nn.Conv2d's forward). */
export function conv2dWith(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, p: ConvParams): Tensor {
  return convolution(x, weight, bias, convGeometry(op, x, weight, bias, p));
}

const CONV2D_PARAMS = ['bias', 'stride', 'padding', 'dilation', 'groups'];

/**
 * 2-D convolution over NCHW input with weight [outC, inC/groups, kH, kW] and optional bias [outC], with
 * PyTorch's parameters in PyTorch's order, or an options object after any prefix of them:
 * `conv2d(input, weight, bias?, stride = 1, padding = 0, dilation = 1, groups = 1)`.
 * padding is per side (an int or a pair), 'valid' (none) or 'same' (the output keeps the input's size; an
 * odd total padding puts the extra row/column at the bottom/right, as PyTorch; stride 1 only). The input's
 * channels split into `groups` groups, each convolved with its outC/groups filters (groups = inC:
 * depthwise).
 * @example conv2d(randn(1, 1, 28, 28), randn(8, 1, 3, 3), null, { padding: 1 }).shape // [1, 8, 28, 28]
 */
export function conv2d(input: Tensor, weight: Tensor, ...args: Conv2dArgs): Tensor {
  const o = positionalOptions<Conv2dOptions>('conv2d', args, CONV2D_PARAMS);
  const p = convParams('conv2d', o);
  return conv2dWith('conv2d', input, weight, o.bias ?? null, p);
}

// ---------------------------------------------------------------- padding modes (nn.Conv2d's paddingMode)

/** The non-zero padding modes of nn.Conv2d. */
export type PadMode = 'reflect' | 'replicate' | 'circular';

/** Source index of each position of a dimension of `size` padded by `before` and `after` in `mode`. */
function padIndex(op: string, size: number, before: number, after: number, mode: PadMode, dim: number, shape: readonly number[]): Tensor {
  const limit = mode === 'reflect' ? size - 1 : mode === 'circular' ? size : Infinity;
  if (size === 0 || before > limit || after > limit) {
    const what = mode === 'reflect' ? 'smaller than' : mode === 'circular' ? 'at most' : 'possible with';
    throw new RangeError(`${op}: ${mode} padding (${before}, ${after}) of dimension ${dim} of input shape ${shapeStr(shape)} must be ${what} its size ${size}`);
  }
  const idx = new Int32Array(size + before + after);
  for (let i = 0; i < idx.length; i++) {
    const j = i - before;
    idx[i] = mode === 'replicate' ? Math.min(Math.max(j, 0), size - 1)
      : mode === 'circular' ? ((j % size) + size) % size
      : j < 0 ? -j : j >= size ? 2 * (size - 1) - j : j;
  }
  return tensor(idx, { dtype: 'int32' });
}

/**
 * @internal x [N, C, H, W] padded by [left, right, top, bottom] in `mode` (PyTorch's F.pad for these
 * modes over the last two dims), as index selections: differentiable, double backward included.
 */
export function pad2d(op: string, x: Tensor, [left, right, top, bottom]: readonly [number, number, number, number], mode: PadMode): Tensor {
  let y = x;
  if (left > 0 || right > 0) y = y.indexSelect(3, padIndex(op, x.shape[3]!, left, right, mode, 3, x.shape));
  if (top > 0 || bottom > 0) y = y.indexSelect(2, padIndex(op, x.shape[2]!, top, bottom, mode, 2, x.shape));
  return y;
}
