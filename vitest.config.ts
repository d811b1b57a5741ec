import { defineConfig } from 'vitest/config';

/**
 * Three tiers, each its own npm script (`npm run test:unit|test:integration|test:cluster`);
 * `npm test` runs all three. Long soak runs live in vitest.soak.config.ts (`npm run test:soak`).
 *  - unit: beside the code, in-process, no network beyond loopback sockets a test opens itself;
 *  - integration: under test/, real nodes (LevelDB, libp2p, HTTP RPC) inside the test process,
 *    and the seeded PBFT simulation;
 *  - cluster: under test/cluster/, real node and CLI processes started from the build.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process tests spawn real nodes; two workers keep the 2-core machine responsive.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['node/**/*.test.ts', 'consensus/**/*.test.ts', 'tools/**/*.test.ts', 'contracts/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/cluster/**', 'test/soak/**'] },
      },
      {
        extends: true,
        test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], globalSetup: ['test/helpers/build-once.ts'] },
      },
    ],
  },
});
