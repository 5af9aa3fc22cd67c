/**
 * Batch and layer normalisation, composed from tensor ops (the graph provides the gradients).
 * Statistics use the biased variance for normalising; batchNorm's running variance is updated with the
 * unbiased one, as PyTorch does.
 */
import { noGrad } from '../autograd/mode.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

function checkEps(eps: number, op: string): void {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a non-negative number, got ${eps}`);
}

/**
 * PyTorch's F.batch_norm over channel dim 1 of [N, C], [N, C, L] or [N, C, H, W] input.
 * training: normalise with the batch statistics and, when running stats are given, update them in place:
 * running = (1 - momentum) * running + momentum * batchStat (unbiased variance for runningVar).
 * Not training: normalise with the running statistics (required then).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
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
  return y;
}

/** PyTorch's F.layer_norm: normalises over the trailing `normalizedShape` dims (biased variance). */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
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
  return y;
}
