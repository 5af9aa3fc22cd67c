/** torch.optim.Adam and torch.optim.AdamW. */
import { kernels } from '../backends/index.js';
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type Defaults, type ParamGroup, type ParamsInput,
} from './optimizer.js';

export interface AdamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW's decoupled weight decay (p *= 1 - lr * weightDecay) instead of the L2 term in the gradient. */
  decoupledWeightDecay: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** PyTorch's CUDA-graph switch; accepted, changes nothing here. */
  capturable: boolean;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
  /** PyTorch's fused-kernel switch; accepted, changes nothing here. */
  fused: boolean | null;
}

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number] | readonly number[];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay (Adam default 0: L2 term in the gradient; AdamW default 0.01: decoupled). */
  weightDecay?: number;
  /** AMSGrad: use the running maximum of the second moment (default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Decoupled weight decay as in AdamW (default false for Adam, true for AdamW; PyTorch 2.x's decoupled_weight_decay). */
  decoupledWeightDecay?: boolean;
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch: keep the state CUDA-graph capturable (default false). Accepted and ignored: same update here. */
  capturable?: boolean;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
  /** PyTorch: fused implementation (default null). Accepted and ignored: wasmgrad has one implementation. */
  fused?: boolean | null;
}

type Betas = [number, number] | readonly number[];
/** `Adam(params, lr, betas, eps, weightDecay, amsgrad, options)`: any prefix, options object last. */
export type AdamArgs =
  | [options?: AdamOptions]
  | [lr: number | undefined, options?: AdamOptions]
  | [lr: number | undefined, betas: Betas | undefined, options?: AdamOptions]
  | [lr: number | undefined, betas: Betas | undefined, eps: number | undefined, options?: AdamOptions]
  | [lr: number | undefined, betas: Betas | undefined, eps: number | undefined, weightDecay: number | undefined, options?: AdamOptions]
  | [lr: number | undefined, betas: Betas | undefined, eps: number | undefined, weightDecay: number | undefined,
    amsgrad: boolean | undefined, options?: AdamOptions];

const POSITIONAL = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'];
const KEYWORD = ['foreach', 'maximize', 'capturable', 'differentiable', 'fused', 'decoupledWeightDecay'];

/**
 * PyTorch's update (torch.optim.Adam), per element, at step t counted from 1 (g negated when maximize):
 *   g = g + weightDecay * p  (AdamW instead: p = p * (1 - lr * weightDecay))
 *   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;  vmax = max(vmax, v) (amsgrad)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 *
 * Arguments as PyTorch's `Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * amsgrad=False, *, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None)`:
 * positionally, as an options object, or both (the object last).
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), 3e-4, [0.9, 0.95]);
 */
export class Adam extends Optimizer<AdamGroup> {
  constructor(params: ParamsInput<AdamGroup>, ...args: AdamArgs) {
    const o = positionalOptions<AdamOptions>(new.target.name, args, POSITIONAL, KEYWORD);
    super(params, Adam.defaultsFrom(o, new.target === AdamW ? 1e-2 : 0, new.target === AdamW));
  }

  /** @internal */
  protected static defaultsFrom(o: AdamOptions, weightDecay: number, decoupled: boolean): Defaults<AdamGroup> {
    return {
      lr: o.lr ?? 1e-3,
      betas: o.betas === undefined ? [0.9, 0.999] : Array.isArray(o.betas) ? ([...o.betas] as [number, number]) : (o.betas as [number, number]),
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? weightDecay,
      amsgrad: o.amsgrad ?? false,
      maximize: o.maximize ?? false,
      decoupledWeightDecay: o.decoupledWeightDecay ?? decoupled,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
      fused: o.fused ?? null,
    };
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];
  }

  protected override requiredStateKeys(group: AdamGroup): readonly string[] {
    return group.amsgrad ? ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected override stepIsTensor(): boolean {
    return true;
  }

  /**
   * PyTorch's Adam and AdamW differ by class, not by a key: the group's decoupledWeightDecay must be the
   * class's (false for Adam, true for AdamW) to be written in PyTorch's layout, and is left out.
   */
  protected override pytorchGroup(group: Record<string, unknown>): Record<string, unknown> {
    const name = this.constructor.name;
    const decoupled = this instanceof AdamW;
    if (group['decoupledWeightDecay'] !== decoupled) {
      throw new Error(`${name}.stateDict: a group with decoupledWeightDecay ${String(group['decoupledWeightDecay'])} has no ` +
        `torch.optim.${name} equivalent (use ${decoupled ? 'Adam' : 'AdamW'})`);
    }
    const out = super.pytorchGroup(group);
    delete out['decoupled_weight_decay'];
    return out;
  }

  protected validateGroup(g: AdamGroup): void {
    const name = this.constructor.name;
    checkLr(name, g.lr);
    checkNonNegative(name, 'epsilon', g.eps);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) {
      throw new TypeError(`${name}: betas must be an array of two numbers, got ${String(g.betas)}`);
    }
    for (let i = 0; i < 2; i++) {
      const b = g.betas[i];
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
        throw new RangeError(`${name}: Invalid beta parameter at index ${i}: ${String(b)}`);
      }
    }
    checkNonNegative(name, 'weightDecay', g.weightDecay);
    checkBool(name, 'amsgrad', g.amsgrad);
    checkBool(name, 'maximize', g.maximize);
    checkBool(name, 'decoupledWeightDecay', g.decoupledWeightDecay);
    checkImplementationFlags(name, g);
  }

  protected updateGroups(): void {
    const k = kernels();
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const m = this.buffer(st, 'exp_avg', p);
      const v = this.buffer(st, 'exp_avg_sq', p);
      const vmax = group.amsgrad ? this.buffer(st, 'max_exp_avg_sq', p) : null;
      const step = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      st['step'] = step;
      const [beta1, beta2] = group.betas;
      const stepSize = group.lr / (1 - beta1 ** step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      k.adam_step_f32(p.ptr, g.ptr, m.ptr, v.ptr, vmax === null ? 0 : vmax.ptr, p.numel(), group.lr, beta1, beta2,
        group.eps, group.weightDecay, stepSize, bc2Sqrt, group.decoupledWeightDecay ? 1 : 0, group.amsgrad ? 1 : 0,
        group.maximize ? 1 : 0);
      p.storage.version++;
    }
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay (default 0.01): p = p * (1 - lr * weightDecay)
 * before the Adam update, which then uses the plain gradient. Same arguments as Adam (PyTorch's
 * `AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, ...)`).
 *
 * @example
 * // nanoGPT's groups: decay the matrices, not the biases and norms
 * const opt = new optim.AdamW([{ params: decay, weightDecay: 0.1 }, { params: noDecay, weightDecay: 0 }], 6e-4, [0.9, 0.95]);
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput<AdamGroup>, ...args: AdamArgs) {
    super(params, ...args);
  }
}
