/**
 * dropout_f32 (assembly/random.ts, src/backends/js/random.ts): the dropout mask drawn by a kernel that
 * continues the default generator's xoshiro128** stream. The wasm kernel against the reference (masks,
 * outputs and advanced state bit for bit), both against Generator.nextUniform, and F.dropout's paths (the
 * kernel writing the output; the mask alone for x.mul, in place or non-contiguous) against each other and
 * against values pinned from the generator's stream (the same on both backends).
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { defaultWasmUrl, instantiateKernelsSync, readWasmFileSync } from '../src/backends/wasm/loader.js';
import { defaultGenerator, Generator } from '../src/tensor/random.js';
import { F, manualSeed, noGrad, rand, randn, tensor, type Tensor } from '../src/index.js';
import { mulberry32, put, randArray, readF, readI } from './helpers.js';

const wasm = instantiateKernelsSync(readWasmFileSync(defaultWasmUrl));
const SIZES = [1, 3, 17, 129, 1000];
const PS = [1e-7, 0.3, 0.5, 0.999];
const GUARD = 4;

const bits = (a: Float32Array): number[] => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

/** Runs dropout_f32 of kernel table `k` from generator state `state`; returns mask, out (with guards) and the state after. */
function runKernel(k: Kernels, x: Float32Array | null, state: Uint32Array, p: number): { mask: Float32Array; out: Float32Array; state: number[] } {
  const n = x?.length ?? 37;
  const init = new Float32Array(n + GUARD).fill(-7);
  const xp = x === null ? 0 : put(x);
  const mp = put(init), op = put(init), sp = put(new Int32Array(state.buffer.slice(0)));
  k.dropout_f32(xp, x === null ? 0 : op, mp, n, Math.ceil(p * 2 ** 24), 1 / (1 - p), sp);
  const res = { mask: readF(mp, n + GUARD), out: readF(op, n + GUARD), state: Array.from(readI(sp, 4), (v) => v >>> 0) };
  for (const ptr of [mp, op]) heap.free(ptr, (n + GUARD) * 4);
  heap.free(sp, 16);
  if (xp !== 0) heap.free(xp, n * 4);
  return res;
}

describe('dropout_f32 kernel', () => {
  it('wasm = js reference: masks, outputs (NaN, ±Inf, ±0 in x) and the advanced state, bit for bit', () => {
    const rng = mulberry32(31);
    for (const n of SIZES) {
      for (const p of PS) {
        const x = randArray(rng, n, -3, 3);
        [NaN, Infinity, -Infinity, -0, 0].forEach((v, i) => { if (i * 7 < n) x[i * 7] = v; });
        const state = new Generator(n * 13 + Math.round(p * 1000)).getState();
        const w = runKernel(wasm, x, state, p), j = runKernel(jsKernels, x, state, p);
        const what = `n=${n} p=${p}`;
        expect(bits(w.mask), what).toEqual(bits(j.mask));
        expect(bits(w.out), what).toEqual(bits(j.out));
        expect(w.state, what).toEqual(j.state);
        // the guards past n stay
        expect(Array.from(w.mask.subarray(n)), what).toEqual(new Array(GUARD).fill(-7));
        expect(Array.from(w.out.subarray(n)), what).toEqual(new Array(GUARD).fill(-7));
        // out = x * mask, rounded as an f32 product
        for (let i = 0; i < n; i++) expect(Object.is(w.out[i], Math.fround(x[i]! * w.mask[i]!)), `${what} [${i}]`).toBe(true);
      }
    }
  });

  it('with x = 0 writes only the mask', () => {
    const state = new Generator(3).getState();
    for (const k of [wasm, jsKernels]) {
      const r = runKernel(k, null, state, 0.4);
      expect(Array.from(r.out)).toEqual(new Array(37 + GUARD).fill(-7));
      expect(r.mask.subarray(0, 37).every((v) => v === 0 || v === Math.fround(1 / 0.6))).toBe(true);
    }
  });

  it('draws what nextUniform draws: element i dropped iff the i-th uniform < p, state as after n draws', () => {
    for (const k of [wasm, jsKernels]) {
      for (const n of SIZES) {
        for (const p of [...PS, 0.25, 1 - 2 ** -24, 2 ** -24, 0.5 + 2 ** -25]) {
          const g = new Generator(1000 + n);
          const r = runKernel(k, new Float32Array(n).fill(1), g.getState(), p);
          const scale = Math.fround(1 / (1 - p));
          const want = Array.from({ length: n }, () => (g.nextUniform() < p ? 0 : scale));
          expect(Array.from(r.mask.subarray(0, n)), `n=${n} p=${p}`).toEqual(want);
          expect(r.state, `n=${n} p=${p}`).toEqual(Array.from(g.getState()));
        }
      }
    }
  });
});

const vals = (t: Tensor): number[] => Array.from(t.toArray());

describe('F.dropout through the kernel', () => {
  it('gives the pinned mask and leaves the generator where the stream continues (both backends)', () => {
    manualSeed(123);
    const x = randn(7, 143);
    const y = F.dropout(x, 0.3);
    const zeros = vals(y).flatMap((v, i) => (v === 0 ? [i] : []));
    let h = 0;
    for (const z of zeros) h = (Math.imul(h, 31) + z) | 0;
    expect(zeros.length).toBe(300);
    expect(zeros.slice(0, 12)).toEqual([4, 6, 8, 14, 17, 31, 33, 34, 39, 42, 43, 44]);
    expect(h).toBe(1621222232);
    expect(vals(rand(3))).toEqual([0.05916440486907959, 0.5856397151947021, 0.9780783653259277]);
    expect(vals(F.dropout(randn(17), 0.9)).map((v) => (v === 0 ? 0 : 1)).join('')).toBe('01000000000000001');
    expect(vals(F.dropout(randn(129), 1e-3)).filter((v) => v === 0)).toEqual([]);
    expect(vals(rand(2))).toEqual([0.1913977861404419, 0.23142027854919434]);
  });

  it('a spare normal survives a dropout (the kernel moves only the uniform state)', () => {
    manualSeed(4);
    defaultGenerator.nextNormal();
    const g = new Generator(0);
    g.setState(defaultGenerator.getState());
    const spare = (defaultGenerator as unknown as { spareNormal: number | null }).spareNormal;
    expect(spare).not.toBeNull();
    F.dropout(tensor([1, 2, 3]), 0.5);
    expect((defaultGenerator as unknown as { spareNormal: number | null }).spareNormal).toBe(spare);
    for (let i = 0; i < 3; i++) g.nextUniform();
    expect(Array.from(defaultGenerator.getState())).toEqual(Array.from(g.getState()));
  });

  it('the output path, the mask-only paths (in place, non-contiguous) and x.mul(mask) agree, values and gradients', () => {
    for (const shape of [[1], [3], [17], [129], [9, 31]]) {
      const p = 0.35;
      manualSeed(77);
      const base = randn(...shape);
      base.toArray()[0]; // materialised
      const x = base.clone().detach().requiresGrad_();
      // the kernel writing the output
      manualSeed(5);
      const y = F.dropout(x, p);
      expect(y.gradFn?.name).toBe('MulBackward0');
      y.mul(tensor(2)).sum().backward();
      // the reference: the mask from nextUniform, then x.mul
      const g = new Generator(0);
      manualSeed(5);
      g.setState(defaultGenerator.getState());
      const scale = Math.fround(1 / (1 - p));
      const mask = Float32Array.from({ length: base.numel() }, () => (g.nextUniform() < p ? 0 : scale));
      const want = base.mul(tensor(mask).reshape(shape));
      expect(vals(y)).toEqual(vals(want));
      expect(vals(x.grad!)).toEqual(Array.from(mask, (m) => Math.fround(2 * m)));
      // in place on a non-leaf (the mask alone, then mul in place)
      manualSeed(5);
      const xi = base.clone().detach().requiresGrad_();
      const hi = xi.mul(1);
      const yi = F.dropout(hi, p, true, true);
      expect(yi).toBe(hi);
      yi.mul(tensor(2)).sum().backward();
      expect(vals(yi)).toEqual(vals(want));
      expect(vals(xi.grad!)).toEqual(vals(x.grad!));
      // the same values through a transposed view: the mask follows the logical order
      if (shape.length === 2) {
        manualSeed(5);
        const t = base.t().contiguous().t(); // same values, column-major
        expect(t.isContiguous()).toBe(false);
        expect(vals(F.dropout(t, p))).toEqual(vals(want));
      }
      // no gradient wanted: the output only, no node
      manualSeed(5);
      const yn = noGrad(() => F.dropout(base, p));
      expect(yn.gradFn).toBeNull();
      expect(vals(yn)).toEqual(vals(want));
    }
  });

  it('NaN and ±Inf: dropped elements are x * 0 (NaN), as x.mul(mask)', () => {
    manualSeed(8);
    const x = tensor(Array.from({ length: 64 }, (_, i) => [NaN, Infinity, -Infinity, -0, 1.5][i % 5]!));
    const y = vals(F.dropout(x, 0.5));
    const xs = vals(x);
    let dropped = 0;
    for (let i = 0; i < 64; i++) {
      const v = xs[i]!;
      if (Number.isNaN(v)) expect(Number.isNaN(y[i]!)).toBe(true);
      else if (!Number.isFinite(v)) {
        // ±Inf * 0 = NaN, ±Inf * 2 = ±Inf
        expect(Number.isNaN(y[i]!) || y[i] === v).toBe(true);
        if (Number.isNaN(y[i]!)) dropped++;
      } else if (v === 1.5) expect(y[i] === 0 || y[i] === 3).toBe(true);
      else expect(Object.is(y[i], -0)).toBe(true); // -0 * 0 and -0 * 2 are both -0
    }
    expect(dropped).toBeGreaterThan(0);
    // p = 1: every element times 0
    const z = vals(F.dropout(x, 1));
    expect(z.map((v, i) => Object.is(v, Math.fround(xs[i]! * 0)) || (Number.isNaN(v) && Number.isNaN(xs[i]! * 0)))).toEqual(new Array(64).fill(true));
  });
});
