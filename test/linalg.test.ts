/**
 * Linear algebra (src/ops/linalg.ts): values and gradients against PyTorch (test/fixtures/linalg/cases.json,
 * made by gen.py), gradcheck at odd sizes and non-contiguous inputs, second derivatives of the
 * decompositions' backward rules, NaN/Inf, dtypes and the errors thrown before computing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addbmm, addmm, addmv, baddbmm, cdist, chainMatmul, cross, dot, einsum, grad, inner, kron, linalg, multiDot, mv, outer, tensor,
  tensordot, trace, vdot, ones, zeros, eye, randn, matmul, type Tensor,
} from '../src/index.js';
import { checkGradGrad, checkOp, expectClose } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32'; values: (number | string)[]; requiresGrad?: boolean }
interface Case { inputs: Record<string, Arr>; output: Arr; grads?: Record<string, (number | string)[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/linalg/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

const cdistCase = (p: number) => (a: Tensor, b: Tensor) => cdist(a, b, p);

/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  dot: (a, b) => dot(a!, b!),
  vdot: (a, b) => vdot(a!, b!),
  dot_int: (a, b) => a!.dot(b!),
  dot_nan_inf: (a, b) => dot(a!, b!),
  dot_inf: (a, b) => dot(a!, b!),
  mv: (m, v) => mv(m!, v!),
  outer: (a, b) => outer(a!, b!),
  inner_2d: (a, b) => inner(a!, b!),
  inner_3d_1d: (a, b) => a!.inner(b!),
  inner_scalar: (a, b) => inner(a!, b!),
  addmm: (i, a, b) => addmm(i!, a!, b!, { beta: 0.5, alpha: 2 }),
  addmm_default: (i, a, b) => i!.addmm(a!, b!),
  addmm_beta0_nan: (i, a, b) => addmm(i!, a!, b!, { beta: 0 }),
  addmm_int: (i, a, b) => addmm(i!, a!, b!, { beta: 2, alpha: 3 }),
  addmv: (i, m, v) => addmv(i!, m!, v!, { alpha: -1.5 }),
  addbmm: (i, a, b) => addbmm(i!, a!, b!, { beta: 2, alpha: 0.5 }),
  baddbmm: (i, a, b) => baddbmm(i!, a!, b!, { beta: -1, alpha: 0.25 }),
  multi_dot: (a, b, c, d) => multiDot([a!, b!, c!, d!]),
  multi_dot_vec_end: (a, b, c) => linalg.multiDot([a!, b!, c!]),
  multi_dot_two_vecs: (a, b) => multiDot([a!, b!]),
  chain_matmul: (a, b, c) => chainMatmul(a!, b!, c!),
  trace: (a) => trace(a!),
  trace_int: (a) => a!.trace(),
  tensordot_2: (a, b) => tensordot(a!, b!, 2),
  tensordot_lists: (a, b) => tensordot(a!, b!, [[0, 2], [1, 0]]),
  tensordot_0: (a, b) => tensordot(a!, b!, 0),
  kron: (a, b) => kron(a!, b!),
  kron_ndim: (a, b) => a!.kron(b!),
  cross: (a, b) => cross(a!, b!, 1),
  cross_default_broadcast: (a, b) => a!.cross(b!),
  linalg_cross: (a, b) => linalg.cross(a!, b!),
  'cdist_p2.0': cdistCase(2),
  'cdist_p1.0': cdistCase(1),
  cdist_pinf: cdistCase(Infinity),
  'cdist_p0.0': cdistCase(0),
  'cdist_p3.0': cdistCase(3),
  'cdist_p0.5': cdistCase(0.5),
  'cdist_p1.5': (a, b) => cdist(a!, b!, { p: 1.5 }),
  cdist_batched: (a, b) => cdist(a!, b!),
  einsum_mm: (a, b) => einsum('ij,jk->ik', a!, b!),
  einsum_bmm: (a, b) => einsum('bij,bjk->bik', a!, b!),
  einsum_diag: (a) => einsum('ii->i', a!),
  einsum_trace: (a) => einsum('ii', a!),
  einsum_outer: (a, b) => einsum('i,j->ij', a!, b!),
  einsum_dot: (a, b) => einsum('i,i->', [a!, b!]),
  einsum_sum_all: (a) => einsum('ijk->', a!),
  einsum_transpose: (a) => einsum('ij->ji', a!),
  einsum_rowdot: (a, b) => einsum('ij,ij->i', a!, b!),
  einsum_ellipsis: (a, b) => einsum('...ij,...jk', a!, b!),
  einsum_ellipsis_mid: (a, b) => einsum('i...j,j->...i', a!, b!),
  einsum_implicit: (a, b) => einsum('ba,ac', a!, b!),
  einsum_bilinear: (a, w, b) => einsum('bn,anm,bm->ba', a!, w!, b!),
  einsum_broadcast_label: (a, b) => einsum('ij,kj->ik', a!, b!),
  einsum_repeat_3: (a, b) => einsum('iij,jk->ik', a!, b!),
  einsum_keep_free: (a, b) => einsum('ij,kl->ijkl', a!, b!),
  einsum_sum_unused: (a, b) => einsum('ij,jk->i', a!, b!),
  einsum_ellipsis_summed: (a) => einsum('...ij->j', a!),
  einsum_spaces: (a, b) => einsum('i j , j k -> i k', a!, b!),
  vector_norm_default: (x) => linalg.vectorNorm(x!),
  vector_norm_1_dim: (x) => linalg.vectorNorm(x!, 1, 1),
  vector_norm_2_dim: (x) => linalg.vectorNorm(x!, { ord: 2, dim: -1, keepdim: true }),
  vector_norm_inf: (x) => linalg.vectorNorm(x!, Infinity, 1),
  'vector_norm_-inf': (x) => linalg.vectorNorm(x!, -Infinity, 0),
  vector_norm_0: (x) => linalg.vectorNorm(x!, 0, { dim: 1 }),
  vector_norm_3: (x) => linalg.vectorNorm(x!, 3, [0, 1]),
  'vector_norm_0.5': (x) => linalg.vectorNorm(x!, 0.5),
  'vector_norm_1.5': (x) => linalg.vectorNorm(x!, 1.5, 1),
  vector_norm_empty_dims: (x) => linalg.vectorNorm(x!, 2, []),
  vector_norm_nan_inf: (x) => linalg.vectorNorm(x!, { dim: 1 }),
  matrix_norm_fro: (x) => linalg.matrixNorm(x!),
  matrix_norm_1: (x) => linalg.matrixNorm(x!, 1),
  'matrix_norm_-1': (x) => linalg.matrixNorm(x!, -1, { keepdim: true }),
  matrix_norm_inf: (x) => linalg.matrixNorm(x!, Infinity, [0, 2]),
  'matrix_norm_-inf': (x) => linalg.matrixNorm(x!, { ord: -Infinity }),
  norm_default: (x) => linalg.norm(x!),
  norm_ord_1d: (x) => linalg.norm(x!, 3),
  norm_ord_2d: (x) => linalg.norm(x!, Infinity),
  norm_dim: (x) => linalg.norm(x!, { dim: 1 }),
  norm_dim2_keepdim: (x) => linalg.norm(x!, 'fro', [0, 1], true),
  inv: (a) => linalg.inv(a!),
  inv_batched: (a) => a!.inverse(),
  inv_nan: (a) => linalg.inv(a!),
  det: (a) => linalg.det(a!),
  det_batched: (a) => a!.det(),
  det_1x1: (a) => linalg.det(a!),
  det_singular_value: (a) => linalg.det(a!),
  det_singular_batch: (a) => linalg.det(a!),
  det_nan: (a) => linalg.det(a!),
  slogdet_logabsdet: (a) => linalg.slogdet(a!).logabsdet,
  slogdet_sign: (a) => a!.slogdet()[0],
  slogdet_singular: (a) => linalg.slogdet(a!)[1],
  slogdet_nan_sign: (a) => linalg.slogdet(a!).sign,
  slogdet_nan: (a) => linalg.slogdet(a!).logabsdet,
  qr_nan: (a) => linalg.qr(a!).R,
  solve: (a, b) => linalg.solve(a!, b!),
  solve_vector: (a, b) => linalg.solve(a!, b!),
  solve_batched_broadcast: (a, b) => linalg.solve(a!, b!),
  solve_batched_vector: (a, b) => linalg.solve(a!, b!),
  solve_right: (a, b) => linalg.solve(a!, b!, { left: false }),
  cholesky: (a) => linalg.cholesky(a!),
  cholesky_upper: (a) => linalg.cholesky(a!, { upper: true }),
  cholesky_batched: (a) => linalg.cholesky(a!),
  eigh_values: (a) => linalg.eigh(a!.add(a!.transpose(-1, -2))).eigenvalues,
  eigh_vectors_sq: (a) => linalg.eigh(a!.add(a!.transpose(-1, -2)))[1].pow(2),
  eigh_upper: (a) => linalg.eigh(a!, { UPLO: 'U' })[0],
  svd_values: (a) => linalg.svd(a!).S,
  svdvals_wide: (a) => linalg.svdvals(a!),
  svd_u_sq: (a) => linalg.svd(a!, { fullMatrices: false }).U.pow(2),
  svd_vh_sq_wide: (a) => linalg.svd(a!, false)[2].pow(2),
  svd_reconstruct: (a) => {
    const { U, S, Vh } = linalg.svd(a!, { fullMatrices: false });
    return matmul(U.mul(S.unsqueeze(-2)), Vh);
  },
  matrix_norm_2: (x) => linalg.matrixNorm(x!, 2),
  'matrix_norm_-2': (x) => linalg.matrixNorm(x!, -2),
  matrix_norm_nuc: (x) => linalg.matrixNorm(x!, 'nuc', [0, 2], true),
  pinv: (a) => linalg.pinv(a!),
  pinv_rank_deficient: (a) => linalg.pinv(a!),
  qr_q: (a) => linalg.qr(a!).Q,
  qr_r: (a) => linalg.qr(a!)[1],
  qr_square_both: (a) => { const { Q, R } = linalg.qr(a!); return matmul(Q, R.exp()); },
  qr_wide_q: (a) => linalg.qr(a!).Q,
  qr_wide_r: (a) => linalg.qr(a!).R,
  qr_complete_q: (a) => linalg.qr(a!, { mode: 'complete' }).Q,
  qr_complete_r: (a) => linalg.qr(a!, 'complete').R,
  qr_mode_r: (a) => linalg.qr(a!, { mode: 'r' }).R,
  lstsq_tall: (a, b) => linalg.lstsq(a!, b!).solution,
  lstsq_wide: (a, b) => linalg.lstsq(a!, b!)[0],
  lstsq_vector_batched: (a, b) => linalg.lstsq(a!, b!).solution,
  lstsq_rank_deficient: (a, b) => linalg.lstsq(a!, b!).solution,
  lstsq_residuals_gelsd: (a, b) => linalg.lstsq(a!, b!, { driver: 'gelsd' }).residuals,
  lstsq_rank_gelsy: (a, b) => linalg.lstsq(a!, b!).rank,
  lstsq_singular_values_gelss: (a, b) => linalg.lstsq(a!, b!, null, { driver: 'gelss' }).singularValues,
};

/** Products and decompositions sum in another order than PyTorch's BLAS/LAPACK: a few float32 ulps. */
function expectValues(got: Tensor, want: Arr, what: string, tol = 2e-5): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  const scale = Math.max(1, ...want.values.map((v) => Math.abs(num(v))).filter(Number.isFinite));
  want.values.forEach((w, i) => {
    const e = num(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype === 'int32') expect(v, `${what}[${i}]`).toBe(e);
    else expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(tol * scale);
  });
}

describe('linalg against PyTorch', () => {
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
      expectValues(y, c.output, name);
      if (c.grads) {
        const wrt = names.filter((k) => c.inputs[k]!.requiresGrad);
        const r = tensor(Array.from({ length: y.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y.shape);
        const gs = grad(y.mul(r).sum(), wrt.map((k) => xs[names.indexOf(k)]!), { allowUnused: true });
        wrt.forEach((k, i) => {
          const want = c.grads![k];
          if (want === null) expect(gs[i], `grad ${k}`).toBeNull();
          else expectValues(gs[i]!, { shape: c.inputs[k]!.shape, dtype: 'float32', values: want }, `${name} grad ${k}`, 1e-4);
        });
      }
    });
  }
});

/** A well-conditioned square input: random plus 3 on the diagonal, as a function of a free tensor. */
const wc = (a: Tensor) => a.add(eye(a.shape[a.ndim - 1]!).mul(3));
/** A symmetric positive-definite input made from a free tensor. */
const spdOf = (a: Tensor) => matmul(a, a.transpose(-1, -2)).add(eye(a.shape[a.ndim - 1]!).mul(a.shape[a.ndim - 1]!));

describe('gradcheck at odd sizes and non-contiguous inputs', () => {
  it('products', () => {
    checkOp('dot', (a, b) => dot(a!, b!), [[17], [17]], { nonContiguous: true });
    checkOp('mv', (m, v) => mv(m!, v!), [[3, 5], [5]], { nonContiguous: true });
    checkOp('outer', (a, b) => outer(a!, b!), [[3], [5]]);
    checkOp('inner', (a, b) => inner(a!, b!), [[2, 3, 5], [4, 5]], { nonContiguous: true });
    checkOp('addmm', (i, a, b) => addmm(i!, a!, b!, { beta: 0.5, alpha: -2 }), [[1, 5], [3, 7], [7, 5]], { nonContiguous: [false, true, true] });
    checkOp('addmv', (i, a, b) => addmv(i!, a!, b!, { beta: 2 }), [[3], [3, 7], [7]], { nonContiguous: true });
    checkOp('baddbmm', (i, a, b) => baddbmm(i!, a!, b!, { alpha: 3 }), [[3, 1], [2, 3, 5], [2, 5, 2]], { nonContiguous: [false, true, true] });
    checkOp('addbmm', (i, a, b) => addbmm(i!, a!, b!), [[3, 1], [2, 3, 5], [2, 5, 2]], { nonContiguous: [false, true, true] });
    checkOp('multiDot', (a, b, c) => multiDot([a!, b!, c!]), [[3], [3, 5], [5, 2]], { nonContiguous: true });
    checkOp('trace', (a) => trace(a!), [[5, 3]], { nonContiguous: true });
    checkOp('tensordot', (a, b) => tensordot(a!, b!, [[1], [0]]), [[3, 5], [5, 3, 2]], { nonContiguous: true });
    checkOp('kron', (a, b) => kron(a!, b!), [[3, 2], [2, 3]], { nonContiguous: true });
    checkOp('cross', (a, b) => cross(a!, b!, 0), [[3, 5], [3, 5]], { nonContiguous: true });
  });
  it('einsum', () => {
    checkOp('einsum bij,bjk->bik', (a, b) => einsum('bij,bjk->bik', a!, b!), [[3, 5, 2], [3, 2, 7]], { nonContiguous: true });
    checkOp('einsum ii->i', (a) => einsum('ii->i', a!), [[5, 5]], { nonContiguous: true });
    checkOp('einsum ...ij,jk', (a, b) => einsum('...ij,jk', a!, b!), [[2, 3, 5, 3], [3, 4]], { nonContiguous: true });
    checkOp('einsum bilinear', (a, w, b) => einsum('bn,anm,bm->ba', a!, w!, b!), [[3, 5], [2, 5, 3], [3, 3]]);
  });
  it('cdist (distances away from 0)', () => {
    for (const p of [2, 1, 3, 0.5, Infinity]) {
      checkOp(`cdist p=${p}`, (a, b) => cdist(a!, b!, p), [[3, 5], [4, 5]], { nonContiguous: [true, false], rtol: 2e-2 });
    }
  });
  it('norms', () => {
    checkOp('vectorNorm 2', (x) => linalg.vectorNorm(x!), [[3, 5]], { nonContiguous: true });
    checkOp('vectorNorm 3 dim', (x) => linalg.vectorNorm(x!, 3, 1), [[3, 5]], { nonContiguous: true });
    checkOp('vectorNorm 1', (x) => linalg.vectorNorm(x!, 1, [0]), [[3, 5]], { range: [0.2, 1] });
    checkOp('matrixNorm fro', (x) => linalg.matrixNorm(x!), [[2, 3, 5]], { nonContiguous: true });
    checkOp('matrixNorm inf', (x) => linalg.matrixNorm(x!, Infinity), [[2, 3, 5]], { range: [0.2, 1] });
  });
  it('decompositions, with second derivatives', () => {
    checkOp('inv', (a) => linalg.inv(wc(a!)), [[2, 3, 3]], { nonContiguous: true });
    checkOp('det', (a) => linalg.det(wc(a!)), [[2, 3, 3]], { nonContiguous: true, atol: 1e-2 });
    checkOp('slogdet', (a) => linalg.slogdet(wc(a!)).logabsdet, [[5, 5]], { nonContiguous: true });
    checkOp('solve', (a, b) => linalg.solve(wc(a!), b!), [[2, 3, 3], [3, 2]], { nonContiguous: true });
    checkOp('solve right', (a, b) => linalg.solve(wc(a!), b!, { left: false }), [[3, 3], [2, 3]]);
    checkOp('cholesky', (a) => linalg.cholesky(spdOf(a!)), [[2, 3, 3]], { nonContiguous: true });
    checkOp('cholesky upper', (a) => linalg.cholesky(spdOf(a!), { upper: true }), [[3, 3]]);
    const sym = (a: Tensor) => a.add(a.transpose(-1, -2));
    checkOp('eigh values', (a) => linalg.eigh(sym(a!)).eigenvalues, [[2, 4, 4]], { nonContiguous: true });
    checkOp('eigh vectors', (a) => linalg.eigh(sym(a!)).eigenvectors.pow(2), [[3, 3]], { nonContiguous: true });
    checkOp('svd S', (a) => linalg.svd(a!).S, [[2, 5, 3]], { nonContiguous: true });
    checkOp('svd U', (a) => linalg.svd(a!, false).U.pow(2), [[5, 3]], { nonContiguous: true });
    checkOp('svd Vh wide', (a) => linalg.svd(a!, false).Vh.pow(2), [[3, 5]], { nonContiguous: true });
    checkOp('svd U and Vh', (a) => { const { U, Vh } = linalg.svd(a!, false); return matmul(U.pow(3), Vh.pow(3)); }, [[4, 3]]);
    checkOp('matrixNorm 2', (x) => linalg.matrixNorm(x!, 2), [[2, 3, 5]], { nonContiguous: true });
    checkOp('matrixNorm nuc', (x) => linalg.matrixNorm(x!, 'nuc'), [[3, 5]]);
    checkOp('pinv', (a) => linalg.pinv(a!), [[5, 3]], { nonContiguous: true });
    checkGradGrad('eigh', (a) => linalg.eigh(sym(a!)).eigenvalues.pow(2), [[3, 3]]);
    checkGradGrad('svdvals', (a) => linalg.svdvals(a!).pow(2), [[3, 2]]);
    checkOp('qr tall', (a) => { const { Q, R } = linalg.qr(a!); return matmul(Q.pow(3), R); }, [[5, 3]], { nonContiguous: true });
    checkOp('qr wide', (a) => { const { Q, R } = linalg.qr(a!); return matmul(Q, R.pow(2)); }, [[3, 5]], { nonContiguous: true });
    checkOp('qr batched square', (a) => linalg.qr(a!).R.pow(2), [[2, 3, 3]]);
    checkGradGrad('qr', (a) => linalg.qr(a!).Q.pow(2), [[3, 2]]);
    checkOp('lstsq', (a, b) => linalg.lstsq(a!, b!).solution, [[5, 3], [5, 2]], { nonContiguous: true });
    checkOp('lstsq wide', (a, b) => linalg.lstsq(a!, b!).solution, [[2, 4], [2, 3]]);
    checkOp('lstsq vector', (a, b) => linalg.lstsq(a!, b!).solution, [[2, 4, 3], [2, 4]]);
    checkGradGrad('inv', (a) => linalg.inv(wc(a!)), [[3, 3]]);
    checkGradGrad('det', (a) => linalg.det(wc(a!)), [[3, 3]]);
    checkGradGrad('solve', (a, b) => linalg.solve(wc(a!), b!).mul(b!), [[3, 3], [3, 2]]);
    checkGradGrad('cholesky', (a) => linalg.cholesky(spdOf(a!)), [[3, 3]]);
  });
});

describe('forms, NaN, dtypes and errors', () => {
  it('in-place addmm_ and friends', () => {
    const c = zeros(2, 2);
    c.addmm_(ones(2, 3), ones(3, 2), { alpha: 2 });
    expect(c.tolist()).toEqual([[6, 6], [6, 6]]);
    const v = ones(2);
    v.addmv_(ones(2, 3), ones(3), { beta: 0 });
    expect(v.tolist()).toEqual([3, 3]);
    const b = ones(2, 2, 2);
    b.baddbmm_(ones(2, 2, 1), ones(2, 1, 2));
    expect(b.tolist()).toEqual([[[2, 2], [2, 2]], [[2, 2], [2, 2]]]);
    const s = zeros(2, 2);
    s.addbmm_(ones(3, 2, 1), ones(3, 1, 2));
    expect(s.tolist()).toEqual([[3, 3], [3, 3]]);
  });
  it('slogdet destructures; singular det gives 0; NaN propagates', () => {
    const [sg, l] = linalg.slogdet(tensor([[0, 1], [1, 0]], { dtype: 'float32' }));
    expect(sg.item()).toBe(-1);
    expect(l.item()).toBe(0);
    expect(Math.abs(linalg.det(tensor([[1, 2], [2, 4]], { dtype: 'float32' })).item())).toBe(0);
    expect(Number.isNaN(linalg.vectorNorm(tensor([1, NaN])).item())).toBe(true);
    expect(linalg.vectorNorm(tensor([1, -Infinity]), Infinity).item()).toBe(Infinity);
    expectClose(einsum('ij,jk', tensor([[NaN, 1]]), ones(2, 2)), [NaN, NaN]);
  });
  it('zero distance and zero norm give zero gradients (not NaN)', () => {
    const x = tensor([[1, 2], [1, 2]], { dtype: 'float32' }).requiresGrad_();
    const [g] = grad(cdist(x, x).sum(), [x]);
    expect(Array.from(g!.toArray()).every((v) => v === 0)).toBe(true);
    const z = zeros(3, { requiresGrad: true });
    const [gz] = grad(linalg.vectorNorm(z), [z]);
    expect(Array.from(gz!.toArray())).toEqual([0, 0, 0]);
  });
  it('einsum matches a float64 reference for random equations', () => {
    const a = randn(2, 3, 4), b = randn(4, 3);
    expectClose(einsum('bij,jk->bik', a, b.transpose(0, 1).contiguous().transpose(0, 1)), matmul(a, b), { atol: 1e-5 });
    expectClose(einsum('bij->jb', a), a.sum(1).transpose(0, 1), { atol: 1e-5 });
  });
  it('svd with full matrices: orthogonal U and Vh completing the thin ones; rank-deficient input', () => {
    for (const a of [randn(5, 2), randn(2, 5), tensor([[1, 2], [2, 4], [3, 6]], { dtype: 'float32' })]) {
      const [m, n] = a.shape as [number, number];
      const { U, S, Vh } = linalg.svd(a);
      expect(U.shape).toEqual([m, m]);
      expect(Vh.shape).toEqual([n, n]);
      expectClose(matmul(U.transpose(0, 1), U), eye(m), { atol: 1e-5 });
      expectClose(matmul(Vh, Vh.transpose(0, 1)), eye(n), { atol: 1e-5 });
      const k = Math.min(m, n);
      const rec = matmul(U.narrow(1, 0, k).mul(S.unsqueeze(0)), Vh.narrow(0, 0, k));
      expectClose(rec, a, { atol: 1e-5 });
    }
    const x = randn(4, 2, { requiresGrad: true });
    expect(() => linalg.svd(x).U.sum().backward()).toThrow(/fullMatrices: true/);
    expect(() => linalg.qr(x, 'r').R.sum().backward()).toThrow(/depends on Q, which is not computed when mode='r'/);
    expect(() => linalg.qr(x, 'complete').R.sum().backward()).toThrow(/not differentiable when mode='complete' and nrows > ncols/);
    expect(() => linalg.qr(x, 'full' as never)).toThrow(/unrecognized mode 'full'/);
    expect(linalg.qr(x, 'r').Q.shape).toEqual([0]);
    const ls = linalg.lstsq(randn(5, 3), randn(5, 2));
    expect([ls.residuals.shape, ls.rank.dtype, ls.singularValues.shape]).toEqual([[0], 'int32', [0]]);
    expect(linalg.lstsq(randn(5, 3), randn(5, 2), { driver: 'gels' }).rank.shape).toEqual([0]);
    expect(() => linalg.lstsq(randn(5, 3), randn(4, 2))).toThrow(/same number of rows/);
    expect(() => linalg.lstsq(randn(5, 3), randn(5, 2), { driver: 'lapack' as never })).toThrow(/driver/);
    const y = randn(3, 3, { requiresGrad: true });
    expect(() => linalg.eigh(y, { uplo: 'U' } as never)).toThrow(/PyTorch's uplo|unknown option 'uplo'/);
  });
  it('eigh reconstructs A = V diag(L) Vᵀ; NaN input gives NaN', () => {
    const b = randn(2, 4, 4);
    const a = b.add(b.transpose(-1, -2));
    const { eigenvalues: L, eigenvectors: V } = linalg.eigh(a);
    expectClose(matmul(V.mul(L.unsqueeze(-2)), V.transpose(-1, -2)), a, { atol: 1e-5 });
    expect(Array.from(linalg.eigh(tensor([[NaN, 0], [0, 1]])).eigenvalues.toArray()).every(Number.isNaN)).toBe(true);
  });
  it('errors name the op and shapes, before computing', () => {
    const f = (n: number) => ones(n);
    expect(() => dot(f(3), f(4))).toThrow(/dot: inconsistent tensor size.*3 and 4/);
    expect(() => dot(ones(2, 2), f(2))).toThrow(/dot: 1D tensors expected, but got 2D and 1D/);
    expect(() => dot(f(2), tensor([1, 2]))).toThrow(/dot: expected operands of the same dtype/);
    expect(() => mv(ones(2, 3), f(4))).toThrow(/mv: shapes \[2, 3\] and \[4\] cannot be multiplied/);
    expect(() => addmm(ones(3, 3), ones(2, 3), ones(3, 2))).toThrow(/addmm: input of shape \[3, 3\] cannot be broadcast/);
    expect(() => addmm(ones(2, 2), ones(2, 3), ones(3, 2), { Beta: 1 } as never)).toThrow(/addmm: unknown option 'Beta'/);
    expect(() => addmm(tensor([[1]]), tensor([[1]]), tensor([[1]]), { alpha: 0.5 })).toThrow(/alpha must be an integer/);
    expect(() => baddbmm(ones(2, 2), ones(2, 2, 3), ones(3, 3, 2))).toThrow(/baddbmm: shapes/);
    expect(() => multiDot([f(2)])).toThrow(/multiDot: expected at least 2 tensors but got 1/);
    expect(() => multiDot([ones(2, 3), ones(2, 3)])).toThrow(/multiDot: tensors 0 and 1/);
    expect(() => trace(f(3))).toThrow(/trace: expected a matrix/);
    expect(() => tensordot(ones(2, 3), ones(2, 3), 1)).toThrow(/tensordot: contracted dimensions need to match/);
    expect(() => cross(ones(2, 2), ones(2, 2))).toThrow(/cross: no dimension of size 3/);
    expect(() => cross(ones(3, 2), ones(3, 2), 1)).toThrow(/cross: inputs dimension 1 must have length 3/);
    expect(() => cdist(ones(2, 3), ones(2, 4))).toThrow(/cdist: x1 and x2 must have the same number of columns/);
    expect(() => cdist(ones(2, 3), ones(2, 3), -1)).toThrow(/cdist: only supports non-negative p/);
    expect(() => cdist(ones(2, 3), ones(2, 3), { compute_mode: 'x' } as never)).toThrow(/PyTorch's compute_mode is computeMode/);
    expect(() => einsum('ij,jk', ones(2, 3))).toThrow(/einsum: the equation 'ij,jk' has 2 operands but 1 were given/);
    expect(() => einsum('ij,jk', ones(2, 3), ones(4, 2))).toThrow(/einsum: subscript 'j' has size 4/);
    expect(() => einsum('ij->k', ones(2, 3))).toThrow(/output subscript 'k' does not appear/);
    expect(() => einsum('i1', ones(2, 3))).toThrow(/invalid subscript '1'/);
    expect(() => einsum('ijk', ones(2, 3))).toThrow(/operand 0 has 2 dims/);
    expect(() => linalg.vectorNorm(tensor([1, 2]))).toThrow(/linalg.vectorNorm: expected a floating point tensor/);
    expect(() => linalg.vectorNorm(f(2), { keep_dim: true } as never)).toThrow(/unknown option 'keep_dim'/);
    expect(() => linalg.matrixNorm(f(2))).toThrow(/at least 2 dimensions/);
    expect(() => linalg.matrixNorm(ones(2, 2), 3)).toThrow(/order 3 not supported/);
    expect(() => linalg.matrixNorm(ones(2, 2), 'nuc', [0, 0] as never)).toThrow(/appears multiple times/);
    expect(() => linalg.norm(ones(2, 2, 2), 2)).toThrow(/input must be 1D or 2D/);
    expect(() => linalg.inv(zeros(2, 2))).toThrow(/linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular/);
    expect(() => linalg.inv(zeros(3, 2, 2))).toThrow(/\(Batch element 0\): The diagonal element 1 is zero/);
    expect(() => linalg.inv(ones(2, 3))).toThrow(/linalg.inv: A must be batches of square matrices/);
    expect(() => linalg.det(tensor([[1, 2], [3, 4]]))).toThrow(/linalg.det: expected a floating point tensor/);
    expect(() => linalg.solve(eye(2), ones(3))).toThrow(/linalg.solve: incompatible shapes/);
    expect(() => linalg.solve(zeros(2, 2), ones(2))).toThrow(/linalg.solve: The diagonal element 1 is zero/);
    expect(() => linalg.solve(eye(2), ones(2), { left: 1 } as never)).toThrow(/left must be a boolean/);
    expect(() => linalg.cholesky(eye(2).neg())).toThrow(/linalg.cholesky: The factorization could not be completed because the input is not positive-definite \(the leading minor of order 1/);
    expect(() => linalg.cholesky(eye(2), { lower: true } as never)).toThrow(/unknown option 'lower'/);
    expect(() => linalg.cholesky(tensor([[NaN, 1], [1, 2]]))).toThrow(/not positive-definite \(the leading minor of order 1/);
    expect(() => linalg.svd(tensor([[NaN, 1], [1, 2]]))).toThrow(/linalg.svd: the SVD failed to converge because the input matrix contained non-finite values/);
    expect(() => linalg.pinv(tensor([[Infinity, 1], [1, 2]]))).toThrow(/linalg.pinv: the SVD failed to converge/);
  });
});
