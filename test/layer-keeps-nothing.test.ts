/**
 * Module.keepsNothing(): the built-in layers whose forward keeps no reference to its input or output say
 * so themselves (nn.Sequential frees intermediates between such layers early); anything else, including a
 * subclass or an instance that replaces forward, keeps the safe default, false.
 */
import { describe, expect, it } from 'vitest';
import { nn, type Tensor } from '../src/index.js';

describe('Module.keepsNothing', () => {
  const builtIn: [string, nn.Module][] = [
    ['Linear', new nn.Linear(3, 2)], ['Identity', new nn.Identity()], ['Conv2d', new nn.Conv2d(1, 2, 3)],
    ['ReLU', new nn.ReLU()], ['LeakyReLU', new nn.LeakyReLU()], ['GELU', new nn.GELU()], ['Sigmoid', new nn.Sigmoid()],
    ['Tanh', new nn.Tanh()], ['Softmax', new nn.Softmax(1)], ['LogSoftmax', new nn.LogSoftmax(1)],
    ['Dropout', new nn.Dropout()], ['Flatten', new nn.Flatten()], ['BatchNorm1d', new nn.BatchNorm1d(3)],
    ['BatchNorm2d', new nn.BatchNorm2d(3)], ['LayerNorm', new nn.LayerNorm(3)], ['MaxPool2d', new nn.MaxPool2d(2)],
    ['AvgPool2d', new nn.AvgPool2d(2)],
  ];
  it.each(builtIn)('%s keeps nothing', (_, m) => {
    expect(m.keepsNothing()).toBe(true);
  });

  it('is false by default, and in a subclass or an instance that replaces forward', () => {
    class Custom extends nn.Module {
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    class Saving extends nn.Linear {
      saved: Tensor | null = null;
      override forward(x: Tensor): Tensor {
        this.saved = x;
        return super.forward(x);
      }
    }
    class Renamed extends nn.Linear {}
    expect(new Custom().keepsNothing()).toBe(false);
    expect(new Saving(3, 2).keepsNothing()).toBe(false);
    expect(new Renamed(3, 2).keepsNothing()).toBe(true); // same forward: keeps nothing either
    const patched = new nn.ReLU();
    patched.forward = (x: Tensor) => x;
    expect(patched.keepsNothing()).toBe(false);
    expect(new nn.Embedding(4, 2).keepsNothing()).toBe(false);
    expect(new nn.Sequential(new nn.ReLU()).keepsNothing()).toBe(false);
  });
});
