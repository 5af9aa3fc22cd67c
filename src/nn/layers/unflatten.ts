/** Unflatten: the inverse of Flatten for one dim. */
import { Tensor } from '../../tensor/tensor.js';
import { Module, pyTuple } from '../module.js';

/**
 * Expands dim `dim` of the input into `unflattenedSize` (PyTorch's nn.Unflatten; one entry may be -1):
 * [N, 12] with Unflatten(1, [3, 4]) gives [N, 3, 4]. A view when the input's layout allows.
 * @example new nn.Unflatten(1, [2, 5]).forward(zeros(4, 10)).shape // [4, 2, 5]
 */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];
  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`Unflatten: dim must be an integer, got ${String(dim)}`);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((v) => Number.isInteger(v))) {
      throw new TypeError(`Unflatten: unflattenedSize must be a non-empty array of integers, got ${JSON.stringify(unflattenedSize)}`);
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
