/**
 * The optimizer base class, PyTorch's torch.optim.Optimizer in camelCase: parameter groups with their own
 * hyperparameters, per-parameter state, `step()`, `zeroGrad()`, `addParamGroup()` and
 * `stateDict()` / `loadStateDict()` in PyTorch's structure.
 *
 * State tensors are ordinary float32 tensors keyed by PyTorch's names (`momentum_buffer`, `exp_avg`,
 * `exp_avg_sq`, `max_exp_avg_sq`, `square_avg`, `grad_avg`) plus the number `step`, so a state dict can
 * be written as `optim.<index>.exp_avg` entries.
 */
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { rawContiguous } from '../ops/copy.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { sameShape, shapeStr } from '../tensor/shape.js';

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

/** PyTorch's optimizer state dict: state by parameter index, groups with indices instead of tensors. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
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

  /** PyTorch's state dict: state by parameter index (tensors cloned) and the groups' hyperparameters. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyValue(v);
      packed['params'] = group.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, Record<string, Tensor | number>> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(st)) copy[k] = v instanceof Tensor ? rawContiguous(v) : v;
      state[i] = copy;
    }
    return { state, paramGroups };
  }

  /** Loads a state dict made by stateDict() (of an optimizer with the same group sizes); tensors are copied. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null || typeof stateDict.state !== 'object') {
      throw new TypeError(`${name}.loadStateDict: expected {state, paramGroups}, got ${describe(stateDict)}`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${name}.loadStateDict: loaded state dict has a different number of parameter groups ` +
        `(${saved.length}, the optimizer has ${this.paramGroups.length})`);
    }
    const byIndex = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      const mine = this.paramGroups[gi]!;
      if (!Array.isArray(sg.params) || sg.params.length !== mine.params.length) {
        throw new RangeError(`${name}.loadStateDict: loaded state dict contains a parameter group that doesn't match ` +
          `the size of optimizer's group (group ${gi}: ${Array.isArray(sg.params) ? sg.params.length : '?'} vs ${mine.params.length})`);
      }
      sg.params.forEach((id, j) => byIndex.set(Number(id), mine.params[j]!));
    });
    // Validate every state entry before changing anything.
    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new RangeError(`${name}.loadStateDict: state for parameter ${key}, which no group lists`);
      if (entry === null || typeof entry !== 'object') {
        throw new TypeError(`${name}.loadStateDict: state of parameter ${key} must be an object, got ${describe(entry)}`);
      }
      const st: ParamState = {};
      for (const [k, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          if (v.isDisposed) throw new Error(`${name}.loadStateDict: state '${k}' of parameter ${key} was disposed`);
          if (k === 'step') {
            if (v.numel() !== 1) throw new RangeError(`${name}.loadStateDict: state 'step' of parameter ${key} must be a number`);
            st[k] = v.item();
            continue;
          }
          if (v.dtype !== 'float32') {
            throw new TypeError(`${name}.loadStateDict: state '${k}' of parameter ${key} has dtype ${v.dtype}, expected float32`);
          }
          if (!sameShape(v.shape, p.shape)) {
            throw new RangeError(`${name}.loadStateDict: state '${k}' of parameter ${key} has shape ${shapeStr(v.shape)} ` +
              `but the parameter has shape ${shapeStr(p.shape)}`);
          }
          st[k] = v;
        } else if (typeof v === 'number') {
          st[k] = v;
        } else {
          throw new TypeError(`${name}.loadStateDict: state '${k}' of parameter ${key} must be a Tensor or a number, got ${describe(v)}`);
        }
      }
      newState.set(p, st);
    }
    const groups = saved.map((sg, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(this.paramGroups[gi]!)) g[k] = v;
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[k] = copyValue(v);
      g['params'] = this.paramGroups[gi]!.params;
      this.validateGroup(g as G);
      return g as G;
    });
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
