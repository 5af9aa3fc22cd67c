/**
 * Reference kernels: conv2d 3x3 stride 1 by Winograd F(4x4, 3x3) (as assembly/winograd4.ts, interpolation
 * points 0, ±3/4, ±3/2, ∞), forward and weight gradient, with the transforms and the sums in doubles,
 * rounded to f32 on store; and the scratch sizes of the kernels' contracts, shared by the op
 * (ops/conv.ts) and the thread split (wasm/split.ts).
 */
import { heap } from '../memory.js';

/** Bᵀ (6x6): V = Bᵀ d B. */
export const W4_BT: readonly (readonly number[])[] = [
  [81 / 64, 0, -45 / 16, 0, 1, 0],
  [0, -27 / 16, -9 / 4, 3 / 4, 1, 0],
  [0, 27 / 16, -9 / 4, -3 / 4, 1, 0],
  [0, -27 / 32, -9 / 16, 3 / 2, 1, 0],
  [0, 27 / 32, -9 / 16, -3 / 2, 1, 0],
  [0, 81 / 64, 0, -45 / 16, 0, 1],
];
/** G (6x3): U = G g Gᵀ. */
export const W4_G: readonly (readonly number[])[] = [
  [64 / 81, 0, 0],
  [-128 / 243, -32 / 81, -8 / 27],
  [-128 / 243, 32 / 81, -8 / 27],
  [32 / 243, 16 / 81, 8 / 27],
  [32 / 243, -16 / 81, 8 / 27],
  [0, 0, 1],
];
/** Aᵀ (4x6): Y = Aᵀ M A. */
export const W4_AT: readonly (readonly number[])[] = [
  [1, 1, 1, 1, 1, 0],
  [0, 3 / 4, -3 / 4, 3 / 2, -3 / 2, 0],
  [0, 9 / 16, 9 / 16, 9 / 4, 9 / 4, 0],
  [0, 27 / 64, -27 / 64, 27 / 8, -27 / 8, 1],
];

/**
 * Tiles per tile row as the kernel stores them: ceil(ow / 4) rounded up to a multiple of 4, or 2 when it is
 * at most 2 (the kernel then puts the tiles of two tile rows in one group of 4).
 */
export function winograd4TilesX(ow: number): number {
  const t = (ow + 3) >> 2;
  return t <= 2 ? 2 : (t + 3) & ~3;
}

/** Tiles the kernel stores for a block of `blockRows` tile rows: blockRows · winograd4TilesX(ow) rounded up to a multiple of 4. */
function winograd4BlockTiles(ow: number, blockRows: number): number {
  return (blockRows * winograd4TilesX(ow) + 3) & ~3;
}

/** Bytes of conv2d_winograd4_f32's scratch (v, m, work) for blocks of `blockRows` tile rows. */
export function winograd4Scratch(c: number, o: number, ow: number, blockRows: number,
  workspace: (m: number, n: number, k: number) => number): { v: number; m: number; work: number } {
  const T = winograd4BlockTiles(ow, blockRows);
  return { v: (36 * (((c + 3) & ~3) * ((T + 7) & ~7) + 32) + 16) * 4, m: 36 * (o * T + 16) * 4, work: Math.max(4, workspace(o, T, c)) };
}

/** Bytes of conv2d_winograd4_weight_f32's scratch (v, z, work) for blocks of `blockRows` tile rows. */
export function winograd4WeightScratch(c: number, o: number, ow: number, blockRows: number,
  workspace: (m: number, n: number, k: number) => number): { v: number; z: number; work: number } {
  const tx4 = winograd4TilesX(ow), T = winograd4BlockTiles(ow, blockRows);
  return { v: 36 * (c * T + 16) * 4, z: (36 * (o * T + 16) + 48 * tx4 + 192) * 4, work: Math.max(4, workspace(o, c, T)) };
}

/** L R Mᵀ-style product: out[i][j] = Σ_k,l L[i][k] X[k][l] R[j][l] (X flat, kx x lx). */
function sandwich(L: readonly (readonly number[])[], X: Float64Array, lx: number, R: readonly (readonly number[])[]): Float64Array {
  const ni = L.length, nj = R.length, kx = L[0]!.length;
  const tmp = new Float64Array(kx * nj);
  for (let k = 0; k < kx; k++) for (let j = 0; j < nj; j++) {
    let s = 0;
    for (let l = 0; l < lx; l++) s += X[k * lx + l]! * R[j]![l]!;
    tmp[k * nj + j] = s;
  }
  const out = new Float64Array(ni * nj);
  for (let i = 0; i < ni; i++) for (let j = 0; j < nj; j++) {
    let s = 0;
    for (let k = 0; k < kx; k++) s += L[i]![k]! * tmp[k * nj + j]!;
    out[i * nj + j] = s;
  }
  return out;
}

const transpose = (m: readonly (readonly number[])[]): number[][] => m[0]!.map((_, j) => m.map((r) => r[j]!));
const W4_A = transpose(W4_AT), W4_GT = transpose(W4_G);

/** The GEMM micro-kernel height of the reference's packed U layout (the WebAssembly module's GEMM_MR in the relaxed build). */
export const W4_REFERENCE_MR = 6;

/**
 * Float offset of U[ξ][r][p] (rows × depth, r < rows, p < depth) within a plane, and the floats between
 * planes: with 0 < depth <= 512, the GEMM's packed-A layout with `mr`-row panels (panel ⌊r/mr⌋ at
 * ⌊r/mr⌋·mr·ceil4(depth), then p·mr + r % mr; zeros past the rows and to ceil4(depth)), else row-major;
 * 16 floats of padding after each plane.
 */
export function winograd4Layout(rows: number, depth: number, mr: number): { plane: number; at: (r: number, p: number) => number } {
  if (depth > 0 && depth <= 512) {
    const kcp = (depth + 3) & ~3;
    return { plane: Math.ceil(rows / mr) * mr * kcp + 16, at: (r, p) => Math.floor(r / mr) * mr * kcp + p * mr + (r % mr) };
  }
  return { plane: rows * depth + 16, at: (r, p) => r * depth + p };
}

/** Bytes of winograd4_weights_f32's u for a convolution of o outputs and c channels (U[ξ] o × c). */
export function winograd4_weights_bytes(o: number, c: number): number {
  return 36 * winograd4Layout(o, c, W4_REFERENCE_MR).plane * 4;
}

/**
 * U = G g Gᵀ of w [o, c, 3, 3]: flip 0, U [36, o, c] at [ξ][oc][ic]; flip 1, U [36, c, o] at [ξ][ic][oc]
 * with g rotated by 180°; each plane in winograd4Layout (packed-A panels of W4_REFERENCE_MR rows when the
 * depth is at most 512). f64, rounded once.
 */
export function winograd4_weights_f32(w: number, u: number, o: number, c: number, flip: number): void {
  const f32 = heap.f32;
  const rows = flip ? c : o, depth = flip ? o : c;
  const { plane, at } = winograd4Layout(rows, depth, W4_REFERENCE_MR);
  f32.fill(0, u >>> 2, (u >>> 2) + 36 * plane);
  const g = new Float64Array(9);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const src = (w >>> 2) + (oc * c + ic) * 9;
      for (let t = 0; t < 9; t++) g[t] = f32[src + (flip ? 8 - t : t)]!;
      const U = sandwich(W4_G, g, 3, W4_G);
      const dst = (u >>> 2) + (flip ? at(ic, oc) : at(oc, ic));
      for (let xi = 0; xi < 36; xi++) f32[dst + xi * plane] = U[xi]!;
    }
  }
}

/** V = Bᵀ d B of the 6x6 input tile of (img, ci) at (ty, tx) (zero outside the image). */
function inputTile(f32: Float32Array, xs: number, img: number, ci: number, c: number, h: number, wd: number, ph: number,
  pw: number, ty: number, tx: number): Float64Array {
  const d = new Float64Array(36);
  for (let k = 0; k < 6; k++) {
    for (let q = 0; q < 6; q++) {
      const iy = 4 * ty - ph + k, ix = 4 * tx - pw + q;
      d[k * 6 + q] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? f32[xs + ((img * c + ci) * h + iy) * wd + ix]! : 0;
    }
  }
  return sandwich(W4_BT, d, 6, W4_BT);
}

/** V[ξ*c + ci] = (Bᵀ d B)[ξ] of every channel ci of the tile (ty, tx) of image img. */
function inputTiles(V: Float64Array, f32: Float32Array, xs: number, img: number, c: number, h: number, wd: number, ph: number,
  pw: number, ty: number, tx: number): void {
  for (let ci = 0; ci < c; ci++) {
    const t = inputTile(f32, xs, img, ci, c, h, wd, ph, pw, ty, tx);
    for (let xi = 0; xi < 36; xi++) V[xi * c + ci] = t[xi]!;
  }
}

/**
 * y = the 3x3 stride-1 convolution of x (padding ph, pw, any integers) through Winograd F(4x4, 3x3) with
 * u = winograd4_weights_f32's [36, o, c] (+ bias), for tile rows row0 .. row0+rows; per tile, V = Bᵀ d B,
 * M = Σ over channels of U ⊙ V and y = Aᵀ M A + bias in doubles. v, m and work are not used.
 */
export function conv2d_winograd4_f32(x: number, u: number, bias: number, y: number, _n: number, c: number, h: number,
  wd: number, o: number, ph: number, pw: number, oh: number, ow: number, row0: number, rows: number, _blockRows: number,
  _v: number, _m: number, _work: number): void {
  const f32 = heap.f32;
  const tilesY = (oh + 3) >> 2, tilesX = (ow + 3) >> 2;
  const us = u >>> 2, ys = y >>> 2;
  const { plane, at } = winograd4Layout(o, c, W4_REFERENCE_MR);
  const V = new Float64Array(36 * c), M = new Float64Array(36);
  for (let r = row0; r < row0 + rows; r++) {
    const img = Math.floor(r / tilesY), ty = r - img * tilesY;
    for (let tx = 0; tx < tilesX; tx++) {
      inputTiles(V, f32, x >>> 2, img, c, h, wd, ph, pw, ty, tx);
      for (let oc = 0; oc < o; oc++) {
        for (let xi = 0; xi < 36; xi++) {
          let acc = 0;
          const uPlane = us + xi * plane;
          for (let ci = 0; ci < c; ci++) acc += f32[uPlane + at(oc, ci)]! * V[xi * c + ci]!;
          M[xi] = acc;
        }
        const Y = sandwich(W4_AT, M, 6, W4_AT);
        const b = bias !== 0 ? f32[(bias >>> 2) + oc]! : 0;
        for (let a = 0; a < 4; a++) {
          for (let bb = 0; bb < 4; bb++) {
            const oy = 4 * ty + a, ox = 4 * tx + bb;
            if (oy < oh && ox < ow) f32[ys + ((img * o + oc) * oh + oy) * ow + ox] = Y[a * 4 + bb]! + b;
          }
        }
      }
    }
  }
}

/**
 * du[ξ][oc][ci] += Σ over the tiles of tile rows row0 .. row0+rows of (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ] (the
 * weight gradient's Winograd sum), summed in doubles and added to du once. v, z and work are not used.
 */
export function conv2d_winograd4_weight_f32(gy: number, x: number, du: number, _n: number, c: number, h: number, wd: number,
  o: number, ph: number, pw: number, oh: number, ow: number, row0: number, rows: number, _blockRows: number, _v: number,
  _z: number, _work: number): void {
  const f32 = heap.f32;
  const tilesY = (oh + 3) >> 2, tilesX = (ow + 3) >> 2;
  const acc = new Float64Array(36 * o * c);
  const V = new Float64Array(36 * c), dy = new Float64Array(16);
  for (let r = row0; r < row0 + rows; r++) {
    const img = Math.floor(r / tilesY), ty = r - img * tilesY;
    for (let tx = 0; tx < tilesX; tx++) {
      inputTiles(V, f32, x >>> 2, img, c, h, wd, ph, pw, ty, tx);
      for (let oc = 0; oc < o; oc++) {
        for (let k = 0; k < 16; k++) {
          const oy = 4 * ty + (k >> 2), ox = 4 * tx + (k & 3);
          dy[k] = oy < oh && ox < ow ? f32[(gy >>> 2) + ((img * o + oc) * oh + oy) * ow + ox]! : 0;
        }
        const Z = sandwich(W4_A, dy, 4, W4_A);
        for (let xi = 0; xi < 36; xi++) {
          for (let ci = 0; ci < c; ci++) acc[(xi * o + oc) * c + ci] += Z[xi]! * V[xi * c + ci]!;
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) f32[(du >>> 2) + i] = f32[(du >>> 2) + i]! + acc[i]!;
}

/** dw[oc][ic] = Gᵀ D G (f64, rounded once) with D[i][j] = du[6i+j][oc][ic] ([36, o, c]). */
export function winograd4_weights_backward_f32(du: number, dw: number, o: number, c: number): void {
  const f32 = heap.f32;
  const plane = o * c;
  const D = new Float64Array(36);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      for (let xi = 0; xi < 36; xi++) D[xi] = f32[(du >>> 2) + xi * plane + oc * c + ic]!;
      const W = sandwich(W4_GT, D, 6, W4_GT);
      for (let k = 0; k < 9; k++) f32[(dw >>> 2) + (oc * c + ic) * 9 + k] = W[k]!;
    }
  }
}
