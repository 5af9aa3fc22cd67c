// Fused backward kernels for training: one pass each instead of a chain of elementwise kernels.
// Semantics are documented in src/backends/kernels.ts; all contiguous, out may equal an input.
import { hsum, ieeePow, vexp, sexp } from "./vmath";

/** out[i] = y[i] <= 0 ? 0 : g[i] (ReLU's backward from its output y; g passes where y is NaN, as in PyTorch). */
export function relu_backward_f32(g: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.andnot(v128.load(g + o), f32x4.le(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) <= 0 ? 0 : load<f32>(g + o));
  }
}

/** x ** q for one element, exactly as pow_scalar_f32 computes it (same fast paths). */
@inline function powElem(x: f32, q: f32): f32 {
  if (q == 2) return x * x;
  if (q == 0.5) return x == -Infinity ? Infinity : Mathf.sqrt(x) + 0;
  if (q == 0) return 1;
  if (q == 1) return x;
  return <f32>ieeePow(<f64>x, <f64>q);
}

/**
 * out[i] = g[i] * (f32(p) * x[i] ** f32(p - 1)) with every product rounded to f32 (PowBackward0 for a
 * scalar exponent); out[i] = g[i] * 0 when p = 0.
 */
export function pow_backward_f32(g: usize, x: usize, out: usize, n: i32, p: f64): void {
  const pf = <f32>p;
  const q = <f32>(p - 1.0);
  let i = 0;
  if (p == 0 || q == 0 || q == 1 || q == 2) {
    const vp = f32x4.splat(pf);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const vg = v128.load(g + o);
      let r: v128;
      if (p == 0) r = f32x4.mul(vg, f32x4.splat(0.0));
      else if (q == 0) r = f32x4.mul(vg, vp); // x ** 0 = 1, times p
      else if (q == 1) r = f32x4.mul(vg, f32x4.mul(v128.load(x + o), vp));
      else {
        const vx = v128.load(x + o);
        r = f32x4.mul(vg, f32x4.mul(f32x4.mul(vx, vx), vp));
      }
      v128.store(out + o, r);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    store<f32>(out + o, p == 0 ? gv * <f32>0 : gv * (powElem(load<f32>(x + o), q) * pf));
  }
}

/** Per row of a contiguous rows×cols array: out = y * (g - sum(g * y)) (softmax's backward from its output y). */
export function softmax_backward_f32(g: usize, y: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const gr = g + off, yr = y + off, orow = out + off;
    let acc = f32x4.splat(0.0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(gr + o), v128.load(yr + o)));
    }
    let dot = hsum(acc);
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      dot += load<f32>(gr + o) * load<f32>(yr + o);
    }
    const vd = f32x4.splat(dot);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      v128.store(orow + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(gr + o), vd)));
    }
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      store<f32>(orow + o, load<f32>(yr + o) * (load<f32>(gr + o) - dot));
    }
  }
}

/** Per row of a contiguous rows×cols array: out = g - exp(y) * sum(g) (log-softmax's backward from its output y). */
export function log_softmax_backward_f32(g: usize, y: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const gr = g + off, yr = y + off, orow = out + off;
    let acc = f32x4.splat(0.0);
    let i = 0;
    for (; i + 4 <= cols; i += 4) acc = f32x4.add(acc, v128.load(gr + (<usize>i << 2)));
    let s = hsum(acc);
    for (; i < cols; i++) s += load<f32>(gr + (<usize>i << 2));
    const vs = f32x4.splat(s);
    i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      v128.store(orow + o, f32x4.sub(v128.load(gr + o), f32x4.mul(vexp(v128.load(yr + o)), vs)));
    }
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      store<f32>(orow + o, load<f32>(gr + o) - sexp(load<f32>(yr + o)) * s);
    }
  }
}

/** out[i] = g[i] * (y[i] * (1 - y[i])) (sigmoid's backward from its output y). */
export function sigmoid_backward_f32(g: usize, y: usize, out: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const vy = v128.load(y + o);
    v128.store(out + o, f32x4.mul(v128.load(g + o), f32x4.mul(vy, f32x4.sub(one, vy))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(out + o, load<f32>(g + o) * (yv * (1 - yv)));
  }
}

/** out[i] = g[i] * (1 - y[i] * y[i]) (tanh's backward from its output y). */
export function tanh_backward_f32(g: usize, y: usize, out: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const vy = v128.load(y + o);
    v128.store(out + o, f32x4.mul(v128.load(g + o), f32x4.sub(one, f32x4.mul(vy, vy))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(out + o, load<f32>(g + o) * (1 - yv * yv));
  }
}
