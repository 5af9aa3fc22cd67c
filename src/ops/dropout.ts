/** Dropout with the library's seeded random source (manualSeed makes masks reproducible). */
import { heap } from '../backends/memory.js';
import { defaultGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Zeroes each element with probability p and scales the kept ones by 1/(1-p) when training; identity
 * otherwise. p = 1 zeroes everything. The gradient is the same mask times the incoming gradient.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('dropout: input must be a Tensor');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  const n = x.numel();
  // the mask is drawn straight into its tensor's memory (no JS array, no copy)
  const m = Tensor.empty([...x.shape], 'float32');
  const mask = heap.f32.subarray(m.ptr >>> 2, (m.ptr >>> 2) + n);
  if (p < 1) {
    const scale = 1 / (1 - p);
    defaultGenerator.fillUniform(mask); // uniforms have 24 bits: exact in float32, compared exactly below
    for (let i = 0; i < n; i++) mask[i] = mask[i]! < p ? 0 : scale;
  } else {
    mask.fill(0);
  }
  const y = x.mul(m);
  // the mask is this op's own: freed once mul's backward node no longer needs it, not left to the GC
  m._releaseToGraph();
  return y;
}
