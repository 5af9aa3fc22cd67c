/** Embedding lookup tables. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/mode.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal_ } from '../init.js';
import { checkSize } from './linear.js';
import { positionalOptions } from '../../options.js';
import { EMBEDDING_POSITIONAL, embeddingConfig, embeddingWith, type EmbeddingArgs, type EmbeddingConfig, type EmbeddingOptions } from '../../ops/embedding.js';

/**
 * A table of numEmbeddings vectors of size embeddingDim (weight ~ N(0, 1), row paddingIdx zeros), indexed
 * by int32 tensors. PyTorch's (num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
 * norm_type=2.0, scale_grad_by_freq=False, sparse=False), positionally and/or as a trailing options
 * object: `new Embedding(10, 3, 0)`, `new Embedding(10, 3, { paddingIdx: -1, maxNorm: 1 })`.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Non-negative (a negative argument counts from the end), null when none. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;
  private readonly config: EmbeddingConfig;

  constructor(numEmbeddings: number, embeddingDim: number, ...args: EmbeddingArgs) {
    super();
    this.numEmbeddings = checkSize(numEmbeddings, 'Embedding', 'numEmbeddings');
    this.embeddingDim = checkSize(embeddingDim, 'Embedding', 'embeddingDim');
    const cfg = embeddingConfig(positionalOptions<EmbeddingOptions>('Embedding', args, EMBEDDING_POSITIONAL), numEmbeddings, 'Embedding');
    this.config = cfg;
    this.paddingIdx = cfg.paddingIdx;
    this.maxNorm = cfg.maxNorm;
    this.normType = cfg.normType;
    this.scaleGradByFreq = cfg.scaleGradByFreq;
    this.sparse = cfg.sparse;
    this.weight = new Parameter(empty(numEmbeddings, embeddingDim));
    this.resetParameters();
  }

  /** N(0, 1), with the padding row zeroed (PyTorch's reset_parameters). */
  resetParameters(): void {
    normal_(this.weight);
    const pad = this.paddingIdx;
    if (pad !== null) {
      noGrad(() => {
        const row = this.weight.select(0, pad);
        row.fill_(0);
        row.dispose();
      });
    }
  }

  override forward(indices: Tensor): Tensor {
    return embeddingWith(indices, this.weight, this.config);
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += `, scale_grad_by_freq=${pyBool(this.scaleGradByFreq)}`;
    return s;
  }
}
