/**
 * Adagrad, Adadelta, Adamax, NAdam, RAdam, LBFGS (and SGD's maximize / foreach) against PyTorch: the
 * parameters after each of 8 steps and the final state, for several option combinations, from
 * test/fixtures/optim-more/gen.py (PyTorch 1.13; NAdam and RAdam as PyTorch 2.x computes them). Then
 * PyTorch's argument forms, state dicts in both layouts, and the errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cat, optim, optimizerStateFromSafetensors, tensor, zeros, type Tensor } from '../src/index.js';
import { expectClose } from './helpers.js';

interface OptCase {
  name: string;
  options: Record<string, unknown>;
  mode: 'grads' | 'quadratic';
  params: number[][][];
  state: Record<string, number | number[]>[];
}
interface LbfgsCase {
  options: Record<string, unknown>;
  steps: { loss: number; params: number[][]; func_evals: number; n_iter: number }[];
}
const fx = JSON.parse(fs.readFileSync(new URL('./fixtures/optim-more/optim.json', import.meta.url), 'utf8')) as {
  init: number[][]; shapes: number[][]; grads: number[][][]; qa: number[][]; qc: number[][]; cases: OptCase[];
  lbfgs: LbfgsCase[]; group_keys: Record<string, string[]>; torch_files: Record<string, Record<string, number | number[]>[]>;
};

type Ctor = new (params: Tensor[], options?: Record<string, unknown>) => optim.Optimizer;
const CTORS: Record<string, Ctor> = {
  SGD: optim.SGD as unknown as Ctor, Adagrad: optim.Adagrad as unknown as Ctor, Adadelta: optim.Adadelta as unknown as Ctor,
  Adamax: optim.Adamax as unknown as Ctor, NAdam: optim.NAdam as unknown as Ctor, RAdam: optim.RAdam as unknown as Ctor,
};

function makeParams(): Tensor[] {
  return fx.init.map((v, i) => tensor(v).reshape(fx.shapes[i]!).requiresGrad_(true));
}

function setGrads(c: OptCase, k: number, ps: Tensor[]): void {
  ps.forEach((p, i) => {
    p.grad = c.mode === 'grads'
      ? tensor(fx.grads[k]![i]!).reshape(fx.shapes[i]!)
      : p.detach().mul(tensor(fx.qa[i]!).reshape(fx.shapes[i]!)).sub(tensor(fx.qc[i]!).reshape(fx.shapes[i]!));
  });
}

function label(c: OptCase): string {
  return `${c.name}(${JSON.stringify(c.options)}) on ${c.mode}`;
}

describe('optimizers against PyTorch, step by step', () => {
  for (const c of fx.cases) {
    it(label(c), () => {
      const ps = makeParams();
      const opt = new CTORS[c.name]!(ps, c.options);
      c.params.forEach((want, k) => {
        setGrads(c, k, ps);
        opt.step();
        ps.forEach((p, i) => expectClose(p, want[i]!, { rtol: 1e-5, atol: 1e-6 }));
      });
      const sd = opt.stateDict({ format: 'pytorch' });
      c.state.forEach((want, i) => {
        const got = sd.state[i] ?? {};
        expect(Object.keys(got).sort(), `state keys of parameter ${i}`).toEqual(Object.keys(want).sort());
        for (const [k, v] of Object.entries(want)) {
          const g = got[k]!;
          if (Array.isArray(v)) expectClose(g as Tensor, v, { rtol: 1e-5, atol: 1e-6 });
          else expect(typeof g === 'number' ? g : (g as Tensor).item(), `${k}`).toBeCloseTo(v, 5);
        }
      });
    });
  }

  it("PyTorch's param_groups keys (1.13's, plus the 2.x flags wasmgrad also keeps)", () => {
    const extra: Record<string, string[]> = {
      Adagrad: ['differentiable', 'fused'], Adadelta: ['capturable', 'differentiable'], Adamax: ['capturable', 'differentiable'],
      NAdam: ['capturable', 'decoupled_weight_decay', 'differentiable', 'maximize'],
      RAdam: ['capturable', 'decoupled_weight_decay', 'differentiable', 'maximize'], LBFGS: [],
    };
    for (const [name, keys] of Object.entries(fx.group_keys)) {
      const Ctor = (optim as unknown as Record<string, Ctor>)[name]!;
      const opt = new Ctor([zeros(1, { requiresGrad: true })]);
      const got = Object.keys(opt.stateDict({ format: 'pytorch' }).param_groups[0]!).filter((k) => k !== 'params').sort();
      expect(got, name).toEqual([...keys, ...extra[name]!].sort());
    }
  });
});

function rosen(ps: Tensor[]): Tensor {
  const v = [ps[0]!.reshape(-1), ps[1]!.reshape(-1)];
  const x0 = v[0]!.index(0), x1 = v[1]!.index(0), x2 = v[1]!.index(1);
  const term = (a: Tensor, b: Tensor): Tensor => b.sub(a.pow(2)).pow(2).mul(100).add(a.neg().add(1).pow(2));
  return term(x0, x1).add(term(x1, x2));
}

const QUAD_A = tensor([1.0, 2.0, 0.5, 3.0, 1.5]);
const QUAD_C = tensor([0.5, -1.0, 2.0, 0.25, -0.75]);
function quad(ps: Tensor[]): Tensor {
  const x = cat([ps[0]!.reshape(-1), ps[1]!.reshape(-1)]);
  return x.sub(QUAD_C).pow(2).mul(QUAD_A).sum().mul(0.5).add(x.sum().pow(2).mul(0.1));
}

/**
 * PyTorch keeps the L-BFGS history in float32, wasmgrad in float64. On the convex quadratic the runs agree
 * to 1e-4, with the same evaluation counts until the minimum is reached (after which the line search
 * sees only rounding noise, and only the parameters are compared); on the Rosenbrock function the line search amplifies the rounding differences, so
 * the runs are compared to 1e-3 for as long as they take the same path (every step, except after the first
 * 20-iteration step of the historySize 3 run), and from its third step on their common limit, the optimum (1, 1, 1).
 */
describe('LBFGS against PyTorch', () => {
  for (const c of fx.lbfgs as (LbfgsCase & { problem: 'rosenbrock' | 'quadratic' })[]) {
    it(`${c.problem} ${JSON.stringify(c.options)}`, () => {
      const rosenbrock = c.problem === 'rosenbrock';
      const ps = rosenbrock
        ? [tensor([-1.5], { requiresGrad: true }), tensor([2.0, -0.5], { requiresGrad: true })]
        : [tensor([1.0, 1.0], { requiresGrad: true }), tensor([-1.0, 0.5, 2.0], { requiresGrad: true })];
      const f = rosenbrock ? rosen : quad;
      const opt = new optim.LBFGS(ps, c.options);
      const closure = (): Tensor => {
        opt.zeroGrad();
        const loss = f(ps);
        loss.backward();
        return loss;
      };
      // the quadratic's minimum is reached at step 3: from there the line search only sees rounding noise
      const samePath = rosenbrock ? (c.options['maxIter'] === 20 ? 1 : c.steps.length) : 3;
      const tol = rosenbrock ? { rtol: 1e-3, atol: 1e-3 } : { rtol: 1e-4, atol: 1e-4 };
      c.steps.forEach((want, k) => {
        const loss = (opt.step(closure) as Tensor).item();
        if (k >= samePath) {
          if (rosenbrock && k < 2) return; // the two runs take different paths to the optimum
          ps.forEach((p, i) => expectClose(p, want.params[i]!, { atol: 1e-4 }));
          if (rosenbrock) ps.forEach((p) => expectClose(p, new Array(p.numel()).fill(1), { atol: 1e-4 }));
          return;
        }
        expectClose(loss, want.loss, tol);
        ps.forEach((p, i) => expectClose(p, want.params[i]!, tol));
        const st = opt.stateDict().state[0]!;
        expect([st['func_evals'], st['n_iter']], `step ${k}`).toEqual([want.func_evals, want.n_iter]);
      });
    });
  }
});

function twoParams(): Tensor[] {
  return [tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true }), tensor([0.1, -0.3], { requiresGrad: true })];
}
function runSteps(opt: optim.Optimizer, p: Tensor[], steps = 3): number[] {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    p[0]!.matmul(p[1]!).pow(2).sum().add(p[1]!.sum()).backward();
    opt.step();
  }
  return p.flatMap((t) => Array.from(t.toArray() as Float32Array));
}
function after(make: (p: Tensor[]) => optim.Optimizer, steps = 3): number[] {
  const p = twoParams();
  return runSteps(make(p), p, steps);
}

describe("PyTorch's argument forms", () => {
  it('positional arguments in PyTorch order = the options object', () => {
    expect(after((p) => new optim.Adagrad(p, 0.1, 0.01, 0.1, 0.2, 1e-6, false, { maximize: true })))
      .toEqual(after((p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.2, eps: 1e-6, maximize: true })));
    expect(after((p) => new optim.Adadelta(p, 0.5, 0.8, 1e-5, 0.1, null))).toEqual(after((p) => new optim.Adadelta(p, { lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 0.1 })));
    expect(after((p) => new optim.Adamax(p, 0.01, [0.8, 0.9], 1e-6, 0.1))).toEqual(after((p) => new optim.Adamax(p, { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1 })));
    expect(after((p) => new optim.NAdam(p, 0.01, [0.8, 0.9], 1e-6, 0.1, 0.01, true)))
      .toEqual(after((p) => new optim.NAdam(p, { lr: 0.01, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01, decoupledWeightDecay: true })));
    expect(after((p) => new optim.RAdam(p, 0.01, [0.5, 0.6], 1e-6, 0.1, true)))
      .toEqual(after((p) => new optim.RAdam(p, { lr: 0.01, betas: [0.5, 0.6], eps: 1e-6, weightDecay: 0.1, decoupledWeightDecay: true })));
  });
  it("PyTorch's defaults", () => {
    const p = (): Tensor[] => [zeros(2, { requiresGrad: true })];
    expect(new optim.Adagrad(p()).defaults).toMatchObject({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, foreach: null });
    expect(new optim.Adadelta(p()).defaults).toMatchObject({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expect(new optim.Adamax(p()).defaults).toMatchObject({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    expect(new optim.NAdam(p()).defaults).toMatchObject({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, decoupledWeightDecay: false });
    expect(new optim.RAdam(p()).defaults).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
    expect(new optim.LBFGS(p()).defaults).toEqual({ lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null });
    expect(new optim.LBFGS(p(), 1, 7).defaults.maxEval).toBe(8);
  });
  it('foreach, capturable, differentiable, fused: accepted where PyTorch has them, changing nothing', () => {
    const plain = after((p) => new optim.NAdam(p, 0.01));
    expect(after((p) => new optim.NAdam(p, 0.01, { foreach: true, capturable: true, differentiable: false }))).toEqual(plain);
    expect(after((p) => new optim.Adagrad(p, 0.01, { foreach: true, fused: false }))).toEqual(after((p) => new optim.Adagrad(p, 0.01)));
    expect(after((p) => new optim.SGD(p, 0.1, 0.9, { foreach: true, maximize: true }))).toEqual(after((p) => new optim.SGD(p, 0.1, 0.9, { maximize: true })));
    expect(() => new optim.Adadelta(twoParams(), { fused: true } as never)).toThrow(/Adadelta: unknown option 'fused'/);
    expect(() => new optim.RAdam(twoParams(), { differentiable: true })).toThrow(/RAdam: differentiable=true is not supported/);
    expect(() => new optim.LBFGS(twoParams(), { foreach: true } as never)).toThrow(/LBFGS: unknown option 'foreach'/);
  });
  it('param groups with their own hyperparameters', () => {
    const [w, b] = twoParams();
    const opt = new optim.RAdam([{ params: [w!], weightDecay: 0.1 }, { params: [b!], lr: 0.5 }], 0.01);
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([[0.01, 0.1], [0.5, 0]]);
    expect(() => new optim.Adamax([{ params: [w!], weight_decay: 0.1 } as never]))
      .toThrow(/Adamax: unknown key 'weight_decay' in param group 0 \(PyTorch's weight_decay is weightDecay here\)/);
  });
});

describe('errors, thrown before anything changes', () => {
  it("invalid hyperparameters (PyTorch's messages)", () => {
    const p = twoParams();
    expect(() => new optim.Adagrad(p, -1)).toThrow(/Adagrad: Invalid learning rate: -1/);
    expect(() => new optim.Adagrad(p, 0.1, -1)).toThrow(/Adagrad: Invalid lrDecay value: -1/);
    expect(() => new optim.Adagrad(p, { initialAccumulatorValue: -1 })).toThrow(/Invalid initialAccumulatorValue value/);
    expect(() => new optim.Adadelta(p, 1, 1.5)).toThrow(/Adadelta: Invalid rho value: 1.5/);
    expect(() => new optim.Adamax(p, 0.1, [1, 0.9])).toThrow(/Adamax: Invalid beta parameter at index 0: 1/);
    expect(() => new optim.NAdam(p, 0.1, { momentumDecay: -1 })).toThrow(/NAdam: Invalid momentumDecay value: -1/);
    expect(() => new optim.RAdam(p, 0.1, { betas: [0.9] })).toThrow(/RAdam: betas must be an array of two numbers/);
    expect(() => new optim.RAdam(p, 0.1, { decoupledWeightDecay: 1 as never })).toThrow(/RAdam: decoupledWeightDecay must be a boolean/);
    expect(() => new optim.NAdam(p, { weight_decay: 0.1 } as never)).toThrow(/NAdam: unknown option 'weight_decay' \(PyTorch's weight_decay is weightDecay here\)/);
  });
  it('LBFGS: a closure is required, one group only, only strong_wolfe', () => {
    const p = twoParams();
    const opt = new optim.LBFGS(p);
    expect(() => opt.step()).toThrow(/LBFGS.step: a closure is required/);
    expect(() => new optim.LBFGS([{ params: [p[0]!] }, { params: [p[1]!] }])).toThrow(/LBFGS doesn't support per-parameter options/);
    expect(() => opt.addParamGroup({ params: [zeros(1, { requiresGrad: true })] })).toThrow(/LBFGS doesn't support per-parameter options/);
    expect(() => new optim.LBFGS(p, { lineSearchFn: 'backtracking' as never })).toThrow(/LBFGS: only 'strong_wolfe' is supported/);
    expect(() => new optim.LBFGS(p, 1, 0)).toThrow(/LBFGS: maxIter must be a positive integer, got 0/);
    expect(() => new optim.LBFGS(p, { max_iter: 3 } as never)).toThrow(/PyTorch's max_iter is maxIter here/);
  });
  it('a bad gradient of a later parameter throws before any parameter changes', () => {
    const p = twoParams();
    const before = p.map((t) => Array.from(t.toArray()));
    const opt = new optim.NAdam(p, 0.1);
    p[0]!.grad = zeros(2, 2).add(1);
    p[1]!.grad = zeros(2);
    p[1]!.grad.dispose();
    expect(() => opt.step()).toThrow(/NAdam.step: the gradient of parameter 1 of param group 0 \(shape \[2\]\) was disposed/);
    expect(p.map((t) => Array.from(t.toArray()))).toEqual(before);
  });
});

describe('state dicts', () => {
  const makers: Record<string, (p: Tensor[]) => optim.Optimizer> = {
    Adagrad: (p) => new optim.Adagrad(p, 0.1, 0.01, 0, 0.1),
    Adadelta: (p) => new optim.Adadelta(p, 0.5),
    Adamax: (p) => new optim.Adamax(p, 0.05),
    NAdam: (p) => new optim.NAdam(p, 0.05, { weightDecay: 0.1, decoupledWeightDecay: true }),
    RAdam: (p) => new optim.RAdam(p, 0.05, [0.5, 0.6]),
  };
  for (const [name, make] of Object.entries(makers)) {
    for (const format of ['wasmgrad', 'pytorch'] as const) {
      it(`${name}: a ${format} state dict continues identically`, () => {
        const p = twoParams();
        const a = make(p);
        runSteps(a, p, 3);
        const sd = a.stateDict({ format });
        const cont = runSteps(a, p, 3);
        // a fresh optimizer on parameters at the save point (replayed with a throwaway optimizer)
        const q = twoParams();
        runSteps(make(q), q, 3);
        const b = make(q);
        b.loadStateDict(sd);
        expect(runSteps(b, q, 3)).toEqual(cont);
      });
    }
  }
  it("PyTorch's layout: step a 0-d tensor where PyTorch keeps one, NAdam's mu_product a 0-d tensor, Adadelta's step a number", () => {
    const p = twoParams();
    const n = new optim.NAdam(p);
    runSteps(n, p, 2);
    const st = n.stateDict({ format: 'pytorch' }).state[0]!;
    expect((st['step'] as Tensor).shape).toEqual([]);
    expect((st['mu_product'] as Tensor).shape).toEqual([]);
    expect(n.stateDict().state[0]!['mu_product']).toBeTypeOf('number');
    const d = new optim.Adadelta(p);
    runSteps(d, p, 1);
    expect(d.stateDict({ format: 'pytorch' }).state[0]!['step']).toBe(1);
    const ag = new optim.Adagrad(p, { initialAccumulatorValue: 0.5 });
    expect(Object.keys(ag.stateDict().state[0]!).sort()).toEqual(['step', 'sum']); // made at construction
    expect(ag.state.get(p[0]!)!['sum']).toMatchObject({ requiresGrad: false });
    expectClose(ag.state.get(p[0]!)!['sum'] as Tensor, [0.5, 0.5, 0.5, 0.5]);
  });
  it('files written by python/wasmgrad_torch.py (PyTorch 1.13) load', () => {
    for (const [name, want] of Object.entries(fx.torch_files)) {
      const opt = new (CTORS[name]!)(makeParams(), { lr: 0.05 });
      opt.loadStateDict(optimizerStateFromSafetensors(fs.readFileSync(new URL(`./fixtures/optim-more/${name}.torch.optimizer.safetensors`, import.meta.url))));
      const sd = opt.stateDict();
      want.forEach((w, i) => {
        for (const [k, v] of Object.entries(w)) {
          const g = sd.state[i]![k]!;
          if (Array.isArray(v)) expectClose(g as Tensor, v, { rtol: 1e-6, atol: 1e-7 });
          else expect(g, `${name} ${k}`).toBeCloseTo(v, 6);
        }
      });
    }
  });
  it('unknown or missing state keys throw naming them', () => {
    const p = twoParams();
    const opt = new optim.Adamax(p);
    runSteps(opt, p, 1);
    const sd = opt.stateDict();
    (sd.state[0] as Record<string, unknown>)['exp_avg_sq'] = zeros(2, 2);
    expect(() => new optim.Adamax(twoParams()).loadStateDict(sd)).toThrow(/Adamax.loadStateDict: unknown state 'exp_avg_sq' of parameter 0.*exp_avg, exp_inf/);
    delete (sd.state[0] as Record<string, unknown>)['exp_avg_sq'];
    delete (sd.state[0] as Record<string, unknown>)['exp_inf'];
    expect(() => new optim.Adamax(twoParams()).loadStateDict(sd)).toThrow(/state of parameter 0 lacks exp_inf/);
    const n = new optim.NAdam(p);
    runSteps(n, p, 1);
    const nsd = n.stateDict();
    (nsd.state[0] as Record<string, unknown>)['mu_product'] = zeros(2);
    expect(() => new optim.NAdam(twoParams()).loadStateDict(nsd)).toThrow(/state 'mu_product' of parameter 0 must be a number or a one-element tensor/);
  });
  it('LBFGS: the history round-trips in both layouts and the run continues identically', () => {
    for (const format of ['wasmgrad', 'pytorch'] as const) {
      const ps = [tensor([-1.5], { requiresGrad: true }), tensor([2.0, -0.5], { requiresGrad: true })];
      const mk = (q: Tensor[]): optim.LBFGS => new optim.LBFGS(q, 1, 4, { lineSearchFn: 'strong_wolfe' });
      const closureFor = (q: Tensor[], o: optim.Optimizer) => (): Tensor => {
        o.zeroGrad();
        const l = rosen(q);
        l.backward();
        return l;
      };
      const a = mk(ps);
      a.step(closureFor(ps, a));
      const sd = a.stateDict({ format });
      const st = sd.state[0] as Record<string, unknown>;
      expect(Object.keys(st).sort()).toEqual(['H_diag', 'd', 'func_evals', 'n_iter', 'old_dirs', 'old_stps', 'prev_flat_grad', 'prev_loss', 'ro', 't']);
      if (format === 'pytorch') expect((st['H_diag'] as Tensor).shape).toEqual([]);
      const qs = ps.map((t) => tensor(t).requiresGrad_(true));
      a.step(closureFor(ps, a));
      const b = mk(qs);
      b.loadStateDict(sd);
      b.step(closureFor(qs, b));
      // the history is float32 in the state dict, as PyTorch keeps it: the continuation agrees to float32 rounding
      qs.forEach((q, i) => expectClose(q, ps[i]!, { rtol: 1e-4, atol: 1e-5 }));
    }
  });
});
