/**
 * Attention and Transformer layers with PyTorch's structure, parameter names and initialisation:
 * nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.TransformerEncoder,
 * nn.TransformerDecoder and nn.Transformer. State dicts have PyTorch's keys (`self_attn.in_proj_weight`,
 * `layers.0.linear1.weight`, `encoder.norm.bias`, ...), so checkpoints load both ways.
 *
 * Sequences are (L, N, E) by default and (N, L, E) with batchFirst; unbatched inputs are (L, E).
 * Masks follow nn.MultiheadAttention's convention: a bool mask is true where attention is NOT allowed
 * (the opposite of F.scaledDotProductAttention's bool mask), a float mask is added to the attention scores.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { empty, full, zeros } from '../../tensor/creation.js';
import { cat } from '../../ops/indexing.js';
import { triu } from '../../ops/creation-random.js';
import { scaledDotProductAttention } from '../../ops/attention.js';
import { Module, type AnyModule } from '../module.js';
import { Parameter } from '../parameter.js';
import { dropout as dropoutFn, gelu, linear, relu } from '../functional.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { positionalOptions } from '../../options.js';
import { checkBool, checkDropoutP } from '../../ops/dropout.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkSize, Linear } from './linear.js';
import { LayerNorm } from './normalization.js';
import { Dropout } from './dropout.js';
import { ModuleList } from './container.js';

// ---------------------------------------------------------------- helpers

function checkTensor(v: unknown, op: string, name: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describeValue(v)}`);
  if (v.dtype !== 'float32') throw new TypeError(`${op}: ${name} must be a float32 tensor, got ${v.dtype}`);
  return v;
}

/** A mask argument: null/undefined, or a bool or float32 tensor. */
function checkMask(v: unknown, op: string, name: string): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${describeValue(v)}`);
  if (v.dtype !== 'bool' && v.dtype !== 'float32') throw new TypeError(`${op}: only bool and floating types of ${name} are supported, got ${v.dtype}`);
  return v;
}

/** PyTorch's _canonical_mask: a bool mask (true = masked) as a float mask with -inf where true, 0 elsewhere. */
function canonicalMask(m: Tensor | null): Tensor | null {
  if (m === null || m.dtype !== 'bool') return m;
  return zeros(m.shape).maskedFill(m, -Infinity);
}

/** m with one more column of zeros at the end of its last dim (PyTorch's pad(mask, (0, 1)) of a float mask). */
function padColumn(m: Tensor): Tensor {
  return cat([m, zeros([...m.shape.slice(0, -1), 1])], -1);
}

/** Tensor.transpose(0, 1) for batched inputs given batch-first. */
const swap01 = (t: Tensor): Tensor => t.transpose(0, 1);

function checkIsCausal(v: unknown, op: string, name: string): boolean {
  return checkBool(v, false, op, name);
}

// ---------------------------------------------------------------- MultiheadAttention

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights (training only). Default 0. */
  dropout?: number;
  /** Biases of the input and output projections. Default true. */
  bias?: boolean;
  /** Learned biases `bias_k`, `bias_v` appended to the key and value sequences. Default false. */
  addBiasKv?: boolean;
  /** Append a zero key and value (one more source position). Default false. */
  addZeroAttn?: boolean;
  /** Feature size of the key (default embedDim; null means embedDim). */
  kdim?: number | null;
  /** Feature size of the value (default embedDim; null means embedDim). */
  vdim?: number | null;
  /** Inputs and output are (N, L, E) instead of (L, N, E). Default false. */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** (N, S) or, unbatched, (S): bool true = ignore that key, or float added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** (L, S) or (N * numHeads, L, S): bool true = not allowed, or float added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true); else (N, numHeads, L, S). */
  averageAttnWeights?: boolean;
  /** Hint that attnMask is the causal mask (attnMask is then required, as in PyTorch). Default false. */
  isCausal?: boolean;
}

/** PyTorch's positional parameters of MultiheadAttention.forward after (query, key, value). */
export type MultiheadAttentionForwardArgs = PositionalOr<
  [keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean, isCausal: boolean],
  MultiheadAttentionForwardOptions
>;

type MHAForward = (query: Tensor, key: Tensor, value: Tensor, ...args: MultiheadAttentionForwardArgs) => [Tensor, Tensor | null];

/**
 * Multi-head attention (PyTorch's nn.MultiheadAttention):
 * MultiHead(Q, K, V) = Concat(head_1, ..., head_h)·W_outᵀ + b_out with
 * head_i = softmax((Q·W_qiᵀ + b_qi)(K·W_kiᵀ + b_ki)ᵀ / sqrt(headDim) + mask)(V·W_viᵀ + b_vi).
 *
 * Parameters as PyTorch's: `in_proj_weight` [3E, E] (xavier-uniform) when kdim == vdim == embedDim, else
 * `q_proj_weight` [E, E], `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim] (xavier-uniform);
 * `in_proj_bias` [3E] (zeros), `bias_k`/`bias_v` [1, 1, E] (xavier-normal) with addBiasKv, and the
 * submodule `out_proj` (a Linear with zero bias).
 *
 * forward(query, key, value, keyPaddingMask?, needWeights = true, attnMask?, averageAttnWeights = true,
 * isCausal = false) (or a trailing options object) returns [attnOutput, attnWeights | null]: the output is
 * (L, N, E) ((N, L, E) with batchFirst, (L, E) unbatched); the weights (N, L, S) averaged over heads, or
 * (N, numHeads, L, S), without the batch dim when unbatched. Dropout applies to the weights in training.
 * @example const [out, w] = new nn.MultiheadAttention(8, 2).forward(q, k, v, { attnMask });
 */
export class MultiheadAttention extends Module<MHAForward> {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  /** Dropout probability on the attention weights. */
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** kdim == vdim == embedDim: one packed `in_proj_weight`. */
  readonly qkvSameEmbedDim: boolean;
  in_proj_weight: Parameter | null;
  q_proj_weight: Parameter | null;
  k_proj_weight: Parameter | null;
  v_proj_weight: Parameter | null;
  in_proj_bias: Parameter | null;
  out_proj: Linear;
  bias_k: Parameter | null;
  bias_v: Parameter | null;

  /**
   * PyTorch's (embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
   * kdim=None, vdim=None, batch_first=False), positionally and/or as a trailing options object.
   */
  constructor(
    embedDim: number,
    numHeads: number,
    ...args: PositionalOr<
      [dropout: number, bias: boolean, addBiasKv: boolean, addZeroAttn: boolean, kdim: number | null, vdim: number | null, batchFirst: boolean],
      MultiheadAttentionOptions
    >
  ) {
    super();
    const op = 'MultiheadAttention';
    this.embedDim = checkSize(embedDim, op, 'embedDim');
    this.numHeads = checkSize(numHeads, op, 'numHeads');
    const o = positionalOptions<MultiheadAttentionOptions>(op, args, ['dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst']);
    this.kdim = o.kdim == null ? embedDim : checkSize(o.kdim, op, 'kdim');
    this.vdim = o.vdim == null ? embedDim : checkSize(o.vdim, op, 'vdim');
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.dropout = checkDropoutP(o.dropout ?? 0, op);
    this.batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError(`${op}: embedDim must be divisible by numHeads, got embedDim=${embedDim} and numHeads=${numHeads}`);
    const bias = checkBool(o.bias, true, op, 'bias');
    const addBiasKv = checkBool(o.addBiasKv, false, op, 'addBiasKv');
    this.addZeroAttn = checkBool(o.addZeroAttn, false, op, 'addZeroAttn');
    if (this.qkvSameEmbedDim) {
      this.in_proj_weight = new Parameter(empty(3 * embedDim, embedDim));
      this.q_proj_weight = this.k_proj_weight = this.v_proj_weight = null;
    } else {
      this.in_proj_weight = null;
      this.q_proj_weight = new Parameter(empty(embedDim, embedDim));
      this.k_proj_weight = new Parameter(empty(embedDim, this.kdim));
      this.v_proj_weight = new Parameter(empty(embedDim, this.vdim));
    }
    this.in_proj_bias = bias ? new Parameter(empty(3 * embedDim)) : null;
    this.out_proj = new Linear(embedDim, embedDim, bias);
    this.bias_k = addBiasKv ? new Parameter(empty(1, 1, embedDim)) : null;
    this.bias_v = addBiasKv ? new Parameter(empty(1, 1, embedDim)) : null;
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v. */
  resetParameters(): void {
    if (this.in_proj_weight !== null) xavierUniform_(this.in_proj_weight);
    for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w !== null) xavierUniform_(w);
    if (this.in_proj_bias !== null) {
      constant_(this.in_proj_bias, 0);
      if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
    }
    if (this.bias_k !== null) xavierNormal_(this.bias_k);
    if (this.bias_v !== null) xavierNormal_(this.bias_v);
  }

  /**
   * @internal PyTorch's shape checks of forward's arguments (masks already type-checked), without computing
   * anything: the layers call it before running their first kernel. Returns whether the input is batched
   * and the target length L, batch size N and source length S.
   */
  checkInputs(op: string, query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, mask: Tensor | null, isCausal: boolean): { batched: boolean; L: number; N: number; S: number } {
    const H = this.numHeads;
    const batched = query.ndim === 3;
    const kind = batched ? 'batched (3-D)' : 'unbatched (2-D)';
    if (query.ndim !== 2 && query.ndim !== 3) throw new RangeError(`${op}: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new RangeError(`${op}: for ${kind} query, expected key and value to be ${query.ndim}-D but found ${key.ndim}-D and ${value.ndim}-D tensors`);
    }
    if (kpm !== null && kpm.ndim !== (batched ? 2 : 1)) {
      throw new RangeError(`${op}: for ${kind} query, expected keyPaddingMask to be null or ${batched ? 2 : 1}-D but found a ${kpm.ndim}-D tensor of shape ${shapeStr(kpm.shape)}`);
    }
    if (mask !== null && mask.ndim !== 2 && mask.ndim !== 3) throw new RangeError(`${op}: attnMask's dimension ${mask.ndim} is not supported (expected 2-D or 3-D)`);
    if (isCausal && mask === null) {
      throw new Error(`${op}: need attnMask if specifying the isCausal hint; nn.Transformer.generateSquareSubsequentMask(L) makes the causal mask`);
    }
    // shapes as (length, batch, features)
    const lne = (t: Tensor): number[] => (!batched ? [t.shape[0]!, 1, t.shape[1]!] : this.batchFirst ? [t.shape[1]!, t.shape[0]!, t.shape[2]!] : [...t.shape]);
    const [L, N, Eq] = lne(query) as [number, number, number];
    const ks = lne(key);
    const vs = lne(value);
    const S = ks[0]!;
    const where = (t: Tensor): string => shapeStr(t.shape);
    if (Eq !== this.embedDim) throw new RangeError(`${op}: expected query of embedding dimension ${this.embedDim}, got query of shape ${where(query)}`);
    if (ks[2] !== this.kdim) throw new RangeError(`${op}: expected key of embedding dimension ${this.kdim}, got key of shape ${where(key)}`);
    if (vs[2] !== this.vdim) throw new RangeError(`${op}: expected value of embedding dimension ${this.vdim}, got value of shape ${where(value)}`);
    if (ks[1] !== N || vs[1] !== N || vs[0] !== S) {
      throw new RangeError(`${op}: query ${where(query)}, key ${where(key)} and value ${where(value)} do not agree in batch size and source length`);
    }
    const kpmShape = kpm === null ? null : batched ? kpm.shape : [1, ...kpm.shape];
    if (kpm !== null && (kpmShape![0] !== N || kpmShape![1] !== S)) {
      throw new RangeError(`${op}: expected keyPaddingMask of shape ${shapeStr(batched ? [N, S] : [S])}, got ${where(kpm)}`);
    }
    if (mask !== null) {
      const want = mask.ndim === 2 ? [L, S] : [N * H, L, S];
      if (mask.shape.some((d, i) => d !== want[i])) {
        throw new RangeError(`${op}: the shape of the ${mask.ndim}D attnMask is ${where(mask)}, but should be ${shapeStr(want)}`);
      }
    }
    return { batched, L, N, S };
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, ...args: MultiheadAttentionForwardArgs): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention.forward';
    const o = positionalOptions<MultiheadAttentionForwardOptions>(op, args, ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights', 'isCausal']);
    checkTensor(query, op, 'query');
    checkTensor(key, op, 'key');
    checkTensor(value, op, 'value');
    let kpm = checkMask(o.keyPaddingMask, op, 'keyPaddingMask');
    let mask = checkMask(o.attnMask, op, 'attnMask');
    const needWeights = checkBool(o.needWeights, true, op, 'needWeights');
    const average = checkBool(o.averageAttnWeights, true, op, 'averageAttnWeights');
    let isCausal = checkIsCausal(o.isCausal, op, 'isCausal');
    const H = this.numHeads;
    const hd = this.headDim;
    const E = this.embedDim;
    const { batched, L, N } = this.checkInputs(op, query, key, value, kpm, mask, isCausal);

    // to (L, N, E)
    let q = query;
    let k = key;
    let v = value;
    if (batched && this.batchFirst) [q, k, v] = [swap01(q), swap01(k), swap01(v)];
    if (!batched) {
      [q, k, v] = [q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)];
      if (kpm !== null) kpm = kpm.unsqueeze(0);
    }

    kpm = canonicalMask(kpm);
    if (isCausal && kpm === null && !needWeights) {
      mask = null; // the hint alone goes to scaled dot-product attention
    } else {
      mask = canonicalMask(mask);
      if (kpm !== null) isCausal = false;
    }

    // input projections
    let qp: Tensor, kp: Tensor, vp: Tensor;
    const b = this.in_proj_bias;
    const bq = b === null ? null : b.narrow(0, 0, E);
    const bk = b === null ? null : b.narrow(0, E, E);
    const bv = b === null ? null : b.narrow(0, 2 * E, E);
    if (this.in_proj_weight !== null && query === key && key === value) {
      [qp, kp, vp] = linear(q, this.in_proj_weight, b).chunk(3, -1) as [Tensor, Tensor, Tensor]; // self-attention: one GEMM
    } else if (this.in_proj_weight !== null) {
      const w = this.in_proj_weight;
      qp = linear(q, w.narrow(0, 0, E), bq);
      kp = linear(k, w.narrow(0, E, E), bk);
      vp = linear(v, w.narrow(0, 2 * E, E), bv);
    } else {
      qp = linear(q, this.q_proj_weight!, bq);
      kp = linear(k, this.k_proj_weight!, bk);
      vp = linear(v, this.v_proj_weight!, bv);
    }
    if (mask !== null && mask.ndim === 2) mask = mask.unsqueeze(0);

    if (this.bias_k !== null && this.bias_v !== null) {
      kp = cat([kp, this.bias_k.expand(1, N, E)], 0);
      vp = cat([vp, this.bias_v.expand(1, N, E)], 0);
      if (mask !== null) mask = padColumn(mask);
      if (kpm !== null) kpm = padColumn(kpm);
    }
    // (L, N, E) -> (N * H, L, hd)
    let qh = qp.reshape(L, N * H, hd).transpose(0, 1);
    let kh = kp.reshape(kp.shape[0]!, N * H, hd).transpose(0, 1);
    let vh = vp.reshape(vp.shape[0]!, N * H, hd).transpose(0, 1);
    if (this.addZeroAttn) {
      kh = cat([kh, zeros(N * H, 1, hd)], 1);
      vh = cat([vh, zeros(N * H, 1, hd)], 1);
      if (mask !== null) mask = padColumn(mask);
      if (kpm !== null) kpm = padColumn(kpm);
    }
    const Sk = kh.shape[1]!;
    if (kpm !== null) {
      const expanded = kpm.reshape(N, 1, 1, Sk).expand(N, H, 1, Sk).reshape(N * H, 1, Sk);
      mask = mask === null ? expanded : mask.add(expanded);
    }
    const p = this.training ? this.dropout : 0;

    let out: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      let scores = qh.div(Math.sqrt(hd)).bmm(kh.transpose(1, 2));
      if (mask !== null) scores = scores.add(mask);
      let attn = scores.softmax(-1);
      if (p > 0) attn = dropoutFn(attn, p, true);
      out = attn.bmm(vh); // (N * H, L, hd)
      weights = attn.reshape(N, H, L, Sk);
      if (average) weights = weights.sum(1).div(H);
      out = out.transpose(0, 1).reshape(L * N, E);
    } else {
      let m4: Tensor | null = null;
      if (mask !== null) m4 = mask.shape[0] === 1 ? mask.unsqueeze(0) : mask.reshape(N, H, mask.shape[1]!, Sk); // (N * H, L or 1, S)
      qh = qh.reshape(N, H, L, hd);
      const k4 = kh.reshape(N, H, Sk, hd);
      const v4 = vh.reshape(N, H, Sk, hd);
      const o4 = scaledDotProductAttention(qh, k4, v4, m4, p, isCausal);
      out = o4.permute(2, 0, 1, 3).reshape(L * N, E);
    }
    let y = linear(out, this.out_proj.weight, this.out_proj.bias).reshape(L, N, E);
    if (!batched) {
      y = y.squeeze(1);
      if (weights !== null) weights = weights.squeeze(0);
    } else if (this.batchFirst) {
      y = swap01(y);
    }
    return [y, weights];
  }

}

// ---------------------------------------------------------------- activations of the feed-forward block

/** The activation of a Transformer layer: 'relu', 'gelu', a function of a Tensor, or a Module. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | AnyModule;

function resolveActivation(a: unknown, op: string): ((x: Tensor) => Tensor) | AnyModule {
  if (a === undefined || a === 'relu') return relu;
  if (a === 'gelu') return gelu as (x: Tensor) => Tensor;
  if (typeof a === 'string') throw new RangeError(`${op}: activation should be 'relu' or 'gelu' (or a function or module), not ${JSON.stringify(a)}`);
  if (typeof a === 'function' || a instanceof Module) return a as ((x: Tensor) => Tensor) | AnyModule;
  throw new TypeError(`${op}: activation must be 'relu', 'gelu', a function or an nn.Module, got ${describeValue(a)}`);
}

function applyActivation(a: ((x: Tensor) => Tensor) | AnyModule, x: Tensor): Tensor {
  return a instanceof Module ? (a.forward(x) as Tensor) : a(x);
}

function checkEps(v: unknown, op: string): number {
  const eps = v ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: layerNormEps must be a non-negative number, got ${describeValue(eps)}`);
  return eps;
}

// ---------------------------------------------------------------- encoder and decoder layers

export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block. Default 2048. */
  dimFeedforward?: number;
  /** Dropout probability (attention weights, feed-forward, residual branches). Default 0.1. */
  dropout?: number;
  /** 'relu' (default), 'gelu', a function or a module. */
  activation?: TransformerActivation;
  /** eps of the LayerNorms. Default 1e-5. */
  layerNormEps?: number;
  /** (N, L, E) instead of (L, N, E). Default false. */
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of post-norm. Default false. */
  normFirst?: boolean;
  /** Biases of the Linear layers and LayerNorms (PyTorch 2.1's bias). Default true. */
  bias?: boolean;
}
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

type LayerArgs = PositionalOr<
  [dimFeedforward: number, dropout: number, activation: TransformerActivation, layerNormEps: number, batchFirst: boolean, normFirst: boolean, bias: boolean],
  TransformerEncoderLayerOptions
>;
const LAYER_ARGS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'bias'];

interface LayerConfig {
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  dropout: number;
  activation: ((x: Tensor) => Tensor) | AnyModule;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
}

function layerConfig(op: string, dModel: number, nhead: number, args: readonly unknown[]): LayerConfig {
  checkSize(dModel, op, 'dModel');
  checkSize(nhead, op, 'nhead');
  const o = positionalOptions<TransformerEncoderLayerOptions>(op, args, LAYER_ARGS);
  return {
    dModel,
    nhead,
    dimFeedforward: checkSize(o.dimFeedforward ?? 2048, op, 'dimFeedforward'),
    dropout: checkDropoutP(o.dropout ?? 0.1, op),
    activation: resolveActivation(o.activation, op),
    layerNormEps: checkEps(o.layerNormEps, op),
    batchFirst: checkBool(o.batchFirst, false, op, 'batchFirst'),
    normFirst: checkBool(o.normFirst, false, op, 'normFirst'),
    bias: checkBool(o.bias, true, op, 'bias'),
  };
}

export interface TransformerEncoderLayerForwardOptions {
  /** (L, L) or (N * nhead, L, L) attention mask (bool true = not allowed, or float added). */
  srcMask?: Tensor | null;
  /** (N, L) bool (true = padding) or float mask. */
  srcKeyPaddingMask?: Tensor | null;
  /** Hint that srcMask is the causal mask. Default false. */
  isCausal?: boolean;
}
type EncoderLayerForwardArgs = PositionalOr<[srcMask: Tensor | null, srcKeyPaddingMask: Tensor | null, isCausal: boolean], TransformerEncoderLayerForwardOptions>;

/**
 * One Transformer encoder layer (PyTorch's nn.TransformerEncoderLayer): self-attention and a
 * feed-forward block linear2(dropout(activation(linear1(x)))), each with a residual connection and a
 * LayerNorm: post-norm x = norm1(x + sa(x)); x = norm2(x + ff(x)), or with normFirst
 * x = x + sa(norm1(x)); x = x + ff(norm2(x)). Submodules self_attn, linear1, dropout, linear2, norm1, norm2,
 * dropout1, dropout2 (PyTorch's state-dict keys).
 * PyTorch's (d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
 * batch_first=False, norm_first=False, bias=True), positionally and/or as a trailing options object.
 * @example const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 */
export class TransformerEncoderLayer extends Module<(src: Tensor, ...args: EncoderLayerForwardArgs) => Tensor> {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  /** The feed-forward activation (a child module when it is one, as in PyTorch). */
  activation: ((x: Tensor) => Tensor) | AnyModule;
  /** @internal the configuration, for TransformerEncoder's copies. */
  readonly _config: LayerConfig;

  constructor(dModel: number, nhead: number, ...args: LayerArgs) {
    super();
    const c = layerConfig('TransformerEncoderLayer', dModel, nhead, args);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst });
    this.linear1 = new Linear(dModel, c.dimFeedforward, c.bias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, dModel, c.bias);
    this.normFirst = c.normFirst;
    this.norm1 = new LayerNorm(dModel, c.layerNormEps, { bias: c.bias });
    this.norm2 = new LayerNorm(dModel, c.layerNormEps, { bias: c.bias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.activation = c.activation;
    this._config = c;
  }

  override forward(src: Tensor, ...args: EncoderLayerForwardArgs): Tensor {
    const op = 'TransformerEncoderLayer.forward';
    const o = positionalOptions<TransformerEncoderLayerForwardOptions>(op, args, ['srcMask', 'srcKeyPaddingMask', 'isCausal']);
    checkTensor(src, op, 'src');
    const srcMask = checkMask(o.srcMask, op, 'srcMask');
    const kpm = checkMask(o.srcKeyPaddingMask, op, 'srcKeyPaddingMask');
    const isCausal = checkIsCausal(o.isCausal, op, 'isCausal');
    this.self_attn.checkInputs(op, src, src, src, kpm, srcMask, isCausal);
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.self_attn.forward(x, x, x, { attnMask: srcMask, keyPaddingMask: kpm, needWeights: false, isCausal })[0]);
    const ff = (x: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ff(x)));
    }
    return x;
  }
}

export interface TransformerDecoderLayerForwardOptions {
  /** (T, T) or (N * nhead, T, T) self-attention mask. */
  tgtMask?: Tensor | null;
  /** (T, S) or (N * nhead, T, S) mask of the attention over memory. */
  memoryMask?: Tensor | null;
  /** (N, T) padding mask of tgt. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (N, S) padding mask of memory. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Hint that tgtMask is the causal mask. Default false. */
  tgtIsCausal?: boolean;
  /** Hint that memoryMask is the causal mask. Default false. */
  memoryIsCausal?: boolean;
}
type DecoderForwardArgs = PositionalOr<
  [tgtMask: Tensor | null, memoryMask: Tensor | null, tgtKeyPaddingMask: Tensor | null, memoryKeyPaddingMask: Tensor | null, tgtIsCausal: boolean, memoryIsCausal: boolean],
  TransformerDecoderLayerForwardOptions
>;
const DECODER_FORWARD_ARGS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal', 'memoryIsCausal'];

/**
 * One Transformer decoder layer (PyTorch's nn.TransformerDecoderLayer): self-attention over tgt,
 * attention over memory and a feed-forward block, each with a residual connection and a LayerNorm
 * (post-norm: x = norm1(x + sa(x)); x = norm2(x + mha(x, memory)); x = norm3(x + ff(x)); normFirst puts
 * the norms inside the residual branches). Submodules self_attn, multihead_attn, linear1, dropout,
 * linear2, norm1..3, dropout1..3. Constructor arguments as TransformerEncoderLayer's.
 * @example const y = new nn.TransformerDecoderLayer(16, 4, 32).forward(tgt, memory, { tgtMask });
 */
export class TransformerDecoderLayer extends Module<(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs) => Tensor> {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: ((x: Tensor) => Tensor) | AnyModule;
  /** @internal the configuration, for TransformerDecoder's copies. */
  readonly _config: LayerConfig;

  constructor(dModel: number, nhead: number, ...args: LayerArgs) {
    super();
    const c = layerConfig('TransformerDecoderLayer', dModel, nhead, args);
    const mha = (): MultiheadAttention => new MultiheadAttention(dModel, nhead, { dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst });
    this.self_attn = mha();
    this.multihead_attn = mha();
    this.linear1 = new Linear(dModel, c.dimFeedforward, c.bias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, dModel, c.bias);
    this.normFirst = c.normFirst;
    this.norm1 = new LayerNorm(dModel, c.layerNormEps, { bias: c.bias });
    this.norm2 = new LayerNorm(dModel, c.layerNormEps, { bias: c.bias });
    this.norm3 = new LayerNorm(dModel, c.layerNormEps, { bias: c.bias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.dropout3 = new Dropout(c.dropout);
    this.activation = c.activation;
    this._config = c;
  }

  /** @internal the attention blocks' shape checks, before anything is computed. */
  checkInputs(
    op: string,
    tgt: Tensor,
    memory: Tensor,
    tgtMask: Tensor | null,
    memoryMask: Tensor | null,
    tkpm: Tensor | null,
    mkpm: Tensor | null,
    tgtIsCausal: boolean,
    memoryIsCausal: boolean,
  ): void {
    this.self_attn.checkInputs(`${op} (self-attention)`, tgt, tgt, tgt, tkpm, tgtMask, tgtIsCausal);
    this.multihead_attn.checkInputs(`${op} (attention over memory)`, tgt, memory, memory, mkpm, memoryMask, memoryIsCausal);
  }

  override forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs): Tensor {
    const op = 'TransformerDecoderLayer.forward';
    const o = positionalOptions<TransformerDecoderLayerForwardOptions>(op, args, DECODER_FORWARD_ARGS);
    checkTensor(tgt, op, 'tgt');
    checkTensor(memory, op, 'memory');
    const tgtMask = checkMask(o.tgtMask, op, 'tgtMask');
    const memoryMask = checkMask(o.memoryMask, op, 'memoryMask');
    const tkpm = checkMask(o.tgtKeyPaddingMask, op, 'tgtKeyPaddingMask');
    const mkpm = checkMask(o.memoryKeyPaddingMask, op, 'memoryKeyPaddingMask');
    const tgtIsCausal = checkIsCausal(o.tgtIsCausal, op, 'tgtIsCausal');
    const memoryIsCausal = checkIsCausal(o.memoryIsCausal, op, 'memoryIsCausal');
    this.checkInputs(op, tgt, memory, tgtMask, memoryMask, tkpm, mkpm, tgtIsCausal, memoryIsCausal);
    const sa = (x: Tensor): Tensor =>
      this.dropout1.forward(this.self_attn.forward(x, x, x, { attnMask: tgtMask, keyPaddingMask: tkpm, needWeights: false, isCausal: tgtIsCausal })[0]);
    const mha = (x: Tensor): Tensor =>
      this.dropout2.forward(this.multihead_attn.forward(x, memory, memory, { attnMask: memoryMask, keyPaddingMask: mkpm, needWeights: false, isCausal: memoryIsCausal })[0]);
    const ff = (x: Tensor): Tensor => this.dropout3.forward(this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(mha(this.norm2.forward(x)));
      x = x.add(ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      x = this.norm3.forward(x.add(ff(x)));
    }
    return x;
  }
}

// ---------------------------------------------------------------- stacks

/**
 * numLayers independent copies of `layer` (PyTorch's _get_clones, a deep copy each): each is built with
 * the layer's configuration, given a copy of its parameters and buffers, and its training mode.
 */
function cloneLayers<T extends TransformerEncoderLayer | TransformerDecoderLayer>(layer: T, n: number): T[] {
  const c = layer._config;
  const Ctor = layer.constructor as new (dModel: number, nhead: number, o: TransformerEncoderLayerOptions) => T;
  const state = layer.stateDict();
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const copy = new Ctor(c.dModel, c.nhead, {
      dimFeedforward: c.dimFeedforward,
      dropout: c.dropout,
      activation: c.activation,
      layerNormEps: c.layerNormEps,
      batchFirst: c.batchFirst,
      normFirst: c.normFirst,
      bias: c.bias,
    });
    copy.loadStateDict(state);
    copy.train(layer.training);
    out.push(copy);
  }
  return out;
}

function checkNorm(v: unknown, op: string): AnyModule | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Module)) throw new TypeError(`${op}: norm must be an nn.Module (e.g. a LayerNorm) or null, got ${describeValue(v)}`);
  return v;
}

export interface TransformerEncoderOptions {
  /** Applied to the output of the last layer (Transformer passes a LayerNorm). Default null. */
  norm?: AnyModule | null;
  /** PyTorch's nested-tensor fast path for padded inputs; accepted for compatibility, never taken (results as PyTorch's regular path). Default true. */
  enableNestedTensor?: boolean;
  /** Checks that go with the nested-tensor path; accepted for compatibility. Default true. */
  maskCheck?: boolean;
}

export interface TransformerEncoderForwardOptions {
  /** (L, L) or (N * nhead, L, L) attention mask. */
  mask?: Tensor | null;
  /** (N, L) padding mask. */
  srcKeyPaddingMask?: Tensor | null;
  /** Hint that mask is the causal mask (default: detected by comparing mask with the causal mask). */
  isCausal?: boolean | null;
}
type EncoderForwardArgs = PositionalOr<[mask: Tensor | null, srcKeyPaddingMask: Tensor | null, isCausal: boolean | null], TransformerEncoderForwardOptions>;

/**
 * A stack of numLayers copies of an encoder layer (PyTorch's nn.TransformerEncoder), then `norm` if given.
 * The copies are independent and start with the layer's weights (`layers.0.…`, `layers.1.…`, `norm.…`).
 * PyTorch's (encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True).
 * @example const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, 32), 2);
 */
export class TransformerEncoder extends Module<(src: Tensor, ...args: EncoderForwardArgs) => Tensor> {
  layers: ModuleList;
  readonly numLayers: number;
  norm: AnyModule | null;
  readonly enableNestedTensor: boolean;
  readonly maskCheck: boolean;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    ...args: PositionalOr<[norm: AnyModule | null, enableNestedTensor: boolean, maskCheck: boolean], TransformerEncoderOptions>
  ) {
    super();
    const op = 'TransformerEncoder';
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new TypeError(`${op}: encoderLayer must be an nn.TransformerEncoderLayer, got ${describeValue(encoderLayer)}`);
    this.numLayers = checkSize(numLayers, op, 'numLayers', 0);
    const o = positionalOptions<TransformerEncoderOptions>(op, args, ['norm', 'enableNestedTensor', 'maskCheck']);
    this.layers = new ModuleList(cloneLayers(encoderLayer, numLayers));
    this.norm = checkNorm(o.norm, op);
    this.enableNestedTensor = checkBool(o.enableNestedTensor, true, op, 'enableNestedTensor');
    this.maskCheck = checkBool(o.maskCheck, true, op, 'maskCheck');
  }

  override forward(src: Tensor, ...args: EncoderForwardArgs): Tensor {
    const op = 'TransformerEncoder.forward';
    const o = positionalOptions<TransformerEncoderForwardOptions>(op, args, ['mask', 'srcKeyPaddingMask', 'isCausal']);
    checkTensor(src, op, 'src');
    const mask = checkMask(o.mask, op, 'mask');
    const kpm = checkMask(o.srcKeyPaddingMask, op, 'srcKeyPaddingMask');
    const isCausal = o.isCausal == null ? false : checkIsCausal(o.isCausal, op, 'isCausal');
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, { srcMask: mask, srcKeyPaddingMask: kpm, isCausal });
    return this.norm === null ? x : (this.norm.forward(x) as Tensor);
  }
}

export interface TransformerDecoderOptions {
  /** Applied to the output of the last layer (Transformer passes a LayerNorm). Default null. */
  norm?: AnyModule | null;
}

/**
 * A stack of numLayers copies of a decoder layer (PyTorch's nn.TransformerDecoder), then `norm` if given.
 * forward(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?, tgtIsCausal?,
 * memoryIsCausal?) as TransformerDecoderLayer's.
 * @example const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 4, 32), 2, new nn.LayerNorm(16));
 */
export class TransformerDecoder extends Module<(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs) => Tensor> {
  layers: ModuleList;
  readonly numLayers: number;
  norm: AnyModule | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, ...args: PositionalOr<[norm: AnyModule | null], TransformerDecoderOptions>) {
    super();
    const op = 'TransformerDecoder';
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new TypeError(`${op}: decoderLayer must be an nn.TransformerDecoderLayer, got ${describeValue(decoderLayer)}`);
    this.numLayers = checkSize(numLayers, op, 'numLayers', 0);
    const o = positionalOptions<TransformerDecoderOptions>(op, args, ['norm']);
    this.layers = new ModuleList(cloneLayers(decoderLayer, numLayers));
    this.norm = checkNorm(o.norm, op);
  }

  override forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArgs): Tensor {
    const op = 'TransformerDecoder.forward';
    const o = positionalOptions<TransformerDecoderLayerForwardOptions>(op, args, DECODER_FORWARD_ARGS);
    checkTensor(tgt, op, 'tgt');
    checkTensor(memory, op, 'memory');
    const opts: TransformerDecoderLayerForwardOptions = {
      tgtMask: checkMask(o.tgtMask, op, 'tgtMask'),
      memoryMask: checkMask(o.memoryMask, op, 'memoryMask'),
      tgtKeyPaddingMask: checkMask(o.tgtKeyPaddingMask, op, 'tgtKeyPaddingMask'),
      memoryKeyPaddingMask: checkMask(o.memoryKeyPaddingMask, op, 'memoryKeyPaddingMask'),
      tgtIsCausal: o.tgtIsCausal == null ? false : checkIsCausal(o.tgtIsCausal, op, 'tgtIsCausal'),
      memoryIsCausal: checkIsCausal(o.memoryIsCausal, op, 'memoryIsCausal'),
    };
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).forward(x, memory, opts);
    return this.norm === null ? x : (this.norm.forward(x) as Tensor);
  }
}

// ---------------------------------------------------------------- Transformer

export interface TransformerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  /** Used instead of the built encoder (any module with forward(src, options)). */
  customEncoder?: AnyModule | null;
  /** Used instead of the built decoder (any module with forward(tgt, memory, options)). */
  customDecoder?: AnyModule | null;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  bias?: boolean;
}

export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean | null;
  tgtIsCausal?: boolean | null;
  memoryIsCausal?: boolean;
}
type TransformerForwardArgs = PositionalOr<
  [
    srcMask: Tensor | null,
    tgtMask: Tensor | null,
    memoryMask: Tensor | null,
    srcKeyPaddingMask: Tensor | null,
    tgtKeyPaddingMask: Tensor | null,
    memoryKeyPaddingMask: Tensor | null,
    srcIsCausal: boolean | null,
    tgtIsCausal: boolean | null,
    memoryIsCausal: boolean,
  ],
  TransformerForwardOptions
>;

/**
 * The Transformer of "Attention Is All You Need" (PyTorch's nn.Transformer): `encoder` (a
 * TransformerEncoder of numEncoderLayers layers ending in a LayerNorm) and `decoder` (likewise); every
 * parameter with more than one dim is then re-initialised xavier-uniform, as PyTorch does.
 * PyTorch's (d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
 * dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
 * batch_first=False, norm_first=False, bias=True), positionally and/or as a trailing options object.
 * forward(src, tgt, srcMask?, tgtMask?, memoryMask?, srcKeyPaddingMask?, tgtKeyPaddingMask?,
 * memoryKeyPaddingMask?, srcIsCausal?, tgtIsCausal?, memoryIsCausal?) returns (T, N, E).
 * @example const model = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32 });
 */
export class Transformer extends Module<(src: Tensor, tgt: Tensor, ...args: TransformerForwardArgs) => Tensor> {
  encoder: AnyModule;
  decoder: AnyModule;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(
    ...args: PositionalOr<
      [
        dModel: number,
        nhead: number,
        numEncoderLayers: number,
        numDecoderLayers: number,
        dimFeedforward: number,
        dropout: number,
        activation: TransformerActivation,
        customEncoder: AnyModule | null,
        customDecoder: AnyModule | null,
        layerNormEps: number,
        batchFirst: boolean,
        normFirst: boolean,
        bias: boolean,
      ],
      TransformerOptions
    >
  ) {
    super();
    const op = 'Transformer';
    const o = positionalOptions<TransformerOptions>(op, args, [
      'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation',
      'customEncoder', 'customDecoder', 'layerNormEps', 'batchFirst', 'normFirst', 'bias',
    ]);
    const dModel = checkSize(o.dModel ?? 512, op, 'dModel');
    const nhead = checkSize(o.nhead ?? 8, op, 'nhead');
    const nEnc = checkSize(o.numEncoderLayers ?? 6, op, 'numEncoderLayers', 0);
    const nDec = checkSize(o.numDecoderLayers ?? 6, op, 'numDecoderLayers', 0);
    const eps = checkEps(o.layerNormEps, op);
    const bias = checkBool(o.bias, true, op, 'bias');
    const layerOpts: TransformerEncoderLayerOptions = {
      dimFeedforward: o.dimFeedforward ?? 2048,
      dropout: o.dropout ?? 0.1,
      activation: o.activation ?? 'relu',
      layerNormEps: eps,
      batchFirst: o.batchFirst ?? false,
      normFirst: o.normFirst ?? false,
      bias,
    };
    for (const [k, v] of [['customEncoder', o.customEncoder], ['customDecoder', o.customDecoder]] as const) {
      if (v != null && !(v instanceof Module)) throw new TypeError(`${op}: ${k} must be an nn.Module or null, got ${describeValue(v)}`);
    }
    this.encoder = o.customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOpts), nEnc, new LayerNorm(dModel, eps, { bias }));
    this.decoder = o.customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOpts), nDec, new LayerNorm(dModel, eps, { bias }));
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = checkBool(o.batchFirst, false, op, 'batchFirst');
  }

  override forward(src: Tensor, tgt: Tensor, ...args: TransformerForwardArgs): Tensor {
    const op = 'Transformer.forward';
    const o = positionalOptions<TransformerForwardOptions>(op, args, [
      'srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'srcIsCausal', 'tgtIsCausal', 'memoryIsCausal',
    ]);
    checkTensor(src, op, 'src');
    checkTensor(tgt, op, 'tgt');
    const batched = src.ndim === 3;
    const bdim = this.batchFirst ? 0 : 1;
    if (batched && src.shape[bdim] !== tgt.shape[bdim]) {
      throw new RangeError(`${op}: the batch number of src and tgt must be equal, got src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)}`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new RangeError(`${op}: the feature number of src and tgt must be equal to dModel (${this.dModel}), got src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)}`);
    }
    if (this.encoder instanceof TransformerEncoder && this.decoder instanceof TransformerDecoder && this.decoder.layers.length > 0) {
      // memory has src's shape: the decoder's masks are checked before the encoder runs
      const m = (k: keyof TransformerForwardOptions): Tensor | null => checkMask(o[k], op, k);
      const isC = (k: 'tgtIsCausal' | 'memoryIsCausal'): boolean => (o[k] == null ? false : checkIsCausal(o[k], op, k));
      const first = this.decoder.layers.at(0) as TransformerDecoderLayer;
      first.checkInputs(op, tgt, src, m('tgtMask'), m('memoryMask'), m('tgtKeyPaddingMask'), m('memoryKeyPaddingMask'), isC('tgtIsCausal'), isC('memoryIsCausal'));
    }
    const memory = this.encoder.forward(src, { mask: o.srcMask ?? null, srcKeyPaddingMask: o.srcKeyPaddingMask ?? null, isCausal: o.srcIsCausal ?? null }) as Tensor;
    return this.decoder.forward(tgt, memory, {
      tgtMask: o.tgtMask ?? null,
      memoryMask: o.memoryMask ?? null,
      tgtKeyPaddingMask: o.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask ?? null,
      tgtIsCausal: o.tgtIsCausal ?? null,
      memoryIsCausal: o.memoryIsCausal ?? false,
    }) as Tensor;
  }

  /**
   * The causal mask of a sequence of length sz: a float (sz, sz) tensor with -inf above the diagonal
   * (position i may not attend to j > i) and 0 elsewhere.
   * @example nn.Transformer.generateSquareSubsequentMask(3) // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(sz: number): Tensor {
    checkSize(sz, 'Transformer.generateSquareSubsequentMask', 'sz', 0);
    return triu(full([sz, sz], -Infinity), 1);
  }
}
