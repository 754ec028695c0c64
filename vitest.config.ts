import './harness/node-polyfills.js';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` tests the harness itself; `bench` runs the poisoning spec files
// (heavy, real training) one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'bench',
          include: ['benchmarks/**/*.spec.ts'],
          setupFiles: ['harness/spec/setup.ts'],
          testTimeout: 0,
          hookTimeout: 0,
          fileParallelism: false,
        },
      },
    ],
  },
});
