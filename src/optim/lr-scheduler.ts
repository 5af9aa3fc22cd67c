/**
 * Learning-rate schedulers, PyTorch's torch.optim.lr_scheduler in camelCase. Each scheduler writes the
 * new lr into every param group on `step()` (call it after `optimizer.step()`), starting from the group's
 * `initialLr` (set from its lr when the scheduler is made). Like PyTorch, construction performs the
 * initial step (lastEpoch -1 -> 0) and the lrs follow PyTorch's recursive ("chainable") forms, which equal
 * the documented closed forms when nothing else changes the lr.
 */
import type { Optimizer, ParamGroup } from './optimizer.js';

/** Scheduler state: every number/array field (PyTorch's state_dict without the optimizer). */
export type SchedulerStateDict = Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

function checkOptimizer(name: string, optimizer: unknown): void {
  const o = optimizer as { paramGroups?: unknown } | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups)) {
    throw new TypeError(`${name}: expected an Optimizer, got ${o === null ? 'null' : typeof o}`);
  }
}

/** Base class: `step()`, `getLastLr()`, `stateDict()` / `loadStateDict()`. */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The lr of each group when the schedule started (its `initialLr`). */
  baseLrs: number[];
  /** Number of `step()` calls so far, minus one (0 after construction). */
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    const name = this.constructor.name;
    checkOptimizer(name, optimizer);
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
  }

  /** Subclasses call this at the end of their constructor (PyTorch's initial step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lrs for `lastEpoch` (already advanced), from the groups' current lrs. */
  protected abstract getLr(): number[];

  /** Advances the schedule by one step and writes the new lrs into the param groups. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    const groups = this.optimizer.paramGroups as ParamGroup[];
    groups.forEach((g, i) => {
      g.lr = lrs[i]!;
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

  /** Every field except the optimizer (arrays copied). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer') continue;
      out[k] = Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'object' && x !== null ? { ...x } : x)) : v;
    }
    return out;
  }

  /** Restores fields saved by stateDict(). */
  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== 'object') {
      throw new TypeError(`${this.constructor.name}.loadStateDict: expected an object`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer') continue;
      if (!(k in this)) throw new Error(`${this.constructor.name}.loadStateDict: unexpected key '${k}'`);
      self[k] = Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'object' && x !== null ? { ...x } : x)) : v;
    }
  }
}

function checkPositiveInt(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(v)}`);
  }
}
function checkNumber(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name}: ${what} must be a number, got ${String(v)}`);
}

/** Multiplies the lr by `gamma` every `stepSize` steps: lr = initialLr * gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, stepSize: number, gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkPositiveInt('StepLR', 'stepSize', stepSize);
    checkNumber('StepLR', 'gamma', gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }
}

/** Multiplies the lr by `gamma` at each milestone: lr = initialLr * gamma^(milestones passed). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, milestones: readonly number[], gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    if (!Array.isArray(milestones) || milestones.some((m) => typeof m !== 'number' || !Number.isInteger(m))) {
      throw new TypeError('MultiStepLR: milestones must be an array of integers');
    }
    checkNumber('MultiStepLR', 'gamma', gamma);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma ** hits);
  }
}

/** Multiplies the lr by `gamma` every step: lr = initialLr * gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, gamma: number, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkNumber('ExponentialLR', 'gamma', gamma);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }
}

/**
 * Cosine annealing (SGDR without restarts):
 * lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2, computed recursively like PyTorch
 * (past tMax the cosine continues, rising again).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, tMax: number, etaMin = 0, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkPositiveInt('CosineAnnealingLR', 'tMax', tMax);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
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

/**
 * Scales the lr linearly from startFactor to endFactor over totalIters steps:
 * lr = initialLr * (startFactor + (endFactor - startFactor) * min(epoch, totalIters) / totalIters).
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {},
    lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const startFactor = options.startFactor ?? 1 / 3;
    const endFactor = options.endFactor ?? 1;
    const totalIters = options.totalIters ?? 5;
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
  protected getLr(): number[] {
    const groups = this.groups();
    const { startFactor: s, endFactor: f, totalIters: n } = this;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (this.lastEpoch - 1) * (f - s))));
  }
}

export interface OneCycleLROptions {
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
}

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
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  phases: Phase[];

  constructor(optimizer: AnyOptimizer, maxLr: number | readonly number[], options: OneCycleLROptions = {},
    lastEpoch = -1) {
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
    super(optimizer, lastEpoch);
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
