/**
 * LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts (incl. fractional epochs),
 * CyclicLR (incl. momentum cycling and custom scale functions), ReduceLROnPlateau (a fixed metric sequence),
 * SequentialLR and ChainedScheduler against PyTorch 1.13: the lrs (and momenta) of every group over 30 steps,
 * from test/fixtures/optim-more/gen.py. Then state dicts, argument forms and errors.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optim, tensor, zeros } from '../src/index.js';

const S = optim.lrScheduler;
type AnyScheduler = { step(x?: number): void; getLastLr(): number[]; stateDict(o?: { format?: 'wasmgrad' | 'pytorch' }): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void };

interface SchedCase {
  name: string;
  args: Record<string, unknown> & { groups?: number; metrics?: number[]; epochs?: number[] };
  lrs: number[][];
  momentum?: (number | null)[][];
  state_keys?: string[];
}
const fx = JSON.parse(fs.readFileSync(new URL('./fixtures/optim-more/schedulers.json', import.meta.url), 'utf8')) as { cases: SchedCase[] };

const LAMBDAS: Record<string, (e: number) => number> = {
  pow95: (e) => 0.95 ** e,
  inv: (e) => 1 / (1 + e),
  const9: () => 0.9,
  warmup: (e) => Math.min(1.0, (e + 1) / 5),
};
const SCALE_FNS: Record<string, (x: number) => number> = { half: (x) => 0.5 ** x, inv: (x) => 1 / (1 + x) };

function sgd(groups = 1): optim.SGD {
  return new optim.SGD(Array.from({ length: groups }, (_, i) => ({ params: [zeros(1, { requiresGrad: true })], lr: 0.1 * (i + 1) })), 0.1, 0.9);
}

function lambdas(v: unknown): never {
  return (Array.isArray(v) ? v.map((n) => LAMBDAS[n as string]!) : LAMBDAS[v as string]!) as never;
}

function child(opt: optim.SGD, [name, a]: [string, Record<string, unknown>]): optim.lrScheduler.LRScheduler {
  switch (name) {
    case 'ConstantLR': return new S.ConstantLR(opt, a);
    case 'ExponentialLR': return new S.ExponentialLR(opt, a);
    case 'LinearLR': return new S.LinearLR(opt, a);
    case 'CosineAnnealingLR': return new S.CosineAnnealingLR(opt, a);
    case 'StepLR': return new S.StepLR(opt, a);
    case 'MultiStepLR': return new S.MultiStepLR(opt, a);
    case 'LambdaLR': return new S.LambdaLR(opt, lambdas(a['lrLambda']));
    default: throw new Error(name);
  }
}

function build(c: SchedCase, opt: optim.SGD): AnyScheduler {
  const { groups: _g, metrics: _m, epochs: _e, ...a } = c.args;
  switch (c.name) {
    case 'LambdaLR': return new S.LambdaLR(opt, lambdas(a['lrLambda']));
    case 'MultiplicativeLR': return new S.MultiplicativeLR(opt, lambdas(a['lrLambda']));
    case 'ConstantLR': return new S.ConstantLR(opt, a);
    case 'PolynomialLR': return new S.PolynomialLR(opt, a);
    case 'CosineAnnealingWarmRestarts': return new S.CosineAnnealingWarmRestarts(opt, a);
    case 'CyclicLR': return new S.CyclicLR(opt, { ...a, scaleFn: a['scaleFn'] === undefined ? undefined : SCALE_FNS[a['scaleFn'] as string] } as never);
    case 'ReduceLROnPlateau': return new S.ReduceLROnPlateau(opt, a as never) as unknown as AnyScheduler;
    case 'SequentialLR': {
      const kids = (a['schedulers'] as [string, Record<string, unknown>][]).map((k) => child(opt, k));
      return new S.SequentialLR(opt, kids, a['milestones'] as number[]);
    }
    case 'ChainedScheduler': return new S.ChainedScheduler((a['schedulers'] as [string, Record<string, unknown>][]).map((k) => child(opt, k)));
    default: throw new Error(c.name);
  }
}

function expectSeq(got: (number | null)[][], want: (number | null)[][], what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((row, k) => row.forEach((w, i) => {
    const g = got[k]![i]!;
    if (w === null || g === null) expect(g, `${what} step ${k} group ${i}`).toBe(w);
    else expect(Math.abs(g - w), `${what} step ${k} group ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(1e-12 + 1e-12 * Math.abs(w));
  }));
}

describe('lr sequences against PyTorch', () => {
  for (const c of fx.cases) {
    const { metrics: _m, epochs: _e, ...shown } = c.args;
    it(`${c.name} ${JSON.stringify(shown)}${c.args.epochs ? ' with epochs' : ''}${c.args.metrics ? ' with metrics' : ''}`, () => {
      const opt = sgd(c.args.groups ?? 1);
      const sched = build(c, opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      const moms = [opt.paramGroups.map((g) => g.momentum)];
      for (let i = 0; i < c.lrs.length - 1; i++) {
        opt.step();
        if (c.args.metrics) sched.step(c.args.metrics[i]!);
        else if (c.args.epochs) sched.step(c.args.epochs[i]!);
        else sched.step();
        lrs.push(opt.paramGroups.map((g) => g.lr));
        moms.push(opt.paramGroups.map((g) => g.momentum));
        expect(sched.getLastLr()).toEqual(lrs[lrs.length - 1]);
      }
      expectSeq(lrs, c.lrs, 'lr');
      if (c.momentum) expectSeq(moms, c.momentum, 'momentum');
      if (c.state_keys) {
        expect(Object.keys(sched.stateDict({ format: 'pytorch' })).sort(), "PyTorch's state_dict keys").toEqual(c.state_keys);
      }
    });
  }
});

function runFrom(c: SchedCase, format: 'wasmgrad' | 'pytorch'): void {
  // 12 steps, save the optimizer and scheduler, continue; a fresh pair loaded from the save continues identically
  const drive = (s: AnyScheduler, o: optim.SGD, from: number, to: number): number[][] => {
    const out: number[][] = [];
    for (let i = from; i < to; i++) {
      if (c.args.metrics) s.step(c.args.metrics[i]!);
      else if (c.args.epochs) s.step(c.args.epochs[i]!);
      else s.step();
      out.push(o.paramGroups.map((g) => g.lr));
    }
    return out;
  };
  const o1 = sgd(c.args.groups ?? 1);
  const s1 = build(c, o1);
  drive(s1, o1, 0, 12);
  const osd = o1.stateDict();
  const ssd = JSON.parse(JSON.stringify(s1.stateDict({ format }))) as Record<string, unknown>;
  const rest = drive(s1, o1, 12, 20);
  const o2 = sgd(c.args.groups ?? 1);
  const s2 = build(c, o2);
  o2.loadStateDict(osd);
  s2.loadStateDict(ssd);
  expect(drive(s2, o2, 12, 20)).toEqual(rest);
}

describe('state dicts (JSON round trip, both formats): a loaded scheduler continues identically', () => {
  const seen = new Set<string>();
  for (const c of fx.cases) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    for (const format of ['wasmgrad', 'pytorch'] as const) it(`${c.name} (${format})`, () => runFrom(c, format));
  }
  it('functions are not saved: LambdaLR keeps lr_lambdas as nulls, CyclicLR _scale_fn_custom null', () => {
    const opt = sgd(2);
    const l = new S.LambdaLR(opt, [LAMBDAS['pow95']!, LAMBDAS['inv']!]);
    expect(l.stateDict({ format: 'pytorch' })['lr_lambdas']).toEqual([null, null]);
    expect(l.stateDict()['lrLambdas']).toEqual([null, null]);
    expect(() => l.loadStateDict({ ...l.stateDict(), lrLambdas: [{ a: 1 }, null] })).toThrow(/LambdaLR.loadStateDict: lrLambdas must be an array of 2 nulls/);
    const cyc = new S.CyclicLR(sgd(), 0.01, 0.1, { scaleFn: SCALE_FNS['half'] });
    expect(cyc.stateDict({ format: 'pytorch' })['_scale_fn_custom']).toBeNull();
    expect('scaleFn' in cyc.stateDict()).toBe(false);
  });
  it('ReduceLROnPlateau: best = Infinity survives JSON (null) and unknown keys throw', () => {
    const r = new S.ReduceLROnPlateau(sgd());
    const sd = JSON.parse(JSON.stringify(r.stateDict({ format: 'pytorch' }))) as Record<string, unknown>;
    expect(sd['best']).toBeNull();
    const r2 = new S.ReduceLROnPlateau(sgd());
    r2.loadStateDict(sd);
    expect(r2.best).toBe(Infinity);
    expect(() => r2.loadStateDict({ num_bad_epoch: 1 })).toThrow(/ReduceLROnPlateau.loadStateDict: unexpected key 'num_bad_epoch'/);
  });
});

describe('arguments and errors', () => {
  it('positional arguments in PyTorch order = the options object', () => {
    const lrsOf = (make: (o: optim.SGD) => AnyScheduler, metric = false): number[] => {
      const o = sgd();
      const s = make(o);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        if (metric) s.step(1); else s.step();
        out.push(o.paramGroups[0]!.lr);
      }
      return out;
    };
    expect(lrsOf((o) => new S.ConstantLR(o, 0.5, 3))).toEqual(lrsOf((o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 3 })));
    expect(lrsOf((o) => new S.PolynomialLR(o, 8, 2))).toEqual(lrsOf((o) => new S.PolynomialLR(o, { totalIters: 8, power: 2 })));
    expect(lrsOf((o) => new S.CosineAnnealingWarmRestarts(o, 3, 2, 0.01))).toEqual(lrsOf((o) => new S.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2, etaMin: 0.01 })));
    expect(lrsOf((o) => new S.CyclicLR(o, 0.01, 0.1, 3, 2, 'triangular2'))).toEqual(lrsOf((o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, stepSizeDown: 2, mode: 'triangular2' })));
    expect(lrsOf((o) => new S.ReduceLROnPlateau(o, 'min', 0.5, 1) as unknown as AnyScheduler, true))
      .toEqual(lrsOf((o) => new S.ReduceLROnPlateau(o, { factor: 0.5, patience: 1 }) as unknown as AnyScheduler, true));
    expect(lrsOf((o) => new S.LambdaLR(o, (e) => 1 / (e + 1), 2 - 3))).toEqual(lrsOf((o) => new S.LambdaLR(o, (e) => 1 / (e + 1), { lastEpoch: -1 })));
    const f = (e: number): number => 1 / (e + 1);
    expect(lrsOf((o) => new S.MultiplicativeLR(o, f))).toEqual(lrsOf((o) => new S.MultiplicativeLR(o, { lrLambda: f })));
    expect(lrsOf((o) => new S.SequentialLR(o, [new S.ConstantLR(o, 0.5, 2), new S.ExponentialLR(o, 0.9)], [3])))
      .toEqual(lrsOf((o) => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o, 0.5, 2), new S.ExponentialLR(o, 0.9)], milestones: [3] })));
    expect(() => new S.LambdaLR(sgd())).toThrow(/LambdaLR: missing required argument lrLambda/);
    expect(() => new S.LambdaLR(sgd(), f, { lr_lambda: f } as never)).toThrow(/PyTorch's lr_lambda is lrLambda here/);
  });
  it('CyclicLR cycles Adam\'s beta1 (PyTorch 2.x), and needs momentum or betas with cycleMomentum', () => {
    const adam = new optim.Adam([zeros(1, { requiresGrad: true })], 0.1);
    const s = new S.CyclicLR(adam, 0.01, 0.1, 2);
    expect(adam.paramGroups[0]!.betas[0]).toBeCloseTo(0.9, 12);
    s.step();
    expect(adam.paramGroups[0]!.betas[0]).toBeCloseTo(0.85, 12);
    expect(adam.paramGroups[0]!.betas[1]).toBe(0.999);
    const ada = new optim.Adagrad([zeros(1, { requiresGrad: true })]);
    expect(() => new S.CyclicLR(ada, 0.01, 0.1)).toThrow(/CyclicLR: optimizer must support momentum or beta1 with `cycleMomentum` option enabled/);
    expect(() => new S.CyclicLR(ada, 0.01, 0.1, { cycleMomentum: false })).not.toThrow();
  });
  it('ReduceLROnPlateau takes a one-element tensor as the metric', () => {
    const o = sgd();
    const r = new S.ReduceLROnPlateau(o, { patience: 0 });
    r.step(tensor(1));
    r.step(tensor([2]));
    expect(o.paramGroups[0]!.lr).toBeCloseTo(0.01, 12);
    expect(() => r.step('1' as never)).toThrow(/ReduceLROnPlateau.step: metrics must be a number or a one-element tensor/);
  });
  it("PyTorch's errors", () => {
    const o = sgd(2);
    expect(() => new S.LambdaLR(o, [LAMBDAS['pow95']!])).toThrow(/LambdaLR: Expected 2 lr_lambdas, but got 1/);
    expect(() => new S.LambdaLR(o, 0.5 as never)).toThrow(/LambdaLR: lrLambda must be a function/);
    expect(() => new S.ConstantLR(o, 1.5)).toThrow(/ConstantLR: Constant multiplicative factor expected to be between 0 and 1/);
    expect(() => new S.PolynomialLR(o, { total_iters: 3 } as never)).toThrow(/PolynomialLR: unknown option 'total_iters' \(PyTorch's total_iters is totalIters here\)/);
    expect(() => new S.CosineAnnealingWarmRestarts(o, 0)).toThrow(/Expected positive integer T_0/);
    expect(() => new S.CosineAnnealingWarmRestarts(o, 2, 1.5)).toThrow(/Expected integer T_mult \(tMult\) >= 1/);
    expect(() => new S.CosineAnnealingWarmRestarts(o, 2).step(-1)).toThrow(/Expected non-negative epoch, but got -1/);
    expect(() => new S.CosineAnnealingWarmRestarts(o, { T_0: 2 } as never)).toThrow(/PyTorch's T_0 is t0 here|unknown option 'T_0'/);
    expect(() => new S.CyclicLR(o, 0.01)).toThrow(/CyclicLR: missing required argument maxLr/);
    expect(() => new S.CyclicLR(o, 0.01, [0.1])).toThrow(/CyclicLR: expected 2 values for maxLr, got 1/);
    expect(() => new S.CyclicLR(o, 0.01, 0.1, { mode: 'cosine' as never })).toThrow(/CyclicLR: mode is invalid and scaleFn is None/);
    expect(() => new S.ReduceLROnPlateau(o, { factor: 1 })).toThrow(/ReduceLROnPlateau: Factor should be < 1.0./);
    expect(() => new S.ReduceLROnPlateau(o, 'avg' as never)).toThrow(/ReduceLROnPlateau: mode avg is unknown!/);
    expect(() => new S.ReduceLROnPlateau(o, { thresholdMode: 'pct' as never })).toThrow(/threshold mode pct is unknown!/);
    expect(() => new S.ReduceLROnPlateau(o, { minLr: [0.1] })).toThrow(/ReduceLROnPlateau: expected 2 min_lrs, got 1/);
    expect(() => new S.ReduceLROnPlateau(o, { min_lr: 0 } as never)).toThrow(/PyTorch's min_lr is minLr here/);
    const c = new S.ConstantLR(o);
    const other = sgd(2);
    expect(() => new S.SequentialLR(o, [c, new S.ExponentialLR(other, 0.9)], [2])).toThrow(/SequentialLR: expects all schedulers to belong to the same optimizer/);
    expect(() => new S.SequentialLR(o, [c], [2])).toThrow(/expects number of schedulers provided to be one more than the number of milestone points/);
    expect(() => new S.ChainedScheduler([c, new S.ExponentialLR(other, 0.9)])).toThrow(/ChainedScheduler: expects all schedulers to belong to the same optimizer/);
    expect(() => new S.ChainedScheduler([new S.ReduceLROnPlateau(o) as never])).toThrow(/ReduceLROnPlateau cannot be chained/);
    expect(() => new S.ChainedScheduler([c], other)).toThrow(/ChainedScheduler: expects all schedulers to belong to the same optimizer.*the optimizer passed in/);
    expect(new S.ChainedScheduler([c], o).optimizer).toBe(o);
    expect(() => new S.ReduceLROnPlateau(o).step(1, ...([3] as never[]))).toThrow(/ReduceLROnPlateau.step: takes only the metric/);
    expect(() => new S.StepLR(o, 2).step(1.5)).toThrow(/StepLR.step: epoch must be an integer/);
  });
});
