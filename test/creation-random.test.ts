/**
 * Creation and random ops of issue 15 (src/ops/creation-random.ts). Deterministic ops (tril, triu, diag,
 * diagEmbed, meshgrid, logspace): values and gradients against test/fixtures/creation-random/cases.json
 * (made by gen.py with PyTorch), gradcheck at odd sizes and on non-contiguous inputs. Random ops: PyTorch's
 * streams cannot be matched, so their distributions are checked with fixed seeds and generous bounds, plus
 * exact properties (randperm is a permutation, multinomial without replacement never repeats, bernoulli
 * gives 0/1), reproducibility under manualSeed and a Generator, the in-place rules, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bernoulli, diag, diagEmbed, emptyLike, Generator, grad, logspace, manualSeed, meshgrid, multinomial, noGrad, normal, ones, randint,
  randintLike, randLike, randnLike, randperm, tensor, tril, triu, zeros, type Tensor,
} from '../src/index.js';
import { checkGradGrad, checkOp } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: (number | string)[]; requiresGrad?: boolean }
interface Case { inputs: Record<string, Arr>; outputs: Arr[]; grads?: Record<string, (number | string)[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/creation-random/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };
const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Tensor | Tensor[]> = {
  tril: (a) => tril(a!),
  tril_1: (a) => a!.tril(1),
  'tril_-2': (a) => tril(a!, -2),
  triu: (a) => triu(a!),
  triu_2: (a) => a!.triu(2),
  'triu_-1': (a) => triu(a!, -1),
  tril_nan: (a) => tril(a!),
  triu_nan: (a) => triu(a!),
  tril_int: (a) => tril(a!, -1),
  triu_bool: (a) => triu(a!),
  diag_vec: (a) => diag(a!),
  diag_vec_2: (a) => a!.diag(2),
  'diag_vec_-1': (a) => diag(a!, -1),
  diag_vec_nan: (a) => diag(a!),
  diag_mat: (a) => diag(a!),
  diag_mat_1: (a) => diag(a!, 1),
  'diag_mat_-2': (a) => a!.diag(-2),
  'diag_mat_-3': (a) => diag(a!, -3),
  diag_int: (a) => diag(a!, 1),
  diag_embed: (a) => diagEmbed(a!),
  diag_embed_1: (a) => a!.diagEmbed(1),
  'diag_embed_-1_2_0': (a) => diagEmbed(a!, -1, 2, 0),
  diag_embed_0_0_1: (a) => diagEmbed(a!, 0, 0, 1),
  'diag_embed_2_-1_0': (a) => diagEmbed(a!, 2, -1, 0),
  meshgrid_ij: (a, b) => meshgrid(a!, b!, { indexing: 'ij' }),
  meshgrid_xy: (a, b, c) => meshgrid([a!, b!, c!], { indexing: 'xy' }),
  meshgrid_0d: (a, b) => meshgrid(a!, b!, { indexing: 'xy' }),
  logspace: () => logspace(-1, 1, 5),
  logspace_base2: () => logspace(0, 10, 11, 2),
  logspace_one: () => logspace(3, 5, 1),
  logspace_neg_base: () => logspace(0, 2, 3, { base: -2 }),
  logspace_int: () => logspace(0, 3, 4, { dtype: 'int32' }),
  logspace_frac: () => logspace(0.3, 2.7, 7),
};

function expectValues(got: Tensor, want: Arr, what: string, rtol = 1e-6): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  want.values.forEach((w, i) => {
    const e = num(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype !== 'float32') expect(v, `${what}[${i}]`).toBe(e);
    else {
      expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e)));
      if (e === 0) expect(Object.is(v, -0), `${what}[${i}]: sign of zero`).toBe(Object.is(e, -0));
    }
  });
}

describe('deterministic ops against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const names = Object.keys(c.inputs);
      const xs = names.map((k) => {
        const a = c.inputs[k]!;
        const t = tensor(a.values.map(num), { dtype: a.dtype }).reshape(a.shape);
        return a.requiresGrad ? t.requiresGrad_() : t;
      });
      const y = ops[name]!(...xs);
      const ys = Array.isArray(y) ? y : [y];
      expect(ys.length).toBe(c.outputs.length);
      ys.forEach((t, i) => expectValues(t, c.outputs[i]!, `${name} output ${i}`, name.startsWith('logspace') ? 2e-7 : 1e-6));
      if (c.grads) {
        const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
        const loss = ys
          .map((t) => t.mul(tensor(Array.from({ length: t.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(t.shape)).sum())
          .reduce((a, b) => a.add(b));
        const gs = grad(loss, wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
        wrt.forEach((k, i) => {
          const want = c.grads![k];
          if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
          else expectValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`);
        });
      }
    });
  }
});

describe('gradients (gradcheck, odd sizes, non-contiguous)', () => {
  it('tril / triu', () => {
    checkOp('tril', (x) => tril(x, 1), [[3, 5]]);
    checkOp('triu', (x) => triu(x, -1), [[2, 5, 3]]);
    checkOp('tril nc', (x) => x.tril(-1), [[5, 3]], { nonContiguous: true });
    checkOp('triu nc', (x) => x.triu(2), [[3, 5, 7]], { nonContiguous: 'permute' });
  });
  it('diag / diagEmbed', () => {
    checkOp('diag vec', (x) => diag(x, 2), [[5]]);
    checkOp('diag vec nc', (x) => diag(x, -1), [[3]], { nonContiguous: 'strided' });
    checkOp('diag mat', (x) => diag(x, -1), [[5, 3]]);
    checkOp('diag mat nc', (x) => diag(x, 1), [[3, 5]], { nonContiguous: true });
    checkOp('diagEmbed', (x) => diagEmbed(x, 1), [[3, 5]]);
    checkOp('diagEmbed dims', (x) => diagEmbed(x, -2, 0, 2), [[3, 5]], { nonContiguous: true });
  });
  it('meshgrid', () => {
    checkOp('meshgrid', (a, b) => { const [x, y] = meshgrid(a!, b!, { indexing: 'xy' }); return x!.mul(y!); }, [[3], [5]]);
  });
  it('second derivatives flow through tril, diag, diagEmbed', () => {
    checkGradGrad('tril', (x) => tril(x.mul(x), 0), [[3, 3]]);
    checkGradGrad('diag', (x) => diag(diag(x.mul(x))), [[3, 4]]);
    checkGradGrad('diagEmbed', (x) => diagEmbed(x.mul(x), 1), [[2, 3]]);
  });
});

const stats = (t: Tensor) => {
  const v = Array.from(t.toArray());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { v, mean, std: Math.sqrt(variance), min: Math.min(...v), max: Math.max(...v) };
};

describe('random creation: distributions, exact properties, reproducibility', () => {
  it('randperm is a permutation, reproducible with manualSeed and a Generator', () => {
    manualSeed(1);
    const p = randperm(1001);
    expect(p.dtype).toBe('int32');
    expect(Array.from(p.toArray()).sort((a, b) => a - b)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    manualSeed(1);
    expect(randperm(1001).tolist()).toEqual(p.tolist());
    expect(randperm(5, { generator: new Generator(3) }).tolist()).toEqual(randperm(5, { generator: new Generator(3) }).tolist());
    expect(randperm(0).shape).toEqual([0]);
    expect(randperm(4, { dtype: 'float32' }).dtype).toBe('float32');
    // every position is uniform: the mean of p[0] over many draws is near (n - 1) / 2
    const g = new Generator(7);
    let s = 0;
    for (let i = 0; i < 2000; i++) s += randperm(9, { generator: g }).toArray()[0]!;
    expect(Math.abs(s / 2000 - 4)).toBeLessThan(0.3);
    expect(() => randperm(-1)).toThrow(/randperm: n must be a non-negative integer/);
    expect(() => randperm(3, { generator: 3 as never })).toThrow(/generator must be a Generator/);
  });
  it('multinomial: frequencies follow the weights; without replacement never repeats', () => {
    const g = new Generator(11);
    const w = tensor([1, 0, 3, 6], { dtype: 'float32' });
    const s = multinomial(w, 20000, true, { generator: g });
    expect(s.dtype).toBe('int32');
    expect(s.shape).toEqual([20000]);
    const counts = [0, 0, 0, 0];
    for (const v of s.toArray()) counts[v]!++;
    expect(counts[1]).toBe(0);
    [0.1, 0, 0.3, 0.6].forEach((p, i) => expect(Math.abs(counts[i]! / 20000 - p)).toBeLessThan(0.015));
    // without replacement: distinct; the first draw follows the weights
    const first = [0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const r = Array.from(w.multinomial(3, { generator: g }).toArray());
      expect(new Set(r).size).toBe(3);
      first[r[0]!]!++;
      expect(r.includes(1)).toBe(false);
    }
    [0.1, 0, 0.3, 0.6].forEach((p, i) => expect(Math.abs(first[i]! / 3000 - p)).toBeLessThan(0.03));
    // all four: zero-weight categories come last
    for (let i = 0; i < 50; i++) expect(multinomial(w, 4).toArray()[3]).toBe(1);
    // 2-D: one row each
    const rows = multinomial(tensor([[0, 0, 1], [1, 0, 0]], { dtype: 'float32' }), 2, true);
    expect(rows.tolist()).toEqual([[2, 2], [0, 0]]);
    manualSeed(5);
    const a = multinomial(w, 3).tolist();
    manualSeed(5);
    expect(multinomial(w, 3).tolist()).toEqual(a);
    expect(multinomial(zeros(0, 3), 2).shape).toEqual([0, 2]);
  });
  it('multinomial errors as PyTorch', () => {
    const w = tensor([0.2, 0.8]);
    expect(() => multinomial(w, 3)).toThrow(/cannot sample numSamples=3 > 2 categories/);
    expect(() => multinomial(w, 0)).toThrow(/numSamples=0 <= 0/);
    expect(() => multinomial(tensor([-1, 2], { dtype: 'float32' }), 1)).toThrow(/inf, nan or element < 0/);
    expect(() => multinomial(tensor([NaN, 2]), 1)).toThrow(/inf, nan or element < 0/);
    expect(() => multinomial(tensor([Infinity, 2]), 1)).toThrow(/inf, nan or element < 0/);
    expect(() => multinomial(zeros(3), 1, true)).toThrow(/sum of probabilities <= 0/);
    expect(() => multinomial(ones(2, 2, 2), 1)).toThrow(/1-D or 2-D/);
    expect(() => multinomial(tensor([1, 2]), 1)).toThrow(/float32 input, got int32/);
    expect(() => multinomial(w, 1, { replacment: true } as never)).toThrow(/did you mean 'replacement'/);
  });
  it('bernoulli gives 0/1 with the input as probability, or p', () => {
    const g = new Generator(2);
    const p = tensor([0, 1, 0.25, 0.5]).expand(5000, 4);
    const b = bernoulli(p, { generator: g });
    expect(b.dtype).toBe('float32');
    const v = b.toArray();
    expect(Array.from(v).every((x) => x === 0 || x === 1)).toBe(true);
    const col = (j: number) => Array.from({ length: 5000 }, (_, i) => v[i * 4 + j]!).reduce((a, c) => a + c, 0) / 5000;
    expect(col(0)).toBe(0);
    expect(col(1)).toBe(1);
    expect(Math.abs(col(2) - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(col(3) - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(stats(bernoulli(zeros(10000), 0.3)).mean - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(stats(zeros(10000).bernoulli({ p: 0.7 })).mean - 0.7)).toBeLessThan(0.02);
    // gradient zero (BernoulliBackward0); with p no history, as PyTorch
    const x = tensor([0.3, 0.6], { requiresGrad: true });
    const y = bernoulli(x);
    expect(y.gradFn?.name).toBe('BernoulliBackward0');
    expect(grad(y.sum(), [x])[0]!.tolist()).toEqual([0, 0]);
    expect(bernoulli(x, 0.5).requiresGrad).toBe(false);
    expect(() => bernoulli(tensor([1.2, 0.5]))).toThrow(/bernoulli: expects all probabilities to be in \[0, 1\]/);
    expect(() => bernoulli(tensor([NaN, 0.5]))).toThrow(/in \[0, 1\], got NaN/);
    expect(() => bernoulli(zeros(2), 1.5)).toThrow(/expects p to be in \[0, 1\], got p=1.5/);
    expect(() => bernoulli(tensor([1, 0]))).toThrow(/float32 input, got int32/);
  });
  it('normal: every form, moments, broadcasting, zero gradients', () => {
    manualSeed(3);
    const a = stats(normal(2, 3, [20000]));
    expect(Math.abs(a.mean - 2)).toBeLessThan(0.08);
    expect(Math.abs(a.std - 3)).toBeLessThan(0.08);
    const m = tensor([[-100], [100]], { dtype: 'float32' });
    const s = normal(m, tensor([1, 0, 2], { dtype: 'float32' }));
    expect(s.shape).toEqual([2, 3]);
    const sv = s.toArray();
    expect(sv[1]).toBe(-100);
    expect(sv[4]).toBe(100);
    expect(Math.abs(sv[0]! + 100)).toBeLessThan(6);
    const b = stats(normal(zeros(20000), 0.5));
    expect(Math.abs(b.std - 0.5)).toBeLessThan(0.02);
    const c = stats(normal(-1, ones(20000).mul(2)));
    expect(Math.abs(c.mean + 1)).toBeLessThan(0.06);
    expect(normal(0, 1, 3, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(normal(0, 1, { size: [2, 2] }).shape).toEqual([2, 2]);
    expect(Number.isNaN(normal(tensor([NaN]), 1).item())).toBe(true);
    expect(normal(tensor([Infinity]), 1).item()).toBe(Infinity);
    const mean = tensor([0, 1], { requiresGrad: true }), std = tensor([1, 2], { requiresGrad: true });
    const y = normal(mean, std);
    expect(y.gradFn?.name).toBe('NormalBackward3');
    const [gm, gs] = grad(y.sum(), [mean, std]);
    expect(gm!.tolist()).toEqual([0, 0]);
    expect(gs!.tolist()).toEqual([0, 0]);
    const g1 = new Generator(9), g2 = new Generator(9);
    expect(normal(0, 1, [4], { generator: g1 }).tolist()).toEqual(normal(0, 1, [4], { generator: g2 }).tolist());
    expect(() => normal(0, -1, [2])).toThrow(/std >= 0, got std=-1/);
    expect(() => normal(0, NaN, [2])).toThrow(/std >= 0/);
    expect(() => normal(zeros(2), tensor([1, -1], { dtype: 'float32' }))).toThrow(/all elements of std >= 0/);
    expect(() => normal(zeros(2), ones(3))).toThrow(/normal/);
    expect(() => normal(0, 1)).toThrow(/a size is required/);
    expect(() => normal(zeros(2), 1, { dtype: 'float32' } as never)).toThrow(/unknown option 'dtype'/);
    expect(() => normal(tensor([1, 2]), 1)).toThrow(/float32 mean, got int32/);
  });
  it('emptyLike, randLike, randnLike, randintLike: shape, dtype, ranges, errors', () => {
    const x = zeros(3, 5000);
    expect(emptyLike(tensor([1, 2])).dtype).toBe('int32');
    expect(emptyLike(x, { dtype: 'bool' }).shape).toEqual([3, 5000]);
    const r = stats(randLike(x));
    expect(r.min).toBeGreaterThanOrEqual(0);
    expect(r.max).toBeLessThan(1);
    expect(Math.abs(r.mean - 0.5)).toBeLessThan(0.01);
    const n = stats(randnLike(x));
    expect(Math.abs(n.mean)).toBeLessThan(0.03);
    expect(Math.abs(n.std - 1)).toBeLessThan(0.03);
    expect(randnLike(x, { requiresGrad: true }).requiresGrad).toBe(true);
    const i = randintLike(x, 2, 5);
    expect(i.dtype).toBe('float32');
    const iv = stats(i);
    expect(iv.v.every((v) => v === 2 || v === 3 || v === 4)).toBe(true);
    expect(Math.abs(iv.mean - 3)).toBeLessThan(0.03);
    const j = randintLike(tensor([1, 2, 3]), 5, { generator: new Generator(1) });
    expect(j.dtype).toBe('int32');
    expect(j.tolist()).toEqual(randintLike(tensor([1, 2, 3]), 5, { generator: new Generator(1) }).tolist());
    expect(randintLike(tensor([true, false]), 2).dtype).toBe('bool');
    expect(() => randLike(tensor([1, 2]))).toThrow(/randLike: expects a float32 dtype, got int32/);
    expect(randLike(tensor([1, 2]), { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => randnLike(tensor([1, 2]))).toThrow(/randnLike: expects a float32 dtype/);
    expect(() => randintLike(x, 5, 5)).toThrow(/'low' to be less than 'high', got low=5 >= high=5/);
    expect(() => randintLike(tensor([true]), 3)).toThrow(/out of bounds for bool/);
    expect(() => randintLike(x, 1.5)).toThrow(/high must be an integer/);
    expect(() => emptyLike(tensor([1]), { requiresGrad: true })).toThrow(/only float32 tensors can require gradients/);
  });
  it('new* methods: self dtype unless dtype', () => {
    const f = ones(2), i = tensor([1, 2]), b = tensor([true]);
    expect(f.newZeros(2, 3).shape).toEqual([2, 3]);
    expect(i.newZeros([2]).dtype).toBe('int32');
    expect(b.newOnes(2).tolist()).toEqual([true, true]);
    expect(f.newOnes(2, { dtype: 'int32' }).tolist()).toEqual([1, 1]);
    expect(f.newFull([2], 3).tolist()).toEqual([3, 3]);
    expect(f.newFull([2], 3).dtype).toBe('float32');
    expect(i.newFull([2], 3.7).tolist()).toEqual([3, 3]);
    expect(i.newEmpty(4).dtype).toBe('int32');
    expect(f.newTensor([1, 2]).dtype).toBe('float32');
    expect(i.newTensor([1.5, -2.5]).tolist()).toEqual([1, -2]);
    expect(f.newTensor([[1, 2]], { dtype: 'int32' }).shape).toEqual([1, 2]);
    expect(f.newZeros(2, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => i.newZeros(2, { requiresGrad: true })).toThrow(/only float32 tensors can require gradients, got int32/);
    expect(() => f.newZeros(2, { dtyp: 'int32' } as never)).toThrow(/newZeros: unknown option 'dtyp'/);
    expect(() => f.newFull([2], 'a' as never)).toThrow(/newFull: fill value must be a number/);
  });
});

describe('in-place random fills', () => {
  it('uniform_, normal_, exponential_, random_, bernoulli_: ranges and moments', () => {
    manualSeed(4);
    const u = stats(zeros(20000).uniform_(-2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.05);
    expect(stats(zeros(5).uniform_(1, 1)).v).toEqual([1, 1, 1, 1, 1]);
    const n = stats(zeros(20000).normal_(1, 0.5));
    expect(Math.abs(n.mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.02);
    expect(zeros(3).normal_(0, 0).tolist()).toEqual([0, 0, 0]);
    expect(zeros(2).normal_(NaN, 1).toArray().every(Number.isNaN)).toBe(true);
    const e = stats(zeros(20000).exponential_(2));
    expect(e.min).toBeGreaterThan(0);
    expect(Math.abs(e.mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(e.std - 0.5)).toBeLessThan(0.03);
    expect(zeros(2).exponential_(0).tolist()).toEqual([Infinity, Infinity]);
    expect(zeros(2).exponential_(Infinity).tolist()).toEqual([0, 0]);
    const r = stats(zeros(20000).random_(-3, 2));
    expect(r.v.every((v) => Number.isInteger(v) && v >= -3 && v < 2)).toBe(true);
    expect(Math.abs(r.mean + 1)).toBeLessThan(0.05);
    const ri = tensor([0, 0, 0, 0]).random_(10);
    expect(ri.dtype).toBe('int32');
    expect(Array.from(ri.toArray()).every((v) => v >= 0 && v < 10)).toBe(true);
    expect(stats(zeros(1000).random_()).max).toBeLessThanOrEqual(16777216);
    expect(stats(zeros(1000).random_()).max).toBeGreaterThan(1000);
    const rb = tensor(Array(200).fill(false)).random_();
    expect(rb.dtype).toBe('bool');
    expect(new Set(rb.tolist() as boolean[]).size).toBe(2);
    const bb = stats(zeros(20000).bernoulli_(0.2));
    expect(bb.v.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(bb.mean - 0.2)).toBeLessThan(0.02);
    expect(tensor([5, 5, 5]).bernoulli_(tensor([0, 1, 1], { dtype: 'float32' })).tolist()).toEqual([0, 1, 1]);
    expect(zeros(2, 3).bernoulli_(tensor([[1], [0]], { dtype: 'float32' })).tolist()).toEqual([[1, 1, 1], [0, 0, 0]]);
  });
  it('a Generator makes them reproducible; views are written in place', () => {
    const a = zeros(6).uniform_(0, 1, { generator: new Generator(8) });
    const b = zeros(6).uniform_({ from: 0, to: 1, generator: new Generator(8) });
    expect(a.tolist()).toEqual(b.tolist());
    const base = zeros(3, 4);
    const v = base.transpose(0, 1).select(0, 1);
    v.fill_(0).normal_(5, 0);
    expect(base.tolist()).toEqual([[0, 5, 0, 0], [0, 5, 0, 0], [0, 5, 0, 0]]);
  });
  it('autograd: a leaf that requires grad refuses, noGrad allows; a non-leaf gets a zero gradient as PyTorch', () => {
    const w = zeros(3, { requiresGrad: true });
    expect(() => w.uniform_()).toThrow(/leaf tensor that requires grad/);
    expect(() => w.normal_()).toThrow(/leaf tensor that requires grad/);
    noGrad(() => w.normal_(0, 1));
    expect(w.requiresGrad && w.isLeaf).toBe(true);
    for (const [fill, name] of [
      [(t: Tensor) => t.uniform_(), 'UniformBackward0'],
      [(t: Tensor) => t.normal_(), 'NormalBackward0'],
      [(t: Tensor) => t.bernoulli_(0.5), 'BernoulliBackward2'],
      [(t: Tensor) => t.bernoulli_(tensor([0.5, 0.5, 0.5])), 'BernoulliBackward1'],
      [(t: Tensor) => t.exponential_(), 'ExponentialBackward0'],
      [(t: Tensor) => t.random_(0, 5), 'RandomBackward0'],
    ] as const) {
      const x = ones(3, { requiresGrad: true });
      const y = x.mul(2);
      fill(y);
      expect(y.gradFn?.name).toBe(name);
      expect(grad(y.sum(), [x])[0]!.tolist()).toEqual([0, 0, 0]);
    }
    const t = tensor([1, 2, 3]);
    const version = t.storage.version;
    t.random_(5);
    expect(t.storage.version).toBe(version + 1);
  });
  it('errors, thrown before anything is written', () => {
    const x = tensor([1, 2, 3], { dtype: 'float32' });
    expect(() => x.uniform_(2, 1)).toThrow(/uniform_: expects a \[from, to\) range, got from=2 > to=1/);
    expect(() => x.uniform_(-Infinity, 1)).toThrow(/must be finite/);
    expect(() => x.uniform_(0, 1, 2 as never)).toThrow(/at most 2 positional/);
    expect(() => x.uniform_({ fromm: 0 } as never)).toThrow(/did you mean 'from'/);
    expect(() => x.normal_(0, -1)).toThrow(/std >= 0/);
    expect(() => x.exponential_(-1)).toThrow(/lambd >= 0/);
    expect(() => x.random_(5, 3)).toThrow(/'from' to be less than 'to', got from=5 >= to=3/);
    expect(() => x.bernoulli_(1.5)).toThrow(/p to be in \[0, 1\]/);
    expect(() => x.bernoulli_(tensor([0.5, 2, 0]))).toThrow(/probabilities to be in \[0, 1\]/);
    expect(() => x.bernoulli_(tensor([0.5, 0.5]))).toThrow(/cannot be broadcast|bernoulli_/);
    expect(() => tensor([1, 2]).uniform_()).toThrow(/uniform_: expects a float32 tensor, got int32/);
    expect(() => tensor([1, 2]).normal_()).toThrow(/normal_: expects a float32 tensor/);
    expect(() => tensor([1, 2]).exponential_()).toThrow(/exponential_: expects a float32 tensor/);
    expect(() => tensor([true]).random_(0, 3)).toThrow(/out of bounds for bool/);
    expect(() => tensor([1]).random_(0, 2 ** 32)).toThrow(/int32/);
    expect(() => ones(1).expand(3).uniform_()).toThrow(/single memory location/);
    expect(x.tolist()).toEqual([1, 2, 3]);
  });
});

describe('deterministic ops: forms and errors', () => {
  it('tril_ / triu_ in place, int32 exact, empty', () => {
    const x = tensor([[16777217, 2], [3, 4]]);
    expect(tril(x).tolist()).toEqual([[16777217, 0], [3, 4]]);
    expect(x.triu_(1).tolist()).toEqual([[0, 2], [0, 0]]);
    expect(tril(zeros(0, 3)).shape).toEqual([0, 3]);
    expect(triu(ones(2, 3), 5).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const a = ones(2, 2, { requiresGrad: true });
    const y = a.mul(3);
    y.tril_();
    expect(y.gradFn?.name).toBe('TrilBackward0');
    expect(grad(y.sum(), [a])[0]!.tolist()).toEqual([[3, 0], [3, 3]]);
    expect(() => tril(ones(3))).toThrow(/tril: input tensor must have at least 2 dimensions, got shape \[3\]/);
    expect(() => triu(ones(2, 2), 0.5)).toThrow(/diagonal must be an integer/);
    expect(tril(ones(2, 2, { requiresGrad: true })).gradFn?.name).toBe('TrilBackward0');
  });
  it('diag, diagEmbed: empty diagonals, errors', () => {
    expect(diag(ones(2, 3), 5).shape).toEqual([0]);
    expect(diag(ones(2, 3), -2).shape).toEqual([0]);
    expect(diag(ones(2, 3, { requiresGrad: true })).gradFn?.name).toBe('DiagBackward0');
    expect(diagEmbed(ones(3, { requiresGrad: true })).gradFn?.name).toBe('DiagEmbedBackward0');
    expect(diag(tensor([true, false])).tolist()).toEqual([[true, false], [false, false]]);
    expect(() => diag(ones(2, 2, 2))).toThrow(/diag: expects a matrix or a vector, got shape \[2, 2, 2\]/);
    expect(() => diag(tensor(1))).toThrow(/matrix or a vector/);
    expect(() => diagEmbed(ones(2), 0, 0, 0)).toThrow(/diagonal dimensions cannot be identical/);
    expect(() => diagEmbed(ones(2), 0, 0, 2)).toThrow(/dim 2 is out of range/);
    expect(() => diagEmbed(tensor(3))).toThrow(/at least 1 dimension/);
  });
  it('meshgrid: forms and errors', () => {
    const [a] = meshgrid(ones(2), { indexing: 'xy' });
    expect(a!.shape).toEqual([2]);
    expect(meshgrid([ones(2), ones(3)]).map((t) => t.shape)).toEqual([[2, 3], [2, 3]]);
    expect(() => meshgrid()).toThrow(/non-empty list/);
    expect(() => meshgrid(ones(2, 2))).toThrow(/0-d or 1-D tensors, got shape \[2, 2\]/);
    expect(() => meshgrid(ones(2), tensor([1, 2]))).toThrow(/same dtype/);
    expect(() => meshgrid(ones(2), { indexing: 'foo' as never })).toThrow(/indexing must be 'xy' or 'ij'/);
    expect(() => meshgrid(ones(2), { indexng: 'xy' } as never)).toThrow(/did you mean 'indexing'/);
  });
  it('logspace: forms and errors', () => {
    expect(logspace(0, 2, 0).shape).toEqual([0]);
    expect(logspace(0, 1, 2, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => logspace(0, 1, -1)).toThrow(/steps must be a non-negative integer/);
    expect(() => logspace(0, 1, 3, 2, { base: 2 })).toThrow(/both as positional argument and as option/);
    expect(() => logspace(0, 1, 3, { bas: 2 } as never)).toThrow(/did you mean 'base'/);
    expect(() => logspace(0, 40, 2, { dtype: 'int32' })).toThrow(/cannot be converted to int32/);
  });
  it('randint is unchanged by this family (uses the same default generator)', () => {
    manualSeed(1);
    const a = randint(0, 5, [4]).tolist();
    manualSeed(1);
    expect(randint(0, 5, [4]).tolist()).toEqual(a);
  });
});
