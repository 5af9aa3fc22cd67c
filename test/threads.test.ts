import { beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, getNumThreads, init, setNumThreads, manualSeed, nn, optim, tensor } from '../src/index.js';
import { heap } from '../src/backends/memory.js';
import { K, kernelsOf } from '../src/backends/index.js';
import * as threads from '../src/backends/wasm/threads.js';

// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const wasm = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';

/** Deterministic pseudo-random floats in [-1, 1). */
function fill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function put(data: Float32Array): number {
  const p = heap.alloc(data.length * 4);
  heap.f32.set(data, p >>> 2);
  return p;
}

/** C = op(A)·op(B) (+bias) through a kernel table, returned as a copy. */
function runGemm(kern: ReturnType<typeof K>, m: number, n: number, k: number, ta: boolean, tb: boolean, biasMode: number,
  relu: number, seed: number): Float32Array {
  const a = put(fill(m * k, seed)), b = put(fill(k * n, seed + 1));
  const bias = put(fill(Math.max(m, n), seed + 2));
  const c = heap.alloc(m * n * 4);
  const [sa0, sa1] = ta ? [1, m] : [k, 1];
  const [sb0, sb1] = tb ? [1, k] : [n, 1];
  const wsBytes = kern.gemm_f32_workspace(m, n, k);
  const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
  if (biasMode === 0 && relu === 0) kern.gemm_f32(a, b, c, m, n, k, sa0, sa1, sb0, sb1, 0, ws);
  else kern.gemm_bias_f32(a, b, c, m, n, k, sa0, sa1, sb0, sb1, 0, bias, biasMode, relu, ws);
  const out = heap.f32.slice(c >>> 2, (c >>> 2) + m * n);
  for (const [p, bytes] of [[a, m * k * 4], [b, k * n * 4], [bias, Math.max(m, n) * 4], [c, m * n * 4], [ws, wsBytes]] as const) {
    if (p !== 0) heap.free(p, bytes);
  }
  return out;
}

describe.runIf(wasm)('threads', () => {
  beforeAll(async () => {
    await init({ threads: 2 });
  });

  it('reports the thread count', () => {
    expect(getNumThreads()).toBe(2);
    expect(backendInfo().threads).toBe(2);
  });

  it('setNumThreads rejects bad values', async () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, 1000, '2' as unknown as number]) {
      expect(() => setNumThreads(bad)).toThrow(RangeError);
    }
    await expect(init({ threads: 0 })).rejects.toThrow(RangeError);
    expect(getNumThreads()).toBe(2);
  });

  // sizes around the split threshold (2^21 multiply-adds) and with row counts not multiples of MR
  const sizes: [number, number, number][] = [[64, 64, 64], [127, 128, 129], [128, 128, 128], [200, 96, 301], [301, 77, 190], [7, 600, 600], [513, 65, 70]];
  for (const [m, n, k] of sizes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`gemm ${m}x${n}x${k} ta=${ta} tb=${tb}: 2 threads bit-identical to 1, close to js`, async () => {
        const results: Float32Array[][] = [];
        for (const t of [1, 2]) {
          await init({ threads: t });
          const before = threads.parallelCalls;
          results.push([
            runGemm(K(), m, n, k, ta, tb, 0, 0, 11),
            runGemm(K(), m, n, k, ta, tb, 1, 1, 12),
            runGemm(K(), m, n, k, ta, tb, 2, 0, 13),
          ]);
          const split = t > 1 && m * n * k >= threads.PARALLEL_MIN_MACS && m > 6;
          expect(threads.parallelCalls - before).toBe(split ? 3 : 0);
        }
        await init({ threads: 2 });
        for (let i = 0; i < 3; i++) expect(results[1]![i]).toEqual(results[0]![i]);
        const js = kernelsOf('js');
        const ref = [runGemm(js, m, n, k, ta, tb, 0, 0, 11), runGemm(js, m, n, k, ta, tb, 1, 1, 12), runGemm(js, m, n, k, ta, tb, 2, 0, 13)];
        for (let i = 0; i < 3; i++) {
          const got = results[1]![i]!, want = ref[i]!;
          let worst = 0;
          for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!) / (1 + Math.abs(want[j]!)));
          expect(worst).toBeLessThan(1e-4 * Math.sqrt(k));
        }
      });
    }
  }

  it('a training step of an MLP gives identical weights with 1 and 2 threads', async () => {
    const weights: Float32Array[][] = [];
    for (const t of [1, 2]) {
      await init({ threads: t });
      const before = threads.parallelCalls;
      manualSeed(3);
      const input = tensor(fill(256 * 300, 5)).reshape(256, 300);
      const target = tensor(fill(256 * 10, 6)).reshape(256, 10);
      const l1 = new nn.Linear(300, 256), l2 = new nn.Linear(256, 10);
      const params = [l1.weight, l1.bias!, l2.weight, l2.bias!];
      const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        const loss = l2.forward(l1.forward(input).relu()).sub(target).pow(2).mean();
        loss.backward();
        opt.step();
      }
      if (t > 1) expect(threads.parallelCalls).toBeGreaterThan(before);
      weights.push(params.map((p) => Float32Array.from(p.reshape(-1).tolist() as number[])));
    }
    await init({ threads: 2 });
    for (let i = 0; i < 4; i++) expect(weights[1]![i]).toEqual(weights[0]![i]);
  });
});
