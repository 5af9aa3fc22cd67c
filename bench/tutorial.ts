/**
 * The tutorial's inner step (y = w·x: forward, backward, SGD update through .data, zero the grad) in
 * wasmgrad and in TensorFlow.js, µs per iteration.
 */
import { setBackend, tensor, type BackendName } from '../src/index.js';
import { quick, timeIt } from './harness.js';
import { loadTf } from './mlp.js';

const DATA = [[1, 2], [2, 4], [3, 6]] as const;
const WARMUP = { warmup: 2000, warmupSeconds: quick ? 0.3 : 1 };

export function wasmgradTutorialMicros(backend: BackendName): number {
  setBackend(backend);
  const w = tensor([3.0], { requiresGrad: true });
  let i = 0;
  return 1e6 * timeIt(() => {
    const [x, y] = DATA[i++ % 3]!;
    const l = w.mul(x).sub(y).pow(2);
    l.backward();
    w.data = w.data.sub(w.grad!.data.mul(0.01));
    w.grad!.data.zero_();
  }, WARMUP);
}

/** The same step in TensorFlow.js: variableGrads, then assign; dataSync ends each iteration. */
export async function tfjsTutorialMicros(backend: 'wasm' | 'cpu'): Promise<number> {
  const tf = await loadTf();
  await tf.setBackend(backend);
  await tf.ready();
  const w = tf.variable(tf.tensor1d([3.0]));
  let i = 0;
  const us = 1e6 * timeIt(() => {
    const [x, y] = DATA[i++ % 3]!;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => w.mul(x).sub(y).square().sum() as import('@tensorflow/tfjs').Scalar, [w]);
      w.assign(w.sub(grads[w.name]!.mul(0.01)));
    });
    w.dataSync();
  }, WARMUP);
  w.dispose();
  return us;
}
