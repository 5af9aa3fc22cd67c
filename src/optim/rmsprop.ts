/** torch.optim.RMSprop. */
import { kernels } from '../backends/index.js';
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';

export interface RMSpropGroup extends ParamGroup {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** PyTorch 2's CUDA-graph switch; accepted, changes nothing here. */
  capturable: boolean;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
}

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the running average of squares (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by the estimated variance (subtract the squared running mean of the gradient; default false). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch 2: keep the state CUDA-graph capturable (default false). Accepted and ignored: same update here. */
  capturable?: boolean;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
}

/** `RMSprop(params, lr, alpha, eps, weightDecay, momentum, centered, options)`: any prefix, options object last. */
export type RMSpropArgs =
  | [options?: RMSpropOptions]
  | [lr: number | undefined, options?: RMSpropOptions]
  | [lr: number | undefined, alpha: number | undefined, options?: RMSpropOptions]
  | [lr: number | undefined, alpha: number | undefined, eps: number | undefined, options?: RMSpropOptions]
  | [lr: number | undefined, alpha: number | undefined, eps: number | undefined, weightDecay: number | undefined, options?: RMSpropOptions]
  | [lr: number | undefined, alpha: number | undefined, eps: number | undefined, weightDecay: number | undefined,
    momentum: number | undefined, options?: RMSpropOptions]
  | [lr: number | undefined, alpha: number | undefined, eps: number | undefined, weightDecay: number | undefined,
    momentum: number | undefined, centered: boolean | undefined, options?: RMSpropOptions];

const POSITIONAL = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'];
const KEYWORD = ['foreach', 'maximize', 'capturable', 'differentiable'];

/**
 * PyTorch's update (torch.optim.RMSprop), per element (g negated when maximize):
 *   g = g + weightDecay * p;  v = alpha * v + (1 - alpha) * g^2
 *   centered: gavg = alpha * gavg + (1 - alpha) * g, denom = sqrt(v - gavg^2) + eps; else denom = sqrt(v) + eps
 *   momentum > 0: b = momentum * b + g / denom, p = p - lr * b;  else p = p - lr * g / denom
 * State per parameter: `step`, `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 *
 * Arguments as PyTorch's `RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
 * centered=False, ...)`: positionally up to centered, as an options object, or both (the object last).
 * PyTorch's later parameters (foreach, maximize, differentiable; capturable since 2.0, inserted before
 * foreach) are positional there in an order that changed between versions, so here they are options only.
 */
export class RMSprop extends Optimizer<RMSpropGroup> {
  constructor(params: ParamsInput<RMSpropGroup>, ...args: RMSpropArgs) {
    const o = positionalOptions<RMSpropOptions>('RMSprop', args, POSITIONAL, KEYWORD);
    super(params, {
      lr: o.lr ?? 1e-2,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0,
      centered: o.centered ?? false,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      capturable: o.capturable ?? false,
      differentiable: o.differentiable ?? false,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['step', 'square_avg', 'momentum_buffer', 'grad_avg'];
  }

  protected override requiredStateKeys(group: RMSpropGroup): readonly string[] {
    const keys = ['step', 'square_avg'];
    if (group.momentum > 0) keys.push('momentum_buffer');
    if (group.centered) keys.push('grad_avg');
    return keys;
  }

  protected validateGroup(g: RMSpropGroup): void {
    checkLr('RMSprop', g.lr);
    checkNonNegative('RMSprop', 'epsilon', g.eps);
    checkNonNegative('RMSprop', 'momentum', g.momentum);
    checkNonNegative('RMSprop', 'weightDecay', g.weightDecay);
    checkNonNegative('RMSprop', 'alpha', g.alpha);
    checkBool('RMSprop', 'centered', g.centered);
    checkBool('RMSprop', 'maximize', g.maximize);
    checkImplementationFlags('RMSprop', g);
  }

  protected updateGroups(): void {
    const k = kernels();
    for (const { group, p, g } of this.paramsWithGrad()) {
      const st = this.stateOf(p);
      const sq = this.buffer(st, 'square_avg', p);
      const buf = group.momentum > 0 ? this.buffer(st, 'momentum_buffer', p) : null;
      const gavg = group.centered ? this.buffer(st, 'grad_avg', p) : null;
      st['step'] = (typeof st['step'] === 'number' ? st['step'] : 0) + 1;
      k.rmsprop_step_f32(p.ptr, g.ptr, sq.ptr, gavg === null ? 0 : gavg.ptr, buf === null ? 0 : buf.ptr, p.numel(),
        group.lr, group.alpha, group.eps, group.weightDecay, group.momentum, group.centered ? 1 : 0,
        group.maximize ? 1 : 0);
      p.storage.version++;
    }
  }
}
