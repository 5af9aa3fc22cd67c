/** torch.optim.SGD: stochastic gradient descent with optional momentum, Nesterov, weight decay, maximize. */
import { kernels } from '../backends/index.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOptions } from '../options.js';
import {
  checkBool, checkImplementationFlags, checkLr, checkNonNegative, Optimizer, type ParamGroup, type ParamsInput,
} from './optimizer.js';

export interface SGDGroup extends ParamGroup {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** PyTorch's multi-tensor switch; accepted, changes nothing here. */
  foreach: boolean | null;
  /** Accepted as false only (wasmgrad's step records no graph). */
  differentiable: boolean;
  /** PyTorch 2's fused kernel switch; accepted, changes nothing here. */
  fused: boolean | null;
}

export interface SGDOptions {
  /** Learning rate (default 1e-3; PyTorch requires it). */
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
  /** PyTorch: use multi-tensor kernels (default null). Accepted and ignored: wasmgrad has one implementation. */
  foreach?: boolean | null;
  /** PyTorch: record the step in the autograd graph (default false). Only false is accepted. */
  differentiable?: boolean;
  /** PyTorch 2: fused implementation (default null). Accepted and ignored: wasmgrad has one implementation. */
  fused?: boolean | null;
}

/** `SGD(params, lr, momentum, dampening, weightDecay, nesterov, options)`: any prefix, options object last. */
export type SGDArgs =
  | [options?: SGDOptions]
  | [lr: number | undefined, options?: SGDOptions]
  | [lr: number | undefined, momentum: number | undefined, options?: SGDOptions]
  | [lr: number | undefined, momentum: number | undefined, dampening: number | undefined, options?: SGDOptions]
  | [lr: number | undefined, momentum: number | undefined, dampening: number | undefined, weightDecay: number | undefined, options?: SGDOptions]
  | [lr: number | undefined, momentum: number | undefined, dampening: number | undefined, weightDecay: number | undefined,
    nesterov: boolean | undefined, options?: SGDOptions];

const POSITIONAL = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'];
const KEYWORD = ['maximize', 'foreach', 'differentiable', 'fused'];

/**
 * PyTorch's update (torch.optim.SGD), per element, with g the gradient (negated when maximize):
 *   g = g + weightDecay * p;  b = (first step) ? g : momentum * b + (1 - dampening) * g;
 *   g = nesterov ? g + momentum * b : b;  p = p - lr * g
 * State per parameter (only with momentum): `momentum_buffer`.
 *
 * Arguments as PyTorch's `SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
 * maximize=False, foreach=None, differentiable=False)`: positionally, as an options object, or both (the
 * object last). PyTorch requires lr; here it defaults to 1e-3.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), 0.1, 0.9);  // or { lr: 0.1, momentum: 0.9 }
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDGroup> {
  constructor(params: ParamsInput<SGDGroup>, ...args: SGDArgs) {
    const o = positionalOptions<SGDOptions>('SGD', args, POSITIONAL, KEYWORD);
    super(params, {
      lr: o.lr ?? 1e-3,
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false,
      maximize: o.maximize ?? false,
      foreach: o.foreach ?? null,
      differentiable: o.differentiable ?? false,
      fused: o.fused ?? null,
    });
  }

  protected stateKeys(): readonly string[] {
    return ['momentum_buffer'];
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
    checkImplementationFlags('SGD', g);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected updateGroups(): void {
    const k = kernels();
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
