/**
 * ONNX emitters, keyed by the backward node name an op records (PyTorch's grad_fn names) or by a
 * composite's kind (traceComposite). Each receives the op in both traces (the second one decides which
 * shape operands follow a dynamic axis) and writes ONNX nodes whose last output is `out`.
 */
import type { Tensor } from '../tensor/tensor.js';
import { cannotExport, GraphBuilder, ONNX_BOOL, ONNX_FLOAT, onnxType, type AttrValue, type Snapshot, type TNode } from './graph.js';

/** One op in both traces. */
export class Site {
  constructor(readonly g: GraphBuilder, readonly n1: TNode, readonly n2: TNode, readonly out: string) {}

  /** Input i's tensor in the first trace (null: a number operand or an absent optional input). */
  tensor(i: number): Tensor | null {
    return this.n1.inputs[i] ?? null;
  }

  /** Input i's ONNX value name. */
  input(i: number): string {
    const t = this.n1.inputs[i];
    if (t == null) throw cannotExport(this.n1, `input ${i} is missing`);
    return this.g.value(t, this.n2.inputs[i]);
  }

  /** An attribute attached by the op (traceAttrs) or the composite, in the first trace. */
  attr<T = unknown>(key: string): T {
    const a = this.n1.composite ?? this.g.t1.attrs.get(this.n1.out);
    if (a === undefined || !(key in a)) throw cannotExport(this.n1, `the op did not record its '${key}' (it may not support tracing)`);
    return a[key] as T;
  }

  attr2<T = unknown>(key: string): T {
    const a = this.n2.composite ?? this.g.t2.attrs.get(this.n2.out);
    return a?.[key] as T;
  }

  has(key: string): boolean {
    const a = this.n1.composite ?? this.g.t1.attrs.get(this.n1.out);
    return a !== undefined && key in a;
  }

  /** A number attribute that must not depend on the input's size. */
  num(key: string): number {
    const v = this.attr<number>(key), v2 = this.attr2<number>(key);
    if (v !== v2 && !(Number.isNaN(v) && Number.isNaN(v2))) {
      throw cannotExport(this.n1, `its ${key} (${v}) depends on the input's size (${v2} for the other example size)`);
    }
    return v;
  }

  /** A tensor attribute's value name (index tensors, conditions). */
  tensorAttr(key: string): string {
    return this.g.value(this.attr<Tensor>(key), this.attr2<Tensor>(key));
  }

  /** Operand i of a binary op: the tensor, or the number operand recorded as attribute a/b. */
  operand(i: number): string {
    const t = this.tensor(i);
    if (t !== null) return this.castTo(this.input(i), t.dtype, this.n1.outDType);
    const v = this.num(i === 0 ? 'a' : 'b');
    return this.g.scalar(v, this.n1.outDType);
  }

  /** `name` (of dtype `from`) cast to `to` when they differ. */
  castTo(name: string, from: string, to: string): string {
    if (from === to) return name;
    return this.g.op('Cast', [name], { to: to === 'float32' ? ONNX_FLOAT : to === 'bool' ? ONNX_BOOL : onnxType(to as 'int32') });
  }

  emit(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}): void {
    this.g.add(opType, inputs, [this.out], attributes);
  }

  /** The output's shape as a Reshape/Expand target (dims that differ between the traces made dynamic). */
  shapeTarget(kind: 'reshape' | 'expand'): string {
    const s1 = this.n1.outShape, s2 = this.n2.outShape;
    const in1 = this.tensor(0)!.shape, in2 = this.n2.inputs[0]!.shape;
    const diff = s1.map((d, i) => d !== s2[i]);
    const pieces: ({ literal: number } | { name: string })[] = [];
    let unresolved = 0;
    const nd = diff.filter(Boolean).length;
    for (let i = 0; i < s1.length; i++) {
      if (!diff[i]) {
        pieces.push({ literal: s1[i]! });
        continue;
      }
      if (kind === 'expand') {
        // Expand broadcasts both ways: 1 keeps the input's (dynamic) size
        const j = i - (s1.length - in1.length);
        if (j >= 0 && in1[j] === s1[i] && in2[j] === s2[i]) {
          pieces.push({ literal: 1 });
          continue;
        }
      } else if (nd === 1) {
        pieces.push({ literal: -1 });
        continue;
      }
      const d = this.g.dim(s1[i]!, s2[i]!);
      if (d !== null) {
        pieces.push(d);
        continue;
      }
      if (kind === 'reshape' && unresolved === 0) {
        unresolved++;
        pieces.push({ literal: -1 });
        continue;
      }
      throw cannotExport(this.n1, `cannot export a ${kind} with two dynamic dims (target [${s1.join(', ')}] becomes [${s2.join(', ')}] for the other input size)`);
    }
    return this.g.shapeValue(pieces);
  }
}

export type Emitter = (s: Site) => void;

/** Whether a composite can be emitted as one op at this opset (else its primitives are emitted). */
export const compositeSupported: Record<string, (opset: number) => boolean> = {
  LeakyRelu: () => true,
  LayerNormalization: (opset) => opset >= 17,
  BatchNormalization: () => true,
};

const unary = (op: string): Emitter => (s) => s.emit(op, [s.input(0)]);
const binary = (op: string): Emitter => (s) => s.emit(op, [s.operand(0), s.operand(1)]);
const reshape: Emitter = (s) => s.emit('Reshape', [s.input(0), s.shapeTarget('reshape')]);

/** A reduction over `dims` with keepdim (axes an input from opset 13 for ReduceSum, 18 for the others). */
function reduce(s: Site, op: string): void {
  const dims = s.attr<readonly number[]>('dims'), keepdim = s.attr<boolean>('keepdim') ? 1 : 0;
  if (dims.length === 0) return s.emit('Identity', [s.input(0)]);
  if (op === 'ReduceSum' || s.g.opset >= 18) s.emit(op, [s.input(0), s.g.ints([...dims])], { keepdims: keepdim });
  else s.emit(op, [s.input(0)], { axes: [...dims], keepdims: keepdim });
}

/** A Slice bound on an axis of size `size1` (`size2` in the second trace): literal, from the end, or dynamic. */
function bound(s: Site, v1: number, v2: number, size1: number, size2: number, isEnd: boolean, what: string): { literal: number } | { name: string } {
  if (v1 === v2) return { literal: v1 };
  if (v1 - size1 === v2 - size2) return { literal: isEnd && v1 === size1 ? 2 ** 53 - 1 : v1 - size1 };
  const d = s.g.dim(v1, v2);
  if (d !== null) return d;
  throw cannotExport(s.n1, `its ${what} (${v1}) depends on the input's size in a way the exporter cannot express (${v2} for the other size)`);
}

function linear(s: Site, relu: boolean): void {
  const wt = s.g.op('Transpose', [s.input(1)], { perm: [1, 0] });
  const mm = s.g.op('MatMul', [s.input(0), wt]);
  if (s.tensor(2) === null) return relu ? s.emit('Relu', [mm]) : s.emit('Identity', [mm]);
  if (!relu) return s.emit('Add', [mm, s.input(2)]);
  s.emit('Relu', [s.g.op('Add', [mm, s.input(2)])]);
}

interface ConvGeo { kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; h: number; w: number; oh: number; ow: number; groups: number }

/** Padding after the input (bottom/right) that gives `o` windows with floor rounding (at least `before`... none below 0). */
function after(size: number, k: number, st: number, before: number, d: number, o: number, min: number): number {
  return Math.max(min, (o - 1) * st + d * (k - 1) + 1 - size - before);
}

function pool(s: Site, op: 'MaxPool' | 'AveragePool'): void {
  const g = s.attr<ConvGeo>('geo');
  const p = s.attr<{ ceilMode: boolean; countIncludePad: boolean; divisorOverride: number }>('params');
  if (op === 'AveragePool' && p.divisorOverride !== 0) throw cannotExport(s.n1, 'divisorOverride is not supported by ONNX AveragePool');
  const x = s.tensor(0)!;
  let xin = s.input(0);
  if (x.ndim === 3) xin = s.g.op('Unsqueeze', [xin, s.g.ints([0])]);
  const attrs: Record<string, readonly number[] | number> = { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw] };
  if (op === 'MaxPool') {
    // ceil mode as explicit padding after the input (the -Inf padding changes no maximum)
    attrs.pads = [g.ph, g.pw, after(g.h, g.kh, g.sh, g.ph, g.dh, g.oh, g.ph), after(g.w, g.kw, g.sw, g.pw, g.dw, g.ow, g.pw)];
    attrs.dilations = [g.dh, g.dw];
  } else {
    // ceil mode: a last window passing the padded input divides by its part inside it (PyTorch), which
    // ONNX's count_include_pad expresses only without padding (then it is the count of input elements)
    const overhang = (g.oh - 1) * g.sh + g.kh > g.h + 2 * g.ph || (g.ow - 1) * g.sw + g.kw > g.w + 2 * g.pw;
    if (overhang && p.countIncludePad && (g.ph > 0 || g.pw > 0)) {
      throw cannotExport(s.n1, 'ceilMode with padding and countIncludePad, where a window passes the padded input, has no ONNX AveragePool form');
    }
    attrs.pads = [g.ph, g.pw, g.ph, g.pw];
    attrs.ceil_mode = p.ceilMode ? 1 : 0;
    attrs.count_include_pad = p.countIncludePad && !overhang ? 1 : 0;
  }
  if (x.ndim === 3) s.emit('Squeeze', [s.g.op(op, [xin], attrs), s.g.ints([0])]);
  else s.emit(op, [xin], attrs);
}

/** Whether a constant is the causal mask of its shape (j <= i: 'tril') or its complement (j > i: 'above'). */
function trilKind(c: Snapshot): 'tril' | 'above' | null {
  if (c.dtype !== 'bool' || c.shape.length !== 2) return null;
  const [L, S] = c.shape as [number, number];
  let tril = true, above = true;
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < S; j++) {
      const v = c.values[i * S + j] !== 0;
      if (v !== j <= i) tril = false;
      if (v !== j > i) above = false;
    }
  }
  return tril ? 'tril' : above ? 'above' : null;
}

/**
 * A causal mask (attention's tril(ones(L, S)), or its complement) whose size follows dynamic axes, built
 * at run time with Trilu; null when the constant is not one or its size cannot be expressed.
 */
function causalMask(s: Site, c1: Snapshot, c2: Snapshot): string | null {
  const kind = trilKind(c1);
  if (s.g.opset < 14 || kind === null || trilKind(c2) !== kind || c1.shape.join() === c2.shape.join()) return null;
  const L = s.g.dim(c1.shape[0]!, c2.shape[0]!), S = s.g.dim(c1.shape[1]!, c2.shape[1]!);
  if (L === null || S === null) return null;
  const ones = s.g.op('Expand', [s.g.scalar(1), s.g.shapeValue([L, S])]);
  const tril = s.g.op('Cast', [s.g.op('Trilu', [ones], { upper: 0 })], { to: ONNX_BOOL });
  return kind === 'tril' ? tril : s.g.op('Not', [tril]);
}

export const EMITTERS: Record<string, Emitter> = {
  // elementwise
  AddBackward0: binary('Add'),
  SubBackward0: binary('Sub'),
  MulBackward0: binary('Mul'),
  DivBackward0: binary('Div'),
  PowBackward0: binary('Pow'),
  PowBackward1: binary('Pow'),
  MaximumBackward0: binary('Max'),
  MinimumBackward0: binary('Min'),
  NegBackward0: unary('Neg'),
  ExpBackward0: unary('Exp'),
  LogBackward0: unary('Log'),
  SqrtBackward0: unary('Sqrt'),
  AbsBackward0: unary('Abs'),
  ReluBackward0: unary('Relu'),
  SigmoidBackward0: unary('Sigmoid'),
  TanhBackward0: unary('Tanh'),
  ErfBackward0: unary('Erf'),
  FloorBackward0: unary('Floor'),
  CeilBackward0: unary('Ceil'),
  RoundBackward0: unary('Round'),
  SinBackward0: unary('Sin'),
  CosBackward0: unary('Cos'),
  TanBackward0: unary('Tan'),
  AsinBackward0: unary('Asin'),
  AcosBackward0: unary('Acos'),
  AtanBackward0: unary('Atan'),
  SinhBackward0: unary('Sinh'),
  CoshBackward0: unary('Cosh'),
  AsinhBackward0: unary('Asinh'),
  AcoshBackward0: unary('Acosh'),
  AtanhBackward0: unary('Atanh'),
  ReciprocalBackward0: unary('Reciprocal'),
  SignBackward0: unary('Sign'),
  Log1PBackward0: (s) => s.emit('Log', [s.g.op('Add', [s.input(0), s.g.scalar(1)])]),
  Expm1Backward0: (s) => s.emit('Sub', [s.g.op('Exp', [s.input(0)]), s.g.scalar(1)]),
  Log2Backward0: (s) => s.emit('Div', [s.g.op('Log', [s.input(0)]), s.g.scalar(Math.LN2)]),
  Log10Backward0: (s) => s.emit('Div', [s.g.op('Log', [s.input(0)]), s.g.scalar(Math.LN10)]),
  Exp2Backward0: (s) => s.emit('Pow', [s.g.scalar(2), s.input(0)]),
  RsqrtBackward0: (s) => s.emit('Reciprocal', [s.g.op('Sqrt', [s.input(0)])]),
  ErfcBackward0: (s) => s.emit('Sub', [s.g.scalar(1), s.g.op('Erf', [s.input(0)])]),
  SiluBackward0: (s) => {
    const x = s.input(0);
    s.emit('Mul', [x, s.g.op('Sigmoid', [x])]);
  },
  HardswishBackward0: (s) => {
    if (s.g.opset < 14) throw cannotExport(s.n1, 'HardSwish needs opsetVersion >= 14');
    s.emit('HardSwish', [s.input(0)]);
  },
  ClampBackward1: (s) => {
    const lo = s.num('min'), hi = s.num('max');
    s.emit('Clip', [s.input(0), lo === -Infinity ? '' : s.g.scalar(lo), hi === Infinity ? '' : s.g.scalar(hi)]);
  },
  ClampBackward0: (s) => {
    let y = s.input(0);
    if (s.tensor(1) !== null) y = s.g.op('Max', [y, s.input(1)]);
    if (s.tensor(2) !== null) y = s.g.op('Min', [y, s.input(2)]);
    s.emit('Identity', [y]);
  },
  WhereBackward0: (s) => {
    const cond = s.attr<Tensor>('condition');
    // a constant condition that is all true or all false (a mask of nothing) selects one operand as is
    const c = s.g.constantOf(cond);
    if (c !== null && c.values.length > 0) {
      const all = c.values.every((v) => v !== 0), none = c.values.every((v) => v === 0);
      const pick = all ? 0 : none ? 1 : -1;
      const t = pick >= 0 ? s.tensor(pick) : null;
      if (t !== null && t.shape.join() === s.n1.outShape.join() && t.dtype === s.n1.outDType) {
        const c2 = s.g.snap(s.g.t2, s.attr2<Tensor>('condition'));
        if (c2.values.every((v) => (v !== 0) === all)) return s.emit('Identity', [s.input(pick)]);
      }
    }
    const causal = c !== null ? causalMask(s, c, s.g.snap(s.g.t2, s.attr2<Tensor>('condition'))) : null;
    const cn = causal ?? s.castTo(s.tensorAttr('condition'), cond.dtype, 'bool');
    s.emit('Where', [cn, s.operand(0), s.operand(1)]);
  },
  MaskedFillBackward0: (s) => {
    const mask = s.attr<Tensor>('mask');
    const c = s.g.constantOf(mask);
    const causal = c !== null ? causalMask(s, c, s.g.snap(s.g.t2, s.attr2<Tensor>('mask'))) : null;
    const v = s.castTo(s.input(1), s.tensor(1)!.dtype, s.n1.outDType);
    s.emit('Where', [causal ?? s.castTo(s.tensorAttr('mask'), mask.dtype, 'bool'), v, s.input(0)]);
  },
  // views and copies
  ViewBackward0: reshape,
  UnsafeViewBackward0: reshape,
  SqueezeBackward0: reshape,
  UnsqueezeBackward0: reshape,
  AliasBackward0: unary('Identity'),
  CloneBackward0: unary('Identity'),
  ExpandBackward0: (s) => s.emit('Expand', [s.input(0), s.shapeTarget('expand')]),
  PermuteBackward0: (s) => s.emit('Transpose', [s.input(0)], { perm: [...s.attr<number[]>('dims')] }),
  NarrowBackward0: (s) => {
    const dim = s.attr<number>('dim');
    const x1 = s.tensor(0)!, x2 = s.n2.inputs[0]!;
    const st1 = s.attr<number>('start'), st2 = s.attr2<number>('start');
    const e1 = st1 + s.attr<number>('length'), e2 = st2 + s.attr2<number>('length');
    const size1 = x1.shape[dim]!, size2 = x2.shape[dim]!;
    const start = bound(s, st1, st2, size1, size2, false, 'start');
    const end = bound(s, e1, e2, size1, size2, true, 'end');
    s.emit('Slice', [s.input(0), s.g.shapeValue([start]), s.g.shapeValue([end]), s.g.ints([dim])]);
  },
  SelectBackward0: (s) => {
    const dim = s.attr<number>('dim');
    const i1 = s.attr<number>('index'), i2 = s.attr2<number>('index');
    const size1 = s.tensor(0)!.shape[dim]!, size2 = s.n2.inputs[0]!.shape[dim]!;
    let i = i1;
    if (i1 !== i2) {
      if (i1 - size1 !== i2 - size2) throw cannotExport(s.n1, `its index (${i1}) depends on the input's size`);
      i = i1 - size1;
    }
    s.emit('Gather', [s.input(0), s.g.constant([i], 'int64', [], 'index')], { axis: dim });
  },
  SliceBackward0: (s) => {
    // Python basic indexing: selects, strided slices and new axes, in order, each on the current dims
    type Op = { k: 'select'; d: number; i: number } | { k: 'slice'; d: number; start: number; len: number; step: number } | { k: 'unsqueeze'; d: number };
    const ops1 = s.attr<readonly Op[]>('ops'), ops2 = s.attr2<readonly Op[]>('ops');
    const sh1 = [...s.tensor(0)!.shape], sh2 = [...s.n2.inputs[0]!.shape];
    let cur = s.input(0);
    ops1.forEach((o, k) => {
      const o2 = ops2[k]!;
      if (o.k === 'unsqueeze') {
        cur = s.g.op('Unsqueeze', [cur, s.g.ints([o.d])]);
        sh1.splice(o.d, 0, 1);
        sh2.splice(o.d, 0, 1);
      } else if (o.k === 'select' && o2.k === 'select') {
        const n1 = sh1[o.d]!, n2 = sh2[o.d]!;
        if (o.i !== o2.i && o.i - n1 !== o2.i - n2) throw cannotExport(s.n1, `its index ${o.i} depends on the input's size`);
        cur = s.g.op('Gather', [cur, s.g.constant([o.i === o2.i ? o.i : o.i - n1], 'int64', [], 'index')], { axis: o.d });
        sh1.splice(o.d, 1);
        sh2.splice(o.d, 1);
      } else if (o.k === 'slice' && o2.k === 'slice') {
        const n1 = sh1[o.d]!, n2 = sh2[o.d]!;
        const e1 = o.len === 0 ? o.start : o.start + (o.len - 1) * o.step + 1, e2 = o2.len === 0 ? o2.start : o2.start + (o2.len - 1) * o2.step + 1;
        const start = bound(s, o.start, o2.start, n1, n2, false, 'start');
        const end = bound(s, e1, e2, n1, n2, true, 'end');
        cur = s.g.op('Slice', [cur, s.g.shapeValue([start]), s.g.shapeValue([end]), s.g.ints([o.d]), s.g.ints([o.step])]);
        sh1[o.d] = o.len;
        sh2[o.d] = o2.len;
      } else {
        throw cannotExport(s.n1, 'the indexing differs between input sizes');
      }
    });
    s.emit('Identity', [cur]);
  },
  CatBackward0: (s) => {
    const ins = s.n1.inputs.map((t, i) => s.castTo(s.input(i), t!.dtype, s.n1.outDType));
    s.emit('Concat', ins, { axis: s.attr<number>('dim') });
  },
  IndexSelectBackward0: (s) => s.emit('Gather', [s.input(0), s.tensorAttr('index')], { axis: s.attr<number>('dim') }),
  EmbeddingBackward0: (s) => s.emit('Gather', [s.input(0), s.tensorAttr('index')], { axis: 0 }),
  GatherBackward0: (s) => s.emit('GatherElements', [s.input(0), s.tensorAttr('index')], { axis: s.attr<number>('dim') }),
  // reductions
  SumBackward0: (s) => reduce(s, 'ReduceSum'),
  SumBackward1: (s) => reduce(s, 'ReduceSum'),
  AmaxBackward0: (s) => reduce(s, 'ReduceMax'),
  AminBackward0: (s) => reduce(s, 'ReduceMin'),
  MaxBackward1: (s) => reduce(s, 'ReduceMax'),
  MinBackward1: (s) => reduce(s, 'ReduceMin'),
  SoftmaxBackward0: (s) => s.emit('Softmax', [s.input(0)], { axis: s.attr<number>('dim') }),
  LogSoftmaxBackward0: (s) => s.emit('LogSoftmax', [s.input(0)], { axis: s.attr<number>('dim') }),
  // linear algebra, convolution, pooling
  MmBackward0: (s) => s.emit('MatMul', [s.input(0), s.input(1)]),
  BmmBackward0: (s) => s.emit('MatMul', [s.input(0), s.input(1)]),
  AddmmBackward0: (s) => linear(s, false),
  LinearReluBackward0: (s) => linear(s, true),
  ConvolutionBackward0: (s) => {
    const g = s.attr<ConvGeo>('geo');
    if (s.tensor(0)!.ndim !== 4) throw cannotExport(s.n1, 'expects a 4-D input');
    if (s.has('transposed')) {
      // geo is the forward convolution's: h, w the transposed output's size, oh, ow its input's
      const opad = [g.h - ((g.oh - 1) * g.sh - 2 * g.ph + g.dh * (g.kh - 1) + 1), g.w - ((g.ow - 1) * g.sw - 2 * g.pw + g.dw * (g.kw - 1) + 1)];
      const tins = [s.input(0), s.input(1)];
      if (s.tensor(2) !== null) tins.push(s.input(2));
      return s.emit('ConvTranspose', tins, {
        kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], pads: [g.ph, g.pw, g.ph, g.pw], dilations: [g.dh, g.dw], group: g.groups, output_padding: opad,
      });
    }
    const pads = [g.ph, g.pw, after(g.h, g.kh, g.sh, g.ph, g.dh, g.oh, 0), after(g.w, g.kw, g.sw, g.pw, g.dw, g.ow, 0)];
    const ins = [s.input(0), s.input(1)];
    if (s.tensor(2) !== null) ins.push(s.input(2));
    s.emit('Conv', ins, { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], pads, dilations: [g.dh, g.dw], group: g.groups });
  },
  MaxPool2DWithIndicesBackward0: (s) => pool(s, 'MaxPool'),
  AvgPool2DBackward0: (s) => pool(s, 'AveragePool'),
  // composites (traceComposite)
  LeakyRelu: (s) => s.emit('LeakyRelu', [s.input(0)], { alpha: { float: s.num('alpha') } }),
  LayerNormalization: (s) => {
    const x = s.tensor(0)!, axis = s.attr<number>('axis');
    const ns = x.shape.slice(axis);
    const n = ns.reduce((a, b) => a * b, 1);
    const w = s.tensor(1) !== null ? s.input(1) : s.g.constant(new Array<number>(n).fill(1), 'float32', ns, 'ones');
    const ins = [s.input(0), w];
    if (s.tensor(2) !== null) ins.push(s.input(2));
    s.emit('LayerNormalization', ins, { axis, epsilon: { float: s.num('eps') } });
  },
  BatchNormalization: (s) => {
    const c = s.tensor(0)!.shape[1]!;
    const w = s.tensor(1) !== null ? s.input(1) : s.g.constant(new Array<number>(c).fill(1), 'float32', [c], 'ones');
    const b = s.tensor(2) !== null ? s.input(2) : s.g.constant(new Array<number>(c).fill(0), 'float32', [c], 'zeros');
    s.emit('BatchNormalization', [s.input(0), w, b, s.input(3), s.input(4)], { epsilon: { float: s.num('eps') } });
  },
};
