/**
 * Autograd semantics: accumulation, retainGraph, grad mode, detach/.data, views, graph shapes
 * (reuse, diamonds), retainGrad, grad() with createGraph, in-place rules, un-broadcasting and the
 * tutorial's exact trajectory. Expected values are computed independently in plain JS (float64).
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros, ones, arange, noGrad, enableGrad, isGradEnabled, grad, matmul,
} from '../src/index.js';
import { expectClose } from './helpers.js';

/** Comparison tolerance: |got - expected| <= 5e-6 (1 + |expected|), within 1e-5 max(1, |expected|). */
const TOL = { atol: 5e-6, rtol: 5e-6 };

/** x values for inputs: small distinct numbers, deterministic. */
const seq = (n: number, start = 0.5, step = 0.25): number[] => Array.from({ length: n }, (_, i) => start + step * i);

describe('gradient accumulation', () => {
  it('accumulates across backward() calls until zeroed', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(3).sum().backward();
    expectClose(x.grad, [3, 3, 3], TOL);
    x.pow(2).sum().backward(); // + 2x
    expectClose(x.grad, [5, 7, 9], TOL);
    x.grad!.zero_();
    x.mul(x).sum().backward();
    expectClose(x.grad, [2, 4, 6], TOL);
  });

  it('a stolen gradient buffer is not shared between two leaves', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).mul(tensor([5, 7])).sum().backward();
    expectClose(a.grad, [5, 7], TOL);
    expectClose(b.grad, [5, 7], TOL);
    a.mul(2).sum().backward();
    expectClose(a.grad, [7, 9], TOL);
    expectClose(b.grad, [5, 7], TOL);
  });
});

describe('retainGraph', () => {
  it('allows a second backward through the same graph, accumulating', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.exp().mul(x).sum(); // d/dx = e^x (1 + x)
    y.backward(null, { retainGraph: true });
    const once = [1, 2, 3].map((v) => Math.exp(v) * (1 + v));
    expectClose(x.grad, once, TOL);
    y.backward();
    expectClose(x.grad, once.map((v) => 2 * v), TOL);
  });

  it('without it the second backward throws a clear error and leaves .grad as it was', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.pow(2).sum();
    y.backward();
    expectClose(x.grad, [2, 4], TOL);
    expect(() => y.backward()).toThrow(/second time.*retainGraph/);
    expectClose(x.grad, [2, 4], TOL);
    // the library keeps working
    x.pow(2).sum().backward();
    expectClose(x.grad, [4, 8], TOL);
  });
});

describe('grad mode', () => {
  it('noGrad records nothing', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2).add(1));
    expect(y.gradFn).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expectClose(y, [3, 5], TOL);
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
  });

  it('nests with enableGrad and restores the previous mode, also after a throw', () => {
    expect(isGradEnabled()).toBe(true);
    const x = tensor([2], { requiresGrad: true });
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const inner = enableGrad(() => {
        expect(isGradEnabled()).toBe(true);
        const r = x.mul(3);
        noGrad(() => expect(isGradEnabled()).toBe(false));
        expect(isGradEnabled()).toBe(true);
        return r;
      });
      expect(isGradEnabled()).toBe(false);
      expect(inner.gradFn?.name).toBe('MulBackward0');
      expect(x.mul(3).gradFn).toBeNull();
    });
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(noGrad(() => 42)).toBe(42);
  });
});

describe('detach and .data', () => {
  it('detach shares storage and cuts the graph', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    expect(d.shape).toEqual([3]);
    d.add_(10); // d does not require grad: allowed, and x sees it
    expectClose(x, [11, 12, 13], TOL);
    // gradient flows only through the attached factor: d/dx (stop(x) * x) = stop(x)
    x.detach().mul(x).sum().backward();
    expectClose(x.grad, [11, 12, 13], TOL);
  });

  it('.data is an alias; assigning the same shape writes into the existing storage', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const alias = x.data;
    expect(alias.requiresGrad).toBe(false);
    alias.fill_(4);
    expectClose(x, [4, 4, 4], TOL);
    const oldView = x.data;
    x.data = tensor([7, 8, 9], { dtype: 'float32' });
    expectClose(x, [7, 8, 9], TOL);
    expectClose(oldView, [7, 8, 9], TOL); // same storage was kept
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
  });

  it('.data may be assigned a different shape', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.data = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    expect(x.shape).toEqual([2, 2]);
    expect(x.tolist()).toEqual([[1, 2], [3, 4]]);
    x.mul(x).sum().backward();
    expectClose(x.grad, [2, 4, 6, 8], TOL);
  });
});

describe('gradients through views', () => {
  // Each case: a loss sum(view(x) * c) with a distinct weight per view element, so the expected
  // gradient at x[i] is the sum of the weights of the view elements that read x[i].
  const shape = [2, 3, 4];
  const n = 24;
  /** Index maps (view element -> base flat index), built independently of the library. */
  const idx3 = (i: number, j: number, k: number) => i * 12 + j * 4 + k;
  const cases: { name: string; view: (x: Tensor) => Tensor; map: () => number[] }[] = [
    { name: 'reshape', view: (x) => x.reshape(4, 6), map: () => seq(n, 0, 1) },
    { name: 'view', view: (x) => x.view(-1), map: () => seq(n, 0, 1) },
    {
      name: 'transpose(0, 2)',
      view: (x) => x.transpose(0, 2),
      map: () => { const m: number[] = []; for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) m.push(idx3(i, j, k)); return m; },
    },
    {
      name: 'permute(1, 2, 0)',
      view: (x) => x.permute(1, 2, 0),
      map: () => { const m: number[] = []; for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) m.push(idx3(i, j, k)); return m; },
    },
    {
      name: 'narrow(2, 1, 2)',
      view: (x) => x.narrow(2, 1, 2),
      map: () => { const m: number[] = []; for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 1; k < 3; k++) m.push(idx3(i, j, k)); return m; },
    },
    {
      name: 'select(1, -1)',
      view: (x) => x.select(1, -1),
      map: () => { const m: number[] = []; for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) m.push(idx3(i, 2, k)); return m; },
    },
    {
      name: 'unsqueeze + expand',
      view: (x) => x.unsqueeze(0).expand(3, 2, 3, 4),
      map: () => { const m: number[] = []; for (let r = 0; r < 3; r++) for (let i = 0; i < n; i++) m.push(i); return m; },
    },
    {
      name: 'chained: transpose -> narrow -> select -> reshape',
      view: (x) => x.transpose(0, 1).narrow(0, 1, 2).select(2, 3).reshape(-1),
      // transpose -> [3, 2, 4][j, i, k]; narrow j in 1..2; select k = 3 -> [2, 2][j', i]
      map: () => { const m: number[] = []; for (let j = 1; j < 3; j++) for (let i = 0; i < 2; i++) m.push(idx3(i, j, 3)); return m; },
    },
  ];
  for (const c of cases) {
    it(`${c.name} routes the gradient into the base tensor`, () => {
      const x = tensor(Float32Array.from(seq(n, -1, 0.1))).reshape(shape).detach().requiresGrad_();
      const v = c.view(x);
      const m = c.map();
      expect(v.numel()).toBe(m.length);
      const weights = seq(m.length, 1, 1);
      v.mul(tensor(Float32Array.from(weights)).reshape(v.shape)).sum().backward();
      const expected = new Array<number>(n).fill(0);
      m.forEach((b, e) => (expected[b]! += weights[e]!));
      expect(x.grad!.shape).toEqual(shape);
      expectClose(x.grad, expected, TOL);
    });
  }

  it('expand of a [1, 3] row sums the gradient over the expanded dim', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const c = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    x.expand(4, 3).mul(c).sum().backward();
    expect(x.grad!.shape).toEqual([1, 3]);
    expectClose(x.grad, [22, 26, 30], TOL);
  });

  it('t() and a non-contiguous input to matmul', () => {
    const a = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true }); // [3, 2]
    const b = tensor([[1, -1], [2, 0.5]]);
    // y = a^T^T... : loss = sum(a.t().t() @ b)
    matmul(a.t().t(), b).sum().backward();
    // d/da_ij sum_ik a_ij b_jk = sum_k b_jk
    expectClose(a.grad, [0, 2.5, 0, 2.5, 0, 2.5], TOL);
  });
});

describe('graph shapes', () => {
  it('a tensor used twice receives both contributions', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expectClose(x.grad, [2, -4, 6], TOL);
    const y = tensor([0.5, 2], { requiresGrad: true });
    y.add(y).add(y.mul(3)).sum().backward(); // 5y
    expectClose(y.grad, [5, 5], TOL);
  });

  it('a diamond graph sums both branches once', () => {
    const xs = [0.5, -1, 2];
    const x = tensor(xs, { requiresGrad: true });
    const a = x.mul(2);
    const b = a.pow(2);
    const c = a.exp();
    b.add(c).sum().backward(); // d/dx (a^2 + e^a), a = 2x: (2a + e^a) * 2
    expectClose(x.grad, xs.map((v) => (4 * v + Math.exp(2 * v)) * 2), TOL);
  });

  it('retainGrad keeps a non-leaf gradient; others stay null', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.add(1);
    expect(y.retainGrad()).toBe(y);
    z.pow(2).sum().backward(); // dL/dz = 2z, dL/dy = 2z, dL/dx = 4z
    expectClose(y.grad, [6, 10, 14], TOL);
    expect(z.grad).toBeNull();
    expectClose(x.grad, [12, 20, 28], TOL);
  });

  it('retainGrad on a leaf is a no-op', () => {
    const x = tensor([1], { requiresGrad: true });
    x.retainGrad();
    x.mul(5).sum().backward();
    expectClose(x.grad, [5], TOL);
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([4, 5, 6], { requiresGrad: true });
    const [gx, gw] = grad(x.mul(w).sum(), [x, w]);
    expectClose(gx!, [4, 5, 6], TOL);
    expectClose(gw!, [1, 2, 3], TOL);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
    expect(gx!.requiresGrad).toBe(false);
  });

  it('throws for an unused input unless allowUnused', () => {
    const x = tensor([1], { requiresGrad: true });
    const u = tensor([1], { requiresGrad: true });
    expect(() => grad(x.mul(2).sum(), [x, u])).toThrow(/not used/);
    const [gx, gu] = grad(x.mul(2).sum(), [x, u], { allowUnused: true });
    expectClose(gx!, [2], TOL);
    expect(gu).toBeNull();
  });

  it('with createGraph the gradient is differentiable: d²/dx² x³ = 6x', () => {
    const xs = [-1.5, 0.5, 2];
    const x = tensor(xs, { requiresGrad: true });
    const [g] = grad(x.pow(3).sum(), x, { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    expectClose(g!, xs.map((v) => 3 * v * v), TOL);
    const [g2] = grad(g!.sum(), x);
    expectClose(g2!, xs.map((v) => 6 * v), TOL);
    expect(x.grad).toBeNull();
  });

  const second: { name: string; f: (x: Tensor) => Tensor; d2: (v: number) => number }[] = [
    { name: 'sigmoid', f: (x) => x.sigmoid(), d2: (v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s) * (1 - 2 * s); } },
    { name: 'tanh', f: (x) => x.tanh(), d2: (v) => { const t = Math.tanh(v); return -2 * t * (1 - t * t); } },
    { name: 'exp', f: (x) => x.exp(), d2: (v) => Math.exp(v) },
    { name: 'log', f: (x) => x.abs().add(1).log(), d2: (v) => -1 / (Math.abs(v) + 1) ** 2 },
    { name: 'x * sin-free product x²·e^x', f: (x) => x.mul(x).mul(x.exp()), d2: (v) => Math.exp(v) * (v * v + 4 * v + 2) },
    { name: 'div 1/(1+x²)', f: (x) => ones(x.shape).div(x.mul(x).add(1)), d2: (v) => (6 * v * v - 2) / (1 + v * v) ** 3 },
    { name: 'sqrt(x²+1)', f: (x) => x.mul(x).add(1).sqrt(), d2: (v) => 1 / (v * v + 1) ** 1.5 },
  ];
  for (const c of second) {
    it(`second derivative of ${c.name}`, () => {
      const xs = [-1.3, -0.2, 0.7, 1.9];
      const x = tensor(xs, { requiresGrad: true });
      const [g] = grad(c.f(x).sum(), x, { createGraph: true });
      const [g2] = grad(g!.sum(), x);
      expectClose(g2!, xs.map(c.d2), { atol: 1e-4, rtol: 1e-4 });
    });
  }

  it('with createGraph two leaves fed the same gradient do not share .grad', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward(null, { createGraph: true });
    expect(a.grad).not.toBe(b.grad);
    a.mul(tensor([5, 7])).sum().backward();
    expectClose(a.grad, [6, 8], TOL);
    expectClose(b.grad, [1, 1], TOL);
  });

  it('backward with createGraph leaves a differentiable .grad', () => {
    const x = tensor([2], { requiresGrad: true });
    x.pow(3).sum().backward(null, { createGraph: true });
    expectClose(x.grad, [12], TOL);
    expect(x.grad!.requiresGrad).toBe(true);
    const [g2] = grad(x.grad!.sum(), x);
    expectClose(g2!, [12], TOL);
  });
});

describe('node metadata', () => {
  it('gradFn names follow PyTorch', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const cases: [Tensor, string][] = [
      [x.add(1), 'AddBackward0'],
      [x.sub(x), 'SubBackward0'],
      [x.mul(2), 'MulBackward0'],
      [x.div(2), 'DivBackward0'],
      [x.pow(2), 'PowBackward0'],
      [x.pow(x), 'PowBackward1'],
      [x.neg(), 'NegBackward0'],
      [x.exp(), 'ExpBackward0'],
      [x.log(), 'LogBackward0'],
      [x.sqrt(), 'SqrtBackward0'],
      [x.abs(), 'AbsBackward0'],
      [x.relu(), 'ReluBackward0'],
      [x.sigmoid(), 'SigmoidBackward0'],
      [x.tanh(), 'TanhBackward0'],
      [x.mm(x), 'MmBackward0'],
      [x.sum(), 'SumBackward0'],
      [x.sum(0), 'SumBackward1'],
      [x.view(4), 'ViewBackward0'],
      [x.expand(3, 2, 2), 'ExpandBackward0'],
      [x.clone(), 'CloneBackward0'],
    ];
    for (const [t, name] of cases) expect(t.gradFn?.name).toBe(name);
  });

  it('isLeaf and requiresGrad of leaves and op results', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([1, 2]);
    expect(x.isLeaf).toBe(true);
    expect(c.isLeaf).toBe(true);
    const y = x.mul(c);
    expect(y.isLeaf).toBe(false);
    expect(y.requiresGrad).toBe(true);
    const z = c.mul(2);
    expect(z.isLeaf).toBe(true);
    expect(z.requiresGrad).toBe(false);
    expect(x.detach().isLeaf).toBe(true);
    expect(() => { y.requiresGrad = false; }).toThrow(/non-leaf/);
    const w = zeros(2).requiresGrad_();
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
  });
});

describe('backward on non-scalars', () => {
  it('throws without a gradient, works with one', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/scalar/);
    expect(x.grad).toBeNull();
    y.backward(tensor([1, 10, 100]));
    expectClose(x.grad, [2, 20, 200], TOL);
  });

  it('rejects a gradient of the wrong shape', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward(tensor([1, 2]))).toThrow(/shape \[2\].*\[3\]/);
  });

  it('.grad can be assigned a tensor of the same shape only', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => { x.grad = tensor([1, 2, 3], { dtype: 'float32' }); }).toThrow(/grad: .*\[3\].*\[2\]/);
    x.grad = tensor([10, 20], { dtype: 'float32' });
    x.mul(2).sum().backward();
    expectClose(x.grad, [12, 22], TOL);
    x.grad = null;
    x.mul(2).sum().backward();
    expectClose(x.grad, [2, 2], TOL);
  });

  it('a one-element non-0-d output is a scalar for backward', () => {
    const x = tensor([[3]], { requiresGrad: true });
    x.mul(x).backward();
    expectClose(x.grad, [6], TOL);
  });
});

describe('in-place rules', () => {
  it('an in-place op on a leaf requiring grad throws outside noGrad, works inside', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    for (const f of [(t: Tensor) => t.add_(1), (t: Tensor) => t.mul_(2), (t: Tensor) => t.zero_(), (t: Tensor) => t.fill_(3), (t: Tensor) => t.copy_(tensor([5, 6])), (t: Tensor) => t.sub_(1), (t: Tensor) => t.div_(2)]) {
      expect(() => f(x)).toThrow(/leaf.*requires grad/);
      expectClose(x, [1, 2], TOL);
    }
    noGrad(() => x.add_(1).mul_(2));
    expectClose(x, [4, 6], TOL);
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
    x.sum().backward();
    expectClose(x.grad, [1, 1], TOL);
  });

  it('modifying a tensor saved for backward makes backward throw a clear error', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const e = x.exp(); // ExpBackward0 saves its output
    const y = e.sum();
    e.add_(1);
    expect(() => y.backward()).toThrow(/modified by an in-place operation/);
    expect(isGradEnabled()).toBe(true);

    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    const p = a.mul(b); // saves b
    b.mul_(2);
    expect(() => p.sum().backward()).toThrow(/modified by an in-place operation/);
  });

  it('in-place on a non-leaf intermediate gives the right gradient', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    y.add_(1);
    expectClose(y, [3, 5, 7], TOL);
    expect(y.gradFn?.name).toBe('AddBackward0');
    y.sum().backward();
    expectClose(x.grad, [2, 2, 2], TOL);

    const u = tensor([1, 2], { requiresGrad: true });
    const v = u.mul(3);
    v.mul_(v.detach().add(0)); // v = 3u * stop(3u)
    v.sum().backward();
    expectClose(u.grad, [9, 18], TOL);
  });

  it('in-place ops whose backward reads their input work on non-leaves (clamp_, mul_ by a grad tensor)', () => {
    const q = tensor([1, -2, 3, 0.5], { requiresGrad: true });
    const r = q.mul(1);
    r.clamp_(0, 2);
    expectClose(r, [1, 0, 2, 0.5], TOL);
    r.mul(tensor([1, 2, 3, 4])).sum().backward();
    expectClose(q.grad, [1, 0, 0, 4], TOL); // passes where 0 <= q <= 2

    const x = tensor([1, 2], { requiresGrad: true });
    const z = tensor([3, 5], { requiresGrad: true });
    const y = x.mul(2);
    y.mul_(z); // y = 2xz
    expectClose(y, [6, 20], TOL);
    y.sum().backward();
    expectClose(x.grad, [6, 10], TOL);
    expectClose(z.grad, [2, 4], TOL);
  });

  it('requiresGrad on an int32 tensor throws', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => { i.requiresGrad = true; }).toThrow(/float32/);
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(/float32/);
    expect(() => arange(3, { dtype: 'int32' }).requiresGrad_()).toThrow(/float32/);
    expect(i.requiresGrad).toBe(false);
  });
});

describe('un-broadcasting', () => {
  const cases: { a: number[]; b: number[] }[] = [
    { a: [2, 3], b: [3] },
    { a: [2, 1], b: [1, 3] },
    { a: [2, 3], b: [] },
    { a: [4, 1, 2], b: [3, 1] },
    { a: [1], b: [2, 2, 2] },
    { a: [3, 1, 1], b: [1, 2, 1] },
  ];
  /** The broadcast of two shapes, computed independently. */
  const bshape = (a: number[], b: number[]) => {
    const nd = Math.max(a.length, b.length);
    return Array.from({ length: nd }, (_, i) => Math.max(a[i - nd + a.length] ?? 1, b[i - nd + b.length] ?? 1));
  };
  /** flat index into `shape` of the broadcast position `pos` (of the broadcast shape). */
  const srcIndex = (shape: number[], out: number[], pos: number[]) => {
    let idx = 0;
    for (let d = 0; d < shape.length; d++) {
      const p = shape[d] === 1 ? 0 : pos[d + out.length - shape.length]!;
      idx = idx * shape[d]! + p;
    }
    return idx;
  };
  const numel = (s: number[]) => s.reduce((p, v) => p * v, 1);
  for (const { a: sa, b: sb } of cases) {
    it(`mul of [${sa}] and [${sb}] gives gradients of the input shapes`, () => {
      const av = seq(numel(sa), 0.5, 0.5), bv = seq(numel(sb), -1, 0.75);
      const a = tensor(Float32Array.from(av)).reshape(sa).detach().requiresGrad_();
      const b = tensor(Float32Array.from(bv)).reshape(sb).detach().requiresGrad_();
      const out = bshape(sa, sb);
      const w = seq(numel(out), 1, 1); // distinct upstream gradient per output element
      a.mul(b).backward(tensor(Float32Array.from(w)).reshape(out));
      const ga = new Array<number>(av.length).fill(0), gb = new Array<number>(bv.length).fill(0);
      for (let e = 0; e < numel(out); e++) {
        const pos: number[] = [];
        let r = e;
        for (let d = out.length - 1; d >= 0; d--) { pos.unshift(r % out[d]!); r = Math.floor(r / out[d]!); }
        const ia = srcIndex(sa, out, pos), ib = srcIndex(sb, out, pos);
        ga[ia]! += w[e]! * bv[ib]!;
        gb[ib]! += w[e]! * av[ia]!;
      }
      expect(a.grad!.shape).toEqual(sa);
      expect(b.grad!.shape).toEqual(sb);
      expectClose(a.grad, ga, TOL);
      expectClose(b.grad, gb, TOL);
    });
  }

  it('add/sub/div with a number keep the tensor shape', () => {
    const x = tensor([[1, 2], [4, 8]], { requiresGrad: true });
    x.add(1).sub(2).div(4).sum().backward();
    expect(x.grad!.shape).toEqual([2, 2]);
    expectClose(x.grad, [0.25, 0.25, 0.25, 0.25], TOL);
  });

  it('a broadcast divisor gets a summed gradient', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const d = tensor([2, 4], { requiresGrad: true });
    x.div(d).sum().backward(); // d/dd_j sum_i x_ij / d_j = -sum_i x_ij / d_j^2
    expectClose(d.grad, [-(1 + 3) / 4, -(2 + 4) / 16], TOL);
  });
});

describe('the tutorial', () => {
  it('reproduces the trajectory: 12 before, 8 after, w -> 2, matching a float64 simulation', () => {
    const w = tensor([3.0], { dtype: 'float32' }); // 3.0 is the integer 3 in JavaScript: int32 without dtype
    w.requiresGrad = true;
    const forward = (x: number) => w.mul(x);
    const loss = (x: number, y: number) => forward(x).sub(y).pow(2);
    const data: [number, number][] = [[1, 2], [2, 4], [3, 6]];
    expect(forward(4).item()).toBe(12);

    // float64 reference of the same update rule
    let ref = 3;
    const trajectory: number[] = [];
    const refTrajectory: number[] = [];
    const grads: number[] = [];
    const refGrads: number[] = [];
    for (let epoch = 0; epoch < 100; epoch++) {
      for (const [x, y] of data) {
        const l = loss(x, y);
        l.backward();
        grads.push(w.grad!.item());
        w.data = w.data.sub(w.grad!.data.mul(0.01));
        w.grad!.data.zero_();
        trajectory.push(w.item());

        const g = 2 * (ref * x - y) * x;
        refGrads.push(g);
        ref -= 0.01 * g;
        refTrajectory.push(ref);
      }
    }
    // first step by hand: grad = 2 (3 - 2) 1 = 2, w = 3 - 0.02
    expect(grads[0]).toBeCloseTo(2, 6);
    expect(trajectory[0]).toBeCloseTo(2.98, 6);
    for (let i = 0; i < trajectory.length; i++) {
      expect(Math.abs(trajectory[i]! - refTrajectory[i]!) / Math.abs(refTrajectory[i]!), `step ${i}`).toBeLessThan(1e-5);
      expect(Math.abs(grads[i]! - refGrads[i]!), `grad at step ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(refGrads[i]!)));
    }
    expect(Math.abs(forward(4).item() - 8)).toBeLessThan(1e-4);
    expect(Math.abs(w.item() - 2)).toBeLessThan(1e-5);
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
    expect(w.grad!.item()).toBe(0);
  });
});

describe('backward() arguments', () => {
  it('takes the options first, and rejects a gradient that is not a Tensor', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward({ retainGraph: true });
    y.backward({});
    expect(x.grad!.tolist()).toEqual([4, 8, 12]);
    expect(() => x.mul(2).sum().backward([1] as never)).toThrow(/backward: gradient must be a Tensor .*got an array/);
    expect(() => x.mul(2).sum().backward(3 as never)).toThrow(/backward: gradient must be a Tensor .*got number/);
  });
});
