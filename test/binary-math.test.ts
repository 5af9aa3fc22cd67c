/**
 * src/ops/binary-math.ts: lerp, addcmul, addcdiv, atan2, hypot, copysign, xlogy, logical and bitwise ops,
 * isnan/isinf/isposinf/isneginf/isfinite, isclose, allclose, equal. Values and gradients against
 * test/fixtures/binary-math/cases.json (made by gen.py with PyTorch), gradcheck at odd sizes and on
 * non-contiguous inputs, NaN/Inf cases, in-place forms and the errors PyTorch raises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addcdiv, addcmul, allclose, atan2, bitwiseAnd, bitwiseNot, bitwiseOr, bitwiseXor, copysign, equal, grad, hypot, isclose, isfinite, isinf,
  isnan, isneginf, isposinf, lerp, logicalAnd, logicalNot, logicalOr, logicalXor, ones, tensor, xlogy, zeros, detectAnomaly,
  type Tensor,
} from '../src/index.js';
import { bmap, checkGradGrad, checkOp, expectLibraryWorks, ints, thrown, expectTorchCase, type TorchCase } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/binary-math/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, TorchCase> };

const asTensor = (b: boolean): Tensor => tensor([b]).reshape([]);

/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  lerp_scalar_lo: (s, e) => lerp(s!, e!, 0.3),
  lerp_scalar_hi: (s, e) => s!.lerp(e!, 0.75),
  lerp_tensor: (s, e, w) => lerp(s!, e!, w!),
  lerp_tensor_broadcast_weight: (s, e, w) => s!.lerp(e!, w!),
  lerp_inf: (s, e) => lerp(s!, e!, 0.25),
  addcmul: (i, a, b) => addcmul(i!, a!, b!, { value: 0.5 }),
  addcmul_default: (i, a, b) => i!.addcmul(a!, b!),
  addcmul_int: (i, a, b) => addcmul(i!, a!, b!, { value: 3 }),
  addcmul_mixed: (i, a, b) => addcmul(i!, a!, b!, { value: 2.5 }),
  addcdiv: (i, a, b) => addcdiv(i!, a!, b!, { value: -2 }),
  addcdiv_default: (i, a, b) => i!.addcdiv(a!, b!),
  addcdiv_zero: (i, a, b) => addcdiv(i!, a!, b!),
  atan2: (y, x) => atan2(y!, x!),
  atan2_special: (y, x) => y!.atan2(x!),
  atan2_broadcast: (y, x) => atan2(y!, x!),
  atan2_int: (y, x) => atan2(y!, x!),
  hypot: (a, b) => hypot(a!, b!),
  hypot_special: (a, b) => a!.hypot(b!),
  copysign: (a, b) => copysign(a!, b!),
  copysign_scalar: (a) => a!.copysign(-0),
  copysign_int: (a, b) => copysign(a!, b!),
  xlogy: (x, y) => xlogy(x!, y!),
  xlogy_scalar_self: (y) => xlogy(2, y!),
  xlogy_scalar_other: (x) => x!.xlogy(3),
  xlogy_broadcast: (x, y) => xlogy(x!, y!),
  xlogy_int: (x, y) => xlogy(x!, y!),
  logical_and: (a, b) => logicalAnd(a!, b!),
  logical_or: (a, b) => a!.logicalOr(b!),
  logical_xor: (a, b) => logicalXor(a!, b!),
  logical_not: (a) => logicalNot(a!),
  logical_not_int: (a) => a!.logicalNot(),
  logical_and_bool_broadcast: (a, b) => logicalAnd(a!, b!),
  bitwise_and: (a, b) => bitwiseAnd(a!, b!),
  bitwise_or: (a, b) => a!.bitwiseOr(b!),
  bitwise_xor: (a, b) => bitwiseXor(a!, b!),
  bitwise_not: (a) => bitwiseNot(a!),
  bitwise_and_scalar: (a) => a!.bitwiseAnd(6),
  bitwise_or_bool: (a, b) => bitwiseOr(a!, b!),
  bitwise_xor_bool_int: (a, b) => bitwiseXor(a!, b!),
  bitwise_not_bool: (a) => a!.bitwiseNot(),
  isnan: (a) => isnan(a!),
  isinf: (a) => a!.isinf(),
  isposinf: (a) => isposinf(a!),
  isneginf: (a) => a!.isneginf(),
  isfinite: (a) => isfinite(a!),
  isfinite_int: (a) => isfinite(a!),
  isnan_int: (a) => a!.isnan(),
  isclose: (a, b) => isclose(a!, b!),
  isclose_tol: (a, b) => isclose(a!, b!, { rtol: 1e-3, atol: 1e-4 }),
  isclose_equal_nan: (a, b) => a!.isclose(b!, { equalNan: true }),
  isclose_atol_only: (a, b) => isclose(a!, b!, 0, 0.5),
  isclose_broadcast: (a, b) => isclose(a!, b!),
  isclose_int: (a, b) => isclose(a!, b!, 0.5),
  isclose_bool: (a, b) => isclose(a!, b!),
  allclose_true: (a, b) => asTensor(allclose(a!, b!)),
  allclose_false: (a, b) => asTensor(a!.allclose(b!)),
  allclose_nan: (a, b) => asTensor(allclose(a!, b!, 1e-5, 1e-8, true)),
  equal_true: (a, b) => asTensor(equal(a!, b!)),
  equal_nan: (a, b) => asTensor(a!.equal(b!)),
  equal_shape: (a, b) => asTensor(equal(a!, b!)),
  equal_int_float: (a, b) => asTensor(equal(a!, b!)),
};


describe('binary-math ops against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => expectTorchCase(name, c, ops[name]!));
  }
});

describe('gradcheck (odd sizes, broadcasting, non-contiguous inputs)', () => {
  const lerpRef = (s: number, e: number, w: number) => s + w * (e - s);
  it('lerp with a number weight', () => {
    checkOp('lerp-scalar', (s, e) => lerp(s!, e!, 0.3), [[3, 5], [3, 5]], { ref: (s, e) => bmap((a, b) => lerpRef(a, b, 0.3), s!, e!), nonContiguous: [true, false] });
    checkOp('lerp-scalar-hi', (s, e) => lerp(s!, e!, 0.8), [[7], [2, 7]], { ref: (s, e) => bmap((a, b) => lerpRef(a, b, 0.8), s!, e!) });
  });
  it('lerp with a tensor weight', () => {
    checkOp('lerp-tensor', (s, e, w) => lerp(s!, e!, w!), [[3, 5], [5], [3, 1]], {
      range: [undefined, undefined, [-0.5, 1.5]],
      ref: (s, e, w) => bmap(lerpRef, s!, e!, w!),
    });
    checkOp('lerp-tensor-nc', (s, e, w) => lerp(s!, e!, w!), [[4, 3], [4, 3], [4, 3]], { nonContiguous: [true, 'permute', 'narrow'], range: [undefined, undefined, [0, 1]] });
  });
  it('addcmul and addcdiv', () => {
    checkOp('addcmul', (i, a, b) => addcmul(i!, a!, b!, { value: -1.5 }), [[3, 5], [5], [3, 1]], {
      ref: (i, a, b) => bmap((x, y, z) => x - 1.5 * y * z, i!, a!, b!),
      nonContiguous: [true, false, false],
    });
    checkOp('addcdiv', (i, a, b) => addcdiv(i!, a!, b!, { value: 0.5 }), [[3, 5], [3, 5], [5]], {
      range: [undefined, undefined, [0.5, 2]],
      ref: (i, a, b) => bmap((x, y, z) => x + (0.5 * y) / z, i!, a!, b!),
      nonContiguous: [false, true, false],
    });
  });
  it('atan2 and hypot', () => {
    checkOp('atan2', (y, x) => atan2(y!, x!), [[3, 5], [3, 5]], { range: [[-2, 2], [0.5, 2]], ref: (y, x) => bmap(Math.atan2, y!, x!), nonContiguous: [true, false] });
    checkOp('atan2-bc', (y, x) => atan2(y!, x!), [[7], [3, 1]], { range: [[0.5, 2], [-2, 2]], ref: (y, x) => bmap(Math.atan2, y!, x!) });
    checkOp('hypot', (a, b) => hypot(a!, b!), [[3, 5], [5]], { range: [[0.5, 2], [-2, -0.5]], ref: (a, b) => bmap(Math.hypot, a!, b!), nonContiguous: [true, false] });
  });
  it('copysign and xlogy', () => {
    const cs = (a: number, b: number) => (b < 0 || Object.is(b, -0) ? -Math.abs(a) : Math.abs(a));
    checkOp('copysign', (a, b) => copysign(a!, b!), [[3, 5], [3, 5]], { ref: (a, b) => bmap(cs, a!, b!), nonContiguous: [true, false] });
    checkOp('xlogy', (x, y) => xlogy(x!, y!), [[3, 5], [5]], { range: [undefined, [0.5, 2]], ref: (x, y) => bmap((a, b) => a * Math.log(b), x!, y!), nonContiguous: [true, false] });
    checkOp('xlogy-scalar', (y) => xlogy(1.5, y!), [[7]], { range: [0.5, 2] });
  });
  it('second derivatives', () => {
    checkGradGrad('lerp', (s, e, w) => lerp(s!, e!, w!).mul(s!), [[5], [5], [5]]);
    checkGradGrad('atan2', (y, x) => atan2(y!, x!), [[5], [5]], { range: [[0.5, 2], [0.5, 2]] });
    checkGradGrad('hypot', (a, b) => hypot(a!, b!), [[5], [5]], { range: [[0.5, 2], [0.5, 2]] });
    checkGradGrad('xlogy', (x, y) => xlogy(x!, y!), [[5], [5]], { range: [[0.5, 2], [0.5, 2]] });
    checkGradGrad('addcdiv', (i, a, b) => addcdiv(i!, a!, b!).mul(i!), [[5], [5], [5]], { range: [undefined, undefined, [0.5, 2]] });
  });
});

describe('special values and dtypes', () => {
  it('copysign takes the sign bit of -0 and of a negative NaN', () => {
    const negNaN = new Float32Array(new Int32Array([-0x400000]).buffer); // 0xffc00000
    const b = tensor(Float32Array.from([negNaN[0]!, NaN, -0]));
    expect(Array.from(copysign(tensor([2.5, 2.5, 2.5]), b).toArray())).toEqual([-2.5, 2.5, -2.5]);
  });
  it('bitwise ops are exact on the whole int32 range; equal compares int32 exactly', () => {
    const a = ints([2147483647, -2147483648, 16777217]);
    expect(Array.from(bitwiseXor(a, 1).toArray())).toEqual([2147483646, -2147483647, 16777216]);
    expect(Array.from(bitwiseNot(a).toArray())).toEqual([-2147483648, 2147483647, -16777218]);
    expect(bitwiseAnd(3, ints([1, 2, 6])).tolist()).toEqual([1, 2, 2]);
    expect(equal(ints([16777217]), ints([16777216]))).toBe(false);
    expect(equal(tensor([true, false]), ints([1, 0]))).toBe(true);
  });
  it('logical and classification ops give bool results without graph, also for inputs that require grad', () => {
    const x = tensor([1, 0, NaN], { requiresGrad: true });
    for (const y of [logicalNot(x), logicalAnd(x, x), isnan(x), isfinite(x), isclose(x, x)]) {
      expect(y.dtype).toBe('bool');
      expect(y.requiresGrad).toBe(false);
    }
    expect(isfinite(tensor([true])).tolist()).toEqual([true]);
    expect(isinf(ints([1])).tolist()).toEqual([false]);
    expect(logicalXor(ones(2, 3).t(), zeros(3, 2)).tolist()).toEqual([[true, true], [true, true], [true, true]]);
  });
  it('xlogy: 0 * log(0) is 0 with gradient 0 for x (NaN for y), log(y) for x at 0 when y > 0, as PyTorch', () => {
    const x = tensor([0, 0], { requiresGrad: true, dtype: 'float32' });
    const y = tensor([0, 2], { requiresGrad: true, dtype: 'float32' });
    const out = xlogy(x, y);
    expect(Array.from(out.toArray())).toEqual([0, 0]);
    const [gx, gy] = grad(out.sum(), [x, y]);
    expect(Array.from(gx!.toArray())).toEqual([0, Math.fround(Math.log(2))]);
    expect(Number.isNaN(gy!.toArray()[0]!)).toBe(true);
  });
  it('anomaly mode blames lerp for Inf - Inf', () => {
    expect(() => detectAnomaly(() => lerp(tensor([Infinity]), tensor([Infinity]), 0.5))).toThrow(/LerpBackward|lerp/i);
  });
});

describe('in-place forms', () => {
  it('lerp_, addcmul_, addcdiv_, atan2_, hypot_, copysign_, xlogy_', () => {
    expect(tensor([0, 10], { dtype: 'float32' }).lerp_(tensor([10, 20], { dtype: 'float32' }), 0.5).tolist()).toEqual([5, 15]);
    expect(zeros(2).addcmul_(tensor([1, 2]), tensor([3, 4]), { value: 2 }).tolist()).toEqual([6, 16]);
    expect(ones(2).addcdiv_(tensor([1, 2], { dtype: 'float32' }), tensor([4, 4], { dtype: 'float32' })).tolist()).toEqual([1.25, 1.5]);
    expect(tensor([3], { dtype: 'float32' }).hypot_(tensor([4], { dtype: 'float32' })).tolist()).toEqual([5]);
    expect(tensor([3.5, -1]).copysign_(-1).tolist()).toEqual([-3.5, -1]);
    expect(tensor([0, 2], { dtype: 'float32' }).xlogy_(1).tolist()).toEqual([0, 0]);
    expect(tensor([1], { dtype: 'float32' }).atan2_(tensor([1], { dtype: 'float32' })).toArray()[0]).toBeCloseTo(Math.PI / 4, 6);
  });
  it('gradients flow through in-place forms on non-leaves', () => {
    const a = tensor([1, 2], { requiresGrad: true, dtype: 'float32' });
    const e = tensor([3, 6], { requiresGrad: true, dtype: 'float32' });
    const h = a.mul(1).lerp_(e, 0.25);
    const [ga, ge] = grad(h.sum(), [a, e]);
    expect(ga!.tolist()).toEqual([0.75, 0.75]);
    expect(ge!.tolist()).toEqual([0.25, 0.25]);
  });
  it('logical and bitwise in place keep the dtype of self', () => {
    const f = tensor([2.5, 0, 1]);
    f.logicalAnd_(tensor([1, 1, 0]));
    expect(f.dtype).toBe('float32');
    expect(f.tolist()).toEqual([1, 0, 0]);
    expect(tensor([0, 3]).logicalNot_().tolist()).toEqual([1, 0]);
    expect(tensor([true, false]).logicalOr_(tensor([false, false])).tolist()).toEqual([true, false]);
    expect(tensor([true, false]).logicalXor_(tensor([true, true])).tolist()).toEqual([false, true]);
    expect(ints([12, 5]).bitwiseAnd_(6).tolist()).toEqual([4, 4]);
    expect(ints([12, 5]).bitwiseOr_(ints([1, 2])).tolist()).toEqual([13, 7]);
    expect(ints([12, 5]).bitwiseXor_(1).tolist()).toEqual([13, 4]);
    expect(ints([0]).bitwiseNot_().tolist()).toEqual([-1]);
    expect(tensor([true, false]).bitwiseAnd_(tensor([true, true])).tolist()).toEqual([true, false]);
  });
});

describe('errors as PyTorch, thrown before computing', () => {
  const f = (v: number[]) => tensor(v, { dtype: 'float32' });
  it('dtypes', () => {
    expect(() => lerp(ints([1, 2]), f([1, 2]), 0.5)).toThrow(/lerp: expects float32 tensors/);
    expect(() => lerp(f([1, 2]), ints([1, 2]), 0.5)).toThrow(/lerp: expected dtype float32 for end/);
    expect(() => lerp(f([1, 2]), f([1, 2]), ints([1, 1]))).toThrow(/lerp: expected dtype float32 for weight/);
    expect(() => lerp(f([1, 2]), 2 as never, 0.5)).toThrow(/lerp: end must be a Tensor/);
    expect(() => addcdiv(f([1]), ints([1]), ints([2]))).toThrow(/addcdiv: integer division/);
    expect(() => addcmul(ints([1]), ints([1]), ints([2]), { value: 0.5 })).toThrow(/addcmul: for integer tensors, value must be an integer/);
    expect(() => addcmul(tensor([true]), tensor([true]), tensor([true]))).toThrow(/addcmul: not implemented for bool/);
    expect(() => hypot(ints([3]), ints([4]))).toThrow(/hypot: not implemented for integer tensors/);
    expect(() => bitwiseAnd(f([1]), 1)).toThrow(/bitwiseAnd: not implemented for float32 tensors/);
    expect(() => bitwiseOr(ints([1]), 1.5)).toThrow(/bitwiseOr: not implemented for float32 numbers/);
    expect(() => bitwiseNot(f([1]))).toThrow(/bitwiseNot: not implemented for float32/);
    expect(() => tensor([true]).bitwiseAnd_(ints([1]))).toThrow(/bitwiseAnd_: result type int32 cannot be stored in a tensor of dtype bool/);
    expect(() => ints([1]).atan2_(ints([1]))).toThrow(/atan2_: result type float32 cannot be stored/);
    expect(() => isclose(f([1]), ints([1]))).toThrow(/isclose: expected both tensors to have the same dtype, got float32 and int32/);
    expect(() => allclose(f([1]), ints([1]))).toThrow(/allclose: expected both tensors to have the same dtype/);
  });
  it('arguments and options', () => {
    expect(() => logicalAnd(f([1]), 1 as never)).toThrow(/logicalAnd: other must be a Tensor, got number/);
    expect(() => atan2(f([1]), 1 as never)).toThrow(/atan2: other must be a Tensor/);
    expect(() => isclose(f([1]), 1 as never)).toThrow(/isclose: other must be a Tensor/);
    expect(() => isclose(f([1]), f([1]), -1)).toThrow(/isclose: rtol must be greater than or equal to zero, got -1/);
    expect(() => isclose(f([1]), f([1]), { atol: -1 })).toThrow(/atol must be greater than or equal to zero/);
    expect(() => isclose(f([1]), f([1]), { equal_nan: true } as never)).toThrow(/PyTorch's equal_nan is equalNan here/);
    expect(() => isclose(f([1]), f([1]), 1e-5, { rtol: 1e-3 })).toThrow(/rtol is given both/);
    expect(() => isclose(f([1]), f([1]), 1e-5, 1e-8, 1 as never)).toThrow(/equalNan must be a boolean/);
    expect(() => addcmul(f([1]), f([1]), f([1]), 2 as never)).toThrow(/addcmul: options must be an object/);
    expect(() => addcdiv(f([1]), f([1]), f([1]), { valu: 2 } as never)).toThrow(/did you mean 'value'/);
    expect(() => xlogy(1 as never, 2 as never)).toThrow(/xlogy: at least one operand must be a Tensor/);
  });
  it('shapes', () => {
    expect(() => lerp(zeros(2, 3), zeros(4), 0.5)).toThrow(/lerp: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => lerp(zeros(3), zeros(3), zeros(2))).toThrow(/lerp: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => addcmul(zeros(3), zeros(3), zeros(2))).toThrow(/addcmul: shapes/);
    expect(() => atan2(zeros(3), zeros(2))).toThrow(/atan2: shapes \[3\] and \[2\]/);
    expect(() => bitwiseAnd(ints([1, 2]), ints([1, 2, 3]))).toThrow(/bitwiseAnd: shapes/);
    expect(() => isclose(zeros(3), zeros(2))).toThrow(/isclose: shapes/);
    expect(() => zeros(3).lerp_(zeros(2, 3), 0.5)).toThrow(/lerp_/);
    expect(thrown(() => hypot(zeros(2), zeros(3))).message).toMatch(/hypot/);
    expectLibraryWorks();
  });
});
