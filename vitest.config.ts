// Four projects: unit (pure code on real captured output, fake executables for process code);
// e2e (real kernels built and booted under QEMU; `npm test` and CI run it), sized for CI's cold
// budget of 60 minutes on 2 cores: baseline, the light bundled series (proc-connector-ns) and
// fixture series, and one kmemleak + coverage configuration; e2e-bundled (every bundled series
// as `npm run main` runs it: four of them change headers nearly every object includes, a whole
// build each, about 11 min apiece on 2 cores; `npm run test:e2e-bundled`, and the KVM workflows
// run `kph run --all` with a kept cache); e2e-debug (one whole build per debug profile:
// `npm run test:e2e-debug`).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'scenarios/**/*.test.ts'],
          exclude: ['harness/test/e2e/**', 'harness/test/e2e-bundled/**', 'harness/test/e2e-debug/**'],
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
          name: 'e2e-bundled',
          include: ['harness/test/e2e-bundled/**/*.e2e.test.ts'],
          testTimeout: 90 * 60_000,
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
