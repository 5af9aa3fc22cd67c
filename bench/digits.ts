/**
 * The MNIST CNN benchmarks' batches (bench/cnn.ts in Node, bench/browser in a page): 8 batches of 32 real
 * digits, classes interleaved, cut from the `mnist` package's per-class pixel arrays (each class's images
 * concatenated, 784 values in [0, 1] per image). No imports: the page bundles it too.
 */
export const CNN_BATCH = 32;
export const CNN_NBATCH = 8;

export interface Batches { images: Float32Array[]; labels: Int32Array[] }

/** The batches from the per-class pixel arrays (byClass[d]: class d's images, 784 values each). */
export function digitBatches(byClass: readonly (readonly number[])[]): Batches {
  const per = Math.ceil((CNN_BATCH * CNN_NBATCH) / 10);
  const images: Float32Array[] = [], labels: Int32Array[] = [];
  let k = 0;
  for (let b = 0; b < CNN_NBATCH; b++) {
    const img = new Float32Array(CNN_BATCH * 784), lab = new Int32Array(CNN_BATCH);
    for (let i = 0; i < CNN_BATCH; i++, k++) {
      const d = (k * 3 + Math.floor(k / 10)) % 10, j = Math.floor(k / 10) % per;
      img.set(byClass[d]!.slice(j * 784, (j + 1) * 784), i * 784);
      lab[i] = d;
    }
    images.push(img);
    labels.push(lab);
  }
  return { images, labels };
}
