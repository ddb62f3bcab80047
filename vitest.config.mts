import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/cluster/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Every integration file boots a NocoBase app: two at a time fit this machine's two cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Safety nets, not expectations: on a 2-core machine shared with another run, a test can take ten
    // times as long as on an idle one.
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
