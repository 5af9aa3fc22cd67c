// Winograd convolution F(4x4, 3x3) for 3x3 stride-1 convolutions: conv2d's forward, its input gradient
// (the same convolution with the flipped, transposed weights) and its weight gradient, with the contracts
// of the F(2x2, 3x3) kernels (assembly/winograd.ts) but 36 transform planes: each 4x4 block of outputs (a
// tile) comes from the 6x6 block of input d under it as Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A, 36 multiply-adds
// per channel pair for 16 outputs instead of 144.
//
// The interpolation points are 0, ±3/4, ±3/2 and ∞ (Lavin's 0, ±1, ±2, ∞ scaled by 3/4): of the point
// sets tried (0, ±1, ±2; 0, ±1, ±1/2; 0, ±2, ±1/2; 0, ±1/2, ±3/2; pairs ±a, ±b on a grid of eighths) they
// give the smallest float32 error on ResNet-like data, the transforms keep the symmetric pairs of Lavin's
// (each a sum and a difference of the same two products), and every coefficient of Bᵀ and Aᵀ is a dyadic
// fraction exact in float32. The weight transform's thirds go into G, applied in f64 and rounded once:
//   Bᵀ = [ 81/64    0     -45/16   0     1  0 ]     G = [  64/81     0      0    ]
//        [  0    -27/16   -9/4    3/4    1  0 ]         [ -128/243 -32/81  -8/27 ]
//        [  0     27/16   -9/4   -3/4    1  0 ]         [ -128/243  32/81  -8/27 ]
//        [  0    -27/32   -9/16   3/2    1  0 ]         [  32/243   16/81   8/27 ]
//        [  0     27/32   -9/16  -3/2    1  0 ]         [  32/243  -16/81   8/27 ]
//        [  0     81/64    0    -45/16   0  1 ]         [   0        0      1    ]
//   Aᵀ = [ 1  1      1      1     1     0 ]
//        [ 0  3/4   -3/4    3/2  -3/2   0 ]
//        [ 0  9/16   9/16   9/4   9/4   0 ]
//        [ 0  27/64 -27/64  27/8 -27/8  1 ]
// Error: the transforms no longer only add and subtract, and a tile's 36 inputs reach every output of it,
// so float32 rounding gives errors of several ulps of Σ over channels of (Σ|d| over the 6x6 tile)·(Σ|g|).
// test/winograd4.test.ts bounds the error relative to Σ|x||w| on ResNet-like data (channels 16, 32, 64)
// at 1.5e-6 for the forward and input gradient and 2e-6 for the weight gradient, against float64.
//
// Layout: U [36, o, c], V [36, c, T], M [36, o, T] with ξ = 6i + j (planes padded), T = tiles of a block
// of whole tile rows, each tile row padded to a multiple of 4 tiles so the transforms run on 4 adjacent
// tiles per f32x4 (rows of at most 2 tiles go in pairs of tile rows instead, see paddedTilesX).
// The forward writes V straight in the layout the GEMM packs its B into, and the weight transform U in the
// layout it packs its A into (once per call: U is the same for every block), so gemm_packed_ab_f32 packs
// neither (same bits). The transforms read the input through zero-padded copies of its rows (the
// strip), so every group of 4 tiles takes plain loads.

import { GEMM_MR, gemm_f32, gemm_pack_a_bytes, gemm_packed_a_f32, gemm_packed_ab_f32 } from "./gemm";

/** Floats between the 36 planes of V and M beyond their c*T (o*T) floats (against L1 set conflicts). */
const PLANE_PAD: i32 = 16;

/**
 * Tiles per tile row as stored in V and M: ceil(ow / 4) rounded up to a multiple of 4, or 2 when it is at
 * most 2 (outputs at most 8 wide): then each group of 4 lanes holds the 2 tiles of 2 consecutive tile rows
 * (pair mode). A block of br tile rows stores T = blockTiles(br, tx4) tiles.
 */
@inline function paddedTilesX(ow: i32): i32 {
  const t = (ow + 3) >> 2;
  return t <= 2 ? 2 : (t + 3) & ~3;
}

/** Tiles stored for a block of br tile rows: br * tx4 rounded up to a multiple of 4 (pair mode: an odd br pads a row). */
@inline function blockTiles(br: i32, tx4: i32): i32 {
  return (br * tx4 + 3) & ~3;
}

// ---- weight transform (f64) ----

/** Stores lanes 0 (and 1 when pair) of the f64x2 v rounded to f32 at d, d + 4. */
@inline function storeF64Pair(d: usize, v: v128, pair: bool): void {
  const r = f32x4.demote_f64x2_zero(v);
  if (pair) v128.store64_lane(d, r, 0);
  else v128.store32_lane(d, r, 0);
}

/**
 * G·(x0, x1, x2) of two filters (f64 lanes), its 6 entries rounded to f32 and stored at d + i·ds:
 * 64/81 x0; a ∓ b with a = -128/243 x0 - 8/27 x2, b = 32/81 x1; a' ± b/2 with a' = 32/243 x0 + 8/27 x2; x2.
 */
@inline function g6Store(x0: v128, x1: v128, x2: v128, d: usize, ds: usize, pair: bool): void {
  const t = f64x2.mul(x2, f64x2.splat(8.0 / 27.0));
  const a = f64x2.sub(f64x2.mul(x0, f64x2.splat(-128.0 / 243.0)), t), b = f64x2.mul(x1, f64x2.splat(32.0 / 81.0));
  const a2 = f64x2.add(f64x2.mul(x0, f64x2.splat(32.0 / 243.0)), t), b2 = f64x2.mul(b, f64x2.splat(0.5));
  storeF64Pair(d, f64x2.mul(x0, f64x2.splat(64.0 / 81.0)), pair);
  storeF64Pair(d + ds, f64x2.sub(a, b), pair);
  storeF64Pair(d + 2 * ds, f64x2.add(a, b), pair);
  storeF64Pair(d + 3 * ds, f64x2.add(a2, b2), pair);
  storeF64Pair(d + 4 * ds, f64x2.sub(a2, b2), pair);
  storeF64Pair(d + 5 * ds, x2, pair);
}

/** The taps g[k / 3][k % 3] (of the rotated filter when flipped) of the filters at g and g + step, as f64 lanes. */
@inline function tapPair(g: usize, step: usize, k: i32, flip: i32): v128 {
  const p = g + (<usize>(flip ? 8 - k : k) << 2);
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(p)), 1, <f64>load<f32>(p + step));
}

/**
 * U = (G g) Gᵀ of the filters at g and g + step (bytes; only g when !pair) stored at dst, dst + 4 (ξ planes
 * apart): the columns of G g (the same arithmetic as g6Store, kept in f64), then G applied to each row.
 */
@inline function weights2(g: usize, step: usize, dst: usize, plane: usize, flip: i32, pair: bool): void {
  const c8_27 = f64x2.splat(8.0 / 27.0), c128 = f64x2.splat(-128.0 / 243.0), c32_81 = f64x2.splat(32.0 / 81.0);
  const c32_243 = f64x2.splat(32.0 / 243.0), c64 = f64x2.splat(64.0 / 81.0), half = f64x2.splat(0.5);
  // column b of G g: h0b .. h5b
  let x0 = tapPair(g, step, 0, flip), x1 = tapPair(g, step, 3, flip), x2 = tapPair(g, step, 6, flip);
  let t = f64x2.mul(x2, c8_27), a = f64x2.sub(f64x2.mul(x0, c128), t), b = f64x2.mul(x1, c32_81);
  let a2 = f64x2.add(f64x2.mul(x0, c32_243), t), b2 = f64x2.mul(b, half);
  const h00 = f64x2.mul(x0, c64), h10 = f64x2.sub(a, b), h20 = f64x2.add(a, b), h30 = f64x2.add(a2, b2), h40 = f64x2.sub(a2, b2), h50 = x2;
  x0 = tapPair(g, step, 1, flip); x1 = tapPair(g, step, 4, flip); x2 = tapPair(g, step, 7, flip);
  t = f64x2.mul(x2, c8_27); a = f64x2.sub(f64x2.mul(x0, c128), t); b = f64x2.mul(x1, c32_81);
  a2 = f64x2.add(f64x2.mul(x0, c32_243), t); b2 = f64x2.mul(b, half);
  const h01 = f64x2.mul(x0, c64), h11 = f64x2.sub(a, b), h21 = f64x2.add(a, b), h31 = f64x2.add(a2, b2), h41 = f64x2.sub(a2, b2), h51 = x2;
  x0 = tapPair(g, step, 2, flip); x1 = tapPair(g, step, 5, flip); x2 = tapPair(g, step, 8, flip);
  t = f64x2.mul(x2, c8_27); a = f64x2.sub(f64x2.mul(x0, c128), t); b = f64x2.mul(x1, c32_81);
  a2 = f64x2.add(f64x2.mul(x0, c32_243), t); b2 = f64x2.mul(b, half);
  const h02 = f64x2.mul(x0, c64), h12 = f64x2.sub(a, b), h22 = f64x2.add(a, b), h32 = f64x2.add(a2, b2), h42 = f64x2.sub(a2, b2), h52 = x2;
  // row i of U = G applied to row i of G g: ξ = 6i + j
  g6Store(h00, h01, h02, dst, plane, pair);
  g6Store(h10, h11, h12, dst + 6 * plane, plane, pair);
  g6Store(h20, h21, h22, dst + 12 * plane, plane, pair);
  g6Store(h30, h31, h32, dst + 18 * plane, plane, pair);
  g6Store(h40, h41, h42, dst + 24 * plane, plane, pair);
  g6Store(h50, h51, h52, dst + 30 * plane, plane, pair);
}

/** Most channels (GEMM depth) for which U is stored in the GEMM's packed-A layout: one depth block (gemm.ts KC). */
const PACKED_U_MAX_DEPTH: i32 = 512;

/**
 * Bytes between U's planes for a convolution of o outputs and c channels (U[ξ] the o x c GEMM A): with
 * 0 < c <= 512, U[ξ] packed as gemm_pack_a_f32 packs an o x c A (ceil(o / GEMM_MR) panels of ceil4(c) rows of
 * GEMM_MR floats) and 16 floats; else o*c + 16 floats.
 */
@inline function weightPlaneBytes(o: i32, c: i32): usize {
  return c > 0 && c <= PACKED_U_MAX_DEPTH ? <usize>gemm_pack_a_bytes(o, c) + (<usize>PLANE_PAD << 2) : <usize>(o * c + PLANE_PAD) << 2;
}

/** Bytes of the u winograd4_weights_f32 writes for a convolution of o outputs and c channels (either flip). */
export function winograd4_weights_bytes(o: i32, c: i32): i32 {
  return 36 * <i32>weightPlaneBytes(o, c);
}

/**
 * Zeroes the padding of the 36 packed U planes (`plane` bytes apart; rows x depth in panels of MR rows, kcp =
 * ceil4(depth) deep): depths depth .. kcp of every panel, the last panel's rows past `rows`, and the 16
 * floats after each plane.
 */
function zeroPackedUPads(u: usize, plane: usize, rows: i32, depth: i32, MR: i32, kcp: i32): void {
  const panels = (rows + MR - 1) / MR, used = rows - (panels - 1) * MR;
  const panelBytes = <usize>(MR * kcp) << 2, ps = <usize>MR << 2;
  for (let xi = 0; xi < 36; xi++) {
    const base = u + <usize>xi * plane;
    if (depth < kcp) {
      for (let q = 0; q < panels; q++) memory.fill(base + <usize>q * panelBytes + <usize>depth * ps, 0, <usize>(kcp - depth) * ps);
    }
    if (used < MR) {
      const last = base + <usize>(panels - 1) * panelBytes + (<usize>used << 2);
      for (let p = 0; p < depth; p++) memory.fill(last + <usize>p * ps, 0, <usize>(MR - used) << 2);
    }
    memory.fill(base + <usize>panels * panelBytes, 0, <usize>PLANE_PAD << 2);
  }
}

/**
 * The weight transform U[ξ] = G g Gᵀ (f64, rounded once) of the 3x3 filters of w [o, c, 3, 3]: flip = 0:
 * U [36, o, c] with g = w[oc][ic]; flip = 1: U [36, c, o] with g = w[oc][ic] rotated by 180° at U[ξ][ic][oc].
 * U[ξ] (rows x depth: o x c, or c x o when flipped) is stored as the GEMM's A: with 0 < depth <= 512, in
 * gemm_pack_a_f32's packed layout (panels of GEMM_MR rows, zero past the rows and past depth to ceil4(depth)),
 * which conv2d_winograd4_f32 multiplies without packing it again; else row-major. The planes are
 * weightPlaneBytes apart (16 floats of padding: with planes a power of two apart the 36 store streams would
 * share L1 sets); u holds winograd4_weights_bytes(rows, depth) bytes.
 */
export function winograd4_weights_f32(w: usize, u: usize, o: i32, c: i32, flip: i32): void {
  const outer = flip ? c : o, inner = flip ? o : c;
  const plane = weightPlaneBytes(outer, inner);
  const bStep: usize = flip ? <usize>(c * 36) : 36, aStep: usize = flip ? 36 : <usize>(c * 36);
  if (inner > 0 && inner <= PACKED_U_MAX_DEPTH) {
    // packed: row a, depth b at panel a / MR, offset b*MR + a % MR: pairs of adjacent rows of a panel
    const MR = GEMM_MR, kcp = (inner + 3) & ~3;
    zeroPackedUPads(u, plane, outer, inner, MR, kcp);
    for (let a0 = 0; a0 < outer; a0 += MR) {
      const rows = min(MR, outer - a0);
      const panel = u + (<usize>(a0 * kcp) << 2);
      for (let b = 0; b < inner; b++) {
        const g = w + <usize>a0 * aStep + <usize>b * bStep, d = panel + (<usize>(b * MR) << 2);
        let r = 0;
        for (; r + 2 <= rows; r += 2) weights2(g + <usize>r * aStep, aStep, d + (<usize>r << 2), plane, flip, true);
        if (r < rows) weights2(g + <usize>r * aStep, 0, d + (<usize>r << 2), plane, flip, false);
      }
    }
    return;
  }
  for (let a = 0; a < outer; a++) {
    let b = 0;
    for (; b + 2 <= inner; b += 2) {
      weights2(w + <usize>a * aStep + <usize>b * bStep, bStep, u + (<usize>(a * inner + b) << 2), plane, flip, true);
    }
    if (b < inner) weights2(w + <usize>a * aStep + <usize>b * bStep, 0, u + (<usize>(a * inner + b) << 2), plane, flip, false);
  }
}

// ---- transforms of 4 tiles (f32x4 lanes) ----

/** (Bᵀ d)[0..5] of d0..d5, stored at dst + j·ds. */
@inline function bt6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, ds: usize): void {
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(d0, f32x4.splat(81.0 / 64.0)), f32x4.mul(d2, f32x4.splat(45.0 / 16.0))), d4));
  const a = f32x4.sub(d4, f32x4.mul(d2, f32x4.splat(9.0 / 4.0)));
  const b = f32x4.sub(f32x4.mul(d1, f32x4.splat(27.0 / 16.0)), f32x4.mul(d3, f32x4.splat(3.0 / 4.0)));
  v128.store(dst + ds, f32x4.sub(a, b));
  v128.store(dst + 2 * ds, f32x4.add(a, b));
  const a2 = f32x4.sub(d4, f32x4.mul(d2, f32x4.splat(9.0 / 16.0)));
  const b2 = f32x4.sub(f32x4.mul(d1, f32x4.splat(27.0 / 32.0)), f32x4.mul(d3, f32x4.splat(3.0 / 2.0)));
  v128.store(dst + 3 * ds, f32x4.sub(a2, b2));
  v128.store(dst + 4 * ds, f32x4.add(a2, b2));
  v128.store(dst + 5 * ds, f32x4.add(f32x4.sub(f32x4.mul(d1, f32x4.splat(81.0 / 64.0)), f32x4.mul(d3, f32x4.splat(45.0 / 16.0))), d5));
}

/** (Aᵀ m)[0..3] of m0..m5, stored at dst + a·ds. */
@inline function at4(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, ds: usize): void {
  const s1 = f32x4.add(m1, m2), d1 = f32x4.sub(m1, m2), s2 = f32x4.add(m3, m4), d2 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s1), s2));
  v128.store(dst + ds, f32x4.add(f32x4.mul(d1, f32x4.splat(3.0 / 4.0)), f32x4.mul(d2, f32x4.splat(3.0 / 2.0))));
  v128.store(dst + 2 * ds, f32x4.add(f32x4.mul(s1, f32x4.splat(9.0 / 16.0)), f32x4.mul(s2, f32x4.splat(9.0 / 4.0))));
  v128.store(dst + 3 * ds, f32x4.add(f32x4.add(f32x4.mul(d1, f32x4.splat(27.0 / 64.0)), f32x4.mul(d2, f32x4.splat(27.0 / 8.0))), m5));
}

/** (A g)[0..5] of g0..g3 (A = (Aᵀ)ᵀ, the adjoint of the output transform), stored at dst + j·ds. */
@inline function a6(g0: v128, g1: v128, g2: v128, g3: v128, dst: usize, ds: usize): void {
  v128.store(dst, g0);
  const e1 = f32x4.add(g0, f32x4.mul(g2, f32x4.splat(9.0 / 16.0)));
  const o1 = f32x4.add(f32x4.mul(g1, f32x4.splat(3.0 / 4.0)), f32x4.mul(g3, f32x4.splat(27.0 / 64.0)));
  v128.store(dst + ds, f32x4.add(e1, o1));
  v128.store(dst + 2 * ds, f32x4.sub(e1, o1));
  const e2 = f32x4.add(g0, f32x4.mul(g2, f32x4.splat(9.0 / 4.0)));
  const o2 = f32x4.add(f32x4.mul(g1, f32x4.splat(3.0 / 2.0)), f32x4.mul(g3, f32x4.splat(27.0 / 8.0)));
  v128.store(dst + 3 * ds, f32x4.add(e2, o2));
  v128.store(dst + 4 * ds, f32x4.sub(e2, o2));
  v128.store(dst + 5 * ds, g3);
}

/** dst[0 .. n) = src[0 .. n) (floats). */
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0 .. n) = 0. */
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * Strip row d[0 .. S) = input row iy of the channel at src (h x wd) at columns s - pw, zero outside the
 * image, for a strip row whose columns outside [pw, pw + wd) are zero already (inputTransform zeroes the
 * strip once per call): writes only the columns inside.
 */
@inline function stripRow(src: usize, iy: i32, h: i32, wd: i32, pw: i32, d: usize, S: i32): void {
  const a = max(0, pw), b = min(S, wd + pw);
  if (b <= a) return;
  if (<u32>iy >= <u32>h) zeroFloats(d + (<usize>a << 2), b - a);
  else copyFloats(d + (<usize>a << 2), src + (<usize>(iy * wd + a - pw) << 2), b - a);
}

/**
 * V at the 4 tiles whose 6x6 inputs start at column 0, 4, 8, 12 (byte offset `col`) of the strip rows for
 * input rows iy .. iy+5 (row r in slot r & 7 of the strip, slots `rs` bytes apart), stored from d with
 * planes `plane` bytes apart: per row, the 4 tiles' columns 0..3 are a 4x4 transpose of the loads at 0, 4,
 * 8, 12, columns 4, 5 those shifted by one tile (the load at 16); E = d B per row into e (36 vectors), then
 * V = Bᵀ E.
 */
@inline function inputGroup(strip: usize, iy: i32, col: usize, rs: usize, e: usize, d: usize, plane: usize): void {
  for (let k = 0; k < 6; k++) {
    const p = strip + <usize>((iy + k) & 7) * rs + col;
    const l0 = v128.load(p), l1 = v128.load(p, 16), l2 = v128.load(p, 32), l3 = v128.load(p, 48), l4 = v128.load(p, 64);
    const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
    const c0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), c1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
    const c2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
    const c4 = v128.shuffle<f32>(c0, l4, 1, 2, 3, 4), c5 = v128.shuffle<f32>(c1, l4, 1, 2, 3, 5);
    bt6(c0, c1, c2, c3, c4, c5, e + <usize>(k * 96), 16);
  }
  for (let j = 0; j < 6; j++) {
    const q = e + <usize>(j * 16);
    bt6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), v128.load(q, 384), v128.load(q, 480),
      d + <usize>j * plane, 6 * plane);
  }
}

/**
 * inputGroup in pair mode: lanes are tiles 0 and 1 of the 6 strip rows at a, then tiles 0 and 1 of those
 * at b (rows `rs` bytes apart): per row the loads at 0, 4 of a and b transposed give columns 0..3, the
 * loads at 4, 8 columns 4, 5.
 */
@inline function inputGroupPair(a: usize, b: usize, rs: usize, e: usize, d: usize, plane: usize): void {
  for (let k = 0; k < 6; k++) {
    const pa = a + <usize>k * rs, pb = b + <usize>k * rs;
    const l0 = v128.load(pa), l1 = v128.load(pa, 16), la = v128.load(pa, 32);
    const l2 = v128.load(pb), l3 = v128.load(pb, 16), lb = v128.load(pb, 32);
    const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
    const c0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), c1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
    const c2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
    const xa = v128.shuffle<f32>(l1, la, 0, 1, 4, 5), xb = v128.shuffle<f32>(l3, lb, 0, 1, 4, 5);
    const c4 = v128.shuffle<f32>(xa, xb, 0, 2, 4, 6), c5 = v128.shuffle<f32>(xa, xb, 1, 3, 5, 7);
    bt6(c0, c1, c2, c3, c4, c5, e + <usize>(k * 96), 16);
  }
  for (let j = 0; j < 6; j++) {
    const q = e + <usize>(j * 16);
    bt6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), v128.load(q, 384), v128.load(q, 480),
      d + <usize>j * plane, 6 * plane);
  }
}

/** Strip rows the input transform uses: 8 slots, or 2 x 6 rows in pair mode. */
@inline function stripRows(tx4: i32): i32 {
  return tx4 == 2 ? 12 : 8;
}

/**
 * V[ξ][ci][rr*tx4 + tx] = (Bᵀ d B)[ξ] for the tiles of the block's tile rows r0 .. r0+br (kcp = 0: V[ξ]
 * row-major c x T, planes c*T + PLANE_PAD floats apart; kcp > 0: V[ξ] as packB packs it, see packedPlaneBytes), d the 6x6 input
 * at rows 4ty - ph .., columns 4tx - pw .. (zero outside the image), through zero-padded copies of the
 * input rows (stripRows(tx4)·(4·tx4 + 4) floats at `strip`, then 36 vectors of buffer): 8 row slots, input
 * row r in slot r & 7, so the next tile row of the same image copies only its 4 new rows; in pair mode
 * (tx4 = 2) 6 rows for each of the two tile rows of a group.
 */
function inputTransform(x: usize, v: usize, strip: usize, c: i32, h: i32, wd: i32, ph: i32, pw: i32,
  tilesY: i32, tx4: i32, r0: i32, br: i32, T: i32, kcp: i32): void {
  const plane = kcp ? packedPlaneBytes(c, T) : <usize>(c * T + PLANE_PAD) << 2;
  const S = 4 * tx4 + 4;
  const rs = <usize>S << 2;
  const e = strip + <usize>stripRows(tx4) * rs;
  zeroFloats(strip, stripRows(tx4) * S);
  if (tx4 == 2) {
    const sb = strip + 6 * rs;
    for (let ci = 0; ci < c; ci++) {
      for (let rr = 0; rr < br; rr += 2) {
        for (let half = 0; half < 2; half++) {
          const dst = half ? sb : strip;
          const row = r0 + rr + half;
          if (rr + half >= br) {
            // the padding row of an odd block: zeros
            zeroFloats(dst, 6 * S);
            continue;
          }
          const img = row / tilesY, ty = row - img * tilesY;
          const iy = 4 * ty - ph;
          const src = x + ((<usize>(img * c + ci) * <usize>h * <usize>wd) << 2);
          for (let k = 0; k < 6; k++) stripRow(src, iy + k, h, wd, pw, dst + <usize>k * rs, S);
        }
        const col = rr * 2;
        const at = kcp ? (col >> 3) * 8 * kcp + ci * 8 + (col & 7) : ci * T + col;
        inputGroupPair(strip, sb, rs, e, v + (<usize>at << 2), plane);
      }
    }
    return;
  }
  for (let ci = 0; ci < c; ci++) {
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const iy = 4 * ty - ph;
      const src = x + ((<usize>(img * c + ci) * <usize>h * <usize>wd) << 2);
      // rows iy, iy+1 are in their slots when the previous tile row was this image's ty - 1
      for (let k = rr > 0 && ty > 0 ? 2 : 0; k < 6; k++) stripRow(src, iy + k, h, wd, pw, strip + <usize>((iy + k) & 7) * rs, S);
      for (let t = 0; t < tx4; t += 4) {
        // column (tile) col of channel ci: row-major [c, T], or in 8-column panels of kcp rows
        const col = rr * tx4 + t;
        const at = kcp ? (col >> 3) * 8 * kcp + ci * 8 + (col & 7) : ci * T + col;
        inputGroup(strip, iy, <usize>(16 * t), rs, e, v + (<usize>at << 2), plane);
      }
    }
  }
}

/** Y = Aᵀ M A of the 4 tiles (lanes) at s, planes `plane` bytes apart, into yb[a][b] (via P = M A in pb[i][b]). */
@inline function outputGroup(s: usize, plane: usize, pb: usize, yb: usize): void {
  for (let i = 0; i < 6; i++) {
    const q = s + <usize>(6 * i) * plane;
    at4(v128.load(q), v128.load(q + plane), v128.load(q + 2 * plane), v128.load(q + 3 * plane), v128.load(q + 4 * plane),
      v128.load(q + 5 * plane), pb + <usize>(i * 64), 16);
  }
  for (let b = 0; b < 4; b++) {
    const q = pb + <usize>(b * 16);
    at4(v128.load(q), v128.load(q, 64), v128.load(q, 128), v128.load(q, 192), v128.load(q, 256), v128.load(q, 320),
      yb + <usize>(b * 16), 64);
  }
}

/**
 * Output row a of the 4 tiles of yb, each tile's 4 columns in one vector (plus the bias), stored: the first
 * two at row ra (columns 0..7, those before ow), the last two at rb; a row address of 0 stores nothing.
 */
@inline function storePairRow(yb: usize, a: i32, bv: v128, ra: usize, rb: usize, ow: i32): void {
  const q = yb + <usize>(a * 64);
  const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32), y3 = v128.load(q, 48);
  const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
  if (ra != 0) {
    storeTile(ra, f32x4.add(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), bv), ow);
    storeTile(ra + 16, f32x4.add(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), bv), ow - 4);
  }
  if (rb != 0) {
    storeTile(rb, f32x4.add(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), bv), ow);
    storeTile(rb + 16, f32x4.add(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), bv), ow - 4);
  }
}

/**
 * y = Aᵀ M A (+ bias[oc]) for the block's tiles: tile (ty, tx) of image img gives the outputs at rows
 * 4ty .. 4ty+3 and columns 4tx .. 4tx+3 of y[img][oc] that are inside oh x ow. `buf`: 40 vectors.
 */
function outputTransform(mb: usize, bias: usize, y: usize, buf: usize, o: i32, oh: i32, ow: i32, tilesY: i32, tilesX: i32,
  tx4: i32, r0: i32, br: i32, T: i32): void {
  const plane = <usize>(o * T + PLANE_PAD) << 2;
  const pb = buf, yb = buf + 384;
  if (tx4 == 2) {
    // pair mode: lanes are tiles 0, 1 of tile rows rr and rr + 1
    for (let oc = 0; oc < o; oc++) {
      const bv = bias != 0 ? v128.load32_splat(bias + (<usize>oc << 2)) : f32x4.splat(0);
      for (let rr = 0; rr < br; rr += 2) {
        outputGroup(mb + (<usize>(oc * T + rr * 2) << 2), plane, pb, yb);
        const rowA = r0 + rr, imgA = rowA / tilesY, oyA = 4 * (rowA - imgA * tilesY);
        const outA = y + ((<usize>((imgA * o + oc) * oh + oyA) * <usize>ow) << 2);
        const hasB = rr + 1 < br;
        const rowB = rowA + 1, imgB = rowB / tilesY, oyB = 4 * (rowB - imgB * tilesY);
        const outB = y + ((<usize>((imgB * o + oc) * oh + oyB) * <usize>ow) << 2);
        for (let a = 0; a < 4; a++) {
          storePairRow(yb, a, bv, oyA + a < oh ? outA + (<usize>(a * ow) << 2) : 0,
            hasB && oyB + a < oh ? outB + (<usize>(a * ow) << 2) : 0, ow);
        }
      }
    }
    return;
  }
  for (let oc = 0; oc < o; oc++) {
    const bv = bias != 0 ? v128.load32_splat(bias + (<usize>oc << 2)) : f32x4.splat(0);
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const oy = 4 * ty;
      const nr = min(4, oh - oy);
      const src = mb + (<usize>(oc * T + rr * tx4) << 2);
      const out = y + ((<usize>((img * o + oc) * oh + oy) * <usize>ow) << 2);
      for (let t = 0; t < tilesX; t += 4) {
        outputGroup(src + (<usize>t << 2), plane, pb, yb);
        const col = 4 * t;
        for (let a = 0; a < nr; a++) {
          // lanes are tiles t .. t+3: transpose so each vector is one tile's 4 columns of output row a
          const q = yb + <usize>(a * 64);
          const y0 = v128.load(q), y1 = v128.load(q, 16), y2 = v128.load(q, 32), y3 = v128.load(q, 48);
          const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
          const v0 = f32x4.add(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), bv), v1 = f32x4.add(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), bv);
          const v2 = f32x4.add(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), bv), v3 = f32x4.add(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), bv);
          const d = out + (<usize>(a * ow + col) << 2);
          if (col + 16 <= ow) {
            v128.store(d, v0); v128.store(d, v1, 16); v128.store(d, v2, 32); v128.store(d, v3, 48);
          } else {
            storeTile(d, v0, ow - col);
            storeTile(d + 16, v1, ow - col - 4);
            storeTile(d + 32, v2, ow - col - 8);
            storeTile(d + 48, v3, ow - col - 12);
          }
        }
      }
    }
  }
}

/** Stores the first min(left, 4) lanes of v at d (none when left <= 0). */
@inline function storeTile(d: usize, v: v128, left: i32): void {
  if (left >= 4) { v128.store(d, v); return; }
  if (left > 0) store<f32>(d, f32x4.extract_lane(v, 0));
  if (left > 1) store<f32>(d, f32x4.extract_lane(v, 1), 4);
  if (left > 2) store<f32>(d, f32x4.extract_lane(v, 2), 8);
}

/**
 * Bytes between V's planes in the packed layout: V[ξ] (c x T) as the GEMM's packB packs a B of depth
 * c <= 512 and width T <= 4096 (one block): 8-column panels of kcp = ceil4(c) rows of 8 floats, panel q
 * holding columns 8q .. 8q+7, then 32 floats of padding (keeps every plane 64-byte aligned when the first
 * is, and plane distances off powers of two).
 */
@inline function packedPlaneBytes(c: i32, T: i32): usize {
  return <usize>(((c + 3) & ~3) * ((T + 7) & ~7) + 32) << 2;
}

/**
 * Zeroes what packB would have zeroed in the packed planes and the input transform does not write: rows
 * c .. kcp of every panel, and the last panel's columns T .. T+3 when T is not a multiple of 8.
 */
function zeroPackedPads(vb: usize, c: i32, T: i32, kcp: i32, plane: usize): void {
  const panels = (T + 7) >> 3;
  for (let xi = 0; xi < 36; xi++) {
    const base = vb + <usize>xi * plane;
    if (c < kcp) {
      for (let q = 0; q < panels; q++) zeroFloats(base + (<usize>((q * kcp + c) * 8) << 2), (kcp - c) * 8);
    }
    if (T & 7) {
      const last = base + (<usize>((panels - 1) * kcp * 8 + 4) << 2);
      for (let p = 0; p < kcp; p++) v128.store(last + (<usize>(p * 8) << 2), f32x4.splat(0));
    }
  }
}

/**
 * y[img][oc][oy][ox] = Σ over ci, ki, kj < 3 of x[img][ci][oy - ph + ki][ox - pw + kj] · g[oc][ci][ki][kj]
 * (+ bias[oc] when bias != 0), x zero outside h x wd, for the tile rows row0 .. row0+rows (tile row r:
 * output rows 4(r % tilesY) .. +3 of image r / tilesY, tilesY = ceil(oh / 4)), by Winograd F(4x4, 3x3) from
 * u = winograd4_weights_f32's [36, o, c] (U[ξ] in the GEMM's packed-A layout when c <= 512, planes
 * weightPlaneBytes(o, c) apart: the GEMMs never pack it). ph, pw any integers. Blocks of blockRows tile rows: with
 * T = blockTiles(blockRows, tx4) (tx4 = paddedTilesX(ow): ceil(ow / 4) rounded up to a multiple of 4, or
 * 2 when at most 2, then tile rows go in pairs), v holds
 * 36*(ceil4(c)*ceil8(T) + 32) + 16 floats, m 36*(o*T + 16) floats, work gemm_f32_workspace(o, T, c) bytes.
 * When c <= 512 and T <= 4096 the input transform writes V already packed as the GEMM packs its B
 * (packedPlaneBytes) and the GEMMs pack neither operand (gemm_packed_ab_f32: the same bits as gemm_f32).
 */
export function conv2d_winograd4_f32(x: usize, u: usize, bias: usize, y: usize, n: i32, c: i32, h: i32, wd: i32, o: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, row0: i32, rows: i32, blockRows: i32, v: usize, m: usize, work: usize): void {
  if (n <= 0 || rows <= 0 || o <= 0 || oh <= 0 || ow <= 0) return;
  const tilesY = (oh + 3) >> 2, tilesX = (ow + 3) >> 2, tx4 = paddedTilesX(ow);
  const vb = (v + 63) & ~(<usize>63);
  const end = row0 + rows;
  for (let r = row0; r < end; r += blockRows) {
    const br = min(blockRows, end - r);
    const T = blockTiles(br, tx4);
    const kcp = c <= 512 && T <= 4096 && c > 0 ? (c + 3) & ~3 : 0;
    // m's start serves as the strip until the GEMMs write m, v's as the output transform's buffer after
    if (kcp) {
      const plane = packedPlaneBytes(c, T);
      zeroPackedPads(vb, c, T, kcp, plane);
      inputTransform(x, vb, m, c, h, wd, ph, pw, tilesY, tx4, r, br, T, kcp);
      for (let xi = 0; xi < 36; xi++) {
        // U[ξ] packed by winograd4_weights_f32 (c <= 512), V[ξ] by the input transform: no packing here
        gemm_packed_ab_f32(u + <usize>xi * weightPlaneBytes(o, c), vb + <usize>xi * plane, m + (<usize>xi * <usize>(o * T + PLANE_PAD) << 2),
          o, T, c, 0, 0, 0, 0, work);
      }
    } else {
      inputTransform(x, v, m, c, h, wd, ph, pw, tilesY, tx4, r, br, T, 0);
      for (let xi = 0; xi < 36; xi++) {
        const ux = u + <usize>xi * weightPlaneBytes(o, c), vx = v + (<usize>xi * <usize>(c * T + PLANE_PAD) << 2);
        const mx = m + (<usize>xi * <usize>(o * T + PLANE_PAD) << 2);
        // U[ξ] packed when 0 < c <= 512 (blocks of more than 4096 tiles), else row-major
        if (c > 0 && c <= PACKED_U_MAX_DEPTH) gemm_packed_a_f32(ux, vx, mx, o, T, c, T, 1, 0, 0, 0, 0, work);
        else gemm_f32(ux, vx, mx, o, T, c, c, 1, T, 1, 0, work);
      }
    }
    outputTransform(m, bias, y, v, o, oh, ow, tilesY, tilesX, tx4, r, br, T);
  }
}

/** The 4 columns of gy row g at columns col .. col+3, zero at and past ow. */
@inline function loadTile(g: usize, col: i32, ow: i32): v128 {
  if (col + 4 <= ow) return v128.load(g + (<usize>col << 2));
  let r = f32x4.splat(0);
  if (col < ow) r = f32x4.replace_lane(r, 0, load<f32>(g + (<usize>col << 2)));
  if (col + 1 < ow) r = f32x4.replace_lane(r, 1, load<f32>(g + (<usize>(col + 1) << 2)));
  if (col + 2 < ow) r = f32x4.replace_lane(r, 2, load<f32>(g + (<usize>(col + 2) << 2)));
  return r;
}

/**
 * Z[ξ][oc][rr*tx4 + tx] = (A dY Aᵀ)[ξ] for the block's tiles, dY the 4x4 block of gy at rows 4ty .., columns
 * 4tx .. (zero outside oh x ow): the adjoint of the output transform. Rows past oh read a zero row of
 * `strip` (4·tx4 floats, then 24 vectors of buffer).
 */
function gradTransform(gy: usize, z: usize, strip: usize, o: i32, oh: i32, ow: i32, tilesY: i32, tx4: i32,
  r0: i32, br: i32, T: i32): void {
  const plane = <usize>(o * T + PLANE_PAD) << 2;
  zeroFloats(strip, 4 * tx4);
  const e = strip + (<usize>(4 * tx4) << 2);
  if (tx4 == 2) {
    // pair mode: lanes are tiles 0, 1 of tile rows rr and rr + 1 (a missing rr + 1 reads the zero row)
    for (let oc = 0; oc < o; oc++) {
      for (let rr = 0; rr < br; rr += 2) {
        const rowA = r0 + rr, imgA = rowA / tilesY, oyA = 4 * (rowA - imgA * tilesY);
        const gA = gy + ((<usize>((imgA * o + oc) * oh + oyA) * <usize>ow) << 2);
        const hasB = rr + 1 < br;
        const rowB = rowA + 1, imgB = rowB / tilesY, oyB = 4 * (rowB - imgB * tilesY);
        const gB = gy + ((<usize>((imgB * o + oc) * oh + oyB) * <usize>ow) << 2);
        for (let a = 0; a < 4; a++) {
          const pa = oyA + a < oh ? gA + (<usize>(a * ow) << 2) : strip;
          const pb = hasB && oyB + a < oh ? gB + (<usize>(a * ow) << 2) : strip;
          const l0 = loadTile(pa, 0, ow), l1 = loadTile(pa, 4, ow), l2 = loadTile(pb, 0, ow), l3 = loadTile(pb, 4, ow);
          const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
          a6(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5),
            v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), e + <usize>(a * 96), 16);
        }
        const d = z + (<usize>(oc * T + rr * 2) << 2);
        for (let j = 0; j < 6; j++) {
          const q = e + <usize>(j * 16);
          a6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), d + <usize>j * plane, 6 * plane);
        }
      }
    }
    return;
  }
  for (let oc = 0; oc < o; oc++) {
    for (let rr = 0; rr < br; rr++) {
      const row = r0 + rr;
      const img = row / tilesY, ty = row - img * tilesY;
      const g0 = gy + ((<usize>((img * o + oc) * oh + 4 * ty) * <usize>ow) << 2);
      const dst = z + (<usize>(oc * T + rr * tx4) << 2);
      for (let t = 0; t < tx4; t += 4) {
        const col = 4 * t;
        for (let a = 0; a < 4; a++) {
          const g = 4 * ty + a < oh ? g0 + (<usize>(a * ow) << 2) : strip;
          let l0: v128, l1: v128, l2: v128, l3: v128;
          if (col + 16 <= ow) {
            const p = g + (<usize>col << 2);
            l0 = v128.load(p); l1 = v128.load(p, 16); l2 = v128.load(p, 32); l3 = v128.load(p, 48);
          } else {
            l0 = loadTile(g, col, ow); l1 = loadTile(g, col + 4, ow); l2 = loadTile(g, col + 8, ow); l3 = loadTile(g, col + 12, ow);
          }
          const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
          a6(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5),
            v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), e + <usize>(a * 96), 16);
        }
        const d = dst + (<usize>t << 2);
        for (let j = 0; j < 6; j++) {
          const q = e + <usize>(j * 16);
          a6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), d + <usize>j * plane, 6 * plane);
        }
      }
    }
  }
}

/**
 * The weight gradient's Winograd sum: du[ξ][oc][ci] += Σ over the tiles of tile rows row0 .. row0+rows of
 * (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ], dY the 4x4 gy block of the tile (zero outside oh x ow), d its 6x6 input
 * (as conv2d_winograd4_f32). With T = blockTiles(blockRows, tx4): v holds 36*(c*T + 16) floats, z
 * 36*(o*T + 16) + 48*tx4 + 192 floats, work gemm_f32_workspace(o, c, T) bytes.
 */
export function conv2d_winograd4_weight_f32(gy: usize, x: usize, du: usize, n: i32, c: i32, h: i32, wd: i32, o: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, row0: i32, rows: i32, blockRows: i32, v: usize, z: usize, work: usize): void {
  if (n <= 0 || rows <= 0 || o <= 0 || c <= 0 || oh <= 0 || ow <= 0) return;
  const tilesY = (oh + 3) >> 2, tx4 = paddedTilesX(ow);
  const strip = z + (<usize>36 * <usize>(o * blockTiles(blockRows, tx4) + PLANE_PAD) << 2);
  const end = row0 + rows;
  for (let r = row0; r < end; r += blockRows) {
    const br = min(blockRows, end - r);
    const T = blockTiles(br, tx4);
    inputTransform(x, v, strip, c, h, wd, ph, pw, tilesY, tx4, r, br, T, 0);
    gradTransform(gy, z, strip, o, oh, ow, tilesY, tx4, r, br, T);
    for (let xi = 0; xi < 36; xi++) {
      gemm_f32(z + (<usize>xi * <usize>(o * T + PLANE_PAD) << 2), v + (<usize>xi * <usize>(c * T + PLANE_PAD) << 2),
        du + (<usize>(xi * o * c) << 2), o, c, T, T, 1, 1, T, 1, work);
    }
  }
}

/**
 * Gᵀ·(r0 .. r5) of two (oc, ic) pairs (f64 lanes), entry k (a constant: the branches fold):
 * 64/81 r0 - 128/243 (r1 + r2) + 32/243 (r3 + r4); 16/81 (r3 - r4) - 32/81 (r1 - r2); 8/27 ((r3 + r4) - (r1 + r2)) + r5.
 */
@inline function gtAt(r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128, k: i32): v128 {
  if (k == 0) {
    return f64x2.add(f64x2.sub(f64x2.mul(r0, f64x2.splat(64.0 / 81.0)), f64x2.mul(f64x2.add(r1, r2), f64x2.splat(128.0 / 243.0))),
      f64x2.mul(f64x2.add(r3, r4), f64x2.splat(32.0 / 243.0)));
  }
  if (k == 1) return f64x2.sub(f64x2.mul(f64x2.sub(r3, r4), f64x2.splat(16.0 / 81.0)), f64x2.mul(f64x2.sub(r1, r2), f64x2.splat(32.0 / 81.0)));
  return f64x2.add(f64x2.mul(f64x2.sub(f64x2.add(r3, r4), f64x2.add(r1, r2)), f64x2.splat(8.0 / 27.0)), r5);
}

/** du at p (and p + 4 when pair) as f64 lanes. */
@inline function loadPair(p: usize, pair: bool): v128 {
  return f64x2.promote_low_f32x4(pair ? v128.load64_zero(p) : v128.load32_zero(p));
}

/** Row k of Gᵀ D at column j of the (oc, ic) pairs at src (planes `plane` bytes apart). */
@inline function gtColumn(src: usize, plane: usize, j: i32, k: i32, pair: bool): v128 {
  const p = src + <usize>j * plane;
  return gtAt(loadPair(p, pair), loadPair(p + 6 * plane, pair), loadPair(p + 12 * plane, pair), loadPair(p + 18 * plane, pair),
    loadPair(p + 24 * plane, pair), loadPair(p + 30 * plane, pair), k);
}

/** dW = Gᵀ D G of the (oc, ic) pairs at src, stored at dst and dst + 36 bytes (only dst when !pair). */
@inline function weightsBackward2(src: usize, dst: usize, plane: usize, pair: bool): void {
  for (let k = 0; k < 3; k++) {
    const q0 = gtColumn(src, plane, 0, k, pair), q1 = gtColumn(src, plane, 1, k, pair), q2 = gtColumn(src, plane, 2, k, pair);
    const q3 = gtColumn(src, plane, 3, k, pair), q4 = gtColumn(src, plane, 4, k, pair), q5 = gtColumn(src, plane, 5, k, pair);
    for (let l = 0; l < 3; l++) {
      const r = f32x4.demote_f64x2_zero(gtAt(q0, q1, q2, q3, q4, q5, l));
      const d = dst + (<usize>(k * 3 + l) << 2);
      v128.store32_lane(d, r, 0);
      if (pair) v128.store32_lane(d + 36, r, 1);
    }
  }
}

/** dw[oc][ic] = Gᵀ D G (3x3, f64, rounded once) with D[i][j] = du[6i+j][oc][ic] ([36, o, c]): the weight gradient. */
export function winograd4_weights_backward_f32(du: usize, dw: usize, o: i32, c: i32): void {
  const plane = <usize>(o * c) << 2;
  const n = o * c;
  let f = 0;
  // (oc, ic) pairs adjacent in du's planes and in dw
  for (; f + 2 <= n; f += 2) weightsBackward2(du + (<usize>f << 2), dw + <usize>(f * 36), plane, true);
  if (f < n) weightsBackward2(du + (<usize>f << 2), dw + <usize>(f * 36), plane, false);
}
