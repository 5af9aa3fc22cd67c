/**
 * Recurrent layers (issue 16): the fused LSTM / GRU cell kernels (wasm against the float64 reference at odd
 * sizes, NaN/Inf included), nn.RNN / nn.LSTM / nn.GRU and the cells against PyTorch 1.13 (state dicts
 * loaded strictly by name, outputs, final states and every gradient; test/fixtures/rnn/gen.py), packed
 * sequences and nn.utils.rnn, gradcheck at tiny sizes, and PyTorch's errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, gradcheck, manualSeed, memory, nn, randn, tensor, grad } from '../src/index.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { expectClose, mulberry32, put, readF, thrown } from './helpers.js';

interface Arr { shape: number[]; values: number[] }
interface Case {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
  options: Record<string, unknown>;
  train?: boolean;
  stateDict: Record<string, Arr>;
  input: Arr;
  h0?: Arr;
  c0?: Arr;
  cot?: Arr;
  cotH: Arr;
  cotC?: Arr;
  out?: Arr;
  hN: Arr;
  cN?: Arr;
  grads: Record<string, Arr>;
  lengths?: number[];
  enforceSorted?: boolean;
  batchSizes?: number[];
  padded?: Arr;
  paddedLengths?: number[];
}
const FIX = JSON.parse(fs.readFileSync(new URL('./fixtures/rnn/cases.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  utils: {
    seqs: Arr[]; padSequence: Arr; padPacked: Arr; padPackedLengths: number[];
    packed: { data: Arr; batchSizes: number[]; sortedIndices: number[]; unsortedIndices: number[] };
  };
};

const T = (a: Arr, requiresGrad = false): Tensor => tensor(Float32Array.from(a.values)).reshape(a.shape).clone().requiresGrad_(requiresGrad);
const TOL = { atol: 3e-5, rtol: 2e-4 };

// ---------------------------------------------------------------- kernels

describe('fused recurrent cell kernels: wasm against the float64 reference', () => {
  const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
  const rng = mulberry32(16);
  const values = (n: number, specials: boolean): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * 3;
    if (specials) for (let i = 0; i < n; i++) if (rng() < 0.04) a[i] = [NaN, Infinity, -Infinity, 0, -0][Math.floor(rng() * 5)]!;
    return a;
  };
  const outBufs = (sizes: number[]) => sizes.map((n) => put(new Float32Array(n).fill(12345)));
  const free = (ptrs: number[], sizes: number[]) => ptrs.forEach((p, i) => heap.free(p, sizes[i]! * 4));
  const compare = (a: number[], b: number[], sizes: number[], what: string) => {
    sizes.forEach((n, i) => expectClose(readF(a[i]!, n), readF(b[i]!, n), { atol: 2e-6, rtol: 2e-5, what: `${what} out ${i}` }));
  };
  for (const H of [1, 3, 17, 129]) {
    for (const B of [1, 3]) {
      for (const specials of [false, true]) {
        const tag = `H=${H} B=${B}${specials ? ' NaN/Inf' : ''}`;
        it(`lstm_cell_f32 and its backward, ${tag}`, () => {
          const ins = [values(B * 4 * H, specials), values(B * 4 * H, specials), values(B * H, specials)].map(put);
          const sizes = [2 * B * H, 4 * B * H, B * H];
          const [ow, oj] = [outBufs(sizes), outBufs(sizes)];
          wasm.lstm_cell_f32(ins[0]!, ins[1]!, ins[2]!, ow[0]!, ow[0]! + B * H * 4, ow[1]!, ow[2]!, B, H);
          jsKernels.lstm_cell_f32(ins[0]!, ins[1]!, ins[2]!, oj[0]!, oj[0]! + B * H * 4, oj[1]!, oj[2]!, B, H);
          compare(ow, oj, sizes, `lstm ${tag}`);
          // backward from the reference's saved values, with dh/dc given, and each absent (0)
          const dhc = put(values(2 * B * H, specials));
          const bs = [4 * B * H, B * H];
          for (const [dh, dc] of [[dhc, dhc + B * H * 4], [0, dhc + B * H * 4], [dhc, 0]] as const) {
            const [bw, bj] = [outBufs(bs), outBufs(bs)];
            wasm.lstm_cell_backward_f32(dh, dc, oj[1]!, oj[2]!, ins[2]!, bw[0]!, bw[1]!, B, H);
            jsKernels.lstm_cell_backward_f32(dh, dc, oj[1]!, oj[2]!, ins[2]!, bj[0]!, bj[1]!, B, H);
            compare(bw, bj, bs, `lstm backward dh=${dh !== 0} dc=${dc !== 0} ${tag}`);
            free(bw, bs);
            free(bj, bs);
          }
          heap.free(dhc, 2 * B * H * 4);
          free(ins, [B * 4 * H, B * 4 * H, B * H]);
          free(ow, sizes);
          free(oj, sizes);
        });
        it(`gru_cell_f32 and its backward, ${tag}`, () => {
          const ins = [values(B * 3 * H, specials), values(B * 3 * H, specials), values(B * H, specials)].map(put);
          const sizes = [B * H, 3 * B * H];
          const [ow, oj] = [outBufs(sizes), outBufs(sizes)];
          wasm.gru_cell_f32(ins[0]!, ins[1]!, ins[2]!, ow[0]!, ow[1]!, B, H);
          jsKernels.gru_cell_f32(ins[0]!, ins[1]!, ins[2]!, oj[0]!, oj[1]!, B, H);
          compare(ow, oj, sizes, `gru ${tag}`);
          const dh = put(values(B * H, specials));
          const bs = [3 * B * H, 3 * B * H, B * H];
          const [bw, bj] = [outBufs(bs), outBufs(bs)];
          wasm.gru_cell_backward_f32(dh, oj[1]!, ins[1]!, ins[2]!, bw[0]!, bw[1]!, bw[2]!, B, H);
          jsKernels.gru_cell_backward_f32(dh, oj[1]!, ins[1]!, ins[2]!, bj[0]!, bj[1]!, bj[2]!, B, H);
          compare(bw, bj, bs, `gru backward ${tag}`);
          heap.free(dh, B * H * 4);
          free(bw, bs);
          free(bj, bs);
          free(ins, [B * 3 * H, B * 3 * H, B * H]);
          free(ow, sizes);
          free(oj, sizes);
        });
      }
    }
  }

  it('the reference on a hand-computed LSTM and GRU step', () => {
    // G = 0 everywhere: i = f = o = 0.5, g = 0; c' = 0.5 c; h' = 0.5 tanh(0.5 c)
    const gi = put(new Float32Array(4)), gh = put(new Float32Array(4)), c = put(Float32Array.of(2));
    const hc = put(new Float32Array(2)), act = put(new Float32Array(4)), tc = put(new Float32Array(1));
    jsKernels.lstm_cell_f32(gi, gh, c, hc, hc + 4, act, tc, 1, 1);
    expectClose(readF(hc, 2), [0.5 * Math.tanh(1), 1]);
    expectClose(readF(act, 4), [0.5, 0.5, 0, 0.5]);
    // GRU with G = 0: r = z = 0.5, n = 0; h' = 0.5 h
    const h = put(Float32Array.of(3)), ho = put(new Float32Array(1)), a3 = put(new Float32Array(3));
    jsKernels.gru_cell_f32(gi, gh, h, ho, a3, 1, 1);
    expectClose(readF(ho, 1), [1.5]);
    for (const p of [gi, gh, c, hc, act, tc, h, ho, a3]) heap.free(p, 16);
  });
});

// ---------------------------------------------------------------- modules against PyTorch

type AnyRnn = nn.RNN | nn.LSTM | nn.GRU;

function build(c: Case): nn.RNN | nn.LSTM | nn.GRU | nn.RNNCell | nn.LSTMCell | nn.GRUCell {
  const o = c.options as never;
  switch (c.kind) {
    case 'RNN': return new nn.RNN(c.inputSize, c.hiddenSize, o);
    case 'LSTM': return new nn.LSTM(c.inputSize, c.hiddenSize, o);
    case 'GRU': return new nn.GRU(c.inputSize, c.hiddenSize, o);
    case 'RNNCell': return new nn.RNNCell(c.inputSize, c.hiddenSize, o);
    case 'LSTMCell': return new nn.LSTMCell(c.inputSize, c.hiddenSize, o);
    default: return new nn.GRUCell(c.inputSize, c.hiddenSize, o);
  }
}

function loadCase(c: Case) {
  const m = build(c);
  expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(c.stateDict).sort());
  m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, T(v)])));
  m.train(c.train ?? false);
  return m;
}

function checkGrads(c: Case, m: nn.Module<never>, x: Tensor, h0: Tensor | null, c0: Tensor | null): void {
  expectClose(x.grad, T(c.grads.input!), { ...TOL, what: `${c.name} grad input` });
  if (h0 !== null) expectClose(h0.grad, T(c.grads.h0!), { ...TOL, what: `${c.name} grad h0` });
  if (c0 !== null) expectClose(c0.grad, T(c.grads.c0!), { ...TOL, what: `${c.name} grad c0` });
  const named = m.namedParameters();
  expect(named.map(([k]) => k).sort()).toEqual(Object.keys(c.grads).filter((k) => k !== 'input' && k !== 'h0' && k !== 'c0').sort());
  for (const [k, p] of named) expectClose(p.grad, T(c.grads[k]!), { ...TOL, what: `${c.name} grad ${k}` });
}

describe('nn.RNN, nn.LSTM, nn.GRU against PyTorch 1.13', () => {
  for (const c of FIX.cases.filter((k) => !k.kind.endsWith('Cell'))) {
    it(c.name, () => {
      const m = loadCase(c) as AnyRnn;
      const x = T(c.input, true);
      const h0 = c.h0 ? T(c.h0, true) : null;
      const c0 = c.c0 ? T(c.c0, true) : null;
      const bf = (c.options.batchFirst as boolean | undefined) ?? false;
      const input = c.lengths ? nn.utils.rnn.packPaddedSequence(x, c.lengths, bf, c.enforceSorted) : x;
      let out: Tensor | nn.utils.rnn.PackedSequence, hN: Tensor, cN: Tensor | null = null;
      if (m instanceof nn.LSTM) {
        [out, [hN, cN]] = m.forward(input, h0 && c0 ? [h0, c0] : null);
      } else {
        [out, hN] = (m as nn.GRU).forward(input, h0);
      }
      const outT = out instanceof nn.utils.rnn.PackedSequence ? out.data : out;
      expectClose(outT, T(c.out!), { ...TOL, what: `${c.name} output` });
      expectClose(hN, T(c.hN), { ...TOL, what: `${c.name} h_n` });
      if (c.cN) expectClose(cN, T(c.cN), { ...TOL, what: `${c.name} c_n` });
      if (out instanceof nn.utils.rnn.PackedSequence) {
        expect(Array.from(out.batchSizes.toArray())).toEqual(c.batchSizes);
        const [padded, lens] = nn.utils.rnn.padPackedSequence(out, bf);
        expectClose(padded, T(c.padded!), { ...TOL, what: `${c.name} padded output` });
        expect(Array.from(lens.toArray())).toEqual(c.paddedLengths);
      }
      let loss = outT.mul(T(c.cot!)).sum().add(hN.mul(T(c.cotH)).sum());
      if (cN !== null) loss = loss.add(cN.mul(T(c.cotC!)).sum());
      loss.backward();
      checkGrads(c, m as never, x, h0, c0);
    });
  }
});

describe('nn.RNNCell, nn.LSTMCell, nn.GRUCell against PyTorch 1.13', () => {
  for (const c of FIX.cases.filter((k) => k.kind.endsWith('Cell'))) {
    it(c.name, () => {
      const m = loadCase(c);
      const x = T(c.input, true);
      const h0 = c.h0 ? T(c.h0, true) : null;
      const c0 = c.c0 ? T(c.c0, true) : null;
      let h: Tensor, cc: Tensor | null = null;
      if (m instanceof nn.LSTMCell) [h, cc] = m.forward(x, h0 && c0 ? [h0, c0] : null);
      else h = (m as nn.GRUCell).forward(x, h0);
      expectClose(h, T(c.hN), { ...TOL, what: `${c.name} h'` });
      if (c.cN) expectClose(cc, T(c.cN), { ...TOL, what: `${c.name} c'` });
      let loss = h.mul(T(c.cotH)).sum();
      if (cc !== null) loss = loss.add(cc.mul(T(c.cotC!)).sum());
      loss.backward();
      checkGrads(c, m as never, x, h0, c0);
    });
  }
});

describe('nn.utils.rnn against PyTorch 1.13', () => {
  const U = FIX.utils;
  it('padSequence, packSequence (unsorted), padPackedSequence with totalLength, unpackSequence', () => {
    const seqs = U.seqs.map((a) => T(a));
    expectClose(nn.utils.rnn.padSequence(seqs, true, -1.5), T(U.padSequence));
    const p = nn.utils.rnn.packSequence(seqs, false);
    expectClose(p.data, T(U.packed.data));
    expect(Array.from(p.batchSizes.toArray())).toEqual(U.packed.batchSizes);
    expect(Array.from(p.sortedIndices!.toArray())).toEqual(U.packed.sortedIndices);
    expect(Array.from(p.unsortedIndices!.toArray())).toEqual(U.packed.unsortedIndices);
    const [padded, lens] = nn.utils.rnn.padPackedSequence(p, { paddingValue: 7, totalLength: 6 });
    expectClose(padded, T(U.padPacked));
    expect(Array.from(lens.toArray())).toEqual(U.padPackedLengths);
    const back = nn.utils.rnn.unpackSequence(p);
    back.forEach((t, i) => expectClose(t, seqs[i]!));
    const unpadded = nn.utils.rnn.unpadSequence(nn.utils.rnn.padSequence(seqs), [4, 2, 3]);
    unpadded.forEach((t, i) => expectClose(t, seqs[i]!));
  });

  it('errors as PyTorch: unsorted lengths with enforceSorted, totalLength too small, bad lengths', () => {
    const x = randn(4, 2, 3);
    expect(thrown(() => nn.utils.rnn.packPaddedSequence(x, [2, 4])).message).toMatch(/sorted in decreasing order.*enforceSorted/);
    expect(thrown(() => nn.utils.rnn.packPaddedSequence(x, [4, 0])).message).toMatch(/greater than 0/);
    expect(thrown(() => nn.utils.rnn.packPaddedSequence(x, [4, 2, 1])).message).toMatch(/batch_size.*\[4, 2, 3\]/);
    expect(thrown(() => nn.utils.rnn.packPaddedSequence(x, [5, 2])).message).toMatch(/5 is larger than the 4 steps/);
    const p = nn.utils.rnn.packPaddedSequence(x, [4, 2]);
    expect(thrown(() => nn.utils.rnn.padPackedSequence(p, false, 0, 3)).message).toMatch(/totalLength=3 and max sequence length being 4/);
    expect(thrown(() => nn.utils.rnn.padSequence([])).message).toMatch(/non-empty/);
    expect(thrown(() => nn.utils.rnn.padSequence([randn(2, 3), randn(2, 4)])).message).toMatch(/trailing dims/);
    expect(thrown(() => nn.utils.rnn.packSequence([randn(2, 3)], { enforce_sorted: false } as never))).toBeInstanceOf(TypeError);
  });
});

// ---------------------------------------------------------------- gradcheck, layouts, errors

describe('recurrent layers: gradcheck, layouts, errors', () => {
  it('gradcheck: LSTM (2 layers, bidirectional, projSize) w.r.t. input, states and weights', () => {
    manualSeed(3);
    const m = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2 });
    const x = randn(3, 2, 2).requiresGrad_(), h0 = randn(4, 2, 2).requiresGrad_(), c0 = randn(4, 2, 3).requiresGrad_();
    const p = m as unknown as Record<string, Tensor>;
    gradcheck((a, h, c) => { const [o, [hn, cn]] = m.forward(a!, [h!, c!]); return [o, hn, cn]; },
      [x, h0, c0, p.weight_ih_l0!, p.weight_hh_l1_reverse!, p.weight_hr_l0!, p.bias_hh_l1!], { atol: 2e-3, rtol: 2e-2 });
  });

  it('gradcheck: GRU (bidirectional, batchFirst) and RNN (tanh) w.r.t. input, state and weights', () => {
    manualSeed(4);
    const g = new nn.GRU(3, 1, { bidirectional: true, batchFirst: true });
    const pg = g as unknown as Record<string, Tensor>;
    gradcheck((a, h) => g.forward(a!, h!), [randn(2, 3, 3).requiresGrad_(), randn(2, 2, 1).requiresGrad_(), pg.weight_hh_l0!, pg.bias_hh_l0_reverse!],
      { atol: 2e-3, rtol: 2e-2 });
    const r = new nn.RNN(2, 3, 2);
    const pr = r as unknown as Record<string, Tensor>;
    gradcheck((a) => r.forward(a!)[0], [randn(3, 1, 2).requiresGrad_(), pr.weight_ih_l1!], { atol: 2e-3, rtol: 2e-2 });
  });

  it('gradcheck: a packed, unsorted LSTM and the cells', () => {
    manualSeed(5);
    const m = new nn.LSTM(2, 3, { bidirectional: true });
    gradcheck((a) => {
      const [o, [hn]] = m.forward(nn.utils.rnn.packPaddedSequence(a!, [2, 3, 1], false, false));
      return [o.data, hn];
    }, [randn(3, 3, 2).requiresGrad_()], { atol: 2e-3, rtol: 2e-2 });
    const lc = new nn.LSTMCell(2, 3), gc = new nn.GRUCell(2, 17), rc = new nn.RNNCell(2, 3, true, 'relu');
    gradcheck((a, h, c) => lc.forward(a!, [h!, c!]), [randn(3, 2).requiresGrad_(), randn(3, 3).requiresGrad_(), randn(3, 3).requiresGrad_()],
      { atol: 2e-3, rtol: 2e-2 });
    gradcheck((a, h) => gc.forward(a!, h!), [randn(2).requiresGrad_(), randn(17).requiresGrad_()], { atol: 2e-3, rtol: 2e-2 });
    gradcheck((a, h) => rc.forward(a!, h!), [randn(1, 2).requiresGrad_(), randn(1, 3).requiresGrad_()], { atol: 2e-3, rtol: 2e-2 });
  });

  it('non-contiguous input and states give the contiguous result', () => {
    manualSeed(6);
    const m = new nn.LSTM(3, 5);
    const x = randn(3, 2, 4).transpose(0, 2); // [4, 2, 3], non-contiguous
    const h = randn(1, 5, 2).transpose(1, 2), c = randn(5, 2, 1).permute(2, 1, 0);
    expect(x.isContiguous() || h.isContiguous() || c.isContiguous()).toBe(false);
    const [o1, [h1, c1]] = m.forward(x, [h, c]);
    const [o2, [h2, c2]] = m.forward(x.contiguous(), [h.contiguous(), c.contiguous()]);
    expectClose(o1, o2, { atol: 0, rtol: 0 });
    expectClose(h1, h2, { atol: 0, rtol: 0 });
    expectClose(c1, c2, { atol: 0, rtol: 0 });
  });

  it('defaults: PyTorch init bounds, parameter names and shapes, positional constructors', () => {
    const m = new nn.LSTM(3, 8, 2, true, false, 0, true, 4);
    expect(m.numLayers).toBe(2);
    expect(m.projSize).toBe(4);
    expect(m.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:32x3', 'weight_hh_l0:32x4', 'bias_ih_l0:32', 'bias_hh_l0:32', 'weight_hr_l0:4x8',
      'weight_ih_l0_reverse:32x3', 'weight_hh_l0_reverse:32x4', 'bias_ih_l0_reverse:32', 'bias_hh_l0_reverse:32', 'weight_hr_l0_reverse:4x8',
      'weight_ih_l1:32x8', 'weight_hh_l1:32x4', 'bias_ih_l1:32', 'bias_hh_l1:32', 'weight_hr_l1:4x8',
      'weight_ih_l1_reverse:32x8', 'weight_hh_l1_reverse:32x4', 'bias_ih_l1_reverse:32', 'bias_hh_l1_reverse:32', 'weight_hr_l1_reverse:4x8',
    ]);
    const bound = 1 / Math.sqrt(8);
    for (const p of m.parameters()) for (const v of p.toArray()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(new nn.GRU(2, 3, 1, false).namedParameters().map(([k]) => k)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(m.allWeights.length).toBe(4);
    expect(m.allWeights[3]![4]).toBe((m as unknown as Record<string, Tensor>).weight_hr_l1_reverse);
    m.flattenParameters();
    expect(new nn.RNN(2, 3, { nonlinearity: 'relu' }).nonlinearity).toBe('relu');
    expect(new nn.GRUCell(2, 3).namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual(
      ['weight_ih:9x2', 'weight_hh:9x3', 'bias_ih:9', 'bias_hh:9']);
    expect(String(new nn.LSTM(3, 8, { projSize: 2, batchFirst: true }))).toContain('LSTM(3, 8, proj_size=2, batch_first=True)');
    // as PyTorch prints them (RNN does not print its nonlinearity, RNNCell does)
    expect(String(new nn.RNN(3, 4, { nonlinearity: 'relu', dropout: 0.5, numLayers: 2, bias: false }))).toBe('RNN(3, 4, num_layers=2, bias=False, dropout=0.5)');
    expect(String(new nn.RNNCell(3, 4, false, 'relu'))).toBe('RNNCell(3, 4, bias=False, nonlinearity=relu)');
    expect(String(new nn.LSTMCell(3, 4))).toBe('LSTMCell(3, 4)');
  });

  it('dropout between layers only in training mode', () => {
    manualSeed(7);
    const m = new nn.GRU(2, 3, { numLayers: 2, dropout: 0.5 });
    const x = randn(4, 2, 2);
    const [a] = m.eval().forward(x);
    const [b] = m.forward(x);
    expectClose(a, b, { atol: 0, rtol: 0 });
    manualSeed(8);
    const [c] = m.train().forward(x);
    manualSeed(8);
    const [d] = m.forward(x);
    expectClose(c, d, { atol: 0, rtol: 0 });
    expect(c.sub(a).abs().max().item()).toBeGreaterThan(0);
  });

  it('errors name the layer, the argument and the shapes, before any kernel runs', () => {
    const m = new nn.LSTM(3, 4, 2);
    expect(thrown(() => m.forward(randn(5, 2, 6))).message).toMatch(/LSTM: input.size\(-1\) must be equal to inputSize. Expected 3, got 6 \(input shape \[5, 2, 6\]\)/);
    expect(thrown(() => m.forward(randn(5, 2, 3), [randn(2, 3, 4), randn(2, 2, 4)])).message).toMatch(/Expected hidden\[0\] size \[2, 2, 4\], got \[2, 3, 4\]/);
    expect(thrown(() => m.forward(randn(5, 2, 3), [randn(2, 2, 4), randn(2, 2, 5)])).message).toMatch(/Expected hidden\[1\] size \[2, 2, 4\], got \[2, 2, 5\]/);
    expect(thrown(() => m.forward(randn(5, 3), [randn(2, 2, 4), randn(2, 2, 4)])).message).toMatch(/unbatched 2-D input, hidden\[0\] should also be 2-D/);
    expect(thrown(() => m.forward(randn(1, 5, 2, 3))).message).toMatch(/Expected input to be 2-D or 3-D but received 4-D/);
    expect(thrown(() => m.forward(randn(0, 2, 3))).message).toMatch(/sequence length to be larger than 0/);
    expect(thrown(() => new nn.GRU(3, 4).forward(randn(5, 2, 3), randn(1, 2, 5))).message).toMatch(/GRU: Expected hidden size \[1, 2, 4\], got \[1, 2, 5\]/);
    expect(thrown(() => new nn.LSTM(3, 4, { numLayer: 2 } as never))).toBeInstanceOf(TypeError);
    expect(thrown(() => new nn.LSTM(3, 4, { num_layers: 2 } as never)).message).toMatch(/num_layers.*numLayers/);
    expect(thrown(() => new nn.GRU(3, 4, { projSize: 2 } as never)).message).toMatch(/projSize argument is only supported for LSTM/);
    expect(thrown(() => new nn.LSTM(3, 4, { projSize: 4 })).message).toMatch(/projSize has to be smaller than hiddenSize/);
    expect(thrown(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as never })).message).toMatch(/Unknown nonlinearity/);
    expect(thrown(() => new nn.RNN(3, 4, { dropout: 1.5 })).message).toMatch(/dropout should be a number in range \[0, 1\]/);
    expect(thrown(() => new nn.RNN(3, 0)).message).toMatch(/hiddenSize must be greater than zero/);
    const cell = new nn.LSTMCell(3, 4);
    expect(thrown(() => cell.forward(randn(2, 5))).message).toMatch(/LSTMCell: input has inconsistent input_size: got 5, expected 3/);
    expect(thrown(() => cell.forward(randn(2, 3), [randn(3, 4), randn(2, 4)])).message).toMatch(/Expected hx\[0\] of shape \[2, 4\], got \[3, 4\]/);
    expect(thrown(() => new nn.GRUCell(3, 4).forward(randn(2, 2, 3))).message).toMatch(/GRUCell: Expected input to be 1-D or 2-D/);
  });

  it('forward + backward leave nothing to the garbage collector but the outputs (LSTM, GRU, packed, bidirectional)', () => {
    const savedCollect = heap.collect;
    heap.collect = null; // collections off: anything not freed eagerly would be counted
    try {
      manualSeed(9);
      const cases: [string, AnyRnn, () => Tensor | nn.utils.rnn.PackedSequence][] = [
        ['LSTM 2 layers bidirectional projSize', new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 }), () => randn(4, 2, 3)],
        ['GRU batchFirst with dropout', new nn.GRU(3, 5, { numLayers: 2, batchFirst: true, dropout: 0.3 }), () => randn(2, 4, 3)],
        ['LSTM packed unsorted', new nn.LSTM(3, 5, { bidirectional: true }), () => nn.utils.rnn.packSequence([randn(2, 3), randn(4, 3), randn(1, 3)], false)],
        ['RNN relu unbatched', new nn.RNN(3, 5, { nonlinearity: 'relu', numLayers: 2 }), () => randn(4, 3)],
      ];
      for (const [name, m, makeInput] of cases) {
        const input = makeInput();
        const step = (): Tensor[] => {
          const [out, st] = (m as nn.LSTM).forward(input as Tensor) as unknown as [Tensor | nn.utils.rnn.PackedSequence, Tensor | Tensor[]];
          const o = out instanceof nn.utils.rnn.PackedSequence ? out.data : out;
          o.backward(o.detach());
          m.zeroGrad();
          return [o, ...(Array.isArray(st) ? st : [st])];
        };
        step();
        const base = memory().bytesInUse;
        const held = step();
        const bytes = new Set(held.map((t) => t.storage));
        expect(memory().bytesInUse - base, name).toBe([...bytes].reduce((a, st) => a + st.blockBytes, 0));
      }
    } finally {
      heap.collect = savedCollect;
    }
  });

  it('double backward through a fused cell throws "not supported"', () => {
    const m = new nn.LSTMCell(2, 3);
    const x = randn(1, 2).requiresGrad_();
    const [h] = m.forward(x);
    expect(thrown(() => grad([h.sum()], [x], { createGraph: true })).message).toMatch(/double backward.*not supported/);
    const [out] = new nn.GRU(2, 3).forward(x);
    expect(thrown(() => grad([out.sum()], [x], { createGraph: true })).message).toMatch(/GruSequenceBackward: double backward.*not supported/);
    const [gx] = grad([m.forward(x)[0].sum()], [x]) as Tensor[];
    expect(gx!.shape).toEqual([1, 2]);
  });
});
