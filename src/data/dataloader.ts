/**
 * DataLoader: iterates a dataset in batches, like PyTorch's `DataLoader` (single process).
 *
 * For a TensorDataset (or Subsets of one) a batch is gathered straight from the dataset's contiguous
 * storage into one new tensor per field by the `index_select_f32` kernel, using one int32 index tensor
 * of row ids that is reused for every batch: no per-sample tensor objects. Other datasets are collated
 * with `stack`, sample by sample.
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { stack } from '../ops/indexing.js';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { checkDataset, resolveTensorDataset, type Dataset, type TensorDataset } from './dataset.js';
import { globalSource, randperm, SeededSource, type RandomSource } from './random.js';
import { checkOptions } from '../options.js';

/** The batch made from samples of type S: the same structure with every tensor gaining a leading batch dim. */
export type Batch<S> = S extends Tensor ? Tensor : { -readonly [K in keyof S]: Tensor };

export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Visit the samples in a new random order every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * Seeds the loader's own generator: the sequence of epoch orders is then fixed by the seed alone.
   * Without it, each epoch's order is drawn from the library's generator (reproducible with manualSeed).
   */
  seed?: number;
}

/**
 * Batches of a dataset; each `for...of` is one epoch (reshuffled when `shuffle`).
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... }
 */
export class DataLoader<S = Tensor[]> implements Iterable<Batch<S>> {
  readonly dataset: Dataset<S>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly rng: RandomSource;

  constructor(dataset: Dataset<S>, options: DataLoaderOptions = {}) {
    checkDataset(dataset, 'DataLoader');
    const { batchSize = 1, shuffle = false, dropLast = false, seed } = checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'dropLast', 'seed']);
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = !!shuffle;
    this.dropLast = !!dropLast;
    this.rng = seed === undefined ? globalSource : new SeededSource(seed, 'DataLoader');
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Starts an epoch: the order is drawn now (not at the first batch). */
  [Symbol.iterator](): Generator<Batch<S>, void, undefined> {
    const n = this.dataset.length;
    const order = this.shuffle ? randperm(n, this.rng) : null;
    const fast = resolveTensorDataset(this.dataset as Dataset<unknown>);
    if (fast !== null) {
      // Row ids of the base TensorDataset, in visiting order.
      let rows: Int32Array;
      if (order === null) {
        rows = fast.rows ?? identity(n);
      } else if (fast.rows === null) {
        rows = order;
      } else {
        rows = new Int32Array(n);
        for (let i = 0; i < n; i++) rows[i] = fast.rows[order[i]!]!;
      }
      return this.gatherBatches(fast.base, rows) as Generator<Batch<S>, void, undefined>;
    }
    return this.collateBatches(order ?? identity(n));
  }

  private *gatherBatches(base: TensorDataset, rows: Int32Array): Generator<Tensor[], void, undefined> {
    const nb = this.length;
    if (nb === 0) return;
    const bs = this.batchSize;
    const sources = base._sources;
    const rowShapes = sources.map((s) => s.shape.slice(1));
    const rowNumel = rowShapes.map((s) => s.reduce((a, b) => a * b, 1));
    const idx = Tensor.empty([Math.min(bs, rows.length)], 'int32');
    try {
      for (let b = 0; b < nb; b++) {
        const start = b * bs;
        const m = Math.min(bs, rows.length - start);
        // The sources keep the storage alive, so a disposed dataset tensor would still read: refuse it.
        base.tensors.forEach((t, j) => {
          if (t.isDisposed) throw new Error(`DataLoader: tensor ${j} of the dataset (shape ${shapeStr(t.shape)}) was disposed`);
        });
        const outs = sources.map((s, j) => Tensor.empty([m, ...rowShapes[j]!], s.dtype));
        // Allocation may have grown the memory: read heap.i32 only now.
        heap.i32.set(rows.subarray(start, start + m), idx.ptr >>> 2);
        const k = kernels();
        for (let j = 0; j < sources.length; j++) {
          const src = sources[j]!;
          if (m * rowNumel[j]! > 0) k.index_select_f32(src.ptr, idx.ptr, outs[j]!.ptr, 1, src.shape[0]!, m, rowNumel[j]!);
        }
        yield outs;
      }
    } finally {
      idx.dispose();
    }
  }

  private *collateBatches(order: Int32Array): Generator<Batch<S>, void, undefined> {
    const nb = this.length;
    const bs = this.batchSize;
    for (let b = 0; b < nb; b++) {
      const start = b * bs;
      const end = Math.min(start + bs, order.length);
      const samples: unknown[] = [];
      for (let i = start; i < end; i++) samples.push(this.dataset.get(order[i]!));
      yield collate(samples, order.subarray(start, end)) as Batch<S>;
    }
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof Tensor) return `a Tensor of shape ${shapeStr(v.shape)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function stackField(values: unknown[], ids: Int32Array, field: string): Tensor {
  values.forEach((v, i) => {
    if (!(v instanceof Tensor)) {
      throw new TypeError(`DataLoader: sample ${ids[i]}${field} is ${describe(v)}; samples must be Tensors, arrays of Tensors or objects of Tensors`);
    }
  });
  const ts = values as Tensor[];
  const first = ts[0]!;
  for (let i = 1; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.dtype !== first.dtype || t.ndim !== first.ndim || t.shape.some((s, d) => s !== first.shape[d])) {
      throw new RangeError(
        `DataLoader: cannot batch sample ${ids[i]}${field} (${t.dtype} ${shapeStr(t.shape)}) with sample ${ids[0]}${field} ` +
          `(${first.dtype} ${shapeStr(first.shape)}): every sample needs the same shape and dtype`,
      );
    }
  }
  return stack(ts, 0);
}

/** Collates samples (all of one structure) into a batch with `stack`. */
function collate(samples: unknown[], ids: Int32Array): Tensor | Tensor[] | Record<string, Tensor> {
  const first = samples[0];
  if (first instanceof Tensor) return stackField(samples, ids, '');
  if (Array.isArray(first)) {
    const width = first.length;
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== width) {
        throw new TypeError(`DataLoader: sample ${ids[i]} is ${describe(s)} but sample ${ids[0]} is an array of length ${width}`);
      }
    });
    const out: Tensor[] = [];
    for (let f = 0; f < width; f++) out.push(stackField(samples.map((s) => (s as unknown[])[f]), ids, `[${f}]`));
    return out;
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    samples.forEach((s, i) => {
      const ks = s !== null && typeof s === 'object' ? Object.keys(s) : null;
      if (ks === null || Array.isArray(s) || ks.length !== keys.length || keys.some((k) => !Object.hasOwn(s as object, k))) {
        throw new TypeError(`DataLoader: sample ${ids[i]} does not have the keys of sample ${ids[0]} (${keys.join(', ')})`);
      }
    });
    const out: Record<string, Tensor> = {};
    for (const k of keys) {
      Object.defineProperty(out, k, {
        value: stackField(samples.map((s) => (s as Record<string, unknown>)[k]), ids, `.${k}`),
        enumerable: true, writable: true, configurable: true,
      });
    }
    return out;
  }
  throw new TypeError(`DataLoader: sample ${ids[0]} is ${describe(first)}; samples must be Tensors, arrays of Tensors or objects of Tensors`);
}
