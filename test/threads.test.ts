/**
 * The WebAssembly thread pool (2 threads): split GEMM, elementwise, strided, backward, reduction,
 * optimizer and conv2d kernels give the same bits as one thread (and GEMM stays close to js), training
 * steps match, and a worker that exits or hangs mid-job gives a clear error and a working pool again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, erf, F, full, getNumThreads, init, setNumThreads, manualSeed, nn, optim, tensor, Tensor, where } from '../src/index.js';
import { heap } from '../src/backends/memory.js';
import { kernels, kernelsOf } from '../src/backends/index.js';
import * as threads from '../src/backends/wasm/threads.js';
import { setSplitThresholds } from '../src/backends/wasm/split.js';
import { put } from './helpers.js';

/** Kernel calls split across threads so far (all kernels, or one). */
function splitCalls(kernel?: string): number {
  if (kernel !== undefined) return threads.parallelCalls.get(kernel) ?? 0;
  let n = 0;
  for (const v of threads.parallelCalls.values()) n += v;
  return n;
}

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

/** C = op(A)·op(B) (+bias) through a kernel table, returned as a copy. */
function runGemm(kern: ReturnType<typeof kernels>, m: number, n: number, k: number, ta: boolean, tb: boolean, biasMode: number,
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
      it(`gemm ${m}x${n}x${k} ta=${ta} tb=${tb}: 2 threads bit-identical to 1, close to js`, () => {
        const results: Float32Array[][] = [];
        for (const t of [1, 2]) {
          // one thread: splits off (restarting the pool for each case would dominate the test's time)
          const old = setSplitThresholds({ gemmMacs: t === 1 ? Infinity : 2 ** 21, gemmMacsSpinning: t === 1 ? Infinity : 2 ** 21 });
          const before = splitCalls('gemm_bias_f32');
          results.push([
            runGemm(kernels(), m, n, k, ta, tb, 0, 0, 11),
            runGemm(kernels(), m, n, k, ta, tb, 1, 1, 12),
            runGemm(kernels(), m, n, k, ta, tb, 2, 0, 13),
          ]);
          const split = t > 1 && m * n * k >= 2 ** 21 && m > 6;
          expect(splitCalls('gemm_bias_f32') - before).toBe(split ? 3 : 0);
          setSplitThresholds(old);
        }
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
      const before = splitCalls();
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
      if (t > 1) expect(splitCalls()).toBeGreaterThan(before);
      weights.push(params.map((p) => Float32Array.from(p.reshape(-1).tolist() as number[])));
    }
    await init({ threads: 2 });
    for (let i = 0; i < 4; i++) expect(weights[1]![i]).toEqual(weights[0]![i]);
  });
  /** Runs `fn` with splits off (every call on the calling thread) and on (thresholds tiny), returns both results. */
  function offAndOn<T>(fn: () => T, on: Partial<Parameters<typeof setSplitThresholds>[0]> = { elements: 64, convMacs: 1 }): [T, T] {
    const none = { elements: Infinity, convMacs: Infinity, gemmMacs: Infinity, gemmMacsSpinning: Infinity, elementsSpinning: Infinity };
    const old = setSplitThresholds(none);
    try {
      const single = fn();
      setSplitThresholds({ ...old, ...on });
      return [single, fn()];
    } finally {
      setSplitThresholds(old);
    }
  }

  const arr = (t: Tensor) => t.toArray();
  /** Index of the first element whose bits differ (-1 if none; NaN payloads compared too), fast on large arrays. */
  function firstDiff(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
    if (a.length !== b.length) return 0;
    const x = new Int32Array(a.buffer, a.byteOffset, a.length), y = new Int32Array(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
    return -1;
  }
  // odd sizes around the lowered threshold (64 elements), not multiples of the 16-element part alignment
  for (const n of [63, 64, 1000, 4099, 40_001]) {
    it(`elementwise kernels over ${n} elements: split results bit-identical to one thread`, () => {
      const a = tensor(fill(n, 1)), b = tensor(fill(n, 2)).add(1.5), pos = a.abs().add(0.01);
      const cases: [string, () => Tensor][] = [
        ['add_f32', () => a.add(b)], ['sub_f32', () => a.sub(b)], ['mul_f32', () => a.mul(3)], ['div_f32', () => a.div(b)],
        ['pow_f32', () => pos.pow(b)], ['maximum_f32', () => a.maximum(b)], ['gt_f32', () => a.gt(b)],
        ['where_f32', () => where(a.gt(0), a, b)],
        ['exp_f32', () => a.exp()], ['log_f32', () => pos.log()], ['sqrt_f32', () => pos.sqrt()], ['neg_f32', () => a.neg()],
        ['relu_f32', () => a.relu()], ['sigmoid_f32', () => a.sigmoid()], ['tanh_f32', () => a.tanh()],
        ['clamp_f32', () => a.clamp(-0.5, 0.5)], ['pow_scalar_f32', () => pos.pow(1.7)], ['erf_f32', () => erf(a)],
        ['fill_f32', () => full([n], 0.25)], ['copy_strided', () => a.reshape(1, n).expand(2, n).contiguous()],
        ['cast_f32_i32', () => a.mul(100).int()],
      ];
      for (const [kernel, fn] of cases) {
        const before = splitCalls(kernel);
        const [one, two] = offAndOn(() => arr(fn()));
        expect(firstDiff(two, one), kernel).toBe(-1);
        if (n >= 64 * 2) expect(splitCalls(kernel) - before, kernel).toBeGreaterThan(0);
      }
    });
  }

  it('broadcast and strided kernels split along their first dim, bit-identical', () => {
    const x = tensor(fill(333 * 7, 3)).reshape(333, 7), row = tensor(fill(7, 4)), col = tensor(fill(333, 5)).reshape(333, 1);
    for (const fn of [() => x.add(row), () => x.mul(col), () => x.t().contiguous(), () => x.t().mul(2)]) {
      const [one, two] = offAndOn(() => arr(fn()));
      expect(two).toEqual(one);
    }
  });

  it('backward kernels, gradient accumulation (axpy) and sums split bit-identically', () => {
    for (const [r, c] of [[1, 70_001], [333, 517], [5000, 3], [3, 5000]]) {
      const x0 = fill(r * c, 7);
      const [one, two] = offAndOn(() => {
        const x = tensor(x0).reshape(r, c).requiresGrad_();
        const wt = tensor(fill(r * c, 8)).reshape(r, c); // contiguous gradients reach the fused backward kernels
        const loss = () => x.relu().mul(wt).sum().add(x.sigmoid().mul(x.tanh()).mul(wt).sum()).add(x.pow(3).mul(wt).sum(0).sum());
        loss().backward();
        loss().backward(); // accumulates into x.grad with axpy_f32
        return [arr(x.grad!), arr(x.sum(1)), arr(x.sum(0)), arr(x.sum().reshape(1))];
      });
      for (let i = 0; i < 4; i++) expect(firstDiff(two[i]!, one[i]!), `${r}x${c} result ${i}`).toBe(-1);
    }
    expect(splitCalls('axpy_f32')).toBeGreaterThan(0);
    for (const k of ['relu_backward_f32', 'sigmoid_backward_f32', 'tanh_backward_f32', 'pow_backward_f32']) expect(splitCalls(k), k).toBeGreaterThan(0);
    expect(splitCalls('sum_f32')).toBeGreaterThan(0);
  });

  it('a full sum of 2^20 + 3 elements: split block sums give the one-thread result', () => {
    const x = tensor(fill(2 ** 20 + 3, 8)).add(0.37);
    const [one, two] = offAndOn(() => x.sum().item(), { elements: 2 ** 16 });
    expect(two).toBe(one);
  });

  it('optimizer steps split bit-identically', () => {
    const n = 3001;
    const make = [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      (p: Tensor[]) => new optim.Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
      (p: Tensor[]) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }),
    ];
    for (const mk of make) {
      const [one, two] = offAndOn(() => {
        const p = tensor(fill(n, 9)).requiresGrad_();
        const opt = mk([p]);
        for (let s = 0; s < 3; s++) {
          opt.zeroGrad();
          p.mul(p).mul(tensor(fill(n, 10 + s))).sum().backward();
          opt.step();
        }
        return arr(p);
      });
      expect(two).toEqual(one);
    }
    for (const k of ['sgd_step_f32', 'adam_step_f32', 'rmsprop_step_f32']) expect(splitCalls(k), k).toBeGreaterThan(0);
  });

  /** conv2d forward, then backward with respect to x, weight and bias; copies of y, dx, dw, db. */
  function convRun(n: number, c: number, o: number, hw: number, seed: number, options: F.Conv2dOptions): (Float32Array | Int32Array)[] {
    const x = tensor(fill(n * c * hw * hw, seed)).reshape(n, c, hw, hw).requiresGrad_();
    const w = tensor(fill(o * c * 9, seed + 1)).reshape(o, c, 3, 3).requiresGrad_();
    const b = tensor(fill(o, seed + 2)).requiresGrad_();
    const y = F.conv2d(x, w, b, options);
    y.mul(tensor(fill(y.numel(), seed + 3)).reshape(...y.shape)).sum().backward();
    return [arr(y), arr(x.grad!), arr(w.grad!), arr(b.grad!)];
  }

  for (const [n, c, o, hw, opts] of [[5, 3, 4, 9, { padding: 1 }], [2, 2, 7, 8, { stride: 2 }], [7, 1, 8, 12, {}]] as const) {
    it(`conv2d ${n}x${c}x${hw}x${hw} -> ${o} channels ${JSON.stringify(opts)}: split over images`, () => {
      const before = splitCalls('conv2d_backward_weight_images_f32');
      const [one, two] = offAndOn(() => convRun(n, c, o, hw, 20, opts));
      expect(splitCalls('conv2d_backward_weight_images_f32')).toBeGreaterThan(before);
      expect(two[0]).toEqual(one[0]); // forward: runs of images, bit-identical
      expect(two[1]).toEqual(one[1]); // input gradient: likewise
      expect(two[3]).toEqual(one[3]);
      // weight gradient: per-thread partials added in thread order: float32 rounding of a reordered sum
      const [dw1, dw2] = [one[2]!, two[2]!];
      for (let i = 0; i < dw1.length; i++) expect(Math.abs(dw2[i]! - dw1[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(dw1[i]!)));
      // and on 2 threads the result does not depend on scheduling
      const [, again] = offAndOn(() => convRun(n, c, o, hw, 20, opts));
      for (let i = 0; i < 4; i++) expect(again[i]).toEqual(two[i]);
    });
  }

  /** Training-mode batch norm of x [shape] with weight and bias, then backward: copies of y, dx, dw, db and the running stats. */
  function batchNormRun(shape: number[], seed: number): Float32Array[] {
    const C = shape[1]!;
    const x = tensor(fill(shape.reduce((a, b) => a * b, 1), seed)).reshape(...shape).requiresGrad_();
    const w = tensor(fill(C, seed + 1)).requiresGrad_(), b = tensor(fill(C, seed + 2)).requiresGrad_();
    const rm = tensor(fill(C, seed + 3)), rv = tensor(fill(C, seed + 4)).abs();
    const y = F.batchNorm(x, rm, rv, w, b, true, 0.1, 1e-5);
    y.mul(tensor(fill(y.numel(), seed + 5)).reshape(...y.shape)).sum().backward();
    return [y, x.grad!, w.grad!, b.grad!, rm, rv].map((t) => t.toArray() as Float32Array);
  }

  // S = 1 takes the kernels' 4-channels-per-lane path; 37 channels leave a part with a scalar tail
  for (const shape of [[5, 37, 9], [64, 37], [3, 6, 4, 5]]) {
    it(`batch norm ${shape.join('x')}: forward and backward split over channels, bit-identical`, () => {
      const before = [splitCalls('batchnorm_forward_f32'), splitCalls('batchnorm_backward_f32')];
      const [one, two] = offAndOn(() => batchNormRun(shape, 40));
      expect(splitCalls('batchnorm_forward_f32')).toBeGreaterThan(before[0]!);
      expect(splitCalls('batchnorm_backward_f32')).toBeGreaterThan(before[1]!);
      for (let i = 0; i < one.length; i++) expect(firstDiff(two[i]!, one[i]!)).toBe(-1);
    });
  }

  it('conv2d of one large image splits its GEMMs instead, bit-identical', () => {
    const before = splitCalls('gemm_bias_f32');
    const [one, two] = offAndOn(() => convRun(1, 8, 16, 24, 30, { padding: 1 }), { convMacs: 1, gemmMacs: 1 });
    expect(splitCalls('gemm_bias_f32')).toBeGreaterThan(before);
    for (let i = 0; i < 4; i++) expect(two[i]).toEqual(one[i]);
  });

  it('right after a split call (workers spinning) smaller calls split too, with the same results', () => {
    const big = tensor(fill(2 ** 20, 30));
    const a = tensor(fill(128 * 256, 31)).reshape(128, 256), b = tensor(fill(256 * 10, 32)).reshape(256, 10);
    const w = tensor(fill(2 ** 16, 33));
    const small = () => [arr(a.matmul(b)), arr(w.exp())];
    const [one] = offAndOn(small);
    const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // past the workers' spin
    // cold workers: both stay on the calling thread
    pause();
    const gemm0 = splitCalls('gemm_bias_f32'), exp0 = splitCalls('exp_f32');
    expect(small()).toEqual(one);
    expect([splitCalls('gemm_bias_f32') - gemm0, splitCalls('exp_f32') - exp0]).toEqual([0, 0]);
    // spinning workers: both split (retried: a busy machine may deschedule this thread past the spin)
    let split = false;
    for (let attempt = 0; attempt < 50 && !split; attempt++) {
      big.exp(); // 2^20 elements: splits, and leaves the workers spinning
      const g = splitCalls('gemm_bias_f32'), e = splitCalls('exp_f32');
      const got = small();
      expect(got).toEqual(one);
      split = splitCalls('gemm_bias_f32') > g && splitCalls('exp_f32') > e;
    }
    expect(split).toBe(true);
  });

  it('a part its worker has not started when the caller is done is taken back and run by the caller', () => {
    const x = tensor(fill(2 ** 20, 50));
    const [one] = offAndOn(() => arr(x.exp()) as Float32Array);
    const t0 = performance.now();
    threads.occupyWorkerForTest(200); // as if the OS had descheduled the worker for 200 ms
    const back = threads.partsTakenBack, calls = splitCalls('exp_f32');
    expect(firstDiff(arr(x.exp()) as Float32Array, one)).toBe(-1);
    expect(splitCalls('exp_f32')).toBe(calls + 1);
    expect(threads.partsTakenBack).toBe(back + 1);
    // once the worker is back, it takes its parts again (retried: it may be slow to wake on a busy machine)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, 250 - (performance.now() - t0)));
    let taken = false;
    for (let attempt = 0; attempt < 50 && !taken; attempt++) {
      const before = threads.partsTakenBack;
      expect(firstDiff(arr(x.exp()) as Float32Array, one)).toBe(-1);
      taken = threads.partsTakenBack === before;
    }
    expect(taken).toBe(true);
  });

  for (const how of ['exit', 'hang'] as const) {
    it(`a worker that ${how === 'exit' ? 'exits' : 'hangs'} mid-job: a clear error, then the pool works again`, async () => {
      const old = threads.setJobTimeout(300);
      try {
        const restarts = threads.poolRestarts;
        expect(() => threads.failWorkerForTest(how)).toThrow(how === 'exit' ? /worker thread 1 exited/ : /did not finish/);
        expect(threads.poolRestarts).toBe(restarts + 1);
        // right away (fresh workers still starting): runs on the calling thread, correct
        const x = tensor(fill(5000, 40));
        const [one, two] = offAndOn(() => arr(x.exp()));
        expect(two).toEqual(one);
        await init({ threads: 2 });
        const before = splitCalls('exp_f32');
        const [, again] = offAndOn(() => arr(x.exp()));
        expect(again).toEqual(one);
        expect(splitCalls('exp_f32')).toBe(before + 1);
      } finally {
        threads.setJobTimeout(old);
      }
    });
  }
});
