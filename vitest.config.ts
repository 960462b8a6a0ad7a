import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'sdk/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own databases; files run in parallel across the 2 cores.
    pool: 'forks',
    // Removes the temp directories each test file made (test/temp-dirs.ts).
    setupFiles: ['test/cleanup-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
