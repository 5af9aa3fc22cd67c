/**
 * Warming the kernels up once after the module is loaded. V8 first compiles WebAssembly with its baseline
 * compiler and re-compiles a function with its optimizing one only after it has run for a while; a call
 * already running keeps the baseline code to its end, so without this the first large matmul of a program
 * would run at a fraction of its speed (bench/README.md, "Warm-up"). A few hundred calls on tiny operands
 * (~10 ms) are enough for V8 to optimize the hot kernels; the compiled code belongs to the module, so
 * worker threads instantiating it get the optimized code too.
 */
import { GEMM_BIAS, type Kernels } from '../kernels.js';
import { heap, writeMeta1 } from '../memory.js';

/** Side of the square GEMM operands and elements of the elementwise ones. */
const GEMM_N = 24;
const N = 1024;
const GEMM_CALLS = 120;
const CALLS = 40;

/** Runs the kernels a training step spends its time in, on scratch operands the heap lends and takes back. */
export function warmUp(k: Kernels): void {
  const ws = k.gemm_f32_workspace(GEMM_N, GEMM_N, GEMM_N);
  const bytes = 4 * N * 4 + ws;
  const base = heap.alloc(bytes);
  try {
    heap.u8.fill(0, base, base + bytes);
    const a = base, b = a + 4 * N, c = b + 4 * N, d = c + 4 * N, work = d + 4 * N;
    for (let i = 0; i < GEMM_CALLS; i++) {
      // plain, transposed-A and transposed-B strides: each packing path; bias per column with ReLU
      k.gemm_bias_f32(a, b, c, GEMM_N, GEMM_N, GEMM_N, GEMM_N, 1, GEMM_N, 1, 0, 0, 0, 0, work);
      k.gemm_bias_f32(a, b, c, GEMM_N, GEMM_N, GEMM_N, 1, GEMM_N, 1, GEMM_N, 1, d, GEMM_BIAS.perColumn, 1, work);
    }
    for (let i = 0; i < CALLS; i++) {
      k.add_f32(a, b, c, writeMeta1(N, 1, 1));
      k.mul_f32(a, b, c, writeMeta1(N, 1, 1));
      k.relu_f32(a, c, N);
      k.relu_backward_f32(a, b, c, N);
      k.exp_f32(a, c, N);
      k.axpy_f32(a, c, N, 1);
      k.sum_f32(a, c, 1, N, 1);
      k.sum_f32(a, c, 1, 32, 32);
      k.sgd_step_f32(a, b, c, N, 0.1, 0.9, 0, 0, 0, 0, 0);
      k.adam_step_f32(a, b, c, d, 0, N, 0.001, 0.9, 0.999, 1e-8, 0, 0.001, 1, 0, 0, 0);
    }
  } finally {
    heap.free(base, bytes);
  }
}
