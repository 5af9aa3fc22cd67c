/**
 * A GPT in the shape of nanoGPT's model.py: token and position embeddings, pre-norm blocks of causal
 * self-attention (one fused F.scaledDotProductAttention) and a GELU MLP, a final LayerNorm and a head
 * tied to the token embedding. Property names are PyTorch's attribute names, so the state dict has
 * nanoGPT's keys (`transformer.h.0.attn.c_attn.weight`, `lm_head.weight`, ...) and loads both ways.
 */
import { F, nn, optim, cat, multinomial, type Tensor } from 'wasmgrad';

export interface GPTConfig {
  /** Longest context the model sees (position embeddings). */
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  /** Biases in the Linear and LayerNorm layers (nanoGPT's `bias`). */
  bias: boolean;
}

class CausalSelfAttention extends nn.Module {
  c_attn: nn.Linear;
  c_proj: nn.Linear;
  attn_dropout: nn.Dropout;
  resid_dropout: nn.Dropout;
  readonly nHead: number;
  readonly dropoutP: number;

  constructor(c: GPTConfig) {
    super();
    if (c.nEmbd % c.nHead !== 0) throw new RangeError(`GPT: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
    this.c_attn = new nn.Linear(c.nEmbd, 3 * c.nEmbd, { bias: c.bias }); // query, key, value of every head at once
    this.c_proj = new nn.Linear(c.nEmbd, c.nEmbd, { bias: c.bias });
    this.attn_dropout = new nn.Dropout(c.dropout);
    this.resid_dropout = new nn.Dropout(c.dropout);
    this.nHead = c.nHead;
    this.dropoutP = c.dropout;
  }

  override forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const heads = (t: Tensor): Tensor => t.view(B, T, this.nHead, C / this.nHead).transpose(1, 2); // (B, nh, T, hs)
    const [q, k, v] = this.c_attn.forward(x).split(C, 2) as [Tensor, Tensor, Tensor];
    const y = F.scaledDotProductAttention(heads(q), heads(k), heads(v), null, this.training ? this.dropoutP : 0, true);
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).contiguous().view(B, T, C)));
  }
}

class MLP extends nn.Module {
  c_fc: nn.Linear;
  gelu = new nn.GELU();
  c_proj: nn.Linear;
  dropout: nn.Dropout;

  constructor(c: GPTConfig) {
    super();
    this.c_fc = new nn.Linear(c.nEmbd, 4 * c.nEmbd, { bias: c.bias });
    this.c_proj = new nn.Linear(4 * c.nEmbd, c.nEmbd, { bias: c.bias });
    this.dropout = new nn.Dropout(c.dropout);
  }

  override forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.gelu.forward(this.c_fc.forward(x))));
  }
}

class Block extends nn.Module {
  ln_1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln_2: nn.LayerNorm;
  mlp: MLP;

  constructor(c: GPTConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(c.nEmbd, { bias: c.bias });
    this.attn = new CausalSelfAttention(c);
    this.ln_2 = new nn.LayerNorm(c.nEmbd, { bias: c.bias });
    this.mlp = new MLP(c);
  }

  override forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x)));
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }
}

/** nanoGPT's `transformer` ModuleDict, as a module with the same child names. */
class Trunk extends nn.Module {
  wte: nn.Embedding;
  wpe: nn.Embedding;
  drop: nn.Dropout;
  h: nn.ModuleList; // of Block
  ln_f: nn.LayerNorm;

  constructor(c: GPTConfig) {
    super();
    this.wte = new nn.Embedding(c.vocabSize, c.nEmbd);
    this.wpe = new nn.Embedding(c.blockSize, c.nEmbd);
    this.drop = new nn.Dropout(c.dropout);
    this.h = new nn.ModuleList(Array.from({ length: c.nLayer }, () => new Block(c)));
    this.ln_f = new nn.LayerNorm(c.nEmbd, { bias: c.bias });
  }

  override forward(): never {
    throw new Error('GPT.transformer holds the layers; GPT.forward runs them');
  }
}

export class GPT extends nn.Module<(idx: Tensor, targets?: Tensor) => [Tensor, Tensor | null]> {
  readonly config: GPTConfig;
  transformer: Trunk;
  lm_head: nn.Linear;

  constructor(config: GPTConfig) {
    super();
    this.config = config;
    this.transformer = new Trunk(config);
    this.lm_head = new nn.Linear(config.nEmbd, config.vocabSize, { bias: false });
    this.lm_head.weight = this.transformer.wte.weight; // weight tying: one parameter, both state-dict keys
    // GPT-2's initialisation: N(0, 0.02) weights, zero biases, residual projections scaled by 1/sqrt(2 nLayer)
    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, 0, 0.02);
        if (m.bias) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.Embedding) {
        nn.init.normal_(m.weight, 0, 0.02);
      }
    }
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) nn.init.normal_(p, 0, 0.02 / Math.sqrt(2 * config.nLayer));
    }
  }

  /** Logits (B, T, vocab) and, with targets, the mean cross-entropy; without targets only the last position's logits. */
  override forward(idx: Tensor, targets?: Tensor): [Tensor, Tensor | null] {
    const [, T] = idx.shape as [number, number];
    if (T > this.config.blockSize) throw new RangeError(`GPT: sequence of length ${T} is longer than blockSize ${this.config.blockSize}`);
    const tr = this.transformer;
    const pos = tr.wpe.weight.narrow(0, 0, T); // the first T position embeddings (T, nEmbd)
    let x = tr.drop.forward(tr.wte.forward(idx).add(pos));
    for (const block of tr.h) x = (block as Block).forward(x);
    x = tr.ln_f.forward(x);
    if (targets === undefined) return [this.lm_head.forward(x.narrow(1, T - 1, 1)), null];
    const logits = this.lm_head.forward(x);
    const V = this.config.vocabSize;
    return [logits, F.crossEntropy(logits.view(-1, V), targets.view(-1))];
  }

  /** Parameter count; without the position embeddings by default (nanoGPT's convention). */
  numParams(nonEmbedding = true): number {
    let n = 0;
    for (const p of this.parameters()) n += p.numel();
    return nonEmbedding ? n - this.transformer.wpe.weight.numel() : n;
  }

  /** AdamW with weight decay on every matrix (dim >= 2: Linear weights, embeddings) and none on biases and norms. */
  configureOptimizers(weightDecay: number, lr: number, betas: [number, number]): optim.AdamW {
    const params = this.parameters();
    const decay = params.filter((p) => p.ndim >= 2);
    const noDecay = params.filter((p) => p.ndim < 2);
    return new optim.AdamW([{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0 }], { lr, betas });
  }

  /**
   * Continues each row of idx (B, T) by maxNewTokens tokens sampled from the softmax of the last logits
   * divided by temperature, keeping only the topK most likely tokens when topK is given.
   */
  generate(idx: Tensor, maxNewTokens: number, temperature = 1, topK?: number): Tensor {
    for (let i = 0; i < maxNewTokens; i++) {
      const T = idx.shape[1]!;
      const cond = T <= this.config.blockSize ? idx : idx.narrow(1, T - this.config.blockSize, this.config.blockSize);
      let logits = this.forward(cond)[0].select(1, 0).div(temperature); // (B, vocab)
      if (topK !== undefined) {
        const kth = logits.topk(Math.min(topK, logits.shape[1]!), -1).values.narrow(1, topK - 1, 1);
        logits = logits.maskedFill(logits.lt(kth), -Infinity);
      }
      const next = multinomial(F.softmax(logits, -1), 1);
      idx = cat([idx, next], 1);
    }
    return idx;
  }
}
