/**
 * The recurrent sequence (runRnn: one graph node per layer and direction, W_hh packed once for the step
 * GEMMs forward and backward) against the same recurrence unrolled step by step through the one-step ops
 * (cellStep: linearRows' GEMM on the unpacked weight, the fused cell, autograd between the steps): the
 * outputs and final states bit for bit, every gradient within float32 rounding, for LSTM, GRU and both
 * plain RNNs, with a non-contiguous W_hh, without biases, and with odd sizes (batch 1, 3, 17; hidden 1, 3, 17);
 * and on two threads (the step GEMMs and the cells split) with the bits of one thread.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, cat, manualSeed, randn, grad, tensor } from '../src/index.js';
import { cellStep, gateCount, linearRows, runRnn, type RnnMode, type RnnWeights } from '../src/ops/rnn.js';
import { init } from '../src/backends/index.js';
import { setSplitThresholds } from '../src/backends/wasm/split.js';
import * as threads from '../src/backends/wasm/threads.js';
import { expectClose } from './helpers.js';

interface Setup {
  mode: RnnMode;
  batch: number;
  hidden: number;
  steps: number;
  input: number;
  /** W_hh as a transposed view (non-contiguous). */
  strided?: boolean;
  bias?: boolean;
}

function make(s: Setup): { x: Tensor; w: RnnWeights; h0: Tensor; c0: Tensor | null; params: Tensor[] } {
  const G = gateCount(s.mode), H = s.hidden;
  const x = randn(s.steps * s.batch, s.input).requiresGrad_();
  const wIh = randn(G * H, s.input).mul(0.5).requiresGrad_();
  const wHh = (s.strided ? randn(H, G * H).mul(0.5).requiresGrad_() : randn(G * H, H).mul(0.5).requiresGrad_());
  const bIh = s.bias === false ? null : randn(G * H).mul(0.1).requiresGrad_();
  const bHh = s.bias === false ? null : randn(G * H).mul(0.1).requiresGrad_();
  const h0 = randn(s.batch, H).requiresGrad_();
  const c0 = s.mode === 'LSTM' ? randn(s.batch, H).requiresGrad_() : null;
  const leaves = [x, wIh, wHh, ...(bIh ? [bIh] : []), ...(bHh ? [bHh] : []), h0, ...(c0 ? [c0] : [])];
  return { x, w: { wIh, wHh: s.strided ? wHh.t() : wHh, bIh, bHh, wHr: null }, h0, c0, params: leaves };
}

/** The recurrence unrolled: one cellStep (linearRows on the unpacked W_hh) per step, the outputs concatenated. */
function unrolled(s: Setup, x: Tensor, w: RnnWeights, h0: Tensor, c0: Tensor | null): Tensor[] {
  let h = h0, c = c0;
  const outs: Tensor[] = [];
  for (let t = 0; t < s.steps; t++) {
    const gi = linearRows(x.narrow(0, t * s.batch, s.batch), w.wIh, w.bIh);
    [h, c] = cellStep(s.mode, gi, h, c, w);
    outs.push(h);
  }
  const res = [cat(outs, 0), h];
  if (c !== null) res.push(c);
  return res;
}

function sequence(s: Setup, x: Tensor, w: RnnWeights, h0: Tensor, c0: Tensor | null): Tensor[] {
  const cfg = { mode: s.mode, numLayers: 1, bidirectional: false, dropout: 0, training: false };
  const r = runRnn(cfg, x, new Array<number>(s.steps).fill(s.batch), [w], h0.unsqueeze(0), c0 === null ? null : c0.unsqueeze(0));
  return [r.output, r.hN.squeeze(0), ...(r.cN !== null ? [r.cN.squeeze(0)] : [])];
}

function compare(s: Setup): void {
  manualSeed(s.batch * 31 + s.hidden);
  const { x, w, h0, c0, params } = make(s);
  const got = sequence(s, x, w, h0, c0), want = unrolled(s, x, w, h0, c0);
  for (let i = 0; i < want.length; i++) expectClose(got[i]!, want[i]!, { atol: 0, rtol: 0 });
  // the same random cotangents for both; the gradients sum the same terms in other orders
  const cots = want.map((t) => randn(...t.shape));
  const loss = (ys: Tensor[]) => ys.map((y, i) => y.mul(cots[i]!).sum()).reduce((a, b) => a.add(b));
  const gGot = grad(loss(got), params), gWant = grad(loss(want), params);
  for (let i = 0; i < params.length; i++) expectClose(gGot[i]!, gWant[i]!, { atol: 2e-5, rtol: 2e-5 });
}

describe('recurrent sequence (W_hh packed once) against the unrolled steps', () => {
  const modes: RnnMode[] = ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'];
  it.each(modes)('%s: odd sizes, values bit for bit and gradients', (mode) => {
    for (const [batch, hidden] of [[1, 1], [3, 17], [17, 3], [16, 32]] as const) compare({ mode, batch, hidden, steps: 5, input: 7 });
  });

  it.each(modes)('%s: non-contiguous W_hh, no biases, one step', (mode) => {
    compare({ mode, batch: 6, hidden: 9, steps: 4, input: 5, strided: true });
    compare({ mode, batch: 7, hidden: 5, steps: 3, input: 2, bias: false });
    compare({ mode, batch: 2, hidden: 4, steps: 1, input: 3 });
  });

  it('NaN in the recurrent weight reaches the outputs as in the unrolled steps', () => {
    manualSeed(9);
    const s: Setup = { mode: 'LSTM', batch: 3, hidden: 5, steps: 3, input: 2 };
    const { x, w, h0, c0 } = make(s);
    const vals = Array.from(w.wHh.detach().toArray());
    vals[7] = NaN;
    const wHh = tensor(Float32Array.from(vals)).reshape(w.wHh.shape);
    const w2 = { ...w, wHh };
    const got = sequence(s, x.detach(), w2, h0.detach(), c0!.detach()), want = unrolled(s, x.detach(), w2, h0.detach(), c0!.detach());
    expect(Array.from(got[0]!.toArray()).some(Number.isNaN)).toBe(true);
    for (let i = 0; i < want.length; i++) expectClose(got[i]!, want[i]!, { atol: 0, rtol: 0 });
  });
});

// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const threaded = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';

describe.runIf(threaded)('recurrent sequence on two threads', () => {
  beforeAll(async () => {
    await init({ threads: 2 });
  });

  it.each(['LSTM', 'GRU'] as const)('%s: the step GEMMs (packed W_hh) and the cells split into row blocks, with the bits of one thread', (mode) => {
    const run = (): Float32Array[] => {
      manualSeed(12);
      const s: Setup = { mode, batch: 16, hidden: 24, steps: 4, input: 8 };
      const { x, w, h0, c0, params } = make(s);
      const ys = sequence(s, x, w, h0, c0);
      const gs = grad(ys.map((y) => y.sum()).reduce((a, b) => a.add(b)), params);
      return [...ys, ...gs].map((t) => Float32Array.from(t!.toArray()));
    };
    const cell = mode === 'LSTM' ? 'lstm_cell' : 'gru_cell';
    const names = ['gemm_packed_b_f32', `${cell}_f32`, `${cell}_backward_f32`] as const;
    const old = setSplitThresholds({ gemmMacs: Infinity, gemmMacsSpinning: Infinity, elements: Infinity, elementsSpinning: Infinity });
    try {
      const one = run();
      setSplitThresholds({ gemmMacs: 1, gemmMacsSpinning: 1, elements: 1, elementsSpinning: 1 });
      const before = names.map((n) => threads.parallelCalls.get(n) ?? 0);
      const two = run();
      names.forEach((n, i) => expect(threads.parallelCalls.get(n) ?? 0, n).toBeGreaterThan(before[i]!));
      expect(two).toEqual(one);
    } finally {
      setSplitThresholds(old);
    }
  });
});
