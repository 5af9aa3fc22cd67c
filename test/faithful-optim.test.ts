/**
 * Optimizers and schedulers take PyTorch's arguments (positional in PyTorch's order, or an options object,
 * or both) and do what PyTorch does with them, or throw naming the function and the argument; state dicts
 * in PyTorch's layout load, and unknown keys anywhere are errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { optim, tensor, type Tensor } from '../src/index.js';

const { SGD, Adam, AdamW, RMSprop, lrScheduler: S } = optim;

function params(): Tensor[] {
  return [tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true }), tensor([0.1, -0.3], { requiresGrad: true })];
}
function stepOnce(opt: optim.Optimizer, p: Tensor[]): void {
  opt.zeroGrad();
  p[0]!.matmul(p[1]!).pow(2).sum().add(p[1]!.sum()).backward();
  opt.step();
}
function after(make: (p: Tensor[]) => optim.Optimizer, steps = 3): number[] {
  const p = params();
  const opt = make(p);
  for (let i = 0; i < steps; i++) stepOnce(opt, p);
  return p.flatMap((t) => Array.from(t.toArray() as Float32Array));
}

describe('positional arguments in PyTorch order = the options object', () => {
  it('SGD(params, lr, momentum, dampening, weightDecay, nesterov, {maximize})', () => {
    const sgd = new SGD(params(), 0.1);
    expect(sgd.paramGroups[0]!.lr).toBe(0.1); // was silently 1e-3
    expect(after((p) => new SGD(p, 0.1, 0.9, 0, 0.01, true, { maximize: true })))
      .toEqual(after((p) => new SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: true })));
    expect(after((p) => new SGD(p, 0.05, 0.5, { dampening: 0.1 }))).toEqual(after((p) => new SGD(p, { lr: 0.05, momentum: 0.5, dampening: 0.1 })));
    expect(new SGD(params()).paramGroups[0]!.lr).toBe(1e-3);
  });
  it('Adam / AdamW(params, lr, betas, eps, weightDecay, amsgrad, {...})', () => {
    expect(after((p) => new Adam(p, 0.01, [0.8, 0.9], 1e-6, 0.1, true)))
      .toEqual(after((p) => new Adam(p, { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true })));
    const w = new AdamW(params(), 6e-4, [0.9, 0.95]);
    expect(w.paramGroups[0]).toMatchObject({ lr: 6e-4, betas: [0.9, 0.95], weightDecay: 0.01, decoupledWeightDecay: true });
    expect(after((p) => new AdamW(p, 0.01, undefined, undefined, 0.1))).toEqual(after((p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1 })));
  });
  it('RMSprop(params, lr, alpha, eps, weightDecay, momentum, centered, {...})', () => {
    expect(after((p) => new RMSprop(p, 0.01, 0.9, 1e-6, 0.01, 0.5, true)))
      .toEqual(after((p) => new RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.5, centered: true })));
  });
  it('a value given twice, too many positionals or an options object in the middle throw', () => {
    expect(() => new SGD(params(), 0.1, { lr: 0.2 })).toThrow(/SGD: lr is given both as positional argument and as option/);
    expect(() => new Adam(params(), ...([0.1, [0.9, 0.99], 1e-8, 0, false, 3] as never as []))).toThrow(/Adam: takes at most 5 positional/);
    expect(() => new RMSprop(params(), 0.1, 0.9, 1e-8, 0, 0, false, true as never)).toThrow(/RMSprop: takes at most 6 positional/);
  });
});

describe('strict options and param groups', () => {
  it('unknown options throw with a hint', () => {
    expect(() => new SGD(params(), { lr: 0.1, weight_decay: 0.1 } as never)).toThrow(/SGD: unknown option 'weight_decay' \(PyTorch's weight_decay is weightDecay here\)/);
    expect(() => new Adam(params(), { lr: 0.1, betaz: [0.9, 0.9] } as never)).toThrow(/Adam: unknown option 'betaz' \(did you mean 'betas'\?\)/);
    expect(() => new RMSprop(params(), { capturable: true, fused: true } as never)).toThrow(/RMSprop: unknown option 'fused'/);
  });
  it("a group's unknown key (nanoGPT's weight_decay) throws naming the group; weightDecay works", () => {
    const [w, b] = params();
    expect(() => new AdamW([{ params: [w!], weight_decay: 0.1 } as never, { params: [b!], weightDecay: 0 }]))
      .toThrow(/AdamW: unknown key 'weight_decay' in param group 0 \(PyTorch's weight_decay is weightDecay here\)/);
    const opt = new AdamW([{ params: [w!], weightDecay: 0.1 }, { params: [b!], weightDecay: 0 }]);
    expect(opt.paramGroups.map((g) => g.weightDecay)).toEqual([0.1, 0]);
    expect(() => opt.addParamGroup({ params: [tensor([1], { requiresGrad: true })], lr_decay: 1 } as never)).toThrow(/param group 2/);
  });
  it('foreach, capturable, fused are accepted and change nothing; differentiable: true throws', () => {
    const plain = after((p) => new Adam(p, 0.01));
    expect(after((p) => new Adam(p, 0.01, { foreach: true, capturable: true, fused: false, differentiable: false }))).toEqual(plain);
    expect(after((p) => new SGD(p, 0.1, 0.9, { foreach: false, fused: null }))).toEqual(after((p) => new SGD(p, 0.1, 0.9)));
    expect(new Adam(params()).paramGroups[0]).toMatchObject({ foreach: null, capturable: false, differentiable: false, fused: null });
    expect(() => new SGD(params(), { differentiable: true })).toThrow(/SGD: differentiable=true is not supported/);
    expect(() => new Adam(params(), { foreach: 1 as never })).toThrow(/Adam: foreach must be true, false or null/);
  });
});

describe("state dicts: PyTorch's layout both ways, strict keys", () => {
  it("stateDict({format: 'pytorch'}) has PyTorch's keys and a 0-d step tensor; loading it continues identically", () => {
    const p = params();
    const a = new AdamW(p, 0.01, { amsgrad: true });
    const sched = new S.StepLR(a, 2);
    stepOnce(a, p);
    sched.step();
    const sd = a.stateDict({ format: 'pytorch' });
    expect(Object.keys(sd).sort()).toEqual(['param_groups', 'state']);
    expect(Object.keys(sd.param_groups[0]!).sort()).toEqual(['amsgrad', 'betas', 'capturable', 'differentiable', 'eps', 'foreach',
      'fused', 'initial_lr', 'lr', 'maximize', 'params', 'weight_decay']);
    const step = sd.state[0]!['step'] as Tensor;
    expect(step.shape).toEqual([]);
    expect(step.item()).toBe(1);
    const q = p.map((t) => t.detach().clone().requiresGrad_(true));
    const b = new AdamW(q, 0.5);
    b.loadStateDict(sd);
    expect(b.paramGroups[0]).toMatchObject({ lr: 0.01, weightDecay: 0.01, initialLr: 0.01, amsgrad: true });
    stepOnce(a, p);
    stepOnce(b, q);
    expect(q[0]!.toArray()).toEqual(p[0]!.toArray());
    expect(() => new Adam(params()).stateDict({ format: 'torch' as never })).toThrow(/format must be 'wasmgrad' or 'pytorch'/);
    expect(() => new Adam(params(), { decoupledWeightDecay: true }).stateDict({ format: 'pytorch' })).toThrow(/no torch.optim.Adam equivalent/);
  });
  it("a hand-written PyTorch state dict (step as number or tensor, SGD's null momentum_buffer) loads", () => {
    const p = params();
    const adam = new Adam(p);
    const z = () => [tensor([[0, 0], [0, 0]], { dtype: 'float32' }), tensor([0, 0], { dtype: 'float32' })];
    const [m0, m1] = z();
    const [v0, v1] = z();
    adam.loadStateDict({
      state: { 0: { step: tensor(4, { dtype: 'float32' }), exp_avg: m0!, exp_avg_sq: v0! }, 1: { step: 4, exp_avg: m1!, exp_avg_sq: v1! } },
      param_groups: [{ lr: 0.02, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null,
        capturable: false, differentiable: false, fused: false, params: [0, 1] }],
    });
    expect(adam.state.get(p[0]!)!['step']).toBe(4);
    expect(adam.paramGroups[0]!.lr).toBe(0.02);
    const sgd = new SGD(p, 0.1);
    sgd.loadStateDict({ state: { 0: { momentum_buffer: null } }, param_groups: [{ lr: 0.3, momentum: 0, dampening: 0, weight_decay: 0,
      nesterov: false, maximize: false, foreach: null, differentiable: false, params: [0, 1] }] });
    expect(sgd.paramGroups[0]!.lr).toBe(0.3);
  });
  it('unknown group keys, unknown state keys, missing state and unknown top-level keys throw and change nothing', () => {
    const p = params();
    const a = new Adam(p, 0.1);
    stepOnce(a, p);
    const sd = a.stateDict();
    const fresh = new Adam(p, 0.3);
    const g = (extra: Record<string, unknown>) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, ...extra }] });
    expect(() => fresh.loadStateDict(g({ lr_decay: 0.1 }))).toThrow(/Adam.loadStateDict: unknown key 'lr_decay' in param group 0/);
    expect(() => fresh.loadStateDict(g({ weight_decay: 0.1, weightDecay: 0.2 }))).toThrow(/gives weightDecay twice/);
    expect(() => fresh.loadStateDict({ ...sd, extra: 1 } as never)).toThrow(/unexpected key 'extra'/);
    const bad = a.stateDict();
    bad.state[0]!['exp_avgs'] = bad.state[0]!['exp_avg']!;
    expect(() => fresh.loadStateDict(bad)).toThrow(/unknown state 'exp_avgs' of parameter 0 \(did you mean 'exp_avg'\?\)/);
    const missing = a.stateDict();
    delete missing.state[1]!['exp_avg_sq'];
    expect(() => fresh.loadStateDict(missing)).toThrow(/state of parameter 1 lacks exp_avg_sq/);
    expect(fresh.paramGroups[0]!.lr).toBe(0.3);
    expect(fresh.state.size).toBe(0);
    // a PyTorch-named group of the old kind (camelCase with an unknown key) no longer trains silently off
    expect(() => new AdamW(p).loadStateDict({ state: {}, param_groups: [{ ...a.stateDict({ format: 'pytorch' }).param_groups[0]!, weightdecay: 0.1 }] }))
      .toThrow(/unknown key 'weightdecay'.*did you mean 'weightDecay'/);
  });
});

describe('schedulers: positional arguments, options, verbose, state dicts', () => {
  afterEach(() => vi.restoreAllMocks());
  const opt = () => new SGD(params(), 0.1, 0.9);
  const lrs = (s: optim.lrScheduler.LRScheduler, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      s.optimizer.step();
      s.step();
      out.push(s.getLastLr()[0]!);
    }
    return out;
  };
  it('positional forms equal options forms', () => {
    expect(lrs(new S.StepLR(opt(), 2, 0.5), 6)).toEqual(lrs(new S.StepLR(opt(), { stepSize: 2, gamma: 0.5 }), 6));
    expect(lrs(new S.MultiStepLR(opt(), [2, 4], 0.5), 6)).toEqual(lrs(new S.MultiStepLR(opt(), { milestones: [2, 4], gamma: 0.5 }), 6));
    expect(lrs(new S.ExponentialLR(opt(), 0.9), 6)).toEqual(lrs(new S.ExponentialLR(opt(), { gamma: 0.9 }), 6));
    expect(lrs(new S.CosineAnnealingLR(opt(), 5, 0.01), 6)).toEqual(lrs(new S.CosineAnnealingLR(opt(), { tMax: 5, etaMin: 0.01 }), 6));
    expect(lrs(new S.LinearLR(opt(), 0.5, 1, 4), 6)).toEqual(lrs(new S.LinearLR(opt(), { startFactor: 0.5, totalIters: 4 }), 6));
    expect(lrs(new S.OneCycleLR(opt(), 0.5, 10), 6)).toEqual(lrs(new S.OneCycleLR(opt(), { maxLr: 0.5, totalSteps: 10 }), 6));
  });
  it('unknown options, missing required arguments and bad lastEpoch throw naming the scheduler', () => {
    expect(() => new S.StepLR(opt(), { step_size: 2 } as never)).toThrow(/StepLR: unknown option 'step_size' \(PyTorch's step_size is stepSize here\)/);
    expect(() => new S.CosineAnnealingLR(opt(), { T_max: 2 } as never)).toThrow(/CosineAnnealingLR: unknown option 'T_max'.*tMax/);
    expect(() => new S.StepLR(opt(), {})).toThrow(/StepLR: missing required argument stepSize/);
    expect(() => new S.ExponentialLR(opt(), 0.9, -2)).toThrow(/ExponentialLR: lastEpoch must be an integer >= -1/);
    expect(() => new S.OneCycleLR(opt(), 0.1, { total_steps: 5 } as never)).toThrow(/OneCycleLR: unknown option 'total_steps'/);
  });
  it("verbose prints PyTorch's message", () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const s = new S.StepLR(opt(), 1, 0.5, -1, true);
    s.step();
    expect(log.mock.calls.map((c) => c[0])).toEqual(['Adjusting learning rate of group 0 to 1.0000e-01.', 'Adjusting learning rate of group 0 to 5.0000e-02.']);
  });
  it("stateDict({format: 'pytorch'}) has PyTorch's keys; either format loads; unknown keys and wrong types throw", () => {
    const o = opt();
    const m = new S.MultiStepLR(o, [3, 3, 5], 0.5);
    lrs(m, 2);
    const sd = m.stateDict({ format: 'pytorch' });
    expect(sd).toEqual({ base_lrs: [0.1], last_epoch: 2, _step_count: 3, _last_lr: [0.1], verbose: false,
      _get_lr_called_within_step: false, milestones: { 3: 2, 5: 1 }, gamma: 0.5 });
    const m2 = new S.MultiStepLR(opt(), [1], 0.1);
    m2.loadStateDict(sd);
    expect(m2.milestones).toEqual([3, 3, 5]);
    expect(lrs(m2, 4)).toEqual(lrs(m, 4));
    expect(() => m2.loadStateDict({ ...sd, gama: 0.5 })).toThrow(/unexpected key 'gama' \(did you mean 'gamma'\?\)/);
    expect(() => m2.loadStateDict({ lastEpoch: 'x' })).toThrow(/lastEpoch must be number, got string/);
    expect(() => m2.loadStateDict({ step: 1 })).toThrow(/unexpected key 'step'/);
    const c = new S.OneCycleLR(opt(), 0.5, { totalSteps: 10, annealStrategy: 'linear' });
    const csd = c.stateDict({ format: 'pytorch' });
    expect(csd).toMatchObject({ total_steps: 10, _anneal_func_type: 'linear', cycle_momentum: true,
      _schedule_phases: [{ end_step: 2, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: 9, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' }] });
    const c2 = new S.OneCycleLR(opt(), 0.5, { totalSteps: 10 });
    c2.loadStateDict(csd);
    expect(c2.annealStrategy).toBe('linear');
    expect(c2.stateDict()).toEqual(c.stateDict());
  });
});
