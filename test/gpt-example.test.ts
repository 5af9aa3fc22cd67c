/**
 * The GPT of `npm run example:gpt` (examples/gpt/model.ts) against a nanoGPT-style model in PyTorch 1.13
 * (test/fixtures/gpt/gen.py): PyTorch's state dict loads strictly by name, the logits, the loss and every
 * parameter's gradient agree, our state dict has exactly PyTorch's keys and shapes (so it loads into
 * PyTorch by name), the head stays tied to the token embedding, and generation respects topK.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor, type Tensor } from '../src/index.js';
import { GPT } from '../examples/gpt/model.js';
import { expectClose } from './helpers.js';

interface Arr { shape: number[]; values: number[] }
const fx = JSON.parse(readFileSync(new URL('./fixtures/gpt/cases.json', import.meta.url), 'utf8')) as {
  config: { vocabSize: number; blockSize: number; nLayer: number; nHead: number; nEmbd: number };
  stateDict: Record<string, Arr>; idx: Arr; targets: Arr; logits: Arr; loss: number; grads: Record<string, Arr>;
};
const floats = (a: Arr): Tensor => tensor(a.values, { dtype: 'float32' }).reshape(a.shape);
const ints = (a: Arr): Tensor => tensor(a.values, { dtype: 'int32' }).reshape(a.shape);
const model = (): GPT => new GPT({ ...fx.config, dropout: 0, bias: true });

describe('examples/gpt: the GPT against a nanoGPT-style PyTorch model', () => {
  it('state-dict keys and shapes are PyTorch\'s exactly', () => {
    const ours = Object.entries(model().stateDict()).map(([k, t]) => [k, t.shape]);
    expect(ours).toEqual(Object.entries(fx.stateDict).map(([k, a]) => [k, a.shape]));
  });

  it('loads PyTorch\'s weights strictly; logits, loss and gradients agree', () => {
    const m = model();
    m.loadStateDict(Object.fromEntries(Object.entries(fx.stateDict).map(([k, a]) => [k, floats(a)])));
    expect(m.lm_head.weight).toBe(m.transformer.wte.weight); // still tied after loading
    const [logits, loss] = m.forward(ints(fx.idx), ints(fx.targets));
    expectClose(logits, fx.logits.values, { atol: 2e-5, rtol: 1e-4 });
    expect(loss!.item()).toBeCloseTo(fx.loss, 5);
    loss!.backward();
    const params = new Map(m.namedParameters());
    expect([...params.keys()].sort()).toEqual(Object.keys(fx.grads).sort());
    for (const [k, g] of Object.entries(fx.grads)) expectClose(params.get(k)!.grad!, g.values, { atol: 2e-5, rtol: 1e-3 });
  });

  it('generate: appends tokens, samples only among the topK most likely', () => {
    manualSeed(3);
    const m = model();
    m.eval();
    const start = tensor([[1, 2, 3]], { dtype: 'int32' });
    const out = noGrad(() => m.generate(start, 12, 1, 1)); // topK 1: greedy, so deterministic
    expect(out.shape).toEqual([1, 15]);
    expect(out.narrow(1, 0, 3).tolist()).toEqual([[1, 2, 3]]);
    // greedy decoding: each new token is the argmax of the logits of its prefix
    const ids = out.tolist() as number[][];
    for (let t = 3; t < 15; t++) {
      const prefix = tensor([ids[0]!.slice(Math.max(0, t - fx.config.blockSize), t)], { dtype: 'int32' });
      const last = noGrad(() => m.forward(prefix)[0]);
      expect(last.argmax().item(), `token ${t}`).toBe(ids[0]![t]);
    }
  });
});
