/**
 * Batch and layer normalisation, composed from tensor ops (the graph provides the gradients).
 * Statistics use the biased variance for normalising; batchNorm's running variance is updated with the
 * unbiased one, as PyTorch does.
 */
import { noGrad } from '../autograd/mode.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { isPlainObject, positionalOptions } from '../options.js';
import { describeValue, type PositionalOr } from './loss.js';
import { isTracing, traceComposite } from '../onnx/trace.js';

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
  const mean = x.mean(dims, true);
  const xc = x.sub(mean);
  const v = xc.mul(xc).mean(dims, true);
  let y = xc.div(v.add(eps).sqrt());
  if (weight != null) y = y.mul(weight);
  if (bias != null) y = y.add(bias);
  if (isTracing()) traceComposite(y, 'LayerNormalization', [x, weight, bias], { axis: x.ndim - k, eps });
  return y;
}
