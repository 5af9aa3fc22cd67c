/**
 * Recurrent networks: the fused LSTM and GRU cell steps (one kernel forward, one backward; nn.LSTMCell,
 * nn.GRUCell) and the multi-layer, optionally bidirectional, optionally packed sequence behind nn.RNN,
 * nn.LSTM and nn.GRU. Per layer and direction the input projection of the whole sequence is one GEMM;
 * each step then does one GEMM with the hidden state (h·W_hhᵀ + b_hh) and one fused kernel, and the whole
 * sequence is one graph node that runs backpropagation through time itself.
 */
import { kernels } from '../backends/index.js';
import { heap } from '../backends/memory.js';
import { GEMM_BIAS } from '../backends/kernels.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { Tensor } from '../tensor/tensor.js';
import { rawContiguous, contiguous, copyInto } from './copy.js';
import { cat } from './indexing.js';
import { narrow, select } from './view.js';
import { zeros } from '../tensor/creation.js';
import { linearFused } from './matmul.js';
import { relu, tanh } from './unary.js';
import { dropout } from './dropout.js';

/** The recurrent cell of a layer (PyTorch's mode names). */
export type RnnMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gate blocks of the input and hidden projections per mode (PyTorch's gate_size / hidden_size). */
export function gateCount(mode: RnnMode): number {
  return mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
}

/** x·Wᵀ + b (b may be null): one GEMM with the bias added on store when possible. */
export function linearRows(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (b !== null) {
    const fused = linearFused(x, w, b);
    if (fused !== null) return fused;
  }
  const y = x.matmul(w.t());
  return b !== null ? y.add(b) : y;
}

/** Copies n floats from src to dst (byte offsets into the heap; the blocks do not overlap). */
function copyFloats(dst: number, src: number, n: number): void {
  if (n > 0) heap.f32.copyWithin(dst >>> 2, src >>> 2, (src >>> 2) + n);
}

function dense(x: Tensor): Tensor {
  return x.isContiguous() ? x : contiguous(x);
}

function doubleBackward(name: string): Error {
  return new Error(`${name}: double backward (backward with createGraph through a fused recurrent cell) is not supported`);
}

/**
 * One LSTM step from the gate pre-activations gi = x·W_ihᵀ + b_ih and gh = h·W_hhᵀ + b_hh ([B, 4H]) and
 * the cell state c [B, H]: returns [h', c'] with i, f, o = σ, g = tanh of gi + gh (gate order i, f, g, o),
 * c' = f·c + i·g and h' = o·tanh(c'). One fused kernel forward and one backward (a single graph node;
 * h' and c' are two views of its output).
 */
export function lstmStep(gi: Tensor, gh: Tensor, c: Tensor): [Tensor, Tensor] {
  gi = dense(gi);
  gh = dense(gh);
  c = dense(c);
  const B = c.shape[0]!, H = c.shape[1]!;
  const y = Tensor.empty([2, B, H], 'float32');
  const act = Tensor.empty([B, 4 * H], 'float32');
  const tc = Tensor.empty([B, H], 'float32');
  if (B * H > 0) kernels().lstm_cell_f32(gi.ptr, gh.ptr, c.ptr, y.ptr, y.ptr + B * H * 4, act.ptr, tc.ptr, B, H);
  record(y, 'LstmCellBackward', [gi, gh, c], [act, tc, c], (g, [a, t, cs]) => {
    if (isGradEnabled()) throw doubleBackward('LstmCellBackward');
    const gd = g.isContiguous() ? g : rawContiguous(g);
    const dg = Tensor.empty([B, 4 * H], 'float32');
    const dc = Tensor.empty([B, H], 'float32');
    if (B * H > 0) kernels().lstm_cell_backward_f32(gd.ptr, gd.ptr + B * H * 4, a!.ptr, t!.ptr, cs!.ptr, dg.ptr, dc.ptr, B, H);
    if (gd !== g) gd.dispose();
    return [dg, dg, dc];
  });
  act._releaseToGraph();
  tc._releaseToGraph();
  return [select(y, 0, 0), select(y, 0, 1)];
}

/**
 * One GRU step (PyTorch's GRU) from gi = x·W_ihᵀ + b_ih and gh = h·W_hhᵀ + b_hh ([B, 3H], gates r, z, n)
 * and h [B, H]: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), h' = (h - n)·z + n.
 * One fused kernel forward and one backward.
 */
export function gruStep(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  gi = dense(gi);
  gh = dense(gh);
  h = dense(h);
  const B = h.shape[0]!, H = h.shape[1]!;
  const out = Tensor.empty([B, H], 'float32');
  const act = Tensor.empty([B, 3 * H], 'float32');
  if (B * H > 0) kernels().gru_cell_f32(gi.ptr, gh.ptr, h.ptr, out.ptr, act.ptr, B, H);
  record(out, 'GruCellBackward', [gi, gh, h], [act, gh, h], (g, [a, ghs, hs]) => {
    if (isGradEnabled()) throw doubleBackward('GruCellBackward');
    const gd = g.isContiguous() ? g : rawContiguous(g);
    const dgi = Tensor.empty([B, 3 * H], 'float32');
    const dgh = Tensor.empty([B, 3 * H], 'float32');
    const dh = Tensor.empty([B, H], 'float32');
    if (B * H > 0) kernels().gru_cell_backward_f32(gd.ptr, a!.ptr, ghs!.ptr, hs!.ptr, dgi.ptr, dgh.ptr, dh.ptr, B, H);
    if (gd !== g) gd.dispose();
    return [dgi, dgh, dh];
  });
  act._releaseToGraph();
  return out;
}

/** One plain RNN step: act(gi + gh) with act tanh or relu. */
export function rnnStep(gi: Tensor, gh: Tensor, mode: 'RNN_TANH' | 'RNN_RELU'): Tensor {
  const s = gi.add(gh);
  const y = mode === 'RNN_TANH' ? tanh(s) : relu(s);
  s._releaseToGraph();
  return y;
}

/** One layer-direction's weights: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr (null when absent). */
export interface RnnWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

/**
 * One recurrent cell step for any mode from gi (input projection) and the state; returns the new
 * [h (projected when wHr is given), c (LSTM only, else null)].
 */
export function cellStep(mode: RnnMode, gi: Tensor, h: Tensor, c: Tensor | null, w: RnnWeights): [Tensor, Tensor | null] {
  const gh = linearRows(h, w.wHh, w.bHh);
  if (mode === 'LSTM') {
    const [hn, cn] = lstmStep(gi, gh, c!);
    gh._releaseToGraph();
    if (w.wHr === null) return [hn, cn];
    return [linearRows(hn, w.wHr, null), cn];
  }
  if (mode === 'GRU') {
    const hn = gruStep(gi, gh, h);
    gh._releaseToGraph();
    return [hn, null];
  }
  const hn = rnnStep(gi, gh, mode);
  gh._releaseToGraph();
  return [hn, null];
}

/**
 * The products with one weight at every step of a sequence, with the weight packed once for the GEMM
 * (gemm_pack_b_f32) and one gemm_packed_b_f32 per step: B = Wᵀ for x·Wᵀ (+ bias), the step GEMM of the
 * forward, or B = W for d·W, that of the backward. Bit-identical to linearRows / matmul on the unpacked
 * weight (the same GEMM on the same packed panels). Owns the packed weight and the GEMM workspace until
 * free(); float32 weights only (usable() says whether this path applies).
 */
class PackedWeight {
  private packed = 0;
  private packedBytes = 0;
  private work = 0;
  private workBytes = 0;
  /** Columns and depth of the product: C [m, n] = A [m, k] · B. */
  readonly n: number;
  readonly k: number;

  static usable(w: Tensor, bias: Tensor | null): boolean {
    return w.dtype === 'float32' && w.ndim === 2 && (bias === null || (bias.dtype === 'float32' && bias.ndim === 1));
  }

  /** w [rows, cols]: B = wᵀ when transposed, else w; workspace for a product of each of rowCounts rows. */
  constructor(w: Tensor, transposed: boolean, rowCounts: readonly number[]) {
    const kk = kernels();
    const [r, c] = [w.shape[0]!, w.shape[1]!];
    this.n = transposed ? r : c;
    this.k = transposed ? c : r;
    let ws = 0;
    for (const m of new Set(rowCounts)) ws = Math.max(ws, kk.gemm_f32_workspace(m, this.n, this.k));
    const bytes = kk.gemm_pack_b_bytes(this.n, this.k);
    try {
      if (bytes > 0) {
        this.packed = heap.alloc(bytes);
        this.packedBytes = bytes;
      }
      if (ws > 0) {
        this.work = heap.alloc(ws);
        this.workBytes = ws;
      }
    } catch (e) {
      this.free();
      throw e;
    }
    const [s0, s1] = [w.strides[0]!, w.strides[1]!];
    if (bytes > 0) kk.gemm_pack_b_f32(w.ptr, this.n, this.k, transposed ? s1 : s0, transposed ? s0 : s1, this.packed);
  }

  /**
   * c [m, n] = a [m, k] (rows sa0 floats apart, contiguous within) · B, plus c when accumulate, plus
   * bias [n] (contiguous, or null) per row.
   */
  run(a: number, m: number, sa0: number, c: number, accumulate: boolean, bias: Tensor | null): void {
    if (m === 0 || this.n === 0) return;
    kernels().gemm_packed_b_f32(a, this.packed, c, m, this.n, this.k, sa0, 1, accumulate ? 1 : 0, bias?.ptr ?? 0,
      bias !== null ? GEMM_BIAS.perColumn : GEMM_BIAS.none, 0, this.work);
  }

  free(): void {
    if (this.packed !== 0) heap.free(this.packed, this.packedBytes);
    if (this.work !== 0) heap.free(this.work, this.workBytes);
    this.packed = this.work = 0;
  }
}

/**
 * Runs fn without autograd, with `rows(x, off, n)` (rows off..off+n of a 2-d tensor) and `part(x, off, r, c, t)`
 * (the r×c block at element off of a 1-d or 2-d contiguous tensor, transposed when t) making views that are
 * all released when fn returns, so they keep no buffer alive for the garbage collector to find.
 */
function viewScope<T>(fn: (rows: (x: Tensor, off: number, n: number) => Tensor, part: (x: Tensor, off: number, r: number, c: number, t?: boolean) => Tensor) => T): T {
  const views: Tensor[] = [];
  const keep = (v: Tensor): Tensor => {
    views.push(v);
    return v;
  };
  try {
    return noGrad(() => fn(
      (x, off, n) => keep(narrow(x, 0, off, n)),
      (x, off, r, c, t = false) => {
        const flat = x.ndim === 1 ? x : keep(x.view(-1));
        const v = keep(keep(narrow(flat, 0, off, r * c)).view(r, c));
        return t ? keep(v.t()) : v;
      },
    ));
  } finally {
    for (const v of views) v.dispose();
  }
}

/**
 * One direction of one RNN, LSTM or GRU layer over a whole (packed) sequence as ONE graph node that runs
 * backpropagation through time itself: the forward and the backward each loop over the steps with one
 * GEMM with W_hh (packed once per loop, PackedWeight) and one fused kernel per step (LSTM / GRU cells; tanh
 * or relu for RNN), keep what the backward needs in a few [N, *] buffers (activated gates, tanh(c), the
 * states entering each step; GRU: h·W_hhᵀ + b_hh), and carry the state and its gradient from step to step
 * in preallocated buffers (no per-step tensors without a projection); the W_hh (and W_hr) gradients are
 * one GEMM each over all N rows, the input projection's gradient one [N, G·H] tensor.
 * gi [N, G·H] (input projection with b_ih; step t at rows offsets[t] ..+ batchSizes[t]), h0 [B, Hout],
 * c0 [B, H] (LSTM). Returns the outputs [N, Hout] and the final states, views of the node's one output.
 */
function recurrentSequence(
  mode: RnnMode, gi: Tensor, w: RnnWeights, h0: Tensor, c0: Tensor | null, batchSizes: readonly number[], reverse: boolean,
): { outs: Tensor; hN: Tensor; cN: Tensor | null } {
  const T = batchSizes.length;
  const B = batchSizes[0]!;
  const lstm = mode === 'LSTM', gru = mode === 'GRU';
  const G = gateCount(mode);
  const H = gi.shape[1]! / G;
  const proj = w.wHr;
  const Hout = proj !== null ? proj.shape[0]! : H;
  const offsets: number[] = [];
  let N = 0;
  for (const bs of batchSizes) {
    offsets.push(N);
    N += bs;
  }
  const order = Array.from({ length: T }, (_, k) => (reverse ? T - 1 - k : k));
  const curBefore = new Array<number>(T); // rows of the state entering each step
  const maxBatch = batchSizes.reduce((a, b) => Math.max(a, b), 0);
  const y = Tensor.empty([N * Hout + B * Hout + (lstm ? B * H : 0)], 'float32');
  const act = Tensor.empty([N, G * H], 'float32');
  const hPrev = Tensor.empty([N, Hout], 'float32');
  const tc = lstm ? Tensor.empty([N, H], 'float32') : null;
  const cPrev = lstm ? Tensor.empty([N, H], 'float32') : null;
  const hRaw = lstm && proj !== null ? Tensor.empty([N, H], 'float32') : null;
  const ghAll = gru ? Tensor.empty([N, 3 * H], 'float32') : null;
  const kk = kernels();
  // the step GEMM h·W_hhᵀ + b_hh on W_hh packed once, into one buffer (GRU: straight into ghAll's rows)
  const packW = PackedWeight.usable(w.wHh, w.bHh) && gi.dtype === 'float32' && h0.dtype === 'float32';
  let stepW: PackedWeight | null = null;
  let ghBuf: Tensor | null = null;
  let cBuf: Tensor | null = null;
  try {
    if (lstm) cBuf = Tensor.empty([maxBatch, H], 'float32');
    if (packW) {
      stepW = new PackedWeight(w.wHh, true, batchSizes);
      if (!gru) ghBuf = Tensor.empty([maxBatch, G * H], 'float32');
    }
    viewScope((rows, part) => {
      const giD = dense(gi), h0D = dense(h0), c0D = c0 === null ? null : dense(c0);
      const bHh = w.bHh === null ? null : dense(w.bHh);
      const out = part(y, 0, N, Hout);
      const hN = part(y, N * Hout, B, Hout);
      const cN = lstm ? part(y, N * Hout + B * Hout, B, H) : null;
      let cur = reverse ? batchSizes[T - 1]! : B;
      // the states are addressed by pointer: all are blocks of contiguous rows (h: Hout floats, c: H floats)
      let hState = h0D.ptr;
      let cState = c0D === null ? 0 : c0D.ptr;
      // the state entering a step (at dst): the previous state's first bs rows, plus the initial states of
      // sequences starting here; the rows of sequences that ended are their final states
      const enter = (dst: number, state: number, init: number, finals: number, bs: number, cols: number): void => {
        const row = cols * 4;
        copyFloats(dst, state, Math.min(bs, cur) * cols);
        if (bs < cur) copyFloats(finals + bs * row, state + bs * row, (cur - bs) * cols);
        else if (bs > cur) copyFloats(dst + cur * row, init + cur * row, (bs - cur) * cols);
      };
      for (const t of order) {
        const bs = batchSizes[t]!, off = offsets[t]!;
        curBefore[t] = cur;
        const hp = hPrev.ptr + off * Hout * 4;
        enter(hp, hState, h0D.ptr, hN.ptr, bs, Hout);
        // gh: a tensor from linearRows, or (packed W_hh) a pointer to ghBuf or to ghAll's rows
        const gh = stepW === null ? linearRows(rows(hPrev, off, bs), w.wHh, w.bHh) : null;
        const ghPtr = gh !== null ? gh.ptr : gru ? ghAll!.ptr + off * 3 * H * 4 : ghBuf!.ptr;
        stepW?.run(hp, bs, Hout, ghPtr, false, bHh);
        const giPtr = giD.ptr + off * G * H * 4;
        if (lstm) {
          const cp = cPrev!.ptr + off * H * 4;
          enter(cp, cState, c0D!.ptr, cN!.ptr, bs, H);
          const hDst = hRaw !== null ? hRaw.ptr + off * H * 4 : out.ptr + off * Hout * 4;
          // c' goes to cBuf: the state it replaces was copied to cPrev (and its ended rows to cN) by enter
          kk.lstm_cell_f32(giPtr, ghPtr, cp, hDst, cBuf!.ptr, act.ptr + off * 4 * H * 4, tc!.ptr + off * H * 4, bs, H);
          if (hRaw !== null) {
            const p = linearRows(rows(hRaw, off, bs), proj!, null);
            copyInto(rows(out, off, bs), p);
            p.dispose();
          }
          cState = cBuf!.ptr;
        } else if (gru) {
          const ghRows = ghAll!.ptr + off * 3 * H * 4;
          if (gh !== null) copyFloats(ghRows, gh.ptr, bs * 3 * H);
          kk.gru_cell_f32(giPtr, ghRows, hp, out.ptr + off * Hout * 4, act.ptr + off * 3 * H * 4, bs, H);
        } else {
          // plain RNN: h' = tanh or relu of gi + gh, kept in act for the backward
          const pre = rows(giD, off, bs).add(gh ?? rows(ghBuf!, 0, bs));
          const a = rows(act, off, bs);
          if (mode === 'RNN_TANH') kk.tanh_f32(pre.ptr, a.ptr, bs * H);
          else kk.relu_f32(pre.ptr, a.ptr, bs * H);
          pre.dispose();
          copyInto(rows(out, off, bs), a);
        }
        gh?.dispose();
        hState = out.ptr + off * Hout * 4;
        cur = bs;
      }
      copyFloats(hN.ptr, hState, cur * Hout);
      if (lstm) copyFloats(cN!.ptr, cState, cur * H);
    });
  } finally {
    stepW?.free();
    ghBuf?.dispose();
    cBuf?.dispose();
  }
  const saved = [act, hPrev, w.wHh, ...(lstm ? [tc!, cPrev!] : gru ? [ghAll!] : []), ...(proj !== null ? [hRaw!, proj] : [])];
  const nodeName = lstm ? 'LstmSequenceBackward' : gru ? 'GruSequenceBackward' : 'RnnSequenceBackward';
  record(y, nodeName, [gi, w.wHh, w.bHh, proj, h0, c0], saved, (g, sv, needs) => {
    if (isGradEnabled()) throw doubleBackward(nodeName);
    return viewScope((rows, part) => {
      const [actS, hPrevS, wHh] = sv as Tensor[];
      const tcS = lstm ? sv[3]! : null, cPrevS = lstm ? sv[4]! : null, ghS = gru ? sv[3]! : null;
      const hRawS = proj !== null ? sv[sv.length - 2]! : null, wHr = proj !== null ? sv[sv.length - 1]! : null;
      const gd = g.isContiguous() ? g : rawContiguous(g);
      const gOut = part(gd, 0, N, Hout);
      const dhN = part(gd, N * Hout, B, Hout);
      const dcN = lstm ? part(gd, N * Hout + B * Hout, B, H) : null;
      const dG = Tensor.empty([N, G * H], 'float32'); // d gi (LSTM: d gates)
      const dGh = gru ? Tensor.empty([N, 3 * H], 'float32') : dG; // d gh
      const dHt = hRawS !== null ? Tensor.empty([N, Hout], 'float32') : null;
      const dh0 = zeros(B, Hout), dc0 = lstm ? zeros(B, H) : null;
      // the step GEMM dG·W_hh on W_hh packed once, into dst ([bs, Hout] at a byte offset; added to it when accumulate)
      const backW = PackedWeight.usable(wHh, null) ? new PackedWeight(wHh, false, batchSizes) : null;
      const viaWhh = (d: Tensor, off: number, bs: number, dst: number, accumulate: boolean): void => {
        if (backW !== null) {
          backW.run(d.ptr + off * G * H * 4, bs, G * H, dst, accumulate, null);
          return;
        }
        const r = rows(d, off, bs).matmul(wHh);
        if (accumulate) kk.axpy_f32(r.ptr, dst, bs * Hout, 1);
        else copyFloats(dst, r.ptr, bs * Hout);
        r.dispose();
      };
      // the state gradients by pointer, in two [maxBatch, Hout] buffers for dh and two [maxBatch, H] for dc
      // (a kernel reads one and writes the other)
      let scratch: Tensor | null = null;
      try {
        scratch = Tensor.empty([2 * maxBatch * Hout + (lstm ? 2 * maxBatch * H : 0)], 'float32');
        const dhBufs = [scratch.ptr, scratch.ptr + maxBatch * Hout * 4];
        const dcBufs = [dhBufs[1]! + maxBatch * Hout * 4, dhBufs[1]! + maxBatch * (Hout + H) * 4];
        const dhView = (p: number, bs: number): Tensor => part(scratch!, (p - scratch!.ptr) / 4, bs, Hout);
        const last = order[T - 1]!;
        let cur = batchSizes[last]!;
        let dh = dhBufs[0]!, dc = dcBufs[0]!;
        copyFloats(dh, dhN.ptr, cur * Hout);
        if (lstm) copyFloats(dc, dcN!.ptr, cur * H);
        // the gradient of the state entering a step (bs rows of `cols` floats at d), mapped in place to the
        // rows of the state before it (`before` rows): the final states' gradients for sequences that ended
        // here, the initial states' for those that started here
        const leave = (d: number, dFinal: number, dInit: number, bs: number, before: number, cols: number): void => {
          const row = cols * 4;
          if (bs < before) copyFloats(d + bs * row, dFinal + bs * row, (before - bs) * cols);
          else if (bs > before) copyFloats(dInit + before * row, d + before * row, (bs - before) * cols);
        };
        for (let k = T - 1; k >= 0; k--) {
          const t = order[k]!;
          const bs = batchSizes[t]!, off = offsets[t]!;
          // dh + the output's gradient at this step (dh + 1·g rounds as dh + g)
          kk.axpy_f32(gOut.ptr + off * Hout * 4, dh, bs * Hout, 1);
          if (lstm) {
            let dhRaw: Tensor | null = null;
            if (dHt !== null) {
              copyFloats(dHt.ptr + off * Hout * 4, dh, bs * Hout);
              dhRaw = dhView(dh, bs).matmul(wHr!);
            }
            const dcPrev = dc === dcBufs[0] ? dcBufs[1]! : dcBufs[0]!;
            kk.lstm_cell_backward_f32(dhRaw?.ptr ?? dh, dc, actS.ptr + off * 4 * H * 4, tcS!.ptr + off * H * 4, cPrevS!.ptr + off * H * 4,
              dG.ptr + off * 4 * H * 4, dcPrev, bs, H);
            dhRaw?.dispose();
            viaWhh(dG, off, bs, dh, false);
            dc = dcPrev;
            leave(dc, dcN!.ptr, dc0!.ptr, bs, curBefore[t]!, H);
          } else if (!gru) {
            const a = actS.ptr + off * H * 4, d = dG.ptr + off * H * 4;
            if (mode === 'RNN_TANH') kk.tanh_backward_f32(dh, a, d, bs * H);
            else kk.relu_backward_f32(dh, a, d, bs * H);
            viaWhh(dG, off, bs, dh, false);
          } else {
            // dh_prev = the direct path (written by the cell) + dGh·W_hh (accumulated by the GEMM)
            const dDirect = dh === dhBufs[0] ? dhBufs[1]! : dhBufs[0]!;
            kk.gru_cell_backward_f32(dh, actS.ptr + off * 3 * H * 4, ghS!.ptr + off * 3 * H * 4, hPrevS.ptr + off * H * 4,
              dG.ptr + off * 3 * H * 4, dGh.ptr + off * 3 * H * 4, dDirect, bs, H);
            viaWhh(dGh, off, bs, dDirect, true);
            dh = dDirect;
          }
          leave(dh, dhN.ptr, dh0.ptr, bs, curBefore[t]!, Hout);
          cur = curBefore[t]!;
        }
        copyFloats(dh0.ptr, dh, cur * Hout);
        if (lstm) copyFloats(dc0!.ptr, dc, cur * H);
      } finally {
        backW?.free();
        scratch?.dispose();
      }
      const dWhh = needs[1] ? part(dGh, 0, N, G * H, true).matmul(hPrevS) : null;
      const dBhh = needs[2] ? dGh.sum(0) : null;
      const dWhr = needs[3] && dHt !== null ? part(dHt, 0, N, Hout, true).matmul(hRawS!) : null;
      if (dGh !== dG) dGh.dispose();
      dHt?.dispose();
      if (gd !== g) gd.dispose();
      return [dG, dWhh, dBhh, dWhr, dh0, dc0];
    });
  });
  for (const t of [act, hPrev, tc, cPrev, hRaw, ghAll]) t?._releaseToGraph();
  // the three results are views of y; y and the intermediate views are released now (the results keep the memory)
  const block = (off: number, r: number, c: number): Tensor => {
    const flat = narrow(y, 0, off, r * c);
    const v = flat.view(r, c);
    flat._releaseToGraph();
    return v;
  };
  const outs = block(0, N, Hout);
  const hN = block(N * Hout, B, Hout);
  const cN = lstm ? block(N * Hout + B * Hout, B, H) : null;
  y._releaseToGraph();
  return { outs, hN, cN };
}

/** stack(ts, 0) with the unsqueezed views released at once (they would keep the inputs' memory until a GC). */
function stackReleasing(ts: readonly Tensor[]): Tensor {
  const us = ts.map((t) => t.unsqueeze(0));
  const out = cat(us, 0);
  for (const u of us) u._releaseToGraph();
  return out;
}

/** What runRnn needs besides the input and the weights. */
export interface RnnConfig {
  mode: RnnMode;
  numLayers: number;
  bidirectional: boolean;
  /** Dropout probability on the outputs of each layer but the last (training only). */
  dropout: number;
  training: boolean;
}

/**
 * The recurrent network over packed data [N, I] with batchSizes (a padded [T, B, I] input is the packed
 * data of T steps of B): weights[layer * D + direction], h0 [L·D, B, Hout], c0 [L·D, B, H] (LSTM).
 * Returns the last layer's output [N, D·Hout] (packed order) and the final states [L·D, B, *].
 */
export function runRnn(
  cfg: RnnConfig, data: Tensor, batchSizes: readonly number[], weights: readonly RnnWeights[], h0: Tensor, c0: Tensor | null,
): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const D = cfg.bidirectional ? 2 : 1;
  let x = data;
  const hs: Tensor[] = [], cs: Tensor[] = [];
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    const dirOuts: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const k = layer * D + d;
      const w = weights[k]!;
      const gi = linearRows(x, w.wIh, w.bIh);
      const h0k = select(h0, 0, k), c0k = c0 === null ? null : select(c0, 0, k);
      const r = recurrentSequence(cfg.mode, gi, w, h0k, c0k, batchSizes, d === 1);
      dirOuts.push(r.outs);
      hs.push(r.hN);
      if (r.cN !== null) cs.push(r.cN);
      gi._releaseToGraph();
      h0k._releaseToGraph();
      c0k?._releaseToGraph();
    }
    // intermediates of this function (never the caller's data) go as soon as the graph is done with them
    if (x !== data) x._releaseToGraph();
    x = D === 1 ? dirOuts[0]! : cat(dirOuts, 1);
    if (D > 1) for (const o of dirOuts) o._releaseToGraph();
    if (layer < cfg.numLayers - 1 && cfg.dropout > 0 && cfg.training) {
      const dropped = dropout(x, cfg.dropout, true);
      if (dropped !== x) x._releaseToGraph();
      x = dropped;
    }
  }
  const hN = stackReleasing(hs), cN = c0 === null ? null : stackReleasing(cs);
  for (const t of [...hs, ...cs]) t._releaseToGraph();
  return { output: x, hN, cN };
}

