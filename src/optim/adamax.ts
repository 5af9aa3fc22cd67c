/** torch.optim.Adamax. */
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';
import { betasOf, checkBetas, effectiveGrad, withTemps } from './common.js';

export interface AdamaxGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** PyTorch 2's CUDA-graph switch; accepted, changes nothing here. */
  capturable: boolean;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
}

export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running average of the gradient and of the infinity norm (default [0.9, 0.999]). */
  betas?: [number, number] | readonly number[];
  /** Added to |g| in the infinity norm (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
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
type Betas = [number, number] | readonly number[] | undefined;
/** `Adamax(params, lr, betas, eps, weightDecay, foreach, options)`: any prefix, options object last. */
export type AdamaxArgs =
  | [options?: AdamaxOptions]
  | [lr: N, options?: AdamaxOptions]
  | [lr: N, betas: Betas, options?: AdamaxOptions]
  | [lr: N, betas: Betas, eps: N, options?: AdamaxOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, options?: AdamaxOptions]
  | [lr: N, betas: Betas, eps: N, weightDecay: N, foreach: boolean | null | undefined, options?: AdamaxOptions];

const POSITIONAL = ['lr', 'betas', 'eps', 'weightDecay', 'foreach'];
const KEYWORD = ['maximize', 'differentiable', 'capturable'];

/**
 * PyTorch's update (torch.optim.Adamax, Adam with the infinity norm), per element, at step t counted from 1
 * (g negated when maximize):
 *   g = g + weightDecay * p;  m = beta1 * m + (1 - beta1) * g;  u = max(beta2 * u, |g| + eps)
 *   p = p - lr / (1 - beta1^t) * m / u
 * State per parameter: `step`, `exp_avg` (m), `exp_inf` (u).
 *
 * Arguments as PyTorch's `Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * foreach=None, *, maximize=False, differentiable=False, capturable=False)`.
 *
 * @example
 * const opt = new optim.Adamax(model.parameters(), 2e-3, [0.9, 0.99]);
 */
export class Adamax extends Optimizer<AdamaxGroup> {
  constructor(params: ParamsInput<AdamaxGroup>, ...args: AdamaxArgs) {
    const o = positionalOptions<AdamaxOptions>('Adamax', args, POSITIONAL, KEYWORD);
    super(params, {
      lr: o.lr ?? 2e-3,
      betas: betasOf(o.betas, [0.9, 0.999]),
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'exp_avg', 'exp_inf'];
  }

  protected override requiredStateKeys(): readonly string[] {
    return ['step', 'exp_avg', 'exp_inf'];
  }

  protected override stepIsTensor(): boolean {
    return true;
  }

  protected validateGroup(g: AdamaxGroup): void {
    checkLr('Adamax', g.lr);
    checkNonNegative('Adamax', 'epsilon', g.eps);
    checkBetas('Adamax', g.betas);
    checkNonNegative('Adamax', 'weightDecay', g.weightDecay);
    checkBool('Adamax', 'maximize', g.maximize);
    checkImplementationFlags('Adamax', g);
  }

  protected updateGroups(): void {
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const m = this.buffer(st, 'exp_avg', p);
      const u = this.buffer(st, 'exp_inf', p);
      const step = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      st['step'] = step;
      const [beta1, beta2] = group.betas;
      withTemps((tmp) => {
        const grad = effectiveGrad(g, p, group.maximize, group.weightDecay, tmp);
        m.mul_(beta1).add_(grad, 1 - beta1);
        const norm = tmp(tmp(grad.abs()).add_(group.eps));
        u.mul_(beta2);
        u.copy_(tmp(u.maximum(norm)));
        p.addcdiv_(m, u, { value: -group.lr / (1 - beta1 ** step) });
      });
    }
  }
}
