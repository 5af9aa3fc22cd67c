/** torch.optim.Adam and torch.optim.AdamW. */
import { K } from '../backends/index.js';
import { checkBool, checkLr, checkNonNegative, Optimizer, type Defaults, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW's decoupled weight decay (p *= 1 - lr * weightDecay) instead of the L2 term in the gradient. */
  decoupledWeightDecay: boolean;
}

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay (Adam default 0: L2 term in the gradient; AdamW default 0.01: decoupled). */
  weightDecay?: number;
  /** AMSGrad: use the running maximum of the second moment (default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** Decoupled weight decay as in AdamW (default false for Adam, true for AdamW). */
  decoupledWeightDecay?: boolean;
}

/**
 * PyTorch's update (torch.optim.Adam), per element, at step t counted from 1 (g negated when maximize):
 *   g = g + weightDecay * p  (AdamW instead: p = p * (1 - lr * weightDecay))
 *   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;  vmax = max(vmax, v) (amsgrad)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 */
export class Adam extends Optimizer<AdamGroup> {
  constructor(params: ParamsInput<AdamGroup>, options: AdamOptions = {}) {
    super(params, Adam.defaultsFrom(options, 0, false));
  }

  /** @internal */
  protected static defaultsFrom(o: AdamOptions, weightDecay: number, decoupled: boolean): Defaults<AdamGroup> {
    return {
      lr: o.lr ?? 1e-3,
      betas: o.betas ? [o.betas[0], o.betas[1]] : [0.9, 0.999],
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? weightDecay,
      amsgrad: o.amsgrad ?? false,
      maximize: o.maximize ?? false,
      decoupledWeightDecay: o.decoupledWeightDecay ?? decoupled,
    };
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
  }

  protected updateGroups(): void {
    const k = K();
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
 * before the Adam update, which then uses the plain gradient.
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput<AdamGroup>, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2, decoupledWeightDecay: options.decoupledWeightDecay ?? true });
  }
}
