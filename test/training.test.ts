/**
 * Training on real MNIST digits: an MLP reaches >= 85% held-out accuracy, and a CNN's state dict
 * round-trips through safetensors reproducing identical outputs.
 */
import { describe, expect, it } from 'vitest';
import { data, F, fromSafetensors, manualSeed, nn, noGrad, optim, toSafetensors, type Tensor } from '../src/index.js';
import { loadDigits } from '../examples/mnist/dataset.js';

function accuracy(model: nn.Module, loader: data.DataLoader): number {
  let correct = 0, total = 0;
  noGrad(() => {
    for (const [x, y] of loader) {
      correct += model.forward(x!).argmax(1).eq(y!).sum().item();
      total += y!.shape[0]!;
    }
  });
  return correct / total;
}

describe('training on real MNIST digits', () => {
  const digits = loadDigits();

  it('an MLP trained on 1,000 digits reaches >= 85% on 1,000 held-out digits', () => {
    manualSeed(0);
    const all = new data.TensorDataset(digits.images, digits.labels);
    const [train, test] = data.randomSplit(all, [1000, 1000, all.length - 2000], { seed: 0 });
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    const loader = new data.DataLoader(train!, { batchSize: 32, shuffle: true, seed: 0 });
    for (let epoch = 0; epoch < 10; epoch++) {
      for (const [x, y] of loader) {
        opt.zeroGrad();
        F.crossEntropy(model.forward(x!), y!).backward();
        opt.step();
      }
    }
    model.eval();
    expect(accuracy(model, new data.DataLoader(test!, { batchSize: 500 }))).toBeGreaterThanOrEqual(0.85);
  });

  it('a CNN state dict round-trips through safetensors and reproduces identical outputs', () => {
    manualSeed(1);
    const make = () => new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(4 * 14 * 14, 10),
    );
    const a = make();
    const b = make();
    const x = digits.images.narrow(0, 0, 16);
    const bytes = toSafetensors(a.stateDict());
    b.loadStateDict(fromSafetensors(bytes));
    const ya: Tensor = noGrad(() => a.forward(x));
    const yb: Tensor = noGrad(() => b.forward(x));
    expect(yb.toArray()).toEqual(ya.toArray());
    expect(Object.keys(a.stateDict())).toEqual(['0.weight', '0.bias', '4.weight', '4.bias']);
  });
});
