/**
 * Outputs and gradients against values computed by real PyTorch (test/fixtures/torch-cases.json).
 * Each case: inputs, the output of `expr`, and (for differentiable cases) the gradients of
 * sum(output * cotangent) with respect to every float input. Every case in the file must have a mapping
 * below, so new fixture cases cannot be silently skipped.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, arange, cat, grad, stack, tensor, type DType } from '../src/index.js';
import { expectClose } from './helpers.js';

interface Arr {
  shape: number[];
  dtype: string;
  values: number[];
}
interface Case {
  expr: string;
  inputs: Record<string, Arr>;
  output: Arr;
  cotangent?: Arr;
  grads?: Record<string, Arr>;
}
interface Fixture {
  torch: string;
  cases: Record<string, Case>;
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/torch-cases.json', import.meta.url), 'utf8')) as Fixture;

type In = Record<string, Tensor>;
const I = (o: In, k: string): Tensor => {
  const t = o[k];
  if (t === undefined) throw new Error(`missing input ${k}`);
  return t;
};

/** name -> the wasmgrad expression equivalent to the fixture's PyTorch `expr`. */
const mapping: Record<string, (x: In) => Tensor> = {
  add_broadcast: (x) => I(x, 'a').add(I(x, 'b')),
  sub_scalar: (x) => I(x, 'a').sub(0.5),
  rsub_tensor: (x) => I(x, 'a').sub(I(x, 'b')),
  mul_broadcast: (x) => I(x, 'a').mul(I(x, 'b')),
  div_broadcast: (x) => I(x, 'a').div(I(x, 'b')),
  pow_scalar2: (x) => I(x, 'a').pow(2),
  pow_scalar3: (x) => I(x, 'a').pow(3),
  pow_tensor: (x) => I(x, 'a').pow(I(x, 'b')),
  neg: (x) => I(x, 'a').neg(),
  exp: (x) => I(x, 'a').exp(),
  log: (x) => I(x, 'a').log(),
  sqrt: (x) => I(x, 'a').sqrt(),
  abs: (x) => I(x, 'a').abs(),
  relu: (x) => I(x, 'a').relu(),
  sigmoid: (x) => I(x, 'a').sigmoid(),
  tanh: (x) => I(x, 'a').tanh(),
  clamp: (x) => I(x, 'a').clamp(-0.5, 0.7),
  reuse_same_input: (x) => I(x, 'a').mul(I(x, 'a')).add(I(x, 'a')),
  diamond_graph: (x) => I(x, 'a').exp().mul(I(x, 'a').tanh()).add(I(x, 'a').exp()),
  sum_all: (x) => I(x, 'a').sum(),
  sum_dim0: (x) => I(x, 'a').sum(0),
  sum_dim1_keepdim: (x) => I(x, 'a').sum(1, true),
  sum_negdim: (x) => I(x, 'a').sum(-1),
  mean_all: (x) => I(x, 'a').mean(),
  mean_dim: (x) => I(x, 'a').mean(2),
  max_dim_values: (x) => I(x, 'a').max(1).values,
  amax_keepdim: (x) => I(x, 'a').amax(0, true),
  argmax_dim: (x) => I(x, 'a').argmax(1),
  matmul_2d: (x) => I(x, 'a').matmul(I(x, 'b')),
  matmul_vec_mat: (x) => I(x, 'a').matmul(I(x, 'b')),
  matmul_mat_vec: (x) => I(x, 'a').matmul(I(x, 'b')),
  matmul_batched_broadcast: (x) => I(x, 'a').matmul(I(x, 'b')),
  matmul_batched: (x) => I(x, 'a').matmul(I(x, 'b')),
  matmul_transposed: (x) => I(x, 'a').t().matmul(I(x, 'b').t()),
  matmul_odd: (x) => I(x, 'a').matmul(I(x, 'b')),
  linear: (x) => F.linear(I(x, 'x'), I(x, 'w'), I(x, 'b')),
  reshape: (x) => I(x, 'a').reshape(3, 4).mul(arange(4)),
  permute: (x) => I(x, 'a').permute(2, 0, 1).mul(arange(3)),
  transpose_contig: (x) => I(x, 'a').transpose(0, 1).contiguous().reshape(-1),
  unsqueeze_expand: (x) => I(x, 'a').unsqueeze(0).expand(4, 3),
  squeeze: (x) => I(x, 'a').squeeze(1),
  flatten: (x) => I(x, 'a').flatten(1),
  cat_dim1: (x) => cat([I(x, 'a'), I(x, 'b')], 1),
  stack_dim0: (x) => stack([I(x, 'a'), I(x, 'b')], 0),
  narrow: (x) => I(x, 'a').narrow(0, 1, 3),
  select: (x) => I(x, 'a').select(1, 2),
  softmax_last: (x) => I(x, 'a').softmax(-1),
  softmax_dim0: (x) => I(x, 'a').softmax(0),
  log_softmax: (x) => I(x, 'a').logSoftmax(-1),
  cross_entropy: (x) => F.crossEntropy(I(x, 'x'), I(x, 't')),
  nll_loss: (x) => F.nllLoss(I(x, 'x').logSoftmax(1), I(x, 't')),
  mse_loss: (x) => F.mseLoss(I(x, 'a'), I(x, 'b')),
  conv2d_pad1: (x) => F.conv2d(I(x, 'x'), I(x, 'w'), I(x, 'b'), { stride: 1, padding: 1 }),
  conv2d_stride2: (x) => F.conv2d(I(x, 'x'), I(x, 'w'), null, { stride: 2, padding: 0 }),
  conv2d_5x5: (x) => F.conv2d(I(x, 'x'), I(x, 'w'), I(x, 'b')),
  max_pool2d: (x) => F.maxPool2d(I(x, 'x'), 2),
  max_pool2d_stride1: (x) => F.maxPool2d(I(x, 'x'), 3, 1),
  mlp_ce: (x) => F.crossEntropy(F.linear(F.relu(F.linear(I(x, 'x'), I(x, 'w1'), I(x, 'b1'))), I(x, 'w2'), I(x, 'b2')), I(x, 't')),
};

/** Looser tolerances for long float32 accumulations (matmul / conv / MLP sum many products). */
function tolerance(name: string): { atol: number; rtol: number } {
  if (/^(matmul|linear|conv2d|mlp)/.test(name)) return { atol: 1e-4, rtol: 1e-4 };
  return { atol: 1e-5, rtol: 1e-4 };
}

function toTensor(a: Arr, requiresGrad: boolean): Tensor {
  const dtype = a.dtype as DType;
  const flat = dtype === 'float32' ? Float32Array.from(a.values) : Int32Array.from(a.values);
  const t = tensor(flat, { dtype }).reshape(a.shape).clone();
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

describe(`torch reference cases (PyTorch ${fixture.torch})`, () => {
  const names = Object.keys(fixture.cases);

  it('the fixture has cases, and every case has a wasmgrad mapping', () => {
    expect(names.length).toBeGreaterThan(0);
    const unmapped = names.filter((n) => !(n in mapping));
    expect(unmapped, 'fixture cases without a mapping').toEqual([]);
    const stale = Object.keys(mapping).filter((n) => !(n in fixture.cases));
    expect(stale, 'mappings without a fixture case').toEqual([]);
  });

  for (const name of names) {
    const c = fixture.cases[name]!;
    it(`${name}: ${c.expr}`, () => {
      const fn = mapping[name];
      if (fn === undefined) throw new Error(`no wasmgrad mapping for fixture case ${name} (${c.expr})`);
      const tol = tolerance(name);
      const wantGrads = c.grads ?? {};
      const inputs: In = {};
      for (const [k, a] of Object.entries(c.inputs)) inputs[k] = toTensor(a, k in wantGrads);

      const out = fn(inputs);
      expect(out.shape, `${name}: output shape`).toEqual(c.output.shape);
      expect(out.dtype, `${name}: output dtype`).toBe(c.output.dtype);
      expectClose(out, c.output.values, { ...tol, what: `${name}: output` });

      const gradNames = Object.keys(wantGrads);
      if (gradNames.length === 0) return;
      if (c.cotangent === undefined) throw new Error(`${name}: grads without a cotangent`);
      const cot = toTensor(c.cotangent, false);
      const got = grad(out, gradNames.map((k) => inputs[k]!), { gradOutputs: cot });
      gradNames.forEach((k, i) => {
        const want = wantGrads[k]!;
        const g = got[i];
        expect(g, `${name}: gradient of ${k}`).toBeTruthy();
        expect(g!.shape, `${name}: gradient shape of ${k}`).toEqual(want.shape);
        expectClose(g!, want.values, { ...tol, what: `${name}: gradient of ${k}` });
      });

      // backward(cotangent) into .grad must agree with grad()
      const again = fn(inputs);
      again.backward(cot);
      gradNames.forEach((k) => {
        const leaf = inputs[k]!;
        expect(leaf.grad, `${name}: .grad of ${k} after backward`).not.toBeNull();
        expectClose(leaf.grad!, wantGrads[k]!.values, { ...tol, what: `${name}: .grad of ${k} after backward()` });
      });
    });
  }
});
