/**
 * Learning-rate schedulers, PyTorch's torch.optim.lr_scheduler in camelCase. Each scheduler writes the
 * new lr into every param group on `step()` (call it after `optimizer.step()`), starting from the group's
 * `initialLr` (set from its lr when the scheduler is made). Like PyTorch, construction performs the
 * initial step (lastEpoch -1 -> 0) and the lrs follow PyTorch's recursive ("chainable") forms, which equal
 * the documented closed forms when nothing else changes the lr.
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

  /** A field's value in PyTorch's form (the same by default). */
  protected toPytorch(_field: string, v: unknown): unknown {
    return copyDeep(v);
  }

  /** A field's value from PyTorch's form (the same by default); throws when it cannot be read. */
  protected fromPytorch(_field: string, v: unknown): unknown {
    return copyDeep(v);
  }

  /** Advances the schedule by one step and writes the new lrs into the param groups. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    const groups = this.optimizer.paramGroups as ParamGroup[];
    groups.forEach((g, i) => {
      g.lr = lrs[i]!;
      if (this.verbose) console.log(`Adjusting learning rate of group ${i} to ${sci(g.lr)}.`);
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
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer') continue;
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
        if (IGNORED_PYTORCH_KEYS.includes(k)) continue;
        const field = map.get(k);
        if (field === undefined) {
          throw new Error(`${op}: unexpected key '${k}'${keyHint(k, [...map.keys()])} in PyTorch's state dict of ${name}; ` +
            `known keys: ${[...map.keys(), ...IGNORED_PYTORCH_KEYS].join(', ')}`);
        }
        updates.push([field, this.fromPytorch(field, v)]);
      }
    } else {
      const known = Object.keys(this).filter((k) => k !== 'optimizer');
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
