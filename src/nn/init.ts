/**
 * nn.init: in-place initialisers with PyTorch's names, signatures and formulas, drawing from the library's
 * seeded random source (manualSeed makes them reproducible). All run without recording gradients.
 */
import { noGrad } from '../autograd/mode.js';
import { nextNormal, nextUniform } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { checkOptions } from '../options.js';

export type FanMode = 'fanIn' | 'fanOut';
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

function checkTensor(t: Tensor, op: string): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor, got ${t.dtype}`);
}

/** Writes gen() into every element of t (row-major), in place. */
function fillWith<T extends Tensor>(t: T, gen: () => number): T {
  const n = t.numel();
  const vals = new Float32Array(n);
  for (let i = 0; i < n; i++) vals[i] = gen();
  noGrad(() => t.copy_(tensor(vals).reshape([...t.shape])));
  return t;
}

/** Recommended gain for a nonlinearity (PyTorch's calculate_gain); `param` is leakyRelu's negative slope. */
export function calculateGain(nonlinearity: Nonlinearity | string, param?: number | null): number {
  const nl = nonlinearity.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()); // accept snake_case too
  switch (nl) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** fanIn = size(1) * receptive field, fanOut = size(0) * receptive field (needs >= 2 dims). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fan(t: Tensor, mode: FanMode | string): number {
  const m = mode === 'fan_in' ? 'fanIn' : mode === 'fan_out' ? 'fanOut' : mode;
  if (m !== 'fanIn' && m !== 'fanOut') throw new RangeError(`mode ${JSON.stringify(mode)} not supported, please use one of 'fanIn', 'fanOut'`);
  const f = calculateFanInAndFanOut(t);
  return m === 'fanIn' ? f.fanIn : f.fanOut;
}

/** Uniform in [a, b). */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1): T {
  checkTensor(t, 'uniform_');
  return fillWith(t, () => a + (b - a) * nextUniform());
}

/** Normal with the given mean and standard deviation. */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1): T {
  checkTensor(t, 'normal_');
  return fillWith(t, () => mean + std * nextNormal());
}

export function constant_<T extends Tensor>(t: T, value: number): T {
  checkTensor(t, 'constant_');
  noGrad(() => t.fill_(value));
  return t;
}
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leakyRelu only). Default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, a: number, mode: FanMode, nonlinearity: Nonlinearity): number {
  const f = fan(t, mode);
  if (f === 0) throw new RangeError('kaiming init: initializing a zero-element tensor is a no-op');
  return calculateGain(nonlinearity, a) / Math.sqrt(f);
}

function kaimingArgs(aOrOptions: number | KaimingOptions | undefined, mode: FanMode, nonlinearity: Nonlinearity, op: string): [number, FanMode, Nonlinearity] {
  if (typeof aOrOptions === 'object' && aOrOptions !== null) {
    checkOptions(op, aOrOptions, ['a', 'mode', 'nonlinearity']);
    return [aOrOptions.a ?? 0, aOrOptions.mode ?? 'fanIn', aOrOptions.nonlinearity ?? 'leakyRelu'];
  }
  return [aOrOptions ?? 0, mode, nonlinearity];
}

/**
 * He-uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculateGain(nonlinearity, a).
 * PyTorch's Linear/Conv2d default is kaimingUniform_(w, Math.sqrt(5)) (bound = 1/sqrt(fanIn)).
 * Call as kaimingUniform_(t, a, mode, nonlinearity) or kaimingUniform_(t, {a, mode, nonlinearity}).
 */
export function kaimingUniform_<T extends Tensor>(t: T, a?: number | KaimingOptions, mode: FanMode = 'fanIn', nonlinearity: Nonlinearity = 'leakyRelu'): T {
  checkTensor(t, 'kaimingUniform_');
  const [aa, m, nl] = kaimingArgs(a, mode, nonlinearity, 'kaimingUniform_');
  const bound = Math.sqrt(3) * kaimingStd(t, aa, m, nl);
  return fillWith(t, () => -bound + 2 * bound * nextUniform());
}

/** He-normal: N(0, std²) with std = gain / sqrt(fan). */
export function kaimingNormal_<T extends Tensor>(t: T, a?: number | KaimingOptions, mode: FanMode = 'fanIn', nonlinearity: Nonlinearity = 'leakyRelu'): T {
  checkTensor(t, 'kaimingNormal_');
  const [aa, m, nl] = kaimingArgs(a, mode, nonlinearity, 'kaimingNormal_');
  const std = kaimingStd(t, aa, m, nl);
  return fillWith(t, () => std * nextNormal());
}

/** Glorot-uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_<T extends Tensor>(t: T, gain = 1): T {
  checkTensor(t, 'xavierUniform_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fillWith(t, () => -bound + 2 * bound * nextUniform());
}

/** Glorot-normal: N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_<T extends Tensor>(t: T, gain = 1): T {
  checkTensor(t, 'xavierNormal_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return fillWith(t, () => std * nextNormal());
}
