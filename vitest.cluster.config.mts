import { defineConfig } from 'vitest/config';

// The cluster suite: one PostgreSQL, one Redis and two NocoBase processes, started by the suite itself
// (test/cluster/cluster.ts) on loopback ports. One file at a time: the machine runs two apps already.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    // Builds the plugin and links it into node_modules, as for the integration suite.
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    sequence: { shuffle: false },
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});
