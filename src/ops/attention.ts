/**
 * Scaled dot-product attention, PyTorch's F.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask)·v.
 * Two paths with the same semantics: the math path composed of tensor ops (used for dropout and for a
 * float mask that requires a gradient), and one fused kernel per direction (flash-attention style: keys
 * in tiles with an online softmax, only the output and each row's logsumexp kept for backward).
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/mode.js';
import { isTracing } from '../onnx/trace.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import { where } from './binary.js';
import { contiguous, rawContiguous } from './copy.js';
import { dropout, checkDropoutP, checkBool } from './dropout.js';
import { softmax } from './softmax.js';
import { repeatInterleave } from './shape.js';
import { describeValue, type PositionalOr } from './loss.js';

const OP = 'scaledDotProductAttention';
/** Keys per tile of the fused kernels (a multiple of 8), and the bytes of their scratch. */
const TILE = 64;
const WORK_BYTES = (8 * TILE + 8) * 4;

export interface ScaledDotProductAttentionOptions {
  /**
   * Bool (true = may attend) or float32 (added to the scores) mask, broadcastable to (..., L, S).
   * PyTorch's attn_mask.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights, applied whenever > 0 (as PyTorch's function). Default 0. */
  dropoutP?: number;
  /** Top-left aligned causal mask (query i attends to keys j <= i); an error together with attnMask. Default false. */
  isCausal?: boolean;
  /** Factor of q·kᵀ; default 1/sqrt(E). */
  scale?: number | null;
  /** Grouped-query attention: key/value heads (dim -3) repeated to the query's head count. Default false. */
  enableGqa?: boolean;
}

/** The checked arguments. */
export interface AttentionArgs {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  mask: Tensor | null;
  dropoutP: number;
  isCausal: boolean;
  scale: number;
  /** Broadcast batch dims of the output. */
  batch: number[];
}

function checkQKV(t: unknown, name: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${OP}: ${name} must be a Tensor, got ${describeValue(t)}`);
  void t.ptr; // throws on a disposed tensor
  if (t.dtype !== 'float32') throw new TypeError(`${OP}: ${name} must be a float32 tensor, got ${t.dtype}`);
  if (t.ndim < 2) throw new RangeError(`${OP}: ${name} must have at least 2 dims (..., seq, features), got shape ${shapeStr(t.shape)}`);
  return t;
}

/** Validates every argument (before any kernel runs) and resolves the defaults. */
export function attentionArgs(query: unknown, key: unknown, value: unknown, args: readonly unknown[]): AttentionArgs {
  const q = checkQKV(query, 'query');
  let k = checkQKV(key, 'key');
  let v = checkQKV(value, 'value');
  const o = positionalOptions<ScaledDotProductAttentionOptions>(OP, args, ['attnMask', 'dropoutP', 'isCausal'], ['scale', 'enableGqa']);
  const mask = o.attnMask ?? null;
  if (mask !== null) {
    if (!(mask instanceof Tensor)) throw new TypeError(`${OP}: attnMask must be a Tensor or null, got ${describeValue(mask)}`);
    void mask.ptr;
    if (mask.dtype !== 'bool' && mask.dtype !== 'float32') {
      throw new TypeError(`${OP}: attnMask must be a bool or float32 tensor (matching the query), got ${mask.dtype}`);
    }
  }
  const dropoutP = checkDropoutP(o.dropoutP ?? 0, OP);
  const isCausal = checkBool(o.isCausal, false, OP, 'isCausal');
  const enableGqa = checkBool(o.enableGqa, false, OP, 'enableGqa');
  if (isCausal && mask !== null) throw new TypeError(`${OP}: an explicit attnMask must not be set when isCausal is true`);
  const E = q.shape[q.ndim - 1]!;
  const L = q.shape[q.ndim - 2]!;
  const S = k.shape[k.ndim - 2]!;
  let scale: number;
  if (o.scale == null) scale = 1 / Math.sqrt(E);
  else if (typeof o.scale !== 'number') throw new TypeError(`${OP}: scale must be a number or null, got ${describeValue(o.scale)}`);
  else scale = o.scale;
  if (k.shape[k.ndim - 1] !== E) {
    throw new RangeError(`${OP}: query and key must have the same last dim (embedding size), got query ${shapeStr(q.shape)} and key ${shapeStr(k.shape)}`);
  }
  if (v.shape[v.ndim - 2] !== S) {
    throw new RangeError(`${OP}: key and value must have the same sequence length (dim -2), got key ${shapeStr(k.shape)} and value ${shapeStr(v.shape)}`);
  }
  if (enableGqa) {
    if (q.ndim < 3 || k.ndim < 3 || v.ndim < 3) {
      throw new RangeError(`${OP}: enableGqa needs a heads dim (-3) in query, key and value, got ${shapeStr(q.shape)}, ${shapeStr(k.shape)}, ${shapeStr(v.shape)}`);
    }
    const hq = q.shape[q.ndim - 3]!, hk = k.shape[k.ndim - 3]!, hv = v.shape[v.ndim - 3]!;
    if (hk === 0 || hv === 0 || hq % hk !== 0 || hq % hv !== 0) {
      throw new RangeError(`${OP}: with enableGqa the query's heads (dim -3) must be a multiple of the key's and value's, got query ${shapeStr(q.shape)}, key ${shapeStr(k.shape)}, value ${shapeStr(v.shape)}`);
    }
  }
  // batch dims of k, v after enableGqa's repeat of their heads
  const batchOf = (t: Tensor) => {
    const b = t.shape.slice(0, t.ndim - 2);
    if (enableGqa && t !== q) b[b.length - 1] = q.shape[q.ndim - 3]!;
    return b;
  };
  let batch: number[];
  try {
    batch = broadcastShapes(broadcastShapes(batchOf(q), batchOf(k), OP), batchOf(v), OP);
  } catch {
    throw new RangeError(`${OP}: the batch dims of query ${shapeStr(q.shape)}, key ${shapeStr(k.shape)} and value ${shapeStr(v.shape)} do not broadcast`);
  }
  if (mask !== null) {
    const full = [...batch, L, S];
    let b: number[];
    try {
      b = broadcastShapes(full, mask.shape, OP);
    } catch {
      throw new RangeError(`${OP}: attnMask of shape ${shapeStr(mask.shape)} does not broadcast to the attention weights' shape ${shapeStr(full)} (query ${shapeStr(q.shape)}, key ${shapeStr(k.shape)})`);
    }
    if (b[b.length - 1] !== S || b[b.length - 2] !== L) {
      throw new RangeError(`${OP}: attnMask of shape ${shapeStr(mask.shape)} does not broadcast to the attention weights' shape ${shapeStr(full)}`);
    }
    batch = b.slice(0, b.length - 2);
  }
  if (enableGqa) {
    const hq = q.shape[q.ndim - 3]!;
    k = repeatInterleave(k, hq / k.shape[k.ndim - 3]!, k.ndim - 3);
    v = repeatInterleave(v, hq / v.shape[v.ndim - 3]!, v.ndim - 3);
  }
  return { q, k, v, mask, dropoutP, isCausal, scale, batch };
}

/**
 * The causal mask: bool (L, S), true where key j <= query i (torch.ones(L, S).tril()). Written here rather than
 * as tril(ones(...)): it must be a constant with no recorded op, which onnx.export's trace recognises as the
 * causal mask (a runtime Trilu when the sequence axis is dynamic).
 */
export function causalMask(L: number, S: number): Tensor {
  const m = Tensor.empty([L, S], 'bool');
  const i32 = heap.i32;
  const base = m.ptr >>> 2;
  for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) i32[base + i * S + j] = j <= i ? 1 : 0;
  return m;
}

/**
 * The math path, composed of tensor ops (differentiable to any order): PyTorch's
 * _scaled_dot_product_attention_math with its safe softmax (rows whose scores are all -Inf give 0).
 */
export function attentionComposed(a: AttentionArgs): Tensor {
  const { q, k, v, dropoutP, isCausal, scale } = a;
  const L = q.shape[q.ndim - 2]!, S = k.shape[k.ndim - 2]!;
  let mask = a.mask;
  const ownMask = isCausal ? causalMask(L, S) : null;
  if (ownMask !== null) mask = ownMask;
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (mask !== null) {
    scores = mask.dtype === 'bool' ? where(mask, scores, -Infinity) : scores.add(mask);
  }
  let attn: Tensor;
  if (mask !== null) {
    // rows with every score -Inf: softmax of zeros there (finite, so its backward is 0), then 0
    const dead = scores.detach().isneginf().all(-1, true);
    attn = where(dead, 0, softmax(where(dead, 0, scores), -1));
  } else {
    attn = softmax(scores, -1);
  }
  if (dropoutP > 0) attn = dropout(attn, dropoutP, true);
  return attn.matmul(v);
}

/**
 * x expanded to `full` (batch dims broadcast), as a contiguous [groups, rows, cols] tensor. Differentiable.
 * When that took a copy, the copy's own tensor is released: the result (a view of it) is the only way to
 * its memory, so the memory goes when the result does (attentionFused releases that to the graph).
 */
function grouped(x: Tensor, full: number[], groups: number): Tensor {
  const n = full.length;
  const c = contiguous(x.expand(full));
  const out = c.reshape([groups, full[n - 2]!, full[n - 1]!]);
  if (c !== x && out !== c) c._releaseToGraph();
  return out;
}

/** A contiguous copy of the transpose [G, b, a] of x [G, a, b], outside autograd; its temporary views are released at once. */
function transposedCopy(x: Tensor): Tensor {
  const d = x.detach();
  const t = d.transpose(1, 2);
  const out = rawContiguous(t);
  t.dispose();
  d.dispose();
  return out;
}

/** The additive mask of the kernels: float32 (bool false -> -Inf, true -> 0), contiguous, the mask's own shape. */
function additiveMask(mask: Tensor): Tensor {
  const src = rawContiguous(mask.detach());
  if (mask.dtype === 'float32') return src;
  const out = Tensor.empty([...mask.shape], 'float32');
  const n = out.numel();
  const i32 = heap.i32, f32 = heap.f32;
  const s0 = src.ptr >>> 2, o0 = out.ptr >>> 2;
  for (let i = 0; i < n; i++) f32[o0 + i] = i32[s0 + i] !== 0 ? 0 : -Infinity;
  src.dispose();
  return out;
}

/**
 * Where the kernels find the mask of `full` = [...batch, L, S]: one element offset per group (in an int32
 * tensor) and the row and column strides (0 along broadcast dims).
 */
function maskLayout(maskShape: readonly number[], full: readonly number[], groups: number): { offsets: Tensor; rs: number; cs: number } {
  const nd = full.length, md = maskShape.length;
  const strides: number[] = new Array<number>(nd).fill(0);
  let st = 1;
  for (let d = md - 1; d >= 0; d--) {
    const fd = d + nd - md;
    strides[fd] = maskShape[d] === 1 ? 0 : st;
    st *= maskShape[d]!;
  }
  const offsets = Tensor.empty([Math.max(groups, 1)], 'int32');
  const i32 = heap.i32;
  const o0 = offsets.ptr >>> 2;
  const nb = nd - 2;
  const idx: number[] = new Array<number>(nb).fill(0);
  for (let g = 0; g < groups; g++) {
    let off = 0;
    for (let d = 0; d < nb; d++) off += idx[d]! * strides[d]!;
    i32[o0 + g] = off;
    for (let d = nb - 1; d >= 0; d--) {
      if (++idx[d]! < full[d]!) break;
      idx[d] = 0;
    }
  }
  return { offsets, rs: strides[nd - 2]!, cs: strides[nd - 1]! };
}

/**
 * The gradients of attention written with tensor ops (differentiable again), for a backward that records
 * a graph: P = safe softmax of the scores, dV = Pᵀ dO, dS = P (dO vᵀ - rowsum(dO vᵀ P)), dQ = dS k scale,
 * dK = dSᵀ q scale. `maskFull` is the additive mask as [groups, L, S] (or null).
 */
function attentionGradComposed(g: Tensor, q: Tensor, k: Tensor, v: Tensor, maskFull: Tensor | null, isCausal: boolean, scale: number): Tensor[] {
  const L = q.shape[1]!, S = k.shape[1]!;
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (isCausal) scores = where(causalMask(L, S), scores, -Infinity);
  if (maskFull !== null) scores = scores.add(maskFull);
  const dead = scores.detach().isneginf().all(-1, true);
  const p = where(dead, 0, softmax(where(dead, 0, scores), -1));
  const dv = p.transpose(-2, -1).matmul(g);
  const dp = g.matmul(v.transpose(-2, -1));
  const ds = p.mul(dp.sub(dp.mul(p).sum(-1, true)));
  return [ds.matmul(k).mul(scale), ds.transpose(-2, -1).matmul(q).mul(scale), dv];
}

/**
 * The fused path: q, k, v broadcast to the output's batch dims and flattened to [groups, ., .] (copies
 * only when needed; autograd sums the gradients back), one kernel forward keeping out and the per-row
 * logsumexp, one kernel backward recomputing the probabilities.
 */
function attentionFused(a: AttentionArgs): Tensor {
  const { batch, isCausal, scale } = a;
  const L = a.q.shape[a.q.ndim - 2]!, E = a.q.shape[a.q.ndim - 1]!;
  const S = a.k.shape[a.k.ndim - 2]!, Ev = a.v.shape[a.v.ndim - 1]!;
  const G = batch.reduce((x, y) => x * y, 1);
  const q = grouped(a.q, [...batch, L, E], G);
  const k = grouped(a.k, [...batch, S, E], G);
  const v = grouped(a.v, [...batch, S, Ev], G);
  const mask = a.mask !== null ? additiveMask(a.mask) : null;
  const layout = mask !== null ? maskLayout(mask.shape, [...batch, L, S], G) : null;
  const out = Tensor.empty([G, L, Ev], 'float32');
  const lse = Tensor.empty([G, L], 'float32');
  const mPtr = mask !== null && mask.numel() > 0 ? mask.ptr : 0;
  const oPtr = layout !== null && mPtr !== 0 ? layout.offsets.ptr : 0;
  const rs = layout?.rs ?? 0, cs = layout?.cs ?? 0;
  const causal = isCausal ? 1 : 0;
  // the kernels read keys (and, backward, values) as columns: kᵀ [G, E, S], vᵀ [G, Ev, S]
  const kt = transposedCopy(k);
  if (G * L > 0) {
    const work = heap.alloc(WORK_BYTES);
    try {
      kernels().attention_forward_f32(q.ptr, kt.ptr, v.ptr, mPtr, oPtr, out.ptr, lse.ptr, work, G, L, S, E, Ev, scale, causal, rs, cs, TILE);
    } finally {
      heap.free(work, WORK_BYTES);
    }
  }
  const saved = [q, k, v, out, lse, kt];
  if (mask !== null) saved.push(mask, layout!.offsets);
  record(out, 'ScaledDotProductFlashAttentionBackward0', [q, k, v], saved, (g, sv) => {
    const [sq, sk, sv_, so, sl, skt, sm, soff] = sv as Tensor[];
    if (isGradEnabled()) {
      // a graph of the backward is being recorded: the same gradients from tensor ops
      const maskFull = sm !== undefined ? contiguous(sm.expand([...batch, L, S])).reshape([G, L, S]) : null;
      return attentionGradComposed(g, sq!, sk!, sv_!, maskFull, isCausal, scale);
    }
    const gc = g.isContiguous() ? g : rawContiguous(g);
    const dq = Tensor.empty([G, L, E], 'float32');
    const dk = Tensor.empty([G, S, E], 'float32');
    const dv = Tensor.empty([G, S, Ev], 'float32');
    const mp = sm !== undefined && sm.numel() > 0 ? sm.ptr : 0;
    if (G * L > 0) {
      const vt = transposedCopy(sv_!);
      const work = heap.alloc(WORK_BYTES);
      try {
        kernels().attention_backward_f32(sq!.ptr, sk!.ptr, skt!.ptr, sv_!.ptr, vt.ptr, mp, mp !== 0 ? soff!.ptr : 0, so!.ptr, sl!.ptr,
          gc.ptr, dq.ptr, dk.ptr, dv.ptr, work, G, L, S, E, Ev, scale, causal, rs, cs, TILE);
      } finally {
        heap.free(work, WORK_BYTES);
        vt.dispose();
      }
    } else {
      dq.zero_();
      dk.zero_();
      dv.zero_();
    }
    if (gc !== g) gc.dispose();
    return [dq, dk, dv];
  });
  // this op's own intermediates: freed once the backward node no longer needs them, not left to the GC
  lse._releaseToGraph();
  kt._releaseToGraph();
  if (q !== a.q) q._releaseToGraph();
  if (k !== a.k) k._releaseToGraph();
  if (v !== a.v) v._releaseToGraph();
  if (mask !== null) {
    mask._releaseToGraph();
    layout!.offsets._releaseToGraph();
  }
  return out.reshape([...batch, L, Ev]);
}

/**
 * softmax(query·keyᵀ·scale + mask)·value, PyTorch's F.scaled_dot_product_attention. query (..., L, E),
 * key (..., S, E), value (..., S, Ev); batch dims broadcast; the result is (..., L, Ev), float32.
 * attnMask: bool (true = may attend; false gives -Inf) or float32 (added), broadcastable to (..., L, S).
 * isCausal: the top-left aligned lower-triangular mask (query i sees keys j <= i). scale defaults to
 * 1/sqrt(E). dropoutP > 0 drops attention weights (always, as PyTorch's function does: pass
 * `training ? p : 0`). A query row whose every score is -Inf (fully masked) gives zeros and zero gradients,
 * as PyTorch >= 2.5's math path (its safe softmax). Arguments as PyTorch's: (query, key, value, attnMask,
 * dropoutP, isCausal) and/or a trailing options object { attnMask, dropoutP, isCausal, scale, enableGqa }.
 * Without dropout it runs as one fused kernel forward and backward (memory linear in L and S).
 * @example F.scaledDotProductAttention(q, k, v, null, 0, true) // causal self-attention
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  ...args: PositionalOr<[attnMask: Tensor | null, dropoutP: number, isCausal: boolean], ScaledDotProductAttentionOptions>
): Tensor {
  const a = attentionArgs(query, key, value, args);
  // onnx.export traces the composed path (the fused kernel has no ONNX form)
  const fusable = !isTracing() && a.dropoutP === 0 && !(a.mask !== null && a.mask.dtype === 'float32' && a.mask.requiresGrad && isGradEnabled());
  return fusable ? attentionFused(a) : attentionComposed(a);
}
