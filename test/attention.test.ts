/**
 * F.scaledDotProductAttention (src/ops/attention.ts): the fused kernels against the composed math path
 * (odd sizes, causal, bool/float masks with broadcasting, fully masked rows, non-contiguous inputs),
 * gradcheck, PyTorch fixtures (test/fixtures/attention/gen.py), threads (bit-identical splits), errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, getBackend, grad, init, manualSeed, noGrad, rand, randn, setBackend, tensor, zeros } from '../src/index.js';
import { attentionArgs, attentionComposed } from '../src/ops/attention.js';
import { setSplitThresholds } from '../src/backends/wasm/split.js';
import * as threads from '../src/backends/wasm/threads.js';
import { checkGradGrad, checkOp, expectTorchCase, thrown, type TorchCase } from './helpers.js';

const sdpa = F.scaledDotProductAttention;

/** The composed (math) path with the same arguments. */
function composed(q: Tensor, k: Tensor, v: Tensor, ...args: unknown[]): Tensor {
  return attentionComposed(attentionArgs(q, k, v, args));
}

function flatValues(t: Tensor): number[] {
  return Array.from(t.contiguous().reshape([-1]).toArray() as Float32Array);
}

/** |a - b| <= tol * max(1, |b|) elementwise; NaN only where the other is NaN. */
function expectNear(a: Tensor, b: Tensor, what: string, tol = 2e-5): void {
  expect(a.shape, `${what} shape`).toEqual(b.shape);
  const x = flatValues(a), y = flatValues(b);
  const bad = x.findIndex((xi, i) => (Number.isNaN(y[i]!) ? !Number.isNaN(xi) : !(Math.abs(xi - y[i]!) <= tol * Math.max(1, Math.abs(y[i]!)))));
  expect(bad, bad < 0 ? what : `${what}[${bad}]: ${x[bad]} vs ${y[bad]}`).toBe(-1);
}

/** Output and gradients (w.r.t. the inputs that require grad) of sum(f(...) * cot). */
function valueAndGrads(f: () => Tensor, wrt: Tensor[], cotSeed = 3): Tensor[] {
  const y = f();
  manualSeed(cotSeed);
  const cot = randn(y.shape);
  const gs = grad(y.mul(cot).sum(), wrt, { allowUnused: true });
  return [y.detach(), ...gs.map((g, i) => g ?? zeros(wrt[i]!.shape))];
}

/** The fused path against the composed one: outputs and gradients. */
function expectFusedMatchesComposed(what: string, q: Tensor, k: Tensor, v: Tensor, ...args: unknown[]): void {
  const wrt = [q, k, v].filter((t) => t.requiresGrad);
  const fused = valueAndGrads(() => (sdpa as (...a: unknown[]) => Tensor)(q, k, v, ...args), wrt);
  const ref = valueAndGrads(() => composed(q, k, v, ...args), wrt);
  fused.forEach((t, i) => expectNear(t, ref[i]!, `${what} ${i === 0 ? 'output' : `grad ${i - 1}`}`));
}

function leaf(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape).requiresGrad_();
}

describe('fused against composed', () => {
  const sizes = [1, 3, 17, 129];
  for (const L of sizes) {
    for (const S of sizes) {
      if (L === 129 && S === 129) continue; // covered causally below
      it(`L=${L} S=${S} E=5 Ev=3`, () => {
        const q = leaf([2, L, 5], 1), k = leaf([2, S, 5], 2), v = leaf([2, S, 3], 3);
        expectFusedMatchesComposed(`L${L} S${S}`, q, k, v);
        expectFusedMatchesComposed(`L${L} S${S} causal`, q, k, v, null, 0, true);
      });
    }
  }

  it('L=S=129 causal, batch and heads, E=8 Ev=6', () => {
    const q = leaf([2, 2, 129, 8], 4), k = leaf([2, 2, 129, 8], 5), v = leaf([2, 2, 129, 6], 6);
    expectFusedMatchesComposed('129 causal', q, k, v, { isCausal: true });
  });

  it('tile edges: several key tiles with a partial last one, a partial last query block, E and Ev off the SIMD widths', () => {
    const q = leaf([2, 37, 13], 50), k = leaf([2, 150, 13], 51), v = leaf([2, 150, 19], 52);
    expectFusedMatchesComposed('37x150', q, k, v);
    expectFusedMatchesComposed('37x150 causal', q, k, v, { isCausal: true });
    manualSeed(53);
    expectFusedMatchesComposed('37x150 bool mask', q, k, v, rand([37, 150]).gt(0.7));
    expectFusedMatchesComposed('37x150 float key mask', q, k, v, randn([2, 1, 150]));
    const q2 = leaf([1, 70, 16], 54), k2 = leaf([1, 70, 16], 55), v2 = leaf([1, 70, 8], 56);
    expectFusedMatchesComposed('70x70 causal', q2, k2, v2, null, 0, true);
  });

  it('bool masks broadcast over batch, heads and rows; fully masked rows give zeros', () => {
    const q = leaf([2, 3, 4, 5], 7), k = leaf([2, 3, 6, 5], 8), v = leaf([2, 3, 6, 7], 9);
    manualSeed(10);
    const m = rand([2, 1, 4, 6]).gt(0.5);
    // batch 0, row 2 fully masked
    const bits = Array.from(m.toArray() as Int32Array);
    for (let j = 0; j < 6; j++) bits[2 * 6 + j] = 0;
    const mask = tensor(bits.map((b) => b !== 0)).reshape([2, 1, 4, 6]);
    expectFusedMatchesComposed('bool (2,1,4,6)', q, k, v, mask);
    const y = sdpa(q, k, v, mask);
    expect(flatValues(y.select(0, 0).select(1, 2))).toEqual(new Array(3 * 7).fill(0));
    // key padding: (2, 1, 1, 6), rows broadcast
    const pad = tensor([[true, true, true, false, false, false], [true, true, true, true, true, false]]).reshape([2, 1, 1, 6]);
    expectFusedMatchesComposed('key padding', q, k, v, pad);
    // (L, S) mask shared by every batch and head, and a mask broadcast along the keys
    expectFusedMatchesComposed('(4,6)', q, k, v, { attnMask: mask.select(0, 1).select(0, 0) });
    expectFusedMatchesComposed('(4,1)', q, k, v, tensor([true, false, true, true]).reshape([4, 1]));
  });

  it('a fully masked row: zero output and zero gradients, not NaN (PyTorch >= 2.5 safe softmax)', () => {
    const q = leaf([1, 2, 3], 11), k = leaf([1, 4, 3], 12), v = leaf([1, 4, 2], 13);
    const mask = tensor([[true, false, true, true], [false, false, false, false]]);
    for (const f of [() => sdpa(q, k, v, mask), () => composed(q, k, v, mask)]) {
      const [y, gq, gk, gv] = valueAndGrads(f, [q, k, v]);
      expect(flatValues(y!).slice(2)).toEqual([0, 0]);
      expect(flatValues(gq!).slice(3)).toEqual([0, 0, 0]);
      for (const g of [gq!, gk!, gv!]) expect(flatValues(g).every(Number.isFinite)).toBe(true);
    }
    const fm = tensor([[0, -Infinity, 0.5, -1], [-Infinity, -Infinity, -Infinity, -Infinity]]);
    expectFusedMatchesComposed('float -inf row', q, k, v, fm);
    expect(flatValues(sdpa(q, k, v, fm)).slice(2)).toEqual([0, 0]);
  });

  it('float masks, added to the scores, with broadcasting', () => {
    const q = leaf([2, 3, 5, 4], 14), k = leaf([3, 7, 4], 15), v = leaf([2, 1, 7, 6], 16);
    manualSeed(17);
    expectFusedMatchesComposed('float (5,7)', q, k, v, randn([5, 7]));
    expectFusedMatchesComposed('float (2,3,1,7)', q, k, v, randn([2, 3, 1, 7]));
    expectFusedMatchesComposed('float (3,5,1) with scale', q, k, v, randn([3, 5, 1]), { scale: 0.7 });
  });

  it('a float mask that requires grad gets its gradient (composed path)', () => {
    const q = leaf([2, 3, 4], 18), k = leaf([2, 5, 4], 19), v = leaf([2, 5, 2], 20);
    const m = leaf([3, 5], 21);
    const [, , , , gm] = valueAndGrads(() => sdpa(q, k, v, m), [q, k, v, m]);
    const [, , , , gm2] = valueAndGrads(() => composed(q, k, v, m), [q, k, v, m]);
    expectNear(gm!, gm2!, 'mask grad');
  });

  it('non-contiguous q, k, v: x.view(B, T, H, D).transpose(1, 2) as nanoGPT splits heads', () => {
    const B = 2, T = 9, H = 3, D = 4;
    manualSeed(22);
    const x = randn([B, T, 3 * H * D]).requiresGrad_();
    const [a, b, c] = x.split(H * D, 2);
    const heads = (t: Tensor) => t.view(B, T, H, D).transpose(1, 2);
    const q = heads(a!), k = heads(b!), v = heads(c!);
    expect(q.isContiguous()).toBe(false);
    const wrt = [x];
    const fused = valueAndGrads(() => sdpa(q, k, v, null, 0, true).transpose(1, 2).contiguous().view(B, T, H * D), wrt);
    const ref = valueAndGrads(() => composed(q, k, v, null, 0, true).transpose(1, 2).contiguous().view(B, T, H * D), wrt);
    fused.forEach((t, i) => expectNear(t, ref[i]!, `nanoGPT ${i}`));
  });

  it('enableGqa repeats key/value heads', () => {
    const q = leaf([2, 4, 3, 5], 23), k = leaf([2, 2, 6, 5], 24), v = leaf([2, 2, 6, 3], 25);
    expectFusedMatchesComposed('gqa', q, k, v, { enableGqa: true });
    const rep = (t: Tensor) => t.repeatInterleave(2, 1);
    expectNear(sdpa(q, k, v, { enableGqa: true }), sdpa(q, rep(k), rep(v)), 'gqa vs repeated');
  });

  it('empty sizes: S = 0 gives zeros, L = 0 or a zero batch an empty result', () => {
    expect(flatValues(sdpa(zeros([2, 3, 4]), zeros([2, 0, 4]), zeros([2, 0, 5])))).toEqual(new Array(30).fill(0));
    expect(sdpa(zeros([2, 0, 4]), zeros([2, 3, 4]), zeros([2, 3, 5])).shape).toEqual([2, 0, 5]);
    expect(sdpa(zeros([0, 2, 4]), zeros([0, 3, 4]), zeros([0, 3, 5])).shape).toEqual([0, 2, 5]);
  });

  it('NaN in a query row gives a NaN row, as the math path', () => {
    const q = tensor([[[NaN, 1], [0.5, 1]]]), k = tensor([[[1, 2], [3, 4]]], { dtype: 'float32' }), v = tensor([[[1], [2]]], { dtype: 'float32' });
    const y = flatValues(sdpa(q, k, v));
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Number.isFinite(y[1]!)).toBe(true);
  });

  it('without grad mode the result requires no grad; integer-free float32 result', () => {
    const q = leaf([2, 3], 26);
    const y = noGrad(() => sdpa(q, q, q));
    expect(y.requiresGrad).toBe(false);
    expect(y.dtype).toBe('float32');
  });
});

describe.runIf(process.env.WASMGRAD_BACKEND !== 'js')('the WebAssembly kernels against the js reference kernels', () => {
  it('outputs and gradients agree at tile edges, with masks and causal', () => {
    const q = leaf([3, 21, 9], 60), k = leaf([3, 133, 9], 61), v = leaf([3, 133, 10], 62);
    manualSeed(63);
    const mask = rand([3, 21, 1]).gt(0.2).logicalAnd(rand([133]).gt(0.1));
    for (const args of [[], [mask], [null, 0, true], [randn([21, 133])]] as unknown[][]) {
      const run = () => valueAndGrads(() => (sdpa as (...a: unknown[]) => Tensor)(q, k, v, ...args), [q, k, v]);
      const before = getBackend();
      const w = run();
      setBackend('js');
      try {
        const j = run();
        w.forEach((t, i) => expectNear(t, j[i]!, `wasm vs js ${i}`, 1e-5));
      } finally {
        setBackend(before);
      }
    }
  });
});

describe('gradcheck', () => {
  it('plain, causal, masked, odd sizes', () => {
    checkOp('sdpa', (q, k, v) => sdpa(q!, k!, v!), [[2, 3, 4], [2, 5, 4], [2, 5, 3]]);
    checkOp('sdpa causal 17', (q, k, v) => sdpa(q!, k!, v!, null, 0, true), [[1, 17, 3], [1, 17, 3], [1, 17, 2]]);
    checkOp('sdpa 1x1', (q, k, v) => sdpa(q!, k!, v!), [[1, 1], [1, 1], [1, 1]]);
    const mask = tensor([[true, false, true], [false, false, true]]).reshape([1, 2, 3]);
    checkOp('sdpa bool mask', (q, k, v) => sdpa(q!, k!, v!, mask), [[2, 2, 4], [2, 3, 4], [2, 3, 2]]);
    checkOp('sdpa float mask grad', (q, k, v, m) => sdpa(q!, k!, v!, m!), [[2, 2, 4], [2, 3, 4], [2, 3, 2], [2, 3]]);
    checkOp('sdpa broadcast batch', (q, k, v) => sdpa(q!, k!, v!, { scale: 0.5 }), [[2, 1, 3, 4], [3, 5, 4], [1, 5, 2]]);
  });

  it('non-contiguous inputs', () => {
    checkOp('sdpa non-contiguous', (q, k, v) => sdpa(q!, k!, v!, null, 0, true), [[2, 3, 4], [2, 3, 4], [2, 3, 5]], { nonContiguous: true });
  });

  it('second order (the backward records a graph)', () => {
    checkGradGrad('sdpa', (q, k, v) => sdpa(q!, k!, v!), [[1, 2, 3], [1, 3, 3], [1, 3, 2]]);
    const mask = tensor([[true, false, true], [true, true, false]]);
    checkGradGrad('sdpa masked', (q, k, v) => sdpa(q!, k!, v!, mask), [[1, 2, 3], [1, 3, 3], [1, 3, 2]]);
    checkGradGrad('sdpa causal', (q, k, v) => sdpa(q!, k!, v!, null, 0, true), [[1, 3, 2], [1, 3, 2], [1, 3, 2]]);
  });
});

interface Fixture {
  cases: Record<string, TorchCase & { opts: Record<string, unknown> }>;
}
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/attention/cases.json', import.meta.url), 'utf8')) as Fixture;

describe('against PyTorch (the math path formula, computed with torch 1.13)', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      expectTorchCase(name, c, (q, k, v, mask) => sdpa(q!, k!, v!, { attnMask: mask ?? null, ...c.opts }), 2e-5);
    });
  }
});

describe('dropout', () => {
  it('dropoutP > 0 drops attention weights (always, as PyTorch), reproducibly with manualSeed', () => {
    const q = leaf([2, 4, 3], 30), k = leaf([2, 5, 3], 31), v = leaf([2, 5, 2], 32);
    manualSeed(5);
    const a = sdpa(q, k, v, null, 0.5);
    manualSeed(5);
    const b = sdpa(q, k, v, null, 0.5);
    expect(flatValues(a)).toEqual(flatValues(b));
    expect(flatValues(a)).not.toEqual(flatValues(sdpa(q, k, v)));
    expect(flatValues(sdpa(q, k, v, null, 1))).toEqual(new Array(16).fill(0));
    const [, gq] = valueAndGrads(() => sdpa(q, k, v, null, 0.3, true), [q]);
    expect(flatValues(gq!).every(Number.isFinite)).toBe(true);
  });
});

describe('errors (thrown before any kernel runs)', () => {
  const q = zeros([2, 3, 4]), k = zeros([2, 5, 4]), v = zeros([2, 5, 6]);
  it('shape mismatches name the shapes', () => {
    expect(thrown(() => sdpa(q, zeros([2, 5, 3]), v)).message).toMatch(/scaledDotProductAttention: .*query \[2, 3, 4\] and key \[2, 5, 3\]/);
    expect(thrown(() => sdpa(q, k, zeros([2, 4, 6]))).message).toMatch(/key \[2, 5, 4\] and value \[2, 4, 6\]/);
    expect(thrown(() => sdpa(q, zeros([3, 5, 4]), zeros([3, 5, 6]))).message).toMatch(/batch dims .* do not broadcast/);
    expect(thrown(() => sdpa(q, k, v, zeros([4, 5], { dtype: 'bool' }).logicalNot())).message).toMatch(/attnMask of shape \[4, 5\] does not broadcast to .*\[2, 3, 5\]/);
    expect(thrown(() => sdpa(q, k, v, zeros([3, 1, 1]))).message).toMatch(/attnMask of shape \[3, 1, 1\]/);
    expect(thrown(() => sdpa(zeros([4]), zeros([4]), zeros([4]))).message).toMatch(/query must have at least 2 dims/);
    expect(thrown(() => sdpa(zeros([1, 3, 2, 4]), zeros([1, 2, 5, 4]), zeros([1, 2, 5, 4]), { enableGqa: true })).message).toMatch(/multiple/);
  });
  it('isCausal with a mask, bad dtypes, bad values', () => {
    const e = thrown(() => sdpa(q, k, v, zeros([3, 5]), 0, true));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/attnMask must not be set when isCausal/);
    expect(thrown(() => sdpa(zeros([2, 3], { dtype: 'int32' }), k, v)).message).toMatch(/query must be a float32 tensor, got int32/);
    expect(thrown(() => sdpa(q, k, zeros([2, 5, 6], { dtype: 'int32' }))).message).toMatch(/value must be a float32/);
    expect(thrown(() => sdpa(q, k, v, zeros([3, 5], { dtype: 'int32' }))).message).toMatch(/attnMask must be a bool or float32/);
    expect(thrown(() => sdpa(q, k, v, null, 1.5))).toBeInstanceOf(RangeError);
    expect(thrown(() => sdpa(q, k, v, null, 0, 1 as unknown as boolean)).message).toMatch(/isCausal must be a boolean/);
    expect(thrown(() => sdpa(q, k, v, { scale: 'x' as unknown as number })).message).toMatch(/scale must be a number or null/);
    expect(thrown(() => sdpa(q, k, v, [1] as unknown as Tensor)).message).toMatch(/attnMask must be a Tensor or null/);
    expect(thrown(() => sdpa(q, 1 as unknown as Tensor, v)).message).toMatch(/key must be a Tensor/);
  });
  it('unknown options throw naming the key, with the camelCase hint', () => {
    expect(thrown(() => sdpa(q, k, v, { is_causal: true } as never)).message).toMatch(/scaledDotProductAttention: unknown option 'is_causal' \(PyTorch's is_causal is isCausal here\)/);
    expect(thrown(() => sdpa(q, k, v, { dropout: 0.1 } as never)).message).toMatch(/unknown option 'dropout'/);
    expect(thrown(() => sdpa(q, k, v, null, 0, false, true as never)).message).toMatch(/at most 3 positional/);
    expect(thrown(() => sdpa(q, k, v, null, 0.1, { dropoutP: 0.2 })).message).toMatch(/both as positional argument and as option/);
  });
});

// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const wasmThreads = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';

describe.runIf(wasmThreads)('threads', () => {
  it('2 threads give the bits of 1 thread (split over batch x heads), forward and backward', async () => {
    await init({ threads: 2 });
    const q = leaf([3, 2, 33, 8], 40), k = leaf([3, 2, 17, 8], 41), v = leaf([3, 2, 17, 5], 42);
    manualSeed(43);
    const mask = rand([3, 1, 33, 17]).gt(0.3);
    const run = () => [
      ...valueAndGrads(() => sdpa(q, k, v, mask), [q, k, v]),
      ...valueAndGrads(() => sdpa(q, k, v, null, 0, true), [q, k, v]),
    ].map((t) => Array.from(new Int32Array((t.contiguous().toArray() as Float32Array).slice().buffer)));
    const none = { elements: Infinity, convMacs: Infinity, gemmMacs: Infinity, gemmMacsSpinning: Infinity, elementsSpinning: Infinity };
    const old = setSplitThresholds(none);
    try {
      const single = run();
      setSplitThresholds({ ...none, gemmMacs: 1, gemmMacsSpinning: 1 });
      const before = (threads.parallelCalls.get('attention_forward_f32') ?? 0) + (threads.parallelCalls.get('attention_backward_f32') ?? 0);
      const split = run();
      const after = (threads.parallelCalls.get('attention_forward_f32') ?? 0) + (threads.parallelCalls.get('attention_backward_f32') ?? 0);
      expect(after - before).toBe(4);
      split.forEach((bits, i) => expect(bits, `result ${i}`).toEqual(single[i]));
    } finally {
      setSplitThresholds(old);
    }
  });
});
