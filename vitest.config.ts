import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share the loopback servers; files run in separate workers but the servers
    // are safe for concurrent users, so only the pool size is limited (2 cores here).
    maxWorkers: 2,
  },
});
