/**
 * CNN training on MNIST batches: the `npm start` model (conv 1→16 3×3 pad 1, ReLU, max-pool 2;
 * conv 16→32 3×3 pad 1, ReLU, max-pool 2; flatten; dropout 0.3; linear 32·7·7→10; cross-entropy; Adam
 * lr 0.002), batch 32, samples/s of whole training steps. Inputs are real digits from the `mnist`
 * package's JSON (read here directly; the same 8 batches cycle for every implementation).
 *
 * wasmgrad runs its own nn.Sequential (NCHW); TensorFlow.js runs the same architecture built from ops
 * (NHWC: conv2d 'same', relu, maxPool, dropout, matMul) with tf.train.adam, dataSync() on the loss ending
 * each step. TensorFlow.js's wasm backend is tried too: it has no gradient kernels for conv2d, so that
 * row reports the error it throws.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { F, manualSeed, optim, setBackend, tensor, type BackendName, type Tensor } from '../src/index.js';
import { quick, timeIt, TRAINING_WARMUP } from './harness.js';
import { loadTf } from './mlp.js';
import { mnistModel } from '../examples/mnist/models.js';
import { CNN_BATCH, CNN_NBATCH, digitBatches, type Batches } from './digits.js';

const BATCH = CNN_BATCH;
const NBATCH = CNN_NBATCH;
type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;
type Tf4 = import('@tensorflow/tfjs').Tensor4D;

let batches: Batches | null = null;
/** NBATCH batches of BATCH real digits, classes interleaved (bench/digits.ts); images [BATCH·784] in [0, 1]. */
function digits(): Batches {
  if (batches) return batches;
  const require = createRequire(import.meta.url);
  batches = digitBatches(Array.from({ length: 10 }, (_, d) =>
    (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }).data));
  return batches;
}

/** Samples per second of wasmgrad training steps on `backend` (the js backend gets few repeats). */
export function wasmgradCnnSamples(backend: BackendName): number {
  setBackend(backend);
  manualSeed(0);
  const model = mnistModel('cnn');
  model.train();
  const opt = new optim.Adam(model.parameters(), { lr: 0.002 });
  const { images, labels } = digits();
  const xs: Tensor[] = images.map((im) => tensor(im).reshape(BATCH, 1, 28, 28));
  const ys: Tensor[] = labels.map((l) => tensor(l));
  let i = 0;
  const s = timeIt(() => {
    const k = i++ % NBATCH;
    const loss = F.crossEntropy(model.forward(xs[k]!), ys[k]!);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  }, backend === 'js' ? { warmup: 1, repeats: quick ? 1 : 3, minSeconds: quick ? 0 : 0.5 } : TRAINING_WARMUP);
  for (const t of [...xs, ...ys]) t.dispose();
  return BATCH / s;
}

/** Samples per second of the same model in TensorFlow.js, or "n/a (error)" if the backend cannot train it. */
export async function tfjsCnnSamples(backend: 'wasm' | 'cpu'): Promise<number | string> {
  // two of its steps (warm-up and one timed) were a fifth of a --quick run
  if (quick && backend === 'cpu') return 'n/a (skipped with --quick: ~6 s per step)';
  const tf: Tf = await loadTf();
  await tf.setBackend(backend);
  await tf.ready();
  const glorot = (shape: number[], fanIn: number) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', 0));
  const w1 = glorot([3, 3, 1, 16], 9), b1 = glorot([16], 9);
  const w2 = glorot([3, 3, 16, 32], 144), b2 = glorot([32], 144);
  const w3 = glorot([32 * 7 * 7, 10], 32 * 7 * 7), b3 = glorot([10], 32 * 7 * 7);
  const vars = [w1, b1, w2, b2, w3, b3];
  const { images, labels } = digits();
  const xs = images.map((im) => tf.tensor4d(im, [BATCH, 28, 28, 1]));
  const ys = labels.map((l) => tf.oneHot(tf.tensor1d(l, 'int32'), 10));
  const opt = tf.train.adam(0.002);
  let i = 0;
  const step = () => {
    const k = i++ % NBATCH;
    const cost = opt.minimize(() => {
      let h: TfTensor = tf.relu(tf.add(tf.conv2d(xs[k]!, w1 as Tf4, 1, 'same'), b1));
      h = tf.maxPool(h as Tf4, 2, 2, 'valid');
      h = tf.relu(tf.add(tf.conv2d(h as Tf4, w2 as Tf4, 1, 'same'), b2));
      h = tf.maxPool(h as Tf4, 2, 2, 'valid');
      h = tf.dropout(tf.reshape(h, [BATCH, 32 * 7 * 7]), 0.3);
      const logits = tf.add(tf.matMul(h, w3), b3);
      return tf.losses.softmaxCrossEntropy(ys[k]!, logits) as import('@tensorflow/tfjs').Scalar;
    }, true, vars);
    cost!.dataSync();
    cost!.dispose();
  };
  let result: number | string;
  try {
    step(); // warm-up; throws here on a backend without conv2d/maxPool gradient kernels
    // the cpu backend takes seconds per step: time single steps, median of them
    result = BATCH / timeIt(step, { warmup: 0, repeats: quick ? 1 : 3, minSeconds: 0 });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 100);
    console.error(`TensorFlow.js ${backend} CNN training failed: ${msg}`);
    result = `n/a (${msg})`;
  }
  for (const t of [...vars, ...xs, ...ys]) t.dispose();
  opt.dispose();
  return result;
}
