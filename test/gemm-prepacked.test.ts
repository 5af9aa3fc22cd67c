/**
 * The GEMM with B packed once (gemm_pack_b_f32 + gemm_packed_b_f32, used for the recurrent weight of
 * nn.RNN / LSTM / GRU), with A packed once (gemm_pack_a_f32 + gemm_packed_a_f32, and both packed:
 * gemm_packed_ab_f32, used for the Winograd weights of conv2d_winograd4_f32): bit-identical to gemm_bias_f32 on the unpacked B, in both WebAssembly builds and in
 * the js reference, for every layout of A and B, odd sizes, sizes crossing the cache blocks (KC = 512 deep,
 * NC = 4096 columns, MC = 120 rows), every epilogue, k = 0 and NaN / ±Infinity inputs; and split across two
 * threads with the bits of one thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../src/backends/kernels.js';
import { jsKernels } from '../src/backends/js/index.js';
import { heap } from '../src/backends/memory.js';
import { init, kernelsOf } from '../src/backends/index.js';
import {
  defaultWasmUrl, enableRelaxedSimd, instantiateKernelsSync, readWasmFileSync, relaxedWasmUrl,
} from '../src/backends/wasm/loader.js';
import { setSplitThresholds } from '../src/backends/wasm/split.js';
import * as threads from '../src/backends/wasm/threads.js';
import { mulberry32, put, randArray, readI } from './helpers.js';

const relaxedBytes = readWasmFileSync(relaxedWasmUrl);
const builds: [string, Kernels][] = [['simd', instantiateKernelsSync(readWasmFileSync(defaultWasmUrl))]];
if (enableRelaxedSimd(relaxedBytes)) builds.push(['relaxed-simd', instantiateKernelsSync(relaxedBytes)]);
builds.push(['js', jsKernels]);

const rng = mulberry32(11);

interface Case {
  m: number; n: number; k: number;
  ta?: boolean; tb?: boolean;
  /** Extra element stride of A's and B's rows/columns (a view of every other element). */
  step?: number;
  beta?: number;
  biasMode?: number;
  relu?: number;
  /** Values written over random elements of A and B. */
  specials?: number[];
}

/** C from gemm_bias_f32 on B and from gemm_packed_b_f32 on B packed, as raw bits. */
function both(K: Kernels, c: Case): [Int32Array, Int32Array] {
  const { m, n, k, ta = false, tb = false, step = 1, beta = 0, biasMode = 0, relu = 0, specials = [] } = c;
  const aData = randArray(rng, m * k * step), bData = randArray(rng, k * n * step);
  for (const v of specials) {
    if (aData.length > 0) aData[Math.floor(rng() * aData.length)] = v;
    if (bData.length > 0) bData[Math.floor(rng() * bData.length)] = v;
  }
  const [sa0, sa1] = ta ? [step, m * step] : [k * step, step];
  const [sb0, sb1] = tb ? [step, k * step] : [n * step, step];
  const biasLen = biasMode === 1 ? n : biasMode === 2 ? m : 0;
  const c0 = randArray(rng, m * n);
  const a = put(aData), b = put(bData), bias = biasLen > 0 ? put(randArray(rng, biasLen)) : 0;
  const wsBytes = K.gemm_f32_workspace(m, n, k), packedBytes = K.gemm_pack_b_bytes(n, k);
  const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
  const packed = packedBytes > 0 ? heap.alloc(packedBytes) : 0;
  try {
    const c1 = put(c0), c2 = put(c0);
    K.gemm_bias_f32(a, b, c1, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, ws);
    K.gemm_pack_b_f32(b, n, k, sb0, sb1, packed);
    K.gemm_packed_b_f32(a, packed, c2, m, n, k, sa0, sa1, beta, bias, biasMode, relu, ws);
    const out: [Int32Array, Int32Array] = [readI(c1, m * n), readI(c2, m * n)];
    heap.free(c1, Math.max(4, m * n * 4));
    heap.free(c2, Math.max(4, m * n * 4));
    return out;
  } finally {
    if (ws !== 0) heap.free(ws, wsBytes);
    if (packed !== 0) heap.free(packed, packedBytes);
    heap.free(a, Math.max(4, aData.length * 4));
    heap.free(b, Math.max(4, bData.length * 4));
    if (bias !== 0) heap.free(bias, biasLen * 4);
  }
}

function expectSame(K: Kernels, c: Case): void {
  const [want, got] = both(K, c);
  expect(got, JSON.stringify(c)).toEqual(want);
}

describe.each(builds)('gemm_packed_b_f32, %s, bit-identical to gemm_bias_f32', (_name, K) => {
  it('odd sizes (1, 3, 17, 129), every transpose combination, beta 0/1', () => {
    for (const m of [1, 3, 17, 129]) {
      for (const [n, k] of [[1, 1], [3, 17], [17, 3], [129, 129], [16, 5]]) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) expectSame(K, { m, n: n!, k: k!, ta, tb, beta: (m + n! + k!) & 1 });
        }
      }
    }
  });

  it('every count of rows in the last row panel, the recurrent shapes, blocks crossed in k, n and m', () => {
    for (let m = 1; m <= 13; m++) expectSame(K, { m, n: 40, k: 9, biasMode: 1 });
    expectSame(K, { m: 16, n: 512, k: 128, tb: true, biasMode: 1 });
    expectSame(K, { m: 16, n: 128, k: 512 });
    expectSame(K, { m: 5, n: 24, k: 1030, beta: 1, relu: 1 });
    expectSame(K, { m: 2, n: 4100, k: 6, tb: true });
    expectSame(K, { m: 250, n: 9, k: 20, ta: true, biasMode: 2 });
  });

  it('general strides, every epilogue, k = 0', () => {
    expectSame(K, { m: 7, n: 19, k: 11, step: 2 });
    expectSame(K, { m: 7, n: 19, k: 11, step: 3, ta: true, tb: true, beta: 1 });
    for (const biasMode of [0, 1, 2]) {
      for (const relu of [0, 1]) {
        for (const beta of [0, 1]) {
          expectSame(K, { m: 9, n: 13, k: 6, biasMode, relu, beta });
          expectSame(K, { m: 4, n: 5, k: 0, biasMode, relu, beta });
        }
      }
    }
  });

  it('NaN and ±Infinity propagate as in the unpacked product', () => {
    for (const specials of [[NaN], [Infinity], [-Infinity], [NaN, Infinity, -Infinity]]) {
      expectSame(K, { m: 13, n: 21, k: 17, specials, biasMode: 1 });
      expectSame(K, { m: 13, n: 21, k: 17, specials, relu: 1, tb: true });
    }
  });
});

/**
 * C from gemm_bias_f32, from gemm_packed_a_f32 on A packed by gemm_pack_a_f32, and from gemm_packed_ab_f32 on
 * A and B packed, as raw bits.
 */
function packedA(K: Kernels, c: Case): Int32Array[] {
  const { m, n, k, ta = false, tb = false, step = 1, beta = 0, biasMode = 0, relu = 0, specials = [] } = c;
  const aData = randArray(rng, m * k * step), bData = randArray(rng, k * n * step);
  for (const v of specials) {
    if (aData.length > 0) aData[Math.floor(rng() * aData.length)] = v;
    if (bData.length > 0) bData[Math.floor(rng() * bData.length)] = v;
  }
  const [sa0, sa1] = ta ? [step, m * step] : [k * step, step];
  const [sb0, sb1] = tb ? [step, k * step] : [n * step, step];
  const biasLen = biasMode === 1 ? n : biasMode === 2 ? m : 0;
  const c0 = randArray(rng, m * n);
  const a = put(aData), b = put(bData), bias = biasLen > 0 ? put(randArray(rng, biasLen)) : 0;
  const wsBytes = K.gemm_f32_workspace(m, n, k), pbBytes = K.gemm_pack_b_bytes(n, k), paBytes = K.gemm_pack_a_bytes(m, k);
  const ws = wsBytes > 0 ? heap.alloc(wsBytes) : 0;
  const pb = pbBytes > 0 ? heap.alloc(pbBytes) : 0, pa = paBytes > 0 ? heap.alloc(paBytes) : 0;
  try {
    const cs = [put(c0), put(c0), put(c0)];
    K.gemm_bias_f32(a, b, cs[0]!, m, n, k, sa0, sa1, sb0, sb1, beta, bias, biasMode, relu, ws);
    K.gemm_pack_a_f32(a, m, k, sa0, sa1, pa);
    K.gemm_packed_a_f32(pa, b, cs[1]!, m, n, k, sb0, sb1, beta, bias, biasMode, relu, ws);
    K.gemm_pack_b_f32(b, n, k, sb0, sb1, pb);
    K.gemm_packed_ab_f32(pa, pb, cs[2]!, m, n, k, beta, bias, biasMode, relu, ws);
    const out = cs.map((p) => readI(p, m * n));
    for (const p of cs) heap.free(p, Math.max(4, m * n * 4));
    return out;
  } finally {
    if (ws !== 0) heap.free(ws, wsBytes);
    if (pb !== 0) heap.free(pb, pbBytes);
    if (pa !== 0) heap.free(pa, paBytes);
    heap.free(a, Math.max(4, aData.length * 4));
    heap.free(b, Math.max(4, bData.length * 4));
    if (bias !== 0) heap.free(bias, biasLen * 4);
  }
}

function expectSameA(K: Kernels, c: Case): void {
  const [want, gotA, gotAB] = packedA(K, c);
  expect(gotA, `packed A ${JSON.stringify(c)}`).toEqual(want);
  expect(gotAB, `packed A and B ${JSON.stringify(c)}`).toEqual(want);
}

describe.each(builds)('gemm_packed_a_f32 and gemm_packed_ab_f32, %s, bit-identical to gemm_bias_f32', (_name, K) => {
  it('odd sizes (1, 3, 17, 129), every transpose combination, beta 0/1', () => {
    for (const m of [1, 3, 17, 129]) {
      for (const [n, k] of [[1, 1], [3, 17], [17, 3], [129, 129], [16, 5], [1, 129], [129, 1]]) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) expectSameA(K, { m, n: n!, k: k!, ta, tb, beta: (m + n! + k!) & 1 });
        }
      }
    }
  });

  it('every count of rows in the last row panel, blocks crossed in k, n and m (MC = 120, KC = 512, NC = 4096)', () => {
    for (let m = 1; m <= 13; m++) expectSameA(K, { m, n: 40, k: 9, biasMode: 1 });
    expectSameA(K, { m: 16, n: 128, k: 512 });
    expectSameA(K, { m: 5, n: 24, k: 1030, beta: 1, relu: 1 });
    expectSameA(K, { m: 131, n: 17, k: 1100, ta: true, biasMode: 2 });
    expectSameA(K, { m: 2, n: 4100, k: 6, tb: true });
    expectSameA(K, { m: 250, n: 9, k: 20, ta: true, biasMode: 2 });
  });

  it('general strides, every epilogue, k = 0, NaN and ±Infinity', () => {
    expectSameA(K, { m: 7, n: 19, k: 11, step: 3, ta: true, tb: true, beta: 1 });
    for (const biasMode of [0, 1, 2]) {
      for (const relu of [0, 1]) {
        for (const beta of [0, 1]) {
          expectSameA(K, { m: 9, n: 13, k: 6, biasMode, relu, beta });
          expectSameA(K, { m: 4, n: 5, k: 0, biasMode, relu, beta });
        }
      }
    }
    for (const specials of [[NaN], [Infinity], [-Infinity], [NaN, Infinity, -Infinity]]) {
      expectSameA(K, { m: 13, n: 21, k: 17, specials, relu: 1, tb: true });
    }
  });
});

// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const threaded = process.env.WASMGRAD_BACKEND !== 'js' && process.env.WASMGRAD_THREADS?.trim() !== '1';

describe.runIf(threaded)('gemm_packed_b_f32 on two threads', () => {
  let old: ReturnType<typeof setSplitThresholds>;
  beforeAll(async () => {
    await init({ threads: 2 });
  });
  afterAll(() => {
    setSplitThresholds(old);
  });

  it('splits into row blocks with the bits of one thread (and of gemm_bias_f32)', () => {
    const K = kernelsOf('wasm');
    old = setSplitThresholds({ gemmMacs: Infinity, gemmMacsSpinning: Infinity });
    const one = both(K, { m: 37, n: 70, k: 33, biasMode: 1, beta: 1 });
    setSplitThresholds({ gemmMacs: 1, gemmMacsSpinning: 1 });
    const before = threads.parallelCalls.get('gemm_packed_b_f32') ?? 0;
    const two = both(K, { m: 37, n: 70, k: 33, biasMode: 1, beta: 1 });
    expect(threads.parallelCalls.get('gemm_packed_b_f32') ?? 0).toBeGreaterThan(before);
    expect(one[1]).toEqual(one[0]);
    expect(two[1]).toEqual(two[0]);
  });
});
