/**
 * jax-js (@jax-js/jax, wasm device) as a peer: matmul GFLOPS, the MLP 784-256-256-10 training step and
 * the tutorial loop, each on its plain (eager, lazily dispatched) path and under `jit`.
 *
 * jax-js is lazy: nothing runs until a result is read, so every timed body ends by forcing its results —
 * `blockUntilReady` (computes in place, no copy) for matmul and the MLP step, `dataSync()` on the
 * one-element weight for the tutorial loop (as its TensorFlow.js counterpart does). jax-js arrays are
 * reference counted and every call consumes its arguments, hence the `.ref`s.
 *
 * Every function returns a number, or a string "n/a (reason)" if jax-js failed on that path, so that
 * one broken API never drops a whole table.
 */
import type * as Jax from '@jax-js/jax';
import { quick, timeIt, timeItAsync } from './harness.js';

type JaxModule = typeof Jax;
type Arr = Jax.Array;

/** A measurement, or the reason it could not be taken. */
export type Result = number | string;

let jaxPromise: Promise<JaxModule> | null = null;
/** jax-js initialised on its wasm device only (a bare init() probes WebGPU, which Node 20 lacks). */
export function loadJax(): Promise<JaxModule> {
  jaxPromise ??= (async () => {
    const jax = await import('@jax-js/jax');
    const got = await jax.init('wasm');
    if (!got.includes('wasm')) throw new Error(`init('wasm') returned [${got.join(', ')}]`);
    jax.defaultDevice('wasm');
    return jax;
  })();
  return jaxPromise;
}

/** Runs `f`; a thrown error becomes "n/a (first line of the message)". */
export async function orNa(f: () => Promise<number>): Promise<Result> {
  try {
    return await f();
  } catch (e) {
    const msg = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!.slice(0, 120);
    console.error(`jax-js failed: ${msg}`);
    return `n/a (${msg})`;
  }
}

/** Deterministic uniform floats in [-bound, bound) (xorshift), so no peer's RNG is on the clock. */
export function uniformArray(n: number, bound: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296 * 2 - 1) * bound;
  }
  return out;
}

function jarr(jax: JaxModule, data: Float32Array, shape: number[]): Arr {
  return jax.numpy.array(data).reshape(shape);
}

/** Matmul n×n · n×n GFLOPS in jax-js, eager (`jit` false) or compiled. */
export async function jaxMatmulGflops(n: number, useJit: boolean): Promise<Result> {
  return orNa(async () => {
    const jax = await loadJax();
    const np = jax.numpy;
    const a = jarr(jax, uniformArray(n * n, 1, 1), [n, n]);
    const b = jarr(jax, uniformArray(n * n, 1, 2), [n, n]);
    const f = useJit ? jax.jit((x: Arr, y: Arr) => np.matmul(x, y)) : (x: Arr, y: Arr) => np.matmul(x, y);
    const body = async () => {
      const c = f(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    };
    // like the wasmgrad GEMM rows: warm up for a while (first wasm calls run in V8's baseline tier)
    const t0 = performance.now();
    do await body(); while (performance.now() - t0 < (quick ? 60 : 200));
    const s = await timeItAsync(body, { warmup: 0, ...(n >= 1024 && quick ? { repeats: 3 } : {}) });
    a.dispose();
    b.dispose();
    if (useJit) (f as { dispose?: () => void }).dispose?.();
    return (2 * n ** 3) / s / 1e9;
  });
}

const BATCH = 128;
const SIZES = [784, 256, 256, 10] as const;

type MlpParams = { w: Arr[]; b: Arr[] };

/** MLP 784-256-256-10 SGD step, batch 128, steps/s; `jit` compiles the whole step (grad + update). */
export async function jaxMlpSteps(useJit: boolean): Promise<Result> {
  return orNa(async () => {
    const jax = await loadJax();
    const np = jax.numpy;
    const lr = 0.01;
    let params: MlpParams = { w: [], b: [] };
    for (let i = 0; i + 1 < SIZES.length; i++) {
      const bound = 1 / Math.sqrt(SIZES[i]!);
      params.w.push(jarr(jax, uniformArray(SIZES[i]! * SIZES[i + 1]!, bound, 10 + i), [SIZES[i]!, SIZES[i + 1]!]));
      params.b.push(jarr(jax, uniformArray(SIZES[i + 1]!, bound, 20 + i), [SIZES[i + 1]!]));
    }
    const x = jarr(jax, uniformArray(BATCH * SIZES[0], 1, 3), [BATCH, SIZES[0]]);
    const onehot = new Float32Array(BATCH * 10);
    for (let i = 0; i < BATCH; i++) onehot[i * 10 + ((i * 7) % 10)] = 1;
    const y = jarr(jax, onehot, [BATCH, 10]);

    // mean softmax cross-entropy; consumes p, xs, ys
    const loss = (p: MlpParams, xs: Arr, ys: Arr): Arr => {
      let h = xs;
      for (let i = 0; i < p.w.length; i++) {
        h = np.matmul(h, p.w[i]!).add(p.b[i]!);
        if (i + 1 < p.w.length) h = jax.nn.relu(h);
      }
      return jax.nn.logSoftmax(h, -1).mul(ys).sum().mul(-1 / BATCH);
    };
    const lossAndGrad = jax.valueAndGrad(loss); // made once, as a JAX program would
    const step = (p: MlpParams, xs: Arr, ys: Arr): [Arr, MlpParams] => {
      const [l, g] = lossAndGrad(jax.tree.ref(p), xs, ys) as [Arr, MlpParams];
      const next = jax.tree.map((pi: Arr, gi: Arr) => pi.sub(gi.mul(lr)), p, g) as MlpParams;
      return [l, next];
    };
    const run = useJit ? jax.jit(step) : step;
    const s = await timeItAsync(async () => {
      const [l, next] = run(params, x.ref, y.ref) as [Arr, MlpParams];
      params = next;
      await jax.blockUntilReady([l, params]);
      l.dispose();
      // time-based warm-up: jax-js compiles fresh wasm modules, which V8 first runs in its baseline tier
    }, { warmup: 3, warmupSeconds: quick ? 1 : 3 });
    jax.tree.dispose(params);
    x.dispose();
    y.dispose();
    if (useJit) (run as { dispose?: () => void }).dispose?.();
    return 1 / s;
  });
}

const DATA = [[1, 2], [2, 4], [3, 6]] as const;

/** The tutorial step (y = w·x: loss, grad, SGD update), µs per iteration; dataSync ends each one. */
export async function jaxTutorialMicros(useJit: boolean): Promise<Result> {
  return orNa(async () => {
    const jax = await loadJax();
    const np = jax.numpy;
    const lossOf = (w: Arr, x: Arr, y: Arr): Arr => np.square(w.mul(x).sub(y)).sum();
    const gradOf = jax.grad(lossOf); // made once, as a JAX program would
    const step = (w: Arr, x: Arr, y: Arr): Arr => {
      const g = gradOf(w.ref, x, y) as Arr;
      return w.sub(g.mul(0.01));
    };
    const run = useJit ? jax.jit(step) : step;
    const xs = DATA.map(([x]) => np.array(new Float32Array([x])));
    const ys = DATA.map(([, y]) => np.array(new Float32Array([y])));
    let w = np.array(new Float32Array([3.0]));
    let i = 0;
    const us = 1e6 * timeIt(() => {
      const k = i++ % 3;
      w = run(w, xs[k]!.ref, ys[k]!.ref);
      w.ref.dataSync();
    }, { warmup: quick ? 300 : 1000, warmupSeconds: quick ? 0.3 : 1 });
    w.dispose();
    for (const a of [...xs, ...ys]) a.dispose();
    if (useJit) (run as { dispose?: () => void }).dispose?.();
    return us;
  });
}

/** GB/s of c = a + b on 16M floats (3×4 bytes per element), eager and jit. */
export async function jaxAddGBs(n: number, a0: Float32Array, b0: Float32Array, useJit: boolean): Promise<Result> {
  return orNa(async () => {
    const jax = await loadJax();
    const np = jax.numpy;
    const a = np.array(a0), b = np.array(b0);
    const f = useJit ? jax.jit((x: Arr, y: Arr) => x.add(y)) : (x: Arr, y: Arr) => x.add(y);
    const s = await timeItAsync(async () => {
      const c = f(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    }, { warmup: 2 });
    a.dispose();
    b.dispose();
    if (useJit) (f as { dispose?: () => void }).dispose?.();
    return (12 * n) / s / 1e9;
  });
}
