/** torch.optim.RMSprop. */
import { K } from '../backends/index.js';
import { checkBool, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface RMSpropGroup extends ParamGroup {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
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
}

/**
 * PyTorch's update (torch.optim.RMSprop), per element (g negated when maximize):
 *   g = g + weightDecay * p;  v = alpha * v + (1 - alpha) * g^2
 *   centered: gavg = alpha * gavg + (1 - alpha) * g, denom = sqrt(v - gavg^2) + eps; else denom = sqrt(v) + eps
 *   momentum > 0: b = momentum * b + g / denom, p = p - lr * b;  else p = p - lr * g / denom
 * State per parameter: `step`, `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 */
export class RMSprop extends Optimizer<RMSpropGroup> {
  constructor(params: ParamsInput<RMSpropGroup>, options: RMSpropOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: RMSpropGroup): void {
    checkLr('RMSprop', g.lr);
    checkNonNegative('RMSprop', 'epsilon', g.eps);
    checkNonNegative('RMSprop', 'momentum', g.momentum);
    checkNonNegative('RMSprop', 'weightDecay', g.weightDecay);
    checkNonNegative('RMSprop', 'alpha', g.alpha);
    checkBool('RMSprop', 'centered', g.centered);
    checkBool('RMSprop', 'maximize', g.maximize);
  }

  protected updateGroups(): void {
    const k = K();
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
