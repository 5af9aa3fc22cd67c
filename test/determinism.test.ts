/**
 * manualSeed makes a whole MNIST training run (MLP and CNN) bit-identical: the same seed gives the same
 * weights, another seed different ones; with 2 threads two runs are identical (for the MLP, identical to
 * the 1-thread run too).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { data, F, init, manualSeed, optim, setNumThreads, toSafetensors } from '../src/index.js';
import * as threads from '../src/backends/wasm/threads.js';
import { loadDigits } from '../examples/mnist/dataset.js';
import { mnistModel } from '../examples/mnist/models.js';

// the js backend is about 50× slower: it trains on fewer digits
const js = process.env.WASMGRAD_BACKEND === 'js';
// threads need the wasm backend and a shared heap memory (WASMGRAD_THREADS=1 turns it off)
const threaded = !js && process.env.WASMGRAD_THREADS?.trim() !== '1';


describe('determinism: manualSeed makes a whole training run bit-identical', () => {
  const digits = loadDigits();
  const all = new data.TensorDataset(digits.images, digits.labels);

  /**
   * One epoch on `n` digits after manualSeed(seed), every random draw left to the library's generator:
   * the split, the initial weights, the shuffled batch order, the dropout masks. Returns every byte of
   * the trained state dict (safetensors: names, shapes and raw float32 data).
   */
  function train(kind: 'cnn' | 'mlp', seed: number, n: number): Uint8Array {
    manualSeed(seed);
    const [train] = data.randomSplit(all, [n, all.length - n]);
    const loader = new data.DataLoader(train!, { batchSize: 32, shuffle: true });
    const model = mnistModel(kind);
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    for (const [x, y] of loader) {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x!), y!).backward();
      opt.step();
    }
    return toSafetensors(model.stateDict());
  }

  afterAll(() => {
    if (threaded) setNumThreads(1);
  });

  const sizes = { mlp: js ? 160 : 1000, cnn: js ? 48 : 480 };
  for (const kind of ['mlp', 'cnn'] as const) {
    it(`${kind}: the same seed gives identical weights, another seed different ones (1 thread)`, () => {
      if (threaded) setNumThreads(1);
      const a = train(kind, 7, sizes[kind]);
      const b = train(kind, 7, sizes[kind]);
      const c = train(kind, 8, sizes[kind]);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      expect(c.length).toBe(a.length);
      expect(Buffer.from(c).equals(Buffer.from(a))).toBe(false);
    });
  }

  // GEMM splits its output rows among threads in blocks aligned to the micro-kernel's rows, and every
  // output element is summed in the same order whoever computes it: so the thread count cannot change a
  // bit of the MLP (batch 32 · 784 · 256 is above the split threshold). conv2d splits the batch, and its
  // weight gradient sums per-thread partials in thread order: the same from run to run on 2 threads, but
  // not the same bits as 1 thread (float32 rounding of a different summation order).
  const splitCalls = (): number => [...threads.parallelCalls.values()].reduce((a, b) => a + b, 0);
  it.runIf(threaded)('mlp with 2 threads: two runs are identical, and identical to the 1-thread run', async () => {
    setNumThreads(1);
    const one = train('mlp', 7, sizes.mlp);
    setNumThreads(2);
    await init(); // waits for the worker; until then products would run on this thread only
    const before = splitCalls();
    const a = train('mlp', 7, sizes.mlp);
    const b = train('mlp', 7, sizes.mlp);
    expect(splitCalls() - before).toBeGreaterThan(0); // products really were split
    expect(Buffer.from(b).equals(Buffer.from(a)), '2-thread runs differ').toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(one)), '2 threads differ from 1').toBe(true);
  });

  it.runIf(threaded)('cnn with 2 threads: two runs are identical (conv2d split over the batch)', async () => {
    setNumThreads(2);
    await init();
    const before = threads.parallelCalls.get('conv2d_backward_weight_images_f32') ?? 0;
    const a = train('cnn', 7, sizes.cnn);
    const b = train('cnn', 7, sizes.cnn);
    expect((threads.parallelCalls.get('conv2d_backward_weight_images_f32') ?? 0) - before).toBeGreaterThan(0);
    expect(Buffer.from(b).equals(Buffer.from(a)), '2-thread runs differ').toBe(true);
    setNumThreads(1);
  });
});
