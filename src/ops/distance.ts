/**
 * Distances and vector normalisation (PyTorch's F.normalize, F.cosine_similarity, F.pairwise_distance) and
 * the index-based helpers F.one_hot and F.embedding_bag, composed from tensor ops so the graph provides
 * the gradients.
 */
import { noGrad } from '../autograd/mode.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { positionalOptions } from '../options.js';
import { heap } from '../backends/memory.js';
import { rawContiguous } from './copy.js';
import { clamp } from './unary.js';
import { norm } from './reduce-more.js';
import { where } from './binary.js';
import { indexAdd } from './indexing-more.js';
import { describeValue, type PositionalOr } from './loss.js';
import { checkBool } from './dropout.js';
import { embeddingConfig, embeddingWith, type EmbeddingOptions } from './embedding.js';
import { checkFloatInput, dimArg, numArg } from './activation-more.js';

export interface NormalizeOptions {
  /** The exponent of the norm; default 2. */
  p?: number;
  /** The dim normalised over; default 1. */
  dim?: number;
  /** Lower bound of the norm (avoids division by zero); default 1e-12. */
  eps?: number;
  /** PyTorch's out= is not supported (throws). */
  out?: null;
}

/**
 * PyTorch's F.normalize: x / max(||x||_p over dim, eps), the norm kept as a dim of size 1 and broadcast.
 * Arguments after the input as PyTorch: (p = 2, dim = 1, eps = 1e-12), and/or { p, dim, eps }.
 * @example normalize(x, 2, -1)
 */
export function normalize(x: Tensor, ...args: PositionalOr<[p: number, dim: number, eps: number], NormalizeOptions>): Tensor {
  const op = 'normalize';
  checkFloatInput(x, op);
  const o = positionalOptions<NormalizeOptions>(op, args, ['p', 'dim', 'eps'], ['out']);
  if (o.out != null) throw new TypeError(`${op}: out= is not supported; use the returned tensor`);
  const p = numArg(o.p, 2, op, 'p');
  const eps = numArg(o.eps, 1e-12, op, 'eps');
  const dim = dimArg(o.dim ?? 1, x.ndim, op);
  const n = x.ndim === 0 ? norm(x, p) : norm(x, p, dim, true);
  return x.div(clamp(n, eps).expandAs(x));
}

function checkPair(x1: unknown, x2: unknown, op: string): [Tensor, Tensor, number[]] {
  checkFloatInput(x1, op);
  if (!(x2 instanceof Tensor)) throw new TypeError(`${op}: x2 must be a Tensor, got ${describeValue(x2)}`);
  if (x2.dtype !== 'float32') throw new TypeError(`${op}: x2 must be a float32 tensor, got dtype ${x2.dtype}`);
  let shape: number[];
  try {
    shape = broadcastShapes(x1.shape, x2.shape, op);
  } catch {
    throw new RangeError(`${op}: the shapes of x1 ${shapeStr(x1.shape)} and x2 ${shapeStr(x2.shape)} cannot be broadcast together`);
  }
  return [x1, x2, shape];
}

/** Sum of squares over `dim` (kept), clamped below at eps^2 in value only: the gradient is that of the sum (PyTorch clamps it under no_grad). */
function clampedSquaredNorm(a: Tensor, dim: number, eps: number): Tensor {
  const s = a.mul(a).sum(dim, true);
  const floor = eps * eps;
  const shift = noGrad(() => {
    const d = s.detach();
    return clamp(d, floor).sub(d);
  });
  return s.add(shift);
}

/**
 * PyTorch's F.cosine_similarity, as 1.13 computes it: x1 and x2 are broadcast to a common shape, then
 * sum over dim of (x1 / sqrt(max(sum x1^2, eps^2))) * (x2 / sqrt(max(sum x2^2, eps^2))); the clamp
 * changes the value only, as PyTorch (the gradient is that of the unclamped squared norm). Arguments
 * after (x1, x2) as PyTorch: (dim = 1, eps = 1e-8), and/or { dim, eps }.
 * @example cosineSimilarity(a, b, -1)
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, ...args: PositionalOr<[dim: number, eps: number], { dim?: number; eps?: number }>): Tensor {
  const op = 'cosineSimilarity';
  const [a0, b0, shape] = checkPair(x1, x2, op);
  const o = positionalOptions<{ dim: number; eps: number }>(op, args, ['dim', 'eps']);
  const eps = numArg(o.eps, 1e-8, op, 'eps');
  const dim = dimArg(o.dim ?? 1, shape.length, op);
  if (shape.length === 0) throw new RangeError(`${op}: expected inputs with at least 1 dim, got shapes ${shapeStr(a0.shape)} and ${shapeStr(b0.shape)}`);
  const a = sameShape(a0.shape, shape) ? a0 : a0.expand(shape);
  const b = sameShape(b0.shape, shape) ? b0 : b0.expand(shape);
  const na = clampedSquaredNorm(a, dim, eps).sqrt();
  const nb = clampedSquaredNorm(b, dim, eps).sqrt();
  return a.div(na).mul(b.div(nb)).sum(dim);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export interface PairwiseDistanceOptions {
  /** The norm's exponent; default 2. */
  p?: number;
  /** Added to the difference (avoids a zero norm); default 1e-6. */
  eps?: number;
  /** Keep the reduced last dim; default false. */
  keepdim?: boolean;
}

/**
 * PyTorch's F.pairwise_distance: ||x1 - x2 + eps||_p over the last dim of the broadcast shape.
 * Arguments after (x1, x2) as PyTorch: (p = 2, eps = 1e-6, keepdim = false), and/or { p, eps, keepdim }.
 * @example pairwiseDistance(a, b, 1)
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, ...args: PositionalOr<[p: number, eps: number, keepdim: boolean], PairwiseDistanceOptions>): Tensor {
  const op = 'pairwiseDistance';
  const [a, b, shape] = checkPair(x1, x2, op);
  const o = positionalOptions<PairwiseDistanceOptions>(op, args, ['p', 'eps', 'keepdim']);
  const p = numArg(o.p, 2, op, 'p');
  const eps = numArg(o.eps, 1e-6, op, 'eps');
  const keepdim = checkBool(o.keepdim, false, op, 'keepdim');
  const d = a.sub(b).add(eps);
  if (shape.length === 0) return norm(d, p);
  return norm(d, p, shape.length - 1, keepdim);
}

/** The int32 values of an index tensor. */
function intValues(t: Tensor): Int32Array {
  const c = t.isContiguous() ? t : rawContiguous(t);
  const vals = heap.i32.slice(c.ptr >>> 2, (c.ptr >>> 2) + c.numel());
  if (c !== t) c.dispose();
  return vals;
}

/**
 * PyTorch's F.one_hot: int32 [..., numClasses] with 1 at each index of the int32 input. numClasses = -1
 * (default) uses max(input) + 1. Negative classes, classes >= numClasses and -1 with an empty input throw.
 * @example oneHot(ints([0, 2]), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(input: Tensor, ...args: PositionalOr<[numClasses: number], { numClasses?: number }>): Tensor {
  const op = 'oneHot';
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${describeValue(input)}`);
  if (input.dtype !== 'int32') throw new TypeError(`${op}: only applicable to index tensors (int32), got dtype ${input.dtype}`);
  const nc: unknown = positionalOptions<{ numClasses: number }>(op, args, ['numClasses']).numClasses ?? -1;
  if (typeof nc !== 'number' || !Number.isInteger(nc) || nc < -1) throw new TypeError(`${op}: numClasses must be -1 or a non-negative integer, got ${describeValue(nc)}`);
  const vals = intValues(input);
  let c = nc;
  if (c === -1) {
    if (vals.length === 0) throw new RangeError(`${op}: cannot infer the number of classes from an empty tensor; give numClasses`);
    c = 0;
    for (const v of vals) c = Math.max(c, v + 1);
  }
  for (const v of vals) {
    if (v < 0) throw new RangeError(`${op}: class values must be non-negative, got ${v}`);
    if (v >= c) throw new RangeError(`${op}: class values must be smaller than numClasses (${c}), got ${v}`);
  }
  const out = new Int32Array(vals.length * c);
  vals.forEach((v, i) => (out[i * c + v] = 1));
  return tensor(out, { dtype: 'int32' }).reshape([...input.shape, c]);
}

export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

export interface EmbeddingBagOptions extends EmbeddingOptions {
  /** Start of each bag in 1-D input (int32, first 0, non-decreasing); must be null for 2-D input. */
  offsets?: Tensor | null;
  /** How each bag is reduced; default 'mean'. */
  mode?: EmbeddingBagMode;
  /** Weight of each input entry (same shape as the input), only with mode 'sum'. */
  perSampleWeights?: Tensor | null;
  /** offsets has one more entry, the end of the last bag; default false. */
  includeLastOffset?: boolean;
}

/** PyTorch's positional parameters of F.embedding_bag after (input, weight). */
export const EMBEDDING_BAG_POSITIONAL = [
  'offsets', 'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'perSampleWeights', 'includeLastOffset', 'paddingIdx',
] as const;

export type EmbeddingBagArgs = PositionalOr<
  [
    offsets: Tensor | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, mode: EmbeddingBagMode, sparse: boolean,
    perSampleWeights: Tensor | null, includeLastOffset: boolean, paddingIdx: number | null,
  ],
  EmbeddingBagOptions
>;

/**
 * PyTorch's F.embedding_bag: sums, means or maxes of bags of rows of `weight` [num, dim], without
 * materialising each row. 2-D input [B, N]: each row is a bag (offsets must be null); 1-D input with
 * int32 offsets: bag b is input[offsets[b] : offsets[b + 1]] (the last runs to the end, or, with
 * includeLastOffset, offsets has B + 1 entries). Entries equal to paddingIdx are left out (and not
 * counted by 'mean'); an empty bag gives zeros. perSampleWeights (mode 'sum' only) scales each entry.
 * maxNorm, normType and scaleGradByFreq act as in `embedding`; sparse: true throws (not supported).
 * Result [B, dim]. Arguments after (input, weight) as PyTorch's, and/or a trailing options object.
 * @example embeddingBag(ids, table, offsets, { mode: 'sum' })
 */
export function embeddingBag(input: Tensor, weight: Tensor, ...args: EmbeddingBagArgs): Tensor {
  const op = 'embeddingBag';
  const o = positionalOptions<EmbeddingBagOptions>(op, args, EMBEDDING_BAG_POSITIONAL);
  return embeddingBagWith(input, weight, o, op);
}

/** @internal embedding_bag with merged options (nn.EmbeddingBag's forward). */
export function embeddingBagWith(input: Tensor, weight: Tensor, o: Partial<EmbeddingBagOptions>, op: string): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${describeValue(input)}`);
  if (input.dtype !== 'int32') throw new TypeError(`${op}: input must be an int32 index tensor, got dtype ${input.dtype}`);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor, got ${describeValue(weight)}`);
  if (weight.ndim !== 2 || weight.dtype !== 'float32') throw new RangeError(`${op}: weight must be a 2-D float32 tensor [num, dim], got ${weight.dtype} of shape ${shapeStr(weight.shape)}`);
  const mode: unknown = o.mode ?? 'mean';
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') throw new RangeError(`${op}: mode must be 'sum', 'mean' or 'max', got ${describeValue(mode)}`);
  const [num, dimE] = weight.shape as [number, number];
  const cfg = embeddingConfig(o, num, op);
  const includeLast = checkBool(o.includeLastOffset, false, op, 'includeLastOffset');
  const offsets = o.offsets ?? null;
  if (offsets !== null && !(offsets instanceof Tensor)) throw new TypeError(`${op}: offsets must be a Tensor or null, got ${describeValue(offsets)}`);
  const psw = o.perSampleWeights ?? null;
  if (psw !== null && !(psw instanceof Tensor)) throw new TypeError(`${op}: perSampleWeights must be a Tensor or null, got ${describeValue(psw)}`);
  if (psw !== null) {
    if (mode !== 'sum') throw new RangeError(`${op}: perSampleWeights is only supported for mode 'sum' (got mode '${mode}'), as in PyTorch`);
    if (!sameShape(psw.shape, input.shape)) throw new RangeError(`${op}: perSampleWeights ${shapeStr(psw.shape)} must have the same shape as the input ${shapeStr(input.shape)}`);
  }
  const idx = intValues(input);
  const len = idx.length;
  // bag b covers flat positions [starts[b], ends[b])
  const starts: number[] = [], ends: number[] = [];
  if (input.ndim === 2) {
    if (offsets !== null) throw new TypeError(`${op}: offsets must be null for 2-D input (each row is a bag), got ${describeValue(offsets)}`);
    const [b, n] = input.shape as [number, number];
    for (let i = 0; i < b; i++) {
      starts.push(i * n);
      ends.push((i + 1) * n);
    }
  } else if (input.ndim === 1) {
    if (offsets === null) throw new TypeError(`${op}: offsets must be a 1-D int32 Tensor for 1-D input, got null`);
    if (offsets.ndim !== 1 || offsets.dtype !== 'int32') throw new TypeError(`${op}: offsets must be a 1-D int32 Tensor, got ${offsets.dtype} of shape ${shapeStr(offsets.shape)}`);
    const off = intValues(offsets);
    if (off.length > 0 && off[0] !== 0) throw new RangeError(`${op}: offsets[0] must be 0 (the first bag starts at position 0), got ${off[0]}`);
    for (let i = 1; i < off.length; i++) if (off[i]! < off[i - 1]!) throw new RangeError(`${op}: offsets must be non-decreasing, got ${off[i - 1]} then ${off[i]}`);
    if (off.length > 0 && off[off.length - 1]! > len) throw new RangeError(`${op}: offsets[-1] (${off[off.length - 1]}) cannot be greater than the input's length ${len}`);
    const nb = includeLast ? Math.max(off.length - 1, 0) : off.length;
    for (let i = 0; i < nb; i++) {
      starts.push(off[i]!);
      ends.push(i + 1 < off.length ? off[i + 1]! : len);
    }
  } else {
    throw new RangeError(`${op}: input must be 1-D (with offsets) or 2-D, got shape ${shapeStr(input.shape)}`);
  }
  for (const v of idx) if (v < 0 || v >= num) throw new RangeError(`${op}: index ${v} is out of range for ${num} embeddings`);
  const nBags = starts.length;
  const keep = (i: number) => cfg.paddingIdx === null || idx[i] !== cfg.paddingIdx;
  // the input positions that enter a bag (padding entries left out), with their bag and each bag's count
  const pos: number[] = [], bagOf: number[] = [];
  const counts = new Float32Array(nBags);
  for (let b = 0; b < nBags; b++) {
    for (let i = starts[b]!; i < ends[b]!; i++) {
      if (!keep(i)) continue;
      pos.push(i);
      bagOf.push(b);
      counts[b]!++;
    }
  }
  if (pos.length === 0) return zeros(nBags, dimE);
  // every row is looked up (so maxNorm renormalises the rows of the whole input, as PyTorch), then the kept ones picked
  let rows = embeddingWith(input.reshape(-1), weight, cfg); // [len, dim]
  if (psw !== null) rows = rows.mul(psw.reshape(-1, 1));
  if (pos.length !== len) rows = rows.indexSelect(0, tensor(Int32Array.from(pos), { dtype: 'int32' }));
  if (mode === 'max') {
    // per bag and column, the first entry holding the maximum (PyTorch's CPU rule: replaced only by a larger value)
    const vals = noGrad(() => rows.contiguous()).toArray();
    const arg = new Int32Array(nBags * dimE);
    const seen = new Uint8Array(nBags);
    for (let k = 0; k < pos.length; k++) {
      const b = bagOf[k]!;
      for (let d = 0; d < dimE; d++) {
        if (!seen[b] || vals[k * dimE + d]! > vals[arg[b * dimE + d]! * dimE + d]!) arg[b * dimE + d] = k;
      }
      seen[b] = 1;
    }
    const picked = rows.gather(0, tensor(arg, { dtype: 'int32' }).reshape(nBags, dimE));
    const empty = Array.from(counts, (c) => (c === 0 ? 1 : 0));
    return empty.some((e) => e === 1) ? where(tensor(Int32Array.from(empty), { dtype: 'int32' }).bool().reshape(nBags, 1), 0, picked) : picked;
  }
  const summed = indexAdd(zeros(nBags, dimE), 0, tensor(Int32Array.from(bagOf), { dtype: 'int32' }), rows);
  if (mode === 'sum') return summed;
  return summed.div(tensor(counts.map((c) => Math.max(c, 1))).reshape(nBags, 1));
}
