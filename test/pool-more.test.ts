/**
 * src/ops/pool-more.ts and src/nn/layers/pooling-more.ts: 1-D max / average pooling, adaptive average and
 * max pooling (any output size), LP pooling and max unpooling. Values and gradients against
 * test/fixtures/pool-more/cases.json (made by gen.py with PyTorch 1.13), gradcheck at odd sizes and on
 * non-contiguous inputs, the layers, and the errors PyTorch raises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, nn, randn, tensor, type Tensor } from '../src/index.js';
import { checkGradGrad, checkOp, distinctValues, expectLibraryWorks, expectTorchCase, ints, nonContiguous, thrown, type TorchCase } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pool-more/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, TorchCase> };

type Op = (...xs: Tensor[]) => Tensor;
const ops: Record<string, Op> = {};
const sizeTag = (o: number | null | readonly (number | null)[]): string => (Array.isArray(o) ? o : [o]).map((v) => (v === null ? 'N' : String(v))).join('x');

for (const L of [1, 3, 17]) {
  ops[`max_pool1d_k1_L${L}`] = (x) => F.maxPool1d(x!, 1);
  if (L >= 2) ops[`max_pool1d_k2_L${L}`] = (x) => F.maxPool1d(x!, [2]);
  ops[`avg_pool1d_k1_L${L}`] = (x) => F.avgPool1d(x!, 1);
}
Object.assign(ops, {
  max_pool1d_k3_s2_p1: (x) => F.maxPool1d(x!, 3, 2, 1),
  max_pool1d_dil2_ceil: (x) => F.maxPool1d(x!, 3, 2, 1, 2, true),
  max_pool1d_ceil: (x) => F.maxPool1d(x!, 2, { ceilMode: true }),
  max_pool1d_unbatched: (x) => F.maxPool1d(x!, 3, 1),
  max_pool1d_indices: (x) => F.maxPool1d(x!, 3, 2, 1, { returnIndices: true })[1],
  max_pool1d_indices_values: (x) => F.maxPool1d(x!, 3, 2, 1, undefined, undefined, true)[0],
  max_pool1d_inf: (x) => F.maxPool1d(x!, 2),
  avg_pool1d_k3_s2_p1: (x) => F.avgPool1d(x!, 3, 2, 1),
  avg_pool1d_no_pad_count: (x) => F.avgPool1d(x!, 3, 2, 1, false, false),
  avg_pool1d_ceil: (x) => F.avgPool1d(x!, 4, 3, 2, { ceilMode: true }),
  avg_pool1d_unbatched: (x) => F.avgPool1d(x!, 2),
} satisfies Record<string, Op>);
for (const [L, o] of [[17, 5], [17, 1], [3, 5], [1, 3], [17, 17], [16, 4], [5, 3], [7, 17]] as const) {
  ops[`adaptive_avg_pool1d_${L}_${o}`] = (x) => F.adaptiveAvgPool1d(x!, o);
}
ops.adaptive_avg_pool1d_unbatched = (x) => F.adaptiveAvgPool1d(x!, [4]);
const avg2d: [number, number, number | [number | null, number | null]][] = [
  [7, 9, [3, 4]], [17, 3, [5, 2]], [7, 9, [null, 2]], [7, 9, 5], [3, 1, [5, 3]], [8, 6, [4, 3]], [8, 6, [1, 1]], [5, 5, [5, null]], [1, 17, [1, 4]],
];
for (const [H, W, o] of avg2d) ops[`adaptive_avg_pool2d_${H}x${W}_${sizeTag(o)}`] = (x) => F.adaptiveAvgPool2d(x!, o);
ops.adaptive_avg_pool2d_unbatched = (x) => F.adaptiveAvgPool2d(x!, [2, 3]);
ops.adaptive_avg_pool2d_inf = (x) => F.adaptiveAvgPool2d(x!, 2);
for (const [L, o] of [[17, 5], [17, 1], [3, 5], [1, 3], [16, 4], [5, 3]] as const) {
  ops[`adaptive_max_pool1d_${L}_${o}`] = (x) => F.adaptiveMaxPool1d(x!, o);
  ops[`adaptive_max_pool1d_${L}_${o}_indices`] = (x) => F.adaptiveMaxPool1d(x!, o, true)[1];
}
const max2d: [number, number, number | [number | null, number | null]][] = [[7, 9, [3, 4]], [17, 3, [5, 2]], [7, 9, [null, 2]], [3, 1, [5, 3]], [8, 6, [4, 3]], [5, 5, 1]];
for (const [H, W, o] of max2d) {
  ops[`adaptive_max_pool2d_${H}x${W}_${sizeTag(o)}`] = (x) => F.adaptiveMaxPool2d(x!, o);
  ops[`adaptive_max_pool2d_${H}x${W}_${sizeTag(o)}_indices`] = (x) => F.adaptiveMaxPool2d(x!, o, { returnIndices: true })[1];
}
Object.assign(ops, {
  adaptive_max_pool2d_unbatched: (x) => F.adaptiveMaxPool2d(x!, [2, 3]),
  adaptive_max_pool2d_inf: (x) => F.adaptiveMaxPool2d(x!, 2),
  adaptive_max_pool1d_nan_indices: (x) => F.adaptiveMaxPool1d(x!, 2, true)[1],
  adaptive_max_pool2d_nan: (x) => F.adaptiveMaxPool2d(x!, 2),
  adaptive_max_pool2d_nan_indices: (x) => F.adaptiveMaxPool2d(x!, 2, true)[1],
  adaptive_max_pool2d_ties: (x) => F.adaptiveMaxPool2d(x!, [2, 2], true)[1],
  lp_pool1d_p2: (x) => F.lpPool1d(x!, 2, 3),
  lp_pool1d_p3_stride_ceil: (x) => F.lpPool1d(x!, 3, 2, 3, true),
  lp_pool1d_p1_5: (x) => F.lpPool1d(x!, 1.5, 2),
  lp_pool1d_p3_negative: (x) => F.lpPool1d(x!, 3, 2),
  lp_pool2d_p2: (x) => F.lpPool2d(x!, 2, 2),
  lp_pool2d_p1_rect_stride: (x) => F.lpPool2d(x!, 1, [2, 3], [1, 2]),
  lp_pool2d_p4_ceil: (x) => F.lpPool2d(x!, 4, 2, { ceilMode: true }),
  lp_pool2d_unbatched: (x) => F.lpPool2d(x!, 2, 3, 2),
  max_unpool1d: (y, i) => F.maxUnpool1d(y!, i!, 2),
  max_unpool1d_stride_pad: (y, i) => F.maxUnpool1d(y!, i!, 3, 2, 1),
  max_unpool1d_output_size: (y, i) => F.maxUnpool1d(y!, i!, 2, { outputSize: [17] }),
  max_unpool1d_output_size_full: (y, i) => F.maxUnpool1d(y!, i!, 2, null, 0, [2, 3, 17]),
  max_unpool1d_unbatched: (y, i) => F.maxUnpool1d(y!, i!, 2),
  max_unpool2d: (y, i) => F.maxUnpool2d(y!, i!, 2),
  max_unpool2d_output_size: (y, i) => F.maxUnpool2d(y!, i!, 2, { outputSize: [7, 9] }),
  max_unpool2d_overlap: (y, i) => F.maxUnpool2d(y!, i!, 3, 1, 1),
  max_unpool2d_rect: (y, i) => F.maxUnpool2d(y!, i!, [2, 3], [2, 1]),
  max_unpool2d_unbatched: (y, i) => F.maxUnpool2d(y!, i!, 2),
} satisfies Record<string, Op>);

describe('pool-more against PyTorch 1.13', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => expectTorchCase(name, c, ops[name]!, 2e-5));
  }
});

describe('gradcheck (odd sizes, non-contiguous inputs)', () => {
  it('maxPool1d / avgPool1d', () => {
    checkOp('maxPool1d', (x) => F.maxPool1d(x!, 3, 2, 1), [[2, 3, 7]], { nonContiguous: true });
    checkOp('maxPool1d-dil', (x) => F.maxPool1d(x!, 2, 1, 1, 2, true), [[1, 2, 5]]);
    checkOp('avgPool1d', (x) => F.avgPool1d(x!, 3, 2, 1, true, false), [[2, 3, 7]], { nonContiguous: 'permute' });
    checkOp('avgPool1d-k1', (x) => F.avgPool1d(x!, 1), [[3, 1]]);
  });
  it('adaptive pooling', () => {
    checkOp('adaptiveAvgPool1d', (x) => F.adaptiveAvgPool1d(x!, 3), [[2, 3, 7]], { nonContiguous: true });
    checkOp('adaptiveAvgPool1d-up', (x) => F.adaptiveAvgPool1d(x!, 5), [[1, 2, 3]]);
    checkOp('adaptiveAvgPool2d', (x) => F.adaptiveAvgPool2d(x!, [2, 3]), [[2, 5, 7]], { nonContiguous: 'transpose' });
    checkOp('adaptiveAvgPool2d-1', (x) => F.adaptiveAvgPool2d(x!, [3, null]), [[1, 1, 1, 3]]);
    // distinct values: no two within gradcheck's eps in a window
    checkOp('adaptiveMaxPool1d', (x) => F.adaptiveMaxPool1d(x!, 3), [[2, 3, 7]], { nonContiguous: true, values: [distinctValues(42)] });
    checkOp('adaptiveMaxPool2d', (x) => F.adaptiveMaxPool2d(x!, [2, 3]), [[2, 5, 7]], { nonContiguous: 'permute', values: [distinctValues(70)] });
    checkOp('adaptiveMaxPool2d-up', (x) => F.adaptiveMaxPool2d(x!, [5, 4]), [[1, 3, 3]], { values: [distinctValues(9)] });
  });
  it('lpPool and maxUnpool', () => {
    checkOp('lpPool1d', (x) => F.lpPool1d(x!, 2, 3, 2), [[2, 3, 7]], { range: [0.3, 2], nonContiguous: true });
    checkOp('lpPool2d', (x) => F.lpPool2d(x!, 3, [2, 3], 1, true), [[1, 2, 3, 5]], { range: [0.3, 2], nonContiguous: true });
    const [, idx] = F.maxPool2d(randn(1, 2, 6, 5), 2, { returnIndices: true });
    checkOp('maxUnpool2d', (y) => F.maxUnpool2d(y!, idx, 2, { outputSize: [6, 5] }), [[1, 2, 3, 2]], { nonContiguous: true });
    // non-overlapping windows: with overlapping ones an index can repeat, and (as in PyTorch) the value
    // written last wins while every copy gets the gradient gathered there
    const [, i1] = F.maxPool1d(randn(2, 7), 2, 2, 1, { returnIndices: true });
    checkOp('maxUnpool1d', (y) => F.maxUnpool1d(y!, i1, 2, 2, 1, [7]), [[2, 4]]);
  });
  it('second derivatives', () => {
    checkGradGrad('adaptiveMaxPool2d', (x) => F.adaptiveMaxPool2d(x!, [2, 2]).mul(x!.sum()), [[1, 3, 3]]);
    checkGradGrad('adaptiveAvgPool1d', (x) => F.adaptiveAvgPool1d(x!, 2).pow(2), [[1, 2, 5]]);
  });
});

describe('layers', () => {
  it('compute what F does and print like PyTorch', () => {
    const x = randn(2, 3, 9);
    expect(new nn.MaxPool1d(3, 2, 1).forward(x).tolist()).toEqual(F.maxPool1d(x, 3, 2, 1).tolist());
    const [v, i] = new nn.MaxPool1d<true>(3, { returnIndices: true }).forward(x);
    expect(v.tolist()).toEqual(F.maxPool1d(x, 3).tolist());
    expect(i.dtype).toBe('int32');
    expect(new nn.AvgPool1d(3, 2, 1, false, false).forward(x).tolist()).toEqual(F.avgPool1d(x, 3, 2, 1, false, false).tolist());
    expect(new nn.AdaptiveAvgPool1d(4).forward(x).tolist()).toEqual(F.adaptiveAvgPool1d(x, 4).tolist());
    expect(new nn.AdaptiveMaxPool1d(4).forward(x).tolist()).toEqual(F.adaptiveMaxPool1d(x, 4).tolist());
    expect(new nn.AdaptiveMaxPool1d<true>(4, true).forward(x)[1].tolist()).toEqual(F.adaptiveMaxPool1d(x, 4, true)[1].tolist());
    expect(new nn.LPPool1d(2, 3).forward(x).tolist()).toEqual(F.lpPool1d(x, 2, 3).tolist());
    const x4 = randn(2, 3, 7, 5);
    expect(new nn.AdaptiveAvgPool2d([3, null]).forward(x4).shape).toEqual([2, 3, 3, 5]);
    expect(new nn.AdaptiveMaxPool2d<true>([3, 2], { returnIndices: true }).forward(x4)[0].tolist()).toEqual(F.adaptiveMaxPool2d(x4, [3, 2]).tolist());
    expect(new nn.LPPool2d(2, 2, { ceilMode: true }).forward(x4).tolist()).toEqual(F.lpPool2d(x4, 2, 2, null, true).tolist());
    const [p, ix] = F.maxPool2d(x4, 2, { returnIndices: true });
    expect(new nn.MaxUnpool2d(2).forward(p, ix, [7, 5]).tolist()).toEqual(F.maxUnpool2d(p, ix, 2, { outputSize: [7, 5] }).tolist());
    const [p1, ix1] = F.maxPool1d(x, 2, { returnIndices: true });
    expect(new nn.MaxUnpool1d(2).forward(p1, ix1).shape).toEqual([2, 3, 8]);
    expect(String(new nn.MaxPool1d(3, 2))).toBe('MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)');
    expect(String(new nn.AvgPool1d(3))).toBe('AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))');
    expect(String(new nn.AdaptiveAvgPool2d([5, null]))).toBe('AdaptiveAvgPool2d(output_size=(5, None))');
    expect(String(new nn.AdaptiveMaxPool1d(3))).toBe('AdaptiveMaxPool1d(output_size=3)');
    expect(String(new nn.LPPool2d(2, 3))).toBe('LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)');
    expect(String(new nn.MaxUnpool2d(2))).toBe('MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))');
    for (const m of [new nn.MaxPool1d(2), new nn.AvgPool1d(2), new nn.AdaptiveAvgPool1d(2), new nn.AdaptiveAvgPool2d(2), new nn.AdaptiveMaxPool1d(2),
      new nn.AdaptiveMaxPool2d(2), new nn.LPPool1d(2, 2), new nn.LPPool2d(2, 2), new nn.MaxUnpool1d(2), new nn.MaxUnpool2d(2)]) {
      expect(m.keepsNothing(), m.constructor.name).toBe(true);
      expect(m.stateDict()).toEqual({});
    }
  });
});

describe('errors, before any kernel runs', () => {
  const x = randn(2, 3, 8);
  it('name the function and the argument', () => {
    expect(thrown(() => F.maxPool1d(randn(2, 3, 4, 5), 2)).message).toMatch(/maxPool1d: expects 2-D or 3-D input/);
    expect(thrown(() => F.maxPool1d(x, 2, 1, 2)).message).toMatch(/maxPool1d: padding 2 must be at most half the kernel size 2/);
    expect(thrown(() => F.maxPool1d(x, 0)).message).toMatch(/maxPool1d: kernelSize must be a positive integer/);
    expect(thrown(() => F.maxPool1d(x, [2, 2] as unknown as number)).message).toMatch(/maxPool1d: kernelSize must be an integer or a one-element array/);
    expect(thrown(() => F.maxPool1d(randn(1, 2, 3), 5)).message).toMatch(/maxPool1d: kernel 5 is larger than the padded input 3/);
    expect(thrown(() => F.avgPool1d(x, 2, { divisorOverride: 2 } as never)).message).toMatch(/avgPool1d: unknown option 'divisorOverride'/);
    expect(thrown(() => F.adaptiveAvgPool2d(randn(2, 3), 2)).message).toMatch(/adaptiveAvgPool2d: expects 3-D or 4-D input/);
    expect(thrown(() => F.adaptiveAvgPool2d(randn(1, 2, 0, 3), 2)).message).toMatch(/adaptiveAvgPool2d: expects non-zero sizes/);
    expect(thrown(() => F.adaptiveMaxPool2d(randn(1, 2, 4, 3), [2, 2, 2] as never)).message).toMatch(/adaptiveMaxPool2d: outputSize must be/);
    expect(thrown(() => F.adaptiveAvgPool1d(x, -1)).message).toMatch(/adaptiveAvgPool1d: outputSize must hold non-negative integers/);
    expect(thrown(() => F.adaptiveMaxPool1d(x, 2, { return_indices: true } as never)).message).toMatch(/return_indices.*returnIndices/);
    expect(thrown(() => F.lpPool2d(randn(2, 3), 2, 2)).message).toMatch(/lpPool2d: expects 3-D or 4-D input/);
    expect(thrown(() => F.lpPool1d(x, '2' as never, 2)).message).toMatch(/lpPool1d: normType must be a number/);
    const [p, idx] = F.maxPool2d(randn(1, 2, 4, 4), 2, { returnIndices: true });
    expect(thrown(() => F.maxUnpool2d(p, idx.float(), 2)).message).toMatch(/maxUnpool2d: indices must be int32/);
    expect(thrown(() => F.maxUnpool2d(p, ints([0, 1]), 2)).message).toMatch(/maxUnpool2d: indices shape \[2\] must equal the input shape/);
    expect(thrown(() => F.maxUnpool2d(p, idx, 2, { outputSize: [6, 4] })).message).toMatch(/maxUnpool2d: outputSize \[6,4\] is invalid/);
    expect(thrown(() => F.maxUnpool2d(p, idx, 2, { outputSize: [4] })).message).toMatch(/maxUnpool2d: outputSize must have 2 or 4 elements/);
    expect(thrown(() => F.maxUnpool2d(p, ints([0, 1, 2, 99, 0, 1, 2, 3], [1, 2, 2, 2]), 2)).message).toMatch(/maxUnpool2d: found an invalid max index 99/);
    expect(thrown(() => F.maxPool1d(ints([1, 2, 3, 4], [1, 1, 4]), 2)).message).toMatch(/maxPool1d: input must be float32, got int32/);
    expect(thrown(() => F.adaptiveAvgPool1d(ints([1, 2, 3, 4], [1, 1, 4]), 3)).message).toMatch(/adaptiveAvgPool1d: input must be float32/);
    expect(thrown(() => new nn.MaxPool1d(2, { ceil_mode: true } as never)).message).toMatch(/MaxPool1d: unknown option 'ceil_mode'.*ceilMode/);
    expect(thrown(() => new nn.LPPool2d(2, 0)).message).toMatch(/LPPool2d: kernelSize must be a positive/);
    expectLibraryWorks();
  });
  it('an output size of 0 gives empty outputs (as PyTorch)', () => {
    expect(F.adaptiveAvgPool1d(randn(1, 2, 5), 0).shape).toEqual([1, 2, 0]);
    const [v, i] = F.adaptiveMaxPool2d(randn(1, 2, 5, 3), [0, 2], true);
    expect([v.shape, i.shape, i.dtype]).toEqual([[1, 2, 0, 2], [1, 2, 0, 2], 'int32']);
  });
  it('NaN propagates through adaptive max pooling', () => {
    const y = F.adaptiveMaxPool1d(tensor([[[1, NaN, 3, 2, 0]]]), 2);
    expect(Number.isNaN(y.toArray()[0]!)).toBe(true);
    expect(y.toArray()[1]).toBe(3);
  });
  it('unpooling after pooling restores the maxima in place', () => {
    const x4 = nonContiguous([1, 2, 4, 6], 'transpose', { range: [0.1, 1] });
    const [p, idx] = F.maxPool2d(x4, 2, { returnIndices: true });
    const u = F.maxUnpool2d(p, idx, 2);
    expect(F.maxPool2d(u, 2).tolist()).toEqual(p.tolist());
  });
});
