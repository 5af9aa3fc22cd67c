/**
 * The short version of `npm run soak` (bench/soak.ts): the same scenarios on a smaller MLP for a few
 * thousand steps each, no dispose() anywhere. WebAssembly memory must not grow after warm-up and the
 * live tensor count must stay bounded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { arange, setNumThreads } from '../src/index.js';
import { heap } from '../src/backends/memory.js';
import { loadDigits, type Digits } from '../examples/mnist/dataset.js';
import { runScenario, SCENARIO_IDS, SCENARIOS, summarize, verdict, type SoakOptions } from '../bench/soak/scenarios.js';

// The memory management under test is the same for both backends (kernels allocate nothing); the js
// backend's kernels are ~50× slower, too slow for thousands of steps, so this runs on wasm only.
const wasm = process.env.WASMGRAD_BACKEND !== 'js';
const threaded = wasm && process.env.WASMGRAD_THREADS?.trim() !== '1';

const WARMUP_FRACTION = 0.3;
const options: SoakOptions = {
  steps: 2000,
  // batch 64 · 784 · 64 multiply-adds is above the threshold for splitting a product among threads
  hidden: [64],
  batchSize: 64,
  trainSize: 2000,
  testSize: 500,
  sampleEvery: 50,
  threads: 2,
  evalEvery: 250,
  keepSteps: 200,
};

/**
 * Every fourth digit (all classes), copied out. Memory is collected once dropped tensors reach a
 * multiple of what is live (the dataset, mostly), so a smaller dataset makes the cycles of allocation
 * and collection short enough for memory to settle within a few hundred steps.
 */
function everyFourth(all: Digits): Digits {
  const rows = arange(0, all.labels.shape[0]!, 4, { dtype: 'int32' });
  return { images: all.images.indexSelect(0, rows), labels: all.labels.indexSelect(0, rows) };
}

describe.runIf(wasm)('soak (short): training without dispose() keeps memory bounded', () => {
  const digits = everyFourth(loadDigits());
  // collections paced by debt alone: test files run side by side here, and with time in the decision a
  // loaded machine let memory grow towards the debt cap now and then (npm run soak keeps the real pacing)
  heap.pacedByTime = false;
  afterAll(() => {
    heap.pacedByTime = true;
    if (threaded) setNumThreads(1);
  });

  for (const id of SCENARIO_IDS) {
    it.runIf(id !== 'b' || threaded)(`${id}) ${SCENARIOS[id]}`, async () => {
      const run = await runScenario(id, digits, options);
      const live = summarize(run, WARMUP_FRACTION).find((m) => m.metric === 'liveTensors')!;
      expect(verdict(run, WARMUP_FRACTION, { memoryBytes: 0, rss: Infinity, heapUsed: Infinity, liveTensorsFactor: 2 }).join("; ")).toBe("");
      expect(live.peakAfter).toBeGreaterThan(0);
      expect(run.finalLoss).toBeLessThan(0.5); // it really trained
      if (id === 'c') expect(run.testAccuracy).toBeGreaterThan(0.85);
    });
  }
});
