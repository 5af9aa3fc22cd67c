/**
 * The losses of src/ops/loss-more.ts (issue 16): values and gradients against PyTorch 1.13 for every
 * reduction and option (test/fixtures/losses/cases.json, made by gen.py beside it), the nn modules against
 * the functions, PyTorch's positional forms, gradcheck at odd sizes and on non-contiguous inputs, the CTC
 * loss against brute-force enumeration of alignments, and the errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, grad, nn, tensor } from '../src/index.js';
import { checkGradGrad, checkOp, expectClose, expectTorchCase, thrown, torchNum, type TorchArr, type TorchCase } from './helpers.js';

interface Case extends TorchCase {
  fn: string;
  opts: Record<string, unknown>;
  optTensors?: Record<string, TorchArr>;
}
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/losses/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

type AnyFn = (...a: unknown[]) => Tensor;
const FNS: Record<string, AnyFn> = {
  smoothL1Loss: F.smoothL1Loss as AnyFn, huberLoss: F.huberLoss as AnyFn, binaryCrossEntropy: F.binaryCrossEntropy as AnyFn,
  klDiv: F.klDiv as AnyFn, poissonNllLoss: F.poissonNllLoss as AnyFn, gaussianNllLoss: F.gaussianNllLoss as AnyFn,
  cosineEmbeddingLoss: F.cosineEmbeddingLoss as AnyFn, marginRankingLoss: F.marginRankingLoss as AnyFn,
  hingeEmbeddingLoss: F.hingeEmbeddingLoss as AnyFn, tripletMarginLoss: F.tripletMarginLoss as AnyFn,
  multiMarginLoss: F.multiMarginLoss as AnyFn, multilabelMarginLoss: F.multilabelMarginLoss as AnyFn,
  multilabelSoftMarginLoss: F.multilabelSoftMarginLoss as AnyFn, softMarginLoss: F.softMarginLoss as AnyFn, ctcLoss: F.ctcLoss as AnyFn,
};
type Ctor = new (...a: unknown[]) => { forward: AnyFn };
const MODULES: Record<string, [Ctor, string[]]> = {
  smoothL1Loss: [nn.SmoothL1Loss as unknown as Ctor, []], huberLoss: [nn.HuberLoss as unknown as Ctor, []],
  binaryCrossEntropy: [nn.BCELoss as unknown as Ctor, ['weight']], klDiv: [nn.KLDivLoss as unknown as Ctor, []],
  poissonNllLoss: [nn.PoissonNLLLoss as unknown as Ctor, []], gaussianNllLoss: [nn.GaussianNLLLoss as unknown as Ctor, []],
  cosineEmbeddingLoss: [nn.CosineEmbeddingLoss as unknown as Ctor, []], marginRankingLoss: [nn.MarginRankingLoss as unknown as Ctor, []],
  hingeEmbeddingLoss: [nn.HingeEmbeddingLoss as unknown as Ctor, []], tripletMarginLoss: [nn.TripletMarginLoss as unknown as Ctor, []],
  multiMarginLoss: [nn.MultiMarginLoss as unknown as Ctor, ['weight']], multilabelMarginLoss: [nn.MultiLabelMarginLoss as unknown as Ctor, []],
  multilabelSoftMarginLoss: [nn.MultiLabelSoftMarginLoss as unknown as Ctor, ['weight']], softMarginLoss: [nn.SoftMarginLoss as unknown as Ctor, []],
  ctcLoss: [nn.CTCLoss as unknown as Ctor, []],
};

/** An int32 tensor from (nested) integers. */
const ints = (v: unknown): Tensor => tensor(v as number[], { dtype: 'int32' });
/** A float32 tensor from (nested) numbers, integers included. */
const fl = (v: unknown): Tensor => tensor(v as number[], { dtype: 'float32' });

function T(a: TorchArr): Tensor {
  return tensor(a.values.map(torchNum), { dtype: a.dtype }).reshape(a.shape);
}

describe('losses against PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const fn = FNS[c.fn]!;
      const extra: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.optTensors ?? {})) extra[k] = T(v);
      const opts = { ...c.opts, ...extra };
      expectTorchCase(name, c, (...xs) => fn(...xs, opts), 2e-5);
      // the module with the same options gives the same values
      const [Mod, bufferKeys] = MODULES[c.fn]!;
      const xs = Object.values(c.inputs).map(T);
      const weightIn = 'weight' in c.inputs && c.fn !== 'gaussianNllLoss';
      const modOpts = { ...opts };
      let args = xs;
      if (weightIn) {
        modOpts.weight = xs[xs.length - 1];
        args = xs.slice(0, -1);
      }
      const m = new Mod(modOpts);
      expectClose(m.forward(...args), fn(...xs, opts), { atol: 0, rtol: 0, what: `${name}: module` });
      for (const k of bufferKeys) expect(Object.keys((m as unknown as nn.Module).stateDict()).includes(k)).toBe(modOpts[k] != null);
    });
  }
});

describe("PyTorch's positional forms", () => {
  const x = () => tensor([[0.2, -1.5, 3], [0.5, 0.1, -0.3]]);
  const y = () => tensor([[0, -1, 1], [1.5, 0.1, 0.7]]);
  const same = (a: Tensor, b: Tensor) => expectClose(a, b, { atol: 0, rtol: 0 });
  it('positional arguments equal the options object', () => {
    same(F.smoothL1Loss(x(), y(), null, null, 'sum', 0.5), F.smoothL1Loss(x(), y(), { reduction: 'sum', beta: 0.5 }));
    same(F.huberLoss(x(), y(), 'none', 2), F.huberLoss(x(), y(), { reduction: 'none', delta: 2 }));
    same(F.klDiv(x(), y().abs(), null, null, 'batchmean', false), F.klDiv(x(), y().abs(), { reduction: 'batchmean' }));
    same(F.poissonNllLoss(x(), y().abs(), true, true, null, 1e-8, null, 'sum'), F.poissonNllLoss(x(), y().abs(), { full: true, reduction: 'sum' }));
    same(F.gaussianNllLoss(x(), y(), x().abs(), true, 1e-3, 'none'), F.gaussianNllLoss(x(), y(), x().abs(), { full: true, eps: 1e-3, reduction: 'none' }));
    const s = tensor([1, -1]);
    same(F.cosineEmbeddingLoss(x(), y(), s, 0.2, null, null, 'sum'), F.cosineEmbeddingLoss(x(), y(), s, { margin: 0.2, reduction: 'sum' }));
    same(F.marginRankingLoss(x(), y(), tensor([[1, -1, 1], [1, 1, -1]]), 0.3), F.marginRankingLoss(x(), y(), tensor([[1, -1, 1], [1, 1, -1]]), { margin: 0.3 }));
    same(F.tripletMarginLoss(x(), y(), x().flip(0), 1, 1, 1e-6, true, null, null, 'none'), F.tripletMarginLoss(x(), y(), x().flip(0), { p: 1, swap: true, reduction: 'none' }));
    const w = tensor([1, 2, 0.5]);
    same(F.multiMarginLoss(x(), ints([2, 0]), 2, 0.5, w, null, null, 'sum'), F.multiMarginLoss(x(), ints([2, 0]), { p: 2, margin: 0.5, weight: w, reduction: 'sum' }));
    same(F.multilabelSoftMarginLoss(x(), y().gt(0.3).float(), w, null, null, 'none'), F.multilabelSoftMarginLoss(x(), y().gt(0.3).float(), { weight: w, reduction: 'none' }));
    same(F.binaryCrossEntropy(x().sigmoid(), y().sigmoid(), w, null, null, 'sum'), F.binaryCrossEntropy(x().sigmoid(), y().sigmoid(), { weight: w, reduction: 'sum' }));
    const lp = tensor([[[-1, -2, -0.5]], [[-0.3, -1, -2]]]).logSoftmax(2);
    same(F.ctcLoss(lp, ints([[1]]), [2], [1], 0, 'sum', true), F.ctcLoss(lp, ints([[1]]), [2], [1], { reduction: 'sum', zeroInfinity: true }));
    // modules
    same(new nn.SmoothL1Loss(null, null, 'none', 0.25).forward(x(), y()), F.smoothL1Loss(x(), y(), { reduction: 'none', beta: 0.25 }));
    same(new nn.PoissonNLLLoss(false, true, null, 1e-3).forward(x().abs(), y().abs()), F.poissonNllLoss(x().abs(), y().abs(), false, true, null, 1e-3));
    same(new nn.TripletMarginLoss(0.5, 3).forward(x(), y(), x().flip(1)), F.tripletMarginLoss(x(), y(), x().flip(1), { margin: 0.5, p: 3 }));
    same(new nn.CTCLoss(0, 'none').forward(lp, ints([[1]]), ints([2]), ints([1])), F.ctcLoss(lp, ints([[1]]), ints([2]), ints([1]), { reduction: 'none' }));
  });
  it('the deprecated sizeAverage and reduce throw', () => {
    expect(thrown(() => F.smoothL1Loss(x(), y(), true as unknown as null)).message).toMatch(/smoothL1Loss: size_average is deprecated/);
    expect(thrown(() => F.hingeEmbeddingLoss(x(), y(), 1, null, false as unknown as null)).message).toMatch(/reduce is deprecated/);
    expect(thrown(() => new nn.BCELoss(null, null, null, 'sum', 1 as never)).message).toMatch(/BCELoss: takes at most 4 positional/);
    expect(thrown(() => new nn.SoftMarginLoss({ size_average: true } as never)).message).toMatch(/size_average is deprecated/);
  });
  it('GaussianNLLLoss takes keyword options only, as PyTorch', () => {
    expect(thrown(() => new (nn.GaussianNLLLoss as unknown as new (...a: unknown[]) => unknown)(true)).message).toMatch(/GaussianNLLLoss/);
    expect(new nn.GaussianNLLLoss({ full: true }).full).toBe(true);
  });
  it('buffers are in the state dict under PyTorch names', () => {
    expect(Object.keys(new nn.BCELoss(tensor([1, 2])).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.MultiMarginLoss(1, 1, tensor([1, 2])).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.MultiLabelSoftMarginLoss().stateDict())).toEqual([]);
  });
});

describe('gradcheck (float64 finite differences)', () => {
  const both = [undefined, [-2, 2] as const];
  for (const n of [1, 3, 17]) {
    // float32 sums of 17 rows: a wider finite-difference step keeps rounding out of the numeric gradient
    const eps = n === 17 ? 1e-2 : undefined;
    it(`elementwise losses at size ${n}`, () => {
      for (const red of ['none', 'mean', 'sum'] as const) {
        checkOp(`smoothL1 ${n} ${red}`, (a, b) => F.smoothL1Loss(a, b, { reduction: red, beta: 0.3 }), [[n, 2], [n, 2]], { range: both as never });
        checkOp(`huber ${n} ${red}`, (a, b) => F.huberLoss(a, b, { reduction: red, delta: 0.4 }), [[n, 2], [n, 2]], { range: both as never });
        checkOp(`bce ${n} ${red}`, (a, b) => F.binaryCrossEntropy(a, b, { reduction: red }), [[n, 3], [n, 3]], { range: [[0.1, 0.9], [0, 1]], eps });
        checkOp(`kl ${n} ${red}`, (a, b) => F.klDiv(a, b, { reduction: red }), [[n, 3], [n, 3]], { range: [[-3, 0], [0.1, 1]], eps });
        checkOp(`kl log ${n} ${red}`, (a, b) => F.klDiv(a, b, { reduction: red, logTarget: true }), [[n, 3], [n, 3]], { range: [[-3, 0], [-3, 0]], eps });
        checkOp(`poisson ${n} ${red}`, (a, b) => F.poissonNllLoss(a, b, { reduction: red, full: true }), [[n, 3], [n, 3]], { range: [[-1, 1], [1.2, 4]], eps });
        checkOp(`poisson rate ${n} ${red}`, (a, b) => F.poissonNllLoss(a, b, false, false, { reduction: red }), [[n, 3], [n, 3]], { range: [[0.5, 2], [0, 4]], eps });
        checkOp(`gaussian ${n} ${red}`, (a, b, v) => F.gaussianNllLoss(a, b, v, { reduction: red }), [[n, 3], [n, 3], [n]], { range: [undefined, undefined, [0.5, 2]], eps });
        checkOp(`softmargin ${n} ${red}`, (a) => F.softMarginLoss(a, tensor(Array.from({ length: n * 2 }, (_, i) => (i % 3 ? 1 : -1))).reshape(n, 2), { reduction: red }), [[n, 2]], { eps });
        checkOp(`mlsoft ${n} ${red}`, (a, b) => F.multilabelSoftMarginLoss(a, b, { reduction: red }), [[n, 3], [n, 3]], { range: [[-3, 3], [0, 1]], eps });
        checkOp(`hinge ${n} ${red}`, (a) => F.hingeEmbeddingLoss(a, tensor(Array.from({ length: n * 2 }, (_, i) => (i % 2 ? 1 : -1))).reshape(n, 2), { reduction: red, margin: 0.05 }), [[n, 2]], { range: [0.1, 1] });
        checkOp(`ranking ${n} ${red}`, (a, b) => F.marginRankingLoss(a, b, tensor(Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1))), { reduction: red, margin: 5 }), [[n], [n]]);
      }
    });
    it(`per-sample losses at size ${n}`, () => {
      const labels = ints(Array.from({ length: n }, (_, i) => (i * 2) % 5));
      const pm = tensor(Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)));
      for (const red of ['none', 'mean', 'sum'] as const) {
        checkOp(`cosine ${n} ${red}`, (a, b) => F.cosineEmbeddingLoss(a, b, pm, { reduction: red, margin: -2 }), [[n, 4], [n, 4]], { eps });
        checkOp(`triplet ${n} ${red}`, (a, p, q) => F.tripletMarginLoss(a, p, q, { reduction: red, margin: 9, swap: true }), [[n, 4], [n, 4], [n, 4]], { eps });
        checkOp(`triplet p=3 ${n} ${red}`, (a, p, q) => F.tripletMarginLoss(a, p, q, { reduction: red, margin: 9, p: 3 }), [[n, 4], [n, 4], [n, 4]], { eps });
        checkOp(`multimargin ${n} ${red}`, (a) => F.multiMarginLoss(a, labels, { reduction: red, p: 2, margin: 4, weight: tensor([1, 2, 3, 0.5, 1]) }), [[n, 5]], { eps });
        checkOp(`multilabel ${n} ${red}`, (a) => F.multilabelMarginLoss(a, ints(Array.from({ length: n * 5 }, (_, i) => (i % 5 === 2 ? -1 : i % 5 === 0 ? (i / 5) % 5 : 4))).reshape(n, 5), { reduction: red }), [[n, 5]], { range: [-0.3, 0.3], eps });
      }
    });
  }
  it('non-contiguous inputs', () => {
    checkOp('smoothL1 nc', (a, b) => F.smoothL1Loss(a, b, { beta: 0.5 }), [[3, 4], [3, 4]], { nonContiguous: true, range: [-2, 2] });
    checkOp('bce nc', (a, b) => F.binaryCrossEntropy(a, b, { reduction: 'none' }), [[3, 4], [3, 4]], { nonContiguous: ['transpose', 'strided'], range: [0.1, 0.9] });
    checkOp('kl nc', (a, b) => F.klDiv(a, b, { reduction: 'batchmean' }), [[3, 4], [3, 4]], { nonContiguous: 'permute', range: [[-2, 0], [0.1, 1]] });
    checkOp('gaussian nc', (a, b, v) => F.gaussianNllLoss(a, b, v), [[3, 4], [3, 4], [3, 1]], { nonContiguous: [true, true, 'strided'], range: [undefined, undefined, [0.5, 2]] });
    checkOp('cosine nc', (a, b) => F.cosineEmbeddingLoss(a, b, tensor([1, -1, 1]), { margin: -2 }), [[3, 4], [3, 4]], { nonContiguous: true });
    checkOp('triplet nc', (a, p, q) => F.tripletMarginLoss(a, p, q, { margin: 9 }), [[3, 4], [3, 4], [3, 4]], { nonContiguous: 'narrow' });
    checkOp('multimargin nc', (a) => F.multiMarginLoss(a, ints([1, 0, 3]), { margin: 4 }), [[3, 4]], { nonContiguous: true });
    checkOp('mlsoft nc', (a, b) => F.multilabelSoftMarginLoss(a, b), [[3, 4], [3, 4]], { nonContiguous: true, range: [0, 1] });
    checkOp('ctc nc', (x) => F.ctcLoss(x.logSoftmax(2), ints([[1, 2], [2, 2]]), [4, 5], [2, 2]), [[5, 2, 3]], { nonContiguous: 'permute' });
  });
  it('second derivatives of the losses with their own backward nodes (binaryCrossEntropy, log-sigmoid based)', () => {
    checkGradGrad('bce', (a, b) => F.binaryCrossEntropy(a, b, { reduction: 'sum' }), [[3, 2], [3, 2]], { range: [[0.2, 0.8], [0, 1]] });
    checkGradGrad('softmargin', (a) => F.softMarginLoss(a, tensor([[1, -1], [-1, 1], [1, 1]]), { reduction: 'sum' }), [[3, 2]]);
    checkGradGrad('mlsoft', (a, b) => F.multilabelSoftMarginLoss(a, b), [[3, 2], [3, 2]], { range: [[-2, 2], [0, 1]] });
    checkGradGrad('gaussian', (a, b, v) => F.gaussianNllLoss(a, b, v, { reduction: 'sum' }), [[3, 2], [3, 2], [3, 2]], { range: [undefined, undefined, [0.5, 2]] });
  });
  it('ctcLoss through logSoftmax, every reduction, padded and concatenated targets', () => {
    for (const red of ['none', 'mean', 'sum'] as const) {
      checkOp(`ctc padded ${red}`, (x) => F.ctcLoss(x.logSoftmax(2), ints([[1, 3, 3], [2, 1, 0], [3, 0, 0]]), [7, 6, 3], [3, 2, 1], { reduction: red }), [[7, 3, 4]], { range: [-2, 2] });
      checkOp(`ctc concat blank=3 ${red}`, (x) => F.ctcLoss(x.logSoftmax(2), ints([1, 0, 0, 2, 1]), ints([7, 6, 1]), ints([3, 2, 0]), { reduction: red, blank: 3 }), [[7, 3, 4]], { range: [-2, 2] });
      checkOp(`ctc unbatched ${red}`, (x) => F.ctcLoss(x.logSoftmax(1), ints([2]), [1], [1], { reduction: red }), [[1, 3]]);
    }
  });
});

describe('ctcLoss', () => {
  /** -log of the sum over every path of length T collapsing (merge repeats, drop blanks) to `target`. */
  function bruteForce(lp: number[][], target: number[], blank: number): number {
    const T = lp.length;
    const C = lp[0]!.length;
    let total = 0;
    const path = new Array<number>(T).fill(0);
    const visit = (t: number, logp: number): void => {
      if (t === T) {
        const out: number[] = [];
        path.forEach((c, i) => {
          if (c !== blank && (i === 0 || path[i - 1] !== c)) out.push(c);
        });
        if (out.length === target.length && out.every((c, i) => c === target[i])) total += Math.exp(logp);
        return;
      }
      for (let c = 0; c < C; c++) {
        path[t] = c;
        visit(t + 1, logp + lp[t]![c]!);
      }
    };
    visit(0, 0);
    return -Math.log(total);
  }
  it('equals brute-force enumeration of alignments (repeats, blanks other than 0)', () => {
    const x = tensor(Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.sin(i * 1.3) * 2)).reshape(5, 2, 3).logSoftmax(2);
    const out = F.ctcLoss(x, ints([[1, 1], [2, 0]]), [5, 4], [2, 1], { reduction: 'none', blank: 0 });
    const v = x.tolist() as unknown as number[][][];
    const lp = (b: number, T: number) => v.slice(0, T).map((row) => row[b]!);
    expectClose(out, tensor([bruteForce(lp(0, 5), [1, 1], 0), bruteForce(lp(1, 4), [2], 0)]), { atol: 1e-5, rtol: 1e-5 });
    const out2 = F.ctcLoss(x, ints([0, 0, 1]), [5, 3], [2, 1], { reduction: 'none', blank: 2 });
    expectClose(out2, tensor([bruteForce(lp(0, 5), [0, 0], 2), bruteForce(lp(1, 3), [1], 2)]), { atol: 1e-5, rtol: 1e-5 });
  });
  it("impossible alignments give inf, zeroInfinity turns them and their gradient into 0; the gradient is 0 past each input's length", () => {
    const x = tensor(Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.cos(i))).reshape(4, 2, 3).logSoftmax(2).detach().requiresGrad_();
    expect(F.ctcLoss(x, ints([[1, 1], [1, 2]]), [2, 3], [2, 2], { reduction: 'none' }).toArray()[0]).toBe(Infinity);
    const z = F.ctcLoss(x, ints([[1, 1], [1, 2]]), [2, 3], [2, 2], { reduction: 'sum', zeroInfinity: true });
    const [g] = grad(z, [x]);
    const gv = g!.tolist() as number[][][];
    expect(gv.flatMap((row) => row[0]!).every((v) => v === 0)).toBe(true);
    expect(gv[3]![1]!.every((v) => v === 0)).toBe(true);
    expect(gv[0]![1]!.some((v) => v !== 0)).toBe(true);
  });
  it('is not differentiable twice (as PyTorch)', () => {
    const x = tensor([[[-1, -2, -0.5]], [[-0.3, -1, -2]]]).requiresGrad_();
    const y = F.ctcLoss(x.logSoftmax(2), ints([[1]]), [2], [1]);
    expect(thrown(() => grad(y, [x], { createGraph: true })).message).toMatch(/ctcLoss.*not differentiable/);
  });
});

describe('errors name the function and the argument', () => {
  const x = () => tensor([[0.2, 0.5, 0.3], [0.5, 0.1, 0.9]]);
  const cases: [string, () => unknown, RegExp][] = [
    ['smoothL1 shapes', () => F.smoothL1Loss(x(), fl([1, 2, 3])), /smoothL1Loss: target shape \[3\] must be the same as input shape \[2, 3\]/],
    ['smoothL1 beta', () => F.smoothL1Loss(x(), x(), { beta: -1 }), /smoothL1Loss: beta must be non-negative/],
    ['huber delta', () => F.huberLoss(x(), x(), 'mean', 0), /huberLoss: delta must be positive/],
    ['reduction', () => F.huberLoss(x(), x(), 'avg' as never), /huberLoss: reduction must be 'mean', 'sum' or 'none', got "avg"/],
    ['batchmean only for klDiv', () => F.smoothL1Loss(x(), x(), { reduction: 'batchmean' as never }), /smoothL1Loss: reduction must be/],
    ['bce range', () => F.binaryCrossEntropy(x().mul(2), x()), /binaryCrossEntropy: all elements of input should be between 0 and 1, got 1\.79/],
    ['bce NaN', () => F.binaryCrossEntropy(tensor([NaN]), fl([1])), /between 0 and 1, got NaN/],
    ['bce sizes', () => F.binaryCrossEntropy(x(), fl([1, 0, 1])), /binaryCrossEntropy: using a target size \[3\] that is different to the input size \[2, 3\]/],
    ['bce weight', () => F.binaryCrossEntropy(x(), x(), fl([1, 2])), /binaryCrossEntropy: weight shape \[2\] does not broadcast to input shape \[2, 3\]/],
    ['bce weight type', () => F.binaryCrossEntropy(x(), x(), 'sum' as never), /weight must be a Tensor or null, got the string "sum"; did you mean \{ reduction: "sum" \}/],
    ['int input', () => F.klDiv(ints([1, 2]), x()), /klDiv: input must be a float32 Tensor, got dtype int32/],
    ['logTarget', () => F.klDiv(x(), x(), { logTarget: 1 as never }), /klDiv: logTarget must be a boolean/],
    ['gaussian var size', () => F.gaussianNllLoss(x(), x(), fl([1, 2, 3])), /gaussianNllLoss: var is of incorrect size \[3\] for input shape \[2, 3\]/],
    ['gaussian negative var', () => F.gaussianNllLoss(x(), x(), fl([1, -2])), /gaussianNllLoss: var has negative entry/],
    ['cosine dims', () => F.cosineEmbeddingLoss(x(), x(), fl(1)), /cosineEmbeddingLoss: 0D target tensor expects 1D input tensors/],
    ['cosine 2-D target', () => F.cosineEmbeddingLoss(x(), x(), x()), /cosineEmbeddingLoss: 0D or 1D target tensor expected/],
    ['ranking dims', () => F.marginRankingLoss(x(), x(), fl([1, 1, 1])), /marginRankingLoss: all input tensors should have same dimension/],
    ['triplet dims', () => F.tripletMarginLoss(x(), x(), fl([1, 2, 3])), /tripletMarginLoss: all inputs should have same dimension but got 2D, 2D and 1D inputs/],
    ['triplet margin', () => F.tripletMarginLoss(x(), x(), x(), { margin: 0 }), /tripletMarginLoss: margin must be greater than 0/],
    ['multimargin p', () => F.multiMarginLoss(x(), ints([0, 1]), 3), /multiMarginLoss: only p == 1 and p == 2 supported/],
    ['multimargin target', () => F.multiMarginLoss(x(), ints([0, 3])), /multiMarginLoss: target 3 is out of range for 3 classes/],
    ['multimargin target size', () => F.multiMarginLoss(x(), ints([0, 1, 2])), /multiMarginLoss: inconsistent target size, expected 2 but got \[3\]/],
    ['multimargin float target', () => F.multiMarginLoss(x(), fl([0, 1])), /multiMarginLoss: target must hold int32 class indices, got dtype float32/],
    ['multimargin weight', () => F.multiMarginLoss(x(), ints([0, 1]), 1, 1, fl([1, 2])), /multiMarginLoss: weight must be a 1-D Tensor of 3 class weights, got shape \[2\]/],
    ['multilabel target', () => F.multilabelMarginLoss(x(), ints([[0, 5, -1], [0, -1, 1]])), /multilabelMarginLoss: target 5 is out of range/],
    ['multilabel shape', () => F.multilabelMarginLoss(x(), ints([0, -1, 1])), /multilabelMarginLoss: target shape \[3\] must be the same as input shape \[2, 3\]/],
    ['ctc lengths', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), [3], [1]), /ctcLoss: expected inputLengths to have value at most 2, but got value 3/],
    ['ctc batch', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), [2, 2], [1]), /ctcLoss: inputLengths must be of size batch_size \(1\), got 2 values/],
    ['ctc padded size', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), [2], [2]), /ctcLoss: expected targets to have size at least 2 at dimension 1, but got size 1/],
    ['ctc concatenated size', () => F.ctcLoss(x().reshape(2, 1, 3), ints([1, 2, 1]), [2], [2]), /ctcLoss: concatenated targets must have sum\(targetLengths\) = 2 elements/],
    ['ctc blank', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), [2], [1], 3), /ctcLoss: blank must be in label range \[0, 3\), got 3/],
    ['ctc label', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[4]]), [2], [1]), /ctcLoss: target label 4 of sample 0 is out of range for 3 classes/],
    ['ctc float lengths', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), fl([2]), [1]), /ctcLoss: inputLengths must be integral/],
    ['unknown option', () => F.ctcLoss(x().reshape(2, 1, 3), ints([[1]]), [2], [1], { zero_infinity: true } as never), /ctcLoss: unknown option 'zero_infinity' \(PyTorch's zero_infinity is zeroInfinity here\)/],
    ['module option', () => new nn.KLDivLoss({ reduction: 'avg' as never }), /KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none'/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(thrown(f).message).toMatch(re));
});
