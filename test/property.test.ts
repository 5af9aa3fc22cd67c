/**
 * Property-based tests (fast-check) over random shapes (0-4 dims, sizes 1-6 with many 1s), strides
 * (permuted / narrowed / expanded / every-other-element views, as graph views or as non-contiguous leaves),
 * broadcasts, view chains and dims:
 *   1. forward values and gradients (backward of sum(out * R) for a fixed seeded R) agree between the
 *      `wasm` and `js` backends, computed from identical inputs once per backend;
 *   2. invalid combinations throw an error naming the op, never a WebAssembly trap, leave the operands
 *      unchanged, and the library keeps working afterwards.
 *
 * This file compares the two backends itself, so it runs in ONE vitest project only: the suite is guarded
 * with `describe.runIf(process.env.WASMGRAD_BACKEND === 'wasm')` (the `wasm-plain` project, which also sets
 * WASMGRAD_BACKEND=wasm, does not include this file). Every property is seeded (SEED below): a failure
 * prints fast-check's seed, path and shrunk counterexample, which replay with `{ seed, path }`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Tensor, tensor, setBackend, getBackend, type BackendName,
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, relu, sigmoid, tanh, clamp,
  sum, mean, amax, amin, argmax, argmin, matmul, cat, stack, softmax, logSoftmax, indexSelect, gather,
} from '../src/index.js';
import { expectClose, expectLibraryWorks, mulberry32 } from './helpers.js';

/** Fixed seed (WASMGRAD_PROPERTY_SEED overrides it to explore; WASMGRAD_PROPERTY_SCALE multiplies numRuns). */
const SEED = Number(process.env.WASMGRAD_PROPERTY_SEED ?? 0x5eed_0006);
const SCALE = Number(process.env.WASMGRAD_PROPERTY_SCALE ?? 1);
/** Generated cases per property; the sum over all properties is checked to be >= 10,000 below. */
const RUNS = {
  binary: 2800,
  unary: 2200,
  reduce: 2600,
  views: 2200,
  matmul: 1800,
  catStack: 1400,
  softmax: 1400,
  indexing: 1800,
  badBroadcast: 1000,
  badDims: 1400,
  badIndices: 1000,
  badMatmul: 1000,
} as const;

// ---------------------------------------------------------------- generators

/** Sizes 1-6, with 1 drawn about a third of the time (broadcasting). */
const size = fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }) });
/** 0-4 dims, at most `maxNumel` elements (keeps each case small and fast). */
const shapeArb = (minDims = 0, maxDims = 4, maxNumel = 240) =>
  fc.array(size, { minLength: minDims, maxLength: maxDims }).filter((s) => s.reduce((a, b) => a * b, 1) <= maxNumel);

type LayoutKind = 'contig' | 'permute' | 'narrow' | 'expand' | 'strided';
/** How an input of a given logical shape is laid out in memory; `r` seeds the choices, `leaf` makes the view itself the leaf. */
interface Layout {
  kind: LayoutKind;
  r: number;
  leaf: boolean;
}
const layoutArb: fc.Arbitrary<Layout> = fc.record({
  kind: fc.constantFrom<LayoutKind>('contig', 'permute', 'narrow', 'expand', 'strided'),
  r: fc.nat(),
  leaf: fc.boolean(),
});

/** any: [-2, 2); pos: [0.2, 3); away: |v| in [0.3, 2); ties: {-1, -0.5, 0, 0.5, 1} (exact ties and kinks at 0). */
type Domain = 'any' | 'pos' | 'away' | 'ties';
function values(n: number, rng: () => number, domain: Domain): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng();
    out[i] = domain === 'ties' ? Math.floor(u * 5) / 2 - 1 : domain === 'any' ? 4 * u - 2 : domain === 'pos' ? 0.2 + 2.8 * u : (rng() < 0.5 ? -1 : 1) * (0.3 + 1.7 * u);
  }
  return out;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randPerm(n: number, rng: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

interface Input {
  /** What the op receives (of the requested logical shape, laid out as asked). */
  x: Tensor;
  /** The tensor whose .grad is compared. */
  leaf: Tensor;
}

/** A float32 input of logical `shape` laid out as `layout`, values from `seed` (identical on both backends). */
function makeInput(shape: readonly number[], layout: Layout, seed: number, domain: Domain = 'any', grad = true): Input {
  const rng = mulberry32(seed ^ layout.r);
  const nd = shape.length;
  let stored: number[];
  let toView: (t: Tensor) => Tensor;
  switch (layout.kind) {
    case 'contig':
      stored = [...shape];
      toView = (t) => t;
      break;
    case 'permute': {
      const p = randPerm(nd, rng);
      const inv = new Array<number>(nd);
      p.forEach((d, i) => (inv[d] = i));
      stored = p.map((d) => shape[d]!);
      toView = (t) => t.permute(inv);
      break;
    }
    case 'narrow': {
      const extra = shape.map(() => Math.floor(rng() * 3));
      const starts = extra.map((e) => Math.floor(rng() * (e + 1)));
      stored = shape.map((s, i) => s + extra[i]!);
      toView = (t) => shape.reduce((v, s, i) => (extra[i] ? v.narrow(i, starts[i]!, s) : v), t);
      break;
    }
    case 'expand': {
      stored = shape.map((s) => (rng() < 0.5 ? 1 : s));
      const drop = nd > 0 && stored[0] === 1 && rng() < 0.5; // also a new leading dim
      if (drop) stored = stored.slice(1);
      toView = (t) => t.expand([...shape]);
      break;
    }
    case 'strided': {
      stored = [...shape, 2];
      const k = rng() < 0.5 ? 0 : 1;
      toView = (t) => t.select(-1, k);
      break;
    }
  }
  const base = tensor(values(numel(stored), rng, domain)).reshape(stored).clone();
  if (!grad) return { x: toView(base), leaf: base };
  if (layout.leaf) {
    const x = toView(base).detach().requiresGrad_();
    return { x, leaf: x };
  }
  base.requiresGrad_();
  return { x: toView(base), leaf: base };
}

/** An int32 tensor. */
const ints = (v: readonly number[], shape: readonly number[]) => tensor(Int32Array.from(v), { dtype: 'int32' }).reshape([...shape]);

// ---------------------------------------------------------------- running on both backends

interface Result {
  shape: number[];
  dtype: string;
  out: number[];
  grads: (number[] | null)[];
}

/**
 * Runs `build` (which makes fresh inputs and applies the op) on one backend; when the output is float32
 * and some leaf requires grad, backpropagates sum(out * R) for a fixed seeded R of the output's shape.
 */
function runOn(backend: BackendName, build: () => { out: Tensor; leaves: Tensor[] }): Result {
  setBackend(backend);
  const { out, leaves } = build();
  const res: Result = { shape: [...out.shape], dtype: out.dtype, out: Array.from(out.toArray()), grads: [] };
  if (out.dtype === 'float32' && out.requiresGrad) {
    const r = tensor(values(out.numel(), mulberry32(0xc0ffee), 'any')).reshape([...out.shape]);
    out.mul(r).sum().backward();
    res.grads = leaves.map((l) => (l.grad ? Array.from(l.grad.toArray()) : null));
  }
  return res;
}

/** Forward values and gradients agree between wasm and js (float tolerance rtol 1e-4 / atol 1e-5 unless given). */
function expectBackendsAgree(build: () => { out: Tensor; leaves: Tensor[] }, tol: { rtol?: number; atol?: number } = {}): void {
  const before = getBackend();
  try {
    const w = runOn('wasm', build);
    const j = runOn('js', build);
    expect(w.shape).toEqual(j.shape);
    expect(w.dtype).toBe(j.dtype);
    if (w.dtype === 'float32') expectClose(w.out, j.out, { rtol: tol.rtol ?? 1e-4, atol: tol.atol ?? 1e-5, what: 'forward wasm vs js' });
    else expect(w.out).toEqual(j.out);
    expect(w.grads.length).toBe(j.grads.length);
    w.grads.forEach((g, i) => {
      const h = j.grads[i]!;
      expect(g === null).toBe(h === null);
      if (g !== null) expectClose(g, h, { rtol: tol.rtol ?? 1e-4, atol: tol.atol ?? 1e-5, what: `grad of input ${i} wasm vs js` });
    });
  } finally {
    setBackend(before);
  }
}

/** A WebAssembly trap, an incidental JS error, or a NaN leaking into a message (e.g. a view offset). */
const TRAP = /memory access out of bounds|unreachable|RuntimeError|Cannot read properties|is not a function|is not iterable|Maximum call stack|NaN/;

/**
 * On both backends: `fn` throws an Error whose message names `op` (as `op:`), not a WebAssembly trap,
 * the operands are unchanged, and the library keeps working.
 */
function expectCleanError(op: string, operands: () => Tensor[], fn: (xs: Tensor[]) => unknown): void {
  const before = getBackend();
  try {
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      const xs = operands();
      const snaps = xs.map((t) => ({ shape: [...t.shape], values: Array.from(t.toArray()) }));
      let caught: unknown;
      try {
        fn(xs);
      } catch (e) {
        caught = e;
      }
      if (caught === undefined) throw new Error(`${backend}: expected ${op} to throw`);
      expect(caught).toBeInstanceOf(Error);
      expect(caught).not.toBeInstanceOf(WebAssembly.RuntimeError);
      const msg = (caught as Error).message;
      expect(msg).not.toMatch(TRAP);
      expect(msg).toContain(`${op}:`);
      xs.forEach((t, i) => {
        expect([...t.shape]).toEqual(snaps[i]!.shape);
        expect(Array.from(t.toArray())).toEqual(snaps[i]!.values);
      });
      expectLibraryWorks();
    }
  } finally {
    setBackend(before);
  }
}

/** Two broadcastable shapes: suffixes of one output shape, some dims set to 1. */
const broadcastPairArb = fc
  .tuple(shapeArb(0, 4, 200), fc.nat(), fc.boolean())
  .map(([s, r, swap]) => {
    const rng = mulberry32(r);
    const derive = () => {
      const keep = Math.floor(rng() * (s.length + 1));
      return s.slice(s.length - keep).map((v) => (rng() < 0.3 ? 1 : v));
    };
    const a = rng() < 0.5 ? [...s] : derive();
    const b = derive();
    return swap ? [b, a] : [a, b];
  });

/** Two shapes that cannot be broadcast: one aligned dim differs and neither is 1. */
const badPairArb = fc
  .tuple(shapeArb(1, 4, 200), fc.nat(), fc.boolean())
  .map(([s, r, swap]) => {
    const rng = mulberry32(r);
    const a = [...s];
    const b = s.slice(s.length - 1 - Math.floor(rng() * s.length)).map((v) => (rng() < 0.3 ? 1 : v));
    const k = Math.floor(rng() * b.length); // position in b, aligned with a[a.length - b.length + k]
    const ai = a.length - b.length + k;
    if (a[ai]! < 2) a[ai] = 2 + Math.floor(rng() * 4);
    let v = 2 + Math.floor(rng() * 5);
    if (v === a[ai]) v = v === 6 ? 2 : v + 1;
    b[k] = v;
    return swap ? [b, a] : [a, b];
  });

const SEEDS = fc.integer({ min: 1, max: 0x7fffffff });

// ---------------------------------------------------------------- properties

const params = (name: keyof typeof RUNS) => ({ seed: SEED, numRuns: Math.ceil(RUNS[name] * SCALE) });

/** A dim of an `nd`-dim tensor (negative half the time); 0-d tensors take 0 or -1 like PyTorch. */
const pickDim = (nd: number, u: number, v: number) => {
  const n = Math.max(nd, 1);
  const d = Math.floor(u * n);
  return v < 0.5 ? d : d - n;
};

/** A bad dim for an `nd`-dim tensor: >= n, < -n, or not an integer. */
const badDim = (nd: number, u: number) => {
  const n = Math.max(nd, 1);
  return u < 0.4 ? n + Math.floor(u * 10) : u < 0.8 ? -n - 1 - Math.floor(u * 10) : 0.5;
};

/** Compatible matmul shapes, 1-D to 4-D, with broadcast batch dims. */
const matmulShapesArb = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), size, size, size, broadcastPairArb)
  .map(([na, nb, m, k, n, [ba, bb]]) => {
    const a = na === 1 ? [k] : [...ba!.slice(Math.max(0, ba!.length - (na - 2))), m, k];
    const b = nb === 1 ? [k] : [...bb!.slice(Math.max(0, bb!.length - (nb - 2))), k, n];
    return [a, b] as const;
  })
  .filter(([a, b]) => numel(a) <= 300 && numel(b) <= 300);

describe.runIf(process.env.WASMGRAD_BACKEND === 'wasm')('property: wasm and js backends agree', () => {
  it('runs at least 10,000 generated cases per project run', () => {
    expect(Object.values(RUNS).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
  });

  it('elementwise binary ops over broadcasts and strided layouts', () => {
    const ops = { add, sub, mul, div, maximum, minimum, pow } as const;
    const names = Object.keys(ops) as (keyof typeof ops)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names), broadcastPairArb, layoutArb, layoutArb, SEEDS, fc.constantFrom('tt', 'tt', 'tt', 'ts', 'st'),
        (name, [sa, sb], la, lb, seed, form) => {
          // pow: positive bases (real results), exponents in [-2, 2]; div: divisors away from 0
          const tiesOk = name !== 'pow' && name !== 'div' && (seed & 3) === 0;
          const da: Domain = name === 'pow' ? 'pos' : tiesOk ? 'ties' : 'any';
          const db: Domain = name === 'div' ? 'away' : tiesOk ? 'ties' : 'any';
          const scalar = values(1, mulberry32(seed), db)[0]!;
          // pow: wasm and js compute pow (and log(base) in its gradient) with different float32/float64
          // routines and values reach ~70 (3^±2 · grads): allow 1e-3 relative.
          const tol = name === 'pow' ? { rtol: 1e-3, atol: 1e-4 } : {};
          expectBackendsAgree(() => {
            const f = ops[name];
            if (form === 'st') {
              const b = makeInput(sb!, lb, seed + 1, db);
              return { out: f(name === 'pow' ? Math.abs(scalar) + 0.2 : scalar, b.x), leaves: [b.leaf] };
            }
            const a = makeInput(sa!, la, seed, da);
            if (form === 'ts') return { out: f(a.x, scalar), leaves: [a.leaf] };
            const b = makeInput(sb!, lb, seed + 1, db);
            return { out: f(a.x, b.x), leaves: [a.leaf, b.leaf] };
          }, tol);
        },
      ),
      params('binary'),
    );
  });

  it('unary ops over strided layouts', () => {
    const ops = {
      neg, exp, log, sqrt, abs, relu, sigmoid, tanh,
      clamp: (x: Tensor, lo?: number | null, hi?: number | null) => clamp(x, lo, hi),
    } as const;
    const names = Object.keys(ops) as (keyof typeof ops)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names), shapeArb(), layoutArb, SEEDS,
        fc.option(fc.double({ min: -1.5, max: 0, noNaN: true })), fc.option(fc.double({ min: 0, max: 1.5, noNaN: true })),
        (name, shape, layout, seed, lo, hi) => {
          const domain: Domain = name === 'log' || name === 'sqrt' ? 'pos' : name !== 'exp' && (seed & 3) === 0 ? 'ties' : 'any';
          // exp: wasm's float32 exp vs Math.exp (float64, rounded), values up to e^2: 1e-4 relative is enough
          // in practice but leave headroom for the kernel's polynomial.
          const tol = name === 'exp' ? { rtol: 2e-4, atol: 1e-5 } : {};
          expectBackendsAgree(() => {
            const a = makeInput(shape, layout, seed, domain);
            // ties: bounds on the grid too, so values sit exactly at them
            const [l, h] = domain === 'ties' ? [lo === null ? null : Math.round(lo * 2) / 2, hi === null ? null : Math.round(hi * 2) / 2] : [lo, hi];
            const out = name === 'clamp' ? ops.clamp(a.x, l ?? (h === null ? -0.5 : null), h) : ops[name](a.x);
            return { out, leaves: [a.leaf] };
          }, tol);
        },
      ),
      params('unary'),
    );
  });

  it('reductions over random dims and keepdim', () => {
    const names = ['sum', 'mean', 'amax', 'amin', 'argmax', 'argmin'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...names), shapeArb(), layoutArb, SEEDS, fc.nat(), fc.boolean(), fc.constantFrom('all', 'one', 'list'),
        (name, shape, layout, seed, r, keepdim, which) => {
          const rng = mulberry32(r);
          const nd = shape.length;
          let dim: number | number[] | null = null;
          if (which === 'one' || ((name === 'argmax' || name === 'argmin') && which === 'list')) dim = pickDim(nd, rng(), rng());
          else if (which === 'list') dim = randPerm(nd, rng).slice(0, Math.floor(rng() * (nd + 1))).map((d) => (rng() < 0.5 ? d : d - nd));
          expectBackendsAgree(() => {
            const a = makeInput(shape, layout, seed, (seed & 3) === 0 ? 'ties' : 'any');
            const x = a.x;
            const out =
              name === 'sum' ? sum(x, dim, keepdim)
              : name === 'mean' ? mean(x, dim, keepdim)
              : name === 'amax' ? amax(x, dim, keepdim)
              : name === 'amin' ? amin(x, dim, keepdim)
              : name === 'argmax' ? argmax(x, dim as number | null, keepdim)
              : argmin(x, dim as number | null, keepdim);
            return { out, leaves: [a.leaf] };
          });
        },
      ),
      params('reduce'),
    );
  });

  type ViewOp = 'reshape' | 'permute' | 'transpose' | 'narrow' | 'select' | 'expand' | 'squeeze' | 'unsqueeze' | 'flatten' | 'contiguous';
  const viewOps: ViewOp[] = ['reshape', 'permute', 'transpose', 'narrow', 'select', 'expand', 'squeeze', 'unsqueeze', 'flatten', 'contiguous'];

  /** Applies one view op chosen by `op`, with arguments drawn from `r` for the current shape. */
  function applyView(x: Tensor, op: ViewOp, r: number): Tensor {
    const rng = mulberry32(r);
    const nd = x.ndim;
    const s = x.shape;
    switch (op) {
      case 'reshape': {
        // merge a random run of adjacent dims, then maybe split off a factor or insert 1s
        const shape = [...s];
        if (nd >= 2) {
          const i = Math.floor(rng() * (nd - 1));
          shape.splice(i, 2, shape[i]! * shape[i + 1]!);
        }
        if (rng() < 0.5) shape.splice(Math.floor(rng() * (shape.length + 1)), 0, 1);
        if (rng() < 0.3 && shape.length > 0) shape[Math.floor(rng() * shape.length)] = -1;
        return x.reshape(shape);
      }
      case 'permute':
        return x.permute(randPerm(nd, rng).map((d) => (rng() < 0.5 ? d : d - nd)));
      case 'transpose':
        return nd === 0 ? x : x.transpose(pickDim(nd, rng(), rng()), pickDim(nd, rng(), rng()));
      case 'narrow': {
        if (nd === 0) return x;
        const d = pickDim(nd, rng(), rng());
        const size = s[d < 0 ? d + nd : d]!;
        const start = Math.floor(rng() * size);
        return x.narrow(d, rng() < 0.3 ? start - size : start, 1 + Math.floor(rng() * (size - start)));
      }
      case 'select': {
        if (nd === 0) return x;
        const d = pickDim(nd, rng(), rng());
        const size = s[d < 0 ? d + nd : d]!;
        const i = Math.floor(rng() * size);
        return x.select(d, rng() < 0.3 ? i - size : i);
      }
      case 'expand': {
        const lead = x.numel() <= 40 && rng() < 0.3 ? [1 + Math.floor(rng() * 3)] : [];
        const target = s.map((v) => (v === 1 ? 1 + Math.floor(rng() * 3) : rng() < 0.3 ? -1 : v));
        return x.expand([...lead, ...target]);
      }
      case 'squeeze':
        return rng() < 0.3 ? x.squeeze() : x.squeeze(pickDim(nd, rng(), rng()));
      case 'unsqueeze': {
        if (nd >= 5) return x;
        const d = Math.floor(rng() * (nd + 1));
        return x.unsqueeze(rng() < 0.5 ? d : d - nd - 1);
      }
      case 'flatten': {
        if (nd === 0) return x.flatten();
        const a = Math.floor(rng() * nd);
        const b = a + Math.floor(rng() * (nd - a));
        return x.flatten(a, b);
      }
      case 'contiguous':
        return x.contiguous();
    }
  }

  it('chains of views (reshape permute transpose narrow select expand squeeze unsqueeze flatten)', () => {
    fc.assert(
      fc.property(
        shapeArb(), layoutArb, SEEDS, fc.array(fc.tuple(fc.constantFrom(...viewOps), fc.nat()), { minLength: 1, maxLength: 4 }), fc.boolean(),
        (shape, layout, seed, chain, compute) => {
          expectBackendsAgree(() => {
            const a = makeInput(shape, layout, seed);
            let y = a.x;
            for (const [op, r] of chain) y = applyView(y, op, r);
            // the result itself (a strided view), or fed to a kernel that reads it through its strides
            return { out: compute ? y.mul(y).add(y) : y, leaves: [a.leaf] };
          });
        },
      ),
      params('views'),
    );
  });

  it('matmul with random compatible shapes (1-D to 4-D, broadcast batch dims)', () => {
    fc.assert(
      fc.property(matmulShapesArb, layoutArb, layoutArb, SEEDS, ([sa, sb], la, lb, seed) => {
        expectBackendsAgree(() => {
          const a = makeInput(sa, la, seed);
          const b = makeInput(sb, lb, seed + 1);
          return { out: matmul(a.x, b.x), leaves: [a.leaf, b.leaf] };
        });
      }),
      params('matmul'),
    );
  });

  it('cat and stack on random dims', () => {
    fc.assert(
      fc.property(
        fc.boolean(), shapeArb(0, 4, 120), fc.array(fc.tuple(size, layoutArb), { minLength: 1, maxLength: 4 }), SEEDS, fc.nat(),
        (isCat, shape, parts, seed, r) => {
          const rng = mulberry32(r);
          if (isCat && shape.length === 0) shape = [1];
          const nd = shape.length;
          const dim = isCat ? pickDim(nd, rng(), rng()) : (() => { const d = Math.floor(rng() * (nd + 1)); return rng() < 0.5 ? d : d - nd - 1; })();
          const cd = dim < 0 ? dim + nd : dim;
          expectBackendsAgree(() => {
            const ins = parts.map(([len, layout], i) => makeInput(isCat ? shape.map((v, j) => (j === cd ? len : v)) : shape, layout, seed + i));
            const xs = ins.map((p) => p.x);
            return { out: isCat ? cat(xs, dim) : stack(xs, dim), leaves: ins.map((p) => p.leaf) };
          });
        },
      ),
      params('catStack'),
    );
  });

  it('softmax and logSoftmax on random dims', () => {
    fc.assert(
      fc.property(fc.boolean(), shapeArb(), layoutArb, SEEDS, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (isLog, shape, layout, seed, u, neg_) => {
        const dim = pickDim(shape.length, Math.min(u, 0.999), neg_ ? 0 : 1);
        // softmax: wasm's float32 exp against Math.exp: same tolerance as exp
        expectBackendsAgree(() => {
          const a = makeInput(shape, layout, seed);
          return { out: isLog ? logSoftmax(a.x, dim) : softmax(a.x, dim), leaves: [a.leaf] };
        }, { rtol: 2e-4, atol: 1e-5 });
      }),
      params('softmax'),
    );
  });

  it('indexSelect and gather with random valid indices', () => {
    fc.assert(
      fc.property(fc.boolean(), shapeArb(1, 4, 200), layoutArb, SEEDS, fc.nat(), (isGather, shape, layout, seed, r) => {
        const rng = mulberry32(r);
        const nd = shape.length;
        const dim = pickDim(nd, rng(), rng());
        const d = dim < 0 ? dim + nd : dim;
        const size = shape[d]!;
        let idxShape: number[];
        if (isGather) idxShape = shape.map((v, i) => (i === d ? 1 + Math.floor(rng() * 5) : 1 + Math.floor(rng() * v)));
        else idxShape = rng() < 0.1 ? [] : [Math.floor(rng() * 7)];
        const idx = Array.from({ length: numel(idxShape) }, () => Math.floor(rng() * size));
        expectBackendsAgree(() => {
          const a = makeInput(shape, layout, seed);
          const index = ints(idx, idxShape);
          return { out: isGather ? gather(a.x, dim, index) : indexSelect(a.x, dim, index), leaves: [a.leaf] };
        });
      }),
      params('indexing'),
    );
  });
});

describe.runIf(process.env.WASMGRAD_BACKEND === 'wasm')('property: invalid input gives a clear error, never a trap', () => {
  it('binary ops with non-broadcastable shapes', () => {
    const ops = { add, sub, mul, div, maximum, minimum, pow } as const;
    const names = Object.keys(ops) as (keyof typeof ops)[];
    fc.assert(
      fc.property(fc.constantFrom(...names), badPairArb, layoutArb, layoutArb, SEEDS, (name, [sa, sb], la, lb, seed) => {
        expectCleanError(
          name,
          () => [makeInput(sa!, la, seed, 'pos').x, makeInput(sb!, lb, seed + 1, 'pos').x],
          ([a, b]) => ops[name](a!, b!),
        );
      }),
      params('badBroadcast'),
    );
  });

  const dimOps = [
    'sum', 'mean', 'amax', 'amin', 'argmax', 'argmin', 'softmax', 'logSoftmax', 'transpose', 'narrow', 'select', 'squeeze',
    'unsqueeze', 'indexSelect', 'gather', 'cat', 'stack', 'flatten', 'narrowRange', 'selectIndex', 'permute', 'reshape', 'expand',
  ] as const;

  it('bad dims, ranges and shapes for reductions, softmax, views, indexing and joins', () => {
    fc.assert(
      fc.property(fc.constantFrom(...dimOps), shapeArb(0, 4, 200), layoutArb, SEEDS, fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (op, shape, layout, seed, u, r) => {
        const rng = mulberry32(r);
        const nd = shape.length;
        const bd = badDim(nd, u);
        const i0 = ints([0], [1]);
        const name = op === 'narrowRange' ? 'narrow' : op === 'selectIndex' ? 'select' : op;
        const call = (x: Tensor): unknown => {
          switch (op) {
            case 'sum': return x.sum(rng() < 0.5 ? bd : [0, bd].slice(nd === 0 ? 1 : 0));
            case 'mean': return x.mean(bd);
            case 'amax': return x.amax(bd);
            case 'amin': return x.amin(bd);
            case 'argmax': return x.argmax(bd);
            case 'argmin': return x.argmin(bd);
            case 'softmax': return softmax(x, bd);
            case 'logSoftmax': return logSoftmax(x, bd);
            case 'transpose': return x.transpose(0, bd);
            case 'narrow': return x.narrow(bd, 0, 1);
            case 'select': return x.select(bd, 0);
            case 'squeeze': return x.squeeze(bd);
            case 'unsqueeze': return x.unsqueeze(bd < 0 ? bd - 1 : bd + 1);
            case 'indexSelect': return x.indexSelect(bd, i0);
            case 'gather': return x.gather(bd, ints(new Array(numel(shape)).fill(0), shape));
            case 'cat': return cat([x, x], bd);
            case 'stack': return stack([x, x], bd < 0 ? bd - 1 : bd + 1);
            case 'flatten': return x.flatten(bd, -1);
            case 'narrowRange': {
              // start + length past the end, a negative length, or a fractional start (0-d tensors: narrow on a 0-d tensor)
              if (nd === 0) return x.narrow(0, 0, 1);
              const d = Math.floor(rng() * nd);
              const sz = shape[d]!;
              return u < 0.5 ? x.narrow(d, Math.floor(rng() * (sz + 1)), sz + 1) : u < 0.8 ? x.narrow(d, 0, -1) : x.narrow(d, 0.5, 1);
            }
            case 'selectIndex': {
              if (nd === 0) return x.select(0, 0); // select on a 0-d tensor
              const d = Math.floor(rng() * nd);
              const sz = shape[d]!;
              return x.select(d, u < 0.5 ? sz + Math.floor(rng() * 3) : -sz - 1 - Math.floor(rng() * 3));
            }
            case 'permute': {
              // one dim too many, or a repeated / out-of-range dim
              if (u < 0.5) return x.permute(Array.from({ length: nd + 1 }, (_, i) => i));
              return x.permute(nd > 1 ? [1, ...Array.from({ length: nd - 1 }, (_, i) => i + 1)] : nd === 1 ? [bd] : [0]);
            }
            case 'reshape':
              return x.reshape([numel(shape) + 1 + Math.floor(rng() * 3)]);
            case 'expand': {
              // a non-1 dim expanded to another size, fewer dims than the input, or -1 for a new leading dim
              const d = shape.findIndex((v) => v !== 1);
              if (d >= 0 && u < 0.5) return x.expand(shape.map((v, i) => (i === d ? v + 1 : v)));
              return nd > 0 && u < 0.8 ? x.expand(shape.slice(1)) : x.expand([-1, ...shape]);
            }
          }
        };
        expectCleanError(name, () => [makeInput(shape, layout, seed).x], ([x]) => call(x!));
      }),
      params('badDims'),
    );
  });

  it('indexSelect, gather with out-of-range indices', () => {
    fc.assert(
      fc.property(fc.boolean(), shapeArb(0, 4, 200), layoutArb, SEEDS, fc.nat(), fc.integer({ min: 1, max: 1000 }), (isGather, shape, layout, seed, r, far) => {
        const rng = mulberry32(r);
        const nd = shape.length;
        const dim = pickDim(nd, rng(), rng());
        const d = dim < 0 ? dim + Math.max(nd, 1) : dim;
        const size = nd === 0 ? 1 : shape[d]!;
        const idxShape = isGather ? shape.map((v, i) => (i === d ? 1 + Math.floor(rng() * 4) : 1 + Math.floor(rng() * v))) : [1 + Math.floor(rng() * 5)];
        const idx = Array.from({ length: numel(idxShape) }, () => Math.floor(rng() * size));
        // one bad entry: just past the end, far past it, or negative
        const bad = rng() < 0.4 ? size : rng() < 0.5 ? size + far : -far;
        idx[Math.floor(rng() * idx.length)] = bad;
        const op = isGather ? 'gather' : 'indexSelect';
        expectCleanError(op, () => [makeInput(shape, layout, seed).x, ints(idx, idxShape)], ([x, i]) =>
          isGather ? gather(x!, dim, i!) : indexSelect(x!, dim, i!),
        );
      }),
      params('badIndices'),
    );
  });

  it('matmul with incompatible shapes', () => {
    fc.assert(
      fc.property(matmulShapesArb, layoutArb, layoutArb, SEEDS, fc.nat(), ([sa, sb], la, lb, seed, r) => {
        const rng = mulberry32(r);
        const a = [...sa], b = [...sb];
        const kind = rng();
        if (kind < 0.6 || a.length < 3 || b.length < 3) {
          // inner dims differ
          const bi = b.length === 1 ? 0 : b.length - 2;
          b[bi] = a[a.length - 1]! + 1 + Math.floor(rng() * 3);
        } else {
          // batch dims that cannot broadcast
          a[a.length - 3] = Math.max(2, a[a.length - 3]!);
          b[b.length - 3] = a[a.length - 3]! + 1;
        }
        if (rng() < 0.1) (rng() < 0.5 ? a : b).length = 0; // a 0-d operand
        expectCleanError('matmul', () => [makeInput(a, la, seed).x, makeInput(b, lb, seed + 1).x], ([x, y]) => matmul(x!, y!));
      }),
      params('badMatmul'),
    );
  });
});

// Counterexamples the properties found (bad-dims property, seed 0x5eed0006), kept as plain tests. These
// are single-backend checks, so they run in every project. Before the fixes, ops on a 0-d tensor skipped
// their dim checks: transpose / flatten / squeeze accepted any dim, and narrow / select built a view
// with a NaN offset.
describe('regressions found by the properties: dims of 0-d tensors', () => {
  const expectClean = (fn: () => unknown, pattern: RegExp) => {
    const x = tensor(3);
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toMatch(pattern);
    expect(x.item()).toBe(3);
    expectLibraryWorks();
  };

  it('transpose(0, 1) of a 0-d tensor throws (["transpose",[],…,1,0,0])', () => {
    expectClean(() => tensor(1).transpose(0, 1), /^transpose: dim 1 is out of range for a tensor with 0 dimensions$/);
    expect(tensor(1).transpose(0, -1).item()).toBe(1);
  });

  it('narrow of a 0-d tensor throws (["narrowRange",[],…,1,0,0])', () => {
    expectClean(() => tensor(1).narrow(0, 0, 1), /^narrow: cannot be applied to a 0-d tensor$/);
    expectClean(() => tensor(1).narrow(1, 0, 1), /^narrow: dim 1 is out of range/);
  });

  it('select of a 0-d tensor throws (["selectIndex",[],…])', () => {
    expectClean(() => tensor(1).select(0, 0), /^select: cannot be applied to a 0-d tensor$/);
  });

  it('flatten(1) of a 0-d tensor throws (["flatten",[],…,1,0,0])', () => {
    expectClean(() => tensor(1).flatten(1, -1), /^flatten: dim 1 is out of range/);
    expect(tensor(2).flatten().tolist()).toEqual([2]);
  });

  it('squeeze(1) of a 0-d tensor throws (["squeeze",[],…,1,0,0])', () => {
    expectClean(() => tensor(1).squeeze(1), /^squeeze: dim 1 is out of range/);
    expect(tensor(2).squeeze(0).item()).toBe(2);
    expect(tensor(2).squeeze(-1).shape).toEqual([]);
  });
});
