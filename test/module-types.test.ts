/**
 * Modules are typed by their forward: nn.Module maps a Tensor to a Tensor, other forwards name their
 * signature (nn.Module<(x, h) => ...>), and forward/call/Sequential return those types, so a wrong method
 * on the result is a compile error (the @ts-expect-error lines fail `tsc` if it ever compiles again).
 */
import { describe, expect, it } from 'vitest';
import { nn, ones, type Tensor } from '../src/index.js';

class Cell extends nn.Module<(x: Tensor, h: Tensor) => [Tensor, Tensor]> {
  readonly lin = new nn.Linear(2, 2);
  override forward(x: Tensor, h: Tensor): [Tensor, Tensor] {
    const y = this.lin.forward(x).add(h).tanh();
    return [y, y];
  }
}

describe('typed forward', () => {
  it('forward and call are typed by the module', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    const y: Tensor = m.call(ones(1, 2));
    expect(y.shape).toEqual([1, 3]);
    // @ts-expect-error a Tensor has no notAMethod: forward is typed, not any
    expect(() => m.forward(ones(1, 2)).notAMethod()).toThrow(TypeError);
    const [h1, h2] = new Cell().call(ones(1, 2), ones(1, 2));
    expect(h1.shape).toEqual([1, 2]);
    expect(h2).toBe(h1);
    // @ts-expect-error Cell's forward takes two tensors
    expect(() => new Cell().call(ones(1, 2))).toThrow();
    const loss: Tensor = new nn.MSELoss().call(ones(2), ones(2));
    expect(loss.item()).toBe(0);
  });
  it('containers hold modules of any forward', () => {
    const list = new nn.ModuleList([new Cell(), new nn.Linear(2, 2), new nn.MSELoss()]);
    expect(list.length).toBe(3);
  });
});
