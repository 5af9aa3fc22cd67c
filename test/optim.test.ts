/**
 * optim: every optimizer and option for 5 steps on a fixed linear-regression problem against float64
 * plain-JS implementations of PyTorch's documented update rules (written here, independently of the
 * library), param groups, state dicts, zeroGrad, errors, and every lr scheduler against closed forms.
 */
import { describe, expect, it } from 'vitest';
import { optim, tensor, Tensor } from '../src/index.js';
import { expectClose } from './helpers.js';

const { SGD, Adam, AdamW, RMSprop } = optim;
type Optimizer = optim.Optimizer;

// ---------------------------------------------------------------- the fixed problem
// loss(W, b) = mean((X W^T + b - Y)^2) with X 5x3, Y 5x2, W 2x3, b 2.

const X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.4],
  [-1.3, -0.5, 0.4],
];
const Y = [
  [1.0, -0.5],
  [0.3, 2.0],
  [-1.2, 0.7],
  [0.9, -1.1],
  [-0.6, 0.4],
];
const W0 = [0.2, -0.4, 0.6, -0.3, 0.8, 0.1];
const B0 = [0.05, -0.15];

function lossOf(W: Tensor, b: Tensor): Tensor {
  return tensor(X).matmul(W.t()).add(b).sub(tensor(Y)).pow(2).mean();
}

/** float64 gradient of the loss at (W, b), flat row-major. */
function refGrads(W: number[], b: number[]): [number[], number[]] {
  const gW = new Array<number>(6).fill(0);
  const gb = new Array<number>(2).fill(0);
  const scale = 2 / 10;
  for (let i = 0; i < 5; i++) {
    for (let o = 0; o < 2; o++) {
      let r = b[o]! - Y[i]![o]!;
      for (let k = 0; k < 3; k++) r += X[i]![k]! * W[o * 3 + k]!;
      for (let k = 0; k < 3; k++) gW[o * 3 + k]! += scale * r * X[i]![k]!;
      gb[o]! += scale * r;
    }
  }
  return [gW, gb];
}

function makeParams(): [Tensor, Tensor] {
  const W = tensor([W0.slice(0, 3), W0.slice(3)], { requiresGrad: true });
  const b = tensor(B0, { requiresGrad: true });
  return [W, b];
}

/** Runs `steps` optimizer steps on the library problem and returns the final flat params. */
function runLib(make: (ps: Tensor[]) => Optimizer, steps = 5): number[][] {
  const [W, b] = makeParams();
  const opt = make([W, b]);
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    lossOf(W, b).backward();
    opt.step();
  }
  return [Array.from(W.toArray()), Array.from(b.toArray())];
}

// ---------------------------------------------------------------- float64 references of PyTorch's rules

/** One parameter's update given its gradient; keeps its own state. */
type RefStep = (p: number[], g: number[], state: Record<string, number[] | number>, h: Record<string, any>) => void;

/** torch.optim.SGD documentation (maximize negates the gradient first, as torch's implementation does). */
const refSGD: RefStep = (p, g0, st, h) => {
  for (let i = 0; i < p.length; i++) {
    let g = h.maximize ? -g0[i]! : g0[i]!;
    if (h.weightDecay) g += h.weightDecay * p[i]!;
    if (h.momentum) {
      const buf = (st.buf as number[] | undefined) ?? [];
      const b = buf.length === p.length ? h.momentum * buf[i]! + (1 - h.dampening) * g : g;
      (st.next ??= new Array(p.length)) as number[];
      (st.next as number[])[i] = b;
      g = h.nesterov ? g + h.momentum * b : b;
    }
    p[i] = p[i]! - h.lr * g;
  }
  if (h.momentum) st.buf = [...(st.next as number[])];
};

/** torch.optim.Adam / AdamW documentation. */
const refAdam: RefStep = (p, g0, st, h) => {
  const t = ((st.t as number | undefined) ?? 0) + 1;
  st.t = t;
  const m = (st.m as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  const v = (st.v as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  const vmax = (st.vmax as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  const [b1, b2] = h.betas as [number, number];
  for (let i = 0; i < p.length; i++) {
    let g = h.maximize ? -g0[i]! : g0[i]!;
    if (h.decoupled) p[i] = p[i]! * (1 - h.lr * h.weightDecay);
    else if (h.weightDecay) g += h.weightDecay * p[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * g;
    v[i] = b2 * v[i]! + (1 - b2) * g * g;
    const mHat = m[i]! / (1 - b1 ** t);
    let vHat: number;
    if (h.amsgrad) {
      vmax[i] = Math.max(vmax[i]!, v[i]!);
      vHat = vmax[i]! / (1 - b2 ** t);
    } else {
      vHat = v[i]! / (1 - b2 ** t);
    }
    p[i] = p[i]! - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
  Object.assign(st, { m, v, vmax });
};

/** torch.optim.RMSprop documentation. */
const refRMSprop: RefStep = (p, g0, st, h) => {
  const sq = (st.sq as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  const ga = (st.ga as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  const buf = (st.buf as number[] | undefined) ?? new Array<number>(p.length).fill(0);
  for (let i = 0; i < p.length; i++) {
    let g = h.maximize ? -g0[i]! : g0[i]!;
    if (h.weightDecay) g += h.weightDecay * p[i]!;
    sq[i] = h.alpha * sq[i]! + (1 - h.alpha) * g * g;
    let vt = sq[i]!;
    if (h.centered) {
      ga[i] = ga[i]! * h.alpha + (1 - h.alpha) * g;
      vt -= ga[i]! ** 2;
    }
    if (h.momentum > 0) {
      buf[i] = h.momentum * buf[i]! + g / (Math.sqrt(vt) + h.eps);
      p[i] = p[i]! - h.lr * buf[i]!;
    } else {
      p[i] = p[i]! - (h.lr * g) / (Math.sqrt(vt) + h.eps);
    }
  }
  Object.assign(st, { sq, ga, buf });
};

/** Runs the reference for `steps` steps; `hyper` is per parameter (W, b). */
function runRef(step: RefStep, hyper: [Record<string, any>, Record<string, any>], steps = 5): number[][] {
  const W = [...W0], b = [...B0];
  const states: Record<string, number[] | number>[] = [{}, {}];
  for (let s = 0; s < steps; s++) {
    const [gW, gb] = refGrads(W, b);
    step(W, gW, states[0]!, hyper[0]);
    step(b, gb, states[1]!, hyper[1]);
  }
  return [W, b];
}

const sgdDefaults = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
const adamDefaults = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupled: false };
const adamWDefaults = { ...adamDefaults, weightDecay: 1e-2, decoupled: true };
const rmsDefaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

function expectTrajectory(got: number[][], want: number[][], what: string): void {
  expectClose(got[0]!, want[0]!, { atol: 1e-5, rtol: 1e-5, what: `${what} W` });
  expectClose(got[1]!, want[1]!, { atol: 1e-5, rtol: 1e-5, what: `${what} b` });
  // the test is only meaningful if the parameters really moved
  const moved = Math.max(...got[0]!.map((v, i) => Math.abs(v - W0[i]!)));
  expect(moved, `${what}: parameters moved`).toBeGreaterThan(1e-3);
}

function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((arr, k) => arr.forEach((v, i) => (d = Math.max(d, Math.abs(v - b[k]![i]!)))));
  return d;
}

interface Case {
  name: string;
  opts: Record<string, any>;
}

function optimizerCases(
  label: string,
  make: (ps: Tensor[], o: Record<string, any>) => Optimizer,
  ref: RefStep,
  defaults: Record<string, any>,
  cases: Case[],
  toRef: (o: Record<string, any>) => Record<string, any> = (o) => o,
): void {
  describe(label, () => {
    const base = runLib((ps) => make(ps, cases[0]!.opts));
    for (const c of cases) {
      it(`${c.name}: 5 steps match PyTorch's documented update (float64) to 1e-5`, () => {
        const h = { ...defaults, ...toRef(c.opts) };
        const got = runLib((ps) => make(ps, c.opts));
        expectTrajectory(got, runRef(ref, [h, h]), `${label} ${c.name}`);
        if (c !== cases[0]) expect(maxDiff(got, base), `${c.name} changes the trajectory`).toBeGreaterThan(1e-4);
      });
    }
  });
}

// ---------------------------------------------------------------- optimizers vs references

optimizerCases('SGD', (ps, o) => new SGD(ps, o), refSGD, sgdDefaults, [
  { name: 'plain', opts: { lr: 0.1 } },
  { name: 'momentum', opts: { lr: 0.1, momentum: 0.9 } },
  { name: 'momentum + dampening', opts: { lr: 0.1, momentum: 0.9, dampening: 0.3 } },
  { name: 'nesterov', opts: { lr: 0.1, momentum: 0.9, nesterov: true } },
  { name: 'weightDecay', opts: { lr: 0.1, weightDecay: 0.2 } },
  { name: 'maximize', opts: { lr: 0.1, maximize: true } },
  { name: 'everything', opts: { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.1, maximize: true } },
]);

const adamRef = (o: Record<string, any>) => ({ ...o, decoupled: o.decoupledWeightDecay ?? false });
optimizerCases('Adam', (ps, o) => new Adam(ps, o), refAdam, adamDefaults, [
  { name: 'default', opts: { lr: 0.05 } },
  { name: 'betas + eps', opts: { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3 } },
  { name: 'weightDecay', opts: { lr: 0.05, weightDecay: 0.3 } },
  { name: 'amsgrad', opts: { lr: 0.05, betas: [0.9, 0.5], amsgrad: true } },
  { name: 'maximize', opts: { lr: 0.05, maximize: true } },
  { name: 'decoupledWeightDecay', opts: { lr: 0.05, weightDecay: 0.3, decoupledWeightDecay: true } },
], adamRef);

optimizerCases('AdamW', (ps, o) => new AdamW(ps, o), refAdam, adamWDefaults, [
  { name: 'default weightDecay 0.01', opts: { lr: 0.05 } },
  { name: 'weightDecay + amsgrad', opts: { lr: 0.05, weightDecay: 0.5, betas: [0.9, 0.5], amsgrad: true } },
  { name: 'maximize', opts: { lr: 0.05, maximize: true, weightDecay: 0.1 } },
]);

optimizerCases('RMSprop', (ps, o) => new RMSprop(ps, o), refRMSprop, rmsDefaults, [
  { name: 'default', opts: { lr: 0.01 } },
  { name: 'alpha + eps', opts: { lr: 0.01, alpha: 0.9, eps: 1e-4 } },
  { name: 'momentum', opts: { lr: 0.01, momentum: 0.9 } },
  { name: 'centered', opts: { lr: 0.01, centered: true } },
  { name: 'weightDecay', opts: { lr: 0.01, weightDecay: 0.5 } },
  { name: 'centered + momentum + weightDecay', opts: { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1 } },
  { name: 'maximize', opts: { lr: 0.01, maximize: true } },
]);

describe('option effects the references would not catch on their own', () => {
  it('amsgrad really uses the running max (differs from plain Adam with the same betas)', () => {
    const a = runLib((ps) => new Adam(ps, { lr: 0.05, betas: [0.9, 0.5] }));
    const b = runLib((ps) => new Adam(ps, { lr: 0.05, betas: [0.9, 0.5], amsgrad: true }));
    expect(maxDiff(a, b)).toBeGreaterThan(1e-4);
  });
  it('AdamW decays decoupled (differs from Adam with the same weightDecay)', () => {
    const a = runLib((ps) => new Adam(ps, { lr: 0.05, weightDecay: 0.3 }));
    const b = runLib((ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.3 }));
    expect(maxDiff(a, b)).toBeGreaterThan(1e-4);
  });
  it('SGD with lr 0 leaves parameters unchanged; plain SGD is p - lr * grad exactly after one step', () => {
    expect(runLib((ps) => new SGD(ps, { lr: 0 }))).toEqual([W0.map(Math.fround), B0.map(Math.fround)]);
    const [W, b] = makeParams();
    lossOf(W, b).backward();
    const g = Array.from(W.grad!.toArray());
    new SGD([W, b], { lr: 0.5 }).step();
    expectClose(W.toArray(), W0.map((w, i) => w - 0.5 * g[i]!), { atol: 1e-7, rtol: 0 });
  });
});

// ---------------------------------------------------------------- groups, state, zeroGrad

describe('param groups', () => {
  it('each group uses its own lr and hyperparameters (defaults fill the rest)', () => {
    const got = runLib(([W, b]) => new SGD([{ params: [W!] }, { params: b!, lr: 0.01, momentum: 0.5 }], { lr: 0.1, momentum: 0.9 }));
    const want = runRef(refSGD, [{ ...sgdDefaults, lr: 0.1, momentum: 0.9 }, { ...sgdDefaults, lr: 0.01, momentum: 0.5 }]);
    expectTrajectory(got, want, 'SGD groups');
    const got2 = runLib(([W, b]) => new Adam([{ params: [W!], lr: 0.05 }, { params: [b!], lr: 0.2, betas: [0.5, 0.9] }]));
    const want2 = runRef(refAdam, [{ ...adamDefaults, lr: 0.05 }, { ...adamDefaults, lr: 0.2, betas: [0.5, 0.9] }]);
    expectTrajectory(got2, want2, 'Adam groups');
  });

  it('paramGroups exposes every hyperparameter; addParamGroup adds a group with defaults', () => {
    const [W, b] = makeParams();
    const opt = new Adam([W], { lr: 0.01, amsgrad: true });
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1]!.lr).toBe(0.5);
    expect(opt.paramGroups[1]!.amsgrad).toBe(true);
    expect(opt.paramGroups[1]!.params[0]).toBe(b);
    // groups do not share the defaults' arrays
    opt.paramGroups[1]!.betas[0] = 0.5;
    expect(opt.paramGroups[0]!.betas[0]).toBe(0.9);
    expect(opt.defaults.betas[0]).toBe(0.9);
    expect(() => opt.addParamGroup({ params: [W] })).toThrow(/more than one parameter group/);
  });

  it('parameters without a gradient are skipped and get no state', () => {
    const [W, b] = makeParams();
    const extra = tensor([1, 2, 3], { requiresGrad: true });
    const opt = new Adam([W, b, extra], { lr: 0.1 });
    lossOf(W, b).backward();
    opt.step();
    expect(Array.from(extra.toArray())).toEqual([1, 2, 3]);
    expect(opt.state.has(extra)).toBe(false);
    expect(opt.state.get(W)!['step']).toBe(1);
  });
});

describe('zeroGrad', () => {
  it('sets grads to null by default, or zeros them in place with setToNone = false', () => {
    const [W, b] = makeParams();
    const opt = new SGD([W, b], { lr: 0.1 });
    lossOf(W, b).backward();
    expect(W.grad).not.toBeNull();
    opt.zeroGrad();
    expect(W.grad).toBeNull();
    expect(b.grad).toBeNull();
    lossOf(W, b).backward();
    const g = W.grad!;
    opt.zeroGrad(false);
    expect(W.grad).toBe(g);
    expect(Array.from(g.toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    // a step with zero gradients changes nothing (plain SGD)
    opt.step();
    expectClose(W.toArray(), W0, { atol: 1e-7 });
  });
  it('without zeroGrad gradients accumulate (the step uses the sum)', () => {
    const [W, b] = makeParams();
    const opt = new SGD([W, b], { lr: 0.1 });
    lossOf(W, b).backward();
    lossOf(W, b).backward();
    const [gW] = refGrads(W0, B0);
    opt.step();
    expectClose(W.toArray(), W0.map((w, i) => w - 0.1 * 2 * gW[i]!), { atol: 1e-6 });
  });
});

describe('stateDict / loadStateDict', () => {
  const makers: [string, (ps: Tensor[]) => Optimizer][] = [
    ['SGD momentum', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.05, betas: [0.9, 0.5], amsgrad: true })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.05 })],
    ['RMSprop centered momentum', (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: a fresh optimizer loaded from the state continues identically`, () => {
      const straight = runLib(make, 5);
      const [W, b] = makeParams();
      const first = make([W, b]);
      for (let s = 0; s < 2; s++) {
        first.zeroGrad();
        lossOf(W, b).backward();
        first.step();
      }
      const sd = first.stateDict();
      const second = make([W, b]);
      second.loadStateDict(sd);
      // the loaded state is a copy: scribbling on the dict afterwards changes nothing
      for (const st of Object.values(sd.state)) for (const v of Object.values(st)) if (v instanceof Tensor) v.fill_(123);
      for (let s = 0; s < 3; s++) {
        second.zeroGrad();
        lossOf(W, b).backward();
        second.step();
      }
      expect([Array.from(W.toArray()), Array.from(b.toArray())]).toEqual(straight);
    });
  }

  it("has PyTorch's structure, state key names and cloned tensors", () => {
    const [W, b] = makeParams();
    const opt = new Adam([{ params: [W] }, { params: [b], lr: 0.5 }], { lr: 0.1, amsgrad: true });
    lossOf(W, b).backward();
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state).map(Number)).toEqual([0, 1]);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.state[0]!['step']).toBe(1);
    const m = sd.state[0]!['exp_avg'] as Tensor;
    expect(m.shape).toEqual([2, 3]);
    expect(m).not.toBe(opt.state.get(W)!['exp_avg']);
    expect(m.storage).not.toBe((opt.state.get(W)!['exp_avg'] as Tensor).storage);
    expect(sd.paramGroups).toHaveLength(2);
    expect(sd.paramGroups[0]).toMatchObject({ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, amsgrad: true, params: [0] });
    expect(sd.paramGroups[1]).toMatchObject({ lr: 0.5, params: [1] });
    const sgd = new SGD([W, b], { lr: 0.1, momentum: 0.9 });
    lossOf(W, b).backward();
    sgd.step();
    expect(Object.keys(sgd.stateDict().state[1]!)).toEqual(['momentum_buffer']);
    const rms = new RMSprop([W], { centered: true, momentum: 0.1 });
    rms.step();
    expect(Object.keys(rms.stateDict().state[0]!).sort()).toEqual(['grad_avg', 'momentum_buffer', 'square_avg', 'step']);
  });

  it('loading restores the hyperparameters of the groups', () => {
    const [W, b] = makeParams();
    const a = new SGD([W, b], { lr: 0.1 });
    a.paramGroups[0]!.lr = 0.025;
    const c = new SGD([W, b], { lr: 0.1 });
    c.loadStateDict(a.stateDict());
    expect(c.paramGroups[0]!.lr).toBe(0.025);
    expect(c.paramGroups[0]!.params[1]).toBe(b);
  });

  it('rejects mismatched state dicts with clear errors and changes nothing', () => {
    const [W, b] = makeParams();
    const a = new Adam([W, b], { lr: 0.1 });
    lossOf(W, b).backward();
    a.step();
    const sd = a.stateDict();
    const two = new Adam([{ params: [W] }, { params: [b] }]);
    expect(() => two.loadStateDict(sd)).toThrow(/different number of parameter groups/);
    const small = new Adam([W]);
    expect(() => small.loadStateDict(sd)).toThrow(/doesn't match the size/);
    const bad = a.stateDict();
    bad.state[0]!['exp_avg'] = tensor([1, 2, 3], { dtype: 'float32' });
    const fresh = new Adam([W, b], { lr: 0.3 });
    expect(() => fresh.loadStateDict(bad)).toThrow(/exp_avg.*shape \[3\].*\[2, 3\]/);
    expect(fresh.paramGroups[0]!.lr).toBe(0.3);
    expect(fresh.state.size).toBe(0);
  });
});

// ---------------------------------------------------------------- errors

describe('errors', () => {
  const [W] = makeParams();
  it("invalid hyperparameters give PyTorch's messages", () => {
    expect(() => new SGD([W], { lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(() => new SGD([W], { lr: NaN })).toThrow('Invalid learning rate: NaN');
    expect(() => new SGD([W], { momentum: -0.5 })).toThrow('Invalid momentum value: -0.5');
    expect(() => new SGD([W], { weightDecay: -1 })).toThrow('Invalid weightDecay value: -1');
    expect(() => new SGD([W], { nesterov: true })).toThrow('Nesterov momentum requires a momentum and zero dampening');
    expect(() => new SGD([W], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/Nesterov/);
    expect(() => new Adam([W], { lr: -0.1 })).toThrow('Invalid learning rate: -0.1');
    expect(() => new Adam([W], { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new Adam([W], { betas: [1, 0.9] })).toThrow('Invalid beta parameter at index 0: 1');
    expect(() => new Adam([W], { betas: [0.9, -0.1] })).toThrow('Invalid beta parameter at index 1: -0.1');
    expect(() => new AdamW([W], { weightDecay: -0.1 })).toThrow('Invalid weightDecay value: -0.1');
    expect(() => new RMSprop([W], { alpha: -1 })).toThrow('Invalid alpha value: -1');
    expect(() => new RMSprop([W], { momentum: -1 })).toThrow('Invalid momentum value: -1');
    expect(() => new RMSprop([W], { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new SGD([{ params: [W], lr: -2 }], { lr: 0.1 })).toThrow('Invalid learning rate: -2');
  });

  it('non-tensor, non-float, non-leaf, empty and duplicate params are rejected', () => {
    expect(() => new SGD([1 as unknown as Tensor])).toThrow(/optimizer can only optimize Tensors.*number/);
    expect(() => new SGD(W as unknown as Tensor[])).toThrow(/iterable of Tensors or param groups, but got Tensor/);
    expect(() => new SGD([tensor([1, 2], { dtype: 'int32' })])).toThrow(/dtype int32; only float32/);
    expect(() => new SGD([W.mul(2)])).toThrow(/non-leaf/);
    expect(() => new SGD([])).toThrow(/empty parameter list/);
    expect(() => new SGD([W, W])).toThrow(/duplicate parameters/);
    expect(() => new SGD([{ params: [W] }, { params: [W] }])).toThrow(/more than one parameter group/);
    expect(() => new SGD([{ params: 3 } as unknown as { params: Tensor }])).toThrow(/'params' must be a Tensor/);
  });

  it('a disposed parameter is reported by step() before anything changes', () => {
    const [W2, b2] = makeParams();
    const opt = new SGD([b2, W2], { lr: 0.1 });
    lossOf(W2, b2).backward();
    W2.dispose();
    expect(() => opt.step()).toThrow(/parameter 1 of param group 0 \(shape \[2, 3\]\) was disposed/);
    expect(Array.from(b2.toArray())).toEqual(B0.map(Math.fround));
    const [W3] = makeParams();
    W3.dispose();
    expect(() => new Adam([W3])).toThrow(/was disposed/);
  });

  it('a non-contiguous parameter or gradient is reported clearly', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    const p = base.t();
    p.requiresGrad = true;
    p.grad = tensor([[1, 1], [1, 1], [1, 1]], { dtype: 'float32' });
    const opt = new SGD([p], { lr: 0.1 });
    expect(() => opt.step()).toThrow(/parameter 0 of param group 0 \(shape \[3, 2\]\) is not contiguous/);
    const q = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    q.grad = tensor([[1, 2], [3, 4]], { dtype: 'float32' }).t();
    expect(() => new Adam([q]).step()).toThrow(/gradient of parameter 0 .* is not contiguous/);
    expect(Array.from(q.toArray())).toEqual([1, 2, 3, 4]);
  });

  it('an invalid lr set on a group later is caught by step()', () => {
    const [W2, b2] = makeParams();
    const opt = new SGD([W2, b2], { lr: 0.1 });
    lossOf(W2, b2).backward();
    opt.paramGroups[0]!.lr = -1;
    expect(() => opt.step()).toThrow('Invalid learning rate: -1');
  });

  it('step(closure) evaluates the closure and returns its loss', () => {
    const [W2, b2] = makeParams();
    const opt = new SGD([W2, b2], { lr: 0.1 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = lossOf(W2, b2);
      l.backward();
      return l;
    }) as Tensor;
    const [gW] = refGrads(W0, B0);
    expect(loss).toBeInstanceOf(Tensor);
    expectClose(W2.toArray(), W0.map((w, i) => w - 0.1 * gW[i]!), { atol: 1e-6 });
  });
});

// ---------------------------------------------------------------- lr schedulers

const { StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR } = optim.lrScheduler;

function twoGroups(kind: 'sgd' | 'adam' = 'sgd'): Optimizer {
  const [W, b] = makeParams();
  return kind === 'sgd'
    ? new SGD([{ params: [W], lr: 0.1 }, { params: [b], lr: 0.02 }], { momentum: 0.9 })
    : new Adam([{ params: [W], lr: 0.1 }, { params: [b], lr: 0.02 }]);
}

/** Steps a scheduler `n` times (with optimizer steps in between) and returns getLastLr() per epoch 0..n. */
function lrSequence(opt: Optimizer, sched: { step(): void; getLastLr(): number[] }, n = 20): number[][] {
  const out = [sched.getLastLr()];
  for (let e = 1; e <= n; e++) {
    opt.step();
    sched.step();
    out.push(sched.getLastLr());
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(out[out.length - 1]);
  }
  return out;
}

function expectLrs(got: number[][], closed: (base: number, e: number) => number, bases = [0.1, 0.02]): void {
  got.forEach((lrs, e) => {
    lrs.forEach((lr, i) => {
      const want = closed(bases[i]!, e);
      if (!(Math.abs(lr - want) <= 1e-12 + 1e-10 * Math.abs(want))) {
        expect.fail(`epoch ${e} group ${i}: lr ${lr}, closed form ${want}`);
      }
    });
  });
}

describe('lr schedulers against the closed forms of PyTorch docs', () => {
  it('StepLR: lr = base * gamma^floor(epoch / stepSize)', () => {
    const opt = twoGroups();
    expectLrs(lrSequence(opt, new StepLR(opt, 3, 0.5)), (b, e) => b * 0.5 ** Math.floor(e / 3));
  });

  it('MultiStepLR: lr = base * gamma^(milestones <= epoch), repeated milestones count twice', () => {
    const opt = twoGroups();
    const ms = [9, 2, 5, 5];
    expectLrs(lrSequence(opt, new MultiStepLR(opt, ms, 0.1)), (b, e) => b * 0.1 ** ms.filter((m) => m <= e).length);
  });

  it('ExponentialLR: lr = base * gamma^epoch', () => {
    const opt = twoGroups();
    expectLrs(lrSequence(opt, new ExponentialLR(opt, 0.9)), (b, e) => b * 0.9 ** e);
  });

  it('CosineAnnealingLR: lr = etaMin + (base - etaMin)(1 + cos(pi e / tMax)) / 2, also past tMax', () => {
    const opt = twoGroups();
    const eta = 0.001;
    expectLrs(lrSequence(opt, new CosineAnnealingLR(opt, 7, eta), 22), (b, e) => eta + ((b - eta) * (1 + Math.cos((Math.PI * e) / 7))) / 2);
  });

  it('LinearLR: lr = base * (start + (end - start) * min(e, totalIters) / totalIters)', () => {
    const opt = twoGroups();
    const s = 0.25, f = 0.9, n = 8;
    expectLrs(lrSequence(opt, new LinearLR(opt, { startFactor: s, endFactor: f, totalIters: n })),
      (b, e) => b * (s + ((f - s) * Math.min(e, n)) / n));
    const opt2 = twoGroups();
    expectLrs(lrSequence(opt2, new LinearLR(opt2)), (b, e) => b * (1 / 3 + ((2 / 3) * Math.min(e, 5)) / 5));
  });

  /** OneCycleLR written out from the paper's description / PyTorch docs, two or three phases. */
  function oneCycle(maxLr: number, total: number, e: number, o: { pct?: number; anneal?: 'cos' | 'linear'; three?: boolean } = {}) {
    const pct = o.pct ?? 0.3;
    const init = maxLr / 25, minLr = init / 1e4;
    const an = (a: number, b: number, t: number) => (o.anneal === 'linear' ? a + (b - a) * t : b + ((a - b) / 2) * (1 + Math.cos(Math.PI * t)));
    const up = pct * total - 1;
    if (!o.three) {
      if (e <= up) return { lr: an(init, maxLr, e / up), mom: an(0.95, 0.85, e / up) };
      const t = (e - up) / (total - 1 - up);
      return { lr: an(maxLr, minLr, t), mom: an(0.85, 0.95, t) };
    }
    const down = 2 * pct * total - 2;
    if (e <= up) return { lr: an(init, maxLr, e / up), mom: an(0.95, 0.85, e / up) };
    if (e <= down) return { lr: an(maxLr, init, (e - up) / (down - up)), mom: an(0.85, 0.95, (e - up) / (down - up)) };
    return { lr: an(init, minLr, (e - down) / (total - 1 - down)), mom: 0.95 };
  }

  it('OneCycleLR (cos, two phases): lr and momentum follow the cycle; beta1 for Adam', () => {
    const opt = twoGroups();
    const sched = new OneCycleLR(opt, [1.0, 0.5], { totalSteps: 20 });
    const moms: number[] = [opt.paramGroups[0]!['momentum'] as number];
    const seq = [sched.getLastLr()];
    for (let e = 1; e < 20; e++) {
      opt.step();
      sched.step();
      seq.push(sched.getLastLr());
      moms.push(opt.paramGroups[0]!['momentum'] as number);
    }
    seq.forEach((lrs, e) => {
      expect(lrs[0]).toBeCloseTo(oneCycle(1.0, 20, e).lr, 12);
      expect(lrs[1]).toBeCloseTo(oneCycle(0.5, 20, e).lr, 12);
      expect(moms[e]).toBeCloseTo(oneCycle(1.0, 20, e).mom, 12);
    });
    expect(seq[0]![0]).toBeCloseTo(1.0 / 25, 12);
    expect(seq[19]![0]).toBeCloseTo(1.0 / 25 / 1e4, 12);
    // one more step is allowed (epoch == totalSteps), then it is an error like PyTorch's
    sched.step();
    expect(() => sched.step()).toThrow(/Tried to step 21 times. The specified number of total steps is 20/);

    const adam = twoGroups('adam');
    const s2 = new OneCycleLR(adam, 0.1, { epochs: 4, stepsPerEpoch: 5 });
    for (let e = 0; e < 20; e++) {
      if (e > 0) s2.step();
      const betas = adam.paramGroups[0]!['betas'] as number[];
      expect(betas[0]).toBeCloseTo(oneCycle(0.1, 20, e).mom, 12);
      expect(betas[1]).toBe(0.999);
      expect(s2.getLastLr()[1]).toBeCloseTo(oneCycle(0.1, 20, e).lr, 12);
    }
  });

  it('OneCycleLR linear and three-phase variants', () => {
    for (const o of [{ anneal: 'linear' as const }, { three: true }, { three: true, anneal: 'linear' as const, pct: 0.25 }]) {
      const opt = twoGroups();
      const sched = new OneCycleLR(opt, 2.0, { totalSteps: 20, annealStrategy: o.anneal, threePhase: o.three, pctStart: o.pct });
      for (let e = 0; e < 20; e++) {
        if (e > 0) sched.step();
        expect(sched.getLastLr()[0], `${JSON.stringify(o)} epoch ${e}`).toBeCloseTo(oneCycle(2.0, 20, e, o).lr, 12);
        expect(opt.paramGroups[0]!['momentum'] as number).toBeCloseTo(oneCycle(2.0, 20, e, o).mom, 12);
      }
    }
  });

  it('schedulers chain on the current lr (PyTorch recursive form) and start from initialLr', () => {
    const opt = twoGroups();
    const a = new ExponentialLR(opt, 0.5);
    const b = new StepLR(opt, 2, 0.1);
    expect(b.baseLrs).toEqual([0.1, 0.02]); // initialLr set by the first scheduler
    opt.step();
    a.step();
    b.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.05, 15);
    opt.step();
    a.step();
    b.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.1 * 0.25 * 0.1, 15);
  });

  it('stateDict / loadStateDict resume a schedule', () => {
    const opt = twoGroups();
    const sched = new CosineAnnealingLR(opt, 10, 0.001);
    for (let i = 0; i < 4; i++) sched.step();
    const sd = sched.stateDict();
    expect(sd).toMatchObject({ lastEpoch: 4, baseLrs: [0.1, 0.02], tMax: 10, etaMin: 0.001 });
    expect(sd).not.toHaveProperty('optimizer');
    const opt2 = twoGroups();
    opt2.loadStateDict(opt.stateDict());
    const sched2 = new CosineAnnealingLR(opt2, 10, 0.001);
    sched2.loadStateDict(sd);
    for (let i = 0; i < 8; i++) {
      sched.step();
      sched2.step();
      expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    }
    const st = new StepLR(twoGroups(), 3);
    for (let i = 0; i < 5; i++) st.step();
    const st2 = new StepLR(twoGroups(), 7, 0.9);
    st2.loadStateDict(st.stateDict());
    expect(st2.stepSize).toBe(3);
    expect(st2.lastEpoch).toBe(5);
    expect(() => st2.loadStateDict({ bogus: 1 })).toThrow(/unexpected key 'bogus'/);
  });

  it('invalid scheduler arguments are reported', () => {
    const opt = twoGroups();
    expect(() => new StepLR(opt, 0)).toThrow(/stepSize must be a positive integer/);
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(/Starting multiplicative factor/);
    expect(() => new LinearLR(opt, { endFactor: 2 })).toThrow(/Ending multiplicative factor/);
    expect(() => new CosineAnnealingLR(opt, -1)).toThrow(/tMax/);
    expect(() => new OneCycleLR(opt, 0.1)).toThrow(/totalSteps OR \(epochs AND stepsPerEpoch\)/);
    expect(() => new OneCycleLR(opt, 0.1, { totalSteps: 0 })).toThrow(/Expected positive integer totalSteps/);
    expect(() => new OneCycleLR(opt, 0.1, { totalSteps: 10, pctStart: 2 })).toThrow(/Expected float between 0 and 1 pctStart/);
    expect(() => new OneCycleLR(opt, [0.1], { totalSteps: 10 })).toThrow(/expected 2 values for maxLr/);
    expect(() => new StepLR({} as unknown as Optimizer, 1)).toThrow(/expected an Optimizer/);
    const fresh = twoGroups();
    expect(() => new StepLR(fresh, 2, 0.1, 3)).toThrow(/initialLr/);
  });
});
