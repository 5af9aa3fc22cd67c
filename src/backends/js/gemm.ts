/** Reference kernels: matrix multiply and axpy. */
import { heap } from '../memory.js';

/**
 * C = A·B (+ C when beta = 1), C contiguous m×n, A[i][p] = a[i*sa0 + p*sa1], B[p][j] = b[p*sb0 + j*sb1];
 * each dot product accumulates in a double. With k = 0: C = 0 (beta 0) or unchanged (beta 1).
 */
export function gemm_f32(a: number, b: number, c: number, m: number, n: number, k: number,
  sa0: number, sa1: number, sb0: number, sb1: number, beta: number, work: number): void {
  gemm_bias_f32(a, b, c, m, n, k, sa0, sa1, sb0, sb1, beta, 0, 0, 0, work);
}

/**
 * gemm_f32 with the fused epilogue: v = f32(A·B row i · column j) (dot product in a double), then
 * v = v + C when beta = 1, v = v + bias[j] (biasMode 1) or + bias[i] (biasMode 2), v = max(v, 0) when
 * relu = 1 (NaN stays NaN), each step rounded to f32.
 */
export function gemm_bias_f32(a: number, b: number, c: number, m: number, n: number, k: number,
  sa0: number, sa1: number, sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number,
  _work: number): void {
  const f32 = heap.f32;
  const as = a >>> 2;
  const bs = b >>> 2;
  const cs = c >>> 2;
  const biasS = bias >>> 2;
  const fround = Math.fround;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const q = cs + i * n + j;
      let v: number;
      if (k === 0) {
        v = beta !== 0 ? f32[q]! : 0;
      } else {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += f32[as + i * sa0 + p * sa1]! * f32[bs + p * sb0 + j * sb1]!;
        v = beta !== 0 ? fround(fround(acc) + f32[q]!) : fround(acc);
      }
      if (biasMode === 1) v = fround(v + f32[biasS + j]!);
      else if (biasMode === 2) v = fround(v + f32[biasS + i]!);
      if (relu !== 0) v = Math.max(v, 0);
      f32[q] = v;
    }
  }
}

/** The reference gemm needs no scratch: always 0 bytes. */
export function gemm_f32_workspace(_m: number, _n: number, _k: number): number {
  return 0;
}

/** The reference's packed B is B itself, k×n row-major: n*k floats. */
export function gemm_pack_b_bytes(n: number, k: number): number {
  return n > 0 && k > 0 ? n * k * 4 : 0;
}

/** Copies B (B[p][j] = b[p*sb0 + j*sb1]) row-major into packed: packed[p*n + j] = B[p][j]. */
export function gemm_pack_b_f32(b: number, n: number, k: number, sb0: number, sb1: number, packed: number): void {
  const f32 = heap.f32;
  const bs = b >>> 2, ps = packed >>> 2;
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) f32[ps + p * n + j] = f32[bs + p * sb0 + j * sb1]!;
  }
}

/** gemm_bias_f32 on the B that gemm_pack_b_f32 stored row-major in packed. */
export function gemm_packed_b_f32(a: number, packed: number, c: number, m: number, n: number, k: number,
  sa0: number, sa1: number, beta: number, bias: number, biasMode: number, relu: number, work: number): void {
  gemm_bias_f32(a, packed, c, m, n, k, sa0, sa1, n, 1, beta, bias, biasMode, relu, work);
}

/** The reference's packed A is A itself, m×k row-major: m*k floats. */
export function gemm_pack_a_bytes(m: number, k: number): number {
  return m > 0 && k > 0 ? m * k * 4 : 0;
}

/** Copies A (A[i][p] = a[i*sa0 + p*sa1]) row-major into packed: packed[i*k + p] = A[i][p]. */
export function gemm_pack_a_f32(a: number, m: number, k: number, sa0: number, sa1: number, packed: number): void {
  const f32 = heap.f32;
  const as = a >>> 2, ps = packed >>> 2;
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) f32[ps + i * k + p] = f32[as + i * sa0 + p * sa1]!;
  }
}

/** gemm_bias_f32 on the A that gemm_pack_a_f32 stored row-major in packedA. */
export function gemm_packed_a_f32(packedA: number, b: number, c: number, m: number, n: number, k: number,
  sb0: number, sb1: number, beta: number, bias: number, biasMode: number, relu: number, work: number): void {
  gemm_bias_f32(packedA, b, c, m, n, k, k, 1, sb0, sb1, beta, bias, biasMode, relu, work);
}

/** gemm_bias_f32 on the A and B that gemm_pack_a_f32 and gemm_pack_b_f32 stored row-major. */
export function gemm_packed_ab_f32(packedA: number, packedB: number, c: number, m: number, n: number, k: number,
  beta: number, bias: number, biasMode: number, relu: number, work: number): void {
  gemm_bias_f32(packedA, packedB, c, m, n, k, k, 1, n, 1, beta, bias, biasMode, relu, work);
}

/** y[i] += alpha * x[i], contiguous. */
export function axpy_f32(x: number, y: number, n: number, alpha: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const ys = y >>> 2;
  for (let i = 0; i < n; i++) f32[ys + i] = f32[ys + i] + alpha * f32[xs + i];
}
