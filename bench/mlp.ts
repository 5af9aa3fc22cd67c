/**
 * MLP 784-256-256-10 training step (forward, cross-entropy, backward, SGD update) at batch 128:
 * wasmgrad's wasm and js backends against TensorFlow.js's wasm and cpu backends, same model, same batch,
 * same process. TensorFlow.js is forced to finish every step with dataSync().
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { F, manualSeed, nn, optim, randint, randn, setBackend, type BackendName } from '../src/index.js';
import { timeIt, TRAINING_WARMUP } from './harness.js';

const BATCH = 128;
const SIZES = [784, 256, 256, 10] as const;

/** Steps per second of one wasmgrad training step. */
export function wasmgradMlpSteps(backend: BackendName): number {
  setBackend(backend);
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Linear(SIZES[0], SIZES[1]), new nn.ReLU(),
    new nn.Linear(SIZES[1], SIZES[2]), new nn.ReLU(),
    new nn.Linear(SIZES[2], SIZES[3]),
  );
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn(BATCH, SIZES[0]);
  const y = randint(0, 10, [BATCH]);
  const s = timeIt(() => {
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  }, backend === 'js' ? { warmup: 3 } : TRAINING_WARMUP);
  return 1 / s;
}

type Tf = typeof import('@tensorflow/tfjs');

let tfPromise: Promise<Tf> | null = null;
/** TensorFlow.js with its wasm backend registered (the union package: one tfjs-core, gradients included). */
export function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    return tf;
  })();
  return tfPromise;
}

/** Steps per second of the same training step in TensorFlow.js on `backend` ('wasm' or 'cpu'). */
export async function tfjsMlpSteps(backend: 'wasm' | 'cpu'): Promise<number> {
  const tf = await loadTf();
  await tf.setBackend(backend);
  await tf.ready();
  const vars = [] as import('@tensorflow/tfjs').Variable[];
  for (let i = 0; i + 1 < SIZES.length; i++) {
    const bound = 1 / Math.sqrt(SIZES[i]!);
    vars.push(tf.variable(tf.randomUniform([SIZES[i]!, SIZES[i + 1]!], -bound, bound)));
    vars.push(tf.variable(tf.randomUniform([SIZES[i + 1]!], -bound, bound)));
  }
  const x = tf.randomNormal([BATCH, SIZES[0]]);
  const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10);
  const opt = tf.train.sgd(0.01);
  const forward = () => {
    let h: import('@tensorflow/tfjs').Tensor = x;
    for (let i = 0; i < vars.length; i += 2) {
      h = tf.add(tf.matMul(h, vars[i]!), vars[i + 1]!);
      if (i + 2 < vars.length) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(labels, h) as import('@tensorflow/tfjs').Scalar;
  };
  const s = timeIt(() => {
    const cost = opt.minimize(forward, true, vars);
    cost!.dataSync();
    cost!.dispose();
  }, backend === 'cpu' ? { warmup: 3 } : TRAINING_WARMUP);
  for (const v of vars) v.dispose();
  x.dispose();
  labels.dispose();
  return 1 / s;
}
