// Fused optimizer updates (SGD, Adam/AdamW, RMSprop): one pass over a contiguous parameter, its gradient
// and its state buffers, updating everything in place. f32x4 SIMD body over groups of 4, then a scalar
// tail computing the same f32 operations in the same order. The exact math of each kernel is documented
// in src/backends/kernels.ts. Flags are i32 (0 = off); state pointers a kernel does not use may be 0.
// Hyperparameters arrive as f64 and derived ones (1 - beta, 1 - lr * weightDecay, ...) are computed in f64
// before rounding to f32, as PyTorch computes them from Python floats (1 - 0.9 rounds to 0.1f, where
// 1 - 0.9f would give 0.10000002f).

/** SGD with optional L2 weight decay, (Nesterov) momentum, dampening and maximize. */
export function sgd_step_f32(p: usize, g: usize, buf: usize, n: i32, lr64: f64, momentum64: f64, dampening64: f64,
  weightDecay64: f64, nesterov: i32, firstStep: i32, maximize: i32): void {
  const lr = <f32>lr64, momentum = <f32>momentum64, weightDecay = <f32>weightDecay64;
  const hasWd = weightDecay != 0;
  const hasMom = momentum != 0;
  const nest = nesterov != 0;
  const first = firstStep != 0;
  const sgn: f32 = maximize != 0 ? -1.0 : 1.0;
  const damp = <f32>(1.0 - dampening64);
  const vsgn = f32x4.splat(sgn);
  const vwd = f32x4.splat(weightDecay);
  const vlr = f32x4.splat(lr);
  const vmom = f32x4.splat(momentum);
  const vdamp = f32x4.splat(damp);
  let i = 0;
  // The common cases get loops of their own (the general loop's per-vector flag tests made plain SGD 2x
  // slower); they compute the general loop's operations in its order, so results are the same bits.
  if (!hasWd && !hasMom) {
    // p - (lr * sgn) * g is bit for bit p - lr * (g * sgn), sgn being +-1
    const vstep = f32x4.splat(lr * sgn);
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vstep, v128.load(g + o))));
      v128.store(p + o, f32x4.sub(v128.load(p + o, 16), f32x4.mul(vstep, v128.load(g + o, 16))), 16);
    }
  } else if (!hasWd && hasMom && !first && !nest) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const b = f32x4.add(f32x4.mul(vmom, v128.load(buf + o)), f32x4.mul(vdamp, f32x4.mul(v128.load(g + o), vsgn)));
      v128.store(buf + o, b);
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, b)));
    }
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    let d = f32x4.mul(v128.load(g + o), vsgn);
    if (hasWd) d = f32x4.add(d, f32x4.mul(vwd, pv));
    if (hasMom) {
      let b = d;
      if (!first) b = f32x4.add(f32x4.mul(vmom, v128.load(buf + o)), f32x4.mul(vdamp, d));
      v128.store(buf + o, b);
      d = nest ? f32x4.add(d, f32x4.mul(vmom, b)) : b;
    }
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) * sgn;
    if (hasWd) d = d + weightDecay * pv;
    if (hasMom) {
      let b = d;
      if (!first) b = momentum * load<f32>(buf + o) + damp * d;
      store<f32>(buf + o, b);
      d = nest ? d + momentum * b : b;
    }
    store<f32>(p + o, pv - lr * d);
  }
}

/** Adam (decoupled = 0) and AdamW (decoupled = 1), with optional amsgrad and maximize. */
export function adam_step_f32(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, lr64: f64, beta164: f64,
  beta264: f64, eps64: f64, weightDecay64: f64, stepSize64: f64, bc2Sqrt64: f64, decoupled: i32, amsgrad: i32,
  maximize: i32): void {
  const beta1 = <f32>beta164, beta2 = <f32>beta264, eps = <f32>eps64, weightDecay = <f32>weightDecay64;
  const stepSize = <f32>stepSize64, bc2Sqrt = <f32>bc2Sqrt64;
  const hasWd = weightDecay != 0;
  const dec = decoupled != 0;
  const ams = amsgrad != 0;
  const sgn: f32 = maximize != 0 ? -1.0 : 1.0;
  const decay = <f32>(1.0 - lr64 * weightDecay64);
  const ob1 = <f32>(1.0 - beta164);
  const ob2 = <f32>(1.0 - beta264);
  const vsgn = f32x4.splat(sgn);
  const vwd = f32x4.splat(weightDecay);
  const vdecay = f32x4.splat(decay);
  const vb1 = f32x4.splat(beta1);
  const vb2 = f32x4.splat(beta2);
  const vob1 = f32x4.splat(ob1);
  const vob2 = f32x4.splat(ob2);
  const veps = f32x4.splat(eps);
  const vstep = f32x4.splat(stepSize);
  const vbc2 = f32x4.splat(bc2Sqrt);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let pv = v128.load(p + o);
    let d = f32x4.mul(v128.load(g + o), vsgn);
    if (hasWd) {
      if (dec) pv = f32x4.mul(pv, vdecay);
      else d = f32x4.add(d, f32x4.mul(vwd, pv));
    }
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vob1, d));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vob2, f32x4.mul(d, d)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    let s = vv;
    if (ams) {
      s = f32x4.max(v128.load(vmax + o), vv);
      v128.store(vmax + o, s);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(s), vbc2), veps);
    v128.store(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(vstep, mv), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pv = load<f32>(p + o);
    let d = load<f32>(g + o) * sgn;
    if (hasWd) {
      if (dec) pv = pv * decay;
      else d = d + weightDecay * pv;
    }
    const mv = beta1 * load<f32>(m + o) + ob1 * d;
    const vv = beta2 * load<f32>(v + o) + ob2 * (d * d);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    let s = vv;
    if (ams) {
      const old = load<f32>(vmax + o);
      // max with NaN propagation, like f32x4.max
      s = old != old || vv != vv ? old + vv : max(old, vv);
      store<f32>(vmax + o, s);
    }
    const denom = Mathf.sqrt(s) / bc2Sqrt + eps;
    store<f32>(p + o, pv - (stepSize * mv) / denom);
  }
}

/** RMSprop with optional weight decay, centering, momentum and maximize. */
export function rmsprop_step_f32(p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr64: f64,
  alpha64: f64, eps64: f64, weightDecay64: f64, momentum64: f64, centered: i32, maximize: i32): void {
  const lr = <f32>lr64, alpha = <f32>alpha64, eps = <f32>eps64, weightDecay = <f32>weightDecay64, momentum = <f32>momentum64;
  const hasWd = weightDecay != 0;
  const hasMom = momentum > 0;
  const cen = centered != 0;
  const sgn: f32 = maximize != 0 ? -1.0 : 1.0;
  const oa = <f32>(1.0 - alpha64);
  const vsgn = f32x4.splat(sgn);
  const vwd = f32x4.splat(weightDecay);
  const va = f32x4.splat(alpha);
  const voa = f32x4.splat(oa);
  const veps = f32x4.splat(eps);
  const vlr = f32x4.splat(lr);
  const vmom = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    let d = f32x4.mul(v128.load(g + o), vsgn);
    if (hasWd) d = f32x4.add(d, f32x4.mul(vwd, pv));
    const s = f32x4.add(f32x4.mul(va, v128.load(sq + o)), f32x4.mul(voa, f32x4.mul(d, d)));
    v128.store(sq + o, s);
    let varv = s;
    if (cen) {
      const ga = f32x4.add(f32x4.mul(va, v128.load(gavg + o)), f32x4.mul(voa, d));
      v128.store(gavg + o, ga);
      varv = f32x4.sub(s, f32x4.mul(ga, ga));
    }
    const avg = f32x4.add(f32x4.sqrt(varv), veps);
    if (hasMom) {
      const b = f32x4.add(f32x4.mul(vmom, v128.load(buf + o)), f32x4.div(d, avg));
      v128.store(buf + o, b);
      v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, b)));
    } else {
      v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, f32x4.div(d, avg))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) * sgn;
    if (hasWd) d = d + weightDecay * pv;
    const s = alpha * load<f32>(sq + o) + oa * (d * d);
    store<f32>(sq + o, s);
    let varv = s;
    if (cen) {
      const ga = alpha * load<f32>(gavg + o) + oa * d;
      store<f32>(gavg + o, ga);
      varv = s - ga * ga;
    }
    const avg = Mathf.sqrt(varv) + eps;
    if (hasMom) {
      const b = momentum * load<f32>(buf + o) + d / avg;
      store<f32>(buf + o, b);
      store<f32>(p + o, pv - lr * b);
    } else {
      store<f32>(p + o, pv - lr * (d / avg));
    }
  }
}
