/**
 * The optim namespace: torch.optim in camelCase. SGD, Adam(W) and RMSprop update each parameter with one
 * fused kernel (see src/backends/kernels.ts); Adagrad, Adadelta, Adamax, NAdam and RAdam with in-place tensor
 * ops; LBFGS in float64 on the flattened parameters. `lrScheduler` holds the learning-rate schedulers.
 *
 * @example
 * const opt = new optim.Adam(params, 1e-3);  // PyTorch's positional order, or { lr: 1e-3 }
 * const sched = new optim.lrScheduler.StepLR(opt, 10, 0.5);
 * for (...) { opt.zeroGrad(); loss().backward(); opt.step(); }  sched.step();
 */
export {
  Optimizer, type ParamGroup, type ParamGroupInput, type ParamsInput, type ParamState, type OptimizerStateDict,
  type PytorchOptimizerStateDict, type AnyOptimizerStateDict, type StateDictOptions, type Defaults,
} from './optimizer.js';
export { SGD, type SGDGroup, type SGDOptions, type SGDArgs } from './sgd.js';
export { Adam, AdamW, type AdamGroup, type AdamOptions, type AdamArgs } from './adam.js';
export { RMSprop, type RMSpropGroup, type RMSpropOptions, type RMSpropArgs } from './rmsprop.js';
export { Adagrad, type AdagradGroup, type AdagradOptions, type AdagradArgs } from './adagrad.js';
export { Adadelta, type AdadeltaGroup, type AdadeltaOptions, type AdadeltaArgs } from './adadelta.js';
export { Adamax, type AdamaxGroup, type AdamaxOptions, type AdamaxArgs } from './adamax.js';
export {
  NAdam, RAdam, type NAdamGroup, type NAdamOptions, type NAdamArgs, type RAdamGroup, type RAdamOptions, type RAdamArgs,
} from './nadam.js';
export { LBFGS, type LBFGSGroup, type LBFGSOptions, type LBFGSArgs } from './lbfgs.js';
export * as lrScheduler from './lr-scheduler.js';
