/**
 * The ONNX graph being built from two traces of the same forward pass (export.ts): ONNX nodes and
 * initializers as plain objects (encoded by onnx-proto in export.ts), value names for traced tensors,
 * constants checked against the second trace, and shape operands (Reshape/Expand/Slice targets) that
 * follow dynamic axes.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

/** One recorded op of a trace. */
export interface TNode {
  /** Position in its trace (record order, so a topological order). */
  id: number;
  /** The backward node's name (PyTorch's grad_fn name), or the composite's kind. */
  name: string;
  inputs: readonly (Tensor | null)[];
  out: Tensor;
  outShape: readonly number[];
  outDType: DType;
  /** Set for a composite op (traceComposite): its attributes; `replaced` is the primitive node it stands for. */
  composite?: Record<string, unknown>;
  replaced?: TNode;
}

/** A tensor no traced op produced, graph input or parameter: its values when it was first used. */
export interface Snapshot {
  shape: readonly number[];
  dtype: DType;
  values: Float32Array | Int32Array;
}

/** The data of one trace. */
export interface TraceData {
  nodes: TNode[];
  producer: Map<Tensor, TNode>;
  attrs: Map<Tensor, Record<string, unknown>>;
  snapshots: Map<Tensor, Snapshot>;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
}

export type AttrValue = number | string | readonly number[] | { floats: readonly number[] } | { float: number } | { strings: readonly string[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  dims: readonly number[];
  /** ONNX TensorProto.DataType: 1 float, 6 int32, 7 int64, 9 bool. */
  dataType: number;
  raw: Uint8Array;
}

export const ONNX_FLOAT = 1, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_BOOL = 9;

export function onnxType(dtype: DType): number {
  return dtype === 'float32' ? ONNX_FLOAT : dtype === 'int32' ? ONNX_INT32 : ONNX_BOOL;
}

/** The forward function a backward node name stands for, for error messages. */
export function forwardName(name: string): string {
  const known: Record<string, string> = {
    AddmmBackward0: 'linear', LinearReluBackward0: 'linear + relu', ConvolutionBackward0: 'a convolution',
    MaxPool2DWithIndicesBackward0: 'maxPool2d', AvgPool2DBackward0: 'avgPool2d', UnsafeViewBackward0: 'reshape',
    CloneBackward0: 'clone/contiguous', ScaledDotProductFlashAttentionBackward0: 'F.scaledDotProductAttention (fused kernel)',
    CopySlices: 'an in-place op on a view', CopyBackwards: 'copy_', DivBackward2: 'div with a roundingMode',
    MmBackward0: 'matmul', BmmBackward0: 'matmul', ClampBackward1: 'clamp', ClampBackward0: 'clamp (tensor bounds)',
  };
  if (known[name] !== undefined) return known[name];
  const m = /^(.*?)Backward\d*$/.exec(name);
  const base = m ? m[1]! : name;
  return base.charAt(0).toLowerCase() + base.slice(1);
}

/** onnx.export's error for an op it cannot express. */
export function cannotExport(node: TNode, why = ''): Error {
  return new TypeError(`onnx.export: ${node.name} (${forwardName(node.name)}) cannot be exported to ONNX${why ? ': ' + why : ''}`);
}

function sameValues(a: Snapshot, b: Snapshot): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = a.values, y = b.values;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return false;
  return true;
}

function rawOf(values: Float32Array | Int32Array, dtype: DType): Uint8Array {
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** A graph input: its name and its tensors in both traces. */
interface GraphInput {
  name: string;
  t1: Tensor;
  t2: Tensor;
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly constNames = new Map<Tensor, string>();
  private readonly usedParams = new Set<string>();
  private counter = 0;
  private readonly dimCache = new Map<string, string>();
  /** The node being emitted (for error messages about its constants). */
  current: TNode | null = null;

  constructor(
    readonly opset: number,
    readonly t1: TraceData,
    readonly t2: TraceData,
    private readonly params: Map<Tensor, string>,
    private readonly graphInputs: readonly GraphInput[],
  ) {
    for (const g of graphInputs) this.names.set(g.t1, g.name);
  }

  /** A fresh value name. */
  tmp(hint = 't'): string {
    return `/${hint}_${this.counter++}`; // '/' keeps internal names apart from the graph's input and output names
  }

  add(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttrValue> = {}): void {
    this.nodes.push({ opType, inputs, outputs, attributes });
  }

  /** Emits one op with a fresh output name and returns it. */
  op(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}): string {
    const out = this.tmp(opType);
    this.add(opType, inputs, [out], attributes);
    return out;
  }

  /** A new initializer with these values. */
  constant(values: ArrayLike<number>, dtype: 'float32' | 'int32' | 'int64' | 'bool', dims: readonly number[], hint = 'const'): string {
    const name = this.tmp(hint);
    let raw: Uint8Array;
    let dataType: number;
    if (dtype === 'int64') {
      raw = new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer);
      dataType = ONNX_INT64;
    } else if (dtype === 'float32') {
      raw = new Uint8Array(Float32Array.from(values).buffer);
      dataType = ONNX_FLOAT;
    } else if (dtype === 'int32') {
      raw = new Uint8Array(Int32Array.from(values).buffer);
      dataType = ONNX_INT32;
    } else {
      raw = Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
      dataType = ONNX_BOOL;
    }
    this.initializers.push({ name, dims, dataType, raw });
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, starts). */
  ints(values: readonly number[]): string {
    return this.constant(values, 'int64', [values.length], 'ints');
  }

  /** A 0-d float32 initializer (a number operand). */
  scalar(v: number, dtype: DType = 'float32'): string {
    return this.constant([v], dtype === 'float32' ? 'float32' : dtype, [], 'scalar');
  }

  /** Whether `t` (first trace) already has a value name. */
  isNamed(t: Tensor): boolean {
    return this.names.has(t);
  }

  /** The name of a node's output. */
  setName(t: Tensor, name: string): void {
    this.names.set(t, name);
  }

  /**
   * The ONNX value name of `t1` (a tensor of the first trace), `t2` being the same operand in the second
   * trace: a traced op's output, a graph input, a parameter or buffer (an initializer named by its
   * state-dict key), or else a constant, which must be the same in both traces.
   */
  value(t1: Tensor, t2: Tensor | null | undefined): string {
    const named = this.names.get(t1);
    if (named !== undefined) return named;
    const p = this.params.get(t1);
    if (p !== undefined) {
      if (!this.usedParams.has(p)) {
        this.usedParams.add(p);
        const s = this.snap(this.t1, t1);
        this.initializers.push({ name: p, dims: s.shape, dataType: onnxType(s.dtype), raw: rawOf(s.values, s.dtype) });
      }
      return p;
    }
    if (this.t1.producer.has(t1)) throw new Error(`onnx.export: internal error, a traced value is used before it was emitted`);
    const c = this.constNames.get(t1);
    if (c !== undefined) return c;
    const s1 = this.snap(this.t1, t1);
    const s2 = t2 == null ? undefined : this.t2.snapshots.get(t2) ?? (this.t2.producer.has(t2) ? undefined : this.snap(this.t2, t2));
    if (s2 === undefined || !sameValues(s1, s2)) {
      const node = this.current;
      const who = node ? `${node.name} (${forwardName(node.name)})` : 'an output';
      const how = s2 === undefined
        ? 'is computed by traced ops in the other trace'
        : s1.shape.join() !== s2.shape.join() ? `has shape [${s2.shape.join(', ')}] in the other trace` : 'has other values in the other trace';
      throw new TypeError(
        `onnx.export: ${who} uses a constant tensor of shape [${s1.shape.join(', ')}] that depends on the example input (it ${how}, run on other example values/sizes): ` +
          'it was computed by an op that records nothing (a comparison, an op on integer tensors, ' +
          'a detached or noGrad computation) and would be baked into the ONNX file; compute it from traced ops or make it independent of the input',
      );
    }
    const name = this.constant(s1.values, s1.dtype === 'float32' ? 'float32' : s1.dtype, s1.shape, 'const');
    this.constNames.set(t1, name);
    return name;
  }

  /** The values of a tensor that is not a traced op's output (snapshot taken when first used). */
  snap(trace: TraceData, t: Tensor): Snapshot {
    const s = trace.snapshots.get(t);
    if (s !== undefined) return s;
    const snap: Snapshot = { shape: [...t.shape], dtype: t.dtype, values: t.toArray() };
    trace.snapshots.set(t, snap);
    return snap;
  }

  /** Whether t (first trace) is a constant (no traced op, graph input or parameter) and its snapshot. */
  constantOf(t: Tensor): Snapshot | null {
    if (this.names.has(t) || this.params.has(t) || this.t1.producer.has(t)) return null;
    return this.snap(this.t1, t);
  }

  /**
   * A 1-element int64 value equal to v1 in the first trace and v2 in the second: a literal when they agree,
   * else a dim of a graph input (Shape + Gather), possibly times a constant factor. null if none fits.
   */
  dim(v1: number, v2: number): { literal: number } | { name: string } | null {
    if (v1 === v2) return { literal: v1 };
    for (const g of this.graphInputs) {
      for (let a = 0; a < g.t1.ndim; a++) {
        const d1 = g.t1.shape[a]!, d2 = g.t2.shape[a]!;
        if (d1 === d2 || d1 === 0) continue;
        const k = v1 / d1;
        if (!Number.isInteger(k) || k * d2 !== v2) continue;
        const key = `${g.name}:${a}:${k}`;
        let name = this.dimCache.get(key);
        if (name === undefined) {
          const shape = this.op('Shape', [g.name]);
          name = this.op('Gather', [shape, this.ints([a])], { axis: 0 });
          if (k !== 1) name = this.op('Mul', [name, this.ints([k])]);
          this.dimCache.set(key, name);
        }
        return { name };
      }
    }
    return null;
  }

  /** A 1-D int64 value from literal and symbolic pieces (Concat when any is symbolic). */
  shapeValue(pieces: readonly ({ literal: number } | { name: string })[]): string {
    if (pieces.every((p) => 'literal' in p)) return this.ints(pieces.map((p) => (p as { literal: number }).literal));
    const parts: string[] = [];
    let run: number[] = [];
    for (const p of pieces) {
      if ('literal' in p) run.push(p.literal);
      else {
        if (run.length > 0) parts.push(this.ints(run));
        run = [];
        parts.push(p.name);
      }
    }
    if (run.length > 0) parts.push(this.ints(run));
    return this.op('Concat', parts, { axis: 0 });
  }
}
