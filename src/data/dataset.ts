/**
 * Datasets: anything with a `length` and `get(i)`. `TensorDataset` wraps tensors that share their first
 * dimension; `Subset` picks some indices of another dataset; `randomSplit` cuts a dataset into random,
 * non-overlapping subsets.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { globalSource, randperm, SeededSource } from './random.js';
import { checkOptions } from '../options.js';

/** A sample: one tensor, an array (tuple) of tensors, or an object of tensors. */
export type Sample = Tensor | readonly Tensor[] | { readonly [key: string]: Tensor };

/**
 * A map-style dataset, like PyTorch's `Dataset`: `length` samples, read by index. Samples are usually
 * arrays of tensors (the default type), or single tensors, or objects of tensors.
 */
export interface Dataset<S = Tensor[]> {
  readonly length: number;
  get(index: number): S;
}

function checkIndex(index: number, length: number, op: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  }
}

/**
 * Tensors that share their first dimension; sample `i` is the array of their i-th rows.
 * @example
 * const ds = new TensorDataset(images, labels); // images [N, 784], labels [N] int32
 * const [x, y] = ds.get(0);                    // x [784], y []
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  /** The tensors, as given. */
  readonly tensors: Readonly<T>;
  readonly length: number;
  /** @internal contiguous, detached copies-or-selves of `tensors`, which DataLoader gathers batches from. */
  readonly _sources: readonly Tensor[];

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new TypeError('TensorDataset: expects at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first (sample) dimension`);
      if (t.isDisposed) throw new Error(`TensorDataset: tensor ${i} (shape ${shapeStr(t.shape)}) was disposed`);
    });
    const n = tensors[0]!.shape[0]!;
    if (tensors.some((t) => t.shape[0] !== n)) {
      throw new RangeError(
        `TensorDataset: size mismatch between tensors: first dimensions differ (shapes ${tensors.map((t) => shapeStr(t.shape)).join(', ')})`,
      );
    }
    this.tensors = tensors;
    this.length = n;
    // A contiguous tensor is used in place (batches see later in-place writes, as in PyTorch); a
    // non-contiguous one is copied once here.
    this._sources = tensors.map((t) => (t.isContiguous() ? t.detach() : t.detach().contiguous()));
  }

  /** The i-th row of every tensor (views). */
  get(index: number): T {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, index)) as T;
  }
}

/** The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`). */
export class Subset<S = Tensor[]> implements Dataset<S> {
  readonly dataset: Dataset<S>;
  readonly indices: Int32Array;

  constructor(dataset: Dataset<S>, indices: ArrayLike<number>) {
    checkDataset(dataset, 'Subset');
    const n = dataset.length;
    const idx = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw new RangeError(`Subset: index ${v} (position ${i}) is out of range for a dataset of length ${n}`);
      }
      idx[i] = v;
    }
    this.dataset = dataset;
    this.indices = idx;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): S {
    checkIndex(index, this.indices.length, 'Subset.get');
    return this.dataset.get(this.indices[index]!);
  }
}

/** @internal throws unless `d` looks like a dataset. */
export function checkDataset(d: unknown, op: string): void {
  const ds = d as Partial<Dataset<unknown>> | null;
  if (ds === null || typeof ds !== 'object' || typeof ds.get !== 'function') {
    throw new TypeError(`${op}: expects a dataset (an object with \`length\` and \`get(i)\`), got ${ds === null ? 'null' : typeof ds}`);
  }
  const n = ds.length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new TypeError(`${op}: dataset.length must be a non-negative integer, got ${String(n)}`);
  }
}

/**
 * @internal If `dataset` is a TensorDataset or (nested) Subsets of one, the TensorDataset and the map
 * from this dataset's indices to its rows (null = identity); otherwise null.
 */
export function resolveTensorDataset(dataset: Dataset<unknown>): { base: TensorDataset; rows: Int32Array | null } | null {
  if (dataset instanceof TensorDataset) return { base: dataset, rows: null };
  if (dataset instanceof Subset) {
    const inner = resolveTensorDataset(dataset.dataset as Dataset<unknown>);
    if (inner === null) return null;
    if (inner.rows === null) return { base: inner.base, rows: dataset.indices };
    const rows = new Int32Array(dataset.indices.length);
    for (let i = 0; i < rows.length; i++) rows[i] = inner.rows[dataset.indices[i]!]!;
    return { base: inner.base, rows };
  }
  return null;
}

export interface RandomSplitOptions {
  /** Seeds a private generator (reproducible regardless of other draws); default: the library's generator. */
  seed?: number;
}

/**
 * Splits a dataset into non-overlapping random subsets (PyTorch's `random_split`). `lengths` are either
 * sizes that sum to `dataset.length`, or fractions that sum to 1: each subset gets floor(n × fraction)
 * and the remainder is handed out one by one, round robin from the first subset.
 * @example const [train, test] = randomSplit(ds, [0.8, 0.2], { seed: 0 });
 */
export function randomSplit<S>(dataset: Dataset<S>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<S>[] {
  checkDataset(dataset, 'randomSplit');
  if (!Array.isArray(lengths) || lengths.length === 0) throw new TypeError('randomSplit: lengths must be a non-empty array');
  if (lengths.some((l) => typeof l !== 'number' || !Number.isFinite(l) || l < 0)) {
    throw new RangeError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[];
  if (lengths.every(Number.isInteger) && total === n) {
    sizes = [...lengths];
  } else if (Math.abs(total - 1) <= 1e-9 && lengths.every((l) => l <= 1)) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < rest; i++) sizes[i % sizes.length]! += 1;
  } else {
    throw new RangeError(
      `randomSplit: lengths [${lengths.join(', ')}] must be integers summing to the dataset length ${n} or fractions summing to 1`,
    );
  }
  checkOptions('randomSplit', options, ['seed']);
  const rng = options.seed === undefined ? globalSource : new SeededSource(options.seed, 'randomSplit');
  const perm = randperm(n, rng);
  const out: Subset<S>[] = [];
  let start = 0;
  for (const size of sizes) {
    out.push(new Subset(dataset, perm.subarray(start, start + size)));
    start += size;
  }
  return out;
}
