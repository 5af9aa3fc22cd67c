/**
 * nn.MultiheadAttention and the Transformer layers (issue 16) against PyTorch 1.13: state dicts exported from
 * PyTorch load strictly by name, outputs, attention weights and gradients of sum(out * cot) (with respect
 * to the inputs and a few parameters) match test/fixtures/transformer/cases-*.json (made by gen.py beside
 * them); plus key sets and default init, gradcheck on small modules, and the error cases.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, grad, gradcheck, manualSeed, nn, noGrad, randn, tensor, zeros, ones } from '../src/index.js';
import { checkOp, expectClose, thrown } from './helpers.js';

interface Arr {
  shape: number[];
  dtype: 'float32' | 'bool';
  data: (number | string | boolean)[];
}
interface Case {
  name: string;
  kind: 'mha' | 'mhaSelf' | 'encoderLayer' | 'decoderLayer' | 'encoder' | 'decoder' | 'transformer';
  ctor: Record<string, unknown>;
  stateKeys: string[];
  state: Record<string, Arr>;
  positional: Record<string, Arr>;
  options: Record<string, Arr | boolean>;
  out: Arr;
  cot: Arr;
  weights?: Arr;
  cotW?: Arr;
  grads: Record<string, Arr>;
}
interface Fixture {
  torch: string;
  cases: Case[];
  defaultKeys?: Record<string, Record<string, number[]>>;
}

const dir = new URL('./fixtures/transformer/', import.meta.url);
const files = fs.readdirSync(dir).filter((f) => /^cases-\d+\.json$/.test(f)).sort();
const fixtures = files.map((f) => JSON.parse(fs.readFileSync(new URL(f, dir), 'utf8')) as Fixture);
const CASES = fixtures.flatMap((f) => f.cases);
const DEFAULT_KEYS = fixtures[0]!.defaultKeys!;

const num = (v: number | string | boolean): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v ? 1 : 0);
function T(a: Arr, requiresGrad = false): Tensor {
  if (a.dtype === 'bool') return tensor(Float32Array.from(a.data.map(num))).reshape(a.shape).ne(0);
  const t = tensor(Float32Array.from(a.data.map(num))).reshape(a.shape).clone();
  return requiresGrad ? t.requiresGrad_(true) : t;
}
const nd = (a: Arr) => ({ shape: a.shape, data: Float64Array.from(a.data.map(num)) });
const TOL = { atol: 3e-5, rtol: 3e-4 };

const LAYER_KEYS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst'];
function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

/** The wasmgrad module of a case, built from its camelCase constructor arguments. */
function build(c: Case): nn.Module<(...args: never[]) => unknown> {
  const k = c.ctor;
  switch (c.kind) {
    case 'mha':
    case 'mhaSelf': {
      const { embedDim, numHeads, ...rest } = k as { embedDim: number; numHeads: number };
      return new nn.MultiheadAttention(embedDim, numHeads, rest);
    }
    case 'encoderLayer':
      return new nn.TransformerEncoderLayer(k.dModel as number, k.nhead as number, pick(k, LAYER_KEYS));
    case 'decoderLayer':
      return new nn.TransformerDecoderLayer(k.dModel as number, k.nhead as number, pick(k, LAYER_KEYS));
    case 'encoder': {
      const l = k.layer as Record<string, unknown>;
      const layer = new nn.TransformerEncoderLayer(l.dModel as number, l.nhead as number, pick(l, LAYER_KEYS));
      return new nn.TransformerEncoder(layer, k.numLayers as number, k.norm ? new nn.LayerNorm(l.dModel as number) : null);
    }
    case 'decoder': {
      const l = k.layer as Record<string, unknown>;
      const layer = new nn.TransformerDecoderLayer(l.dModel as number, l.nhead as number, pick(l, LAYER_KEYS));
      return new nn.TransformerDecoder(layer, k.numLayers as number, k.norm ? new nn.LayerNorm(l.dModel as number) : null);
    }
    case 'transformer':
      return new nn.Transformer(k);
  }
}

function options(c: Case): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c.options).map(([key, v]) => [key, typeof v === 'boolean' ? v : T(v)]));
}

/** Runs the case's forward; returns [out, weights | null] and the positional inputs. */
function run(c: Case, m: nn.Module<(...args: never[]) => unknown>, extra: Record<string, unknown> = {}): { out: Tensor; w: Tensor | null; xs: Record<string, Tensor> } {
  const xs = Object.fromEntries(Object.entries(c.positional).map(([k, a]) => [k, T(a, true)]));
  const o = { ...options(c), ...extra };
  const f = m.forward as unknown as (...a: unknown[]) => unknown;
  const call = (...a: unknown[]): unknown => f.apply(m, a);
  let res: unknown;
  switch (c.kind) {
    case 'mha':
      res = call(xs.query, xs.key, xs.value, o);
      break;
    case 'mhaSelf':
      res = call(xs.query, xs.query, xs.query, o);
      break;
    case 'encoderLayer':
    case 'encoder':
      res = call(xs.src, o);
      break;
    case 'decoderLayer':
    case 'decoder':
      res = call(xs.tgt, xs.memory, o);
      break;
    case 'transformer':
      res = call(xs.src, xs.tgt, o);
      break;
  }
  if (Array.isArray(res)) return { out: res[0] as Tensor, w: res[1] as Tensor | null, xs };
  return { out: res as Tensor, w: null, xs };
}

function loaded(c: Case): nn.Module<(...args: never[]) => unknown> {
  const m = build(c);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, a]) => [k, T(a)]))); // strict
  return m.eval();
}

describe('against PyTorch 1.13 (eval mode, state dicts from PyTorch)', () => {
  it(`the fixtures hold the cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of CASES) {
    it(c.name, () => {
      const m = build(c);
      expect(Object.keys(m.stateDict()), 'state-dict keys in PyTorch order').toEqual(c.stateKeys);
      const ml = loaded(c);
      const { out, w, xs } = run(c, ml);
      expectClose(out, nd(c.out), { ...TOL, what: `${c.name}: output` });
      let total = out.mul(T(c.cot)).sum();
      if (c.weights) {
        expect(w, 'attention weights').not.toBeNull();
        expectClose(w!, nd(c.weights), { ...TOL, what: `${c.name}: weights` });
        total = total.add(w!.mul(T(c.cotW!)).sum());
      }
      const params = new Map(ml.namedParameters());
      const names = Object.keys(c.grads);
      const wrt = names.map((k) => xs[k] ?? params.get(k)!);
      const gs = grad(total, wrt);
      names.forEach((k, i) => expectClose(gs[i]!, nd(c.grads[k]!), { ...TOL, what: `${c.name}: gradient of ${k}` }));
      if (c.kind === 'mha' || c.kind === 'mhaSelf') {
        // needWeights false: the scaled-dot-product-attention path gives the same output and no weights
        const r = noGrad(() => run(c, ml, { needWeights: false }));
        expect(r.w).toBeNull();
        expectClose(r.out, nd(c.out), { ...TOL, what: `${c.name}: output without weights` });
      }
    });
  }
});

describe('PyTorch positional forms', () => {
  it('MultiheadAttention: (query, key, value, keyPaddingMask, needWeights, attnMask, averageAttnWeights)', () => {
    const c = CASES.find((x) => x.name === 'mha bool attnMask bool keyPaddingMask')!;
    const m = loaded(c) as unknown as nn.MultiheadAttention;
    const p = c.positional;
    const o = options(c) as { attnMask: Tensor; keyPaddingMask: Tensor };
    const [out, w] = noGrad(() => m.forward(T(p.query!), T(p.key!), T(p.value!), o.keyPaddingMask, true, o.attnMask, true));
    expectClose(out, nd(c.out), { ...TOL, what: 'output' });
    expectClose(w!, nd(c.weights!), { ...TOL, what: 'weights' });
    const [out2, w2] = noGrad(() => m.forward(T(p.query!), T(p.key!), T(p.value!), o.keyPaddingMask, false, o.attnMask, { isCausal: false }));
    expect(w2).toBeNull();
    expectClose(out2, nd(c.out), { ...TOL, what: 'output without weights' });
  });

  it('layers: masks positionally', () => {
    const c = CASES.find((x) => x.name === 'decoderLayer masks')!;
    const m = loaded(c) as unknown as nn.TransformerDecoderLayer;
    const o = options(c) as Record<string, Tensor>;
    const y = noGrad(() => m.forward(T(c.positional.tgt!), T(c.positional.memory!), o.tgtMask!, o.memoryMask!, o.tgtKeyPaddingMask!, o.memoryKeyPaddingMask!));
    expectClose(y, nd(c.out), { ...TOL, what: 'decoder layer' });
    const e = CASES.find((x) => x.name === 'encoderLayer masks')!;
    const me = loaded(e) as unknown as nn.TransformerEncoderLayer;
    const oe = options(e) as Record<string, Tensor>;
    expectClose(noGrad(() => me.forward(T(e.positional.src!), oe.srcMask!, oe.srcKeyPaddingMask!)), nd(e.out), { ...TOL, what: 'encoder layer' });
    // the isCausal hint with the causal mask gives the same result
    expectClose(noGrad(() => me.forward(T(e.positional.src!), oe.srcMask!, null, true)), noGrad(() => me.forward(T(e.positional.src!), oe.srcMask!)), { atol: 1e-6, rtol: 1e-5 });
  });

  it('constructors: positional and options forms agree', () => {
    const a = new nn.MultiheadAttention(8, 2, 0.1, true, true, true, 5, 6, true);
    expect([a.dropout, a.addZeroAttn, a.kdim, a.vdim, a.batchFirst]).toEqual([0.1, true, 5, 6, true]);
    const b = new nn.MultiheadAttention(8, 2, { dropout: 0.1, addBiasKv: true, addZeroAttn: true, kdim: 5, vdim: 6, batchFirst: true });
    expect(Object.keys(a.stateDict())).toEqual(Object.keys(b.stateDict()));
    const l = new nn.TransformerEncoderLayer(8, 2, 16, 0.2, 'gelu', 1e-3, true, true, false);
    expect(l.linear1.weight.shape).toEqual([16, 8]);
    expect(l.linear1.bias).toBeNull();
    expect(l.norm1.bias).toBeNull();
    expect(l.self_attn.in_proj_bias).toBeNull();
    expect([l.normFirst, l.self_attn.batchFirst, l.norm1.eps, l.dropout.p]).toEqual([true, true, 1e-3, 0.2]);
    const t = new nn.Transformer(8, 2, 1, 1, 16);
    expect([t.dModel, t.nhead]).toEqual([8, 2]);
  });
});

describe('structure and initialisation', () => {
  const shapes = (m: nn.Module<(...args: never[]) => unknown>) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
  it("state-dict keys and shapes are PyTorch's", () => {
    expect(Object.entries(shapes(new nn.MultiheadAttention(8, 2)))).toEqual(Object.entries(DEFAULT_KEYS.mha!));
    expect(Object.entries(shapes(new nn.MultiheadAttention(8, 2, { addBiasKv: true, kdim: 5, vdim: 6 })))).toEqual(Object.entries(DEFAULT_KEYS['mha kdim vdim addBiasKv']!));
    expect(Object.entries(shapes(new nn.MultiheadAttention(8, 2, { bias: false })))).toEqual(Object.entries(DEFAULT_KEYS['mha no bias']!));
    expect(Object.entries(shapes(new nn.Transformer(8, 2, 2, 2, 16)))).toEqual(Object.entries(DEFAULT_KEYS.transformer!));
  });

  it('MultiheadAttention: xavier-uniform in_proj_weight, zero biases, xavier-normal bias_k', () => {
    manualSeed(3);
    const m = new nn.MultiheadAttention(8, 2, { addBiasKv: true });
    const bound = Math.sqrt(6 / (8 + 24));
    const w = Array.from(m.in_proj_weight!.toArray());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    expect(Array.from(m.in_proj_bias!.toArray()).every((v) => v === 0)).toBe(true);
    expect(Array.from(m.out_proj.bias!.toArray()).every((v) => v === 0)).toBe(true);
    expect(Array.from(m.bias_k!.toArray()).some((v) => v !== 0)).toBe(true);
    const sep = new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 6 });
    expect(sep.in_proj_weight).toBeNull();
    expect(Math.max(...Array.from(sep.k_proj_weight!.toArray()).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (5 + 8)));
  });

  it('Transformer: every >1-d parameter xavier-uniform, LayerNorms ones and zeros', () => {
    manualSeed(4);
    const t = new nn.Transformer(8, 2, 1, 1, 16);
    for (const [k, p] of t.namedParameters()) {
      const v = Array.from(p.toArray());
      if (p.ndim > 1) {
        const bound = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
        expect(Math.max(...v.map(Math.abs)), k).toBeLessThanOrEqual(bound);
      } else if (/norm\d?\.weight$/.test(k)) expect(v.every((x) => x === 1), k).toBe(true);
    }
    expect(t.encoder).toBeInstanceOf(nn.TransformerEncoder);
    expect((t.encoder as nn.TransformerEncoder).norm).toBeInstanceOf(nn.LayerNorm);
    expect((t.decoder as nn.TransformerDecoder).norm).toBeInstanceOf(nn.LayerNorm);
  });

  it('TransformerEncoder/Decoder: independent copies starting with the layer\'s weights', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, 16);
    const enc = new nn.TransformerEncoder(layer, 3);
    expect(enc.layers.length).toBe(3);
    const p0 = enc.layers.at(0) as nn.TransformerEncoderLayer;
    const p1 = enc.layers.at(1) as nn.TransformerEncoderLayer;
    expect(p0).not.toBe(layer);
    expect(p0.linear1.weight).not.toBe(p1.linear1.weight);
    expect(Array.from(p0.linear1.weight.toArray())).toEqual(Array.from(layer.linear1.weight.toArray()));
    expect(Array.from(p1.self_attn.in_proj_weight!.toArray())).toEqual(Array.from(layer.self_attn.in_proj_weight!.toArray()));
    noGrad(() => p0.linear1.weight.fill_(0));
    expect(Array.from(p1.linear1.weight.toArray()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(layer.linear1.weight.toArray()).some((v) => v !== 0)).toBe(true);
    expect(enc.parameters().length).toBe(3 * layer.parameters().length);
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, 16, 0.1, 'gelu'), 2, new nn.LayerNorm(8));
    expect(Object.keys(dec.stateDict()).filter((k) => k.startsWith('norm.'))).toEqual(['norm.weight', 'norm.bias']);
    expect((dec.layers.at(1) as nn.TransformerDecoderLayer).activation).toBe((dec.layers.at(0) as nn.TransformerDecoderLayer).activation);
  });

  it('fully masked query rows: NaN with the explicit weights (PyTorch), zero attention without (PyTorch >= 2.5 SDPA)', () => {
    manualSeed(6);
    const m = new nn.MultiheadAttention(4, 2).eval();
    noGrad(() => m.out_proj.bias!.copy_(tensor([1, 2, 3, 4])));
    const q = randn(2, 1, 4);
    const k = randn(3, 1, 4);
    const mask = tensor([[1, 1, 1], [0, 1, 0]]).ne(0); // row 0 sees nothing
    const [out, w] = noGrad(() => m.forward(q, k, k, { attnMask: mask }));
    const o = out.tolist() as number[][][];
    expect(o[0]![0]!.every(Number.isNaN)).toBe(true);
    expect(o[1]![0]!.every(Number.isFinite)).toBe(true);
    expect((w!.tolist() as number[][][])[0]![0]!.every(Number.isNaN)).toBe(true);
    const [out2] = noGrad(() => m.forward(q, k, k, { attnMask: mask, needWeights: false }));
    const o2 = out2.tolist() as number[][][];
    expect(o2[0]![0]).toEqual([1, 2, 3, 4]);
    expectClose(out2.narrow(0, 1, 1), { shape: [1, 1, 4], data: Float64Array.from(o[1]![0]!) }, { atol: 1e-6, rtol: 1e-5 });
  });

  it('a training step: every parameter of nn.Transformer gets a gradient', () => {
    manualSeed(7);
    const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, batchFirst: true });
    const y = t.forward(randn(2, 3, 8), randn(2, 4, 8), { tgtMask: nn.Transformer.generateSquareSubsequentMask(4), srcKeyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]).ne(0) });
    expect(y.shape).toEqual([2, 4, 8]);
    y.mul(y).sum().backward();
    for (const [k, p] of t.namedParameters()) expect(p.grad, k).not.toBeNull();
  });

  it('generateSquareSubsequentMask', () => {
    expect(nn.Transformer.generateSquareSubsequentMask(3).tolist()).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    expect(nn.Transformer.generateSquareSubsequentMask(1).tolist()).toEqual([[0]]);
  });

  it('dropout acts on the attention weights in training only (p = 1 leaves the output bias)', () => {
    manualSeed(5);
    const m = new nn.MultiheadAttention(4, 2, { dropout: 1 });
    noGrad(() => m.out_proj.bias!.copy_(tensor([1, 2, 3, 4])));
    const q = randn(3, 2, 4);
    const [out, w] = m.forward(q, q, q);
    expect(Array.from(w!.toArray()).every((v) => v === 0)).toBe(true);
    expectClose(out, { shape: [3, 2, 4], data: Float64Array.from({ length: 24 }, (_, i) => (i % 4) + 1) }, { atol: 1e-6, rtol: 0 });
    const [outNW] = m.forward(q, q, q, { needWeights: false });
    expectClose(outNW, { shape: [3, 2, 4], data: Float64Array.from({ length: 24 }, (_, i) => (i % 4) + 1) }, { atol: 1e-6, rtol: 0 });
    m.eval();
    const [outEval] = m.forward(q, q, q);
    expect(Array.from(outEval.toArray()).some((v, i) => Math.abs(v - ((i % 4) + 1)) > 1e-3)).toBe(true);
    // a layer in training mode: seeded dropout is reproducible and differs from eval
    const layer = new nn.TransformerEncoderLayer(8, 2, 16, 0.5);
    const x = randn(4, 2, 8);
    manualSeed(9);
    const a = layer.forward(x);
    manualSeed(9);
    const b = layer.forward(x);
    expect(Array.from(a.toArray())).toEqual(Array.from(b.toArray()));
    layer.eval();
    expect(Array.from(layer.forward(x).toArray())).not.toEqual(Array.from(a.toArray()));
  });
});

describe('gradcheck (float64 finite differences)', () => {
  it('MultiheadAttention with masks, weights and without, at odd sizes and non-contiguous inputs', () => {
    manualSeed(11);
    for (const [L, S] of [[1, 1], [3, 2], [17, 3]] as const) {
      const m = new nn.MultiheadAttention(4, 2, { addBiasKv: L === 3, addZeroAttn: L === 17 });
      noGrad(() => m.in_proj_bias!.copy_(randn(12).mul(0.3)));
      const mask = zeros(L, S).maskedFill(ones(L, S).ne(0).logicalAnd(randn(L, S).gt(0.8)), -Infinity);
      for (const nc of [false, true]) {
        checkOp(`mha L=${L} S=${S}${nc ? ' non-contiguous' : ''}`, (q, k, v) => {
          const [o, w] = m.forward(q!, k!, v!, { attnMask: mask });
          return o.sum().add(w!.mul(w!).sum()).add(o.mul(o).sum());
        }, [[L, 2, 4], [S, 2, 4], [S, 2, 4]], { nonContiguous: nc, atol: 2e-3, rtol: 2e-2 });
      }
      const kpm = tensor(Array.from({ length: 2 * S }, (_, i) => (S > 1 && i === 2 * S - 1 ? 1 : 0))).reshape(2, S).ne(0); // batch 1 ignores its last key
      checkOp(`mha needWeights=false L=${L} S=${S}`, (q, k, v) => m.forward(q!, k!, v!, { needWeights: false, keyPaddingMask: kpm })[0], [[L, 2, 4], [S, 2, 4], [S, 2, 4]], {
        atol: 2e-3,
        rtol: 2e-2,
      });
    }
  });

  it('MultiheadAttention parameters (in_proj_weight, bias_k, out_proj.weight)', () => {
    manualSeed(12);
    const m = new nn.MultiheadAttention(4, 2, { addBiasKv: true });
    const q = randn(3, 1, 4);
    const kv = randn(2, 1, 4);
    expect(gradcheck(() => m.forward(q, kv, kv)[0], [m.in_proj_weight!, m.bias_k!, m.out_proj.weight], { atol: 2e-3, rtol: 2e-2 })).toBe(true);
  });

  it('TransformerEncoderLayer and DecoderLayer (eval), both norm orders', () => {
    manualSeed(13);
    for (const normFirst of [false, true]) {
      const enc = new nn.TransformerEncoderLayer(4, 2, 6, { normFirst, activation: 'gelu' }).eval();
      checkOp(`encoder layer normFirst=${normFirst}`, (x) => enc.forward(x!, { srcMask: nn.Transformer.generateSquareSubsequentMask(3) }), [[3, 2, 4]], { atol: 3e-3, rtol: 3e-2 });
      const dec = new nn.TransformerDecoderLayer(4, 2, 6, { normFirst }).eval();
      checkOp(`decoder layer normFirst=${normFirst}`, (t, mem) => dec.forward(t!, mem!), [[3, 1, 4], [2, 1, 4]], { atol: 3e-3, rtol: 3e-2 });
    }
  });
});

describe('errors', () => {
  it('constructor arguments', () => {
    expect(thrown(() => new nn.MultiheadAttention(8, 3))).toBeInstanceOf(RangeError);
    expect(thrown(() => new nn.MultiheadAttention(8, 3)).message).toMatch(/MultiheadAttention.*divisible/);
    expect(thrown(() => new nn.MultiheadAttention(0, 1)).message).toMatch(/embedDim/);
    expect(thrown(() => new nn.MultiheadAttention(8, 2, { dropout: 2 })).message).toMatch(/MultiheadAttention.*dropout/);
    expect(thrown(() => new nn.MultiheadAttention(8, 2, { add_bias_kv: true } as never)).message).toMatch(/add_bias_kv.*addBiasKv/);
    expect(thrown(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new nn.TransformerEncoderLayer(8, 3)).message).toMatch(/divisible/);
    expect(thrown(() => new nn.TransformerEncoder({} as never, 2))).toBeInstanceOf(TypeError);
    expect(thrown(() => new nn.TransformerDecoder(new nn.TransformerEncoderLayer(8, 2) as never, 2)).message).toMatch(/TransformerDecoder: decoderLayer/);
    expect(thrown(() => new nn.Transformer({ dModel: 8, nhead: 2, customEncoder: 3 as never })).message).toMatch(/customEncoder/);
    expect(thrown(() => new nn.Transformer({ d_model: 8 } as never)).message).toMatch(/d_model.*dModel/);
  });

  it('forward shapes, masks and options', () => {
    const m = new nn.MultiheadAttention(8, 2);
    const q = randn(5, 2, 8);
    const k = randn(3, 2, 8);
    const e1 = thrown(() => m.forward(q, k, k, { attnMask: zeros(5, 4) }));
    expect(e1).toBeInstanceOf(RangeError);
    expect(e1.message).toMatch(/2D attnMask is \[5, 4\].*\[5, 3\]/);
    expect(thrown(() => m.forward(q, k, k, { attnMask: zeros(2, 5, 3) })).message).toMatch(/3D attnMask is \[2, 5, 3\].*\[4, 5, 3\]/);
    expect(thrown(() => m.forward(q, k, k, { attnMask: zeros(1, 1, 5, 3) })).message).toMatch(/dimension 4 is not supported/);
    expect(thrown(() => m.forward(q, k, k, { keyPaddingMask: zeros(2, 4).ne(0) })).message).toMatch(/keyPaddingMask of shape \[2, 3\]/);
    expect(thrown(() => m.forward(q, k, k, { keyPaddingMask: zeros(3).ne(0) })).message).toMatch(/keyPaddingMask/);
    expect(thrown(() => m.forward(q, k, k, { attnMask: zeros(5, 3, { dtype: 'int32' }) }))).toBeInstanceOf(TypeError);
    expect(thrown(() => m.forward(q, k, k, { isCausal: true })).message).toMatch(/need attnMask.*isCausal/);
    expect(thrown(() => m.forward(q, randn(3, 2, 6), randn(3, 2, 6))).message).toMatch(/key of embedding dimension 8/);
    expect(thrown(() => m.forward(q, randn(3, 1, 8), randn(3, 1, 8))).message).toMatch(/batch size/);
    expect(thrown(() => m.forward(q, randn(3, 8), randn(3, 8))).message).toMatch(/3-D/);
    expect(thrown(() => m.forward(randn(8), randn(8), randn(8))).message).toMatch(/unbatched 2D or batched 3D/);
    const e2 = thrown(() => m.forward(q, k, k, { need_weights: false } as never));
    expect(e2).toBeInstanceOf(TypeError);
    expect(e2.message).toMatch(/need_weights.*needWeights/);
    const t = new nn.Transformer(8, 2, 1, 1, 16);
    expect(thrown(() => t.forward(randn(3, 2, 8), randn(4, 3, 8))).message).toMatch(/batch number of src and tgt/);
    expect(thrown(() => t.forward(randn(3, 2, 6), randn(4, 2, 6))).message).toMatch(/dModel/);
    expect(thrown(() => t.forward(randn(3, 2, 8), randn(4, 2, 8), { src_mask: null } as never)).message).toMatch(/src_mask.*srcMask/);
    const layer = new nn.TransformerEncoderLayer(8, 2, 16, { normFirst: true });
    const spy = layer.norm1.forward.bind(layer.norm1);
    let ran = 0;
    layer.norm1.forward = (x: Tensor) => { ran++; return spy(x); };
    expect(thrown(() => layer.forward(randn(4, 2, 8), { srcMask: zeros(3, 3) })).message).toMatch(/TransformerEncoderLayer.forward: the shape of the 2D attnMask is \[3, 3\]/);
    expect(ran, 'nothing computed before the error').toBe(0);
    const dl = new nn.TransformerDecoderLayer(8, 2, 16, { normFirst: true });
    expect(thrown(() => dl.forward(randn(4, 2, 8), randn(3, 2, 8), { memoryKeyPaddingMask: zeros(2, 4).ne(0) })).message).toMatch(/attention over memory.*keyPaddingMask of shape \[2, 3\]/);
    expect(thrown(() => dl.forward(randn(4, 2, 8), randn(3, 1, 8))).message).toMatch(/batch size/);
    (t.encoder as nn.TransformerEncoder).forward = () => {
      throw new Error('the encoder ran');
    };
    expect(thrown(() => t.forward(randn(3, 2, 8), randn(4, 2, 8), { tgtMask: zeros(3, 3) })).message).toMatch(/Transformer.forward.*attnMask is \[3, 3\].*\[4, 4\]/);
    expect(thrown(() => t.forward(randn(3, 2, 8), randn(4, 2, 8), { memoryMask: zeros(4, 4) })).message).toMatch(/attnMask is \[4, 4\].*\[4, 3\]/);
    expect(thrown(() => layer.forward(randn(4, 2, 8), { mask: zeros(4, 4) } as never)).message).toMatch(/TransformerEncoderLayer.forward: unknown option 'mask'/);
  });
});
