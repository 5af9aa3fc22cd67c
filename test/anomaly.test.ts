/**
 * Anomaly detection (detectAnomaly / setDetectAnomaly): the op that first makes a NaN in forward, the
 * backward function that first returns one, the forward stack in the message, and the mode's scoping
 * (restored after throws, nesting, promises). Runs under both backends like every test file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Tensor, tensor, ones, noGrad, matmul, memory, detectAnomaly, setDetectAnomaly, isAnomalyEnabled, F, nn,
} from '../src/index.js';
import { thrown } from './helpers.js';

afterEach(() => setDetectAnomaly(false));


/** The line this is called from in this file (to check that stacks point at the op's call site). */
function callerLine(): number {
  const frame = new Error().stack!.split('\n')[2]!;
  const m = /anomaly\.test\.ts:(\d+):\d+/.exec(frame);
  if (m === null) throw new Error(`no line in ${frame}`);
  return Number(m[1]);
}

/** Every value of t is NaN / none is. */
const allNaN = (t: Tensor): boolean => Array.from(t.toArray()).every(Number.isNaN);

describe('forward: the op that makes a NaN is named', () => {
  const cases: [string, () => Tensor, string][] = [
    ['log(-1)', () => tensor([2, -1, 3]).log(), 'log produced NaN in its output (shape [3], first at index [1]) from inputs without NaN'],
    ['sqrt(-1)', () => tensor([[4, 1], [-1, 9]]).sqrt(), 'sqrt produced NaN in its output (shape [2, 2], first at index [1, 0]) from inputs without NaN'],
    ['0 / 0', () => tensor([1, 0]).div(tensor([1, 0])), 'div produced NaN in its output (shape [2], first at index [1]) from inputs without NaN'],
    ['inf - inf', () => tensor([Infinity]).sub(tensor([Infinity])), 'sub produced NaN in its output (shape [1], first at index [0]) from inputs without NaN'],
    ['inf + -inf (scalar operand)', () => tensor([1, -Infinity]).add(Infinity), 'add produced NaN in its output (shape [2], first at index [1])'],
    ['0 * inf', () => tensor([0, 1]).mul(Infinity), 'mul produced NaN in its output (shape [2], first at index [0])'],
    ['(-1) ** 0.5', () => tensor([1, -1]).pow(0.5), 'pow produced NaN in its output (shape [2], first at index [1])'],
    ['(-8) ** tensor(1/3)', () => tensor([-8]).pow(tensor([1 / 3])), 'pow produced NaN'],
    ['inf * 0 in a matrix product', () => matmul(tensor([[1, 2], [Infinity, 1]]), tensor([[0], [1]])), 'mm produced NaN in its output (shape [2, 1], first at index [1, 0])'],
    ['sum of inf and -inf', () => tensor([[Infinity, -Infinity], [1, 2]]).sum(1), 'sum produced NaN in its output (shape [2], first at index [0])'],
  ];
  for (const [what, op, message] of cases) {
    it(`${what}: without grad, with grad and inside noGrad`, () => {
      expect(Array.from(op().toArray()).some(Number.isNaN)).toBe(true); // mode off: the NaN, no error
      expect(thrown(() => detectAnomaly(op)).message).toContain(`detectAnomaly: ${message}`);
      expect(thrown(() => detectAnomaly(() => noGrad(op))).message).toContain(message);
    });
  }

  it('ops on tensors that require grad are checked, and the message names the op that made the NaN', () => {
    const x = tensor([1, -1], { requiresGrad: true });
    const e = thrown(() => detectAnomaly(() => x.mul(2).log().exp()));
    expect(e.message).toBe('detectAnomaly: log produced NaN in its output (shape [2], first at index [1]) from inputs without NaN');
  });

  it('the error stack points at the line that called the op', () => {
    let line = 0;
    const e = thrown(() => detectAnomaly(() => [line = callerLine(), tensor([-1]).sqrt()]));
    expect(e.stack).toContain(`anomaly.test.ts:${line}:`);
  });

  it('composite ops name the primitive that made the NaN: crossEntropy on an infinite logit, layerNorm', () => {
    const logits = tensor([[0, 1, 2], [Infinity, 0, 0]], { requiresGrad: true });
    const target = tensor([2, 0], { dtype: 'int32' });
    expect(thrown(() => detectAnomaly(() => F.crossEntropy(logits, target))).message).toContain(
      'crossEntropy produced NaN in its output (shape [2], first at index [1])',
    );
    const ln = new nn.LayerNorm(3);
    const e = thrown(() => detectAnomaly(() => ln.forward(tensor([[1, 2, 3], [1, Infinity, 3]]))));
    expect(e.message).toContain('sub produced NaN in its output (shape [2, 3], first at index [1, 1])');
    expect(e.stack).toMatch(/normalization\.ts/);
  });

  it('Infinity is not an anomaly', () => {
    detectAnomaly(() => {
      expect(tensor([0]).log().item()).toBe(-Infinity);
      expect(tensor([1000]).exp().item()).toBe(Infinity);
      expect(tensor([1]).div(tensor([0])).item()).toBe(Infinity);
    });
  });

  it('a NaN that came in is not blamed on the ops it flows through', () => {
    detectAnomaly(() => {
      const data = tensor([[NaN, 1], [2, 3]]);
      const y = data.t().mul(2).add(1).log().sum(0).exp(); // t(): a non-contiguous input holding the NaN
      expect(Number.isNaN(y.toArray()[0])).toBe(true);
      const w = tensor([[1], [1]], { requiresGrad: true });
      expect(Number.isNaN(matmul(data, w).sum().item())).toBe(true);
    });
    // made while the mode was off, then used with it on
    const made = tensor([-1]).log();
    detectAnomaly(() => expect(allNaN(made.mul(3))).toBe(true));
  });

  it('with the mode off NaN propagates silently, as in PyTorch', () => {
    expect(isAnomalyEnabled()).toBe(false);
    expect(allNaN(tensor([-1, -2]).log())).toBe(true);
    expect(allNaN(tensor([Infinity]).sub(Infinity))).toBe(true);
  });

  it('the failed output is released and the library keeps working', () => {
    const x = tensor(Array.from({ length: 4096 }, (_, i) => (i === 4000 ? -1 : i + 1)));
    const before = memory().bytesInUse;
    thrown(() => detectAnomaly(() => x.log()));
    expect(memory().bytesInUse).toBeLessThanOrEqual(before);
    detectAnomaly(() => expect(x.abs().log().toArray()[0]).toBe(0));
  });

  it('an in-place op that would write a NaN throws and leaves the tensor as it was', () => {
    const x = tensor([1, Infinity]);
    expect(thrown(() => detectAnomaly(() => x.sub_(Infinity))).message).toContain('sub produced NaN');
    expect(Array.from(x.toArray())).toEqual([1, Infinity]);
  });
});

describe('backward: the function that returns a NaN gradient is named', () => {
  it("sqrt at 0 times 0: 'SqrtBackward0' (0 / 0), with the stack of the sqrt call", () => {
    const x = tensor([4, 0], { requiresGrad: true });
    let line = 0;
    const e = thrown(() => detectAnomaly(() => {
      const y = [line = callerLine(), x.sqrt()][1] as Tensor;
      y.mul(0).sum().backward();
    }));
    expect(e.message).toContain("detectAnomaly: Function 'SqrtBackward0' returned nan values in its 0th output.");
    expect(e.message).toContain('The gradient has shape [2], first NaN at index [1].');
    expect(e.message).toMatch(new RegExp(`The forward call that created it:\\n(.*\\n)*.*anomaly\\.test\\.ts:${line}:`));
    expect(x.grad).toBeNull(); // stopped before reaching the leaf
  });

  it("pow(x, 0.5) at 0: 'PowBackward0' (0 * inf)", () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const e = thrown(() => detectAnomaly(() => x.pow(0.5).mul(0).sum().backward()));
    expect(e.message).toContain("Function 'PowBackward0' returned nan values in its 0th output.");
    expect(e.message).toContain('first NaN at index [0]');
  });

  it("the exponent's gradient of (-1) ** 2: 'PowBackward1' in its 1th output (the rule's log(-1) is not reported as a forward op)", () => {
    const x = tensor([-1], { requiresGrad: true });
    const p = tensor([2], { requiresGrad: true });
    const e = thrown(() => detectAnomaly(() => x.pow(p).sum().backward()));
    expect(e.message).toContain("Function 'PowBackward1' returned nan values in its 1th output.");
  });

  it('a NaN gradient passed to backward() is reported at the first node', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const e = thrown(() => detectAnomaly(() => x.mul(3).backward(tensor([1, NaN]))));
    expect(e.message).toContain("Function 'MulBackward0' returned nan values in its 0th output.");
    expect(e.message).toContain('first NaN at index [1]');
    // a non-contiguous gradient (SumBackward0 returns an expanded view) is searched too
    const e2 = thrown(() => detectAnomaly(() => ones(3, 2, { requiresGrad: true }).sum().backward(tensor(NaN))));
    expect(e2.message).toContain("Function 'SumBackward0' returned nan values in its 0th output.");
    expect(e2.message).toContain('The gradient has shape [3, 2], first NaN at index [0, 0].');
  });

  it('a graph built with the mode off has no forward stack to show', () => {
    const x = tensor([0], { requiresGrad: true });
    const loss = x.sqrt().mul(0).sum();
    const e = thrown(() => detectAnomaly(() => loss.backward()));
    expect(e.message).toContain("Function 'SqrtBackward0' returned nan values in its 0th output.");
    expect(e.message).toContain('No forward stack');
  });

  it('with the mode off the gradient is NaN silently', () => {
    const x = tensor([0], { requiresGrad: true });
    x.sqrt().mul(0).sum().backward();
    expect(allNaN(x.grad!)).toBe(true);
  });

  it('gradients without NaN are the same as with the mode off; createGraph works', () => {
    const run = (): number[] => {
      const x = tensor([0.5, -1.5, 2], { requiresGrad: true });
      const w = tensor([[1, -2, 0.5], [0.25, 1, -1]], { requiresGrad: true });
      const y = matmul(w, x.exp()).tanh().pow(2).sum();
      y.backward();
      return [...x.grad!.toArray(), ...w.grad!.toArray()];
    };
    expect(detectAnomaly(run)).toEqual(run());
    const x = tensor([3], { requiresGrad: true });
    detectAnomaly(() => {
      const y = x.pow(3);
      y.backward(null, { createGraph: true });
      const g = x.grad!;
      x.grad = null;
      g.backward();
    });
    expect(x.grad!.item()).toBeCloseTo(18, 5); // d2/dx2 x^3 = 6x
  });

  it('the library keeps working after a backward error', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    thrown(() => detectAnomaly(() => x.sqrt().mul(0).sum().backward()));
    detectAnomaly(() => x.mul(x).sum().backward());
    expect(Array.from(x.grad!.toArray())).toEqual([0, 2]);
  });
});

describe('mode scoping', () => {
  it('detectAnomaly restores the previous setting, also when fn throws; calls nest', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const r = detectAnomaly(() => {
      expect(isAnomalyEnabled()).toBe(true);
      detectAnomaly(() => expect(isAnomalyEnabled()).toBe(true));
      expect(isAnomalyEnabled()).toBe(true);
      return 42;
    });
    expect(r).toBe(42);
    expect(isAnomalyEnabled()).toBe(false);
    expect(() => detectAnomaly(() => { throw new RangeError('boom'); })).toThrow('boom');
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    thrown(() => detectAnomaly(() => tensor([-1]).log()));
    expect(isAnomalyEnabled()).toBe(true);
    expect(thrown(() => tensor([-1]).log()).message).toContain('log produced NaN'); // setDetectAnomaly alone
    setDetectAnomaly(false);
    expect(allNaN(tensor([-1]).log())).toBe(true);
  });

  it('an async fn keeps the mode until its promise settles', async () => {
    const p = detectAnomaly(async () => {
      await Promise.resolve();
      expect(isAnomalyEnabled()).toBe(true);
      return tensor([-1]).log();
    });
    expect(isAnomalyEnabled()).toBe(true);
    await expect(p).rejects.toThrow('log produced NaN');
    expect(isAnomalyEnabled()).toBe(false);
    await expect(detectAnomaly(async () => 7)).resolves.toBe(7);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('bad arguments are clear errors', () => {
    expect(() => setDetectAnomaly('yes' as unknown as boolean)).toThrow('setDetectAnomaly: expected a boolean, got string');
    expect(() => detectAnomaly(null as unknown as () => void)).toThrow('detectAnomaly: expected a function, got object');
    expect(isAnomalyEnabled()).toBe(false);
  });
});
