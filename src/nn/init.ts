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

// ---------------------------------------------------------------- truncated normal, orthogonal, sparse, dirac, eye

/** The standard normal CDF, from Numerical Recipes' Chebyshev approximation of erfc (fractional error < 1.2e-7). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** The standard normal quantile (P. J. Acklam's algorithm, relative error < 1.2e-9), for p in (0, 1). */
function normQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function finite(v: unknown, op: string, name: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${String(v)}`);
  return v;
}

/**
 * Normal(mean, std^2) truncated to [a, b] (PyTorch's trunc_normal_: inverse-CDF sampling of the
 * truncated distribution, then a clamp to [a, b]).
 * @example nn.init.truncNormal_(w, 0, 0.02, -0.04, 0.04)
 */
export function truncNormal_<T extends Tensor>(t: T, mean = 0, std = 1, a = -2, b = 2): T {
  checkTensor(t, 'truncNormal_');
  for (const [k, v] of [['mean', mean], ['std', std], ['a', a], ['b', b]] as const) finite(v, 'truncNormal_', k);
  if (!(std > 0)) throw new RangeError(`truncNormal_: std must be positive, got ${std}`);
  if (!(a < b)) throw new RangeError(`truncNormal_: a must be less than b, got a=${a}, b=${b}`);
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return fillWith(t, () => {
    const x = mean + std * normQuantile(l + (u - l) * nextUniform());
    return Math.min(b, Math.max(a, x));
  });
}

/**
 * A (semi-)orthogonal matrix times gain (PyTorch's orthogonal_): the tensor viewed as [rows, cols] with
 * cols = numel / rows gets Q of the QR decomposition of a standard normal matrix (of its transpose when
 * rows < cols), with R's diagonal made positive, so the result is uniformly (Haar) distributed. Q is
 * computed in float64 by Gram-Schmidt, orthogonalised twice.
 * @example nn.init.orthogonal_(w, nn.init.calculateGain('tanh'))
 */
export function orthogonal_<T extends Tensor>(t: T, gain = 1): T {
  checkTensor(t, 'orthogonal_');
  finite(gain, 'orthogonal_', 'gain');
  if (t.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape [${t.shape.join(', ')}]`);
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  // columns of the tall matrix m x n (m >= n) whose Q we need
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = nextNormal();
  // A[i][j] of the tall matrix: flat is [rows, cols] row-major; its transpose when rows < cols
  const col = (j: number): Float64Array => {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = transpose ? flat[j * cols + i]! : flat[i * cols + j]!;
    return v;
  };
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = col(j);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i] = v[i]! - dot * u[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] = v[i]! / norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (transpose ? q[r]![c]! : q[c]![r]!);
  noGrad(() => t.copy_(tensor(out).reshape([...t.shape])));
  return t;
}

/**
 * A sparse 2-D matrix (PyTorch's sparse_): Normal(0, std^2) entries, then in every column
 * ceil(sparsity * rows) entries, at random rows, set to 0.
 * @example nn.init.sparse_(w, 0.1)
 */
export function sparse_<T extends Tensor>(t: T, sparsity: number, std = 0.01): T {
  checkTensor(t, 'sparse_');
  finite(sparsity, 'sparse_', 'sparsity');
  finite(std, 'sparse_', 'std');
  if (t.ndim !== 2) throw new RangeError(`sparse_: only tensors with 2 dimensions are supported, got shape [${t.shape.join(', ')}]`);
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`sparse_: sparsity must be in [0, 1], got ${sparsity}`);
  const [rows, cols] = t.shape as [number, number];
  const numZeros = Math.ceil(sparsity * rows);
  const vals = new Float32Array(rows * cols);
  for (let i = 0; i < vals.length; i++) vals[i] = std * nextNormal();
  const perm = new Int32Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < rows; i++) perm[i] = i;
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(nextUniform() * (i + 1)));
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    for (let k = 0; k < numZeros; k++) vals[perm[k]! * cols + c] = 0;
  }
  noGrad(() => t.copy_(tensor(vals).reshape(rows, cols)));
  return t;
}

/**
 * The Dirac delta for convolution weights [out, in/groups, k...] (3 to 5 dims, PyTorch's dirac_): zeros,
 * and 1 at the kernel centre of weight[g * outPerGroup + d, d] for d < min(outPerGroup, in), so a
 * convolution with it preserves (as many as possible of) its input channels in every group.
 * @example nn.init.dirac_(convWeight, 2)
 */
export function dirac_<T extends Tensor>(t: T, groups = 1): T {
  checkTensor(t, 'dirac_');
  if (t.ndim < 3 || t.ndim > 5) throw new RangeError(`dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape [${t.shape.join(', ')}]`);
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`dirac_: groups must be a positive integer, got ${groups}`);
  const out = t.shape[0]!;
  if (out % groups !== 0) throw new RangeError(`dirac_: dim 0 (${out}) must be divisible by groups (${groups})`);
  const perGroup = out / groups;
  const minDim = Math.min(perGroup, t.shape[1]!);
  const spatial = t.shape.slice(2);
  const kernel = spatial.reduce((p, v) => p * v, 1);
  let centre = 0;
  for (const s of spatial) centre = centre * s + Math.floor(s / 2);
  const vals = new Float32Array(t.numel());
  const inDim = t.shape[1]!;
  for (let g = 0; g < groups; g++) for (let d = 0; d < minDim; d++) vals[((g * perGroup + d) * inDim + d) * kernel + centre] = 1;
  noGrad(() => t.copy_(tensor(vals).reshape([...t.shape])));
  return t;
}

/**
 * The identity matrix in a 2-D tensor (ones on the main diagonal of a possibly rectangular matrix;
 * PyTorch's eye_).
 * @example nn.init.eye_(w)
 */
export function eye_<T extends Tensor>(t: T): T {
  checkTensor(t, 'eye_');
  if (t.ndim !== 2) throw new RangeError(`eye_: only tensors with 2 dimensions are supported, got shape [${t.shape.join(', ')}]`);
  const [r, c] = t.shape as [number, number];
  const vals = new Float32Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) vals[i * c + i] = 1;
  noGrad(() => t.copy_(tensor(vals).reshape(r, c)));
  return t;
}
