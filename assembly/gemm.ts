// Single-precision GEMM, C (m x n, contiguous) = A·B (+ C) (+ bias) (ReLU), for any strides of A and B.
//
// The micro-kernel (BLIS / GotoBLAS) structure:
//   for each block of NC columns            (jc)
//     for each block of KC depth            (pc)  pack B[pc..][jc..] into 8-column panels (kc x 8 each)
//       for each block of MC rows           (ic)  pack A[ic..][pc..] into MR-row panels (kc x MR each)
//         for each 8-column panel of B      (jr)  (stays in L1 while the A panels stream from L2)
//           for each MR-row panel of A      (ir)  micro-kernel: one MR x 8 tile of C in registers
// A or B can also be packed once for many products (gemm_pack_a_f32 / gemm_pack_b_f32, then
// gemm_packed_a_f32, gemm_packed_b_f32 or gemm_packed_ab_f32, with the same bits).
// Transposed (or otherwise strided) operands are absorbed by the packing routines, which have SIMD
// fast paths for unit row stride and unit column stride. Panels are zero padded past m, n and to a
// multiple of GEMM_UNROLL in k, so the micro-kernel's k loop has no edge branches. A tile with fewer
// than MR rows left goes through an edge kernel that computes just those rows (1 or 2 rows across two
// B panels at once, which keeps enough FMAs in flight); one with fewer than 8 columns left is computed
// in full into a scratch tile and only its valid part copied out.
//
// Two builds come from this source: with relaxed SIMD (ASC_FEATURE_RELAXED_SIMD) the micro-kernel is
// 6x8 with f32x4.relaxed_madd (12 accumulators + 2 B vectors + 1 A splat = V8's 15 vector registers);
// with plain SIMD it is 5x8 with f32x4.mul + f32x4.add (one more register for the product).
// The unrolled kernels are generated (assembly/gen/gemm-kernels.mjs); microKernelReference below is
// the readable version of what they compute.

import {
  GEMM_UNROLL, GEMM_ACC, GEMM_BIAS_COL, GEMM_BIAS_ROW, GEMM_RELU,
  microKernel6x8_fma, microKernel5x8_muladd,
  edgeKernel1of6x8_fma, edgeKernel2of6x8_fma, edgeKernel3of6x8_fma, edgeKernel4of6x8_fma, edgeKernel5of6x8_fma,
  edgeKernel1of5x8_muladd, edgeKernel2of5x8_muladd, edgeKernel3of5x8_muladd, edgeKernel4of5x8_muladd,
  edgeKernel1of6x16_fma, edgeKernel2of6x16_fma, edgeKernel1of5x16_muladd, edgeKernel2of5x16_muladd,
} from "./gen/gemm_kernels";

const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/** MR, exported (a wasm global) for src/backends/wasm/split.ts: a GEMM of at most MR rows is not split. */
export const GEMM_MR: i32 = MR;
const NR: i32 = 8;
// Block sizes, tuned with `npm run bench`: KC = 512 rather than 256 makes fewer passes over C; MC and NC
// matter little within L2. assembly/winograd4.ts writes its V matrices directly in packB's layout for a
// B of one block (depth <= KC, width <= NC, NR-column panels, depth rounded up to GEMM_UNROLL);
// test/winograd4.test.ts checks that this gives the bits of packing them here, so a change to NR, KC,
// NC or GEMM_UNROLL must change packedPlaneBytes and the limits there too. Its weight transform writes U
// in packA's layout for an A of one depth block (depth <= KC: PACKED_U_MAX_DEPTH there, MR-row panels,
// depth rounded up to GEMM_UNROLL), tested against gemm_pack_a_f32.
/** Depth of a block: a B micro-panel (KC x 8 floats, 16 KiB) and an A micro-panel (12 KiB) stay in L1. */
const KC: i32 = 512;
/** Rows of a packed A block (MC x KC floats, 240 KiB) kept in L2; a multiple of both 6 and 5. */
const MC: i32 = 120;
/** Columns of a packed B block (KC x NC floats, up to 8 MiB) streamed from L2/L3. */
const NC: i32 = 4096;
/** Set to true to run the readable reference micro-kernel instead of the generated ones (debugging). */
const USE_REFERENCE_KERNEL = false;

/** biasMode values of gemm_bias_f32. */
const BIAS_NONE = 0;
const BIAS_COL = 1;
const BIAS_ROW = 2;

@inline function roundUp(x: i32, to: i32): i32 { return (x + to - 1) / to * to; }
@inline function ceilDiv(x: i32, d: i32): i32 { return (x + d - 1) / d; }
/** Splits `total` into equal blocks of at most `max`, rounded up to a multiple of `mult`. */
@inline function blockSize(total: i32, max: i32, mult: i32): i32 {
  return roundUp(ceilDiv(total, ceilDiv(total, max)), mult);
}

/**
 * The readable reference of the generated micro-kernels: the MR x 8 tile
 * tile[r][j] = sum over p < kc of ap[p*MR + r] * bp[p*8 + j], then the epilogue (flags) and a store
 * to c (row stride ldc bytes). Accumulates in memory at `scratch` (MR x 8 floats), so it is slow.
 */
function microKernelReference(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, flags: i32, bias: usize, scratch: usize): void {
  for (let r = 0; r < MR; r++) {
    v128.store(scratch + (<usize>(r * NR) << 2), f32x4.splat(0));
    v128.store(scratch + (<usize>(r * NR) << 2), f32x4.splat(0), 16);
  }
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp + (<usize>(p * NR) << 2));
    const b1 = v128.load(bp + (<usize>(p * NR) << 2), 16);
    for (let r = 0; r < MR; r++) {
      const a = v128.load32_splat(ap + (<usize>(p * MR + r) << 2));
      const t = scratch + (<usize>(r * NR) << 2);
      v128.store(t, f32x4.add(v128.load(t), f32x4.mul(a, b0)));
      v128.store(t, f32x4.add(v128.load(t, 16), f32x4.mul(a, b1)), 16);
    }
  }
  for (let r = 0; r < MR; r++) {
    const t = scratch + (<usize>(r * NR) << 2);
    const row = c + <usize>r * ldc;
    for (let j = 0; j < NR; j++) {
      let v = load<f32>(t + (<usize>j << 2));
      if (flags & GEMM_ACC) v += load<f32>(row + (<usize>j << 2));
      if (flags & GEMM_BIAS_COL) v += load<f32>(bias + (<usize>j << 2));
      if (flags & GEMM_BIAS_ROW) v += load<f32>(bias + (<usize>r << 2));
      if (flags & GEMM_RELU) v = max<f32>(v, 0);
      store<f32>(row + (<usize>j << 2), v);
    }
  }
}

/** One MR x 8 tile through this build's micro-kernel. */
@inline function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, flags: i32, bias: usize, scratch: usize): void {
  if (USE_REFERENCE_KERNEL) microKernelReference(kc, ap, bp, c, ldc, flags, bias, scratch);
  else if (ASC_FEATURE_RELAXED_SIMD) microKernel6x8_fma(kc, ap, bp, c, ldc, flags, bias);
  else microKernel5x8_muladd(kc, ap, bp, c, ldc, flags, bias);
}

/**
 * The first `rows` (< MR) rows of a tile, 8 columns wide, stored straight to C with the epilogue: the last
 * row panel when m is not a multiple of MR (128 rows are 21 full panels and 2 rows), without computing
 * the padding rows.
 */
function edgeRowsKernel(rows: i32, kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, flags: i32, bias: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (rows == 1) edgeKernel1of6x8_fma(kc, ap, bp, c, ldc, flags, bias);
    else if (rows == 2) edgeKernel2of6x8_fma(kc, ap, bp, c, ldc, flags, bias);
    else if (rows == 3) edgeKernel3of6x8_fma(kc, ap, bp, c, ldc, flags, bias);
    else if (rows == 4) edgeKernel4of6x8_fma(kc, ap, bp, c, ldc, flags, bias);
    else edgeKernel5of6x8_fma(kc, ap, bp, c, ldc, flags, bias);
  } else {
    if (rows == 1) edgeKernel1of5x8_muladd(kc, ap, bp, c, ldc, flags, bias);
    else if (rows == 2) edgeKernel2of5x8_muladd(kc, ap, bp, c, ldc, flags, bias);
    else if (rows == 3) edgeKernel3of5x8_muladd(kc, ap, bp, c, ldc, flags, bias);
    else edgeKernel4of5x8_muladd(kc, ap, bp, c, ldc, flags, bias);
  }
}

/** Most rows an edge tile may have to go through a 16-column kernel (edgeRowsKernel16). */
const WIDE_EDGE_ROWS: i32 = 2;

/**
 * edgeRowsKernel for `rows` <= WIDE_EDGE_ROWS across two adjacent B panels (bstride bytes apart), 16
 * columns: 1 or 2 rows over 8 columns have too few independent accumulators to keep the FMA units busy.
 */
function edgeRowsKernel16(rows: i32, kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, flags: i32, bias: usize, bstride: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (rows == 1) edgeKernel1of6x16_fma(kc, ap, bp, c, ldc, flags, bias, bstride);
    else edgeKernel2of6x16_fma(kc, ap, bp, c, ldc, flags, bias, bstride);
  } else {
    if (rows == 1) edgeKernel1of5x16_muladd(kc, ap, bp, c, ldc, flags, bias, bstride);
    else edgeKernel2of5x16_muladd(kc, ap, bp, c, ldc, flags, bias, bstride);
  }
}

/** Transposes the 4x4 block of rows r0..r3 (lanes are columns) and stores row q at dst + q*stride. */
@inline function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(dst + stride, v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(dst + 2 * stride, v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(dst + 3 * stride, v128.shuffle<i64>(t1, t3, 1, 3));
}

/**
 * Packs A[i0 .. i0+mc)[p0 .. p0+kc) into MR-row panels: panel q holds kcp rows of MR floats,
 * dst[q][p][r] = A[i0 + q*MR + r][p0 + p], zero for rows past mc and for p in [kc, kcp).
 */
function packA(a: usize, sa0: i32, sa1: i32, i0: i32, mc: i32, p0: i32, kc: i32, kcp: i32, dst: usize): void {
  const pStride = <usize>(MR << 2);
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const panel = dst + (<usize>(ip * kcp) << 2);
    const src = a + (<usize>((i0 + ip) * sa0 + p0 * sa1) << 2);
    let p = 0;
    if (rows >= 4 && sa1 == 1) {
      // rows contiguous in p: 4x4 transposes for rows 0..3, lane stores for the rest (zeros past the last row)
      const rowStep = <usize>sa0 << 2;
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const d = panel + <usize>p * pStride;
        transpose4Store(v128.load(s), v128.load(s + rowStep), v128.load(s + 2 * rowStep), v128.load(s + 3 * rowStep), d, pStride);
        if (MR == 6 && rows == MR) {
          // rows 4 and 5 interleaved: each p's pair is one 64-bit lane store (no per-float lane extracts)
          const v4 = v128.load(s + 4 * rowStep), v5 = v128.load(s + 5 * rowStep);
          const lo = v128.shuffle<i32>(v4, v5, 0, 4, 1, 5), hi = v128.shuffle<i32>(v4, v5, 2, 6, 3, 7);
          v128.store64_lane(d + 16, lo, 0);
          v128.store64_lane(d + 16 + pStride, lo, 1);
          v128.store64_lane(d + 16 + 2 * pStride, hi, 0);
          v128.store64_lane(d + 16 + 3 * pStride, hi, 1);
        } else {
          for (let r = 4; r < MR; r++) {
            const v = r < rows ? v128.load(s + <usize>r * rowStep) : f32x4.splat(0);
            const dr = d + (<usize>r << 2);
            v128.store32_lane(dr, v, 0);
            v128.store32_lane(dr + pStride, v, 1);
            v128.store32_lane(dr + 2 * pStride, v, 2);
            v128.store32_lane(dr + 3 * pStride, v, 3);
          }
        }
      }
    } else if (rows == MR && sa0 == 1) {
      // columns contiguous: MR consecutive floats per p
      const colStep = <usize>sa1 << 2;
      let s = src;
      let d = panel;
      for (; p < kc; p++) {
        v128.store(d, v128.load(s));
        if (MR > 4) store<f32>(d, load<f32>(s, 16), 16);
        if (MR > 5) store<f32>(d, load<f32>(s, 20), 20);
        s += colStep;
        d += pStride;
      }
    }
    // general strides, edge panels and the remainder of the fast paths
    for (let r = 0; r < MR; r++) {
      let d = panel + <usize>p * pStride + (<usize>r << 2);
      if (r < rows) {
        let s = src + (<usize>(r * sa0 + p * sa1) << 2);
        const step = <usize>sa1 << 2;
        for (let q = p; q < kc; q++) {
          store<f32>(d, load<f32>(s));
          s += step;
          d += pStride;
        }
      } else {
        for (let q = p; q < kc; q++) {
          store<f32>(d, 0);
          d += pStride;
        }
      }
    }
    for (let q = kc; q < kcp; q++) {
      const d = panel + <usize>q * pStride;
      for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), 0);
    }
  }
}

/**
 * Packs B[p0 .. p0+kc)[j0 .. j0+nc) into 8-column panels: dst[q][p][j] = B[p0 + p][j0 + q*8 + j],
 * zero for columns past nc and for p in [kc, kcp).
 */
function packB(b: usize, sb0: i32, sb1: i32, p0: i32, kc: i32, kcp: i32, j0: i32, nc: i32, dst: usize): void {
  const pStride = <usize>(NR << 2);
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const panel = dst + (<usize>(jp * kcp) << 2);
    const src = b + (<usize>(p0 * sb0 + (j0 + jp) * sb1) << 2);
    let p = 0;
    if (cols == NR && sb1 == 1) {
      const rowStep = <usize>sb0 << 2;
      let s = src;
      let d = panel;
      for (; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += rowStep;
        d += pStride;
      }
    } else if (cols == NR && sb0 == 1) {
      // transposed B: each column contiguous in p; 4x4 transposes
      const colStep = <usize>sb1 << 2;
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const d = panel + <usize>p * pStride;
        transpose4Store(v128.load(s), v128.load(s + colStep), v128.load(s + 2 * colStep), v128.load(s + 3 * colStep), d, pStride);
        const s4 = s + 4 * colStep;
        transpose4Store(v128.load(s4), v128.load(s4 + colStep), v128.load(s4 + 2 * colStep), v128.load(s4 + 3 * colStep), d + 16, pStride);
      }
    }
    for (let j = 0; j < NR; j++) {
      let d = panel + <usize>p * pStride + (<usize>j << 2);
      if (j < cols) {
        let s = src + (<usize>(p * sb0 + j * sb1) << 2);
        const step = <usize>sb0 << 2;
        for (let q = p; q < kc; q++) {
          store<f32>(d, load<f32>(s));
          s += step;
          d += pStride;
        }
      } else {
        for (let q = p; q < kc; q++) {
          store<f32>(d, 0);
          d += pStride;
        }
      }
    }
    for (let q = kc; q < kcp; q++) {
      const d = panel + <usize>q * pStride;
      v128.store(d, f32x4.splat(0));
      v128.store(d, f32x4.splat(0), 16);
    }
  }
}

/** Copies the valid mr x nr part of a full tile (row stride NR) to C, applying the epilogue. */
function storeEdge(tile: usize, c: usize, ldc: usize, mr: i32, nr: i32, flags: i32, bias: usize): void {
  for (let r = 0; r < mr; r++) {
    const row = c + <usize>r * ldc;
    const t = tile + (<usize>(r * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(t + o);
      if (flags & GEMM_ACC) v += load<f32>(row + o);
      if (flags & GEMM_BIAS_COL) v += load<f32>(bias + o);
      if (flags & GEMM_BIAS_ROW) v += load<f32>(bias + (<usize>r << 2));
      if (flags & GEMM_RELU) v = max<f32>(v, 0);
      store<f32>(row + o, v);
    }
  }
}

/** C = (beta ? C : 0) + bias, then ReLU: the whole product when k = 0. */
function epilogueOnly(c: usize, m: i32, n: i32, beta: f32, bias: usize, biasMode: i32, relu: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * n) << 2);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      let v: f32 = beta != 0 ? load<f32>(row + o) : 0;
      if (biasMode == BIAS_COL) v += load<f32>(bias + o);
      else if (biasMode == BIAS_ROW) v += load<f32>(bias + (<usize>i << 2));
      if (relu) v = max<f32>(v, 0);
      store<f32>(row + o, v);
    }
  }
}

/** Bytes of scratch gemm_f32 / gemm_bias_f32 need: packed A and B blocks and one edge tile. */
export function gemm_f32_workspace(m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const kc = blockSize(k, KC, GEMM_UNROLL);
  const mc = blockSize(m, MC, MR);
  const nc = blockSize(n, NC, NR);
  return ((kc * mc + kc * nc + MR * NR) << 2) + 64;
}

/**
 * C = A·B (+ C when beta = 1) (+ bias) (then ReLU when relu = 1). A[i][p] at a + 4*(i*sa0 + p*sa1),
 * B[p][j] at b + 4*(p*sb0 + j*sb1), C contiguous m x n. biasMode 0: no bias; 1: bias[j] (n floats)
 * added to every row; 2: bias[i] (m floats) added to every column. work holds
 * gemm_f32_workspace(m, n, k) bytes.
 */
export function gemm_bias_f32(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  sa0: i32, sa1: i32, sb0: i32, sb1: i32, beta: f32, bias: usize, biasMode: i32, relu: i32, work: usize): void {
  gemmLoop(a, sa0, sa1, 0, b, sb0, sb1, 0, c, m, n, k, beta, bias, biasMode, relu, work);
}

/**
 * The product of every entry point: A strided at a (sa0, sa1) or packed by gemm_pack_a_f32 (aPacked != 0),
 * B strided at b (sb0, sb1) or packed by gemm_pack_b_f32 (bPacked != 0). A strided operand is packed block
 * by block into `work` (gemm_f32_workspace(m, n, k) bytes: B block, A block, one tile); a packed one is read
 * in place. The micro-kernels see the same panels in the same order either way: the results are
 * bit-identical for every combination.
 */
function gemmLoop(a: usize, sa0: i32, sa1: i32, aPacked: usize, b: usize, sb0: i32, sb1: i32, bPacked: usize, c: usize,
  m: i32, n: i32, k: i32, beta: f32, bias: usize, biasMode: i32, relu: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (beta == 0 && biasMode == BIAS_NONE) memory.fill(c, 0, <usize>(m * n) << 2);
    else if (beta == 0 || biasMode != BIAS_NONE || relu != 0) epilogueOnly(c, m, n, beta, bias, biasMode, relu);
    return;
  }
  const kcStep = blockSize(k, KC, GEMM_UNROLL);
  const mcStep = blockSize(m, MC, MR);
  const ncStep = blockSize(n, NC, NR);
  const packedB = (work + 63) & ~(<usize>63);
  const packedA = packedB + (<usize>(kcStep * ncStep) << 2);
  const tile = packedA + (<usize>(kcStep * mcStep) << 2);
  const aBlockBytes = <usize>packedABlockFloats(m, k) << 2;
  const ldc = <usize>n << 2;
  const biasFlags = biasMode == BIAS_COL ? GEMM_BIAS_COL : biasMode == BIAS_ROW ? GEMM_BIAS_ROW : 0;
  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      const kcp = roundUp(kc, GEMM_UNROLL);
      let bp = packedB;
      if (bPacked != 0) bp = packedBlock(bPacked, n, k, jc, pc, kcStep, ncStep);
      else packB(b, sb0, sb1, pc, kc, kcp, jc, nc, packedB);
      const aBlock = aPacked != 0 ? aPacked + <usize>(pc / kcStep) * aBlockBytes : 0;
      gemmBlock(a, sa0, sa1, bp, packedA, tile, c, ldc, m, k, mcStep, jc, nc, pc, kc, kcp, beta, bias, biasFlags, relu, aBlock);
    }
  }
}

/**
 * One (jc, pc) block of the product: C[0 .. m)[jc .. jc+nc) gets A[0 .. m)[pc .. pc+kc) times the packed
 * B block (8-column panels of kcp rows, as packB writes them), with the epilogue: the first depth block
 * (pc = 0) applies beta and the bias, the last one the ReLU. packedA holds a packed A block of mcStep
 * rows, tile one MR x 8 tile.
 */
function gemmBlock(a: usize, sa0: i32, sa1: i32, packedB: usize, packedA: usize, tile: usize, c: usize, ldc: usize,
  m: i32, k: i32, mcStep: i32, jc: i32, nc: i32, pc: i32, kc: i32, kcp: i32, beta: f32, bias: usize, biasFlags: i32, relu: i32,
  aBlock: usize = 0): void {
  let flags = pc == 0 ? (beta != 0 ? GEMM_ACC : 0) | biasFlags : GEMM_ACC;
  if (relu != 0 && pc + kc >= k) flags |= GEMM_RELU;
  for (let ic = 0; ic < m; ic += mcStep) {
    const mc = min(mcStep, m - ic);
    // A packed already (aBlock: this depth block of gemm_pack_a_f32's layout): its rows ic.. are the panels from ic*kcp
    let pa = packedA;
    if (aBlock != 0) pa = aBlock + (<usize>(ic * kcp) << 2);
    else packA(a, sa0, sa1, ic, mc, pc, kc, kcp, packedA);
    for (let jr = 0; jr < nc; jr += NR) {
      const bp = packedB + (<usize>(jr * kcp) << 2);
      const nr = min(NR, nc - jr);
      for (let ir = 0; ir < mc; ir += MR) {
        const ap = pa + (<usize>(ir * kcp) << 2);
        const cp = c + (<usize>(ic + ir) * ldc) + (<usize>(jc + jr) << 2);
        const bptr = flags & GEMM_BIAS_COL ? bias + (<usize>(jc + jr) << 2)
          : flags & GEMM_BIAS_ROW ? bias + (<usize>(ic + ir) << 2) : 0;
        const mr = min(MR, mc - ir);
        if (mr == MR && nr == NR) {
          microKernel(kcp, ap, bp, cp, ldc, flags, bptr, tile);
        } else if (nr == NR && !USE_REFERENCE_KERNEL) {
          if (mr > WIDE_EDGE_ROWS) {
            edgeRowsKernel(mr, kcp, ap, bp, cp, ldc, flags, bptr);
          } else if ((jr / NR & 1) == 0) {
            // an even panel with the next one when that is full too (an odd full panel was done
            // with its even partner), else alone
            if (jr + 2 * NR <= nc) edgeRowsKernel16(mr, kcp, ap, bp, cp, ldc, flags, bptr, <usize>(kcp * NR) << 2);
            else edgeRowsKernel(mr, kcp, ap, bp, cp, ldc, flags, bptr);
          }
        } else {
          microKernel(kcp, ap, bp, tile, <usize>(NR << 2), 0, 0, tile);
          storeEdge(tile, cp, ldc, mr, nr, flags, bptr);
        }
      }
    }
  }
}

/** C = A·B (+ C when beta = 1): gemm_bias_f32 without bias and ReLU. */
export function gemm_f32(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  sa0: i32, sa1: i32, sb0: i32, sb1: i32, beta: f32, work: usize): void {
  gemm_bias_f32(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, 0, BIAS_NONE, 0, work);
}

// ---- GEMM with B packed once ----
// A product with the same B for many A (the W_hh GEMM of every step of a recurrent sequence) packs B once
// with gemm_pack_b_f32 and then runs gemm_packed_b_f32 per A. The packed buffer holds every (jc, pc) block
// of B exactly as gemm_bias_f32 packs it, in the same blocking, and gemm_packed_b_f32 runs the same
// gemmBlock over it: its results are bit-identical to gemm_bias_f32's.

/** Bytes of the buffer gemm_pack_b_f32 writes for a k x n B (0 when n or k is 0). */
export function gemm_pack_b_bytes(n: i32, k: i32): i32 {
  if (n <= 0 || k <= 0) return 0;
  const kcStep = blockSize(k, KC, GEMM_UNROLL);
  const ncStep = blockSize(n, NC, NR);
  return ((ceilDiv(n, ncStep) * ceilDiv(k, kcStep) * kcStep * ncStep) << 2) + 64;
}

/** The packed block (jc, pc) of B: blocks in jc-major order, each kcStep x ncStep floats, from a 64-byte boundary. */
@inline function packedBlock(packed: usize, n: i32, k: i32, jc: i32, pc: i32, kcStep: i32, ncStep: i32): usize {
  const index = (jc / ncStep) * ceilDiv(k, kcStep) + pc / kcStep;
  return ((packed + 63) & ~(<usize>63)) + (<usize>(index * kcStep * ncStep) << 2);
}

/**
 * Packs B (k x n, B[p][j] at b + 4*(p*sb0 + j*sb1)) into `packed` (gemm_pack_b_bytes(n, k) bytes) for
 * gemm_packed_b_f32.
 */
export function gemm_pack_b_f32(b: usize, n: i32, k: i32, sb0: i32, sb1: i32, packed: usize): void {
  if (n <= 0 || k <= 0) return;
  const kcStep = blockSize(k, KC, GEMM_UNROLL);
  const ncStep = blockSize(n, NC, NR);
  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      packB(b, sb0, sb1, pc, kc, roundUp(kc, GEMM_UNROLL), jc, nc, packedBlock(packed, n, k, jc, pc, kcStep, ncStep));
    }
  }
}

/**
 * gemm_bias_f32 with B given packed by gemm_pack_b_f32 (for the same n and k): C = A·B (+ C when beta = 1)
 * (+ bias) (then ReLU), bit-identical to gemm_bias_f32 with the unpacked B. work holds
 * gemm_f32_workspace(m, n, k) bytes.
 */
export function gemm_packed_b_f32(a: usize, packed: usize, c: usize, m: i32, n: i32, k: i32,
  sa0: i32, sa1: i32, beta: f32, bias: usize, biasMode: i32, relu: i32, work: usize): void {
  gemmLoop(a, sa0, sa1, 0, 0, 0, 0, packed, c, m, n, k, beta, bias, biasMode, relu, work);
}

// ---- GEMM with A packed once ----
// A product with the same A for many B (the 36 Winograd weight planes U[ξ] of conv2d_winograd4_f32, the
// same for every block of tiles) packs A once: gemm_pack_a_f32 writes every (pc, ic) block of A exactly as
// gemm_bias_f32's packA does, and gemm_packed_a_f32 / gemm_packed_ab_f32 run the same gemmBlock over it:
// the micro-kernels see the same panels in the same order, so the results are bit-identical to
// gemm_bias_f32's. Layout: the depth blocks (kcStep = blockSize(k, KC, GEMM_UNROLL)) one after the other,
// roundUp(m, MR) * kcStep floats apart; in block pc (kc deep, kcp = roundUp(kc, GEMM_UNROLL)) panel q holds
// rows q*MR .. q*MR+MR-1 as kcp rows of MR floats, zero past m and past kc. With k <= KC (one block) that is
// ceil(m / MR) panels of kcp x MR floats (assembly/winograd4.ts writes U[ξ] so).

/** Floats between the depth blocks of a packed A (m x k): roundUp(m, MR) * kcStep. */
@inline function packedABlockFloats(m: i32, k: i32): i32 {
  return roundUp(m, MR) * blockSize(k, KC, GEMM_UNROLL);
}

/** Bytes of the buffer gemm_pack_a_f32 writes for an m x k A (0 when m or k is 0). */
export function gemm_pack_a_bytes(m: i32, k: i32): i32 {
  if (m <= 0 || k <= 0) return 0;
  return (ceilDiv(k, blockSize(k, KC, GEMM_UNROLL)) * packedABlockFloats(m, k)) << 2;
}

/**
 * Packs A (m x k, A[i][p] at a + 4*(i*sa0 + p*sa1)) into `packed` (gemm_pack_a_bytes(m, k) bytes) for
 * gemm_packed_a_f32 and gemm_packed_ab_f32.
 */
export function gemm_pack_a_f32(a: usize, m: i32, k: i32, sa0: i32, sa1: i32, packed: usize): void {
  if (m <= 0 || k <= 0) return;
  const kcStep = blockSize(k, KC, GEMM_UNROLL);
  const blockBytes = <usize>packedABlockFloats(m, k) << 2;
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    packA(a, sa0, sa1, 0, m, pc, kc, roundUp(kc, GEMM_UNROLL), packed + <usize>(pc / kcStep) * blockBytes);
  }
}

/**
 * gemm_bias_f32 with A given packed by gemm_pack_a_f32 (for the same m and k): C = A·B (+ C when beta = 1)
 * (+ bias) (then ReLU), B[p][j] at b + 4*(p*sb0 + j*sb1); bit-identical to gemm_bias_f32 with the unpacked
 * A. work holds gemm_f32_workspace(m, n, k) bytes.
 */
export function gemm_packed_a_f32(packedA: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  sb0: i32, sb1: i32, beta: f32, bias: usize, biasMode: i32, relu: i32, work: usize): void {
  gemmLoop(0, 0, 0, packedA, b, sb0, sb1, 0, c, m, n, k, beta, bias, biasMode, relu, work);
}

/**
 * gemm_bias_f32 with A packed by gemm_pack_a_f32 (same m, k) and B packed by gemm_pack_b_f32 (same n, k):
 * no packing at all; bit-identical to gemm_bias_f32 on the unpacked operands. work holds
 * gemm_f32_workspace(m, n, k) bytes.
 */
export function gemm_packed_ab_f32(packedA: usize, packedB: usize, c: usize, m: i32, n: i32, k: i32,
  beta: f32, bias: usize, biasMode: i32, relu: i32, work: usize): void {
  gemmLoop(0, 0, 0, packedA, 0, 0, 0, packedB, c, m, n, k, beta, bias, biasMode, relu, work);
}
