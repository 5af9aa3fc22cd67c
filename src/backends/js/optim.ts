/**
 * Reference kernels: fused optimizer updates (SGD, Adam/AdamW, RMSprop). Each element is computed in
 * doubles from the stored f32 values and rounded to f32 on store. The math is documented in kernels.ts.
 */
import { heap } from '../memory.js';

/** SGD step; see Kernels.sgd_step_f32. */
export function sgd_step_f32(p: number, g: number, buf: number, n: number, lr: number, momentum: number,
  dampening: number, weightDecay: number, nesterov: number, firstStep: number, maximize: number): void {
  const f32 = heap.f32;
  const ps = p >>> 2, gs = g >>> 2, bs = buf >>> 2;
  const sgn = maximize !== 0 ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const pv = f32[ps + i];
    let d = f32[gs + i] * sgn;
    if (weightDecay !== 0) d += weightDecay * pv;
    if (momentum !== 0) {
      const b = firstStep !== 0 ? d : momentum * f32[bs + i] + (1 - dampening) * d;
      f32[bs + i] = b;
      d = nesterov !== 0 ? d + momentum * b : b;
    }
    f32[ps + i] = pv - lr * d;
  }
}

/** Adam / AdamW step; see Kernels.adam_step_f32. */
export function adam_step_f32(p: number, g: number, m: number, v: number, vmax: number, n: number, lr: number,
  beta1: number, beta2: number, eps: number, weightDecay: number, stepSize: number, bc2Sqrt: number,
  decoupled: number, amsgrad: number, maximize: number): void {
  const f32 = heap.f32;
  const ps = p >>> 2, gs = g >>> 2, ms = m >>> 2, vs = v >>> 2, xs = vmax >>> 2;
  const sgn = maximize !== 0 ? -1 : 1;
  for (let i = 0; i < n; i++) {
    let pv = f32[ps + i];
    let d = f32[gs + i] * sgn;
    if (weightDecay !== 0) {
      if (decoupled !== 0) pv *= 1 - lr * weightDecay;
      else d += weightDecay * pv;
    }
    const mv = beta1 * f32[ms + i] + (1 - beta1) * d;
    const vv = beta2 * f32[vs + i] + (1 - beta2) * d * d;
    f32[ms + i] = mv;
    f32[vs + i] = vv;
    let s = vv;
    if (amsgrad !== 0) {
      const old = f32[xs + i];
      s = Number.isNaN(old) || Number.isNaN(s) ? NaN : Math.max(old, s);
      f32[xs + i] = s;
    }
    const denom = Math.sqrt(s) / bc2Sqrt + eps;
    f32[ps + i] = pv - (stepSize * mv) / denom;
  }
}

/** RMSprop step; see Kernels.rmsprop_step_f32. */
export function rmsprop_step_f32(p: number, g: number, sq: number, gavg: number, buf: number, n: number,
  lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: number,
  maximize: number): void {
  const f32 = heap.f32;
  const ps = p >>> 2, gs = g >>> 2, ss = sq >>> 2, as = gavg >>> 2, bs = buf >>> 2;
  const sgn = maximize !== 0 ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const pv = f32[ps + i];
    let d = f32[gs + i] * sgn;
    if (weightDecay !== 0) d += weightDecay * pv;
    const s = alpha * f32[ss + i] + (1 - alpha) * d * d;
    f32[ss + i] = s;
    let varv = s;
    if (centered !== 0) {
      const ga = alpha * f32[as + i] + (1 - alpha) * d;
      f32[as + i] = ga;
      varv = s - ga * ga;
    }
    const avg = Math.sqrt(varv) + eps;
    if (momentum > 0) {
      const b = momentum * f32[bs + i] + d / avg;
      f32[bs + i] = b;
      f32[ps + i] = pv - lr * b;
    } else {
      f32[ps + i] = pv - lr * (d / avg);
    }
  }
}
