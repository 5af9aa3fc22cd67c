/**
 * Memory management: the tutorial loop runs long without WebAssembly memory growing, dispose() frees at
 * once and the block is reused, views keep storage alive, backward frees its temporaries, a huge
 * allocation fails with a clear RangeError, and the kernel warm-up at load leaves no trace.
 */
import { describe, expect, it, vi } from 'vitest';
import { memory, randn, tensor, zeros } from '../src/index.js';
import { Heap } from '../src/backends/memory.js';

const MiB = 1024 * 1024;

/** The tutorial's inner step, with no dispose() anywhere. */
function tutorialSteps(w: ReturnType<typeof tensor>, n: number): void {
  const data = [[1, 2], [2, 4], [3, 6]] as const;
  for (let i = 0; i < n; i++) {
    const [x, y] = data[i % 3]!;
    const l = w.mul(x).sub(y).pow(2);
    l.backward();
    w.data = w.data.sub(w.grad!.data.mul(0.01));
    w.grad!.data.zero_();
  }
}

describe('memory management', () => {
  it('the tutorial loop runs 100,000 iterations and WebAssembly memory stops growing', () => {
    const w = tensor([3.0], { requiresGrad: true });
    const samples: number[] = [];
    for (let k = 0; k < 10; k++) {
      tutorialSteps(w, 10_000);
      samples.push(memory().memoryBytes);
    }
    // Dropped tensors come back through collections triggered at a few MiB of allocation, so memory
    // settles within the first half; from then on it must not move at all.
    const lastHalf = samples.slice(5);
    expect(lastHalf).toEqual(lastHalf.map(() => lastHalf[0]));
    expect(samples[9]!).toBeLessThan(16 * 1024 * 1024);
    expect(w.item()).toBeCloseTo(2, 5);
  });

  it('dispose() returns the block at once and the next allocation of that size reuses it', () => {
    const before = memory().bytesInUse;
    const t = zeros(1000);
    expect(memory().bytesInUse).toBeGreaterThanOrEqual(before + 4000);
    t.dispose();
    expect(memory().bytesInUse).toBe(before);
    const reserved = memory().bytesReserved;
    const u = zeros(1000);
    expect(memory().bytesReserved).toBe(reserved);
    u.dispose();
  });

  it('views keep storage alive until every handle is released', () => {
    const before = memory().bytesInUse;
    const t = randn(64, 64);
    const v = t.transpose(0, 1);
    t.dispose();
    expect(memory().bytesInUse).toBeGreaterThan(before);
    expect(v.sum().item()).toBeTypeOf('number');
    v.dispose();
    expect(memory().bytesInUse).toBeLessThanOrEqual(before + 16); // only the 0-d sum result may remain
  });

  it('backward frees its own temporaries: repeated backward on a fixed graph does not accumulate live tensors', () => {
    const x = randn(32, 16, { requiresGrad: true });
    const wt = randn(16, 8, { requiresGrad: true });
    const y = x.matmul(wt).relu().sum();
    y.backward(null, { retainGraph: true });
    const live = memory().liveTensors;
    for (let i = 0; i < 20; i++) y.backward(null, { retainGraph: true });
    expect(memory().liveTensors).toBe(live);
  });

  it('a huge allocation fails with a clear RangeError and the library keeps working', () => {
    const keep = tensor([1, 2, 3]);
    expect(() => zeros(70_000, 70_000)).toThrow(/out of memory: cannot allocate .*GiB/);
    expect(keep.add(1).tolist()).toEqual([2, 3, 4]);
  });

  it('once memory has settled, the jitter of a loaded machine does not make it grow (slow collections, faster steps)', () => {
    // a fake clock: each step allocates 1 MiB that is dropped and takes 10 ms; a collection frees what was
    // dropped and takes 10 ms. Then one collection takes 200 ms (another process had the core), later
    // steps take 7 ms for a while, and then 2 ms until the next collection.
    let clock = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const h = new Heap(16, false);
      h.alloc(4 * MiB); // live for good
      let dropped: number[] = [];
      let collections = 0;
      const slowAt = 30, fastFrom = 50, fastUntil = 60, burstAt = 70;
      h.collect = () => {
        for (const p of dropped) h.free(p, MiB);
        dropped = [];
        clock += ++collections === slowAt ? 200 : 10;
      };
      let before = 0;
      while (collections < burstAt + 10) {
        const p = h.alloc(MiB); // before push: a collection inside alloc replaces `dropped`
        dropped.push(p);
        clock += collections === burstAt ? 2 : collections >= fastFrom && collections < fastUntil ? 7 : 10;
        if (collections === slowAt - 1 && before === 0) before = h.memory.buffer.byteLength;
      }
      // memory had settled before the slow collection, and has not grown since
      expect(h.memory.buffer.byteLength).toBe(before);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('kernel warm-up at load', () => {
  it('uses only memory it borrows: live tensors and the allocator statistics are unchanged', async () => {
    const { warmUp } = await import('../src/backends/wasm/warmup.js');
    const { kernels } = await import('../src/backends/index.js');
    const t = randn(300);
    const before = t.toArray().slice();
    const stats = memory();
    warmUp(kernels());
    expect(t.toArray()).toEqual(before);
    expect(memory().bytesInUse).toBe(stats.bytesInUse);
    expect(memory().liveTensors).toBe(stats.liveTensors);
  });
});
