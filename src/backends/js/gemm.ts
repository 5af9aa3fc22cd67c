/** Reference kernels: matrix multiply and axpy. */
import { heap } from '../memory.js';

/**
 * C = A·B (+ C when beta = 1), C contiguous m×n, A[i][p] = a[i*sa0 + p*sa1], B[p][j] = b[p*sb0 + j*sb1];
 * each dot product accumulates in a double. With k = 0: C = 0 (beta 0) or unchanged (beta 1).
 */
export function gemm_f32(a: number, b: number, c: number, m: number, n: number, k: number,
  sa0: number, sa1: number, sb0: number, sb1: number, beta: number, _work: number): void {
  const f32 = heap.f32;
  const as = a >>> 2;
  const bs = b >>> 2;
  const cs = c >>> 2;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const q = cs + i * n + j;
      if (k === 0) {
        if (beta === 0) f32[q] = 0;
        continue;
      }
      let acc = 0;
      for (let p = 0; p < k; p++) acc += f32[as + i * sa0 + p * sa1] * f32[bs + p * sb0 + j * sb1];
      f32[q] = beta === 0 ? acc : f32[q] + acc;
    }
  }
}

/** The reference gemm needs no scratch: always 0 bytes. */
export function gemm_f32_workspace(_m: number, _n: number, _k: number): number {
  return 0;
}

/** y[i] += alpha * x[i], contiguous. */
export function axpy_f32(x: number, y: number, n: number, alpha: number): void {
  const f32 = heap.f32;
  const xs = x >>> 2;
  const ys = y >>> 2;
  for (let i = 0; i < n; i++) f32[ys + i] = f32[ys + i] + alpha * f32[xs + i];
}
