/**
 * Reference kernels: conv2d 3x3 stride 1 by Winograd F(2x2, 3x3) (as assembly/winograd.ts), forward and
 * weight gradient, with the transforms and the sums in doubles, rounded to f32 on store; and the scratch
 * sizes of the kernels' contracts, shared by the op (ops/conv.ts) and the thread split (wasm/split.ts).
 */
import { heap } from '../memory.js';

/** Tiles per tile row as the kernel stores them: ceil(ow / 2) rounded up to a multiple of 4. */
export function winogradTilesX(ow: number): number {
  return (((ow + 1) >> 1) + 3) & ~3;
}

/**
 * Bytes of conv2d_winograd_f32's scratch (v, m, work) for blocks of `blockRows` tile rows, with `workspace`
 * the backend's gemm_f32_workspace.
 */
export function winogradScratch(c: number, o: number, ow: number, blockRows: number,
  workspace: (m: number, n: number, k: number) => number): { v: number; m: number; work: number } {
  const T = blockRows * winogradTilesX(ow);
  return { v: 16 * (c * T + 16) * 4, m: 16 * (o * T + 16) * 4, work: Math.max(4, workspace(o, T, c)) };
}

/** (G g)[i][b] of the 3x3 filter g (rows of 3), as the wasm kernel computes it. */
function gRow(g: Float64Array, i: number, b: number): number {
  const x0 = g[b]!, x1 = g[3 + b]!, x2 = g[6 + b]!;
  return i === 0 ? x0 : i === 1 ? (x0 + x1 + x2) * 0.5 : i === 2 ? (x0 - x1 + x2) * 0.5 : x2;
}

/**
 * U = G g Gᵀ of w [o, c, 3, 3]: flip 0, U [16, o, c] at [ξ][oc][ic]; flip 1, U [16, c, o] at [ξ][ic][oc]
 * with g rotated by 180°. f64, rounded once.
 */
export function winograd_weights_f32(w: number, u: number, o: number, c: number, flip: number): void {
  const f32 = heap.f32;
  const plane = o * c;
  const g = new Float64Array(9);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const src = (w >>> 2) + (oc * c + ic) * 9;
      for (let t = 0; t < 9; t++) g[t] = f32[src + (flip ? 8 - t : t)]!;
      const dst = (u >>> 2) + (flip ? ic * o + oc : oc * c + ic);
      for (let i = 0; i < 4; i++) {
        const h0 = gRow(g, i, 0), h1 = gRow(g, i, 1), h2 = gRow(g, i, 2);
        const row = dst + i * 4 * plane;
        f32[row] = h0;
        f32[row + plane] = (h0 + h1 + h2) * 0.5;
        f32[row + 2 * plane] = (h0 - h1 + h2) * 0.5;
        f32[row + 3 * plane] = h2;
      }
    }
  }
}

/**
 * y = the 3x3 stride-1 convolution of x (padding ph, pw, any integers) through Winograd F(2x2, 3x3) with
 * u = winograd_weights_f32's [16, o, c] (+ bias), for tile rows row0 .. row0+rows; per tile, V = Bᵀ d B,
 * M = Σ over channels of U ⊙ V and y = Aᵀ M A + bias in doubles. v, m and work are not used.
 */
export function conv2d_winograd_f32(x: number, u: number, bias: number, y: number, _n: number, c: number, h: number,
  wd: number, o: number, ph: number, pw: number, oh: number, ow: number, row0: number, rows: number, _blockRows: number,
  _v: number, _m: number, _work: number): void {
  const f32 = heap.f32;
  const tilesY = (oh + 1) >> 1, tilesX = (ow + 1) >> 1;
  const xs = x >>> 2, us = u >>> 2, ys = y >>> 2;
  const d = new Float64Array(16), e = new Float64Array(16);
  const V = new Float64Array(16 * c), M = new Float64Array(16);
  const plane = o * c;
  for (let r = row0; r < row0 + rows; r++) {
    const img = Math.floor(r / tilesY), ty = r - img * tilesY;
    for (let tx = 0; tx < tilesX; tx++) {
      for (let ci = 0; ci < c; ci++) {
        for (let k = 0; k < 4; k++) {
          for (let q = 0; q < 4; q++) {
            const iy = 2 * ty - ph + k, ix = 2 * tx - pw + q;
            d[k * 4 + q] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? f32[xs + ((img * c + ci) * h + iy) * wd + ix]! : 0;
          }
        }
        // E = d B (per row), then V = Bᵀ E
        for (let k = 0; k < 4; k++) {
          const d0 = d[k * 4]!, d1 = d[k * 4 + 1]!, d2 = d[k * 4 + 2]!, d3 = d[k * 4 + 3]!;
          e[k * 4] = d0 - d2;
          e[k * 4 + 1] = d1 + d2;
          e[k * 4 + 2] = d2 - d1;
          e[k * 4 + 3] = d1 - d3;
        }
        for (let j = 0; j < 4; j++) {
          const e0 = e[j]!, e1 = e[4 + j]!, e2 = e[8 + j]!, e3 = e[12 + j]!;
          V[j * c + ci] = e0 - e2;
          V[(4 + j) * c + ci] = e1 + e2;
          V[(8 + j) * c + ci] = e2 - e1;
          V[(12 + j) * c + ci] = e1 - e3;
        }
      }
      for (let oc = 0; oc < o; oc++) {
        for (let xi = 0; xi < 16; xi++) {
          let acc = 0;
          const uRow = us + xi * plane + oc * c;
          for (let ci = 0; ci < c; ci++) acc += f32[uRow + ci]! * V[xi * c + ci]!;
          M[xi] = acc;
        }
        // P = M A per row, Y = Aᵀ P
        const p = [0, 1, 2, 3].map((i) => [M[4 * i]! + M[4 * i + 1]! + M[4 * i + 2]!, M[4 * i + 1]! - M[4 * i + 2]! - M[4 * i + 3]!]);
        const b = bias !== 0 ? f32[(bias >>> 2) + oc]! : 0;
        for (let a = 0; a < 2; a++) {
          const oy = 2 * ty + a;
          if (oy >= oh) continue;
          for (let bb = 0; bb < 2; bb++) {
            const ox = 2 * tx + bb;
            if (ox >= ow) continue;
            const v = a === 0 ? p[0]![bb]! + p[1]![bb]! + p[2]![bb]! : p[1]![bb]! - p[2]![bb]! - p[3]![bb]!;
            f32[ys + ((img * o + oc) * oh + oy) * ow + ox] = v + b;
          }
        }
      }
    }
  }
}

/** The 4x4 input tile d of (img, ci) at (ty, tx), zero outside the image, transformed: V = Bᵀ d B, into V[ξ]. */
function inputTile(f32: Float32Array, xs: number, img: number, ci: number, c: number, h: number, wd: number, ph: number, pw: number,
  ty: number, tx: number, V: Float64Array): void {
  const e = new Float64Array(16);
  for (let k = 0; k < 4; k++) {
    const d = [0, 1, 2, 3].map((q) => {
      const iy = 2 * ty - ph + k, ix = 2 * tx - pw + q;
      return iy >= 0 && iy < h && ix >= 0 && ix < wd ? f32[xs + ((img * c + ci) * h + iy) * wd + ix]! : 0;
    });
    e[k * 4] = d[0]! - d[2]!;
    e[k * 4 + 1] = d[1]! + d[2]!;
    e[k * 4 + 2] = d[2]! - d[1]!;
    e[k * 4 + 3] = d[1]! - d[3]!;
  }
  for (let j = 0; j < 4; j++) {
    V[j] = e[j]! - e[8 + j]!;
    V[4 + j] = e[4 + j]! + e[8 + j]!;
    V[8 + j] = e[8 + j]! - e[4 + j]!;
    V[12 + j] = e[4 + j]! - e[12 + j]!;
  }
}

/**
 * du[ξ][oc][ci] += Σ over the tiles of tile rows row0 .. row0+rows of (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ] (the
 * weight gradient's Winograd sum), summed in doubles and added to du once. v, z and work are not used.
 */
export function conv2d_winograd_weight_f32(gy: number, x: number, du: number, _n: number, c: number, h: number, wd: number,
  o: number, ph: number, pw: number, oh: number, ow: number, row0: number, rows: number, _blockRows: number, _v: number,
  _z: number, _work: number): void {
  const f32 = heap.f32;
  const tilesY = (oh + 1) >> 1, tilesX = (ow + 1) >> 1;
  const acc = new Float64Array(16 * o * c);
  const V = new Float64Array(16 * c), Z = new Float64Array(16);
  for (let r = row0; r < row0 + rows; r++) {
    const img = Math.floor(r / tilesY), ty = r - img * tilesY;
    for (let tx = 0; tx < tilesX; tx++) {
      const tile = new Float64Array(16);
      for (let ci = 0; ci < c; ci++) {
        inputTile(f32, x >>> 2, img, ci, c, h, wd, ph, pw, ty, tx, tile);
        for (let xi = 0; xi < 16; xi++) V[xi * c + ci] = tile[xi]!;
      }
      for (let oc = 0; oc < o; oc++) {
        const dy = [0, 1, 2, 3].map((k) => {
          const oy = 2 * ty + (k >> 1), ox = 2 * tx + (k & 1);
          return oy < oh && ox < ow ? f32[(gy >>> 2) + ((img * o + oc) * oh + oy) * ow + ox]! : 0;
        });
        // rows of A dY: dY0, dY0 + dY1, dY0 - dY1, -dY1; each row (p, q) -> p, p + q, p - q, -q
        const rowsA = [[dy[0]!, dy[1]!], [dy[0]! + dy[2]!, dy[1]! + dy[3]!], [dy[0]! - dy[2]!, dy[1]! - dy[3]!], [-dy[2]!, -dy[3]!]];
        rowsA.forEach(([p, q], i) => {
          Z[4 * i] = p!;
          Z[4 * i + 1] = p! + q!;
          Z[4 * i + 2] = p! - q!;
          Z[4 * i + 3] = -q!;
        });
        for (let xi = 0; xi < 16; xi++) {
          for (let ci = 0; ci < c; ci++) acc[(xi * o + oc) * c + ci] += Z[xi]! * V[xi * c + ci]!;
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) f32[(du >>> 2) + i] = f32[(du >>> 2) + i]! + acc[i]!;
}

/** dw[oc][ic] = Gᵀ D G (f64, rounded once) with D[i][j] = du[4i+j][oc][ic] ([16, o, c]). */
export function winograd_weights_backward_f32(du: number, dw: number, o: number, c: number): void {
  const f32 = heap.f32;
  const plane = o * c;
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const D = (i: number, j: number) => f32[(du >>> 2) + (4 * i + j) * plane + oc * c + ic]!;
      for (let a = 0; a < 3; a++) {
        const r = [0, 1, 2, 3].map((j) => (a === 0 ? D(0, j) + (D(1, j) + D(2, j)) * 0.5 : a === 1 ? (D(1, j) - D(2, j)) * 0.5
          : (D(1, j) + D(2, j)) * 0.5 + D(3, j)));
        const at = (dw >>> 2) + (oc * c + ic) * 9 + a * 3;
        f32[at] = r[0]! + (r[1]! + r[2]!) * 0.5;
        f32[at + 1] = (r[1]! - r[2]!) * 0.5;
        f32[at + 2] = (r[1]! + r[2]!) * 0.5 + r[3]!;
      }
    }
  }
}

/**
 * Bytes of conv2d_winograd_weight_f32's scratch (v, z, work) for blocks of `blockRows` tile rows, with
 * `workspace` the backend's gemm_f32_workspace.
 */
export function winogradWeightScratch(c: number, o: number, ow: number, blockRows: number,
  workspace: (m: number, n: number, k: number) => number): { v: number; z: number; work: number } {
  const tx4 = winogradTilesX(ow), T = blockRows * tx4;
  return { v: 16 * (c * T + 16) * 4, z: (16 * (o * T + 16) + 8 * tx4 + 16) * 4, work: Math.max(4, workspace(o, c, T)) };
}

/** The largest |x[i]| of n contiguous floats (0 when n = 0); +Infinity when one is infinite, NaN when one is NaN. */
export function abs_max_f32(x: number, n: number): number {
  const f32 = heap.f32;
  let r = 0;
  for (let i = 0; i < n; i++) r = Math.max(r, Math.abs(f32[(x >>> 2) + i]!));
  return r;
}
