/**
 * conv2d (im2col + GEMM per image, in one kernel call over the batch) and max pooling, NCHW, PyTorch weight layout [out, in, kH, kW].
 * Backward passes are their own kernels-level functions: the input gradient is col2im of Wᵀ·g and the
 * weight gradient sums g·colsᵀ over the batch (cols are recomputed rather than kept).
 */
import { K } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { floatContiguous } from './unary.js';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

function pair(v: number | readonly number[] | undefined, dflt: number, op: string, name: string): [number, number] {
  const p = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= (name === 'padding' ? 0 : 1))) {
    throw new RangeError(`${op}: ${name} must be ${name === 'padding' ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

interface Geometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number;
  oh: number; ow: number;
}

/**
 * Runs one of the conv2d-over-images kernels on the whole batch with scratch for its im2col columns and
 * its GEMM (of m×n×k); the backend may split the batch across threads (each with its own scratch).
 */
function overImages(kernel: 'conv2d_images_f32' | 'conv2d_backward_input_images_f32' | 'conv2d_backward_weight_images_f32',
  p0: number, p1: number, bias: number, dst: number, g: Geometry, m: number, n: number, k: number): void {
  const kern = K();
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

/** y = conv(x, w) (+ bias[o] per output channel, added by the GEMM as it stores; bias contiguous float32). */
function convForward(x: Tensor, w: Tensor, g: Geometry, bias: Tensor | null): Tensor {
  const out = Tensor.empty([g.n, g.o, g.oh, g.ow], 'float32');
  if (out.numel() === 0) return out;
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  overImages('conv2d_images_f32', x.ptr, w.ptr, bias !== null ? bias.ptr : 0, out.ptr, g, g.o, L, CKK);
  return out;
}

/** dL/dx: for each image, col2im(Wᵀ · g). */
function convBackwardInput(gy: Tensor, w: Tensor, g: Geometry): Tensor {
  const dx = zeros([g.n, g.c, g.h, g.w]);
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  if (dx.numel() === 0 || L === 0) return dx;
  overImages('conv2d_backward_input_images_f32', gy.ptr, w.ptr, 0, dx.ptr, g, CKK, L, g.o);
  return dx;
}

/** dL/dW = Σ over images of g · colsᵀ. */
function convBackwardWeight(gy: Tensor, x: Tensor, g: Geometry): Tensor {
  const dw = zeros([g.o, g.c, g.kh, g.kw]);
  const L = g.oh * g.ow, CKK = g.c * g.kh * g.kw;
  if (dw.numel() === 0 || L === 0) return dw;
  overImages('conv2d_backward_weight_images_f32', gy.ptr, x.ptr, 0, dw.ptr, g, g.o, CKK, L);
  return dw;
}

/**
 * conv2d's input gradient as a differentiable op of (g, w): it is bilinear, so its own backward is a
 * convolution of the incoming gradient with w (for g) and a weight gradient of g against it (for w).
 * Recorded only under createGraph (grad mode on inside backward); otherwise it is the plain kernel call.
 */
function inputGrad(g: Tensor, w: Tensor, geo: Geometry): Tensor {
  const gc = floatContiguous(g), wc = floatContiguous(w);
  const dx = convBackwardInput(gc, wc, geo);
  if (gc !== g) gc.dispose();
  if (wc !== w) wc.dispose();
  return record(dx, 'ConvolutionBackwardBackward0', [g, w], [g, w], (gg, [gs, ws], needs) => [
    needs[0] ? convolve(gg, ws!, geo) : null,
    needs[1] ? weightGrad(gs!, gg, geo) : null,
  ]);
}

/** conv2d's weight gradient as a differentiable op of (g, x), bilinear like inputGrad. */
function weightGrad(g: Tensor, x: Tensor, geo: Geometry): Tensor {
  const gc = floatContiguous(g), xc = floatContiguous(x);
  const dw = convBackwardWeight(gc, xc, geo);
  if (gc !== g) gc.dispose();
  if (xc !== x) xc.dispose();
  return record(dw, 'ConvolutionBackwardBackward0', [g, x], [g, x], (gg, [gs, xs], needs) => [
    needs[0] ? convolve(xs!, gg, geo) : null,
    needs[1] ? inputGrad(gs!, gg, geo) : null,
  ]);
}

/** The differentiable convolution of `geo` (no bias) of x [n, c, h, w] with w [o, c, kh, kw]. */
function convolve(x: Tensor, w: Tensor, geo: Geometry): Tensor {
  return conv2d(x, w, null, { stride: [geo.sh, geo.sw], padding: [geo.ph, geo.pw] });
}

/**
 * 2-D convolution over NCHW input with weight [outC, inC, kH, kW] and optional bias [outC].
 * @example conv2d(randn(1, 1, 28, 28), randn(8, 1, 3, 3), null, { padding: 1 }).shape // [1, 8, 28, 28]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError('conv2d: input and weight must be Tensors');
  if (x.ndim !== 4) throw new RangeError(`conv2d: expects 4-D input [N, C, H, W], got shape ${shapeStr(x.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`conv2d: expects 4-D weight [outC, inC, kH, kW], got shape ${shapeStr(weight.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, wc, kh, kw] = weight.shape as [number, number, number, number];
  if (wc !== c) {
    throw new RangeError(`conv2d: input shape ${shapeStr(x.shape)} has ${c} channels but weight shape ${shapeStr(weight.shape)} expects ${wc}`);
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new RangeError(`conv2d: bias shape ${shapeStr(bias.shape)} does not match ${o} output channels`);
  }
  const [sh, sw] = pair(options.stride, 1, 'conv2d', 'stride');
  const [ph, pw] = pair(options.padding, 0, 'conv2d', 'padding');
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) {
    throw new RangeError(`conv2d: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} (input shape ${shapeStr(x.shape)})`);
  }
  const geo: Geometry = { n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow };
  const xc = floatContiguous(x), wt = floatContiguous(weight);
  const bc = bias != null ? floatContiguous(bias) : null;
  // one node for x, weight and the bias (fused into the GEMM's store), like PyTorch's ConvolutionBackward0
  // x is saved for the weight's gradient and the weight for x's, only when needed (as PyTorch)
  const saveX = weight.requiresGrad, saveW = x.requiresGrad;
  const saved = saveX && saveW ? [xc, wt] : saveX ? [xc] : saveW ? [wt] : [];
  const y = record(convForward(xc, wt, geo, bc), 'ConvolutionBackward0', [x, weight, bias ?? null], saved, (g, s, needs) => {
    const xs = saveX ? s[0]! : null, ws = saveW ? s[saveX ? 1 : 0]! : null;
    return [
      needs[0] ? inputGrad(g, ws!, geo) : null,
      needs[1] ? weightGrad(g, xs!, geo) : null,
      needs[2] ? g.sum([0, 2, 3]) : null,
    ];
  });
  if (bc !== null && bc !== bias) bc.dispose();
  // contiguous copies made here are saved by the node only
  if (xc !== x) xc._releaseToGraph();
  if (wt !== weight) wt._releaseToGraph();
  return y;
}

/** out[p, o] = x[p, idx[p, o]] over planes of `hw` elements (max pooling's forward at fixed indices). */
function pickAt(x: Tensor, idx: Tensor, planes: number, hw: number, outShape: readonly number[]): Tensor {
  return x.reshape(planes, hw).gather(1, idx.reshape(planes, -1)).reshape(outShape);
}

export interface MaxPool2dOptions {
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
}

/** Max pooling over NCHW (or CHW) input; stride defaults to the kernel size. */
export function maxPool2d(x: Tensor, kernelSize: number | readonly [number, number], stride?: number | readonly [number, number] | null, padding: number | readonly [number, number] = 0): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('maxPool2d: input must be a Tensor');
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`maxPool2d: expects 3-D or 4-D input, got shape ${shapeStr(x.shape)}`);
  const [kh, kw] = pair(kernelSize, 1, 'maxPool2d', 'kernelSize');
  const [sh, sw] = pair(stride ?? [kh, kw], 1, 'maxPool2d', 'stride');
  const [ph, pw] = pair(padding, 0, 'maxPool2d', 'padding');
  if (ph > kh / 2 || pw > kw / 2) throw new RangeError(`maxPool2d: padding ${ph}x${pw} must be at most half the kernel size ${kh}x${kw}`);
  const h = x.shape[x.ndim - 2]!, w = x.shape[x.ndim - 1]!;
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw new RangeError(`maxPool2d: kernel ${kh}x${kw} is larger than the padded input (input shape ${shapeStr(x.shape)})`);
  const planes = x.numel() / (h * w || 1);
  const outShape = [...x.shape.slice(0, -2), oh, ow];
  const xc = floatContiguous(x);
  const out = Tensor.empty(outShape, 'float32');
  const idx = Tensor.empty(outShape, 'int32');
  if (out.numel() > 0) K().maxpool2d_f32(xc.ptr, out.ptr, idx.ptr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
  if (xc !== x) xc.dispose();
  const inShape = x.shape;
  const y = record(out, 'MaxPool2DWithIndicesBackward0', [x], [idx], (g, [ix]) => {
    const gc = floatContiguous(g);
    const dx = zeros(inShape);
    if (gc.numel() > 0) K().maxpool2d_backward_f32(gc.ptr, ix!.ptr, dx.ptr, planes, h, w, oh, ow);
    if (gc !== g) gc.dispose();
    // linear in g: under createGraph its backward picks the incoming gradient at the same indices
    return [record(dx, 'MaxPool2DWithIndicesBackwardBackward0', [g], [ix!], (gg, [ixs]) => [pickAt(gg, ixs!, planes, h * w, outShape)])];
  });
  // the indices are this op's own: freed when the backward node is done with them (now, if none saved
  // them), not left to the garbage collector (2 pooling layers of the MNIST CNN: 600 KB per step)
  idx._releaseToGraph();
  return y;
}
