import { defineConfig } from 'vitest/config';

// Real engines run in these tests; the 2-core CI machine needs generous per-test time, but the
// suite as a whole must stay within minutes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
