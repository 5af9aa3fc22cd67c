/** nn.Parameter: a leaf tensor that requires grad, made from data (copied). */
import { Tensor } from '../tensor/tensor.js';
import { tensor as makeTensor } from '../tensor/creation.js';

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const src = data.isContiguous() && data.dtype === 'float32' ? data.detach() : makeTensor(data);
    super(src.storage, src.shape, src.strides, src.offset, src.dtype);
    this.requiresGrad = requiresGrad;
  }
}
