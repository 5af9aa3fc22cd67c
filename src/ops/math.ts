/**
 * Math functions of one tensor (issue 15): log1p expm1 log2 log10 exp2, trigonometric and hyperbolic
 * functions and their inverses, erfc erfinv, reciprocal rsqrt square, lgamma digamma, sign sgn signbit,
 * logit, nanToNum. Integer and bool inputs give float32 (PyTorch's default float), except square, sign,
 * sgn and nanToNum, which keep integer dtypes as PyTorch does, and signbit, which gives bool.
 * The functions run through one kernel, math_f32 (src/backends/kernels.ts); each backward rule is written
 * with tensor ops beside its op (PyTorch's derivatives.yaml formulas), so second derivatives work.
 */
import { kernels } from '../backends/index.js';
import { MATH_OP, type MathOpName } from '../backends/js/math.js';
import { writeMeta } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { clamp } from './unary.js';
import { elementwiseOperand, floatContiguous } from './elementwise-support.js';
import { pow, where } from './binary.js';
import { rawContiguous, toDType } from './copy.js';

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_PI_OVER_2 = 0.886226925452758;
/** The largest finite float32 (nanToNum's default replacement of +Inf). */
const F32_MAX = 3.4028234663852886e38;

function checkTensor(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** f(x) through math_f32 as a float32 tensor (int and bool inputs are converted first). */
function apply(x: Tensor, op: MathOpName): Tensor {
  checkTensor(x, op);
  const { src, out } = elementwiseOperand(x);
  const n = out.numel();
  if (n > 0) kernels().math_f32(src.ptr, out.ptr, n, MATH_OP[op]);
  if (src !== x) src.dispose();
  return out;
}

/** log(1 + x), accurate for small x. @example log1p(tensor([1e-8])) // tensor([1.0000e-08]) */
export function log1p(x: Tensor): Tensor {
  return record(apply(x, 'log1p'), 'Log1PBackward0', [x], [x], (g, [a]) => [g.div(a!.add(1))]);
}

/** e^x - 1, accurate for small x. @example expm1(tensor([1e-8])) // tensor([1.0000e-08]) */
export function expm1(x: Tensor): Tensor {
  const y = apply(x, 'expm1');
  return record(y, 'Expm1Backward0', [x], [y], (g, [r]) => [g.mul(r!.add(1))]);
}

/** Base-2 logarithm. @example log2(tensor([8])) // tensor([3.]) */
export function log2(x: Tensor): Tensor {
  return record(apply(x, 'log2'), 'Log2Backward0', [x], [x], (g, [a]) => [g.div(a!.mul(LN2))]);
}

/** Base-10 logarithm. @example log10(tensor([100])) // tensor([2.]) */
export function log10(x: Tensor): Tensor {
  return record(apply(x, 'log10'), 'Log10Backward0', [x], [x], (g, [a]) => [g.div(a!.mul(LN10))]);
}

/** 2^x. @example exp2(tensor([3])) // tensor([8.]) */
export function exp2(x: Tensor): Tensor {
  const y = apply(x, 'exp2');
  return record(y, 'Exp2Backward0', [x], [y], (g, [r]) => [g.mul(r!.mul(LN2))]);
}

/** Sine (radians); d/dx = cos x. @example sin(tensor([0, Math.PI / 2])) // tensor([0., 1.]) */
export function sin(x: Tensor): Tensor {
  return record(apply(x, 'sin'), 'SinBackward0', [x], [x], (g, [a]) => [g.mul(cos(a!))]);
}

/** Cosine (radians); d/dx = -sin x. @example cos(tensor([0])) // tensor([1.]) */
export function cos(x: Tensor): Tensor {
  return record(apply(x, 'cos'), 'CosBackward0', [x], [x], (g, [a]) => [g.mul(sin(a!).neg())]);
}

/** Tangent (radians); d/dx = 1 + tan² x. @example tan(tensor([Math.PI / 4])) // tensor([1.]) */
export function tan(x: Tensor): Tensor {
  const y = apply(x, 'tan');
  return record(y, 'TanBackward0', [x], [y], (g, [r]) => [g.mul(r!.mul(r!).add(1))]);
}

/** Arcsine (NaN outside [-1, 1]); d/dx = 1 / sqrt(1 - x²). @example asin(tensor([1])) // tensor([1.5708]) */
export function asin(x: Tensor): Tensor {
  return record(apply(x, 'asin'), 'AsinBackward0', [x], [x], (g, [a]) => [g.mul(rsqrt(a!.mul(a!).neg().add(1)))]);
}

/** Arccosine (NaN outside [-1, 1]); d/dx = -1 / sqrt(1 - x²). @example acos(tensor([1])) // tensor([0.]) */
export function acos(x: Tensor): Tensor {
  return record(apply(x, 'acos'), 'AcosBackward0', [x], [x], (g, [a]) => [g.mul(rsqrt(a!.mul(a!).neg().add(1)).neg())]);
}

/** Arctangent; d/dx = 1 / (1 + x²). @example atan(tensor([1])) // tensor([0.7854]) */
export function atan(x: Tensor): Tensor {
  return record(apply(x, 'atan'), 'AtanBackward0', [x], [x], (g, [a]) => [g.div(a!.mul(a!).add(1))]);
}

/** Hyperbolic sine; d/dx = cosh x. @example sinh(tensor([0])) // tensor([0.]) */
export function sinh(x: Tensor): Tensor {
  return record(apply(x, 'sinh'), 'SinhBackward0', [x], [x], (g, [a]) => [g.mul(cosh(a!))]);
}

/** Hyperbolic cosine; d/dx = sinh x. @example cosh(tensor([0])) // tensor([1.]) */
export function cosh(x: Tensor): Tensor {
  return record(apply(x, 'cosh'), 'CoshBackward0', [x], [x], (g, [a]) => [g.mul(sinh(a!))]);
}

/** Inverse hyperbolic sine; d/dx = 1 / sqrt(x² + 1). @example asinh(tensor([0])) // tensor([0.]) */
export function asinh(x: Tensor): Tensor {
  return record(apply(x, 'asinh'), 'AsinhBackward0', [x], [x], (g, [a]) => [g.mul(rsqrt(a!.mul(a!).add(1)))]);
}

/** Inverse hyperbolic cosine (NaN below 1); d/dx = 1 / sqrt(x² - 1). @example acosh(tensor([1])) // tensor([0.]) */
export function acosh(x: Tensor): Tensor {
  return record(apply(x, 'acosh'), 'AcoshBackward0', [x], [x], (g, [a]) => [g.mul(rsqrt(a!.mul(a!).sub(1)))]);
}

/** Inverse hyperbolic tangent (±Inf at ±1, NaN outside); d/dx = 1 / (1 - x²). @example atanh(tensor([0])) // tensor([0.]) */
export function atanh(x: Tensor): Tensor {
  return record(apply(x, 'atanh'), 'AtanhBackward0', [x], [x], (g, [a]) => [g.div(a!.mul(a!).neg().add(1))]);
}

/**
 * Complementary error function 1 - erf(x), accurate in the tail (erfc(10) = 2.8e-45);
 * d/dx = -2/sqrt(pi) e^(-x²). @example erfc(tensor([0])) // tensor([1.])
 */
export function erfc(x: Tensor): Tensor {
  return record(apply(x, 'erfc'), 'ErfcBackward0', [x], [x], (g, [a]) => [g.mul(a!.mul(a!).neg().exp().mul(-TWO_OVER_SQRT_PI))]);
}

/**
 * Inverse error function on [-1, 1] (±Inf at ±1, NaN outside); d/dx = sqrt(pi)/2 e^(erfinv(x)²).
 * @example erfinv(tensor([0.5])) // tensor([0.4769])
 */
export function erfinv(x: Tensor): Tensor {
  const y = apply(x, 'erfinv');
  return record(y, 'ErfinvBackward0', [x], [y], (g, [r]) => [g.mul(r!.mul(r!).exp().mul(SQRT_PI_OVER_2))]);
}

/** 1 / x (±Inf at ±0); d/dx = -1/x². @example reciprocal(tensor([2, 0])) // tensor([0.5, inf]) */
export function reciprocal(x: Tensor): Tensor {
  const y = apply(x, 'reciprocal');
  return record(y, 'ReciprocalBackward0', [x], [y], (g, [r]) => [g.mul(r!.mul(r!)).neg()]);
}

/** 1 / sqrt(x) (NaN below 0, ±Inf at ±0); d/dx = -x^(-3/2) / 2. @example rsqrt(tensor([4])) // tensor([0.5]) */
export function rsqrt(x: Tensor): Tensor {
  const y = apply(x, 'rsqrt');
  return record(y, 'RsqrtBackward0', [x], [y], (g, [r]) => [g.mul(r!.mul(r!).mul(r!)).mul(-0.5)]);
}

/** x * x; integer tensors stay int32 (bool gives int32, as PyTorch's int64). @example square(tensor([-3])) // tensor([9]) */
export function square(x: Tensor): Tensor {
  checkTensor(x, 'square');
  if (x.dtype === 'bool') {
    const i = toDType(x, 'int32');
    const r = pow(i, 2);
    i.dispose();
    return r;
  }
  return pow(x, 2);
}

/**
 * log|Γ(x)| (+Inf at 0, -1, -2, ... and at ±Inf); d/dx = digamma(x).
 * @example lgamma(tensor([0.5])) // tensor([0.5724])
 */
export function lgamma(x: Tensor): Tensor {
  return record(apply(x, 'lgamma'), 'LgammaBackward0', [x], [x], (g, [a]) => [g.mul(digamma(a!))]);
}

/**
 * ψ(x) = d/dx log Γ(x) (PyTorch's: -Inf at +0, +Inf at -0, NaN at negative integers); d/dx = polygamma(1, x).
 * Its second derivative (polygamma(2, x)) is not implemented and throws when reached.
 * @example digamma(tensor([1])) // tensor([-0.5772])
 */
export function digamma(x: Tensor): Tensor {
  return record(apply(x, 'digamma'), 'DigammaBackward0', [x], [x], (g, [a]) => [g.mul(trigamma(a!))]);
}

/** polygamma(1, x), digamma's derivative (internal: no public polygamma yet). */
function trigamma(x: Tensor): Tensor {
  return record(apply(x, 'trigamma'), 'PolygammaBackward0', [x], [], () => {
    throw new Error('digamma: the second derivative of digamma (polygamma(2, x)) is not implemented');
  });
}

/** sign(x) with x's dtype (the sign of a float, in {-1, 0, 1}; NaN gives 0 as in PyTorch 1.13). */
function signOf(x: Tensor, op: string, node: string): Tensor {
  checkTensor(x, op);
  if (x.dtype === 'bool') return rawContiguous(x); // a copy, as PyTorch
  const out = noGrad(() => {
    const p = x.gt(0), n = x.lt(0);
    const pf = p.float(), nf = n.float();
    const r = pf.sub(nf);
    for (const t of [p, n, pf, nf]) t.dispose();
    if (x.dtype !== 'int32') return r;
    const ri = toDType(r, 'int32');
    r.dispose();
    return ri;
  });
  if (x.dtype !== 'float32') return out;
  return record(out, node, [x], [], (g) => [zerosLike(g)]);
}

/** The sign, -1, 0 or 1 (0 for NaN and ±0); int and bool keep their dtype; gradient 0. @example sign(tensor([-2.5, 0, 3])) // tensor([-1., 0., 1.]) */
export function sign(x: Tensor): Tensor {
  return signOf(x, 'sign', 'SignBackward0');
}

/** sign for real tensors (PyTorch's sgn, which extends sign to complex numbers); gradient 0. @example sgn(tensor([-2])) // tensor([-1]) */
export function sgn(x: Tensor): Tensor {
  return signOf(x, 'sgn', 'SgnBackward0');
}

/**
 * Whether the sign bit is set (true for -0, -Inf, negative numbers and NaNs with the sign bit), as a bool
 * tensor; not differentiable. @example signbit(tensor([-0.0, 0.0, -1])) // tensor([true, false, true])
 */
export function signbit(x: Tensor): Tensor {
  checkTensor(x, 'signbit');
  if (x.dtype === 'bool') return noGrad(() => zerosLike(x, { dtype: 'bool' }));
  if (x.dtype === 'int32') return noGrad(() => x.lt(0));
  const src = floatContiguous(x);
  const bits = Tensor.empty(x.shape, 'int32');
  const n = bits.numel();
  if (n > 0) kernels().copy_strided(src.ptr, bits.ptr, writeMeta([n], [1], [1])); // the float's bits as an int32
  if (src !== x) src.dispose();
  const out = noGrad(() => bits.lt(0));
  bits.dispose();
  return out;
}

export interface LogitOptions {
  /** Clamp the input to [eps, 1 - eps] first; null/undefined (or a negative eps, as PyTorch) does not clamp. */
  eps?: number | null;
}

/**
 * log(x / (1 - x)), with x first clamped to [eps, 1 - eps] when eps is given (PyTorch's logit; eps < 0
 * means none). The gradient is 1 / (x (1 - x)), 0 outside [eps, 1 - eps] with eps, NaN outside [0, 1]
 * without. `logit(x, eps)` or `logit(x, { eps })`.
 * @example logit(tensor([0.5, 0.75])) // tensor([0., 1.0986])
 */
export function logit(x: Tensor, ...args: (number | null | undefined | LogitOptions)[]): Tensor {
  checkTensor(x, 'logit');
  const { eps } = positionalOptions<LogitOptions>('logit', args, ['eps']);
  if (eps != null && (typeof eps !== 'number' || Number.isNaN(eps))) {
    throw new TypeError(`logit: eps must be a number or null, got ${typeof eps === 'number' ? 'NaN' : typeof eps}`);
  }
  const clamped = eps != null && eps >= 0;
  const lo = clamped ? eps : 0, hi = clamped ? 1 - eps : 1;
  const out = noGrad(() => {
    const xf = x.dtype === 'float32' ? x : toDType(x, 'float32');
    const z = clamped ? clamp(xf, lo, hi) : xf;
    const q = z.neg().add(1);
    const ratio = z.div(q);
    const r = ratio.log();
    for (const t of [q, ratio]) t.dispose();
    if (z !== xf) z.dispose();
    if (xf !== x) xf.dispose();
    return r;
  });
  return record(out, 'LogitBackward0', [x], [x], (g, [a]) => {
    const d = g.div(a!.mul(a!.neg().add(1)));
    const outside = clamped ? 0 : NaN;
    return [where(a!.lt(lo), outside, where(a!.gt(hi), outside, d))];
  });
}

export interface NanToNumOptions {
  /** Replaces NaN (default 0). */
  nan?: number | null;
  /** Replaces +Infinity (default: the largest finite float32). */
  posinf?: number | null;
  /** Replaces -Infinity (default: the most negative finite float32). */
  neginf?: number | null;
}

/**
 * Replaces NaN, +Inf and -Inf by finite values (defaults 0 and ±3.4028e38, float32's extremes); int and
 * bool tensors are returned as copies. The gradient passes where x is finite, 0 elsewhere (PyTorch's
 * grad * isfinite(x)). `nanToNum(x, nan, posinf, neginf)` or `nanToNum(x, { nan, posinf, neginf })`.
 * @example nanToNum(tensor([NaN, Infinity, -1])) // tensor([0., 3.4028e+38, -1.])
 */
export function nanToNum(x: Tensor, ...args: (number | null | undefined | NanToNumOptions)[]): Tensor {
  checkTensor(x, 'nanToNum');
  const o = positionalOptions<NanToNumOptions>('nanToNum', args, ['nan', 'posinf', 'neginf']);
  for (const k of ['nan', 'posinf', 'neginf'] as const) {
    const v = o[k];
    if (v != null && typeof v !== 'number') throw new TypeError(`nanToNum: ${k} must be a number or null, got ${typeof v}`);
  }
  if (x.dtype !== 'float32') return rawContiguous(x); // integers have no NaN or Inf: a copy, as PyTorch
  const nan = o.nan ?? 0, posinf = o.posinf ?? F32_MAX, neginf = o.neginf ?? -F32_MAX;
  const out = noGrad(() => {
    const isNan = x.ne(x), isPos = x.eq(Infinity), isNeg = x.eq(-Infinity);
    const a = where(isNeg, neginf, x);
    const b = where(isPos, posinf, a);
    const r = where(isNan, nan, b);
    for (const t of [isNan, isPos, isNeg, a, b]) t.dispose();
    return r;
  });
  return record(out, 'NanToNumBackward0', [x], [x], (g, [a]) => {
    const finite = a!.abs().lt(Infinity);
    return [g.mul(finite.float())];
  });
}
