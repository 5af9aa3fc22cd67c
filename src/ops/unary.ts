/**
 * Elementwise functions of one tensor, each with its derivative beside it. Every function exported here is
 * public: src/index.ts re-exports the module and src/tensor/tensor.ts makes each a Tensor method
 * (x.exp() is exp(x)), so an op is defined once; helpers live in elementwise-support.ts.
 */
import { kernels } from '../backends/index.js';
import type { KernelName } from '../backends/kernels.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { isGradEnabled } from '../autograd/mode.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { rawContiguous, toDType } from './copy.js';
import { elementwiseOperand, fusedGrad, reluBackward, signOf } from './elementwise-support.js';
import { maximum, minimum, where } from './binary.js';
import { isPlainObject } from '../options.js';
import { noGrad } from '../autograd/mode.js';
import { zerosLike } from '../tensor/creation.js';
import { checkOptions } from '../options.js';

type UnaryKernel = Extract<KernelName, 'neg_f32' | 'exp_f32' | 'log_f32' | 'sqrt_f32' | 'abs_f32' | 'relu_f32' | 'sigmoid_f32' | 'tanh_f32'>;





/** Applies a unary kernel; `keepInt` casts back for int inputs (neg, abs, relu keep integer dtypes). */
function apply(x: Tensor, kernel: UnaryKernel, keepInt = false): Tensor {
  const { src, out } = elementwiseOperand(x);
  const n = out.numel();
  if (n > 0) kernels()[kernel](src.ptr, out.ptr, n);
  if (src !== x) src.dispose();
  if (keepInt && x.dtype !== 'float32') {
    const r = toDType(out, 'int32');
    out.dispose();
    return r;
  }
  return out;
}

/** -x. @example neg(tensor([1, -2])) // tensor([-1., 2.]) */
export function neg(x: Tensor): Tensor {
  return record(apply(x, 'neg_f32', true), 'NegBackward0', [x], [], (g) => [g.neg()]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const y = apply(x, 'exp_f32');
  return record(y, 'ExpBackward0', [x], [y], (g, [out]) => [g.mul(out!)]);
}

/** Natural logarithm (log(0) = -inf, log(-1) = nan, as in PyTorch). */
export function log(x: Tensor): Tensor {
  return record(apply(x, 'log_f32'), 'LogBackward0', [x], [x], (g, [a]) => [g.div(a!)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = apply(x, 'sqrt_f32');
  return record(y, 'SqrtBackward0', [x], [y], (g, [out]) => [g.div(out!.mul(2))]);
}

/** |x|; the gradient at 0 is 0 (sign(x)), as in PyTorch. */
export function abs(x: Tensor): Tensor {
  return record(apply(x, 'abs_f32', true), 'AbsBackward0', [x], [x], (g, [a]) => [g.mul(signOf(a!))]);
}


/**
 * max(x, 0), NaN kept. The gradient is PyTorch's threshold_backward(g, y, 0): 0 where y <= 0 (so 0 at x = 0),
 * g elsewhere, including where y is NaN.
 */
export function relu(x: Tensor): Tensor {
  const y = apply(x, 'relu_f32', true);
  if (!x.requiresGrad) return y;
  return record(y, 'ReluBackward0', [x], [y], (g, [out]) => [reluBackward(g, out!)]);
}


/** 1 / (1 + e^-x), computed stably. */
export function sigmoid(x: Tensor): Tensor {
  const y = apply(x, 'sigmoid_f32');
  if (!x.requiresGrad) return y;
  return record(y, 'SigmoidBackward0', [x], [y], (g, [s]) => [fusedGrad('sigmoid_backward_f32', g, s!) ?? g.mul(s!.mul(s!.neg().add(1)))]);
}

export function tanh(x: Tensor): Tensor {
  const y = apply(x, 'tanh_f32');
  if (!x.requiresGrad) return y;
  return record(y, 'TanhBackward0', [x], [y], (g, [t]) => [fusedGrad('tanh_backward_f32', g, t!) ?? g.mul(t!.mul(t!).neg().add(1))]);
}

export type Bound = number | Tensor | null | undefined;

/**
 * Clamps into [min, max] (PyTorch's clamp): either bound may be null/undefined, a number or a tensor
 * (broadcast); `clamp(x, { min, max })` is the keyword form. Integer tensors with integer bounds stay
 * int32. The gradient passes where min <= x <= max (PyTorch's convention at the bounds); tensor bounds get
 * the gradient where they win (where min > max, max wins, as PyTorch).
 */
export function clamp(x: Tensor, min?: Bound | { min?: Bound; max?: Bound }, max?: Bound): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`clamp: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (isPlainObject(min)) {
    if (max !== undefined) throw new TypeError('clamp: give the bounds either positionally or as { min, max }, not both');
    ({ min, max } = checkOptions('clamp', min, ['min', 'max']));
  }
  const lo = min as Bound, hi = max;
  if (lo == null && hi == null) throw new TypeError('clamp: at least one of min and max must be given');
  for (const [name, v] of [['min', lo], ['max', hi]] as const) {
    if (v != null && typeof v !== 'number' && !(v instanceof Tensor)) {
      throw new TypeError(`clamp: ${name} must be a number, a Tensor or null, got ${typeof v}`);
    }
  }
  if (lo instanceof Tensor || hi instanceof Tensor) {
    if (typeof lo === 'number' || typeof hi === 'number') {
      throw new TypeError('clamp: min and max must both be numbers or both be Tensors (either may be null), as in PyTorch');
    }
    return clampTensor(x, lo, hi);
  }
  const l = lo ?? -Infinity;
  const h = hi ?? Infinity;
  const { src, out } = elementwiseOperand(x);
  if (out.numel() > 0) kernels().clamp_f32(src.ptr, out.ptr, out.numel(), l, h);
  if (src !== x) src.dispose();
  if (x.dtype === 'int32' && Number.isInteger(l === -Infinity ? 0 : l) && Number.isInteger(h === Infinity ? 0 : h)) {
    const r = toDType(out, 'int32');
    out.dispose();
    return r;
  }
  // a select, as PyTorch's clamp_backward: 0 outside the bounds and at NaN even for a NaN gradient
  if (isTracing()) traceAttrs(out, { min: l, max: h });
  return record(out, 'ClampBackward1', [x], [x], (g, [a]) => [where(a!.ge(l).mul(a!.le(h)), g, 0)]);
}

/** clamp with tensor bound(s): min(max(x, lo), hi) and PyTorch's clamp_backward_min_max. */
function clampTensor(x: Tensor, lo: Bound, hi: Bound): Tensor {
  const loT = lo instanceof Tensor ? lo : null;
  const hiT = hi instanceof Tensor ? hi : null;
  const out = noGrad(() => {
    const a = loT === null ? x : maximum(x, loT);
    const b = hiT === null ? a : minimum(a, hiT);
    if (a !== x && a !== b) a.dispose();
    return b === x ? x.clone() : b;
  });
  const both = loT !== null && hiT !== null;
  return record(out, 'ClampBackward0', [x, loT, hiT], [x, ...(loT ? [loT] : []), ...(hiT ? [hiT] : [])], (g, s, needs) => {
    const a = s[0]!, l = loT ? s[1]! : null, h = hiT ? s[loT ? 2 : 1]! : null;
    const and = (p: Tensor, q: Tensor | null) => (q === null ? where(p, g, 0) : where(p, where(q, g, 0), 0));
    return [
      needs[0] ? and(l ? a.ge(l) : a.le(h!), l && h ? a.le(h) : null) : null,
      needs[1] ? and(a.lt(l!), both ? l!.lt(h!) : null) : null,
      // self > max, or max < min
      needs[2] ? (both ? where(a.gt(h!), g, where(h!.lt(l!), g, 0)) : where(a.gt(h!), g, 0)) : null,
    ];
  });
}

/** Rounds through round_f32 (mode: 0 floor, 1 ceil, 2 trunc, 3 nearest even); the gradient is 0 (PyTorch). */
function rounded(x: Tensor, mode: number, op: string, name: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype === 'bool') throw new TypeError(`${op}: not implemented for bool tensors (as in PyTorch)`);
  if (x.dtype === 'int32') return rawContiguous(x); // integers are already whole (a copy, as PyTorch)
  const { src, out } = elementwiseOperand(x);
  const n = out.numel();
  if (n > 0) kernels().round_f32(src.ptr, out.ptr, n, mode);
  if (src !== x) src.dispose();
  return record(out, name, [x], [], (g) => [zerosLike(g)]);
}

/** Largest integer <= x (PyTorch's floor; NaN and ±Inf kept; gradient 0). */
export function floor(x: Tensor): Tensor {
  return rounded(x, 0, 'floor', 'FloorBackward0');
}
/** Smallest integer >= x (gradient 0). */
export function ceil(x: Tensor): Tensor {
  return rounded(x, 1, 'ceil', 'CeilBackward0');
}
/** x rounded toward zero (gradient 0). */
export function trunc(x: Tensor): Tensor {
  return rounded(x, 2, 'trunc', 'TruncBackward0');
}

/**
 * x rounded to the nearest integer, halves to even (PyTorch's round), or to `decimals` decimal places:
 * round(x * 10^d) / 10^d, as PyTorch computes it. Gradient 0.
 * @example round(tensor([0.5, 1.5, 2.5])) // tensor([0., 2., 2.])
 */
export function round(x: Tensor, decimals: number | { decimals?: number } = 0): Tensor {
  const d = typeof decimals === 'number' ? decimals : (checkOptions('round', decimals, ['decimals']).decimals ?? 0);
  if (!Number.isInteger(d)) throw new TypeError(`round: decimals must be an integer, got ${String(d)}`);
  if (d === 0) return rounded(x, 3, 'round', 'RoundBackward0');
  if (x.dtype !== 'float32') throw new TypeError(`round: decimals is only supported for float32 tensors, got ${x.dtype}`);
  const scale = 10 ** Math.abs(d);
  // PyTorch: d > 0 -> nearbyint(x * 10^d) / 10^d; d < 0 -> nearbyint(x / 10^-d) * 10^-d
  const scaled = noGrad(() => (d > 0 ? x.mul(scale) : x.div(scale)));
  const r = rounded(scaled, 3, 'round', 'RoundBackward1');
  scaled.dispose();
  const out = noGrad(() => (d > 0 ? r.div(scale) : r.mul(scale)));
  r.dispose();
  return record(out, 'RoundBackward1', [x], [], (g) => [zerosLike(g)]);
}

/** x - trunc(x), the sign of x (gradient g, as PyTorch). */
export function frac(x: Tensor): Tensor {
  if (x instanceof Tensor && x.dtype !== 'float32') throw new TypeError(`frac: expects a float32 tensor, got ${x.dtype} (as PyTorch)`);
  const t = trunc(x);
  const out = x.sub(t);
  t.dispose();
  return out;
}
