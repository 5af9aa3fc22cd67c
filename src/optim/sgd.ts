/** torch.optim.SGD: stochastic gradient descent with optional momentum, Nesterov, weight decay, maximize. */
import { K } from '../backends/index.js';
import { Tensor } from '../tensor/tensor.js';
import { checkBool, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDGroup extends ParamGroup {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

/**
 * PyTorch's update (torch.optim.SGD), per element, with g the gradient (negated when maximize):
 *   g = g + weightDecay * p;  b = (first step) ? g : momentum * b + (1 - dampening) * g;
 *   g = nesterov ? g + momentum * b : b;  p = p - lr * g
 * State per parameter (only with momentum): `momentum_buffer`.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDGroup> {
  constructor(params: ParamsInput<SGDGroup>, options: SGDOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: SGDGroup): void {
    checkLr('SGD', g.lr);
    checkNonNegative('SGD', 'momentum', g.momentum);
    checkNonNegative('SGD', 'weightDecay', g.weightDecay);
    if (typeof g.dampening !== 'number' || Number.isNaN(g.dampening)) {
      throw new RangeError(`SGD: Invalid dampening value: ${String(g.dampening)}`);
    }
    checkBool('SGD', 'nesterov', g.nesterov);
    checkBool('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected updateGroups(): void {
    const k = K();
    for (const { group, p, g } of this.paramsWithGrad()) {
      let buf = 0;
      let first = 0;
      if (group.momentum !== 0) {
        const st = this.stateOf(p);
        if (!(st['momentum_buffer'] instanceof Tensor)) first = 1;
        buf = this.buffer(st, 'momentum_buffer', p).ptr;
      }
      k.sgd_step_f32(p.ptr, g.ptr, buf, p.numel(), group.lr, group.momentum, group.dampening, group.weightDecay,
        group.nesterov ? 1 : 0, first, group.maximize ? 1 : 0);
      p.storage.version++;
    }
  }
}
