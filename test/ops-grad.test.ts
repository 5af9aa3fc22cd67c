/**
 * Every differentiable op: gradcheck (analytic vs central differences) plus a float64 forward reference,
 * at 0-d, size-1, odd (3, 17, 129), broadcast and non-contiguous shapes; then forward checks at extreme
 * ranges and NaN propagation. Runs once per backend (see vitest.config.ts).
 *
 * Kinks are avoided by construction: relu/abs inputs are bounded away from 0, clamp inputs away from the
 * bounds, max/min/maximum/minimum inputs are distinct by far more than gradcheck's eps.
 */
import { describe, expect, it } from 'vitest';
import {
  F, Tensor, add, amax, zeros, amin, cat, div, exp, gradcheck, grad, log, matmul, max, maximum, min, minimum, mm, bmm, pow, relu,
  sigmoid, softmax, logSoftmax, sqrt, stack, sub, tanh, tensor, where, abs, clamp, neg, sum, mean, indexSelect, gather,
} from '../src/index.js';
import {
  awayFromZero, bmap, checkGradGrad, checkOp, conv2dND, distinctValues, expectClose, fromTensor, ints, makeInput, matmulND, maxPool2dND, nd,
  nonContiguous, permuteND, reduceND, reshapeND, seed, softmaxND, transposeND, uniformValues, type CheckOpOptions, type NDArray,
} from './helpers.js';
import { linearFused } from '../src/ops/matmul.js';

type Fn = (...xs: Tensor[]) => Tensor;
type Spec = readonly number[] | Tensor;

/** One test per line: gradcheck + optional float64 reference. */
function op(name: string, fn: Fn, shapes: readonly Spec[], opts: CheckOpOptions = {}): void {
  it(name, () => checkOp(name, fn, shapes, opts));
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Values on a 0.1 grid shifted by `offset`: two such sets with offsets 0 and 0.05 never come within 0.05. */
function gridValues(n: number, offset: number): Float32Array {
  const v = uniformValues(n, [-10, 10]);
  return v.map((x) => Math.round(x) * 0.1 + offset);
}

const r = {
  add: (a: NDArray, b: NDArray) => bmap((x, y) => x + y, a, b),
  sub: (a: NDArray, b: NDArray) => bmap((x, y) => x - y, a, b),
  mul: (a: NDArray, b: NDArray) => bmap((x, y) => x * y, a, b),
  div: (a: NDArray, b: NDArray) => bmap((x, y) => x / y, a, b),
  pow: (a: NDArray, b: NDArray) => bmap((x, y) => x ** y, a, b),
  map: (f: (x: number) => number) => (a: NDArray) => bmap(f, a),
};

// ==================================================================== elementwise binary

describe('add / sub / mul / div', () => {
  op('add broadcast [3,1,4]+[2,4]', (a, b) => a.add(b), [[3, 1, 4], [2, 4]], { ref: r.add });
  op('add broadcast [17,1]+[1,3]', (a, b) => a.add(b), [[17, 1], [1, 3]], { ref: r.add });
  op('add 0-d + 0-d', (a, b) => a.add(b), [[], []], { ref: r.add });
  op('add 0-d + [3,4]', (a, b) => a.add(b), [[], [3, 4]], { ref: r.add });
  op('add size 1', (a, b) => a.add(b), [[1], [1]], { ref: r.add });
  op('add [129]', (a, b) => a.add(b), [[129], [129]], { ref: r.add });
  op('add non-contiguous (transpose, strided)', (a, b) => a.add(b), [[3, 5], [3, 5]], { nonContiguous: ['transpose', 'strided'], ref: r.add });
  op('add non-contiguous broadcast (permute [2,3,4] + narrow [3,4])', (a, b) => a.add(b), [[2, 3, 4], [3, 4]], { nonContiguous: ['permute', 'narrow'], ref: r.add });
  op('add expanded operand', (a, b) => a.expand(4, 3).add(b), [[3], [4, 3]], { ref: (a, b) => r.add(a, b) });
  op('add number', (a) => a.add(2.5), [[2, 3]], { ref: (a) => bmap((x) => x + 2.5, a) });
  op('add alpha', (a, b) => a.add(b, -2), [[3, 4], [4]], { ref: (a, b) => bmap((x, y) => x - 2 * y, a, b) });

  op('sub broadcast [4]-[3,4]', (a, b) => a.sub(b), [[4], [3, 4]], { ref: r.sub });
  op('sub broadcast [17,1]-[1,3]', (a, b) => a.sub(b), [[17, 1], [1, 3]], { ref: r.sub });
  op('sub 0-d', (a, b) => a.sub(b), [[], []], { ref: r.sub });
  op('sub non-contiguous', (a, b) => a.sub(b), [[4, 3], [4, 3]], { nonContiguous: ['strided', 'transpose'], ref: r.sub });
  op('sub number (both sides)', (a) => sub(1.5, a.sub(0.25)), [[2, 3]], { ref: (a) => bmap((x) => 1.5 - (x - 0.25), a) });
  op('sub alpha', (a, b) => a.sub(b, 3), [[2, 3], [2, 3]], { ref: (a, b) => bmap((x, y) => x - 3 * y, a, b) });

  op('mul broadcast [2,3,1]*[1,3,5]', (a, b) => a.mul(b), [[2, 3, 1], [1, 3, 5]], { ref: r.mul });
  op('mul broadcast [3,1,4]*[2,4]', (a, b) => a.mul(b), [[3, 1, 4], [2, 4]], { ref: r.mul });
  op('mul 0-d * [17]', (a, b) => a.mul(b), [[], [17]], { ref: r.mul });
  op('mul [129]', (a, b) => a.mul(b), [[129], [129]], { ref: r.mul });
  op('mul non-contiguous', (a, b) => a.mul(b), [[3, 4, 2], [3, 4, 2]], { nonContiguous: ['permute', 'narrow'], ref: r.mul });
  op('mul number', (a) => a.mul(-3), [[5]], { ref: (a) => bmap((x) => -3 * x, a) });
  op('mul self (x*x)', (a) => a.mul(a), [[7]], { ref: (a) => bmap((x) => x * x, a) });

  op('div broadcast [3,4]/[4]', (a, b) => a.div(b), [[3, 4], [4]], { range: [undefined, [0.5, 2]], ref: r.div });
  op('div broadcast [17,1]/[1,3] (negative divisors)', (a, b) => a.div(b), [[17, 1], [1, 3]], { values: [undefined, [-0.7, 1.3, -2]], ref: r.div });
  op('div 0-d', (a, b) => a.div(b), [[], []], { range: [undefined, [0.5, 2]], ref: r.div });
  op('div non-contiguous', (a, b) => a.div(b), [[5, 3], [5, 3]], { nonContiguous: true, range: [undefined, [0.5, 2]], ref: r.div });
  op('div number / tensor', (a) => div(2, a), [[6]], { range: [0.5, 2], ref: (a) => bmap((x) => 2 / x, a) });
  op('div tensor / number', (a) => a.div(4), [[2, 3]], { ref: (a) => bmap((x) => x / 4, a) });
});

describe('pow', () => {
  op('pow tensor^tensor (positive base)', (a, b) => a.pow(b), [[6], [6]], { range: [[0.5, 2], [-1.5, 2]], ref: r.pow });
  op('pow tensor^tensor broadcast [3,1]^[1,4]', (a, b) => a.pow(b), [[3, 1], [1, 4]], { range: [[0.5, 2], [-1, 2]], ref: r.pow });
  op('pow 0-d ^ [5]', (a, b) => a.pow(b), [[], [5]], { range: [[0.5, 2], [-1, 2]], ref: r.pow });
  op('pow non-contiguous', (a, b) => a.pow(b), [[4, 3], [4, 3]], { nonContiguous: ['transpose', 'strided'], range: [[0.5, 2], [-1, 2]], ref: r.pow });
  op('pow ^2 (negative bases)', (a) => a.pow(2), [[5]], { ref: (a) => bmap((x) => x * x, a) });
  op('pow ^3 (negative bases)', (a) => a.pow(3), [[2, 3]], { ref: (a) => bmap((x) => x ** 3, a) });
  op('pow ^0.5', (a) => a.pow(0.5), [[17]], { range: [0.3, 3], ref: (a) => bmap(Math.sqrt, a) });
  op('pow ^-1.5', (a) => a.pow(-1.5), [[3, 1]], { range: [0.5, 2], ref: (a) => bmap((x) => x ** -1.5, a) });
  op('pow ^-1 (negative bases)', (a) => a.pow(-1), [[4]], { values: [awayFromZero(4, 0.5, 2)], ref: (a) => bmap((x) => 1 / x, a) });
  op('pow ^1', (a) => a.pow(1), [[3]], { ref: (a) => a });
  op('pow ^0 (gradient 0)', (a) => a.pow(0), [[3]], { ref: (a) => bmap(() => 1, a) });
  op('pow ^2 0-d', (a) => a.pow(2), [[]], { ref: (a) => bmap((x) => x * x, a) });
  op('pow ^2.5 non-contiguous', (a) => a.pow(2.5), [[3, 4]], { nonContiguous: true, range: [0.5, 2], ref: (a) => bmap((x) => x ** 2.5, a) });
  op('pow number ^ tensor', (a) => pow(2, a), [[5]], { ref: (a) => bmap((x) => 2 ** x, a) });
  op('pow number ^ tensor 0-d', (a) => pow(0.5, a), [[]], { ref: (a) => bmap((x) => 0.5 ** x, a) });

  it('pow gradient at a zero base with exponent 2 is 0, d/de of 0^e is 0 (PyTorch conventions)', () => {
    const x = tensor([0, 1, 2], { requiresGrad: true });
    const [gx] = grad(x.pow(2).sum(), [x]);
    expectClose(gx!, [0, 2, 4]);
    const e = tensor([2, 2, 2], { requiresGrad: true });
    const [ge] = grad(tensor([0, 1, 2]).pow(e).sum(), [e]);
    expectClose(ge!, [0, 0, 4 * Math.log(2)]);
  });
});

// ==================================================================== elementwise unary

describe('unary', () => {
  const shapesFor = (name: string, fn: Fn, opts: CheckOpOptions, valuesOf?: (n: number) => Float32Array) => {
    const cases: [string, number[], CheckOpOptions][] = [
      ['0-d', [], {}],
      ['size 1', [1], {}],
      ['[3]', [3], {}],
      ['[17,3]', [17, 3], {}],
      ['[129]', [129], {}],
      ['non-contiguous transpose [3,5]', [3, 5], { nonContiguous: 'transpose' }],
      ['non-contiguous strided [2,3,4]', [2, 3, 4], { nonContiguous: 'strided' }],
      ['non-contiguous permute [2,3,4]', [2, 3, 4], { nonContiguous: 'permute' }],
    ];
    for (const [label, shape, extra] of cases) {
      const values = valuesOf ? [valuesOf(numel(shape))] : undefined;
      op(`${name} ${label}`, fn, [shape], { ...opts, ...extra, values });
    }
  };
  shapesFor('neg', (a) => a.neg(), { ref: r.map((x) => -x) });
  shapesFor('exp', (a) => a.exp(), { range: [-2, 2], ref: r.map(Math.exp) });
  shapesFor('log', (a) => a.log(), { range: [0.3, 3], ref: r.map(Math.log) });
  shapesFor('sqrt', (a) => a.sqrt(), { range: [0.3, 3], ref: r.map(Math.sqrt) });
  shapesFor('abs', (a) => a.abs(), { ref: r.map(Math.abs) }, (n) => awayFromZero(n));
  shapesFor('relu', (a) => a.relu(), { ref: r.map((x) => Math.max(x, 0)) }, (n) => awayFromZero(n));
  shapesFor('sigmoid', (a) => a.sigmoid(), { range: [-4, 4], ref: r.map((x) => 1 / (1 + Math.exp(-x))) });
  shapesFor('tanh', (a) => a.tanh(), { range: [-2, 2], ref: r.map(Math.tanh) });
  // clamp: values on a 0.1 grid + 0.05 never lie within 0.05 of the bounds -0.3 / 0.4
  const clampVals = (n: number) => gridValues(n, 0.05);
  shapesFor('clamp(-0.3, 0.4)', (a) => a.clamp(-0.3, 0.4), { ref: r.map((x) => Math.min(Math.max(x, -0.3), 0.4)) }, clampVals);
  op('clamp min only', (a) => a.clamp(-0.2), [[17]], { values: [gridValues(17, 0.05)], ref: r.map((x) => Math.max(x, -0.2)) });
  op('clamp max only', (a) => a.clamp(null, 0.1), [[17]], { values: [gridValues(17, 0.05)], ref: r.map((x) => Math.min(x, 0.1)) });
  op('clamp function form', (a) => clamp(a, -0.5, 0.5), [[3, 4]], { values: [gridValues(12, 0.05)], ref: r.map((x) => Math.min(Math.max(x, -0.5), 0.5)) });
  op('function forms neg/exp/log/sqrt/abs/relu/sigmoid/tanh', (a) => tanh(sigmoid(relu(abs(neg(sqrt(log(exp(a)))))))), [[5]], { range: [0.5, 2] });

  it('relu/abs/clamp gradients at the kinks follow PyTorch (0 at relu(0); sign(0)=0 for abs; pass-through at clamp bounds)', () => {
    const x = tensor([0, -1, 2], { requiresGrad: true });
    expectClose(grad(x.relu().sum(), [x])[0]!, [0, 0, 1]);
    expectClose(grad(x.abs().sum(), [x])[0]!, [0, -1, 1]);
    const y = tensor([-1, 0, 1, 2], { requiresGrad: true });
    expectClose(grad(y.clamp(-1, 1).sum(), [y])[0]!, [1, 1, 1, 0]);
  });
});

// ==================================================================== where / maximum / minimum

describe('where, maximum, minimum', () => {
  const cond34 = () => ints([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], [3, 4]).bool();
  op('where [3,4]', (a, b) => where(cond34(), a, b), [[3, 4], [3, 4]], {
    ref: (a, b) => bmap((c, x, y) => (c ? x : y), nd([3, 4], [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]), a, b),
  });
  op('where broadcast cond [3,4], a [3,1], b [1,4]', (a, b) => where(cond34(), a, b), [[3, 1], [1, 4]], {
    ref: (a, b) => bmap((c, x, y) => (c ? x : y), nd([3, 4], [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]), a, b),
  });
  op('where method with number other', (a) => a.where(a.gt(0), -1), [[17]], { values: [awayFromZero(17)], ref: r.map((x) => (x > 0 ? x : -1)) });
  op('where 0-d', (a, b) => where(tensor(true), a, b), [[], []], { ref: (a) => a });
  op('where non-contiguous', (a, b) => where(a.gt(b), a, b), [[4, 3], [4, 3]], {
    nonContiguous: ['transpose', 'strided'],
    values: [gridValues(12, 0), gridValues(12, 0.05)],
    ref: (a, b) => bmap((x, y) => (x > y ? x : y), a, b),
  });

  const ab = (n: number, m: number) => [gridValues(n, 0), gridValues(m, 0.05)];
  op('maximum broadcast [3,1,4],[2,4]', (a, b) => a.maximum(b), [[3, 1, 4], [2, 4]], { values: ab(12, 8), ref: (a, b) => bmap(Math.max, a, b) });
  op('maximum [17,1],[1,3]', (a, b) => maximum(a, b), [[17, 1], [1, 3]], { values: ab(17, 3), ref: (a, b) => bmap(Math.max, a, b) });
  op('maximum 0-d', (a, b) => a.maximum(b), [[], []], { values: ab(1, 1), ref: (a, b) => bmap(Math.max, a, b) });
  op('maximum non-contiguous', (a, b) => a.maximum(b), [[3, 5], [3, 5]], { nonContiguous: ['transpose', 'narrow'], values: ab(15, 15), ref: (a, b) => bmap(Math.max, a, b) });
  op('maximum with number', (a) => a.maximum(0.02), [[129]], { values: [gridValues(129, 0.05)], ref: r.map((x) => Math.max(x, 0.02)) });
  op('minimum broadcast [3,1,4],[2,4]', (a, b) => a.minimum(b), [[3, 1, 4], [2, 4]], { values: ab(12, 8), ref: (a, b) => bmap(Math.min, a, b) });
  op('minimum [17,1],[1,3]', (a, b) => minimum(a, b), [[17, 1], [1, 3]], { values: ab(17, 3), ref: (a, b) => bmap(Math.min, a, b) });
  op('minimum non-contiguous', (a, b) => a.minimum(b), [[2, 3, 4], [2, 3, 4]], { nonContiguous: ['permute', 'strided'], values: ab(24, 24), ref: (a, b) => bmap(Math.min, a, b) });
  op('minimum with number', (a) => a.minimum(-0.02), [[3, 4]], { values: [gridValues(12, 0.05)], ref: r.map((x) => Math.min(x, -0.02)) });

  it('maximum/minimum split the gradient evenly at ties (as PyTorch)', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([1, 5, 0], { requiresGrad: true });
    const [ga, gb] = grad(a.maximum(b).sum(), [a, b]);
    expectClose(ga!, [0.5, 0, 1]);
    expectClose(gb!, [0.5, 1, 0]);
    const [ha, hb] = grad(a.minimum(b).sum(), [a, b]);
    expectClose(ha!, [0.5, 1, 0]);
    expectClose(hb!, [0.5, 0, 1]);
  });
});

// ==================================================================== reductions

describe('sum / mean', () => {
  const sumRef = (dims: number | number[] | null, keep = false) => (a: NDArray) => reduceND(a, dims, keep, 'sum');
  const meanRef = (dims: number | number[] | null, keep = false) => (a: NDArray) => reduceND(a, dims, keep, 'mean');
  op('sum all [3,4]', (a) => a.sum(), [[3, 4]], { ref: sumRef(null) });
  op('sum 0-d', (a) => a.sum(), [[]], { ref: sumRef(null) });
  op('sum 0-d dim 0', (a) => a.sum(0), [[]], { ref: (a) => a });
  op('sum size 1', (a) => a.sum(0), [[1]], { ref: sumRef(0) });
  op('sum [129]', (a) => sum(a), [[129]], { ref: sumRef(null) });
  op('sum dim 0 [17,3]', (a) => a.sum(0), [[17, 3]], { ref: sumRef(0) });
  op('sum dim 1 [2,3,4]', (a) => a.sum(1), [[2, 3, 4]], { ref: sumRef(1) });
  op('sum dim -1 [2,3,4]', (a) => a.sum(-1), [[2, 3, 4]], { ref: sumRef(-1) });
  op('sum dims [0,2] [2,3,4]', (a) => a.sum([0, 2]), [[2, 3, 4]], { ref: sumRef([0, 2]) });
  op('sum dims [-1,0] keepdim', (a) => a.sum([-1, 0], true), [[2, 3, 4]], { ref: sumRef([0, 2], true) });
  op('sum dim 1 keepdim', (a) => a.sum(1, true), [[2, 3, 4]], { ref: sumRef(1, true) });
  op('sum adjacent dims [1,2] of [2,3,4,5]', (a) => a.sum([1, 2]), [[2, 3, 4, 5]], { ref: sumRef([1, 2]) });
  op('sum non-contiguous permute dim 1', (a) => a.sum(1), [[3, 4, 5]], { nonContiguous: 'permute', ref: sumRef(1) });
  op('sum non-contiguous transpose all', (a) => a.sum(), [[17, 5]], { nonContiguous: 'transpose', ref: sumRef(null) });
  op('sum of expanded', (a) => a.expand(4, 3, 5).sum(0), [[3, 1]], { ref: (a) => bmap((x) => 4 * x, reshapeND(a, [3, 1]), nd([3, 5], new Array(15).fill(0))) });
  op('mean all', (a) => a.mean(), [[3, 4]], { ref: meanRef(null) });
  op('mean 0-d', (a) => a.mean(), [[]], { ref: meanRef(null) });
  op('mean [129]', (a) => mean(a), [[129]], { ref: meanRef(null) });
  op('mean dim 2', (a) => a.mean(2), [[2, 3, 4]], { ref: meanRef(2) });
  op('mean dim -2 keepdim', (a) => a.mean(-2, true), [[2, 3, 4]], { ref: meanRef(1, true) });
  op('mean dims [0,1]', (a) => a.mean([0, 1]), [[2, 3, 4]], { ref: meanRef([0, 1]) });
  op('mean non-contiguous', (a) => a.mean(0), [[5, 17]], { nonContiguous: 'narrow', ref: meanRef(0) });
});

describe('amax / amin / max(dim) / min(dim)', () => {
  const d = (shape: number[]) => [distinctValues(numel(shape))];
  const red = (op_: 'max' | 'min', dims: number | number[] | null, keep = false) => (a: NDArray) => reduceND(a, dims, keep, op_);
  op('amax all', (a) => a.amax(), [[3, 4]], { values: d([3, 4]), ref: red('max', null) });
  op('amax 0-d', (a) => a.amax(), [[]], { ref: red('max', null) });
  op('amax dim 0 keepdim', (a) => a.amax(0, true), [[3, 5]], { values: d([3, 5]), ref: red('max', 0, true) });
  op('amax dim -1', (a) => amax(a, -1), [[4, 17]], { values: d([4, 17]), ref: red('max', -1) });
  op('amax dims [0,2]', (a) => a.amax([0, 2]), [[2, 3, 4]], { values: d([2, 3, 4]), ref: red('max', [0, 2]) });
  op('amax [129]', (a) => a.amax(0), [[129]], { values: d([129]), ref: red('max', 0) });
  op('amax non-contiguous', (a) => a.amax(1), [[3, 4, 5]], { nonContiguous: 'permute', values: d([3, 4, 5]), ref: red('max', 1) });
  op('amin all', (a) => a.amin(), [[3, 4]], { values: d([3, 4]), ref: red('min', null) });
  op('amin dim 1 keepdim', (a) => amin(a, 1, true), [[3, 5]], { values: d([3, 5]), ref: red('min', 1, true) });
  op('amin dims [1,2] non-contiguous', (a) => a.amin([1, 2]), [[2, 3, 4]], { nonContiguous: 'transpose', values: d([2, 3, 4]), ref: red('min', [1, 2]) });
  op('max() all', (a) => a.max(), [[17]], { values: d([17]), ref: red('max', null) });
  op('max(x) function', (a) => max(a), [[2, 3]], { values: d([2, 3]), ref: red('max', null) });
  op('min() all', (a) => a.min(), [[17]], { values: d([17]), ref: red('min', null) });
  op('min(x) function', (a) => min(a), [[2, 3]], { values: d([2, 3]), ref: red('min', null) });
  op('max(1).values', (a) => a.max(1).values, [[4, 6]], { values: d([4, 6]), ref: red('max', 1) });
  op('max(0).values [17,3]', (a) => a.max(0).values, [[17, 3]], { values: d([17, 3]), ref: red('max', 0) });
  op('max(-1, keepdim).values', (a) => a.max(-1, true).values, [[2, 3, 5]], { values: d([2, 3, 5]), ref: red('max', -1, true) });
  op('max(dim).values 0-d', (a) => a.max(0).values, [[]], { ref: (a) => a });
  op('max(1).values non-contiguous', (a) => a.max(1).values, [[3, 4, 5]], { nonContiguous: 'permute', values: d([3, 4, 5]), ref: red('max', 1) });
  op('max(dim) function form', (a) => max(a, 0).values, [[129]], { values: d([129]), ref: red('max', 0) });
  op('min(0).values', (a) => a.min(0).values, [[4, 6]], { values: d([4, 6]), ref: red('min', 0) });
  op('min(2, keepdim).values non-contiguous', (a) => a.min(2, true).values, [[2, 3, 4]], { nonContiguous: 'strided', values: d([2, 3, 4]), ref: red('min', 2, true) });
  op('min(dim) function form', (a) => min(a, 1).values, [[3, 7]], { values: d([3, 7]), ref: red('min', 1) });

  it('max(dim) returns the right indices, amax shares the gradient among ties', () => {
    const x = tensor([[1, 5, 2], [7, 0, 7.5]]);
    expect(Array.from(x.max(1).indices.toArray())).toEqual([1, 2]);
    expect(Array.from(x.min(0).indices.toArray())).toEqual([0, 1, 0]);
    const y = tensor([[3, 1, 3], [0, 2, -1]], { requiresGrad: true });
    expectClose(grad(y.amax(1).sum(), [y])[0]!, [0.5, 0, 0.5, 0, 1, 0]);
    expectClose(grad(y.amax().mul(2), [y])[0]!, [1, 0, 1, 0, 0, 0]);
  });
});

// ==================================================================== views and indexing

describe('views', () => {
  op('reshape [2,6]->[3,4]', (a) => a.reshape(3, 4), [[2, 6]], { ref: (a) => reshapeND(a, [3, 4]) });
  op('reshape -1', (a) => a.reshape(-1, 2), [[3, 4]], { ref: (a) => reshapeND(a, [6, 2]) });
  op('reshape 0-d <-> [1]', (a) => a.reshape([1]).reshape([]), [[]], { ref: (a) => a });
  op('reshape non-contiguous (copies)', (a) => a.reshape(15), [[3, 5]], { nonContiguous: 'transpose', ref: (a) => reshapeND(a, [15]) });
  op('reshape non-contiguous narrow', (a) => a.reshape(2, -1), [[3, 4]], { nonContiguous: 'narrow', ref: (a) => reshapeND(a, [2, 6]) });
  op('view', (a) => a.view(4, 3), [[2, 6]], { ref: (a) => reshapeND(a, [4, 3]) });
  op('view of a permuted-compatible layout', (a) => a.view(3, 4, 1), [[3, 4]], { nonContiguous: 'strided', ref: (a) => reshapeND(a, [3, 4, 1]) });
  op('flatten', (a) => a.flatten(), [[2, 3, 4]], { ref: (a) => reshapeND(a, [24]) });
  op('flatten(1)', (a) => a.flatten(1), [[2, 3, 4]], { ref: (a) => reshapeND(a, [2, 12]) });
  op('flatten(0, 1) non-contiguous', (a) => a.flatten(0, 1), [[2, 3, 4]], { nonContiguous: 'permute', ref: (a) => reshapeND(a, [6, 4]) });
  op('flatten 0-d', (a) => a.flatten(), [[]], { ref: (a) => reshapeND(a, [1]) });
  op('squeeze all', (a) => a.squeeze(), [[3, 1, 2, 1]], { ref: (a) => reshapeND(a, [3, 2]) });
  op('squeeze(1)', (a) => a.squeeze(1), [[3, 1, 2]], { ref: (a) => reshapeND(a, [3, 2]) });
  op('squeeze(-1) no-op on size>1', (a) => a.squeeze(-1), [[3, 2]], { ref: (a) => a });
  op('unsqueeze(0)', (a) => a.unsqueeze(0), [[3]], { ref: (a) => reshapeND(a, [1, 3]) });
  op('unsqueeze(-1) non-contiguous', (a) => a.unsqueeze(-1), [[4, 3]], { nonContiguous: 'transpose', ref: (a) => reshapeND(a, [4, 3, 1]) });
  op('unsqueeze 0-d', (a) => a.unsqueeze(0), [[]], { ref: (a) => reshapeND(a, [1]) });
  op('expand [3,1]->[2,3,4] times weights', (a, w) => a.expand(2, 3, 4).mul(w), [[3, 1], [2, 3, 4]], { ref: (a, w) => r.mul(a, w) });
  op('expand -1', (a, w) => a.unsqueeze(0).expand(4, -1).mul(w), [[3], [4, 3]], { ref: (a, w) => r.mul(a, w) });
  op('expand 0-d', (a) => a.expand(5), [[]], { ref: (a) => bmap((x) => x, a, nd([5], [0, 0, 0, 0, 0])) });
  op('expandAs', (a, b) => a.expandAs(b).mul(b), [[1, 3], [17, 3]], { ref: r.mul });
  op('transpose(0,1)', (a) => a.transpose(0, 1), [[3, 5]], { ref: (a) => transposeND(a, 0, 1) });
  op('transpose(-1,0) 3-d', (a) => a.transpose(-1, 0), [[2, 3, 4]], { ref: (a) => transposeND(a, 2, 0) });
  op('transpose non-contiguous', (a) => a.transpose(1, 2), [[2, 3, 4]], { nonContiguous: 'strided', ref: (a) => transposeND(a, 1, 2) });
  op('permute(2,0,1)', (a) => a.permute(2, 0, 1), [[2, 3, 4]], { ref: (a) => permuteND(a, [2, 0, 1]) });
  op('permute([1,-1,0]) non-contiguous', (a) => a.permute([1, -1, 0]), [[2, 3, 4]], { nonContiguous: 'narrow', ref: (a) => permuteND(a, [1, 2, 0]) });
  op('T', (a) => a.T, [[2, 3, 4]], { ref: (a) => permuteND(a, [2, 1, 0]) });
  op('t()', (a) => a.t(), [[3, 5]], { ref: (a) => transposeND(a, 0, 1) });
  op('t() 1-d', (a) => a.t(), [[5]], { ref: (a) => a });
  op('contiguous of transposed', (a) => a.contiguous(), [[3, 5]], { nonContiguous: 'transpose', ref: (a) => a });
  op('contiguous of contiguous', (a) => a.contiguous().mul(2), [[3]], { ref: (a) => bmap((x) => 2 * x, a) });
  op('clone', (a) => a.clone(), [[3, 4]], { nonContiguous: 'permute', ref: (a) => a });
  op('narrow(0, 1, 3)', (a) => a.narrow(0, 1, 3), [[5, 4]], {
    ref: (a) => nd([3, 4], Array.from(a.data.slice(4, 16))),
  });
  op('narrow(-1, -3, 2)', (a) => a.narrow(-1, -3, 2), [[2, 5]], {
    ref: (a) => nd([2, 2], [a.data[2]!, a.data[3]!, a.data[7]!, a.data[8]!]),
  });
  op('narrow non-contiguous', (a) => a.narrow(1, 1, 2), [[3, 4]], {
    nonContiguous: 'transpose',
    ref: (a) => nd([3, 2], [1, 2, 5, 6, 9, 10].map((i) => a.data[i]!)),
  });
  op('narrow twice overlapping (accumulates)', (a) => a.narrow(0, 0, 3).add(a.narrow(0, 1, 3)), [[4, 2]], {
    ref: (a) => nd([3, 2], [0, 1, 2, 3, 4, 5].map((i) => a.data[i]! + a.data[i + 2]!)),
  });
  op('select(1, 2)', (a) => a.select(1, 2), [[5, 4]], { ref: (a) => nd([5], [2, 6, 10, 14, 18].map((i) => a.data[i]!)) });
  op('select(0, -1) to 0-d', (a) => a.select(0, -1), [[3]], { ref: (a) => nd([], [a.data[2]!]) });
  op('select non-contiguous', (a) => a.select(0, 1), [[3, 4]], { nonContiguous: 'transpose', ref: (a) => nd([4], [4, 5, 6, 7].map((i) => a.data[i]!)) });
  op('select the same row twice', (a) => a.select(0, 1).mul(a.select(0, 1)), [[3, 2]], { ref: (a) => nd([2], [a.data[2]! ** 2, a.data[3]! ** 2]) });
});

describe('indexSelect / gather / cat / stack', () => {
  op('indexSelect dim 0 with repeats', (a) => a.indexSelect(0, ints([2, 0, 2, 1])), [[3, 4]], {
    ref: (a) => nd([4, 4], [2, 0, 2, 1].flatMap((i) => Array.from(a.data.slice(i * 4, i * 4 + 4)))),
  });
  op('indexSelect dim 1', (a) => indexSelect(a, 1, ints([3, 3, 0])), [[2, 4]], {
    ref: (a) => nd([2, 3], [3, 3, 0, 7, 7, 4].map((i) => a.data[i]!)),
  });
  op('indexSelect dim -1 non-contiguous [3,17]', (a) => a.indexSelect(-1, ints([16, 0, 5])), [[3, 17]], {
    nonContiguous: 'transpose',
    ref: (a) => nd([3, 3], [0, 1, 2].flatMap((row) => [16, 0, 5].map((c) => a.data[row * 17 + c]!))),
  });
  op('indexSelect 0-d index', (a) => a.indexSelect(0, ints([1]).reshape([])), [[3, 2]], { ref: (a) => nd([1, 2], [a.data[2]!, a.data[3]!]) });
  op('gather dim 1', (a) => a.gather(1, ints([0, 0, 2, 1, 2, 2], [2, 3])), [[2, 3]], {
    ref: (a) => nd([2, 3], [0, 0, 2, 4, 5, 5].map((i) => a.data[i]!)),
  });
  op('gather dim 0', (a) => gather(a, 0, ints([1, 0, 1, 1], [2, 2])), [[2, 2]], {
    ref: (a) => nd([2, 2], [2, 1, 2, 3].map((i) => a.data[i]!)),
  });
  op('gather smaller index', (a) => a.gather(1, ints([4, 4, 0], [1, 3])), [[3, 5]], {
    ref: (a) => nd([1, 3], [a.data[4]!, a.data[4]!, a.data[0]!]),
  });
  op('gather non-contiguous', (a) => a.gather(0, ints([2, 1, 0, 0], [1, 4])), [[3, 4]], {
    nonContiguous: 'transpose',
    ref: (a) => nd([1, 4], [8, 5, 2, 3].map((i) => a.data[i]!)),
  });
  op('cat dim 1', (a, b) => cat([a, b], 1), [[2, 3], [2, 4]], {
    ref: (a, b) => nd([2, 7], [...a.data.slice(0, 3), ...b.data.slice(0, 4), ...a.data.slice(3), ...b.data.slice(4)]),
  });
  op('cat dim 0 three tensors', (a, b, c) => cat([a, b, c], 0), [[1, 3], [2, 3], [17, 3]], { ref: (a, b, c) => nd([20, 3], [...a.data, ...b.data, ...c.data]) });
  op('cat dim -1 non-contiguous', (a, b) => cat([a, b], -1), [[3, 2], [3, 3]], {
    nonContiguous: ['transpose', 'strided'],
    ref: (a, b) => nd([3, 5], [0, 1, 2].flatMap((i) => [...a.data.slice(i * 2, i * 2 + 2), ...b.data.slice(i * 3, i * 3 + 3)])),
  });
  op('cat same tensor twice', (a) => cat([a, a.mul(2)], 0), [[3]], { ref: (a) => nd([6], [...a.data, ...a.data.map((x) => 2 * x)]) });
  op('cat 1-d [129] + [1]', (a, b) => cat([a, b]), [[129], [1]], { ref: (a, b) => nd([130], [...a.data, ...b.data]) });
  op('stack dim 0', (a, b) => stack([a, b], 0), [[3], [3]], { ref: (a, b) => nd([2, 3], [...a.data, ...b.data]) });
  op('stack dim -1', (a, b) => stack([a, b], -1), [[2, 2], [2, 2]], { ref: (a, b) => nd([2, 2, 2], [0, 1, 2, 3].flatMap((i) => [a.data[i]!, b.data[i]!])) });
  op('stack 0-d', (a, b, c) => stack([a, b, c]), [[], [], []], { ref: (a, b, c) => nd([3], [a.data[0]!, b.data[0]!, c.data[0]!]) });
  op('stack non-contiguous', (a, b) => stack([a, b], 1), [[3, 2], [3, 2]], {
    nonContiguous: true,
    ref: (a, b) => nd([3, 2, 2], [0, 1, 2].flatMap((i) => [a.data[2 * i]!, a.data[2 * i + 1]!, b.data[2 * i]!, b.data[2 * i + 1]!])),
  });
});

// ==================================================================== matmul

describe('matmul / mm / bmm', () => {
  const ref = { ref: matmulND, fwdAtol: 1e-5, fwdRtol: 1e-4 };
  op('matmul 1-D · 1-D', (a, b) => a.matmul(b), [[7], [7]], ref);
  op('matmul 1-D · 2-D', (a, b) => a.matmul(b), [[7], [7, 3]], ref);
  op('matmul 2-D · 1-D', (a, b) => a.matmul(b), [[4, 7], [7]], ref);
  op('matmul 2-D', (a, b) => a.matmul(b), [[5, 7], [7, 3]], ref);
  op('matmul 1x1', (a, b) => matmul(a, b), [[1, 1], [1, 1]], ref);
  op('matmul 1-D · 3-D batched', (a, b) => a.matmul(b), [[3], [2, 3, 4]], ref);
  op('matmul 3-D · 1-D batched', (a, b) => a.matmul(b), [[2, 4, 3], [3]], ref);
  op('matmul batched [3,4,6]·[3,6,2]', (a, b) => a.matmul(b), [[3, 4, 6], [3, 6, 2]], ref);
  op('matmul batched · 2-D [2,5,7]·[7,3]', (a, b) => a.matmul(b), [[2, 5, 7], [7, 3]], ref);
  op('matmul 2-D · batched [3,5]·[2,5,4]', (a, b) => a.matmul(b), [[3, 5], [2, 5, 4]], ref);
  op('matmul broadcast batch [2,1,4,5]·[3,5,2]', (a, b) => a.matmul(b), [[2, 1, 4, 5], [3, 5, 2]], ref);
  op('matmul broadcast batch [1,3,2,3]·[2,1,3,2]', (a, b) => a.matmul(b), [[1, 3, 2, 3], [2, 1, 3, 2]], ref);
  op('matmul transposed operands aᵀ·bᵀ', (a, b) => a.t().matmul(b.t()), [[7, 5], [3, 7]], { ref: (a, b) => matmulND(transposeND(a, 0, 1), transposeND(b, 0, 1)) });
  op('matmul non-contiguous (transposed leaves)', (a, b) => a.matmul(b), [[5, 7], [7, 3]], { ...ref, nonContiguous: ['transpose', 'transpose'] });
  op('matmul non-contiguous batched (permute / strided)', (a, b) => a.matmul(b), [[2, 4, 3], [2, 3, 5]], { ...ref, nonContiguous: ['permute', 'strided'] });
  op('matmul non-contiguous batched · 2-D (non-foldable a)', (a, b) => a.matmul(b), [[3, 4, 5], [5, 2]], { ...ref, nonContiguous: ['narrow', 'transpose'] });
  op('matmul expanded batch operand', (a, b) => a.expand(3, 4, 5).matmul(b), [[4, 5], [3, 5, 2]], { ref: (a, b) => matmulND(a, b) });
  op('matmul x·x (same tensor twice)', (a) => a.matmul(a), [[4, 4]], { ref: (a) => matmulND(a, a) });
  // A 9x17·17x129 product: the projection sums ~1100 float32 outputs whose rounding noise (~1e-7 relative)
  // is divided by 2·eps; a larger eps (matmul is linear, so it adds no truncation error) keeps that noise
  // well below atol.
  op('matmul odd [9,17]·[17,129]', (a, b) => a.matmul(b), [[9, 17], [17, 129]], { ...ref, eps: 1e-2, atol: 2e-3 });
  op('mm', (a, b) => mm(a, b), [[3, 17], [17, 1]], ref);
  op('mm non-contiguous', (a, b) => a.mm(b), [[4, 6], [6, 5]], { ...ref, nonContiguous: ['transpose', 'narrow'] });
  op('bmm', (a, b) => bmm(a, b), [[3, 2, 5], [3, 5, 4]], ref);
  op('bmm non-contiguous', (a, b) => a.bmm(b), [[2, 3, 4], [2, 4, 3]], { ...ref, nonContiguous: ['permute', 'transpose'] });
  op('bmm batch 1', (a, b) => a.bmm(b), [[1, 1, 3], [1, 3, 1]], ref);
});

// ==================================================================== softmax

describe('softmax / logSoftmax', () => {
  for (const [label, shape, dim, nc] of [
    ['[4,10] dim -1', [4, 10], -1, false],
    ['[4,3] dim 0', [4, 3], 0, false],
    ['[2,3,5] dim 1', [2, 3, 5], 1, false],
    ['[2,3,5] dim 0', [2, 3, 5], 0, false],
    ['[2,3,5] dim 2 non-contiguous', [2, 3, 5], 2, 'permute'],
    ['[3,4] dim 1 non-contiguous', [3, 4], 1, 'transpose'],
    ['[2,129] dim 1', [2, 129], 1, false],
    ['[17] dim 0', [17], 0, false],
    ['[3,1] dim 1 (size-1 dim)', [3, 1], 1, false],
    ['0-d', [], 0, false],
  ] as [string, number[], number, false | 'permute' | 'transpose'][]) {
    // A 129-wide logSoftmax row: one perturbed input moves all 129 outputs (|value| ~ 5, float32 rounding
    // ~2.4e-7 each), and that noise divided by 2·eps reaches ~1e-3 at eps 1e-3. The analytic gradient is
    // exact to 1e-7 (checked against float64), so a larger eps (smooth op, tiny truncation error) is used.
    const eps = (shape[1] ?? 0) > 100 ? 1e-2 : undefined;
    op(`softmax ${label}`, (a) => a.softmax(dim), [shape], { range: [-3, 3], nonContiguous: nc, eps, ref: (a) => softmaxND(a, dim) });
    op(`logSoftmax ${label}`, (a) => logSoftmax(a, dim), [shape], { range: [-3, 3], nonContiguous: nc, eps, ref: (a) => softmaxND(a, dim, true) });
  }
  op('F.softmax function form', (a) => F.softmax(a, 1), [[2, 3]], { ref: (a) => softmaxND(a, 1) });
  op('softmax then log equals logSoftmax (chain)', (a) => softmax(a, 0).log(), [[5]], { ref: (a) => softmaxND(a, 0, true) });
});

// ==================================================================== nn.functional

describe('F.linear / losses', () => {
  const linRef = (x: NDArray, w: NDArray, b?: NDArray) => {
    const y = matmulND(x, transposeND(w, 0, 1));
    return b ? r.add(y, b) : y;
  };
  op('linear with bias', (x, w, b) => F.linear(x, w, b), [[6, 5], [3, 5], [3]], { ref: linRef });
  op('linear without bias', (x, w) => F.linear(x, w), [[4, 5], [3, 5]], { ref: (x, w) => linRef(x, w) });
  op('linear 1-D input', (x, w, b) => F.linear(x, w, b), [[5], [3, 5], [3]], { ref: linRef });
  op('linear batched input [2,3,5]', (x, w, b) => F.linear(x, w, b), [[2, 3, 5], [4, 5], [4]], { ref: linRef });
  op('linear non-contiguous input and weight', (x, w, b) => F.linear(x, w, b), [[4, 17], [3, 17], [3]], { nonContiguous: ['transpose', 'narrow', false], ref: linRef });

  // Linear + ReLU as one GEMM (nn.Sequential's path). Small x and w and biases of ±2 or more keep every
  // pre-activation >= 1.5 away from ReLU's kink; alternating signs leave half the outputs masked.
  const linReluRef = (x: NDArray, w: NDArray, b?: NDArray) => r.map((v) => Math.max(v, 0))(linRef(x, w, b));
  const awayBias = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 : -2) * (1 + (i % 3) / 4));
  const small: [number, number] = [-0.3, 0.3];
  for (const [xShape, out, nc] of [
    [[6, 5], 3, false], [[1, 5], 1, false], [[17, 5], 3, false], [[129, 5], 4, false], [[5], 17, false], [[2, 3, 5], 4, false],
    [[4, 5], 3, 'transpose'],
  ] as const) {
    op(`linear + relu fused x ${JSON.stringify(xShape)} out ${out}${nc ? ' (transposed input)' : ''}`,
      (x, w, b) => linearFused(x, w, b, true)!, [xShape, [out, 5], [out]],
      { range: [small, small, undefined], values: [undefined, undefined, awayBias(out)], nonContiguous: [nc, false, false], ref: linReluRef });
  }

  const mse = (reduction: 'mean' | 'sum' | 'none') => (a: NDArray, b: NDArray) => {
    const d = bmap((x, y) => (x - y) ** 2, a, b);
    return reduction === 'none' ? d : reduceND(d, null, false, reduction);
  };
  op('mseLoss mean', (a, b) => F.mseLoss(a, b), [[4, 3], [4, 3]], { ref: mse('mean') });
  op('mseLoss sum', (a, b) => F.mseLoss(a, b, { reduction: 'sum' }), [[17], [17]], { ref: mse('sum') });
  op('mseLoss none', (a, b) => F.mseLoss(a, b, { reduction: 'none' }), [[2, 3], [2, 3]], { ref: mse('none') });
  op('mseLoss 0-d', (a, b) => F.mseLoss(a, b), [[], []], { ref: mse('mean') });
  op('mseLoss non-contiguous', (a, b) => F.mseLoss(a, b), [[3, 5], [3, 5]], { nonContiguous: ['transpose', 'strided'], ref: mse('mean') });

  const labels = [3, 0, 4, 4, 1, 2, 0];
  const target = (n: number) => ints(labels.slice(0, n));
  const ceRef = (n: number, reduction: 'mean' | 'sum' | 'none') => (x: NDArray) => {
    const ls = softmaxND(x, 1, true);
    const c = x.shape[1]!;
    const per = nd([n], labels.slice(0, n).map((t, i) => -ls.data[i * c + t]!));
    return reduction === 'none' ? per : reduceND(per, null, false, reduction);
  };
  op('crossEntropy mean', (x) => F.crossEntropy(x, target(7)), [[7, 5]], { range: [-3, 3], ref: ceRef(7, 'mean') });
  op('crossEntropy sum', (x) => F.crossEntropy(x, target(4), { reduction: 'sum' }), [[4, 5]], { range: [-3, 3], ref: ceRef(4, 'sum') });
  op('crossEntropy none', (x) => F.crossEntropy(x, target(3), { reduction: 'none' }), [[3, 5]], { range: [-3, 3], ref: ceRef(3, 'none') });
  op('crossEntropy single row', (x) => F.crossEntropy(x, target(1)), [[1, 5]], { range: [-3, 3], ref: ceRef(1, 'mean') });
  op('crossEntropy non-contiguous logits', (x) => F.crossEntropy(x, target(7)), [[7, 5]], { nonContiguous: 'transpose', range: [-3, 3], ref: ceRef(7, 'mean') });
  op('crossEntropy of a computed input', (x, w) => F.crossEntropy(x.matmul(w), target(4)), [[4, 3], [3, 5]], {
    ref: (x, w) => ceRef(4, 'mean')(matmulND(x, w)),
  });
  op('nllLoss of logSoftmax', (x) => F.nllLoss(x.logSoftmax(1), target(6)), [[6, 5]], { range: [-3, 3], ref: ceRef(6, 'mean') });
  op('nllLoss raw input sum', (x) => F.nllLoss(x, target(5), { reduction: 'sum' }), [[5, 5]], {
    ref: (x) => nd([], [-labels.slice(0, 5).reduce((s, t, i) => s + x.data[i * 5 + t]!, 0)]),
  });
  op('nllLoss none non-contiguous', (x) => F.nllLoss(x, target(3), { reduction: 'none' }), [[3, 5]], {
    nonContiguous: 'transpose',
    ref: (x) => nd([3], labels.slice(0, 3).map((t, i) => -x.data[i * 5 + t]!)),
  });
});

describe('F.conv2d / F.maxPool2d', () => {
  const cref = (stride = 1, padding = 0) => (x: NDArray, w: NDArray, b?: NDArray) => conv2dND(x, w, b ?? null, stride, padding);
  op('conv2d 3x3 with bias', (x, w, b) => F.conv2d(x, w, b), [[1, 2, 5, 5], [3, 2, 3, 3], [3]], { ref: cref() });
  op('conv2d padding 1 with bias', (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [[2, 3, 6, 6], [4, 3, 3, 3], [4]], { ref: cref(1, 1) });
  op('conv2d stride 2 without bias, odd sizes', (x, w) => F.conv2d(x, w, null, { stride: 2 }), [[1, 2, 9, 7], [3, 2, 3, 3]], { ref: cref(2, 0) });
  op('conv2d stride 2 padding 1, odd sizes', (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), [[2, 3, 7, 5], [2, 3, 3, 3], [2]], { ref: cref(2, 1) });
  op('conv2d 1x1 kernel', (x, w) => F.conv2d(x, w), [[2, 3, 4, 4], [5, 3, 1, 1]], { ref: cref() });
  op('conv2d kernel covering the whole input', (x, w, b) => F.conv2d(x, w, b), [[3, 1, 4, 4], [2, 1, 4, 4], [2]], { ref: cref() });
  op('conv2d non-square kernel, per-axis stride/padding', (x, w) => F.conv2d(x, w, null, { stride: [2, 1], padding: [0, 1] }), [[1, 2, 7, 5], [2, 2, 3, 2]]);
  op('conv2d non-contiguous input and weight', (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [[2, 2, 5, 4], [3, 2, 3, 3], [3]], {
    nonContiguous: ['permute', 'transpose', 'strided'],
    ref: cref(1, 1),
  });
  op('conv2d chained twice', (x, w1, w2) => F.conv2d(F.conv2d(x, w1, null, { padding: 1 }).tanh(), w2), [[1, 1, 6, 6], [2, 1, 3, 3], [1, 2, 3, 3]]);

  const dv = (shape: number[]) => [distinctValues(numel(shape))];
  op('maxPool2d 2x2', (x) => F.maxPool2d(x, 2), [[2, 3, 4, 4]], { values: dv([2, 3, 4, 4]), ref: (x) => maxPool2dND(x, 2) });
  op('maxPool2d odd input 7x5 (floor)', (x) => F.maxPool2d(x, 2), [[1, 2, 7, 5]], { values: dv([1, 2, 7, 5]), ref: (x) => maxPool2dND(x, 2) });
  op('maxPool2d 3x3 stride 1 (overlapping windows)', (x) => F.maxPool2d(x, 3, 1), [[1, 2, 5, 5]], { values: dv([1, 2, 5, 5]), ref: (x) => maxPool2dND(x, 3, 1) });
  op('maxPool2d 3-D input', (x) => F.maxPool2d(x, 2), [[3, 4, 6]], { values: dv([3, 4, 6]), ref: (x) => maxPool2dND(x, 2) });
  op('maxPool2d non-contiguous', (x) => F.maxPool2d(x, 2, 1), [[1, 2, 4, 5]], { nonContiguous: 'permute', values: dv([1, 2, 4, 5]), ref: (x) => maxPool2dND(x, 2, 1) });
  op('maxPool2d with padding', (x) => F.maxPool2d(x, 3, 2, 1), [[1, 1, 5, 5]], { values: dv([1, 1, 5, 5]) });
  op('conv2d -> relu -> maxPool2d', (x, w) => F.maxPool2d(F.relu(F.conv2d(x, w, null, { padding: 1 })).add(0.5), 2), [[1, 1, 4, 4], [2, 1, 3, 3]], {
    values: [distinctValues(16, 0.1), distinctValues(18, 0.1)],
  });
});

// ==================================================================== composite graphs

describe('composite graphs', () => {
  op('tensor used twice: a*a + a', (a) => a.mul(a).add(a), [[5]], { ref: (a) => bmap((x) => x * x + x, a) });
  op('diamond: exp(a)*tanh(a) + exp(a)', (a) => {
    const e = a.exp();
    return e.mul(a.tanh()).add(e);
  }, [[3]], { ref: (a) => bmap((x) => Math.exp(x) * Math.tanh(x) + Math.exp(x), a) });
  op('diamond with broadcasting and reductions', (a, b) => {
    const s = a.mul(b); // [3,4]
    return s.sum(0).mul(s.mean(1, true).sum()).add(s.amax(1).sum());
  }, [[3, 1], [1, 4]], { values: [[0.3, -0.6, 1.1], [0.25, -0.45, 0.75, 1.35]] });
  op('two-layer MLP with crossEntropy', (x, w1, b1, w2, b2) => F.crossEntropy(F.linear(F.tanh(F.linear(x, w1, b1)), w2, b2), ints([2, 0, 1, 2])), [[4, 5], [6, 5], [6], [3, 6], [3]]);
  op('attention-like block', (q, k, v) => q.matmul(k.transpose(-1, -2)).div(2).softmax(-1).matmul(v), [[2, 3, 4], [2, 5, 4], [2, 5, 3]]);
  op('layer-norm-like', (x) => {
    const mu = x.mean(-1, true);
    const xc = x.sub(mu);
    return xc.div(xc.pow(2).mean(-1, true).add(1e-5).sqrt());
  }, [[3, 6]]);
  op('in-graph view chain', (a) => a.reshape(2, 3, 2).permute(2, 0, 1).narrow(1, 1, 1).select(0, 1).flatten().unsqueeze(0).expand(2, 3).sigmoid(), [[12]]);
  op('sum of a long chain through the same leaf', (a) => {
    let y = a;
    for (let i = 0; i < 6; i++) y = y.mul(a).tanh().add(a);
    return y.sum();
  }, [[4]]);

  it('gradcheck with several outputs sharing a subgraph', () => {
    seed(99);
    const a = makeInput([3, 4], { requiresGrad: true });
    const b = makeInput([4], { requiresGrad: true, range: [0.5, 2] });
    expect(gradcheck((x, y) => {
      const h = x.div(y).exp();
      return [h.sum(1), h.mul(x).mean(), h.logSoftmax(0)];
    }, [a, b])).toBe(true);
  });

  it('gradcheck detects a wrong gradient (the harness can fail)', () => {
    seed(5);
    const a = makeInput([4], { requiresGrad: true });
    // detach() hides half of the dependence: analytic != numeric
    expect(gradcheck((x) => x.mul(x.detach()), [a], { raiseException: false })).toBe(false);
    expect(() => checkOp('wrong-ref', (x) => x.exp(), [[3]], { ref: (x) => bmap((v) => Math.exp(v) + 1e-3, x), noGradcheck: true })).toThrow(/differ/);
  });

  it('backward accumulates into .grad across two backward calls and through shared leaves', () => {
    const a = tensor([1, -2, 3], { requiresGrad: true });
    a.mul(a).sum().backward();
    a.mul(3).sum().backward();
    expectClose(a.grad!, [2 + 3, -4 + 3, 6 + 3]);
  });
});

// ==================================================================== upstream gradients of other layouts

describe('upstream gradients that are expanded / broadcast views', () => {
  // Reducing after the op makes the op's incoming gradient a stride-0 expanded view (sum/mean backward),
  // and adding a broadcast zero in front makes the engine hand it a summed-down gradient.
  const chain = (label: string, f: Fn, shapes: Spec[], opts: CheckOpOptions = {}) => {
    op(`${label} then sum()`, (...x) => f(...x).sum(), shapes, opts);
    op(`${label} then mean(0)`, (...x) => f(...x).mean(0), shapes, opts);
    op(`${label} then broadcast add`, (...x) => {
      const y = f(...x);
      return y.add(zeros(2, ...y.shape));
    }, shapes, opts);
  };
  chain('mul', (a, b) => a.mul(b), [[3, 4], [4]]);
  chain('div', (a, b) => a.div(b), [[3, 4], [4]], { range: [undefined, [0.5, 2]] });
  chain('pow', (a, b) => a.pow(b), [[3, 4], [4]], { range: [[0.5, 2], [0.5, 2]] });
  chain('relu', (a) => a.relu(), [[3, 4]], { values: [awayFromZero(12)] });
  chain('where', (a, b) => where(a.gt(0), a, b), [[3, 4], [4]], { values: [awayFromZero(12)] });
  chain('amax(1)', (a) => a.amax(1), [[3, 4]], { values: [distinctValues(12)] });
  chain('max(1).values', (a) => a.max(1).values, [[3, 4]], { values: [distinctValues(12)] });
  chain('narrow', (a) => a.narrow(1, 1, 2), [[3, 4]]);
  chain('select', (a) => a.select(1, 1), [[3, 4]]);
  chain('indexSelect', (a) => a.indexSelect(1, ints([0, 3, 3])), [[3, 4]]);
  chain('gather', (a) => a.gather(1, ints([0, 3, 3, 1, 2, 2], [3, 2])), [[3, 4]]);
  chain('cat', (a, b) => cat([a, b], 0), [[3, 4], [1, 4]]);
  chain('matmul 2-D', (a, b) => a.matmul(b), [[3, 4], [4, 5]]);
  chain('matmul batched', (a, b) => a.matmul(b), [[2, 3, 4], [2, 4, 5]]);
  chain('matmul batched · 2-D', (a, b) => a.matmul(b), [[2, 3, 4], [4, 5]]);
  chain('matmul 1-D · 2-D', (a, b) => a.matmul(b), [[4], [4, 5]]);
  chain('softmax(1)', (a) => a.softmax(1).mul(a), [[3, 4]]);
  chain('logSoftmax(0)', (a) => a.logSoftmax(0).mul(a), [[3, 4]]);
  chain('crossEntropy none', (a) => F.crossEntropy(a, ints([0, 1, 3]), { reduction: 'none' }), [[3, 4]]);
  chain('conv2d', (x, w) => F.conv2d(x, w, null, { padding: 1 }), [[1, 2, 4, 4], [2, 2, 3, 3]]);
  chain('maxPool2d', (x) => F.maxPool2d(x, 2), [[1, 1, 4, 4]], { values: [distinctValues(16)] });
  chain('reshape of transposed', (a) => a.t().reshape(12), [[3, 4]]);

  it('a non-contiguous gradOutputs gives the same gradients as its contiguous copy', () => {
    seed(21);
    const a = makeInput([3, 4], { requiresGrad: true });
    const b = makeInput([4, 5], { requiresGrad: true });
    const fns: Fn[] = [
      (x, y) => x.matmul(y),
      (x, y) => x.matmul(y).softmax(0),
      (x, y) => F.conv2d(x.reshape(1, 1, 3, 4), y.reshape(1, 1, 4, 5).narrow(2, 0, 2).narrow(3, 0, 2), null, { padding: 1 }).reshape(4, 5),
      (x, y) => F.maxPool2d(x.matmul(y).reshape(1, 3, 5), 1).reshape(3, 5).t().contiguous().t(),
    ];
    for (const f of fns) {
      const out = f(a, b);
      const R = nonContiguous(out.shape, 'transpose');
      const [ga, gb] = grad(out, [a, b], { gradOutputs: R });
      const [ha, hb] = grad(f(a, b), [a, b], { gradOutputs: R.contiguous().clone() });
      expectClose(ga!, ha!, { atol: 1e-6 });
      expectClose(gb!, hb!, { atol: 1e-6 });
    }
  });
});

describe('mixed dtypes and empty tensors', () => {
  op('float + int32 tensor', (a) => a.add(ints([1, 2, 3])), [[2, 3]], { ref: (a) => bmap((x, y) => x + y, a, nd([3], [1, 2, 3])) });
  op('int32 tensor * float', (a) => ints([1, 2, 3]).mul(a), [[2, 3]], { ref: (a) => bmap((x, y) => x * y, a, nd([3], [1, 2, 3])) });
  op('int32 tensor / float', (a) => ints([1, 2, 3]).div(a), [[2, 3]], { range: [0.5, 2], ref: (a) => bmap((x, y) => y / x, a, nd([3], [1, 2, 3])) });
  op('float ^ int32 tensor', (a) => a.pow(ints([1, 2, 3])), [[2, 3]], { range: [0.5, 2], ref: (a) => bmap((x, y) => x ** y, a, nd([3], [1, 2, 3])) });
  op('where(bool, float, int32)', (a) => where(ints([1, 0, 1]).bool(), a, ints([4, 5, 6])), [[2, 3]], {
    ref: (a) => bmap((x, c, y) => (c ? x : y), a, nd([3], [1, 0, 1]), nd([3], [4, 5, 6])),
  });
  op('maximum(float, int32)', (a) => a.maximum(ints([0, 0, 0])), [[2, 3]], { values: [awayFromZero(6)], ref: (a) => bmap((x) => Math.max(x, 0), a) });

  it('gradients of empty tensors have the right (empty) shape, and empty parts do not disturb the rest', () => {
    const x = zeros([0, 3], { requiresGrad: true });
    expect(grad(x.sum(), [x])[0]!.shape).toEqual([0, 3]);
    expect(grad(x.sum(0).add(1).sum(), [x])[0]!.shape).toEqual([0, 3]);
    expect(grad(x.exp().mean(1).sum(), [x])[0]!.shape).toEqual([0, 3]);
    expect(grad(x.matmul(zeros(3, 2)).sum(), [x])[0]!.shape).toEqual([0, 3]);
    const y = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const [gx, gy] = grad(cat([y, x], 0).exp().sum(), [x, y]);
    expect(gx!.shape).toEqual([0, 3]);
    expectClose(gy!, [1, 2, 3, 4, 5, 6].map(Math.exp), { rtol: 1e-6 });
    const k0 = zeros([2, 0], { requiresGrad: true });
    const [gk] = grad(k0.matmul(zeros(0, 3)).add(1).sum(), [k0]);
    expect(gk!.shape).toEqual([2, 0]);
    expectClose(zeros([2, 0]).matmul(zeros(0, 3)), [0, 0, 0, 0, 0, 0]);
  });
});

// ==================================================================== second order

describe('second order (backward rules are differentiable with createGraph)', () => {
  const gg = (name: string, fn: Fn, shapes: Spec[], opts: CheckOpOptions = {}) => it(`${name} (grad of grad)`, () => checkGradGrad(name, fn, shapes, opts));
  gg('add', (a, b) => a.add(b).mul(a), [[3, 1], [1, 4]]);
  gg('sub', (a, b) => a.sub(b).mul(b), [[3, 1], [1, 4]]);
  gg('mul', (a, b) => a.mul(b), [[3, 1], [1, 4]]);
  gg('div', (a, b) => a.div(b), [[3, 1], [1, 4]], { range: [undefined, [0.5, 2]] });
  gg('pow tensor', (a, b) => a.pow(b), [[3, 1], [1, 4]], { range: [[0.5, 2], [-1, 2]] });
  gg('pow 3', (a) => a.pow(3), [[5]]);
  gg('pow 2.5', (a) => a.pow(2.5), [[5]], { range: [0.5, 2] });
  gg('exp', (a) => a.exp(), [[5]]);
  gg('log', (a) => a.log(), [[5]], { range: [0.5, 2] });
  gg('sqrt', (a) => a.sqrt(), [[5]], { range: [0.5, 2] });
  gg('sigmoid', (a) => a.sigmoid(), [[5]]);
  gg('tanh', (a) => a.tanh(), [[5]]);
  gg('abs', (a) => a.abs().mul(a), [[5]], { values: [awayFromZero(5)] });
  gg('relu', (a) => a.relu().mul(a), [[5]], { values: [awayFromZero(5)] });
  gg('clamp', (a) => a.clamp(-0.3, 0.4).mul(a), [[5]], { values: [[-0.9, -0.1, 0.2, 0.6, 0.35]] });
  gg('maximum', (a, b) => a.maximum(b).mul(a), [[4], [4]], { values: [[0, 1, 2, 3], [0.5, 0.5, 2.5, 2.5]] });
  gg('where', (a, b) => where(a.gt(0), a.mul(b), b.mul(b)), [[4], [4]], { values: [awayFromZero(4)] });
  gg('sum', (a) => a.sum(1).pow(2), [[3, 4]]);
  gg('mean', (a) => a.mean([0]).pow(2), [[3, 4]]);
  gg('amax', (a) => a.amax(1).pow(2), [[3, 4]], { values: [distinctValues(12)] });
  gg('max(dim)', (a) => a.max(1).values.pow(2), [[3, 4]], { values: [distinctValues(12)] });
  gg('narrow', (a) => a.narrow(1, 1, 2).pow(3), [[3, 4]]);
  gg('select', (a) => a.select(0, 2).pow(3), [[3, 4]]);
  gg('view chain', (a) => a.reshape(4, 3).t().unsqueeze(0).expand(2, 3, 4).narrow(2, 1, 2).select(0, 1).pow(2), [[3, 4]]);
  gg('permute / contiguous', (a) => a.permute(1, 0).contiguous().pow(2), [[3, 4]]);
  gg('indexSelect', (a) => a.indexSelect(0, ints([2, 0, 2])).pow(2), [[3, 4]]);
  gg('gather', (a) => a.gather(1, ints([0, 0, 2, 1, 3, 3], [2, 3])).pow(2), [[2, 4]]);
  gg('cat', (a, b) => cat([a, b], 1).pow(2), [[2, 3], [2, 2]]);
  gg('stack', (a, b) => stack([a, b], 1).pow(2), [[2, 3], [2, 3]]);
  gg('matmul', (a, b) => a.matmul(b).pow(2), [[3, 4], [4, 2]]);
  gg('matmul batched · 2-D', (a, b) => a.matmul(b).pow(2), [[2, 3, 4], [4, 2]]);
  gg('bmm', (a, b) => a.bmm(b).pow(2), [[2, 3, 4], [2, 4, 2]]);
  gg('softmax(1)', (a) => a.softmax(1), [[2, 4]]);
  gg('softmax(0)', (a) => a.softmax(0), [[2, 4]]);
  gg('logSoftmax(1)', (a) => a.logSoftmax(1), [[2, 4]]);
  gg('nllLoss of logSoftmax', (a) => F.nllLoss(a.logSoftmax(1), ints([1, 3])), [[2, 4]]);
  gg('mseLoss', (a, b) => F.mseLoss(a, b), [[2, 4], [2, 4]]);
  gg('linear + tanh', (x, w, b) => F.linear(x, w, b).tanh(), [[2, 3], [4, 3], [4]]);
  // conv2d, pooling and crossEntropy: their backward rules are kernels; under createGraph they record
  // differentiable nodes (bilinear conv gradients, the pooling adjoints, a softmax on the input's edge)
  gg('conv2d (x, w, b)', (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }).pow(2), [[2, 2, 5, 4], [3, 2, 3, 2], [3]]);
  gg('conv2d then tanh', (x, w) => F.conv2d(x, w).tanh(), [[1, 2, 4, 4], [2, 2, 2, 2]]);
  gg('maxPool2d', (a) => F.maxPool2d(a, 2).pow(2), [[1, 2, 4, 5]], { values: [distinctValues(40)] });
  gg('maxPool2d 3x3 stride 1 padding 1', (a) => F.maxPool2d(a, 3, 1, 1).pow(3), [[2, 1, 3, 4]], { values: [distinctValues(24)] });
  gg('avgPool2d', (a) => F.avgPool2d(a, 2, 1, 1).pow(2), [[1, 2, 3, 3]]);
  gg('crossEntropy', (a) => F.crossEntropy(a, ints([1, 3, 0])), [[3, 4]]);
  gg('crossEntropy sum, label smoothing', (a) => F.crossEntropy(a, ints([2, 0]), { reduction: 'sum', labelSmoothing: 0.2 }).pow(2), [[2, 3]]);
  gg('linear + relu fused, then tanh', (x, w, b) => linearFused(x, w, b, true)!.tanh(), [[2, 3], [4, 3], [4]],
    { range: [[-0.3, 0.3], [-0.3, 0.3], undefined], values: [undefined, undefined, [2, -2, 2.5, -2.5]] });

  it('narrow/select double backward keeps the dependence on the input (regression)', () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const [g] = grad(x.narrow(0, 1, 2).pow(3).sum(), [x], { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    expectClose(grad(g!.sum(), [x])[0]!, [0, 12, 18, 0]);
    const [h] = grad(x.select(0, 2).pow(3), [x], { createGraph: true });
    expectClose(grad(h!.sum(), [x])[0]!, [0, 0, 18, 0]);
  });
});

// ==================================================================== extreme ranges and NaN

describe('extreme values', () => {
  const finite = (t: Tensor) => Array.from(t.toArray()).every(Number.isFinite);

  it('softmax / logSoftmax of logits ±80 and ±1e4 stay finite and correct', () => {
    for (const rows of [
      [[80, -80, 0, 79.5], [-80, -80, -80, -79]],
      [[1e4, -1e4, 0, 9999], [-1e4, -1e4, -1e4, -1e4]],
      [[1e4, 1e4, 1e4, -1e4], [3, 1e4, -3, 0]],
    ]) {
      const x = tensor(rows, { dtype: 'float32' });
      const ref = fromTensor(x);
      const s = x.softmax(1), ls = x.logSoftmax(1);
      expect(finite(s)).toBe(true);
      expect(finite(ls)).toBe(true);
      expectClose(s, softmaxND(ref, 1), { atol: 1e-6, rtol: 1e-5, what: `softmax ${JSON.stringify(rows)}` });
      expectClose(ls, softmaxND(ref, 1, true), { atol: 1e-4, rtol: 1e-5, what: `logSoftmax ${JSON.stringify(rows)}` });
      // along dim 0 too (moved-axis path)
      expectClose(x.t().softmax(0), transposeND(softmaxND(ref, 1), 0, 1), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it('softmax / logSoftmax gradients at ±1e4 are finite', () => {
    const x = tensor([[1e4, -1e4, 0], [-1e4, 5, 1e4]], { requiresGrad: true });
    const [g1] = grad(x.softmax(1).mul(tensor([1, 2, 3])).sum(), [x]);
    const [g2] = grad(x.logSoftmax(1).mul(tensor([1, 2, 3])).sum(), [x]);
    expect(finite(g1!)).toBe(true);
    expect(finite(g2!)).toBe(true);
    // logSoftmax: dx = g - softmax * sum(g); softmax is one-hot at the max
    expectClose(g2!, [1 - 6, 2, 3, 1, 2, 3 - 6], { atol: 1e-4 });
  });

  it('crossEntropy with logits ±80 and ±1e4 is finite and correct, with finite gradients', () => {
    for (const big of [80, 1e4]) {
      const x = tensor([[big, -big, 0], [-big, big, 0], [0, 0, 0]], { requiresGrad: true });
      const t = ints([0, 0, 2]);
      const loss = F.crossEntropy(x, t, { reduction: 'none' });
      const ref = softmaxND(fromTensor(x), 1, true);
      expectClose(loss, [-ref.data[0]!, -ref.data[3]!, -ref.data[8]!], { atol: 1e-4, rtol: 1e-5, what: `crossEntropy ±${big}` });
      expectClose(loss, [0, 2 * big, Math.log(3)], { atol: 1e-4, rtol: 1e-5 });
      const [g] = grad(F.crossEntropy(x, t), [x]);
      expect(finite(g!)).toBe(true);
      // d(mean CE)/dx = (softmax - onehot) / N
      expectClose(g!, [0, 0, 0, -1 / 3, 1 / 3, 0, 1 / 9, 1 / 9, -2 / 9], { atol: 1e-6 });
    }
  });

  it('log / sqrt near 0 and at 0, and their gradients', () => {
    const x = tensor([0, 1e-30, 1e-10, 1e-3]);
    expectClose(x.log(), [-Infinity, Math.log(1e-30), Math.log(1e-10), Math.log(1e-3)], { rtol: 1e-5 });
    expectClose(x.sqrt(), [0, Math.sqrt(Math.fround(1e-30)), Math.sqrt(Math.fround(1e-10)), Math.sqrt(Math.fround(1e-3))], { atol: 0, rtol: 1e-5 });
    expectClose(tensor([-1, -0.5]).log(), [NaN, NaN]);
    expectClose(tensor([-1]).sqrt(), [NaN]);
    const z = tensor([0, 4], { requiresGrad: true });
    expectClose(grad(z.sqrt().sum(), [z])[0]!, [Infinity, 0.25]);
    expectClose(grad(z.log().sum(), [z])[0]!, [Infinity, 0.25]);
  });

  it('exp of ±90 overflows to inf / underflows to ~0, sigmoid and tanh saturate without NaN', () => {
    const x = tensor([90, -90, 88, -110, 0]);
    const e = Array.from(x.exp().toArray());
    expect(e[0]).toBe(Infinity);
    expect(e[1]).toBeGreaterThanOrEqual(0);
    expect(e[1]).toBeLessThan(1e-38);
    expectClose([e[2]!], [Math.exp(88)], { rtol: 1e-5 });
    expect(e[3]).toBe(0);
    expect(e[4]).toBe(1);
    expectClose(x.sigmoid(), [1, 0, 1, 0, 0.5], { atol: 1e-7, rtol: 0 });
    expectClose(x.tanh(), [1, -1, 1, -1, 0], { atol: 0, rtol: 0 });
    const y = tensor([90, -90, 1e4, -1e4], { requiresGrad: true });
    const [gs] = grad(y.sigmoid().sum(), [y]);
    const [gt] = grad(y.tanh().sum(), [y]);
    expectClose(gs!, [0, 0, 0, 0], { atol: 1e-30 });
    expectClose(gt!, [0, 0, 0, 0], { atol: 1e-30 });
    expectClose(tensor([1e4, -1e4]).sigmoid(), [1, 0], { atol: 0 });
  });

  it('NaN in -> NaN out (no silent clamping or replacement)', () => {
    const x = tensor([NaN, 1, -2]);
    const isNaN0 = (t: Tensor) => Number.isNaN(t.toArray()[0]!);
    const cases: [string, Tensor][] = [
      ['neg', x.neg()], ['exp', x.exp()], ['log', x.log()], ['sqrt', x.sqrt()], ['abs', x.abs()],
      ['relu', x.relu()], ['sigmoid', x.sigmoid()], ['tanh', x.tanh()], ['clamp', x.clamp(-1, 1)],
      ['clamp min', x.clamp(0)], ['add', x.add(1)], ['mul', x.mul(tensor([2, 3, 4]))], ['div', x.div(2)],
      ['pow', x.pow(2)], ['pow 0.5', x.pow(0.5)], ['maximum', x.maximum(tensor([5, 5, 5]))],
      ['minimum', x.minimum(tensor([-5, -5, -5]))], ['maximum (NaN second)', tensor([5, 5, 5]).maximum(x)],
      ['softmax', x.softmax(0)], ['logSoftmax', x.logSoftmax(0)], ['sum', x.sum()], ['mean', x.mean()],
      ['amax', x.amax()], ['amin', x.amin()], ['max(dim)', x.max(0).values], ['min(dim)', x.min(0).values],
      ['matmul', x.matmul(tensor([1, 1, 1]))],
    ];
    const failed = cases.filter(([, t]) => !isNaN0(t)).map(([n, t]) => `${n} -> ${Array.from(t.toArray()).join(', ')}`);
    expect(failed, 'ops that dropped a NaN').toEqual([]);
    // the other elements of elementwise ops are unaffected
    expectClose(x.mul(2), [NaN, 2, -4]);
    expectClose(tensor([[NaN, 0], [1, 2]]).softmax(1), [NaN, NaN, 1 / (1 + Math.E), Math.E / (1 + Math.E)]);
  });

  it('large reductions keep float32 accuracy (sum / mean of 2^20 elements, along dim 0 and dim 1)', () => {
    // PyTorch sums float32 with cascade summation; a plain running float32 sum of 2^20 copies of 0.1 is off
    // by ~1e-3 relative. Compare against float64 sums of the same float32 values.
    const n = 1 << 20;
    const v = 0.1;
    const f = Math.fround(v);
    const x = tensor(new Float32Array(n).fill(v));
    expectClose(x.sum(), [n * f], { atol: 0, rtol: 1e-5, what: 'sum of 2^20 x 0.1' });
    expectClose(x.mean(), [f], { atol: 0, rtol: 1e-5, what: 'mean of 2^20 x 0.1' });
    const cols = x.reshape(n / 4, 4);
    expectClose(cols.sum(0), [0, 1, 2, 3].map(() => (n / 4) * f), { atol: 0, rtol: 1e-5, what: 'sum over dim 0 of [2^18, 4]' });
    const rows = x.reshape(4, n / 4);
    expectClose(rows.mean(1), [f, f, f, f], { atol: 0, rtol: 1e-5, what: 'mean over dim 1 of [4, 2^18]' });
    // random values: relative to the float64 sum of magnitudes
    seed(11);
    const u = uniformValues(300_001, [0, 1]);
    let ref = 0;
    for (const a of u) ref += a;
    expectClose(tensor(u).sum(), [ref], { atol: 0, rtol: 1e-5, what: 'sum of 300001 uniform values' });
  });

  it('NaN flows through gradients too', () => {
    const x = tensor([NaN, 2], { requiresGrad: true });
    const [g] = grad(x.mul(x).sum(), [x]);
    expectClose(g!, [NaN, 4]);
  });
});
