/** torch.optim.Adagrad. */
import { fullLike } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/mode.js';
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';
import { effectiveGrad, withTemps } from './common.js';

export interface AdagradGroup extends ParamGroup {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
  /** PyTorch 2's fused-kernel switch; accepted, changes nothing here. */
  fused: boolean | null;
}

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: the lr at step t is lr / (1 + (t - 1) * lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
  /** PyTorch 2: fused implementation (default null). Accepted and ignored: wasmgrad has one implementation. */
  fused?: boolean | null;
}

type N = number | undefined;
/** `Adagrad(params, lr, lrDecay, weightDecay, initialAccumulatorValue, eps, foreach, options)`: any prefix, options last. */
export type AdagradArgs =
  | [options?: AdagradOptions]
  | [lr: N, options?: AdagradOptions]
  | [lr: N, lrDecay: N, options?: AdagradOptions]
  | [lr: N, lrDecay: N, weightDecay: N, options?: AdagradOptions]
  | [lr: N, lrDecay: N, weightDecay: N, initialAccumulatorValue: N, options?: AdagradOptions]
  | [lr: N, lrDecay: N, weightDecay: N, initialAccumulatorValue: N, eps: N, options?: AdagradOptions]
  | [lr: N, lrDecay: N, weightDecay: N, initialAccumulatorValue: N, eps: N, foreach: boolean | null | undefined, options?: AdagradOptions];

const POSITIONAL = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'foreach'];
const KEYWORD = ['maximize', 'differentiable', 'fused'];

/**
 * PyTorch's update (torch.optim.Adagrad), per element, at step t counted from 1 (g negated when maximize):
 *   g = g + weightDecay * p;  clr = lr / (1 + (t - 1) * lrDecay)
 *   sum = sum + g^2;  p = p - clr * g / (sqrt(sum) + eps)
 * State per parameter (made when the optimizer is, as PyTorch does): `step` and `sum` (starting at
 * initialAccumulatorValue).
 *
 * Arguments as PyTorch's `Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
 * eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None)`: positionally, as an
 * options object, or both (the object last).
 *
 * @example
 * const opt = new optim.Adagrad(model.parameters(), 0.01, 0, 1e-4);  // or { lr: 0.01, weightDecay: 1e-4 }
 */
export class Adagrad extends Optimizer<AdagradGroup> {
  constructor(params: ParamsInput<AdagradGroup>, ...args: AdagradArgs) {
    const o = positionalOptions<AdagradOptions>('Adagrad', args, POSITIONAL, KEYWORD);
    super(params, {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      eps: o.eps ?? 1e-10,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      differentiable: o.differentiable ?? false,
      fused: o.fused ?? null,
    });
    for (const g of this.paramGroups) for (const p of g.params) this.initState(p, g);
  }

  private initState(p: Tensor, group: AdagradGroup): void {
    const st = this.stateOf(p);
    if (st['sum'] instanceof Tensor) return;
    st['step'] = 0;
    st['sum'] = noGrad(() => fullLike(p, group.initialAccumulatorValue));
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'sum'];
  }

  protected override requiredStateKeys(): readonly string[] {
    return ['step', 'sum'];
  }

  protected override stepIsTensor(): boolean {
    return true;
  }

  protected validateGroup(g: AdagradGroup): void {
    checkLr('Adagrad', g.lr);
    checkNonNegative('Adagrad', 'lrDecay', g.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', g.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', g.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'epsilon', g.eps);
    checkBool('Adagrad', 'maximize', g.maximize);
    checkImplementationFlags('Adagrad', g);
  }

  protected updateGroups(): void {
    for (const { group, p, g } of this.paramsWithGrad()) {
      this.initState(p, group);
      const st = this.stateOf(p);
      const sum = st['sum'] as Tensor;
      const step = (st['step'] as number) + 1;
      st['step'] = step;
      withTemps((tmp) => {
        const grad = effectiveGrad(g, p, group.maximize, group.weightDecay, tmp);
        const clr = group.lr / (1 + (step - 1) * group.lrDecay);
        sum.addcmul_(grad, grad, { value: 1 });
        const std = tmp(sum.sqrt()).add_(group.eps);
        p.addcdiv_(grad, std, { value: -clr });
      });
    }
  }
}
