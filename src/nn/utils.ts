/** nn.utils: gradient clipping, parameters <-> one vector. */
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { scalarTensor } from '../tensor/creation.js';
import { shapeStr } from '../tensor/shape.js';
import { cat } from '../ops/indexing.js';
import { positionalOptions } from '../options.js';

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.map((p) => p._peekGrad()).filter((g): g is Tensor => g !== null);
}

export interface ClipGradNormOptions {
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false: the gradients are scaled by it anyway). */
  errorIfNonfinite?: boolean;
  /** PyTorch's choice of implementation: accepted (null, true or false), the result is the same. */
  foreach?: boolean | null;
}

function checkForeach(v: unknown, op: string): void {
  if (v != null && typeof v !== 'boolean') throw new TypeError(`${op}: foreach must be a boolean or null, got ${typeof v}`);
}

/**
 * Scales the gradients of `params` in place so that their joint `normType`-norm (the norm of all gradients
 * concatenated; Infinity for the max-norm) is at most maxNorm, using PyTorch's coefficient
 * maxNorm / (total + 1e-6) (only applied when < 1). Returns the total norm before clipping, as a 0-d tensor.
 * With errorIfNonfinite a NaN or infinite total throws before anything is scaled. Arguments as PyTorch's
 * (parameters, maxNorm, normType, errorIfNonfinite, foreach) or { normType, errorIfNonfinite, foreach }.
 * @example nn.utils.clipGradNorm_(model.parameters(), 1.0, { errorIfNonfinite: true })
 */
export function clipGradNorm_(
  params: Tensor | Iterable<Tensor>, maxNorm: number, ...args: [normType?: number | ClipGradNormOptions, errorIfNonfinite?: boolean | ClipGradNormOptions, foreach?: boolean | null | ClipGradNormOptions, options?: ClipGradNormOptions]
): Tensor {
  const o = positionalOptions<ClipGradNormOptions>('nn.utils.clipGradNorm_', args, ['normType', 'errorIfNonfinite', 'foreach']);
  const normType = o.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm_: maxNorm must be a number, got ${maxNorm}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be a positive number or Infinity, got ${normType}`);
  const errorIfNonfinite = o.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean') throw new TypeError(`clipGradNorm_: errorIfNonfinite must be a boolean, got ${typeof errorIfNonfinite}`);
  checkForeach(o.foreach, 'clipGradNorm_');
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
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(
      `clipGradNorm_: the total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false',
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) noGrad(() => grads.forEach((g) => g.mul_(coef)));
  return scalarTensor(total);
}

/**
 * Clamps every gradient element into [-clipValue, clipValue], in place. PyTorch's (parameters, clipValue,
 * foreach) or { foreach } (accepted; the result is the same).
 * @example nn.utils.clipGradValue_(model.parameters(), 0.5)
 */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number, foreach?: boolean | null | { foreach?: boolean | null }): void {
  const o = positionalOptions<{ foreach?: boolean | null }>('nn.utils.clipGradValue_', foreach === undefined ? [] : [foreach], ['foreach']);
  checkForeach(o.foreach, 'clipGradValue_');
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue_: clipValue must be a non-negative number, got ${clipValue}`);
  noGrad(() => gradsOf(params).forEach((g) => g.clamp_(-clipValue, clipValue)));
}

function paramList(parameters: unknown, op: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : parameters != null && typeof parameters === 'object' && Symbol.iterator in parameters ? [...(parameters as Iterable<unknown>)] : null;
  if (list === null) throw new TypeError(`${op}: parameters must be a Tensor or an iterable of Tensors`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor`);
  });
  return list as Tensor[];
}

/**
 * All parameters flattened and concatenated, in the order given (PyTorch's parameters_to_vector; a
 * differentiable cat of reshape(-1) views).
 * @example const v = nn.utils.parametersToVector(model.parameters());
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = paramList(parameters, 'parametersToVector');
  return cat(list.map((p) => p.reshape(-1)));
}

/**
 * Copies consecutive slices of the 1-D `vec` into the parameters, in order, in place and without
 * recording gradients (PyTorch's vector_to_parameters). `vec` must have exactly as many elements as
 * the parameters together.
 * @example nn.utils.vectorToParameters(v.mul(0.5), model.parameters());
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof Tensor)) throw new TypeError(`vectorToParameters: expected vec to be a Tensor, but got ${vec === null ? 'null' : typeof vec}`);
  if (vec.ndim !== 1) throw new RangeError(`vectorToParameters: vec must be 1-D, got shape ${shapeStr(vec.shape)}`);
  const list = paramList(parameters, 'vectorToParameters');
  const total = list.reduce((a, p) => a + p.numel(), 0);
  if (vec.shape[0] !== total) throw new RangeError(`vectorToParameters: vec has ${vec.shape[0]} elements, the parameters have ${total}`);
  noGrad(() => {
    let pos = 0;
    for (const p of list) {
      const n = p.numel();
      p.copy_(vec.narrow(0, pos, n).reshape([...p.shape]));
      pos += n;
    }
  });
}
export * as rnn from './utils-rnn.js';
