/** torch.optim.NAdam and torch.optim.RAdam (PyTorch 2.x's algorithms, with decoupled weight decay and maximize). */
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';
import { betasOf, checkBetas, effectiveGrad, withTemps } from './common.js';

export interface NAdamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** PyTorch 2's CUDA-graph switch; accepted, changes nothing here. */
  capturable: boolean;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
}

export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number] | readonly number[];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term in the gradient, or decoupled (p *= 1 - lr * weightDecay). */
  weightDecay?: number;
  /** Momentum decay psi of the momentum schedule mu_t (default 4e-3). */
  momentumDecay?: number;
  /** Decoupled weight decay as in AdamW, i.e. NAdamW (default false). */
  decoupledWeightDecay?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch 2: keep the state CUDA-graph capturable (default false). Accepted and ignored: same update here. */
  capturable?: boolean;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
}

type N = number | undefined;
type B = boolean | undefined;
type Betas = [number, number] | readonly number[] | undefined;
/** `NAdam(params, lr, betas, eps, weightDecay, momentumDecay, decoupledWeightDecay, options)`: any prefix, options last. */
export type NAdamArgs =
  | [options?: NAdamOptions]
  | [lr: N, options?: NAdamOptions]
  | [lr: N, betas: Betas, options?: NAdamOptions]
  | [lr: N, betas: Betas, eps: N, options?: NAdamOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, options?: NAdamOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, momentumDecay: N, options?: NAdamOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, momentumDecay: N, decoupledWeightDecay: B, options?: NAdamOptions];

/**
 * PyTorch's NAdam (2.x; Dozat's Nesterov-accelerated Adam), per element, at step t counted from 1 (g negated
 * when maximize):
 *   decoupled: p = p * (1 - lr * weightDecay), else g = g + weightDecay * p
 *   mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentumDecay));  mu_{t+1} likewise;  P_t = P_{t-1} * mu_t (`mu_product`)
 *   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;  d = sqrt(v / (1 - beta2^t)) + eps
 *   p = p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d
 * State per parameter: `step`, `mu_product` (a number; a 0-d tensor in PyTorch's layout), `exp_avg`, `exp_avg_sq`.
 * PyTorch 1.13 computed the last factor with P_t * mu_t * mu_{t+1} (fixed in 2.0); this follows 2.x.
 *
 * Arguments as PyTorch 2's `NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
 * differentiable=False)` (PyTorch 1.13 had foreach in decoupled_weight_decay's place: here it is an option).
 *
 * @example
 * const opt = new optim.NAdam(model.parameters(), 2e-3, undefined, undefined, 0.01, undefined, true);  // NAdamW
 */
export class NAdam extends Optimizer<NAdamGroup> {
  constructor(params: ParamsInput<NAdamGroup>, ...args: NAdamArgs) {
    const o = positionalOptions<NAdamOptions>('NAdam', args,
      ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay', 'decoupledWeightDecay'],
      ['foreach', 'maximize', 'capturable', 'differentiable']);
    super(params, {
      lr: o.lr ?? 2e-3,
      betas: betasOf(o.betas, [0.9, 0.999]),
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentumDecay: o.momentumDecay ?? 4e-3,
      decoupledWeightDecay: o.decoupledWeightDecay ?? false,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'mu_product', 'exp_avg', 'exp_avg_sq'];
  }

  protected override requiredStateKeys(): readonly string[] {
    return ['step', 'mu_product', 'exp_avg', 'exp_avg_sq'];
  }

  protected override scalarStateKeys(): readonly string[] {
    return ['mu_product'];
  }

  protected override stepIsTensor(): boolean {
    return true;
  }

  protected validateGroup(g: NAdamGroup): void {
    checkLr('NAdam', g.lr);
    checkNonNegative('NAdam', 'epsilon', g.eps);
    checkBetas('NAdam', g.betas);
    checkNonNegative('NAdam', 'weightDecay', g.weightDecay);
    checkNonNegative('NAdam', 'momentumDecay', g.momentumDecay);
    checkBool('NAdam', 'decoupledWeightDecay', g.decoupledWeightDecay);
    checkBool('NAdam', 'maximize', g.maximize);
    checkImplementationFlags('NAdam', g);
  }

  protected updateGroups(): void {
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const m = this.buffer(st, 'exp_avg', p);
      const v = this.buffer(st, 'exp_avg_sq', p);
      const step = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      st['step'] = step;
      const [beta1, beta2] = group.betas;
      const { lr, eps, momentumDecay: psi } = group;
      const bc2 = 1 - beta2 ** step;
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * psi));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi));
      // PyTorch keeps mu_product as a float32 0-d tensor.
      const muProduct = Math.fround((typeof st['mu_product'] === 'number' ? st['mu_product'] : 1) * mu);
      st['mu_product'] = muProduct;
      const muProductNext = muProduct * muNext;
      withTemps((tmp) => {
        const decoupled = group.decoupledWeightDecay && group.weightDecay !== 0;
        if (decoupled) p.mul_(1 - lr * group.weightDecay);
        const grad = effectiveGrad(g, p, group.maximize, decoupled ? 0 : group.weightDecay, tmp);
        m.lerp_(grad, 1 - beta1);
        v.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
        const denom = tmp(tmp(v.div(bc2)).sqrt()).add_(eps);
        p.addcdiv_(grad, denom, { value: (-lr * (1 - mu)) / (1 - muProduct) });
        p.addcdiv_(m, denom, { value: (-lr * muNext) / (1 - muProductNext) });
      });
    }
  }
}

export interface RAdamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** PyTorch 2's CUDA-graph switch; accepted, changes nothing here. */
  capturable: boolean;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
}

export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number] | readonly number[];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term in the gradient, or decoupled (p *= 1 - lr * weightDecay). */
  weightDecay?: number;
  /** Decoupled weight decay as in AdamW (default false). */
  decoupledWeightDecay?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch 2: keep the state CUDA-graph capturable (default false). Accepted and ignored: same update here. */
  capturable?: boolean;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
}

/** `RAdam(params, lr, betas, eps, weightDecay, decoupledWeightDecay, options)`: any prefix, options object last. */
export type RAdamArgs =
  | [options?: RAdamOptions]
  | [lr: N, options?: RAdamOptions]
  | [lr: N, betas: Betas, options?: RAdamOptions]
  | [lr: N, betas: Betas, eps: N, options?: RAdamOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, options?: RAdamOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, decoupledWeightDecay: B, options?: RAdamOptions];

/**
 * PyTorch's RAdam (2.x; rectified Adam), per element, at step t counted from 1 (g negated when maximize):
 *   decoupled: p = p * (1 - lr * weightDecay), else g = g + weightDecay * p
 *   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;  mhat = m / (1 - beta1^t)
 *   rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
 *   rho_t > 5: r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
 *              p = p - lr * mhat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps);  else p = p - lr * mhat
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`.
 *
 * Arguments as PyTorch 2's `RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False)`
 * (PyTorch 1.13 had foreach in decoupled_weight_decay's place: here it is an option).
 *
 * @example
 * const opt = new optim.RAdam(model.parameters(), 1e-3, { weightDecay: 0.01, decoupledWeightDecay: true });
 */
export class RAdam extends Optimizer<RAdamGroup> {
  constructor(params: ParamsInput<RAdamGroup>, ...args: RAdamArgs) {
    const o = positionalOptions<RAdamOptions>('RAdam', args, ['lr', 'betas', 'eps', 'weightDecay', 'decoupledWeightDecay'],
      ['foreach', 'maximize', 'capturable', 'differentiable']);
    super(params, {
      lr: o.lr ?? 1e-3,
      betas: betasOf(o.betas, [0.9, 0.999]),
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      decoupledWeightDecay: o.decoupledWeightDecay ?? false,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected override requiredStateKeys(): readonly string[] {
    return ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected override stepIsTensor(): boolean {
    return true;
  }

  protected validateGroup(g: RAdamGroup): void {
    checkLr('RAdam', g.lr);
    checkNonNegative('RAdam', 'epsilon', g.eps);
    checkBetas('RAdam', g.betas);
    checkNonNegative('RAdam', 'weightDecay', g.weightDecay);
    checkBool('RAdam', 'decoupledWeightDecay', g.decoupledWeightDecay);
    checkBool('RAdam', 'maximize', g.maximize);
    checkImplementationFlags('RAdam', g);
  }

  protected updateGroups(): void {
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const m = this.buffer(st, 'exp_avg', p);
      const v = this.buffer(st, 'exp_avg_sq', p);
      const step = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      st['step'] = step;
      const [beta1, beta2] = group.betas;
      const { lr, eps } = group;
      withTemps((tmp) => {
        const decoupled = group.decoupledWeightDecay && group.weightDecay !== 0;
        if (decoupled) p.mul_(1 - lr * group.weightDecay);
        const grad = effectiveGrad(g, p, group.maximize, decoupled ? 0 : group.weightDecay, tmp);
        m.lerp_(grad, 1 - beta1);
        v.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
        const bc1 = 1 - beta1 ** step;
        const bc2 = 1 - beta2 ** step;
        const mhat = tmp(m.div(bc1));
        const rhoInf = 2 / (1 - beta2) - 1;
        const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
        if (rhoT > 5) {
          const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
          const adaptive = tmp(tmp(tmp(v.sqrt()).add_(eps)).reciprocal()).mul_(Math.sqrt(bc2));
          p.sub_(tmp(tmp(mhat.mul(lr)).mul_(adaptive)).mul_(rect));
        } else {
          p.sub_(tmp(mhat.mul(lr)));
        }
      });
    }
  }
}
