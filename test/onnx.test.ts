/**
 * onnx.export: every exported layer and model runs in onnxruntime-web (its wasm build, in Node) and
 * gives our forward's values, at the example's batch size and at another one when the batch is dynamic.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import * as W from '../src/index.js';
import { F, Tensor, manualSeed, nn, noGrad, onnx, randint, randn, tensor, cat, stack, log1p, expm1, log2, log10, exp2, rsqrt, erfc } from '../src/index.js';
import { mnistModel } from '../examples/mnist/models.js';
import { GPT } from '../examples/gpt/model.js';
import { attentionArgs, attentionComposed } from '../src/ops/attention.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

type AnyModule = nn.Module<(...args: never[]) => unknown>;

/** A module whose forward is `f` (to export functional ops). */
class Fn extends nn.Module<(...xs: Tensor[]) => Tensor | Tensor[]> {
  constructor(private readonly f: (...xs: Tensor[]) => Tensor | Tensor[]) {
    super();
  }
  override forward(...xs: Tensor[]): Tensor | Tensor[] {
    return this.f(...xs);
  }
}

function ortTensor(x: Tensor): ort.Tensor {
  if (x.dtype === 'float32') return new ort.Tensor('float32', x.toArray() as Float32Array, [...x.shape]);
  if (x.dtype === 'int32') return new ort.Tensor('int32', x.toArray() as Int32Array, [...x.shape]);
  return new ort.Tensor('bool', Uint8Array.from(x.toArray(), (v) => (v ? 1 : 0)), [...x.shape]);
}

function outputsOf(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(outputsOf);
  return [];
}

/**
 * Exports `model` on `inputs`, runs the file in onnxruntime-web on `inputs` and on each of `others`
 * (other input sets, e.g. another batch size) and compares with the model's forward (eval mode).
 */
async function roundTrip(model: AnyModule, inputs: Tensor[], options: onnx.ExportOptions = {}, others: Tensor[][] = [], tol = 1e-4): Promise<Uint8Array> {
  const bytes = await onnx.export(model, inputs, options);
  const session = await ort.InferenceSession.create(bytes);
  const wasTraining = model.training;
  model.eval();
  for (const xs of [inputs, ...others]) {
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((n, i) => (feeds[n] = ortTensor(xs[i]!)));
    const result = await session.run(feeds);
    const ours = outputsOf(noGrad(() => (model.forward as (...a: Tensor[]) => unknown)(...xs)));
    expect(session.outputNames.length).toBe(ours.length);
    session.outputNames.forEach((n, i) => {
      const got = result[n]!;
      const want = ours[i]!;
      expect([...got.dims]).toEqual([...want.shape]);
      const a = got.data as Float32Array, b = want.toArray();
      for (let k = 0; k < b.length; k++) {
        const ok = Math.abs(a[k]! - b[k]!) <= tol + tol * Math.abs(b[k]!) || (Number.isNaN(a[k]!) && Number.isNaN(b[k]!));
        if (!ok) throw new Error(`output ${n}[${k}]: onnxruntime ${a[k]}, wasmgrad ${b[k]} (shape [${want.shape.join(', ')}])`);
      }
    });
  }
  model.train(wasTraining);
  return bytes;
}

const batch = { input: { 0: 'batch' }, output: { 0: 'batch' } };

describe('onnx.export: layers run in onnxruntime-web', () => {
  it('Linear + ReLU MLP (the fused Sequential path), dynamic batch', async () => {
    manualSeed(0);
    const m = new nn.Sequential(new nn.Linear(5, 7), new nn.ReLU(), new nn.Linear(7, 3), new nn.Tanh(), new nn.Linear(3, 2, { bias: false }));
    await roundTrip(m, [randn(2, 5)], { dynamicAxes: batch }, [[randn(5, 5)]]);
  });

  it("the MNIST CNN of examples/mnist/models.ts (conv, pool, flatten, dropout), dynamic batch; training mode restored", async () => {
    manualSeed(1);
    const m = mnistModel('cnn');
    m.train();
    const bytes = await roundTrip(m, [randn(2, 1, 28, 28)], { dynamicAxes: batch }, [[randn(3, 1, 28, 28)]]);
    expect(m.training).toBe(true);
    expect(bytes.length).toBeGreaterThan(4 * (16 * 9 + 32 * 16 * 9 + 32 * 49 * 10));
  });

  it('Conv2d with stride, padding, dilation, groups, same padding; Conv1d', async () => {
    manualSeed(2);
    const m = new nn.Sequential(
      new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
      new nn.Conv2d(6, 6, 4, { padding: 'same', groups: 6, bias: false }),
      new nn.Conv2d(6, 3, 3, { stride: 2, padding: 1, paddingMode: 'zeros' }),
    );
    await roundTrip(m, [randn(2, 4, 9, 8)], { dynamicAxes: batch }, [[randn(1, 4, 9, 8)]]);
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      await roundTrip(new nn.Conv2d(2, 3, 3, { padding: [1, 2], paddingMode }), [randn(2, 2, 5, 6)], { dynamicAxes: batch }, [[randn(3, 2, 5, 6)]]);
    }
    const c1 = new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1, dilation: 2 });
    await roundTrip(c1, [randn(2, 3, 11)], { dynamicAxes: batch }, [[randn(4, 3, 11)]]);
  });

  it('max and average pooling with options (ceil mode, padding, dilation, countIncludePad), 1-d pooling', async () => {
    manualSeed(3);
    await roundTrip(new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 1, ceilMode: true }), [randn(2, 3, 8, 7)], { dynamicAxes: batch }, [[randn(3, 3, 8, 7)]]);
    await roundTrip(new nn.MaxPool2d(2, { dilation: 2 }), [randn(1, 2, 9, 9)]);
    await roundTrip(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [randn(2, 3, 8, 7)]);
    await roundTrip(new nn.AvgPool2d(2, { stride: 2, padding: 1 }), [randn(2, 3, 7, 7)]);
    await roundTrip(new nn.AvgPool2d(3, { stride: 2, ceilMode: true }), [randn(1, 2, 8, 8)]);
    await roundTrip(new nn.MaxPool1d(3, { stride: 2, padding: 1 }), [randn(2, 3, 10)]);
    await roundTrip(new nn.AvgPool1d(3, { stride: 2 }), [randn(2, 3, 10)], { dynamicAxes: batch }, [[randn(1, 3, 10)]]);
  });

  it('BatchNorm2d and BatchNorm1d in eval mode (running statistics), LayerNorm at opsets 17 and 13', async () => {
    manualSeed(4);
    const bn = new nn.BatchNorm2d(3);
    bn.train();
    for (let i = 0; i < 3; i++) bn.forward(randn(4, 3, 5, 5).mul(2).add(1));
    await roundTrip(bn, [randn(2, 3, 5, 5)], { dynamicAxes: batch }, [[randn(3, 3, 5, 5)]]);
    const bn1 = new nn.BatchNorm1d(4, { affine: false });
    bn1.forward(randn(6, 4).add(3));
    await roundTrip(bn1, [randn(2, 4)]);
    const ln = new nn.LayerNorm([4, 5]);
    noGrad(() => ln.weight!.copy_(randn(4, 5)));
    await roundTrip(ln, [randn(2, 3, 4, 5)], { dynamicAxes: batch }, [[randn(1, 3, 4, 5)]]);
    await roundTrip(ln, [randn(2, 3, 4, 5)], { opsetVersion: 13 });
  });

  it('Embedding (int32 ids) and Dropout (the identity in eval mode)', async () => {
    manualSeed(5);
    const m = new nn.Sequential(new nn.Embedding(10, 4), new nn.Dropout(0.5), new nn.Linear(4, 2));
    await roundTrip(m, [randint(0, 10, [2, 3], { dtype: 'int32' })], { dynamicAxes: batch }, [[randint(0, 10, [4, 3], { dtype: 'int32' })]]);
    const pad = new nn.Embedding(10, 3, { paddingIdx: 0 }); // the path that records EmbeddingBackward0 itself
    await roundTrip(pad, [randint(0, 10, [2, 5], { dtype: 'int32' })], { dynamicAxes: batch }, [[randint(0, 10, [1, 5], { dtype: 'int32' })]]);
  });

  it('activations: relu, leakyRelu, gelu (both), sigmoid, tanh, softmax, logSoftmax, silu, hardswish, clamp', async () => {
    manualSeed(6);
    const acts: [string, (x: Tensor) => Tensor][] = [
      ['relu', (x) => F.relu(x)],
      ['leakyRelu', (x) => F.leakyRelu(x, 0.2)],
      ['gelu', (x) => F.gelu(x)],
      ['gelu tanh', (x) => F.gelu(x, { approximate: 'tanh' })],
      ['sigmoid', (x) => x.sigmoid()],
      ['tanh', (x) => x.tanh()],
      ['softmax', (x) => F.softmax(x, 1)],
      ['logSoftmax', (x) => F.logSoftmax(x, -1)],
      ['silu', (x) => F.silu(x)],
      ['hardswish', (x) => F.hardswish(x)],
      ['clamp', (x) => x.clamp(-0.5, 0.7)],
      ['exp, log, sqrt, abs, neg, pow', (x) => x.abs().add(0.1).sqrt().log().exp().neg().pow(2)],
      ['math', (x) => cat([log1p(x.abs()), expm1(x), log2(x.abs().add(1)), log10(x.abs().add(1)), exp2(x), rsqrt(x.abs().add(1)), erfc(x), x.sin(), x.cos()], 1)],
      ['maximum, minimum, where, div, rsub', (x) => W.where(tensor([true, false, true, true, false, true]), x.maximum(0.2).minimum(x.mul(2)), x.div(3)).sub(1).neg()],
    ];
    for (const [name, f] of acts) {
      try {
        await roundTrip(new Fn(f), [randn(3, 6)], { dynamicAxes: batch }, [[randn(2, 6)]]);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  });

  it('activation layers exported from their settings: ELU, CELU, SELU, Hardtanh, ReLU6, Hardsigmoid, Softplus, Mish, LogSigmoid, PReLU; composed ones', async () => {
    manualSeed(11);
    const layers: [string, AnyModule][] = [
      ['ELU', new nn.ELU(0.7)], ['CELU', new nn.CELU(1.3)], ['SELU', new nn.SELU()], ['Hardtanh', new nn.Hardtanh(-0.3, 0.4)],
      ['ReLU6', new nn.ReLU6()], ['Hardsigmoid', new nn.Hardsigmoid()], ['Softplus', new nn.Softplus({ beta: 2, threshold: 1 })],
      ['Mish', new nn.Mish()], ['LogSigmoid', new nn.LogSigmoid()], ['PReLU', new nn.PReLU(4, 0.2)], ['Softsign', new nn.Softsign()],
      ['Softmin', new nn.Softmin(1)], ['GLU', new nn.GLU(1)], ['LeakyReLU', new nn.LeakyReLU(0.05)], ['GELU', new nn.GELU()],
    ];
    for (const [name, m] of layers) {
      try {
        await roundTrip(m, [randn(2, 4, 5).mul(3)], { dynamicAxes: batch }, [[randn(3, 4, 5).mul(3)]]);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
    // PReLU's weight applies along dim 1 (4 channels)
    await roundTrip(new nn.PReLU(4, 0.1), [randn(2, 4, 3, 3)]);
  });

  it('GroupNorm, InstanceNorm2d, RMSNorm, adaptive pooling, Upsample, ConvTranspose1d/2d, Unflatten', async () => {
    manualSeed(12);
    const cases: [string, AnyModule, Tensor][] = [
      ['GroupNorm', new nn.GroupNorm(2, 4), randn(2, 4, 3, 3)],
      ['InstanceNorm2d', new nn.InstanceNorm2d(3), randn(2, 3, 4, 4)],
      ['RMSNorm', new nn.RMSNorm(4), randn(2, 3, 4)],
      ['AdaptiveAvgPool2d', new nn.AdaptiveAvgPool2d([2, 3]), randn(2, 3, 7, 8)],
      ['AdaptiveAvgPool2d(1)', new nn.AdaptiveAvgPool2d(1), randn(2, 3, 5, 6)],
      ['AdaptiveMaxPool2d', new nn.AdaptiveMaxPool2d([2, 3]), randn(2, 3, 8, 9)],
      ['AdaptiveMaxPool1d', new nn.AdaptiveMaxPool1d(1), randn(2, 3, 7)],
      ['Upsample', new nn.Upsample({ scaleFactor: 2 }), randn(2, 2, 3, 3)],
      ['Upsample bilinear', new nn.Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: false }), randn(2, 2, 3, 4)],
      ['InstanceNorm1d affine', new nn.InstanceNorm1d(3, { affine: true }), randn(2, 3, 6)],
      ['ConvTranspose2d', new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 1, dilation: 1 }), randn(2, 3, 4, 5)],
      ['ConvTranspose2d groups', new nn.ConvTranspose2d(4, 2, [2, 3], { stride: [1, 2], groups: 2, dilation: [2, 1] }), randn(2, 4, 3, 3)],
      ['ConvTranspose1d', new nn.ConvTranspose1d(3, 2, 3, { stride: 2 }), randn(2, 3, 6)],
      ['Unflatten', new nn.Unflatten(1, [2, 3]), randn(2, 6)],
    ];
    for (const [name, m, x] of cases) {
      try {
        const other = randn([x.shape[0]! + 1, ...x.shape.slice(1)]);
        await roundTrip(m, [x], { dynamicAxes: batch }, [[other]]);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  });

  it('LSTM and GRU as ONNX LSTM/GRU (gate order converted): layers, bidirectional, batchFirst, initial states, unbatched', async () => {
    manualSeed(13);
    const lstm = new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true });
    const fl = new Fn((x, h, c) => {
      const [y, [hn, cn]] = lstm.forward(x, [h, c]);
      return [y, hn, cn];
    });
    fl.registerModule('lstm', lstm);
    await roundTrip(fl, [randn(3, 2, 4), randn(4, 2, 5), randn(4, 2, 5)], { inputNames: ['x', 'h0', 'c0'], dynamicAxes: { x: { 1: 'batch' }, h0: { 1: 'batch' }, c0: { 1: 'batch' } } },
      [[randn(3, 4, 4), randn(4, 4, 5), randn(4, 4, 5)]]);
    const gru = new nn.GRU(4, 6, { batchFirst: true, numLayers: 2 });
    const fg = new Fn((x) => gru.forward(x)[0]);
    fg.registerModule('gru', gru);
    await roundTrip(fg, [randn(2, 5, 4)], { dynamicAxes: batch }, [[randn(3, 5, 4)]]);
    const rnn = new nn.RNN(3, 4, { nonlinearity: 'relu', bias: false });
    await roundTrip(rnn as unknown as AnyModule, [randn(5, 3)]); // unbatched
    const l1 = new nn.LSTM(3, 2);
    await roundTrip(l1 as unknown as AnyModule, [randn(4, 2, 3)]);
  });

  it('nn.MultiheadAttention (batchFirst, key padding mask free), dynamic batch', async () => {
    manualSeed(14);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const f = new Fn((q, kv) => mha.forward(q, kv, kv)[0]);
    f.registerModule('mha', mha);
    await roundTrip(f, [randn(2, 3, 8), randn(2, 5, 8)], { inputNames: ['q', 'kv'], dynamicAxes: { q: [0], kv: [0] } }, [[randn(3, 3, 8), randn(3, 5, 8)]]);
  });

  it('nn.TransformerEncoderLayer (batchFirst, norm first and last), dynamic batch', async () => {
    manualSeed(16);
    for (const normFirst of [false, true]) {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst });
      await roundTrip(layer, [randn(2, 5, 8)], { dynamicAxes: batch }, [[randn(3, 5, 8)]]);
    }
  });

  it('opsets 13, 15, 18 and 20 (axes as inputs from 18)', async () => {
    manualSeed(17);
    const m = new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(12, 4), new nn.LayerNorm(4));
    const gru = new nn.GRU(3, 4, { batchFirst: true });
    const f = new Fn((x) => gru.forward(x)[0].amax(1).add(x.sum([1], true).mean(-1, true)).softmax(-1));
    f.registerModule('gru', gru);
    for (const opsetVersion of [13, 15, 18, 20]) {
      await roundTrip(m, [randn(2, 2, 4, 4)], { opsetVersion, dynamicAxes: batch }, [[randn(3, 2, 4, 4)]]);
      await roundTrip(f, [randn(2, 5, 3)], { opsetVersion });
    }
  });

  it('reshape, permute, cat, split, narrow, select, indexSelect, gather, expand, sum/mean/amax', async () => {
    manualSeed(7);
    const idx = tensor([2, 0, 1], { dtype: 'int32' });
    const f = new Fn((x) => {
      const [a, b] = x.split([2, 4], 1) as [Tensor, Tensor];
      const y = cat([b, a.mul(2)], 1).view(-1, 3, 2).permute(0, 2, 1); // [B, 2, 3]
      const z = y.narrow(2, 1, 2).select(1, 0); // [B, 2]
      const g = y.indexSelect(2, idx).gather(1, tensor([[[1, 0, 1]]], { dtype: 'int32' }).expand(x.shape[0]!, 1, 3));
      const e = z.unsqueeze(1).expand(-1, 3, 2).sum(1).add(g.mean([1, 2], true).amax(-1));
      const st = stack(x.chunk(3, 1), 1).sum(-1).add(x.index('...', W.slice(1, null, 2))).add(x.index(':', null, W.slice(-3, null)).squeeze(1)); // [B, 3]
      const last = x.index(-1).add(x.index(W.slice(null, -1)).sum(0)); // indexing the dynamic axis from its end
      return cat([e, y.flatten(1), z.transpose(0, 1).contiguous().transpose(0, 1), st, last.unsqueeze(0).expand(x.shape[0]!, 6)], 1);
    });
    await roundTrip(f, [randn(2, 6)], { dynamicAxes: batch }, [[randn(5, 6)]]);
  });

  it('maskedFill: a causal mask (dynamic sequence length) and a key padding mask given as a bool input', async () => {
    manualSeed(19);
    const f = new Fn((scores, pad) => {
      const T = scores.shape[1]!;
      const causal = W.tril(W.ones(T, T)).eq(0); // a constant built for this length
      return scores.maskedFill(causal, -Infinity).maskedFill(pad.unsqueeze(1), -1e9).softmax(-1);
    });
    const pad = (b: number, t: number) => W.rand(b, t).gt(0.7);
    await roundTrip(f, [randn(2, 4, 4), pad(2, 4)], { inputNames: ['scores', 'pad'], dynamicAxes: { scores: [0, 1, 2], pad: [0, 1] } }, [[randn(3, 6, 6), pad(3, 6)]]);
  });

  it('an example of batch size 1 with a dynamic batch (traced at 2 and 3: size-1 views are contiguous)', async () => {
    manualSeed(15);
    const lin = new nn.Linear(4, 3, { bias: false });
    const f = new Fn((x) => lin.forward(x.narrow(1, x.shape[1]! - 1, 1)));
    f.registerModule('lin', lin);
    await roundTrip(f, [randn(1, 5, 4)], { dynamicAxes: batch }, [[randn(4, 5, 4)]]);
  });

  it('frozen parameters (requiresGrad false, restored), a model that returns its input, a subclass with its own forward', async () => {
    manualSeed(18);
    const m = new nn.Sequential(new nn.Embedding(7, 3), new nn.Linear(3, 2));
    for (const p of m.parameters()) p.requiresGrad_(false);
    await roundTrip(m, [randint(0, 7, [2, 4], { dtype: 'int32' })], { dynamicAxes: batch }, [[randint(0, 7, [3, 4], { dtype: 'int32' })]]);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    await roundTrip(new nn.Sequential(new nn.Dropout(0.5), new nn.Identity()), [randn(2, 3)]);
    // an ELU whose forward is not ELU's own is traced op by op (ELU's op has no ONNX form: it throws, never ignores the change)
    class Shifted extends nn.ELU {
      override forward(x: Tensor): Tensor {
        return super.forward(x.add(1));
      }
    }
    expect(String(await onnx.export(new Shifted(), randn(2, 3)).catch((e: Error) => e))).toMatch(/EluBackward0 \(elu\) cannot be exported/);
  });

  it('several inputs and outputs, names, list form of dynamicAxes', async () => {
    manualSeed(8);
    const f = new Fn((x, y) => [x.matmul(y), x.add(1)]);
    const bytes = await roundTrip(f, [randn(2, 3), randn(3, 4)], { inputNames: ['a', 'b'], outputNames: ['prod', 'plus'], dynamicAxes: { a: [0], prod: [0] } }, [[randn(4, 3), randn(3, 4)]]);
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['a', 'b']);
    expect(s.outputNames).toEqual(['prod', 'plus']);
  });

  it('causal self-attention through the composed attention path (matmul, causal where, softmax), dynamic batch', async () => {
    manualSeed(10);
    const qkv = new nn.Linear(8, 24);
    const f = new Fn((x) => {
      const [B, T] = x.shape as [number, number, number];
      const heads = (t: Tensor) => t.view(B, T, 2, 4).transpose(1, 2);
      const [q, k, v] = qkv.forward(x).split(8, 2) as [Tensor, Tensor, Tensor];
      const y = attentionComposed(attentionArgs(heads(q), heads(k), heads(v), [null, 0, true]));
      return y.transpose(1, 2).contiguous().view(B, T, 8);
    });
    f.registerModule('qkv', qkv);
    await roundTrip(f, [randn(2, 5, 8)], { dynamicAxes: batch }, [[randn(3, 5, 8)]]);
  });

  // F.scaledDotProductAttention takes its composed path while onnx.export traces (the fused kernel has no ONNX form)
  it('a small GPT of examples/gpt/model.ts (causal attention), dynamic batch, and dynamic sequence length (the causal mask as Trilu)', async () => {
    manualSeed(9);
    const gpt = new GPT({ blockSize: 8, vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0.1, bias: true }) as unknown as AnyModule;
    const ids = (b: number, t: number) => randint(0, 11, [b, t], { dtype: 'int32' });
    await roundTrip(gpt, [ids(2, 6)], { inputNames: ['idx'], outputNames: ['logits'], dynamicAxes: { idx: { 0: 'batch' }, logits: { 0: 'batch' } } }, [[ids(3, 6)]]);
    await roundTrip(gpt, [ids(1, 5)], { inputNames: ['idx'], outputNames: ['logits'], dynamicAxes: { idx: { 0: 'batch', 1: 'seq' }, logits: { 0: 'batch' } } },
      [[ids(3, 8)], [ids(2, 1)], [ids(1, 3)]]);
    // without Trilu (opset 13) the mask of one length cannot follow the sequence axis
    const e = await onnx.export(gpt, [ids(2, 5)], { opsetVersion: 13, dynamicAxes: { input: [0, 1] } }).catch((err: Error) => err);
    expect(String(e)).toMatch(/WhereBackward0 \(where\) uses a constant tensor of shape \[5, 5\] that depends on the example input \(it has shape \[6, 6\]/);
  });
});

describe('onnx.export: errors', () => {
  it('an op without an ONNX form throws naming it', async () => {
    const e = await onnx.export(new Fn((x) => x.cumsum(1)), [randn(2, 3)]).catch((err: Error) => err);
    expect(String(e)).toMatch(/onnx\.export: CumsumBackward0 \(cumsum\) cannot be exported to ONNX/);
  });

  it('a tensor computed from the input by an untraced op (a comparison) throws instead of being baked in', async () => {
    const e = await onnx.export(new Fn((x) => x.mul(x.gt(0).float())), [randn(2, 3)]).catch((err: Error) => err);
    expect(String(e)).toMatch(/MulBackward0 \(mul\) uses a constant tensor of shape \[2, 3\] that depends on the example input/);
    // a constant that does not depend on the input is fine
    await roundTrip(new Fn((x) => x.mul(tensor([1, 2, 3]))), [randn(2, 3)]);
  });

  it('unknown, snake_case and unsupported options, bad opsets and names', async () => {
    const m = new nn.Linear(2, 2);
    const x = randn(1, 2);
    expect(String(await onnx.export(m, x, { input_names: ['x'] } as never).catch((e: Error) => e))).toMatch(/onnx\.export: unknown option 'input_names'.*inputNames/);
    expect(String(await onnx.export(m, x, { exportParams: false }).catch((e: Error) => e))).toMatch(/exportParams: false is not supported/);
    expect(String(await onnx.export(m, x, { opsetVersion: 12 }).catch((e: Error) => e))).toMatch(/opsetVersion must be an integer from 13 to 20/);
    expect(String(await onnx.export(m, x, { dynamicAxes: { nope: [0] } }).catch((e: Error) => e))).toMatch(/dynamicAxes names 'nope'/);
    expect(String(await onnx.export(m, [], {}).catch((e: Error) => e))).toMatch(/exampleInput must be a Tensor/);
  });
});
