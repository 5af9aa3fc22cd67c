/**
 * The indexing ops of src/ops/indexing-more.ts: values and gradients against PyTorch
 * (test/fixtures/indexing-more/cases.json, made by gen.py), gradcheck at odd sizes and on non-contiguous
 * inputs, double backward, in-place forms and the errors PyTorch raises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  argwhere, bincount, bucketize, detectAnomaly, indexAdd, indexCopy, indexFill, indexPut, indexPut_, maskedFill, maskedScatter, maskedSelect,
  noGrad, nonzero, ones, scatter, scatterAdd, scatterReduce, searchsorted, stack, take, takeAlongDim, tensor, zeros, type Tensor,
} from '../src/index.js';
import { whereNonzero } from '../src/ops/indexing-more.js';
import { checkGradGrad, checkOp, expectLibraryWorks, ints, expectTorchCase, type TorchCase } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/indexing-more/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, TorchCase> };

const f32 = (v: number) => tensor(v, { dtype: 'float32' });

type Op = (...xs: Tensor[]) => Tensor;
const reductions = ['sum', 'prod', 'mean', 'amax', 'amin'] as const;
const ops: Record<string, Op> = {
  masked_fill: (x, m) => maskedFill(x!, m!, -1.5),
  masked_fill_broadcast_mask: (x, m) => x!.maskedFill(m!, 2),
  masked_fill_broadcast_self: (x, m) => x!.maskedFill(m!, 2),
  masked_fill_tensor_value: (x, m, v) => x!.maskedFill(m!, v!),
  masked_fill_int: (x, m) => x!.maskedFill(m!, 2.7),
  masked_fill_nan: (x, m) => x!.maskedFill(m!, NaN),
  masked_fill_inplace: (x, m) => x!.mul(1).maskedFill_(m!, 3),
  masked_select: (x, m) => maskedSelect(x!, m!),
  masked_select_broadcast_self: (x, m) => x!.maskedSelect(m!),
  masked_scatter: (x, m, s) => x!.maskedScatter(m!, s!),
  scatter_src: (x, i, s) => scatter(x!, 1, i!, s!),
  scatter_src_larger: (x, i, s) => x!.scatter(0, i!, s!),
  scatter_value: (x, i) => x!.scatter(0, i!, 2.5),
  scatter_negdim_int: (x, i, s) => x!.scatter(-1, i!, s!),
  scatter_reduce_add: (x, i, s) => x!.scatter(0, i!, s!, { reduce: 'add' }),
  scatter_reduce_multiply: (x, i, s) => x!.scatter(0, i!, s!, { reduce: 'multiply' }),
  scatter_value_reduce_add: (x, i) => x!.scatter(0, i!, 1.5, { reduce: 'add' }),
  scatter_add: (x, i, s) => scatterAdd(x!, 0, i!, s!),
  scatter_add_small_index: (x, i, s) => x!.scatterAdd(1, i!, s!),
  scatter_add_int: (x, i, s) => x!.scatterAdd(0, i!, s!),
  ...Object.fromEntries(
    reductions.flatMap((r) => [
      [`scatter_reduce_${r}_self`, ((x, i, s) => scatterReduce(x!, 0, i!, s!, r)) as Op],
      [`scatter_reduce_${r}_noself`, ((x, i, s) => x!.scatterReduce(0, i!, s!, r, { includeSelf: false })) as Op],
    ]),
  ),
  scatter_reduce_amax_ties: (x, i, s) => x!.scatterReduce(0, i!, s!, 'amax'),
  scatter_reduce_amax_nan: (x, i, s) => x!.scatterReduce(0, i!, s!, 'amax', { includeSelf: false }),
  scatter_reduce_mean_int: (x, i, s) => x!.scatterReduce(0, i!, s!, 'mean'),
  scatter_reduce_prod_zeros_self: (x, i, s) => x!.scatterReduce(0, i!, s!, 'prod'),
  index_add: (x, i, s) => indexAdd(x!, 0, i!, s!, { alpha: 2 }),
  index_add_dim1: (x, i, s) => x!.indexAdd(-1, i!, s!),
  index_add_int: (x, i, s) => x!.indexAdd(0, i!, s!, { alpha: 3 }),
  index_copy: (x, i, s) => indexCopy(x!, 0, i!, s!),
  index_copy_dim1: (x, i, s) => x!.indexCopy(1, i!, s!),
  index_fill: (x, i) => indexFill(x!, 1, i!, -2),
  index_fill_tensor_value: (x, i, v) => x!.indexFill(0, i!, v!),
  index_fill_int: (x, i) => x!.indexFill(0, i!, 9),
  index_put: (x, a, b, v) => indexPut(x!, [a!, b!], v!),
  index_put_accumulate: (x, a, v) => x!.indexPut([a!], v!, { accumulate: true }),
  index_put_broadcast_values: (x, a, v) => x!.indexPut([a!], v!),
  index_put_bool: (x, m, v) => x!.indexPut([m!], v!),
  index_put_bool_2d: (x, m) => x!.indexPut([m!], f32(-7)),
  index_put_broadcast_indices: (x, a, b, v) => x!.indexPut([a!, b!], v!, true),
  index_put_inplace: (x, a, v) => x!.mul(1).indexPut_([a!], v!),
  nonzero: (x) => nonzero(x!),
  nonzero_tuple: (x) => stack(nonzero(x!, { asTuple: true })),
  nonzero_bool_3d: (x) => x!.nonzero(),
  nonzero_0d: (x) => x!.nonzero(),
  nonzero_empty: (x) => x!.nonzero(),
  argwhere: (x) => argwhere(x!),
  take: (x, i) => take(x!, i!),
  take_along_dim: (x, i) => takeAlongDim(x!, i!, 1),
  take_along_dim_broadcast: (x, i) => x!.takeAlongDim(i!, -1),
  take_along_dim_broadcast_self: (x, i) => x!.takeAlongDim(i!, 0),
  take_along_dim_flat: (x, i) => takeAlongDim(x!, i!),
  bincount: (x) => bincount(x!),
  bincount_weights: (x, w) => bincount(x!, w!),
  bincount_minlength: (x) => x!.bincount({ minlength: 7 }),
  bincount_empty: (x) => x!.bincount(null, 2),
  bucketize: (x, b) => bucketize(x!, b!),
  bucketize_right: (x, b) => bucketize(x!, b!, { right: true, outInt32: true }),
  bucketize_int: (x, b) => bucketize(x!, b!),
  bucketize_nan_boundary: (x, b) => bucketize(x!, b!),
  searchsorted: (s, v) => searchsorted(s!, v!),
  searchsorted_right: (s, v) => searchsorted(s!, v!, { right: true }),
  searchsorted_side: (s, v) => searchsorted(s!, v!, { side: 'right' }),
  searchsorted_nd: (s, v) => searchsorted(s!, v!),
  searchsorted_sorter: (s, v, o) => searchsorted(s!, v!, { sorter: o! }),
  searchsorted_nd_sorter_right: (s, v, o) => searchsorted(s!, v!, { right: true, sorter: o! }),
};


describe('indexing ops against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => expectTorchCase(name, c, ops[name]!));
  }
});

describe('gradcheck at odd sizes, non-contiguous inputs, double backward', () => {
  const mask = (shape: number[], seed = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tensor(Array.from({ length: n }, (_, i) => (i * 5 + seed) % 3 !== 0)).reshape(shape);
  };
  const nc = { nonContiguous: true } as const;
  it('maskedFill / maskedSelect / maskedScatter', () => {
    const m = mask([5, 3]);
    checkOp('maskedFill', (x) => x.maskedFill(m, 0.5), [[5, 3]], nc);
    checkOp('maskedFill value', (x, v) => x.maskedFill(m, v!), [[5, 3], []]);
    checkOp('maskedSelect', (x) => x.maskedSelect(m), [[5, 3]], nc);
    checkOp('maskedScatter', (x, s) => x.maskedScatter(m, s!), [[5, 3], [13]], nc);
    checkGradGrad('maskedSelect', (x) => x.maskedSelect(m).pow(3), [[5, 3]]);
  });
  it('scatter / scatterAdd / scatterReduce', () => {
    const i = ints([4, 0, 2, 1, 3, 1, 0, 4, 1, 3, 4, 0], [3, 4]); // unique per column: [3, 4] into [5, 4] along 0
    checkOp('scatter', (x, s) => x.scatter(0, i, s!), [[5, 4], [3, 4]], nc);
    checkOp('scatter value', (x) => x.scatter(0, i, -1), [[5, 4]], nc);
    const dup = ints([0, 1, 2, 0, 2, 2, 0, 1, 0, 0, 1, 1, 2, 0, 2, 2, 1, 0, 0, 2], [5, 4]);
    checkOp('scatterAdd', (x, s) => x.scatterAdd(0, dup, s!), [[3, 4], [5, 4]], nc);
    for (const r of reductions) {
      for (const includeSelf of [true, false]) {
        // distinct values (no ties) away from zero, so amax/amin/prod are smooth
        checkOp(`scatterReduce ${r} ${includeSelf}`, (x, s) => x.scatterReduce(0, dup, s!, r, { includeSelf }), [[3, 4], [5, 4]], {
          range: [0.5, 1.5], nonContiguous: [true, false],
        });
      }
    }
    checkGradGrad('scatterReduce prod', (x, s) => x.scatterReduce(0, dup, s!, 'prod'), [[3, 4], [5, 4]], { range: [0.5, 1.5] });
    checkGradGrad('scatterAdd', (x, s) => x.scatterAdd(0, dup, s!).pow(2), [[3, 4], [5, 4]]);
  });
  it('indexAdd / indexCopy / indexFill / indexPut', () => {
    const i = ints([4, 0, 2]);
    checkOp('indexAdd', (x, s) => x.indexAdd(1, i, s!, { alpha: -1.5 }), [[3, 5], [3, 3]], nc);
    checkOp('indexCopy', (x, s) => x.indexCopy(1, i, s!), [[3, 5], [3, 3]], nc);
    checkOp('indexFill', (x, v) => x.indexFill(1, ints([-1, 0, 4]), v!), [[3, 5], []], nc);
    checkOp('indexPut', (x, v) => x.indexPut([ints([2, 0]), ints([1, 4])], v!), [[3, 5], [2]], nc);
    checkOp('indexPut accumulate', (x, v) => x.indexPut([ints([2, 2, 0])], v!, true), [[3, 5], [5]], nc);
    checkGradGrad('indexCopy', (x, s) => x.indexCopy(1, i, s!).pow(2), [[3, 5], [3, 3]]);
  });
  it('take / takeAlongDim', () => {
    checkOp('take', (x) => x.take(ints([0, 14, -1, 7, 7], [5])), [[3, 5]], nc);
    checkOp('takeAlongDim', (x) => x.takeAlongDim(ints([4, 0, 1, 1, 2, 3], [3, 2]), 1), [[3, 5]], nc);
    checkOp('takeAlongDim broadcast', (x) => x.takeAlongDim(ints([4, 0], [1, 2]), 1), [[3, 5]], nc);
    checkGradGrad('take', (x) => x.take(ints([0, 3, 3])).pow(3), [[3, 5]]);
  });
});

describe('forms, in-place ops, dtypes', () => {
  it('nonzero forms and where(cond)', () => {
    const x = tensor([[0, 1], [2, 0]]);
    expect(nonzero(x).tolist()).toEqual([[0, 1], [1, 0]]);
    expect(x.nonzero({ asTuple: true }).map((t) => t.tolist())).toEqual([[0, 1], [1, 0]]);
    expect(whereNonzero(x).map((t) => t.tolist())).toEqual([[0, 1], [1, 0]]);
    expect(nonzero(f32(0), { asTuple: true }).map((t) => t.tolist())).toEqual([[]]);
    expect(nonzero(f32(2), { asTuple: true }).map((t) => t.tolist())).toEqual([[0]]);
    expect(nonzero(zeros(0, 3)).shape).toEqual([0, 2]);
  });
  it('in-place forms write into self and record the history of a view', () => {
    const a = tensor([1, 2, 3, 4], { dtype: 'float32', requiresGrad: true });
    const b = a.mul(1);
    b.narrow(0, 1, 2).maskedFill_(tensor([true, false]), 9);
    expect(b.tolist()).toEqual([1, 9, 3, 4]);
    b.sum().backward();
    expect(a.grad!.tolist()).toEqual([1, 0, 1, 1]);
    const c = zeros(3);
    c.scatter_(0, ints([2]), 5).scatterAdd_(0, ints([0, 0]), ones(2)).indexFill_(0, ints([1]), -1);
    expect(c.tolist()).toEqual([2, -1, 5]);
    c.indexAdd_(0, ints([1]), ones(1), { alpha: 3 }).indexCopy_(0, ints([0]), f32(7).reshape(1));
    expect(c.tolist()).toEqual([7, 2, 5]);
    c.scatterReduce_(0, ints([0, 2]), tensor([1.5, 6.5]), 'amax').maskedScatter_(tensor([false, true, false]), f32(4).reshape(1));
    expect(c.tolist()).toEqual([7, 4, 6.5]);
    indexPut_(c, [ints([0, 0])], tensor([1, 2], { dtype: 'float32' }), { accumulate: true });
    expect(c.tolist()).toEqual([10, 4, 6.5]);
    const leaf = zeros(2, { requiresGrad: true });
    expect(() => leaf.maskedFill_(tensor([true, false]), 1)).toThrow(/maskedFill_: a leaf tensor that requires grad/);
  });
  it('int and bool tensors keep their dtype', () => {
    expect(tensor([true, false]).maskedFill(tensor([false, true]), 1).tolist()).toEqual([true, true]);
    expect(tensor([1, 2, 3]).scatter(0, ints([0]), 7.9).tolist()).toEqual([7, 2, 3]);
    expect(tensor([1, 2, 3]).take(ints([2, 0])).dtype).toBe('int32');
    expect(tensor([5, 6, 7]).maskedSelect(tensor([true, false, true])).tolist()).toEqual([5, 7]);
    expect(tensor([1, 2]).indexPut([ints([1])], 9).tolist()).toEqual([1, 9]);
    expect(bucketize(2.5, tensor([1, 2, 3])).tolist()).toBe(2);
    expect(searchsorted(tensor([1, 2, 3]), 2, { right: true }).item()).toBe(2);
  });
  it('scatter with reduce and bincount have no derivative, as in PyTorch', () => {
    const x = zeros(3, { requiresGrad: true });
    expect(() => x.mul(1).scatter(0, ints([0]), ones(1), { reduce: 'multiply' }).sum().backward()).toThrow(/not implemented/);
    const w = ones(2, { requiresGrad: true });
    expect(() => bincount(ints([0, 1]), w).sum().backward()).toThrow(/bincount.*not implemented/);
  });
  it('0-d tensors, PyTorch node names, a NaN value is not an anomaly', () => {
    const s = tensor(2.5, { requiresGrad: true });
    expect(s.mul(1).scatter(0, ints([0]).reshape([]), 7).tolist()).toBe(7);
    expect(indexFill(s.mul(1), 0, ints([0]), 1).tolist()).toBe(1);
    expect(indexAdd(s.mul(1), 0, ints([0]), f32(3)).tolist()).toBe(5.5);
    const y = take(s, ints([0, -1]));
    expect(y.gradFn!.name).toBe('TakeBackward0');
    y.mul(y).sum().backward();
    expect(s.grad!.item()).toBe(10);
    const x = zeros(2, { requiresGrad: true });
    expect(maskedFill(x, tensor([true, false]), 1).gradFn!.name).toBe('MaskedFillBackward0');
    expect(maskedSelect(x, tensor([true, false])).gradFn!.name).toBe('MaskedSelectBackward0');
    expect(x.scatter(0, ints([1]), 1).gradFn!.name).toBe('ScatterBackward0');
    expect(detectAnomaly(() => maskedFill(x, tensor([true, false]), NaN)).toArray()[0]).toBeNaN();
    expect(detectAnomaly(() => x.scatter(0, ints([1]), NaN)).toArray()[1]).toBeNaN();
    expect(detectAnomaly(() => x.indexFill(0, ints([1]), NaN)).toArray()[1]).toBeNaN();
  });
  it('no graph in noGrad', () => {
    const x = ones(3, { requiresGrad: true });
    expect(noGrad(() => x.scatter(0, ints([0]), 2)).requiresGrad).toBe(false);
  });
});

describe('errors name the op and the value, before computing', () => {
  it('out-of-range indices', () => {
    const x = zeros(3, 4);
    expect(() => x.scatter(0, ints([3, 0], [1, 2]), 1)).toThrow(/scatter: index 3 is out of bounds for dimension 0 with size 3/);
    expect(() => x.scatterAdd(1, ints([-1], [1, 1]), ones(1, 1))).toThrow(/scatterAdd: index -1 is out of bounds for dimension 1 with size 4/);
    expect(() => x.scatterReduce(0, ints([5], [1, 1]), ones(1, 1), 'sum')).toThrow(/scatterReduce: index 5/);
    expect(() => x.indexAdd(0, ints([-1]), ones(1, 4))).toThrow(/indexAdd: index -1 is out of bounds/);
    expect(() => x.indexCopy(1, ints([4]), ones(3, 1))).toThrow(/indexCopy: index 4 is out of bounds for dimension 1 with size 4/);
    expect(() => x.indexFill(1, ints([-5]), 0)).toThrow(/indexFill: index -5 is out of bounds/);
    expect(() => x.take(ints([12]))).toThrow(/take: .*index 12 on a tensor of 12 elements/);
    expect(() => x.takeAlongDim(ints([4], [1, 1]), 1)).toThrow(/takeAlongDim: index 4 is out of bounds for dimension 1 with size 4/);
    expect(() => x.indexPut([ints([0]), ints([7])], 1)).toThrow(/indexPut: index 7 is out of bounds for dimension 1 with size 4/);
    expect(() => bincount(ints([1, -2]))).toThrow(/bincount: .*non-negative.*-2/);
    expect(() => searchsorted(tensor([1, 2]), f32(1), { sorter: ints([0, 2]) })).toThrow(/searchsorted: sorter index 2/);
    expectLibraryWorks();
  });
  it('bad dtypes, shapes and options', () => {
    const x = zeros(3, 4);
    expect(() => x.maskedFill(tensor([1, 0, 1, 1]), 0)).toThrow(/maskedFill: mask must be a bool tensor, got int32/);
    expect(() => x.maskedFill(tensor([true, false]), 0)).toThrow(/maskedFill: shapes \[3, 4\] and \[2\] cannot be broadcast/);
    expect(() => x.maskedFill(tensor([true]), ones(2))).toThrow(/0-dimensional value tensor/);
    expect(() => zeros(4).maskedFill_(tensor([[true], [false]]), 1)).toThrow(/maskedFill_: mask of shape \[2, 1\] cannot be broadcast to self's shape \[4\]/);
    expect(() => x.scatter(0, tensor([[0.5]]), 1)).toThrow(/scatter: index must be an int32 tensor/);
    expect(() => x.scatter(0, ints([0]), 1)).toThrow(/scatter: index \(shape \[1\]\) must have as many dimensions/);
    expect(() => x.scatter(1, ints([0, 1, 2, 3, 0], [1, 5]), 1)).not.toThrow();
    expect(() => x.scatter(0, ints([0, 1, 2, 3, 0], [1, 5]), 1)).toThrow(/must not be larger than self shape/);
    expect(() => x.scatter(0, ints([0], [1, 1]), tensor([[1]]))).toThrow(/scatter: expected self and src to have the same dtype/);
    expect(() => x.scatter(0, ints([0], [1, 1]), 1, { reduce: 'sum' as never })).toThrow(/reduce must be 'add' or 'multiply'/);
    expect(() => x.scatterReduce(0, ints([0], [1, 1]), ones(1, 1), 'max' as never)).toThrow(/scatterReduce: reduce must be one of/);
    expect(() => x.scatterReduce(0, ints([0], [1, 1]), ones(1, 1), 'sum', { include_self: false } as never)).toThrow(/include_self is includeSelf/);
    expect(() => x.indexAdd(0, ints([0, 1]), ones(1, 4))).toThrow(/indexAdd: source of shape \[1, 4\] does not match/);
    expect(() => x.indexAdd(0, ints([0], [1, 1]), ones(1, 4))).toThrow(/indexAdd: index must be 0-d or 1-D/);
    expect(() => x.indexCopy(2, ints([0]), ones(1, 4))).toThrow(/indexCopy: dim 2 is out of range/);
    expect(() => x.maskedScatter(tensor([true, true, true, true]), ones(3))).toThrow(/maskedScatter: the mask has 12 true elements but source .* has only 3/);
    expect(() => x.indexPut([ints([0]), ints([0]), ints([0])], 1)).toThrow(/too many indices/);
    expect(() => x.indexPut([tensor([true, false])], 1)).toThrow(/shape of the mask \[2\]/);
    expect(() => x.indexPut([ints([0, 1])], ones(3))).toThrow(/indexPut: shapes \[3\] and \[2, 4\] cannot be broadcast/);
    expect(() => x.takeAlongDim(ints([0]), 1)).toThrow(/same number of dimensions/);
    expect(() => bucketize(ones(2), ones(2, 2))).toThrow(/boundaries tensor must be 1 dimension/);
    expect(() => searchsorted(ones(2, 3), ones(3, 2))).toThrow(/same leading dimensions/);
    expect(() => searchsorted(ones(3), ones(2), { side: 'left', right: true })).toThrow(/side and right can't be set to opposites/);
    expect(() => bincount(ones(2))).toThrow(/bincount: only supports 1-d non-negative integral/);
    expect(() => bincount(ints([0]), ones(2))).toThrow(/weights .* same length/);
    expect(() => nonzero(x, { as_tuple: true } as never)).toThrow(/as_tuple is asTuple/);
    expect(() => tensor([1, 2]).maskedFill(tensor([true, false]), NaN)).toThrow(/cannot be converted to int32/);
    expectLibraryWorks();
  });
});
