/**
 * gradcheck: compares the analytic gradients of `fn` with central finite differences.
 * The function itself runs in float32; the projection sum(out · R) onto a fixed random cotangent R and
 * the differences are accumulated in float64, which is what limits float32 gradchecks least.
 */
import { heap } from '../backends/memory.js';
import { Tensor } from '../tensor/tensor.js';
import { grad } from './engine.js';
import { noGrad } from './mode.js';
import { checkOptions } from '../options.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw with the first mismatch (default) or return false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputs(r: Tensor | readonly Tensor[]): Tensor[] {
  return r instanceof Tensor ? [r] : [...r];
}

/** Fixed pseudo-random cotangents in [-1, 1] (deterministic, independent of the user's seed). */
function cotangent(n: number, salt: number): Float64Array {
  const r = new Float64Array(n);
  let s = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    r[i] = (s / 2 ** 32) * 2 - 1;
  }
  return r;
}

function project(outs: readonly Tensor[], cots: readonly Float64Array[]): number {
  let acc = 0;
  outs.forEach((o, k) => {
    const v = o.toArray();
    const c = cots[k]!;
    for (let i = 0; i < v.length; i++) acc += v[i]! * c[i]!;
  });
  return acc;
}

/** True when analytic and numeric gradients agree for every input that requires grad. */
export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  if (typeof fn !== 'function') throw new TypeError(`gradcheck: expects a function, got ${typeof fn}`);
  checkOptions('gradcheck', options, ['eps', 'atol', 'rtol', 'raiseException']);
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const raise = options.raiseException ?? true;
  const outs = outputs(fn(...inputs));
  const cots = outs.map((o, k) => cotangent(o.numel(), k));
  const wrt = inputs.filter((t) => t.requiresGrad);
  if (wrt.length === 0) throw new Error('gradcheck: no input requires grad');
  // analytic: gradient of sum(out * R)
  const cotTensors = outs.map((o, k) => {
    const t = Tensor.empty(o.shape, 'float32');
    heap.f32.set(cots[k]!, t.ptr >>> 2);
    return t;
  });
  const analytic = grad(outs, wrt, { gradOutputs: cotTensors, allowUnused: true });
  for (let w = 0; w < wrt.length; w++) {
    const x = wrt[w]!;
    const a = analytic[w] ? analytic[w]!.toArray() : new Float32Array(x.numel());
    const n = x.numel();
    // element i of x lives at this address (x may be a strided view)
    const addrs = elementAddresses(x);
    for (let i = 0; i < n; i++) {
      const p = addrs[i]!;
      const orig = heap.f32[p]!;
      heap.f32[p] = orig + eps;
      const hiEps = heap.f32[p]! - orig; // the step actually taken in float32
      const fp = noGrad(() => project(outputs(fn(...inputs)), cots));
      heap.f32[p] = orig - eps;
      const loEps = orig - heap.f32[p]!;
      const fm = noGrad(() => project(outputs(fn(...inputs)), cots));
      heap.f32[p] = orig;
      const numeric = (fp - fm) / (hiEps + loEps);
      const diff = Math.abs(a[i]! - numeric);
      if (!(diff <= atol + rtol * Math.abs(numeric))) {
        if (!raise) return false;
        throw new Error(
          `gradcheck: gradient mismatch for input ${inputs.indexOf(x)} (shape [${x.shape.join(', ')}]) at flat index ${i}: ` +
            `analytic ${a[i]} vs numeric ${numeric} (atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  }
  return true;
}

/** f32 indices (into heap.f32) of each element of x in row-major order. */
function elementAddresses(x: Tensor): Int32Array | number[] {
  const n = x.numel();
  const out: number[] = new Array(n);
  const base = x.ptr >>> 2;
  const idx = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < x.ndim; d++) off += idx[d]! * x.strides[d]!;
    out[i] = base + off;
    for (let d = x.ndim - 1; d >= 0; d--) {
      if (++idx[d]! < x.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}
