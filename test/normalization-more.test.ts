/**
 * Issue 16, normalization and distances (src/ops/normalization-more.ts, src/ops/distance.ts and the layers in
 * src/nn/layers/normalization-more.ts, distance.ts): values and gradients against PyTorch 1.13
 * (test/fixtures/normalization-more/cases.json, made by gen.py; RMSNorm from PyTorch 2.4's formula), module
 * reprs, state-dict names and PyTorch weights loaded strictly, gradcheck at odd sizes and on non-contiguous
 * inputs, argument forms and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, nn, grad, tensor, type Tensor } from '../src/index.js';
import { checkOp, expectClose, expectTorchValues, ints, thrown, torchNum, type TorchArr } from './helpers.js';

interface Case { inputs: Record<string, TorchArr>; outputs: TorchArr[]; grads?: Record<string, (number | string)[] | null> }
interface ModuleRec {
  repr: string;
  stateDict: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; values: (number | string)[] }>;
  inputs?: TorchArr[];
  output?: TorchArr;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/normalization-more/cases.json', import.meta.url), 'utf8')) as {
  cases: Record<string, Case>;
  modules: Record<string, ModuleRec>;
};

const toTensor = (a: TorchArr): Tensor => tensor(a.values.map(torchNum), { dtype: a.dtype }).reshape(a.shape);

type Out = Tensor | Tensor[];
const twins: Record<string, (...xs: Tensor[]) => Out> = {
  group_norm_affine: (x, w, b) => F.groupNorm(x!, 3, w, b),
  group_norm_plain_4d: (x) => F.groupNorm(x!, 2, { eps: 1e-3 }),
  group_norm_one_group: (x, w) => F.groupNorm(x!, 1, w),
  group_norm_2d: (x) => F.groupNorm(x!, 2),
  instance_norm: (x) => F.instanceNorm(x!),
  instance_norm_affine_2d: (x, w, b) => F.instanceNorm(x!, { weight: w, bias: b, eps: 1e-3 }),
  instance_norm_running: (x, w, b, rm, rv) => {
    const m = rm!.clone(), v = rv!.clone();
    return [F.instanceNorm(x!, m, v, w, b, true, 0.3, 1e-5), m, v];
  },
  instance_norm_eval: (x, rm, rv) => F.instanceNorm(x!, rm, rv, { useInputStats: false }),
  lrn_3d: (x) => F.localResponseNorm(x!, 3),
  lrn_4d: (x) => F.localResponseNorm(x!, 2, 0.1, 0.5, 2),
  lrn_5d_big: (x) => F.localResponseNorm(x!, 4, { alpha: 0.5, beta: 0.9, k: 0.5 }),
  normalize: (x) => F.normalize(x!),
  normalize_p1_dim0: (x) => F.normalize(x!, 1, 0),
  normalize_zero_row: (x) => F.normalize(x!, { dim: -1 }),
  normalize_pinf: (x) => F.normalize(x!, Infinity, 1, 1e-2),
  normalize_p3: (x) => F.normalize(x!, 3, { dim: 1 }),
  cosine: (a, b) => F.cosineSimilarity(a!, b!),
  cosine_dim0: (a, b) => F.cosineSimilarity(a!, b!, 0),
  cosine_broadcast: (a, b) => F.cosineSimilarity(a!, b!, { dim: -1 }),
  cosine_eps: (a, b) => F.cosineSimilarity(a!, b!, 1, 0.5),
  cosine_zero: (a, b) => new nn.CosineSimilarity().forward(a!, b!),
  pairwise: (a, b) => F.pairwiseDistance(a!, b!),
  pairwise_p1_keepdim: (a, b) => F.pairwiseDistance(a!, b!, 1, 1e-6, true),
  pairwise_broadcast: (a, b) => F.pairwiseDistance(a!, b!, { eps: 1e-3 }),
  pairwise_p3: (a, b) => new nn.PairwiseDistance({ p: 3 }).forward(a!, b!),
  pairwise_same: (a, b) => F.pairwiseDistance(a!, b!),
  one_hot: (t) => F.oneHot(t!),
  one_hot_classes: (t) => F.oneHot(t!, 5),
  one_hot_empty: (t) => F.oneHot(t!, { numClasses: 3 }),
  bag_mean_offsets: (w, i, o) => F.embeddingBag(i!, w!, o),
  bag_sum_offsets: (w, i, o) => F.embeddingBag(i!, w!, o, { mode: 'sum' }),
  bag_max_offsets: (w, i, o) => F.embeddingBag(i!, w!, { offsets: o, mode: 'max' }),
  bag_2d_mean: (w, i) => F.embeddingBag(i!, w!),
  bag_2d_max: (w, i) => F.embeddingBag(i!, w!, null, { mode: 'max' }),
  bag_last_offset: (w, i, o) => F.embeddingBag(i!, w!, o, { mode: 'sum', includeLastOffset: true }),
  bag_padding_mean: (w, i, o) => F.embeddingBag(i!, w!, o, { paddingIdx: 2 }),
  bag_padding_max: (w, i, o) => F.embeddingBag(i!, w!, o, { mode: 'max', paddingIdx: -2 }),
  bag_per_sample: (w, i, o, p) => F.embeddingBag(i!, w!, o, { mode: 'sum', perSampleWeights: p }),
  bag_scale_grad: (w, i, o) => F.embeddingBag(i!, w!, o, null, 2, true, 'sum'),
  bag_max_norm: (w, i, o) => {
    const w2 = w!.clone();
    return [F.embeddingBag(i!, w2, o, { maxNorm: 1 }), w2];
  },
  rms_norm: (x, w) => F.rmsNorm(x!, [5], w),
  rms_norm_2dims_eps: (x) => F.rmsNorm(x!, [2, 3], { eps: 1e-3 }),
  rms_norm_default_eps_small: (x) => new nn.RMSNorm(4, { elementwiseAffine: false }).forward(x!),
};

describe('normalization and distances against PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const f = twins[name];
      if (!f) throw new Error(`no wasmgrad twin for fixture case ${name}`);
      const names = Object.keys(c.inputs);
      const xs = names.map((k) => {
        const t = toTensor(c.inputs[k]!);
        return c.inputs[k]!.requiresGrad ? t.requiresGrad_() : t;
      });
      const res = f(...xs);
      const outs = Array.isArray(res) ? res : [res];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectTorchValues(o, c.outputs[i]!, `${name} out${i}`, 1e-5));
      const y = outs[0]!;
      if (!c.grads) {
        expect(y.requiresGrad, `${name}: requiresGrad`).toBe(false);
        return;
      }
      const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
      const r = tensor(Array.from({ length: y.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y.shape);
      const gs = grad(y.mul(r).sum(), wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
      wrt.forEach((k, i) => {
        const want = c.grads![k];
        if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
        else expectTorchValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`, 2e-5);
      });
    });
  }
});

/** The wasmgrad constructor of each fixture module. */
const modules: Record<string, () => nn.Module<(...a: never[]) => unknown>> = {
  'GroupNorm(2, 4)': () => new nn.GroupNorm(2, 4),
  'GroupNorm(2, 4, affine=False)': () => new nn.GroupNorm(2, 4, { affine: false }),
  'InstanceNorm1d(4, affine, track) eval': () => new nn.InstanceNorm1d(4, { affine: true, trackRunningStats: true }).eval(),
  'InstanceNorm1d(4)': () => new nn.InstanceNorm1d(4),
  'InstanceNorm1d(4) unbatched': () => new nn.InstanceNorm1d(4),
  'InstanceNorm2d(3, track)': () => new nn.InstanceNorm2d(3, 1e-5, 0.1, false, true),
  'InstanceNorm2d(3, momentum=0.2, affine)': () => new nn.InstanceNorm2d(3, { momentum: 0.2, affine: true }),
  'InstanceNorm1d(4, track) after 2 steps': () => new nn.InstanceNorm1d(4, { trackRunningStats: true, momentum: 0.25 }),
  'LocalResponseNorm(3)': () => new nn.LocalResponseNorm(3),
  'LocalResponseNorm(2, 0.1, 0.5, 2)': () => new nn.LocalResponseNorm(2, 0.1, 0.5, 2),
  'CosineSimilarity()': () => new nn.CosineSimilarity(),
  'PairwiseDistance()': () => new nn.PairwiseDistance(),
  'EmbeddingBag(6, 3)': () => new nn.EmbeddingBag(6, 3),
  'EmbeddingBag(6, 3, mode=sum, padding_idx=2)': () => new nn.EmbeddingBag(6, 3, { mode: 'sum', paddingIdx: 2 }),
  'EmbeddingBag(6, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode=max)': () => new nn.EmbeddingBag(6, 3, 1, 1, true, 'max'),
  'RMSNorm([5])': () => new nn.RMSNorm([5]),
  'RMSNorm([2, 3], eps=1e-3, elementwise_affine=False)': () => new nn.RMSNorm([2, 3], 1e-3, false),
};

describe('modules: reprs, state dicts, PyTorch weights', () => {
  for (const [name, rec] of Object.entries(fixture.modules)) {
    it(name, () => {
      const make = modules[name];
      if (!make) throw new Error(`no constructor for fixture module ${name}`);
      const m = make() as nn.Module<(...a: Tensor[]) => Tensor>;
      expect(String(m)).toBe(rec.repr);
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(rec.stateDict));
      for (const [k, v] of Object.entries(rec.stateDict)) {
        expect(sd[k]!.shape, k).toEqual(v.shape);
        expect(sd[k]!.dtype, k).toBe(v.dtype);
      }
      if (name.endsWith('after 2 steps')) {
        const x = toTensor(fixture.modules['InstanceNorm1d(4)']!.inputs![0]!);
        m.forward(x);
        m.forward(x.mul(2).add(1));
        for (const [k, v] of Object.entries(rec.stateDict)) expectTorchValues(m.stateDict()[k]!, { ...v }, `${name} ${k}`, 1e-5);
        return;
      }
      m.loadStateDict(Object.fromEntries(Object.entries(rec.stateDict).map(([k, v]) => [k, toTensor(v)])), { strict: true });
      if (rec.inputs) expectTorchValues(m.forward(...rec.inputs.map(toTensor)), rec.output!, `${name} output`, 1e-5);
    });
  }

  it('keep nothing; InstanceNorm buffers read as runningMean/runningVar; EmbeddingBag init N(0, 1) with a zero padding row', () => {
    for (const m of [new nn.GroupNorm(1, 2), new nn.InstanceNorm1d(2), new nn.LocalResponseNorm(2), new nn.RMSNorm(2), new nn.CosineSimilarity(), new nn.PairwiseDistance()]) {
      expect(m.keepsNothing(), String(m)).toBe(true);
    }
    const inorm = new nn.InstanceNorm2d(3, { trackRunningStats: true });
    expect(inorm.runningMean!.tolist()).toEqual([0, 0, 0]);
    expect(inorm.runningVar!.tolist()).toEqual([1, 1, 1]);
    expect(inorm.numBatchesTracked!.item()).toBe(0);
    const bag = new nn.EmbeddingBag(200, 5, { paddingIdx: 3 });
    const w = Array.from(bag.weight.toArray());
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(sd).toBeGreaterThan(0.85);
    expect(sd).toBeLessThan(1.15);
    expect(bag.weight.select(0, 3).tolist()).toEqual([0, 0, 0, 0, 0]);
    const gn = new nn.GroupNorm(2, 4);
    expect(gn.weight!.tolist()).toEqual([1, 1, 1, 1]);
    expect(gn.bias!.tolist()).toEqual([0, 0, 0, 0]);
  });

  it('InstanceNorm in eval mode without tracked stats uses the input statistics; unbatched input works', () => {
    const x = tensor([[1, 2, 4], [0, -1, 3]], { dtype: 'float32' });
    const m = new nn.InstanceNorm1d(2).eval();
    expectClose(m.forward(x), F.instanceNorm(x.unsqueeze(0)).squeeze(0), { atol: 0, rtol: 0 });
    const t = new nn.InstanceNorm1d(2, { trackRunningStats: true });
    t.forward(x);
    expect(t.runningMean!.toArray()[0]).toBeCloseTo(0.1 * 7 / 3, 6);
  });
});

describe('gradients (gradcheck, odd sizes, non-contiguous)', () => {
  it('groupNorm', () => {
    checkOp('groupNorm', (x, w, b) => F.groupNorm(x!, 3, w, b), [[2, 3, 5], [3], [3]]);
    checkOp('groupNorm nc', (x) => F.groupNorm(x!, 1), [[3, 2, 17]], { nonContiguous: true });
  });
  it('instanceNorm', () => {
    checkOp('instanceNorm', (x, w, b) => F.instanceNorm(x!, null, null, w, b), [[1, 3, 5], [3], [3]]);
    checkOp('instanceNorm nc', (x) => F.instanceNorm(x!), [[3, 2, 17]], { nonContiguous: 'permute' });
  });
  it('localResponseNorm', () => {
    checkOp('lrn', (x) => F.localResponseNorm(x!, 3, 0.5, 0.75, 1), [[1, 5, 3]]);
    checkOp('lrn nc', (x) => F.localResponseNorm(x!, 2, 0.3), [[2, 3, 3, 2]], { nonContiguous: true });
  });
  it('rmsNorm', () => {
    checkOp('rmsNorm', (x, w) => F.rmsNorm(x!, [17], w), [[3, 17], [17]]);
    checkOp('rmsNorm nc', (x) => F.rmsNorm(x!, 3, { eps: 1e-3 }), [[1, 5, 3]], { nonContiguous: true });
  });
  it('normalize', () => {
    checkOp('normalize', (x) => F.normalize(x!), [[3, 17]]);
    checkOp('normalize p1', (x) => F.normalize(x!, 1, 0), [[3, 1]], { range: [0.2, 1] });
    checkOp('normalize nc', (x) => F.normalize(x!, 3, -1), [[5, 3]], { nonContiguous: true, range: [0.2, 1] });
  });
  it('cosineSimilarity', () => {
    checkOp('cosine', (a, b) => F.cosineSimilarity(a!, b!), [[3, 17], [3, 17]]);
    checkOp('cosine broadcast', (a, b) => F.cosineSimilarity(a!, b!, -1), [[1, 5], [3, 5]]);
    checkOp('cosine nc', (a, b) => F.cosineSimilarity(a!, b!, 0), [[5, 3], [5, 3]], { nonContiguous: [true, false] });
  });
  it('pairwiseDistance', () => {
    checkOp('pairwise', (a, b) => F.pairwiseDistance(a!, b!), [[3, 17], [3, 17]]);
    checkOp('pairwise p1', (a, b) => F.pairwiseDistance(a!, b!, 1), [[1, 3], [3]]);
    checkOp('pairwise nc', (a, b) => F.pairwiseDistance(a!, b!, 3, 1e-6, true), [[5, 3], [5, 3]], { nonContiguous: true });
  });
  it('embeddingBag (weight and perSampleWeights)', () => {
    const ids = ints([0, 2, 1, 2, 4, 3, 0]);
    const offs = ints([0, 3, 3, 5]);
    for (const mode of ['sum', 'mean', 'max'] as const) checkOp(`bag ${mode}`, (w) => F.embeddingBag(ids, w!, offs, { mode }), [[5, 3]]);
    checkOp('bag psw', (w, p) => F.embeddingBag(ids, w!, offs, { mode: 'sum', perSampleWeights: p }), [[5, 3], [7]]);
    checkOp('bag nc', (w) => F.embeddingBag(ints([0, 2, 1, 1], [2, 2]), w!), [[3, 5]], { nonContiguous: true });
  });
  it('embeddingBag scaleGradByFreq divides the gradient of each row by the count of its index in the input (the documented rule)', () => {
    const w = tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], { dtype: 'float32', requiresGrad: true });
    const ids = ints([1, 1, 4, 1, 4, 3]);
    const offs = ints([0, 2, 4]);
    for (const mode of ['sum', 'mean'] as const) {
      const [plain] = grad(F.embeddingBag(ids, w, offs, { mode }).sum(), [w]);
      const [scaled] = grad(F.embeddingBag(ids, w, offs, { mode, scaleGradByFreq: true }).sum(), [w]);
      const count = [1, 3, 1, 1, 2];
      expectClose(scaled!, plain!.div(tensor(count, { dtype: 'float32' }).reshape(5, 1)), { atol: 1e-7, what: mode });
    }
  });
});

describe('argument checks', () => {
  const x = tensor([[[1, 2], [3, 4], [5, 7]]], { dtype: 'float32' });
  const w = tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], { dtype: 'float32' });
  const cases: [string, () => unknown, RegExp][] = [
    ['groupNorm divisible', () => F.groupNorm(x, 2), /groupNorm: the 3 input channels \(shape \[1, 3, 2\]\) are not divisible by numGroups 2/],
    ['GroupNorm divisible', () => new nn.GroupNorm(2, 3), /GroupNorm: numChannels \(3\) must be divisible by numGroups \(2\)/],
    ['groupNorm weight', () => F.groupNorm(x, 3, tensor([1, 2], { dtype: 'float32' })), /groupNorm: weight shape \[2\] does not match the 3 channels/],
    ['groupNorm 1-D', () => F.groupNorm(tensor([1, 2], { dtype: 'float32' }), 1), /groupNorm: expected at least 2 dimensions/],
    ['groupNorm option', () => F.groupNorm(x, 3, { epsilon: 1 } as never), /groupNorm: unknown option 'epsilon'/],
    ['instanceNorm running', () => F.instanceNorm(x, null, null, { useInputStats: false }), /instanceNorm: expected runningMean and runningVar to be given when useInputStats is false/],
    ['instanceNorm spatial', () => F.instanceNorm(tensor([[[1], [2]]], { dtype: 'float32' })), /instanceNorm: expected more than 1 spatial element when training/],
    ['instanceNorm snake', () => F.instanceNorm(x, { use_input_stats: false } as never), /PyTorch's use_input_stats is useInputStats here/],
    ['InstanceNorm1d dims', () => new nn.InstanceNorm1d(3).forward(tensor([1, 2], { dtype: 'float32' })), /InstanceNorm1d: expected 2D \(unbatched\) or 3D \(batched\) input/],
    ['InstanceNorm1d features', () => new nn.InstanceNorm1d(4, { affine: true }).forward(x), /InstanceNorm1d: expected input's size at dim 1 to match numFeatures \(4\)/],
    ['InstanceNorm momentum null', () => new nn.InstanceNorm2d(3, { momentum: null as never }), /momentum null \(a cumulative average\) is not supported/],
    ['lrn dims', () => F.localResponseNorm(w, 2), /localResponseNorm: expected 3D or higher dimensionality input/],
    ['lrn size', () => F.localResponseNorm(x, 0), /localResponseNorm: size must be a positive integer/],
    ['rmsNorm shape', () => F.rmsNorm(x, [3]), /rmsNorm: input shape \[1, 3, 2\] does not end with normalizedShape \[3\]/],
    ['rmsNorm weight', () => F.rmsNorm(x, 2, tensor([1, 2, 3], { dtype: 'float32' })), /rmsNorm: weight shape \[3\] does not match normalizedShape \[2\]/],
    ['RMSNorm option', () => new nn.RMSNorm(2, { elementwise_affine: false } as never), /RMSNorm: unknown option 'elementwise_affine' \(PyTorch's elementwise_affine is elementwiseAffine here\)/],
    ['normalize out', () => F.normalize(x, { out: x as never }), /normalize: out= is not supported/],
    ['normalize dim', () => F.normalize(x, 2, 3), /normalize: dim 3 is out of range/],
    ['cosine shapes', () => F.cosineSimilarity(x, w.reshape(2, 3)), /cosineSimilarity: the shapes of x1 \[1, 3, 2\] and x2 \[2, 3\] cannot be broadcast together/],
    ['cosine dim', () => F.cosineSimilarity(w, w, 2), /cosineSimilarity: dim 2 is out of range/],
    ['pairwise keepdim', () => F.pairwiseDistance(w, w, 2, 1e-6, 1 as never), /pairwiseDistance: keepdim must be a boolean/],
    ['oneHot negative', () => F.oneHot(ints([1, -1])), /oneHot: class values must be non-negative, got -1/],
    ['oneHot range', () => F.oneHot(ints([1, 3]), 3), /oneHot: class values must be smaller than numClasses \(3\), got 3/],
    ['oneHot empty', () => F.oneHot(ints([])), /oneHot: cannot infer the number of classes from an empty tensor/],
    ['oneHot float', () => F.oneHot(w), /oneHot: only applicable to index tensors \(int32\), got dtype float32/],
    ['bag sparse', () => F.embeddingBag(ints([0, 1], [1, 2]), w, { sparse: true }), /embeddingBag: sparse: true \(sparse gradients\) is not supported/],
    ['bag mode', () => F.embeddingBag(ints([0, 1], [1, 2]), w, { mode: 'min' as never }), /embeddingBag: mode must be 'sum', 'mean' or 'max', got the string "min"/],
    ['bag 2-D offsets', () => F.embeddingBag(ints([0, 1], [1, 2]), w, ints([0])), /embeddingBag: offsets must be null for 2-D input/],
    ['bag 1-D no offsets', () => F.embeddingBag(ints([0, 1]), w), /embeddingBag: offsets must be a 1-D int32 Tensor for 1-D input, got null/],
    ['bag offsets[0]', () => F.embeddingBag(ints([0, 1]), w, ints([1])), /embeddingBag: offsets\[0\] must be 0/],
    ['bag offsets order', () => F.embeddingBag(ints([0, 1, 2]), w, ints([0, 2, 1])), /embeddingBag: offsets must be non-decreasing/],
    ['bag offsets end', () => F.embeddingBag(ints([0, 1]), w, ints([0, 3])), /embeddingBag: offsets\[-1\] \(3\) cannot be greater than the input's length 2/],
    ['bag index', () => F.embeddingBag(ints([0, 3]), w, ints([0])), /embeddingBag: index 3 is out of range for 3 embeddings/],
    ['bag psw mode', () => F.embeddingBag(ints([0, 1]), w, ints([0]), { perSampleWeights: tensor([1, 1], { dtype: 'float32' }) }), /perSampleWeights is only supported for mode 'sum'/],
    ['bag psw shape', () => F.embeddingBag(ints([0, 1]), w, ints([0]), { mode: 'sum', perSampleWeights: tensor([1], { dtype: 'float32' }) }), /perSampleWeights \[1\] must have the same shape as the input \[2\]/],
    ['EmbeddingBag _weight', () => new nn.EmbeddingBag(3, 2, { _weight: w as never }), /EmbeddingBag: _weight is not supported/],
    ['EmbeddingBag sparse', () => new nn.EmbeddingBag(3, 2, { sparse: true }), /EmbeddingBag: sparse: true \(sparse gradients\) is not supported/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(thrown(f).message).toMatch(re);
    });
  }

  it('embeddingBag: an empty bag gives zeros in every mode; EmbeddingBag.forward takes (input, offsets, perSampleWeights)', () => {
    for (const mode of ['sum', 'mean', 'max'] as const) {
      expect(F.embeddingBag(ints([0, 1]), w, ints([0, 0]), { mode }).select(0, 0).tolist()).toEqual([0, 0]);
    }
    const bag = new nn.EmbeddingBag(3, 2, { mode: 'sum' });
    bag.loadStateDict({ weight: w });
    expectClose(bag.forward(ints([0, 2]), ints([0]), tensor([2, 1], { dtype: 'float32' })), tensor([[0.7, 1.0]]), { atol: 1e-6 });
  });
});
