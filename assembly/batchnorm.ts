// Batch normalisation in training mode (F.batch_norm with batch statistics): the per-channel statistics,
// the normalised output and the backward, fused. Semantics in src/backends/kernels.ts.
// The input is contiguous [N, C, S] (S: the product of the trailing dims, 1 for [N, C] input). Channel c
// is N runs of S consecutive elements, at (n*C + c)*S. For S > 1 the lanes are 4 consecutive elements of
// a run (f32x4, then a scalar tail through lane 0 of the same code); for S = 1 they are 4 consecutive
// channels of one row. Sums are taken in f32x4 over runs of at most BN_BLOCK elements, each partial sum
// then added to a float64 total (as sum_f32 does), so long channels keep float32 accuracy.
import { hsum } from "./vmath";

/** Elements of a run summed in f32 before the partial sum goes into the f64 total. */
const BN_BLOCK: i32 = 1024;

/** Lanes 0-1 / 2-3 of a f32x4 as f64x2. */
@inline function promoteLow(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
}
/** Two f64x2 rounded back into one f32x4 (lo in lanes 0-1). */
@inline function demote2(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}

@inline function ld(p: usize, wide: bool): v128 {
  return wide ? v128.load(p) : f32x4.splat(load<f32>(p));
}
@inline function st(p: usize, v: v128, wide: bool): void {
  if (wide) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

/** sum of len f32 at p: f32x4 partials per block of BN_BLOCK, added in f64. */
function runSum(p: usize, len: i32): f64 {
  let total: f64 = 0;
  for (let j0 = 0; j0 < len; j0 += BN_BLOCK) {
    const end = min(len, j0 + BN_BLOCK);
    let s0 = f32x4.splat(0.0), s1 = f32x4.splat(0.0);
    let j = j0;
    for (; j + 8 <= end; j += 8) {
      const q = p + (<usize>j << 2);
      s0 = f32x4.add(s0, v128.load(q));
      s1 = f32x4.add(s1, v128.load(q, 16));
    }
    for (; j + 4 <= end; j += 4) s0 = f32x4.add(s0, v128.load(p + (<usize>j << 2)));
    let s = hsum(f32x4.add(s0, s1));
    for (; j < end; j++) s += load<f32>(p + (<usize>j << 2));
    total += <f64>s;
  }
  return total;
}

/** sum of (x - m)² over len f32 at p, as runSum. */
function runSumSq(p: usize, len: i32, m: f32): f64 {
  const vm = f32x4.splat(m);
  let total: f64 = 0;
  for (let j0 = 0; j0 < len; j0 += BN_BLOCK) {
    const end = min(len, j0 + BN_BLOCK);
    let s0 = f32x4.splat(0.0), s1 = f32x4.splat(0.0);
    let j = j0;
    for (; j + 8 <= end; j += 8) {
      const q = p + (<usize>j << 2);
      const d0 = f32x4.sub(v128.load(q), vm), d1 = f32x4.sub(v128.load(q, 16), vm);
      s0 = f32x4.add(s0, f32x4.mul(d0, d0));
      s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    }
    for (; j + 4 <= end; j += 4) {
      const d = f32x4.sub(v128.load(p + (<usize>j << 2)), vm);
      s0 = f32x4.add(s0, f32x4.mul(d, d));
    }
    let s = hsum(f32x4.add(s0, s1));
    for (; j < end; j++) {
      const d = load<f32>(p + (<usize>j << 2)) - m;
      s += d * d;
    }
    total += <f64>s;
  }
  return total;
}

// The backward's two sums of one run (sum dy, sum dy * (x - m)), returned through globals.
let gSumDy: f64 = 0;
let gSumDyX: f64 = 0;

/** Adds sum dy and sum dy * (x - m) over len elements at pdy, px to gSumDy, gSumDyX. */
function runDot(pdy: usize, px: usize, len: i32, m: f32): void {
  const vm = f32x4.splat(m);
  for (let j0 = 0; j0 < len; j0 += BN_BLOCK) {
    const end = min(len, j0 + BN_BLOCK);
    let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.0), b0 = f32x4.splat(0.0), b1 = f32x4.splat(0.0);
    let j = j0;
    for (; j + 8 <= end; j += 8) {
      const o = <usize>j << 2;
      const g0 = v128.load(pdy + o), g1 = v128.load(pdy + o, 16);
      a0 = f32x4.add(a0, g0);
      a1 = f32x4.add(a1, g1);
      b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.sub(v128.load(px + o), vm)));
      b1 = f32x4.add(b1, f32x4.mul(g1, f32x4.sub(v128.load(px + o, 16), vm)));
    }
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const g0 = v128.load(pdy + o);
      a0 = f32x4.add(a0, g0);
      b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.sub(v128.load(px + o), vm)));
    }
    let sa = hsum(f32x4.add(a0, a1)), sb = hsum(f32x4.add(b0, b1));
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const g = load<f32>(pdy + o);
      sa += g;
      sb += g * (load<f32>(px + o) - m);
    }
    gSumDy += <f64>sa;
    gSumDyX += <f64>sb;
  }
}

/** y = (x - m) * a + b for 4 lanes (or lane 0). */
@inline function affineLanes(px: usize, py: usize, vm: v128, va: v128, vb: v128, wide: bool): void {
  st(py, f32x4.add(f32x4.mul(f32x4.sub(ld(px, wide), vm), va), vb), wide);
}

/** dx = (dy - mdy - (x - m) * k) * s for 4 lanes (or lane 0). */
@inline function dxLanes(pdy: usize, px: usize, pdx: usize, vm: v128, vmdy: v128, vk: v128, vs: v128, wide: bool): void {
  const t = f32x4.sub(f32x4.sub(ld(pdy, wide), vmdy), f32x4.mul(f32x4.sub(ld(px, wide), vm), vk));
  st(pdx, f32x4.mul(t, vs), wide);
}

/** invstd = 1 / sqrt(var + eps), from the f32 biased variance, in f64 rounded to f32. */
@inline function invStd(v: f32, eps: f64): f32 {
  return <f32>(1.0 / Math.sqrt(<f64>v + eps));
}

/**
 * Training-mode batch norm forward over contiguous x [N, C, S], for the channels c0 <= c < c1 (the others are
 * not touched; threads take runs of channels): per channel c, over its cnt = N*S elements,
 * mean = sum x / cnt, var = sum (x - mean)² / cnt (biased), invstd = 1 / sqrt(var + eps);
 * y = (x - mean) * (invstd * weight[c]) + bias[c] (weight, bias: 0 = 1, 0). Writes mean, invstd (and var if
 * not 0), [C] each.
 */
export function batchnorm_forward_f32(x: usize, weight: usize, bias: usize, y: usize, mean: usize, invstd: usize, varOut: usize,
  N: i32, C: i32, S: i32, c0: i32, c1: i32, eps: f64): void {
  const cnt = <f64>N * <f64>S;
  if (S == 1) {
    forwardRows(x, weight, bias, y, mean, invstd, varOut, N, C, c0, c1, eps);
    return;
  }
  const rowBytes = <usize>C * <usize>S << 2;
  for (let c = c0; c < c1; c++) {
    const base = <usize>c * <usize>S << 2;
    let total: f64 = 0;
    for (let n = 0; n < N; n++) total += runSum(x + base + <usize>n * rowBytes, S);
    const m = <f32>(total / cnt);
    let sq: f64 = 0;
    for (let n = 0; n < N; n++) sq += runSumSq(x + base + <usize>n * rowBytes, S, m);
    const v = <f32>(sq / cnt);
    const is = invStd(v, eps);
    const o = <usize>c << 2;
    store<f32>(mean + o, m);
    store<f32>(invstd + o, is);
    if (varOut != 0) store<f32>(varOut + o, v);
    const a = weight != 0 ? is * load<f32>(weight + o) : is;
    const b: f32 = bias != 0 ? load<f32>(bias + o) : 0;
    const vm = f32x4.splat(m), va = f32x4.splat(a), vb = f32x4.splat(b);
    for (let n = 0; n < N; n++) {
      const px = x + base + <usize>n * rowBytes, py = y + base + <usize>n * rowBytes;
      let j = 0;
      for (; j + 4 <= S; j += 4) affineLanes(px + (<usize>j << 2), py + (<usize>j << 2), vm, va, vb, true);
      for (; j < S; j++) affineLanes(px + (<usize>j << 2), py + (<usize>j << 2), vm, va, vb, false);
    }
  }
}

/** The forward for S = 1 ([N, C] input): lanes are 4 channels, the sums over the N rows in f64x2. */
function forwardRows(x: usize, weight: usize, bias: usize, y: usize, mean: usize, invstd: usize, varOut: usize, N: i32, C: i32,
  c0: i32, c1: i32, eps: f64): void {
  const cnt = <f64>N;
  const rowBytes = <usize>C << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    const o = <usize>c << 2;
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let n = 0; n < N; n++) {
      const v = v128.load(x + o + <usize>n * rowBytes);
      lo = f64x2.add(lo, promoteLow(v));
      hi = f64x2.add(hi, promoteHigh(v));
    }
    const vc = f64x2.splat(cnt);
    const vm = demote2(f64x2.div(lo, vc), f64x2.div(hi, vc));
    lo = f64x2.splat(0);
    hi = f64x2.splat(0);
    for (let n = 0; n < N; n++) {
      const d = f32x4.sub(v128.load(x + o + <usize>n * rowBytes), vm);
      const d2 = f32x4.mul(d, d);
      lo = f64x2.add(lo, promoteLow(d2));
      hi = f64x2.add(hi, promoteHigh(d2));
    }
    const vv = demote2(f64x2.div(lo, vc), f64x2.div(hi, vc));
    // invstd in f64 from the f32 variance, as invStd
    const ve = f64x2.splat(eps), one = f64x2.splat(1.0);
    const vis = demote2(f64x2.div(one, f64x2.sqrt(f64x2.add(promoteLow(vv), ve))), f64x2.div(one, f64x2.sqrt(f64x2.add(promoteHigh(vv), ve))));
    v128.store(mean + o, vm);
    v128.store(invstd + o, vis);
    if (varOut != 0) v128.store(varOut + o, vv);
    const va = weight != 0 ? f32x4.mul(vis, v128.load(weight + o)) : vis;
    const vb = bias != 0 ? v128.load(bias + o) : f32x4.splat(0.0);
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      affineLanes(x + r, y + r, vm, va, vb, true);
    }
  }
  for (; c < c1; c++) {
    const o = <usize>c << 2;
    let total: f64 = 0;
    for (let n = 0; n < N; n++) total += <f64>load<f32>(x + o + <usize>n * rowBytes);
    const m = <f32>(total / cnt);
    let sq: f64 = 0;
    for (let n = 0; n < N; n++) {
      const d = load<f32>(x + o + <usize>n * rowBytes) - m;
      sq += <f64>(d * d);
    }
    const v = <f32>(sq / cnt);
    const is = invStd(v, eps);
    store<f32>(mean + o, m);
    store<f32>(invstd + o, is);
    if (varOut != 0) store<f32>(varOut + o, v);
    const a = weight != 0 ? is * load<f32>(weight + o) : is;
    const b: f32 = bias != 0 ? load<f32>(bias + o) : 0;
    const vm = f32x4.splat(m), va = f32x4.splat(a), vb = f32x4.splat(b);
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      affineLanes(x + r, y + r, vm, va, vb, false);
    }
  }
}

/**
 * Backward of batchnorm_forward_f32 from dy, x (contiguous [N, C, S]) and the saved mean, invstd, for the
 * channels c0 <= c < c1: per channel,
 * sdy = sum dy, sdyx = sum dy * (x - mean); dbias = sdy, dweight = sdyx * invstd;
 * dx = (dy - sdy / cnt - (x - mean) * (sdyx * invstd² / cnt)) * (invstd * weight[c]). weight 0 = 1;
 * dx, dweight, dbias: 0 = not wanted.
 */
export function batchnorm_backward_f32(dy: usize, x: usize, mean: usize, invstd: usize, weight: usize, dx: usize, dweight: usize,
  dbias: usize, N: i32, C: i32, S: i32, c0: i32, c1: i32): void {
  const cnt = <f64>N * <f64>S;
  if (S == 1) {
    backwardRows(dy, x, mean, invstd, weight, dx, dweight, dbias, N, C, c0, c1);
    return;
  }
  const rowBytes = <usize>C * <usize>S << 2;
  for (let c = c0; c < c1; c++) {
    const base = <usize>c * <usize>S << 2;
    const o = <usize>c << 2;
    const m = load<f32>(mean + o), is = load<f32>(invstd + o);
    gSumDy = 0;
    gSumDyX = 0;
    for (let n = 0; n < N; n++) runDot(dy + base + <usize>n * rowBytes, x + base + <usize>n * rowBytes, S, m);
    const sdy = gSumDy, sdyx = gSumDyX;
    if (dbias != 0) store<f32>(dbias + o, <f32>sdy);
    if (dweight != 0) store<f32>(dweight + o, <f32>(sdyx * <f64>is));
    if (dx == 0) continue;
    const mdy = <f32>(sdy / cnt);
    const k = <f32>(sdyx * <f64>is * <f64>is / cnt);
    const s = weight != 0 ? is * load<f32>(weight + o) : is;
    const vm = f32x4.splat(m), vmdy = f32x4.splat(mdy), vk = f32x4.splat(k), vs = f32x4.splat(s);
    for (let n = 0; n < N; n++) {
      const r = base + <usize>n * rowBytes;
      let j = 0;
      for (; j + 4 <= S; j += 4) {
        const q = r + (<usize>j << 2);
        dxLanes(dy + q, x + q, dx + q, vm, vmdy, vk, vs, true);
      }
      for (; j < S; j++) {
        const q = r + (<usize>j << 2);
        dxLanes(dy + q, x + q, dx + q, vm, vmdy, vk, vs, false);
      }
    }
  }
}

/** The backward for S = 1: lanes are 4 channels, the sums over the N rows in f64x2. */
function backwardRows(dy: usize, x: usize, mean: usize, invstd: usize, weight: usize, dx: usize, dweight: usize, dbias: usize, N: i32, C: i32,
  c0: i32, c1: i32): void {
  const cnt = <f64>N;
  const rowBytes = <usize>C << 2;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    const o = <usize>c << 2;
    const vm = v128.load(mean + o), vis = v128.load(invstd + o);
    let alo = f64x2.splat(0), ahi = f64x2.splat(0), blo = f64x2.splat(0), bhi = f64x2.splat(0);
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      const g = v128.load(dy + r);
      const p = f32x4.mul(g, f32x4.sub(v128.load(x + r), vm));
      alo = f64x2.add(alo, promoteLow(g));
      ahi = f64x2.add(ahi, promoteHigh(g));
      blo = f64x2.add(blo, promoteLow(p));
      bhi = f64x2.add(bhi, promoteHigh(p));
    }
    if (dbias != 0) v128.store(dbias + o, demote2(alo, ahi));
    const islo = promoteLow(vis), ishi = promoteHigh(vis);
    if (dweight != 0) v128.store(dweight + o, demote2(f64x2.mul(blo, islo), f64x2.mul(bhi, ishi)));
    if (dx == 0) continue;
    const vc = f64x2.splat(cnt);
    const vmdy = demote2(f64x2.div(alo, vc), f64x2.div(ahi, vc));
    const vk = demote2(f64x2.div(f64x2.mul(f64x2.mul(blo, islo), islo), vc), f64x2.div(f64x2.mul(f64x2.mul(bhi, ishi), ishi), vc));
    const vs = weight != 0 ? f32x4.mul(vis, v128.load(weight + o)) : vis;
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      dxLanes(dy + r, x + r, dx + r, vm, vmdy, vk, vs, true);
    }
  }
  for (; c < c1; c++) {
    const o = <usize>c << 2;
    const m = load<f32>(mean + o), is = load<f32>(invstd + o);
    let sdy: f64 = 0, sdyx: f64 = 0;
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      const g = load<f32>(dy + r);
      sdy += <f64>g;
      sdyx += <f64>(g * (load<f32>(x + r) - m));
    }
    if (dbias != 0) store<f32>(dbias + o, <f32>sdy);
    if (dweight != 0) store<f32>(dweight + o, <f32>(sdyx * <f64>is));
    if (dx == 0) continue;
    const mdy = <f32>(sdy / cnt);
    const k = <f32>(sdyx * <f64>is * <f64>is / cnt);
    const s = weight != 0 ? is * load<f32>(weight + o) : is;
    const vm = f32x4.splat(m), vmdy = f32x4.splat(mdy), vk = f32x4.splat(k), vs = f32x4.splat(s);
    for (let n = 0; n < N; n++) {
      const r = o + <usize>n * rowBytes;
      dxLanes(dy + r, x + r, dx + r, vm, vmdy, vk, vs, false);
    }
  }
}
