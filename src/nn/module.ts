/**
 * nn.Module: the base class of layers and models, with PyTorch's names and semantics.
 *
 * Parameters and submodules are discovered from the module's own properties in assignment order: a
 * property holding a `Parameter` is a parameter, one holding a `Module` is a child. Buffers (tensors that
 * are state but not parameters, e.g. BatchNorm's running statistics) are declared with `registerBuffer`.
 *
 * @example
 * class MLP extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   fc2 = new nn.Linear(128, 10);
 *   override forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * new MLP().namedParameters().map(([k]) => k); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 */
import { noGrad } from '../autograd/mode.js';
import { shapeStr, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

/** A state dict: parameter and buffer names (dotted paths) to tensors. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches are errors either way. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const INTERNAL = Symbol('wasmgrad.module.internal');

interface Internal {
  /** Buffer names -> persistent (saved in the state dict). */
  buffers: Map<string, boolean>;
}

/** Python's repr of a float (1e-05, 0.1, 1.0), for PyTorch-style printing. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** Python's repr of an int or a tuple of ints: 3, (3, 3), (10,). */
export function pyTuple(v: number | readonly number[]): string {
  if (typeof v === 'number') return String(v);
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}

export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/** A module's forward signature (its type parameter). */
export type ForwardFn = (...args: never[]) => unknown;

/**
 * Base class of layers and models. `F` is the forward's signature: `nn.Module` maps a Tensor to a Tensor;
 * a module with another forward names it: `class Cell extends nn.Module<(x: Tensor, h: Tensor) => Tensor>`.
 * `forward` and `call` are typed by it, so `model.forward(x).notAMethod()` does not compile.
 */
/** Any module, whatever its forward (what containers and traversals hold). */
export type AnyModule = Module<(...args: any[]) => any>;

export abstract class Module<F extends ForwardFn = (x: Tensor) => Tensor> {
  /** Training mode (true) or evaluation mode (false); set with train() / eval(). */
  training = true;

  constructor() {
    Object.defineProperty(this, INTERNAL, { value: { buffers: new Map() } satisfies Internal, enumerable: false });
  }

  private get internal(): Internal {
    return (this as unknown as { [INTERNAL]: Internal })[INTERNAL];
  }

  /** The computation (PyTorch's forward); subclasses implement it with the signature `F`. */
  abstract forward(...args: Parameters<F>): ReturnType<F>;

  /**
   * @internal True when forward keeps no reference to its input or its output and returns a new tensor
   * (or a view, or its input unchanged): between two such modules nn.Sequential holds the only reference
   * to an intermediate and frees it as soon as autograd is done with it. False unless a layer says so: the
   * built-in layers that keep nothing override it with `this.forwardIs(TheirClass)`, which turns false
   * again in a subclass (or instance) that replaces forward, since that forward may keep a reference.
   */
  keepsNothing(): boolean {
    return false;
  }

  /** @internal Whether the forward in effect is `cls`'s own (no subclass or instance has replaced it). */
  protected forwardIs(cls: { prototype: { forward: unknown } }): boolean {
    return this.forward === cls.prototype.forward;
  }

  /** Same as forward(...) (PyTorch's `module(x)`). */
  call(...args: Parameters<F>): ReturnType<F> {
    return this.forward(...args);
  }

  // ---------------------------------------------------------------- registration

  /** Adds a parameter (or null, which registers nothing) as the property `name`. */
  registerParameter(name: string, param: Parameter | null): void {
    this.checkName(name, 'registerParameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`registerParameter: ${JSON.stringify(name)} must be an nn.Parameter or null (wrap tensors with new nn.Parameter(t))`);
    }
    if (this.internal.buffers.has(name)) throw new Error(`registerParameter: ${JSON.stringify(name)} is already a buffer`);
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /** Adds a child module (or null) as the property `name`. */
  registerModule(name: string, module: AnyModule | null): void {
    this.checkName(name, 'registerModule');
    if (module !== null && !(module instanceof Module)) throw new TypeError(`registerModule: ${JSON.stringify(name)} must be an nn.Module or null`);
    if (this.internal.buffers.has(name)) throw new Error(`registerModule: ${JSON.stringify(name)} is already a buffer`);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  /** Alias of registerModule (PyTorch's add_module). */
  addModule(name: string, module: AnyModule | null): void {
    this.registerModule(name, module);
  }

  /**
   * Adds a buffer: a tensor that is part of the module's state (saved in the state dict when
   * `persistent`) but is not a parameter. It is stored as the property `name`; assigning the property
   * later replaces the buffer.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    this.checkName(name, 'registerBuffer');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: ${JSON.stringify(name)} must be a Tensor or null`);
    if (tensor instanceof Parameter) throw new TypeError(`registerBuffer: ${JSON.stringify(name)} is a Parameter; use registerParameter`);
    const cur = (this as unknown as Record<string, unknown>)[name];
    if (!this.internal.buffers.has(name) && (cur instanceof Parameter || cur instanceof Module)) {
      throw new Error(`registerBuffer: attribute ${JSON.stringify(name)} already exists as a ${cur instanceof Module ? 'module' : 'parameter'}`);
    }
    this.internal.buffers.set(name, persistent);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  private checkName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TypeError(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    }
  }

  // ---------------------------------------------------------------- traversal

  private ownEntries(): [string, unknown][] {
    return Object.keys(this).map((k) => [k, (this as unknown as Record<string, unknown>)[k]]);
  }

  /** This module's own parameters (not its children's), in registration order. */
  private ownParameters(): [string, Parameter][] {
    return this.ownEntries().filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** This module's own buffers (non-null), in registration order. */
  private ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const reg = this.internal.buffers;
    for (const [k, v] of this.ownEntries()) {
      if (!reg.has(k) || !(v instanceof Tensor) || v instanceof Parameter) continue;
      if (persistentOnly && !reg.get(k)) continue;
      out.push([k, v]);
    }
    return out;
  }

  /** Direct children with their property names. */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    for (const [k, v] of this.ownEntries()) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    }
    return out;
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant (each once), with dotted names ('' for this one). */
  namedModules(prefix = '', memo: Set<AnyModule> = new Set()): [string, AnyModule][] {
    if (memo.has(this)) return [];
    memo.add(this);
    const out: [string, AnyModule][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`, memo));
    }
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with PyTorch's dotted names ('0.weight', 'features.3.bias'); shared parameters appear once. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mp === '' ? k : `${mp}.${k}`, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, b] of m.ownBuffers(false)) {
        if (seen.has(b)) continue;
        seen.add(b);
        out.push([mp === '' ? k : `${mp}.${k}`, b]);
      }
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** Calls fn on every descendant, then on this module (PyTorch's apply). */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------- modes and gradients

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freezing with false). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Clears the gradients: to null (PyTorch's default set_to_none=true) or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      const g = p._peekGrad();
      if (setToNone) p._dropGrad();
      else if (g !== null) noGrad(() => g.zero_());
    }
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Parameters and persistent buffers by dotted name, in registration order (each module's parameters,
   * then its buffers, then its children). Values share storage with the module (detached).
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    this.collectState(prefix, out);
    return out;
  }

  private collectState(prefix: string, out: StateDict): void {
    for (const [k, p] of this.ownParameters()) out[prefix + k] = p.detach();
    for (const [k, b] of this.ownBuffers(true)) out[prefix + k] = b.detach();
    for (const [k, c] of this.namedChildren()) c.collectState(`${prefix}${k}.`, out);
  }

  /** name -> the module's own tensor for every state-dict key (the targets of loadStateDict). */
  private stateTargets(): Map<string, Tensor> {
    const targets = new Map<string, Tensor>();
    const walk = (m: AnyModule, prefix: string): void => {
      for (const [k, p] of m.ownParameters()) targets.set(prefix + k, p);
      for (const [k, b] of m.ownBuffers(true)) targets.set(prefix + k, b);
      for (const [k, c] of m.namedChildren()) walk(c, `${prefix}${k}.`);
    };
    walk(this, '');
    return targets;
  }

  /**
   * Copies values from a state dict (plain object or Map) into this module's parameters and buffers, in
   * place and without recording gradients. Everything is checked before anything is copied: with `strict`
   * (the default) missing and unexpected keys are errors, and shape mismatches always are; all of them are
   * reported by name in one error. Returns the missing and unexpected keys.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') throw new TypeError('loadStateDict: expected a plain object or a Map of name -> Tensor');
    const entries: [string, unknown][] = stateDict instanceof Map ? [...stateDict.entries()] : Object.entries(stateDict);
    const given = new Map<string, unknown>(entries);
    const targets = this.stateTargets();
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const problems: string[] = [];
    for (const [k, t] of targets) {
      if (!given.has(k)) {
        missingKeys.push(k);
        continue;
      }
      const v = given.get(k);
      if (!(v instanceof Tensor)) {
        problems.push(`value for ${k} is not a Tensor (got ${v === null ? 'null' : typeof v})`);
      } else if (!sameShape(v.shape, t.shape)) {
        problems.push(`size mismatch for ${k}: copying a tensor of shape ${shapeStr(v.shape)} from the state dict, the shape in the current model is ${shapeStr(t.shape)}`);
      }
    }
    for (const k of given.keys()) if (!targets.has(k)) unexpectedKeys.push(k);
    if (strict) {
      if (unexpectedKeys.length > 0) problems.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length > 0) problems.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (problems.length > 0) {
      throw new Error(`loadStateDict: Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [k, t] of targets) {
        const v = given.get(k);
        if (v instanceof Tensor && v !== t) t.copy_(v);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** The text between the parentheses of this module's line (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }

  /** The module tree, as PyTorch prints it. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra === '' ? [] : extra.split('\n');
    const childLines = this.namedChildren().map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
