import { defineConfig } from 'vitest/config';

// The bench runs the fuzz harness of the test suite, unbounded by the suite's timeouts.
export default defineConfig({
  test: {
    include: ['bench/fuzz/fuzz.bench-test.ts'],
    testTimeout: 60 * 60 * 1000,
  },
});
