/**
 * Issue 16, activations (src/ops/activation-more.ts, src/nn/layers/activation-more.ts): values and gradients
 * against PyTorch 1.13 (test/fixtures/activations/cases.json, made by gen.py), module reprs and PReLU's
 * state dict, gradcheck at odd sizes and on non-contiguous inputs, in-place forms, rrelu's random slopes,
 * argument forms and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, nn, grad, manualSeed, noGrad, tensor, type Tensor } from '../src/index.js';
import { checkGradGrad, checkOp, expectClose, expectTorchCase, thrown, torchNum, type TorchCase } from './helpers.js';

interface Fixture {
  cases: Record<string, TorchCase>;
  reprs: Record<string, string>;
  modules: Record<string, { stateDict: Record<string, { shape: number[]; values: (number | string)[] }>; input?: { shape: number[]; values: number[] }; output?: { shape: number[]; values: (number | string)[] } }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/activations/cases.json', import.meta.url), 'utf8')) as Fixture;

type Op = (...xs: Tensor[]) => Tensor;
/** The wasmgrad twin of each fixture case (positional forms and options objects alternate). */
const unary: Record<string, Op> = {
  silu: (x) => F.silu(x!),
  mish: (x) => F.mish(x!),
  softplus: (x) => F.softplus(x!),
  softplus_beta2_thr5: (x) => F.softplus(x!, 2, 5),
  softplus_beta_half: (x) => F.softplus(x!, { beta: 0.5, threshold: 3 }),
  hardswish: (x) => F.hardswish(x!),
  hardsigmoid: (x) => F.hardsigmoid(x!, false),
  hardtanh: (x) => F.hardtanh(x!),
  hardtanh_m2_3: (x) => F.hardtanh(x!, -2, { maxVal: 3 }),
  relu6: (x) => F.relu6(x!),
  elu: (x) => F.elu(x!),
  elu_half: (x) => F.elu(x!, 0.5),
  selu: (x) => F.selu(x!),
  celu: (x) => F.celu(x!),
  celu_2: (x) => F.celu(x!, { alpha: 2 }),
  softsign: (x) => F.softsign(x!),
  tanhshrink: (x) => F.tanhshrink(x!),
  softshrink: (x) => F.softshrink(x!),
  softshrink_1: (x) => F.softshrink(x!, 1),
  hardshrink: (x) => F.hardshrink(x!),
  hardshrink_1: (x) => F.hardshrink(x!, { lambd: 1 }),
  threshold_1_20: (x) => F.threshold(x!, 1, 20),
  threshold_0_m1: (x) => F.threshold(x!, 0, -1, { inplace: false }),
  logsigmoid: (x) => F.logsigmoid(x!),
  rrelu_eval: (x) => F.rrelu(x!),
  rrelu_eval_bounds: (x) => F.rrelu(x!, 0.1, 0.5, false),
  // the exact gelu (src/ops/activation.ts) gives -0 where PyTorch gives +0 (at -0 and large negative x): + 0 compares values only
  gelu: (x) => F.gelu(x!).add(0),
  gelu_tanh: (x) => F.gelu(x!, { approximate: 'tanh' }),
  leaky_relu: (x) => F.leakyRelu(x!),
};
const twins: Record<string, Op> = {
  ...unary,
  ...Object.fromEntries(Object.entries(unary).map(([k, f]) => [`${k}_special`, f])),
  ...Object.fromEntries(Object.entries(unary).map(([k, f]) => [`${k}_nangrad`, f])),
  prelu_single: (x, w) => F.prelu(x!, w!),
  prelu_channels: (x, w) => F.prelu(x!, w!),
  prelu_1d: (x, w) => F.prelu(x!, w!),
  glu_last: (x) => F.glu(x!),
  glu_dim0: (x) => F.glu(x!, { dim: 0 }),
  softmin_1: (x) => F.softmin(x!, 1),
  softmin_0: (x) => F.softmin(x!, { dim: 0 }),
  softmax2d: (x) => new nn.Softmax2d().forward(x!),
  softmax2d_3d: (x) => new nn.Softmax2d().forward(x!),
};

describe('activations against PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const f = twins[name];
      if (!f) throw new Error(`no wasmgrad twin for fixture case ${name}`);
      expectTorchCase(name, c, f, 4e-6);
    });
  }
});

/** Each repr key of the fixture as a constructor call. */
const ctors: Record<string, () => nn.Module> = {
  'SiLU()': () => new nn.SiLU(), 'SiLU(True)': () => new nn.SiLU(true), 'Mish()': () => new nn.Mish(), 'Mish(True)': () => new nn.Mish({ inplace: true }),
  'Softplus()': () => new nn.Softplus(), 'Softplus(2, 10)': () => new nn.Softplus(2, 10), 'Softplus(0.5)': () => new nn.Softplus({ beta: 0.5 }),
  'Hardswish(True)': () => new nn.Hardswish(true), 'Hardsigmoid()': () => new nn.Hardsigmoid(),
  'Hardtanh()': () => new nn.Hardtanh(), 'Hardtanh(-2, 2, True)': () => new nn.Hardtanh(-2, 2, { inplace: true }),
  'ReLU6()': () => new nn.ReLU6(), 'ReLU6(True)': () => new nn.ReLU6(true), 'ELU()': () => new nn.ELU(), 'ELU(0.5, True)': () => new nn.ELU(0.5, true),
  'SELU()': () => new nn.SELU(), 'SELU(True)': () => new nn.SELU(true), 'CELU()': () => new nn.CELU(), 'CELU(2)': () => new nn.CELU(2),
  'Softsign()': () => new nn.Softsign(), 'Tanhshrink()': () => new nn.Tanhshrink(), 'Softshrink()': () => new nn.Softshrink(),
  'Softshrink(1)': () => new nn.Softshrink(1), 'Hardshrink()': () => new nn.Hardshrink(), 'Threshold(0.1, 20)': () => new nn.Threshold(0.1, 20),
  'Threshold(1, 0.5, True)': () => new nn.Threshold(1, 0.5, true), 'LogSigmoid()': () => new nn.LogSigmoid(), 'PReLU()': () => new nn.PReLU(),
  'PReLU(3)': () => new nn.PReLU(3), 'RReLU()': () => new nn.RReLU(), 'RReLU(0.1, 0.3, True)': () => new nn.RReLU(0.1, 0.3, { inplace: true }),
  'GLU()': () => new nn.GLU(), 'GLU(1)': () => new nn.GLU(1), 'Softmin()': () => new nn.Softmin(), 'Softmin(1)': () => new nn.Softmin(1),
  'Softmax2d()': () => new nn.Softmax2d(),
};

describe('activation modules', () => {
  it("print as PyTorch's", () => {
    for (const [k, want] of Object.entries(fixture.reprs)) {
      const make = ctors[k];
      if (!make) throw new Error(`no constructor for ${k}`);
      expect(String(make()), k).toBe(want);
    }
  });

  it('forward equals the functional form', () => {
    const x = tensor([[-4, -1, -0.2, 0.3], [1, 2.5, 3.5, 7]], { dtype: 'float32' });
    const pairs: [nn.Module, Tensor][] = [
      [new nn.SiLU(), F.silu(x)], [new nn.Mish(), F.mish(x)], [new nn.Softplus(2, 3), F.softplus(x, 2, 3)], [new nn.Hardswish(), F.hardswish(x)],
      [new nn.Hardsigmoid(), F.hardsigmoid(x)], [new nn.Hardtanh(-2, 2), F.hardtanh(x, -2, 2)], [new nn.ReLU6(), F.relu6(x)],
      [new nn.ELU(0.3), F.elu(x, 0.3)], [new nn.SELU(), F.selu(x)], [new nn.CELU(1.5), F.celu(x, 1.5)], [new nn.Softsign(), F.softsign(x)],
      [new nn.Tanhshrink(), F.tanhshrink(x)], [new nn.Softshrink(0.4), F.softshrink(x, 0.4)], [new nn.Hardshrink(0.4), F.hardshrink(x, 0.4)],
      [new nn.Threshold(0.5, -3), F.threshold(x, 0.5, -3)], [new nn.LogSigmoid(), F.logsigmoid(x)], [new nn.GLU(), F.glu(x)],
      [new nn.Softmin(0), F.softmin(x, 0)], [new nn.RReLU().eval(), F.rrelu(x)],
    ];
    for (const [m, want] of pairs) expectClose((m as nn.Module<(x: Tensor) => Tensor>).forward(x), want, { atol: 0, rtol: 0, what: String(m) });
    for (const m of pairs.map((p) => p[0])) expect(m.keepsNothing(), String(m)).toBe(true);
  });

  it("PReLU: parameter `weight` as PyTorch's, loads PyTorch's weights strictly", () => {
    const m0 = new nn.PReLU();
    expect(Object.keys(m0.stateDict())).toEqual(Object.keys(fixture.modules['PReLU()']!.stateDict));
    expect(m0.weight.tolist()).toEqual([0.25]);
    const fx = fixture.modules['PReLU(4)']!;
    const m = new nn.PReLU(4, 0.1);
    const sd = m.stateDict();
    for (const [k, v] of Object.entries(fx.stateDict)) expect(sd[k]!.shape, k).toEqual(v.shape);
    expect(Object.keys(sd)).toEqual(Object.keys(fx.stateDict));
    m.loadStateDict(Object.fromEntries(Object.entries(fx.stateDict).map(([k, v]) => [k, tensor(v.values.map(torchNum)).reshape(v.shape)])), { strict: true });
    const y = m.forward(tensor(fx.input!.values).reshape(fx.input!.shape));
    expectClose(y, tensor(fx.output!.values.map(torchNum)).reshape(fx.output!.shape), { atol: 0, rtol: 0 });
    expect(m.parameters().length).toBe(1);
  });
});

describe('gradients (gradcheck, odd sizes, non-contiguous)', () => {
  const fns: [string, Op][] = [
    ['silu', (x) => F.silu(x!)], ['mish', (x) => F.mish(x!)], ['softplus', (x) => F.softplus(x!, 1.5, 2)], ['hardswish', (x) => F.hardswish(x!)],
    ['hardsigmoid', (x) => F.hardsigmoid(x!)], ['hardtanh', (x) => F.hardtanh(x!, -0.7, 0.9)], ['relu6', (x) => F.relu6(x!.mul(4))],
    ['elu', (x) => F.elu(x!, 0.7)], ['selu', (x) => F.selu(x!)], ['celu', (x) => F.celu(x!, 0.6)], ['softsign', (x) => F.softsign(x!)],
    ['tanhshrink', (x) => F.tanhshrink(x!)], ['softshrink', (x) => F.softshrink(x!, 0.3)], ['hardshrink', (x) => F.hardshrink(x!, 0.3)],
    ['threshold', (x) => F.threshold(x!, 0.2, 2)], ['logsigmoid', (x) => F.logsigmoid(x!)], ['rrelu eval', (x) => F.rrelu(x!)],
    ['softmin', (x) => F.softmin(x!, 0)],
  ];
  for (const [name, f] of fns) {
    it(name, () => {
      for (const n of [1, 3, 17]) checkOp(`${name} [${n}]`, f, [[n]], { range: [-4, 4] });
      checkOp(`${name} non-contiguous`, f, [[5, 3]], { range: [-4, 4], nonContiguous: true });
    });
  }
  it('prelu (input and weight)', () => {
    checkOp('prelu single', (x, w) => F.prelu(x!, w!), [[3, 5], [1]], { range: [[-2, 2], [0.1, 0.5]] });
    checkOp('prelu channels', (x, w) => F.prelu(x!, w!), [[2, 3, 5], [3]], { range: [[-2, 2], [-1, 1]], nonContiguous: [true, false] });
    checkOp('prelu 1-D', (x, w) => F.prelu(x!, w!), [[17], [1]]);
  });
  it('glu', () => {
    checkOp('glu', (x) => F.glu(x!), [[3, 2]]);
    checkOp('glu dim 0', (x) => F.glu(x!, 0), [[6, 3]], { nonContiguous: true });
    checkOp('glu 34', (x) => F.glu(x!, -1), [[34]]);
  });
  it('second order (smooth ones)', () => {
    for (const [name, f] of [...fns.slice(0, 3), ...fns.slice(7, 11), fns[15]!]) checkGradGrad(name, f, [[7]], { range: [-3, 3] });
  });
});

describe('in place', () => {
  it('writes into the input and returns it, with the out-of-place gradient', () => {
    const cases: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor][] = [
      ['silu', (t) => F.silu(t, true), (t) => F.silu(t)],
      ['mish', (t) => F.mish(t, { inplace: true }), (t) => F.mish(t)],
      ['hardswish', (t) => F.hardswish(t, true), (t) => F.hardswish(t)],
      ['hardsigmoid', (t) => F.hardsigmoid(t, true), (t) => F.hardsigmoid(t)],
      ['hardtanh', (t) => F.hardtanh(t, -0.5, 0.5, true), (t) => F.hardtanh(t, -0.5, 0.5)],
      ['hardtanh_', (t) => F.hardtanh_(t, -0.5, 0.5), (t) => F.hardtanh(t, -0.5, 0.5)],
      ['relu6', (t) => F.relu6(t, true), (t) => F.relu6(t)],
      ['elu', (t) => F.elu(t, 0.5, true), (t) => F.elu(t, 0.5)],
      ['elu_', (t) => F.elu_(t, 0.5), (t) => F.elu(t, 0.5)],
      ['selu', (t) => F.selu(t, true), (t) => F.selu(t)],
      ['selu_', (t) => F.selu_(t), (t) => F.selu(t)],
      ['celu', (t) => F.celu(t, 2, true), (t) => F.celu(t, 2)],
      ['celu_', (t) => F.celu_(t, { alpha: 2 }), (t) => F.celu(t, 2)],
      ['threshold', (t) => F.threshold(t, 0.1, 5, true), (t) => F.threshold(t, 0.1, 5)],
      ['threshold_', (t) => F.threshold_(t, 0.1, 5), (t) => F.threshold(t, 0.1, 5)],
      ['rrelu', (t) => F.rrelu(t, { inplace: true }), (t) => F.rrelu(t)],
      ['rrelu_', (t) => F.rrelu_(t), (t) => F.rrelu(t)],
    ];
    for (const [name, inpl, outOf] of cases) {
      const a = tensor([-2, -0.4, 0.3, 1.2, 7], { requiresGrad: true });
      const h = a.mul(1);
      const r = inpl(h);
      expect(r, name).toBe(h);
      const want = outOf(a);
      expectClose(h, want, { atol: 0, rtol: 0, what: name });
      const [g1] = grad(h.mul(tensor([1, 2, 3, 4, 5], { dtype: 'float32' })).sum(), [a]);
      const [g2] = grad(want.mul(tensor([1, 2, 3, 4, 5], { dtype: 'float32' })).sum(), [a]);
      expectClose(g1!, g2!, { atol: 1e-7, rtol: 1e-6, what: `${name} grad` });
    }
  });

  it('modules with inplace write into their input; a leaf that requires grad throws as PyTorch', () => {
    const x = tensor([-1, 0.5, 8], { dtype: 'float32' });
    expect(new nn.ReLU6(true).forward(x)).toBe(x);
    expect(x.tolist()).toEqual([0, 0.5, 6]);
    const leaf = tensor([1, -2], { dtype: 'float32', requiresGrad: true });
    expect(() => new nn.ELU(1, true).forward(leaf)).toThrow(/elu_: a leaf/);
    expect(() => F.hardtanh_(leaf)).toThrow(/hardtanh_: a leaf/);
    noGrad(() => expect(F.selu(leaf, true)).toBe(leaf));
  });
});

describe('rrelu in training mode', () => {
  it('draws one slope per element in [lower, upper] from the library generator; gradient uses the same slopes', () => {
    const x = tensor(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? -1 - i / 10 : 0.5 + i)), { requiresGrad: true });
    manualSeed(7);
    const y = F.rrelu(x, 0.1, 0.3, true);
    manualSeed(7);
    const y2 = F.rrelu(x, { lower: 0.1, upper: 0.3, training: true });
    expect(y.tolist()).toEqual(y2.tolist());
    const xv = x.toArray(), yv = y.toArray();
    const slopes = new Set<number>();
    for (let i = 0; i < xv.length; i++) {
      if (xv[i]! > 0) expect(yv[i]).toBe(xv[i]);
      else {
        const s = yv[i]! / xv[i]!;
        expect(s).toBeGreaterThanOrEqual(0.1 - 1e-6);
        expect(s).toBeLessThanOrEqual(0.3 + 1e-6);
        slopes.add(Math.round(s * 1e5));
      }
    }
    expect(slopes.size).toBeGreaterThan(10);
    const [g] = grad(y.sum(), [x]);
    const gv = g!.toArray();
    for (let i = 0; i < xv.length; i++) expect(gv[i]).toBeCloseTo(xv[i]! > 0 ? 1 : yv[i]! / xv[i]!, 5);
    const m = new nn.RReLU(0.1, 0.3);
    manualSeed(7);
    expectClose(m.forward(x), y, { atol: 0, rtol: 0 });
    m.eval();
    expectClose(m.forward(x), F.leakyRelu(x, 0.2), { atol: 0, rtol: 0 });
  });
});

describe('argument checks', () => {
  const x = tensor([[1, -2, 3, 0.5]], { dtype: 'float32' });
  const cases: [string, () => unknown, RegExp][] = [
    ['unknown option', () => F.silu(x, { inplce: true } as never), /silu: unknown option 'inplce' \(did you mean 'inplace'\?\)/],
    ['snake key', () => F.hardtanh(x, { min_val: 0 } as never), /hardtanh: unknown option 'min_val' \(PyTorch's min_val is minVal here\)/],
    ['inplace type', () => F.elu(x, 1, 'yes' as never), /elu: inplace must be a boolean/],
    ['alpha type', () => F.elu(x, '1' as never), /elu: alpha must be a number/],
    ['celu alpha 0', () => F.celu(x, 0), /celu: alpha cannot be 0/],
    ['CELU alpha 0', () => new nn.CELU(0), /CELU: alpha cannot be 0/],
    ['softshrink negative', () => F.softshrink(x, -1), /softshrink: lambd must be greater or equal to 0/],
    ['hardtanh bounds', () => F.hardtanh(x, 2, 1), /hardtanh: maxVal \(1\) must be greater than or equal to minVal \(2\)/],
    ['Hardtanh deprecated', () => new nn.Hardtanh({ minValue: -2 } as never), /Hardtanh: minValue is deprecated in PyTorch and not supported; use minVal/],
    ['threshold missing', () => (F.threshold as unknown as (x: Tensor) => Tensor)(x), /threshold: threshold must be a number, got undefined/],
    ['int input', () => F.silu(tensor([1, 2], { dtype: 'int32' })), /silu: input must be a float32 tensor, got dtype int32/],
    ['not a tensor', () => F.mish([1, 2] as never), /mish: input must be a Tensor, got an array/],
    ['prelu channels', () => F.prelu(tensor([[1, 2, 3]], { dtype: 'float32' }), tensor([0.1, 0.2])), /prelu: weight has 2 parameters but the input \(shape \[1, 3\]\) has 3 channels/],
    ['prelu 2-D weight', () => F.prelu(x, tensor([[0.1]])), /prelu: weight must be a scalar or 1-D tensor/],
    ['prelu 0-d', () => F.prelu(tensor(1, { dtype: 'float32' }), tensor([0.1])), /prelu: zero-dim input tensor is not allowed/],
    ['rrelu bounds', () => F.rrelu(x, 0.5, 0.1), /rrelu: lower \(0.5\) must be less than or equal to upper \(0.1\)/],
    ['glu odd', () => F.glu(tensor([[1, 2, 3]], { dtype: 'float32' })), /glu: halving dimension must be even, but dimension 1 is size 3/],
    ['glu scalar', () => F.glu(tensor(1, { dtype: 'float32' })), /glu: does not support scalars/],
    ['glu dim', () => F.glu(x, 2), /glu: dim 2 is out of range/],
    ['softmin dtype', () => F.softmin(x, { dim: 1, dtype: 'int32' as never }), /softmin: dtype the string "int32" is not supported/],
    ['softmin dim', () => F.softmin(x, 1.5), /softmin: dim must be an integer/],
    ['Softmax2d shape', () => new nn.Softmax2d().forward(x), /Softmax2d: expected input of 3 or 4 dims/],
    ['PReLU count', () => new nn.PReLU(0), /PReLU: numParameters must be an integer >= 1/],
    ['Softplus option', () => new nn.Softplus({ betta: 2 } as never), /Softplus: unknown option 'betta' \(did you mean 'beta'\?\)/],
    ['too many', () => (F.softplus as (...a: unknown[]) => Tensor)(x, 1, 2, 3), /softplus: takes at most 2 positional arguments/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(thrown(f).message).toMatch(re);
    });
  }
  it("softmin without dim takes PyTorch's implicit dim (0 for 0-, 1-, 3-D input, else 1)", () => {
    const x2 = tensor([[1, 2], [3, 5]], { dtype: 'float32' });
    expectClose(F.softmin(x2), F.softmin(x2, 1), { atol: 0, rtol: 0 });
    expectClose(new nn.Softmin().forward(x2), F.softmin(x2, 1), { atol: 0, rtol: 0 });
    const x3 = x2.reshape(2, 2, 1);
    expectClose(F.softmin(x3, null), F.softmin(x3, 0), { atol: 0, rtol: 0 });
  });
  it('NaN propagates and large inputs stay finite (PyTorch special-value cases above), softplus threshold is linear', () => {
    expect(F.softplus(tensor([30], { dtype: 'float32' }), 1, 20).item()).toBe(30);
    expect(F.logsigmoid(tensor([-200], { dtype: 'float32' })).item()).toBe(-200);
    expect(F.mish(tensor([200], { dtype: 'float32' })).item()).toBe(200);
  });
});
