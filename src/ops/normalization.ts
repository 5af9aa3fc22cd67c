/**
 * Batch and layer normalisation. Training-mode batch norm and layer norm run as one fused kernel forward
 * (statistics, normalisation and the affine in one pass over each channel / row, mean and 1/std saved) and
 * one backward (PyTorch's native_batch_norm / native_layer_norm gradients), one graph node each; with
 * createGraph their backward is built from tensor ops, and eval-mode batch norm, anomaly mode (layer norm)
 * and onnx.export's trace use the composed tensor-op form. Statistics use the biased variance for
 * normalising; batchNorm's running variance is updated with the unbiased one, as PyTorch does.
 */
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isPlainObject, positionalOptions } from '../options.js';
import { describeValue, type PositionalOr } from './loss.js';
import { isTracing, traceComposite } from '../onnx/trace.js';
import { kernels } from '../backends/index.js';
import { record } from '../autograd/node.js';
import { rawContiguous } from './copy.js';
import { floatContiguous } from './elementwise-support.js';
import { anomalyMode } from '../autograd/anomaly.js';

function checkEps(eps: unknown, op: string): void {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a non-negative number, got ${describeValue(eps)}`);
}

export interface BatchNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with the batch statistics (and update the running ones); default false. */
  training?: boolean;
  /** Weight of the batch statistic in the running average; default 0.1. */
  momentum?: number;
  eps?: number;
}

export interface LayerNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

function optionalTensor(v: unknown, op: string, name: string): Tensor | null {
  if (v == null) return null;
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}`);
  return v;
}

/**
 * PyTorch's F.batch_norm over channel dim 1 of [N, C], [N, C, L] or [N, C, H, W] input.
 * training: normalise with the batch statistics and, when running stats are given, update them in place:
 * running = (1 - momentum) * running + momentum * batchStat (unbiased variance for runningVar).
 * Not training: normalise with the running statistics (required then).
 * Arguments after runningMean, runningVar as PyTorch: (weight, bias, training = false, momentum = 0.1,
 * eps = 1e-5), and/or a trailing options object { weight, bias, training, momentum, eps }.
 * @example batchNorm(x, rm, rv, { training: true, momentum: 0.3 })
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null | undefined,
  runningVar: Tensor | null | undefined,
  ...args: PositionalOr<[weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number], BatchNormFnOptions>
): Tensor {
  const op = 'batchNorm';
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t != null && !(t instanceof Tensor)) {
      const hint = isPlainObject(t) ? ' (runningMean and runningVar come first, null when not tracked: batchNorm(x, null, null, { training: true }))' : '';
      throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(t)}${hint}`);
    }
  }
  const o = positionalOptions<BatchNormFnOptions>(op, args, ['weight', 'bias', 'training', 'momentum', 'eps']);
  const weight = optionalTensor(o.weight, op, 'weight');
  const bias = optionalTensor(o.bias, op, 'bias');
  const training = o.training ?? false;
  if (typeof training !== 'boolean') throw new TypeError(`${op}: training must be a boolean, got ${describeValue(training)}`);
  const momentum = o.momentum ?? 0.1;
  if (typeof momentum !== 'number' || Number.isNaN(momentum)) throw new TypeError(`${op}: momentum must be a number, got ${describeValue(momentum)}`);
  const eps = o.eps ?? 1e-5;
  return batchNormImpl(x, runningMean ?? null, runningVar ?? null, weight, bias, training, momentum, eps);
}

function batchNormImpl(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('batchNorm: input must be a Tensor');
  if (x.ndim < 2) throw new RangeError(`batchNorm: expects input of shape [N, C, ...], got ${shapeStr(x.shape)}`);
  checkEps(eps, 'batchNorm');
  const c = x.shape[1]!;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t != null && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new RangeError(`batchNorm: ${name} shape ${shapeStr(t.shape)} does not match ${c} channels of input shape ${shapeStr(x.shape)}`);
    }
  }
  if ((runningMean == null) !== (runningVar == null)) throw new TypeError('batchNorm: give both runningMean and runningVar, or neither');
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  let y: Tensor;
  if (training || runningMean == null) {
    const n = x.numel() / (c || 1);
    if (training && n <= 1) {
      throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input shape ${shapeStr(x.shape)}`);
    }
    if (batchNormFusable(x, weight, bias)) {
      // one kernel forward (batch statistics and the affine output), one backward (PyTorch's native_batch_norm)
      const updating = training && runningMean != null && runningVar != null;
      if (updating && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
        throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${momentum}`);
      }
      const f = batchNormTrainFused(x, weight, bias, eps, updating);
      if (updating) {
        noGrad(() => {
          const unbiased = f.var!.mul(n / (n - 1));
          runningMean.mul_(1 - momentum).add_(f.mean, momentum);
          runningVar.mul_(1 - momentum).add_(unbiased, momentum);
          unbiased.dispose();
        });
        f.var!.dispose();
      }
      f.mean._releaseToGraph();
      f.invstd._releaseToGraph();
      return f.y;
    }
    const mean = x.mean(dims, true);
    const xc = x.sub(mean);
    const v = xc.mul(xc).mean(dims, true);
    y = xc.div(v.add(eps).sqrt());
    if (training && runningMean != null && runningVar != null) {
      if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
        throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${momentum}`);
      }
      noGrad(() => {
        const m = mean.detach().reshape(c);
        const unbiased = v.detach().reshape(c).mul(n / (n - 1));
        runningMean.mul_(1 - momentum).add_(m, momentum);
        runningVar.mul_(1 - momentum).add_(unbiased, momentum);
      });
    }
  } else {
    y = x.sub(runningMean.reshape(bshape)).div(runningVar!.reshape(bshape).add(eps).sqrt());
  }
  if (weight != null) y = y.mul(weight.reshape(bshape));
  if (bias != null) y = y.add(bias.reshape(bshape));
  if (isTracing() && !training && runningMean != null) traceComposite(y, 'BatchNormalization', [x, weight, bias, runningMean, runningVar], { eps });
  return y;
}

/**
 * Whether batchNorm with batch statistics can run as the fused kernels: float32 input with elements, float32
 * weight and bias (or none), and no onnx.export tracing (which records the composed primitives).
 */
function batchNormFusable(x: Tensor, weight: Tensor | null, bias: Tensor | null): boolean {
  if (isTracing() || x.dtype !== 'float32' || x.numel() === 0) return false;
  return (weight === null || weight.dtype === 'float32') && (bias === null || bias.dtype === 'float32');
}

/** [N, C, S] of x's shape [N, C, *] (S the product of the trailing dims, 1 when there are none). */
function nchs(x: Tensor): [number, number, number] {
  const n = x.shape[0]!, c = x.shape[1]!;
  let s = 1;
  for (let i = 2; i < x.ndim; i++) s *= x.shape[i]!;
  return [n, c, s];
}

/**
 * Training-mode batch norm as one kernel (batchnorm_forward_f32): y, the per-channel mean and invstd ([C],
 * saved for backward) and, when `withVar`, the biased variance [C] (for the running statistics). One graph
 * node, NativeBatchNormBackward0 with inputs [x, weight, bias]; its backward is batchnorm_backward_f32 when
 * grad mode is off, else batchNormGradComposed (differentiable: backward with createGraph).
 */
function batchNormTrainFused(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  withVar: boolean,
): { y: Tensor; mean: Tensor; invstd: Tensor; var: Tensor | null } {
  const [N, C, S] = nchs(x);
  const src = floatContiguous(x);
  const w = weight === null ? null : floatContiguous(weight);
  const b = bias === null ? null : floatContiguous(bias);
  const y = Tensor.empty(x.shape, 'float32');
  const mean = Tensor.empty([C], 'float32');
  const invstd = Tensor.empty([C], 'float32');
  const v = withVar ? Tensor.empty([C], 'float32') : null;
  kernels().batchnorm_forward_f32(src.ptr, w?.ptr ?? 0, b?.ptr ?? 0, y.ptr, mean.ptr, invstd.ptr, v?.ptr ?? 0, N, C, S, 0, C, eps);
  if (src !== x) src.dispose();
  if (w !== null && w !== weight) w.dispose();
  if (b !== null && b !== bias) b.dispose();
  const saved = weight === null ? [x, mean, invstd] : [x, mean, invstd, weight];
  record(y, 'NativeBatchNormBackward0', [x, weight, bias], saved, (g, [xs, m, is, ws], needs) => {
    if (isGradEnabled() || g.dtype !== 'float32') return batchNormGradComposed(g, xs!, ws ?? null, eps, needs);
    const gd = g.isContiguous() ? g : rawContiguous(g);
    const xd = xs!.isContiguous() ? xs! : rawContiguous(xs!);
    const wd = ws === undefined ? null : floatContiguous(ws);
    const dx = needs[0] ? Tensor.empty(xs!.shape, 'float32') : null;
    const dw = needs[1] ? Tensor.empty([C], 'float32') : null;
    const db = needs[2] ? Tensor.empty([C], 'float32') : null;
    kernels().batchnorm_backward_f32(gd.ptr, xd.ptr, m!.ptr, is!.ptr, wd?.ptr ?? 0, dx?.ptr ?? 0, dw?.ptr ?? 0, db?.ptr ?? 0, N, C, S, 0, C);
    if (gd !== g) gd.dispose();
    if (xd !== xs) xd.dispose();
    if (wd !== null && wd !== ws) wd.dispose();
    return [dx, dw, db];
  });
  return { y, mean, invstd, var: v };
}

/**
 * The gradients of training-mode batch norm from tensor ops, recomputing the statistics from x so that
 * they are differentiable in x (second derivatives): xhat = (x - mean) / sqrt(var + eps),
 * dbias = sum g, dweight = sum g * xhat, dx = weight / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat)).
 */
function batchNormGradComposed(g: Tensor, x: Tensor, weight: Tensor | null, eps: number, needs: readonly boolean[]): (Tensor | null)[] {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const xc = x.sub(x.mean(dims, true));
  const std = xc.mul(xc).mean(dims, true).add(eps).sqrt();
  const xhat = xc.div(std);
  const gx = g.mul(xhat);
  let dx: Tensor | null = null;
  if (needs[0]) {
    dx = g.sub(g.mean(dims, true)).sub(xhat.mul(gx.mean(dims, true))).div(std);
    if (weight !== null) dx = dx.mul(weight.reshape(bshape));
  }
  return [dx, needs[1] ? gx.sum(dims) : null, needs[2] ? g.sum(dims) : null];
}

/**
 * PyTorch's F.layer_norm: normalises over the trailing `normalizedShape` dims (biased variance).
 * Arguments after normalizedShape as PyTorch: (weight, bias, eps = 1e-5), and/or { weight, bias, eps }.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  ...args: PositionalOr<[weight: Tensor | null, bias: Tensor | null, eps: number], LayerNormFnOptions>
): Tensor {
  const op = 'layerNorm';
  const o = positionalOptions<LayerNormFnOptions>(op, args, ['weight', 'bias', 'eps']);
  const weight = optionalTensor(o.weight, op, 'weight');
  const bias = optionalTensor(o.bias, op, 'bias');
  const eps = o.eps ?? 1e-5;
  if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape)) {
    throw new TypeError(`${op}: normalizedShape must be a number or an array of numbers, got ${describeValue(normalizedShape)}`);
  }
  if (!(x instanceof Tensor)) throw new TypeError('layerNorm: input must be a Tensor');
  checkEps(eps, 'layerNorm');
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  if (k === 0 || k > x.ndim || ns.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
    throw new RangeError(`layerNorm: input shape ${shapeStr(x.shape)} does not end with normalizedShape ${shapeStr(ns)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t != null && (t.ndim !== k || t.shape.some((d, i) => d !== ns[i]))) {
      throw new RangeError(`layerNorm: ${name} shape ${shapeStr(t.shape)} does not match normalizedShape ${shapeStr(ns)}`);
    }
  }
  const dims = ns.map((_, i) => x.ndim - k + i);
  // the fused kernels for float32; the composed form while onnx.export traces (it records the ONNX op) and
  // in anomaly mode (a NaN is then blamed on the primitive that made it)
  const fusable = !isTracing() && !anomalyMode.checkForward && x.dtype === 'float32' &&
    (weight == null || weight.dtype === 'float32') && (bias == null || bias.dtype === 'float32');
  if (fusable) return layerNormFused(x, ns, weight, bias, eps);
  const mean = x.mean(dims, true);
  const xc = x.sub(mean);
  const v = xc.mul(xc).mean(dims, true);
  let y = xc.div(v.add(eps).sqrt());
  if (weight != null) y = y.mul(weight);
  if (bias != null) y = y.add(bias);
  if (isTracing()) traceComposite(y, 'LayerNormalization', [x, weight, bias], { axis: x.ndim - k, eps });
  return y;
}

/**
 * layerNorm of float32 x as one kernel over x viewed as [rows, cols] (cols = the product of normalizedShape),
 * keeping each row's mean and rstd for one backward kernel (PyTorch's native_layer_norm and its node).
 */
function layerNormFused(x: Tensor, ns: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const k = ns.length;
  const cols = ns.reduce((a, d) => a * d, 1);
  const rows = x.shape.slice(0, x.ndim - k).reduce((a, d) => a * d, 1);
  const src = floatContiguous(x);
  const wc = weight !== null ? floatContiguous(weight) : null;
  const bc = bias !== null ? floatContiguous(bias) : null;
  const out = Tensor.empty(x.shape, 'float32');
  const mean = Tensor.empty([rows], 'float32');
  const rstd = Tensor.empty([rows], 'float32');
  if (rows * cols > 0) {
    kernels().layer_norm_f32(src.ptr, wc?.ptr ?? 0, bc?.ptr ?? 0, out.ptr, mean.ptr, rstd.ptr, rows, cols, eps);
  }
  if (bc !== null && bc !== bias) bc.dispose();
  // saved: the input (the composed backward under createGraph), its contiguous form, the statistics, the weight
  const saved = [x, src, mean, rstd];
  if (weight !== null) saved.push(weight, wc!);
  record(out, 'NativeLayerNormBackward0', [x, weight, bias], saved, (g, sv, needs) => {
    const [sx, ssrc, smean, srstd, sw, swc] = sv as Tensor[];
    if (isGradEnabled() || g.dtype !== 'float32') return layerNormGradComposed(g, sx!, sw ?? null, k, eps, needs);
    return layerNormGradFused(g, ssrc!, swc ?? null, smean!, srstd!, ns, rows, cols, needs);
  });
  // this op's own intermediates: freed once the backward node no longer needs them
  mean._releaseToGraph();
  rstd._releaseToGraph();
  if (src !== x) src._releaseToGraph();
  if (wc !== null && wc !== weight) wc._releaseToGraph();
  return out;
}

/** The backward of layerNormFused as one kernel (no graph is recorded): [dx, dweight, dbias], null where not needed. */
function layerNormGradFused(g: Tensor, src: Tensor, wc: Tensor | null, mean: Tensor, rstd: Tensor, ns: readonly number[], rows: number,
  cols: number, needs: readonly boolean[]): (Tensor | null)[] {
  const dx = needs[0] ? Tensor.empty(src.shape, 'float32') : null;
  const dw = needs[1] ? Tensor.empty(ns, 'float32') : null;
  const db = needs[2] ? Tensor.empty(ns, 'float32') : null;
  if (cols === 0 || (rows === 0 && dw === null && db === null)) return [dx, dw, db];
  const gc = g.isContiguous() ? g : rawContiguous(g);
  // scratch of the dweight / dbias sums: 24 bytes per column
  const work = dw !== null || db !== null ? Tensor.empty([6 * cols], 'float32') : null;
  try {
    const live = rows > 0;
    kernels().layer_norm_backward_f32(live ? gc.ptr : 0, live ? src.ptr : 0, wc?.ptr ?? 0, live ? mean.ptr : 0, live ? rstd.ptr : 0,
      live && dx !== null ? dx.ptr : 0, dw?.ptr ?? 0, db?.ptr ?? 0, work?.ptr ?? 0, rows, cols);
  } finally {
    work?.dispose();
    if (gc !== g) gc.dispose();
  }
  return [dx, dw, db];
}

/**
 * The gradients of layerNorm from tensor ops (differentiable again, for backward with createGraph): with
 * xh = (x - mean) / sqrt(var + eps) and gw = g * weight, dx = (gw - mean(gw) - xh * mean(gw * xh)) / sqrt(var + eps),
 * dweight = sum of g * xh and dbias = sum of g over the leading dims.
 */
function layerNormGradComposed(g: Tensor, x: Tensor, weight: Tensor | null, k: number, eps: number, needs: readonly boolean[]): (Tensor | null)[] {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const lead = Array.from({ length: x.ndim - k }, (_, i) => i);
  const mean = x.mean(dims, true);
  const xc = x.sub(mean);
  const sd = xc.mul(xc).mean(dims, true).add(eps).sqrt();
  const xh = xc.div(sd);
  const overLead = (t: Tensor) => (lead.length > 0 ? t.sum(lead) : t);
  let dx: Tensor | null = null;
  if (needs[0]) {
    const gw = weight !== null ? g.mul(weight) : g;
    dx = gw.sub(gw.mean(dims, true)).sub(xh.mul(gw.mul(xh).mean(dims, true))).div(sd);
  }
  return [dx, needs[1] ? overLead(g.mul(xh)) : null, needs[2] ? overLead(g) : null];
}
