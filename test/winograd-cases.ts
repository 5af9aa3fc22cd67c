/**
 * The conv2d-level cases both Winograd variants must pass (test/winograd.test.ts runs them for F(2x2, 3x3),
 * test/winograd4.test.ts for F(4x4, 3x3)): values and the three gradients close to the direct path, a
 * non-contiguous input, NaN/Inf/huge operands falling back with the direct path's bits, gradcheck, and the
 * 2-thread split (forward and input gradient bit-identical, weight gradient close and deterministic).
 */
import { describe, expect, it } from 'vitest';
import { init, tensor, Tensor } from '../src/index.js';
import { conv2d, setWinograd, setWinogradVariant } from '../src/ops/conv.js';
import * as threads from '../src/backends/wasm/threads.js';
import { setSplitThresholds } from '../src/backends/wasm/split.js';
import { checkOp, mulberry32, nonContiguous, randArray } from './helpers.js';
import { bits } from './winograd-reference.js';


export interface WinogradCases {
  variant: 2 | 4;
  /** Largest |Winograd - direct| allowed, relative to the largest |direct| of the tensor compared. */
  tolerance: number;
  /** Seeds the inputs (each variant its own). */
  seed: number;
  /** Finite values that must take the direct path (too large for the variant's transforms). */
  huge: readonly number[];
  /** The input shape of the gradcheck (16 channels, weight [16, 16, 3, 3], bias [16]) and its step. */
  gradcheck: { input: readonly number[]; eps?: number };
}

/** Runs `fn` with the Winograd path on or off and the variant forced, restoring both afterwards. */
function withWinograd<T>(on: boolean, variant: 2 | 4, fn: () => T): T {
  const wasOn = setWinograd(on), was = setWinogradVariant(variant);
  try {
    return fn();
  } finally {
    setWinograd(wasOn);
    setWinogradVariant(was);
  }
}

/** The describe blocks of the conv2d-level cases for one variant. */
export function winogradConvCases(c: WinogradCases): void {
  const { variant, tolerance, seed } = c;
  const name = `F(${variant}x${variant}, 3x3)`;

  describe(`conv2d through ${name} against the direct path`, () => {
    /** y and the gradients of x, w, b of sum(y * r), with Winograd on or off. */
    function run(on: boolean, x: Tensor, w: Tensor, b: Tensor | null, padding: number): Float32Array[] {
      return withWinograd(on, variant, () => {
        const xs = x.detach().requiresGrad_(), ws = w.detach().requiresGrad_(), bs = b ? b.detach().requiresGrad_() : null;
        const y = conv2d(xs, ws, bs, { padding });
        const r = tensor(new Float32Array(y.numel()).map((_, i) => Math.sin(i * 0.7))).reshape(...y.shape);
        y.mul(r).sum().backward();
        return [y.toArray() as Float32Array, xs.grad!.toArray() as Float32Array, ws.grad!.toArray() as Float32Array,
          ...(bs ? [bs.grad!.toArray() as Float32Array] : [])];
      });
    }
    const close = (a: Float32Array, b: Float32Array, what: string) => {
      let m = 0;
      for (const v of b) m = Math.max(m, Math.abs(v));
      for (let i = 0; i < a.length; i++) {
        if (!(Math.abs(a[i]! - b[i]!) <= tolerance * m)) throw new Error(`${what}: element ${i}: ${a[i]} vs direct ${b[i]} (max ${m})`);
      }
    };

    // at least 16 channels in and out (the Winograd path's threshold)
    for (const [n, ch, h, wd, o, p, bias] of [[3, 16, 17, 13, 17, 1, true], [1, 17, 8, 8, 16, 0, false], [2, 16, 5, 4, 16, 2, true],
      [2, 16, 1, 1, 18, 1, true], [1, 18, 7, 6, 16, 3, false]] as const) {
      it(`[${n}, ${ch}, ${h}, ${wd}] -> ${o} channels, padding ${p}${bias ? ', bias' : ''}: values and the three gradients`, () => {
        const rnd = mulberry32(seed + n + ch + h);
        const x = tensor(randArray(rnd, n * ch * h * wd)).reshape(n, ch, h, wd);
        const w = tensor(randArray(rnd, o * ch * 9)).reshape(o, ch, 3, 3);
        const b = bias ? tensor(randArray(rnd, o)) : null;
        const on = run(true, x, w, b, p), off = run(false, x, w, b, p);
        ['y', 'dx', 'dw', 'db'].slice(0, on.length).forEach((what, i) => close(on[i]!, off[i]!, what));
        // the two paths do differ (so the comparison tests something): Winograd rounds differently
        expect(bits(on[0]!)).not.toEqual(bits(off[0]!));
      });
    }

    it('a non-contiguous input gives the contiguous input\'s result', () => {
      const x = nonContiguous([2, 16, 6, 5], 'transpose');
      const w = tensor(randArray(mulberry32(seed + 1), 16 * 16 * 9)).reshape(16, 16, 3, 3);
      const [a, b] = withWinograd(true, variant, () => [x, x.contiguous()].map((xi) => conv2d(xi, w, null, { padding: 1 }).toArray()));
      expect(bits(a as Float32Array)).toEqual(bits(b as Float32Array));
    });

    it('NaN, Inf and huge values in an operand send the results computed from it down the direct path (same bits)', () => {
      const rnd = mulberry32(seed + 2);
      const base = randArray(rnd, 2 * 16 * 6 * 6);
      const w = tensor(randArray(rnd, 16 * 16 * 9, 0.1, 1)).reshape(16, 16, 3, 3);
      // y, then dx and dw of sum(y * r) with r holding the bad value too (the input gradient's operand)
      const both = (x: Tensor, wt = w, bad = 0) => [true, false].map((on) => withWinograd(on, variant, () => {
        const xs = x.detach().requiresGrad_(), ws = wt.detach().requiresGrad_();
        const y = conv2d(xs, ws, null, { padding: 1 });
        const r = new Float32Array(y.numel()).fill(0.5);
        r[3] = bad;
        y.mul(tensor(r).reshape(...y.shape)).sum().backward();
        return [y, xs.grad!, ws.grad!].map((t) => t.toArray() as Float32Array);
      }));
      // y comes from (x, w), dx from (gy, w), dw from (gy, x): those with the bad operand must match the direct path
      const same = ([a, b]: Float32Array[][], which: number[]) => which.forEach((i) => expect(bits(a![i]!)).toEqual(bits(b![i]!)));
      const withAt = (v: number, at: number) => {
        const a = base.slice();
        a[at] = v;
        return tensor(a).reshape(2, 16, 6, 6);
      };
      for (const at of [0, 7, 100, 2 * 16 * 36 - 1]) {
        for (const v of [NaN, Infinity, -Infinity, ...c.huge]) same(both(withAt(v, at)), [0, 2]);
      }
      for (const v of [NaN, Infinity]) {
        const wBad = w.toArray() as Float32Array;
        wBad[5] = v;
        same(both(tensor(base).reshape(2, 16, 6, 6), tensor(wBad).reshape(16, 16, 3, 3)), [0, 1]);
        same(both(tensor(base).reshape(2, 16, 6, 6), w, v), [1, 2]); // in the output gradient
      }
      // and the finite case does take the Winograd path (its rounding differs)
      const [on, off] = both(tensor(base).reshape(2, 16, 6, 6));
      for (let i = 0; i < 3; i++) expect(bits(on[i]!)).not.toEqual(bits(off[i]!));
    });

    it(`gradcheck through conv2d at a small size (16 channels, ${name})`, () => {
      // conv2d is linear in each operand, so central differences are exact for any step: a large one keeps
      // the Winograd path's float32 rounding out of the numeric derivative
      withWinograd(true, variant, () => checkOp(`conv2d winograd ${variant}`, (x, w, b) => conv2d(x!, w!, b!, { padding: 1 }),
        [c.gradcheck.input, [16, 16, 3, 3], [16]], c.gradcheck.eps !== undefined ? { eps: c.gradcheck.eps } : {}));
    });
  });

  const threaded = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';
  describe.runIf(threaded)(`${name} on 2 threads`, () => {
    it('conv2d forward and input gradient split over tile rows, bit-identical to one thread; the weight gradient close', async () => {
      await init({ threads: 2 });
      const forward = variant === 4 ? 'conv2d_winograd4_f32' : 'conv2d_winograd_f32';
      const weight = variant === 4 ? 'conv2d_winograd4_weight_f32' : 'conv2d_winograd_weight_f32';
      const rnd = mulberry32(seed + 3);
      const x = tensor(randArray(rnd, 3 * 16 * 9 * 11)).reshape(3, 16, 9, 11).requiresGrad_();
      const w = tensor(randArray(rnd, 16 * 16 * 9)).reshape(16, 16, 3, 3).requiresGrad_();
      const runOnce = () => withWinograd(true, variant, () => {
        x.grad = null;
        w.grad = null;
        const y = conv2d(x, w, null, { padding: 1 });
        y.mul(tensor(new Float32Array(y.numel()).map((_, i) => Math.cos(i))).reshape(...y.shape)).sum().backward();
        return [y.toArray() as Float32Array, x.grad!.toArray() as Float32Array, w.grad!.toArray() as Float32Array];
      });
      const none = { elements: Infinity, convMacs: Infinity, gemmMacs: Infinity, gemmMacsSpinning: Infinity, elementsSpinning: Infinity };
      const old = setSplitThresholds(none);
      try {
        const one = runOnce();
        setSplitThresholds({ ...old, convMacs: 1 });
        const before = threads.parallelCalls.get(forward) ?? 0;
        const beforeW = threads.parallelCalls.get(weight) ?? 0;
        const two = runOnce();
        expect(threads.parallelCalls.get(forward) ?? 0).toBeGreaterThan(before);
        expect(threads.parallelCalls.get(weight) ?? 0).toBeGreaterThan(beforeW);
        expect(bits(two[0]!)).toEqual(bits(one[0]!));
        expect(bits(two[1]!)).toEqual(bits(one[1]!));
        // weight gradient: per-thread partials added in thread order (float32 rounding of a reordered sum),
        // the same bits run after run
        for (let i = 0; i < one[2]!.length; i++) expect(Math.abs(two[2]![i]! - one[2]![i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(one[2]![i]!)));
        expect(bits(runOnce()[2]!)).toEqual(bits(two[2]!));
      } finally {
        setSplitThresholds(old);
      }
    });
  });
}
