/** torch.optim.LBFGS: limited-memory BFGS with an optional strong-Wolfe line search. */
import { Tensor } from '../tensor/tensor.js';
import { scalarTensor, tensor } from '../tensor/creation.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { checkOptions, isPlainObject, positionalOptions } from '../options.js';
import {
  checkLr, Optimizer, type AnyOptimizerStateDict, type OptimizerStateDict, type ParamGroup, type ParamsInput,
  type PytorchOptimizerStateDict, type StateDictOptions,
} from './optimizer.js';

export interface LBFGSGroup extends ParamGroup {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: 'strong_wolfe' | null;
}

export interface LBFGSOptions {
  /** Learning rate: the step length without a line search, the first trial step with one (default 1). */
  lr?: number;
  /** Maximal number of iterations per `step()` (default 20). */
  maxIter?: number;
  /** Maximal number of closure evaluations per `step()` (default maxIter * 5 / 4, rounded down). */
  maxEval?: number | null;
  /** Stop when every gradient element is at most this in magnitude (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the step or the change of the loss is below this (default 1e-9). */
  toleranceChange?: number;
  /** Number of (s, y) pairs kept (default 100). */
  historySize?: number;
  /** null (fixed step lr) or 'strong_wolfe' (default null). */
  lineSearchFn?: 'strong_wolfe' | null;
}

type N = number | undefined;
/** `LBFGS(params, lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn, options)`. */
export type LBFGSArgs =
  | [options?: LBFGSOptions]
  | [lr: N, options?: LBFGSOptions]
  | [lr: N, maxIter: N, options?: LBFGSOptions]
  | [lr: N, maxIter: N, maxEval: number | null | undefined, options?: LBFGSOptions]
  | [lr: N, maxIter: N, maxEval: number | null | undefined, toleranceGrad: N, options?: LBFGSOptions]
  | [lr: N, maxIter: N, maxEval: number | null | undefined, toleranceGrad: N, toleranceChange: N, options?: LBFGSOptions]
  | [lr: N, maxIter: N, maxEval: number | null | undefined, toleranceGrad: N, toleranceChange: N, historySize: N,
    options?: LBFGSOptions]
  | [lr: N, maxIter: N, maxEval: number | null | undefined, toleranceGrad: N, toleranceChange: N, historySize: N,
    lineSearchFn: 'strong_wolfe' | null | undefined, options?: LBFGSOptions];

const POSITIONAL = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'];

type Vec = Float64Array;

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function absMax(a: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}
function absSum(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s;
}
/** a += alpha * b */
function axpy(a: Vec, alpha: number, b: Vec): void {
  for (let i = 0; i < a.length; i++) a[i]! += alpha * b[i]!;
}
function scaled(a: Vec, alpha: number): Vec {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = alpha * a[i]!;
  return out;
}

/** PyTorch's _cubic_interpolate: the minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to bounds. */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type ObjFunc = (t: number) => [number, Vec];

/** PyTorch's _strong_wolfe line search (c1 = 1e-4, c2 = 0.9, at most 25 evaluations): [loss, grad, t, evals]. */
function strongWolfe(obj: ObjFunc, t0: number, d: Vec, f: number, g: Vec, gtd: number, toleranceChange: number): [number, Vec, number, number] {
  const c1 = 1e-4, c2 = 0.9, maxLs = 25;
  let t = t0;
  const dNorm = absMax(d);
  let [fNew, gNew] = obj(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Vec[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [t]; bracketF = [fNew]; bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const prev = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = prev; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew;
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew];
  }
  let insufProgress = false;
  let [low, high] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    const bMax = Math.max(...bracket), bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]!) {
      bracket[high] = t; bracketF[high] = fNew; bracketG[high] = gNew; bracketGtd[high] = gtdNew;
      [low, high] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high]! - bracket[low]!) >= 0) {
        bracket[high] = bracket[low]!; bracketF[high] = bracketF[low]!; bracketG[high] = bracketG[low]!; bracketGtd[high] = bracketGtd[low]!;
      }
      bracket[low] = t; bracketF[low] = fNew; bracketG[low] = gNew; bracketGtd[low] = gtdNew;
    }
  }
  return [bracketF[low]!, bracketG[low]!, bracket[low]!, evals];
}

/** The history LBFGS carries between `step()` calls (PyTorch's state of the first parameter). */
interface History {
  d: Vec;
  t: number;
  oldDirs: Vec[];
  oldStps: Vec[];
  ro: number[];
  hDiag: number;
  prevFlatGrad: Vec;
  prevLoss: number;
}

/**
 * torch.optim.LBFGS: each `step(closure)` runs up to maxIter L-BFGS iterations over all parameters
 * flattened into one vector, calling the closure (which must zero the gradients, compute the loss, call
 * backward and return the loss) once per iteration, or as often as the strong-Wolfe line search needs.
 * The first direction is -g with step min(1, 1 / sum|g|) * lr; later ones come from the two-loop recursion
 * over the last historySize pairs (s, y) with ys > 1e-10, scaled by H = ys / yy. Stops on maxIter,
 * maxEval, max|g| <= toleranceGrad, max|t d| <= toleranceChange or |loss change| < toleranceChange.
 * The bookkeeping (directions, history, dot products) is in float64; the parameters stay float32.
 *
 * Arguments as PyTorch's `LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
 * tolerance_change=1e-9, history_size=100, line_search_fn=None)`. One param group only (PyTorch's rule).
 * State (of the first parameter, PyTorch's names): `func_evals`, `n_iter` and, after the first step, `d`,
 * `t`, `old_dirs`, `old_stps`, `ro`, `H_diag`, `prev_flat_grad`, `prev_loss`; `stateDict()` gives them
 * (lists as arrays; `{ format: 'pytorch' }` with 0-d tensors for ro and H_diag as PyTorch keeps them).
 *
 * @example
 * const opt = new optim.LBFGS([x], 1, 20, null, 1e-7, 1e-9, 100, 'strong_wolfe');
 * opt.step(() => { opt.zeroGrad(); const loss = f(x); loss.backward(); return loss; });
 */
export class LBFGS extends Optimizer<LBFGSGroup> {
  private history: History | null = null;

  constructor(params: ParamsInput<LBFGSGroup>, ...args: LBFGSArgs) {
    const o = positionalOptions<LBFGSOptions>('LBFGS', args, POSITIONAL);
    const maxIter = o.maxIter ?? 20;
    super(params, {
      lr: o.lr ?? 1,
      maxIter,
      maxEval: o.maxEval ?? (typeof maxIter === 'number' ? Math.floor((maxIter * 5) / 4) : maxIter),
      toleranceGrad: o.toleranceGrad ?? 1e-7,
      toleranceChange: o.toleranceChange ?? 1e-9,
      historySize: o.historySize ?? 100,
      lineSearchFn: o.lineSearchFn ?? null,
    });
    if (this.paramGroups.length !== 1) throw new Error("LBFGS: LBFGS doesn't support per-parameter options (parameter groups)");
  }

  override addParamGroup(group: Parameters<Optimizer<LBFGSGroup>['addParamGroup']>[0]): void {
    if (this.paramGroups.length >= 1) throw new Error("LBFGS: LBFGS doesn't support per-parameter options (parameter groups)");
    super.addParamGroup(group);
  }

  protected stateKeys(): readonly string[] {
    return ['func_evals', 'n_iter'];
  }

  protected override scalarStateKeys(): readonly string[] {
    return ['func_evals', 'n_iter'];
  }

  /** PyTorch keeps func_evals and n_iter as Python ints. */
  protected override scalarStateIsTensor(): boolean {
    return false;
  }

  protected validateGroup(g: LBFGSGroup): void {
    checkLr('LBFGS', g.lr);
    const posInt = (k: string, v: unknown): void => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`LBFGS: ${k} must be a positive integer, got ${String(v)}`);
    };
    posInt('maxIter', g.maxIter);
    posInt('maxEval', g.maxEval);
    posInt('historySize', g.historySize);
    for (const k of ['toleranceGrad', 'toleranceChange'] as const) {
      if (typeof g[k] !== 'number' || Number.isNaN(g[k])) throw new TypeError(`LBFGS: ${k} must be a number, got ${String(g[k])}`);
    }
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strong_wolfe') {
      throw new RangeError(`LBFGS: only 'strong_wolfe' is supported as lineSearchFn (or null), got ${String(g.lineSearchFn)}`);
    }
  }

  protected updateGroups(): void {
    throw new Error('LBFGS.step: a closure is required (it reevaluates the model and returns the loss)');
  }

  private params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  private numel(): number {
    return this.params().reduce((n, p) => n + p.numel(), 0);
  }

  private gatherFlatGrad(): Vec {
    const out = new Float64Array(this.numel());
    let off = 0;
    this.params().forEach((p, i) => {
      const g = p._peekGrad();
      if (g !== null) {
        if (g.isDisposed) throw new Error(`LBFGS.step: the gradient of parameter ${i} was disposed`);
        if (g.numel() !== p.numel()) throw new RangeError(`LBFGS.step: the gradient of parameter ${i} does not match its shape`);
        out.set(g.toArray() as Float32Array, off);
      }
      off += p.numel();
    });
    return out;
  }

  private readParams(): Float32Array[] {
    return this.params().map((p) => p.toArray() as Float32Array);
  }

  private writeParams(values: Float32Array[]): void {
    noGrad(() => this.params().forEach((p, i) => {
      const t = tensor(values[i]!).reshape(p.shape);
      p.copy_(t);
      t.dispose();
    }));
  }

  /** p = p + stepSize * update (rounded to float32 once). */
  private addGrad(stepSize: number, update: Vec, base?: Float32Array[]): void {
    const cur = base ?? this.readParams();
    let off = 0;
    const next = cur.map((v) => {
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = v[i]! + stepSize * update[off + i]!;
      off += v.length;
      return out;
    });
    this.writeParams(next);
  }

  /**
   * Runs the L-BFGS iterations (see the class comment). The closure is required; it is called with
   * gradients enabled. Returns the closure's first result.
   */
  override step(closure?: () => Tensor | number): Tensor | number | undefined {
    if (typeof closure !== 'function') {
      throw new TypeError('LBFGS.step: a closure is required (it reevaluates the model, calls backward and returns the loss)');
    }
    const group = this.paramGroups[0]!;
    this.validateGroup(group);
    this.params().forEach((p, i) => {
      if (p.isDisposed) throw new Error(`LBFGS.step: parameter ${i} was disposed`);
    });
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = group;
    const evalClosure = (): [Tensor | number, number] => {
      const r = enableGrad(closure);
      const v = r instanceof Tensor ? r.item() : r;
      if (typeof v !== 'number') throw new TypeError('LBFGS.step: the closure must return the loss (a Tensor or a number)');
      return [r, v];
    };
    const first = this.params()[0]!;
    const st = this.stateOf(first);
    st['func_evals'] = (st['func_evals'] as number | undefined) ?? 0;
    st['n_iter'] = (st['n_iter'] as number | undefined) ?? 0;
    const [origLoss, loss0] = evalClosure();
    let loss = loss0;
    let currentEvals = 1;
    st['func_evals'] = (st['func_evals'] as number) + 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= toleranceGrad;
    if (optCond) return origLoss;
    const h = this.history;
    let d = h?.d ?? new Float64Array(0);
    let t = h?.t ?? 0;
    let oldDirs = h?.oldDirs ?? [];
    let oldStps = h?.oldStps ?? [];
    let ro = h?.ro ?? [];
    let hDiag = h?.hDiag ?? 1;
    let prevFlatGrad: Vec | null = h?.prevFlatGrad ?? null;
    let prevLoss = h?.prevLoss ?? 0;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      st['n_iter'] = (st['n_iter'] as number) + 1;
      if (st['n_iter'] === 1) {
        d = scaled(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = new Float64Array(flatGrad.length);
        for (let i = 0; i < y.length; i++) y[i] = flatGrad[i]! - prevFlatGrad![i]!;
        const s = scaled(d, t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        const numOld = oldDirs.length;
        const al = new Array<number>(numOld).fill(0);
        const q = scaled(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i]!, q) * ro[i]!;
          axpy(q, -al[i]!, oldDirs[i]!);
        }
        const r = scaled(q, hDiag);
        for (let i = 0; i < numOld; i++) {
          const be = dot(oldDirs[i]!, r) * ro[i]!;
          axpy(r, al[i]! - be, oldStps[i]!);
        }
        d = r;
      }
      prevFlatGrad = Float64Array.from(flatGrad);
      prevLoss = loss;
      t = st['n_iter'] === 1 ? Math.min(1, 1 / absSum(flatGrad)) * lr : lr;
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) break;
      let lsEvals = 0;
      if (lineSearchFn !== null) {
        const x0 = this.readParams();
        const dir = d;
        const obj: ObjFunc = (tt) => {
          this.addGrad(tt, dir, x0);
          const [, l] = evalClosure();
          const g = this.gatherFlatGrad();
          this.writeParams(x0);
          return [l, g];
        };
        [loss, flatGrad, t, lsEvals] = strongWolfe(obj, t, d, loss, flatGrad, gtd, toleranceChange);
        this.addGrad(t, d, x0);
        optCond = absMax(flatGrad) <= toleranceGrad;
      } else {
        this.addGrad(t, d);
        if (nIter !== maxIter) {
          [, loss] = evalClosure();
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= toleranceGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      st['func_evals'] = (st['func_evals'] as number) + lsEvals;
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (absMax(d) * Math.abs(t) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    this.history = { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad: prevFlatGrad!, prevLoss };
    return origLoss;
  }

  /**
   * The state dict: `func_evals`, `n_iter` and the history (PyTorch's keys; vectors as float32 tensors,
   * lists as arrays; `ro` and `H_diag` numbers, or 0-d tensors with `{ format: 'pytorch' }`).
   */
  override stateDict(options?: { format?: 'wasmgrad' }): OptimizerStateDict;
  override stateDict(options: { format: 'pytorch' }): PytorchOptimizerStateDict;
  override stateDict(options?: StateDictOptions): AnyOptimizerStateDict;
  override stateDict(options?: StateDictOptions): AnyOptimizerStateDict {
    const o = checkOptions('LBFGS.stateDict', options, ['format']);
    const pytorch = o.format === 'pytorch';
    const sd = super.stateDict(options) as unknown as { state: Record<number, Record<string, unknown>> };
    const h = this.history;
    if (h !== null && sd.state[0] !== undefined) {
      const vec = (v: Vec): Tensor => tensor(Float32Array.from(v));
      const num = (x: number): unknown => (pytorch ? scalarTensor(x) : x);
      Object.assign(sd.state[0], {
        d: vec(h.d), t: h.t, old_dirs: h.oldDirs.map(vec), old_stps: h.oldStps.map(vec), ro: h.ro.map(num),
        H_diag: num(h.hDiag), prev_flat_grad: vec(h.prevFlatGrad), prev_loss: h.prevLoss,
      });
    }
    return sd as unknown as AnyOptimizerStateDict;
  }

  /** Loads a state dict from `stateDict()` or PyTorch's LBFGS (either layout); the history is checked in full. */
  override loadStateDict(stateDict: AnyOptimizerStateDict): void {
    const op = 'LBFGS.loadStateDict';
    if (!isPlainObject(stateDict) || !isPlainObject((stateDict as { state?: unknown }).state)) {
      super.loadStateDict(stateDict);
      return;
    }
    const n = this.numel();
    const rawState = stateDict.state as Record<string, Record<string, unknown>>;
    const base: Record<string, Record<string, unknown>> = {};
    let history: History | null = null;
    for (const [key, entry] of Object.entries(rawState)) {
      if (!isPlainObject(entry)) {
        base[key] = entry;
        continue;
      }
      const { func_evals: fe, n_iter: ni, d, t, old_dirs: od, old_stps: os, ro, H_diag: hd, prev_flat_grad: pg, prev_loss: pl,
        al, ...rest } = entry;
      void al; // PyTorch's scratch space of the two-loop recursion: nothing to restore
      base[key] = { ...rest, ...(fe !== undefined ? { func_evals: fe } : {}), ...(ni !== undefined ? { n_iter: ni } : {}) };
      if (d === undefined && od === undefined && pg === undefined) continue;
      const num = (what: string, v: unknown): number => {
        const x = v instanceof Tensor ? (v.numel() === 1 ? v.item() : NaN) : v;
        if (typeof x !== 'number' || Number.isNaN(x)) throw new TypeError(`${op}: state '${what}' must be a number or a one-element tensor`);
        return x;
      };
      const vec = (what: string, v: unknown): Vec => {
        if (!(v instanceof Tensor) || v.isDisposed || v.numel() !== n) {
          throw new TypeError(`${op}: state '${what}' must be a tensor of ${n} elements (all parameters flattened)`);
        }
        return Float64Array.from(v.toArray() as Float32Array);
      };
      const list = <T>(what: string, v: unknown, f: (w: string, x: unknown) => T): T[] => {
        if (!Array.isArray(v)) throw new TypeError(`${op}: state '${what}' must be an array`);
        return v.map((x, i) => f(`${what}[${i}]`, x));
      };
      history = {
        d: vec('d', d), t: num('t', t), oldDirs: list('old_dirs', od, vec), oldStps: list('old_stps', os, vec),
        ro: list('ro', ro, num), hDiag: num('H_diag', hd), prevFlatGrad: vec('prev_flat_grad', pg), prevLoss: num('prev_loss', pl),
      };
      if (history.oldDirs.length !== history.oldStps.length || history.ro.length !== history.oldDirs.length) {
        throw new RangeError(`${op}: old_dirs, old_stps and ro must have the same length`);
      }
    }
    super.loadStateDict({ ...(stateDict as object), state: base } as unknown as AnyOptimizerStateDict);
    this.history = history;
  }
}
