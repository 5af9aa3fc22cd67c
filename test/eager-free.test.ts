/**
 * Memory the library frees without waiting for a garbage collection: gradients zeroGrad() drops that never
 * left the library, and Sequential's intermediates once the graph no longer needs them. Collections are
 * switched off while measuring, so every byte counted as freed was freed eagerly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { F, manualSeed, memory, nn, noGrad, optim, randint, randn, sum, type Tensor } from '../src/index.js';
import { heap } from '../src/backends/memory.js';

let savedCollect: (() => void) | null = null;
beforeEach(() => {
  savedCollect = heap.collect;
  heap.collect = null;
});
afterEach(() => {
  heap.collect = savedCollect;
});

const inUse = (): number => memory().bytesInUse;

function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(64, 48), new nn.ReLU(), new nn.Linear(48, 32), new nn.Tanh(), new nn.Linear(32, 5));
}

/**
 * Runs training steps (forward, cross-entropy, backward, update) and expects the memory in use to grow by
 * exactly what user code holds from them, the outputs and losses: collections are off, so anything else
 * left to the garbage collector would be counted.
 */
function expectStepsLeaveOnlyOutputs(model: nn.Module, opt: optim.Optimizer, x: Tensor, y: Tensor): void {
  const held: Tensor[] = [];
  const step = (): void => {
    const out = model.forward(x);
    const loss = F.crossEntropy(out, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    held.push(out, loss);
  };
  step();
  const base = inUse();
  const heldBefore = held.length;
  for (let i = 0; i < 10; i++) step();
  expect(inUse() - base).toBe(held.slice(heldBefore).reduce((s, t) => s + t.storage.blockBytes, 0));
}

/** The same network as plain function calls (no Sequential): the reference for values and gradients. */
function byHand(model: nn.Sequential, x: Tensor): Tensor {
  const [l1, , l2, , l3] = [...model] as nn.Linear[];
  return F.linear(F.linear(F.relu(F.linear(x, l1!.weight, l1!.bias)), l2!.weight, l2!.bias).tanh(), l3!.weight, l3!.bias);
}

describe('gradients dropped by zeroGrad()', () => {
  it('are freed at once when user code never read them', () => {
    manualSeed(1);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn(16, 64);
    const y = randint(0, 5, [16]);
    F.crossEntropy(model.forward(x), y).backward();
    const gradBytes = model.parameters().reduce((s, p) => s + p.numel() * 4, 0);
    const before = inUse();
    opt.zeroGrad();
    // each gradient's block is at least its bytes (size classes round up)
    expect(before - inUse()).toBeGreaterThanOrEqual(gradBytes);
    for (const p of model.parameters()) expect(p.grad).toBeNull();
  });

  it('stay valid when user code holds them (read through .grad before zeroGrad)', () => {
    manualSeed(2);
    const model = mlp();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = randn(8, 64);
    const y = randint(0, 5, [8]);
    F.crossEntropy(model.forward(x), y).backward();
    const held = model.parameters().map((p) => p.grad!);
    const copies = held.map((g) => g.toArray());
    opt.step();
    opt.zeroGrad();
    model.zeroGrad();
    for (let i = 0; i < 3; i++) {
      F.crossEntropy(model.forward(x), y).backward(); // new gradients must not land in the held blocks
      opt.step();
      opt.zeroGrad();
    }
    held.forEach((g, i) => expect(g.toArray()).toEqual(copies[i]));
  });

  it('Module.zeroGrad() frees them too, and zeroGrad(false) keeps zeroed tensors', () => {
    manualSeed(3);
    const model = mlp();
    F.crossEntropy(model.forward(randn(4, 64)), randint(0, 5, [4])).backward();
    const w = model.parameters()[0]!;
    let before = inUse();
    model.zeroGrad(false);
    expect(inUse()).toBe(before);
    expect(w.grad!.abs().sum().item()).toBe(0);
    before = inUse();
    model.zeroGrad(); // w.grad was read just above: that one is the user's now, only the others are freed
    expect(inUse()).toBeLessThan(before);
    expect(before - inUse()).toBeLessThan(model.parameters().reduce((s, p) => s + p.numel() * 4, 0) + 1024);
  });
});

describe('Sequential intermediates', () => {
  it('give the same values and gradients as the same layers called by hand', () => {
    manualSeed(4);
    const model = mlp();
    const x = randn(8, 64, { requiresGrad: true });
    const out = model.forward(x);
    sum(out.mul(out)).backward();
    const seqGrads = [x.grad!.toArray(), ...model.parameters().map((p) => p.grad!.toArray())];
    x.grad = null;
    model.zeroGrad();
    const ref = byHand(model, x);
    expect(out.toArray()).toEqual(ref.toArray());
    sum(ref.mul(ref)).backward();
    const refGrads = [x.grad!.toArray(), ...model.parameters().map((p) => p.grad!.toArray())];
    refGrads.forEach((g, i) => expect(seqGrads[i]).toEqual(g));
  });

  it('are freed once backward has used them: a training step leaves nothing behind', () => {
    manualSeed(5);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn(32, 64);
    const y = randint(0, 5, [32]);
    const step = (): void => {
      const loss = F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    };
    step();
    opt.zeroGrad();
    const base = inUse();
    for (let i = 0; i < 20; i++) step();
    opt.zeroGrad();
    // 20 steps without a collection: only the losses and logits (held by nothing but garbage) remain
    const perStep = (inUse() - base) / 20;
    expect(perStep).toBeLessThan(32 * 5 * 4 * 4 + 1024);
  });

  it('are freed at once under noGrad', () => {
    manualSeed(6);
    const model = mlp();
    const x = randn(64, 64);
    const base = inUse();
    const out = noGrad(() => model.forward(x));
    expect(inUse() - base).toBeLessThanOrEqual(64 * 5 * 4 + 64);
    expect(out.shape).toEqual([64, 5]);
  });

  it('survive retainGraph: a second backward gives the same gradients, then they are freed', () => {
    manualSeed(7);
    const model = mlp();
    const x = randn(8, 64);
    const loss = model.forward(x).pow(2).sum();
    loss.backward({ retainGraph: true });
    const first = model.parameters().map((p) => p.grad!.toArray());
    model.zeroGrad();
    loss.backward();
    model.parameters().forEach((p, i) => expect(p.grad!.toArray()).toEqual(first[i]));
    expect(() => loss.backward()).toThrow(/second time/);
  });

  it('are left to the garbage collector when a module may keep them (custom or subclassed layers)', () => {
    class Keeper extends nn.Module {
      kept: Tensor | null = null;
      override forward(x: Tensor): Tensor {
        this.kept = x;
        return x.mul(2);
      }
    }
    class MyLinear extends nn.Linear {
      last: Tensor | null = null;
      override forward(x: Tensor): Tensor {
        this.last = x;
        return super.forward(x);
      }
    }
    manualSeed(8);
    const keeper = new Keeper();
    const mine = new MyLinear(16, 8);
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), keeper, mine, new nn.ReLU());
    const loss = model.forward(randn(4, 8)).sum();
    loss.backward();
    expect(keeper.kept!.isDisposed).toBe(false);
    expect(mine.last!.isDisposed).toBe(false);
    expect(keeper.kept!.toArray()).toHaveLength(64);
    expect(mine.last!.toArray()).toHaveLength(64);
  });

  it('Dropout in training frees its mask once backward has used it (and at once under noGrad)', () => {
    manualSeed(8);
    const model = new nn.Sequential(new nn.Linear(64, 48), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(48, 5));
    const x = randn(32, 64);
    // a mask (32 x 48 floats) left to the collector would be counted once per step
    expectStepsLeaveOnlyOutputs(model, new optim.SGD(model.parameters(), { lr: 0.1 }), x, randint(0, 5, [32]));
    const before = inUse();
    const masked = noGrad(() => F.dropout(x, 0.5));
    expect(inUse() - before).toBe(masked.storage.blockBytes);
  });

  it('conv2d and maxPool2d free their own tensors (indices, contiguous copies) once backward has used them', () => {
    manualSeed(12);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(4 * 4 * 4, 5),
    );
    // a transposed (non-contiguous) batch: conv2d saves a contiguous copy of it
    const x = randn(8, 1, 8, 8).transpose(2, 3);
    // pooling indices (8 x 4 x 4 x 4 int32) or a copy of x left behind would be counted once per step
    expectStepsLeaveOnlyOutputs(model, new optim.Adam(model.parameters(), { lr: 0.01 }), x, randint(0, 5, [8]));
    const before = inUse();
    const pooled = noGrad(() => F.maxPool2d(x, 2));
    expect(inUse() - before).toBe(pooled.storage.blockBytes);
  });

  it('Dropout in eval mode and Flatten views pass through correctly', () => {
    manualSeed(9);
    const model = new nn.Sequential(new nn.Linear(12, 12), new nn.Dropout(0.5), new nn.Flatten(), new nn.ReLU(), new nn.Linear(12, 3));
    model.eval();
    const x = randn(5, 12, { requiresGrad: true });
    const out = model.forward(x);
    const [l1, , , , l2] = [...model] as nn.Linear[];
    const ref = F.linear(F.relu(F.linear(x, l1!.weight, l1!.bias)), l2!.weight, l2!.bias);
    expect(out.toArray()).toEqual(ref.toArray());
    out.sum().backward();
    expect(x.grad!.shape).toEqual([5, 12]);
  });

  it('second derivatives through a Sequential (createGraph) still work', () => {
    manualSeed(10);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1));
    const x = randn(2, 3, { requiresGrad: true });
    const y = model.forward(x).sum();
    y.backward({ createGraph: true });
    const gx = x.grad!;
    x.grad = null;
    gx.pow(2).sum().backward();
    expect(x.grad!.toArray().every(Number.isFinite)).toBe(true);
  });
});

describe('loss functions', () => {
  type Step = (out: Tensor, y: Tensor, target: Tensor) => Tensor[];
  const losses: [string, Step][] = [
    ['crossEntropy (mean)', (out, y) => [F.crossEntropy(out, y)]],
    ['crossEntropy (sum)', (out, y) => [F.crossEntropy(out, y, { reduction: 'sum' })]],
    ['nllLoss of logSoftmax', (out, y) => { const lp = out.logSoftmax(1); return [lp, F.nllLoss(lp, y)]; }],
    ['mseLoss', (out, _y, target) => [F.mseLoss(out, target)]],
    ['l1Loss', (out, _y, target) => [F.l1Loss(out, target)]],
  ];
  it.each(losses)('%s frees its own intermediates: a training step leaves only what user code holds', (_name, lossOf) => {
    manualSeed(11);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn(32, 64);
    const y = randint(0, 5, [32]);
    const target = randn(32, 5);
    const held: Tensor[] = [];
    const step = (): void => {
      const out = model.forward(x);
      const made = lossOf(out, y, target);
      opt.zeroGrad();
      made[made.length - 1]!.backward();
      opt.step();
      held.push(out, ...made);
    };
    step();
    const base = inUse();
    const heldBefore = held.length;
    for (let i = 0; i < 10; i++) step();
    // collections are off: every block not freed eagerly is still counted
    const heldBytes = held.slice(heldBefore).reduce((s, t) => s + t.storage.blockBytes, 0);
    expect(inUse() - base).toBe(heldBytes);
    expect(held.every((t) => !t.isDisposed)).toBe(true);
  });

  it('reduction none returns the per-element loss untouched, and noGrad frees the rest at once', () => {
    manualSeed(12);
    const logits = randn(6, 4, { requiresGrad: true });
    const y = randint(0, 4, [6]);
    const none = F.crossEntropy(logits, y, { reduction: 'none' });
    const mean = F.crossEntropy(logits, y);
    expect(none.isDisposed).toBe(false);
    expect(mean.item()).toBeCloseTo(none.sum().item() / 6, 5);
    const target = logits.detach().add(1);
    const base = inUse();
    const l = noGrad(() => F.mseLoss(logits, target));
    expect(l.item()).toBeCloseTo(1, 6);
    expect(inUse() - base).toBe(l.storage.blockBytes);
  });
});


describe('fused attention', () => {
  it('frees its copies of strided heads and its transposed keys and values once backward has used them', () => {
    manualSeed(13);
    const B = 2, T = 5, H = 3, D = 4, C = H * D;
    // q, k, v as GPT makes them: split from one projection, then (B, T, H, D) -> (B, H, T, D): not contiguous
    const qkv = randn(B, T, 3 * C).requiresGrad_();
    const step = (): Tensor => {
      const [q, k, v] = qkv.split(C, 2).map((t) => t.view(B, T, H, D).transpose(1, 2));
      const y = F.scaledDotProductAttention(q!, k!, v!, null, 0, true);
      y.backward(y.detach());
      qkv.grad!.zero_();
      return y;
    };
    step();
    const before = inUse();
    const y = step();
    // only the output stays (the views share qkv's memory; qkv.grad is accumulated in place)
    expect(inUse() - before).toBe(y.storage.blockBytes);
  });
});
