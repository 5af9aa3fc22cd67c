/**
 * data: TensorDataset, Subset, DataLoader (fast gather path and generic collation), randomSplit.
 */
import { describe, expect, it, vi } from 'vitest';
import { arange, data, manualSeed, rand, stack, tensor, Tensor, zeros } from '../src/index.js';

const { TensorDataset, DataLoader, Subset, randomSplit } = data;

/** x row i = [i, 1000 + i, 2000 + i] (float32), y[i] = i (int32). */
function makeDataset(n: number) {
  const x = arange(n, { dtype: 'float32' }).unsqueeze(1).add(tensor([0, 1000, 2000], { dtype: 'float32' }));
  const y = arange(n, { dtype: 'int32' });
  return { x, y, ds: new TensorDataset(x, y) };
}

/** Sample ids of one epoch, checking that x and y rows agree; also returns the batch sizes. */
function epoch(loader: Iterable<Tensor[]>): { ids: number[]; sizes: number[] } {
  const ids: number[] = [];
  const sizes: number[] = [];
  for (const batch of loader) {
    const [xb, yb] = batch as [Tensor, Tensor];
    const yl = yb.tolist() as number[];
    const xl = xb.tolist() as number[][];
    expect(xb.dtype).toBe('float32');
    expect(yb.dtype).toBe('int32');
    expect(xb.shape).toEqual([yl.length, 3]);
    expect(yb.shape).toEqual([yl.length]);
    yl.forEach((id, r) => expect(xl[r]).toEqual([id, 1000 + id, 2000 + id]));
    ids.push(...yl);
    sizes.push(yl.length);
  }
  return { ids, sizes };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: number[]) => [...a].sort((p, q) => p - q);

describe('TensorDataset', () => {
  it('has the first dim as length and returns the i-th rows', () => {
    const { x, y, ds } = makeDataset(5);
    expect(ds.length).toBe(5);
    const [xi, yi] = ds.get(3);
    expect(xi.tolist()).toEqual([3, 1003, 2003]);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(3);
    expect(yi.dtype).toBe('int32');
    expect(ds.tensors[0]).toBe(x);
    expect(ds.tensors[1]).toBe(y);
  });

  it('rejects mismatched first dims, 0-d tensors, no tensors and bad indices', () => {
    expect(() => new TensorDataset(zeros(3, 2), zeros(4))).toThrow(/size mismatch.*\[3, 2\], \[4\]/);
    expect(() => new TensorDataset(zeros(3), tensor(1))).toThrow(/0-d/);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
    expect(() => new TensorDataset(zeros(3), [1, 2, 3] as unknown as Tensor)).toThrow(/not a Tensor/);
    const ds = new TensorDataset(zeros(3));
    expect(() => ds.get(3)).toThrow(/index 3 is out of range for a dataset of length 3/);
    expect(() => ds.get(-1)).toThrow(/out of range/);
    expect(() => ds.get(1.5)).toThrow(/out of range/);
  });
});

describe('DataLoader over a TensorDataset', () => {
  it('without shuffle yields the samples in order, in batches, with the last one partial', () => {
    const { ds } = makeDataset(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const { ids, sizes } = epoch(loader);
    expect(ids).toEqual(range(10));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('defaults to batchSize 1', () => {
    const { ds } = makeDataset(3);
    const loader = new DataLoader(ds);
    expect(loader.length).toBe(3);
    const { ids, sizes } = epoch(loader);
    expect(ids).toEqual([0, 1, 2]);
    expect(sizes).toEqual([1, 1, 1]);
  });

  it('dropLast drops the partial batch (and only it)', () => {
    const { ds } = makeDataset(10);
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    const { ids, sizes } = epoch(loader);
    expect(ids).toEqual(range(8));
    expect(sizes).toEqual([4, 4]);
    const exact = new DataLoader(makeDataset(8).ds, { batchSize: 4, dropLast: true });
    expect(exact.length).toBe(2);
    expect(epoch(exact).ids).toEqual(range(8));
    const tooBig = new DataLoader(makeDataset(3).ds, { batchSize: 4, dropLast: true });
    expect(tooBig.length).toBe(0);
    expect(epoch(tooBig).ids).toEqual([]);
  });

  it('with shuffle covers every sample exactly once per epoch, in a new order each epoch', () => {
    const { ds } = makeDataset(37);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 });
    const orders: number[][] = [];
    for (let e = 0; e < 4; e++) {
      const { ids, sizes } = epoch(loader);
      expect(sorted(ids)).toEqual(range(37));
      expect(sizes).toEqual([8, 8, 8, 8, 5]);
      orders.push(ids);
    }
    expect(orders[0]).not.toEqual(range(37));
    for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) expect(orders[a]).not.toEqual(orders[b]);
  });

  it('with shuffle and dropLast yields distinct samples and full batches only', () => {
    const { ds } = makeDataset(37);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, dropLast: true, seed: 1 });
    const seen = new Set<number>();
    for (let e = 0; e < 3; e++) {
      const { ids, sizes } = epoch(loader);
      expect(sizes).toEqual([8, 8, 8, 8]);
      expect(new Set(ids).size).toBe(32);
      ids.forEach((i) => seen.add(i));
    }
    // Different epochs drop different samples.
    expect(seen.size).toBeGreaterThan(32);
  });

  it('a seed makes the sequence of epochs reproducible, independently of the global generator', () => {
    const { ds } = makeDataset(50);
    const a = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 42 });
    const c = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 43 });
    manualSeed(1);
    const a1 = epoch(a).ids;
    const a2 = epoch(a).ids;
    manualSeed(999);
    rand(10); // other draws from the global generator must not matter
    const b1 = epoch(b).ids;
    rand(3);
    const b2 = epoch(b).ids;
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(epoch(c).ids).not.toEqual(a1);
  });

  it('a seeded loader does not consume the global generator', () => {
    const { ds } = makeDataset(20);
    manualSeed(7);
    const expected = rand(4).tolist();
    manualSeed(7);
    epoch(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 0 }));
    expect(rand(4).tolist()).toEqual(expected);
  });

  it('without a seed, manualSeed makes the shuffles reproducible', () => {
    const { ds } = makeDataset(50);
    manualSeed(123);
    const l1 = new DataLoader(ds, { batchSize: 5, shuffle: true });
    const e1 = [epoch(l1).ids, epoch(l1).ids];
    manualSeed(123);
    const l2 = new DataLoader(ds, { batchSize: 5, shuffle: true });
    const e2 = [epoch(l2).ids, epoch(l2).ids];
    expect(e2).toEqual(e1);
    expect(e1[0]).not.toEqual(e1[1]);
    manualSeed(124);
    expect(epoch(new DataLoader(ds, { batchSize: 5, shuffle: true })).ids).not.toEqual(e1[0]);
  });

  it('draws the order when the epoch starts', () => {
    const { ds } = makeDataset(30);
    manualSeed(5);
    const l1 = new DataLoader(ds, { batchSize: 30, shuffle: true });
    const ids1 = epoch(l1).ids;
    manualSeed(5);
    const it2 = new DataLoader(ds, { batchSize: 30, shuffle: true })[Symbol.iterator]();
    rand(5); // drawn after the epoch started: must not change its order
    const [, yb] = it2.next().value as Tensor[];
    expect(yb!.tolist()).toEqual(ids1);
  });

  it('gathers batches without per-sample tensors (get is never called)', () => {
    const { ds } = makeDataset(12);
    const spy = vi.spyOn(ds, 'get');
    const sub = new Subset(ds, [3, 1, 4, 11]);
    const subSpy = vi.spyOn(sub, 'get');
    epoch(new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 0 }));
    expect(epoch(new DataLoader(sub, { batchSize: 3 })).ids).toEqual([3, 1, 4, 11]);
    expect(spy).not.toHaveBeenCalled();
    expect(subSpy).not.toHaveBeenCalled();
  });

  it('keeps dtypes (int32 labels, bool masks) and multi-dim rows', () => {
    const n = 6;
    const img = arange(n * 2 * 3).reshape(n, 2, 3);
    const lab = arange(n, { dtype: 'int32' }).mul(-3);
    const mask = tensor(Array.from({ length: n }, (_, i) => i % 3 === 0));
    const loader = new DataLoader(new TensorDataset(img, lab, mask), { batchSize: 4 });
    const batches = [...loader];
    expect(batches.length).toBe(2);
    const [xb, yb, mb] = batches[1]!;
    expect(xb!.shape).toEqual([2, 2, 3]);
    expect(xb!.tolist()).toEqual([[[24, 25, 26], [27, 28, 29]], [[30, 31, 32], [33, 34, 35]]]);
    expect(yb!.dtype).toBe('int32');
    expect(yb!.tolist()).toEqual([-12, -15]);
    expect(mb!.dtype).toBe('bool');
    expect(mb!.tolist()).toEqual([false, false]);
    expect(batches[0]![2]!.tolist()).toEqual([true, false, false, true]);
    expect(batches[0]![0]!.isContiguous()).toBe(true);
    expect(batches[0]![0]!.requiresGrad).toBe(false);
  });

  it('reads non-contiguous and offset tensors correctly', () => {
    const base = arange(24).reshape(4, 6);
    const xt = base.t(); // [6, 4], non-contiguous
    const xn = arange(40).reshape(10, 4).narrow(0, 4, 6); // contiguous with an offset
    const loader = new DataLoader(new TensorDataset(xt, xn), { batchSize: 4, shuffle: true, seed: 9 });
    const rowsT = xt.tolist() as number[][];
    const rowsN = xn.tolist() as number[][];
    let count = 0;
    for (const [a, b] of loader) {
      const al = a!.tolist() as number[][];
      const bl = b!.tolist() as number[][];
      al.forEach((row, r) => {
        const i = rowsT.findIndex((q) => q[0] === row[0]);
        expect(row).toEqual(rowsT[i]);
        expect(bl[r]).toEqual(rowsN[i]);
        count++;
      });
    }
    expect(count).toBe(6);
  });

  it('handles rows with no elements and an empty dataset', () => {
    const loader = new DataLoader(new TensorDataset(zeros(5, 0), arange(5, { dtype: 'int32' })), { batchSize: 2 });
    const shapes = [...loader].map(([a, b]) => [a!.shape, b!.tolist()]);
    expect(shapes).toEqual([[[2, 0], [0, 1]], [[2, 0], [2, 3]], [[1, 0], [4]]]);
    const empty = new DataLoader(new TensorDataset(zeros(0, 3)), { batchSize: 2, shuffle: true });
    expect(empty.length).toBe(0);
    expect([...empty]).toEqual([]);
  });

  it('can be left early and iterated again', () => {
    const { ds } = makeDataset(20);
    const loader = new DataLoader(ds, { batchSize: 3 });
    for (const [, yb] of loader) {
      expect(yb!.tolist()).toEqual([0, 1, 2]);
      break;
    }
    expect(epoch(loader).ids).toEqual(range(20));
  });

  it('batches reflect in-place writes to a contiguous dataset tensor (shared storage, like PyTorch)', () => {
    const x = zeros(4, 2);
    const loader = new DataLoader(new TensorDataset(x), { batchSize: 4 });
    x.fill_(7);
    const [[xb]] = [...loader];
    expect(xb!.tolist()).toEqual([[7, 7], [7, 7], [7, 7], [7, 7]]);
  });

  it('validates its options', () => {
    const { ds } = makeDataset(4);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => new DataLoader(ds, { seed: NaN })).toThrow(/seed must be a finite number/);
    expect(() => new DataLoader({} as unknown as data.Dataset)).toThrow(/expects a dataset/);
    expect(() => new DataLoader({ length: -1, get: () => zeros(1) })).toThrow(/length must be a non-negative integer/);
  });
});

describe('DataLoader over generic datasets', () => {
  /** get(i) returns [features [2], label 0-d int32]. */
  const pairs: data.Dataset<[Tensor, Tensor]> = {
    length: 7,
    get: (i) => [tensor([i, -i], { dtype: 'float32' }), tensor(i * 10, { dtype: 'int32' })],
  };

  it('collates arrays of tensors with stack', () => {
    const loader = new DataLoader(pairs, { batchSize: 3 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([x]) => x.shape)).toEqual([[3, 2], [3, 2], [1, 2]]);
    const [x0, y0] = batches[0]!;
    expect(x0.tolist()).toEqual([[0, -0], [1, -1], [2, -2]]);
    expect(y0.dtype).toBe('int32');
    expect(y0.tolist()).toEqual([0, 10, 20]);
    expect(batches[2]![1].tolist()).toEqual([60]);
  });

  it('collates single tensors and objects of tensors', () => {
    const single: data.Dataset<Tensor> = { length: 4, get: (i) => tensor([[i, i + 1]]) };
    const b = [...new DataLoader(single, { batchSize: 4 })][0]!;
    expect(b.shape).toEqual([4, 1, 2]);
    expect(b.tolist()).toEqual([[[0, 1]], [[1, 2]], [[2, 3]], [[3, 4]]]);
    const dicts: data.Dataset<{ image: Tensor; label: Tensor }> = {
      length: 5,
      get: (i) => ({ image: zeros(2, 2).add(i), label: tensor(i, { dtype: 'int32' }) }),
    };
    const batches = [...new DataLoader(dicts, { batchSize: 2, dropLast: true })];
    expect(batches.length).toBe(2);
    expect(Object.keys(batches[1]!)).toEqual(['image', 'label']);
    expect(batches[1]!.image.shape).toEqual([2, 2, 2]);
    expect(batches[1]!.label.tolist()).toEqual([2, 3]);
  });

  it('shuffles generic datasets too, covering each sample once', () => {
    const loader = new DataLoader(pairs, { batchSize: 2, shuffle: true, seed: 11 });
    for (let e = 0; e < 2; e++) {
      const ids: number[] = [];
      for (const [x, y] of loader) {
        const xl = x.tolist() as number[][];
        (y.tolist() as number[]).forEach((v, r) => {
          expect(xl[r]).toEqual([v / 10, -v / 10]);
          ids.push(v / 10);
        });
      }
      expect(sorted(ids)).toEqual(range(7));
    }
  });

  it('gives clear errors for samples it cannot batch', () => {
    const ragged: data.Dataset<Tensor> = { length: 3, get: (i) => zeros(i + 1) };
    expect(() => [...new DataLoader(ragged, { batchSize: 3 })]).toThrow(/cannot batch sample 1 \(float32 \[2\]\) with sample 0 \(float32 \[1\]\)/);
    const mixed: data.Dataset<Tensor> = { length: 2, get: (i) => (i === 0 ? zeros(2) : zeros(2, { dtype: 'int32' })) };
    expect(() => [...new DataLoader(mixed, { batchSize: 2 })]).toThrow(/same shape and dtype/);
    const numbers = { length: 2, get: (i: number) => i } as unknown as data.Dataset<Tensor>;
    expect(() => [...new DataLoader(numbers, { batchSize: 2 })]).toThrow(/sample 0 is number; samples must be Tensors/);
    const partial = { length: 2, get: (i: number) => [zeros(1), i] } as unknown as data.Dataset;
    expect(() => [...new DataLoader(partial, { batchSize: 2 })]).toThrow(/sample 0\[1\] is number/);
    const widths = { length: 2, get: (i: number) => (i === 0 ? [zeros(1)] : [zeros(1), zeros(1)]) } as data.Dataset;
    expect(() => [...new DataLoader(widths, { batchSize: 2 })]).toThrow(/sample 1 is an array of length 2 but sample 0 is an array of length 1/);
  });

  it('stack-collated batches equal the fast path', () => {
    const { x, y, ds } = makeDataset(9);
    const generic: data.Dataset<Tensor[]> = { length: 9, get: (i) => [x.select(0, i), y.select(0, i)] };
    const fast = [...new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 })];
    const slow = [...new DataLoader(generic, { batchSize: 4, shuffle: true, seed: 5 })];
    expect(slow.map((b) => b.map((t) => t.tolist()))).toEqual(fast.map((b) => b.map((t) => t.tolist())));
    expect(slow[0]![1]!.dtype).toBe('int32');
    expect(stack([x.select(0, 0)]).shape).toEqual([1, 3]);
  });
});

describe('Subset and randomSplit', () => {
  it('Subset maps indices and validates them', () => {
    const { ds } = makeDataset(6);
    const sub = new Subset(ds, [5, 0, 2]);
    expect(sub.length).toBe(3);
    expect(sub.get(0)[1].item()).toBe(5);
    expect(() => sub.get(3)).toThrow(/out of range/);
    expect(() => new Subset(ds, [6])).toThrow(/index 6 \(position 0\) is out of range for a dataset of length 6/);
    expect(() => new Subset(ds, [0.5])).toThrow(/out of range/);
    // Subset of a Subset of a TensorDataset still batches (through the fast path) correctly.
    const nested = new Subset(sub, [2, 1]);
    expect(epoch(new DataLoader(nested, { batchSize: 5 })).ids).toEqual([2, 0]);
    expect(epoch(new DataLoader(nested, { batchSize: 1, shuffle: true, seed: 0 })).ids.sort()).toEqual([0, 2]);
  });

  it('splits by lengths into disjoint subsets covering the dataset', () => {
    const { ds } = makeDataset(20);
    const parts = randomSplit(ds, [12, 5, 3], { seed: 0 });
    expect(parts.map((p) => p.length)).toEqual([12, 5, 3]);
    const all = parts.flatMap((p) => Array.from(p.indices));
    expect(sorted(all)).toEqual(range(20));
    expect(all).not.toEqual(range(20));
    // Each subset loads its own samples, through the DataLoader fast path.
    const ids = parts.map((p) => epoch(new DataLoader(p, { batchSize: 4, shuffle: true, seed: 1 })).ids);
    parts.forEach((p, k) => expect(sorted(ids[k]!)).toEqual(sorted(Array.from(p.indices))));
  });

  it('splits by fractions like PyTorch (floor, then the remainder round robin)', () => {
    const { ds } = makeDataset(11);
    expect(randomSplit(ds, [0.5, 0.3, 0.2], { seed: 1 }).map((p) => p.length)).toEqual([6, 3, 2]);
    expect(randomSplit(ds, [0.25, 0.25, 0.25, 0.25], { seed: 1 }).map((p) => p.length)).toEqual([3, 3, 3, 2]);
    expect(randomSplit(ds, [1, 0], { seed: 1 }).map((p) => p.length)).toEqual([11, 0]);
    const parts = randomSplit(ds, [0.7, 0.3]);
    expect(sorted(parts.flatMap((p) => Array.from(p.indices)))).toEqual(range(11));
  });

  it('is reproducible with a seed or under manualSeed', () => {
    const { ds } = makeDataset(30);
    const a = randomSplit(ds, [20, 10], { seed: 4 }).map((p) => Array.from(p.indices));
    rand(7);
    const b = randomSplit(ds, [20, 10], { seed: 4 }).map((p) => Array.from(p.indices));
    expect(b).toEqual(a);
    expect(randomSplit(ds, [20, 10], { seed: 5 }).map((p) => Array.from(p.indices))).not.toEqual(a);
    manualSeed(3);
    const c = randomSplit(ds, [20, 10]).map((p) => Array.from(p.indices));
    manualSeed(3);
    expect(randomSplit(ds, [20, 10]).map((p) => Array.from(p.indices))).toEqual(c);
  });

  it('works on generic datasets', () => {
    const ds: data.Dataset<Tensor> = { length: 5, get: (i) => tensor([i]) };
    const [a, b] = randomSplit(ds, [2, 3], { seed: 0 });
    const got = [...new DataLoader(a!, { batchSize: 5 }), ...new DataLoader(b!, { batchSize: 5 })].flatMap((t) => (t.tolist() as number[][]).map((r) => r[0]!));
    expect(sorted(got)).toEqual(range(5));
  });

  it('rejects lengths that do not fit', () => {
    const { ds } = makeDataset(10);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/integers summing to the dataset length 10 or fractions summing to 1/);
    expect(() => randomSplit(ds, [0.5, 0.6])).toThrow(/fractions summing to 1/);
    expect(() => randomSplit(ds, [11, -1])).toThrow(/non-negative/);
    expect(() => randomSplit(ds, [])).toThrow(/non-empty/);
    expect(() => randomSplit(ds, [10], { seed: Infinity })).toThrow(/seed must be a finite number/);
  });
});
