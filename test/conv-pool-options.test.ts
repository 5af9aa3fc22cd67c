/**
 * conv2d, nn.Conv2d, maxPool2d and avgPool2d with every PyTorch option: values, indices and gradients against
 * PyTorch (test/fixtures/conv-pool/cases.json, made by gen.py there), gradchecks for dilation, groups and the
 * padding modes, double backward, the positional/options forms, and the errors for unknown or mistyped
 * options. The new kernels (dilated im2col/col2im and max pooling, average pooling with PyTorch's divisor)
 * are compared between WebAssembly and the TypeScript reference.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, nn, noGrad, tensor } from '../src/index.js';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { checkGradGrad, checkOp, expectClose, mulberry32, put, randArray, readF, readI, thrown } from './helpers.js';

interface Arr {
  shape: number[];
  dtype: string;
  values: number[];
}
interface Case {
  kind: 'conv2d' | 'Conv2d' | 'maxPool2d' | 'avgPool2d';
  options: Record<string, unknown>;
  repr?: string;
  inputs: Record<string, Arr>;
  output: Arr;
  indices?: Arr;
  cotangent: Arr;
  grads: Record<string, Arr>;
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/conv-pool/cases.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Record<string, Case>;
};

const load = (a: Arr, requiresGrad = false): Tensor => {
  const t = (a.dtype === 'int32' ? tensor(Int32Array.from(a.values), { dtype: 'int32' }) : tensor(Float32Array.from(a.values))).reshape(a.shape);
  return requiresGrad ? t.requiresGrad_(true) : t;
};
const tol = { atol: 2e-5, rtol: 1e-4 };

/** PyTorch's positional order after the required arguments, per kind (F.* functions). */
const ORDER: Record<string, string[]> = {
  conv2d: ['stride', 'padding', 'dilation', 'groups'],
  maxPool2d: ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'],
  avgPool2d: ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'],
};
/** The same options as positional arguments in PyTorch's order (undefined for the ones left out). */
function positional(kind: string, o: Record<string, unknown>): unknown[] {
  const names = ORDER[kind]!;
  const last = names.reduce((l, n, i) => (o[n] !== undefined ? i : l), -1);
  return names.slice(0, last + 1).map((n) => o[n]);
}

/** Runs a fixture case with its options as an options object or as positional arguments. */
function runCase(c: Case, form: 'options' | 'positional'): { out: Tensor; indices?: Tensor; wrt: Record<string, Tensor> } {
  const o = c.options;
  const call = (f: (...a: any[]) => any, head: unknown[], opts: Record<string, unknown>, kind: string) =>
    form === 'options' ? f(...head, opts) : f(...head, ...positional(kind, opts));
  if (c.kind === 'conv2d') {
    const x = load(c.inputs.x!, true), w = load(c.inputs.w!, true), b = c.inputs.b ? load(c.inputs.b, true) : null;
    const out = call(F.conv2d, [x, w, b], o, 'conv2d') as Tensor;
    return { out, wrt: b ? { x, w, b } : { x, w } };
  }
  if (c.kind === 'Conv2d') {
    const { inChannels, outChannels, kernelSize, ...rest } = o as { inChannels: number; outChannels: number; kernelSize: number };
    const layer = new nn.Conv2d(inChannels, outChannels, kernelSize, rest);
    expect(layer.toString()).toBe(c.repr);
    noGrad(() => {
      layer.weight.copy_(load(c.inputs.weight!));
      if (layer.bias) layer.bias.copy_(load(c.inputs.bias!));
    });
    const x = load(c.inputs.x!, true);
    const out = layer.forward(x);
    return { out, wrt: layer.bias ? { x, weight: layer.weight, bias: layer.bias } : { x, weight: layer.weight } };
  }
  const { kernelSize, ...rest } = o;
  const x = load(c.inputs.x!, true);
  const r = call(c.kind === 'maxPool2d' ? F.maxPool2d : F.avgPool2d, [x, kernelSize], rest, c.kind) as Tensor | [Tensor, Tensor];
  if (Array.isArray(r)) return { out: r[0], indices: r[1], wrt: { x } };
  return { out: r, wrt: { x } };
}

describe(`against PyTorch ${fixture.torch}`, () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    const forms = c.kind === 'Conv2d' ? (['options'] as const) : (['options', 'positional'] as const);
    for (const form of forms) {
      it(`${name} (${form})`, () => {
        const { out, indices, wrt } = runCase(c, form);
        expect(out.shape).toEqual(c.output.shape);
        expectClose(out, c.output.values, { ...tol, what: 'output' });
        if (c.indices) {
          expect(indices?.dtype).toBe('int32');
          expect(indices?.shape).toEqual(c.indices.shape);
          expect(Array.from(indices!.toArray() as ArrayLike<number>)).toEqual(c.indices.values);
        }
        out.mul(load(c.cotangent)).sum().backward();
        expect(Object.keys(wrt).sort()).toEqual(Object.keys(c.grads).sort());
        for (const [k, t] of Object.entries(wrt)) expectClose(t.grad!, c.grads[k]!.values, { ...tol, what: `grad ${k}` });
      });
    }
  }
});

describe('gradcheck and double backward', () => {
  checkCase('conv2d dilation 2, stride 2, odd sizes', (x, w, b) => F.conv2d(x, w, b, 2, 1, 2), [[2, 2, 7, 6], [3, 2, 3, 2], [3]]);
  checkCase('conv2d dilation (1, 3), padding same', (x, w) => F.conv2d(x, w, null, { padding: 'same', dilation: [1, 3] }), [[1, 2, 5, 7], [2, 2, 2, 2]]);
  checkCase('conv2d groups 2', (x, w, b) => F.conv2d(x, w, b, { groups: 2, padding: 1 }), [[2, 4, 5, 4], [6, 2, 3, 3], [6]]);
  checkCase('conv2d depthwise, dilation and stride', (x, w) => F.conv2d(x, w, undefined, 2, 2, 2, 3), [[1, 3, 7, 6], [6, 1, 3, 3]]);
  checkCase('conv2d even kernel, padding same', (x, w, b) => F.conv2d(x, w, b, { padding: 'same' }), [[1, 2, 5, 4], [2, 2, 4, 2], [2]]);
  for (const mode of ['reflect', 'replicate', 'circular'] as const) {
    checkCase(`Conv2d paddingMode ${mode} (input)`, (x) => layers[mode].forward(x), [[1, 2, 5, 4]]);
  }
  checkCase('maxPool2d dilation and ceil mode', (x) => F.maxPool2d(x, 2, 2, 1, 2, true), [[1, 2, 7, 6]], true);
  checkCase('avgPool2d ceil mode, countIncludePad false', (x) => F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [[1, 2, 6, 5]]);
  checkCase('avgPool2d divisorOverride', (x) => F.avgPool2d(x, 3, 2, 1, false, true, 4), [[1, 1, 6, 5]]);

  it('double backward: conv2d with groups and dilation', () => {
    checkGradGrad('conv2d groups dilation', (x, w) => F.conv2d(x, w, null, { groups: 2, dilation: 2, padding: 1 }).pow(2), [[1, 4, 5, 5], [4, 2, 2, 3]]);
    checkGradGrad('conv2d same even', (x, w, b) => F.conv2d(x, w, b, { padding: 'same' }).tanh(), [[1, 2, 4, 5], [2, 2, 2, 4], [2]]);
    checkGradGrad('Conv2d reflect', (x) => layers.reflect.forward(x).pow(2), [[1, 2, 5, 4]]);
    checkGradGrad('maxPool2d dilated', (x) => F.maxPool2d(x, 2, 1, 0, 2).pow(2), [[1, 1, 5, 5]], { values: [Float32Array.from({ length: 25 }, (_, i) => ((i * 7) % 25) / 10 - 1.2)] });
    checkGradGrad('avgPool2d exclude pad', (x) => F.avgPool2d(x, 3, 2, 1, true, false).pow(2), [[1, 1, 5, 6]]);
  });
});

const layers = noGrad(() => ({
  reflect: new nn.Conv2d(2, 2, 3, { padding: [2, 1], paddingMode: 'reflect' }),
  replicate: new nn.Conv2d(2, 3, 2, 1, 'same', 2, 1, true, 'replicate'),
  circular: new nn.Conv2d(2, 2, [3, 2], { stride: 2, padding: [1, 2], groups: 2, paddingMode: 'circular' }),
}));

function checkCase(name: string, fn: (...xs: Tensor[]) => Tensor, shapes: number[][], distinct = false): void {
  it(name, () => {
    const values = distinct ? shapes.map((s) => {
      const n = s.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) / n * 2 - 1);
    }) : undefined;
    checkOp(name, fn, shapes, { values });
  });
}

describe('positional parameters and options', () => {
  it('new nn.Conv2d(3, 8, 3, 1, 1) is stride 1, padding 1 (PyTorch positional order)', () => {
    const c = new nn.Conv2d(3, 8, 3, 1, 1);
    expect(c.stride).toEqual([1, 1]);
    expect(c.padding).toEqual([1, 1]);
    expect(c.forward(tensor(new Float32Array(3 * 5 * 5)).reshape(1, 3, 5, 5)).shape).toEqual([1, 8, 5, 5]);
    expect(c.toString()).toBe('Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))');
    const all = new nn.Conv2d(4, 8, [3, 2], 2, 'valid', [2, 1], 2, false, 'circular');
    expect([all.stride, all.padding, all.dilation, all.groups, all.bias, all.paddingMode]).toEqual([[2, 2], 'valid', [2, 1], 2, null, 'circular']);
    expect(all.weight.shape).toEqual([8, 2, 3, 2]);
    const mixed = new nn.Conv2d(2, 2, 3, 2, { groups: 2, bias: false });
    expect([mixed.stride, mixed.groups, mixed.bias]).toEqual([[2, 2], 2, null]);
  });

  it('misspelled, snake_case and unknown keys throw with a hint', () => {
    expect(() => new nn.Conv2d(3, 8, 3, { paddin: 1 } as never)).toThrow(/Conv2d: unknown option 'paddin' \(did you mean 'padding'\?\)/);
    expect(() => new nn.Conv2d(3, 8, 3, { padding_mode: 'reflect' } as never)).toThrow(/PyTorch's padding_mode is paddingMode here/);
    const x = tensor(new Float32Array(2 * 3 * 6 * 6)).reshape(2, 3, 6, 6);
    expect(() => F.conv2d(x, tensor(new Float32Array(54)).reshape(2, 3, 3, 3), null, { dilaton: 2 } as never)).toThrow(/conv2d: unknown option 'dilaton' \(did you mean 'dilation'\?\)/);
    expect(() => F.maxPool2d(x, 2, { ceil_mode: true } as never)).toThrow(/maxPool2d: unknown option 'ceil_mode' \(PyTorch's ceil_mode is ceilMode here\)/);
    expect(() => F.avgPool2d(x, 2, { count_include_pad: false } as never)).toThrow(/avgPool2d: unknown option 'count_include_pad'/);
    expect(() => F.avgPool2d(x, 2, { dilation: 2 } as never)).toThrow(/avgPool2d: unknown option 'dilation'/);
    expect(() => new nn.MaxPool2d(2, { divisorOverride: 2 } as never)).toThrow(/MaxPool2d: unknown option 'divisorOverride'/);
    expect(() => new nn.AvgPool2d(2, { ceilmode: true } as never)).toThrow(/AvgPool2d: unknown option 'ceilmode' \(did you mean 'ceilMode'\?\)/);
    expect(() => F.conv2d(x, x, null, 1, { stride: 2 } as never)).toThrow(/conv2d: stride is given both/);
  });

  it('wrong types and values throw naming the function and the argument', () => {
    const x = tensor(new Float32Array(2 * 4 * 6 * 6)).reshape(2, 4, 6, 6);
    const w = tensor(new Float32Array(6 * 2 * 3 * 3)).reshape(6, 2, 3, 3);
    const cases: [() => unknown, RegExp][] = [
      [() => F.conv2d(x, w, null, { groups: 2, stride: '2' as never }), /conv2d: stride must be an integer or a pair of integers, got "2"/],
      [() => F.conv2d(x, w, null, { groups: 2, dilation: 0 }), /conv2d: dilation must be a positive integer/],
      [() => F.conv2d(x, w, null, { groups: 1.5 }), /conv2d: groups must be an integer >= 1, got 1.5/],
      [() => F.conv2d(x, w, null, { groups: 4 }), /conv2d: given groups=4, expected weight to be divisible by 4 at dimension 0/],
      [() => F.conv2d(x, w, null, { groups: 3 }), /conv2d: input shape \[2, 4, 6, 6\] has 4 channels but weight shape \[6, 2, 3, 3\] expects 6 \(groups=3 of 2\)/],
      [() => F.conv2d(x, w), /conv2d: input shape \[2, 4, 6, 6\] has 4 channels but weight shape \[6, 2, 3, 3\] expects 2/],
      [() => F.conv2d(x, w, null, { groups: 2, padding: 'full' as never }), /conv2d: invalid padding string 'full', should be one of 'valid', 'same'/],
      [() => F.conv2d(x, w, null, { groups: 2, padding: 'same', stride: 2 }), /conv2d: padding='same' is not supported for strided convolutions/],
      [() => F.conv2d(x, w, null, { groups: 2, padding: true as never }), /conv2d: padding must be a non-negative integer, a pair of them, 'valid' or 'same', got true/],
      [() => F.conv2d(x, w, 3 as never), /conv2d: bias must be a Tensor or null, got 3/],
      [() => F.conv2d(x, w, null, 1, 0, 5, 2), /conv2d: kernel 3x3 with dilation 5x5 \(effective 11x11\) is larger than the padded input 6x6/],
      [() => new nn.Conv2d(3, 8, 3, { groups: 2 }), /Conv2d: inChannels \(3\) must be divisible by groups \(2\)/],
      [() => new nn.Conv2d(4, 6, 3, { groups: 4 }), /Conv2d: outChannels \(6\) must be divisible by groups \(4\)/],
      [() => new nn.Conv2d(4, 6, 3, { paddingMode: 'mirror' as never }), /Conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got "mirror"/],
      [() => new nn.Conv2d(4, 6, 3, { bias: 0 as never }), /Conv2d: bias must be a boolean, got 0/],
      [() => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 'same' }), /Conv2d: padding='same' is not supported for strided convolutions/],
      [() => new nn.Conv2d(4, 6, [3, 3, 3] as never), /Conv2d: kernelSize must be an integer or a pair of integers/],
      [() => new nn.Conv2d(4, 6, 3, { padding: 6, paddingMode: 'reflect' }).forward(x), /Conv2d: reflect padding \(6, 6\) of dimension 3 of input shape \[2, 4, 6, 6\] must be smaller than its size 6/],
      [() => F.maxPool2d(x, 2, 2, 0, 1, 'yes' as never), /maxPool2d: ceilMode must be a boolean, got "yes"/],
      [() => F.maxPool2d(x, { kernelSize: 2, returnIndices: 1 as never }), /maxPool2d: returnIndices must be a boolean, got 1/],
      [() => F.maxPool2d(x, 3, 1, 2), /maxPool2d: padding 2x2 must be at most half the kernel size 3x3/],
      [() => F.maxPool2d(x, 3, 1, 0, 3), /maxPool2d: kernel 3x3 with dilation 3x3 \(effective 7x7\) is larger than the padded input 6x6/],
      [() => F.maxPool2d(x, { stride: 2 }), /maxPool2d: missing required argument kernelSize/],
      [() => F.avgPool2d(x, 2, null, 0, false, true, 0), /avgPool2d: divisorOverride must be a non-zero integer, got 0/],
      [() => F.avgPool2d(x, 2, null, 0, false, true, 1.5), /avgPool2d: divisorOverride must be a non-zero integer/],
      [() => F.avgPool2d(x, 2, null, 0, false, 'no' as never), /avgPool2d: countIncludePad must be a boolean/],
      [() => new nn.AvgPool2d(2, 2, 0, false, true, '2' as never), /AvgPool2d: divisorOverride must be an integer or null, got "2"/],
      [() => new nn.MaxPool2d(2, 2, 0, 1, 'true' as never), /MaxPool2d: returnIndices must be a boolean/],
      [() => new nn.MaxPool2d(3, 1, 2), /MaxPool2d: padding 2x2 must be at most half the kernel size 3x3/],
    ];
    cases.forEach(([f, re], i) => expect(thrown(f).message, `case ${i}`).toMatch(re));
  });

  it('F.conv2d positional and options forms agree, bias given as an option too', () => {
    const rnd = mulberry32(5);
    const x = tensor(Float32Array.from({ length: 2 * 4 * 7 * 6 }, () => rnd() - 0.5)).reshape(2, 4, 7, 6);
    const w = tensor(Float32Array.from({ length: 4 * 2 * 3 * 3 }, () => rnd() - 0.5)).reshape(4, 2, 3, 3);
    const b = tensor([0.1, -0.2, 0.3, 0.4]);
    const ref = F.conv2d(x, w, b, 2, [1, 2], 2, 2).toArray();
    expect(F.conv2d(x, w, b, { stride: 2, padding: [1, 2], dilation: 2, groups: 2 }).toArray()).toEqual(ref);
    expect(F.conv2d(x, w, { bias: b, stride: 2, padding: [1, 2], dilation: 2, groups: 2 }).toArray()).toEqual(ref);
    expect(F.conv2d(x, w, b, 2, { padding: [1, 2], dilation: 2, groups: 2 }).toArray()).toEqual(ref);
  });

  it('pooling layers take PyTorch\'s constructor order and share F\'s results; returnIndices gives [output, indices]', () => {
    const rnd = mulberry32(9);
    const x = tensor(Float32Array.from({ length: 2 * 3 * 7 * 8 }, () => rnd())).reshape(2, 3, 7, 8);
    // nn.MaxPool2d(kernel, stride, padding, dilation, return_indices, ceil_mode)
    const mp = new nn.MaxPool2d<true>(3, 2, 1, 2, true, true);
    const [y, idx] = mp.forward(x);
    const [fy, fidx] = F.maxPool2d(x, 3, 2, 1, 2, true, true);
    expect(y.toArray()).toEqual(fy.toArray());
    expect(idx.toArray()).toEqual(fidx.toArray());
    expect(mp.toString()).toBe('MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)');
    // nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    const ap = new nn.AvgPool2d(3, 2, 1, true, false);
    expect(ap.forward(x).toArray()).toEqual(F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).toArray());
    expect([ap.ceilMode, ap.countIncludePad, ap.divisorOverride]).toEqual([true, false, null]);
    expect(new nn.MaxPool2d(2).forward(x).shape).toEqual([2, 3, 3, 4]);
    expect(new nn.AvgPool2d(2, { ceilMode: true }).forward(x).shape).toEqual([2, 3, 4, 4]);
  });

  it('errors leave nothing changed: a failed call allocates nothing that stays', () => {
    const x = tensor(new Float32Array(1 * 2 * 5 * 5)).reshape(1, 2, 5, 5).requiresGrad_(true);
    expect(() => F.maxPool2d(x, 2, { paddin: 1 } as never)).toThrow();
    expect(() => F.conv2d(x, x, null, { groups: 'a' as never })).toThrow();
    expect(x.grad).toBeNull();
    expect(x.gradFn ?? null).toBeNull();
  });
});

describe('new kernels: WebAssembly against the TypeScript reference', () => {
  const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
  const rnd = mulberry32(31);
  const take = (p: number, n: number, int = false): number[] => {
    const out = Array.from(int ? readI(p, n) : readF(p, n));
    heap.free(p, Math.max(4, n * 4));
    return out;
  };
  const both = (f: (k: Kernels) => number[][]): [number[][], number[][]] => [f(wasm), f(jsKernels)];

  // [c, h, w, kh, kw, sh, sw, ph, pw, dh, dw]
  const convs = [[2, 9, 7, 3, 3, 2, 1, 1, 2, 2, 1], [1, 6, 13, 2, 3, 1, 1, 1, 2, 1, 3], [3, 5, 5, 3, 2, 1, 2, 3, 0, 2, 2], [1, 4, 11, 1, 4, 3, 1, 0, 3, 1, 2], [2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1]];
  it('im2col_dilated_f32 / col2im_dilated_f32 (and im2col_f32 bit for bit at dilation 1)', () => {
    for (const [c, h, w, kh, kw, sh, sw, ph, pw, dh, dw] of convs as [number, number, number, number, number, number, number, number, number, number, number][]) {
      // 'same'-like asymmetric padding after: one more output row and column than the symmetric formula
      const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 2, ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 2;
      const x = randArray(rnd, c * h * w), cols = randArray(rnd, c * kh * kw * oh * ow), dx = randArray(rnd, c * h * w);
      const [a, b] = both((k) => {
        const px = put(x), pc = put(new Float32Array(cols.length)), pcols = put(cols), pd = put(dx);
        k.im2col_dilated_f32(px, pc, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        k.col2im_dilated_f32(pcols, pd, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        const r = [take(pc, cols.length), take(pd, dx.length)];
        take(px, x.length);
        take(pcols, cols.length);
        return r;
      });
      expect(a[0]).toEqual(b[0]);
      expectClose(a[1]!, b[1]!, { atol: 1e-6, rtol: 1e-6 });
      if (dh === 1 && dw === 1) {
        const px = put(x), pc = put(new Float32Array(cols.length));
        wasm.im2col_f32(px, pc, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        expect(take(pc, cols.length)).toEqual(a[0]);
        take(px, x.length);
      }
    }
  });

  it('maxpool2d_dilated_f32 (with NaN and -Infinity) and maxpool2d_f32 at dilation 1 agree', () => {
    for (const [c, h, w, kh, kw, sh, sw, ph, pw, dh, dw] of convs as [number, number, number, number, number, number, number, number, number, number, number][]) {
      const x = randArray(rnd, c * h * w);
      x[3] = NaN;
      x[5] = -Infinity;
      const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
      const n = c * oh * ow;
      const run = (k: Kernels, dilated: boolean) => {
        const px = put(x), po = put(new Float32Array(n)), pi = put(new Int32Array(n));
        if (dilated) k.maxpool2d_dilated_f32(px, po, pi, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        else k.maxpool2d_f32(px, po, pi, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        take(px, x.length);
        return [take(po, n), take(pi, n, true)];
      };
      const [a, b] = both((k) => run(k, true));
      expect(a).toEqual(b);
      if (dh === 1 && dw === 1 && 2 * ph <= kh && 2 * pw <= kw) expect(run(wasm, false)).toEqual(a);
    }
  });

  it('avgpool2d_divisor_f32 / backward: every divisor mode; countIncludePad without overhang is avgpool2d_f32', () => {
    // [c, h, w, kh, kw, sh, sw, ph, pw, ceil]
    const pools = [[2, 6, 6, 3, 3, 2, 2, 1, 1, 1], [1, 7, 8, 3, 2, 2, 2, 0, 1, 1], [3, 5, 9, 2, 2, 2, 3, 1, 0, 0], [1, 4, 4, 4, 4, 1, 1, 2, 2, 0]];
    for (const [c, h, w, kh, kw, sh, sw, ph, pw, ceil] of pools as [number, number, number, number, number, number, number, number, number, number][]) {
      const size = (n: number, k: number, s: number, p: number) => {
        let o = Math.floor((n + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
        if (ceil && (o - 1) * s >= n + p) o--;
        return o;
      };
      const oh = size(h, kh, sh, ph), ow = size(w, kw, sw, pw);
      const x = randArray(rnd, c * h * w), dy = randArray(rnd, c * oh * ow);
      for (const [cip, div] of [[1, 0], [0, 0], [1, 3], [0, -2]] as const) {
        const [a, b] = both((k) => {
          const px = put(x), po = put(new Float32Array(dy.length)), py = put(dy), pd = put(new Float32Array(x.length));
          k.avgpool2d_divisor_f32(px, po, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cip, div);
          k.avgpool2d_divisor_backward_f32(py, pd, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cip, div);
          take(px, x.length);
          take(py, dy.length);
          return [take(po, dy.length), take(pd, x.length)];
        });
        expectClose(a[0]!, b[0]!, { atol: 1e-6, rtol: 1e-5 });
        expectClose(a[1]!, b[1]!, { atol: 1e-6, rtol: 1e-5 });
      }
    }
  });
});
