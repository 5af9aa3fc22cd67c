/**
 * Optimizer state in safetensors: an Adam state written and read back continues exactly like the
 * original optimizer, and files without optimizer metadata are rejected.
 */
import { describe, expect, it } from 'vitest';
import {
  manualSeed, nn, optim, randn, readSafetensorsHeader, readSafetensorsMetadata,
  optimizerStateFromSafetensors, optimizerStateToSafetensors, SafetensorsError, toSafetensors, type Tensor,
} from '../src/index.js';

function trainSteps(model: nn.Module, opt: optim.Optimizer, x: Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    model.forward(x).pow(2).mean().backward();
    opt.step();
  }
}

describe('optimizer state in safetensors', () => {
  it('Adam state round-trips: a restored optimizer continues exactly like the original', () => {
    manualSeed(3);
    const x = randn(8, 5);
    const a = new nn.Linear(5, 3);
    const b = new nn.Linear(5, 3);
    b.loadStateDict(a.stateDict());
    const optA = new optim.Adam(a.parameters(), { lr: 0.01, amsgrad: true });
    trainSteps(a, optA, x, 3);
    const bytes = optimizerStateToSafetensors(optA.stateDict(), { note: 'test' });
    const header = readSafetensorsHeader(bytes);
    const names = Object.keys(header.tensors).sort();
    expect(names).toEqual(['optim.0.exp_avg', 'optim.0.exp_avg_sq', 'optim.0.max_exp_avg_sq', 'optim.1.exp_avg', 'optim.1.exp_avg_sq', 'optim.1.max_exp_avg_sq']);
    const meta = readSafetensorsMetadata(bytes);
    expect(meta['note']).toBe('test');
    expect(JSON.parse(meta['optim.param_groups']!)[0].lr).toBe(0.01);
    expect(JSON.parse(meta['optim.state_scalars']!)['0'].step).toBe(3);

    b.loadStateDict(a.stateDict());
    const optB = new optim.Adam(b.parameters(), { lr: 0.5 });
    optB.loadStateDict(optimizerStateFromSafetensors(bytes));
    trainSteps(a, optA, x, 2);
    trainSteps(b, optB, x, 2);
    expect(b.weight.toArray()).toEqual(a.weight.toArray());
  });

  it('rejects files without optimizer metadata', () => {
    const bytes = toSafetensors({ w: randn(2) });
    expect(() => optimizerStateFromSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => optimizerStateFromSafetensors(bytes)).toThrow(/no optimizer metadata/);
  });
});
