/**
 * onnx.export: PyTorch's torch.onnx.export in camelCase, by tracing. The forward runs twice in eval mode
 * with autograd recording (the second time on other example values, and with every dynamic axis one
 * longer); every op that records itself reports to the trace (trace.ts), and the ops reachable from the
 * outputs become ONNX nodes (emitters.ts). Constants that differ between the two runs would be silently
 * baked in, so they throw; shape operands that differ follow the dynamic axes.
 */
import { Tensor } from '../tensor/tensor.js';
import { randn, randint } from '../tensor/creation.js';
import { enableGrad } from '../autograd/mode.js';
import { Module } from '../nn/module.js';
import { checkOptions, isPlainObject } from '../options.js';
import { setTracer, isTracing, tracer, type TraceSink } from './trace.js';
import { GraphBuilder, cannotExport, forwardName, onnxType, type TNode, type TraceData, type Initializer, type OnnxNode, type AttrValue } from './graph.js';
import { EMITTERS, Site, compositeSupported } from './emitters.js';
import { ModuleSite, moduleEmitter } from './modules.js';
import type { AnyModule } from '../nn/module.js';

/** Per input/output name: the dynamic axes, as { axis: 'name' } or a list of axes (named `<name>_dynamic_axes_<i>`). */
export type DynamicAxes = Record<string, Record<number, string> | readonly number[]>;

export interface ExportOptions {
  /** Graph input names, one per example input (default 'input', or input_0, input_1, ...). */
  inputNames?: readonly string[];
  /** Graph output names, one per output tensor (default 'output', or output_0, output_1, ...). */
  outputNames?: readonly string[];
  /** Axes of inputs/outputs whose size may change (e.g. { input: { 0: 'batch' }, output: { 0: 'batch' } }). */
  dynamicAxes?: DynamicAxes;
  /** ONNX opset, 13..20 (default 17). */
  opsetVersion?: number;
  /** PyTorch options accepted with their default value only. */
  exportParams?: boolean;
  verbose?: boolean;
  training?: 'eval';
  doConstantFolding?: boolean;
  keepInitializersAsInputs?: boolean | null;
  customOpsets?: Record<string, number> | null;
  exportModulesAsFunctions?: boolean;
  dynamo?: boolean;
}

const KEYS = [
  'inputNames', 'outputNames', 'dynamicAxes', 'opsetVersion', 'exportParams', 'verbose', 'training', 'doConstantFolding',
  'keepInitializersAsInputs', 'customOpsets', 'exportModulesAsFunctions', 'dynamo',
];

/** PyTorch options this exporter only accepts at PyTorch's default. */
const DEFAULTS: Record<string, readonly unknown[]> = {
  exportParams: [true], verbose: [false], training: ['eval'], doConstantFolding: [true], keepInitializersAsInputs: [null, false],
  customOpsets: [null], exportModulesAsFunctions: [false], dynamo: [false],
};

/** ONNX IR version for an opset (onnx's VERSION_TABLE). */
function irVersion(opset: number): number {
  return opset <= 14 ? 7 : opset <= 18 ? 8 : 9;
}

class Trace implements TraceSink, TraceData {
  nodes: TNode[] = [];
  producer = new Map<Tensor, TNode>();
  attrs = new Map<Tensor, Record<string, unknown>>();
  snapshots = new Map<Tensor, { shape: readonly number[]; dtype: Tensor['dtype']; values: Float32Array | Int32Array }>();
  inputs: Tensor[] = [];
  outputs: Tensor[] = [];
  private readonly known: Set<Tensor>;

  constructor(known: Set<Tensor>) {
    this.known = known;
  }

  /** Values of a tensor no traced op made, as they are now (a later in-place change does not alter them). */
  private keep(t: Tensor | null | undefined): void {
    if (t == null || this.producer.has(t) || this.known.has(t) || this.snapshots.has(t) || t.isDisposed) return;
    this.snapshots.set(t, { shape: [...t.shape], dtype: t.dtype, values: t.toArray() });
  }

  onRecord(out: Tensor, name: string, inputs: readonly (Tensor | null)[]): void {
    for (const t of inputs) this.keep(t);
    const node: TNode = { id: this.nodes.length, name, inputs: [...inputs], out, outShape: [...out.shape], outDType: out.dtype };
    this.nodes.push(node);
    this.producer.set(out, node);
  }

  onComposite(out: Tensor, kind: string, inputs: readonly (Tensor | null)[], attrs: Record<string, unknown>): void {
    for (const t of inputs) this.keep(t);
    const node: TNode = {
      id: this.nodes.length, name: kind, inputs: [...inputs], out, outShape: [...out.shape], outDType: out.dtype,
      composite: attrs, replaced: this.producer.get(out),
    };
    this.nodes.push(node);
    this.producer.set(out, node);
  }

  /** A registered module (modules.ts) returned `outs` from `inputs`: one node per output, of one call. */
  onModule(module: AnyModule, inputs: readonly Tensor[], outs: readonly Tensor[]): void {
    for (const t of inputs) this.keep(t);
    const call = { module, outputs: outs };
    outs.forEach((out, index) => {
      const node: TNode = {
        id: this.nodes.length, name: `${module.constructor.name} (module)`, inputs: [...inputs], out, outShape: [...out.shape], outDType: out.dtype,
        composite: { call, index }, replaced: this.producer.get(out),
      };
      this.nodes.push(node);
      this.producer.set(out, node);
    });
  }

  onAttrs(out: Tensor, attrs: Record<string, unknown>): void {
    for (const v of Object.values(attrs)) if (v instanceof Tensor) this.keep(v);
    this.attrs.set(out, { ...this.attrs.get(out), ...attrs });
  }
}

/** The tensors of a forward's result (a Tensor or nested arrays of them; null/undefined entries are skipped). */
function flattenOutputs(v: unknown, out: Tensor[], path: string, lenient = false): void {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) v.forEach((x, i) => flattenOutputs(x, out, `${path}[${i}]`, lenient));
  else if (v != null && !lenient) throw new TypeError(`onnx.export: the model's output${path} is ${typeof v}, expected Tensors (or arrays of them)`);
}

/** Tensors in the graph that a traced op of `trace` reads (inputs and tensor attributes) for node n. */
function operands(trace: TraceData, n: TNode, composite: (n: TNode) => boolean): (Tensor | null)[] {
  if (n.composite !== undefined && !composite(n)) return operands(trace, n.replaced!, composite);
  const a = n.composite ?? trace.attrs.get(n.out);
  const extra = a === undefined ? [] : Object.values(a).filter((v): v is Tensor => v instanceof Tensor);
  return [...n.inputs, ...extra];
}

/** The nodes reachable from the outputs, in record order (composites that cannot be emitted replaced by their primitive). */
function reachable(trace: TraceData, composite: (n: TNode) => boolean): TNode[] {
  const seen = new Set<TNode>();
  const stack = [...trace.outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    let n = trace.producer.get(t);
    if (n === undefined) continue;
    while (n.composite !== undefined && !composite(n)) n = n.replaced!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const u of operands(trace, n, composite)) if (u !== null) stack.push(u);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

function checkNames(v: unknown, what: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new TypeError(`onnx.export: ${what} must be an array of non-empty strings, got ${JSON.stringify(v)}`);
  }
  if (new Set(v).size !== v.length) throw new RangeError(`onnx.export: ${what} repeat a name: ${JSON.stringify(v)}`);
  return v as string[];
}

/** dynamicAxes for one name as axis -> dim name. */
function axesOf(spec: Record<number, string> | readonly number[], name: string, ndim: number): Map<number, string> {
  const m = new Map<number, string>();
  if (Array.isArray(spec)) {
    for (const a of spec) {
      if (!Number.isInteger(a)) throw new TypeError(`onnx.export: dynamicAxes.${name} must list integer axes, got ${JSON.stringify(spec)}`);
      m.set(a, `${name}_dynamic_axes_${a + 1}`);
    }
  } else if (isPlainObject(spec)) {
    for (const [k, v] of Object.entries(spec)) {
      if (!/^-?\d+$/.test(k) || typeof v !== 'string') throw new TypeError(`onnx.export: dynamicAxes.${name} must map axes to names, got ${JSON.stringify(spec)}`);
      m.set(Number(k), v);
    }
  } else {
    throw new TypeError(`onnx.export: dynamicAxes.${name} must be an object { axis: 'name' } or an array of axes`);
  }
  const norm = new Map<number, string>();
  for (const [a, v] of m) {
    if (a < -ndim || a >= ndim) throw new RangeError(`onnx.export: dynamicAxes.${name} axis ${a} is out of range for ${ndim} dims`);
    norm.set(a < 0 ? a + ndim : a, v);
  }
  return norm;
}

/** Random values of `shape` like x's: float32 normal, integers within x's range, bools. */
function resized(x: Tensor, shape: readonly number[]): Tensor {
  if (x.dtype === 'float32') return randn([...shape]);
  if (x.dtype === 'bool') return randint(0, 2, [...shape]).bool();
  const v = x.numel() > 0 ? x.toArray() : new Int32Array([0, 1]);
  let lo = Infinity, hi = -Infinity;
  for (const e of v) {
    lo = Math.min(lo, e);
    hi = Math.max(hi, e);
  }
  return randint(lo, hi + 1, [...shape], { dtype: 'int32' });
}

/** Inputs like `inputs` with other values, each dynamic axis `grow` longer. */
function otherInputs(inputs: readonly Tensor[], dyn: readonly Map<number, string>[], grow: number): Tensor[] {
  return inputs.map((x, i) => resized(x, x.shape.map((d, a) => (dyn[i]!.has(a) ? d + grow : d))));
}

/**
 * Wraps the forward of every submodule with a module-level emitter (modules.ts) so that its call is
 * traced as one node per output; returns the undo.
 */
function wrapModules(model: AnyModule): () => void {
  const undo: (() => void)[] = [];
  for (const m of model.modules()) {
    if (moduleEmitter(m) === undefined) continue;
    const descriptor = Object.getOwnPropertyDescriptor(m, 'forward');
    const original = m.forward as (...a: unknown[]) => unknown;
    Object.defineProperty(m, 'forward', {
      value: (...args: unknown[]) => {
        const r = original.apply(m, args);
        if (tracer instanceof Trace) {
          const ins: Tensor[] = [], outs: Tensor[] = [];
          flattenOutputs(args, ins, '', true);
          flattenOutputs(r, outs, '');
          tracer.onModule(m, ins, outs);
        }
        return r;
      },
      configurable: true,
      writable: true,
      enumerable: false,
    });
    undo.push(() => {
      if (descriptor === undefined) delete (m as { forward?: unknown }).forward;
      else Object.defineProperty(m, 'forward', descriptor);
    });
  }
  return () => undo.forEach((f) => f());
}

/** Runs the forward once under the trace (eval mode, grad on, float inputs requiring grad). */
function runTrace(model: Module<(...args: never[]) => unknown>, inputs: readonly Tensor[], known: Set<Tensor>): Trace {
  const trace = new Trace(known);
  const args = inputs.map((x) => {
    const c = x.detach().clone();
    if (c.dtype === 'float32') c.requiresGrad_(true);
    return c;
  });
  for (const a of args) known.add(a);
  trace.inputs = args;
  setTracer(trace);
  let result: unknown;
  try {
    result = enableGrad(() => (model.forward as (...a: Tensor[]) => unknown)(...args));
  } finally {
    setTracer(null);
  }
  const outs: Tensor[] = [];
  flattenOutputs(result, outs, '');
  if (outs.length === 0) throw new TypeError('onnx.export: the model returned no tensor');
  trace.outputs = outs;
  return trace;
}

/**
 * Exports `model` to ONNX bytes by tracing its forward on `exampleInput` (a Tensor, or an array of them
 * for several forward arguments): PyTorch's torch.onnx.export(model, args, f, ...) in camelCase,
 * returning the bytes instead of writing a file, and async (a promise) because the ONNX schema
 * (onnx-proto) is loaded on first use. The model runs in eval mode (restored afterwards); Dropout is
 * the identity. Parameters and buffers become initializers named by their state-dict keys. Ops that
 * cannot be expressed in ONNX throw naming the op; so does a tensor computed from the input by an op the
 * trace cannot see (it would be baked in as a constant).
 * @example const bytes = await onnx.export(model, randn(1, 784), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
 */
export async function exportModel(
  model: Module<(...args: never[]) => unknown>,
  exampleInput: Tensor | readonly Tensor[],
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const op = 'onnx.export';
  const o = checkOptions(op, options, KEYS);
  for (const [k, allowed] of Object.entries(DEFAULTS)) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined && !allowed.includes(v)) {
      throw new TypeError(`${op}: ${k}: ${JSON.stringify(v)} is not supported (only PyTorch's default ${JSON.stringify(allowed[0])})`);
    }
  }
  if (!(model instanceof Module)) throw new TypeError(`${op}: model must be an nn.Module, got ${model === null ? 'null' : typeof model}`);
  if (isTracing()) throw new Error(`${op}: already tracing (onnx.export cannot be called from inside a forward it exports)`);
  const inputs = exampleInput instanceof Tensor ? [exampleInput] : Array.isArray(exampleInput) ? [...exampleInput] : null;
  if (inputs === null || inputs.length === 0 || !inputs.every((x) => x instanceof Tensor)) {
    throw new TypeError(`${op}: exampleInput must be a Tensor or a non-empty array of Tensors`);
  }
  const opset = o.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 20) throw new RangeError(`${op}: opsetVersion must be an integer from 13 to 20, got ${opset}`);
  const inputNames = checkNames(o.inputNames, 'inputNames') ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`));
  if (inputNames.length !== inputs.length) throw new RangeError(`${op}: inputNames has ${inputNames.length} names for ${inputs.length} inputs`);
  let outputNames = checkNames(o.outputNames, 'outputNames');
  const dynamic = o.dynamicAxes ?? {};
  if (!isPlainObject(dynamic)) throw new TypeError(`${op}: dynamicAxes must be an object { name: { axis: 'dimName' } }`);
  const inDyn = inputs.map((x, i) => (dynamic[inputNames[i]!] !== undefined ? axesOf(dynamic[inputNames[i]!]!, inputNames[i]!, x.ndim) : new Map<number, string>()));

  const params = new Map<Tensor, string>();
  for (const [k, p] of model.namedParameters()) if (!params.has(p)) params.set(p, k);
  for (const [k, b] of model.namedBuffers()) if (!params.has(b)) params.set(b, k);
  const modes = model.modules().map((m) => [m, m.training] as const);
  // frozen parameters are traced too (ops record only when an input requires grad)
  const frozen = model.parameters().filter((p) => !p.requiresGrad && p.dtype === 'float32');
  for (const p of frozen) p.requiresGrad_(true);
  let t1: Trace, t2: Trace;
  model.eval();
  const unwrap = wrapModules(model);
  try {
    // a dynamic axis of size 0 or 1 is traced at 2 and 3 (ops may take other paths for size 1: a view that
    // is contiguous only then), else at the example's size and one more
    const first = inputs.map((x, i) => {
      const grown = x.shape.map((d, a) => (inDyn[i]!.has(a) && d < 2 ? 2 : d));
      return grown.join() === x.shape.join() ? x : resized(x, grown);
    });
    t1 = runTrace(model, first, new Set(params.keys()));
    const second = otherInputs(first, inDyn, 1);
    try {
      t2 = runTrace(model, second, new Set(params.keys()));
    } catch (e) {
      throw new Error(
        `${op}: the forward failed on the second trace (other values, dynamic axes one longer: input shapes ` +
          `${second.map((x) => `[${x.shape.join(', ')}]`).join(', ')}): ${(e as Error).message}; ` +
          'give an example input whose dynamic axes can grow by one',
      );
    }
  } finally {
    unwrap();
    for (const [m, mode] of modes) m.training = mode;
    for (const p of frozen) p.requiresGrad_(false);
  }
  if (t1.outputs.length !== t2.outputs.length) throw new Error(`${op}: the model returns a different number of tensors for other inputs`);
  outputNames ??= t1.outputs.length === 1 ? ['output'] : t1.outputs.map((_, i) => `output_${i}`);
  if (outputNames.length !== t1.outputs.length) throw new RangeError(`${op}: outputNames has ${outputNames.length} names for ${t1.outputs.length} outputs`);
  const both = outputNames.filter((n) => inputNames.includes(n));
  if (both.length > 0) throw new RangeError(`${op}: ${JSON.stringify(both[0])} is both an input and an output name`);
  for (const k of Object.keys(dynamic)) {
    if (!inputNames.includes(k) && !outputNames.includes(k)) {
      throw new RangeError(`${op}: dynamicAxes names '${k}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')})`);
    }
  }

  const composite = (n: TNode): boolean => (compositeSupported[n.name]?.(opset) ?? true);
  const r1 = reachable(t1, composite), r2 = reachable(t2, composite);
  const k = r1.findIndex((n, i) => n.name !== r2[i]?.name);
  if (k >= 0 || r1.length !== r2.length) {
    const at = k >= 0 ? k : Math.min(r1.length, r2.length);
    throw new Error(
      `${op}: the forward runs other ops for other input values or sizes (data-dependent control flow), which a trace cannot export: ` +
        `op ${at} is ${r1[at]?.name ?? 'none'} in one trace and ${r2[at]?.name ?? 'none'} in the other`,
    );
  }
  const g = new GraphBuilder(opset, t1, t2, params, inputNames.map((name, i) => ({ name, t1: t1.inputs[i]!, t2: t2.inputs[i]! })));
  for (let i = 0; i < r1.length; i++) {
    const n1 = r1[i]!, n2 = r2[i]!;
    const name = `/${n1.name}_${i}`;
    g.current = n1;
    const call = n1.composite?.call as { module: AnyModule; outputs: Tensor[] } | undefined;
    if (call !== undefined) {
      // a registered module: its first reachable output emits the call, naming all its outputs
      if (g.isNamed(n1.out)) continue;
      const outs = call.outputs.map((_, k) => `/${n1.name.split(' ')[0]}_${i}_${k}`);
      moduleEmitter(call.module)!(call.module, new ModuleSite(g, call.module, n1, n1.inputs, n2.inputs, outs));
      call.outputs.forEach((t, k) => g.setName(t, outs[k]!));
      continue;
    }
    const emitter = EMITTERS[n1.name];
    if (emitter === undefined) throw cannotExport(n1);
    emitter(new Site(g, n1, n2, name));
    g.setName(n1.out, name);
  }
  g.current = null;
  const graphOutputs = t1.outputs.map((t, i) => {
    const outName = outputNames![i]!;
    g.add('Identity', [g.value(t, t2.outputs[i])], [outName]);
    return outName;
  });

  const valueInfo = (name: string, x1: Tensor, x2: Tensor, dyn: Map<number, string>) => ({
    name,
    type: {
      tensorType: {
        elemType: onnxType(x1.dtype),
        shape: { dim: x1.shape.map((d, a) => (dyn.has(a) ? { dimParam: dyn.get(a) } : d !== x2.shape[a] ? { dimParam: `${name}_dim_${a}` } : { dimValue: d })) },
      },
    },
  });
  const outDyn = t1.outputs.map((x, i) => (dynamic[outputNames![i]!] !== undefined ? axesOf(dynamic[outputNames![i]!]!, outputNames![i]!, x.ndim) : new Map<number, string>()));
  return encode(
    opset,
    g.nodes,
    g.initializers,
    inputNames.map((n, i) => valueInfo(n, t1.inputs[i]!, t2.inputs[i]!, inDyn[i]!)),
    graphOutputs.map((n, i) => valueInfo(n, t1.outputs[i]!, t2.outputs[i]!, outDyn[i]!)),
  );
}

/** ONNX AttributeProto fields of a value. */
function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('float' in (v as object)) return { name, type: 1, f: (v as { float: number }).float };
  if ('strings' in (v as object)) return { name, type: 8, strings: (v as { strings: string[] }).strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: 6, floats: (v as { floats: number[] }).floats };
}

async function encode(opset: number, nodes: OnnxNode[], inits: Initializer[], inputs: object[], outputs: object[]): Promise<Uint8Array> {
  // Loaded on first use, by a specifier bundlers do not follow: a browser bundle of wasmgrad (the demo's
  // import map knows only 'wasmgrad') carries no protobuf code; Node resolves the dependency at run time.
  const specifier = 'onnx-proto';
  let mod: { default?: { onnx: OnnxProto }; onnx?: OnnxProto };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
  } catch (e) {
    throw new Error(
      `onnx.export: cannot load the ONNX schema package 'onnx-proto' (a dependency of wasmgrad): ${(e as Error).message}; ` +
        "in a browser, map 'onnx-proto' in the import map or bundle it",
    );
  }
  const onnx = (mod.default ?? mod).onnx!;
  const model = onnx.ModelProto.create({
    irVersion: irVersion(opset),
    producerName: 'wasmgrad',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'wasmgrad',
      node: nodes.map((n, i) => ({
        name: `${n.opType}_${i}`, opType: n.opType, input: n.inputs, output: n.outputs,
        attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
      })),
      initializer: inits.map((t) => ({ name: t.name, dims: [...t.dims], dataType: t.dataType, rawData: t.raw })),
      input: inputs,
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

interface OnnxProto {
  ModelProto: { create(v: object): unknown; encode(m: unknown): { finish(): Uint8Array } };
}

export { forwardName };
