/**
 * Bad input, table-driven. Every case must throw a clear error (naming the op, and the shapes where
 * shapes are the problem), never a raw WebAssembly trap or an incidental JS TypeError, must leave its
 * operands unchanged, and the library must keep working afterwards.
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros, ones, full, rand, randn, randint, arange, linspace, eye, F,
  add, sub, mul, div, pow, maximum, minimum, eq, ne, gt, lt, ge, le, where, matmul, mm, bmm, cat, stack,
  softmax, logSoftmax, indexSelect, gather, memory, zerosLike, onesLike, fullLike, stack as stackOp, noGrad, enableGrad,
  gradcheck, nn, optim, data,
} from '../src/index.js';
import { expectLibraryWorks } from './helpers.js';

interface Snapshot {
  t: Tensor;
  shape: number[];
  dtype: string;
  values: number[];
  requiresGrad: boolean;
  version: number;
}

const snap = (t: Tensor): Snapshot => ({
  t,
  shape: [...t.shape],
  dtype: t.dtype,
  values: Array.from(t.toArray()),
  requiresGrad: t.requiresGrad,
  version: t.storage.version,
});

/** Runs `fn`, expects a clean error matching `pattern`, then checks operands and the library. */
function expectCleanError(fn: () => unknown, pattern: RegExp, operands: readonly Tensor[] = []): Error {
  const before = operands.map(snap);
  let caught: unknown = undefined;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(Error);
  const err = caught as Error;
  expect(err).not.toBeInstanceOf(WebAssembly.RuntimeError);
  expect(err.message).not.toMatch(/memory access out of bounds|unreachable|Cannot read properties|is not a function|is not iterable|Maximum call stack/);
  expect(err.message).toMatch(pattern);
  for (const s of before) {
    expect(s.t.isDisposed).toBe(false);
    expect([...s.t.shape]).toEqual(s.shape);
    expect(s.t.dtype).toBe(s.dtype);
    expect(Array.from(s.t.toArray())).toEqual(s.values);
    expect(s.t.requiresGrad).toBe(s.requiresGrad);
    expect(s.t.storage.version).toBe(s.version);
  }
  expectLibraryWorks();
  return err;
}

/** Escapes a shape for a RegExp: [2, 3] -> \[2, 3\]. */
const sh = (s: readonly number[]) => `\\[${s.join(', ')}\\]`;

type Binary = (a: Tensor, b: Tensor) => Tensor;
const binaryOps: [string, Binary, Binary][] = [
  ['add', add, (a, b) => a.add(b)],
  ['sub', sub, (a, b) => a.sub(b)],
  ['mul', mul, (a, b) => a.mul(b)],
  ['div', div, (a, b) => a.div(b)],
  ['pow', pow, (a, b) => a.pow(b)],
  ['maximum', maximum, (a, b) => a.maximum(b)],
  ['minimum', minimum, (a, b) => a.minimum(b)],
  ['eq', eq, (a, b) => a.eq(b)],
  ['ne', ne, (a, b) => a.ne(b)],
  ['gt', gt, (a, b) => a.gt(b)],
  ['lt', lt, (a, b) => a.lt(b)],
  ['ge', ge, (a, b) => a.ge(b)],
  ['le', le, (a, b) => a.le(b)],
  ['where', (a, b) => where(a.gt(0), a, b), (a, b) => a.where(a.gt(0), b)],
];
const badPairs: [number[], number[]][] = [
  [[2, 3], [4]],
  [[2, 3], [3, 2]],
  [[5], [2, 4]],
  [[2, 1, 3], [4, 2]],
];

describe('binary ops with non-broadcastable shapes', () => {
  for (const [name, free, method] of binaryOps) {
    for (const [sa, sb] of badPairs) {
      it(`${name}: [${sa}] and [${sb}]`, () => {
        const a = rand(sa).requiresGrad_();
        const b = rand(sb);
        const pattern = new RegExp(`${name}: shapes ${sh(sa)} and ${sh(sb)}`);
        expectCleanError(() => free(a, b), pattern, [a, b]);
        expectCleanError(() => method(a, b), pattern, [a, b]);
      });
    }
  }

  it('in-place ops with non-broadcastable or growing shapes', () => {
    const x = tensor([1, 2, 3], { dtype: 'float32' });
    const y = ones(2, 3);
    expectCleanError(() => x.add_(ones(4)), /add: shapes \[3\] and \[4\]/, [x]);
    expectCleanError(() => x.mul_(ones(2)), /mul: shapes \[3\] and \[2\]/, [x]);
    // the result would be [2, 3]: it cannot be written into x
    expectCleanError(() => x.add_(y), /add_: .*\[2, 3\].*\[3\]/, [x, y]);
    expectCleanError(() => x.copy_(y), /copy_: .*\[2, 3\].*\[3\]/, [x, y]);
    expectCleanError(() => x.copy_(ones(4)), /copy_: shapes \[4\] and \[3\]/, [x]);
  });
});

describe('matrix products', () => {
  const cases: [string, () => Tensor, RegExp, number[], number[]][] = [
    ['matmul 2-D', () => matmul(a23, b45), /^matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied$/, [2, 3], [4, 5]],
    ['matmul method', () => a23.matmul(b45), /^matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied$/, [2, 3], [4, 5]],
    ['matmul 1-D dot', () => matmul(ones(3), ones(4)), /matmul: shapes \[3\] and \[4\] cannot be multiplied/, [], []],
    ['matmul 1-D @ 2-D', () => matmul(ones(3), ones(4, 2)), /matmul: shapes \[3\] and \[4, 2\]/, [], []],
    ['matmul 3-D @ 2-D', () => matmul(ones(2, 3, 4), ones(3, 4)), /matmul: shapes \[2, 3, 4\] and \[3, 4\]/, [], []],
    ['matmul batch dims', () => matmul(ones(2, 3, 4), ones(5, 4, 2)), /matmul: shapes \[2, 3, 4\] and \[5, 4, 2\]/, [], []],
    ['matmul 0-d', () => matmul(tensor(2), ones(2)), /matmul: .*\[\].*\[2\]/, [], []],
    ['mm', () => mm(a23, b45), /^mm: shapes \[2, 3\] and \[4, 5\] cannot be multiplied$/, [], []],
    ['mm 1-D', () => mm(ones(3), ones(3, 2)), /mm: .*2-D.*\[3\] and \[3, 2\]/, [], []],
    ['mm 3-D', () => a23.mm(ones(2, 3, 2)), /mm: .*\[2, 3\] and \[2, 3, 2\]/, [], []],
    ['bmm inner', () => bmm(ones(2, 2, 3), ones(2, 4, 5)), /bmm: shapes \[2, 2, 3\] and \[2, 4, 5\] cannot be multiplied/, [], []],
    ['bmm batch', () => bmm(ones(2, 2, 3), ones(3, 3, 5)), /bmm: shapes \[2, 2, 3\] and \[3, 3, 5\]/, [], []],
    ['bmm 2-D', () => ones(2, 3).bmm(ones(3, 2)), /bmm: .*3-D.*\[2, 3\] and \[3, 2\]/, [], []],
    ['linear', () => F.linear(ones(4, 3), ones(2, 5)), /linear: .*\[4, 3\].*\[2, 5\]/, [], []],
    ['linear bias', () => F.linear(ones(4, 3), ones(2, 3), ones(3)), /linear: bias shape \[3\]/, [], []],
  ];
  const a23 = randn(2, 3).requiresGrad_();
  const b45 = randn(4, 5);
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [a23, b45]);
    });
  }
});

describe('joining and reshaping', () => {
  const x = arange(6).reshape(2, 3);
  const cases: [string, () => unknown, RegExp][] = [
    ['cat mismatched', () => cat([x, zeros(2, 4)], 0), /cat: shapes \[2, 3\], \[2, 4\] do not match/],
    ['cat mismatched dim 1', () => cat([x, zeros(3, 3)], 1), /cat: shapes \[2, 3\], \[3, 3\]/],
    ['cat ndim', () => cat([x, zeros(3)], 0), /cat: shapes \[2, 3\], \[3\]/],
    ['cat empty', () => cat([], 0), /cat: .*non-empty/],
    ['cat 0-d', () => cat([tensor(1), tensor(2)], 0), /cat: zero-dimensional/],
    ['cat bad dim', () => cat([x, x], 2), /cat: dim 2 is out of range/],
    ['cat non-tensor', () => cat([x, null as unknown as Tensor], 0), /cat: element 1 is not a Tensor/],
    ['stack unequal', () => stack([x, zeros(3, 2)]), /stack: .*\[2, 3\], \[3, 2\]/],
    ['reshape size', () => x.reshape(4), /reshape: shape \[4\] is invalid for input of shape \[2, 3\]/],
    ['reshape inferred', () => x.reshape(-1, 4), /reshape: shape \[-1, 4\] is invalid for input of shape \[2, 3\]/],
    ['reshape two -1', () => x.reshape(-1, -1), /reshape: only one dimension can be inferred/],
    ['reshape zero inferred', () => x.reshape(0, -1), /reshape: .*\[0, -1\].*\[2, 3\]/],
    ['view size', () => x.view(7), /view: shape \[7\] is invalid for input of shape \[2, 3\]/],
    ['view of a transposed tensor', () => x.t().view(6), /view: shape \[6\] is not compatible .*shape \[3, 2\].*reshape/],
    ['view of a narrowed tensor', () => x.narrow(1, 0, 2).view(4), /view: .*\[4\].*reshape/],
    ['expand', () => x.expand(4, 3), /expand: shape \[2, 3\] cannot be expanded to \[4, 3\]/],
    ['expand fewer dims', () => x.expand(3), /expand: .*\[2, 3\].*\[3\]/],
    ['permute wrong count', () => x.permute(0), /permute: .*1 dims/],
    ['permute repeated', () => x.permute(1, 1), /permute: .*repeat/],
    ['t on 3-D', () => zeros(2, 2, 2).t(), /t: .*\[2, 2, 2\]/],
    ['flatten order', () => x.flatten(1, 0), /flatten: startDim 1 comes after endDim 0/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [x]);
    });
  }
});

describe('bad dims', () => {
  const x = randn(2, 3).requiresGrad_();
  const cases: [string, () => unknown, RegExp][] = [
    ['sum out of range', () => x.sum(2), /sum: dim 2 is out of range for a tensor with 2 dimensions/],
    ['sum negative', () => x.sum(-3), /sum: dim -3 is out of range/],
    ['sum non-integer', () => x.sum(0.5), /sum: dim 0.5/],
    ['sum list', () => x.sum([0, 5]), /sum: dim 5/],
    ['sum repeated', () => x.sum([0, -2]), /sum: .*twice/],
    ['sum string', () => x.sum('1' as unknown as number), /sum: dim must be an integer/],
    ['mean out of range', () => x.mean(3), /mean: dim 3 is out of range/],
    ['mean non-integer', () => x.mean(1.5), /mean: dim 1.5/],
    ['amax', () => x.amax(2), /amax: dim 2/],
    ['max(dim)', () => x.max(2), /max: dim 2/],
    ['argmin', () => x.argmin(-4), /argmin: dim -4/],
    ['softmax out of range', () => x.softmax(2), /softmax: dim 2 is out of range/],
    ['softmax non-integer', () => softmax(x, 0.5), /softmax: dim 0.5/],
    ['softmax missing dim', () => softmax(x, undefined as unknown as number), /softmax: dim is required/],
    ['logSoftmax', () => logSoftmax(x, -3), /logSoftmax: dim -3/],
    ['transpose', () => x.transpose(0, 2), /transpose: dim 2 is out of range/],
    ['transpose non-integer', () => x.transpose(0.5, 1), /transpose: dim 0.5/],
    ['squeeze', () => x.squeeze(2), /squeeze: dim 2 is out of range/],
    ['squeeze non-integer', () => x.squeeze(1.5), /squeeze: dim 1.5/],
    ['unsqueeze', () => x.unsqueeze(4), /unsqueeze: dim 4/],
    ['narrow dim', () => x.narrow(2, 0, 1), /narrow: dim 2 is out of range/],
    ['narrow non-integer dim', () => x.narrow(0.5, 0, 1), /narrow: dim 0.5/],
    ['narrow range', () => x.narrow(1, 2, 2), /narrow: start 2 and length 2 are out of range for dim 1 of shape \[2, 3\]/],
    ['narrow negative length', () => x.narrow(1, 0, -1), /narrow: .*length -1/],
    ['narrow non-integer start', () => x.narrow(1, 0.5, 1), /narrow: start 0.5/],
    ['select dim', () => x.select(2, 0), /select: dim 2 is out of range/],
    ['select index', () => x.select(0, 2), /select: index 2 is out of range for dim 0 of size 2/],
    ['select negative index', () => x.select(1, -4), /select: index -4/],
    ['select non-integer', () => x.select(0, 0.5), /select: index 0.5/],
    ['indexSelect dim', () => x.indexSelect(2, tensor([0], { dtype: 'int32' })), /indexSelect: dim 2/],
    ['gather dim', () => x.gather(2, zeros(2, 3, { dtype: 'int32' })), /gather: dim 2/],
    ['flatten', () => x.flatten(0, 5), /flatten: dim 5/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [x]);
    });
  }
});

describe('wrong dtypes and index values', () => {
  const x = randn(3, 4).requiresGrad_();
  const logits = randn(2, 3).requiresGrad_();
  const i32 = (v: unknown) => tensor(v as number[], { dtype: 'int32' });
  const cases: [string, () => unknown, RegExp, Tensor[]][] = [
    ['indexSelect float index', () => x.indexSelect(0, tensor([0, 1], { dtype: 'float32' })), /indexSelect: index must be an int32 tensor, got float32/, []],
    ['indexSelect bool index', () => indexSelect(x, 0, tensor([true])), /indexSelect: .*int32.*bool/, []],
    ['indexSelect index out of range', () => x.indexSelect(0, i32([0, 3])), /indexSelect: index 3 is out of bounds .*size 3/, []],
    ['indexSelect negative index', () => x.indexSelect(1, i32([-1])), /indexSelect: index -1 is out of bounds/, []],
    ['indexSelect 2-D index', () => x.indexSelect(0, i32([[0]])), /indexSelect: index must be 0-d or 1-d/, []],
    ['indexSelect non-tensor index', () => x.indexSelect(0, [0] as unknown as Tensor), /indexSelect: index must be a Tensor/, []],
    ['gather float index', () => x.gather(1, zeros(3, 1)), /gather: index must be an int32 tensor, got float32/, []],
    ['gather index out of range', () => gather(x, 1, i32([[0], [4], [1]])), /gather: index 4 is out of bounds/, []],
    ['gather index ndim', () => x.gather(1, i32([0, 1])), /gather: index has 1 dims/, []],
    ['gather index too large', () => x.gather(0, zeros(3, 5, { dtype: 'int32' })), /gather: index shape \[3, 5\] is larger than input shape \[3, 4\]/, []],
    ['crossEntropy float targets', () => F.crossEntropy(logits, tensor([0, 1], { dtype: 'float32' })), /crossEntropy: target must hold int32 class indices, got dtype float32/, []],
    ['crossEntropy class out of range', () => F.crossEntropy(logits, i32([0, 3])), /crossEntropy: target 3 is out of bounds for 3 classes/, []],
    ['crossEntropy negative class', () => F.crossEntropy(logits, i32([-1, 0])), /crossEntropy: target -1 is out of bounds/, []],
    ['crossEntropy target shape', () => F.crossEntropy(logits, i32([0, 1, 2])), /crossEntropy: target shape \[3\] does not match input shape \[2, 3\]/, []],
    ['crossEntropy 1-D input', () => F.crossEntropy(ones(3), i32([0])), /crossEntropy: expects input of shape \[N, C\], got \[3\]/, []],
    ['nllLoss float targets', () => F.nllLoss(logits, tensor([0, 1], { dtype: 'float32' })), /nllLoss: target must hold int32/, []],
    ['nllLoss class out of range', () => F.nllLoss(logits, i32([5, 0])), /nllLoss: target 5 is out of bounds/, []],
    ['mseLoss shapes', () => F.mseLoss(logits, ones(3, 2)), /mseLoss: input shape \[2, 3\] and target shape \[3, 2\] differ/, []],
    ['mean of int32', () => i32([1, 2]).mean(), /mean: .*int32/, []],
    ['float result into an int32 tensor', () => { const t = i32([1, 2]); try { t.add_(0.5); } finally { expect(t.tolist()).toEqual([1, 2]); } }, /add_: .*float32.*int32/, []],
    ['int32 tensor with fractional values', () => tensor([1.5], { dtype: 'int32' }), /tensor: dtype int32 needs integer values, got 1.5/, []],
    ['unknown dtype', () => zeros(2, { dtype: 'float64' as 'float32' }), /zeros: unknown dtype "float64"/, []],
    ['requiresGrad on int32', () => { i32([1]).requiresGrad = true; }, /requiresGrad: only float32/, []],
    ['backward of a tensor without grad', () => ones(1).backward(), /backward: .*does not require grad/, []],
  ];
  for (const [name, fn, pattern, extra] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [x, logits, ...extra]);
    });
  }
});

describe('non-tensor operands', () => {
  const x = tensor([1, 2, 3]);
  const bad: [string, unknown][] = [['string', 'a'], ['undefined', undefined], ['null', null], ['object', {}], ['array', [1, 2, 3]]];
  for (const [kind, v] of bad) {
    it(`${kind} as an operand`, () => {
      const b = v as Tensor;
      const got = new RegExp(`got ${kind === 'array' ? 'object' : kind}`);
      expectCleanError(() => x.add(b), new RegExp(`add: second operand must be a Tensor or a number, ${got.source}`), [x]);
      expectCleanError(() => sub(b, x), /sub: first operand must be a Tensor or a number/, [x]);
      expectCleanError(() => x.mul(b), /mul: second operand/, [x]);
      expectCleanError(() => x.div(b), /div: second operand/, [x]);
      expectCleanError(() => x.pow(b), /pow: second operand/, [x]);
      expectCleanError(() => x.maximum(b), /maximum: second operand/, [x]);
      expectCleanError(() => x.gt(b), /gt: second operand/, [x]);
      expectCleanError(() => where(x.gt(1), x, b), /where: third operand/, [x]);
      expectCleanError(() => where(b, x, 1), /where: condition must be a Tensor/, [x]);
      expectCleanError(() => matmul(x, b), /matmul: second operand must be a Tensor/, [x]);
      expectCleanError(() => mm(b, x), /mm: first operand must be a Tensor/, [x]);
      expectCleanError(() => x.add_(b), /add: second operand/, [x]);
      expectCleanError(() => x.fill_(b as unknown as number), /fill_: value must be a number/, [x]);
      if (kind !== 'array') expectCleanError(() => tensor(v as number), /tensor: /, [x]);
      // (a plain object there is sum's keyword options, { keepdim, dtype }: {} is no options, other keys throw)
      if (v != null && kind !== 'object') expectCleanError(() => x.sum(v as number), /sum: dim/, [x]);
      if (kind === 'object') expectCleanError(() => x.sum({ dim: 0 } as never), /sum: unknown option 'dim'/, [x]);
    });
  }

  it('nested arrays of unequal length or depth', () => {
    const cases: [unknown, RegExp][] = [
      [[[1, 2], [3]], /tensor: nested arrays must be rectangular; expected length 2 at \[1\], got length 1/],
      [[[1, 2], 3], /tensor: nested arrays must be rectangular; expected length 2 at \[1\], got number/],
      [[1, [2]], /tensor: expected a number at \[1\], got an array/],
      [[[[1]], [2]], /tensor: expected a number at \[1\]\[0\], got an array|rectangular/],
      [[[1, 2], [3, 4, 5]], /rectangular; expected length 2 at \[1\], got length 3/],
      [[1, 'a'], /tensor: expected a number at \[1\], got string/],
      [[1, null], /tensor: expected a number at \[1\], got object/],
      [[[1], [undefined]], /tensor: expected a number at \[1\]\[0\], got undefined/],
    ];
    for (const [data, pattern] of cases) expectCleanError(() => tensor(data as number[]), pattern);
  });
});

describe('bad shapes', () => {
  const x = arange(4);
  const cases: [string, () => unknown, RegExp][] = [
    ['zeros non-integer', () => zeros(2.5), /zeros: shape must be a list of non-negative integers, got \[2.5\]/],
    ['zeros negative', () => zeros(-1), /zeros: shape must be a list of non-negative integers, got \[-1\]/],
    ['zeros array with a negative', () => zeros([2, -3]), /zeros: .*\[2,-3\]/],
    ['zeros NaN', () => zeros(NaN), /zeros: shape must be a list of non-negative integers/],
    ['zeros string', () => zeros('3' as unknown as number), /zeros: shape must be a list/],
    ['ones non-integer', () => ones(1.5, 2), /ones: shape/],
    ['full negative', () => full([-2], 1), /full: shape/],
    ['full non-number value', () => full([2], 'x' as unknown as number), /full: fill value must be a number/],
    ['rand negative', () => rand(-1), /rand: shape/],
    ['randn non-integer', () => randn(2.2), /randn: shape/],
    ['randint shape', () => randint(0, 5, [-1]), /randint: shape/],
    ['randint bounds', () => randint(5, 5, [2]), /randint: need integers low < high/],
    ['arange zero step', () => arange(0, 5, 0), /arange: invalid range/],
    ['arange wrong direction', () => arange(0, 5, -1), /arange: invalid range/],
    ['arange NaN', () => arange(NaN), /arange: invalid range/],
    ['linspace negative steps', () => linspace(0, 1, -1), /linspace: steps must be a non-negative integer, got -1/],
    ['linspace fractional steps', () => linspace(0, 1, 2.5), /linspace: steps/],
    ['eye negative', () => eye(-1), /eye: shape/],
    ['eye non-integer', () => eye(2, 1.5), /eye: shape/],
    ['reshape non-integer', () => x.reshape(2.5, 2), /reshape: shape must be a list of non-negative integers/],
    ['reshape negative', () => x.reshape(-2, -2), /reshape: shape/],
    ['view non-integer', () => x.view(1.5), /view: shape/],
    ['expand negative', () => x.expand(-2, 4), /expand: /],
    ['item on many elements', () => x.item(), /item: only one-element tensors can be converted to a number, got shape \[4\]/],
    ['item on empty', () => zeros(0).item(), /item: .*\[0\]/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [x]);
    });
  }
});

describe('convolution and pooling', () => {
  const input = randn(1, 3, 5, 5).requiresGrad_();
  const cases: [string, () => unknown, RegExp][] = [
    ['conv2d channel mismatch', () => F.conv2d(input, randn(2, 4, 3, 3)), /conv2d: input shape \[1, 3, 5, 5\] has 3 channels but weight shape \[2, 4, 3, 3\] expects 4/],
    ['conv2d 3-D input', () => F.conv2d(randn(3, 5, 5), randn(2, 3, 3, 3)), /conv2d: expects 4-D input.*\[3, 5, 5\]/],
    ['conv2d 2-D weight', () => F.conv2d(input, randn(2, 3)), /conv2d: expects 4-D weight.*\[2, 3\]/],
    ['conv2d bias', () => F.conv2d(input, randn(2, 3, 3, 3), ones(3)), /conv2d: bias shape \[3\] does not match 2 output channels/],
    ['conv2d kernel too large', () => F.conv2d(input, randn(2, 3, 7, 7)), /conv2d: kernel 7x7 is larger than the padded input/],
    ['conv2d bad stride', () => F.conv2d(input, randn(2, 3, 3, 3), null, { stride: 0 }), /conv2d: stride must be a positive integer/],
    ['conv2d bad padding', () => F.conv2d(input, randn(2, 3, 3, 3), null, { padding: -1 }), /conv2d: padding must be a non-negative integer/],
    ['maxPool2d 2-D', () => F.maxPool2d(randn(4, 4), 2), /maxPool2d: expects 3-D or 4-D input/],
    ['maxPool2d kernel too large', () => F.maxPool2d(input, 6), /maxPool2d: kernel 6x6 is larger/],
    ['maxPool2d padding', () => F.maxPool2d(input, 2, 2, 2), /maxPool2d: padding/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [input]);
    });
  }
});

describe('wrong types from JavaScript callers', () => {
  // TypeScript callers reach all of these with `as any`; plain JavaScript callers without trying.
  const x = randn(2, 3).requiresGrad_();
  const i32 = tensor([1, 2], { dtype: 'int32' });
  const any = (v: unknown) => v as never;
  const cases: [string, () => unknown, RegExp][] = [
    // sizes and dims
    ['a size beyond 2^31 - 1, even with no elements', () => zeros(2 ** 40, 0), /zeros: size 1099511627776 .* beyond the largest size/],
    ['17 dims', () => zeros(Array<number>(17).fill(1)), /zeros: tensors have at most 16 dimensions, got 17/],
    ['reshape to 17 dims', () => x.reshape([2, 3, ...Array<number>(15).fill(1)]), /reshape: tensors have at most 16 dimensions/],
    ['unsqueeze a 16-D tensor', () => ones(Array<number>(16).fill(1)).unsqueeze(0), /unsqueeze: tensors have at most 16 dimensions, got 17/],
    ['stack 16-D tensors', () => stackOp([ones(Array<number>(16).fill(1))]), /stack: tensors have at most 16 dimensions/],
    ['nested arrays 10,000 deep', () => { let a: unknown = [1]; for (let i = 0; i < 10_000; i++) a = [a]; return tensor(a as number[]); }, /tensor: tensors have at most 16 dimensions/],
    ['dim given as a string', () => x.permute(any('0'), 1), /permute: dim must be an integer, got string/],
    ['dim undefined', () => x.transpose(any(undefined), 1), /transpose: dim must be an integer, got undefined/],
    // values that do not fit int32
    ['int32 tensor from 2^40', () => tensor([2 ** 40], { dtype: 'int32' }), /tensor: value 1099511627776 cannot be converted to int32 without overflow/],
    ['full int32 with 1e10', () => full([2], 1e10, { dtype: 'int32' }), /full: value 10000000000 cannot be converted to int32/],
    ['full int32 with NaN', () => full([2], NaN, { dtype: 'int32' }), /full: value NaN cannot be converted to int32/],
    ['fullLike an int32 tensor with Infinity', () => fullLike(i32, Infinity), /fullLike: value Infinity cannot be converted/],
    ['fill_ int32 with NaN', () => i32.fill_(NaN), /fill_: value NaN cannot be converted to int32/],
    ['fill_ int32 with 2^31', () => i32.fill_(2 ** 31), /fill_: value 2147483648 cannot be converted/],
    ['randint beyond int32', () => randint(0, 2 ** 40, [2]), /randint: value .* cannot be converted to int32/],
    // dtypes
    ['to an unknown dtype', () => x.to(any('float64')), /to: unknown dtype "float64"/],
    ['to(undefined)', () => i32.to(any(undefined)), /to: unknown dtype undefined/],
    ['linspace with an unknown dtype', () => linspace(0, 1, 3, { dtype: any('x') }), /linspace: unknown dtype "x"/],
    ['zerosLike with an unknown dtype', () => zerosLike(x, { dtype: any('half') }), /zerosLike: unknown dtype "half"/],
    // objects where tensors are expected
    ['zerosLike(3)', () => zerosLike(any(3)), /zerosLike: expects a Tensor, got number/],
    ['onesLike(null)', () => onesLike(any(null)), /onesLike: expects a Tensor, got null/],
    ['fullLike({})', () => fullLike(any({}), 1), /fullLike: expects a Tensor, got object/],
    ['crossEntropy with a JS array as target', () => F.crossEntropy(x, any([0, 1])), /crossEntropy: input and target must be Tensors/],
    ['crossEntropy with bool targets', () => F.crossEntropy(x, tensor([true, false])), /crossEntropy: target must hold int32 class indices, got dtype bool/],
    ['nllLoss with fractional labels', () => F.nllLoss(x, tensor([0.5, 1.5])), /nllLoss: target must hold int32/],
    ['nllLoss negative class', () => F.nllLoss(x, tensor([0, -2], { dtype: 'int32' })), /nllLoss: target -2 is out of bounds for 3 classes/],
    // autograd
    ['backward(3)', () => x.sum().backward(any(3)), /backward: gradient must be a Tensor/],
    ['grad = 3', () => { x.grad = any(3); }, /grad: assigned gradient must be a Tensor or null, got number/],
    ['grad = an int32 tensor', () => { tensor([1, 2], { requiresGrad: true }).grad = i32; }, /grad: assigned gradient has dtype int32 but the tensor has dtype float32/],
    ['noGrad(3)', () => noGrad(any(3)), /noGrad: expects a function, got number/],
    ['enableGrad(null)', () => enableGrad(any(null)), /enableGrad: expects a function/],
    ['gradcheck(null)', () => gradcheck(any(null), [x]), /gradcheck: expects a function/],
    // modules
    ['Linear(2.5, 3)', () => new nn.Linear(2.5, 3), /Linear: inFeatures must be an integer >= 0, got 2.5/],
    ['Linear("2", 3)', () => new nn.Linear(any('2'), 3), /Linear: inFeatures must be an integer/],
    ['Linear(3, NaN)', () => new nn.Linear(3, NaN), /Linear: outFeatures must be an integer/],
    ['Linear on the wrong last dim', () => new nn.Linear(4, 2).forward(x), /linear: input shape \[2, 3\] does not match weight shape \[2, 4\]/],
    ['Linear on a JS array', () => new nn.Linear(3, 2).forward(any([1, 2, 3])), /linear: input and weight must be Tensors/],
    ['Conv2d on the wrong channel count', () => new nn.Conv2d(1, 2, 3).forward(ones(1, 2, 5, 5)), /conv2d: input shape \[1, 2, 5, 5\] has 2 channels/],
    ['Embedding with float indices', () => new nn.Embedding(3, 2).forward(tensor([0, 1], { dtype: 'float32' })), /embedding: indices must be int32, got float32/],
    ['BatchNorm1d on the wrong feature count', () => new nn.BatchNorm1d(4).forward(x), /BatchNorm1d: input shape \[2, 3\] has 3 channels, expected 4/],
    // optimizers and data
    ['optimizer over an empty list', () => new optim.SGD([]), /SGD: optimizer got an empty parameter list/],
    ['optimizer over a module', () => new optim.Adam(any(new nn.Linear(2, 2))), /Adam: params argument .* iterable of Tensors or param groups, but got Linear/],
    ['optimizer over numbers', () => new optim.SGD(any([1, 2])), /SGD: optimizer can only optimize Tensors, but parameter 0 of param group 0 is number/],
    ['negative lr', () => new optim.SGD([x], { lr: -1 }), /SGD: Invalid learning rate: -1/],
    ['NaN lr', () => new optim.AdamW([x], { lr: NaN }), /AdamW: Invalid learning rate: NaN/],
    ['lr as a string', () => new optim.SGD([x], { lr: any('0.1') }), /SGD: Invalid learning rate: 0.1/],
    ['lr set to NaN in a param group, then step()', () => {
      const o = new optim.SGD([x], { lr: 0.1 });
      x.grad = ones(2, 3);
      o.paramGroups[0]!.lr = NaN;
      try { o.step(); } finally { x.grad = null; }
    }, /SGD: Invalid learning rate: NaN/],
    ['DataLoader batchSize 1.5', () => new data.DataLoader(new data.TensorDataset(x), { batchSize: 1.5 }), /DataLoader: batchSize must be a positive integer, got 1.5/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, () => {
      expectCleanError(fn, pattern, [x, i32]);
    });
  }

  it('a null options object counts as none', () => {
    const target = tensor([0, 2], { dtype: 'int32' });
    expect(F.crossEntropy(x, target, any(null)).item()).toBe(F.crossEntropy(x, target).item());
    expect(F.mseLoss(x, ones(2, 3), any(null)).item()).toBe(F.mseLoss(x, ones(2, 3)).item());
  });
});

describe('many dims', () => {
  // The strided kernels iterate over a fixed block of dims; 9-12 dims that cannot be merged (all reversed)
  // used to overrun it: wrong values from 9 dims, a WebAssembly trap from 12.
  for (const nd of [8, 9, 12, 16]) {
    it(`${nd} reversed dims: contiguous() and a broadcast add are exact`, () => {
      const shape = Array<number>(nd).fill(2);
      const rev = shape.map((_, i) => nd - 1 - i);
      const y = arange(2 ** nd).reshape(shape).permute(rev);
      const c = Array.from(y.contiguous().toArray());
      const s = Array.from(y.add(ones(shape.slice(1))).toArray());
      for (let i = 0; i < 2 ** nd; i++) {
        let r = 0; // element i of the reversed view is the arange value with i's nd bits reversed
        for (let b = 0; b < nd; b++) if (i & (1 << b)) r |= 1 << (nd - 1 - b);
        if (c[i] !== r || s[i] !== r + 1) expect([i, c[i], s[i]]).toEqual([i, r, r + 1]);
      }
    });
  }
});

describe('after many errors', () => {
  it('memory does not leak from failed ops', () => {
    const a = ones(64, 64);
    const b = ones(32);
    // warm up, then measure
    for (let i = 0; i < 10; i++) expect(() => a.add(b)).toThrow();
    const before = memory().bytesInUse;
    for (let i = 0; i < 200; i++) {
      expect(() => a.add(b)).toThrow(/add: shapes/);
      expect(() => a.matmul(b.reshape(2, 16))).toThrow(/matmul: shapes/);
      expect(() => a.indexSelect(0, tensor([99], { dtype: 'int32' }))).toThrow(/out of bounds/);
    }
    // the 200 index tensors are garbage (released by the GC); failed ops themselves must hold nothing
    expect(memory().bytesInUse - before).toBeLessThan(200 * 2 * 16 + 4096);
    expectLibraryWorks();
  });
});
