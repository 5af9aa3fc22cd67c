// Fused layer normalisation over the rows of a contiguous [rows, cols] array (cols = the product of
// normalizedShape), forward and backward. Semantics in src/backends/kernels.ts.
// f32x4 over the columns with scalar tails (the same f32 operations, one lane). Row sums are taken in f32
// over blocks of LN_COL_BLOCK columns and the block sums added in f64; dweight/dbias are summed down the
// rows in f32 over blocks of LN_ROW_BLOCK rows, the block sums added into f64 totals (work), so long
// reductions keep float32 accuracy.
import { hsum } from "./vmath";

const LN_COL_BLOCK: i32 = 1024;
const LN_ROW_BLOCK: i32 = 256;

/** sum over j < cols of (p[j] - m)^2 when centered, else of p[j], as f64 (f32 blocks, f64 total). */
@inline function rowSum(p: usize, cols: i32, m: f32, centered: bool): f64 {
  const vm = f32x4.splat(m);
  let total: f64 = 0;
  for (let j0 = 0; j0 < cols; j0 += LN_COL_BLOCK) {
    const end = min(cols, j0 + LN_COL_BLOCK);
    let s0 = f32x4.splat(0.0);
    let s1 = f32x4.splat(0.0);
    let j = j0;
    for (; j + 8 <= end; j += 8) {
      const q = p + (<usize>j << 2);
      let a = v128.load(q);
      let b = v128.load(q, 16);
      if (centered) {
        a = f32x4.sub(a, vm);
        b = f32x4.sub(b, vm);
        a = f32x4.mul(a, a);
        b = f32x4.mul(b, b);
      }
      s0 = f32x4.add(s0, a);
      s1 = f32x4.add(s1, b);
    }
    for (; j + 4 <= end; j += 4) {
      let a = v128.load(p + (<usize>j << 2));
      if (centered) {
        a = f32x4.sub(a, vm);
        a = f32x4.mul(a, a);
      }
      s0 = f32x4.add(s0, a);
    }
    let s = hsum(f32x4.add(s0, s1));
    for (; j < end; j++) {
      let a = load<f32>(p + (<usize>j << 2));
      if (centered) {
        a = a - m;
        a = a * a;
      }
      s += a;
    }
    total += <f64>s;
  }
  return total;
}

/**
 * Per row r of x [rows, cols]: mean[r] = sum_j x / cols, var = sum_j (x - mean)^2 / cols (biased),
 * rstd[r] = 1 / sqrt(var + eps); y = (x - mean) * rstd * w[j] + b[j] (w, b: cols floats, 0 = absent).
 */
export function layer_norm_f32(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, rows: i32, cols: i32, eps: f32): void {
  const cb = <usize>cols << 2;
  const n = <f64>cols;
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>r * cb, py = y + <usize>r * cb;
    const m = <f32>(rowSum(px, cols, 0, false) / n);
    const v = rowSum(px, cols, m, true) / n;
    const rs = <f32>(1.0 / Math.sqrt(v + <f64>eps));
    store<f32>(mean + (<usize>r << 2), m);
    store<f32>(rstd + (<usize>r << 2), rs);
    const vm = f32x4.splat(m), vr = f32x4.splat(rs);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      let t = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      if (w != 0) t = f32x4.mul(t, v128.load(w + o));
      if (b != 0) t = f32x4.add(t, v128.load(b + o));
      v128.store(py + o, t);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      let t = (load<f32>(px + o) - m) * rs;
      if (w != 0) t = t * load<f32>(w + o);
      if (b != 0) t = t + load<f32>(b + o);
      store<f32>(py + o, t);
    }
  }
}

/** tot[j] += part[j] (f64 += f32) and part[j] = 0, j < cols. */
@inline function flushColumns(part: usize, tot: usize, cols: i32): void {
  let j = 0;
  const zero = f32x4.splat(0.0);
  for (; j + 4 <= cols; j += 4) {
    const p = part + (<usize>j << 2), t = tot + (<usize>j << 3);
    const v = v128.load(p);
    const hi = i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v128.store(t, f64x2.add(v128.load(t), f64x2.promote_low_f32x4(v)));
    v128.store(t, f64x2.add(v128.load(t, 16), f64x2.promote_low_f32x4(hi)), 16);
    v128.store(p, zero);
  }
  for (; j < cols; j++) {
    const p = part + (<usize>j << 2), t = tot + (<usize>j << 3);
    store<f64>(t, load<f64>(t) + <f64>load<f32>(p));
    store<f32>(p, 0);
  }
}

/**
 * The backward of layer_norm_f32 from dy and the saved mean, rstd (see kernels.ts). Per row, with
 * xh = (x - mean) * rstd and g = dy * w (dy when w = 0): dx = rstd * (g - mean_j(g) - xh * mean_j(g * xh));
 * over all rows dw[j] = sum_r dy * xh, db[j] = sum_r dy. dx, dw, db: 0 = not wanted. work: 24 * cols
 * bytes when dw or db is wanted (f64 totals and f32 block sums of both).
 */
export function layer_norm_backward_f32(dy: usize, x: usize, w: usize, mean: usize, rstd: usize, dx: usize, dw: usize, db: usize,
  work: usize, rows: i32, cols: i32): void {
  const cb = <usize>cols << 2;
  const n = <f64>cols;
  const acc = dw != 0 || db != 0;
  const tw = work, tb = work + (cb << 1), pw = work + (cb << 2), pb = pw + cb;
  if (acc) memory.fill(work, 0, cb * 6);
  for (let r = 0; r < rows; r++) {
    const pdy = dy + <usize>r * cb, px = x + <usize>r * cb;
    const m = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    const vm = f32x4.splat(m), vr = f32x4.splat(rs);
    // pass 1: the row sums of g and g * xh (blocks of columns), the column partials of dy * xh and dy
    let sg: f64 = 0, sgx: f64 = 0;
    for (let j0 = 0; j0 < cols; j0 += LN_COL_BLOCK) {
      const end = min(cols, j0 + LN_COL_BLOCK);
      let ag = f32x4.splat(0.0), agx = f32x4.splat(0.0);
      let j = j0;
      for (; j + 4 <= end; j += 4) {
        const o = <usize>j << 2;
        const d = v128.load(pdy + o);
        const xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
        const g = w != 0 ? f32x4.mul(d, v128.load(w + o)) : d;
        ag = f32x4.add(ag, g);
        agx = f32x4.add(agx, f32x4.mul(g, xh));
        if (dw != 0) v128.store(pw + o, f32x4.add(v128.load(pw + o), f32x4.mul(d, xh)));
        if (db != 0) v128.store(pb + o, f32x4.add(v128.load(pb + o), d));
      }
      let s1 = hsum(ag), s2 = hsum(agx);
      for (; j < end; j++) {
        const o = <usize>j << 2;
        const d = load<f32>(pdy + o);
        const xh = (load<f32>(px + o) - m) * rs;
        const g = w != 0 ? d * load<f32>(w + o) : d;
        s1 += g;
        s2 += g * xh;
        if (dw != 0) store<f32>(pw + o, load<f32>(pw + o) + d * xh);
        if (db != 0) store<f32>(pb + o, load<f32>(pb + o) + d);
      }
      sg += <f64>s1;
      sgx += <f64>s2;
    }
    if (acc && ((r + 1) % LN_ROW_BLOCK == 0 || r == rows - 1)) {
      if (dw != 0) flushColumns(pw, tw, cols);
      if (db != 0) flushColumns(pb, tb, cols);
    }
    if (dx == 0) continue;
    // pass 2: dx = rstd * (g - mean(g) - xh * mean(g * xh))
    const a = <f32>(sg / n), c = <f32>(sgx / n);
    const va = f32x4.splat(a), vc = f32x4.splat(c);
    const pdx = dx + <usize>r * cb;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(pdy + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(px + o), vm), vr);
      const g = w != 0 ? f32x4.mul(d, v128.load(w + o)) : d;
      v128.store(pdx + o, f32x4.mul(vr, f32x4.sub(f32x4.sub(g, va), f32x4.mul(xh, vc))));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(pdy + o);
      const xh = (load<f32>(px + o) - m) * rs;
      const g = w != 0 ? d * load<f32>(w + o) : d;
      store<f32>(pdx + o, rs * ((g - a) - xh * c));
    }
  }
  for (let j = 0; j < cols; j++) {
    if (dw != 0) store<f32>(dw + (<usize>j << 2), <f32>load<f64>(tw + (<usize>j << 3)));
    if (db != 0) store<f32>(db + (<usize>j << 2), <f32>load<f64>(tb + (<usize>j << 3)));
  }
}
