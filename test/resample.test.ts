/**
 * src/ops/resample.ts and src/nn/layers/resample.ts: pixel shuffle / unshuffle, F.pad in its four modes
 * and F.interpolate in every mode. Values and gradients against test/fixtures/resample/cases.json (made by
 * gen.py with PyTorch 1.13), gradcheck at odd sizes and on non-contiguous inputs, the layers, and the
 * errors PyTorch raises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, nn, randn, tensor, type Tensor } from '../src/index.js';
import { checkGradGrad, checkOp, expectLibraryWorks, expectTorchCase, ints, nonContiguous, thrown, type TorchCase } from './helpers.js';

type Case = TorchCase & { kw?: F.InterpolateOptions };
const fixture = JSON.parse(readFileSync(new URL('./fixtures/resample/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

type Op = (...xs: Tensor[]) => Tensor;
const ops: Record<string, Op> = {
  pixel_shuffle_2: (x) => F.pixelShuffle(x!, 2),
  pixel_shuffle_3_5d: (x) => F.pixelShuffle(x!, 3),
  pixel_shuffle_3d: (x) => F.pixelShuffle(x!, 2),
  pixel_shuffle_1: (x) => F.pixelShuffle(x!, 1),
  pixel_unshuffle_2: (x) => F.pixelUnshuffle(x!, 2),
  pixel_unshuffle_3_3d: (x) => F.pixelUnshuffle(x!, 3),
  pad_constant_last: (x) => F.pad(x!, [1, 2]),
  pad_constant_value: (x) => F.pad(x!, [1, 2, 0, 3], { value: 1.5 }),
  pad_constant_negative: (x) => F.pad(x!, [-1, 2, 1, -2], 'constant', -0.5),
  pad_constant_all_dims: (x) => F.pad(x!, [1, 0, 0, 1, 2, 1]),
  pad_constant_crop_to_zero: (x) => F.pad(x!, [-2, -2]),
  pad_constant_1d: (x) => F.pad(x!, [3, 1], { value: 2 }),
  pad_constant_nan: (x) => F.pad(x!, [1, 1], { value: NaN }),
  pad_constant_int: (x) => F.pad(x!, [1, 1], { value: 2.5 }),
  pad_constant_zero: (x) => F.pad(x!, [0, 0]),
  pad_reflect_max: (x) => F.pad(x!, [4, 4], 'reflect'),
  pad_circular_full: (x) => F.pad(x!, [5, 5], 'circular'),
  pad_replicate_size1: (x) => F.pad(x!, [3, 2], { mode: 'replicate' }),
};
for (const mode of ['reflect', 'replicate', 'circular'] as const) {
  ops[`pad_${mode}_1d`] = (x) => F.pad(x!, [2, 3], mode);
  ops[`pad_${mode}_1d_negative`] = (x) => F.pad(x!, [-1, 2], { mode });
  ops[`pad_${mode}_2d`] = (x) => F.pad(x!, [1, 2, 2, 0], mode);
  ops[`pad_${mode}_3d`] = (x) => F.pad(x!, [1, 1, 0, 2, 1, 0], mode, null);
  if (mode !== 'circular') {
    ops[`pad_${mode}_1d_unbatched`] = (x) => F.pad(x!, [2, 1], mode);
    ops[`pad_${mode}_2d_unbatched`] = (x) => F.pad(x!, [1, 1, 1, 1], mode);
    ops[`pad_${mode}_3d_unbatched`] = (x) => F.pad(x!, [1, 0, 1, 0, 1, 0], mode);
  }
}

/**
 * Cases whose PyTorch gradient is not the gradient of PyTorch's forward: nearest with an output as long as
 * the input but a scale factor other than 1 picks src = floor(dst / scale) forward, while PyTorch 1.13's
 * backward passes the gradient straight through (dst = src). Here the gradient is the forward's own
 * (gradcheck).
 */
const FORWARD_ONLY: Record<string, string> = {
  interp_nearest_same_size_scale: "PyTorch's backward is not its forward's",
};

/** An interpolate case's twin: its keyword arguments, half of them positionally (both forms are covered). */
function interpTwin(name: string, kw: F.InterpolateOptions): Op {
  const positional = name.length % 2 === 0;
  if (!positional) return (x) => F.interpolate(x!, kw);
  return (x) => F.interpolate(x!, kw.size ?? null, kw.scaleFactor ?? null, kw.mode ?? 'nearest', kw.alignCorners ?? null, kw.recomputeScaleFactor ?? null);
}
for (const [name, c] of Object.entries(fixture.cases)) if (c.kw !== undefined) ops[name] = interpTwin(name, c.kw);

describe('resample against PyTorch 1.13', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    if (name in FORWARD_ONLY) continue;
    it(name, () => expectTorchCase(name, c, ops[name]!, 2e-5));
  }
  for (const [name, why] of Object.entries(FORWARD_ONLY)) {
    it(`${name} (values only: ${why})`, () => {
      const c = fixture.cases[name]!;
      expectTorchCase(name, { inputs: { x: { ...c.inputs.x!, requiresGrad: false } }, output: c.output }, ops[name]!, 2e-5);
      checkOp(name, ops[name]!, [c.inputs.x!.shape]);
    });
  }
});

describe('gradcheck (odd sizes, non-contiguous inputs)', () => {
  it('pixelShuffle / pixelUnshuffle / pad', () => {
    checkOp('pixelShuffle', (x) => F.pixelShuffle(x!, 2), [[1, 4, 3, 2]], { nonContiguous: true });
    checkOp('pixelUnshuffle', (x) => F.pixelUnshuffle(x!, 3), [[2, 3, 3]], { nonContiguous: 'permute' });
    checkOp('pad-constant', (x) => F.pad(x!, [1, -1, 2, 0], { value: 0.5 }), [[2, 3, 5]], { nonContiguous: true });
    checkOp('pad-reflect', (x) => F.pad(x!, [2, 1, 0, 2], 'reflect'), [[1, 2, 3, 3]], { nonContiguous: true });
    checkOp('pad-replicate', (x) => F.pad(x!, [3, 1], 'replicate'), [[2, 1]]);
    checkOp('pad-circular', (x) => F.pad(x!, [1, 2, 1, 0, 0, 1], 'circular'), [[1, 1, 2, 3, 3]], { nonContiguous: 'permute' });
  });
  it('interpolate', () => {
    checkOp('nearest', (x) => F.interpolate(x!, null, 1.7), [[1, 2, 3]], { nonContiguous: true });
    checkOp('nearest-exact', (x) => F.interpolate(x!, [5, 2], null, 'nearest-exact'), [[1, 2, 3, 3]], { nonContiguous: true });
    checkOp('linear', (x) => F.interpolate(x!, 7, null, 'linear'), [[2, 1, 3]], { nonContiguous: 'permute' });
    checkOp('linear-ac', (x) => F.interpolate(x!, 2, null, 'linear', true), [[1, 2, 17]]);
    checkOp('bilinear', (x) => F.interpolate(x!, { scaleFactor: [1.5, 0.6], mode: 'bilinear' }), [[1, 2, 3, 5]], { nonContiguous: true });
    checkOp('bicubic', (x) => F.interpolate(x!, { size: [4, 5], mode: 'bicubic', alignCorners: true }), [[1, 1, 3, 3]], { nonContiguous: true });
    checkOp('bicubic-down', (x) => F.interpolate(x!, { size: [1, 2], mode: 'bicubic' }), [[1, 1, 3, 5]]);
    checkOp('trilinear', (x) => F.interpolate(x!, { size: [3, 2, 4], mode: 'trilinear' }), [[1, 1, 2, 3, 3]], { nonContiguous: 'permute' });
    checkOp('area', (x) => F.interpolate(x!, { size: [2, 3], mode: 'area' }), [[1, 2, 5, 7]], { nonContiguous: true });
  });
  it('second derivatives', () => {
    checkGradGrad('bilinear', (x) => F.interpolate(x!, { size: [3, 4], mode: 'bilinear' }).pow(2), [[1, 1, 2, 3]]);
    checkGradGrad('pad-reflect', (x) => F.pad(x!, [1, 1], 'reflect').pow(2), [[1, 1, 3]]);
  });
});

describe('layers', () => {
  it('compute what F does and print like PyTorch', () => {
    const x = randn(2, 8, 3, 5);
    expect(new nn.PixelShuffle(2).forward(x).tolist()).toEqual(F.pixelShuffle(x, 2).tolist());
    expect(new nn.PixelUnshuffle(2).forward(F.pixelShuffle(x, 2)).tolist()).toEqual(x.tolist());
    const x3 = randn(2, 3, 5);
    expect(new nn.ZeroPad1d([1, 2]).forward(x3).tolist()).toEqual(F.pad(x3, [1, 2]).tolist());
    expect(new nn.ConstantPad1d(2, 3.5).forward(x3).tolist()).toEqual(F.pad(x3, [2, 2], 'constant', 3.5).tolist());
    expect(new nn.ReflectionPad1d([2, 1]).forward(x3).tolist()).toEqual(F.pad(x3, [2, 1], 'reflect').tolist());
    expect(new nn.ReplicationPad1d(3).forward(x3).tolist()).toEqual(F.pad(x3, [3, 3], 'replicate').tolist());
    expect(new nn.CircularPad1d(1).forward(x3).tolist()).toEqual(F.pad(x3, [1, 1], 'circular').tolist());
    expect(new nn.CircularPad1d(1).forward(x3.select(0, 0)).tolist()).toEqual(F.pad(x3, [1, 1], 'circular').select(0, 0).tolist());
    expect(new nn.ZeroPad2d([1, 0, 2, 1]).forward(x).shape).toEqual([2, 8, 6, 6]);
    expect(new nn.ConstantPad2d(1, -1).forward(x).tolist()).toEqual(F.pad(x, [1, 1, 1, 1], { value: -1 }).tolist());
    expect(new nn.ReflectionPad2d(2).forward(x).tolist()).toEqual(F.pad(x, [2, 2, 2, 2], 'reflect').tolist());
    expect(new nn.ReplicationPad2d([0, 1, 2, 3]).forward(x).shape).toEqual([2, 8, 8, 6]);
    expect(new nn.CircularPad2d(1).forward(x).shape).toEqual([2, 8, 5, 7]);
    const x5 = randn(1, 2, 3, 3, 4);
    expect(new nn.ZeroPad3d(1).forward(x5).shape).toEqual([1, 2, 5, 5, 6]);
    expect(new nn.ConstantPad3d([1, 0, 0, 0, 0, 2], 2).forward(x5).shape).toEqual([1, 2, 5, 3, 5]);
    expect(new nn.ReflectionPad3d(2).forward(x5).tolist()).toEqual(F.pad(x5, [2, 2, 2, 2, 2, 2], 'reflect').tolist());
    expect(new nn.ReplicationPad3d(1).forward(x5).tolist()).toEqual(F.pad(x5, [1, 1, 1, 1, 1, 1], 'replicate').tolist());
    expect(new nn.CircularPad3d(1).forward(x5).tolist()).toEqual(F.pad(x5, [1, 1, 1, 1, 1, 1], 'circular').tolist());
    expect(new nn.Upsample(null, 2, 'bilinear').forward(x).tolist()).toEqual(F.interpolate(x, null, 2, 'bilinear').tolist());
    expect(new nn.Upsample({ size: [4, 7], mode: 'bicubic', alignCorners: true }).forward(x).tolist())
      .toEqual(F.interpolate(x, [4, 7], null, 'bicubic', true).tolist());
    expect(new nn.UpsamplingNearest2d(null, 2).forward(x).tolist()).toEqual(F.interpolate(x, { scaleFactor: 2 }).tolist());
    expect(new nn.UpsamplingBilinear2d([5, 9]).forward(x).tolist()).toEqual(F.interpolate(x, { size: [5, 9], mode: 'bilinear', alignCorners: true }).tolist());
    expect(String(new nn.PixelShuffle(3))).toBe('PixelShuffle(upscale_factor=3)');
    expect(String(new nn.ConstantPad2d(1, 3.5))).toBe('ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)');
    expect(String(new nn.ReflectionPad1d([2, 1]))).toBe('ReflectionPad1d((2, 1))');
    expect(String(new nn.Upsample(null, 2, 'nearest'))).toBe('Upsample(scale_factor=2.0, mode=nearest)');
    expect(String(new nn.Upsample({ scaleFactor: [1.5, 2], mode: 'bilinear' }))).toBe('Upsample(scale_factor=(1.5, 2.0), mode=bilinear)');
    expect(String(new nn.UpsamplingBilinear2d([5, 9]))).toBe('UpsamplingBilinear2d(size=(5, 9), mode=bilinear)');
    for (const m of [new nn.PixelShuffle(2), new nn.PixelUnshuffle(2), new nn.ZeroPad2d(1), new nn.ConstantPad1d(1, 0), new nn.ReflectionPad2d(1),
      new nn.ReplicationPad3d(1), new nn.CircularPad1d(1), new nn.Upsample(null, 2), new nn.UpsamplingNearest2d(null, 2), new nn.UpsamplingBilinear2d(null, 2)]) {
      expect(m.keepsNothing(), m.constructor.name).toBe(true);
      expect(m.stateDict()).toEqual({});
    }
  });
});

describe('errors, before any kernel runs', () => {
  const x = randn(1, 3, 4);
  it('pixelShuffle and pad', () => {
    expect(thrown(() => F.pixelShuffle(randn(4, 3), 2)).message).toMatch(/pixelShuffle: expects input with at least 3 dims/);
    expect(thrown(() => F.pixelShuffle(randn(1, 6, 2, 2), 2)).message).toMatch(/pixelShuffle: the channel dim .* divisible by upscaleFactor\^2 = 4/);
    expect(thrown(() => F.pixelShuffle(x, 0)).message).toMatch(/pixelShuffle: upscaleFactor must be a positive integer/);
    expect(thrown(() => F.pixelUnshuffle(randn(1, 1, 5, 4), 2)).message).toMatch(/pixelUnshuffle: height and width .* divisible by downscaleFactor 2/);
    expect(thrown(() => F.pad(x, [1, 1, 1])).message).toMatch(/pad: the pad length must be divisible by 2/);
    expect(thrown(() => F.pad(x, [1, 1, 1, 1, 1, 1, 1, 1])).message).toMatch(/pad: pad .* pads 4 dims, more than the input has/);
    expect(thrown(() => F.pad(x, [-3, -2])).message).toMatch(/pad: the input size 4 of dim 2 plus the padding \(-3, -2\) is negative/);
    expect(thrown(() => F.pad(x, [1, 1], 'foo' as never)).message).toMatch(/pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular'/);
    expect(thrown(() => F.pad(x, [4, 0], 'reflect')).message).toMatch(/pad: reflect padding \(4, 0\) of dim 2 must be smaller than its size 4/);
    expect(thrown(() => F.pad(x, [5, 0], 'circular')).message).toMatch(/pad: circular padding \(5, 0\) of dim 2 must be at most its size 4/);
    expect(thrown(() => F.pad(x, [-3, 2], 'circular')).message).toMatch(/pad: circular padding \(-3, 2\) of dim 2 wraps around the 1 elements left after cropping more than once/);
    expect(thrown(() => F.pad(x, [-2, -2], 'replicate')).message).toMatch(/pad: replicate padding \(-2, -2\) of dim 2 \(size 4\) gives output size 0/);
    expect(thrown(() => F.pad(x, [1, 1], 'reflect', 1)).message).toMatch(/pad: mode 'reflect' takes no value argument/);
    expect(thrown(() => F.pad(randn(4), [1, 1], 'reflect')).message).toMatch(/pad: mode 'reflect' pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims/);
    expect(thrown(() => F.pad(x, [1, 1, 1, 1, 1, 1], 'replicate')).message).toMatch(/pad: mode 'replicate' pads the last 1, 2 or 3 dims/);
    expect(thrown(() => F.pad(randn(1, 0, 4), [1, 1], 'reflect')).message).toMatch(/pad: mode 'reflect' needs non-zero sizes/);
    expect(thrown(() => F.pad(x, [1, 1], { model: 'reflect' } as never)).message).toMatch(/pad: unknown option 'model'/);
    expect(thrown(() => F.pad(x, 1 as never)).message).toMatch(/pad: pad must be an array of integers/);
    expect(thrown(() => new nn.ReflectionPad2d([1, 1])).message).toMatch(/ReflectionPad2d: padding must be an integer or 4 integers/);
    expect(thrown(() => new nn.ReflectionPad2d(1).forward(randn(3, 3))).message).toMatch(/ReflectionPad2d: expects 3-D or 4-D input/);
    expect(thrown(() => new nn.ConstantPad1d(1, 'a' as never)).message).toMatch(/ConstantPad1d: value must be a number/);
    expect(F.pad(ints([1, 2]), [1, 0], { value: 7 }).tolist()).toEqual([7, 1, 2]);
  });
  it('interpolate', () => {
    expect(thrown(() => F.interpolate(x)).message).toMatch(/interpolate: give either size or scaleFactor/);
    expect(thrown(() => F.interpolate(x, 3, 2)).message).toMatch(/interpolate: give only one of size and scaleFactor/);
    expect(thrown(() => F.interpolate(x, [3, 3])).message).toMatch(/interpolate: size \[3,3\] must have one entry per spatial dim/);
    expect(thrown(() => F.interpolate(x, null, [2, 2])).message).toMatch(/interpolate: scaleFactor \[2,2\] must have one entry per spatial dim/);
    expect(thrown(() => F.interpolate(x, 3, null, 'nearest', true)).message).toMatch(/interpolate: alignCorners can only be set with the interpolating modes/);
    expect(thrown(() => F.interpolate(x, 3, null, 'bilinear')).message).toMatch(/interpolate: mode 'bilinear' needs 4-D input/);
    expect(thrown(() => F.interpolate(randn(1, 2, 3, 3), 3, null, 'linear')).message).toMatch(/interpolate: mode 'linear' needs 3-D input/);
    expect(thrown(() => F.interpolate(randn(2, 3), 3)).message).toMatch(/interpolate: expects 3-D, 4-D or 5-D input/);
    expect(thrown(() => F.interpolate(x, 3, null, 'cubic' as never)).message).toMatch(/interpolate: mode must be one of/);
    expect(thrown(() => F.interpolate(x, 3, null, 'linear', false, true)).message).toMatch(/interpolate: recomputeScaleFactor is not meaningful with an explicit size/);
    expect(thrown(() => F.interpolate(randn(1, 1, 3, 3), 3, null, 'bilinear', false, null, true)).message).toMatch(/interpolate: antialias=true is not supported/);
    expect(thrown(() => F.interpolate(x, { size: 3, antialias: true })).message).toMatch(/interpolate: antialias is only available for modes bilinear and bicubic/);
    expect(thrown(() => F.interpolate(x, null, 0.1)).message).toMatch(/interpolate: input and output sizes must be greater than 0/);
    expect(thrown(() => F.interpolate(x, null, -1)).message).toMatch(/interpolate: scaleFactor must hold positive finite numbers/);
    expect(thrown(() => F.interpolate(ints([1, 2, 3], [1, 1, 3]), 5)).message).toMatch(/interpolate: input must be float32, got int32/);
    expect(thrown(() => F.interpolate(x, { scale_factor: 2 } as never)).message).toMatch(/scale_factor.*scaleFactor/);
    expect(thrown(() => new nn.Upsample(null, 2, 'linear', true).forward(randn(1, 1, 2, 2))).message).toMatch(/interpolate: mode 'linear' needs 3-D input/);
    expectLibraryWorks();
  });
  it('non-contiguous input gives the contiguous result', () => {
    const nc = nonContiguous([1, 2, 3, 5], 'permute');
    const c = nc.contiguous();
    expect(F.interpolate(nc, [4, 7], null, 'bicubic').tolist()).toEqual(F.interpolate(c, [4, 7], null, 'bicubic').tolist());
    expect(F.pad(nc, [1, 2, 2, 1], 'reflect').tolist()).toEqual(F.pad(c, [1, 2, 2, 1], 'reflect').tolist());
    expect(F.pixelUnshuffle(nonContiguous([1, 1, 4, 4], 'transpose'), 2).shape).toEqual([1, 4, 2, 2]);
    expect(tensor([1]).tolist()).toEqual([1]);
  });
});
