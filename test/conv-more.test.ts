/**
 * conv1d, convTranspose1d/2d, unfold, fold and their modules (nn.Conv1d, nn.ConvTranspose1d/2d, nn.Unfold,
 * nn.Fold): values and gradients against PyTorch over a grid of options (test/fixtures/conv-more/cases.json,
 * made by gen.py there; modules load PyTorch's state dict strictly), gradchecks at small odd sizes with
 * every option (a non-contiguous input included), double backward, the positional/options forms, the
 * reprs, PyTorch's default initialisation bounds and PyTorch's errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, nn, noGrad, randn, tensor } from '../src/index.js';
import { checkGradGrad, checkOp, expectClose, thrown } from './helpers.js';

interface Arr {
  shape: number[];
  dtype: string;
  values: number[];
}
interface Case {
  kind: string;
  options: Record<string, unknown>;
  repr?: string;
  outputSize?: number[];
  inputs: Record<string, Arr>;
  output: Arr;
  cotangent: Arr;
  grads: Record<string, Arr>;
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/conv-more/cases.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Record<string, Case>;
  reprs: { kind: 'Unfold' | 'Fold'; args: unknown[]; options: Record<string, unknown>; repr: string }[];
};

const load = (a: Arr, requiresGrad = false): Tensor => {
  const t = tensor(Float32Array.from(a.values)).reshape(a.shape);
  return requiresGrad ? t.requiresGrad_(true) : t;
};
const tol = { atol: 2e-5, rtol: 1e-4 };

/** PyTorch's positional order after the required arguments, per function. */
const ORDER: Record<string, string[]> = {
  conv1d: ['stride', 'padding', 'dilation', 'groups'],
  convTranspose1d: ['stride', 'padding', 'outputPadding', 'groups', 'dilation'],
  convTranspose2d: ['stride', 'padding', 'outputPadding', 'groups', 'dilation'],
  unfold: ['dilation', 'padding', 'stride'],
  fold: ['dilation', 'padding', 'stride'],
};
function positional(kind: string, o: Record<string, unknown>): unknown[] {
  const names = ORDER[kind]!;
  const last = names.reduce((l, n, i) => (o[n] !== undefined ? i : l), -1);
  return names.slice(0, last + 1).map((n) => o[n]);
}

type AnyFn = (...a: any[]) => Tensor;
const FNS: Record<string, AnyFn> = {
  conv1d: F.conv1d, convTranspose1d: F.convTranspose1d, convTranspose2d: F.convTranspose2d, unfold: F.unfold, fold: F.fold,
};

function runCase(c: Case, form: 'options' | 'positional'): { out: Tensor; wrt: Record<string, Tensor> } {
  const { kernelSize, outputSize, inChannels, outChannels, ...o } = c.options as Record<string, any>;
  const x = load(c.inputs.x!, true);
  if (c.kind in FNS) {
    const f = FNS[c.kind]!;
    if (c.kind === 'unfold' || c.kind === 'fold') {
      const head = c.kind === 'unfold' ? [x, kernelSize] : [x, outputSize, kernelSize];
      const out = form === 'options' ? f(...head, o) : f(...head, ...positional(c.kind, o));
      return { out, wrt: { x } };
    }
    const w = load(c.inputs.w!, true), b = c.inputs.b ? load(c.inputs.b, true) : null;
    const out = form === 'options' ? f(x, w, b, o) : f(x, w, b, ...positional(c.kind, o));
    return { out, wrt: b ? { x, w, b } : { x, w } };
  }
  const Cls = (nn as unknown as Record<string, new (...a: any[]) => nn.Module>)[c.kind]!;
  const layer = Cls === nn.Conv1d ? new nn.Conv1d(inChannels, outChannels, kernelSize, o) : new Cls(inChannels, outChannels, kernelSize, o);
  expect(layer.toString()).toBe(c.repr);
  const state = Object.fromEntries(Object.entries(c.inputs).filter(([k]) => k !== 'x').map(([k, a]) => [k, load(a)]));
  layer.loadStateDict(state); // strict: PyTorch's names and shapes exactly
  const params = Object.fromEntries(layer.namedParameters());
  const out = (layer as unknown as { forward(x: Tensor, s?: number[]): Tensor }).forward(x, c.outputSize);
  return { out, wrt: { x, ...params } };
}

describe(`against PyTorch ${fixture.torch}`, () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    const forms = c.kind in FNS ? (['options', 'positional'] as const) : (['options'] as const);
    for (const form of forms) {
      it(`${name} (${form})`, () => {
        const { out, wrt } = runCase(c, form);
        expect(out.shape).toEqual(c.output.shape);
        expectClose(out, c.output.values, { ...tol, what: 'output' });
        out.mul(load(c.cotangent)).sum().backward();
        expect(Object.keys(wrt).sort()).toEqual(Object.keys(c.grads).sort());
        for (const [k, t] of Object.entries(wrt)) expectClose(t.grad!, c.grads[k]!.values, { ...tol, what: `grad ${k}` });
      });
    }
  }
  it('nn.Unfold and nn.Fold reprs', () => {
    for (const r of fixture.reprs) {
      const m = r.kind === 'Unfold' ? new nn.Unfold(r.args[0] as number, r.options) : new nn.Fold(r.args[0] as number, r.args[1] as number, r.options);
      expect(m.toString()).toBe(r.repr);
    }
  });
});

describe('gradcheck (float64 finite differences) and double backward', () => {
  const check = (name: string, fn: (...xs: Tensor[]) => Tensor, shapes: number[][], nonContiguous = false) =>
    it(name, () => checkOp(name, fn, shapes, { nonContiguous: nonContiguous ? [true] : undefined }));
  check('conv1d stride 2, padding 1, dilation 2, groups 2', (x, w, b) => F.conv1d(x, w, b, 2, 1, 2, 2), [[2, 4, 17], [6, 2, 3], [6]]);
  check('conv1d padding same, even kernel, unbatched', (x, w) => F.conv1d(x, w, null, { padding: 'same' }), [[3, 7], [2, 3, 4]]);
  check('conv1d size 1', (x, w, b) => F.conv1d(x, w, b), [[1, 1, 1], [1, 1, 1], [1]]);
  check('conv1d non-contiguous input', (x, w) => F.conv1d(x, w, null, 1, 1), [[3, 2, 5], [2, 2, 3]], true);
  check('convTranspose2d stride 2, padding 1, outputPadding 1, dilation 2, groups 2', (x, w, b) => F.convTranspose2d(x, w, b, 2, 1, 1, 2, 2),
    [[2, 4, 3, 3], [4, 1, 3, 3], [2]]);
  check('convTranspose2d plain, odd sizes', (x, w, b) => F.convTranspose2d(x, w, b), [[1, 3, 3, 5], [3, 1, 3, 1], [1]]);
  check('convTranspose2d per-axis options, unbatched', (x, w) => F.convTranspose2d(x, w, null, { stride: [1, 3], padding: [1, 0], outputPadding: [0, 2], dilation: [2, 1] }),
    [[2, 3, 3], [2, 3, 3, 2]]);
  check('convTranspose2d non-contiguous input', (x, w) => F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }), [[3, 2, 3, 3], [2, 2, 3, 3]], true);
  check('convTranspose1d stride 2, padding 1, outputPadding 1, dilation 2, groups 2', (x, w, b) => F.convTranspose1d(x, w, b, 2, 1, 1, 2, 2),
    [[2, 4, 5], [4, 1, 3], [2]]);
  check('convTranspose1d size 1', (x, w, b) => F.convTranspose1d(x, w, b), [[1, 1, 1], [1, 1, 1], [1]]);
  check('unfold dilation, padding, stride', (x) => F.unfold(x, [3, 2], { dilation: [2, 1], padding: 1, stride: [2, 1] }), [[2, 3, 7, 5]]);
  check('unfold non-contiguous input', (x) => F.unfold(x, 2, 1, 1, 2), [[3, 2, 5, 5]], true);
  check('fold dilation, padding, stride (overlaps summed)', (x) => F.fold(x, [5, 4], [2, 3], { dilation: [2, 1], padding: [1, 1], stride: [1, 1] }), [[1, 6, 20]]);
  check('fold unbatched', (x) => F.fold(x, 3, 1), [[3, 9]]);
  it('nn.Conv1d reflect and circular (input gradient)', () => {
    const reflect = noGrad(() => new nn.Conv1d(2, 2, 3, { padding: 2, dilation: 2, paddingMode: 'reflect' }));
    const circular = noGrad(() => new nn.Conv1d(2, 3, 4, 1, 'same', 1, 1, true, 'circular'));
    checkOp('Conv1d reflect', (x) => reflect.forward(x), [[1, 2, 7]]);
    checkOp('Conv1d circular same', (x) => circular.forward(x), [[2, 5]]);
  });
  it('only the weight, or only the input, requires grad; PyTorch\'s node names', () => {
    checkOp('convTranspose2d weight and bias only', (x, w, b) => F.convTranspose2d(x, w, b, 2, 1, 1, 2, 2), [[1, 4, 3, 3], [4, 2, 3, 2], [4]],
      { requiresGrad: [false, true, true] });
    checkOp('convTranspose2d input only', (x, w) => F.convTranspose2d(x, w, null, 2, 0, 1, 1, 2), [[1, 2, 3, 3], [2, 2, 2, 3]], { requiresGrad: [true, false] });
    const x = randn(1, 2, 4, 4, { requiresGrad: true });
    expect(F.convTranspose2d(x, randn(2, 3, 3, 3), randn(3)).gradFn?.name).toBe('ConvolutionBackward0');
    expect(F.unfold(x, 2).gradFn?.name).toBe('Im2ColBackward0');
    expect(F.fold(F.unfold(x, 2), 4, 2).gradFn?.name).toBe('Col2ImBackward0');
  });
  it('double backward', () => {
    checkGradGrad('convTranspose2d all options', (x, w) => F.convTranspose2d(x, w, null, 2, 1, 1, 2, 2).pow(2), [[1, 4, 3, 3], [4, 1, 2, 3]]);
    checkGradGrad('convTranspose1d plain', (x, w, b) => F.convTranspose1d(x, w, b, 2).tanh(), [[1, 2, 4], [2, 3, 3], [3]]);
    checkGradGrad('conv1d groups', (x, w) => F.conv1d(x, w, null, { groups: 2, padding: 1 }).pow(2), [[1, 4, 5], [2, 2, 3]]);
    checkGradGrad('unfold', (x) => F.unfold(x, 2, { padding: 1 }).pow(2), [[1, 2, 3, 3]]);
    checkGradGrad('fold', (x) => F.fold(x, [3, 3], 2).pow(2), [[1, 4, 4]]);
  });
  it('fold(unfold(x)) with non-overlapping blocks is x; unfold is fold\'s adjoint', () => {
    const x = randn(2, 3, 4, 6);
    expectClose(F.fold(F.unfold(x, 2, { stride: 2 }), [4, 6], 2, { stride: 2 }), x, { atol: 0 });
    const u = randn(2, 12, 20), y = randn(2, 3, 5, 6);
    const lhs = F.unfold(y, 2).mul(u).sum().item(), rhs = y.mul(F.fold(u, [5, 6], 2)).sum().item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
  });
  it('convTranspose2d is the adjoint of conv2d (same stride, padding, dilation, groups)', () => {
    const x = randn(2, 6, 7, 6), w = randn(4, 3, 3, 2);
    const cx = F.conv2d(x, w, null, { stride: 2, padding: 1, dilation: [1, 2], groups: 2 });
    expect(cx.shape).toEqual([2, 4, 4, 3]);
    const y = randn(2, 4, 4, 3);
    const ty = F.convTranspose2d(y, w, null, { stride: 2, padding: 1, outputPadding: [0, 1], dilation: [1, 2], groups: 2 });
    expect(ty.shape).toEqual([2, 6, 7, 6]);
    expect(Math.abs(cx.mul(y).sum().item() - x.mul(ty).sum().item())).toBeLessThan(1e-3);
  });
});

describe('modules: parameters, state dict, init, positional forms', () => {
  it('parameter names and shapes are PyTorch\'s; init within PyTorch\'s bounds', () => {
    const c1 = new nn.Conv1d(4, 6, 3, { groups: 2 });
    expect(Object.fromEntries([...c1.namedParameters()].map(([k, p]) => [k, p.shape]))).toEqual({ weight: [6, 2, 3], bias: [6] });
    const t2 = new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2 });
    expect(Object.fromEntries([...t2.namedParameters()].map(([k, p]) => [k, p.shape]))).toEqual({ weight: [4, 3, 3, 2], bias: [6] });
    const t1 = new nn.ConvTranspose1d(3, 2, 5, { bias: false });
    expect(Object.fromEntries([...t1.namedParameters()].map(([k, p]) => [k, p.shape]))).toEqual({ weight: [3, 2, 5] });
    // kaiming-uniform(a = sqrt 5) and the bias both have bound 1/sqrt(fanIn); fanIn = weight.shape[1]·∏k
    const bound = (fanIn: number) => 1 / Math.sqrt(fanIn) + 1e-7;
    const maxAbs = (t: Tensor) => t.abs().max().item();
    expect(maxAbs(c1.weight)).toBeLessThanOrEqual(bound(2 * 3));
    expect(maxAbs(c1.bias!)).toBeLessThanOrEqual(bound(2 * 3));
    expect(maxAbs(t2.weight)).toBeLessThanOrEqual(bound(3 * 6));
    expect(maxAbs(t2.bias!)).toBeLessThanOrEqual(bound(3 * 6));
    const big = new nn.ConvTranspose2d(64, 2, 1);
    expect(maxAbs(big.weight)).toBeGreaterThan(0.5 * bound(2)); // fanIn from dim 1 (2), not dim 0 (64)
  });

  it('PyTorch\'s positional orders (ConvTranspose: groups before bias before dilation)', () => {
    const t = new nn.ConvTranspose2d(4, 4, 3, 2, 1, 1, 2, false, 2);
    expect([t.stride, t.padding, t.outputPadding, t.groups, t.bias, t.dilation]).toEqual([[2, 2], [1, 1], [1, 1], 2, null, [2, 2]]);
    expect(t.forward(randn(1, 4, 3, 3)).shape).toEqual([1, 4, 8, 8]); // (3 - 1)·2 - 2 + 2·2 + 1 + 1
    const c = new nn.Conv1d(4, 4, 3, 2, 1, 2, 2, false, 'replicate');
    expect([c.stride, c.padding, c.dilation, c.groups, c.bias, c.paddingMode]).toEqual([[2], [1], [2], 2, null, 'replicate']);
    const u = new nn.Unfold(3, 2, 1, 2);
    expect(u.toString()).toBe('Unfold(kernel_size=3, dilation=2, padding=1, stride=2)');
    const x = randn(1, 2, 5, 5), w = randn(2, 3, 3, 3);
    expectClose(F.convTranspose2d(x, w, null, 2, 1, 1), F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }), { atol: 0 });
    expectClose(F.convTranspose2d(x, w, null, 2, { padding: 1 }), F.convTranspose2d(x, w, null, { stride: 2, padding: 1 }), { atol: 0 });
  });

  it('keep nothing (nn.Sequential frees around them) and work in a Sequential; state dicts round-trip', () => {
    const layers = [new nn.Conv1d(2, 3, 3), new nn.ConvTranspose1d(3, 2, 3), new nn.ConvTranspose2d(2, 2, 3), new nn.Unfold(2), new nn.Fold(3, 2)];
    for (const m of layers) expect(m.keepsNothing(), m.toString()).toBe(true);
    const net = new nn.Sequential(new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.ReLU(), new nn.Unfold(2, { stride: 2 }));
    const x = randn(2, 2, 3, 3, { requiresGrad: true });
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 16, 9]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([2, 2, 3, 3]);
    const a = new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2 }), b = new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2 });
    b.loadStateDict(a.stateDict());
    expectClose(b.weight, a.weight, { atol: 0 });
    expectClose(b.bias!, a.bias!, { atol: 0 });
  });

  it('forward(input, outputSize) picks the output padding; the whole shape works too', () => {
    const t = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = randn(1, 2, 4, 4);
    expect(t.forward(x, [7, 8]).shape).toEqual([1, 3, 7, 8]);
    expect(t.forward(x, [1, 3, 8, 7]).shape).toEqual([1, 3, 8, 7]);
    expect(t.forward(x.squeeze(0), [3, 8, 8]).shape).toEqual([3, 8, 8]);
    expect(new nn.ConvTranspose1d(2, 3, 3, 3).forward(randn(2, 5), [15]).shape).toEqual([3, 15]);
  });
});

describe('errors (PyTorch\'s, before any kernel runs)', () => {
  const x1 = randn(2, 4, 6), x2 = randn(1, 4, 5, 5);
  const cases: [string, () => unknown, RegExp][] = [
    ['conv1d channels', () => F.conv1d(x1, randn(4, 3, 3)), /conv1d: input shape \[2, 4, 6\] has 4 channels but weight shape \[4, 3, 3\] expects 3/],
    ['conv1d groups vs weight', () => F.conv1d(x1, randn(3, 2, 3), null, { groups: 2 }), /conv1d: given groups=2, expected weight to be divisible by 2 at dimension 0/],
    ['conv1d groups vs channels', () => F.conv1d(x1, randn(3, 2, 3), null, { groups: 3 }), /conv1d: input shape \[2, 4, 6\] has 4 channels but weight shape \[3, 2, 3\] expects 6 \(groups=3 of 2\)/],
    ['conv1d 4-D input', () => F.conv1d(x2, randn(4, 4, 3)), /conv1d: expected 2-D \(unbatched \[C, L\]\) or 3-D \(batched \[N, C, L\]\) input, got shape \[1, 4, 5, 5\]/],
    ['conv1d 2-D weight', () => F.conv1d(x1, randn(4, 4)), /conv1d: expects 3-D weight/],
    ['conv1d kernel too large', () => F.conv1d(x1, randn(4, 4, 4), null, 1, 0, 2), /conv1d: calculated padded input size per channel: \(6\)\. Kernel size: \(7\)/],
    ['conv1d same strided', () => F.conv1d(x1, randn(4, 4, 3), null, 2, 'same'), /conv1d: padding='same' is not supported for strided convolutions/],
    ['conv1d padding string', () => F.conv1d(x1, randn(4, 4, 3), null, 1, 'full' as never), /conv1d: invalid padding string 'full'/],
    ['conv1d pair stride', () => F.conv1d(x1, randn(4, 4, 3), null, [1, 2] as never), /conv1d: stride must be an integer or an array of 1 integer, got \[1,2\]/],
    ['conv1d bias shape', () => F.conv1d(x1, randn(4, 4, 3), randn(3)), /conv1d: bias shape \[3\] does not match 4 output channels/],
    ['conv1d unknown option', () => F.conv1d(x1, randn(4, 4, 3), null, { padding_mode: 'zeros' } as never), /conv1d: unknown option 'padding_mode'/],
    ['convTranspose2d channels', () => F.convTranspose2d(randn(1, 2, 5, 5), randn(4, 3, 3, 3)), /convTranspose2d: input shape \[1, 2, 5, 5\] has 2 channels but weight shape \[4, 3, 3, 3\] expects 4/],
    ['convTranspose2d groups', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), null, 1, 0, 0, 3), /convTranspose2d: given groups=3, expected weight to be divisible by 3 at dimension 0/],
    ['convTranspose2d outputPadding >= stride and dilation', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), null, { stride: 2, outputPadding: 2 }),
      /convTranspose2d: output padding must be smaller than either stride or dilation, but got outputPadding \[2,2\], stride \[2,2\], dilation \[1,1\]/],
    ['convTranspose2d outputPadding 1, stride 1, dilation 1', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), null, { outputPadding: 1 }), /output padding must be smaller than either stride or dilation/],
    ['convTranspose2d output too small', () => F.convTranspose2d(randn(1, 4, 2, 2), randn(4, 3, 3, 3), null, 1, 3),
      /convTranspose2d: given input size per channel: \(2 x 2\)\. Calculated output size per channel: \(-2 x -2\)\. Output size is too small/],
    ['convTranspose2d bias', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), randn(4)), /convTranspose2d: bias shape \[4\] does not match 3 output channels/],
    ['convTranspose2d padding string', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), null, 1, 'same' as never), /convTranspose2d: padding must be an integer.*'same' is not supported for transposed convolutions/],
    ['convTranspose2d negative padding', () => F.convTranspose2d(x2, randn(4, 3, 3, 3), null, 1, -1), /convTranspose2d: padding must be a non-negative integer/],
    ['convTranspose2d 2-D input', () => F.convTranspose2d(randn(4, 5), randn(4, 3, 3, 3)), /convTranspose2d: expected 3-D \(unbatched\) or 4-D \(batched\) input/],
    ['convTranspose1d weight rank', () => F.convTranspose1d(x1, randn(4, 3, 3, 3)), /convTranspose1d: expects 3-D weight \[inC, outC\/groups, k\]/],
    ['convTranspose1d unknown option', () => F.convTranspose1d(x1, randn(4, 3, 3), null, { output_padding: 1 } as never), /PyTorch's output_padding is outputPadding here/],
    ['ConvTranspose2d paddingMode', () => new nn.ConvTranspose2d(4, 4, 3, { paddingMode: 'reflect' as never }), /ConvTranspose2d: only paddingMode 'zeros' is supported/],
    ['ConvTranspose2d groups', () => new nn.ConvTranspose2d(4, 4, 3, { groups: 3 }), /ConvTranspose2d: inChannels \(4\) must be divisible by groups \(3\)/],
    ['ConvTranspose2d outputSize out of range', () => new nn.ConvTranspose2d(4, 4, 3, 2).forward(randn(1, 4, 5, 5), [13, 13]),
      /ConvTranspose2d: requested an output size of \[13,13\], but valid sizes range from \[11,11\] to \[12,12\] \(for an input of \[5, 5\]\)/],
    ['ConvTranspose2d outputSize length', () => new nn.ConvTranspose2d(4, 4, 3, 2).forward(randn(1, 4, 5, 5), [12]),
      /ConvTranspose2d: for 4-D input, outputSize must have 2 or 4 elements \(got 1\)/],
    ['Conv1d reflect too large', () => new nn.Conv1d(2, 2, 3, { padding: 4, paddingMode: 'reflect' }).forward(randn(1, 2, 4)),
      /Conv1d: reflect padding \(4, 4\) of input shape \[1, 2, 4\] must be smaller than its length 4/],
    ['Conv1d paddingMode', () => new nn.Conv1d(2, 2, 3, { paddingMode: 'mirror' as never }), /Conv1d: paddingMode must be one of/],
    ['Conv1d kernelSize pair', () => new nn.Conv1d(2, 2, [3, 3] as never), /Conv1d: kernelSize must be an integer or an array of 1 integer/],
    ['unfold no blocks', () => F.unfold(randn(1, 2, 2, 2), 3),
      /unfold: given input with spatial size \(2, 2\), kernelSize=\(3, 3\), dilation=\(1, 1\), padding=\(0, 0\), stride=\(1, 1\), calculated shape of the array of sliding blocks as \(0, 0\), but its components must be at least one/],
    ['unfold 2-D input', () => F.unfold(randn(4, 4), 2), /unfold: expected 3-D \(unbatched \[C, H, W\]\) or 4-D/],
    ['fold not divisible', () => F.fold(randn(1, 7, 16), [5, 5], 2), /fold: expected size of input's dimension 1 to be divisible by the product of kernelSize, but got input shape \[1, 7, 16\] and kernelSize=\(2, 2\)/],
    ['fold wrong L', () => F.fold(randn(1, 8, 15), [5, 5], 2), /fold: given outputSize=\(5, 5\).*calculated number of sliding blocks 4 \* 4 = 16, but got input shape \[1, 8, 15\]/],
    ['fold outputSize', () => F.fold(randn(1, 8, 15), [5, 5, 5] as never, 2), /fold: outputSize must be an integer or an array of 2 integers/],
    ['fold unknown option', () => F.fold(randn(1, 8, 16), 5, 2, { dilaton: 2 } as never), /fold: unknown option 'dilaton' \(did you mean 'dilation'\?\)/],
  ];
  for (const [name, fn, re] of cases) {
    it(name, () => {
      const e = thrown(fn);
      expect(e.message).toMatch(re);
      expect(e).toSatisfy((err: unknown) => err instanceof TypeError || err instanceof RangeError);
    });
  }
});
