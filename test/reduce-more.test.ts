/**
 * Issue 15, reductions and scans (src/ops/reduce-more.ts): values and gradients against PyTorch
 * (test/fixtures/reduce-more/cases.json, made by gen.py), gradcheck at odd sizes and on non-contiguous
 * inputs, NaN/Inf rules, argument forms and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as W from '../src/index.js';
import {
  aminmax, all, any, argsort, countNonzero, cummax, cummin, cumprod, cumsum, diff, grad, kthvalue, logcumsumexp, logsumexp, median,
  mode, nanmean, nanmedian, nansum, norm, prod, sort, std, stdMean, tensor, topk, unique, uniqueConsecutive, varMean,
  type Tensor,
} from '../src/index.js';
import { checkGradGrad, checkOp, thrown } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: (number | string)[]; requiresGrad?: boolean }
interface Case { inputs: Record<string, Arr>; outputs: Arr[]; grads?: Record<string, (number | string)[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/reduce-more/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

type Out = Tensor | readonly Tensor[];
/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Out> = {
  sort_dim1: (x) => sort(x!, 1),
  sort_dim0_desc: (x) => x!.sort(0, true),
  sort_ties_stable: (x) => sort(x!, { stable: true }),
  sort_ties_desc_stable: (x) => sort(x!, 1, true, { stable: true }),
  sort_nan: (x) => sort(x!, 1),
  sort_nan_desc: (x) => sort(x!, { dim: 1, descending: true }),
  sort_int: (x) => sort(x!, 0),
  argsort: (x) => argsort(x!, 0, true),
  topk: (x) => topk(x!, 2),
  topk_smallest_dim0: (x) => x!.topk(2, 0, false),
  topk_nan: (x) => topk(x!, 3, 1),
  kthvalue: (x) => kthvalue(x!, 2, 1),
  kthvalue_keepdim: (x) => x!.kthvalue(3, 0, true),
  median_all: (x) => median(x!),
  median_all_ties: (x) => x!.median(),
  median_dim: (x) => median(x!, 1),
  median_dim_even: (x) => median(x!, 0, { keepdim: true }),
  median_nan: (x) => median(x!, 1),
  nanmedian_dim: (x) => nanmedian(x!, 1),
  nanmedian_all: (x) => nanmedian(x!),
  median_all_nan: (x) => median(x!),
  mode: (x) => mode(x!, 1),
  mode_int: (x) => x!.mode(0),
  var_default: (x) => W.var(x!),
  var_dim_biased: (x) => x!.var(1, false),
  var_correction_keepdim: (x) => W.var(x!, [0, 1], { correction: 2, keepdim: true }),
  std_dim: (x) => std(x!, 0),
  std_unbiased_false: (x) => x!.std(false),
  std_zero: (x) => std(x!, 1),
  var_single: (x) => W.var(x!, 1),
  std_mean: (x) => stdMean(x!, 1),
  var_mean: (x) => varMean(x!, 0, { correction: 0 }),
  prod_all: (x) => prod(x!),
  prod_dim: (x) => prod(x!, 1),
  prod_dim_keepdim: (x) => x!.prod(0, true),
  prod_int: (x) => prod(x!, 1),
  prod_bool: (x) => prod(x!),
  cumsum: (x) => cumsum(x!, 1),
  cumsum_int: (x) => x!.cumsum(0),
  cumsum_nan_inf: (x) => cumsum(x!, 0),
  cumprod: (x) => cumprod(x!, 1),
  cumprod_dim0: (x) => x!.cumprod(0),
  cummax: (x) => cummax(x!, 1),
  cummin: (x) => x!.cummin(0),
  cummax_nan: (x) => cummax(x!, 0),
  logcumsumexp: (x) => logcumsumexp(x!, 1),
  logcumsumexp_inf: (x) => x!.logcumsumexp(0),
  logsumexp: (x) => logsumexp(x!, 1),
  logsumexp_keepdim_dims: (x) => x!.logsumexp([0, 2], true),
  logsumexp_inf: (x) => logsumexp(x!, 1),
  norm_fro: (x) => norm(x!),
  norm_1_dim: (x) => norm(x!, 1, 1),
  norm_inf: (x) => x!.norm(Infinity, 0),
  norm_neg_inf: (x) => norm(x!, { p: -Infinity, dim: 1, keepdim: true }),
  norm_3: (x) => norm(x!, 3, 1),
  norm_half: (x) => norm(x!, 0.5, 0),
  norm_0: (x) => norm(x!, 0, 1),
  norm_zero_row: (x) => norm(x!, 2, 1),
  all: (x) => all(x!),
  all_dim: (x) => x!.all(1),
  any_dim_keepdim: (x) => any(x!, 0, true),
  any_bool: (x) => x!.any(),
  count_nonzero: (x) => countNonzero(x!, 1),
  count_nonzero_all: (x) => x!.countNonzero(),
  nansum: (x) => nansum(x!, 1),
  nansum_all: (x) => x!.nansum(),
  nanmean: (x) => nanmean(x!, 1, true),
  nanmean_allnan: (x) => nanmean(x!, 0),
  aminmax: (x) => aminmax(x!),
  aminmax_dim: (x) => x!.aminmax({ dim: 1, keepdim: true }),
  diff: (x) => diff(x!),
  diff_n2_dim0: (x) => x!.diff(2, 0),
  diff_prepend_append: (x, p, a) => diff(x!, 1, 1, p, a),
  diff_bool: (x) => diff(x!),
  diff_int: (x) => diff(x!, { n: 3 }),
  unique: (x) => unique(x!) as Tensor,
  unique_all: (x) => unique(x!, true, true, true),
  unique_int_counts: (x) => x!.unique({ returnCounts: true }),
  unique_consecutive: (x) => uniqueConsecutive(x!, { returnInverse: true, returnCounts: true }),
  var_nan_inf: (x) => W.var(x!, 1),
  norm_nan_inf: (x) => norm(x!, 2, 1),
  norm_inf_nan: (x) => norm(x!, Infinity, 1),
  prod_inf_zero_nan: (x) => prod(x!, 1),
  cumprod_nan_inf: (x) => cumprod(x!, 0),
  logsumexp_int: (x) => logsumexp(x!, 0),
  median_dim_kw: (x) => median(x!, { dim: 0 } as never),
  sort_3d_dim1: (x) => sort(x!, 1, true),
  cumsum_3d: (x) => x!.cumsum(1),
  any_nan: (x) => any(x!, 1),
};

function expectValues(got: Tensor, want: Arr, what: string, rtol = 2e-6): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  want.values.forEach((w, i) => {
    const e = num(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype !== 'float32') expect(v, `${what}[${i}]`).toBe(e);
    else expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e)));
  });
}

describe('reduce-more against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const names = Object.keys(c.inputs);
      const xs = names.map((k) => {
        const a = c.inputs[k]!;
        const t = tensor(a.values.map(num), { dtype: a.dtype }).reshape(a.shape);
        return a.requiresGrad ? t.requiresGrad_() : t;
      });
      const y = ops[name]!(...xs);
      const ys = Array.isArray(y) ? (y as readonly Tensor[]) : [y as Tensor];
      expect(ys.length, `${name}: number of outputs`).toBe(c.outputs.length);
      ys.forEach((t, i) => expectValues(t, c.outputs[i]!, `${name} out${i}`));
      if (c.grads) {
        const y0 = ys[0]!;
        const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
        const r = tensor(Array.from({ length: y0.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y0.shape);
        const gs = grad(y0.mul(r).sum(), wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
        wrt.forEach((k, i) => {
          const want = c.grads![k];
          if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
          else expectValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`, 1e-5);
        });
      }
    });
  }
});

describe('gradcheck at odd sizes and non-contiguous inputs', () => {
  const nc = { nonContiguous: true } as const;
  it('sort / argsort-gather / topk / kthvalue / median / mode / cummax', () => {
    checkOp('sort', (x) => sort(x, 1).values, [[3, 5]], nc);
    checkOp('sort desc', (x) => sort(x, 0, true).values, [[5, 3]], nc);
    checkOp('topk', (x) => topk(x, 2, 0).values, [[5, 3]], nc);
    checkOp('kthvalue', (x) => kthvalue(x, 3, 1).values, [[3, 5]], nc);
    checkOp('median dim', (x) => median(x, 1).values, [[3, 5]], nc);
    checkOp('median all', (x) => median(x), [[3, 5]], nc);
    checkOp('nanmedian dim', (x) => nanmedian(x, 0, true).values, [[3, 5]], nc);
    checkOp('mode', (x) => mode(x, 1).values, [[3, 5]], nc);
    checkOp('cummax', (x) => cummax(x, 1).values, [[3, 5]], nc);
    checkOp('cummin', (x) => cummin(x, 0).values, [[5, 3]], nc);
  });
  it('std / var / prod / norm / logsumexp / scans / nan-reductions / diff', () => {
    checkOp('var', (x) => W.var(x, 1), [[3, 5]], nc);
    checkOp('var dims correction', (x) => W.var(x, [0, 2], { correction: 0, keepdim: true }), [[3, 2, 5]]);
    checkOp('std', (x) => std(x, 0), [[5, 3]], nc);
    checkOp('std all', (x) => std(x), [[3, 5]], nc);
    checkOp('stdMean', (x) => { const [s, m] = stdMean(x, 1); return s.add(m.mul(2)); }, [[3, 5]], nc);
    checkOp('prod', (x) => prod(x, 1), [[3, 5]], { ...nc, range: [0.5, 1.5] });
    checkOp('prod all', (x) => prod(x), [[7]], { range: [0.5, 1.5] });
    checkOp('prod zeros', (x) => prod(x, 1), [[2, 5]], { values: [[1.5, 0, -2, 0.5, 3, 0, 0, -1, 2, 0.25]] });
    checkOp('norm fro', (x) => norm(x), [[3, 5]], nc);
    checkOp('norm 3', (x) => norm(x, 3, 1), [[3, 5]], { ...nc, range: [0.2, 1] });
    checkOp('norm inf', (x) => norm(x, Infinity, 1), [[3, 5]], nc);
    checkOp('norm 1', (x) => norm(x, 1, 0), [[3, 5]], { range: [0.2, 1] });
    checkOp('logsumexp', (x) => logsumexp(x, 1), [[3, 5]], nc);
    checkOp('cumsum', (x) => cumsum(x, 1), [[3, 5]], nc);
    checkOp('cumprod', (x) => cumprod(x, 1), [[3, 5]], nc);
    checkOp('cumprod zeros', (x) => cumprod(x, 1), [[2, 5]], { values: [[1.5, 0, -2, 0.5, 3, 0, 0, -1, 2, 0.25]] });
    checkOp('logcumsumexp', (x) => logcumsumexp(x, 1), [[3, 5]], nc);
    checkOp('nansum', (x) => nansum(x, 1), [[3, 5]], nc);
    checkOp('nanmean', (x) => nanmean(x, 0), [[3, 5]], nc);
    checkOp('aminmax', (x) => { const [lo, hi] = aminmax(x, { dim: 1 }); return lo.mul(hi); }, [[3, 5]], nc);
    checkOp('diff', (x) => diff(x, 2, 1), [[3, 5]], nc);
  });
  it('second order', () => {
    checkGradGrad('var', (x) => W.var(x, 1), [[3, 5]]);
    checkGradGrad('std', (x) => std(x, 1), [[3, 5]]);
    checkGradGrad('norm', (x) => norm(x, 2, 1), [[3, 5]]);
    checkGradGrad('logsumexp', (x) => logsumexp(x, 1), [[3, 5]]);
    checkGradGrad('cumprod', (x) => cumprod(x, 1), [[3, 5]]);
    checkGradGrad('logcumsumexp', (x) => logcumsumexp(x, 1), [[3, 5]]);
    checkGradGrad('prod', (x) => prod(x, 1), [[3, 5]]);
    checkGradGrad('sort', (x) => sort(x, 1).values.mul(sort(x, 1).values), [[3, 5]]);
  });
});

describe('forms, dtypes and edge cases', () => {
  it('results destructure and name their fields', () => {
    const x = tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float32' });
    const [v, i] = sort(x, 1);
    expect(v.tolist()).toEqual([[1, 2, 3], [0, 4, 5]]);
    expect(i.dtype).toBe('int32');
    expect(topk(x, 1).indices.tolist()).toEqual([[0], [1]]);
    const mm = aminmax(x);
    expect([mm.min.item(), mm.max.item()]).toEqual([0, 5]);
    expect(cummax(x, 1).values.tolist()).toEqual([[3, 3, 3], [0, 5, 5]]);
  });
  it('0-d and empty inputs', () => {
    const s = tensor(2.5);
    expect(sort(s).values.item()).toBe(2.5);
    expect(cumsum(s, 0).item()).toBe(2.5);
    expect(prod(tensor([], { dtype: 'float32' })).item()).toBe(1);
    expect(all(tensor([], { dtype: 'float32' })).item()).toBe(1);
    expect(any(tensor([], { dtype: 'float32' })).item()).toBe(0);
    expect(Number.isNaN(W.var(tensor([1.5])).item())).toBe(true);
  });
  it('in-place cumsum_ / cumprod_ with gradients', () => {
    const a = tensor([1.5, 2, 3], { requiresGrad: true });
    const b = a.mul(1);
    b.cumprod_(0);
    expect(Array.from(b.toArray())).toEqual([1.5, 3, 9]);
    b.sum().backward();
    expect(Array.from(a.grad!.toArray())).toEqual([1 + 2 + 6, 1.5 + 4.5, 3]);
    const c = tensor([1, 2, 3]);
    c.cumsum_(0);
    expect(c.tolist()).toEqual([1, 3, 6]);
  });
  it('dtype options', () => {
    expect(cumsum(tensor([1, 2]), 0, { dtype: 'float32' }).dtype).toBe('float32');
    expect(prod(tensor([1.5, 2]), { dtype: 'int32' }).item()).toBe(2);
    expect(nansum(tensor([1, 2]), { dtype: 'float32' }).dtype).toBe('float32');
  });
  it('errors name the op and are thrown before computing', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    expect(thrown(() => sort(x, 2)).message).toMatch(/sort: dim 2 is out of range/);
    expect(thrown(() => topk(x, 3)).message).toMatch(/topk: k \(3\) is out of range/);
    expect(thrown(() => kthvalue(x, 0)).message).toMatch(/kthvalue: k \(0\)/);
    expect(thrown(() => W.var(tensor([1, 2]))).message).toMatch(/var: expects a float32 tensor, got int32/);
    expect(thrown(() => W.var(x, 0, { unbiased: true, correction: 0 })).message).toMatch(/either unbiased or correction/);
    expect(thrown(() => norm(x, 'nuc' as never)).message).toMatch(/nuclear/);
    expect(thrown(() => unique(x, { dim: 0 })).message).toMatch(/unique: dim is not supported/);
    expect(thrown(() => median(tensor([], { dtype: 'float32' }))).message).toMatch(/median: cannot compute the median of an empty tensor/);
    expect(thrown(() => median(tensor([[]], { dtype: 'float32' }), 1)).message).toMatch(/zero-size dimension/);
    expect(thrown(() => cumsum(x, undefined as never)).message).toMatch(/cumsum: dim is required/);
    expect(thrown(() => diff(tensor(1.5))).message).toMatch(/at least one-dimensional/);
    expect(thrown(() => diff(x, 1, 0, tensor([1.5]))).message).toMatch(/diff: prepend of shape \[1\] must match/);
    expect(thrown(() => sort(x, { stabel: true } as never)).message).toMatch(/did you mean 'stable'/);
    expect(thrown(() => aminmax(tensor([], { dtype: 'float32' }))).message).toMatch(/aminmax: cannot compute/);
    expect(thrown(() => logsumexp(x, undefined as never)).message).toMatch(/logsumexp: dim is required/);
  });
});
