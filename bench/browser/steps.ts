/**
 * The training steps of `npm run bench:browser`, the same code in Node and in the page: bench/cnn.ts's
 * MNIST CNN step (batch 32, Adam lr 0.002, its 8 batches of real digits) and bench/mlp.ts's MLP step
 * (784-256-256-10, batch 128, SGD lr 0.01), timed with bench/harness.ts's rules (TRAINING_WARMUP, then
 * `repeats` windows of at least `minSeconds`; the median window is what timeIt returns). The best window
 * is returned too: on a machine other work shares it is the steadier figure.
 */
import { F, manualSeed, nn, optim, randint, randn, tensor, type Tensor } from 'wasmgrad';
import { mnistModel } from '../../examples/mnist/models.js';
import { quick, TRAINING_WARMUP } from '../harness.js';
import { CNN_BATCH, CNN_NBATCH as NBATCH, type Batches } from '../digits.js';

export { CNN_BATCH, digitBatches, type Batches } from '../digits.js';

const MLP_BATCH = 128;
const MLP_SIZES = [784, 256, 256, 10] as const;

/** The CNN step on `batches` (random inputs of the same shapes when null). */
export function cnnStep(batches: Batches | null): () => void {
  manualSeed(0);
  const model = mnistModel('cnn');
  model.train();
  const opt = new optim.Adam(model.parameters(), { lr: 0.002 });
  const xs: Tensor[] = [], ys: Tensor[] = [];
  for (let b = 0; b < NBATCH; b++) {
    xs.push(batches ? tensor(batches.images[b]!).reshape(CNN_BATCH, 1, 28, 28) : randn(CNN_BATCH, 1, 28, 28));
    ys.push(batches ? tensor(batches.labels[b]!) : randint(0, 10, [CNN_BATCH]));
  }
  let i = 0;
  return () => {
    const k = i++ % NBATCH;
    const loss = F.crossEntropy(model.forward(xs[k]!), ys[k]!);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  };
}

/** The MLP step. */
export function mlpStep(): () => void {
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Linear(MLP_SIZES[0], MLP_SIZES[1]), new nn.ReLU(),
    new nn.Linear(MLP_SIZES[1], MLP_SIZES[2]), new nn.ReLU(),
    new nn.Linear(MLP_SIZES[2], MLP_SIZES[3]),
  );
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn(MLP_BATCH, MLP_SIZES[0]);
  const y = randint(0, 10, [MLP_BATCH]);
  return () => {
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  };
}

export interface Timing {
  /** Seconds per step: the median window (what bench/harness.ts's timeIt returns). */
  median: number;
  /** Seconds per step in the fastest window. */
  best: number;
  /** CPU seconds of the calling thread per step (when timeStep got a clock): median and fastest window. */
  cpuMedian?: number;
  cpuBest?: number;
}

/**
 * Times `step` with timeIt's rules (TRAINING_WARMUP; `repeats` windows, 7 by default, of at least 0.2 s);
 * `between` (a turn of the page's event loop) is awaited after every step when given, on the clock.
 * `cpuNs`, if given, reads the calling thread's CPU time (ns): it is read before and after every window.
 */
export async function timeStep(step: () => void, between?: () => Promise<void>, repeats = quick ? 3 : 7,
  cpuNs?: () => number | Promise<number>): Promise<Timing> {
  const minMs = (quick ? 0.05 : 0.2) * 1000;
  const call = between === undefined ? null : async () => {
    step();
    await between();
  };
  for (let i = 0; i < TRAINING_WARMUP.warmup!; i++) call ? await call() : step();
  for (const t0 = performance.now(); performance.now() - t0 < TRAINING_WARMUP.warmupSeconds! * 1000;) call ? await call() : step();
  const wall: number[] = [], cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const c0 = cpuNs ? await cpuNs() : 0;
    const t0 = performance.now();
    let t = t0;
    if (call) {
      do {
        await call();
        calls++;
        t = performance.now();
      } while (t - t0 < minMs);
    } else {
      do {
        step();
        calls++;
        t = performance.now();
      } while (t - t0 < minMs);
    }
    wall.push((t - t0) / 1000 / calls);
    if (cpuNs) cpu.push(((await cpuNs()) - c0) / 1e9 / calls);
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    median: mid(wall), best: Math.min(...wall),
    ...(cpuNs ? { cpuMedian: mid(cpu), cpuBest: Math.min(...cpu) } : {}),
  };
}
