/**
 * nn activations beyond ReLU/GELU/leaky ReLU (PyTorch's F.silu ... F.softmin), composed from tensor ops so
 * that autograd derives their gradients. Each takes PyTorch's positional parameters after the input and/or
 * a trailing options object; `inplace: true` writes the result into the input and returns it (autograd
 * rules of in-place ops), as PyTorch does. Branches are written with `where` on PyTorch's own comparisons,
 * so values at the kinks, NaN propagation and the gradients at the kinks are PyTorch's.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { rand } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { inplace as inplaceOp } from './copy.js';
import { checkBool } from './dropout.js';
import { describeValue, type PositionalOr } from './loss.js';
import { where, maximum, minimum } from './binary.js';
import { clamp } from './unary.js';
import { log1p, expm1 } from './math.js';
import { softmax } from './softmax.js';
import { leakyRelu } from './activation.js';

/** Throws unless `x` is a float32 Tensor (PyTorch's activations are not implemented for integer tensors). */
export function checkFloatInput(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${describeValue(x)}`);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: input must be a float32 tensor, got dtype ${x.dtype} (not implemented for integer tensors, as in PyTorch)`);
}

/** A finite number argument (default `def`), or a TypeError naming the function and the argument. */
export function numArg(v: unknown, def: number, op: string, name: string): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${describeValue(v)}`);
  return v;
}

/**
 * f(x), or written into x when `inplace` (named `name_` in errors), as PyTorch's inplace=True. When x is
 * part of a graph, f reads a copy of x (PyTorch's original self), so that what f saved for backward is
 * not overwritten.
 */
function maybeInplace(x: Tensor, inplace: boolean, name: string, f: (a: Tensor) => Tensor): Tensor {
  if (!inplace) return f(x);
  return inplaceOp(x, (a) => f(x.requiresGrad ? x.clone() : (a as Tensor)), 0, undefined, `${name}_`);
}

/** value(x), computed without recording, with the gradient where(mask(x), g, 0) (a select, as PyTorch's kernels). */
function masked(x: Tensor, name: string, value: (a: Tensor) => Tensor, mask: (a: Tensor) => Tensor): Tensor {
  const out = noGrad(() => value(x));
  if (!x.requiresGrad || !isGradEnabled()) return out;
  const m = noGrad(() => mask(x));
  return record(out, name, [x], [m], (g, [mk]) => [where(mk!, g, 0)]);
}

type InplaceArgs = PositionalOr<[inplace: boolean], { inplace?: boolean }>;

function inplaceOnly(op: string, args: readonly unknown[]): boolean {
  return checkBool(positionalOptions<{ inplace: boolean }>(op, args, ['inplace']).inplace, false, op, 'inplace');
}

/** softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), stable for any z (gradient 1/2 at 0 from the tie of max). */
function softplusCore(z: Tensor): Tensor {
  return maximum(z, 0).add(log1p(z.abs().neg().exp()));
}

/** PyTorch's silu kernel x / (1 + exp(-x)) (so -0 for large negative x), gradient sigmoid(x) (1 + x (1 - sigmoid(x))). */
function siluCore(a: Tensor): Tensor {
  const out = noGrad(() => a.div(a.neg().exp().add(1)));
  return record(out, 'SiluBackward0', [a], [a], (g, [v]) => {
    const s = v!.sigmoid();
    return [g.mul(s).mul(v!.mul(s.neg().add(1)).add(1))];
  });
}

/**
 * SiLU (swish): x * sigmoid(x). PyTorch's F.silu(input, inplace=False), or { inplace }.
 * @example silu(x)
 */
export function silu(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'silu');
  return maybeInplace(x, inplaceOnly('silu', args), 'silu', siluCore);
}

/**
 * Mish: x * tanh(softplus(x)), with the stable softplus. PyTorch's F.mish(input, inplace=False).
 * @example mish(x)
 */
export function mish(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'mish');
  return maybeInplace(x, inplaceOnly('mish', args), 'mish', (a) => a.mul(softplusCore(a).tanh()));
}

export interface SoftplusOptions {
  /** Scale of the input: softplus(x) = log(1 + exp(beta x)) / beta. Default 1. */
  beta?: number;
  /** Above it, beta * x is returned as x (linear). Default 20. */
  threshold?: number;
}

/**
 * Softplus: (1/beta) * log(1 + exp(beta * x)), and x itself where beta * x > threshold (PyTorch's rule,
 * gradient 1 there, sigmoid(beta x) elsewhere). PyTorch's F.softplus(input, beta=1, threshold=20).
 * @example softplus(x, 2, 10)
 */
export function softplus(x: Tensor, ...args: PositionalOr<[beta: number, threshold: number], SoftplusOptions>): Tensor {
  checkFloatInput(x, 'softplus');
  const o = positionalOptions<SoftplusOptions>('softplus', args, ['beta', 'threshold']);
  const beta = numArg(o.beta, 1, 'softplus', 'beta');
  const threshold = numArg(o.threshold, 20, 'softplus', 'threshold');
  const z = beta === 1 ? x : x.mul(beta);
  const sp = softplusCore(z);
  return where(z.gt(threshold), x, beta === 1 ? sp : sp.div(beta));
}

/**
 * Hardswish: x * relu6(x + 3) / 6. Gradient (PyTorch's vectorised kernel): 0 below -3, x/3 + 1/2 in [-3, 3), 1 from 3 on.
 * PyTorch's F.hardswish(input, inplace=False).
 * @example hardswish(x)
 */
export function hardswish(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'hardswish');
  return maybeInplace(x, inplaceOnly('hardswish', args), 'hardswish', (a) => {
    const out = noGrad(() => a.mul(clamp(a.add(3), 0, 6)).div(6));
    if (!a.requiresGrad || !isGradEnabled()) return out;
    // PyTorch's vectorised hardswish_backward: 0 below -3, 1 from 3 on, x/3 + 1/2 between
    const d = noGrad(() => where(a.lt(-3), 0, where(a.ge(3), 1, a.div(3).add(0.5))));
    return record(out, 'HardswishBackward0', [a], [d], (g, [dd]) => [g.mul(dd!)]);
  });
}

/**
 * Hardsigmoid: 0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between (gradient 1/6 strictly inside, else 0).
 * PyTorch's F.hardsigmoid(input, inplace=False).
 * @example hardsigmoid(x)
 */
export function hardsigmoid(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'hardsigmoid');
  return maybeInplace(x, inplaceOnly('hardsigmoid', args), 'hardsigmoid', (a) => {
    const out = noGrad(() => where(a.le(-3), 0, where(a.ge(3), 1, a.div(6).add(0.5))));
    if (!a.requiresGrad || !isGradEnabled()) return out;
    // PyTorch's hardsigmoid_backward: g / 6 strictly inside (-3, 3), else 0 (also at NaN)
    const m = noGrad(() => a.gt(-3).logicalAnd(a.lt(3)));
    return record(out, 'HardsigmoidBackward0', [a], [m], (g, [mk]) => [where(mk!, g.div(6), 0)]);
  });
}

/** min(max(x, lo), hi) (x itself at the bounds, NaN kept) with PyTorch's hardtanh gradient: g strictly inside, else 0 (also at NaN). */
function hardtanhCore(a: Tensor, lo: number, hi: number): Tensor {
  return masked(a, 'HardtanhBackward0', (v) => where(v.lt(lo), lo, where(v.gt(hi), hi, v)), (v) => v.gt(lo).logicalAnd(v.lt(hi)));
}

export interface HardtanhOptions {
  /** Lower bound; default -1. */
  minVal?: number;
  /** Upper bound; default 1. */
  maxVal?: number;
  inplace?: boolean;
}

function hardtanhArgs(op: string, args: readonly unknown[]): { lo: number; hi: number; inplace: boolean } {
  const o = positionalOptions<HardtanhOptions>(op, args, ['minVal', 'maxVal', 'inplace']);
  const lo = numArg(o.minVal, -1, op, 'minVal');
  const hi = numArg(o.maxVal, 1, op, 'maxVal');
  if (hi < lo) throw new RangeError(`${op}: maxVal (${hi}) must be greater than or equal to minVal (${lo})`);
  return { lo, hi, inplace: checkBool(o.inplace, false, op, 'inplace') };
}

/**
 * Hardtanh: x clamped to [minVal, maxVal]; gradient 1 strictly inside, 0 at and beyond the bounds
 * (PyTorch's). PyTorch's F.hardtanh(input, min_val=-1., max_val=1., inplace=False).
 * @example hardtanh(x, -2, 2)
 */
export function hardtanh(x: Tensor, ...args: PositionalOr<[minVal: number, maxVal: number, inplace: boolean], HardtanhOptions>): Tensor {
  checkFloatInput(x, 'hardtanh');
  const { lo, hi, inplace } = hardtanhArgs('hardtanh', args);
  return maybeInplace(x, inplace, 'hardtanh', (a) => hardtanhCore(a, lo, hi));
}

/**
 * In-place hardtanh (PyTorch's F.hardtanh_(input, min_val=-1., max_val=1.)): writes into x, returns x.
 * @example hardtanh_(x)
 */
export function hardtanh_(x: Tensor, ...args: PositionalOr<[minVal: number, maxVal: number], { minVal?: number; maxVal?: number }>): Tensor {
  checkFloatInput(x, 'hardtanh_');
  const o = positionalOptions<HardtanhOptions>('hardtanh_', args, ['minVal', 'maxVal']);
  const { lo, hi } = hardtanhArgs('hardtanh_', [{ minVal: o.minVal, maxVal: o.maxVal }]);
  return maybeInplace(x, true, 'hardtanh', (a) => hardtanhCore(a, lo, hi));
}

/**
 * ReLU6: min(max(x, 0), 6), i.e. hardtanh(x, 0, 6) (gradient 0 at 0 and 6). PyTorch's F.relu6(input, inplace=False).
 * @example relu6(x)
 */
export function relu6(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'relu6');
  return maybeInplace(x, inplaceOnly('relu6', args), 'relu6', (a) => hardtanhCore(a, 0, 6));
}

/**
 * PyTorch's elu kernel: x * scale for x > 0, (exp(x * inputScale) - 1) * alpha * scale otherwise (NaN stays
 * NaN); gradient scale for x > 0, alpha * scale * inputScale * exp(x * inputScale) otherwise (NaN at NaN,
 * as PyTorch's vectorised kernel). The exponential sees min(x, 0), so large x give no infinity anywhere.
 */
function eluCore(a: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  const negExp = (v: Tensor) => {
    const neg = clamp(v, null, 0);
    return inputScale === 1 ? neg : neg.mul(inputScale);
  };
  // + 0 turns the -0 of expm1(-0) into PyTorch's +0
  const out = noGrad(() => where(a.gt(0), scale === 1 ? a : a.mul(scale), expm1(negExp(a)).mul(alpha * scale).add(0)));
  return record(out, 'EluBackward0', [a], [a], (g, [v]) => [where(v!.gt(0), g.mul(scale), g.mul(negExp(v!).exp().mul(alpha * scale * inputScale)))]);
}

export interface EluOptions {
  /** Saturation value -alpha for x -> -inf; default 1. */
  alpha?: number;
  inplace?: boolean;
}

/**
 * ELU: x for x > 0, alpha * (exp(x) - 1) for x <= 0. PyTorch's F.elu(input, alpha=1.0, inplace=False).
 * @example elu(x, 0.5)
 */
export function elu(x: Tensor, ...args: PositionalOr<[alpha: number, inplace: boolean], EluOptions>): Tensor {
  checkFloatInput(x, 'elu');
  const o = positionalOptions<EluOptions>('elu', args, ['alpha', 'inplace']);
  const alpha = numArg(o.alpha, 1, 'elu', 'alpha');
  return maybeInplace(x, checkBool(o.inplace, false, 'elu', 'inplace'), 'elu', (a) => eluCore(a, alpha, 1, 1));
}

/**
 * In-place ELU (PyTorch's F.elu_(input, alpha=1.)).
 * @example elu_(x)
 */
export function elu_(x: Tensor, ...args: PositionalOr<[alpha: number], { alpha?: number }>): Tensor {
  checkFloatInput(x, 'elu_');
  const alpha = numArg(positionalOptions<EluOptions>('elu_', args, ['alpha']).alpha, 1, 'elu_', 'alpha');
  return maybeInplace(x, true, 'elu', (a) => eluCore(a, alpha, 1, 1));
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * SELU: scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with alpha = 1.6732632423543772, scale =
 * 1.0507009873554805. PyTorch's F.selu(input, inplace=False).
 * @example selu(x)
 */
export function selu(x: Tensor, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'selu');
  return maybeInplace(x, inplaceOnly('selu', args), 'selu', (a) => eluCore(a, SELU_ALPHA, SELU_SCALE, 1));
}

/**
 * In-place SELU (PyTorch's F.selu_(input)).
 * @example selu_(x)
 */
export function selu_(x: Tensor): Tensor {
  checkFloatInput(x, 'selu_');
  return maybeInplace(x, true, 'selu', (a) => eluCore(a, SELU_ALPHA, SELU_SCALE, 1));
}

function celuAlpha(v: unknown, op: string): number {
  const alpha = numArg(v, 1, op, 'alpha');
  if (alpha === 0) throw new RangeError(`${op}: alpha cannot be 0 for CELU (it divides the input)`);
  return alpha;
}

/**
 * CELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha = 0 throws. PyTorch's F.celu(input, alpha=1., inplace=False).
 * @example celu(x, 2)
 */
export function celu(x: Tensor, ...args: PositionalOr<[alpha: number, inplace: boolean], EluOptions>): Tensor {
  checkFloatInput(x, 'celu');
  const o = positionalOptions<EluOptions>('celu', args, ['alpha', 'inplace']);
  const alpha = celuAlpha(o.alpha, 'celu');
  return maybeInplace(x, checkBool(o.inplace, false, 'celu', 'inplace'), 'celu', (a) => eluCore(a, alpha, 1, 1 / alpha));
}

/**
 * In-place CELU (PyTorch's F.celu_(input, alpha=1.)).
 * @example celu_(x)
 */
export function celu_(x: Tensor, ...args: PositionalOr<[alpha: number], { alpha?: number }>): Tensor {
  checkFloatInput(x, 'celu_');
  const alpha = celuAlpha(positionalOptions<EluOptions>('celu_', args, ['alpha']).alpha, 'celu_');
  return maybeInplace(x, true, 'celu', (a) => eluCore(a, alpha, 1, 1 / alpha));
}

/**
 * Softsign: x / (1 + |x|). PyTorch's F.softsign(input).
 * @example softsign(x)
 */
export function softsign(x: Tensor): Tensor {
  checkFloatInput(x, 'softsign');
  return x.div(x.abs().add(1));
}

/**
 * Tanhshrink: x - tanh(x). PyTorch's F.tanhshrink(input).
 * @example tanhshrink(x)
 */
export function tanhshrink(x: Tensor): Tensor {
  checkFloatInput(x, 'tanhshrink');
  // + 0: the wasm tanh kernel gives +0 for -0, and -0 - +0 would be -0 where PyTorch has +0
  return x.sub(x.tanh()).add(0);
}

function lambdArg(op: string, args: readonly unknown[]): number {
  const lambd = numArg(positionalOptions<{ lambd: number }>(op, args, ['lambd']).lambd, 0.5, op, 'lambd');
  if (op === 'softshrink' && lambd < 0) throw new RangeError(`softshrink: lambd must be greater or equal to 0, got ${lambd}`);
  return lambd;
}

/**
 * Softshrink: x - lambd for x > lambd, x + lambd for x < -lambd, 0 otherwise (in [-lambd, lambd], gradient 0
 * there, including the bounds; for NaN the value and the gradient are 0, as PyTorch's kernels). lambd >= 0. PyTorch's F.softshrink(input, lambd=0.5).
 * @example softshrink(x, 0.25)
 */
export function softshrink(x: Tensor, ...args: PositionalOr<[lambd: number], { lambd?: number }>): Tensor {
  checkFloatInput(x, 'softshrink');
  const l = lambdArg('softshrink', args);
  // PyTorch's kernel: x > l ? x - l : x < -l ? x + l : 0 (so NaN gives 0); its (vectorised) backward passes g outside [-l, l] only
  return masked(x, 'SoftshrinkBackward0', (a) => where(a.gt(l), a.sub(l), where(a.lt(-l), a.add(l), 0)), (a) => a.lt(-l).logicalOr(a.gt(l)));
}

/**
 * Hardshrink: x outside [-lambd, lambd], 0 inside (bounds included). PyTorch's F.hardshrink(input, lambd=0.5).
 * @example hardshrink(x)
 */
export function hardshrink(x: Tensor, ...args: PositionalOr<[lambd: number], { lambd?: number }>): Tensor {
  checkFloatInput(x, 'hardshrink');
  const l = lambdArg('hardshrink', args);
  // gradient g outside [-lambd, lambd] only (0 at NaN, as PyTorch's vectorised kernel)
  return masked(x, 'HardshrinkBackward0', (a) => where(a.ge(-l).logicalAnd(a.le(l)), 0, a), (a) => a.lt(-l).logicalOr(a.gt(l)));
}

export interface ThresholdOptions {
  inplace?: boolean;
}

function thresholdArgs(op: string, threshold: unknown, value: unknown): [number, number] {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`${op}: threshold must be a number, got ${describeValue(threshold)}`);
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${op}: value must be a number, got ${describeValue(value)}`);
  return [threshold, value];
}

/**
 * Threshold: `value` where x <= threshold, x elsewhere (gradient 0 where replaced). PyTorch's
 * F.threshold(input, threshold, value, inplace=False).
 * @example threshold(x, 0.1, 20)
 */
export function threshold(x: Tensor, threshold: number, value: number, ...args: InplaceArgs): Tensor {
  checkFloatInput(x, 'threshold');
  const [t, v] = thresholdArgs('threshold', threshold, value);
  return maybeInplace(x, inplaceOnly('threshold', args), 'threshold', (a) => where(a.le(t), v, a));
}

/**
 * In-place threshold (PyTorch's F.threshold_(input, threshold, value)).
 * @example threshold_(x, 0, 0)
 */
export function threshold_(x: Tensor, threshold: number, value: number): Tensor {
  checkFloatInput(x, 'threshold_');
  const [t, v] = thresholdArgs('threshold_', threshold, value);
  return maybeInplace(x, true, 'threshold', (a) => where(a.le(t), v, a));
}

/**
 * Log-sigmoid: log(1 / (1 + exp(-x))) = min(x, 0) - log1p(exp(-|x|)), stable for any x. PyTorch's F.logsigmoid(input).
 * @example logsigmoid(x)
 */
export function logsigmoid(x: Tensor): Tensor {
  checkFloatInput(x, 'logsigmoid');
  return minimum(x, 0).sub(log1p(x.abs().neg().exp()));
}

/**
 * PReLU: x for x > 0, weight * x otherwise, with one weight (numel 1) or one per channel (dim 1 of the
 * input; the only dim of 1-D input counts as no channel dim). PyTorch's F.prelu(input, weight).
 * @example prelu(x, tensor([0.25]))
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  checkFloatInput(x, 'prelu');
  if (!(weight instanceof Tensor)) throw new TypeError(`prelu: weight must be a Tensor, got ${describeValue(weight)}`);
  if (weight.dtype !== 'float32') throw new TypeError(`prelu: weight must be a float32 tensor, got dtype ${weight.dtype}`);
  if (weight.ndim > 1) throw new RangeError(`prelu: weight must be a scalar or 1-D tensor, got shape ${shapeStr(weight.shape)}`);
  if (x.ndim === 0) throw new RangeError('prelu: zero-dim input tensor is not allowed (as in PyTorch)');
  const n = weight.numel();
  let w = weight.reshape(-1);
  if (n !== 1) {
    const c = x.ndim > 1 ? x.shape[1]! : 1;
    if (c !== n) throw new RangeError(`prelu: weight has ${n} parameters but the input (shape ${shapeStr(x.shape)}) has ${c} channels (dim 1)`);
    w = w.reshape(x.shape.map((d, i) => (i === 1 ? d : 1)));
  }
  return where(x.gt(0), x, x.mul(w));
}

export interface RreluOptions {
  /** Lower bound of the random slope; default 1/8. */
  lower?: number;
  /** Upper bound of the random slope; default 1/3. */
  upper?: number;
  /** Random slopes (training) or the fixed slope (lower + upper) / 2; default false. */
  training?: boolean;
  inplace?: boolean;
}

function rreluCore(a: Tensor, lower: number, upper: number, training: boolean): Tensor {
  if (!training) return leakyRelu(a, (lower + upper) / 2);
  // one slope per element, uniform in [lower, upper), drawn from the library's generator (manualSeed)
  const slope = noGrad(() => {
    const r = rand(a.shape).mul(upper - lower).add(lower);
    return where(a.le(0), r, 1);
  });
  return a.mul(slope);
}

function rreluArgs(op: string, args: readonly unknown[], names: readonly string[]): { lower: number; upper: number; training: boolean; inplace: boolean } {
  const o = positionalOptions<RreluOptions>(op, args, names);
  const lower = numArg(o.lower, 1 / 8, op, 'lower');
  const upper = numArg(o.upper, 1 / 3, op, 'upper');
  if (lower > upper) throw new RangeError(`${op}: lower (${lower}) must be less than or equal to upper (${upper})`);
  return { lower, upper, training: checkBool(o.training, false, op, 'training'), inplace: checkBool(o.inplace, false, op, 'inplace') };
}

/**
 * Randomized leaky ReLU: x for x > 0, a * x for x <= 0, with a ~ U(lower, upper) per element when
 * training (the library's generator, seeded by manualSeed; the gradient uses the same slopes) and
 * a = (lower + upper) / 2 otherwise. PyTorch's F.rrelu(input, lower=1/8, upper=1/3, training=False, inplace=False).
 * @example rrelu(x, 0.1, 0.3, true)
 */
export function rrelu(x: Tensor, ...args: PositionalOr<[lower: number, upper: number, training: boolean, inplace: boolean], RreluOptions>): Tensor {
  checkFloatInput(x, 'rrelu');
  const o = rreluArgs('rrelu', args, ['lower', 'upper', 'training', 'inplace']);
  return maybeInplace(x, o.inplace, 'rrelu', (a) => rreluCore(a, o.lower, o.upper, o.training));
}

/**
 * In-place rrelu (PyTorch's F.rrelu_(input, lower=1/8, upper=1/3, training=False)).
 * @example rrelu_(x)
 */
export function rrelu_(x: Tensor, ...args: PositionalOr<[lower: number, upper: number, training: boolean], Omit<RreluOptions, 'inplace'>>): Tensor {
  checkFloatInput(x, 'rrelu_');
  const o = rreluArgs('rrelu_', args, ['lower', 'upper', 'training']);
  return maybeInplace(x, true, 'rrelu', (a) => rreluCore(a, o.lower, o.upper, o.training));
}

/** A dim argument checked against `ndim` and made non-negative. */
export function dimArg(dim: unknown, ndim: number, op: string, name = 'dim'): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${op}: ${name} must be an integer, got ${describeValue(dim)}`);
  const n = Math.max(ndim, 1);
  if (dim < -n || dim >= n) throw new RangeError(`${op}: ${name} ${dim} is out of range for a tensor of ${ndim} dims (expected in [${-n}, ${n - 1}])`);
  return dim < 0 ? dim + n : dim;
}

/**
 * GLU: a * sigmoid(b) where a and b are the two halves of the input along `dim` (whose size must be even).
 * PyTorch's F.glu(input, dim=-1).
 * @example glu(x, 1)
 */
export function glu(x: Tensor, ...args: PositionalOr<[dim: number], { dim?: number }>): Tensor {
  checkFloatInput(x, 'glu');
  const dimV = positionalOptions<{ dim: number }>('glu', args, ['dim']).dim ?? -1;
  if (x.ndim === 0) throw new RangeError('glu: does not support scalars (0-d tensors): the halving dimension must have an even size');
  const d = dimArg(dimV, x.ndim, 'glu');
  const size = x.shape[d]!;
  if (size % 2 !== 0) throw new RangeError(`glu: halving dimension must be even, but dimension ${d} is size ${size} (input shape ${shapeStr(x.shape)})`);
  const h = size / 2;
  return x.narrow(d, 0, h).mul(x.narrow(d, h, h).sigmoid());
}

export interface SoftminOptions {
  /** Dim along which the softmin is taken; null: PyTorch's implicit choice (0 for 0-, 1-, 3-D input, else 1). */
  dim?: number | null;
  /** Only float32 (or null) is supported. */
  dtype?: 'float32' | null;
}

/** PyTorch's legacy implicit softmax dim: 0 for 0-, 1- and 3-D input, else 1. */
export function implicitSoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmin: softmax(-x) along `dim`. PyTorch's F.softmin(input, dim=None, _stacklevel=3, dtype=None); here
 * (input, dim) or (input, { dim, dtype }); dim null uses PyTorch's implicit choice.
 * @example softmin(x, 1)
 */
export function softmin(x: Tensor, ...args: PositionalOr<[dim: number | null], SoftminOptions>): Tensor {
  checkFloatInput(x, 'softmin');
  const o = positionalOptions<SoftminOptions>('softmin', args, ['dim'], ['dtype']);
  if (o.dtype != null && o.dtype !== 'float32') throw new TypeError(`softmin: dtype ${describeValue(o.dtype)} is not supported (float32 only)`);
  const dim = o.dim == null ? implicitSoftmaxDim(x.ndim) : dimArg(o.dim, x.ndim, 'softmin');
  return softmax(x.neg(), dim);
}
