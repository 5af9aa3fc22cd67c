/** nn.utils: gradient clipping. */
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { scalarTensor } from '../tensor/creation.js';

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.map((p) => p._peekGrad()).filter((g): g is Tensor => g !== null);
}

/**
 * Scales the gradients of `params` in place so that their joint `normType`-norm (the norm of all gradients
 * concatenated; Infinity for the max-norm) is at most maxNorm, using PyTorch's coefficient
 * maxNorm / (total + 1e-6) (only applied when < 1). Returns the total norm before clipping, as a 0-d tensor.
 */
export function clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm_: maxNorm must be a number, got ${maxNorm}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be a positive number or Infinity, got ${normType}`);
  const grads = gradsOf(params);
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) {
      const v = g.toArray();
      for (let i = 0; i < v.length; i++) {
        const a = Math.abs(v[i]!);
        if (a > total || a !== a) total = a;
      }
    }
  } else {
    let acc = 0;
    for (const g of grads) {
      const v = g.toArray();
      for (let i = 0; i < v.length; i++) acc += Math.abs(v[i]!) ** normType;
    }
    total = acc ** (1 / normType);
  }
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) noGrad(() => grads.forEach((g) => g.mul_(coef)));
  return scalarTensor(total);
}

/** Clamps every gradient element into [-clipValue, clipValue], in place. */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue_: clipValue must be a non-negative number, got ${clipValue}`);
  noGrad(() => gradsOf(params).forEach((g) => g.clamp_(-clipValue, clipValue)));
}
