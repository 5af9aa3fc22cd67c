/**
 * What the TypeScript side needs from a loaded kernel module: every kernel of the table (kernels.ts), and
 * the constants the module exports as globals so that they are written in one place (assembly/) and read
 * here at load (wasm/split.ts splits sums and GEMMs along the module's own block sizes).
 */
import { KERNEL_NAMES, type Kernels } from '../kernels.js';

/** The module's exported constants TypeScript reads (each an i32 wasm global, defined in assembly/). */
export const WASM_CONSTANTS = [
  /** assembly/gemm.ts: rows of the GEMM micro-kernel (6 in the relaxed-SIMD build, 5 in the plain one). */
  'GEMM_MR',
  /** assembly/reduce.ts: rows sum_f32 adds in float32 before adding the block sums in float64 (inner > 1). */
  'SUM_BLOCK_ROWS',
  /** assembly/reduce.ts: the same block for inner = 1. */
  'SUM_BLOCK_ROWS_CONTIGUOUS',
] as const;
export type WasmConstants = { readonly [C in (typeof WASM_CONSTANTS)[number]]: number };

/**
 * Checks that a module's exports hold every kernel of the table and every constant of WASM_CONSTANTS, and
 * returns them as the kernel table; throws an error naming what is missing (a module built from other
 * sources than this package's table).
 */
export function checkExports(exports: object): Kernels {
  const e = exports as Record<string, unknown>;
  const missing = [
    ...KERNEL_NAMES.filter((name) => typeof e[name] !== 'function'),
    ...WASM_CONSTANTS.filter((name) => !(e[name] instanceof WebAssembly.Global)),
  ];
  if (missing.length > 0) {
    throw new Error(
      `wasmgrad: the WebAssembly kernel module does not export ${missing.join(', ')}, which the kernel table ` +
        '(src/backends/kernels.ts) lists: it was built from other sources; rebuild it with `npm run asbuild`',
    );
  }
  return exports as Kernels;
}

/** The constants of WASM_CONSTANTS from a module's exports (checked by checkExports). */
export function wasmConstants(exports: object): WasmConstants {
  const e = exports as Record<string, WebAssembly.Global>;
  return Object.fromEntries(WASM_CONSTANTS.map((name) => [name, Number(e[name]!.value)])) as unknown as WasmConstants;
}
