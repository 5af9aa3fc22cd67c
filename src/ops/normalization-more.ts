/**
 * Group, instance, local-response and RMS normalisation (PyTorch's F.group_norm, F.instance_norm,
 * F.local_response_norm, F.rms_norm), composed from tensor ops so the graph provides the gradients.
 * Statistics use the biased variance for normalising; instanceNorm's running variance is updated with
 * the unbiased one, as PyTorch does.
 */
import { noGrad } from '../autograd/mode.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { cat } from './indexing.js';
import { describeValue, type PositionalOr } from './loss.js';
import { checkBool } from './dropout.js';
import { checkFloatInput, numArg } from './activation-more.js';

function optionalTensor(v: unknown, op: string, name: string): Tensor | null {
  if (v == null) return null;
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}`);
  return v;
}

function epsArg(v: unknown, def: number, op: string): number {
  const eps = v ?? def;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a non-negative number, got ${describeValue(eps)}`);
  return eps;
}

function checkPerChannel(t: Tensor | null, c: number, op: string, name: string, x: Tensor): void {
  if (t != null && (t.ndim !== 1 || t.shape[0] !== c)) {
    throw new RangeError(`${op}: ${name} shape ${shapeStr(t.shape)} does not match the ${c} channels (dim 1) of input shape ${shapeStr(x.shape)}`);
  }
}

export interface GroupNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * PyTorch's F.group_norm: the C channels of [N, C, *] input are split into numGroups groups; each
 * (sample, group) is normalised by its own mean and biased variance: (x - mean) / sqrt(var + eps), then
 * scaled by weight[c] and shifted by bias[c]. Arguments after numGroups as PyTorch: (weight, bias, eps = 1e-5),
 * and/or { weight, bias, eps }.
 * @example groupNorm(x, 2, w, b)
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  ...args: PositionalOr<[weight: Tensor | null, bias: Tensor | null, eps: number], GroupNormFnOptions>
): Tensor {
  const op = 'groupNorm';
  checkFloatInput(x, op);
  const o = positionalOptions<GroupNormFnOptions>(op, args, ['weight', 'bias', 'eps']);
  const weight = optionalTensor(o.weight, op, 'weight');
  const bias = optionalTensor(o.bias, op, 'bias');
  const eps = epsArg(o.eps, 1e-5, op);
  if (typeof numGroups !== 'number' || !Number.isInteger(numGroups) || numGroups < 1) {
    throw new TypeError(`${op}: numGroups must be a positive integer, got ${describeValue(numGroups)}`);
  }
  if (x.ndim < 2) throw new RangeError(`${op}: expected at least 2 dimensions for input tensor [N, C, *], got shape ${shapeStr(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  if (c % numGroups !== 0) throw new RangeError(`${op}: the ${c} input channels (shape ${shapeStr(x.shape)}) are not divisible by numGroups ${numGroups}`);
  checkPerChannel(weight, c, op, 'weight', x);
  checkPerChannel(bias, c, op, 'bias', x);
  const g = x.reshape(n, numGroups, -1);
  const mean = g.mean(2, true);
  const xc = g.sub(mean);
  const v = xc.mul(xc).mean(2, true);
  let y = xc.div(v.add(eps).sqrt()).reshape(x.shape);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  if (weight != null) y = y.mul(weight.reshape(bshape));
  if (bias != null) y = y.add(bias.reshape(bshape));
  return y;
}

export interface InstanceNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with each instance's own statistics (and update the running ones when given); default true. */
  useInputStats?: boolean;
  /** Weight of the new statistic in the running average; default 0.1. */
  momentum?: number;
  eps?: number;
}

/**
 * PyTorch's F.instance_norm over [N, C, *] input: each (sample, channel) is normalised by its own mean
 * and biased variance over the spatial dims. With running stats and useInputStats, they are updated in
 * place: running = (1 - momentum) * running + momentum * (the batch mean of the per-instance statistic),
 * with the unbiased variance for runningVar. useInputStats false normalises with the running statistics
 * (required then). Arguments after input as PyTorch: (runningMean, runningVar, weight, bias,
 * useInputStats = true, momentum = 0.1, eps = 1e-5), and/or a trailing options object.
 * @example instanceNorm(x, null, null, w, b)
 */
export function instanceNorm(
  x: Tensor,
  ...args: PositionalOr<
    [runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, useInputStats: boolean, momentum: number, eps: number],
    InstanceNormFnOptions & { runningMean?: Tensor | null; runningVar?: Tensor | null }
  >
): Tensor {
  const op = 'instanceNorm';
  checkFloatInput(x, op);
  const o = positionalOptions<InstanceNormFnOptions & { runningMean?: Tensor | null; runningVar?: Tensor | null }>(op, args, [
    'runningMean', 'runningVar', 'weight', 'bias', 'useInputStats', 'momentum', 'eps',
  ]);
  const runningMean = optionalTensor(o.runningMean, op, 'runningMean');
  const runningVar = optionalTensor(o.runningVar, op, 'runningVar');
  const weight = optionalTensor(o.weight, op, 'weight');
  const bias = optionalTensor(o.bias, op, 'bias');
  const useInputStats = checkBool(o.useInputStats, true, op, 'useInputStats');
  const momentum = numArg(o.momentum, 0.1, op, 'momentum');
  const eps = epsArg(o.eps, 1e-5, op);
  if (x.ndim < 2) throw new RangeError(`${op}: expects input of shape [N, C, *], got ${shapeStr(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) checkPerChannel(t, c, op, name, x);
  if ((runningMean == null) !== (runningVar == null)) throw new TypeError(`${op}: give both runningMean and runningVar, or neither`);
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  let y: Tensor;
  if (useInputStats) {
    const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
    if (spatial <= 1) throw new RangeError(`${op}: expected more than 1 spatial element when training, got input size ${shapeStr(x.shape)}`);
    const dims = x.shape.map((_, i) => i).slice(2);
    const mean = x.mean(dims, true);
    const xc = x.sub(mean);
    const v = xc.mul(xc).mean(dims, true);
    y = xc.div(v.add(eps).sqrt());
    if (runningMean != null && runningVar != null) {
      noGrad(() => {
        const m = mean.detach().reshape(n, c).mean(0);
        const unbiased = v.detach().reshape(n, c).mul(spatial / (spatial - 1)).mean(0);
        runningMean.mul_(1 - momentum).add_(m, momentum);
        runningVar.mul_(1 - momentum).add_(unbiased, momentum);
      });
    }
  } else {
    if (runningMean == null || runningVar == null) throw new TypeError(`${op}: expected runningMean and runningVar to be given when useInputStats is false`);
    y = x.sub(runningMean.reshape(bshape)).div(runningVar.reshape(bshape).add(eps).sqrt());
  }
  if (weight != null) y = y.mul(weight.reshape(bshape));
  if (bias != null) y = y.add(bias.reshape(bshape));
  return y;
}

export interface LocalResponseNormOptions {
  /** Scale of the windowed mean of squares; default 1e-4. */
  alpha?: number;
  /** Exponent; default 0.75. */
  beta?: number;
  /** Additive constant; default 1. */
  k?: number;
}

/**
 * PyTorch's F.local_response_norm over the channels (dim 1) of [N, C, *] input:
 * y = x / (k + alpha * mean_{window}(x^2))^beta, the window being `size` neighbouring channels (size//2
 * before, (size-1)//2 after, zero-padded, always divided by size). Arguments after size as PyTorch:
 * (alpha = 1e-4, beta = 0.75, k = 1), and/or { alpha, beta, k }.
 * @example localResponseNorm(x, 3)
 */
export function localResponseNorm(x: Tensor, size: number, ...args: PositionalOr<[alpha: number, beta: number, k: number], LocalResponseNormOptions>): Tensor {
  const op = 'localResponseNorm';
  checkFloatInput(x, op);
  const o = positionalOptions<LocalResponseNormOptions>(op, args, ['alpha', 'beta', 'k']);
  const alpha = numArg(o.alpha, 1e-4, op, 'alpha');
  const beta = numArg(o.beta, 0.75, op, 'beta');
  const k = numArg(o.k, 1, op, 'k');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw new TypeError(`${op}: size must be a positive integer, got ${describeValue(size)}`);
  if (x.ndim < 3) throw new RangeError(`${op}: expected 3D or higher dimensionality input, got shape ${shapeStr(x.shape)}`);
  if (x.numel() === 0) return x;
  const c = x.shape[1]!;
  const sq = x.mul(x);
  const before = Math.floor(size / 2), after = Math.floor((size - 1) / 2);
  const padShape = (p: number) => x.shape.map((d, i) => (i === 1 ? p : d));
  const parts = [...(before > 0 ? [zeros(padShape(before))] : []), sq, ...(after > 0 ? [zeros(padShape(after))] : [])];
  const padded = parts.length === 1 ? sq : cat(parts, 1);
  let acc: Tensor | null = null;
  for (let j = 0; j < size; j++) {
    const s = padded.narrow(1, j, c);
    acc = acc === null ? s : acc.add(s);
  }
  const div = acc!.div(size).mul(alpha).add(k).pow(beta);
  return x.div(div);
}

/** float32's machine epsilon, RMSNorm's default eps (torch.finfo(torch.float32).eps). */
export const FLOAT32_EPS = 1.1920928955078125e-7;

export interface RMSNormFnOptions {
  weight?: Tensor | null;
  /** Added to the mean of squares; null (default) means float32's machine epsilon. */
  eps?: number | null;
}

/**
 * PyTorch 2.4's F.rms_norm: y = x / sqrt(mean(x^2 over the trailing normalizedShape dims) + eps) * weight,
 * eps null meaning float32's machine epsilon (1.1920928955078125e-07). Arguments after normalizedShape as
 * PyTorch: (weight, eps = null), and/or { weight, eps }.
 * @example rmsNorm(x, [8], w)
 */
export function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], ...args: PositionalOr<[weight: Tensor | null, eps: number | null], RMSNormFnOptions>): Tensor {
  const op = 'rmsNorm';
  checkFloatInput(x, op);
  const o = positionalOptions<RMSNormFnOptions>(op, args, ['weight', 'eps']);
  const weight = optionalTensor(o.weight, op, 'weight');
  const eps = epsArg(o.eps, FLOAT32_EPS, op);
  const ns = normalizedShapeArg(normalizedShape, op);
  const k = ns.length;
  if (k === 0 || k > x.ndim || ns.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
    throw new RangeError(`${op}: input shape ${shapeStr(x.shape)} does not end with normalizedShape ${shapeStr(ns)}`);
  }
  if (weight != null && (weight.ndim !== k || weight.shape.some((d, i) => d !== ns[i]))) {
    throw new RangeError(`${op}: weight shape ${shapeStr(weight.shape)} does not match normalizedShape ${shapeStr(ns)}`);
  }
  const dims = ns.map((_, i) => x.ndim - k + i);
  const y = x.div(x.mul(x).mean(dims, true).add(eps).sqrt());
  return weight != null ? y.mul(weight) : y;
}

/** normalizedShape as a non-empty array of positive integers. */
export function normalizedShapeArg(v: unknown, op: string): number[] {
  const ns = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (ns === null || ns.length === 0 || ns.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new TypeError(`${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${describeValue(v)}`);
  }
  return ns as number[];
}
