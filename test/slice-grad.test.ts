/**
 * The gradients of slices (narrow, select, split, chunk, unbind, indexing) are written by the engine into
 * the input's gradient slot (src/autograd/slice-grad.ts) rather than as zero-filled whole-input tensors
 * summed afterwards. Each program's gradient must equal the one computed with createGraph, where slices
 * still make their zero-filled gradients and slots are summed out of place.
 */
import { describe, expect, it } from 'vitest';
import { grad, memory, tensor, type Tensor } from '../src/index.js';
import { heap } from '../src/backends/memory.js';
import { uniformValues } from './helpers.js';

/** Full garbage collection and finalizers (what a long-running program gets eventually). */
const collect = () => heap.collect!();

type Program = (x: Tensor) => Tensor;

const programs: [string, number[], Program][] = [
  ['split into three, all used', [3, 12], (x) => {
    const [q, k, v] = x.split(4, 1) as [Tensor, Tensor, Tensor];
    return q.mul(k).sum().add(v.exp().sum());
  }],
  ['chunk, one piece unused', [4, 9], (x) => {
    const [a, , c] = x.chunk(3, 1) as [Tensor, Tensor, Tensor];
    return a.sin().sum().add(c.mul(c).sum());
  }],
  ['the whole input and slices of it, whole first', [5, 7], (x) => x.mul(2).sum().add(x.narrow(1, 2, 5).tanh().sum()).add(x.select(0, 1).sum())],
  ['slices first, then the whole input', [5, 7], (x) => x.narrow(0, 1, 3).exp().sum().add(x.select(1, -1).mul(3).sum()).add(x.square().sum())],
  ['overlapping slices', [6, 5], (x) => x.narrow(0, 0, 4).mul(x.narrow(0, 2, 4)).sum()],
  ['unbind, each row its own weight', [4, 6], (x) => x.unbind(0).map((r, i) => r.mul(i + 1).sin().sum()).reduce((a, b) => a.add(b))],
  ['a slice of a slice', [3, 8, 5], (x) => x.narrow(1, 1, 6).narrow(2, 1, 3).select(0, 2).exp().sum().add(x.narrow(1, 0, 2).sum())],
  ['split views reshaped and transposed (attention heads)', [2, 4, 12], (x) => {
    const [q, k, v] = x.split(4, 2).map((t) => t.reshape(2, 4, 2, 2).transpose(1, 2)) as [Tensor, Tensor, Tensor];
    return q.matmul(k.transpose(-2, -1)).softmax(-1).matmul(v).sum();
  }],
];

/**
 * The same values up to float32 rounding (createGraph differentiates some fused ops through composed tensor
 * ops, which round differently; a slice written to the wrong place is off by O(1)).
 */
function expectSameValues(a: Float32Array | Int32Array, b: Float32Array | Int32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)))) {
      throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
    }
  }
}

describe('gradients of slices written into the input gradient', () => {
  for (const [label, shape, f] of programs) {
    it(`${label}: backward equals the createGraph gradient`, () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const x = tensor(uniformValues(n, [-1, 1])).reshape(shape).detach().requiresGrad_();
      const [want] = grad(f(x), [x], { createGraph: true }) as [Tensor];
      f(x).backward();
      expectSameValues(x.grad!.toArray(), want.toArray());
      // the same through grad() without createGraph, and accumulated twice with retainGraph
      const [g] = grad(f(x), [x]) as [Tensor];
      expectSameValues(g.toArray(), want.toArray());
      x.grad = null;
      const y = f(x);
      y.backward(undefined, { retainGraph: true });
      y.backward();
      expectSameValues(x.grad!.toArray(), want.mul(2).toArray());
    });
  }

  it('a split projection trained for many steps: memory does not grow', async () => {
    const x = tensor(uniformValues(64 * 768, [-1, 1])).reshape(64, 768).detach().requiresGrad_();
    const step = (): void => {
      const [q, k, v] = x.split(256, 1) as [Tensor, Tensor, Tensor];
      q.mul(k).add(v).sum().backward();
      x.grad = null;
    };
    const settle = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 0));
      collect();
      return memory().bytesInUse;
    };
    step();
    const before = await settle();
    for (let i = 0; i < 20; i++) step();
    // one leaked gradient of x would be 196,608 bytes per step
    expect(await settle() - before).toBeLessThan(16384);
  });

  it('a gradient seeded by the user into a sliced output is not written into', () => {
    const x = tensor([1.5, 2, 3, 4, 5, 6]).detach().requiresGrad_();
    const y = x.mul(1);
    const seed = tensor([1.5, 1, 1, 1, 1, 1]);
    // y's slot gets the user's seed, then the slices' gradients: the seed must be left as it was
    const z = y.narrow(0, 0, 3).sum().add(y.narrow(0, 3, 3).mul(2).sum());
    grad([y, z], [x], { gradOutputs: [seed, null] });
    expect(Array.from(seed.toArray())).toEqual([1.5, 1, 1, 1, 1, 1]);
  });
});
