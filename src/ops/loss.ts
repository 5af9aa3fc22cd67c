/**
 * Loss functions, with PyTorch's arguments: the optional ones positionally in PyTorch's order (the
 * deprecated size_average and reduce throw) or as an options object, alone or trailing
 * (`crossEntropy(x, t, weight, { ignoreIndex: 0 })`). Reductions: 'mean' by default, 'sum', 'none'.
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { onEdge, record, type GraphNode } from '../autograd/node.js';
import { tensor } from '../tensor/creation.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { floatContiguous } from './elementwise-support.js';
import { rawContiguous } from './copy.js';
import { isPlainObject, positionalOptions } from '../options.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

export interface NLLLossOptions extends LossOptions {
  /** Per-class weight, a 1-D Tensor of C values (not differentiated, as in PyTorch). */
  weight?: Tensor | null;
  /** Targets equal to it contribute 0 and do not count in the mean's denominator. Default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NLLLossOptions {
  /** In [0, 1]: the target becomes (1 - labelSmoothing) * one-hot + labelSmoothing / C (default 0). */
  labelSmoothing?: number;
}

export interface BCEWithLogitsOptions extends LossOptions {
  /** Rescaling weight of each element, broadcast to the input's shape (not differentiated). */
  weight?: Tensor | null;
  /** Weight of the positive examples, broadcast along the last dim (PyTorch's pos_weight). */
  posWeight?: Tensor | null;
}

/** PyTorch's positional parameters after (input, target), per loss (size_average and reduce are deprecated). */
export const LOSS_POSITIONAL = {
  crossEntropy: ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction', 'labelSmoothing'],
  nllLoss: ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction'],
  mseLoss: ['sizeAverage', 'reduce', 'reduction'],
  l1Loss: ['sizeAverage', 'reduce', 'reduction'],
  binaryCrossEntropyWithLogits: ['weight', 'sizeAverage', 'reduce', 'reduction', 'posWeight'],
} as const;

type Prefixes<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? T | Prefixes<H> : [];
type Loose<P extends readonly unknown[]> = { [K in keyof P]: P[K] | undefined };
/**
 * The optional arguments of a PyTorch-style call: any leading part of PyTorch's positional parameters `P`
 * (each may be undefined), optionally followed by an options object `O` (or null).
 */
export type PositionalOr<P extends readonly unknown[], O> =
  Prefixes<Loose<P>> extends infer U ? (U extends readonly unknown[] ? [...U, (O | null)?] : never) : never;

/** PyTorch's positional parameters of mse_loss / l1_loss after (input, target). */
export type LossArgs = PositionalOr<[sizeAverage: null, reduce: null, reduction: Reduction], LossOptions>;
/** PyTorch's positional parameters of nll_loss after (input, target). */
export type NLLLossArgs = PositionalOr<[weight: Tensor | null, sizeAverage: null, ignoreIndex: number, reduce: null, reduction: Reduction], NLLLossOptions>;
/** PyTorch's positional parameters of cross_entropy after (input, target). */
export type CrossEntropyArgs = PositionalOr<
  [weight: Tensor | null, sizeAverage: null, ignoreIndex: number, reduce: null, reduction: Reduction, labelSmoothing: number],
  CrossEntropyOptions
>;
/** PyTorch's positional parameters of binary_cross_entropy_with_logits after (input, target). */
export type BCEWithLogitsArgs = PositionalOr<[weight: Tensor | null, sizeAverage: null, reduce: null, reduction: Reduction, posWeight: Tensor | null], BCEWithLogitsOptions>;

/** A value as an error message shows it. */
export function describeValue(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor of shape ${shapeStr(v.shape)}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `${typeof v} ${String(v)}`;
}

function deprecated(op: string, key: string, v: unknown): TypeError {
  const py = key === 'sizeAverage' ? 'size_average' : key;
  const hint = v === 'mean' || v === 'sum' || v === 'none' ? `; did you mean { reduction: ${JSON.stringify(v)} }?` : '';
  return new TypeError(`${op}: ${py} is deprecated in PyTorch and not supported; use reduction ('mean' | 'sum' | 'none') instead${hint}`);
}

/**
 * The optional arguments of loss `op` after (input, target): PyTorch's positional parameters `names`
 * and/or a trailing options object, merged and checked (unknown keys throw with hints; the deprecated
 * size_average and reduce throw naming themselves).
 */
export function lossArgs<T extends object>(op: string, args: readonly unknown[], names: readonly string[]): Partial<T> {
  if (args.length === 0) return {};
  const last = args[args.length - 1];
  if (isPlainObject(last)) {
    for (const k of ['size_average', 'sizeAverage', 'reduce']) if (last[k] !== undefined) throw deprecated(op, k === 'size_average' ? 'sizeAverage' : k, last[k]);
  }
  const o = positionalOptions<Record<string, unknown>>(op, args, names);
  for (const k of ['sizeAverage', 'reduce']) if (o[k] != null) throw deprecated(op, k, o[k]);
  return o as Partial<T>;
}

/** Throws unless `r` is a reduction (undefined means 'mean'). */
export function checkReduction(r: unknown, op: string): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${typeof r === 'string' ? JSON.stringify(r) : describeValue(r)}`);
  return r;
}

/** Throws unless `v` is null/undefined or a Tensor; names the argument and shows where options go. */
function optionalTensor(v: unknown, op: string, name: string, keys: readonly string[]): Tensor | null {
  if (v == null) return null;
  if (v instanceof Tensor) {
    void v.ptr; // throws on a disposed tensor
    return v;
  }
  const hint = v === 'mean' || v === 'sum' || v === 'none' ? `; did you mean { reduction: ${JSON.stringify(v)} }?` : `; options go in an object: { ${keys.join(', ')} }`;
  throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}${hint}`);
}

function checkLabelSmoothing(v: unknown, op: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`${op}: labelSmoothing must be a number in [0, 1], got ${describeValue(v)}`);
  return v;
}

function checkIgnoreIndex(v: unknown, op: string): number {
  if (v === undefined) return -100;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${describeValue(v)}`);
  return v;
}

/**
 * Applies the reduction to `loss`, the per-element loss the caller just made. Reduced, it is an intermediate
 * no user code can reach: its memory goes back now (or when the backward nodes that saved it are released)
 * instead of at the next garbage collection, which a training loop would otherwise need far more often.
 */
function reduce(loss: Tensor, reduction: Reduction, op: string, denominator: number | null = null): Tensor {
  let out: Tensor;
  switch (reduction) {
    case 'mean':
      if (denominator === null) {
        out = loss.mean();
      } else {
        const s = loss.sum();
        out = s.div(denominator);
        s._releaseToGraph();
      }
      break;
    case 'sum':
      out = loss.sum();
      break;
    case 'none':
      return loss;
    default:
      throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  loss._releaseToGraph();
  return out;
}

function broadcastsTo(shape: readonly number[], target: readonly number[], op: string): boolean {
  try {
    return sameShape(broadcastShapes(shape, target, op), target);
  } catch {
    return false;
  }
}

function checkPair(input: unknown, target: unknown, op: string): asserts input is Tensor {
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: input and target must be Tensors`);
}

/**
 * Mean squared error, (input - target)^2 reduced. Positional: (input, target, sizeAverage, reduce,
 * reduction) as PyTorch (the deprecated two must be null) or { reduction }.
 */
export function mseLoss(input: Tensor, target: Tensor, ...args: LossArgs): Tensor {
  checkPair(input, target, 'mseLoss');
  const o = lossArgs<LossOptions>('mseLoss', args, LOSS_POSITIONAL.mseLoss);
  const reduction = checkReduction(o.reduction, 'mseLoss');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`mseLoss: input shape ${shapeStr(input.shape)} and target shape ${shapeStr(target.shape)} differ`);
  }
  const diff = input.sub(target);
  const sq = diff.pow(2);
  diff._releaseToGraph(); // saved by the square's backward node only
  return reduce(sq, reduction, 'mseLoss');
}

/** Mean absolute error; the gradient at input == target is 0 (as PyTorch). Arguments as mseLoss. */
export function l1Loss(input: Tensor, target: Tensor, ...args: LossArgs): Tensor {
  checkPair(input, target, 'l1Loss');
  const o = lossArgs<LossOptions>('l1Loss', args, LOSS_POSITIONAL.l1Loss);
  const reduction = checkReduction(o.reduction, 'l1Loss');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`l1Loss: input shape ${shapeStr(input.shape)} and target shape ${shapeStr(target.shape)} differ`);
  }
  const diff = input.sub(target);
  const abs = diff.abs();
  diff._releaseToGraph(); // saved by abs's backward node only
  return reduce(abs, reduction, 'l1Loss');
}

// ---------------------------------------------------------------- class-index targets

/** Class-index targets checked against the input, flattened to [M] with the class dim moved last. */
interface ClassTargets {
  /** Contiguous int32 [M]; ignored targets replaced by 0 (a valid class) when there are any. */
  t: Tensor;
  /** Number of classes. */
  c: number;
  /** The loss's shape with reduction 'none' (the target's). */
  outShape: readonly number[];
  /** Per-row factor: weight[target] (1 without weight), 0 for ignored rows; null when all are 1. */
  rowWeight: Float32Array | null;
  /** Rows not ignored (a bool [M]); null when none is ignored. */
  keep: Tensor | null;
  /** The mean's denominator: sum of rowWeight (float64); null for the plain mean. */
  denominator: number | null;
  weight: Tensor | null;
}

/**
 * Validates int32 class-index targets for input [N, C, d1, ...] (target [N, d1, ...]) or [C] (0-d target),
 * values in [0, C) or ignoreIndex, and a per-class weight [C].
 */
function classTargets(input: Tensor, target: Tensor, op: string, weight: Tensor | null, ignoreIndex: number): ClassTargets {
  if (target.dtype !== 'int32') {
    const probs = op === 'crossEntropy' ? `; class probabilities are float32 targets of the input's shape ${shapeStr(input.shape)}` : '';
    throw new TypeError(`${op}: target must hold int32 class indices, got dtype ${target.dtype} (use .int() or tensor(labels, {dtype: 'int32'})${probs})`);
  }
  if (input.ndim === 0) throw new RangeError(`${op}: expects input of shape [N, C], [N, C, d1, ...] or [C], got a 0-d input`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) {
      throw new RangeError(`${op}: expects input of shape [N, C], got ${shapeStr(input.shape)} with target shape ${shapeStr(target.shape)} (a 1-D input [C] takes a 0-d target)`);
    }
  } else {
    const expected = [input.shape[0]!, ...input.shape.slice(2)];
    if (!sameShape(target.shape, expected)) {
      throw new RangeError(`${op}: target shape ${shapeStr(target.shape)} does not match input shape ${shapeStr(input.shape)} (expected ${shapeStr(expected)})`);
    }
  }
  const c = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
  let wv: Float32Array | null = null;
  if (weight !== null) {
    if (weight.ndim !== 1 || weight.shape[0] !== c) {
      throw new RangeError(`${op}: weight must be a 1-D Tensor of ${c} class weights, got shape ${shapeStr(weight.shape)}`);
    }
    if (weight.dtype !== 'float32') throw new TypeError(`${op}: weight must be float32, got dtype ${weight.dtype}`);
    wv = weight.toArray() as Float32Array;
  }
  let t = target.isContiguous() ? target : rawContiguous(target);
  const m = t.numel();
  const p = t.ptr >>> 2;
  let ignored = 0;
  for (let i = 0; i < m; i++) {
    const v = heap.i32[p + i]!;
    if (v === ignoreIndex) ignored++;
    else if (v < 0 || v >= c) {
      if (t !== target) t.dispose();
      throw new RangeError(`${op}: target ${v} is out of bounds for ${c} classes` + (ignored === 0 && v < 0 ? ` (ignoreIndex is ${ignoreIndex})` : ''));
    }
  }
  let rowWeight: Float32Array | null = null;
  let keep: Tensor | null = null;
  let denominator: number | null = null;
  if (ignored > 0 || wv !== null) {
    rowWeight = new Float32Array(m);
    const keepv = new Uint8Array(m);
    const safe = new Int32Array(m);
    let den = 0;
    for (let i = 0; i < m; i++) {
      const v = heap.i32[p + i]!;
      if (v === ignoreIndex) continue;
      const w = wv === null ? 1 : wv[v]!;
      rowWeight[i] = w;
      keepv[i] = 1;
      safe[i] = v;
      den += w;
    }
    denominator = den;
    if (ignored > 0) {
      if (t !== target) t.dispose();
      t = tensor(safe, { dtype: 'int32' });
      keep = tensor(Array.from(keepv, (b) => b === 1)).reshape(m);
    }
    if (wv === null) rowWeight = null; // ignored rows only: the keep mask does it
  }
  return { t: t.ndim === 1 ? t : t.reshape(m), c, outShape: target.shape, rowWeight, keep, denominator, weight };
}

/** input [N, C, d1, ...] or [C] as [M, C] rows (the class dim moved last; a differentiable view or copy). */
function rowsOf(input: Tensor, c: number): Tensor {
  if (input.ndim === 2) return input;
  if (input.ndim === 1) return input.reshape(1, c);
  const perm = [0, ...input.shape.map((_, i) => i).slice(2), 1];
  return input.permute(perm).reshape(-1, c);
}

/**
 * Applies per-row weights and the ignore mask to per-row losses [M] (rows of ignored targets become 0,
 * as PyTorch's masked_fill, so even an infinite loss there gives 0).
 */
function weighRows(rows: Tensor, ct: ClassTargets): Tensor {
  let out = rows;
  if (ct.rowWeight !== null) out = out.mul(tensor(ct.rowWeight));
  if (ct.keep !== null) out = out.where(ct.keep, 0);
  return out;
}

/** The fused softmax + NLL kernel over [n, c] rows against contiguous int32 targets [n]: per-row losses [n]. */
function fusedXent(input: Tensor, t: Tensor): Tensor {
  const [n, c] = input.shape as [number, number];
  const x = floatContiguous(input);
  const prob = Tensor.empty([n, c], 'float32');
  const rows = Tensor.empty([n], 'float32');
  if (n > 0 && c > 0) kernels().softmax_xent_f32(x.ptr, t.ptr, prob.ptr, rows.ptr, n, c);
  if (x !== input) x.dispose();
  const perRow = record(rows, 'CrossEntropyBackward0', [input], [prob, t], (g, [p, tt]) => {
    if (isGradEnabled()) return [crossEntropyGradGraph(g, p!, tt!, node!.next[0]!)];
    const d = Tensor.empty([n, c], 'float32');
    // 'mean' and 'sum' send one value broadcast over the rows (a stride-0 view): fold it into the kernel's
    // scale, one pass (only when the result need not be differentiable: grad mode off inside backward).
    const uniform = !isGradEnabled() && g.dtype === 'float32' && (n <= 1 || g.strides[0] === 0);
    if (d.numel() > 0) kernels().softmax_xent_backward_f32(p!.ptr, tt!.ptr, d.ptr, n, c, uniform ? heap.f32[g.ptr >>> 2]! : 1);
    return [uniform ? d : d.mul(g.unsqueeze(1))];
  });
  const node = perRow.gradFn; // its input edge, for a differentiable backward under createGraph
  prob._releaseToGraph(); // only the backward node reads it: freed when the node is released (now under noGrad)
  return perRow;
}

/**
 * Cross-entropy of raw scores against class indices or class probabilities, PyTorch's F.cross_entropy:
 * - input [N, C] (or [N, C, d1, ...], or [C]) and int32 targets [N] ([N, d1, ...], 0-d): per element
 *   loss = -w[t] log_softmax(x)[t] (w = 1 without weight), 0 where t == ignoreIndex; 'mean' divides the
 *   sum by the sum of w[t] over the targets not ignored. With labelSmoothing e: (1 - e) times that plus
 *   e / C times -sum_c w[c] log_softmax(x)[c] (0 where ignored), reduced the same way.
 * - float targets of the input's shape (class probabilities, smoothed to (1 - e) p + e / C):
 *   -sum_c w[c] p[c] log_softmax(x)[c]; 'mean' divides by the number of elements N * d1 * ...
 * Arguments: (input, target, weight, sizeAverage, ignoreIndex, reduce, reduction, labelSmoothing) as
 * PyTorch, or an options object { weight, ignoreIndex, reduction, labelSmoothing } after any of them.
 * @example crossEntropy(logits, tensor([3, 1], { dtype: 'int32' }), { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: Tensor, ...args: CrossEntropyArgs): Tensor {
  const op = 'crossEntropy';
  checkPair(input, target, op);
  const o = lossArgs<CrossEntropyOptions>(op, args, LOSS_POSITIONAL.crossEntropy);
  const weight = optionalTensor(o.weight, op, 'weight', ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
  const ignoreIndex = checkIgnoreIndex(o.ignoreIndex, op);
  const reduction = checkReduction(o.reduction, op);
  const eps = checkLabelSmoothing(o.labelSmoothing, op);
  if (target.dtype === 'float32' && input.ndim >= 1 && sameShape(input.shape, target.shape)) {
    return crossEntropyProbs(input, target, weight, ignoreIndex, reduction, eps);
  }
  const ct = classTargets(input, target, op, weight, ignoreIndex);
  const c = ct.c;
  const x = rowsOf(input, c);
  const rows = fusedXent(x, ct.t);
  let per: Tensor;
  if (eps === 0) {
    per = weighRows(rows, ct);
  } else {
    // label smoothing: (1 - eps) * nll + eps * (-sum_c w_c log_softmax_c) / C (PyTorch's formula)
    const lsm = x.logSoftmax(1);
    const smooth = weight === null ? lsm.mean(1).neg() : lsm.mul(weight.detach()).sum(1).div(-c);
    const nll = weighRows(rows, ct);
    const sm = ct.keep === null ? smooth : smooth.where(ct.keep, 0);
    per = nll.mul(1 - eps).add(sm.mul(eps));
  }
  if (per !== rows) rows._releaseToGraph();
  if (x !== input) x._releaseToGraph();
  if (input.ndim !== 2 && reduction === 'none') per = per.reshape([...ct.outShape]);
  return reduce(per, reduction, op, ct.denominator);
}

/** crossEntropy against class probabilities of the input's shape (PyTorch's soft-target branch). */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction, eps: number): Tensor {
  const op = 'crossEntropy';
  if (ignoreIndex >= 0) throw new RangeError(`${op}: ignoreIndex is not supported for class-probability (float) targets, got ignoreIndex ${ignoreIndex}`);
  const cdim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[cdim]!;
  if (weight !== null) {
    if (weight.ndim !== 1 || weight.shape[0] !== c) throw new RangeError(`${op}: weight must be a 1-D Tensor of ${c} class weights, got shape ${shapeStr(weight.shape)}`);
  }
  const p = eps > 0 ? target.mul(1 - eps).add(eps / c) : target;
  const lsm = input.logSoftmax(cdim);
  let prod = lsm.mul(p);
  if (weight !== null) prod = prod.mul(weight.detach().reshape(input.shape.map((d, i) => (i === cdim ? d : 1))));
  switch (reduction) {
    case 'none':
      return prod.sum(cdim).neg();
    case 'sum':
      return prod.sum().neg();
    default: {
      const count = c === 0 ? 0 : input.numel() / c;
      return prod.sum().neg().div(count === 0 ? NaN : count);
    }
  }
}

/**
 * CrossEntropyBackward0 as a differentiable graph (createGraph): (softmax(x) - onehot(t)) * g, where
 * softmax(x) is made again from the saved probabilities as a softmax node on the input's edge (softmax of
 * log p is p; its gradient does not depend on the constant lost per row), so every order is exact.
 */
function crossEntropyGradGraph(g: Tensor, p: Tensor, t: Tensor, edge: GraphNode): Tensor {
  const [n, c] = p.shape as [number, number];
  const logits = onEdge(p.log(), edge);
  const onehot = new Float32Array(n * c);
  const labels = t.toArray();
  for (let i = 0; i < n; i++) onehot[i * c + labels[i]!] = 1;
  return logits.softmax(1).sub(tensor(onehot).reshape(n, c)).mul(g.unsqueeze(1));
}

/**
 * Negative log-likelihood of log-probabilities [N, C] ([N, C, d1, ...], [C]) at int32 class indices
 * [N] ([N, d1, ...], 0-d): -w[t] input[t], 0 where t == ignoreIndex; 'mean' divides by the sum of w[t]
 * over the targets not ignored. Arguments: (input, target, weight, sizeAverage, ignoreIndex, reduce,
 * reduction) as PyTorch, or { weight, ignoreIndex, reduction }.
 */
export function nllLoss(input: Tensor, target: Tensor, ...args: NLLLossArgs): Tensor {
  const op = 'nllLoss';
  checkPair(input, target, op);
  const o = lossArgs<NLLLossOptions>(op, args, LOSS_POSITIONAL.nllLoss);
  const weight = optionalTensor(o.weight, op, 'weight', ['weight', 'ignoreIndex', 'reduction']);
  const ignoreIndex = checkIgnoreIndex(o.ignoreIndex, op);
  const reduction = checkReduction(o.reduction, op);
  const ct = classTargets(input, target, op, weight, ignoreIndex);
  const x = rowsOf(input, ct.c);
  const picked = x.gather(1, ct.t.unsqueeze(1));
  const rows = picked.squeeze(1);
  let loss = rows.neg();
  rows._releaseToGraph(); // a view: the storage goes back once both are released
  picked._releaseToGraph();
  if (x !== input) x._releaseToGraph();
  const weighed = weighRows(loss, ct);
  if (weighed !== loss) loss._releaseToGraph();
  loss = weighed;
  if (input.ndim !== 2 && reduction === 'none') loss = loss.reshape([...ct.outShape]);
  return reduce(loss, reduction, op, ct.denominator);
}

/**
 * Binary cross-entropy on logits, numerically stable for any |x|:
 * loss = weight * ((1 - y) x + l * softplus(-x)) with l = 1 + (posWeight - 1) y and
 * softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)). d/dx = (1 - y) - l * sigmoid(-x), d/dy = -x + (posWeight - 1) softplus(-x).
 * Arguments: (input, target, weight, sizeAverage, reduce, reduction, posWeight) as PyTorch, or
 * { weight, reduction, posWeight }.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, ...args: BCEWithLogitsArgs): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkPair(input, target, op);
  const o = lossArgs<BCEWithLogitsOptions>(op, args, LOSS_POSITIONAL.binaryCrossEntropyWithLogits);
  const keys = ['weight', 'reduction', 'posWeight'];
  const weight = optionalTensor(o.weight, op, 'weight', keys);
  const pw = optionalTensor(o.posWeight, op, 'posWeight', keys);
  const reduction = checkReduction(o.reduction, op);
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: target shape ${shapeStr(target.shape)} must be the same as input shape ${shapeStr(input.shape)}`);
  }
  for (const [name, t] of [['posWeight', pw], ['weight', weight]] as const) {
    if (t !== null && !broadcastsTo(t.shape, input.shape, op)) {
      throw new RangeError(`${op}: ${name} shape ${shapeStr(t.shape)} does not broadcast to input shape ${shapeStr(input.shape)}`);
    }
  }
  const y = target.dtype === 'float32' ? target : target.float();
  const elementwise = noGrad(() => {
    const x = input.detach();
    const yd = y.detach();
    const sp = x.neg().relu().add(x.abs().neg().exp().add(1).log()); // softplus(-x)
    const l = pw === null ? null : yd.mul(pw.detach().sub(1)).add(1);
    return yd.neg().add(1).mul(x).add(l === null ? sp : l.mul(sp));
  });
  const saved = pw === null ? [input, y] : [input, y, pw];
  let loss = record(elementwise, 'BinaryCrossEntropyWithLogitsBackward0', [input, y], saved, (g, [x, yy, w], needs) => {
    const l = w === undefined ? null : yy!.mul(w.sub(1)).add(1);
    const sigNeg = x!.neg().sigmoid();
    const gx = needs[0] ? g.mul(yy!.neg().add(1).sub(l === null ? sigNeg : l.mul(sigNeg))) : null;
    let gy: Tensor | null = null;
    if (needs[1]) {
      const negx = x!.neg();
      gy = w === undefined ? g.mul(negx) : g.mul(negx.add(w.sub(1).mul(negx.relu().add(x!.abs().neg().exp().add(1).log()))));
    }
    return [gx, gy];
  });
  if (weight !== null) {
    const weighed = loss.mul(weight.detach());
    loss._releaseToGraph();
    loss = weighed;
  }
  return reduce(loss, reduction, op);
}
