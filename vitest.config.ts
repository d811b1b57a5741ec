import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'node/**/*.test.ts',
      'consensus/**/*.test.ts',
      'tools/**/*.test.ts',
      'contracts/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'test/soak/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process tests spawn real nodes; two workers keep the 2-core machine responsive.
    maxWorkers: 2,
  },
});
