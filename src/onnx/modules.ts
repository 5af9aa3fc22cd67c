/**
 * Module-level ONNX emitters: while onnx.export traces, a module whose class is registered here has its
 * forward wrapped, and its call becomes ONNX op(s) built from the module's own settings and parameters
 * (named by their state-dict keys) instead of the primitives it ran: nn.LSTM / nn.GRU / nn.RNN as ONNX's
 * LSTM / GRU / RNN (PyTorch's gate order converted: ONNX uses iofc for LSTM, zrh for GRU), and the
 * activation layers whose functional form records no parameters (ELU's alpha, Hardtanh's bounds, ...).
 */
import { Tensor } from '../tensor/tensor.js';
import type { AnyModule } from '../nn/module.js';
import { RNNBase, LSTM, GRU, RNN } from '../nn/layers/rnn.js';
import { ELU, CELU, SELU, Hardtanh, ReLU6, Hardsigmoid, Softplus, Mish, PReLU, LogSigmoid } from '../nn/layers/activation-more.js';
import { AdaptiveMaxPool1d, AdaptiveMaxPool2d } from '../nn/layers/pooling-more.js';
import type { GraphBuilder, TNode } from './graph.js';

/** One call of a registered module, in both traces. */
export class ModuleSite {
  constructor(
    readonly g: GraphBuilder,
    readonly module: AnyModule,
    readonly node: TNode,
    readonly inputs1: readonly (Tensor | null)[],
    readonly inputs2: readonly (Tensor | null)[],
    /** The output names, one per output tensor (in the order the forward returns them, flattened). */
    readonly outs: readonly string[],
  ) {}

  input(i: number): string {
    const t = this.inputs1[i];
    if (!(t instanceof Tensor)) throw this.error(`argument ${i} is missing`);
    return this.g.value(t, this.inputs2[i]);
  }

  /** A parameter's initializer (named by its state-dict key). */
  param(p: Tensor | null | undefined): string {
    if (!(p instanceof Tensor)) throw this.error('a parameter is missing');
    return this.g.value(p, null);
  }

  error(why: string): Error {
    return new TypeError(`onnx.export: ${this.module.constructor.name} cannot be exported to ONNX: ${why}`);
  }
}

export type ModuleEmitter = (m: AnyModule, s: ModuleSite) => void;

/** Module classes with their own ONNX form (looked up along the prototype chain). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MODULE_EMITTERS = new Map<Function, ModuleEmitter>();

/**
 * The emitter for `m`'s class or its nearest registered base class, if `m` runs that class's own forward
 * (a subclass or instance that replaces forward is traced op by op).
 */
export function moduleEmitter(m: AnyModule): ModuleEmitter | undefined {
  for (let p = Object.getPrototypeOf(m); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const e = MODULE_EMITTERS.get(p.constructor);
    if (e !== undefined) return m.forward === (p as { forward: unknown }).forward ? e : undefined;
  }
  return undefined;
}

function one(s: ModuleSite, op: string, inputs: string[], attrs: Parameters<GraphBuilder['add']>[3] = {}): void {
  s.g.add(op, inputs, [s.outs[0]!], attrs);
}

// ---------------------------------------------------------------- activations

MODULE_EMITTERS.set(ELU, (m, s) => one(s, 'Elu', [s.input(0)], { alpha: { float: (m as ELU).alpha } }));
MODULE_EMITTERS.set(CELU, (m, s) => one(s, 'Celu', [s.input(0)], { alpha: { float: (m as CELU).alpha } }));
MODULE_EMITTERS.set(SELU, (_m, s) => one(s, 'Selu', [s.input(0)]));
MODULE_EMITTERS.set(Hardtanh, (m, s) => one(s, 'Clip', [s.input(0), s.g.scalar((m as Hardtanh).minVal), s.g.scalar((m as Hardtanh).maxVal)]));
MODULE_EMITTERS.set(ReLU6, (_m, s) => one(s, 'Clip', [s.input(0), s.g.scalar(0), s.g.scalar(6)]));
MODULE_EMITTERS.set(Hardsigmoid, (_m, s) => one(s, 'HardSigmoid', [s.input(0)], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }));
MODULE_EMITTERS.set(Mish, (_m, s) => {
  const x = s.input(0);
  one(s, 'Mul', [x, s.g.op('Tanh', [s.g.op('Softplus', [x])])]);
});
MODULE_EMITTERS.set(LogSigmoid, (_m, s) => one(s, 'Neg', [s.g.op('Softplus', [s.g.op('Neg', [s.input(0)])])]));
MODULE_EMITTERS.set(Softplus, (m, s) => {
  // PyTorch: log(1 + exp(beta x)) / beta, and x where beta x > threshold
  const { beta, threshold } = m as Softplus;
  const x = s.input(0);
  const bx = beta === 1 ? x : s.g.op('Mul', [x, s.g.scalar(beta)]);
  let sp = s.g.op('Softplus', [bx]);
  if (beta !== 1) sp = s.g.op('Div', [sp, s.g.scalar(beta)]);
  one(s, 'Where', [s.g.op('Greater', [bx, s.g.scalar(threshold)]), x, sp]);
});
MODULE_EMITTERS.set(PReLU, (m, s) => {
  // PyTorch's weight applies along dim 1; ONNX's slope broadcasts from the right
  const x = s.inputs1[0]!;
  const n = (m as PReLU).numParameters;
  let w = s.param((m as PReLU).weight);
  if (n > 1 && x.ndim > 2) w = s.g.op('Reshape', [w, s.g.ints([n, ...new Array<number>(x.ndim - 2).fill(1)])]);
  one(s, 'PRelu', [s.input(0), w]);
});

// ---------------------------------------------------------------- adaptive max pooling

/** Adaptive max pooling whose windows tile the input (each size divisible by the output's): MaxPool. */
function adaptiveMax(n: number): ModuleEmitter {
  return (m, s) => {
    if ((m as AdaptiveMaxPool2d).returnIndices) throw s.error('returnIndices is not supported');
    const x = s.inputs1[0]!;
    const ins = x.shape.slice(-n), outs = s.node.outShape.slice(-n);
    if (ins.some((d, i) => d % outs[i]! !== 0)) {
      throw s.error(`output size [${outs.join(', ')}] does not divide the input size [${ins.join(', ')}] (ONNX MaxPool needs equal windows)`);
    }
    const k = ins.map((d, i) => d / outs[i]!);
    const unbatched = x.ndim === n + 1;
    const xin = unbatched ? s.g.op('Unsqueeze', [s.input(0), s.g.ints([0])]) : s.input(0);
    const y = s.g.op('MaxPool', [xin], { kernel_shape: k, strides: k });
    if (unbatched) s.g.add('Squeeze', [y, s.g.ints([0])], [s.outs[0]!]);
    else s.g.add('Identity', [y], [s.outs[0]!]);
  };
}
MODULE_EMITTERS.set(AdaptiveMaxPool1d, adaptiveMax(1));
MODULE_EMITTERS.set(AdaptiveMaxPool2d, adaptiveMax(2));

// ---------------------------------------------------------------- recurrent layers

/** The gate blocks of a PyTorch weight/bias (rows) in ONNX's order. */
function reorder(s: ModuleSite, p: string, H: number, order: readonly number[]): string {
  if (order.length === 1) return p;
  const parts = order.map(() => s.g.tmp('gate'));
  s.g.add('Split', [p, s.g.ints(order.map(() => H))], parts, { axis: 0 });
  return s.g.op('Concat', order.map((i) => parts[i]!), { axis: 0 });
}

function rnnEmitter(mod: AnyModule, s: ModuleSite): void {
  const m = mod as RNNBase<(...args: never[]) => unknown>;
  if (m.projSize > 0) throw s.error('projSize has no ONNX LSTM form');
  const x1 = s.inputs1[0];
  if (!(x1 instanceof Tensor)) throw s.error('a PackedSequence input is not supported');
  const g = s.g;
  const H = m.hiddenSize, L = m.numLayers, D = m.bidirectional ? 2 : 1;
  const lstm = m.mode === 'LSTM', gru = m.mode === 'GRU';
  const op = lstm ? 'LSTM' : gru ? 'GRU' : 'RNN';
  // PyTorch's gate blocks -> ONNX's: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h
  const order = lstm ? [0, 3, 1, 2] : gru ? [1, 0, 2] : [0];
  const batched = x1.ndim === 3;
  let x = s.input(0);
  if (!batched) x = g.op('Unsqueeze', [x, g.ints([1])]);
  else if (m.batchFirst) x = g.op('Transpose', [x], { perm: [1, 0, 2] });
  const state = (i: number): string => {
    if (!(s.inputs1[i] instanceof Tensor)) return '';
    const h = s.input(i);
    return batched ? h : g.op('Unsqueeze', [h, g.ints([1])]);
  };
  const h0 = state(1), c0 = lstm ? state(2) : '';
  const self = m as unknown as Record<string, Tensor | undefined>;
  const hs: string[] = [], cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const sfx = D === 2 ? [`_l${l}`, `_l${l}_reverse`] : [`_l${l}`];
    const stack = (name: string) => g.op('Concat', sfx.map((f) => g.op('Unsqueeze', [reorder(s, s.param(self[`${name}${f}`]), H, order), g.ints([0])])), { axis: 0 });
    const W = stack('weight_ih'), R = stack('weight_hh');
    let B = '';
    if (m.bias) {
      B = g.op('Concat', sfx.map((f) => g.op('Unsqueeze', [
        g.op('Concat', [reorder(s, s.param(self[`bias_ih${f}`]), H, order), reorder(s, s.param(self[`bias_hh${f}`]), H, order)], { axis: 0 }),
        g.ints([0]),
      ])), { axis: 0 });
    }
    const slice = (t: string) => (t === '' ? '' : g.op('Slice', [t, g.ints([l * D]), g.ints([(l + 1) * D]), g.ints([0])]));
    const ins = [x, W, R, B, '', slice(h0)];
    if (lstm) ins.push(slice(c0));
    const Y = g.tmp('Y'), Yh = g.tmp('Y_h'), Yc = g.tmp('Y_c');
    const attrs: Parameters<GraphBuilder['add']>[3] = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (gru) attrs.linear_before_reset = 1;
    if (!lstm && !gru) attrs.activations = { strings: new Array<string>(D).fill(m.mode === 'RNN_RELU' ? 'Relu' : 'Tanh') };
    g.add(op, ins, lstm ? [Y, Yh, Yc] : [Y, Yh], attrs);
    // [T, D, B, H] -> [T, B, D·H], the next layer's input
    x = g.op('Reshape', [g.op('Transpose', [Y], { perm: [0, 2, 1, 3] }), g.ints([0, 0, -1])]);
    hs.push(Yh);
    cs.push(Yc);
  }
  const finish = (t: string, name: string, isOutput: boolean): void => {
    if (!batched) g.add('Squeeze', [t, g.ints([1])], [name]);
    else if (isOutput && m.batchFirst) g.add('Transpose', [t], [name], { perm: [1, 0, 2] });
    else g.add('Identity', [t], [name]);
  };
  finish(x, s.outs[0]!, true);
  finish(hs.length === 1 ? hs[0]! : g.op('Concat', hs, { axis: 0 }), s.outs[1]!, false);
  if (lstm) finish(cs.length === 1 ? cs[0]! : g.op('Concat', cs, { axis: 0 }), s.outs[2]!, false);
}

MODULE_EMITTERS.set(LSTM, rnnEmitter);
MODULE_EMITTERS.set(GRU, rnnEmitter);
MODULE_EMITTERS.set(RNN, rnnEmitter);
