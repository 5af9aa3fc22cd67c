/**
 * Ops and options that must do what PyTorch does: div's rounding modes, floorDivide, remainder, fmod,
 * floor/ceil/trunc/round (with decimals)/frac, clamp with tensor bounds, max/min's forms (elementwise,
 * values + indices that destructure), sum/mean/softmax dtype=. Values and gradients against
 * test/fixtures/faithful-ops/cases.json (made by gen.py with PyTorch), and the errors PyTorch raises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ceil, clamp, div, floor, floorDivide, fmod, frac, max, mean, min, remainder, round, softmax, sum, tensor, trunc,
  type Tensor,
} from '../src/index.js';
import { expectTorchCase, type TorchCase } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/faithful-ops/cases.json', import.meta.url), 'utf8')) as { cases: Record<string, TorchCase> };


/** The wasmgrad twin of each case, over the case's inputs in order. */
const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
  div_floor: (a, b) => div(a!, b!, { roundingMode: 'floor' }),
  div_trunc: (a, b) => div(a!, b!, { roundingMode: 'trunc' }),
  div_floor_int: (a, b) => div(a!, b!, { roundingMode: 'floor' }),
  div_trunc_int: (a, b) => a!.div(b!, { roundingMode: 'trunc' }),
  floor_divide: (a, b) => floorDivide(a!, b!),
  remainder: (a, b) => remainder(a!, b!),
  remainder_int: (a, b) => a!.remainder(b!),
  fmod: (a, b) => fmod(a!, b!),
  remainder_scalar: (a) => remainder(a!, 1.5),
  floor: (a) => floor(a!),
  ceil: (a) => ceil(a!),
  trunc: (a) => trunc(a!),
  round: (a) => round(a!),
  round_decimals_2: (a) => round(a!, 2),
  'round_decimals_-1': (a) => a!.round({ decimals: -1 }),
  frac: (a) => frac(a!),
  clamp_tensor_both: (x, lo, hi) => clamp(x!, lo, hi),
  clamp_tensor_min: (x, lo) => clamp(x!, { min: lo }),
  clamp_tensor_max_broadcast: (x, hi) => x!.clamp(null, hi),
  clamp_int: (x) => clamp(x!, -1, 2),
  max_binary: (a, b) => max(a!, b!),
  min_binary: (a, b) => a!.min(b!),
  sum_dtype_float_of_int: (a) => sum(a!, { dtype: 'float32' }),
  sum_dtype_int_of_float: (a) => sum(a!, 0, { dtype: 'int32' }),
  mean_dtype_of_int: (a) => mean(a!, 1, true, { dtype: 'float32' }),
  softmax_dtype_of_int: (a) => softmax(a!, 0, 'float32'),
};


describe('ops against PyTorch', () => {
  it('every fixture case has a twin', () => expect(Object.keys(ops).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => expectTorchCase(name, c, ops[name]!));
  }
});

describe('forms and errors as PyTorch', () => {
  it('max(dim) / min(dim) destructure as [values, indices] and keep the named fields', () => {
    const x = tensor([[1, 5, 2], [7, 0, 3]]);
    const [v, i] = x.max(1);
    expect(v.tolist()).toEqual([5, 7]);
    expect(i.tolist()).toEqual([1, 0]);
    const r = min(x, 0, { keepdim: true });
    expect(r.values.tolist()).toEqual([[1, 0, 2]]);
    expect(r.indices.dtype).toBe('int32');
    expect(() => x.max(1, { keepdims: true } as never)).toThrow(/did you mean 'keepdim'/);
  });
  it('floorDivide has no derivative (PyTorch raises at backward); div rounding modes give zeros', () => {
    const a = tensor([5, -7], { requiresGrad: true });
    expect(() => floorDivide(a, 2).sum().backward()).toThrow(/floorDivide.*not implemented/);
  });
  it('bad options and arguments throw naming the op before computing', () => {
    const a = tensor([1, 2]);
    expect(() => div(a, 2, { rounding_mode: 'floor' } as never)).toThrow(/div: unknown option 'rounding_mode' \(PyTorch's rounding_mode is roundingMode here\)/);
    expect(() => div(a, 2, { roundingMode: 'round' as never })).toThrow(/roundingMode must be/);
    expect(() => clamp(a, -1, tensor([1, 1]))).toThrow(/both be numbers or both be Tensors/);
    expect(() => clamp(a, { mn: 0 } as never)).toThrow(/unknown option 'mn'/);
    expect(() => sum(a, 0, { dtyp: 'float32' } as never)).toThrow(/did you mean 'dtype'/);
    expect(() => round(a, 0.5)).toThrow(/decimals must be an integer/);
    expect(() => softmax(tensor([1, 2], { dtype: 'int32' }), 0)).toThrow(/softmax: expects a float32 tensor/);
    expect(() => tensor([1, 2], { dtype: 'int32' }).pow(-1)).toThrow(/negative integer powers/);
  });
});
