import { defineConfig } from 'vitest/config';

// The whole suite runs once per backend: WASMGRAD_BACKEND selects the kernels every op dispatches to.
export default defineConfig({
  test: {
    projects: ['wasm', 'js'].map((backend) => ({
      extends: true,
      test: {
        name: backend,
        env: { WASMGRAD_BACKEND: backend },
        include: ['test/**/*.test.ts'],
      },
    })),
    testTimeout: 60_000,
    pool: 'forks',
  },
});
