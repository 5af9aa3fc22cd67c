/**
 * nn: Module machinery (names, state dicts, modes, printing), every layer's forward against values derived
 * from PyTorch's formulas and its backward with gradcheck, BatchNorm / Dropout train vs eval, init and
 * gradient clipping.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { F, grad as autogradGrad, gradcheck, manualSeed, nn, noGrad, ones, tensor, Tensor, zeros } from '../src/index.js';
import { defaultGenerator, Generator } from '../src/tensor/random.js';
import { erf as erf64 } from '../src/backends/js/activation.js';
import {
  awayFromZero, bmap, conv2dND, expectClose, fromTensor, ints, makeInput, maxPool2dND, nd, seed, type NDArray,
} from './helpers.js';

const vals = (t: Tensor): number[] => Array.from(t.toArray());
const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const std = (a: ArrayLike<number>): number => {
  const m = mean(a);
  return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};

class Net extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(2, 3, 1), new nn.BatchNorm2d(3));
  classifier = new nn.Linear(3, 4);
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).mean([2, 3]));
  }
}

// ---------------------------------------------------------------- Module machinery

describe('Module: parameters, children, modes', () => {
  it('names parameters with PyTorch dotted keys, in registration order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'features.0.weight', 'features.0.bias', 'features.3.weight', 'features.3.bias', 'features.4.weight', 'features.4.bias',
      'classifier.weight', 'classifier.bias',
    ]);
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Sequential(new nn.ReLU(), new nn.Linear(3, 1, { bias: false })));
    expect(seq.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual(['0.weight:3x2', '0.bias:3', '1.1.weight:1x3']);
    expect(seq.parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad)).toBe(true);
    expect(net.namedChildren().map(([k]) => k)).toEqual(['features', 'classifier']);
    expect(net.children()).toHaveLength(2);
    expect(net.modules()).toHaveLength(1 + 1 + 5 + 1);
    expect(net.namedModules().map(([k]) => k).slice(0, 3)).toEqual(['', 'features', 'features.0']);
  });

  it('discovers Parameter and Module properties in assignment order and shares a parameter once', () => {
    class Tied extends nn.Module {
      emb: nn.Embedding;
      out: nn.Linear;
      scale: nn.Parameter;
      plain = tensor([1, 2]); // a plain tensor is neither parameter nor buffer
      constructor() {
        super();
        this.emb = new nn.Embedding(5, 3);
        this.out = new nn.Linear(3, 5, { bias: false });
        this.out.weight = this.emb.weight; // weight tying
        this.scale = new nn.Parameter(tensor([2], { dtype: 'float32' }));
        this.registerBuffer('steps', zeros(1));
      }
      override forward(x: Tensor): Tensor {
        return this.out.forward(this.emb.forward(x)).mul(this.scale);
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['scale', 'emb.weight']);
    expect(Object.keys(m.stateDict())).toEqual(['scale', 'steps', 'emb.weight', 'out.weight']);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['steps']);
    m.registerParameter('extra', new nn.Parameter(tensor([0], { dtype: 'float32' })));
    expect(m.namedParameters().map(([k]) => k)).toContain('extra');
    expect(() => m.registerParameter('bad', tensor([1], { dtype: 'float32' }) as nn.Parameter)).toThrow(/Parameter/);
    expect(() => m.registerBuffer('scale', zeros(1))).toThrow(/already exists/);
  });

  it('train()/eval() set training on every submodule; zeroGrad sets grads to null', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.features.train(false);
    expect(net.training).toBe(true);
    expect(net.features.at(4).training).toBe(false);

    const lin = new nn.Linear(3, 2);
    lin.forward(makeInput([4, 3])).sum().backward();
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad(false);
    expect(vals(lin.weight.grad!)).toEqual([0, 0, 0, 0, 0, 0]);
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(lin.bias!.grad).toBeNull();
  });

  it('Sequential and ModuleList containers', () => {
    const seq = new nn.Sequential({ enc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(seq.namedParameters().map(([k]) => k)).toEqual(['enc.weight', 'enc.bias']);
    expect(seq.length).toBe(2);
    expect(seq.at(-1)).toBeInstanceOf(nn.Tanh);
    const x = makeInput([3, 2]);
    const lin = seq.at(0) as nn.Linear;
    expectClose(seq.forward(x), F.linear(x, lin.weight, lin.bias).tanh());
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 2));
    expect(list.length).toBe(3);
    expect(list.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    expect([...list].map((m) => (m as nn.Linear).outFeatures)).toEqual([1, 1, 2]);
    expect(() => list.forward()).toThrow(/no forward/);
    expect(() => new nn.Sequential(tensor([1]) as unknown as nn.Module)).toThrow(/not an nn.Module/);
  });
});

describe('Module: stateDict / loadStateDict', () => {
  it('lists parameters then buffers per module, in registration order, sharing storage', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(sd['1.num_batches_tracked']!.dtype).toBe('int32');
    expect(sd['0.weight']!.requiresGrad).toBe(false);
    noGrad(() => (m.at(0) as nn.Linear).weight.fill_(7));
    expect(vals(sd['0.weight']!)).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('round trip: a fresh model loaded from the state dict gives identical outputs (plain object and Map)', () => {
    manualSeed(1);
    const a = new Net();
    a.train();
    a.forward(makeInput([4, 1, 6, 6])); // updates BatchNorm running stats
    a.eval();
    const x = makeInput([2, 1, 6, 6]);
    const ya = vals(a.forward(x));
    for (const asMap of [false, true]) {
      manualSeed(2);
      const b = new Net().eval();
      expect(vals(b.forward(x))).not.toEqual(ya);
      const sd = a.stateDict();
      const res = b.loadStateDict(asMap ? new Map(Object.entries(sd)) : sd);
      expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(vals(b.forward(x))).toEqual(ya);
      expect((b.features.at(4) as nn.BatchNorm2d).numBatchesTracked!.item()).toBe(1);
      // copies, not aliases
      expect(b.classifier.weight.storage).not.toBe(a.classifier.weight.storage);
    }
  });

  it('strict mode reports missing, unexpected and mis-shaped keys by name in one error, changing nothing', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const before = vals((m.at(0) as nn.Linear).weight);
    const sd: Record<string, Tensor> = { ...m.stateDict() };
    delete sd['1.bias'];
    sd['extra.weight'] = zeros(1);
    sd['0.weight'] = zeros(2, 3);
    sd['0.bias'] = tensor([5, 5, 5]);
    let msg = '';
    try {
      m.loadStateDict(sd);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/Missing key\(s\) in state_dict: "1\.bias"/);
    expect(msg).toMatch(/Unexpected key\(s\) in state_dict: "extra\.weight"/);
    expect(msg).toMatch(/size mismatch for 0\.weight: .*\[2, 3\].*\[3, 2\]/);
    expect(vals((m.at(0) as nn.Linear).weight)).toEqual(before);
    expect(vals((m.at(0) as nn.Linear).bias!)).not.toEqual([5, 5, 5]);

    // non-strict: missing / unexpected keys are returned, shape mismatches still fail
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for 0\.weight/);
    sd['0.weight'] = tensor([[1, 2], [3, 4], [5, 6]]);
    const res = m.loadStateDict(sd, { strict: false });
    expect(res).toEqual({ missingKeys: ['1.bias'], unexpectedKeys: ['extra.weight'] });
    expect(vals((m.at(0) as nn.Linear).weight)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(vals((m.at(0) as nn.Linear).bias!)).toEqual([5, 5, 5]);
    expect((m.at(0) as nn.Linear).weight.requiresGrad).toBe(true);
  });
});

describe('Module: printing', () => {
  it('prints the module tree like PyTorch, also through util.inspect', () => {
    const model = new nn.Sequential(
      new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2),
      new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.MaxPool2d(2)),
      new nn.LayerNorm(10), new nn.GELU(), new nn.LeakyReLU(), new nn.AvgPool2d(2), new nn.Embedding(10, 3),
      new nn.Flatten(), new nn.LogSoftmax(1), new nn.CrossEntropyLoss(),
    );
    const expected = `Sequential(
  (0): Linear(in_features=784, out_features=256, bias=True)
  (1): ReLU()
  (2): Dropout(p=0.2, inplace=False)
  (3): Sequential(
    (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (4): LayerNorm((10,), eps=1e-05, elementwise_affine=True)
  (5): GELU(approximate='none')
  (6): LeakyReLU(negative_slope=0.01)
  (7): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (8): Embedding(10, 3)
  (9): Flatten(start_dim=1, end_dim=-1)
  (10): LogSoftmax(dim=1)
  (11): CrossEntropyLoss()
)`;
    expect(model.toString()).toBe(expected);
    expect(inspect(model)).toBe(expected);
    expect(String(new nn.Linear(3, 1, { bias: false }))).toBe('Linear(in_features=3, out_features=1, bias=False)');
    expect(String(new nn.BatchNorm1d(4, { momentum: null, eps: 0.001 }))).toBe('BatchNorm1d(4, eps=0.001, momentum=None, affine=True, track_running_stats=True)');
  });
});

// ---------------------------------------------------------------- layers

describe('Linear and Conv2d', () => {
  it('Linear: y = x Wᵀ + b with weight [out, in]; gradcheck', () => {
    const lin = new nn.Linear(3, 2);
    noGrad(() => {
      lin.weight.copy_(tensor([[1, 2, 3], [-1, 0, 1]]));
      lin.bias!.copy_(tensor([0.5, -0.5]));
    });
    expectClose(lin.forward(tensor([[1, 1, 1], [2, 0, -1]])), nd([2, 2], [6.5, -0.5, -0.5, -3.5]));
    seed(11);
    const x = makeInput([4, 3], { requiresGrad: true });
    expect(gradcheck((xx, w, b) => F.linear(xx, w, b).tanh(), [x, lin.weight, lin.bias!])).toBe(true);
    // batched input [..., in]
    expect(lin.forward(zeros(5, 7, 3)).shape).toEqual([5, 7, 2]);
  });

  it('Linear/Conv2d default init follows PyTorch: weights and biases in ±1/sqrt(fanIn), roughly uniform', () => {
    manualSeed(3);
    const lin = new nn.Linear(400, 50);
    const bound = 1 / Math.sqrt(400);
    const w = lin.weight.toArray();
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
    expect(std(w)).toBeCloseTo(bound / Math.sqrt(3), 3);
    expect(maxAbs(lin.bias!.toArray())).toBeLessThanOrEqual(bound);
    const conv = new nn.Conv2d(3, 16, [3, 5]);
    expect(conv.weight.shape).toEqual([16, 3, 3, 5]);
    const cb = 1 / Math.sqrt(3 * 3 * 5);
    expect(maxAbs(conv.weight.toArray())).toBeLessThanOrEqual(cb);
    expect(maxAbs(conv.weight.toArray())).toBeGreaterThan(0.9 * cb);
    expect(maxAbs(conv.bias!.toArray())).toBeLessThanOrEqual(cb);
    // seeded
    manualSeed(3);
    expect(vals(new nn.Linear(400, 50).weight)).toEqual(Array.from(w));
  });

  it('Conv2d: forward against a float64 convolution, gradcheck, stride and padding', () => {
    seed(12);
    const conv = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = makeInput([2, 2, 5, 5], { requiresGrad: true });
    expectClose(conv.forward(x), conv2dND(fromTensor(x), fromTensor(conv.weight), fromTensor(conv.bias!), 2, 1), { atol: 1e-5 });
    const small = new nn.Conv2d(1, 2, 2);
    const xs = makeInput([1, 1, 3, 3], { requiresGrad: true });
    expect(gradcheck((a, w, b) => F.conv2d(a, w, b), [xs, small.weight, small.bias!])).toBe(true);
    expect(() => conv.forward(zeros(1, 3, 5, 5))).toThrow(/channels/);
  });
});

describe('Sequential: Linear followed by ReLU runs as one GEMM', () => {
  /** Output, its grad_fn name and every parameter's gradient (as plain arrays) of model(x) weighted by a fixed cotangent. */
  function run(model: nn.Module, x: Tensor, forward = (m: nn.Module, t: Tensor) => m.forward(t) as Tensor) {
    for (const p of model.parameters()) p.grad = null;
    const y = forward(model, x);
    const cot = tensor(Float32Array.from({ length: y.numel() }, (_, i) => Math.sin(i * 1.3 + 0.2))).reshape(y.shape);
    y.mul(cot).sum().backward();
    return { y: vals(y), name: y.gradFn?.name, grads: model.parameters().map((p) => vals(p.grad!)) };
  }
  /** The same layers one after the other, unfused. */
  const oneByOne = (m: nn.Module, t: Tensor) => m.children().reduce((h, c) => c.forward(h) as Tensor, t);

  for (const [batch, inF, hidden] of [[1, 3, 1], [3, 17, 5], [17, 5, 129], [129, 7, 3]] as const) {
    it(`batch ${batch}, ${inF} -> ${hidden} -> 2: same values and gradients as Linear then ReLU`, () => {
      manualSeed(batch);
      const model = new nn.Sequential(new nn.Linear(inF, hidden), new nn.ReLU(), new nn.Linear(hidden, 2), new nn.ReLU());
      const x = tensor(Float32Array.from({ length: batch * inF }, (_, i) => Math.cos(i * 0.7) * 2)).reshape(batch, inF);
      const fused = run(model, x);
      const plain = run(model, x, oneByOne);
      expect(fused.name).toBe('LinearReluBackward0');
      expect(plain.name).toBe('ReluBackward0');
      expect(fused.y).toEqual(plain.y);
      expect(fused.y.some((v) => v === 0) || batch * 2 < 4).toBe(true); // some outputs masked
      expect(fused.grads).toEqual(plain.grads);
    });
  }

  it('input gradient, createGraph (second derivative), noGrad and a transposed input', () => {
    manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(4, 6), new nn.ReLU(), new nn.Linear(6, 1));
    const base = tensor(Float32Array.from({ length: 20 }, (_, i) => Math.sin(i))).reshape(4, 5);
    const xs = [base.t().clone(), base.t()]; // contiguous and a transposed view
    for (const x0 of xs) {
      const x = x0.detach().requiresGrad_();
      model.forward(x).pow(2).sum().backward();
      const gFused = vals(x.grad!);
      const x2 = x0.detach().requiresGrad_();
      oneByOne(model, x2).pow(2).sum().backward();
      expect(gFused).toEqual(vals(x2.grad!));
    }
    // second derivative through the fused node (its differentiable backward form)
    const x = base.t().clone().requiresGrad_();
    const [g] = autogradGrad(model.forward(x).pow(2).sum(), [x], { createGraph: true });
    const [gg] = autogradGrad(g!.pow(2).sum(), [x]);
    const xr = base.t().clone().requiresGrad_();
    const [gr] = autogradGrad(oneByOne(model, xr).pow(2).sum(), [xr], { createGraph: true });
    const [ggr] = autogradGrad(gr!.pow(2).sum(), [xr]);
    expect(vals(gg!)).toEqual(vals(ggr!));
    // noGrad: no graph, same values
    const y = noGrad(() => model.forward(base.t()));
    expect(y.requiresGrad).toBe(false);
    expect(vals(y)).toEqual(vals(noGrad(() => oneByOne(model, base.t()))));
  });

  it('not fused: no bias, a subclass of ReLU, a Linear last', () => {
    class MyReLU extends nn.ReLU {}
    manualSeed(6);
    const x = tensor([[1, -2, 3], [0.5, 0.25, -1]]);
    const noBias = new nn.Sequential(new nn.Linear(3, 4, { bias: false }), new nn.ReLU());
    expect(noBias.forward(x).gradFn?.name).toBe('ReluBackward0');
    expect(vals(noBias.forward(x))).toEqual(vals(oneByOne(noBias, x)));
    const sub = new nn.Sequential(new nn.Linear(3, 4), new MyReLU());
    expect(sub.forward(x).gradFn?.name).toBe('ReluBackward0');
    const last = new nn.Sequential(new nn.ReLU(), new nn.Linear(3, 4));
    expect(last.forward(x).gradFn?.name).toBe('AddmmBackward0');
  });
});

describe('pooling', () => {
  it('MaxPool2d matches the reference and routes gradients to the maxima', () => {
    const pool = new nn.MaxPool2d(2);
    const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [9, 0, 1, 2]]]], { requiresGrad: true });
    expectClose(pool.forward(x), maxPool2dND(fromTensor(x), 2));
    pool.forward(x).sum().backward();
    expect(vals(x.grad!)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(new nn.MaxPool2d(3, { stride: 1, padding: 1 }).forward(zeros(1, 1, 4, 4)).shape).toEqual([1, 1, 4, 4]);
  });

  it('AvgPool2d: hand values (padding counted in the divisor) and gradcheck', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expectClose(new nn.AvgPool2d(2, 1).forward(x), nd([1, 1, 2, 2], [3, 4, 6, 7]));
    // kernel 2, stride 2, padding 1: windows [pad,pad,pad,1] etc.; divisor is always 4
    expectClose(new nn.AvgPool2d(2, 2, 1).forward(x), nd([1, 1, 2, 2], [1 / 4, 5 / 4, 11 / 4, 28 / 4]));
    expectClose(F.avgPool2d(x.reshape(1, 3, 3), 3), nd([1, 1, 1], [5]));
    seed(13);
    const xi = makeInput([2, 2, 5, 4], { requiresGrad: true });
    expect(gradcheck((a) => F.avgPool2d(a, [3, 2], [2, 1], [1, 1]), [xi])).toBe(true);
    expect(gradcheck((a) => new nn.AvgPool2d(2).forward(a), [xi])).toBe(true);
    expect(() => F.avgPool2d(xi, 2, 2, 2)).toThrow(/padding/);
  });
});

describe('BatchNorm', () => {
  /** Per-channel batch statistics over every dim but 1 (float64). */
  function channelStats(x: Tensor): { m: number[]; vb: number[]; vu: number[]; n: number } {
    const a = fromTensor(x);
    const c = x.shape[1]!;
    const inner = x.shape.slice(2).reduce((p, q) => p * q, 1);
    const m: number[] = [], vb: number[] = [], vu: number[] = [];
    const n = a.data.length / c;
    for (let ch = 0; ch < c; ch++) {
      const v: number[] = [];
      for (let i = 0; i < a.data.length; i++) if (Math.floor(i / inner) % c === ch) v.push(a.data[i]!);
      const mu = mean(v);
      const ss = v.reduce((s, q) => s + (q - mu) ** 2, 0);
      m.push(mu); vb.push(ss / n); vu.push(ss / (n - 1));
    }
    return { m, vb, vu, n };
  }

  it('BatchNorm2d train: normalises with biased batch stats and updates running stats with the unbiased variance', () => {
    seed(21);
    const bn = new nn.BatchNorm2d(3);
    noGrad(() => {
      bn.weight!.copy_(tensor([1, 2, -1]));
      bn.bias!.copy_(tensor([0, 1, 0.5]));
    });
    const x1 = makeInput([4, 3, 2, 3], { range: [-2, 3] });
    const s1 = channelStats(x1);
    const y = bn.forward(x1);
    const w = [1, 2, -1], b = [0, 1, 0.5];
    const expected = nd(x1.shape, fromTensor(x1).data.map((v, i) => {
      const c = Math.floor(i / 6) % 3;
      return ((v - s1.m[c]!) / Math.sqrt(s1.vb[c]! + 1e-5)) * w[c]! + b[c]!;
    }));
    expectClose(y, expected, { atol: 1e-5 });
    expectClose(bn.runningMean!, s1.m.map((m) => 0.1 * m), { atol: 1e-6 });
    expectClose(bn.runningVar!, s1.vu.map((v) => 0.9 + 0.1 * v), { atol: 1e-6 });
    expect(bn.numBatchesTracked!.item()).toBe(1);
    const x2 = makeInput([4, 3, 2, 3], { range: [0, 1] });
    const s2 = channelStats(x2);
    bn.forward(x2);
    expectClose(bn.runningMean!, s1.m.map((m, c) => 0.9 * 0.1 * m + 0.1 * s2.m[c]!), { atol: 1e-6 });
    expectClose(bn.runningVar!, s1.vu.map((v, c) => 0.9 * (0.9 + 0.1 * v) + 0.1 * s2.vu[c]!), { atol: 1e-6 });
    expect(bn.numBatchesTracked!.item()).toBe(2);

    // eval: running statistics, deterministic, no updates
    bn.eval();
    const rm = vals(bn.runningMean!), rv = vals(bn.runningVar!);
    const xe = makeInput([2, 3, 2, 3]);
    const ye = bn.forward(xe);
    expectClose(ye, nd(xe.shape, fromTensor(xe).data.map((v, i) => {
      const c = Math.floor(i / 6) % 3;
      return ((v - rm[c]!) / Math.sqrt(rv[c]! + 1e-5)) * w[c]! + b[c]!;
    })), { atol: 1e-5 });
    expect(vals(bn.forward(xe))).toEqual(vals(ye));
    expect(vals(bn.runningMean!)).toEqual(rm);
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });

  it('BatchNorm1d: [N, C] and [N, C, L], momentum=null is a cumulative average, trackRunningStats=false', () => {
    seed(22);
    const bn = new nn.BatchNorm1d(2, { momentum: null });
    const xs = [makeInput([5, 2]), makeInput([5, 2]), makeInput([5, 2])];
    for (const x of xs) bn.forward(x);
    const ms = xs.map((x) => channelStats(x).m);
    expectClose(bn.runningMean!, [0, 1].map((c) => mean(ms.map((m) => m[c]!))), { atol: 1e-6 });
    const bn3 = new nn.BatchNorm1d(2);
    const x3 = makeInput([3, 2, 4]);
    const y3 = bn3.forward(x3);
    const yy = fromTensor(y3);
    for (let c = 0; c < 2; c++) {
      const chan = Array.from(yy.data).filter((_, i) => Math.floor(i / 4) % 2 === c);
      expect(mean(chan)).toBeCloseTo(0, 5);
      expect(std(chan)).toBeCloseTo(1, 3);
    }
    const free = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(free.runningMean).toBeNull();
    expect(free.parameters()).toHaveLength(0);
    expect(Object.keys(free.stateDict())).toEqual([]);
    free.eval(); // without running stats, eval still normalises with the batch statistics
    const s0 = channelStats(xs[0]!);
    expectClose(free.forward(xs[0]!), nd([5, 2], fromTensor(xs[0]!).data.map((v, i) => (v - s0.m[i % 2]!) / Math.sqrt(s0.vb[i % 2]! + 1e-5))), { atol: 1e-5 });
    expect(() => new nn.BatchNorm1d(2).forward(zeros(1, 2))).toThrow(/more than 1 value per channel/);
    expect(() => new nn.BatchNorm2d(2).forward(zeros(2, 2, 3))).toThrow(/4D/);
  });

  it('gradcheck through batch statistics (train) and running statistics (eval)', () => {
    seed(23);
    const x = makeInput([3, 2, 2, 2], { requiresGrad: true, range: [-2, 2] });
    const w = makeInput([2], { requiresGrad: true, range: [0.5, 1.5] });
    const b = makeInput([2], { requiresGrad: true });
    expect(gradcheck((a, ww, bb) => F.batchNorm(a, null, null, ww, bb, true), [x, w, b], { atol: 2e-3, rtol: 2e-2 })).toBe(true);
    const rm = tensor([0.1, -0.2]), rv = tensor([0.5, 2]);
    expect(gradcheck((a, ww, bb) => F.batchNorm(a, rm, rv, ww, bb, false), [x, w, b])).toBe(true);
  });
});

describe('LayerNorm, Dropout, Embedding, Flatten', () => {
  it('LayerNorm: forward from the formula and gradcheck', () => {
    seed(31);
    const ln = new nn.LayerNorm([2, 3]);
    noGrad(() => {
      ln.weight!.copy_(tensor([[1, 2, 3], [0.5, -1, 1]]));
      ln.bias!.copy_(tensor([[0, 0, 1], [1, 0, 0]]));
    });
    const x = makeInput([4, 2, 3], { range: [-3, 3] });
    const a = fromTensor(x);
    const w = [1, 2, 3, 0.5, -1, 1], b = [0, 0, 1, 1, 0, 0];
    const out = new Float64Array(a.data.length);
    for (let r = 0; r < 4; r++) {
      const row = Array.from(a.data.slice(r * 6, r * 6 + 6));
      const mu = mean(row), sd = Math.sqrt(std(row) ** 2 + 1e-5);
      row.forEach((v, j) => (out[r * 6 + j] = ((v - mu) / sd) * w[j]! + b[j]!));
    }
    expectClose(ln.forward(x), nd([4, 2, 3], out), { atol: 1e-5 });
    const xg = makeInput([3, 4], { requiresGrad: true });
    const wg = makeInput([4], { requiresGrad: true }), bg = makeInput([4], { requiresGrad: true });
    expect(gradcheck((q, ww, bb) => F.layerNorm(q, 4, ww, bb), [xg, wg, bg], { atol: 2e-3, rtol: 2e-2 })).toBe(true);
    expect(() => ln.forward(zeros(2, 3, 2))).toThrow(/normalizedShape/);
  });

  it('Dropout: drop rate ≈ p, survivors scaled by 1/(1-p), gradient uses the same mask, identity in eval', () => {
    manualSeed(5);
    const p = 0.3;
    const drop = new nn.Dropout(p);
    const x = makeInput([100, 100], { range: [1, 2], requiresGrad: true });
    const y = drop.forward(x);
    const xv = x.toArray(), yv = y.toArray();
    let zerosN = 0;
    for (let i = 0; i < yv.length; i++) {
      if (yv[i] === 0) zerosN++;
      else expect(Math.abs(yv[i]! - xv[i]! / (1 - p))).toBeLessThan(1e-6);
    }
    // 10,000 Bernoulli(0.3) draws: sd ≈ 0.0046, so ±0.02 is > 4 sd
    expect(Math.abs(zerosN / yv.length - p)).toBeLessThan(0.02);
    expect(Math.abs(mean(yv) - mean(xv))).toBeLessThan(0.05);
    y.sum().backward();
    const g = x.grad!.toArray();
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(yv[i] === 0 ? 0 : 1 / (1 - p), 5);
    // reproducible under manualSeed, different without reseeding
    manualSeed(5);
    expect(vals(drop.forward(x))).toEqual(Array.from(yv));
    expect(vals(drop.forward(x))).not.toEqual(Array.from(yv));
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect(vals(F.dropout(x, 1))).toEqual(new Array(10000).fill(0));
    expect(F.dropout(x, 0)).toBe(x);
    expect(() => new nn.Dropout(1.5)).toThrow(/between 0 and 1/);
  });

  it('Generator.fillUniform (dropout masks) draws the stream of nextUniform and leaves the same state', () => {
    for (const n of [0, 1, 3, 17, 1000]) {
      const a = new Generator(42 + n), b = new Generator(42 + n);
      const out = new Float32Array(n);
      a.fillUniform(out);
      expect(Array.from(out)).toEqual(Array.from({ length: n }, () => b.nextUniform()));
      expect(Array.from(a.getState())).toEqual(Array.from(b.getState()));
      expect(a.nextU32()).toBe(b.nextU32());
    }
    // dropout's mask: element i is dropped iff the i-th uniform is below p
    manualSeed(9);
    const x = ones(4097);
    const y = F.dropout(x, 0.25).toArray();
    manualSeed(9);
    const g = new Generator(0);
    g.setState(defaultGenerator.getState());
    expect(Array.from(y, (v) => v === 0)).toEqual(Array.from({ length: 4097 }, () => g.nextUniform() < 0.25));
  });

  it('Embedding: picks rows, any index shape, accumulates gradients of repeated indices', () => {
    manualSeed(6);
    const emb = new nn.Embedding(4, 3);
    expect(emb.weight.shape).toEqual([4, 3]);
    const idx = ints([3, 0, 3, 1], [2, 2]);
    const out = emb.forward(idx);
    expect(out.shape).toEqual([2, 2, 3]);
    const w = fromTensor(emb.weight).data;
    expectClose(out, nd([2, 2, 3], [3, 0, 3, 1].flatMap((r) => Array.from(w.slice(r * 3, r * 3 + 3)))));
    out.sum().backward();
    expect(vals(emb.weight.grad!)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 2]);
    expect(gradcheck((ww) => F.embedding(idx, ww).tanh(), [emb.weight])).toBe(true);
    expect(() => emb.forward(tensor([1.5]))).toThrow(/int32/);
    manualSeed(7);
    const big = new nn.Embedding(100, 50).weight.toArray();
    expect(Math.abs(mean(big))).toBeLessThan(0.05);
    expect(Math.abs(std(big) - 1)).toBeLessThan(0.05);
  });

  it('Flatten', () => {
    expect(new nn.Flatten().forward(zeros(2, 3, 4, 5)).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 2).forward(zeros(2, 3, 4, 5)).shape).toEqual([24, 5]);
  });
});

describe('activations', () => {
  const gelu64 = (v: number) => 0.5 * v * (1 + erf64(v / Math.SQRT2));

  it('erf and GELU (exact): values against the double-precision formula, gradcheck', () => {
    seed(41);
    const x = makeInput([64], { range: [-5, 5], requiresGrad: true });
    expectClose(F.erf(x), bmap(erf64, fromTensor(x)), { atol: 1e-6 });
    expectClose(new nn.GELU().forward(x), bmap(gelu64, fromTensor(x)), { atol: 2e-6 });
    // known values: GELU(1) = 0.8413447460685429, GELU(-1) = -0.15865525393145707
    expectClose(F.gelu(tensor([1, -1, 0])), [0.8413447460685429, -0.15865525393145707, 0], { atol: 1e-6 });
    const xs = makeInput([12], { range: [-3, 3], requiresGrad: true });
    expect(gradcheck((a) => F.erf(a), [xs])).toBe(true);
    expect(gradcheck((a) => new nn.GELU().forward(a), [xs])).toBe(true);
    const tanhForm = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(new nn.GELU({ approximate: 'tanh' }).forward(x), bmap(tanhForm, fromTensor(x)), { atol: 2e-6 });
    expect(gradcheck((a) => F.gelu(a, { approximate: 'tanh' }), [xs])).toBe(true);
  });

  it('ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax', () => {
    const x = tensor([[-2, -0.5, 0, 1.5]]);
    expect(vals(new nn.ReLU().forward(x))).toEqual([0, 0, 0, 1.5]);
    expectClose(new nn.LeakyReLU().forward(x), [-0.02, -0.005, 0, 1.5]);
    expectClose(new nn.LeakyReLU(0.2).forward(x), [-0.4, -0.1, 0, 1.5]);
    expectClose(new nn.Sigmoid().forward(x), bmap((v) => 1 / (1 + Math.exp(-v)), fromTensor(x)));
    expectClose(new nn.Tanh().forward(x), bmap(Math.tanh, fromTensor(x)));
    const e = [-2, -0.5, 0, 1.5].map(Math.exp), s = e.reduce((p, q) => p + q);
    expectClose(new nn.Softmax(1).forward(x), e.map((v) => v / s));
    expectClose(new nn.LogSoftmax(-1).forward(x), e.map((v) => Math.log(v / s)));
    seed(42);
    const xa = makeInput([10], { values: awayFromZero(10), requiresGrad: true });
    expect(gradcheck((a) => F.leakyRelu(a, 0.1), [xa])).toBe(true);
    const lr = tensor([-1, 0, 2], { requiresGrad: true });
    F.leakyRelu(lr, 0.1).sum().backward();
    expectClose(lr.grad!, [0.1, 0.1, 1]); // PyTorch: x > 0 ? 1 : slope
  });
});

describe('losses', () => {
  it('MSELoss and L1Loss with reductions; gradcheck', () => {
    const a = tensor([1, 2, 3], { dtype: 'float32' }), b = tensor([2, 0, 3], { dtype: 'float32' });
    expect(new nn.MSELoss().forward(a, b).item()).toBeCloseTo(5 / 3, 6);
    expect(new nn.MSELoss({ reduction: 'sum' }).forward(a, b).item()).toBe(5);
    expect(new nn.L1Loss().forward(a, b).item()).toBeCloseTo(1, 6);
    expect(vals(new nn.L1Loss({ reduction: 'none' }).forward(a, b))).toEqual([1, 2, 0]);
    seed(51);
    const x = makeInput([6], { requiresGrad: true }), y = makeInput([6], { values: awayFromZero(6, 2, 3) });
    expect(gradcheck((p) => F.l1Loss(p, y), [x])).toBe(true);
    expect(() => new nn.L1Loss({ reduction: 'avg' as 'mean' })).toThrow(/reduction/);
  });

  it('NLLLoss and CrossEntropyLoss, with label smoothing from PyTorch formula; gradcheck', () => {
    seed(52);
    const logits = makeInput([4, 5], { range: [-2, 2], requiresGrad: true });
    const target = ints([0, 4, 2, 2]);
    const lp = fromTensor(logits.logSoftmax(1)).data;
    const t = [0, 4, 2, 2];
    const nll = t.map((c, r) => -lp[r * 5 + c]!);
    expect(new nn.NLLLoss().forward(logits.logSoftmax(1), target).item()).toBeCloseTo(mean(nll), 5);
    expect(new nn.CrossEntropyLoss().forward(logits, target).item()).toBeCloseTo(mean(nll), 5);
    const eps = 0.2;
    const smooth = t.map((c, r) => (1 - eps) * nll[r]! + (eps / 5) * -Array.from(lp.slice(r * 5, r * 5 + 5)).reduce((p, q) => p + q));
    const ce = new nn.CrossEntropyLoss({ labelSmoothing: eps, reduction: 'none' });
    expectClose(ce.forward(logits, target), smooth, { atol: 1e-5 });
    expect(new nn.CrossEntropyLoss({ labelSmoothing: eps, reduction: 'sum' }).forward(logits, target).item()).toBeCloseTo(smooth.reduce((p, q) => p + q), 4);
    expect(gradcheck((l) => F.crossEntropy(l, target, { labelSmoothing: eps }), [logits])).toBe(true);
    expect(() => new nn.CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
  });

  it('BCEWithLogitsLoss: the formula, stability at extreme logits, posWeight, gradcheck for input and target', () => {
    const x = tensor([-100, -2, 0, 0.5, 3, 100]);
    const y = tensor([1, 0, 1, 0.3, 1, 0]);
    const ref = (xv: number, yv: number, pw = 1) => {
      const sp = Math.max(-xv, 0) + Math.log1p(Math.exp(-Math.abs(xv))); // softplus(-x) = -log sigmoid(x)
      return (1 - yv) * xv + (1 + (pw - 1) * yv) * sp;
    };
    const xs = [-100, -2, 0, 0.5, 3, 100], ys = [1, 0, 1, 0.3, 1, 0];
    const want = xs.map((v, i) => ref(v, ys[i]!));
    const got = new nn.BCEWithLogitsLoss({ reduction: 'none' }).forward(x, y);
    expectClose(got, want, { atol: 1e-5, rtol: 1e-5 });
    expect(vals(got).every(Number.isFinite)).toBe(true);
    expect(new nn.BCEWithLogitsLoss().forward(x, y).item()).toBeCloseTo(mean(want), 4);
    const pw = tensor([3]);
    expectClose(F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none', posWeight: pw }), xs.map((v, i) => ref(v, ys[i]!, 3)), { atol: 1e-4, rtol: 1e-5 });
    // gradient at the extremes: sigmoid(x) - y, finite
    const xg = tensor([-100, 0, 100], { requiresGrad: true });
    F.binaryCrossEntropyWithLogits(xg, tensor([1, 0.25, 0]), { reduction: 'sum' }).backward();
    expectClose(xg.grad!, [-1, 0.25, 1], { atol: 1e-6 });
    seed(53);
    const xi = makeInput([2, 3], { range: [-3, 3], requiresGrad: true });
    const yi = makeInput([2, 3], { range: [0, 1], requiresGrad: true });
    expect(gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b), [xi, yi])).toBe(true);
    const pw3 = tensor([0.5, 2, 3]);
    expect(gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: pw3 }), [xi, yi])).toBe(true);
    expect(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: pw3 }).stateDict())).toEqual(['pos_weight']);
  });
});

// ---------------------------------------------------------------- init and utils

describe('nn.init', () => {
  it('uniform_, normal_, constants: ranges, moments, seeded', () => {
    manualSeed(8);
    const t = zeros(200, 100);
    nn.init.uniform_(t, -2, 3);
    const u = t.toArray();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    expect(std(u)).toBeCloseTo(5 / Math.sqrt(12), 1);
    nn.init.normal_(t, 1, 0.5);
    expect(mean(t.toArray())).toBeCloseTo(1, 1);
    expect(std(t.toArray())).toBeCloseTo(0.5, 2);
    expect(vals(nn.init.ones_(zeros(3)))).toEqual([1, 1, 1]);
    expect(vals(nn.init.zeros_(tensor([1, 2], { dtype: 'float32' })))).toEqual([0, 0]);
    expect(vals(nn.init.constant_(zeros(2), 0.25))).toEqual([0.25, 0.25]);
    manualSeed(9);
    const a = vals(nn.init.normal_(zeros(10)));
    manualSeed(9);
    expect(vals(nn.init.normal_(zeros(10)))).toEqual(a);
    // works on parameters without recording
    const p = new nn.Parameter(zeros(3));
    nn.init.uniform_(p);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
  });

  it('kaiming and xavier: PyTorch bounds and standard deviations; calculateGain', () => {
    manualSeed(10);
    const w = zeros(256, 64, 3, 3); // fanIn 576, fanOut 2304
    nn.init.kaimingUniform_(w);
    const b0 = Math.sqrt(2) * Math.sqrt(3 / 576); // gain(leakyRelu, 0) = sqrt 2
    expect(maxAbs(w.toArray())).toBeLessThanOrEqual(b0 * (1 + 1e-6));
    expect(std(w.toArray())).toBeCloseTo(b0 / Math.sqrt(3), 3);
    nn.init.kaimingUniform_(w, { a: Math.sqrt(5) });
    expect(maxAbs(w.toArray())).toBeLessThanOrEqual((1 / Math.sqrt(576)) * (1 + 1e-6));
    nn.init.kaimingNormal_(w, 0, 'fanOut', 'relu');
    expect(std(w.toArray())).toBeCloseTo(Math.sqrt(2 / 2304), 3);
    const m = zeros(300, 200);
    nn.init.xavierUniform_(m, 2);
    const xb = 2 * Math.sqrt(6 / 500);
    expect(maxAbs(m.toArray())).toBeLessThanOrEqual(xb * (1 + 1e-6));
    expect(maxAbs(m.toArray())).toBeGreaterThan(0.99 * xb);
    nn.init.xavierNormal_(m);
    expect(std(m.toArray())).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(nn.init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 12);
    expect(nn.init.calculateGain('conv2d')).toBe(1);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    expect(() => nn.init.calculateGain('swish')).toThrow(/unsupported/);
    expect(() => nn.init.kaimingUniform_(zeros(5))).toThrow(/fewer than 2 dimensions/);
    expect(() => nn.init.kaimingUniform_(zeros(2, 2), 0, 'fanAvg' as 'fanIn')).toThrow(/mode/);
  });
});

describe('nn.utils.clipGradNorm_', () => {
  it('returns the total norm and scales gradients to maxNorm only when above it', () => {
    const a = tensor([3, 0], { requiresGrad: true });
    const b = tensor([[0, 4]], { requiresGrad: true });
    const c = tensor([1], { requiresGrad: true }); // no grad: ignored
    a.mul(tensor([1, 0])).sum().add(0).backward(); // a.grad = [1, 0]
    a.grad = tensor([3, 0], { dtype: 'float32' });
    b.grad = tensor([[0, 4]], { dtype: 'float32' });
    const total = nn.utils.clipGradNorm_([a, b, c], 1);
    expect(total.item()).toBeCloseTo(5, 6);
    const coef = 1 / (5 + 1e-6);
    expectClose(a.grad, [3 * coef, 0], { atol: 1e-7 });
    expectClose(b.grad!, [0, 4 * coef], { atol: 1e-7 });
    // below the limit: unchanged
    const before = vals(a.grad!);
    expect(nn.utils.clipGradNorm_([a, b], 10).item()).toBeCloseTo(1, 5);
    expect(vals(a.grad!)).toEqual(before);
    // infinity norm and p = 1
    a.grad = tensor([3, -6], { dtype: 'float32' });
    b.grad = tensor([[2, 0]], { dtype: 'float32' });
    expect(nn.utils.clipGradNorm_([a, b], 100, Infinity).item()).toBe(6);
    expect(nn.utils.clipGradNorm_([a, b], 5.5, 1).item()).toBe(11);
    expectClose(a.grad, [1.5, -3], { atol: 1e-5 });
    // works on a model's parameters
    const lin = new nn.Linear(4, 3);
    lin.forward(makeInput([8, 4], { range: [5, 10] })).sum().backward();
    const n0 = nn.utils.clipGradNorm_(lin.parameters(), 0.5).item();
    expect(n0).toBeGreaterThan(0.5);
    const n1 = Math.sqrt(lin.parameters().reduce((s, p) => s + Array.from(p.grad!.toArray()).reduce((q, v) => q + v * v, 0), 0));
    expect(n1).toBeCloseTo(0.5, 4);
  });
});

// ---------------------------------------------------------------- a tiny end-to-end check

describe('training a tiny model', () => {
  it('a BatchNorm + Dropout MLP fits XOR-like data with plain SGD', () => {
    manualSeed(12);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.BatchNorm1d(16), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(16, 2));
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1], [0.1, 0.9], [0.9, 0.1], [0.9, 0.9], [0.1, 0.1]]);
    const y = ints([0, 1, 1, 0, 1, 1, 0, 0]);
    const lossFn = new nn.CrossEntropyLoss();
    let last = Infinity;
    for (let step = 0; step < 300; step++) {
      model.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      noGrad(() => model.parameters().forEach((p) => p.sub_(p.grad!.mul(0.1))));
      last = loss.item();
    }
    expect(last).toBeLessThan(0.2);
    model.eval();
    const pred = vals(model.forward(x).argmax(1).float());
    expect(pred).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
  });
});

// keep the NDArray type import used
export type { NDArray };
