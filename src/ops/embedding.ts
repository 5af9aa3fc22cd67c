/** Embedding lookup (PyTorch's F.embedding): padding index, max-norm renormalisation, gradient scaling by frequency. */
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isTracing, traceAttrs } from '../onnx/trace.js';
import { noGrad } from '../autograd/mode.js';
import { tensor } from '../tensor/creation.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import { indexAdd } from './indexing.js';
import { rawContiguous } from './copy.js';
import { describeValue, type PositionalOr } from './loss.js';
import { checkBool } from './dropout.js';

export interface EmbeddingOptions {
  /** This row gets no gradient (and nn.Embedding initialises it to zeros); negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up whose normType-norm exceeds it are rescaled in the weight, in place, to this norm. */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm; default 2. */
  normType?: number;
  /** Scale each row's gradient by the inverse of its index's count in the input; default false. */
  scaleGradByFreq?: boolean;
  /** Sparse gradients: not supported (throws when true). */
  sparse?: boolean;
}

/** PyTorch's positional parameters after (input, weight) / (numEmbeddings, embeddingDim). */
export const EMBEDDING_POSITIONAL = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse'] as const;

/** PyTorch's positional parameters of embedding after (input, weight) / Embedding after (num, dim). */
export type EmbeddingArgs = PositionalOr<
  [paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean],
  EmbeddingOptions
>;

/** The checked options with paddingIdx made non-negative (null when none). */
export interface EmbeddingConfig {
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  sparse: boolean;
}

/** Checks embedding options for a table of `num` rows; paddingIdx in [-num, num) becomes non-negative. */
export function embeddingConfig(o: Partial<EmbeddingOptions>, num: number, op: string): EmbeddingConfig {
  let pad: number | null = null;
  if (o.paddingIdx != null) {
    const p = o.paddingIdx;
    if (typeof p !== 'number' || !Number.isInteger(p)) throw new TypeError(`${op}: paddingIdx must be an integer or null, got ${describeValue(p)}`);
    if (p >= num || p < -num) throw new RangeError(`${op}: paddingIdx must be within numEmbeddings (-${num} to ${num - 1}), got ${p}`);
    pad = p < 0 ? p + num : p;
  }
  const maxNorm = o.maxNorm ?? null;
  if (maxNorm !== null && (typeof maxNorm !== 'number' || Number.isNaN(maxNorm))) throw new TypeError(`${op}: maxNorm must be a number or null, got ${describeValue(maxNorm)}`);
  const normType = o.normType ?? 2;
  if (typeof normType !== 'number' || Number.isNaN(normType)) throw new TypeError(`${op}: normType must be a number, got ${describeValue(normType)}`);
  const scaleGradByFreq = checkBool(o.scaleGradByFreq, false, op, 'scaleGradByFreq');
  const sparse = checkBool(o.sparse, false, op, 'sparse');
  if (sparse) throw new RangeError(`${op}: sparse: true (sparse gradients) is not supported; gradients are dense`);
  return { paddingIdx: pad, maxNorm, normType, scaleGradByFreq, sparse };
}

/** The p-norm of `n` values read by `at`, as torch.norm (p = Infinity: max |v|, p = 0: count of non-zeros). */
function pNorm(n: number, at: (j: number) => number, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (let j = 0; j < n; j++) acc = Math.max(acc, Math.abs(at(j)));
    return acc;
  }
  if (p === -Infinity) {
    acc = Infinity;
    for (let j = 0; j < n; j++) acc = Math.min(acc, Math.abs(at(j)));
    return acc;
  }
  if (p === 0) {
    for (let j = 0; j < n; j++) if (at(j) !== 0) acc++;
    return acc;
  }
  for (let j = 0; j < n; j++) acc += Math.abs(at(j)) ** p;
  return acc ** (1 / p);
}

/**
 * PyTorch's embedding_renorm_: each distinct row of `weight` looked up by `indices` whose p-norm exceeds
 * maxNorm is multiplied, in place and without recording, by maxNorm / (norm + 1e-7).
 */
function renorm(weight: Tensor, indices: Int32Array, maxNorm: number, p: number): void {
  const [, dim] = weight.shape as [number, number];
  const base = weight.ptr >>> 2;
  const [s0, s1] = weight.strides as [number, number];
  const seen = new Set<number>();
  noGrad(() => {
    for (const i of indices) {
      if (seen.has(i)) continue;
      seen.add(i);
      const norm = pNorm(dim, (j) => heap.f32[base + i * s0 + j * s1]!, p);
      if (norm > maxNorm) {
        const row = weight.select(0, i);
        row.mul_(maxNorm / (norm + 1e-7));
        row.dispose();
      }
    }
  });
}

/** The int32 values of `indices`, checked against the table's `num` rows. */
function indexValues(indices: Tensor, num: number, op: string): Int32Array {
  const t = indices.isContiguous() ? indices : rawContiguous(indices);
  const n = t.numel();
  const vals = heap.i32.slice(t.ptr >>> 2, (t.ptr >>> 2) + n);
  if (t !== indices) t.dispose();
  for (const v of vals) if (v < 0 || v >= num) throw new RangeError(`${op}: index ${v} is out of range for ${num} embeddings`);
  return vals;
}

/**
 * Rows of `weight` [num, dim] picked by int32 `input` of any shape: the result is [...input.shape, dim].
 * The gradient scatters back into the picked rows (accumulating repeats), except into row paddingIdx;
 * with scaleGradByFreq each contribution is divided by its index's count in `input`. With maxNorm the
 * looked-up rows are first renormalised in the weight itself (in place, not recorded), as PyTorch.
 * Arguments as PyTorch's F.embedding: (input, weight, paddingIdx, maxNorm, normType = 2,
 * scaleGradByFreq = false, sparse = false), and/or a trailing options object with those keys.
 * @example embedding(tokens, table, { paddingIdx: 0 })
 */
export function embedding(input: Tensor, weight: Tensor, ...args: EmbeddingArgs): Tensor {
  checkOperands(input, weight);
  const cfg = args.length === 0 ? null : embeddingConfig(positionalOptions<EmbeddingOptions>('embedding', args, EMBEDDING_POSITIONAL), weight.shape[0]!, 'embedding');
  return embeddingWith(input, weight, cfg);
}

function checkOperands(input: Tensor, weight: Tensor): void {
  if (!(input instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError('embedding: indices and weight must be Tensors');
  if (input.dtype !== 'int32') throw new TypeError(`embedding: indices must be int32, got ${input.dtype}`);
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be 2-D [num, dim], got shape ${shapeStr(weight.shape)}`);
}

/** @internal embedding with checked options (null: none). */
export function embeddingWith(input: Tensor, weight: Tensor, cfg: EmbeddingConfig | null): Tensor {
  checkOperands(input, weight);
  const [num, dim] = weight.shape as [number, number];
  const outShape = [...input.shape, dim];
  if (cfg === null || (cfg.paddingIdx === null && cfg.maxNorm === null && !cfg.scaleGradByFreq)) {
    return weight.indexSelect(0, input.reshape(-1)).reshape(outShape);
  }
  const vals = indexValues(input, num, 'embedding');
  if (cfg.maxNorm !== null) renorm(weight, vals, cfg.maxNorm, cfg.normType);
  const idx = tensor(vals, { dtype: 'int32' });
  const out = noGrad(() => weight.indexSelect(0, idx));
  if (isTracing()) traceAttrs(out, { dim: 0, index: input });
  if (cfg.paddingIdx === null && !cfg.scaleGradByFreq) return record(out, 'EmbeddingBackward0', [weight], [idx], (g, [i]) => [indexAdd(g, 0, i!, [num, dim])]).reshape(outShape);
  const counts = new Map<number, number>();
  if (cfg.scaleGradByFreq) for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
  const scale = new Float32Array(vals.length);
  for (let k = 0; k < vals.length; k++) {
    const v = vals[k]!;
    scale[k] = v === cfg.paddingIdx ? 0 : cfg.scaleGradByFreq ? 1 / counts.get(v)! : 1;
  }
  const s = tensor(scale).reshape(vals.length, 1);
  const shape = [num, dim];
  return record(out, 'EmbeddingBackward0', [weight], [idx, s], (g, [i, sc]) => [indexAdd(g.mul(sc!), 0, i!, shape)]).reshape(outShape);
}
