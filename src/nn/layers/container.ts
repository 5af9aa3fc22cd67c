/**
 * Containers: Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict. Entries are stored as
 * properties under PyTorch's keys ('0', '1', ... for lists, the given keys for dicts), so they appear in
 * parameters(), the state dict ('0.weight', 'name.bias', 'key') and train/eval like any attribute.
 */
import { Module, type AnyModule } from '../module.js';
import { Parameter } from '../parameter.js';
import { Tensor } from '../../tensor/tensor.js';
import { ReLU } from './activation.js';
import { MaxPool2d } from './pooling.js';
import { relu } from '../../ops/unary.js';
import { Linear, linearReluForward } from './linear.js';

function asModule(m: unknown, op: string, i: number | string): AnyModule {
  if (!(m instanceof Module)) throw new TypeError(`${op}: entry ${i} is not an nn.Module`);
  return m;
}

function normIndex(i: number, n: number, op: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${op}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/**
 * Runs its modules in order, feeding each one's output to the next.
 * `new Sequential(a, b, c)` names them '0', '1', '2'; `new Sequential({ features: a, head: b })` uses the keys.
 */
export class Sequential extends Module {
  constructor(...modules: AnyModule[] | [Record<string, AnyModule>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      for (const [k, m] of Object.entries(first as Record<string, AnyModule>)) this.registerModule(k, asModule(m, 'Sequential', k));
    } else {
      (modules as AnyModule[]).forEach((m, i) => this.registerModule(String(i), asModule(m, 'Sequential', i)));
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): AnyModule {
    const c = this.children();
    return c[normIndex(i, c.length, 'Sequential.at')]!;
  }

  /** Adds a module at the end (named by its position). */
  append(m: AnyModule): this {
    this.registerModule(String(this.length), asModule(m, 'Sequential.append', this.length));
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  /**
   * Feeds each module's output to the next. When every module is a built-in layer that keeps nothing,
   * each intermediate's memory is handed to the autograd graph once the next layer has consumed it: freed
   * when the last backward node that saved it is released (at once if none did, as under noGrad), rather
   * than by a later garbage collection; and a Linear followed by a ReLU runs as one GEMM that applies the
   * bias and the ReLU as it stores (one LinearReluBackward0 node instead of AddmmBackward0 + ReluBackward0);
   * a ReLU followed by a MaxPool2d pools first (the same values and gradients, ReLU on fewer elements).
   */
  override forward(input: Tensor): Tensor {
    const children = this.children();
    // a child with hooks may keep its input or output (a hook can), so its intermediates are left to the GC
    const owns = children.every((m) => m.keepsNothing() && !m._hasHooks());
    let x: unknown = input; // each child's output is the next one's input (a Tensor for every built-in layer)
    for (let i = 0; i < children.length; i++) {
      const m = children[i]!;
      let y: unknown;
      if (owns && m instanceof Linear && children[i + 1]?.constructor === ReLU && x instanceof Tensor) {
        y = linearReluForward(m, x);
        i++;
      } else if (owns && m.constructor === ReLU && !(m as ReLU).inplace && children[i + 1]?.constructor === MaxPool2d &&
        !(children[i + 1] as MaxPool2d).returnIndices && x instanceof Tensor) {
        // max-pool of relu(x) = relu of max-pool(x) (ReLU is monotone; NaN and ±0 included): pooling first
        // runs the ReLU and its backward on a quarter of the elements; the gradients are the same
        const pooled = (children[i + 1] as MaxPool2d).forward(x);
        y = relu(pooled);
        pooled._releaseToGraph();
        i++;
      } else {
        y = m.forward(x);
      }
      if (owns && x !== input && y !== x && x instanceof Tensor) x._releaseToGraph();
      x = y;
    }
    if (!(x instanceof Tensor)) throw new TypeError(`Sequential: its last module returned ${x === null ? 'null' : typeof x}, not a Tensor`);
    return x;
  }
}

/** Holds submodules in a list so they are registered (parameters, state dict, train/eval); no forward. */
export class ModuleList extends Module {
  constructor(modules: Iterable<AnyModule> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.children().length;
  }

  at(i: number): AnyModule {
    const c = this.children();
    return c[normIndex(i, c.length, 'ModuleList.at')]!;
  }

  append(m: AnyModule): this {
    const n = this.length;
    this.registerModule(String(n), asModule(m, 'ModuleList.append', n));
    return this;
  }

  push(...ms: AnyModule[]): number {
    for (const m of ms) this.append(m);
    return this.length;
  }

  extend(ms: Iterable<AnyModule>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error('ModuleList has no forward(); iterate over its modules instead');
  }
}

/** Throws unless `key` can name an entry: a string without '.', not an existing non-entry attribute (as PyTorch). */
function checkKey(owner: object, key: unknown, op: string, isEntry: (v: unknown) => boolean): string {
  if (typeof key !== 'string') throw new TypeError(`${op}: key must be a string, got ${typeof key}`);
  if (key === '' || key.includes('.')) throw new TypeError(`${op}: key must be a non-empty string without ".", got ${JSON.stringify(key)}`);
  const own = Object.prototype.hasOwnProperty.call(owner, key);
  if ((own && !isEntry((owner as Record<string, unknown>)[key])) || (!own && key in owner)) {
    throw new Error(`${op}: attribute ${JSON.stringify(key)} already exists`);
  }
  return key;
}

type Entries<V> = Record<string, V> | Map<string, V> | Iterable<readonly [string, V]>;

function entriesOf<V>(src: Entries<V>, op: string): [string, V][] {
  if (src instanceof Map) return [...src.entries()];
  if (src !== null && typeof src === 'object' && Symbol.iterator in src) {
    return [...(src as Iterable<readonly [string, V]>)].map((e, i) => {
      if (!Array.isArray(e) || e.length !== 2) throw new TypeError(`${op}: element ${i} of the iterable is not a [key, value] pair`);
      return [e[0], e[1]] as [string, V];
    });
  }
  if (src !== null && typeof src === 'object') return Object.entries(src as Record<string, V>);
  throw new TypeError(`${op}: expected an object, a Map or an iterable of [key, value] pairs`);
}

/**
 * Holds submodules by name (PyTorch's nn.ModuleDict): insertion-ordered, registered so their parameters
 * are the dict's ('name.weight' in the state dict). get/set/delete/has, keys/values/items, update, pop, clear.
 * @example const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), box: new nn.Linear(8, 4) }); heads.get('cls')
 */
export class ModuleDict extends Module {
  constructor(modules: Entries<AnyModule> | null = null) {
    super();
    if (modules !== null) this.update(modules);
  }

  get length(): number {
    return this.keys().length;
  }

  /** The module under `key` (throws for a missing key, as PyTorch's KeyError). */
  get(key: string): AnyModule {
    const v = Object.prototype.hasOwnProperty.call(this, key) ? (this as unknown as Record<string, unknown>)[key] : undefined;
    if (!(v instanceof Module)) throw new RangeError(`ModuleDict: no module under key ${JSON.stringify(key)}`);
    return v;
  }

  /** Adds or replaces the module under `key` (a replaced key keeps its position). */
  set(key: string, module: AnyModule): this {
    const k = checkKey(this, key, 'ModuleDict.set', (v) => v instanceof Module || v === null);
    this.registerModule(k, asModule(module, 'ModuleDict.set', k));
    return this;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, key) && (this as unknown as Record<string, unknown>)[key] instanceof Module;
  }

  /** Removes `key` (PyTorch's del d[key]); throws for a missing key. */
  delete(key: string): void {
    this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
  }

  /** Removes `key` and returns its module. */
  pop(key: string): AnyModule {
    const m = this.get(key);
    this.delete(key);
    return m;
  }

  clear(): void {
    for (const k of this.keys()) this.delete(k);
  }

  keys(): string[] {
    return this.namedEntries().map(([k]) => k);
  }

  values(): AnyModule[] {
    return this.namedEntries().map(([, m]) => m);
  }

  items(): [string, AnyModule][] {
    return this.namedEntries();
  }

  /** Adds or replaces the modules of a plain object, Map or iterable of [key, module] pairs, in order. */
  update(modules: Entries<AnyModule>): this {
    for (const [k, m] of entriesOf(modules, 'ModuleDict.update')) this.set(k, m);
    return this;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  private namedEntries(): [string, AnyModule][] {
    return Object.keys(this)
      .map((k) => [k, (this as unknown as Record<string, unknown>)[k]] as [string, unknown])
      .filter((e): e is [string, AnyModule] => e[1] instanceof Module);
  }

  override forward(): never {
    throw new Error('ModuleDict has no forward(); call its modules instead');
  }
}

function asParameter(p: unknown, op: string, key: string | number): Parameter {
  if (p instanceof Parameter) return p;
  if (p instanceof Tensor) return new Parameter(p);
  throw new TypeError(`${op}: entry ${key} must be a Tensor or an nn.Parameter (other values are not supported), got ${p === null ? 'null' : typeof p}`);
}

/**
 * Holds parameters in a list (PyTorch's nn.ParameterList): registered as '0', '1', ...; a plain Tensor is
 * wrapped in an nn.Parameter (its values copied), as PyTorch 2.x does.
 * @example const ps = new nn.ParameterList([new nn.Parameter(zeros(3)), ones(2)]); ps.at(1)
 */
export class ParameterList extends Module {
  constructor(values: Iterable<Tensor> = []) {
    super();
    this.extend(values);
  }

  get length(): number {
    return Object.keys(this).filter((k) => /^\d+$/.test(k) && (this as unknown as Record<string, unknown>)[k] instanceof Parameter).length;
  }

  /** The i-th parameter (negative counts from the end). */
  at(i: number): Parameter {
    const n = this.length;
    return (this as unknown as Record<string, Parameter>)[String(normIndex(i, n, 'ParameterList.at'))]!;
  }

  /** Replaces the i-th parameter (PyTorch's ps[i] = p). */
  set(i: number, p: Tensor): this {
    const k = normIndex(i, this.length, 'ParameterList.set');
    this.registerParameter(String(k), asParameter(p, 'ParameterList.set', k));
    return this;
  }

  append(p: Tensor): this {
    const n = this.length;
    this.registerParameter(String(n), asParameter(p, 'ParameterList.append', n));
    return this;
  }

  extend(ps: Iterable<Tensor>): this {
    for (const p of ps) this.append(p);
    return this;
  }

  [Symbol.iterator](): Iterator<Parameter> {
    return Array.from({ length: this.length }, (_, i) => this.at(i))[Symbol.iterator]();
  }

  override extraRepr(): string {
    return Array.from({ length: this.length }, (_, i) => {
      const p = this.at(i);
      return `(${i}): Parameter containing: [torch.float32 of size ${p.shape.join('x')}]`;
    }).join('\n');
  }

  override forward(): never {
    throw new Error('ParameterList has no forward(); use its parameters instead');
  }
}

/**
 * Holds parameters by name (PyTorch's nn.ParameterDict): insertion-ordered, registered under their keys; a
 * plain Tensor is wrapped in an nn.Parameter. get/set/delete/has, keys/values/items, update, pop, clear.
 * @example const pd = new nn.ParameterDict({ scale: ones(4) }); pd.get('scale')
 */
export class ParameterDict extends Module {
  constructor(values: Entries<Tensor> | null = null) {
    super();
    if (values !== null) this.update(values);
  }

  get length(): number {
    return this.keys().length;
  }

  /** The parameter under `key`; for a missing key, `defaultValue` when given (PyTorch's get), else throws (PyTorch's d[key]). */
  get(key: string): Parameter;
  get<D>(key: string, defaultValue: D): Parameter | D;
  get<D>(key: string, ...defaultValue: [D?]): Parameter | D {
    const v = Object.prototype.hasOwnProperty.call(this, key) ? (this as unknown as Record<string, unknown>)[key] : undefined;
    if (v instanceof Parameter) return v;
    if (defaultValue.length > 0) return defaultValue[0] as D;
    throw new RangeError(`ParameterDict: no parameter under key ${JSON.stringify(key)}`);
  }

  set(key: string, p: Tensor): this {
    const k = checkKey(this, key, 'ParameterDict.set', (v) => v instanceof Parameter || v === null);
    this.registerParameter(k, asParameter(p, 'ParameterDict.set', k));
    return this;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, key) && (this as unknown as Record<string, unknown>)[key] instanceof Parameter;
  }

  delete(key: string): void {
    this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
  }

  pop(key: string): Parameter {
    const p = this.get(key);
    this.delete(key);
    return p;
  }

  clear(): void {
    for (const k of this.keys()) this.delete(k);
  }

  keys(): string[] {
    return Object.keys(this).filter((k) => (this as unknown as Record<string, unknown>)[k] instanceof Parameter);
  }

  values(): Parameter[] {
    return this.keys().map((k) => this.get(k));
  }

  items(): [string, Parameter][] {
    return this.keys().map((k) => [k, this.get(k)]);
  }

  update(values: Entries<Tensor>): this {
    for (const [k, p] of entriesOf(values, 'ParameterDict.update')) this.set(k, p);
    return this;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error('ParameterDict has no forward(); use its parameters instead');
  }
}
