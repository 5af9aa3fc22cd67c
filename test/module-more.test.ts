/**
 * nn.Module features and containers (issue 16): ModuleDict, ParameterList, ParameterDict, Unflatten, hooks
 * (forward pre-hooks, forward hooks, full backward hooks) in PyTorch's order with PyTorch's arguments,
 * getSubmodule/getParameter/getBuffer, zeroGrad, apply/namedModules/namedBuffers/requiresGrad_, weight
 * tying, parametersToVector/vectorToParameters, gradient clipping options, and the initialisers
 * truncNormal_, orthogonal_, sparse_, dirac_, eye_. Names, hook logs, dirac_ and eye_ are compared with
 * PyTorch 1.13 (test/fixtures/module-more/cases.json, made by gen.py beside it).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, grad, manualSeed, nn, noGrad, ones, randn, tensor, zeros } from '../src/index.js';
import { expectClose, thrown } from './helpers.js';

interface HookEvent {
  event: 'pre' | 'forward' | 'backward';
  module: string;
  args?: number[][];
  output?: number[];
  gradInput?: (number[] | null)[];
  gradOutput?: (number[] | null)[];
}
interface Fixture {
  names: Record<'stateDict' | 'parameters' | 'buffers' | 'modules' | 'children', string[]>;
  vector: number[];
  hooks: { replace: boolean; inputRequiresGrad: boolean; log: HookEvent[]; output: number[]; xGrad: number[] | null; weightGrad: number[] }[];
  dirac: { shape: number[]; groups: number; values: number[] }[];
  eye: { shape: number[]; values: number[] };
}
const fx = JSON.parse(fs.readFileSync(new URL('./fixtures/module-more/cases.json', import.meta.url), 'utf8')) as Fixture;
const TOL = { atol: 1e-6, rtol: 1e-5 };
const vals = (t: Tensor | null | undefined): number[] | null => (t == null ? null : Array.from(t.toArray()));
const close = (got: number[] | null, want: number[] | null, what: string) => {
  if (want === null) return expect(got, what).toBeNull();
  expect(got, what).not.toBeNull();
  expectClose(tensor(got!), tensor(want), { ...TOL, what });
};

class Net extends nn.Module {
  emb = new nn.Embedding(5, 3);
  heads = new nn.ModuleDict({ cls: new nn.Linear(3, 2), box: new nn.Linear(3, 4, false) });
  plist = new nn.ParameterList([new nn.Parameter(zeros(2)), new nn.Parameter(ones(1, 3))]);
  pdict = new nn.ParameterDict({ scale: new nn.Parameter(ones(3)), shift: new nn.Parameter(zeros(3)) });
  bn = new nn.BatchNorm1d(3);
  head = new nn.Linear(3, 5, false);
  constructor() {
    super();
    this.head.weight = this.emb.weight; // weight tying by assignment
  }
  override forward(x: Tensor): Tensor {
    return x;
  }
}

describe('names and order against PyTorch', () => {
  it('state dict, parameters, buffers, modules of ModuleDict / ParameterList / ParameterDict / a tied weight', () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(fx.names.stateDict);
    expect(net.namedParameters().map(([k]) => k)).toEqual(fx.names.parameters);
    expect(net.namedBuffers().map(([k]) => k)).toEqual(fx.names.buffers);
    expect(net.namedModules().map(([k]) => k)).toEqual(fx.names.modules);
    expect(net.namedChildren().map(([k]) => k)).toEqual(fx.names.children);
  });
  it('parametersToVector in parameters() order; vectorToParameters inverts it', () => {
    const net = new Net();
    noGrad(() => net.parameters().forEach((p, i) => p.copy_(tensor(Array.from({ length: p.numel() }, (_, j) => j * 0.1 + i)).reshape([...p.shape]))));
    const v = nn.utils.parametersToVector(net.parameters());
    close(vals(v), fx.vector, 'parametersToVector');
    const other = new Net();
    nn.utils.vectorToParameters(v, other.parameters());
    close(vals(nn.utils.parametersToVector(other.parameters())), fx.vector, 'vectorToParameters');
    expect(other.head.weight).toBe(other.emb.weight);
    expect(other.parameters().every((p) => p.grad === null)).toBe(true);
  });
  it('weight tying: one parameter in parameters(), both keys in the state dict, one gradient', () => {
    const net = new Net();
    expect(net.parameters().filter((p) => p === net.emb.weight)).toHaveLength(1);
    const sd = net.stateDict();
    expect(sd['emb.weight']!.tolist()).toEqual(sd['head.weight']!.tolist());
    const idx = tensor([1, 3], { dtype: 'int32' });
    net.head.forward(net.emb.forward(idx)).sum().backward();
    expect(net.emb.weight.grad).not.toBeNull();
    net.loadStateDict(net.stateDict()); // both keys load into the one tensor
  });
});

describe('hooks against PyTorch', () => {
  for (const c of fx.hooks) {
    it(`Sequential(Linear, Tanh), replacing values: ${c.replace}, input requires grad: ${c.inputRequiresGrad}`, () => {
      const lin = new nn.Linear(3, 2);
      lin.loadStateDict({ weight: tensor([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]), bias: tensor([0.05, -0.1]) });
      const seq = new nn.Sequential(lin, new nn.Tanh());
      const log: HookEvent[] = [];
      const hooks = (m: nn.Module, name: string, replace: boolean) => [
        m.registerForwardPreHook((_m, args) => {
          expect(_m).toBe(m);
          log.push({ event: 'pre', module: name, args: args.map((a) => vals(a as Tensor)!) });
          return replace ? [(args[0] as Tensor).mul(2)] : undefined;
        }),
        m.registerForwardHook((_m, args, out) => {
          log.push({ event: 'forward', module: name, args: args.map((a) => vals(a as Tensor)!), output: vals(out as Tensor)! });
          return replace ? (out as Tensor).add(1) : undefined;
        }),
        m.registerFullBackwardHook((_m, gin, gout) => {
          log.push({ event: 'backward', module: name, gradInput: gin.map(vals), gradOutput: gout.map(vals) });
          return replace && gin[0] != null ? [gin[0].mul(3)] : undefined;
        }),
      ];
      const hs = [...hooks(seq, 'seq', c.replace), ...hooks(lin, 'lin', false)];
      const x = tensor([[0.3, -0.2, 0.9], [1.0, 0.5, -0.4]]);
      if (c.inputRequiresGrad) x.requiresGrad_();
      const y = seq.call(x);
      y.mul(tensor([[1.0, 1.1], [1.2, 1.3]])).sum().backward();
      expect(log.map((e) => `${e.event} ${e.module}`)).toEqual(c.log.map((e) => `${e.event} ${e.module}`));
      log.forEach((e, i) => {
        const w = c.log[i]!;
        const what = `${e.event} ${e.module}`;
        (w.args ?? []).forEach((a, j) => close(e.args![j]!, a, `${what} args[${j}]`));
        if (w.output) close(e.output!, w.output, `${what} output`);
        (w.gradInput ?? []).forEach((g, j) => close(e.gradInput![j]!, g, `${what} gradInput[${j}]`));
        (w.gradOutput ?? []).forEach((g, j) => close(e.gradOutput![j]!, g, `${what} gradOutput[${j}]`));
      });
      close(vals(y), c.output, 'output');
      close(vals(x.grad), c.xGrad, 'x.grad');
      close(vals(lin.weight.grad), c.weightGrad, 'weight.grad');
      for (const h of hs) h.remove();
      log.length = 0;
      seq.call(x);
      expect(log).toEqual([]);
    });
  }
  it('prepend, removal, forward() bypassing hooks, hooks inside a Sequential', () => {
    const m = new nn.Identity();
    const order: string[] = [];
    m.registerForwardHook(() => void order.push('a'));
    const b = m.registerForwardHook(() => void order.push('b'));
    m.registerForwardHook(() => void order.push('c'), { prepend: true });
    m.call(ones(1));
    expect(order).toEqual(['c', 'a', 'b']);
    b.remove();
    b.remove(); // removing twice is harmless
    order.length = 0;
    m.forward(ones(1)); // forward() runs the hooks too (modules call each other's forward here)
    expect(order).toEqual(['c', 'a']);
    order.length = 0;
    new nn.Sequential(new nn.Linear(1, 1), m).forward(ones(1, 1));
    expect(order).toEqual(['c', 'a']);
    // hooks of a submodule its parent calls with .forward() run too
    class Parent extends nn.Module {
      inner = new nn.Linear(1, 1);
      override forward(x: Tensor): Tensor {
        return this.inner.forward(x);
      }
    }
    const parent = new Parent();
    const h = parent.inner.registerForwardHook(() => void order.push('inner'));
    parent.forward(ones(1, 1));
    expect(order.at(-1)).toBe('inner');
    // removing the last hook restores the class's forward (and nn.Sequential's memory optimisation)
    expect(parent.inner.keepsNothing()).toBe(false);
    h.remove();
    expect(parent.inner.keepsNothing()).toBe(true);
    expect(Object.keys(parent.inner)).not.toContain('forward');
    // a pre-hook returning one value replaces the (single) argument
    m.registerForwardPreHook(() => zeros(2));
    expect(m.call(ones(1)).shape).toEqual([2]);
  });
  it('a full backward hook replaces gradInput; errors for what is not supported', () => {
    const lin = new nn.Linear(2, 2);
    lin.registerFullBackwardHook((_m, gin) => [zeros(...gin[0]!.shape)]);
    const x = randn(3, 2, { requiresGrad: true });
    lin.call(x).sum().backward();
    expect(x.grad!.abs().sum().item()).toBe(0);
    expect(lin.weight.grad).not.toBeNull();
    // gradients a hook keeps stay valid after backward (as in PyTorch)
    const kept: (Tensor | null)[] = [];
    const keeper = new nn.Tanh();
    keeper.registerFullBackwardHook((_m, gin, gout) => void kept.push(gin[0]!, gout[0]!));
    keeper.call(randn(2, { requiresGrad: true })).mul(tensor([2, 3])).sum().backward();
    expect(kept[1]!.tolist()).toEqual([2, 3]);
    expect(kept[0]!.shape).toEqual([2]);
    class Two extends nn.Module<(a: Tensor, b: Tensor) => Tensor> {
      override forward(a: Tensor, b: Tensor): Tensor {
        return a.add(b);
      }
    }
    const two = new Two();
    two.registerFullBackwardHook(() => undefined);
    expect(thrown(() => two.call(ones(1), ones(1))).message).toMatch(/Two: full backward hooks are supported for modules called with at most one Tensor argument, got 2/);
    const bad = new nn.Linear(2, 2);
    bad.registerFullBackwardHook(() => [zeros(5)]);
    expect(thrown(() => bad.call(randn(3, 2, { requiresGrad: true })).sum().backward()).message).toMatch(/returned a gradient of shape \[5\] for an input of shape \[3, 2\]/);
    expect(thrown(() => lin.registerForwardHook(() => undefined, { alwaysCall: true })).message).toMatch(/registerForwardHook: alwaysCall is not supported/);
    expect(thrown(() => lin.registerForwardHook(() => undefined, { always_call: true } as never)).message).toMatch(/registerForwardHook: unknown option 'always_call'.*alwaysCall/);
    expect(thrown(() => lin.registerForwardPreHook(3 as never)).message).toMatch(/registerForwardPreHook: hook must be a function/);
  });
});

describe('containers', () => {
  it('ModuleDict: get/set/delete/has/keys/values/items/update/pop/clear', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.ReLU();
    const d = new nn.ModuleDict({ a, b });
    expect(d.keys()).toEqual(['a', 'b']);
    expect(d.get('a')).toBe(a);
    expect(d.has('b') && !d.has('c')).toBe(true);
    expect(d.length).toBe(2);
    const c = new nn.Linear(2, 3);
    d.set('a', c); // replacing keeps the position
    expect(d.items()).toEqual([['a', c], ['b', b]]);
    d.update(new Map([['z', a]]));
    d.update([['y', b]]);
    expect([...d]).toEqual(['a', 'b', 'z', 'y']);
    expect(d.values()).toEqual([c, b, a, b]);
    expect(Object.keys(d.stateDict())).toEqual(['a.weight', 'a.bias', 'z.weight', 'z.bias']);
    expect(d.pop('z')).toBe(a);
    d.delete('y');
    expect(d.keys()).toEqual(['a', 'b']);
    d.clear();
    expect(d.length).toBe(0);
    expect(thrown(() => d.get('a')).message).toMatch(/ModuleDict: no module under key "a"/);
    expect(thrown(() => d.set('training', a)).message).toMatch(/attribute "training" already exists/);
    expect(thrown(() => d.set('keys', a)).message).toMatch(/attribute "keys" already exists/);
    expect(thrown(() => d.set('a.b', a)).message).toMatch(/without "."/);
    expect(thrown(() => d.set('a', ones(2) as never)).message).toMatch(/not an nn.Module/);
    expect(thrown(() => d.forward()).message).toMatch(/ModuleDict has no forward/);
  });
  it('ParameterList and ParameterDict wrap tensors in Parameters', () => {
    const pl = new nn.ParameterList([zeros(2), new nn.Parameter(ones(3))]);
    expect(pl.length).toBe(2);
    expect(pl.at(0)).toBeInstanceOf(nn.Parameter);
    expect(pl.at(-1).shape).toEqual([3]);
    pl.append(ones(1)).set(0, ones(4));
    expect([...pl].map((p) => p.shape)).toEqual([[4], [3], [1]]);
    expect(Object.keys(pl.stateDict())).toEqual(['0', '1', '2']);
    expect(pl.parameters()).toHaveLength(3);
    expect(thrown(() => pl.at(3)).message).toMatch(/index 3 is out of range for 3/);
    expect(thrown(() => pl.append(3 as never)).message).toMatch(/must be a Tensor or an nn.Parameter/);
    expect(pl.toString()).toContain('(0): Parameter containing: [torch.float32 of size 4]');
    const pd = new nn.ParameterDict({ w: ones(2) });
    pd.set('b', zeros(1));
    expect(pd.keys()).toEqual(['w', 'b']);
    expect(pd.get('w')).toBeInstanceOf(nn.Parameter);
    expect(pd.get('w').requiresGrad).toBe(true);
    expect(Object.keys(pd.stateDict())).toEqual(['w', 'b']);
    expect(pd.pop('w').shape).toEqual([2]);
    expect(pd.items().map(([k]) => k)).toEqual(['b']);
    pd.update({ c: ones(1) });
    expect(pd.has('c')).toBe(true);
    pd.clear();
    expect(pd.length).toBe(0);
    expect(thrown(() => pd.get('c')).message).toMatch(/ParameterDict: no parameter under key "c"/);
    expect(pd.get('c', null)).toBeNull();
  });
  it('Unflatten', () => {
    const u = new nn.Unflatten(1, [2, 5]);
    expect(u.forward(zeros(4, 10)).shape).toEqual([4, 2, 5]);
    expect(new nn.Unflatten(-1, [-1, 2]).forward(zeros(3, 6)).shape).toEqual([3, 3, 2]);
    expect(u.toString()).toBe('Unflatten(dim=1, unflattened_size=(2, 5))');
    const x = randn(2, 10, { requiresGrad: true });
    u.forward(x).mul(2).sum().backward();
    expect(x.grad!.tolist()).toEqual(Array.from({ length: 2 }, () => new Array(10).fill(2)));
    expect(thrown(() => new nn.Unflatten(1, 5 as never)).message).toMatch(/Unflatten: unflattenedSize must be a non-empty array/);
    expect(() => u.forward(zeros(4, 9))).toThrow();
  });
});

describe('Module methods', () => {
  it('getSubmodule, getParameter, getBuffer', () => {
    const net = new Net();
    expect(net.getSubmodule('')).toBe(net);
    expect(net.getSubmodule('heads.cls')).toBe(net.heads.get('cls'));
    expect(net.getParameter('heads.cls.bias')).toBe(net.heads.get('cls').parameters()[1]);
    expect(net.getParameter('plist.1')).toBe(net.plist.at(1));
    expect(net.getBuffer('bn.running_mean')).toBe(net.bn.runningMean);
    expect(thrown(() => net.getSubmodule('heads.nope')).message).toMatch(/ModuleDict has no attribute `nope`/);
    expect(thrown(() => net.getSubmodule('heads.cls.weight')).message).toMatch(/`weight` is not an nn.Module/);
    expect(thrown(() => net.getParameter('bn.running_mean')).message).toMatch(/`running_mean` is not an nn.Parameter/);
    expect(thrown(() => net.getBuffer('bn.weight')).message).toMatch(/`weight` is not a buffer/);
    expect(thrown(() => net.getBuffer('bn.nope')).message).toMatch(/BatchNorm1d has no attribute `nope`/);
  });
  it('zeroGrad: to null by default (PyTorch 2.x), to zeros with setToNone false', () => {
    const lin = new nn.Linear(2, 2);
    lin.forward(ones(1, 2)).sum().backward();
    lin.zeroGrad({ setToNone: false });
    expect(lin.weight.grad!.tolist()).toEqual([[0, 0], [0, 0]]);
    lin.zeroGrad(false);
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(thrown(() => lin.zeroGrad({ set_to_none: true } as never)).message).toMatch(/zeroGrad: unknown option 'set_to_none' \(PyTorch's set_to_none is setToNone here\)/);
  });
  it('apply (children first), namedModules, namedBuffers, requiresGrad_ as PyTorch', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.BatchNorm1d(2), new nn.ReLU()));
    const seen: string[] = [];
    net.apply((m) => void seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'BatchNorm1d', 'ReLU', 'Sequential', 'Sequential']);
    expect(net.namedModules().map(([k]) => k)).toEqual(['', '0', '1', '1.0', '1.1']);
    expect(net.namedModules('net').map(([k]) => k)[2]).toBe('net.1');
    expect(net.namedBuffers().map(([k]) => k)).toEqual(['1.0.running_mean', '1.0.running_var', '1.0.num_batches_tracked']);
    expect(net.namedBuffers('', false)).toEqual([]);
    expect(net.requiresGrad_(false)).toBe(net);
    expect(net.parameters().every((p) => !p.requiresGrad)).toBe(true);
    net.requiresGrad_();
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    // a shared submodule appears once
    const shared = new nn.Linear(1, 1);
    expect(new nn.Sequential(shared, shared).namedModules().map(([k]) => k)).toEqual(['', '0']);
  });
});

describe('nn.utils', () => {
  it('parametersToVector is differentiable; vectorToParameters checks its arguments', () => {
    const ps = [new nn.Parameter(ones(2, 2)), new nn.Parameter(ones(3))];
    const v = nn.utils.parametersToVector(ps);
    expect(v.shape).toEqual([7]);
    const [g] = grad(v.mul(tensor([1, 2, 3, 4, 5, 6, 7])).sum(), [ps[0]!]);
    expect(g!.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(thrown(() => nn.utils.vectorToParameters(zeros(6), ps)).message).toMatch(/vectorToParameters: vec has 6 elements, the parameters have 7/);
    expect(thrown(() => nn.utils.vectorToParameters(zeros(7, 1), ps)).message).toMatch(/vec must be 1-D/);
    expect(thrown(() => nn.utils.vectorToParameters([1] as never, ps)).message).toMatch(/expected vec to be a Tensor/);
  });
  it('clipGradValue_ clamps every gradient', () => {
    const p = new nn.Parameter(zeros(4));
    p.mul(tensor([-3, -0.5, 0.2, 7])).sum().backward();
    nn.utils.clipGradValue_([p], 1, { foreach: true });
    expect(Array.from(p.grad!.toArray())).toEqual([-1, -0.5, Math.fround(0.2), 1]);
    nn.utils.clipGradValue_(p, 0.1, null);
    expect(Array.from(p.grad!.toArray())).toEqual([-0.1, -0.1, 0.1, 0.1].map(Math.fround));
    expect(thrown(() => nn.utils.clipGradValue_(p, -1)).message).toMatch(/clipValue must be a non-negative number/);
  });
  it('clipGradNorm_: positional and options forms, errorIfNonfinite', () => {
    const make = (v: number[]) => {
      const p = new nn.Parameter(zeros(v.length));
      p.mul(tensor(v)).sum().backward();
      return p;
    };
    const p = make([3, 4]);
    const total = nn.utils.clipGradNorm_([p], 1, 2, false, null);
    expect(total.item()).toBeCloseTo(5, 6);
    expectClose(p.grad!, tensor([0.6, 0.8]), { atol: 1e-6, rtol: 1e-5 });
    const q = make([3, -4]);
    expect(nn.utils.clipGradNorm_([q], 10, { normType: Infinity }).item()).toBe(4);
    expect(q.grad!.tolist()).toEqual([3, -4]);
    const bad = make([Infinity, 1]);
    expect(thrown(() => nn.utils.clipGradNorm_([bad], 1, { errorIfNonfinite: true })).message).toMatch(/total norm of order 2 for gradients from `parameters` is non-finite/);
    expect(bad.grad!.tolist()).toEqual([Infinity, 1]);
    nn.utils.clipGradNorm_([bad], 1); // without the flag the gradients are scaled (by 0 here: coefficient 1/inf)
    expect(bad.grad!.toArray()[1]).toBe(0);
    expect(thrown(() => nn.utils.clipGradNorm_([p], 1, { foreach: 1 as never })).message).toMatch(/foreach must be a boolean or null/);
  });
});

describe('nn.init', () => {
  const sample = (n: number, f: (t: Tensor) => unknown): Float32Array => {
    const t = zeros(n);
    f(t);
    return t.toArray() as Float32Array;
  };
  const moments = (v: Float32Array) => {
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let s = 0;
    for (const x of v) s += (x - m) ** 2;
    return [m, s / v.length] as const;
  };
  const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  it('truncNormal_: in [a, b], with the truncated normal mean and variance', () => {
    manualSeed(1);
    for (const [mean, std, a, b] of [[0, 1, -2, 2], [1, 2, 0, 5], [0, 0.02, -0.04, 0.04], [-1, 1, 0.5, 3]] as const) {
      const v = sample(40000, (t) => nn.init.truncNormal_(t, mean, std, a, b));
      expect(v.every((x) => x >= a && x <= b)).toBe(true);
      // edge pile-up (a clamp of an untruncated normal) would put many values at a or b exactly
      expect(v.filter((x) => x === Math.fround(a) || x === Math.fround(b)).length).toBeLessThan(5);
      const al = (a - mean) / std;
      const be = (b - mean) / std;
      // Z from a fine trapezoid sum of the density (independent of the implementation's CDF)
      let z = 0;
      const steps = 20000;
      for (let i = 0; i <= steps; i++) z += phi(al + ((be - al) * i) / steps) * (i === 0 || i === steps ? 0.5 : 1);
      z *= (be - al) / steps;
      const wantMean = mean + (std * (phi(al) - phi(be))) / z;
      const wantVar = std * std * (1 + (al * phi(al) - be * phi(be)) / z - ((phi(al) - phi(be)) / z) ** 2);
      const [m, s] = moments(v);
      expect(Math.abs(m - wantMean)).toBeLessThan(0.02 * std);
      expect(Math.abs(s / wantVar - 1)).toBeLessThan(0.04);
    }
    expect(thrown(() => nn.init.truncNormal_(zeros(2), 0, 1, 2, -2)).message).toMatch(/truncNormal_: a must be less than b/);
    expect(thrown(() => nn.init.truncNormal_(zeros(2), 0, 0)).message).toMatch(/truncNormal_: std must be positive/);
  });
  it('orthogonal_: orthonormal rows or columns times gain, for tall, wide and >2-D shapes', () => {
    manualSeed(2);
    for (const [shape, gain] of [[[5, 3], 1], [[3, 7], 2], [[4, 2, 2], 0.5], [[6, 6], 1]] as const) {
      const w = nn.init.orthogonal_(zeros(...shape), gain);
      const m = w.reshape(shape[0], -1);
      const [r, c] = m.shape as [number, number];
      const prod = r <= c ? m.matmul(m.t()) : m.t().matmul(m);
      const k = Math.min(r, c);
      const eye = tensor(Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? gain * gain : 0))).reshape(k, k);
      expectClose(prod, eye, { atol: 1e-5, rtol: 1e-5, what: `orthogonal_ ${shape}` });
    }
    // Haar: entries of a random orthogonal 8x8 matrix have mean 0 and variance 1/8
    const all: number[] = [];
    for (let i = 0; i < 200; i++) all.push(...nn.init.orthogonal_(zeros(8, 8)).toArray());
    const [m, s] = moments(Float32Array.from(all));
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(s * 8 - 1)).toBeLessThan(0.05);
    expect(thrown(() => nn.init.orthogonal_(zeros(3))).message).toMatch(/orthogonal_: only tensors with 2 or more dimensions/);
  });
  it('sparse_: ceil(sparsity * rows) zeros per column, the rest Normal(0, std^2)', () => {
    manualSeed(3);
    const w = nn.init.sparse_(zeros(10, 400), 0.25, 0.5);
    const v = w.toArray();
    for (let c = 0; c < 400; c++) {
      let zerosInCol = 0;
      for (let r = 0; r < 10; r++) if (v[r * 400 + c] === 0) zerosInCol++;
      expect(zerosInCol).toBe(3);
    }
    const nz = Float32Array.from(Array.from(v).filter((x) => x !== 0));
    const [m, s] = moments(nz);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(s) / 0.5 - 1)).toBeLessThan(0.04);
    expect(thrown(() => nn.init.sparse_(zeros(2, 2, 2), 0.1)).message).toMatch(/sparse_: only tensors with 2 dimensions/);
  });
  it('dirac_ and eye_ as PyTorch', () => {
    for (const d of fx.dirac) expect(Array.from(nn.init.dirac_(zeros(...d.shape), d.groups).toArray())).toEqual(d.values);
    expect(Array.from(nn.init.eye_(randn(...fx.eye.shape)).toArray())).toEqual(fx.eye.values);
    expect(thrown(() => nn.init.dirac_(zeros(3, 2, 3), 2)).message).toMatch(/dirac_: dim 0 \(3\) must be divisible by groups \(2\)/);
    expect(thrown(() => nn.init.dirac_(zeros(3, 2))).message).toMatch(/dirac_: only tensors with 3, 4, or 5 dimensions/);
    expect(thrown(() => nn.init.eye_(zeros(3, 2, 1))).message).toMatch(/eye_: only tensors with 2 dimensions/);
  });
});
