/** torch.optim.Adadelta. */
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';
import { effectiveGrad, withTemps } from './common.js';

export interface AdadeltaGroup extends ParamGroup {
  lr: number;
  rho: number;
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

export interface AdadeltaOptions {
  /** Factor applied to the delta before it is added to the parameters (default 1). */
  lr?: number;
  /** Coefficient of the running averages of the squared gradient and squared delta (default 0.9). */
  rho?: number;
  /** Added inside the square roots (default 1e-6). */
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
/** `Adadelta(params, lr, rho, eps, weightDecay, foreach, options)`: any prefix, options object last. */
export type AdadeltaArgs =
  | [options?: AdadeltaOptions]
  | [lr: N, options?: AdadeltaOptions]
  | [lr: N, rho: N, options?: AdadeltaOptions]
  | [lr: N, rho: N, eps: N, options?: AdadeltaOptions]
  | [lr: N, rho: N, eps: N, weightDecay: N, options?: AdadeltaOptions]
  | [lr: N, rho: N, eps: N, weightDecay: N, foreach: boolean | null | undefined, options?: AdadeltaOptions];

const POSITIONAL = ['lr', 'rho', 'eps', 'weightDecay', 'foreach'];
const KEYWORD = ['capturable', 'maximize', 'differentiable'];

/**
 * PyTorch's update (torch.optim.Adadelta), per element (g negated when maximize):
 *   g = g + weightDecay * p;  v = rho * v + (1 - rho) * g^2
 *   delta = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * delta^2;  p = p - lr * delta
 * State per parameter: `step` (a number, as PyTorch 1.13 keeps it), `square_avg` (v), `acc_delta` (u).
 *
 * Arguments as PyTorch's `Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
 * capturable=False, maximize=False, differentiable=False)`: positionally, as an options object, or both.
 *
 * @example
 * const opt = new optim.Adadelta(model.parameters());  // lr 1, rho 0.9
 */
export class Adadelta extends Optimizer<AdadeltaGroup> {
  constructor(params: ParamsInput<AdadeltaGroup>, ...args: AdadeltaArgs) {
    const o = positionalOptions<AdadeltaOptions>('Adadelta', args, POSITIONAL, KEYWORD);
    super(params, {
      lr: o.lr ?? 1,
      rho: o.rho ?? 0.9,
      eps: o.eps ?? 1e-6,
      weightDecay: o.weightDecay ?? 0,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'square_avg', 'acc_delta'];
  }

  protected override requiredStateKeys(): readonly string[] {
    return ['step', 'square_avg', 'acc_delta'];
  }

  protected validateGroup(g: AdadeltaGroup): void {
    checkLr('Adadelta', g.lr);
    if (typeof g.rho !== 'number' || !(g.rho >= 0 && g.rho <= 1)) throw new RangeError(`Adadelta: Invalid rho value: ${String(g.rho)}`);
    checkNonNegative('Adadelta', 'epsilon', g.eps);
    checkNonNegative('Adadelta', 'weightDecay', g.weightDecay);
    checkBool('Adadelta', 'maximize', g.maximize);
    checkImplementationFlags('Adadelta', g);
  }

  protected updateGroups(): void {
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const v = this.buffer(st, 'square_avg', p);
      const u = this.buffer(st, 'acc_delta', p);
      st['step'] = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      const { rho, eps } = group;
      withTemps((tmp) => {
        const grad = effectiveGrad(g, p, group.maximize, group.weightDecay, tmp);
        v.mul_(rho).addcmul_(grad, grad, { value: 1 - rho });
        const std = tmp(tmp(v.add(eps)).sqrt());
        const delta = tmp(tmp(u.add(eps)).sqrt()).div_(std).mul_(grad);
        u.mul_(rho).addcmul_(delta, delta, { value: 1 - rho });
        p.add_(delta, -group.lr);
      });
    }
  }
}
