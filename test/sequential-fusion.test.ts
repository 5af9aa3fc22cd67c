/**
 * nn.Sequential's fused pairs give what the layers give one by one: a ReLU followed by a MaxPool2d pools
 * first (relu commutes with max), so the output and the input gradient must be bit-identical to running
 * the two modules separately, NaN and signed zeros included; a hook on either module turns the pairing off.
 */
import { describe, expect, it } from 'vitest';
import { F, nn, tensor, type Tensor } from '../src/index.js';
import { uniformValues } from './helpers.js';

/** Output and input gradient (for the cotangent: the first values of gy) of `run` on a fresh leaf copy of values. */
function outputAndGrad(values: Float32Array, shape: number[], run: (x: Tensor) => Tensor, gy: Float32Array) {
  const x = tensor(values).reshape(shape).detach().requiresGrad_();
  const y = run(x);
  y.backward(tensor(gy.subarray(0, y.numel())).reshape(y.shape));
  return { y: Array.from(y.toArray()), g: Array.from(x.grad!.toArray()), name: y.gradFn?.name };
}

/** Bits of float32 values, so that -0 and +0 (and NaN payloads) are compared exactly. */
const bits = (v: number[]) => Array.from(new Uint32Array(Float32Array.from(v).buffer));

describe('Sequential: ReLU followed by MaxPool2d', () => {
  const cases: [string, number[], () => nn.MaxPool2d][] = [
    ['2x2', [2, 3, 6, 6], () => new nn.MaxPool2d(2)],
    ['3x3 stride 2 padding 1, odd plane', [1, 2, 7, 5], () => new nn.MaxPool2d(3, 2, 1)],
    ['ceil mode, dilation 2', [2, 1, 9, 9], () => new nn.MaxPool2d(2, { stride: 2, dilation: 2, ceilMode: true })],
  ];
  for (const [label, shape, pool] of cases) {
    it(`${label}: output and gradient bit-identical to the two layers run one by one, NaN and -0 included`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = uniformValues(n, [-1, 1]);
      // specials: a NaN, zeros of both signs, an all-negative window, ties
      values[0] = NaN;
      values[5] = -0;
      values[6] = 0;
      for (let i = 12; i < 16 && i < n; i++) values[i] = -0.5;
      values[20] = values[21] = 0.75;
      const p = pool();
      const fusedModel = new nn.Sequential(new nn.ReLU(), p);
      const gy = uniformValues(n, [-1, 1]); // large enough for any output size here
      const fused = outputAndGrad(values, shape, (x) => fusedModel.forward(x), gy);
      const apart = outputAndGrad(values, shape, (x) => p.forward(F.relu(x)), gy);
      expect(bits(fused.y)).toEqual(bits(apart.y));
      expect(bits(fused.g)).toEqual(bits(apart.g));
      // the pairing really ran: the last node is the ReLU's
      expect(fused.name).toBe('ReluBackward0');
      expect(apart.name).toMatch(/^MaxPool2D/);
    });
  }

  it('a hook on the ReLU, an inplace ReLU or returnIndices keeps the layers in their order', () => {
    const values = uniformValues(2 * 8 * 8, [-1, 1]);
    const shape = [1, 2, 8, 8];
    const gy = uniformValues(2 * 4 * 4, [-1, 1]);
    const seen: number[] = [];
    const relu = new nn.ReLU();
    relu.registerForwardHook((_m, _i, out) => {
      seen.push((out as Tensor).numel());
    });
    const hooked = outputAndGrad(values, shape, (x) => new nn.Sequential(relu, new nn.MaxPool2d(2)).forward(x), gy);
    expect(seen).toEqual([2 * 8 * 8]); // the hook saw the ReLU's full-size output
    expect(hooked.name).toMatch(/^MaxPool2D/);
    const inplace = outputAndGrad(values, shape, (x) => new nn.Sequential(new nn.ReLU(true), new nn.MaxPool2d(2)).forward(x.mul(1)), gy);
    expect(inplace.name).toMatch(/^MaxPool2D/);
    // with returnIndices the pool runs as a module of its own, and its [output, indices] ends the Sequential as before
    const withIndices = new nn.Sequential(new nn.ReLU(), new nn.MaxPool2d<true>(2, { returnIndices: true }));
    expect(() => withIndices.forward(tensor(values).reshape(shape))).toThrow(/its last module returned object/);
  });
});
