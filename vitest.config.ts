// Three projects: unit (pure code on real captured output, fake executables for process code),
// e2e (real kernels built and booted under QEMU; slow; `npm test` and CI run it) and e2e-debug
// (debug kernels: each a whole build of its own, about 20 min under lockdep on 2 cores, so
// outside CI's 60-minute cold budget; `npm run test:e2e-debug`).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'scenarios/**/*.test.ts'],
          exclude: ['harness/test/e2e/**', 'harness/test/e2e-debug/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['harness/test/e2e/**/*.e2e.test.ts'],
          testTimeout: 60 * 60_000,
          hookTimeout: 60 * 60_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
      {
        test: {
          name: 'e2e-debug',
          include: ['harness/test/e2e-debug/**/*.e2e.test.ts'],
          testTimeout: 120 * 60_000,
          hookTimeout: 60 * 60_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
