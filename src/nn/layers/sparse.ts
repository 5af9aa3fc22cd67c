/** Embedding lookup tables. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { embedding } from '../functional.js';
import { normal_ } from '../init.js';
import { checkSize } from './linear.js';

/** A table of numEmbeddings vectors of size embeddingDim (weight ~ N(0, 1)), indexed by int32 tensors. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    this.numEmbeddings = checkSize(numEmbeddings, 'Embedding', 'numEmbeddings');
    this.embeddingDim = checkSize(embeddingDim, 'Embedding', 'embeddingDim');
    this.weight = new Parameter(empty(numEmbeddings, embeddingDim));
    normal_(this.weight);
  }

  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}
