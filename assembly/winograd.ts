// Winograd convolution F(2x2, 3x3) for 3x3 stride-1 convolutions: conv2d's forward, its input gradient
// (itself such a convolution with the flipped, transposed weights) and its weight gradient (the adjoint).
//
// Each 2x2 block of outputs (a tile) is computed from the 4x4 block of input d under it and each 3x3 filter
// g as Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A, with
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
// Summed over input channels, the 16 elementwise products become 16 independent GEMMs:
//   U[ξ] (o x c) = G g Gᵀ at ξ,  V[ξ] (c x tiles) = Bᵀ d B at ξ,  M[ξ] = U[ξ] · V[ξ],  y = Aᵀ M A (+ bias)
// which take 16·o·c multiply-adds per tile instead of 36·o·c. The transforms only add and subtract (G's
// halves are exact), so the error is that of a float32 GEMM of depth c over the transformed values: a few
// ulps of Σ over channels of (Σ|d|)(Σ|g|) (test/winograd.test.ts checks 4 against float64).
// The weight gradient runs the same sums backwards: dU[ξ] = Σ over tiles of (A dY Aᵀ)[ξ] · V[ξ]ᵀ, one GEMM of
// depth `tiles` per ξ, then dW = Gᵀ dU G.
//
// The tiles are processed in blocks of whole tile rows (over the batch: row r is tile row r % tilesY of
// image r / tilesY), each row padded to a multiple of 4 tiles so the transforms run on 4 adjacent tiles
// per f32x4; V and M hold one block.

import { gemm_f32 } from "./gemm";

/**
 * Floats between the 16 planes of V and M beyond their c*T (o*T) floats: with plane sizes that are powers
 * of two, the 16 streams the transforms read or write would all fall in the same L1 cache sets.
 */
const PLANE_PAD: i32 = 16;

/** Tiles per tile row as stored in V and M: ceil(ow / 2) rounded up to a multiple of 4. */
@inline function paddedTilesX(ow: i32): i32 {
  return (((ow + 1) >> 1) + 3) & ~3;
}

/** A weight tap as f64: g[a][b] of the filter at g, or g[2-a][2-b] when flipped. */
@inline function tap(g: usize, a: i32, b: i32, flip: i32): f64 {
  const i = flip ? (2 - a) * 3 + (2 - b) : a * 3 + b;
  return <f64>load<f32>(g + (<usize>i << 2));
}

/** (G g)[i][b]: row i of G applied to column b of the (possibly flipped) filter. */
@inline function gRow(g: usize, i: i32, b: i32, flip: i32): f64 {
  const x0 = tap(g, 0, b, flip), x1 = tap(g, 1, b, flip), x2 = tap(g, 2, b, flip);
  return i == 0 ? x0 : i == 1 ? (x0 + x1 + x2) * 0.5 : i == 2 ? (x0 - x1 + x2) * 0.5 : x2;
}

/** The tap g[k / 3][k % 3] (of the rotated filter when flipped) of the filters at g and g + step, as f64 lanes. */
@inline function tapPair(g: usize, step: usize, k: i32, flip: i32): v128 {
  const p = g + (<usize>(flip ? 8 - k : k) << 2);
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(p)), 1, <f64>load<f32>(p + step));
}

/** Lanes 0, 1 of lo and of hi rounded to f32: a vector of 4 filters' values. */
@inline function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Row i of U = (G g) Gᵀ for 4 filters (f64 pairs lo, hi) from row i of G g (h0, h1, h2): h0,
 * (h0 + h1 + h2) / 2, (h0 - h1 + h2) / 2, h2, rounded to f32 and stored at d + ξ planes.
 */
@inline function uRow4(h0l: v128, h1l: v128, h2l: v128, h0h: v128, h1h: v128, h2h: v128, d: usize, plane: usize): void {
  const half = f64x2.splat(0.5);
  v128.store(d, demote4(h0l, h0h));
  v128.store(d + plane, demote4(f64x2.mul(f64x2.add(f64x2.add(h0l, h1l), h2l), half), f64x2.mul(f64x2.add(f64x2.add(h0h, h1h), h2h), half)));
  v128.store(d + 2 * plane, demote4(f64x2.mul(f64x2.add(f64x2.sub(h0l, h1l), h2l), half), f64x2.mul(f64x2.add(f64x2.sub(h0h, h1h), h2h), half)));
  v128.store(d + 3 * plane, demote4(h2l, h2h));
}

/**
 * U of 4 filters at g, g + step, g + 2 step, g + 3 step (bytes) stored in the lanes of f32x4 at dst + ξ
 * planes: the arithmetic of winograd_weights_f32 per filter, in f64 lanes.
 */
@inline function weights4(g: usize, step: usize, dst: usize, plane: usize, flip: i32): void {
  const half = f64x2.splat(0.5);
  const g2 = g + 2 * step;
  const x00l = tapPair(g, step, 0, flip), x10l = tapPair(g, step, 3, flip), x20l = tapPair(g, step, 6, flip);
  const g10l = f64x2.mul(f64x2.add(f64x2.add(x00l, x10l), x20l), half), g20l = f64x2.mul(f64x2.add(f64x2.sub(x00l, x10l), x20l), half);
  const x00h = tapPair(g2, step, 0, flip), x10h = tapPair(g2, step, 3, flip), x20h = tapPair(g2, step, 6, flip);
  const g10h = f64x2.mul(f64x2.add(f64x2.add(x00h, x10h), x20h), half), g20h = f64x2.mul(f64x2.add(f64x2.sub(x00h, x10h), x20h), half);
  const x01l = tapPair(g, step, 1, flip), x11l = tapPair(g, step, 4, flip), x21l = tapPair(g, step, 7, flip);
  const g11l = f64x2.mul(f64x2.add(f64x2.add(x01l, x11l), x21l), half), g21l = f64x2.mul(f64x2.add(f64x2.sub(x01l, x11l), x21l), half);
  const x01h = tapPair(g2, step, 1, flip), x11h = tapPair(g2, step, 4, flip), x21h = tapPair(g2, step, 7, flip);
  const g11h = f64x2.mul(f64x2.add(f64x2.add(x01h, x11h), x21h), half), g21h = f64x2.mul(f64x2.add(f64x2.sub(x01h, x11h), x21h), half);
  const x02l = tapPair(g, step, 2, flip), x12l = tapPair(g, step, 5, flip), x22l = tapPair(g, step, 8, flip);
  const g12l = f64x2.mul(f64x2.add(f64x2.add(x02l, x12l), x22l), half), g22l = f64x2.mul(f64x2.add(f64x2.sub(x02l, x12l), x22l), half);
  const x02h = tapPair(g2, step, 2, flip), x12h = tapPair(g2, step, 5, flip), x22h = tapPair(g2, step, 8, flip);
  const g12h = f64x2.mul(f64x2.add(f64x2.add(x02h, x12h), x22h), half), g22h = f64x2.mul(f64x2.add(f64x2.sub(x02h, x12h), x22h), half);
  // rows of G g: x0, (x0 + x1 + x2) / 2, (x0 - x1 + x2) / 2, x2 per column
  uRow4(x00l, x01l, x02l, x00h, x01h, x02h, dst, plane);
  uRow4(g10l, g11l, g12l, g10h, g11h, g12h, dst + 4 * plane, plane);
  uRow4(g20l, g21l, g22l, g20h, g21h, g22h, dst + 8 * plane, plane);
  uRow4(x20l, x21l, x22l, x20h, x21h, x22h, dst + 12 * plane, plane);
}

/**
 * The weight transform U[ξ] = G g Gᵀ (computed in f64, rounded once) of the 3x3 filters of w [o, c, 3, 3]:
 * flip = 0: U [16, o, c] with g = w[oc][ic]; flip = 1: U [16, c, o] with g = w[oc][ic] rotated by 180°
 * at U[ξ][ic][oc] (the filters of the convolution that computes conv2d's input gradient).
 */
export function winograd_weights_f32(w: usize, u: usize, o: i32, c: i32, flip: i32): void {
  const plane = <usize>(o * c) << 2;
  // U's filter index is a * inner + b: (oc, ic) unflipped, (ic, oc) flipped; runs of 4 consecutive b go
  // into the lanes of one f32x4
  const outer = flip ? c : o, inner = flip ? o : c;
  const bStep: usize = flip ? <usize>(c * 36) : 36, aStep: usize = flip ? 36 : <usize>(c * 36);
  for (let a = 0; a < outer; a++) {
    let b = 0;
    for (; b + 4 <= inner; b += 4) {
      weights4(w + <usize>a * aStep + <usize>b * bStep, bStep, u + (<usize>(a * inner + b) << 2), plane, flip);
    }
    for (; b < inner; b++) {
      const g = w + <usize>a * aStep + <usize>b * bStep;
      const dst = u + (<usize>(a * inner + b) << 2);
      for (let i = 0; i < 4; i++) {
        const h0 = gRow(g, i, 0, flip), h1 = gRow(g, i, 1, flip), h2 = gRow(g, i, 2, flip);
        const row = dst + <usize>(i * 4) * plane;
        store<f32>(row, <f32>h0);
        store<f32>(row + plane, <f32>((h0 + h1 + h2) * 0.5));
        store<f32>(row + 2 * plane, <f32>((h0 - h1 + h2) * 0.5));
        store<f32>(row + 3 * plane, <f32>h2);
      }
    }
  }
}

/** dst[0 .. n) = 0 (short rows: an inline loop rather than memory.fill, a call out of the module in V8). */
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * Four floats of an input row at columns j .. j+3, those outside [0, wd) zero (as the zero padding). Reads
 * only the row's columns 0 .. wd-1: when the four straddle an end of a row of at least 4 columns, the row's
 * first or last 4 columns, shifted in a register; else one column at a time.
 */
@inline function loadCols(row: usize, j: i32, wd: i32): v128 {
  if (j >= 0 && j + 4 <= wd) return v128.load(row + (<usize>j << 2));
  const zero = f32x4.splat(0);
  if (wd >= 4) {
    // the row's first or last 4 columns, shifted
    if (j == -1) return v128.shuffle<f32>(zero, v128.load(row), 0, 4, 5, 6);
    if (j == -2) return v128.shuffle<f32>(zero, v128.load(row), 0, 1, 4, 5);
    if (j == -3) return v128.shuffle<f32>(zero, v128.load(row), 0, 1, 2, 4);
    const s = j - (wd - 4);
    if (s == 1) return v128.shuffle<f32>(v128.load(row + (<usize>(wd - 4) << 2)), zero, 1, 2, 3, 4);
    if (s == 2) return v128.shuffle<f32>(v128.load(row + (<usize>(wd - 4) << 2)), zero, 2, 3, 4, 5);
    if (s == 3) return v128.shuffle<f32>(v128.load(row + (<usize>(wd - 4) << 2)), zero, 3, 4, 5, 6);
  }
  let r = zero;
  if (<u32>j < <u32>wd) r = f32x4.replace_lane(r, 0, load<f32>(row + (<usize>j << 2)));
  if (<u32>(j + 1) < <u32>wd) r = f32x4.replace_lane(r, 1, load<f32>(row + (<usize>(j + 1) << 2)));
  if (<u32>(j + 2) < <u32>wd) r = f32x4.replace_lane(r, 2, load<f32>(row + (<usize>(j + 2) << 2)));
  if (<u32>(j + 3) < <u32>wd) r = f32x4.replace_lane(r, 3, load<f32>(row + (<usize>(j + 3) << 2)));
  return r;
}

/**
 * V at tiles t .. t+3 (stored from d, planes `plane` bytes apart) from the input rows at r0 .. r3 (the
 * addresses of their column 0), the tiles' columns starting at j = 2t - pw: E = d B per row from the
 * columns j .. j+9 (four loads: j, j+4 give columns 0, 2, 4, 6 and 1, 3, 5, 7 of the 4 tiles, j+2, j+6
 * columns 2, 4, 6, 8 and 3, 5, 7, 9), then V = Bᵀ E. `edge`: columns outside [0, wd) read as zero;
 * otherwise j .. j+9 must lie inside.
 */
@inline function inputGroup(r0: usize, r1: usize, r2: usize, r3: usize, j: i32, wd: i32, edge: bool, d: usize, plane: usize): void {
  let a = edge ? loadCols(r0, j, wd) : v128.load(r0 + (<usize>j << 2));
  let b = edge ? loadCols(r0, j + 4, wd) : v128.load(r0 + (<usize>j << 2), 16);
  let p = edge ? loadCols(r0, j + 2, wd) : v128.load(r0 + (<usize>j << 2), 8);
  let q = edge ? loadCols(r0, j + 6, wd) : v128.load(r0 + (<usize>j << 2), 24);
  let c0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), c1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  let c2 = v128.shuffle<f32>(p, q, 0, 2, 4, 6), c3 = v128.shuffle<f32>(p, q, 1, 3, 5, 7);
  const e00 = f32x4.sub(c0, c2), e01 = f32x4.add(c1, c2), e02 = f32x4.sub(c2, c1), e03 = f32x4.sub(c1, c3);
  a = edge ? loadCols(r1, j, wd) : v128.load(r1 + (<usize>j << 2));
  b = edge ? loadCols(r1, j + 4, wd) : v128.load(r1 + (<usize>j << 2), 16);
  p = edge ? loadCols(r1, j + 2, wd) : v128.load(r1 + (<usize>j << 2), 8);
  q = edge ? loadCols(r1, j + 6, wd) : v128.load(r1 + (<usize>j << 2), 24);
  c0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6); c1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  c2 = v128.shuffle<f32>(p, q, 0, 2, 4, 6); c3 = v128.shuffle<f32>(p, q, 1, 3, 5, 7);
  const e10 = f32x4.sub(c0, c2), e11 = f32x4.add(c1, c2), e12 = f32x4.sub(c2, c1), e13 = f32x4.sub(c1, c3);
  a = edge ? loadCols(r2, j, wd) : v128.load(r2 + (<usize>j << 2));
  b = edge ? loadCols(r2, j + 4, wd) : v128.load(r2 + (<usize>j << 2), 16);
  p = edge ? loadCols(r2, j + 2, wd) : v128.load(r2 + (<usize>j << 2), 8);
  q = edge ? loadCols(r2, j + 6, wd) : v128.load(r2 + (<usize>j << 2), 24);
  c0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6); c1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  c2 = v128.shuffle<f32>(p, q, 0, 2, 4, 6); c3 = v128.shuffle<f32>(p, q, 1, 3, 5, 7);
  const e20 = f32x4.sub(c0, c2), e21 = f32x4.add(c1, c2), e22 = f32x4.sub(c2, c1), e23 = f32x4.sub(c1, c3);
  a = edge ? loadCols(r3, j, wd) : v128.load(r3 + (<usize>j << 2));
  b = edge ? loadCols(r3, j + 4, wd) : v128.load(r3 + (<usize>j << 2), 16);
  p = edge ? loadCols(r3, j + 2, wd) : v128.load(r3 + (<usize>j << 2), 8);
  q = edge ? loadCols(r3, j + 6, wd) : v128.load(r3 + (<usize>j << 2), 24);
  c0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6); c1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  c2 = v128.shuffle<f32>(p, q, 0, 2, 4, 6); c3 = v128.shuffle<f32>(p, q, 1, 3, 5, 7);
  const e30 = f32x4.sub(c0, c2), e31 = f32x4.add(c1, c2), e32 = f32x4.sub(c2, c1), e33 = f32x4.sub(c1, c3);
  // V = Bᵀ E: rows E0 - E2, E1 + E2, E2 - E1, E1 - E3; ξ = 4i + j
  v128.store(d, f32x4.sub(e00, e20));
  v128.store(d + plane, f32x4.sub(e01, e21));
  v128.store(d + 2 * plane, f32x4.sub(e02, e22));
  v128.store(d + 3 * plane, f32x4.sub(e03, e23));
  v128.store(d + 4 * plane, f32x4.add(e10, e20));
  v128.store(d + 5 * plane, f32x4.add(e11, e21));
  v128.store(d + 6 * plane, f32x4.add(e12, e22));
  v128.store(d + 7 * plane, f32x4.add(e13, e23));
  v128.store(d + 8 * plane, f32x4.sub(e20, e10));
  v128.store(d + 9 * plane, f32x4.sub(e21, e11));
  v128.store(d + 10 * plane, f32x4.sub(e22, e12));
  v128.store(d + 11 * plane, f32x4.sub(e23, e13));
  v128.store(d + 12 * plane, f32x4.sub(e10, e30));
  v128.store(d + 13 * plane, f32x4.sub(e11, e31));
  v128.store(d + 14 * plane, f32x4.sub(e12, e32));
  v128.store(d + 15 * plane, f32x4.sub(e13, e33));
}

/**
 * V[ξ][ci][rr*tx4 + tx] = (Bᵀ d B)[ξ] for the tiles of the block's tile rows r0 .. r0+br, where d is the
 * 4x4 input at rows 2ty - ph .., columns 2tx - pw .. (zero outside the image). Rows are read straight from
 * x; a row outside the image reads from `strip`, zeroed here (2*tx4 + 4 floats, as wide as the columns
 * the tiles span). The groups of 4 tiles whose columns all lie inside the image take plain loads, the
 * others (at the left and right edges, and the padding tiles up to tx4) zero the columns outside.
 */
function inputTransform(x: usize, v: usize, strip: usize, c: i32, h: i32, wd: i32, ph: i32, pw: i32,
  tilesY: i32, tx4: i32, r0: i32, br: i32, T: i32): void {
  const plane = <usize>(c * T + PLANE_PAD) << 2;
  zeroFloats(strip, 2 * tx4 + 4);
  // group t reads columns 2t - pw .. 2t - pw + 9: inside the image for t in [tA, tB)
  let tA = 0;
  while (tA < tx4 && 2 * tA - pw < 0) tA += 4;
  let tB = tA;
  while (tB < tx4 && 2 * tB - pw + 10 <= wd) tB += 4;
  // the zero row's column j is strip column j + pw (wrapping address arithmetic: pw may be negative); the
  // columns read lie inside [0, 2*tx4 + 4): tile columns 2t + 0..9 for in-bounds loads, and loadCols'
  // shifted loads read columns 0..3 only when pw >= 1 and wd - 4 .. wd - 1 only when the last group
  // reaches column wd - 1, i.e. pw + wd - 1 <= 2*tx4
  const zero = strip + (<usize>pw << 2);
  for (let ci = 0; ci < c; ci++) {
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const iy = 2 * ty - ph;
      const src = x + ((<usize>(img * c + ci) * <usize>h * <usize>wd) << 2);
      const a0 = <u32>iy < <u32>h ? src + (<usize>(iy * wd) << 2) : zero;
      const a1 = <u32>(iy + 1) < <u32>h ? src + (<usize>((iy + 1) * wd) << 2) : zero;
      const a2 = <u32>(iy + 2) < <u32>h ? src + (<usize>((iy + 2) * wd) << 2) : zero;
      const a3 = <u32>(iy + 3) < <u32>h ? src + (<usize>((iy + 3) * wd) << 2) : zero;
      const dst = v + (<usize>(ci * T + rr * tx4) << 2);
      let t = 0;
      for (; t < tA; t += 4) inputGroup(a0, a1, a2, a3, 2 * t - pw, wd, true, dst + (<usize>t << 2), plane);
      for (; t < tB; t += 4) inputGroup(a0, a1, a2, a3, 2 * t - pw, wd, false, dst + (<usize>t << 2), plane);
      for (; t < tx4; t += 4) inputGroup(a0, a1, a2, a3, 2 * t - pw, wd, true, dst + (<usize>t << 2), plane);
    }
  }
}

/** Stores lanes of lo (columns col .. col+3) and hi (col+4 .. col+7) of an output row that lie before ow. */
@inline function storeRowTail(d: usize, lo: v128, hi: v128, col: i32, ow: i32): void {
  const left = ow - col;
  store<f32>(d, f32x4.extract_lane(lo, 0));
  if (left > 1) store<f32>(d, f32x4.extract_lane(lo, 1), 4);
  if (left > 2) store<f32>(d, f32x4.extract_lane(lo, 2), 8);
  if (left > 3) store<f32>(d, f32x4.extract_lane(lo, 3), 12);
  if (left > 4) store<f32>(d, f32x4.extract_lane(hi, 0), 16);
  if (left > 5) store<f32>(d, f32x4.extract_lane(hi, 1), 20);
  if (left > 6) store<f32>(d, f32x4.extract_lane(hi, 2), 24);
}

/**
 * y = Aᵀ M A (+ bias[oc]) for the block's tiles: tile (ty, tx) of image img gives the outputs at rows
 * 2ty, 2ty + 1 and columns 2tx, 2tx + 1 of y[img][oc] that are inside oh x ow.
 */
function outputTransform(mb: usize, bias: usize, y: usize, o: i32, oh: i32, ow: i32, tilesY: i32, tilesX: i32,
  tx4: i32, r0: i32, br: i32, T: i32): void {
  const plane = <usize>(o * T + PLANE_PAD) << 2;
  for (let oc = 0; oc < o; oc++) {
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const oy = 2 * ty;
      const second = oy + 1 < oh;
      const b = bias != 0 ? v128.load32_splat(bias + (<usize>oc << 2)) : f32x4.splat(0);
      const src = mb + (<usize>(oc * T + rr * tx4) << 2);
      const out0 = y + ((<usize>((img * o + oc) * oh + oy) * <usize>ow) << 2);
      const out1 = out0 + (<usize>ow << 2);
      for (let t = 0; t < tilesX; t += 4) {
        const s = src + (<usize>t << 2);
        // P = M A per row i of M: P[i][0] = M[i][0] + M[i][1] + M[i][2], P[i][1] = M[i][1] - M[i][2] - M[i][3]
        let m0 = v128.load(s), m1 = v128.load(s + plane), m2 = v128.load(s + 2 * plane), m3 = v128.load(s + 3 * plane);
        const p00 = f32x4.add(f32x4.add(m0, m1), m2), p01 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + 4 * plane); m1 = v128.load(s + 5 * plane); m2 = v128.load(s + 6 * plane); m3 = v128.load(s + 7 * plane);
        const p10 = f32x4.add(f32x4.add(m0, m1), m2), p11 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + 8 * plane); m1 = v128.load(s + 9 * plane); m2 = v128.load(s + 10 * plane); m3 = v128.load(s + 11 * plane);
        const p20 = f32x4.add(f32x4.add(m0, m1), m2), p21 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(s + 12 * plane); m1 = v128.load(s + 13 * plane); m2 = v128.load(s + 14 * plane); m3 = v128.load(s + 15 * plane);
        const p30 = f32x4.add(f32x4.add(m0, m1), m2), p31 = f32x4.sub(f32x4.sub(m1, m2), m3);
        // Y = Aᵀ P, plus the bias; lanes are tiles t .. t+3, so columns interleave as (Y[a][0], Y[a][1]) pairs
        const y00 = f32x4.add(f32x4.add(f32x4.add(p00, p10), p20), b);
        const y01 = f32x4.add(f32x4.add(f32x4.add(p01, p11), p21), b);
        const col = 2 * t;
        const d0 = out0 + (<usize>col << 2);
        let lo = v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), hi = v128.shuffle<f32>(y00, y01, 2, 6, 3, 7);
        const full = col + 8 <= ow;
        if (full) {
          v128.store(d0, lo);
          v128.store(d0, hi, 16);
        } else {
          storeRowTail(d0, lo, hi, col, ow);
        }
        if (second) {
          const y10 = f32x4.add(f32x4.sub(f32x4.sub(p10, p20), p30), b);
          const y11 = f32x4.add(f32x4.sub(f32x4.sub(p11, p21), p31), b);
          const d1 = out1 + (<usize>col << 2);
          lo = v128.shuffle<f32>(y10, y11, 0, 4, 1, 5);
          hi = v128.shuffle<f32>(y10, y11, 2, 6, 3, 7);
          if (full) {
            v128.store(d1, lo);
            v128.store(d1, hi, 16);
          } else {
            storeRowTail(d1, lo, hi, col, ow);
          }
        }
      }
    }
  }
}

/**
 * y[img][oc][oy][ox] = Σ over ci, ki, kj < 3 of x[img][ci][oy - ph + ki][ox - pw + kj] · g[oc][ci][ki][kj]
 * (+ bias[oc] when bias != 0), x zero outside h x wd, for the tile rows row0 .. row0+rows (tile row r:
 * output rows 2(r % tilesY) and the one after of image r / tilesY, tilesY = ceil(oh / 2)), by Winograd
 * F(2x2, 3x3) from u = the filters g transformed by winograd_weights_f32 ([16, o, c]). ph, pw may be any
 * integers (negative: the window starts inside the image). Blocks of blockRows tile rows: with
 * T = blockRows * tx4 (tx4 = ceil(ow / 2) rounded up to a multiple of 4), v holds 16*(c*T + 16) floats, m
 * 16*(o*T + 16) floats (its start also serves as the input transform's (2*tx4 + 4)-float zero row), work
 * gemm_f32_workspace(o, T, c) bytes.
 */
export function conv2d_winograd_f32(x: usize, u: usize, bias: usize, y: usize, n: i32, c: i32, h: i32, wd: i32, o: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, row0: i32, rows: i32, blockRows: i32, v: usize, m: usize, work: usize): void {
  if (n <= 0 || rows <= 0 || o <= 0 || oh <= 0 || ow <= 0) return;
  const tilesY = (oh + 1) >> 1, tilesX = (ow + 1) >> 1, tx4 = paddedTilesX(ow);
  const end = row0 + rows;
  for (let r = row0; r < end; r += blockRows) {
    const br = min(blockRows, end - r);
    const T = br * tx4;
    inputTransform(x, v, m, c, h, wd, ph, pw, tilesY, tx4, r, br, T);
    for (let xi = 0; xi < 16; xi++) {
      gemm_f32(u + (<usize>(xi * o * c) << 2), v + (<usize>xi * <usize>(c * T + PLANE_PAD) << 2), m + (<usize>xi * <usize>(o * T + PLANE_PAD) << 2),
        o, T, c, c, 1, T, 1, 0, work);
    }
    outputTransform(m, bias, y, o, oh, ow, tilesY, tilesX, tx4, r, br, T);
  }
}

/**
 * Z at tiles t .. t+3 (stored from d, planes `plane` bytes apart) from the gy rows at g0, g1 (the addresses
 * of their column 0), the tiles' columns starting at j = 2t. `edge`: columns past ow read as zero;
 * otherwise j .. j+7 must lie inside.
 */
@inline function gradGroup(g0: usize, g1: usize, j: i32, ow: i32, edge: bool, d: usize, plane: usize): void {
  let lo = edge ? loadCols(g0, j, ow) : v128.load(g0 + (<usize>j << 2));
  let hi = edge ? loadCols(g0, j + 4, ow) : v128.load(g0 + (<usize>j << 2), 16);
  const a0 = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), a1 = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
  lo = edge ? loadCols(g1, j, ow) : v128.load(g1 + (<usize>j << 2));
  hi = edge ? loadCols(g1, j + 4, ow) : v128.load(g1 + (<usize>j << 2), 16);
  const b0 = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), b1 = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
  // rows of A dY: dY0, dY0 + dY1, dY0 - dY1, -dY1; then each row (p, q) becomes p, p + q, p - q, -q
  let p = a0, q = a1;
  v128.store(d, p); v128.store(d + plane, f32x4.add(p, q)); v128.store(d + 2 * plane, f32x4.sub(p, q)); v128.store(d + 3 * plane, f32x4.neg(q));
  p = f32x4.add(a0, b0); q = f32x4.add(a1, b1);
  v128.store(d + 4 * plane, p); v128.store(d + 5 * plane, f32x4.add(p, q)); v128.store(d + 6 * plane, f32x4.sub(p, q)); v128.store(d + 7 * plane, f32x4.neg(q));
  p = f32x4.sub(a0, b0); q = f32x4.sub(a1, b1);
  v128.store(d + 8 * plane, p); v128.store(d + 9 * plane, f32x4.add(p, q)); v128.store(d + 10 * plane, f32x4.sub(p, q)); v128.store(d + 11 * plane, f32x4.neg(q));
  p = f32x4.neg(b0); q = f32x4.neg(b1);
  v128.store(d + 12 * plane, p); v128.store(d + 13 * plane, f32x4.add(p, q)); v128.store(d + 14 * plane, f32x4.sub(p, q)); v128.store(d + 15 * plane, f32x4.neg(q));
}

/**
 * Z[ξ][oc][rr*tx4 + tx] = (A dY Aᵀ)[ξ] for the block's tiles, dY the 2x2 block of gy at rows 2ty, 2ty + 1,
 * columns 2tx, 2tx + 1 (zero outside oh x ow), A = (Aᵀ)ᵀ: the adjoint of the output transform. The rows are
 * read straight from gy (columns past ow as zero); a second row past oh reads from `strip`, zeroed here
 * (2*tx4 floats).
 */
function gradTransform(gy: usize, z: usize, strip: usize, o: i32, oh: i32, ow: i32, tilesY: i32, tx4: i32,
  r0: i32, br: i32, T: i32): void {
  const plane = <usize>(o * T + PLANE_PAD) << 2;
  zeroFloats(strip, 2 * tx4);
  // groups t < tB read columns 2t .. 2t+7 inside the row
  let tB = 0;
  while (tB < tx4 && 2 * tB + 8 <= ow) tB += 4;
  for (let oc = 0; oc < o; oc++) {
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const g0 = gy + ((<usize>((img * o + oc) * oh + 2 * ty) * <usize>ow) << 2);
      const g1 = 2 * ty + 1 < oh ? g0 + (<usize>ow << 2) : strip;
      const dst = z + (<usize>(oc * T + rr * tx4) << 2);
      let t = 0;
      for (; t < tB; t += 4) gradGroup(g0, g1, 2 * t, ow, false, dst + (<usize>t << 2), plane);
      for (; t < tx4; t += 4) gradGroup(g0, g1, 2 * t, ow, true, dst + (<usize>t << 2), plane);
    }
  }
}

/**
 * The weight gradient's Winograd sum: du[ξ][oc][ci] += Σ over the tiles of tile rows row0 .. row0+rows of
 * (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ], dY the 2x2 gy block of the tile (zero outside oh x ow), d its 4x4 input
 * (as conv2d_winograd_f32). winograd_weights_backward_f32 turns du into dW. With T = blockRows * tx4: v holds
 * 16*(c*T + 16) floats, z 16*(o*T + 16) + 8*tx4 + 16 floats, work gemm_f32_workspace(o, c, T) bytes.
 */
export function conv2d_winograd_weight_f32(gy: usize, x: usize, du: usize, n: i32, c: i32, h: i32, wd: i32, o: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, row0: i32, rows: i32, blockRows: i32, v: usize, z: usize, work: usize): void {
  if (n <= 0 || rows <= 0 || o <= 0 || c <= 0 || oh <= 0 || ow <= 0) return;
  const tilesY = (oh + 1) >> 1, tx4 = paddedTilesX(ow);
  const strip = z + (<usize>16 * <usize>(o * blockRows * tx4 + PLANE_PAD) << 2);
  const end = row0 + rows;
  for (let r = row0; r < end; r += blockRows) {
    const br = min(blockRows, end - r);
    const T = br * tx4;
    inputTransform(x, v, strip, c, h, wd, ph, pw, tilesY, tx4, r, br, T);
    gradTransform(gy, z, strip, o, oh, ow, tilesY, tx4, r, br, T);
    for (let xi = 0; xi < 16; xi++) {
      gemm_f32(z + (<usize>xi * <usize>(o * T + PLANE_PAD) << 2), v + (<usize>xi * <usize>(c * T + PLANE_PAD) << 2),
        du + (<usize>(xi * o * c) << 2), o, c, T, T, 1, 1, T, 1, work);
    }
  }
}

/** dw[oc][ic] = Gᵀ D G (3x3, f64, rounded once) with D[i][j] = du[4i+j][oc][ic] ([16, o, c]): the weight gradient. */
export function winograd_weights_backward_f32(du: usize, dw: usize, o: i32, c: i32): void {
  const plane = <usize>(o * c) << 2;
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const src = du + (<usize>(oc * c + ic) << 2);
      const dst = dw + (<usize>((oc * c + ic) * 9) << 2);
      for (let a = 0; a < 3; a++) {
        // row a of Gᵀ D: D0 + (D1 + D2)/2, (D1 - D2)/2, (D1 + D2)/2 + D3 over the rows i of D, per column j
        let r0: f64 = 0, r1: f64 = 0, r2: f64 = 0, r3: f64 = 0;
        for (let j = 0; j < 4; j++) {
          const d0 = <f64>load<f32>(src + <usize>j * plane), d1 = <f64>load<f32>(src + <usize>(4 + j) * plane);
          const d2 = <f64>load<f32>(src + <usize>(8 + j) * plane), d3 = <f64>load<f32>(src + <usize>(12 + j) * plane);
          const r = a == 0 ? d0 + (d1 + d2) * 0.5 : a == 1 ? (d1 - d2) * 0.5 : (d1 + d2) * 0.5 + d3;
          if (j == 0) r0 = r; else if (j == 1) r1 = r; else if (j == 2) r2 = r; else r3 = r;
        }
        store<f32>(dst + (<usize>(a * 3) << 2), <f32>(r0 + (r1 + r2) * 0.5));
        store<f32>(dst + (<usize>(a * 3 + 1) << 2), <f32>((r1 - r2) * 0.5));
        store<f32>(dst + (<usize>(a * 3 + 2) << 2), <f32>((r1 + r2) * 0.5 + r3));
      }
    }
  }
}

/**
 * The largest |x[i]| of n contiguous floats (0 when n = 0): +Infinity when one is infinite, NaN when one is
 * NaN. conv2d takes the Winograd path only when this bounds the transforms' values (no NaN, no Inf).
 * Without its sign bit a float's bits order as integers as the float orders, with Inf above every finite
 * value and NaN above Inf: a maximum over i32 lanes (one instruction, four independent accumulators).
 */
export function abs_max_f32(x: usize, n: i32): f32 {
  const mask = i32x4.splat(0x7fffffff);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    a0 = i32x4.max_s(a0, v128.and(v128.load(p), mask));
    a1 = i32x4.max_s(a1, v128.and(v128.load(p, 16), mask));
    a2 = i32x4.max_s(a2, v128.and(v128.load(p, 32), mask));
    a3 = i32x4.max_s(a3, v128.and(v128.load(p, 48), mask));
  }
  for (; i + 4 <= n; i += 4) a0 = i32x4.max_s(a0, v128.and(v128.load(x + (<usize>i << 2)), mask));
  a0 = i32x4.max_s(i32x4.max_s(a0, a1), i32x4.max_s(a2, a3));
  let r = max(max(i32x4.extract_lane(a0, 0), i32x4.extract_lane(a0, 1)), max(i32x4.extract_lane(a0, 2), i32x4.extract_lane(a0, 3)));
  for (; i < n; i++) r = max(r, load<i32>(x + (<usize>i << 2)) & 0x7fffffff);
  return reinterpret<f32>(r);
}
