import { defineConfig } from 'vitest/config';

// Browser tests: one NocoBase app and one WeCom sandbox for the whole run (test/e2e/global-setup.ts),
// driven by Chromium. The files share that app, so they run one after the other; none depends on another's order.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    sequence: { shuffle: false },
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
