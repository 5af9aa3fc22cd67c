/**
 * Python indexing (src/ops/python-index.ts): x.index(...) and x.indexSet_(pieces, value) against
 * PyTorch 1.13's x[...] and x[...] = v (test/fixtures/python-index/cases.json, made by gen.py): values
 * and the gradients of sum(out * R); basic indexing gives views; gradcheck; PyTorch's errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ellipsis, grad, index, indexSet_, slice, tensor, zeros, type Tensor } from '../src/index.js';
import { checkGradGrad, checkOp } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: (number | boolean)[] }
interface Case { inputs: Record<string, Arr>; output: Arr; grads: Record<string, number[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/python-index/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

/** y = x.clone(); y[pieces] = v (as gen.py's setter). */
const set = (x: Tensor, pieces: Parameters<Tensor['indexSet_']>[0], v: Tensor | number): Tensor => x.clone().indexSet_(pieces, v);

/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  gpt_last_token: (x) => x!.index(':, -1, :'),
  gpt_causal_bias: (b) => b!.index(slice(), slice(), slice(3), slice(null, 3)),
  int_negative: (x) => x!.index(-2),
  two_ints: (x) => index(x!, 1, -1),
  slice_steps: (x) => x!.index('1::2, ::3'),
  slice_negative_bounds: (x) => x!.index(slice(-4, -1), slice(null, -2)),
  slice_out_of_range: (x) => x!.index('3:100, -100:2'),
  slice_empty: (x) => x!.index('4:2'),
  slice_step_stop: (x) => x!.index(slice(), slice(1, 6, 2), slice(-3, null, 2)),
  none_ellipsis_int: (x) => x!.index(null, ellipsis, 1, null),
  ellipsis_slice: (x) => x!.index('..., 1:3'),
  ellipsis_middle: (x) => x!.index('0, ..., ::2'),
  bool_true: (x) => x!.index(true),
  empty_index: (x) => x!.index(),
  zero_d_int_tensor: (x, i, j) => x!.index(i!, j!),
  int_tensor: (x, i) => x!.index(i!),
  int_tensor_2d: (x, i) => x!.index(i!),
  list_index: (x) => x!.index([0, 2]),
  adjacent: (x, i, j) => x!.index(':', i!, j!),
  adjacent_broadcast: (x, i, j) => x!.index(slice(), i!, j!),
  non_adjacent: (x, i, j) => x!.index(i!, ':', j!),
  int_then_slice_then_tensor: (x, i) => x!.index('0, :', i!),
  tensor_int_tensor: (x, i, j) => x!.index(i!, 0, j!),
  slices_then_tensor: (x, i) => x!.index('1:, ::2', i!),
  none_around_tensor: (x, i) => x!.index(':, None', i!, null),
  gather_like: (x, i, j, t) => x!.index(i!, j!, t!),
  mask_full: (x, m) => x!.index(m!),
  mask_rows: (x, m) => x!.index(m!),
  mask_columns: (x, m) => x!.index(':', m!),
  mask_then_index: (x, m, i) => x!.index(m!, i!),
  mask_2d_slice_tensor: (x, m, i) => x!.index(m!, ':', i!),
  bool_false: (x) => x!.index('None, False'),
  set_basic_number: (x) => set(x!, ':, 1', -2.5),
  set_basic_broadcast: (x, v) => set(x!, [slice(1, null), slice(null, null, 2)], v!),
  set_leading_ones: (x, v) => set(x!, 0, v!),
  set_causal_mask_number: (x, m) => set(x!, [m!], 0),
  set_mask_rows: (x, v, m) => set(x!, [m!], v!),
  set_adjacent: (x, v, i) => set(x!, [':', i!], v!),
  set_non_adjacent: (x, v, i, j) => set(x!, [i!, slice(), j!], v!),
  set_int_slice_tensor: (x, v, i) => set(x!, ['1, ::2', i!], v!),
  set_none_ellipsis: (x, v) => set(x!, 'None, ..., 0', v!),
  view_inplace_rebases: (x) => {
    const y = x!.clone();
    y.index(':, 1:3').mul_(2);
    y.index('0, ::2').mul_(3);
    return y.mul(y);
  },
};

function expectValues(got: Tensor, want: Arr, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  want.values.forEach((w, i) => {
    const e = Number(w);
    expect(Math.abs(g[i]! - e), `${what}[${i}]: ${g[i]} vs PyTorch ${e}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e)));
  });
}

function input(a: Arr): Tensor {
  const t = tensor(a.values as number[], { dtype: a.dtype }).reshape(a.shape);
  return a.dtype === 'float32' ? t.requiresGrad_() : t;
}

describe('Python indexing against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const names = Object.keys(c.inputs);
      const xs = names.map((k) => input(c.inputs[k]!));
      const y = ops[name]!(...xs);
      expectValues(y, c.output, name);
      const wrt = names.filter((k) => c.inputs[k]!.dtype === 'float32');
      const r = tensor(Array.from({ length: y.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y.shape);
      const gs = grad(y.mul(r).sum(), wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
      wrt.forEach((k, i) => {
        const want = c.grads[k];
        if (want === null || want === undefined) expect(gs[i], `grad ${k}`).toBeNull();
        else expectValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`);
      });
    });
  }
});

describe('views, in-place and gradcheck', () => {
  it('basic indexing returns a view sharing memory; writes through it reach the base', () => {
    const x = zeros(3, 4);
    const v = x.index(':, 1::2');
    expect(v.shape).toEqual([3, 2]);
    expect(v.strides).toEqual([4, 2]);
    v.fill_(7);
    expect(x.tolist()).toEqual([[0, 7, 0, 7], [0, 7, 0, 7], [0, 7, 0, 7]]);
    const a = x.index(tensor([0], { dtype: 'int32' })); // advanced: a copy
    a.fill_(-1);
    expect(x.index(0).tolist()).toEqual([0, 7, 0, 7]);
  });
  it('a setter bumps the version and rebases history (grad through y[i] = v on a clone)', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const v = tensor([10, 20], { requiresGrad: true });
    const y = x.mul(1);
    const before = y.storage.version;
    y.indexSet_(':, 1', v);
    expect(y.storage.version).toBeGreaterThan(before);
    const [gx, gv] = grad(y.mul(y).sum(), [x, v]);
    expect(gx!.tolist()).toEqual([[2, 0, 6], [8, 0, 12]]);
    expect(gv!.tolist()).toEqual([20, 40]);
    expect(() => x.indexSet_('0', 1)).toThrow(/leaf tensor that requires grad/);
  });
  it('gradcheck: basic, strided, advanced and masked gets; double backward of a strided slice', () => {
    const i = tensor([2, 0, -1], { dtype: 'int32' });
    const m = tensor([true, false, true, true]);
    checkOp('index basic', (x) => x.index(':, -1, ::2'), [[2, 3, 5]]);
    checkOp('index none ellipsis', (x) => x.index(null, '..., 1:4:2'), [[3, 5]]);
    checkOp('index adjacent', (x) => x.index(':', i, i), [[2, 4, 3]]);
    checkOp('index non-adjacent', (x) => x.index(i, ':', i), [[3, 2, 3]]);
    checkOp('index mask', (x) => x.index(':', m), [[3, 4]]);
    const j = tensor([2, 0], { dtype: 'int32' }); // no duplicates: which write wins is unspecified
    checkOp('indexSet_ adv', (x, v) => x.mul(1).indexSet_([':', j], v), [[2, 3], [2, 1]]);
    checkOp('indexSet_ non-adjacent', (x, v) => x.mul(1).indexSet_([j, ':', j], v), [[3, 2, 3], [2]]);
    checkOp('indexSet_ basic', (x, v) => x.mul(1).indexSet_('::2', v), [[3, 2], [2]], { nonContiguous: true });
    checkGradGrad('index strided', (x) => x.index('1:, ::2').mul(x.index('1:, ::2')), [[3, 4]]);
    checkGradGrad('index advanced', (x) => x.index(i).mul(x.index(i)), [[3, 2]]);
  });
  it('int32 tensors index and are written as PyTorch', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
    expect(x.index(':, ::-1'.replace('-1', '2')).tolist()).toEqual([[1, 3], [4, 6]]);
    x.indexSet_([x.gt(3)], 0);
    expect(x.tolist()).toEqual([[1, 2, 3], [0, 0, 0]]);
    indexSet_(x, [tensor([0, 0], { dtype: 'int32' }), [2, 0]], 9);
    expect(x.tolist()).toEqual([[9, 2, 9], [0, 0, 0]]);
  });
});

describe('errors name index and the shapes', () => {
  const x = zeros(3, 4, 5);
  it('PyTorch refusals', () => {
    expect(() => x.index('::-1')).toThrow(/index: step must be greater than zero/);
    expect(() => x.index(slice(null, null, 0))).toThrow(/slice step cannot be zero/);
    expect(() => x.index(3)).toThrow(/index: index 3 is out of bounds for dimension 0 with size 3/);
    expect(() => x.index(':, -5')).toThrow(/index -5 is out of bounds for dimension 1 with size 4/);
    expect(() => x.index('0, 0, 0, 0')).toThrow(/too many indices for tensor of dimension 3 \(got 4\)/);
    expect(() => x.index(tensor([0.5]))).toThrow(/must be int32 \(standing in for long\) or bool tensors, got float32/);
    expect(() => x.index(tensor([true, false]))).toThrow(/the shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4, 5\] at index 0/);
    expect(() => x.index(':', tensor([9], { dtype: 'int32' }))).toThrow(/index 9 is out of bounds for dimension 1 with size 4/);
    expect(() => x.index(tensor([0, 1], { dtype: 'int32' }), tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/could not be broadcast together with shapes \[2\], \[3\]/);
    expect(() => x.index(1.5)).toThrow(/only integers, slices/);
    expect(() => x.index('..., ...')).toThrow(/single ellipsis/);
    expect(() => x.index(':, foo')).toThrow(/cannot parse 'foo'/);
    expect(() => x.index('1:2:3:4')).toThrow(/cannot parse/);
  });
  it('setter shape and dtype mismatches', () => {
    const y = zeros(3, 4, 5);
    expect(() => y.indexSet_([tensor([0, 1], { dtype: 'int32' })], zeros(3, 4, 5))).toThrow(/indexSet_: shape mismatch: value tensor of shape \[3, 4, 5\] cannot be broadcast to indexing result of shape \[2, 4, 5\]/);
    expect(() => y.indexSet_('0:2', zeros(3, 4, 5))).toThrow(/shape mismatch: value tensor of shape \[3, 4, 5\] cannot be broadcast to indexing result of shape \[2, 4, 5\]/);
    expect(() => y.indexSet_([tensor([0], { dtype: 'int32' })], zeros(4, 5, { dtype: 'int32' }))).toThrow(/dtypes match, got float32 for the destination and int32/);
    expect(y.toArray().every((v) => v === 0)).toBe(true);
  });
});
