/**
 * The optimizer base class, PyTorch's torch.optim.Optimizer in camelCase: parameter groups with their own
 * hyperparameters, per-parameter state, `step()`, `zeroGrad()`, `addParamGroup()` and
 * `stateDict()` / `loadStateDict()` in PyTorch's structure.
 *
 * State tensors are ordinary float32 tensors keyed by PyTorch's names (`momentum_buffer`, `exp_avg`,
 * `exp_avg_sq`, `max_exp_avg_sq`, `square_avg`, `grad_avg`, `sum`, `acc_delta`, `exp_inf`) plus numbers
 * (`step`, NAdam's `mu_product`), so a state dict can be written as `optim.<index>.exp_avg` entries.
 *
 * Strictness: a param group given to the constructor or to `addParamGroup` may only hold `params`, the
 * optimizer's hyperparameters (camelCase) and the keys schedulers add (`initialLr`, `maxLr`, `minLr`,
 * `maxMomentum`, `baseMomentum`); anything else throws a TypeError naming the group and the key, with a
 * hint for PyTorch's snake_case spelling (`weight_decay` -> `weightDecay`).
 *
 * PyTorch's flags that only select an implementation are accepted and kept in the groups like PyTorch keeps
 * them, and change nothing here because wasmgrad has one implementation of each update (one fused kernel,
 * on the CPU): `foreach` (PyTorch: multi-tensor kernels instead of a loop; true, false or null),
 * `capturable` (PyTorch: CUDA-graph capturable state on the device), `fused` (PyTorch: one fused CUDA/CPU
 * kernel; true, false or null). `differentiable` (PyTorch: record the update in the autograd graph) is
 * accepted only as false, since wasmgrad's step never records a graph: true throws.
 *
 * State dicts: `stateDict()` gives wasmgrad's layout (`{state, paramGroups}`, camelCase group keys, `step`
 * a number); `stateDict({ format: 'pytorch' })` gives PyTorch's (`{state, param_groups}`, snake_case group
 * keys, `step` a 0-d float32 tensor where PyTorch keeps one), which `torch.optim.*.load_state_dict` takes
 * once converted to torch tensors (python/wasmgrad_torch.py does that from a safetensors file).
 * `loadStateDict` takes either layout, validating every key.
 */
import { Tensor } from '../tensor/tensor.js';
import { scalarTensor, zeros } from '../tensor/creation.js';
import { rawContiguous } from '../ops/copy.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { checkOptions, isPlainObject, keyHint } from '../options.js';

/** One parameter group: its tensors and its hyperparameters (lr and the optimizer's own). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [key: string]: unknown;
}

/** Every key of a group but `params` (keeps the named keys, which `Omit` would drop next to the index signature). */
export type Defaults<G extends ParamGroup> = { [K in keyof G as K extends 'params' ? never : K]: G[K] };

/** What a caller passes for one group: tensors plus any hyperparameters overriding the defaults. */
export type ParamGroupInput<G extends ParamGroup = ParamGroup> = Partial<Defaults<G>> & {
  params: Tensor | Iterable<Tensor>;
};

/** Parameters given to an optimizer: tensors (one group) or group objects. */
export type ParamsInput<G extends ParamGroup = ParamGroup> = Iterable<Tensor> | Iterable<ParamGroupInput<G>>;

/** Per-parameter state: tensors (buffers) and numbers (`step`). */
export type ParamState = Record<string, Tensor | number>;

/** wasmgrad's optimizer state dict: state by parameter index, groups with indices instead of tensors. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * PyTorch's own optimizer state dict (`torch.optim.Optimizer.state_dict()`): `param_groups` with snake_case
 * keys (`weight_decay`, `initial_lr`, ...), `step` a 0-d tensor (Adam, AdamW) or a number (RMSprop in
 * PyTorch 1.13). A state value may be null (PyTorch's SGD keeps `momentum_buffer: None` without momentum).
 */
export interface PytorchOptimizerStateDict {
  state: Record<number, Record<string, Tensor | number | null>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** Either layout; `loadStateDict` and `optimizerStateToSafetensors` take both. */
export type AnyOptimizerStateDict = OptimizerStateDict | PytorchOptimizerStateDict;

/** Options of `Optimizer.stateDict`. */
export interface StateDictOptions {
  /** 'wasmgrad' (default): `{state, paramGroups}`, camelCase; 'pytorch': PyTorch's `{state, param_groups}`. */
  format?: 'wasmgrad' | 'pytorch';
}

/** Group keys the lr schedulers add (PyTorch's initial_lr, max_lr, min_lr, max_momentum, base_momentum). */
const SCHEDULER_GROUP_KEYS: readonly string[] = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

/** camelCase -> PyTorch's snake_case (`weightDecay` -> `weight_decay`, `initialLr` -> `initial_lr`). */
export function snakeCase(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  /** The groups, each with its tensors and hyperparameters (schedulers change `lr` here). */
  paramGroups: G[] = [];
  /** Hyperparameters used for keys a group does not set. */
  readonly defaults: Defaults<G>;
  /** Per-parameter state, filled on the first step that updates the parameter. */
  state: Map<Tensor, ParamState> = new Map();

  constructor(params: ParamsInput<G>, defaults: Defaults<G>) {
    this.defaults = defaults;
    const name = this.constructor.name;
    if (params instanceof Tensor || params === null || typeof params !== 'object' ||
      typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `${name}: params argument given to the optimizer should be an iterable of Tensors or param groups, ` +
          `but got ${describe(params)}`,
      );
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new RangeError(`${name}: optimizer got an empty parameter list`);
    const isGroup = (x: unknown) => x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'params' in x;
    // A list of groups when every entry is a group object; otherwise one group whose entries are checked as tensors.
    const groups = list.every(isGroup)
      ? (list as ParamGroupInput<G>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupInput<G>];
    for (const g of groups) this.addParamGroup(g);
  }

  /** The keys a group may hold besides `params`: the hyperparameters, then the schedulers' keys. */
  protected groupKeys(): string[] {
    return [...Object.keys(this.defaults), ...SCHEDULER_GROUP_KEYS];
  }

  /** The per-parameter state keys this optimizer reads (PyTorch's names). */
  protected abstract stateKeys(): readonly string[];

  /** The state keys a non-empty loaded state of a parameter in `group` must have (PyTorch fails without them). */
  protected requiredStateKeys(_group: G): readonly string[] {
    return [];
  }

  /** Whether PyTorch keeps `step` as a 0-d tensor (Adam, AdamW) rather than a number (RMSprop in 1.13). */
  protected stepIsTensor(): boolean {
    return false;
  }

  /**
   * Per-parameter state keys holding one real number (NAdam's `mu_product`): numbers here, 0-d float32
   * tensors in PyTorch's layout; loaded from a number or a one-element tensor.
   */
  protected scalarStateKeys(): readonly string[] {
    return [];
  }

  /** Whether PyTorch keeps the scalarStateKeys as 0-d tensors (NAdam's mu_product) rather than numbers. */
  protected scalarStateIsTensor(): boolean {
    return true;
  }

  /** One group's hyperparameters in PyTorch's names (`params` excluded); subclasses drop wasmgrad-only keys. */
  protected pytorchGroup(group: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(group)) out[snakeCase(k)] = copyValue(v);
    return out;
  }

  /** Checks one group's hyperparameters; throws PyTorch's messages (e.g. "Invalid learning rate: -1"). */
  protected abstract validateGroup(group: G): void;

  /** Applies one update to every parameter that has a gradient (validated first). */
  protected abstract updateGroups(): void;

  /** Adds a group (defaults fill its missing hyperparameters). */
  addParamGroup(group: ParamGroupInput<G>): void {
    const name = this.constructor.name;
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group)) {
      throw new TypeError(`${name}: a param group must be an object with a 'params' key, got ${describe(group)}`);
    }
    const raw = group.params;
    let params: unknown[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw !== null && typeof raw === 'object' && typeof (raw as Iterable<unknown>)[Symbol.iterator] === 'function') {
      params = [...(raw as Iterable<unknown>)];
    } else {
      throw new TypeError(`${name}: a param group's 'params' must be a Tensor or an iterable of Tensors, got ${describe(raw)}`);
    }
    const gi = this.paramGroups.length;
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) {
        throw new TypeError(`${name}: optimizer can only optimize Tensors, but parameter ${i} of param group ${gi} is ${describe(p)}`);
      }
      if (p.dtype !== 'float32') {
        throw new TypeError(`${name}: parameter ${i} of param group ${gi} has dtype ${p.dtype}; only float32 tensors can be optimized`);
      }
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor (parameter ${i} of param group ${gi})`);
      if (p.isDisposed) throw new Error(`${name}: parameter ${i} of param group ${gi} was disposed`);
    });
    const tensors = params as Tensor[];
    if (new Set(tensors).size !== tensors.length) {
      throw new Error(`${name}: optimizer contains a parameter group with duplicate parameters`);
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (tensors.some((p) => seen.has(p))) throw new Error(`${name}: some parameters appear in more than one parameter group`);
    const known = this.groupKeys();
    for (const k of Object.keys(group)) {
      if (k === 'params' || known.includes(k)) continue;
      throw new TypeError(`${name}: unknown key '${k}' in param group ${gi}${keyHint(k, known)}; ` +
        `a param group takes params and ${known.join(', ')}`);
    }
    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) full[k] = copyValue(v);
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) full[k] = copyValue(v);
    full['params'] = tensors;
    this.validateGroup(full as G);
    this.paramGroups.push(full as G);
  }

  /**
   * Updates the parameters from their gradients. With a closure (which recomputes and returns the loss,
   * calling backward itself), the closure runs first with grad enabled and its result is returned.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    if (closure !== undefined) loss = enableGrad(closure);
    noGrad(() => this.updateGroups());
    return loss;
  }

  /** Resets the gradients: to null (PyTorch's default), or to zeros with `setToNone = false`. */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p._peekGrad();
        if (g === null) continue;
        if (setToNone || g.isDisposed) {
          p._dropGrad();
          continue;
        }
        const z = g.gradFn !== null || g.requiresGrad ? g.detach() : g;
        if (z !== g) p.grad = z;
        noGrad(() => z.zero_());
      }
    }
  }

  /**
   * The (group index, parameter, gradient) of every parameter that has a gradient, after checking that
   * each can be updated in place by a kernel. Throws before anything is modified.
   */
  protected paramsWithGrad(): { group: G; gi: number; p: Tensor; g: Tensor; pi: number }[] {
    const name = this.constructor.name;
    const out: { group: G; gi: number; p: Tensor; g: Tensor; pi: number }[] = [];
    this.paramGroups.forEach((group, gi) => {
      this.validateGroup(group);
      group.params.forEach((p, pi) => {
        // formatted only for an error (this runs for every parameter at every step)
        const where = (): string => `parameter ${pi} of param group ${gi} (shape ${shapeStr(p.shape)})`;
        if (p.isDisposed) throw new Error(`${name}.step: ${where()} was disposed`);
        const g = p._peekGrad();
        if (g === null) return;
        if (g.isDisposed) throw new Error(`${name}.step: the gradient of ${where()} was disposed`);
        if (g.dtype !== 'float32') throw new TypeError(`${name}.step: the gradient of ${where()} has dtype ${g.dtype}`);
        if (!sameShape(g.shape, p.shape)) {
          throw new RangeError(`${name}.step: the gradient of ${where()} has shape ${shapeStr(g.shape)}`);
        }
        if (!p.isContiguous()) {
          throw new Error(`${name}.step: ${where()} is not contiguous; optimizers update contiguous parameters in place`);
        }
        if (!g.isContiguous()) {
          throw new Error(`${name}.step: the gradient of ${where()} is not contiguous (strides [${g.strides.join(', ')}]); ` +
            'assign a contiguous gradient (grad.contiguous())');
        }
        const st = this.state.get(p);
        if (st !== undefined) {
          for (const [k, v] of Object.entries(st)) {
            if (v instanceof Tensor && (v.isDisposed || v.numel() !== p.numel() || !v.isContiguous())) {
              throw new Error(`${name}.step: state '${k}' of ${where()} ` +
                (v.isDisposed ? 'was disposed' : `has shape ${shapeStr(v.shape)}, which does not fit the parameter`));
            }
          }
        }
        out.push({ group, gi, p, g, pi });
      });
    });
    return out;
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let st = this.state.get(p);
    if (st === undefined) {
      st = {};
      this.state.set(p, st);
    }
    return st;
  }

  /** State buffer `key` of `p`, allocated as zeros (shape of p) when missing. */
  protected buffer(st: ParamState, key: string, p: Tensor): Tensor {
    const v = st[key];
    if (v instanceof Tensor) return v;
    const z = zeros(p.shape);
    st[key] = z;
    return z;
  }

  /**
   * The state dict: state by parameter index (tensors cloned) and the groups' hyperparameters.
   * `{ format: 'pytorch' }` gives PyTorch's layout (`param_groups`, snake_case keys, `step` as PyTorch keeps it).
   */
  stateDict(options?: { format?: 'wasmgrad' }): OptimizerStateDict;
  stateDict(options: { format: 'pytorch' }): PytorchOptimizerStateDict;
  stateDict(options?: StateDictOptions): AnyOptimizerStateDict;
  stateDict(options?: StateDictOptions): AnyOptimizerStateDict {
    const name = this.constructor.name;
    const o = checkOptions(`${name}.stateDict`, options, ['format']);
    const format = o.format ?? 'wasmgrad';
    if (format !== 'wasmgrad' && format !== 'pytorch') {
      throw new RangeError(`${name}.stateDict: format must be 'wasmgrad' or 'pytorch', got ${String(format)}`);
    }
    const pytorch = format === 'pytorch';
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyValue(v);
      const out = pytorch ? this.pytorchGroup(packed) : packed;
      out['params'] = group.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return out as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, Record<string, Tensor | number>> = {};
    const tensorStep = pytorch && this.stepIsTensor();
    const scalarKeys = pytorch && this.scalarStateIsTensor() ? this.scalarStateKeys() : [];
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(st)) {
        copy[k] = v instanceof Tensor ? rawContiguous(v) : (k === 'step' && tensorStep) || scalarKeys.includes(k) ? scalarTensor(v) : v;
      }
      state[i] = copy;
    }
    return pytorch ? { state, param_groups: paramGroups } : { state, paramGroups };
  }

  /**
   * Loads a state dict of an optimizer with the same group sizes, in wasmgrad's layout (from `stateDict()`)
   * or PyTorch's (`{state, param_groups}` from `torch.optim.*.state_dict()`, snake_case group keys, `step` a
   * number or a one-element tensor, null state values skipped). Every key is checked: an unknown group key
   * or state key throws naming it; nothing changes unless everything is valid. Tensors are copied.
   */
  loadStateDict(stateDict: AnyOptimizerStateDict): void {
    const name = this.constructor.name;
    const op = `${name}.loadStateDict`;
    if (!isPlainObject(stateDict)) {
      throw new TypeError(`${op}: expected {state, paramGroups} (or PyTorch's {state, param_groups}), got ${describe(stateDict)}`);
    }
    const sd = stateDict as unknown as Record<string, unknown>;
    for (const k of Object.keys(sd)) {
      if (!['state', 'paramGroups', 'param_groups'].includes(k)) {
        throw new TypeError(`${op}: unexpected key '${k}' (a state dict has state and paramGroups, or PyTorch's state and param_groups)`);
      }
    }
    if ('paramGroups' in sd && 'param_groups' in sd) throw new TypeError(`${op}: both paramGroups and param_groups given`);
    const saved = (sd['paramGroups'] ?? sd['param_groups']) as unknown;
    const rawState = sd['state'];
    if (!Array.isArray(saved) || rawState === null || typeof rawState !== 'object' || Array.isArray(rawState)) {
      throw new TypeError(`${op}: expected {state, paramGroups} (or PyTorch's {state, param_groups}), got ${describe(stateDict)}`);
    }
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${op}: loaded state dict has a different number of parameter groups ` +
        `(${saved.length}, the optimizer has ${this.paramGroups.length})`);
    }
    // Group keys: camelCase or PyTorch's snake_case, translated; anything else is an error.
    const known = this.groupKeys();
    const fromSnake = new Map<string, string>();
    for (const k of known) fromSnake.set(snakeCase(k), k);
    const byIndex = new Map<number, { p: Tensor; gi: number }>();
    const groups = saved.map((sg: unknown, gi) => {
      const mine = this.paramGroups[gi]!;
      if (!isPlainObject(sg)) throw new TypeError(`${op}: param group ${gi} must be an object, got ${describe(sg)}`);
      const ids = sg['params'];
      if (!Array.isArray(ids) || ids.length !== mine.params.length) {
        throw new RangeError(`${op}: loaded state dict contains a parameter group that doesn't match ` +
          `the size of optimizer's group (group ${gi}: ${Array.isArray(ids) ? ids.length : '?'} vs ${mine.params.length})`);
      }
      ids.forEach((id, j) => {
        if (typeof id !== 'number' || !Number.isInteger(id)) {
          throw new TypeError(`${op}: param group ${gi} lists parameter ${String(id)}; expected integer indices`);
        }
        byIndex.set(id, { p: mine.params[j]!, gi });
      });
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(mine)) g[k] = v;
      const given = new Set<string>();
      for (const [k, v] of Object.entries(sg)) {
        if (k === 'params') continue;
        const key = known.includes(k) ? k : fromSnake.get(k);
        if (key === undefined) {
          throw new TypeError(`${op}: unknown key '${k}' in param group ${gi}${keyHint(k, known)}; ` +
            `known keys: ${known.join(', ')} (or their PyTorch snake_case names)`);
        }
        if (given.has(key)) throw new TypeError(`${op}: param group ${gi} gives ${key} twice (camelCase and snake_case)`);
        given.add(key);
        g[key] = copyValue(v);
      }
      g['params'] = mine.params;
      this.validateGroup(g as G);
      return g as G;
    });
    // Validate every state entry before changing anything.
    const stateKeys = this.stateKeys();
    const scalarKeys = this.scalarStateKeys();
    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(rawState as Record<string, unknown>)) {
      const found = /^\d+$/.test(key) ? byIndex.get(Number(key)) : undefined;
      if (found === undefined) throw new RangeError(`${op}: state for parameter ${key}, which no group lists`);
      const { p, gi } = found;
      if (!isPlainObject(entry)) {
        throw new TypeError(`${op}: state of parameter ${key} must be an object, got ${describe(entry)}`);
      }
      const st: ParamState = {};
      for (const [k, v] of Object.entries(entry)) {
        if (!stateKeys.includes(k)) {
          throw new TypeError(`${op}: unknown state '${k}' of parameter ${key}${keyHint(k, stateKeys)}; ${name} keeps ${stateKeys.join(', ')}`);
        }
        if (v === null || v === undefined) continue; // PyTorch's SGD: momentum_buffer None without momentum
        if (k === 'step') {
          let n: number;
          if (v instanceof Tensor) {
            if (v.isDisposed) throw new Error(`${op}: state 'step' of parameter ${key} was disposed`);
            if (v.numel() !== 1) throw new RangeError(`${op}: state 'step' of parameter ${key} must be a number or a one-element tensor`);
            n = v.item();
          } else n = v as number;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
            throw new RangeError(`${op}: state 'step' of parameter ${key} must be a non-negative integer, got ${String(n)}`);
          }
          st[k] = n;
          continue;
        }
        if (scalarKeys.includes(k)) {
          let n: unknown = v;
          if (v instanceof Tensor) {
            if (v.isDisposed) throw new Error(`${op}: state '${k}' of parameter ${key} was disposed`);
            if (v.numel() !== 1) throw new RangeError(`${op}: state '${k}' of parameter ${key} must be a number or a one-element tensor`);
            n = v.item();
          }
          if (typeof n !== 'number' || !Number.isFinite(n)) {
            throw new TypeError(`${op}: state '${k}' of parameter ${key} must be a finite number, got ${String(n)}`);
          }
          st[k] = n;
          continue;
        }
        if (!(v instanceof Tensor)) {
          throw new TypeError(`${op}: state '${k}' of parameter ${key} must be a Tensor, got ${describe(v)}`);
        }
        if (v.isDisposed) throw new Error(`${op}: state '${k}' of parameter ${key} was disposed`);
        if (v.dtype !== 'float32') {
          throw new TypeError(`${op}: state '${k}' of parameter ${key} has dtype ${v.dtype}, expected float32`);
        }
        if (!sameShape(v.shape, p.shape)) {
          throw new RangeError(`${op}: state '${k}' of parameter ${key} has shape ${shapeStr(v.shape)} ` +
            `but the parameter has shape ${shapeStr(p.shape)}`);
        }
        st[k] = v;
      }
      if (Object.keys(st).length > 0) {
        const missing = this.requiredStateKeys(groups[gi]!).filter((k) => !(k in st));
        if (missing.length > 0) {
          throw new Error(`${op}: state of parameter ${key} lacks ${missing.join(', ')} (${name} with these hyperparameters needs them)`);
        }
      }
      newState.set(p, st);
    }
    for (const st of newState.values()) {
      for (const [k, v] of Object.entries(st)) if (v instanceof Tensor) st[k] = rawContiguous(v);
    }
    this.paramGroups = groups;
    this.state = newState;
  }
}

// ---- hyperparameter checks shared by the optimizers (PyTorch's messages) ----

export function checkLr(name: string, lr: unknown): void {
  if (typeof lr !== 'number' || !(lr >= 0)) throw new RangeError(`${name}: Invalid learning rate: ${String(lr)}`);
}
export function checkNonNegative(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${name}: Invalid ${what} value: ${String(v)}`);
}
export function checkBool(name: string, what: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${name}: ${what} must be a boolean, got ${describe(v)}`);
}

/**
 * PyTorch's implementation-selecting flags, checked in a group: `foreach` and `fused` (true, false or null),
 * `capturable` (a boolean), `differentiable` (false only: wasmgrad's step records no autograd graph).
 */
export function checkImplementationFlags(name: string, g: Record<string, unknown>): void {
  for (const k of ['foreach', 'fused']) {
    if (k in g && g[k] !== null && typeof g[k] !== 'boolean') {
      throw new TypeError(`${name}: ${k} must be true, false or null, got ${describe(g[k])}`);
    }
  }
  if ('capturable' in g) checkBool(name, 'capturable', g['capturable']);
  if ('differentiable' in g) {
    checkBool(name, 'differentiable', g['differentiable']);
    if (g['differentiable'] === true) {
      throw new Error(`${name}: differentiable=true is not supported: wasmgrad's optimizer step does not record an ` +
        'autograd graph (pass false or leave it out)');
    }
  }
}
