/**
 * Recurrent layers: nn.RNN, nn.LSTM, nn.GRU (multi-layer, bidirectional, batchFirst, dropout between
 * layers, PackedSequence input, LSTM projections) and nn.RNNCell, nn.LSTMCell, nn.GRUCell, with PyTorch's
 * constructors, parameter names (weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0, ...), initialisation
 * (every parameter U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize))) and return values.
 * The LSTM and GRU steps are fused kernels (src/ops/rnn.ts), one graph node per step.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { empty, zeros } from '../../tensor/creation.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import { uniform_ } from '../init.js';
import { checkSize } from './linear.js';
import { positionalOptions } from '../../options.js';
import { describeValue, type PositionalOr } from '../../ops/loss.js';
import { checkBool } from '../../ops/dropout.js';
import { indexSelect } from '../../ops/indexing.js';
import { gateCount, linearRows, cellStep, runRnn, type RnnMode, type RnnWeights } from '../../ops/rnn.js';
import { PackedSequence } from '../utils-rnn.js';

export interface RNNBaseOptions {
  /** Stacked recurrent layers; default 1. */
  numLayers?: number;
  /** Learn bias_ih and bias_hh; default true. */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature]; default false. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer except the last, in training mode; default 0. */
  dropout?: number;
  /** Also run every layer backwards over the sequence and concatenate; default false. */
  bidirectional?: boolean;
}

export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

export interface LSTMOptions extends RNNBaseOptions {
  /** Project the hidden state to this size with weight_hr (0, the default: no projection; < hiddenSize). */
  projSize?: number;
}

type BaseArgs = [numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean];
const BASE_NAMES = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'];

/** The input of RNN, LSTM and GRU: a padded Tensor or a PackedSequence. */
export type RNNInput = Tensor | PackedSequence;

/** Shared implementation of nn.RNN, nn.LSTM and nn.GRU (PyTorch's RNNBase). */
export abstract class RNNBase<F extends (...args: never[]) => unknown> extends Module<F> {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  protected constructor(name: string, mode: RnnMode, inputSize: number, hiddenSize: number, o: Partial<LSTMOptions>) {
    super();
    this.mode = mode;
    this.inputSize = checkSize(inputSize, name, 'inputSize', 0);
    if (typeof hiddenSize !== 'number' || !Number.isInteger(hiddenSize) || hiddenSize <= 0) {
      throw new RangeError(`${name}: hiddenSize must be greater than zero, got ${describeValue(hiddenSize)}`);
    }
    this.hiddenSize = hiddenSize;
    this.numLayers = checkSize(o.numLayers ?? 1, name, 'numLayers', 1);
    this.bias = checkBool(o.bias, true, name, 'bias');
    this.batchFirst = checkBool(o.batchFirst, false, name, 'batchFirst');
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError(`${name}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${describeValue(p)}`);
    }
    this.dropout = p;
    this.bidirectional = checkBool(o.bidirectional, false, name, 'bidirectional');
    const proj = o.projSize ?? 0;
    if (typeof proj !== 'number' || !Number.isInteger(proj) || proj < 0) {
      throw new RangeError(`${name}: projSize should be a positive integer or zero to disable projections, got ${describeValue(proj)}`);
    }
    if (proj >= hiddenSize) throw new RangeError(`${name}: projSize has to be smaller than hiddenSize (projSize ${proj}, hiddenSize ${hiddenSize})`);
    this.projSize = proj;
    const gates = gateCount(mode) * hiddenSize;
    const real = proj > 0 ? proj : hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const inSize = layer === 0 ? this.inputSize : real * D;
        this.registerParameter(`weight_ih${sfx}`, new Parameter(empty(gates, inSize)));
        this.registerParameter(`weight_hh${sfx}`, new Parameter(empty(gates, real)));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, new Parameter(empty(gates)));
          this.registerParameter(`bias_hh${sfx}`, new Parameter(empty(gates)));
        }
        if (proj > 0) this.registerParameter(`weight_hr${sfx}`, new Parameter(empty(proj, hiddenSize)));
      }
    }
    this.resetParameters();
  }

  /** PyTorch's init: every parameter U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** PyTorch's flatten_parameters(): the weights already live where the kernels read them, so nothing to do. */
  flattenParameters(): void {}

  /** PyTorch's all_weights: per layer and direction, [weight_ih, weight_hh, bias_ih, bias_hh, weight_hr] as present. */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    const D = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < D; d++) {
        const w = this.weightsOf(layer, d);
        out.push([w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].filter((p): p is Parameter => p !== null) as Parameter[]);
      }
    }
    return out;
  }

  /** The weights of layer `layer`, direction `d` (1: reverse). */
  protected weightsOf(layer: number, d: number): RnnWeights {
    const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
    const self = this as unknown as Record<string, Tensor | undefined>;
    return {
      wIh: self[`weight_ih${sfx}`]!, wHh: self[`weight_hh${sfx}`]!,
      bIh: self[`bias_ih${sfx}`] ?? null, bHh: self[`bias_hh${sfx}`] ?? null, wHr: self[`weight_hr${sfx}`] ?? null,
    };
  }

  /**
   * The shared forward: checks input and states as PyTorch does, runs the network, and returns
   * [output (Tensor or PackedSequence like the input), h_n, c_n (LSTM)].
   */
  protected run(name: string, input: unknown, h0: unknown, c0: unknown, hasC: boolean): [RNNInput, Tensor, Tensor | null] {
    const D = this.bidirectional ? 2 : 1;
    const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const LD = this.numLayers * D;
    let data: Tensor, batchSizes: number[], B: number;
    let packed: PackedSequence | null = null;
    let batched = true;
    if (input instanceof PackedSequence) {
      packed = input;
      data = input.data;
      if (data.ndim !== 2) throw new RangeError(`${name}: input must have 2 dimensions, got ${data.ndim} (packed data shape ${shapeStr(data.shape)})`);
      batchSizes = Array.from(input.batchSizes.toArray());
      B = batchSizes[0] ?? 0;
    } else {
      if (!(input instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor or a PackedSequence, got ${describeValue(input)}`);
      if (input.ndim !== 2 && input.ndim !== 3) {
        throw new RangeError(`${name}: Expected input to be 2-D or 3-D but received ${input.ndim}-D tensor (shape ${shapeStr(input.shape)})`);
      }
      if (input.dtype !== 'float32') throw new TypeError(`${name}: input must be float32, got ${input.dtype}`);
      batched = input.ndim === 3;
      const x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
      const seq = this.batchFirst ? x.transpose(0, 1) : x;
      const T = seq.shape[0]!;
      B = seq.shape[1]!;
      if (T === 0) throw new RangeError(`${name}: Expected sequence length to be larger than 0 in RNN (input shape ${shapeStr(input.shape)})`);
      batchSizes = new Array<number>(T).fill(B);
      const dense = seq.isContiguous() ? seq : seq.contiguous(); // (reshape would leave its copy to the GC)
      data = dense.reshape(T * B, seq.shape[2]!);
      for (const t of new Set([dense, seq, x])) if (t !== input && t !== data) t._releaseToGraph();
    }
    const inShape = packed !== null ? packed.data.shape : (input as Tensor).shape;
    if (data.shape[1] !== this.inputSize) {
      throw new RangeError(`${name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${data.shape[1]} (input shape ${shapeStr(inShape)})`);
    }
    const stateShape = [LD, B, real], cellShape = [LD, B, this.hiddenSize];
    const state = (t: unknown, which: string, shape: number[]): Tensor => {
      if (!(t instanceof Tensor)) throw new TypeError(`${name}: ${which} must be a Tensor, got ${describeValue(t)}`);
      if (!batched && t.ndim !== 2) {
        throw new RangeError(`${name}: for unbatched 2-D input, ${which} should also be 2-D but got ${t.ndim}-D tensor (shape ${shapeStr(t.shape)})`);
      }
      if (batched && t.ndim !== 3) {
        throw new RangeError(`${name}: for batched 3-D input, ${which} should also be 3-D but got ${t.ndim}-D tensor (shape ${shapeStr(t.shape)})`);
      }
      let s = batched ? t : t.unsqueeze(1);
      if (packed?.sortedIndices != null) s = indexSelect(s, 1, packed.sortedIndices);
      if (s.shape.length !== 3 || s.shape.some((v, i) => v !== shape[i])) {
        throw new RangeError(`${name}: Expected ${which} size ${shapeStr(shape)}, got ${shapeStr(s.shape)} (input shape ${shapeStr(inShape)})`);
      }
      if (s.dtype !== 'float32') throw new TypeError(`${name}: ${which} must be float32, got ${s.dtype}`);
      return s;
    };
    const hx = h0 == null ? zeros(stateShape) : state(h0, hasC ? 'hidden[0]' : 'hidden', stateShape);
    const cx = !hasC ? null : c0 == null ? zeros(cellShape) : state(c0, 'hidden[1]', cellShape);
    const weights: RnnWeights[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) for (let d = 0; d < D; d++) weights.push(this.weightsOf(layer, d));
    const r = runRnn({ mode: this.mode, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout, training: this.training },
      data, batchSizes, weights, hx, cx);
    // the states made here (zeros, or the caller's reshaped / reordered) are released once the graph is done with them
    if (hx !== h0) hx._releaseToGraph();
    if (cx !== null && cx !== c0) cx._releaseToGraph();
    let hN = r.hN, cN = r.cN;
    if (packed !== null) {
      if (packed.unsortedIndices !== null) {
        const h = indexSelect(hN, 1, packed.unsortedIndices);
        hN._releaseToGraph();
        hN = h;
        if (cN !== null) {
          const c = indexSelect(cN, 1, packed.unsortedIndices);
          cN._releaseToGraph();
          cN = c;
        }
      }
      return [new PackedSequence(r.output, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), hN, cN];
    }
    const T = batchSizes.length;
    if (data !== input) data._releaseToGraph();
    // each reshaping step's input is an intermediate of this forward: released, the result keeps the memory
    const then = (t: Tensor, f: (t: Tensor) => Tensor): Tensor => {
      const v = f(t);
      if (v !== t) t._releaseToGraph();
      return v;
    };
    let out = then(r.output, (t) => t.reshape(T, B, D * real));
    if (this.batchFirst) out = then(out, (t) => t.transpose(0, 1));
    if (!batched) {
      out = then(out, (t) => t.squeeze(this.batchFirst ? 0 : 1));
      hN = then(hN, (t) => t.squeeze(1));
      if (cN !== null) cN = then(cN, (t) => t.squeeze(1));
    }
    return [out, hN, cN];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

type RNNForward = (input: RNNInput, hx?: Tensor | null) => [RNNInput, Tensor];
type LSTMForward = (input: RNNInput, hx?: [Tensor, Tensor] | null) => [RNNInput, [Tensor, Tensor]];

function noProj(name: string, o: object): void {
  if ('projSize' in o && (o as { projSize?: unknown }).projSize !== undefined) {
    throw new RangeError(`${name}: projSize argument is only supported for LSTM, not RNN or GRU`);
  }
}

/**
 * Elman RNN (PyTorch's nn.RNN): h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh), act tanh or relu.
 * forward(input, hx?) returns [output, h_n]: output [T, B, D·H] (batchFirst: [B, T, D·H]; a
 * PackedSequence for packed input; [T, D·H] for unbatched [T, inputSize] input), h_n [numLayers·D, B, H].
 * Constructor as PyTorch: (inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false,
 * dropout = 0, bidirectional = false), and/or { numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional }.
 * @example const rnn = new nn.RNN(10, 20, 2, { nonlinearity: 'relu' }); const [out, hn] = rnn.forward(x);
 */
export class RNN extends RNNBase<RNNForward> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<BaseArgs, RNNOptions>) {
    const o = positionalOptions<RNNOptions & { projSize?: number }>('RNN', args, BASE_NAMES, ['nonlinearity', 'projSize']);
    noProj('RNN', o);
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNN: Unknown nonlinearity ${describeValue(nl)}. Select from 'tanh' or 'relu'.`);
    super('RNN', nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, o);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: RNNInput, hx?: Tensor | null): [RNNInput, Tensor];
  override forward(input: RNNInput, hx?: Tensor | null): [RNNInput, Tensor] {
    const [out, h] = this.run('RNN', input, hx, null, false);
    return [out, h];
  }
}

/**
 * Long short-term memory (PyTorch's nn.LSTM): gates i, f, g, o = σ, σ, tanh, σ of
 * x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh; c_t = f·c_{t-1} + i·g; h_t = o·tanh(c_t) (times W_hrᵀ with projSize).
 * forward(input, [h0, c0]?) returns [output, [h_n, c_n]] (shapes as nn.RNN; h has projSize features when set).
 * Constructor as PyTorch: (inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false,
 * dropout = 0, bidirectional = false, projSize = 0), and/or an options object of those names.
 * @example const lstm = new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true }); const [out, [hn, cn]] = lstm.forward(x);
 */
export class LSTM extends RNNBase<LSTMForward> {
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<[...BaseArgs, projSize: number], LSTMOptions>) {
    const o = positionalOptions<LSTMOptions>('LSTM', args, [...BASE_NAMES, 'projSize']);
    super('LSTM', 'LSTM', inputSize, hiddenSize, o);
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: RNNInput, hx?: [Tensor, Tensor] | null): [RNNInput, [Tensor, Tensor]];
  override forward(input: RNNInput, hx?: [Tensor, Tensor] | null): [RNNInput, [Tensor, Tensor]] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(`LSTM: hx must be an array [h0, c0] of two Tensors or null, got ${describeValue(hx)}`);
    }
    const [out, h, c] = this.run('LSTM', input, hx?.[0], hx?.[1], true);
    return [out, [h, c!]];
  }
}

/**
 * Gated recurrent unit (PyTorch's nn.GRU): r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
 * n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = (1 - z)·n + z·h.
 * forward(input, hx?) returns [output, h_n] (shapes as nn.RNN). Constructor as nn.RNN's (no nonlinearity).
 * @example const gru = new nn.GRU(10, 20, 2); const [out, hn] = gru.forward(x, h0);
 */
export class GRU extends RNNBase<RNNForward> {
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<BaseArgs, RNNBaseOptions>) {
    const o = positionalOptions<RNNBaseOptions & { projSize?: number }>('GRU', args, BASE_NAMES, ['projSize']);
    noProj('GRU', o);
    super('GRU', 'GRU', inputSize, hiddenSize, o);
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: RNNInput, hx?: Tensor | null): [RNNInput, Tensor];
  override forward(input: RNNInput, hx?: Tensor | null): [RNNInput, Tensor] {
    const [out, h] = this.run('GRU', input, hx, null, false);
    return [out, h];
  }
}

// ---------------------------------------------------------------- cells

export interface RNNCellBaseOptions {
  /** Learn bias_ih and bias_hh; default true. */
  bias?: boolean;
}

export interface RNNCellOptions extends RNNCellBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Shared implementation of the cells (PyTorch's RNNCellBase). */
export abstract class RNNCellBase<F extends (...args: never[]) => unknown> extends Module<F> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(name: string, inputSize: number, hiddenSize: number, chunks: number, bias: unknown) {
    super();
    this.inputSize = checkSize(inputSize, name, 'inputSize', 0);
    this.hiddenSize = checkSize(hiddenSize, name, 'hiddenSize', 1);
    this.bias = checkBool(bias, true, name, 'bias');
    this.weight_ih = new Parameter(empty(chunks * hiddenSize, inputSize));
    this.weight_hh = new Parameter(empty(chunks * hiddenSize, hiddenSize));
    this.bias_ih = this.bias ? new Parameter(empty(chunks * hiddenSize)) : null;
    this.bias_hh = this.bias ? new Parameter(empty(chunks * hiddenSize)) : null;
    this.resetParameters();
  }

  /** PyTorch's init: every parameter U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** Checks input and states as PyTorch; returns [input [B, I], states [B, H] (zeros when absent), batched]. */
  protected prepare(name: string, input: unknown, states: readonly unknown[]): [Tensor, Tensor[], boolean] {
    if (!(input instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor, got ${describeValue(input)}`);
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new RangeError(`${name}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor (shape ${shapeStr(input.shape)})`);
    }
    if (input.dtype !== 'float32') throw new TypeError(`${name}: input must be float32, got ${input.dtype}`);
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    if (x.shape[1] !== this.inputSize) {
      throw new RangeError(`${name}: input has inconsistent input_size: got ${x.shape[1]}, expected ${this.inputSize} (input shape ${shapeStr(input.shape)})`);
    }
    const B = x.shape[0]!;
    const out = states.map((s, k) => {
      const which = states.length > 1 ? `hx[${k}]` : 'hx';
      if (s == null) return zeros(B, this.hiddenSize);
      if (!(s instanceof Tensor)) throw new TypeError(`${name}: ${which} must be a Tensor, got ${describeValue(s)}`);
      if (s.ndim !== input.ndim) {
        throw new RangeError(`${name}: ${which} must be ${input.ndim}-D like the input, got shape ${shapeStr(s.shape)} (input shape ${shapeStr(input.shape)})`);
      }
      const t = batched ? s : s.unsqueeze(0);
      if (t.shape[0] !== B || t.shape[1] !== this.hiddenSize) {
        throw new RangeError(`${name}: Expected ${which} of shape ${shapeStr(batched ? [B, this.hiddenSize] : [this.hiddenSize])}, got ${shapeStr(s.shape)} (input shape ${shapeStr(input.shape)})`);
      }
      return t;
    });
    return [x, out, batched];
  }

  protected weights(): RnnWeights {
    return { wIh: this.weight_ih, wHh: this.weight_hh, bIh: this.bias_ih, bHh: this.bias_hh, wHr: null };
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}` + (this.bias ? '' : ', bias=False');
  }
}

/**
 * PyTorch's nn.RNNCell: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). forward(input [B, I] or [I], hx?) returns h'.
 * Constructor as PyTorch: (inputSize, hiddenSize, bias = true, nonlinearity = 'tanh'), and/or { bias, nonlinearity }.
 * @example const cell = new nn.RNNCell(10, 20); const h1 = cell.forward(x, h0);
 */
export class RNNCell extends RNNCellBase<(input: Tensor, hx?: Tensor | null) => Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<[bias: boolean, nonlinearity: 'tanh' | 'relu'], RNNCellOptions>) {
    const o = positionalOptions<RNNCellOptions>('RNNCell', args, ['bias', 'nonlinearity']);
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNNCell: Unknown nonlinearity: ${describeValue(nl)}. Select from 'tanh' or 'relu'.`);
    super('RNNCell', inputSize, hiddenSize, 1, o.bias);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, [h], batched] = this.prepare('RNNCell', input, [hx]);
    const w = this.weights();
    const gi = linearRows(x, w.wIh, w.bIh);
    const [hn] = cellStep(this.nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', gi, h!, null, w);
    gi._releaseToGraph();
    return batched ? hn : hn.squeeze(0);
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }
}

/**
 * PyTorch's nn.LSTMCell (one fused step): forward(input [B, I] or [I], [h, c]?) returns [h', c'].
 * Constructor as PyTorch: (inputSize, hiddenSize, bias = true), and/or { bias }.
 * @example const cell = new nn.LSTMCell(10, 20); const [h1, c1] = cell.forward(x, [h0, c0]);
 */
export class LSTMCell extends RNNCellBase<(input: Tensor, hx?: [Tensor, Tensor] | null) => [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<[bias: boolean], RNNCellBaseOptions>) {
    const o = positionalOptions<RNNCellBaseOptions>('LSTMCell', args, ['bias']);
    super('LSTMCell', inputSize, hiddenSize, 4, o.bias);
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(`LSTMCell: hx must be an array [h, c] of two Tensors or null, got ${describeValue(hx)}`);
    }
    const [x, [h, c], batched] = this.prepare('LSTMCell', input, [hx?.[0], hx?.[1]]);
    const w = this.weights();
    const gi = linearRows(x, w.wIh, w.bIh);
    const [hn, cn] = cellStep('LSTM', gi, h!, c!, w);
    gi._releaseToGraph();
    return batched ? [hn, cn!] : [hn.squeeze(0), cn!.squeeze(0)];
  }
}

/**
 * PyTorch's nn.GRUCell (one fused step): forward(input [B, I] or [I], hx?) returns h'.
 * Constructor as PyTorch: (inputSize, hiddenSize, bias = true), and/or { bias }.
 * @example const cell = new nn.GRUCell(10, 20); const h1 = cell.forward(x, h0);
 */
export class GRUCell extends RNNCellBase<(input: Tensor, hx?: Tensor | null) => Tensor> {
  constructor(inputSize: number, hiddenSize: number, ...args: PositionalOr<[bias: boolean], RNNCellBaseOptions>) {
    const o = positionalOptions<RNNCellBaseOptions>('GRUCell', args, ['bias']);
    super('GRUCell', inputSize, hiddenSize, 3, o.bias);
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, [h], batched] = this.prepare('GRUCell', input, [hx]);
    const w = this.weights();
    const gi = linearRows(x, w.wIh, w.bIh);
    const [hn] = cellStep('GRU', gi, h!, null, w);
    gi._releaseToGraph();
    return batched ? hn : hn.squeeze(0);
  }
}

