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
import { record } from '../autograd/node.js';
import { checkOptions } from '../options.js';
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
  /** Hooks in the order they run, each with its handle's id. */
  forwardPreHooks: { id: number; fn: ForwardPreHook }[];
  forwardHooks: { id: number; fn: ForwardHook }[];
  backwardHooks: { id: number; fn: FullBackwardHook }[];
  /** While hooks are registered: the own `forward` property the hooked forward replaced (undefined: none). */
  savedForward: { descriptor: PropertyDescriptor | undefined } | undefined;
}

/**
 * A forward pre-hook: called with the module and its positional arguments before forward; returning
 * undefined/null keeps them, an array replaces them, any other value replaces them by [value].
 */
export type ForwardPreHook = (module: AnyModule, args: unknown[]) => unknown;
/** A forward hook: called with the module, its arguments and its output after forward; a returned value other than undefined/null replaces the output. */
export type ForwardHook = (module: AnyModule, args: unknown[], output: unknown) => unknown;
/**
 * A full backward hook: called during backward with the gradients with respect to the module's tensor
 * input and output, (gradInput, gradOutput), each an array (null where there is none); a returned array
 * replaces gradInput.
 */
export type FullBackwardHook = (module: AnyModule, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | undefined | null | void;

/** What a register*Hook method returns: remove() unregisters the hook (PyTorch's RemovableHandle). */
export interface RemovableHandle {
  readonly id: number;
  remove(): void;
}

export interface HookOptions {
  /** Run this hook before the hooks already registered (default false). */
  prepend?: boolean;
}

export interface ZeroGradOptions {
  /** Set the gradients to null (default, as PyTorch 2.x) instead of filling them with zeros. */
  setToNone?: boolean;
}

let nextHookId = 0;

/**
 * A gradient handed to a hook, which may keep it (as in PyTorch): no longer an autograd-engine temporary
 * freed at the end of backward, but a tensor the garbage collector frees.
 */
function handOver(t: Tensor): Tensor {
  if (t._temp) {
    t._temp = false;
    t.storage.register();
  }
  return t;
}

/** Where a Module is missing an attribute, PyTorch's AttributeError message. */
function noAttribute(owner: AnyModule, name: string, what: string): Error {
  return new Error(`${owner.constructor.name} has no attribute \`${name}\`${what}`);
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
    const internal: Internal = { buffers: new Map(), forwardPreHooks: [], forwardHooks: [], backwardHooks: [], savedForward: undefined };
    Object.defineProperty(this, INTERNAL, { value: internal, enumerable: false });
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

  /** Same as forward(...) (PyTorch's `module(x)`), hooks included. */
  call(...args: Parameters<F>): ReturnType<F> {
    return this.forward(...args);
  }

  /**
   * forward with the hooks around it, in PyTorch's order: the forward pre-hooks (each may replace the
   * arguments), then, with full backward hooks, the input wrapped in an identity autograd node, forward, the
   * forward hooks (each may replace the output), and the output wrapped in an identity node.
   */
  private runHooked(original: (...a: unknown[]) => unknown, args: unknown[]): unknown {
    const h = this.internal;
    let input: unknown[] = args;
    for (const { fn } of [...h.forwardPreHooks]) {
      const r = fn(this, input);
      if (r !== undefined && r !== null) input = Array.isArray(r) ? r : [r];
    }
    const backward = h.backwardHooks.length > 0 ? this.backwardHookState(input) : null;
    if (backward !== null) input = backward.wrapInput(input);
    let out: unknown = original.apply(this, input);
    for (const { fn } of [...h.forwardHooks]) {
      const r = fn(this, input, out);
      if (r !== undefined && r !== null) out = r;
    }
    if (backward !== null) out = backward.wrapOutput(out);
    return out;
  }

  /**
   * While any hook is registered, this instance's forward is a non-enumerable own property that runs the
   * hooks around the forward it replaced (so they run whether the module is called with forward() or call(),
   * and when containers and parent modules call it); removing the last hook restores the original.
   */
  private syncHookedForward(): void {
    const h = this.internal;
    const any = this._hasHooks();
    const self = this as unknown as { forward: (...a: unknown[]) => unknown };
    if (any && h.savedForward === undefined) {
      const original = self.forward;
      h.savedForward = { descriptor: Object.getOwnPropertyDescriptor(this, 'forward') };
      Object.defineProperty(this, 'forward', {
        value: (...a: unknown[]) => this.runHooked(original, a),
        configurable: true,
        writable: true,
        enumerable: false,
      });
    } else if (!any && h.savedForward !== undefined) {
      const { descriptor } = h.savedForward;
      if (descriptor === undefined) delete (self as { forward?: unknown }).forward;
      else Object.defineProperty(this, 'forward', descriptor);
      h.savedForward = undefined;
    }
  }

  /** @internal Whether any hook is registered on this module. */
  _hasHooks(): boolean {
    const h = this.internal;
    return h.forwardPreHooks.length + h.forwardHooks.length + h.backwardHooks.length > 0;
  }

  /**
   * The identity nodes of one call with full backward hooks. Supported: at most one tensor argument
   * (other arguments are passed through) and a Tensor output; anything else throws. The output's node
   * records gradOutput; the input's node then calls the hooks with (gradInput, gradOutput) and passes on
   * what they return. When the input needs no gradient, the hooks run at the output's node with
   * gradInput [null], as in PyTorch.
   */
  private backwardHookState(args: unknown[]): { wrapInput: (a: unknown[]) => unknown[]; wrapOutput: (o: unknown) => unknown } {
    const name = this.constructor.name;
    const tensorArgs = args.filter((a) => a instanceof Tensor);
    if (tensorArgs.length > 1) {
      throw new Error(`${name}: full backward hooks are supported for modules called with at most one Tensor argument, got ${tensorArgs.length}`);
    }
    const hooks = [...this.internal.backwardHooks].map((e) => e.fn);
    let gradOutput: Tensor | null = null;
    let inputNeedsGrad = false;
    const runHooks = (gradInput: Tensor | null): Tensor | null => {
      let gi: (Tensor | null)[] = [gradInput === null ? null : handOver(gradInput)];
      for (const fn of hooks) {
        const r = fn(this, gi, [gradOutput]);
        if (r === undefined || r === null) continue;
        if (!Array.isArray(r) || r.length !== 1 || !(r[0] === null || r[0] instanceof Tensor)) {
          throw new TypeError(`${name}: a full backward hook must return undefined or an array of 1 gradient (Tensor or null), got ${Array.isArray(r) ? `an array of ${r.length}` : typeof r}`);
        }
        if (r[0] instanceof Tensor && gradInput !== null && !sameShape(r[0].shape, gradInput.shape)) {
          throw new RangeError(`${name}: a full backward hook returned a gradient of shape ${shapeStr(r[0].shape)} for an input of shape ${shapeStr(gradInput.shape)}`);
        }
        gi = r;
      }
      return gi[0] ?? null;
    };
    return {
      wrapInput: (a) =>
        a.map((x) => {
          if (!(x instanceof Tensor) || !x.requiresGrad) return x;
          inputNeedsGrad = true;
          return record(x.detach(), 'BackwardHookFunctionBackward', [x], [], (g) => [runHooks(g)]);
        }),
      wrapOutput: (o) => {
        if (!(o instanceof Tensor)) throw new Error(`${name}: full backward hooks are supported for modules returning one Tensor, got ${o === null ? 'null' : typeof o}`);
        if (!o.requiresGrad) return o;
        return record(o.detach(), 'BackwardHookFunctionBackward', [o], [], (g) => {
          gradOutput = handOver(g);
          if (!inputNeedsGrad) runHooks(null);
          return [g];
        });
      },
    };
  }

  // ---------------------------------------------------------------- hooks

  private addHook<T>(list: { id: number; fn: T }[], fn: T, options: HookOptions | undefined, op: string, extra: readonly string[] = []): RemovableHandle {
    if (typeof fn !== 'function') throw new TypeError(`${op}: hook must be a function, got ${typeof fn}`);
    const o = checkOptions(op, options, ['prepend', ...extra]) as Record<string, unknown>;
    for (const k of extra) if (o[k] === true) throw new Error(`${op}: ${k} is not supported`);
    const id = nextHookId++;
    if (o.prepend === true) list.unshift({ id, fn });
    else list.push({ id, fn });
    this.syncHookedForward();
    return {
      id,
      remove: () => {
        const i = list.findIndex((e) => e.id === id);
        if (i >= 0) list.splice(i, 1);
        this.syncHookedForward();
      },
    };
  }

  /**
   * Registers hook(module, args) to run before every forward (through forward() or call(), unlike PyTorch,
   * where forward() skips hooks: here modules call each other's forward); it may return replacement arguments (an array,
   * or one value). Options: { prepend } (PyTorch's with_kwargs is not supported: there are no kwargs).
   * @example const h = model.registerForwardPreHook((m, args) => [args[0].mul(2)]); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook, options?: HookOptions & { withKwargs?: boolean }): RemovableHandle {
    return this.addHook(this.internal.forwardPreHooks, hook, options, 'registerForwardPreHook', ['withKwargs']);
  }

  /**
   * Registers hook(module, args, output) to run after every forward (forward() or call()); a returned value
   * replaces the output.
   * Options: { prepend } (withKwargs and alwaysCall are not supported).
   * @example model.registerForwardHook((m, args, out) => { activations.push(out); });
   */
  registerForwardHook(hook: ForwardHook, options?: HookOptions & { withKwargs?: boolean; alwaysCall?: boolean }): RemovableHandle {
    return this.addHook(this.internal.forwardHooks, hook, options, 'registerForwardHook', ['withKwargs', 'alwaysCall']);
  }

  /**
   * Registers hook(module, gradInput, gradOutput), called during backward once the gradient with respect
   * to the module's input is known; a returned array replaces gradInput. Supported for forwards with at most
   * one Tensor argument and one Tensor output (other calls throw while the hook is registered).
   * @example layer.registerFullBackwardHook((m, gIn, gOut) => [gIn[0]!.clamp(-1, 1)]);
   */
  registerFullBackwardHook(hook: FullBackwardHook, options?: HookOptions): RemovableHandle {
    return this.addHook(this.internal.backwardHooks, hook, options, 'registerFullBackwardHook');
  }

  // ---------------------------------------------------------------- lookup by name

  /**
   * The submodule at a dotted path ('' is this module), PyTorch's get_submodule.
   * @example model.getSubmodule('encoder.layers.0')
   */
  getSubmodule(target: string): AnyModule {
    if (typeof target !== 'string') throw new TypeError(`getSubmodule: target must be a string, got ${typeof target}`);
    if (target === '') return this;
    let mod: AnyModule = this;
    for (const item of target.split('.')) {
      const v = Object.prototype.hasOwnProperty.call(mod, item) ? (mod as unknown as Record<string, unknown>)[item] : undefined;
      if (v === undefined) throw noAttribute(mod, item, ` (getSubmodule: ${JSON.stringify(target)})`);
      if (!(v instanceof Module)) throw new TypeError(`getSubmodule: \`${item}\` is not an nn.Module (in ${JSON.stringify(target)})`);
      mod = v;
    }
    return mod;
  }

  /**
   * The parameter at a dotted path ('fc.weight'), PyTorch's get_parameter.
   * @example model.getParameter('0.bias')
   */
  getParameter(target: string): Parameter {
    const [mod, name] = this.splitTarget(target, 'getParameter');
    const v = Object.prototype.hasOwnProperty.call(mod, name) ? (mod as unknown as Record<string, unknown>)[name] : undefined;
    if (v === undefined) throw noAttribute(mod, name, ` (getParameter: ${JSON.stringify(target)})`);
    if (!(v instanceof Parameter)) throw new TypeError(`getParameter: \`${name}\` is not an nn.Parameter (in ${JSON.stringify(target)})`);
    return v;
  }

  /**
   * The buffer at a dotted path ('bn.running_mean'), PyTorch's get_buffer.
   * @example model.getBuffer('bn.running_var')
   */
  getBuffer(target: string): Tensor {
    const [mod, name] = this.splitTarget(target, 'getBuffer');
    if (!Object.prototype.hasOwnProperty.call(mod, name)) throw noAttribute(mod, name, ` (getBuffer: ${JSON.stringify(target)})`);
    const v = (mod as unknown as Record<string, unknown>)[name];
    if (!mod.internal.buffers.has(name) || !(v instanceof Tensor)) throw new TypeError(`getBuffer: \`${name}\` is not a buffer (in ${JSON.stringify(target)})`);
    return v;
  }

  private splitTarget(target: string, op: string): [AnyModule, string] {
    if (typeof target !== 'string') throw new TypeError(`${op}: target must be a string, got ${typeof target}`);
    const i = target.lastIndexOf('.');
    return [i < 0 ? this : this.getSubmodule(target.slice(0, i)), target.slice(i + 1)];
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

  /**
   * Clears the gradients: to null (PyTorch 2.x's default set_to_none=True) or to zeros. PyTorch's
   * positional (setToNone) or { setToNone }.
   * @example model.zeroGrad({ setToNone: false })
   */
  zeroGrad(setToNone: boolean | ZeroGradOptions = true): void {
    if (typeof setToNone === 'object' && setToNone !== null) setToNone = checkOptions('zeroGrad', setToNone, ['setToNone']).setToNone ?? true;
    if (typeof setToNone !== 'boolean') throw new TypeError(`zeroGrad: setToNone must be a boolean, got ${typeof setToNone}`);
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
