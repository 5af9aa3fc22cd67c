// Single-precision GEMM, C (m x n, contiguous) = A·B (+ C), for any strides of A and B.
//
// Classic blocked structure: for each block of NC columns and KC depth, B is packed into panels of
// NR = 8 columns (each a contiguous KC x 8 block, zero padded past n); for each block of MC rows, A
// is packed into panels of MR = 4 rows (contiguous KC x 4, zero padded past m). A 4x8 register-tiled
// micro-kernel (4 rows x two f32x4 accumulators) then computes each C tile; edge tiles are computed
// in full and only their valid part is written back.

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 1024;

@inline function roundUp(x: i32, to: i32): i32 { return (x + to - 1) / to * to; }

/** Bytes of scratch gemm_f32 needs: a packed A block, a packed B block and one 4x8 edge tile. */
export function gemm_f32_workspace(m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const kc = min(k, KC);
  return (kc * roundUp(min(m, MC), MR) + kc * roundUp(min(n, NC), NR) + MR * NR) << 2;
}

/** Packs A[i0 .. i0+mc)[p0 .. p0+kc) into MR-row panels: dst[panel][p][r]. */
function packA(a: usize, sa0: i32, sa1: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const panel = dst + (<usize>(ip * kc) << 2);
    for (let r = 0; r < MR; r++) {
      if (r < rows) {
        let src = a + (<usize>((i0 + ip + r) * sa0 + p0 * sa1) << 2);
        const step = <usize>sa1 << 2;
        let d = panel + (<usize>r << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(src));
          src += step;
          d += MR << 2;
        }
      } else {
        let d = panel + (<usize>r << 2);
        for (let p = 0; p < kc; p++) {
          store<f32>(d, 0);
          d += MR << 2;
        }
      }
    }
  }
}

/** Packs B[p0 .. p0+kc)[j0 .. j0+nc) into NR-column panels: dst[panel][p][c]. */
function packB(b: usize, sb0: i32, sb1: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    let d = dst + (<usize>(jp * kc) << 2);
    let src = b + (<usize>(p0 * sb0 + (j0 + jp) * sb1) << 2);
    const rowStep = <usize>sb0 << 2;
    if (cols == NR && sb1 == 1) {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += rowStep;
        d += NR << 2;
      }
    } else {
      const colStep = <usize>sb1 << 2;
      for (let p = 0; p < kc; p++) {
        let s = src;
        for (let c = 0; c < NR; c++) {
          store<f32>(d + (<usize>c << 2), c < cols ? load<f32>(s) : 0);
          s += colStep;
        }
        src += rowStep;
        d += NR << 2;
      }
    }
  }
}

/** Writes (or adds, when acc) one accumulator row pair to C. */
@inline function storeRow(c: usize, v0: v128, v1: v128, acc: bool): void {
  if (acc) {
    v0 = f32x4.add(v128.load(c), v0);
    v1 = f32x4.add(v128.load(c, 16), v1);
  }
  v128.store(c, v0);
  v128.store(c, v1, 16);
}

/**
 * 4x8 micro-kernel: tile = Apanel (kc x 4) · Bpanel (kc x 8), written to C at `c` (row stride ldc
 * elements) for the valid mr x nr part, added to C when acc.
 */
function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, acc: bool, tile: usize): void {
  let c00 = f32x4.splat(0.0), c01 = f32x4.splat(0.0);
  let c10 = f32x4.splat(0.0), c11 = f32x4.splat(0.0);
  let c20 = f32x4.splat(0.0), c21 = f32x4.splat(0.0);
  let c30 = f32x4.splat(0.0), c31 = f32x4.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += MR << 2;
    bp += NR << 2;
  }
  const rowBytes = <usize>ldc << 2;
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, acc);
    storeRow(c + rowBytes, c10, c11, acc);
    storeRow(c + 2 * rowBytes, c20, c21, acc);
    storeRow(c + 3 * rowBytes, c30, c31, acc);
    return;
  }
  // edge tile: spill to the scratch tile, then copy the valid part
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < mr; r++) {
    const crow = c + <usize>r * rowBytes;
    const trow = tile + (<usize>(r * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(trow + o);
      store<f32>(crow + o, acc ? load<f32>(crow + o) + v : v);
    }
  }
}

/**
 * C = A·B (+ C when beta = 1); A[i][p] at a + 4*(i*sa0 + p*sa1), B[p][j] at b + 4*(p*sb0 + j*sb1),
 * C contiguous m x n; work holds gemm_f32_workspace(m, n, k) bytes.
 */
export function gemm_f32(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  sa0: i32, sa1: i32, sb0: i32, sb1: i32, beta: f32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (beta == 0) memory.fill(c, 0, <usize>(m * n) << 2);
    return;
  }
  const kcMax = min(k, KC);
  const packedA = work;
  const packedB = packedA + (<usize>(kcMax * roundUp(min(m, MC), MR)) << 2);
  const tile = packedB + (<usize>(kcMax * roundUp(min(n, NC), NR)) << 2);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const acc = beta != 0 || p0 > 0;
      packB(b, sb0, sb1, p0, kc, j0, nc, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(a, sa0, sa1, i0, mc, p0, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packedB + (<usize>(jr * kc) << 2);
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const ap = packedA + (<usize>(ir * kc) << 2);
            const cp = c + (<usize>((i0 + ir) * n + j0 + jr) << 2);
            microKernel(kc, ap, bp, cp, n, min(MR, mc - ir), nr, acc, tile);
          }
        }
      }
    }
  }
}
