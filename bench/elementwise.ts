/**
 * Elementwise add of two 16M-float tensors, GB/s counting 3×4 bytes per element (two reads, one
 * write): wasmgrad's wasm and js backends, TensorFlow.js wasm and cpu, jax-js eager and `jit`. Every
 * implementation adds the same two inputs, built once; results are freed after each call.
 */
import { setBackend, tensor, type BackendName } from '../src/index.js';
import { quick, timeIt } from './harness.js';
import { jaxAddGBs, uniformArray, type Result } from './jax.js';
import { loadTf } from './mlp.js';

export const ADD_N = 1 << 24;
const BYTES = 12 * ADD_N;

let inputs: [Float32Array, Float32Array] | null = null;
function host(): [Float32Array, Float32Array] {
  inputs ??= [uniformArray(ADD_N, 1, 5), uniformArray(ADD_N, 1, 6)];
  return inputs;
}

export function wasmgradAddGBs(backend: BackendName): number {
  setBackend(backend);
  const [a0, b0] = host();
  const a = tensor(a0), b = tensor(b0);
  const s = timeIt(() => a.add(b).dispose(), backend === 'js' ? { warmup: 1, repeats: quick ? 3 : 5 } : { warmup: 3 });
  a.dispose();
  b.dispose();
  return BYTES / s / 1e9;
}

/** TensorFlow.js: `tf.add`, then `dataSync()` (on the wasm backend that copies the 64 MB result out). */
export async function tfjsAddGBs(backend: 'wasm' | 'cpu'): Promise<number> {
  const tf = await loadTf();
  await tf.setBackend(backend);
  await tf.ready();
  const [a0, b0] = host();
  const a = tf.tensor1d(a0), b = tf.tensor1d(b0);
  const s = timeIt(() => {
    const c = tf.add(a, b);
    c.dataSync();
    c.dispose();
  }, { warmup: 2 });
  a.dispose();
  b.dispose();
  return BYTES / s / 1e9;
}

export function jaxAdd(useJit: boolean): Promise<Result> {
  const [a0, b0] = host();
  return jaxAddGBs(ADD_N, a0, b0, useJit);
}
