/** Distance layers (CosineSimilarity, PairwiseDistance) and EmbeddingBag, PyTorch's arguments and names. */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/mode.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal_ } from '../init.js';
import { checkSize, type ModuleClass } from './linear.js';
import { positionalOptions } from '../../options.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkBool } from '../../ops/dropout.js';
import { numArg } from '../../ops/activation-more.js';
import { embeddingConfig, type EmbeddingConfig } from '../../ops/embedding.js';
import {
  cosineSimilarity, pairwiseDistance, embeddingBagWith, type PairwiseDistanceOptions, type EmbeddingBagMode, type EmbeddingBagOptions,
} from '../../ops/distance.js';

/**
 * Cosine similarity of two inputs along dim. PyTorch's CosineSimilarity(dim=1, eps=1e-8).
 * @example new nn.CosineSimilarity(-1).forward(a, b)
 */
export class CosineSimilarity extends Module<(x1: Tensor, x2: Tensor) => Tensor> {
  readonly dim: number;
  readonly eps: number;
  constructor(...args: PositionalOr<[dim: number, eps: number], { dim?: number; eps?: number }>) {
    super();
    const o = positionalOptions<{ dim: number; eps: number }>('CosineSimilarity', args, ['dim', 'eps']);
    const dim: unknown = o.dim ?? 1;
    if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`CosineSimilarity: dim must be an integer, got ${describeValue(dim)}`);
    this.dim = dim;
    this.eps = numArg(o.eps, 1e-8, 'CosineSimilarity', 'eps');
  }
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(CosineSimilarity as unknown as ModuleClass);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarity(x1, x2, this.dim, this.eps);
  }
}

/**
 * p-norm distance of x1 - x2 + eps over the last dim. PyTorch's PairwiseDistance(p=2., eps=1e-6, keepdim=False).
 * @example new nn.PairwiseDistance(1).forward(a, b)
 */
export class PairwiseDistance extends Module<(x1: Tensor, x2: Tensor) => Tensor> {
  readonly norm: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(...args: PositionalOr<[p: number, eps: number, keepdim: boolean], PairwiseDistanceOptions>) {
    super();
    const o = positionalOptions<PairwiseDistanceOptions>('PairwiseDistance', args, ['p', 'eps', 'keepdim']);
    this.norm = numArg(o.p, 2, 'PairwiseDistance', 'p');
    this.eps = numArg(o.eps, 1e-6, 'PairwiseDistance', 'eps');
    this.keepdim = checkBool(o.keepdim, false, 'PairwiseDistance', 'keepdim');
  }
  /** @internal forward keeps no reference to its input or output (nn.Sequential frees them early). */
  override keepsNothing(): boolean {
    return this.forwardIs(PairwiseDistance as unknown as ModuleClass);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseDistance(x1, x2, this.norm, this.eps, this.keepdim);
  }
}

export interface EmbeddingBagLayerOptions {
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: EmbeddingBagMode;
  /** Sparse gradients: not supported (throws when true). */
  sparse?: boolean;
  /** PyTorch's _weight (an initial weight): not supported (throws); load a state dict instead. */
  _weight?: null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}

/**
 * Sums, means or maxes of bags of embeddings (weight [numEmbeddings, embeddingDim] ~ N(0, 1), row
 * paddingIdx zeros). PyTorch's EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.,
 * scale_grad_by_freq=False, mode='mean', sparse=False, _weight=None, include_last_offset=False,
 * padding_idx=None); forward(input, offsets = null, perSampleWeights = null).
 * @example new nn.EmbeddingBag(10, 3, { mode: 'sum' }).forward(ids, offsets)
 */
export class EmbeddingBag extends Module<(input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null) => Tensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly mode: EmbeddingBagMode;
  readonly sparse: boolean;
  readonly includeLastOffset: boolean;
  /** Non-negative (a negative argument counts from the end), null when none. */
  readonly paddingIdx: number | null;
  weight: Parameter;
  private readonly config: EmbeddingConfig;

  constructor(
    numEmbeddings: number,
    embeddingDim: number,
    ...args: PositionalOr<
      [
        maxNorm: number | null, normType: number, scaleGradByFreq: boolean, mode: EmbeddingBagMode, sparse: boolean, _weight: null,
        includeLastOffset: boolean, paddingIdx: number | null,
      ],
      EmbeddingBagLayerOptions
    >
  ) {
    super();
    const op = 'EmbeddingBag';
    this.numEmbeddings = checkSize(numEmbeddings, op, 'numEmbeddings');
    this.embeddingDim = checkSize(embeddingDim, op, 'embeddingDim');
    const o = positionalOptions<EmbeddingBagLayerOptions>(op, args, [
      'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', '_weight', 'includeLastOffset', 'paddingIdx',
    ]);
    if (o._weight != null) throw new TypeError(`${op}: _weight is not supported; assign weight or load a state dict instead`);
    const cfg = embeddingConfig(o, numEmbeddings, op);
    this.config = cfg;
    const mode: unknown = o.mode ?? 'mean';
    if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') throw new RangeError(`${op}: mode must be 'sum', 'mean' or 'max', got ${describeValue(mode)}`);
    this.mode = mode;
    this.maxNorm = cfg.maxNorm;
    this.normType = cfg.normType;
    this.scaleGradByFreq = cfg.scaleGradByFreq;
    this.sparse = cfg.sparse;
    this.paddingIdx = cfg.paddingIdx;
    this.includeLastOffset = checkBool(o.includeLastOffset, false, op, 'includeLastOffset');
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

  override forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    const o: Partial<EmbeddingBagOptions> = {
      offsets, perSampleWeights, mode: this.mode, includeLastOffset: this.includeLastOffset, maxNorm: this.maxNorm, normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq, paddingIdx: this.paddingIdx,
    };
    return embeddingBagWith(input, this.weight, o, 'EmbeddingBag');
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += `, scale_grad_by_freq=${pyBool(this.scaleGradByFreq)}`;
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
