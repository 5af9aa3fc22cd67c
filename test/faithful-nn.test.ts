/**
 * Faithful to PyTorch (issue 14): losses, normalization, embedding, dropout and linear take PyTorch's
 * arguments (positionally in PyTorch's order, or as a trailing options object) and do what PyTorch does,
 * or throw naming the function and the argument. Values and gradients are compared with PyTorch 1.13
 * (test/fixtures/faithful-nn/cases.json, made by gen.py beside it).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, grad, manualSeed, nn, noGrad, tensor, zeros } from '../src/index.js';
import { expectClose, ints, thrown } from './helpers.js';

interface Arr {
  shape: number[];
  data: (number | string)[];
  dtype: 'int32' | 'float32';
}
interface Step {
  x: Arr;
  out: Arr;
  cot: Arr;
  gx: Arr;
  params?: Record<string, Arr>;
  buffers?: Record<string, Arr>;
}
interface Case {
  name: string;
  opts: Record<string, unknown>;
  inputs: Record<string, Arr>;
  out: Arr;
  cot: Arr;
  grads: Record<string, Arr>;
  steps: Step[];
  eval?: Step;
  gx: Arr;
  gw: Arr;
  wAfter: Arr;
  rm: Arr;
  rv: Arr;
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/faithful-nn/cases.json', import.meta.url), 'utf8')) as { cases: Case[] };
const byName = new Map(fixture.cases.map((c) => [c.name, c]));
const used = new Set<string>();
function fx(name: string): Case {
  const c = byName.get(name);
  if (c === undefined) throw new Error(`no fixture case ${name}`);
  used.add(name);
  return c;
}
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
function T(a: Arr, requiresGrad = false): Tensor {
  const vals = a.data.map(num);
  const t = (a.dtype === 'int32' ? tensor(Int32Array.from(vals), { dtype: 'int32' }) : tensor(Float32Array.from(vals))).reshape(a.shape).clone();
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}
const nd = (a: Arr) => ({ shape: a.shape, data: Float64Array.from(a.data.map(num)) });
const TOL = { atol: 2e-5, rtol: 2e-4 };

/** out and the gradients of sum(out * cot) with respect to `wrt`, against the fixture. */
function check(c: Case, out: Tensor, wrt: Record<string, Tensor>): void {
  expectClose(out, nd(c.out), { ...TOL, what: `${c.name}: output` });
  const names = Object.keys(wrt);
  const gs = grad(out.mul(T(c.cot)).sum(), names.map((k) => wrt[k]!));
  names.forEach((k, i) => expectClose(gs[i]!, nd(c.grads[k]!), { ...TOL, what: `${c.name}: gradient of ${k}` }));
}

describe('losses against PyTorch', () => {
  const ceCases = fixture.cases.filter((c) => c.name.startsWith('ce '));
  for (const c of ceCases) {
    it(c.name, () => {
      used.add(c.name);
      const x = T(c.inputs.x!, true);
      const probs = c.inputs.t!.dtype === 'float32';
      const t = T(c.inputs.t!, probs);
      const w = c.inputs.w ? T(c.inputs.w) : undefined;
      const o = c.opts as { ignoreIndex: number; reduction: 'mean' | 'sum' | 'none'; labelSmoothing: number };
      const out = F.crossEntropy(x, t, { weight: w, ignoreIndex: o.ignoreIndex, reduction: o.reduction, labelSmoothing: o.labelSmoothing });
      check(c, out, probs ? { x, t } : { x });
      // the same through the module and PyTorch's positional order
      const mod = new nn.CrossEntropyLoss(w ?? null, null, o.ignoreIndex, null, o.reduction, o.labelSmoothing);
      expectClose(mod.forward(x, t), out, { atol: 0, rtol: 0, what: `${c.name}: CrossEntropyLoss` });
      expectClose(F.crossEntropy(x, t, w ?? null, null, o.ignoreIndex, null, o.reduction, o.labelSmoothing), out, { atol: 0, rtol: 0 });
    });
  }
  for (const c of fixture.cases.filter((k) => k.name.startsWith('nll '))) {
    it(c.name, () => {
      used.add(c.name);
      const x = T(c.inputs.x!, true);
      const t = T(c.inputs.t!);
      const w = c.inputs.w ? T(c.inputs.w) : null;
      const o = c.opts as { ignoreIndex: number; reduction: 'mean' | 'sum' | 'none' };
      const out = F.nllLoss(x, t, w, { ignoreIndex: o.ignoreIndex, reduction: o.reduction });
      check(c, out, { x });
      expectClose(new nn.NLLLoss(w, { ignoreIndex: o.ignoreIndex, reduction: o.reduction }).forward(x, t), out, { atol: 0, rtol: 0 });
    });
  }
  for (const c of fixture.cases.filter((k) => k.name.startsWith('bce '))) {
    it(c.name, () => {
      used.add(c.name);
      const x = T(c.inputs.x!, true);
      const y = T(c.inputs.y!, true);
      const w = c.inputs.w ? T(c.inputs.w) : null;
      const pw = c.inputs.pw ? T(c.inputs.pw) : null;
      const red = c.opts.reduction as 'mean' | 'sum' | 'none';
      const out = F.binaryCrossEntropyWithLogits(x, y, w, { reduction: red, posWeight: pw });
      check(c, out, { x, y });
      expectClose(new nn.BCEWithLogitsLoss(w, null, null, red, pw).forward(x, y), out, { atol: 0, rtol: 0 });
      expectClose(F.binaryCrossEntropyWithLogits(x, y, w, null, null, red, pw), out, { atol: 0, rtol: 0 });
    });
  }
  for (const c of fixture.cases.filter((k) => k.name.startsWith('mse ') || k.name.startsWith('l1 '))) {
    it(c.name, () => {
      used.add(c.name);
      const x = T(c.inputs.x!, true);
      const y = T(c.inputs.y!, true);
      const red = c.opts.reduction as 'mean' | 'sum' | 'none';
      const mse = c.name.startsWith('mse');
      const out = mse ? F.mseLoss(x, y, { reduction: red }) : F.l1Loss(x, y, null, null, red);
      check(c, out, { x, y });
      const mod = mse ? new nn.MSELoss(null, null, red) : new nn.L1Loss({ reduction: red });
      expectClose(mod.forward(x, y), out, { atol: 0, rtol: 0 });
    });
  }

  it('the default crossEntropy path is unchanged: no weight, nothing ignored, mean', () => {
    const x = T(fx('ce ignore 3').inputs.x!);
    const t = ints([0, 3, 1, 3, 2]);
    const a = F.crossEntropy(x, t).item();
    expect(F.crossEntropy(x, t, { ignoreIndex: -100, reduction: 'mean' }).item()).toBe(a);
    expect(F.crossEntropy(x, t, null).item()).toBe(a);
    // an explicit all-ones weight gives the same value up to rounding
    expect(F.crossEntropy(x, t, tensor([1, 1, 1, 1], { dtype: 'float32' })).item()).toBeCloseTo(a, 6);
  });

  it('crossEntropy with weight, ignoreIndex and labelSmoothing has a second derivative', () => {
    const x = T(fx('ce weight ignore smoothing mean').inputs.x!, true);
    const t = ints([0, 2, 1, 3, 2, 2]);
    const w = tensor([0.5, 1, 2, 1.5]);
    const f = (a: Tensor) => F.crossEntropy(a, t, w, { ignoreIndex: 2, labelSmoothing: 0.2 });
    const [g] = grad(f(x), [x], { createGraph: true });
    const [gg] = grad(g!.pow(2).sum(), [x]);
    // against central differences of the first derivative
    const h = 1e-2;
    const base = Array.from(x.toArray());
    const num2 = (i: number) => {
      const at = (d: number) => {
        const v = base.slice();
        v[i] = v[i]! + d;
        const xi = tensor(v).reshape(x.shape).requiresGrad_(true);
        const [gi] = grad(f(xi), [xi]);
        return Array.from(gi!.toArray()).reduce((s, q) => s + q * q, 0);
      };
      return (at(h) - at(-h)) / (2 * h);
    };
    for (const i of [0, 5, 9, 14, 22]) expect(gg!.toArray()[i]).toBeCloseTo(num2(i), 3);
  });

  it('a target out of range (not ignoreIndex) throws naming the value', () => {
    const x = zeros(2, 3);
    expect(() => F.crossEntropy(x, ints([0, 3]))).toThrow(/crossEntropy: target 3 is out of bounds for 3 classes/);
    expect(() => F.crossEntropy(x, ints([0, -1]), { ignoreIndex: -2 })).toThrow(/crossEntropy: target -1 is out of bounds for 3 classes/);
    expect(() => F.nllLoss(x, ints([-5, 0]))).toThrow(/nllLoss: target -5 is out of bounds/);
    expect(F.crossEntropy(x, ints([0, -100]), { reduction: 'sum' }).item()).toBeCloseTo(Math.log(3), 6);
  });
});

describe('normalization against PyTorch', () => {
  function runModule(c: Case, m: nn.Module): void {
    for (const [i, s] of c.steps.entries()) {
      const x = T(s.x, true);
      const out = m.forward(x) as Tensor;
      expectClose(out, nd(s.out), { ...TOL, what: `${c.name} step ${i}: output` });
      const params = m.namedParameters ? [...m.namedParameters()] : [];
      const gs = grad(out.mul(T(s.cot)).sum(), [x, ...params.map(([, p]) => p)]);
      expectClose(gs[0]!, nd(s.gx), { ...TOL, what: `${c.name} step ${i}: input gradient` });
      params.forEach(([k, _p], j) => expectClose(gs[j + 1]!, nd(s.params![k]!), { ...TOL, what: `${c.name} step ${i}: gradient of ${k}` }));
      expect(params.map(([k]) => k).sort()).toEqual(Object.keys(s.params!).sort());
      const bufs = Object.fromEntries([...m.namedBuffers()].filter(([, b]) => b.dtype === 'float32'));
      expect(Object.keys(bufs).sort()).toEqual(Object.keys(s.buffers!).sort());
      for (const [k, b] of Object.entries(bufs)) expectClose(b, nd(s.buffers![k]!), { ...TOL, what: `${c.name} step ${i}: buffer ${k}` });
    }
    if (c.eval) {
      m.eval();
      const x = T(c.eval.x, true);
      const out = m.forward(x) as Tensor;
      expectClose(out, nd(c.eval.out), { ...TOL, what: `${c.name}: eval output` });
      const [gx] = grad(out.mul(T(c.eval.cot)).sum(), [x]);
      expectClose(gx!, nd(c.eval.gx), { ...TOL, what: `${c.name}: eval input gradient` });
    }
  }

  it('BatchNorm1d with momentum null: cumulative moving average over 3 steps (num_batches_tracked)', () => {
    const m = new nn.BatchNorm1d(3, { momentum: null });
    runModule(fx('BatchNorm1d momentum null'), m);
    expect(m.numBatchesTracked!.item()).toBe(3);
    expect(String(m)).toBe('BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)');
  });
  it('BatchNorm1d(3, 1e-3, 0.3) positionally', () => {
    const m = new nn.BatchNorm1d(3, 1e-3, 0.3);
    expect(m.eps).toBe(1e-3);
    expect(m.momentum).toBe(0.3);
    runModule(fx('BatchNorm1d momentum 0.3 eps 1e-3'), m);
  });
  it('BatchNorm2d with affine false has no weight or bias', () => {
    const m = new nn.BatchNorm2d(2, 1e-5, 0.1, false);
    expect(m.weight).toBe(null);
    expect([...m.namedParameters()].length).toBe(0);
    runModule(fx('BatchNorm2d affine false'), m);
  });
  it('BatchNorm1d with trackRunningStats false uses batch statistics in eval too', () => {
    const m = new nn.BatchNorm1d(3, { trackRunningStats: false });
    expect(m.runningMean).toBe(null);
    expect(Object.keys(m.stateDict()).sort()).toEqual(['bias', 'weight']);
    runModule(fx('BatchNorm1d track false'), m);
  });
  it('LayerNorm(5, 1e-3) positionally', () => {
    const m = new nn.LayerNorm(5, 1e-3);
    expect(m.eps).toBe(1e-3);
    runModule(fx('LayerNorm eps 1e-3'), m);
  });
  it('LayerNorm without elementwise affine', () => {
    const m = new nn.LayerNorm([2, 3], 1e-5, false);
    expect(m.weight).toBe(null);
    runModule(fx('LayerNorm no affine'), m);
  });
  it('F.batchNorm takes training, momentum and eps as options', () => {
    const c = fx('F.batchNorm training momentum 0.3');
    const x = T(c.inputs.x!, true);
    const rm = T(c.inputs.rm!), rv = T(c.inputs.rv!);
    const out = F.batchNorm(x, rm, rv, { training: true, momentum: 0.3, eps: 1e-3 });
    expectClose(out, nd(c.out), TOL);
    expectClose(rm, nd(c.rm), TOL);
    expectClose(rv, nd(c.rv), TOL);
    const [gx] = grad(out.mul(T(c.cot)).sum(), [x]);
    expectClose(gx!, nd(c.gx), TOL);
    // the same positionally, and mixed
    const rm2 = T(c.inputs.rm!), rv2 = T(c.inputs.rv!);
    expectClose(F.batchNorm(x, rm2, rv2, null, null, true, 0.3, 1e-3), out, { atol: 0, rtol: 0 });
    expectClose(rm2, rm, { atol: 0, rtol: 0 });
    const rm3 = T(c.inputs.rm!), rv3 = T(c.inputs.rv!);
    F.batchNorm(x, rm3, rv3, null, null, true, { momentum: 0.3, eps: 1e-3 });
    expectClose(rv3, rv, { atol: 0, rtol: 0 });
  });
  it('F.layerNorm takes weight, bias and eps positionally or as options', () => {
    const x = T(fx('LayerNorm eps 1e-3').steps[0]!.x);
    const w = tensor([1, 2, 3, 4, 5]), b = tensor([0, 1, 0, 1, 0]);
    const a = F.layerNorm(x, [5], w, b, 1e-3);
    expectClose(F.layerNorm(x, 5, { weight: w, bias: b, eps: 1e-3 }), a, { atol: 0, rtol: 0 });
    expectClose(F.layerNorm(x, [5], w, { bias: b, eps: 1e-3 }), a, { atol: 0, rtol: 0 });
  });
});

describe('embedding against PyTorch', () => {
  for (const c of fixture.cases.filter((k) => k.name.startsWith('embedding '))) {
    it(c.name, () => {
      used.add(c.name);
      for (const form of ['F', 'module'] as const) {
        const w = T(c.inputs.w!, true);
        const idx = T(c.inputs.idx!);
        let out: Tensor;
        if (form === 'F') {
          out = F.embedding(idx, w, c.opts);
        } else {
          const m = new nn.Embedding(6, 3, c.opts);
          noGrad(() => m.weight.copy_(w));
          out = m.forward(idx);
          w.grad = null;
          const [gw] = grad(out.mul(T(c.cot)).sum(), [m.weight]);
          expectClose(out, nd(c.out), { ...TOL, what: `${c.name} (module): output` });
          expectClose(gw!, nd(c.gw), { ...TOL, what: `${c.name} (module): weight gradient` });
          expectClose(m.weight, nd(c.wAfter), { ...TOL, what: `${c.name} (module): weight after` });
          continue;
        }
        expectClose(out, nd(c.out), { ...TOL, what: `${c.name}: output` });
        const [gw] = grad(out.mul(T(c.cot)).sum(), [w]);
        expectClose(gw!, nd(c.gw), { ...TOL, what: `${c.name}: weight gradient` });
        expectClose(w, nd(c.wAfter), { ...TOL, what: `${c.name}: weight after (maxNorm renormalises in place)` });
      }
    });
  }

  it('Embedding(n, d, paddingIdx) zeroes that row at init; a negative index counts from the end', () => {
    const e = new nn.Embedding(5, 3, 1);
    expect(Array.from(e.weight.select(0, 1).toArray())).toEqual([0, 0, 0]);
    expect(new nn.Embedding(5, 3, -1).paddingIdx).toBe(4);
    expect(String(new nn.Embedding(5, 3, { paddingIdx: -1, maxNorm: 2 }))).toBe('Embedding(5, 3, padding_idx=4, max_norm=2.0)');
    expect(() => new nn.Embedding(5, 3, 5)).toThrow(/Embedding: paddingIdx must be within numEmbeddings/);
    expect(() => new nn.Embedding(5, 3, { sparse: true })).toThrow(/Embedding: sparse: true .* not supported/);
    expect(() => F.embedding(ints([0]), zeros(2, 2), null, null, 2, false, true)).toThrow(/embedding: sparse: true .* not supported/);
  });

  it('paddingIdx rows get no gradient; double backward goes through', () => {
    const w = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float32' }).requiresGrad_(true);
    const out = F.embedding(ints([0, 1, 1, 2]), w, 1);
    const [g] = grad(out.pow(2).sum(), [w], { createGraph: true });
    expect(Array.from(g!.toArray())).toEqual([2, 4, 0, 0, 10, 12]);
    const [gg] = grad(g!.sum(), [w]);
    expect(Array.from(gg!.toArray())).toEqual([2, 2, 0, 0, 2, 2]);
  });
});

describe('dropout', () => {
  it('inplace writes into the input, with the same mask and gradient as out of place', () => {
    const base = tensor([1, 2, 3, 4, 5, 6, 7, 8], { dtype: 'float32' }).requiresGrad_(true);
    manualSeed(7);
    const a = F.dropout(base.mul(1), 0.5);
    const [ga] = grad(a.sum(), [base]);
    manualSeed(7);
    const h = base.mul(1);
    const b = F.dropout(h, 0.5, true, true);
    expect(b).toBe(h);
    expect(Array.from(b.toArray())).toEqual(Array.from(a.toArray()));
    const [gb] = grad(b.sum(), [base]);
    expect(Array.from(gb!.toArray())).toEqual(Array.from(ga!.toArray()));
    manualSeed(7);
    const h2 = base.mul(1);
    expect(F.dropout(h2, { p: 0.5, inplace: true })).toBe(h2);
    expect(Array.from(h2.toArray())).toEqual(Array.from(a.toArray()));
  });
  it('nn.Dropout(p, inplace)', () => {
    const d = new nn.Dropout(0.25, true);
    expect(d.inplace).toBe(true);
    expect(String(d)).toBe('Dropout(p=0.25, inplace=True)');
    const x = tensor([1, 2, 3, 4], { dtype: 'float32' }).mul(1);
    expect(d.forward(x)).toBe(x);
    expect(new nn.Dropout({ p: 0.1 }).p).toBe(0.1);
    // in place on a leaf that requires grad throws as PyTorch does, before anything changes
    const leaf = tensor([1, 2], { dtype: 'float32' }).requiresGrad_(true);
    expect(() => d.forward(leaf)).toThrow(/dropout: a leaf tensor that requires grad/);
    d.eval();
    expect(d.forward(leaf)).toBe(leaf);
  });
});

describe('positional forms', () => {
  it('Linear(4, 3, false) has no bias', () => {
    expect(new nn.Linear(4, 3, false).bias).toBe(null);
    expect(new nn.Linear(4, 3, true).bias).not.toBe(null);
    expect(new nn.Linear(4, 3, { bias: false }).bias).toBe(null);
    expect(() => new nn.Linear(4, 3, false, { bias: true })).toThrow(/Linear: bias is given both/);
    expect(() => new nn.Linear(4, 3, 0 as never)).toThrow(/Linear: bias must be a boolean, got number 0/);
  });
  it('BatchNorm2d(4, 1e-3) has eps 1e-3', () => {
    const m = new nn.BatchNorm2d(4, 1e-3);
    expect(m.eps).toBe(1e-3);
    expect(m.momentum).toBe(0.1);
    const m2 = new nn.BatchNorm2d(4, 1e-3, null, true, false);
    expect(m2.momentum).toBe(null);
    expect(m2.trackRunningStats).toBe(false);
  });
  it('LayerNorm(5, 1e-3) has eps 1e-3', () => {
    expect(new nn.LayerNorm(5, 1e-3).eps).toBe(1e-3);
    expect(new nn.LayerNorm(5, { bias: false }).bias).toBe(null);
  });
  it('F.linear(x, w, b) and { bias }', () => {
    const x = tensor([[1, 2]]), w = tensor([[1, 0], [0, 1]]), b = tensor([10, 20]);
    expect(Array.from(F.linear(x, w, { bias: b }).toArray())).toEqual([11, 22]);
    expect(() => F.linear(x, w, 3 as never)).toThrow(/linear: bias must be a Tensor or null, got number 3/);
  });
  it('loss modules take PyTorch positional order; weights are buffers', () => {
    const w = tensor([1, 2, 3]);
    const ce = new nn.CrossEntropyLoss(w, null, 1, null, 'sum', 0.1);
    expect(ce.ignoreIndex).toBe(1);
    expect(ce.reduction).toBe('sum');
    expect(ce.labelSmoothing).toBe(0.1);
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.BCEWithLogitsLoss(null, { posWeight: w }).stateDict())).toEqual(['pos_weight']);
    expect(new nn.MSELoss(null, null, 'sum').reduction).toBe('sum');
  });
  it('activations take PyTorch positional arguments', () => {
    expect(new nn.LeakyReLU(0.2).negativeSlope).toBe(0.2);
    expect(new nn.GELU('tanh').approximate).toBe('tanh');
    expect(new nn.Softmax(1).dim).toBe(1);
    const x = tensor([[1, -1]], { dtype: 'float32' }).mul(1);
    expect(new nn.ReLU(true).forward(x)).toBe(x);
    expect(Array.from(x.toArray())).toEqual([1, 0]);
    // PyTorch's implicit dim: 0 for a 3-D input
    const y = tensor([[[1, 2]], [[3, 4]]], { dtype: 'float32' });
    expectClose(new nn.Softmax().forward(y), y.softmax(0), { atol: 0, rtol: 0 });
  });
});

describe('validation', () => {
  const x = zeros(2, 3);
  const t = ints([0, 1]);
  const cases: [string, () => unknown, RegExp][] = [
    ['crossEntropy misspelled', () => F.crossEntropy(x, t, { ignoreIndx: 1 } as never), /crossEntropy: unknown option 'ignoreIndx' \(did you mean 'ignoreIndex'\?\)/],
    ['crossEntropy snake_case', () => F.crossEntropy(x, t, { label_smoothing: 0.1 } as never), /crossEntropy: unknown option 'label_smoothing' \(PyTorch's label_smoothing is labelSmoothing here\)/],
    ['crossEntropy size_average', () => F.crossEntropy(x, t, { size_average: false } as never), /crossEntropy: size_average is deprecated/],
    ['crossEntropy reduce positional', () => F.crossEntropy(x, t, null, null, -100, false as never), /crossEntropy: reduce is deprecated/],
    ['crossEntropy number as weight', () => F.crossEntropy(x, t, 0.1 as never), /crossEntropy: weight must be a Tensor or null, got number 0.1; options go in an object/],
    ['crossEntropy string as weight', () => F.crossEntropy(x, t, 'sum' as never), /did you mean \{ reduction: "sum" \}/],
    ['crossEntropy weight shape', () => F.crossEntropy(x, t, tensor([1, 2])), /crossEntropy: weight must be a 1-D Tensor of 3 class weights, got shape \[2\]/],
    ['crossEntropy reduction', () => F.crossEntropy(x, t, { reduction: 'avg' as never }), /crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"/],
    ['crossEntropy ignoreIndex', () => F.crossEntropy(x, t, { ignoreIndex: 0.5 }), /crossEntropy: ignoreIndex must be an integer/],
    ['crossEntropy probs with ignoreIndex', () => F.crossEntropy(x, zeros(2, 3), { ignoreIndex: 0 }), /crossEntropy: ignoreIndex is not supported for class-probability/],
    ['nllLoss misspelled', () => F.nllLoss(x, t, { weigth: null } as never), /nllLoss: unknown option 'weigth' \(did you mean 'weight'\?\)/],
    ['nllLoss snake_case', () => F.nllLoss(x, t, { ignore_index: 1 } as never), /nllLoss: unknown option 'ignore_index' \(PyTorch's ignore_index is ignoreIndex here\)/],
    ['mseLoss misspelled', () => F.mseLoss(x, x, { reductoin: 'sum' } as never), /mseLoss: unknown option 'reductoin' \(did you mean 'reduction'\?\)/],
    ['mseLoss snake_case', () => F.mseLoss(x, x, { size_average: true } as never), /mseLoss: size_average is deprecated/],
    ['mseLoss string', () => F.mseLoss(x, x, 'sum' as never), /mseLoss: size_average is deprecated .*did you mean \{ reduction: "sum" \}/],
    ['l1Loss misspelled', () => F.l1Loss(x, x, { reduce: 'sum' } as never), /l1Loss: reduce is deprecated .*did you mean \{ reduction: "sum" \}/],
    ['bce misspelled', () => F.binaryCrossEntropyWithLogits(x, x, { posWeigth: null } as never), /unknown option 'posWeigth' \(did you mean 'posWeight'\?\)/],
    ['bce snake_case', () => F.binaryCrossEntropyWithLogits(x, x, { pos_weight: null } as never), /PyTorch's pos_weight is posWeight here/],
    ['bce weight shape', () => F.binaryCrossEntropyWithLogits(x, x, tensor([1, 2])), /binaryCrossEntropyWithLogits: weight shape \[2\] does not broadcast to input shape \[2, 3\]/],
    ['CrossEntropyLoss misspelled', () => new nn.CrossEntropyLoss({ labelSmothing: 0.1 } as never), /CrossEntropyLoss: unknown option 'labelSmothing' \(did you mean 'labelSmoothing'\?\)/],
    ['CrossEntropyLoss snake_case', () => new nn.CrossEntropyLoss({ ignore_index: 0 } as never), /CrossEntropyLoss: unknown option 'ignore_index' \(PyTorch's/],
    ['CrossEntropyLoss number', () => new nn.CrossEntropyLoss(0.1 as never), /CrossEntropyLoss: weight must be a Tensor or null, got number 0.1/],
    ['NLLLoss snake_case', () => new nn.NLLLoss({ ignore_index: 0 } as never), /NLLLoss: unknown option 'ignore_index' \(PyTorch's/],
    ['MSELoss snake_case', () => new nn.MSELoss({ size_average: false } as never), /MSELoss: size_average is deprecated/],
    ['MSELoss misspelled', () => new nn.MSELoss({ reducton: 'sum' } as never), /MSELoss: unknown option 'reducton' \(did you mean 'reduction'\?\)/],
    ['L1Loss misspelled', () => new nn.L1Loss({ reducton: 'sum' } as never), /L1Loss: unknown option 'reducton'/],
    ['BCEWithLogitsLoss snake_case', () => new nn.BCEWithLogitsLoss({ pos_weight: null } as never), /BCEWithLogitsLoss: unknown option 'pos_weight' \(PyTorch's pos_weight is posWeight here\)/],
    ['batchNorm misspelled', () => F.batchNorm(x, null, null, { trainig: true } as never), /batchNorm: unknown option 'trainig' \(did you mean 'training'\?\)/],
    ['batchNorm options first', () => F.batchNorm(x, { training: true } as never, null), /batchNorm: runningMean must be a Tensor or null, got a Object \(runningMean and runningVar come first/],
    ['batchNorm momentum', () => F.batchNorm(x, null, null, { momentum: 'x' as never }), /batchNorm: momentum must be a number/],
    ['BatchNorm1d snake_case', () => new nn.BatchNorm1d(3, { track_running_stats: false } as never), /BatchNorm1d: unknown option 'track_running_stats' \(PyTorch's track_running_stats is trackRunningStats here\)/],
    ['BatchNorm2d misspelled', () => new nn.BatchNorm2d(3, { momentm: 0.2 } as never), /BatchNorm2d: unknown option 'momentm' \(did you mean 'momentum'\?\)/],
    ['BatchNorm2d affine type', () => new nn.BatchNorm2d(3, 1e-5, 0.1, 'no' as never), /BatchNorm2d: affine must be a boolean, got the string "no"/],
    ['layerNorm misspelled', () => F.layerNorm(x, 3, { epss: 1e-3 } as never), /layerNorm: unknown option 'epss' \(did you mean 'eps'\?\)/],
    ['LayerNorm snake_case', () => new nn.LayerNorm(3, { elementwise_affine: false } as never), /LayerNorm: unknown option 'elementwise_affine' \(PyTorch's elementwise_affine is elementwiseAffine here\)/],
    ['LayerNorm eps type', () => new nn.LayerNorm(3, 'big' as never), /LayerNorm: eps must be a non-negative number, got the string "big"/],
    ['embedding misspelled', () => F.embedding(t, zeros(3, 2), { paddingIndex: 0 } as never), /embedding: unknown option 'paddingIndex' \(did you mean 'paddingIdx'\?\)/],
    ['Embedding snake_case', () => new nn.Embedding(3, 2, { padding_idx: 0 } as never), /Embedding: unknown option 'padding_idx' \(PyTorch's padding_idx is paddingIdx here\)/],
    ['Embedding maxNorm type', () => new nn.Embedding(3, 2, null, 'x' as never), /Embedding: maxNorm must be a number or null/],
    ['dropout misspelled', () => F.dropout(x, { inplce: true } as never), /dropout: unknown option 'inplce' \(did you mean 'inplace'\?\)/],
    ['dropout p type', () => F.dropout(x, 'half' as never), /dropout: dropout probability has to be between 0 and 1, but got the string "half"/],
    ['Dropout snake_case', () => new nn.Dropout({ in_place: true } as never), /Dropout: unknown option 'in_place'/],
    ['Dropout inplace type', () => new nn.Dropout(0.5, 1 as never), /Dropout: inplace must be a boolean, got number 1/],
    ['Linear misspelled', () => new nn.Linear(2, 3, { biass: false } as never), /Linear: unknown option 'biass' \(did you mean 'bias'\?\)/],
    ['linear misspelled', () => F.linear(x, zeros(2, 3), { bia: null } as never), /linear: unknown option 'bia' \(did you mean 'bias'\?\)/],
    ['GELU misspelled', () => new nn.GELU({ approx: 'tanh' } as never), /GELU: unknown option 'approx'/],
    ['LeakyReLU snake_case', () => new nn.LeakyReLU({ negative_slope: 0.1 } as never), /LeakyReLU: unknown option 'negative_slope' \(PyTorch's negative_slope is negativeSlope here\)/],
    ['ReLU misspelled', () => new nn.ReLU({ inplae: true } as never), /ReLU: unknown option 'inplae' \(did you mean 'inplace'\?\)/],
    ['Softmax misspelled', () => new nn.Softmax({ dimm: 1 } as never), /Softmax: unknown option 'dimm' \(did you mean 'dim'\?\)/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toMatch(pattern);
    });
  }
});

describe('fixture coverage', () => {
  it('every PyTorch case is used', () => {
    const unused = fixture.cases.map((c) => c.name).filter((n) => !used.has(n));
    expect(unused).toEqual([]);
  });
});
