/**
 * Learning-rate schedulers, PyTorch's torch.optim.lr_scheduler in camelCase. Each scheduler writes the
 * new lr into every param group on `step()` (call it after `optimizer.step()`), starting from the group's
 * `initialLr` (set from its lr when the scheduler is made). Like PyTorch, construction performs the
 * initial step (lastEpoch -1 -> 0) and the lrs follow PyTorch's recursive ("chainable") forms, which equal
 * the documented closed forms when nothing else changes the lr. ReduceLROnPlateau (`step(metric)`),
 * SequentialLR and ChainedScheduler are, as in PyTorch 1.13, not LRSchedulers but have the same
 * `step()`, `getLastLr()`, `stateDict()` and `loadStateDict()`.
 *
 * Arguments follow PyTorch's order (`StepLR(optimizer, stepSize, gamma = 0.1, lastEpoch = -1, verbose =
 * false)`), positionally, as an options object, or both (the object last); unknown options throw with a
 * hint (`step_size` -> `stepSize`). `verbose` prints PyTorch's "Adjusting learning rate of group i to
 * x.xxxxe-xx." on every step, like PyTorch 1.13.
 *
 * State dicts: `stateDict()` gives wasmgrad's fields (camelCase); `stateDict({ format: 'pytorch' })` gives
 * PyTorch's `state_dict()` keys (`base_lrs`, `last_epoch`, `_step_count`, `verbose`,
 * `_get_lr_called_within_step`, `_last_lr` and each scheduler's own, e.g. `step_size`, `T_max`,
 * MultiStepLR's milestones as PyTorch's Counter `{milestone: count}`, OneCycleLR's `_schedule_phases` and
 * `_anneal_func_type`). `loadStateDict` takes either, validating every key and its type. As in PyTorch,
 * to resume: make the optimizer and the scheduler, then load the optimizer's state, then the scheduler's.
 */
import type { Optimizer, ParamGroup } from './optimizer.js';
import { snakeCase } from './optimizer.js';
import { checkOptions, isPlainObject, keyHint, positionalOptions } from '../options.js';

/** Scheduler state: wasmgrad's fields (camelCase) or PyTorch's `state_dict()` keys. */
export type SchedulerStateDict = Record<string, unknown>;

/** Options of `LRScheduler.stateDict`. */
export interface SchedulerStateDictOptions {
  /** 'wasmgrad' (default): the scheduler's fields; 'pytorch': PyTorch's state_dict() keys. */
  format?: 'wasmgrad' | 'pytorch';
}

type AnyOptimizer = Optimizer<any>;

/** PyTorch's positional parameters P (each may be undefined), any prefix, then an optional options object O. */
export type SchedulerArgs<P extends unknown[], O> = P extends [...infer Init, unknown]
  ? [...{ [K in keyof P]: P[K] | undefined }, O?] | SchedulerArgs<Init, O>
  : [O?];

function checkOptimizer(name: string, optimizer: unknown): void {
  const o = optimizer as { paramGroups?: unknown } | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups)) {
    throw new TypeError(`${name}: expected an Optimizer, got ${o === null ? 'null' : typeof o}`);
  }
}

function copyDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyDeep);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyDeep(x)]));
  return v;
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Python's '{:.4e}' (two exponent digits at least). */
function sci(x: number): string {
  return x.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Common fields: wasmgrad's name -> PyTorch's key. */
const COMMON_FIELDS: [string, string][] = [
  ['baseLrs', 'base_lrs'], ['lastEpoch', 'last_epoch'], ['stepCount', '_step_count'], ['lastLr', '_last_lr'], ['verbose', 'verbose'],
];
/** PyTorch keys that carry nothing to restore here (accepted on load, ignored). */
const IGNORED_PYTORCH_KEYS = ['_get_lr_called_within_step', '_is_initial'];

/** Base class: `step()`, `getLastLr()`, `stateDict()` / `loadStateDict()`. */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The lr of each group when the schedule started (its `initialLr`). */
  baseLrs: number[];
  /** Number of `step()` calls so far, minus one (0 after construction). */
  lastEpoch: number;
  /** Print each new lr (PyTorch's message) on every step. */
  verbose: boolean;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1, verbose = false) {
    const name = this.constructor.name;
    checkOptimizer(name, optimizer);
    if (typeof lastEpoch !== 'number' || !Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new RangeError(`${name}: lastEpoch must be an integer >= -1, got ${String(lastEpoch)}`);
    }
    if (typeof verbose !== 'boolean') throw new TypeError(`${name}: verbose must be a boolean, got ${kind(verbose)}`);
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups as ParamGroup[];
    if (lastEpoch === -1) {
      for (const g of groups) if (g['initialLr'] === undefined) g['initialLr'] = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g['initialLr'] === undefined) {
          throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g['initialLr'] as number);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /** Subclasses call this at the end of their constructor (PyTorch's initial step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lrs for `lastEpoch` (already advanced), from the groups' current lrs. */
  protected abstract getLr(): number[];

  /** The subclass's own fields: [wasmgrad's name, PyTorch's state_dict key]. */
  protected abstract pytorchFields(): [string, string][];

  /**
   * PyTorch state_dict keys accepted on load and ignored (CyclicLR's `_scale_fn_custom`: functions are not saved).
   */
  protected ignoredPytorchKeys(): string[] {
    return [];
  }

  /** A field's value in PyTorch's form (the same by default). */
  protected toPytorch(_field: string, v: unknown): unknown {
    return copyDeep(v);
  }

  /** A field's value from PyTorch's form (the same by default); throws when it cannot be read. */
  protected fromPytorch(_field: string, v: unknown): unknown {
    return copyDeep(v);
  }

  /** The lrs at `lastEpoch` from the schedule's closed form, where it has one (used by `step(epoch)`). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Fields that hold functions (lr lambdas, scale functions): not saved, as PyTorch does not save them. */
  protected unsavedFields(): string[] {
    return [];
  }

  /**
   * Advances the schedule by one step and writes the new lrs into the param groups. With `epoch` (PyTorch's
   * deprecated form, which SequentialLR uses) it jumps to that epoch: the closed form where the schedule has
   * one, else the recursive form from the current lrs.
   */
  step(epoch?: number): void {
    const name = this.constructor.name;
    if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isInteger(epoch))) {
      throw new TypeError(`${name}.step: epoch must be an integer, got ${String(epoch)}`);
    }
    this.stepCount++;
    let lrs: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      lrs = this.getLr();
    } else {
      this.lastEpoch = epoch;
      lrs = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups as ParamGroup[];
    groups.forEach((g, i) => {
      g.lr = lrs[i]!;
      if (this.verbose) {
        console.log(epoch === undefined ? `Adjusting learning rate of group ${i} to ${sci(g.lr)}.`
          : `Epoch ${String(epoch).padStart(5, '0')}: adjusting learning rate of group ${i} to ${sci(g.lr)}.`);
      }
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lrs the last `step()` set, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected groups(): ParamGroup[] {
    return this.optimizer.paramGroups as ParamGroup[];
  }

  /** Every field except the optimizer (copied); `{ format: 'pytorch' }` gives PyTorch's state_dict() keys. */
  stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const name = this.constructor.name;
    const o = checkOptions(`${name}.stateDict`, options, ['format']);
    const format = o.format ?? 'wasmgrad';
    if (format !== 'wasmgrad' && format !== 'pytorch') {
      throw new RangeError(`${name}.stateDict: format must be 'wasmgrad' or 'pytorch', got ${String(format)}`);
    }
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    if (format === 'pytorch') {
      for (const [field, key] of [...COMMON_FIELDS, ...this.pytorchFields()]) out[key] = this.toPytorch(field, self[field]);
      out['_get_lr_called_within_step'] = false;
      return out;
    }
    const unsaved = this.unsavedFields();
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || unsaved.includes(k)) continue;
      out[k] = copyDeep(v);
    }
    return out;
  }

  /**
   * Restores a state from stateDict() in either format (PyTorch's is recognised by its `last_epoch`).
   * Every key must be one of the scheduler's, with a value of the same type; nothing changes otherwise.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const name = this.constructor.name;
    const op = `${name}.loadStateDict`;
    if (!isPlainObject(state)) throw new TypeError(`${op}: expected an object`);
    const self = this as unknown as Record<string, unknown>;
    const updates: [string, unknown][] = [];
    if ('last_epoch' in state) {
      const map = new Map<string, string>();
      for (const [field, key] of [...COMMON_FIELDS, ...this.pytorchFields()]) map.set(key, field);
      for (const [k, v] of Object.entries(state)) {
        if (IGNORED_PYTORCH_KEYS.includes(k) || this.ignoredPytorchKeys().includes(k)) continue;
        const field = map.get(k);
        if (field === undefined) {
          throw new Error(`${op}: unexpected key '${k}'${keyHint(k, [...map.keys()])} in PyTorch's state dict of ${name}; ` +
            `known keys: ${[...map.keys(), ...IGNORED_PYTORCH_KEYS].join(', ')}`);
        }
        updates.push([field, this.fromPytorch(field, v)]);
      }
    } else {
      const unsaved = this.unsavedFields();
      const known = Object.keys(this).filter((k) => k !== 'optimizer' && !unsaved.includes(k));
      for (const [k, v] of Object.entries(state)) {
        if (k === 'optimizer' || !known.includes(k)) {
          throw new Error(`${op}: unexpected key '${k}'${keyHint(k, known)}; known keys: ${known.join(', ')}`);
        }
        updates.push([k, copyDeep(v)]);
      }
    }
    for (const [field, v] of updates) {
      const cur = self[field];
      if (kind(v) !== kind(cur)) throw new TypeError(`${op}: ${field} must be ${kind(cur)}, got ${kind(v)}`);
      if (Array.isArray(cur) && field !== 'milestones' && field !== 'phases' && (v as unknown[]).length !== cur.length) {
        throw new RangeError(`${op}: ${field} has ${(v as unknown[]).length} entries, expected ${cur.length} (one per param group)`);
      }
    }
    for (const [field, v] of updates) self[field] = v;
  }
}

/** Merges PyTorch's positional parameters and a trailing options object; `required` must be present. */
function schedulerArgs<T extends object>(name: string, args: readonly unknown[], names: string[], required: string[]): Partial<T> {
  const o = positionalOptions<T>(name, args, names) as Record<string, unknown>;
  for (const r of required) if (o[r] === undefined) throw new TypeError(`${name}: missing required argument ${r}`);
  return o as Partial<T>;
}

function checkPositiveInt(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(v)}`);
  }
}
function checkNumber(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name}: ${what} must be a number, got ${String(v)}`);
}

export interface StepLROptions {
  /** Period of the decay, in steps (required). */
  stepSize?: number;
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
  /** Index of the last epoch when resuming (default -1: start). */
  lastEpoch?: number;
  /** Print each new lr (default false). */
  verbose?: boolean;
}

/**
 * Multiplies the lr by `gamma` every `stepSize` steps: lr = initialLr * gamma^floor(epoch / stepSize).
 * PyTorch's `StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1, verbose=False)`.
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, boolean], StepLROptions>) {
    const o = schedulerArgs<StepLROptions>('StepLR', args, ['stepSize', 'gamma', 'lastEpoch', 'verbose'], ['stepSize']);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    const gamma = o.gamma ?? 0.1;
    checkPositiveInt('StepLR', 'stepSize', o.stepSize);
    checkNumber('StepLR', 'gamma', gamma);
    this.stepSize = o.stepSize!;
    this.gamma = gamma;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['stepSize', 'step_size'], ['gamma', 'gamma']];
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }
}

export interface MultiStepLROptions {
  /** Epoch indices at which the lr is multiplied by gamma (required; a repeated one counts twice). */
  milestones?: readonly number[];
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Multiplies the lr by `gamma` at each milestone: lr = initialLr * gamma^(milestones passed).
 * PyTorch's `MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1, verbose=False)`.
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted, a milestone repeated as often as given (PyTorch keeps a Counter). */
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[readonly number[], number, number, boolean], MultiStepLROptions>) {
    const o = schedulerArgs<MultiStepLROptions>('MultiStepLR', args, ['milestones', 'gamma', 'lastEpoch', 'verbose'], ['milestones']);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    const milestones = o.milestones;
    const gamma = o.gamma ?? 0.1;
    if (!Array.isArray(milestones) || milestones.some((m) => typeof m !== 'number' || !Number.isInteger(m))) {
      throw new TypeError('MultiStepLR: milestones must be an array of integers');
    }
    checkNumber('MultiStepLR', 'gamma', gamma);
    this.milestones = [...milestones].sort((x, y) => x - y);
    this.gamma = gamma;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['milestones', 'milestones'], ['gamma', 'gamma']];
  }
  /** PyTorch's Counter: {milestone: count}. */
  protected override toPytorch(field: string, v: unknown): unknown {
    if (field !== 'milestones') return super.toPytorch(field, v);
    const counts: Record<string, number> = {};
    for (const m of v as number[]) counts[String(m)] = (counts[String(m)] ?? 0) + 1;
    return counts;
  }
  protected override fromPytorch(field: string, v: unknown): unknown {
    if (field !== 'milestones') return super.fromPytorch(field, v);
    const bad = (): never => {
      throw new TypeError('MultiStepLR.loadStateDict: milestones must be an array of integers or a {milestone: count} object');
    };
    let out: number[] = [];
    if (Array.isArray(v)) out = [...(v as number[])];
    else if (isPlainObject(v)) {
      for (const [m, c] of Object.entries(v)) {
        if (!/^-?\d+$/.test(m) || typeof c !== 'number' || !Number.isInteger(c) || c < 0) bad();
        for (let i = 0; i < (c as number); i++) out.push(Number(m));
      }
    } else bad();
    if (out.some((m) => typeof m !== 'number' || !Number.isInteger(m))) bad();
    return out.sort((x, y) => x - y);
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma ** hits);
  }
}

export interface ExponentialLROptions {
  /** Multiplicative factor per step (required). */
  gamma?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Multiplies the lr by `gamma` every step: lr = initialLr * gamma^epoch.
 * PyTorch's `ExponentialLR(optimizer, gamma, last_epoch=-1, verbose=False)`.
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, boolean], ExponentialLROptions>) {
    const o = schedulerArgs<ExponentialLROptions>('ExponentialLR', args, ['gamma', 'lastEpoch', 'verbose'], ['gamma']);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    checkNumber('ExponentialLR', 'gamma', o.gamma);
    this.gamma = o.gamma!;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['gamma', 'gamma']];
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }
}

export interface CosineAnnealingLROptions {
  /** Half period, in steps (required; PyTorch's T_max). */
  tMax?: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Cosine annealing (SGDR without restarts):
 * lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2, computed recursively like PyTorch
 * (past tMax the cosine continues, rising again).
 * PyTorch's `CosineAnnealingLR(optimizer, T_max, eta_min=0, last_epoch=-1, verbose=False)`.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, boolean], CosineAnnealingLROptions>) {
    const o = schedulerArgs<CosineAnnealingLROptions>('CosineAnnealingLR', args, ['tMax', 'etaMin', 'lastEpoch', 'verbose'], ['tMax']);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    const etaMin = o.etaMin ?? 0;
    checkPositiveInt('CosineAnnealingLR', 'tMax', o.tMax);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin);
    this.tMax = o.tMax!;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['tMax', 'T_max'], ['etaMin', 'eta_min']];
  }
  protected override closedFormLr(): number[] {
    const eta = this.etaMin;
    return this.baseLrs.map((b) => eta + ((b - eta) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, eta = this.etaMin;
    const groups = this.groups();
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => eta + ((b - eta) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((g) =>
      ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - eta) + eta);
  }
}

export interface LinearLROptions {
  /** Factor at the first step (default 1/3). */
  startFactor?: number;
  /** Factor from totalIters on (default 1). */
  endFactor?: number;
  /** Steps to go from startFactor to endFactor (default 5). */
  totalIters?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Scales the lr linearly from startFactor to endFactor over totalIters steps:
 * lr = initialLr * (startFactor + (endFactor - startFactor) * min(epoch, totalIters) / totalIters).
 * PyTorch's `LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1, verbose=False)`.
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, number, boolean], LinearLROptions>) {
    const o = schedulerArgs<LinearLROptions>('LinearLR', args, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch', 'verbose'], []);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    const startFactor = o.startFactor ?? 1 / 3;
    const endFactor = o.endFactor ?? 1;
    const totalIters = o.totalIters ?? 5;
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new RangeError('LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1.');
    }
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) {
      throw new RangeError('LinearLR: Ending multiplicative factor expected to be between 0 and 1.');
    }
    checkPositiveInt('LinearLR', 'totalIters', totalIters);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['startFactor', 'start_factor'], ['endFactor', 'end_factor'], ['totalIters', 'total_iters']];
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n));
  }
  protected getLr(): number[] {
    const groups = this.groups();
    const { startFactor: s, endFactor: f, totalIters: n } = this;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (this.lastEpoch - 1) * (f - s))));
  }
}

export interface OneCycleLROptions {
  /** Peak lr, one per group or one for all (required). */
  maxLr?: number | readonly number[];
  /** Total number of steps in the cycle (or give epochs and stepsPerEpoch). */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lower momentum bound (default 0.85), one per group or one for all. */
  baseMomentum?: number | readonly number[];
  /** Upper momentum bound (default 0.95), one per group or one for all. */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, then down to minLr) instead of two (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
  verbose?: boolean;
}

const ONE_CYCLE_ARGS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum',
  'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch', 'verbose'];
type MaybeList = number | readonly number[];

interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function perGroup(name: string, what: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (!Array.isArray(v) || v.length !== n) {
    throw new RangeError(`${name}: expected ${n} values for ${what}, got ${Array.isArray(v) ? v.length : String(v)}`);
  }
  return [...v];
}

/**
 * The 1cycle policy (Smith & Topin): the lr rises from maxLr / divFactor to maxLr over pctStart of the
 * steps, then anneals to initialLr / finalDivFactor; momentum (or Adam's beta1) cycles the other way
 * between maxMomentum and baseMomentum. Step it after every batch, totalSteps times at most.
 * PyTorch's `OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
 * pct_start=0.3, anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
 * div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1, verbose=False)`.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  phases: Phase[];

  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[MaybeList, number, number, number, number, 'cos' | 'linear',
    boolean, MaybeList, MaybeList, number, number, boolean, number, boolean], OneCycleLROptions>) {
    const options = schedulerArgs<OneCycleLROptions>('OneCycleLR', args, ONE_CYCLE_ARGS, ['maxLr']);
    const maxLr = options.maxLr!;
    const lastEpoch = options.lastEpoch ?? -1;
    checkOptimizer('OneCycleLR', optimizer);
    const name = 'OneCycleLR';
    const groups = optimizer.paramGroups as ParamGroup[];
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      if (typeof options.totalSteps !== 'number' || !Number.isInteger(options.totalSteps) || options.totalSteps <= 0) {
        throw new RangeError(`${name}: Expected positive integer totalSteps, but got ${String(options.totalSteps)}`);
      }
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      checkPositiveInt(name, 'epochs', options.epochs);
      checkPositiveInt(name, 'stepsPerEpoch', options.stepsPerEpoch);
      totalSteps = options.epochs * options.stepsPerEpoch;
    } else {
      throw new Error(`${name}: You must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    }
    const pctStart = options.pctStart ?? 0.3;
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) {
      throw new RangeError(`${name}: Expected float between 0 and 1 pctStart, but got ${String(pctStart)}`);
    }
    const anneal = options.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new RangeError(`${name}: annealStrategy must be one of 'cos' or 'linear', instead got ${String(anneal)}`);
    }
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    checkNumber(name, 'divFactor', divFactor);
    checkNumber(name, 'finalDivFactor', finalDivFactor);
    const maxLrs = perGroup(name, 'maxLr', maxLr, groups.length);
    const cycleMomentum = options.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Record<string, unknown>;
    let useBeta1 = false;
    let maxMomenta: number[] = [];
    let baseMomenta: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw new Error(`${name}: optimizer must support momentum or beta1 with \`cycleMomentum\` option enabled`);
      }
      useBeta1 = 'betas' in defaults;
      maxMomenta = perGroup(name, 'maxMomentum', options.maxMomentum ?? 0.95, groups.length);
      baseMomenta = perGroup(name, 'baseMomentum', options.baseMomentum ?? 0.85, groups.length);
    }
    // Everything validated: now change the groups (PyTorch sets these before the base constructor runs).
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        const initialLr = maxLrs[i]! / divFactor;
        g['initialLr'] = initialLr;
        g['maxLr'] = maxLrs[i]!;
        g['minLr'] = initialLr / finalDivFactor;
      });
    }
    if (cycleMomentum) {
      groups.forEach((g, i) => {
        if (lastEpoch === -1) {
          if (useBeta1) g['betas'] = [maxMomenta[i]!, ...((g['betas'] as number[]).slice(1))];
          else g['momentum'] = maxMomenta[i]!;
        }
        g['maxMomentum'] = maxMomenta[i]!;
        g['baseMomentum'] = baseMomenta[i]!;
      });
    }
    super(optimizer, lastEpoch, options.verbose ?? false);
    this.totalSteps = totalSteps;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    const p = pctStart * totalSteps;
    this.phases = options.threePhase
      ? [
        { endStep: p - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * p - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: p - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    this.initialStep();
  }

  protected pytorchFields(): [string, string][] {
    return [['totalSteps', 'total_steps'], ['phases', '_schedule_phases'], ['annealStrategy', '_anneal_func_type'],
      ['cycleMomentum', 'cycle_momentum'], ['useBeta1', 'use_beta1']];
  }
  /** Phases with PyTorch's keys and group-key values (`{end_step, start_lr: 'initial_lr', ...}`). */
  protected override toPytorch(field: string, v: unknown): unknown {
    if (field !== 'phases') return super.toPytorch(field, v);
    return (v as Phase[]).map((ph) => Object.fromEntries(Object.entries(ph).map(([k, x]) =>
      [snakeCase(k), typeof x === 'string' ? snakeCase(x) : x])));
  }
  protected override fromPytorch(field: string, v: unknown): unknown {
    if (field === 'annealStrategy' && v !== 'cos' && v !== 'linear') {
      throw new TypeError(`OneCycleLR.loadStateDict: _anneal_func_type must be 'cos' or 'linear', got ${String(v)}`);
    }
    if (field !== 'phases') return super.fromPytorch(field, v);
    const names: Record<string, string> = {
      end_step: 'endStep', start_lr: 'startLr', end_lr: 'endLr', start_momentum: 'startMomentum', end_momentum: 'endMomentum',
    };
    const values: Record<string, string> = {
      initial_lr: 'initialLr', max_lr: 'maxLr', min_lr: 'minLr', max_momentum: 'maxMomentum', base_momentum: 'baseMomentum',
    };
    if (!Array.isArray(v)) throw new TypeError('OneCycleLR.loadStateDict: _schedule_phases must be a list');
    return v.map((ph: unknown, i) => {
      if (!isPlainObject(ph)) throw new TypeError(`OneCycleLR.loadStateDict: _schedule_phases[${i}] must be an object`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(ph)) {
        const key = names[k];
        if (key === undefined) throw new TypeError(`OneCycleLR.loadStateDict: unexpected key '${k}' in _schedule_phases[${i}]`);
        if (key === 'endStep') {
          if (typeof x !== 'number') throw new TypeError(`OneCycleLR.loadStateDict: _schedule_phases[${i}].end_step must be a number`);
          out[key] = x;
        } else {
          const val = values[x as string];
          if (val === undefined) throw new TypeError(`OneCycleLR.loadStateDict: _schedule_phases[${i}].${k} is ${String(x)}`);
          out[key] = val;
        }
      }
      return out;
    });
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: Tried to step ${stepNum} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return this.groups().map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i]!;
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.endStep - startStep);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        startStep = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g['betas'] = [momentum, ...((g['betas'] as number[]).slice(1))];
        else g['momentum'] = momentum;
      }
      return lr;
    });
  }
}

// ---------------------------------------------------------------- LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR

/** An lr lambda: the epoch (lastEpoch) -> a factor. */
export type LrLambda = (epoch: number) => number;

function lambdasFor(name: string, optimizer: AnyOptimizer, lrLambda: unknown): LrLambda[] {
  checkOptimizer(name, optimizer);
  const n = optimizer.paramGroups.length;
  if (Array.isArray(lrLambda)) {
    if (lrLambda.length !== n) throw new RangeError(`${name}: Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
    lrLambda.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`${name}: lrLambda[${i}] must be a function, got ${kind(f)}`);
    });
    return [...(lrLambda as LrLambda[])];
  }
  if (typeof lrLambda !== 'function') throw new TypeError(`${name}: lrLambda must be a function or an array of functions (one per group), got ${kind(lrLambda)}`);
  return new Array<LrLambda>(n).fill(lrLambda as LrLambda);
}

function lambdaValue(name: string, f: LrLambda, epoch: number): number {
  const v = f(epoch);
  if (typeof v !== 'number') throw new TypeError(`${name}: lrLambda(${epoch}) returned ${kind(v)}, expected a number`);
  return v;
}

export interface LambdaLROptions {
  /** The function (epoch -> factor), or one per param group (PyTorch's lr_lambda; required). */
  lrLambda?: LrLambda | readonly LrLambda[];
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Base class of LambdaLR and MultiplicativeLR: the lambdas are not saved in state dicts (PyTorch saves None
 * for plain functions), and `lr_lambdas` / `lrLambdas` entries are accepted on load when null.
 */
abstract class LambdaScheduler extends LRScheduler {
  lrLambdas: LrLambda[] = [];
  protected override unsavedFields(): string[] {
    return ['lrLambdas'];
  }
  override stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const out = super.stateDict(options);
    out[options?.format === 'pytorch' ? 'lr_lambdas' : 'lrLambdas'] = this.lrLambdas.map(() => null);
    return out;
  }
  override loadStateDict(state: SchedulerStateDict): void {
    const op = `${this.constructor.name}.loadStateDict`;
    if (!isPlainObject(state)) throw new TypeError(`${op}: expected an object`);
    const rest: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(state)) {
      if (k === 'lr_lambdas' || k === 'lrLambdas') {
        if (!Array.isArray(v) || v.length !== this.lrLambdas.length || v.some((x) => x !== null)) {
          throw new TypeError(`${op}: ${k} must be an array of ${this.lrLambdas.length} nulls (the state of callable ` +
            'objects is not supported; plain functions are not saved)');
        }
      } else rest[k] = v;
    }
    super.loadStateDict(rest);
  }
  protected pytorchFields(): [string, string][] {
    return [];
  }
}

/**
 * Sets each group's lr to initialLr * lrLambda(epoch) (one function for all groups, or one per group).
 * PyTorch's `LambdaLR(optimizer, lr_lambda, last_epoch=-1, verbose=False)`. Functions are not saved in the
 * state dict (`lr_lambdas` holds nulls), as PyTorch does for plain functions.
 *
 * @example
 * const sched = new optim.lrScheduler.LambdaLR(opt, (e) => Math.min(1, (e + 1) / warmup));
 */
export class LambdaLR extends LambdaScheduler {
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[LrLambda | readonly LrLambda[], number, boolean], LambdaLROptions>) {
    const o = schedulerArgs<LambdaLROptions>('LambdaLR', args, ['lrLambda', 'lastEpoch', 'verbose'], ['lrLambda']);
    const lambdas = lambdasFor('LambdaLR', optimizer, o.lrLambda);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * lambdaValue('LambdaLR', this.lrLambdas[i]!, this.lastEpoch));
  }
}

/**
 * Multiplies each group's lr by lrLambda(epoch) at every step after the first (one function for all groups,
 * or one per group). PyTorch's `MultiplicativeLR(optimizer, lr_lambda, last_epoch=-1, verbose=False)`.
 *
 * @example
 * const sched = new optim.lrScheduler.MultiplicativeLR(opt, () => 0.95);
 */
export class MultiplicativeLR extends LambdaScheduler {
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[LrLambda | readonly LrLambda[], number, boolean], LambdaLROptions>) {
    const o = schedulerArgs<LambdaLROptions>('MultiplicativeLR', args, ['lrLambda', 'lastEpoch', 'verbose'], ['lrLambda']);
    const lambdas = lambdasFor('MultiplicativeLR', optimizer, o.lrLambda);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
  protected getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch > 0) return groups.map((g, i) => g.lr * lambdaValue('MultiplicativeLR', this.lrLambdas[i]!, this.lastEpoch));
    return groups.map((g) => g.lr);
  }
}

export interface ConstantLROptions {
  /** Factor applied until totalIters (default 1/3). */
  factor?: number;
  /** Number of steps the factor applies (default 5). */
  totalIters?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Multiplies the lr by `factor` until epoch totalIters, then restores it:
 * lr = initialLr * (epoch < totalIters ? factor : 1).
 * PyTorch's `ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1, verbose=False)`.
 *
 * @example
 * const sched = new optim.lrScheduler.ConstantLR(opt, 0.5, 4);
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, boolean], ConstantLROptions>) {
    const o = schedulerArgs<ConstantLROptions>('ConstantLR', args, ['factor', 'totalIters', 'lastEpoch', 'verbose'], []);
    const factor = o.factor ?? 1 / 3;
    const totalIters = o.totalIters ?? 5;
    if (typeof factor !== 'number' || !(factor >= 0 && factor <= 1)) {
      throw new RangeError('ConstantLR: Constant multiplicative factor expected to be between 0 and 1.');
    }
    if (typeof totalIters !== 'number' || !Number.isInteger(totalIters) || totalIters < 0) {
      throw new RangeError(`ConstantLR: totalIters must be a non-negative integer, got ${String(totalIters)}`);
    }
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    this.factor = factor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['factor', 'factor'], ['totalIters', 'total_iters']];
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
  protected getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 / this.factor));
  }
}

export interface PolynomialLROptions {
  /** Steps over which the lr decays to 0 (default 5). */
  totalIters?: number;
  /** Power of the polynomial (default 1). */
  power?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Decays the lr polynomially to 0 over totalIters steps: lr = initialLr * (1 - min(epoch, totalIters) /
 * totalIters)^power, computed recursively like PyTorch.
 * PyTorch's `PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1, verbose=False)`.
 *
 * @example
 * const sched = new optim.lrScheduler.PolynomialLR(opt, 100, 2);
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, boolean], PolynomialLROptions>) {
    const o = schedulerArgs<PolynomialLROptions>('PolynomialLR', args, ['totalIters', 'power', 'lastEpoch', 'verbose'], []);
    const totalIters = o.totalIters ?? 5;
    const power = o.power ?? 1;
    checkPositiveInt('PolynomialLR', 'totalIters', totalIters);
    checkNumber('PolynomialLR', 'power', power);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    this.totalIters = totalIters;
    this.power = power;
    this.initialStep();
  }
  protected pytorchFields(): [string, string][] {
    return [['totalIters', 'total_iters'], ['power', 'power']];
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
  protected getLr(): number[] {
    const groups = this.groups();
    const e = this.lastEpoch, n = this.totalIters;
    if (e === 0 || e > n) return groups.map((g) => g.lr);
    const decay = ((1 - e / n) / (1 - (e - 1) / n)) ** this.power;
    return groups.map((g) => g.lr * decay);
  }
}

// ---------------------------------------------------------------- CosineAnnealingWarmRestarts

export interface CosineAnnealingWarmRestartsOptions {
  /** Length of the first period, in epochs (required; PyTorch's T_0). */
  t0?: number;
  /** Factor by which the period grows after each restart (default 1; PyTorch's T_mult). */
  tMult?: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * SGDR: cosine annealing with warm restarts, lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * tCur / tI)) / 2,
 * where tCur counts epochs since the last restart and the period tI starts at t0 and is multiplied by tMult
 * at each restart. `step()` advances one epoch; `step(epoch)` jumps to a (possibly fractional) epoch, as in
 * `sched.step(epoch + i / iters)` inside an epoch.
 * PyTorch's `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0, last_epoch=-1, verbose=False)`.
 *
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, 10, 2);
 * for (let epoch = 0; epoch < 30; epoch++) for (let i = 0; i < iters; i++) { train(); sched.step(epoch + i / iters); }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;
  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[number, number, number, number, boolean], CosineAnnealingWarmRestartsOptions>) {
    const name = 'CosineAnnealingWarmRestarts';
    const o = schedulerArgs<CosineAnnealingWarmRestartsOptions>(name, args, ['t0', 'tMult', 'etaMin', 'lastEpoch', 'verbose'], ['t0']);
    const t0 = o.t0!;
    const tMult = o.tMult ?? 1;
    const etaMin = o.etaMin ?? 0;
    if (typeof t0 !== 'number' || !Number.isInteger(t0) || t0 <= 0) throw new RangeError(`${name}: Expected positive integer T_0 (t0), but got ${String(t0)}`);
    if (typeof tMult !== 'number' || !Number.isInteger(tMult) || tMult < 1) {
      throw new RangeError(`${name}: Expected integer T_mult (tMult) >= 1, but got ${String(tMult)}`);
    }
    checkNumber(name, 'etaMin', etaMin);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = this.lastEpoch;
    this.stepCount = 0;
    this.step();
  }
  protected pytorchFields(): [string, string][] {
    return [['t0', 'T_0'], ['tI', 'T_i'], ['tMult', 'T_mult'], ['etaMin', 'eta_min'], ['tCur', 'T_cur']];
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }
  /** One epoch on, or to `epoch` (non-negative, may be fractional). */
  override step(epoch?: number): void {
    const name = 'CosineAnnealingWarmRestarts.step';
    if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isFinite(epoch))) {
      throw new TypeError(`${name}: epoch must be a finite number, got ${String(epoch)}`);
    }
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (epoch < 0) throw new RangeError(`${name}: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const lrs = this.getLr();
    const groups = this.groups();
    groups.forEach((g, i) => {
      g.lr = lrs[i]!;
      if (this.verbose) console.log(`Adjusting learning rate of group ${i} to ${sci(g.lr)}.`);
    });
    this.lastLr = groups.map((g) => g.lr);
  }
}

// ---------------------------------------------------------------- CyclicLR

export type CyclicScaleFn = (x: number) => number;

export interface CyclicLROptions {
  /** Lower lr bound, one per group or one for all (required). */
  baseLr?: number | readonly number[];
  /** Upper lr bound, one per group or one for all (required). */
  maxLr?: number | readonly number[];
  /** Steps in the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps in the decreasing half (default stepSizeUp). */
  stepSizeDown?: number | null;
  /** 'triangular' (default), 'triangular2' (amplitude halved each cycle) or 'exp_range' (scaled by gamma^step). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** Base of 'exp_range' (default 1). */
  gamma?: number;
  /** Custom amplitude scale (replaces mode's); null for mode's. */
  scaleFn?: CyclicScaleFn | null;
  /** What scaleFn takes: 'cycle' (the cycle number, default) or 'iterations' (the step). */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (SGD, RMSprop) or Adam's beta1 inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lower momentum bound (default 0.8), one per group or one for all. */
  baseMomentum?: number | readonly number[];
  /** Upper momentum bound (default 0.9), one per group or one for all. */
  maxMomentum?: number | readonly number[];
  lastEpoch?: number;
  verbose?: boolean;
}

const CYCLIC_ARGS = ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum',
  'baseMomentum', 'maxMomentum', 'lastEpoch', 'verbose'];

/**
 * Cyclical learning rates (Smith): the lr goes from baseLr up to maxLr over stepSizeUp steps and back over
 * stepSizeDown, the amplitude scaled by the mode (or scaleFn); with cycleMomentum the momentum (or Adam's
 * beta1) cycles the other way between maxMomentum and baseMomentum. Step it after every batch.
 * PyTorch's `CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular',
 * gamma=1.0, scale_fn=None, scale_mode='cycle', cycle_momentum=True, base_momentum=0.8, max_momentum=0.9,
 * last_epoch=-1, verbose=False)`. scaleFn is not saved in the state dict (as PyTorch does for functions).
 *
 * @example
 * const sched = new optim.lrScheduler.CyclicLR(opt, 0.001, 0.1, 2000, { mode: 'triangular2' });
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: 'triangular' | 'triangular2' | 'exp_range';
  gamma: number;
  scaleFn: CyclicScaleFn | null;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  useBeta1: boolean;
  baseMomentums: number[];
  maxMomentums: number[];

  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<[MaybeList, MaybeList, number, number | null,
    'triangular' | 'triangular2' | 'exp_range', number, CyclicScaleFn | null, 'cycle' | 'iterations', boolean, MaybeList,
    MaybeList, number, boolean], CyclicLROptions>) {
    const name = 'CyclicLR';
    const o = schedulerArgs<CyclicLROptions>(name, args, CYCLIC_ARGS, ['baseLr', 'maxLr']);
    checkOptimizer(name, optimizer);
    const groups = optimizer.paramGroups as ParamGroup[];
    const lastEpoch = o.lastEpoch ?? -1;
    const baseLrs = perGroup(name, 'baseLr', o.baseLr!, groups.length);
    const maxLrs = perGroup(name, 'maxLr', o.maxLr!, groups.length);
    for (const v of [...baseLrs, ...maxLrs]) checkNumber(name, 'baseLr/maxLr', v);
    const up = o.stepSizeUp ?? 2000;
    const down = o.stepSizeDown ?? up;
    if (typeof up !== 'number' || !(up > 0)) throw new RangeError(`${name}: stepSizeUp must be a positive number, got ${String(up)}`);
    if (typeof down !== 'number' || !(down >= 0)) throw new RangeError(`${name}: stepSizeDown must be a non-negative number, got ${String(down)}`);
    const mode = o.mode ?? 'triangular';
    const scaleFn = o.scaleFn ?? null;
    if (scaleFn !== null && typeof scaleFn !== 'function') throw new TypeError(`${name}: scaleFn must be a function or null, got ${kind(scaleFn)}`);
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scaleFn === null) {
      throw new RangeError(`${name}: mode is invalid and scaleFn is None (mode must be 'triangular', 'triangular2' or 'exp_range', got ${String(mode)})`);
    }
    const scaleMode = scaleFn === null ? (mode === 'exp_range' ? 'iterations' : 'cycle') : (o.scaleMode ?? 'cycle');
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') {
      throw new RangeError(`${name}: scaleMode must be 'cycle' or 'iterations', got ${String(scaleMode)}`);
    }
    const gamma = o.gamma ?? 1;
    checkNumber(name, 'gamma', gamma);
    const cycleMomentum = o.cycleMomentum ?? true;
    if (typeof cycleMomentum !== 'boolean') throw new TypeError(`${name}: cycleMomentum must be a boolean`);
    const defaults = optimizer.defaults as Record<string, unknown>;
    let useBeta1 = false;
    let baseMomenta: number[] = [];
    let maxMomenta: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw new Error(`${name}: optimizer must support momentum or beta1 with \`cycleMomentum\` option enabled`);
      }
      useBeta1 = 'betas' in defaults;
      baseMomenta = perGroup(name, 'baseMomentum', o.baseMomentum ?? 0.8, groups.length);
      maxMomenta = perGroup(name, 'maxMomentum', o.maxMomentum ?? 0.9, groups.length);
    }
    // Validated: now set the groups' lr (and momentum) as PyTorch does before its base constructor.
    if (lastEpoch === -1) groups.forEach((g, i) => { g.lr = baseLrs[i]!; });
    if (cycleMomentum) {
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g['betas'] = [baseMomenta[i]!, ...((g['betas'] as number[]).slice(1))];
          else g['momentum'] = baseMomenta[i]!;
        });
      }
      baseMomenta = groups.map((g) => (useBeta1 ? (g['betas'] as number[])[0]! : (g['momentum'] as number)));
    }
    super(optimizer, lastEpoch, o.verbose ?? false);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFn = scaleFn;
    this.scaleMode = scaleMode;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomenta;
    this.maxMomentums = maxMomenta;
    this.initialStep();
    this.baseLrs = baseLrs;
  }
  protected override unsavedFields(): string[] {
    return ['scaleFn'];
  }
  protected override ignoredPytorchKeys(): string[] {
    return ['_scale_fn_custom', '_scale_fn_ref'];
  }
  override stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const out = super.stateDict(options);
    if (options?.format === 'pytorch') out['_scale_fn_custom'] = null;
    return out;
  }
  protected pytorchFields(): [string, string][] {
    return [['maxLrs', 'max_lrs'], ['totalSize', 'total_size'], ['stepRatio', 'step_ratio'], ['mode', 'mode'], ['gamma', 'gamma'],
      ['scaleMode', 'scale_mode'], ['cycleMomentum', 'cycle_momentum'], ['useBeta1', 'use_beta1'],
      ['baseMomentums', 'base_momentums'], ['maxMomentums', 'max_momentums']];
  }
  private scale(x: number): number {
    if (this.scaleFn !== null) {
      const v = this.scaleFn(x);
      if (typeof v !== 'number') throw new TypeError(`CyclicLR: scaleFn(${x}) returned ${kind(v)}, expected a number`);
      return v;
    }
    if (this.mode === 'triangular') return 1;
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    return this.gamma ** x;
  }
  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i]! - b) * scaleFactor * s);
    if (this.cycleMomentum) {
      this.groups().forEach((g, i) => {
        const m = this.maxMomentums[i]! - (this.maxMomentums[i]! - this.baseMomentums[i]!) * scaleFactor * s;
        if (this.useBeta1) g['betas'] = [m, ...((g['betas'] as number[]).slice(1))];
        else g['momentum'] = m;
      });
    }
    return lrs;
  }
}

// ---------------------------------------------------------------- ReduceLROnPlateau

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  /** Factor by which the lr is reduced (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Threshold of a significant improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): best * (1 -/+ threshold); 'abs': best -/+ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one per group or one for all (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
  verbose?: boolean;
}

const PLATEAU_ARGS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'verbose'];
/** wasmgrad's field -> PyTorch's key. */
const PLATEAU_FIELDS: [string, string][] = [
  ['factor', 'factor'], ['minLrs', 'min_lrs'], ['patience', 'patience'], ['verbose', 'verbose'], ['cooldown', 'cooldown'],
  ['cooldownCounter', 'cooldown_counter'], ['mode', 'mode'], ['threshold', 'threshold'], ['thresholdMode', 'threshold_mode'],
  ['best', 'best'], ['numBadEpochs', 'num_bad_epochs'], ['modeWorse', 'mode_worse'], ['eps', 'eps'], ['lastEpoch', 'last_epoch'],
  ['lastLr', '_last_lr'],
];

/**
 * Reduces each group's lr by `factor` when a metric has stopped improving for more than `patience` epochs:
 * call `step(metric)` once per epoch with the validation loss (or accuracy with mode 'max').
 * PyTorch's `ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
 * threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8, verbose=False)`. Like PyTorch 1.13's, it is not an
 * LRScheduler: it does not set `initialLr` and cannot be chained.
 *
 * @example
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, 'min', 0.5, 5);
 * for (...) { train(); sched.step(validate()); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  verbose: boolean;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (Infinity / -Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer, ...args: SchedulerArgs<['min' | 'max', number, number, number, 'rel' | 'abs', number,
    number | readonly number[], number, boolean], ReduceLROnPlateauOptions>) {
    const name = 'ReduceLROnPlateau';
    const o = schedulerArgs<ReduceLROnPlateauOptions>(name, args, PLATEAU_ARGS, []);
    checkOptimizer(name, optimizer);
    const factor = o.factor ?? 0.1;
    checkNumber(name, 'factor', factor);
    if (factor >= 1) throw new RangeError(`${name}: Factor should be < 1.0.`);
    const mode = o.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`${name}: mode ${String(mode)} is unknown!`);
    const thresholdMode = o.thresholdMode ?? 'rel';
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new RangeError(`${name}: threshold mode ${String(thresholdMode)} is unknown!`);
    const patience = o.patience ?? 10;
    const cooldown = o.cooldown ?? 0;
    for (const [k, v] of [['patience', patience], ['cooldown', cooldown]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${name}: ${k} must be a non-negative integer, got ${String(v)}`);
    }
    const threshold = o.threshold ?? 1e-4;
    const eps = o.eps ?? 1e-8;
    checkNumber(name, 'threshold', threshold);
    checkNumber(name, 'eps', eps);
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== optimizer.paramGroups.length) {
      throw new RangeError(`${name}: expected ${optimizer.paramGroups.length} min_lrs, got ${minLr.length}`);
    }
    const minLrs = perGroup(name, 'minLr', minLr, optimizer.paramGroups.length);
    for (const v of minLrs) checkNumber(name, 'minLr', v);
    const verbose = o.verbose ?? false;
    if (typeof verbose !== 'boolean') throw new TypeError(`${name}: verbose must be a boolean, got ${kind(verbose)}`);
    this.optimizer = optimizer;
    this.factor = factor;
    this.minLrs = minLrs;
    this.patience = patience;
    this.verbose = verbose;
    this.cooldown = cooldown;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = eps;
    this.lastLr = (optimizer.paramGroups as ParamGroup[]).map((g) => g.lr);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the lrs when it has plateaued. */
  step(metrics: number | { item(): number }, ...rest: never[]): void {
    const name = 'ReduceLROnPlateau.step';
    if (rest.length > 0) throw new TypeError(`${name}: takes only the metric (PyTorch's deprecated epoch argument is not supported)`);
    const current = typeof metrics === 'number' ? metrics
      : metrics !== null && typeof metrics === 'object' && typeof metrics.item === 'function' ? metrics.item() : NaN;
    if (typeof metrics !== 'number' && (metrics === null || typeof metrics !== 'object' || typeof metrics.item !== 'function')) {
      throw new TypeError(`${name}: metrics must be a number or a one-element tensor, got ${kind(metrics)}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      (this.optimizer.paramGroups as ParamGroup[]).forEach((g, i) => {
        const old = g.lr;
        const lr = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - lr > this.eps) {
          g.lr = lr;
          if (this.verbose) console.log(`Epoch ${String(this.lastEpoch).padStart(5, '0')}: reducing learning rate of group ${i} to ${sci(lr)}.`);
        }
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = (this.optimizer.paramGroups as ParamGroup[]).map((g) => g.lr);
  }

  /** The lrs after the last `step()` (the groups' lrs before the first). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Every field but the optimizer; `{ format: 'pytorch' }` gives PyTorch's keys (`num_bad_epochs`, `min_lrs`, ...). */
  stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const o = checkOptions('ReduceLROnPlateau.stateDict', options, ['format']);
    const format = o.format ?? 'wasmgrad';
    if (format !== 'wasmgrad' && format !== 'pytorch') {
      throw new RangeError(`ReduceLROnPlateau.stateDict: format must be 'wasmgrad' or 'pytorch', got ${String(format)}`);
    }
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    for (const [field, key] of PLATEAU_FIELDS) out[format === 'pytorch' ? key : field] = copyDeep(self[field]);
    return out;
  }

  /** Restores a state from `stateDict()` in either format; every key and its type is checked first. */
  loadStateDict(state: SchedulerStateDict): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    if (!isPlainObject(state)) throw new TypeError(`${op}: expected an object`);
    const self = this as unknown as Record<string, unknown>;
    const pytorch = 'last_epoch' in state;
    const map = new Map<string, string>(PLATEAU_FIELDS.map(([f, k]) => (pytorch ? [k, f] : [f, f])));
    const updates: [string, unknown][] = [];
    for (const [k, v] of Object.entries(state)) {
      const field = map.get(k);
      if (field === undefined) throw new Error(`${op}: unexpected key '${k}'${keyHint(k, [...map.keys()])}; known keys: ${[...map.keys()].join(', ')}`);
      const cur = self[field];
      // JSON has no Infinity: a saved best / mode_worse of +-Infinity comes back as null.
      const worse = (state['mode'] ?? this.mode) === 'max' ? -Infinity : Infinity;
      const val = v === null && (field === 'best' || field === 'modeWorse') ? worse : v;
      if (kind(val) !== kind(cur)) throw new TypeError(`${op}: ${field} must be ${kind(cur)}, got ${kind(val)}`);
      updates.push([field, copyDeep(val)]);
    }
    for (const [field, v] of updates) self[field] = v;
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`${op}: mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`${op}: threshold mode ${String(this.thresholdMode)} is unknown!`);
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }
}

// ---------------------------------------------------------------- SequentialLR, ChainedScheduler

function checkSchedulers(name: string, schedulers: unknown, optimizer?: AnyOptimizer): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) throw new TypeError(`${name}: schedulers must be a non-empty array of LRSchedulers`);
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler)) {
      throw new TypeError(`${name}: schedulers[${i}] must be an LRScheduler (ReduceLROnPlateau cannot be chained), got ` +
        `${s === null ? 'null' : typeof s === 'object' ? (s as object).constructor?.name ?? 'object' : typeof s}`);
    }
    const want = optimizer ?? (schedulers[0] as LRScheduler).optimizer;
    if (s.optimizer !== want) {
      throw new RangeError(optimizer !== undefined
        ? `${name}: expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`
        : `${name}: expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
    }
  });
  return [...(schedulers as LRScheduler[])];
}

function loadChildren(op: string, schedulers: LRScheduler[], v: unknown): void {
  if (!Array.isArray(v) || v.length !== schedulers.length) {
    throw new TypeError(`${op}: the saved schedulers must be an array of ${schedulers.length} state dicts`);
  }
  schedulers.forEach((s, i) => s.loadStateDict(v[i] as SchedulerStateDict));
}

export interface SequentialLROptions {
  /** The schedulers, made on the same optimizer (required). */
  schedulers?: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over (one fewer than schedulers; required). */
  milestones?: readonly number[];
  lastEpoch?: number;
  verbose?: boolean;
}

/**
 * Runs `schedulers` one after another: schedulers[i] from milestones[i - 1] on (restarted at its epoch 0
 * there). PyTorch's `SequentialLR(optimizer, schedulers, milestones, last_epoch=-1, verbose=False)`; the
 * schedulers must be made on the same optimizer first (construction resets the lrs to initialLr and
 * rewinds them, as PyTorch does).
 *
 * @example
 * const warm = new S.LinearLR(opt, 0.1, 1, 5), cos = new S.CosineAnnealingLR(opt, 95);
 * const sched = new S.SequentialLR(opt, [warm, cos], [5]);
 */
export class SequentialLR {
  readonly optimizer: AnyOptimizer;
  readonly schedulers: LRScheduler[];
  milestones: number[];
  lastEpoch: number;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer,
    ...args: SchedulerArgs<[readonly LRScheduler[], readonly number[], number, boolean], SequentialLROptions>) {
    const name = 'SequentialLR';
    const o = schedulerArgs<SequentialLROptions>(name, args, ['schedulers', 'milestones', 'lastEpoch', 'verbose'], ['schedulers', 'milestones']);
    const schedulers = o.schedulers!;
    const milestones = o.milestones!;
    checkOptimizer(name, optimizer);
    const list = checkSchedulers(name, schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.some((m) => typeof m !== 'number' || !Number.isInteger(m))) {
      throw new TypeError(`${name}: milestones must be an array of integers`);
    }
    if (milestones.length !== list.length - 1) {
      throw new RangeError(`${name}: Sequential Schedulers expects number of schedulers provided to be one more than the number of ` +
        `milestone points, but got number of schedulers ${list.length} and the number of milestones to be equal to ${milestones.length}`);
    }
    const lastEpoch = o.lastEpoch ?? -1;
    if (typeof lastEpoch !== 'number' || !Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new RangeError(`${name}: lastEpoch must be an integer >= -1, got ${String(lastEpoch)}`);
    }
    if (o.verbose !== undefined && typeof o.verbose !== 'boolean') throw new TypeError(`${name}: verbose must be a boolean`);
    this.optimizer = optimizer;
    this.schedulers = list;
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    const groups = optimizer.paramGroups as ParamGroup[];
    groups.forEach((g, i) => {
      if (typeof g['initialLr'] !== 'number') throw new Error(`${name}: param group ${i} has no initialLr (make the schedulers first)`);
    });
    for (const g of groups) g.lr = g['initialLr'] as number;
    for (const s of list) s.lastEpoch -= 1;
    (list[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = list[0]!.getLastLr();
  }

  /** Steps the scheduler whose range holds the new epoch (restarting it at a milestone). */
  step(): void {
    this.lastEpoch += 1;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx]! <= this.lastEpoch) idx++;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** `{lastEpoch, milestones, lastLr, schedulers: [their state dicts]}`; PyTorch's keys with `{ format: 'pytorch' }`. */
  stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const o = checkOptions('SequentialLR.stateDict', options, ['format']);
    const py = o.format === 'pytorch';
    const children = this.schedulers.map((s) => s.stateDict(options));
    return py ? { _milestones: [...this.milestones], last_epoch: this.lastEpoch, _last_lr: [...this.lastLr], _schedulers: children }
      : { milestones: [...this.milestones], lastEpoch: this.lastEpoch, lastLr: [...this.lastLr], schedulers: children };
  }

  loadStateDict(state: SchedulerStateDict): void {
    const op = 'SequentialLR.loadStateDict';
    if (!isPlainObject(state)) throw new TypeError(`${op}: expected an object`);
    const py = 'last_epoch' in state;
    const keys = py ? ['_milestones', 'last_epoch', '_last_lr', '_schedulers'] : ['milestones', 'lastEpoch', 'lastLr', 'schedulers'];
    for (const k of Object.keys(state)) {
      if (!keys.includes(k) && !(py && IGNORED_PYTORCH_KEYS.includes(k))) throw new Error(`${op}: unexpected key '${k}'${keyHint(k, keys)}; known keys: ${keys.join(', ')}`);
    }
    const [mk, ek, lk, sk] = keys as [string, string, string, string];
    const m = state[mk] ?? this.milestones, e = state[ek] ?? this.lastEpoch, l = state[lk] ?? this.lastLr;
    if (!Array.isArray(m) || typeof e !== 'number' || !Array.isArray(l)) throw new TypeError(`${op}: ${mk} and ${lk} must be arrays, ${ek} a number`);
    if (state[sk] !== undefined) loadChildren(op, this.schedulers, state[sk]);
    this.milestones = [...(m as number[])];
    this.lastEpoch = e;
    this.lastLr = [...(l as number[])];
  }
}

/**
 * Steps every scheduler in turn on each `step()`, so their factors multiply (e.g. a ConstantLR warm-up
 * with an ExponentialLR decay). PyTorch's `ChainedScheduler(schedulers, optimizer=None)`.
 *
 * @example
 * const sched = new S.ChainedScheduler([new S.ConstantLR(opt, 0.1, 2), new S.ExponentialLR(opt, 0.9)]);
 */
export class ChainedScheduler {
  readonly optimizer: AnyOptimizer;
  readonly schedulers: LRScheduler[];
  protected lastLr: number[];

  /** `optimizer` (PyTorch 2.x's optional second argument), when given, must be the schedulers' optimizer. */
  constructor(schedulers: readonly LRScheduler[], optimizer?: AnyOptimizer) {
    if (optimizer !== undefined) checkOptimizer('ChainedScheduler', optimizer);
    this.schedulers = checkSchedulers('ChainedScheduler', schedulers, optimizer);
    this.optimizer = this.schedulers[0]!.optimizer;
    this.lastLr = (this.optimizer.paramGroups as ParamGroup[]).map((g) => g.lr);
  }

  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = (this.optimizer.paramGroups as ParamGroup[]).map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** `{lastLr, schedulers: [their state dicts]}`; PyTorch's `{_last_lr, _schedulers}` with `{ format: 'pytorch' }`. */
  stateDict(options?: SchedulerStateDictOptions): SchedulerStateDict {
    const o = checkOptions('ChainedScheduler.stateDict', options, ['format']);
    const children = this.schedulers.map((s) => s.stateDict(options));
    return o.format === 'pytorch' ? { _last_lr: [...this.lastLr], _schedulers: children } : { lastLr: [...this.lastLr], schedulers: children };
  }

  loadStateDict(state: SchedulerStateDict): void {
    const op = 'ChainedScheduler.loadStateDict';
    if (!isPlainObject(state)) throw new TypeError(`${op}: expected an object`);
    const py = '_schedulers' in state || '_last_lr' in state;
    const [lk, sk] = py ? ['_last_lr', '_schedulers'] : ['lastLr', 'schedulers'];
    for (const k of Object.keys(state)) {
      if (k !== lk && k !== sk) throw new Error(`${op}: unexpected key '${k}'${keyHint(k, [lk, sk])}; known keys: ${lk}, ${sk}`);
    }
    const l = state[lk] ?? this.lastLr;
    if (!Array.isArray(l)) throw new TypeError(`${op}: ${lk} must be an array`);
    if (state[sk] !== undefined) loadChildren(op, this.schedulers, state[sk]);
    this.lastLr = [...(l as number[])];
  }
}
