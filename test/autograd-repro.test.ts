/**
 * Autograd reproducers against PyTorch: in-place ops on views and on op results (a base modified in place
 * rebases its views, CopySlices), copy_/fill_/zero_ as differentiable in-place ops, saved tensors checked
 * for in-place changes exactly where PyTorch saves them, the engine's handling of one gradient sent twice,
 * and double backward through in-place views. Each case runs the same program as
 * test/fixtures/autograd-repro/gen.py and compares with PyTorch's answer (or expects an error where PyTorch
 * raised one).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, maximum, noGrad, pow, div, tensor, where, zeros, type Tensor } from '../src/index.js';

interface Fixture {
  cases: Record<string, Record<string, unknown> & { error?: string }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/autograd-repro/cases.json', import.meta.url), 'utf8')) as Fixture;

const L = (t: Tensor | null): unknown => (t === null ? null : t.tolist());
const req = { requiresGrad: true } as const;
/** gen.py's float constants (1.0, not 1): wasmgrad infers int32 from JavaScript integers, as PyTorch does from 1. */
const f32 = { dtype: 'float32' } as const;

/** The TypeScript twin of each case in gen.py. */
const programs: Record<string, () => Record<string, unknown>> = {
  add_same_tensor_thrice() {
    const x = tensor([1, 2], req);
    x.add(x).add(x).sum().backward();
    return { grad: L(x.grad) };
  },
  copy_scalar_into_clone() {
    const x = tensor([1, 2], req);
    const c = x.clone();
    c.copy_(tensor(-1, f32));
    c.sum().backward();
    return { grad: L(x.grad), c: L(c) };
  },
  zero_clone() {
    const x = tensor([1, 2], req);
    const c = x.clone();
    c.zero_();
    c.mul(3).sum().backward();
    return { grad: L(x.grad) };
  },
  fill_view_of_clone() {
    const x = tensor([[1, 2], [3, 4]], req);
    const c = x.clone();
    c.select(0, 1).fill_(5);
    c.mul(c).sum().backward();
    return { grad: L(x.grad), c: L(c) };
  },
  sum_add_() {
    const x = tensor([1, 2], req);
    const y = x.sum().add_(1);
    y.backward();
    return { y: y.item(), grad: L(x.grad) };
  },
  matmul_add_() {
    const x = tensor([[1, 2]], req);
    const w = tensor([[1], [3]], req);
    const y = x.matmul(w).add_(tensor([1], f32));
    y.mul(y).sum().backward();
    return { y: L(y), gx: L(x.grad), gw: L(w.grad) };
  },
  matvec_mul_() {
    const x = tensor([[1, 2], [3, 4]], req);
    const v = tensor([1, -1], req);
    const y = x.matmul(v);
    y.mul_(2);
    y.sum().backward();
    return { y: L(y), gx: L(x.grad), gv: L(v.grad) };
  },
  max_dim_values_mul_() {
    const x = tensor([[1, 2], [4, 3]], req);
    const v = x.max(1).values;
    v.mul_(2);
    v.sum().backward();
    return { v: L(v), grad: L(x.grad) };
  },
  amax_mul_then_backward() {
    const x = tensor([[1, 2], [4, 3]], req);
    const v = x.amax(1);
    v.mul_(2);
    v.sum().backward();
    return { grad: L(x.grad) };
  },
  view_before_base_mul_() {
    const x = tensor([[1, 2], [3, 4], [5, 6]], req);
    const a = x.clone();
    const v = a.select(0, 2);
    a.mul_(3);
    v.sum().backward();
    return { grad: L(x.grad), v: L(v) };
  },
  view_inplace_updates_base() {
    const x = tensor([[1, 2], [3, 4]], req);
    const w = tensor([2, 3], req);
    const a = x.clone();
    a.select(0, 1).mul_(w);
    a.mul(a).sum().backward();
    return { a: L(a), gx: L(x.grad), gw: L(w.grad) };
  },
  other_view_follows() {
    const x = tensor([[1, 2], [3, 4]], req);
    const a = x.clone();
    const v0 = a.select(0, 0);
    const v1 = a.transpose(0, 1);
    v0.mul_(10);
    v1.mul(tensor([[1, 2], [3, 4]], f32)).sum().backward();
    return { grad: L(x.grad) };
  },
  view_of_view_inplace() {
    const x = tensor([[1, 2, 3], [4, 5, 6]], req);
    const a = x.mul(2);
    const v = a.t().narrow(0, 1, 2);
    v.select(1, 0).add_(x.select(0, 1).narrow(0, 0, 2), -0.5);
    a.mul(a).sum().backward();
    return { a: L(a), grad: L(x.grad) };
  },
  copy_into_view_of_zeros() {
    const w = tensor([5, 6], req);
    const a = zeros(2, 2);
    a.select(0, 0).copy_(w);
    a.mul(tensor([[1, 2], [3, 4]], f32)).sum().backward();
    return { a: L(a), grad: L(w.grad), leaf: a.isLeaf };
  },
  copy_broadcast_from_grad() {
    const w = tensor([5, 6], req);
    const a = zeros(3, 2);
    a.copy_(w);
    a.mul(a).sum().backward();
    return { grad: L(w.grad) };
  },
  base_inplace_after_view_used() {
    const x = tensor([1, 2, 3], req);
    const a = x.exp();
    const v = a.narrow(0, 1, 2);
    const y = v.mul(2);
    a.add_(1);
    y.sum().add(a.sum()).backward();
    return { grad: L(x.grad) };
  },
  pow_tensor_exponent_then_inplace() {
    const a = tensor([1.5, 2], req);
    const x = tensor([2, 3], req);
    const y = pow(a, x);
    y.add_(tensor([1, 1], f32), -1);
    y.sum().backward();
    return { gx: L(x.grad) };
  },
  number_base_pow_then_inplace() {
    const x = tensor([0.5, 1], req);
    const y = pow(2, x);
    y.mul_(3);
    y.sum().backward();
    return { gx: L(x.grad) };
  },
  maximum_operand_changed() {
    const a = tensor([2, 3], req);
    const b = tensor([1, 4], f32).clone();
    const y = maximum(a, b);
    b.add_(10);
    y.sum().backward();
    return { ga: L(a.grad) };
  },
  div_result_inplace() {
    const a = tensor([2, 3], req);
    const b = tensor([1, 2], req);
    const y = div(a, b);
    y.add_(y);
    y.sum().backward();
    return { ga: L(a.grad), gb: L(b.grad) };
  },
  mm_constant_operand_changed() {
    const x = tensor([[1, 2]], req);
    const w = tensor([[1], [3]], f32);
    const y = x.mm(w);
    x.detach().mul_(1);
    y.sum().backward();
    return { gx: L(x.grad) };
  },
  mul_by_number_then_inplace_input() {
    const x = tensor([1, 2], req);
    const a = x.clone();
    const y = a.mul(3);
    a.add_(1);
    y.sum().backward();
    return { grad: L(x.grad) };
  },
  add_number_alpha() {
    return { r: L(tensor([-1], f32).add_(-0.04, 0.5)) };
  },
  max_all_nan_gradient() {
    const x = tensor([1, 3, 2], req);
    x.max().backward(tensor(NaN));
    return { grad: L(x.grad) };
  },
  leaf_view_inplace() {
    const x = tensor([1, 2], req);
    x.select(0, 0).add_(1);
    return {};
  },
  no_grad_view_inplace() {
    const x = tensor([1, 2], req);
    const a = x.clone();
    const v = noGrad(() => a.select(0, 0));
    v.mul_(x.select(0, 1));
    return {};
  },
  expanded_inplace() {
    zeros(3).expand(2, 3).add_(1);
    return {};
  },
  double_backward_through_view_inplace() {
    const x = tensor([1, 2], req);
    const a = x.mul(1);
    a.select(0, 0).mul_(x.select(0, 0));
    const [g] = grad(a.pow(2).sum(), x, { createGraph: true });
    g!.sum().backward();
    return { g: L(g!), grad: L(x.grad) };
  },
  retained_graph_twice_after_inplace() {
    const x = tensor([1, 2], req);
    const a = x.clone();
    a.select(0, 1).mul_(x.select(0, 0));
    const s = a.sum();
    s.backward({ retainGraph: true });
    s.backward();
    return { grad: L(x.grad) };
  },
  where_of_two_ints_is_int() {
    const r = where(tensor([1, 0]).bool(), 3, -2);
    return { float: r.dtype === 'float32', r: L(r) };
  },
  int_pow_stays_int() {
    const r = tensor([1, 2, 3], { dtype: 'int32' }).pow(2);
    return { float: r.dtype === 'float32', r: L(r) };
  },
  t_of_vector_is_a_new_view() {
    const x = tensor([1, 2], req);
    const y = x.t();
    y.retainGrad();
    y.mul(y).sum().backward();
    return { same: y === x, leaf: y.isLeaf, ygrad: L(y.grad), grad: L(x.grad) };
  },
  clone_keeps_transposed_layout() {
    const x = tensor([[1, 2, 3], [4, 5, 6]], f32);
    const c = x.t().clone();
    return { strides: [...c.strides], flat: L(c.permute(1, 0).view(6)) };
  },
  elementwise_keeps_transposed_layout() {
    const x = tensor([[1, 2, 3], [4, 5, 6]], f32).t();
    return { exp: [...x.exp().strides], add: [...x.add(1).strides], mul: [...x.mul(x).strides], values: L(x.mul(x).add(1)) };
  },
};

/** Compares nested values: numbers within float32 precision, "nan" as NaN, everything else exactly. */
function expectLike(got: unknown, want: unknown, path: string): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got), `${path}: expected an array, got ${JSON.stringify(got)}`).toBe(true);
    expect((got as unknown[]).length, `${path}: length`).toBe(want.length);
    want.forEach((w, i) => expectLike((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (want === 'nan') {
    expect(Number.isNaN(got), `${path}: expected NaN, got ${String(got)}`).toBe(true);
  } else if (typeof want === 'number') {
    expect(typeof got, `${path}`).toBe('number');
    expect(Math.abs((got as number) - want), `${path}: got ${String(got)}, PyTorch ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
  } else {
    expect(got, path).toEqual(want);
  }
}

describe('autograd reproducers give PyTorch\'s answers', () => {
  it('every case of the fixture has a TypeScript twin', () => {
    expect(Object.keys(programs).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, want] of Object.entries(fixture.cases)) {
    it(name, () => {
      const run = programs[name]!;
      if (want.error !== undefined) {
        expect(run, `PyTorch raised: ${want.error}`).toThrow();
        return;
      }
      const got = run();
      for (const [k, v] of Object.entries(want)) expectLike(got[k], v, `${name}.${k}`);
    });
  }
});
