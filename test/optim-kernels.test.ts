/**
 * The fused optimizer kernels of the WebAssembly backend against the plain-TypeScript reference backend,
 * called directly through kernelsOf('wasm') / kernelsOf('js') on the same inputs: sizes around the SIMD
 * width (1, 3, 17, 129), every flag combination, three successive steps so the state buffers are read
 * back. Needs build/wasmgrad.wasm (npm run asbuild).
 */
import { describe, expect, it } from 'vitest';
import { kernelsOf } from '../src/backends/index.js';
import type { Kernels } from '../src/backends/kernels.js';
import { heap } from '../src/backends/memory.js';
import { mulberry32, put, randArray, readF } from './helpers.js';

const wasm = kernelsOf('wasm');
const js = kernelsOf('js');
const SIZES = [1, 3, 17, 129];

const rng = mulberry32(777);

/**
 * Runs `steps` successive calls of `call` on fresh heap copies of `bufs` for each backend (the gradient
 * changes every step), and returns the final contents of every buffer, [wasm, js].
 */
function dual(bufs: Float32Array[], grads: Float32Array[], call: (k: Kernels, ptrs: number[], g: number, step: number) => void): [Float32Array[], Float32Array[]] {
  const run = (k: Kernels): Float32Array[] => {
    const ptrs = bufs.map((b) => put(b));
    const gp = heap.alloc(Math.max(16, grads[0]!.length * 4));
    grads.forEach((g, s) => {
      heap.f32.set(g, gp >>> 2);
      call(k, ptrs, gp, s);
    });
    const out = bufs.map((b, i) => readF(ptrs[i]!, b.length));
    ptrs.forEach((p, i) => heap.free(p, Math.max(16, bufs[i]!.length * 4)));
    heap.free(gp, Math.max(16, grads[0]!.length * 4));
    return out;
  };
  return [run(wasm), run(js)];
}

function expectNear(got: Float32Array, want: Float32Array, what: string, rtol = 2e-5, atol = 1e-6): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      expect.fail(`${what}[${i}]: wasm ${g}, js ${w} (diff ${Math.abs(g - w)})`);
    }
  }
}

function gradSeq(n: number): Float32Array[] {
  return [randArray(rng, n, -2, 2), randArray(rng, n, -2, 2), randArray(rng, n, -0.1, 0.1)];
}

describe('optimizer kernels: wasm vs js', () => {
  it('both backends export the fused kernels', () => {
    for (const k of [wasm, js]) {
      expect(typeof k.sgd_step_f32).toBe('function');
      expect(typeof k.adam_step_f32).toBe('function');
      expect(typeof k.rmsprop_step_f32).toBe('function');
    }
  });

  it('sgd_step_f32: the fast loops (plain SGD, momentum) give the bits of the general one', () => {
    // n = 13: elements 0-7 go through the plain loop (8 wide), 8-11 through the 4-wide general loop, 12
    // through the scalar one; with momentum 0-11 through its loop. Every element gets the same inputs, so
    // every output must have element 12's bits.
    const n = 13;
    for (const [momentum, dampening, maximize] of [[0, 0, 0], [0, 0, 1], [0.9, 0, 0], [0.9, 0.3, 1]] as const) {
      for (let trial = 0; trial < 50; trial++) {
        const [pv, gv, bv] = randArray(rng, 3, -3, 3);
        const p = heap.alloc(4 * n), g = heap.alloc(4 * n), b = heap.alloc(4 * n);
        heap.f32.fill(pv!, p >>> 2, (p >>> 2) + n);
        heap.f32.fill(gv!, g >>> 2, (g >>> 2) + n);
        heap.f32.fill(bv!, b >>> 2, (b >>> 2) + n);
        const lr = 0.001 + rng();
        wasm.sgd_step_f32(p, g, momentum ? b : 0, n, lr, momentum, dampening, 0, 0, 0, maximize);
        for (const [what, at] of [['p', p], ['buf', b]] as const) {
          const out = readF(at, n);
          expect(Array.from(out), `${what} m=${momentum} d=${dampening} max=${maximize}`).toEqual(new Array(n).fill(out[n - 1]));
        }
        for (const at of [p, g, b]) heap.free(at, 4 * n);
      }
    }
  });

  for (const n of SIZES) {
    it(`sgd_step_f32, n = ${n}`, () => {
      for (const momentum of [0, 0.9]) {
        for (const dampening of [0, 0.3]) {
          for (const nesterov of [0, 1]) {
            if (nesterov && dampening !== 0) continue;
            for (const weightDecay of [0, 0.1]) {
              for (const maximize of [0, 1]) {
                const p0 = randArray(rng, n), b0 = randArray(rng, n);
                const grads = gradSeq(n);
                const [w, j] = dual([p0, b0], grads, (k, [p, b], g, s) => {
                  k.sgd_step_f32(p!, g, momentum ? b! : 0, n, 0.05, momentum, dampening, weightDecay, nesterov, s === 0 ? 1 : 0, maximize);
                });
                const what = `sgd m=${momentum} d=${dampening} nest=${nesterov} wd=${weightDecay} max=${maximize}`;
                expectNear(w[0]!, j[0]!, `${what} p`);
                expectNear(w[1]!, j[1]!, `${what} buf`);
                if (momentum === 0) expect(Array.from(w[1]!), 'buffer untouched without momentum').toEqual(Array.from(b0));
                // the parameter moved
                expect(Math.abs(w[0]![0]! - p0[0]!)).toBeGreaterThan(1e-4);
              }
            }
          }
        }
      }
    });

    it(`sgd_step_f32 first step stores the gradient as the buffer, n = ${n}`, () => {
      const p0 = randArray(rng, n), b0 = randArray(rng, n), g0 = randArray(rng, n);
      const [w, j] = dual([p0, b0], [g0], (k, [p, b], g) => {
        k.sgd_step_f32(p!, g, b!, n, 0.1, 0.9, 0.5, 0, 0, 1, 0);
      });
      expect(Array.from(w[1]!)).toEqual(Array.from(g0));
      expect(Array.from(j[1]!)).toEqual(Array.from(g0));
    });

    it(`adam_step_f32, n = ${n}`, () => {
      for (const weightDecay of [0, 0.1]) {
        for (const decoupled of [0, 1]) {
          for (const amsgrad of [0, 1]) {
            for (const maximize of [0, 1]) {
              const p0 = randArray(rng, n);
              const m0 = randArray(rng, n, -0.1, 0.1), v0 = randArray(rng, n, 0, 0.5), x0 = randArray(rng, n, 0, 0.5);
              const grads = gradSeq(n);
              const lr = 0.01, beta1 = 0.9, beta2 = 0.8, eps = 1e-8;
              const call = (k: Kernels, [p, m, v, x]: number[], g: number, s: number) => {
                const step = 3 + s;
                const stepSize = lr / (1 - beta1 ** step);
                const bc2 = Math.sqrt(1 - beta2 ** step);
                k.adam_step_f32(p!, g, m!, v!, amsgrad ? x! : 0, n, lr, beta1, beta2, eps, weightDecay, stepSize, bc2,
                  decoupled, amsgrad, maximize);
              };
              const [w, j] = dual([p0, m0, v0, x0], grads, call);
              const what = `adam wd=${weightDecay} dec=${decoupled} ams=${amsgrad} max=${maximize}`;
              ['p', 'm', 'v', 'vmax'].forEach((name, i) => expectNear(w[i]!, j[i]!, `${what} ${name}`));
              if (!amsgrad) expect(Array.from(w[3]!), 'vmax untouched without amsgrad').toEqual(Array.from(x0));
            }
          }
        }
      }
    });

    it(`rmsprop_step_f32, n = ${n}`, () => {
      for (const weightDecay of [0, 0.1]) {
        for (const momentum of [0, 0.9]) {
          for (const centered of [0, 1]) {
            for (const maximize of [0, 1]) {
              const p0 = randArray(rng, n);
              const s0 = randArray(rng, n, 0.5, 1), a0 = randArray(rng, n, -0.1, 0.1), b0 = randArray(rng, n, -0.1, 0.1);
              const grads = gradSeq(n);
              const [w, j] = dual([p0, s0, a0, b0], grads, (k, [p, s, a, b], g) => {
                k.rmsprop_step_f32(p!, g, s!, centered ? a! : 0, momentum ? b! : 0, n, 0.01, 0.9, 1e-8, weightDecay,
                  momentum, centered, maximize);
              });
              const what = `rmsprop wd=${weightDecay} mom=${momentum} cen=${centered} max=${maximize}`;
              ['p', 'square_avg', 'grad_avg', 'momentum_buffer'].forEach((name, i) => expectNear(w[i]!, j[i]!, `${what} ${name}`));
              if (!centered) expect(Array.from(w[2]!)).toEqual(Array.from(a0));
              if (!momentum) expect(Array.from(w[3]!)).toEqual(Array.from(b0));
            }
          }
        }
      }
    });
  }

  it('the js reference computes the documented formulas (one element by hand)', () => {
    const [, j] = dual([Float32Array.of(1), Float32Array.of(0.5)], [Float32Array.of(2)], (k, [p, b], g) => {
      // d = 2 + 0.1 * 1 = 2.1; buf = 0.9 * 0.5 + (1 - 0.3) * 2.1 = 1.92; p = 1 - 0.1 * 1.92
      k.sgd_step_f32(p!, g, b!, 1, 0.1, 0.9, 0.3, 0.1, 0, 0, 0);
    });
    expect(j[1]![0]).toBeCloseTo(1.92, 6);
    expect(j[0]![0]).toBeCloseTo(1 - 0.1 * 1.92, 6);
  });
});

describe('hyperparameters derived in float64, as PyTorch does from Python floats', () => {
  it("Adam's first step on p = 3, g = 1, lr = 0.1 is PyTorch's float32 result on both backends (1 - 0.9 rounds to 0.1f, not 0.10000002f)", () => {
    const f = Math.fround;
    // PyTorch: m = lerp(0, g, f(1 - b1)); v = f(1 - b2) * g * g; denom = sqrt(v) / f(sqrt(1 - b2)) + eps; p -= f(lr / (1 - b1)) * m / denom
    const m = f(f(1 - 0.9) * 1);
    const v = f(f(1 - 0.999) * 1);
    const denom = f(f(f(Math.sqrt(v)) / f(Math.sqrt(1 - 0.999))) + f(1e-8));
    const expected = f(3 - f(f(f(0.1 / (1 - 0.9)) * m) / denom));
    for (const k of [wasm, js]) {
      const n = 5; // SIMD body and scalar tail
      const base = heap.alloc(16 * n);
      try {
        const [p, g, mm, vv] = [0, 1, 2, 3].map((i) => base + i * 4 * n);
        heap.f32.fill(3, p >>> 2, (p >>> 2) + n);
        heap.f32.fill(1, g >>> 2, (g >>> 2) + n);
        heap.f32.fill(0, mm >>> 2, (mm >>> 2) + 2 * n);
        k.adam_step_f32(p!, g!, mm!, vv!, 0, n, 0.1, 0.9, 0.999, 1e-8, 0, 0.1 / (1 - 0.9), Math.sqrt(1 - 0.999), 0, 0, 0);
        expect(Array.from(heap.f32.subarray(p! >>> 2, (p! >>> 2) + n))).toEqual(new Array(n).fill(expected));
      } finally {
        heap.free(base, 16 * n);
      }
    }
    expect(expected).toBe(f(2.9000001));
  });
});
