// Softmax family along the last axis of a contiguous rows x cols array.
import { vexp, vlog, hsum, hmax } from "./vmath";

/** Row maximum (NaN if any element is NaN). */
@inline function rowMax(x: usize, cols: i32): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (cols >= 4) {
    let v = v128.load(x);
    for (i = 4; i + 4 <= cols; i += 4) v = f32x4.max(v, v128.load(x + (<usize>i << 2)));
    m = hmax(v);
  }
  for (; i < cols; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

/** sum of exp(x - mx) over the row; when `out` != 0 the exponentials are also stored there. */
@inline function rowExpSum(x: usize, out: usize, cols: i32, mx: f32, storeExp: bool): f32 {
  const vm = f32x4.splat(mx);
  let s = f32x4.splat(0.0);
  let i = 0;
  for (; i + 4 <= cols; i += 4) {
    const o = <usize>i << 2;
    const e = vexp(f32x4.sub(v128.load(x + o), vm));
    if (storeExp) v128.store(out + o, e);
    s = f32x4.add(s, e);
  }
  // tail: up to 3 elements, zero-padded lanes masked out of the sum
  if (i < cols) {
    let t = f32x4.splat(-Infinity);
    t = f32x4.replace_lane(t, 0, load<f32>(x + (<usize>i << 2)));
    if (i + 1 < cols) t = f32x4.replace_lane(t, 1, load<f32>(x + (<usize>(i + 1) << 2)));
    if (i + 2 < cols) t = f32x4.replace_lane(t, 2, load<f32>(x + (<usize>(i + 2) << 2)));
    // -Inf - mx is -Inf (exp 0) unless mx is -Inf or NaN, when the row is NaN anyway
    let e = vexp(f32x4.sub(t, vm));
    if (storeExp) {
      store<f32>(out + (<usize>i << 2), f32x4.extract_lane(e, 0));
      if (i + 1 < cols) store<f32>(out + (<usize>(i + 1) << 2), f32x4.extract_lane(e, 1));
      if (i + 2 < cols) store<f32>(out + (<usize>(i + 2) << 2), f32x4.extract_lane(e, 2));
    }
    const live = i32x4(0, 1, 2, 3);
    e = v128.and(e, i32x4.lt_s(live, i32x4.splat(cols - i)));
    s = f32x4.add(s, e);
  }
  return hsum(s);
}

/** out[i] = out[i] / s over the row. */
@inline function rowDiv(out: usize, cols: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= cols; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.div(v128.load(out + o), vs));
  }
  for (; i < cols; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(out + o) / s);
  }
}

@inline function slog(x: f32): f32 { return f32x4.extract_lane(vlog(f32x4.splat(x)), 0); }

/** Stable softmax per row (subtracts the row max); an all -Infinity row gives NaN. */
export function softmax_f32(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const mx = rowMax(x + off, cols);
    const s = rowExpSum(x + off, out + off, cols, mx, true);
    rowDiv(out + off, cols, s);
  }
}

/** Stable log-softmax per row: x - max - log(sum(exp(x - max))). */
export function log_softmax_f32(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const xr = x + off;
    const orow = out + off;
    const mx = rowMax(xr, cols);
    const ls = slog(rowExpSum(xr, 0, cols, mx, false));
    const vm = f32x4.splat(mx);
    const vl = f32x4.splat(ls);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      v128.store(orow + o, f32x4.sub(f32x4.sub(v128.load(xr + o), vm), vl));
    }
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      store<f32>(orow + o, (load<f32>(xr + o) - mx) - ls);
    }
  }
}

/** Fused softmax + cross-entropy: prob[r] = softmax(x[r]), loss[r] = -log_softmax(x[r])[target[r]]. */
export function softmax_xent_f32(x: usize, target: usize, prob: usize, loss: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const mx = rowMax(x + off, cols);
    const s = rowExpSum(x + off, prob + off, cols, mx, true);
    rowDiv(prob + off, cols, s);
    const t = load<i32>(target + (<usize>r << 2));
    const xt = load<f32>(x + off + (<usize>t << 2));
    store<f32>(loss + (<usize>r << 2), -((xt - mx) - slog(s)));
  }
}

/** dx[r][c] = (prob[r][c] - (c == target[r] ? 1 : 0)) * scale. */
export function softmax_xent_backward_f32(prob: usize, target: usize, dx: usize, rows: i32, cols: i32, scale: f32): void {
  const vs = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * cols) << 2;
    const p = prob + off;
    const d = dx + off;
    const t = load<i32>(target + (<usize>r << 2));
    const pt = load<f32>(p + (<usize>t << 2)); // read first: dx may alias prob
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i << 2;
      v128.store(d + o, f32x4.mul(v128.load(p + o), vs));
    }
    for (; i < cols; i++) {
      const o = <usize>i << 2;
      store<f32>(d + o, load<f32>(p + o) * scale);
    }
    store<f32>(d + (<usize>t << 2), (pt - 1) * scale);
  }
}
