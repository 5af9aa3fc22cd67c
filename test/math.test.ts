/**
 * The math ops of src/ops/math.ts: values and gradients against PyTorch (test/fixtures/math/cases.json,
 * made by gen.py), gradcheck at odd sizes and on non-contiguous inputs, second derivatives, dtype rules,
 * in-place forms, errors, and the math_f32 kernel of the WebAssembly build against the js reference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as W from '../src/index.js';
import { grad, tensor, type Tensor } from '../src/index.js';
import { jsKernels } from '../src/backends/js/index.js';
import { MATH_OP } from '../src/backends/js/math.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { checkGradGrad, checkOp, mulberry32, nd, put, randArray, readF, type NDArray } from './helpers.js';

interface Arr { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: (number | string | boolean)[]; requiresGrad?: boolean }
interface Case { inputs: Record<string, Arr>; output: Arr; grads?: Record<string, (number | string)[] | null> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/math/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

const num = (v: number | string | boolean): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? Number(v) : Number(v);

type Op = (x: Tensor) => Tensor;
const UNARY: Record<string, Op> = {
  log1p: W.log1p, expm1: W.expm1, log2: W.log2, log10: W.log10, exp2: W.exp2, sin: W.sin, cos: W.cos, tan: W.tan,
  asin: W.asin, acos: W.acos, atan: W.atan, sinh: W.sinh, cosh: W.cosh, asinh: W.asinh, acosh: W.acosh, atanh: W.atanh,
  erfc: W.erfc, erfinv: W.erfinv, reciprocal: W.reciprocal, rsqrt: W.rsqrt, square: W.square, lgamma: W.lgamma,
  digamma: W.digamma, sign: W.sign, sgn: W.sgn, signbit: W.signbit,
};

/** The wasmgrad twin of each fixture case (methods and free functions alternate). */
function twin(name: string): Op {
  const special: Record<string, Op> = {
    logit: (x) => W.logit(x),
    logit_eps: (x) => x.logit(0.1),
    logit_special: (x) => x.logit(),
    logit_grad_outside: (x) => W.logit(x, null),
    logit_int: (x) => W.logit(x),
    nan_to_num: (x) => W.nanToNum(x),
    nan_to_num_args: (x) => x.nanToNum(1, 2, -3),
    nan_to_num_posinf_only: (x) => W.nanToNum(x, { posinf: 1e39 }),
    nan_to_num_int: (x) => x.nanToNum({ nan: 1.5 }),
  };
  if (special[name]) return special[name]!;
  const base = name.replace(/_(special|int|bool)$/, '');
  const f = UNARY[base];
  if (!f) throw new Error(`no twin for ${name}`);
  return name.endsWith('_special') ? (x) => (x as unknown as Record<string, () => Tensor>)[base]!() : f;
}

function expectValues(got: Tensor, want: Arr, what: string, rtol: number): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  const g = Array.from(got.toArray());
  want.values.forEach((w, i) => {
    const e = num(w);
    const v = g[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(v), `${what}[${i}]: ${v} vs NaN`).toBe(true);
    else if (!Number.isFinite(e) || want.dtype !== 'float32') expect(v, `${what}[${i}]`).toBe(e);
    else {
      expect(Math.abs(v - e), `${what}[${i}]: ${v} vs PyTorch ${e}`).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-44);
      if (e === 0) expect(Object.is(v, -0), `${what}[${i}]: sign of zero`).toBe(Object.is(e, -0));
    }
  });
}

describe('math ops against PyTorch', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const a = c.inputs.x!;
      const t = tensor(a.values.map((v) => (typeof v === 'boolean' ? v : num(v))) as number[], { dtype: a.dtype }).reshape(a.shape);
      const x = a.requiresGrad ? t.requiresGrad_() : t;
      const y = twin(name)(x);
      expectValues(y, c.output, name, 4e-6);
      if (c.grads) {
        const r = tensor(Array.from({ length: y.numel() }, (_, i) => Math.fround(1 + Math.fround(0.1 * i)))).reshape(y.shape);
        const [gx] = grad(y.mul(r).sum(), [x]);
        expectValues(gx!, { shape: a.shape, dtype: 'float32', values: c.grads.x! }, `${name} grad`, 2e-5);
      }
    });
  }
});

describe('gradients (gradcheck, odd sizes, non-contiguous)', () => {
  const cases: [string, Op, [number, number]][] = [
    ['log1p', W.log1p, [-0.5, 2]], ['expm1', W.expm1, [-2, 2]], ['log2', W.log2, [0.5, 3]], ['log10', W.log10, [0.5, 3]],
    ['exp2', W.exp2, [-2, 2]], ['sin', W.sin, [-3, 3]], ['cos', W.cos, [-3, 3]], ['tan', W.tan, [-1, 1]],
    ['asin', W.asin, [-0.8, 0.8]], ['acos', W.acos, [-0.8, 0.8]], ['atan', W.atan, [-3, 3]], ['sinh', W.sinh, [-2, 2]],
    ['cosh', W.cosh, [-2, 2]], ['asinh', W.asinh, [-3, 3]], ['acosh', W.acosh, [1.3, 4]], ['atanh', W.atanh, [-0.8, 0.8]],
    ['erfc', W.erfc, [-2, 2]], ['erfinv', W.erfinv, [-0.8, 0.8]], ['reciprocal', W.reciprocal, [0.5, 2]],
    ['rsqrt', W.rsqrt, [0.5, 3]], ['square', W.square, [-2, 2]], ['lgamma', W.lgamma, [0.3, 5]],
    ['digamma', W.digamma, [0.5, 5]], ['logit', (x) => W.logit(x), [0.1, 0.9]], ['logit eps', (x) => W.logit(x, 0.05), [0.1, 0.9]],
    ['nanToNum', (x) => W.nanToNum(x), [-2, 2]],
  ];
  for (const [name, f, range] of cases) {
    it(name, () => {
      checkOp(name, f, [[3, 5]], { range, eps: 1e-3, atol: 2e-3, rtol: 2e-2 });
      checkOp(`${name} non-contiguous`, f, [[5, 3]], { range, nonContiguous: true, eps: 1e-3, atol: 2e-3, rtol: 2e-2 });
    });
  }
  for (const [name, f, range] of cases.filter(([n]) => !['digamma', 'nanToNum', 'square'].includes(n))) {
    it(`${name} second order`, () => checkGradGrad(name, f, [[7]], { range, atol: 5e-3, rtol: 5e-2 }));
  }
  it('forward against float64 references', () => {
    const ref = (f: (v: number) => number) => (x: NDArray): NDArray => nd(x.shape, Float64Array.from(x.data, f));
    checkOp('sin ref', W.sin, [[17]], { range: [-10, 10], ref: ref(Math.sin), noGradcheck: true });
    checkOp('log1p ref', W.log1p, [[129]], { range: [-0.9, 10], ref: ref(Math.log1p), noGradcheck: true });
    checkOp('rsqrt ref', W.rsqrt, [[3]], { range: [0.1, 10], ref: ref((v) => 1 / Math.sqrt(v)), noGradcheck: true });
  });
  it('sign, sgn and nanToNum pass zero where PyTorch does; signbit is not differentiable', () => {
    const x = tensor([-1, 0, 2, NaN, Infinity], { requiresGrad: true });
    expect(W.sign(x).gradFn?.name).toBe('SignBackward0');
    expect(grad(W.sign(x).sum(), [x])[0]!.tolist()).toEqual([0, 0, 0, 0, 0]);
    expect(grad(x.sgn().sum(), [x])[0]!.tolist()).toEqual([0, 0, 0, 0, 0]);
    expect(grad(x.nanToNum().sum(), [x])[0]!.tolist()).toEqual([1, 1, 1, 0, 0]);
    expect(W.signbit(x).requiresGrad).toBe(false);
    expect(W.square(x).gradFn?.name).toBe('PowBackward0');
  });
  it("digamma's second derivative throws a clear error", () => {
    const x = tensor([1.5, 2], { requiresGrad: true });
    const [g] = grad(W.digamma(x).sum(), [x], { createGraph: true });
    expect((g!.tolist() as number[])[0]).toBeCloseTo(0.9348022, 5);
    expect(() => grad(g!.sum(), [x])).toThrow(/digamma.*polygamma\(2, x\).*not implemented/);
  });
});

describe('dtypes, in-place forms and errors', () => {
  it('int and bool inputs: float32 results, except square/sign/sgn/nanToNum (kept) and signbit (bool)', () => {
    const i = tensor([-3, 0, 2]);
    expect(W.sin(i).dtype).toBe('float32');
    expect(W.square(i).dtype).toBe('int32');
    expect(W.square(tensor([true, false])).tolist()).toEqual([1, 0]);
    expect(W.sign(i).tolist()).toEqual([-1, 0, 1]);
    expect(W.sign(i).dtype).toBe('int32');
    expect(W.sgn(tensor([true, false])).dtype).toBe('bool');
    expect(W.signbit(i).tolist()).toEqual([true, false, false]);
    expect(W.nanToNum(i).dtype).toBe('int32');
  });
  it('in-place forms write into the tensor and keep autograd history', () => {
    const x = tensor([0.5, 1, 2]);
    const r = x.sin_();
    expect(r).toBe(x);
    expect(Array.from(x.toArray())).toEqual(Array.from(tensor([0.5, 1, 2]).sin().toArray()));
    const w = tensor([0.2, 0.4], { requiresGrad: true });
    const y = w.mul(1);
    y.log1p_().sum().backward();
    expect(w.grad!.toArray()[0]).toBeCloseTo(1 / 1.2, 6);
    const z = tensor([0.0, 0.5, 1.0]);
    z.logit_(0.25);
    expect(z.toArray()[0]).toBeCloseTo(Math.log(0.25 / 0.75), 6);
    const n = tensor([NaN, Infinity]);
    n.nanToNum_({ nan: 7, posinf: 8 });
    expect(n.tolist()).toEqual([7, 8]);
    const s = tensor([-2, 3]);
    s.sign_();
    expect(s.tolist()).toEqual([-1, 1]);
    expect(() => tensor([1, 2]).sin_()).toThrow(/sin_: result type float32 cannot be stored in a tensor of dtype int32/);
  });
  it('errors name the op, before computing', () => {
    expect(() => W.sin(3 as never)).toThrow(/sin: expected a Tensor, got number/);
    expect(() => W.logit(tensor([0.5]), { epsilon: 0.1 } as never)).toThrow(/logit: unknown option 'epsilon'/);
    expect(() => W.logit(tensor([0.5]), 0.1, { eps: 0.2 })).toThrow(/logit: eps is given both/);
    expect(() => W.logit(tensor([0.5]), 'a' as never)).toThrow(/logit: eps must be a number/);
    expect(() => W.nanToNum(tensor([1]), { pos_inf: 1 } as never)).toThrow(/nanToNum: unknown option 'pos_inf'/);
    expect(() => W.nanToNum(tensor([1]), 1, 2, 3, 4 as never)).toThrow(/at most 3 positional/);
    expect(() => W.nanToNum(tensor([1]), '0' as never)).toThrow(/nanToNum: nan must be a number/);
    expect(() => W.signbit(null as never)).toThrow(/signbit: expected a Tensor/);
  });
  it('signbit sees the sign bit of NaN; erfinv near 1 is the float64 value rounded', () => {
    const bits = new Float32Array(new Int32Array([0x7fc00000, 0xffc00000 | 0]).buffer);
    expect(W.signbit(tensor(bits)).tolist()).toEqual([false, true]);
    // PyTorch 1.13's float32 erfinv(0.99999988) is 3.7439468 (its Newton steps run in float); float64 gives 3.7439212
    expect(W.erfinv(tensor([0.9999999])).item()).toBe(Math.fround(3.743921162821959));
  });
  it('empty and 0-d tensors', () => {
    expect(W.cos(tensor([])).shape).toEqual([0]);
    expect(W.lgamma(tensor(0.5)).item()).toBeCloseTo(0.5723649, 6);
  });
});

describe('math_f32: the WebAssembly kernel against the js reference', () => {
  const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
  const rng = mulberry32(99);
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-40, -1e-40, 3.4e38, -3.4e38];
  const RANGES: Record<string, [number, number]> = {
    asin: [-1.2, 1.2], acos: [-1.2, 1.2], atanh: [-1.2, 1.2], erfinv: [-1.1, 1.1], acosh: [0.5, 20], log1p: [-1.5, 20],
    lgamma: [-10, 40], digamma: [-10, 40], trigamma: [-10, 40], erfc: [-12, 12], exp2: [-160, 140], expm1: [-110, 100],
  };
  for (const [name, op] of Object.entries(MATH_OP)) {
    it(name, () => {
      for (const n of [1, 3, 17, 129]) {
        const [lo, hi] = RANGES[name] ?? [-20, 20];
        const x = randArray(rng, n, lo, hi);
        for (let i = 0; i < n; i += 3) x[i] = SPECIAL[(i / 3 + n) % SPECIAL.length]!;
        const run = (k: typeof jsKernels): Float32Array => {
          const px = put(x), po = put(new Float32Array(n));
          k.math_f32(px, po, n, op);
          const r = readF(po, n);
          heap.free(px, Math.max(4, 4 * n));
          heap.free(po, Math.max(4, 4 * n));
          return r;
        };
        const a = run(wasm), b = run(jsKernels);
        for (let i = 0; i < n; i++) {
          const u = a[i]!, v = b[i]!;
          const ok = Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v)) || Math.abs(u - v) <= 2.5e-7 * Math.abs(v);
          if (!ok) expect(`${name} n=${n} x[${i}]=${x[i]}: wasm ${u} js ${v}`).toBe('equal');
        }
      }
    });
  }
});

describe('math_f32: the SIMD log1p, expm1, sin and cos give the f64 value rounded to f32, as the js reference', () => {
  // These four run in f64x2 lanes (range reduction + polynomials far more accurate than f32), so each
  // result should be bit-identical to the reference's f64 Math function rounded once, over wide ranges,
  // in the 4-lane body and in the 1-3 element tail, with special values and large arguments mixed in.
  const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
  const rng = mulberry32(7);
  const CASES: [string, number, [number, number][]][] = [
    ['log1p', MATH_OP.log1p!, [[-1, 3], [-1e-3, 1e-3], [-1e-7, 1e-7], [-1, -0.999], [3, 1e6]]],
    ['expm1', MATH_OP.expm1!, [[-100, 100], [-1, 1], [-1e-5, 1e-5], [80, 89]]],
    ['sin', MATH_OP.sin!, [[-10, 10], [-1e5, 1e5], [-2e6, 2e6], [-1e-3, 1e-3]]],
    ['cos', MATH_OP.cos!, [[-10, 10], [-1e5, 1e5], [-2e6, 2e6], [-1e-3, 1e-3]]],
  ];
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-40, -1e-40, 3.4e38, -3.4e38, 1048576, 1048577, -1.0000001];
  for (const [name, op, ranges] of CASES) {
    it(name, () => {
      for (const [lo, hi] of ranges) {
        for (const n of [1, 3, 4099]) {
          const x = randArray(rng, n, lo, hi);
          for (let i = 0; i < n; i += 5) x[i] = SPECIAL[(i / 5) % SPECIAL.length]!;
          const px = put(x), po = put(new Float32Array(n)), pr = put(new Float32Array(n));
          wasm.math_f32(px, po, n, op);
          jsKernels.math_f32(px, pr, n, op);
          const a = readF(po, n), b = readF(pr, n);
          for (const p of [px, po, pr]) heap.free(p, Math.max(4, 4 * n));
          for (let i = 0; i < n; i++) {
            if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
              expect(`${name}(${x[i]}) n=${n} i=${i}: wasm ${a[i]} js ${b[i]}`).toBe('bit-identical');
            }
          }
        }
      }
    });
  }
});

describe('signed zeros of tanh (PyTorch: tanh(-0) = -0), on both backends', () => {
  it('tanh keeps the sign of zero, in the SIMD body and the tail', () => {
    const x = tensor([-0, 0, -0, 0, -0], { dtype: 'float32' }); // 4 lanes + 1 tail element
    const y = Array.from(x.tanh().toArray() as Float32Array);
    expect(y.map((v) => Object.is(v, -0))).toEqual([true, false, true, false, true]);
  });
});
