import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The whole suite runs once per backend: WASMGRAD_BACKEND selects the kernels every op dispatches to.
// The browser tests (test/browser: Chromium, the demo page, bundlers) run once, in their own project.
export default defineConfig({
  resolve: {
    // 'wasmgrad' (examples import it) is the sources while developing, as tsconfig.json's `paths` says;
    // the package's exports point at dist/
    alias: [{ find: /^wasmgrad$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    projects: [
      ...['wasm', 'js'].map((backend) => ({
        extends: true,
        test: {
          name: backend,
          env: { WASMGRAD_BACKEND: backend },
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', '**/node_modules/**'],
        },
      })),
      {
        // the wasm project runs the relaxed-SIMD build (Node 20 enables it); this one the plain-SIMD build,
        // on the tests that exercise GEMM (the only kernels whose code differs between the builds)
        extends: true,
        test: {
          name: 'wasm-plain',
          env: { WASMGRAD_BACKEND: 'wasm', WASMGRAD_WASM_BUILD: 'plain' },
          include: ['test/gemm.test.ts', 'test/threads.test.ts', 'test/ops-grad.test.ts', 'test/torch-reference.test.ts', 'test/nn.test.ts', 'test/training.test.ts', 'test/nan-inf.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
