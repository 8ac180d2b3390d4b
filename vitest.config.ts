// Two projects: unit (pure code on real captured output, fake executables for process code)
// and e2e (real kernels built and booted under QEMU; slow).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'scenarios/**/*.test.ts'],
          exclude: ['harness/test/e2e/**'],
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
    ],
  },
});
