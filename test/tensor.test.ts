/**
 * Tensor basics: creation functions and dtypes, metadata, reading values, views and copies,
 * reductions, comparisons, dtype promotion, printing, the backend switch and dispose()/memory().
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros, ones, full, eye, linspace, arange, rand, randn, randint, manualSeed, zerosLike, onesLike,
  setBackend, getBackend, memory, where, matmul, sum, max, min,
} from '../src/index.js';

const f32 = (v: number) => Math.fround(v);
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('creation', () => {
  it('tensor from a number is 0-d float32', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.numel()).toBe(1);
    expect(t.dtype).toBe('float32');
    expect(t.item()).toBe(3.5);
    expect(t.tolist()).toBe(3.5);
    expect(t.requiresGrad).toBe(false);
  });

  it('tensor from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('int32'); // PyTorch: integers infer an integer dtype (int64 there)
    expect(t.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const tf = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    expect(tf.dtype).toBe('float32');
    expect(tf.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const t3 = tensor([[[1], [2]], [[3], [4]]]);
    expect(t3.shape).toEqual([2, 2, 1]);
    expect(Array.from(t3.toArray())).toEqual([1, 2, 3, 4]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([0.1]).item()).toBe(f32(0.1)); // stored as float32
  });

  it('tensor from typed arrays copies and picks the dtype', () => {
    const src = Float32Array.of(1.5, -2, 3);
    const t = tensor(src);
    src[0] = 100;
    expect(t.dtype).toBe('float32');
    expect(t.tolist()).toEqual([1.5, -2, 3]);
    const i = tensor(Int32Array.of(7, -8));
    expect(i.dtype).toBe('int32');
    expect(i.tolist()).toEqual([7, -8]);
    expect(tensor(Int32Array.of(1, 2), { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('tensor from booleans is bool; dtype and requiresGrad options', () => {
    const b = tensor([true, false, true]);
    expect(b.dtype).toBe('bool');
    expect(b.tolist()).toEqual([true, false, true]);
    const i = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(i.toArray()).toBeInstanceOf(Int32Array);
    const r = tensor([1, 2], { requiresGrad: true });
    expect(r.requiresGrad).toBe(true);
    expect(r.isLeaf).toBe(true);
    expect(r.grad).toBeNull();
  });

  it('dtype inference follows PyTorch: integers int32, any fraction float32, booleans only bool', () => {
    expect(tensor([1, 2]).dtype).toBe('int32');
    expect(tensor(3).dtype).toBe('int32');
    expect(tensor([1.5, 2]).dtype).toBe('float32');
    expect(tensor([1, 2.5]).dtype).toBe('float32');
    expect(tensor([true, 1]).dtype).toBe('int32');
    expect(tensor([true, 1]).tolist()).toEqual([1, 1]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([]).dtype).toBe('float32');
    expect(tensor([-0, 1]).dtype).toBe('float32'); // -0 only comes from float arithmetic
    expect(Object.is((tensor([-0, 1]).tolist() as number[])[0], -0)).toBe(true);
    expect(tensor([1e10]).dtype).toBe('float32'); // beyond int32: a float literal
    expect(tensor([NaN, 1]).dtype).toBe('float32');
    expect(tensor([Infinity, 1]).dtype).toBe('float32');
    expect(tensor([2147483647, -2147483647]).dtype).toBe('int32');
    expect(tensor([2147483648]).dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'float32' }).dtype).toBe('float32');
    // wasmgrad's one difference: integer data that requires grad is float32 (PyTorch refuses it)
    const r = tensor([1, 2], { requiresGrad: true });
    expect(r.dtype).toBe('float32');
    expect(r.requiresGrad).toBe(true);
    expect(() => { tensor([1, 2]).requiresGrad = true; }).toThrow(/only float32 tensors can require gradients, got int32/);
    expect(full([2], 7).dtype).toBe('int32');
    expect(full([2], 7.5).dtype).toBe('float32');
    expect(full([2], 7, { dtype: 'float32' }).dtype).toBe('float32');
    expect(full([2], 7, { requiresGrad: true }).dtype).toBe('float32');
    expect(arange(5).dtype).toBe('int32');
    expect(arange(1, 4).dtype).toBe('int32');
    expect(arange(0, 1, 0.25).dtype).toBe('float32');
    expect(arange(0.5, 3).dtype).toBe('float32');
    expect(arange(5, { dtype: 'float32' }).dtype).toBe('float32');
    expect(arange(3, { requiresGrad: true }).dtype).toBe('float32');
    for (const t of [zeros(2), ones(2), rand(2), randn(2), eye(2), linspace(0, 4, 5)]) expect(t.dtype).toBe('float32');
  });

  it('zeros/ones take varargs or an array, and options', () => {
    for (const t of [zeros(2, 3), zeros([2, 3])]) {
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe('float32');
      expect(Array.from(t.toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    }
    for (const t of [ones(3, 1), ones([3, 1])]) {
      expect(t.shape).toEqual([3, 1]);
      expect(Array.from(t.toArray())).toEqual([1, 1, 1]);
    }
    const zi = zeros(2, 2, { dtype: 'int32' });
    expect(zi.dtype).toBe('int32');
    expect(ones([4], { dtype: 'int32' }).tolist()).toEqual([1, 1, 1, 1]);
    expect(zeros().shape).toEqual([]);
    expect(zeros(0, 3).numel()).toBe(0);
    const g = ones(2, { requiresGrad: true });
    expect(g.requiresGrad).toBe(true);
  });

  it('full', () => {
    expect(full([2, 2], 7).tolist()).toEqual([[7, 7], [7, 7]]);
    expect(full([2, 2], 7).dtype).toBe('int32');
    expect(full(3, -1.5).dtype).toBe('float32');
    expect(full(3, -1.5).tolist()).toEqual([-1.5, -1.5, -1.5]);
    const i = full([2], 4, { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(i.tolist()).toEqual([4, 4]);
  });

  it('eye, square and rectangular', () => {
    const ident = (n: number, m: number) => Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
    expect(eye(3).tolist()).toEqual(ident(3, 3));
    expect(eye(2, 4).tolist()).toEqual(ident(2, 4));
    expect(eye(4, 2).tolist()).toEqual(ident(4, 2));
    expect(eye(2).dtype).toBe('float32');
    expect(eye(2, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('linspace includes both ends', () => {
    expect(linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 3).tolist()).toEqual([-1, 0, 1]);
    expect(linspace(2, 3, 1).tolist()).toEqual([2]); // PyTorch: a single step is `start`
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    const l = linspace(0, 10, 7).tolist() as number[];
    l.forEach((v, i) => expect(close(v, (10 * i) / 6)).toBe(true));
  });

  it('arange: int32 for integer start/end/step, float32 otherwise or when asked, start/end/step', () => {
    const a = arange(4);
    expect(a.dtype).toBe('int32'); // PyTorch: int64 for integer arguments
    expect(a.tolist()).toEqual([0, 1, 2, 3]);
    const af = arange(4, { dtype: 'float32' });
    expect(af.dtype).toBe('float32');
    expect(af.tolist()).toEqual([0, 1, 2, 3]);
    const ai = arange(5, { dtype: 'int32' });
    expect(ai.dtype).toBe('int32');
    expect(ai.tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 4).tolist()).toEqual([1, 2, 3]);
    expect(arange(1, 4).dtype).toBe('int32');
    expect(arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0, 1, 0.25).dtype).toBe('float32');
    expect(arange(5, 0, -2).tolist()).toEqual([5, 3, 1]);
    expect(arange(2, 8, 3, { dtype: 'int32' }).tolist()).toEqual([2, 5]);
    expect(arange(0).shape).toEqual([0]);
  });

  it('rand/randn/randint ranges and statistics', () => {
    manualSeed(123);
    const u = Array.from(rand(4000).toArray());
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const mu = u.reduce((s, v) => s + v, 0) / u.length;
    expect(Math.abs(mu - 0.5)).toBeLessThan(0.03);
    expect(rand(2, 3).shape).toEqual([2, 3]);
    expect(rand([4]).dtype).toBe('float32');

    const n = Array.from(randn(10000).toArray());
    const m = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(n.some((v) => v < -2) && n.some((v) => v > 2)).toBe(true);

    const r = randint(2, 7, [3000]);
    expect(r.dtype).toBe('int32');
    const rv = Array.from(r.toArray());
    expect(rv.every((v) => Number.isInteger(v) && v >= 2 && v < 7)).toBe(true);
    expect(new Set(rv).size).toBe(5);
    expect(randint(0, 3, [2, 2]).shape).toEqual([2, 2]);
    expect(randint(-3, -1, 5).tolist()).toSatisfy((l: number[]) => l.every((v) => v === -3 || v === -2));
  });

  it('manualSeed makes draws reproducible', () => {
    const draw = () => [Array.from(rand(5).toArray()), Array.from(randn(5).toArray()), Array.from(randint(0, 1000, 5).toArray())];
    manualSeed(42);
    const a = draw();
    manualSeed(42);
    const b = draw();
    expect(b).toEqual(a);
    manualSeed(43);
    const c = draw();
    expect(c[0]).not.toEqual(a[0]);
  });

  it('zerosLike/onesLike keep shape and dtype', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'int32' });
    const z = zerosLike(x);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('int32');
    expect(z.tolist()).toEqual([[0, 0, 0]]);
    const o = onesLike(tensor([[1.5], [2]]));
    expect(o.dtype).toBe('float32');
    expect(o.tolist()).toEqual([[1], [1]]);
    expect(onesLike(x, { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('metadata and reading values', () => {
  it('shape, ndim, numel, dtype, size', () => {
    const t = zeros(2, 3, 4);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.ndim).toBe(3);
    expect(t.numel()).toBe(24);
    expect(t.dtype).toBe('float32');
    expect(t.size()).toEqual([2, 3, 4]);
    expect(t.size(-1)).toBe(4);
  });

  it('item, tolist, toArray', () => {
    expect(tensor([[5]]).item()).toBe(5);
    expect(tensor([7], { dtype: 'int32' }).item()).toBe(7);
    const t = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    const arr = t.toArray();
    expect(arr).toBeInstanceOf(Float32Array);
    expect(Array.from(arr)).toEqual([1, 2, 3, 4]);
    arr[0] = 99; // a copy
    expect(t.tolist()).toEqual([[1, 2], [3, 4]]);
    // a non-contiguous view reads in logical order
    expect(Array.from(t.t().toArray())).toEqual([1, 3, 2, 4]);
    expect(t.t().tolist()).toEqual([[1, 3], [2, 4]]);
    expect(zeros(2, 0).tolist()).toEqual([[], []]);
  });
});

describe('views and copies', () => {
  it('a write through a view is seen by the base', () => {
    const base = arange(6).reshape(2, 3);
    base.t().select(0, 1).fill_(-1); // column 1
    expect(base.tolist()).toEqual([[0, -1, 2], [3, -1, 5]]);
    base.narrow(1, 2, 1).add_(10);
    expect(base.tolist()).toEqual([[0, -1, 12], [3, -1, 15]]);
    base.view(6).narrow(0, 0, 2).mul_(tensor([5, 5]));
    expect(base.tolist()).toEqual([[0, -5, 12], [3, -1, 15]]);
    const u = base.unsqueeze(0).permute(2, 0, 1);
    expect(u.shape).toEqual([3, 1, 2]);
    u.select(0, 0).copy_(tensor([[7, 8]]));
    expect(base.tolist()).toEqual([[7, -5, 12], [8, -1, 15]]);
    // and a write to the base is seen by an existing view
    const row = base.select(0, 1);
    base.fill_(2);
    expect(row.tolist()).toEqual([2, 2, 2]);
  });

  it('contiguous and clone are independent copies', () => {
    const base = tensor([[1, 2], [3, 4]]);
    const tv = base.t();
    expect(tv.isContiguous()).toBe(false);
    const c = tv.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(c.tolist()).toEqual([[1, 3], [2, 4]]);
    c.fill_(0);
    expect(base.tolist()).toEqual([[1, 2], [3, 4]]);
    const k = base.clone();
    k.add_(1);
    expect(base.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(k.tolist()).toEqual([[2, 3], [4, 5]]);
    base.mul_(10);
    expect(k.tolist()).toEqual([[2, 3], [4, 5]]);
    // a view of a non-contiguous tensor through reshape copies; view() shares
    const r = base.t().reshape(4);
    r.fill_(-1);
    expect(base.tolist()).toEqual([[10, 20], [30, 40]]);
  });
});

describe('reductions', () => {
  const data = [[3, -1, 4], [1, 5, -9]];
  it('without dim they return 0-d tensors', () => {
    const t = tensor(data, { dtype: 'float32' });
    for (const r of [t.sum(), t.mean(), t.max(), t.min(), t.amax(), t.amin(), t.argmax(), t.argmin(), sum(t), max(t), min(t)]) {
      expect(r.shape).toEqual([]);
    }
    expect(t.sum().item()).toBe(3);
    expect(t.mean().item()).toBeCloseTo(0.5, 6);
    expect(t.max().item()).toBe(5);
    expect(t.min().item()).toBe(-9);
    expect(t.argmax().item()).toBe(4);
    expect(t.argmin().item()).toBe(5);
    expect(t.argmax().dtype).toBe('int32');
  });

  it('along dims, with keepdim and negative dims', () => {
    const t = tensor(data, { dtype: 'float32' });
    expect(t.sum(0).tolist()).toEqual([4, 4, -5]);
    expect(t.sum(-1).tolist()).toEqual([6, -3]);
    expect(t.sum(1, true).shape).toEqual([2, 1]);
    expect(t.sum([0, 1]).shape).toEqual([]);
    expect(t.mean(0).tolist()).toEqual([2, 2, -2.5]);
    expect(t.amax(1).tolist()).toEqual([4, 5]);
    expect(t.amin(0, true).tolist()).toEqual([[1, -1, -9]]);
    expect(tensor([[1, 2], [3, 4]], { dtype: 'int32' }).sum().dtype).toBe('int32');
  });

  it('max(dim)/min(dim) return {values, indices}', () => {
    const t = tensor(data);
    const mx = t.max(1);
    expect(mx.values.tolist()).toEqual([4, 5]);
    expect(mx.indices.tolist()).toEqual([2, 1]);
    expect(mx.indices.dtype).toBe('int32');
    const mn = t.min(0, true);
    expect(mn.values.shape).toEqual([1, 3]);
    expect(mn.values.tolist()).toEqual([[1, -1, -9]]);
    expect(mn.indices.tolist()).toEqual([[1, 0, 1]]);
    const fm = max(t, -1);
    expect(fm.values.tolist()).toEqual([4, 5]);
    const fn = min(t, 1);
    expect(fn.indices.tolist()).toEqual([1, 2]);
  });

  it('argmax/argmin along a dim', () => {
    const t = tensor(data);
    expect(t.argmax(0).tolist()).toEqual([0, 1, 0]);
    expect(t.argmin(1).tolist()).toEqual([1, 2]);
    expect(t.argmax(1, true).shape).toEqual([2, 1]);
  });
});

describe('comparisons, where and dtype promotion', () => {
  it('comparisons return bool tensors', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([3, 2, 1]);
    const cases: [Tensor, boolean[]][] = [
      [a.eq(b), [false, true, false]],
      [a.ne(b), [true, false, true]],
      [a.gt(b), [false, false, true]],
      [a.lt(b), [true, false, false]],
      [a.ge(b), [false, true, true]],
      [a.le(b), [true, true, false]],
      [a.gt(1.5), [false, true, true]],
    ];
    for (const [r, e] of cases) {
      expect(r.dtype).toBe('bool');
      expect(r.tolist()).toEqual(e);
    }
  });

  it('where selects by a comparison, with broadcasting and numbers', () => {
    const x = tensor([[-1, 2], [3, -4]]);
    expect(where(x.gt(0), x, 0).tolist()).toEqual([[0, 2], [3, 0]]);
    expect(x.where(x.lt(0), tensor([10, 20])).tolist()).toEqual([[-1, 20], [10, -4]]);
    expect(where(tensor([true, false]), 1, -1).tolist()).toEqual([1, -1]);
  });

  it('int32 with float32 promotes to float32; int32 with int32 stays int32', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    const f = tensor([0.5, 0.25]);
    const r = i.add(f);
    expect(r.dtype).toBe('float32');
    expect(r.tolist()).toEqual([1.5, 2.25]);
    expect(f.mul(i).dtype).toBe('float32');
    expect(i.add(i).dtype).toBe('int32');
    expect(i.add(i).tolist()).toEqual([2, 4]);
    expect(i.mul(3).dtype).toBe('int32');
    expect(i.add(0.5).dtype).toBe('float32');
    expect(i.div(tensor([2, 2], { dtype: 'int32' })).tolist()).toEqual([0.5, 1]);
  });
});

describe('printing', () => {
  it('matches PyTorch for floats with requiresGrad', () => {
    const t = tensor([[0.1, 2]], { requiresGrad: true });
    expect(String(t)).toBe('tensor([[0.1000, 2.0000]], requiresGrad=true)');
    expect(inspect(t)).toBe('tensor([[0.1000, 2.0000]], requiresGrad=true)');
    expect(t.toString()).toBe(String(t));
  });

  it('integer-valued floats, padding, multi-row layout, 0-d and specials', () => {
    expect(String(tensor([1, 2], { dtype: 'float32' }))).toBe('tensor([1., 2.])');
    expect(String(tensor([1, 10], { dtype: 'float32' }))).toBe('tensor([ 1., 10.])');
    expect(String(tensor([-1.5, 2]))).toBe('tensor([-1.5000,  2.0000])');
    expect(String(tensor([[1, 2], [3, 4]], { dtype: 'float32' }))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor(3.5))).toBe('tensor(3.5000)');
    expect(String(tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(tensor([1, Infinity, NaN]))).toBe('tensor([1., inf, nan])');
  });

  it('gradFn and dtype annotations', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(String(x.mul(2))).toBe('tensor([2., 4.], gradFn=<MulBackward0>)');
    expect(String(tensor([1, 2], { dtype: 'int32' }))).toBe('tensor([1, 2], dtype=int32)');
    expect(inspect(tensor([[1], [2]], { dtype: 'int32' }))).toBe('tensor([[1],\n        [2]], dtype=int32)');
  });

  it('summarizes large tensors', () => {
    const s = String(arange(5000));
    expect(s).toContain('...');
    expect(s.length).toBeLessThan(200);
  });
});

describe('backends', () => {
  const initial = getBackend();
  afterEach(() => setBackend(initial));

  it('getBackend reports the backend selected by the environment', () => {
    expect(initial).toBe(process.env.WASMGRAD_BACKEND === 'js' ? 'js' : 'wasm');
  });

  it('setBackend switches, and tensors work across backends', () => {
    setBackend('js');
    expect(getBackend()).toBe('js');
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
    const c = matmul(a, b);
    expect(c.tolist()).toEqual([[19, 22], [43, 50]]);
    setBackend('js');
    expect(c.add(a).sum().item()).toBe(19 + 22 + 43 + 50 + 10);
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.exp().sum();
    setBackend('wasm');
    y.backward(); // graph built on js, backward on wasm
    Array.from(x.grad!.toArray()).forEach((v, i) => expect(close(v, Math.exp(i + 1), 1e-6)).toBe(true));
    expect(() => setBackend('gpu' as 'js')).toThrow(/unknown backend/);
    expect(getBackend()).toBe('wasm');
  });
});

describe('dispose and memory', () => {
  it('a disposed tensor throws a clear error when used', () => {
    const t = tensor([1, 2, 3]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.add(1)).toThrow(/dispose/);
    expect(() => t.exp()).toThrow(/dispose/);
    expect(() => t.sum()).toThrow(/dispose/);
    expect(() => t.tolist()).toThrow(/dispose/);
    expect(() => t.item()).toThrow();
    expect(() => tensor([1, 2, 3]).mul(t)).toThrow(/dispose/);
    expect(() => t.add_(1)).toThrow(/dispose/);
    expect(String(t)).toContain('disposed');
    t.dispose(); // twice is harmless
  });

  it('a disposed tensor throws even while a view keeps its storage alive', () => {
    const t = tensor([1, 2, 3, 4]);
    const v = t.view(2, 2);
    t.dispose();
    expect(() => t.add(1)).toThrow(/dispose/);
    expect(v.tolist()).toEqual([[1, 2], [3, 4]]);
    v.dispose();
  });

  it('memory().bytesInUse drops after dispose, once every view is released', () => {
    const n = 100_000;
    const t = zeros(n);
    // (bytesInUse only counts down between here and the checks: no storage is allocated, so no
    // finalizer of unrelated garbage can run and nothing is added.)
    const afterAlloc = memory().bytesInUse;
    expect(afterAlloc).toBeGreaterThanOrEqual(n * 4);
    const v = t.reshape(100, 1000);
    t.dispose();
    expect(memory().bytesInUse).toBeGreaterThanOrEqual(afterAlloc - 1024); // v keeps it
    const mid = memory().bytesInUse;
    v.dispose();
    expect(mid - memory().bytesInUse).toBeGreaterThanOrEqual(n * 4);
  });

  it('memory() fields are consistent', () => {
    const keep = ones(1000);
    const m = memory();
    for (const k of ['bytesInUse', 'bytesReserved', 'memoryBytes', 'liveTensors', 'peakBytesInUse'] as const) {
      expect(typeof m[k]).toBe('number');
      expect(m[k]).toBeGreaterThanOrEqual(0);
    }
    expect(m.bytesInUse).toBeGreaterThanOrEqual(4000);
    expect(m.liveTensors).toBeGreaterThanOrEqual(1);
    expect(m.bytesReserved).toBeGreaterThanOrEqual(m.bytesInUse);
    expect(m.memoryBytes).toBeGreaterThan(m.bytesReserved);
    expect(m.memoryBytes % 65536).toBe(0);
    expect(m.peakBytesInUse).toBeGreaterThanOrEqual(m.bytesInUse);
    keep.dispose();
  });
});
