/**
 * The gradient of a slice of an input (narrow, select, split, chunk, indexing), as a backward rule returns
 * it outside createGraph: the slice's gradient `g` and where it lies in the input, instead of a zero-filled
 * copy of the whole input with g written into it. The engine adds g into the region of the input's
 * gradient slot (and makes the full tensor only when the slot is empty or cannot be written in place), so
 * the slices of one input (the q, k and v of a split projection) fill one buffer.
 */
import type { Tensor } from '../tensor/tensor.js';

export class SliceGrad {
  constructor(
    /** The gradient of the slice. */
    readonly g: Tensor,
    /** The input's shape. */
    readonly shape: readonly number[],
    /** The slice as a view of a tensor of the input's shape. */
    readonly region: (full: Tensor) => Tensor,
  ) {}
}
