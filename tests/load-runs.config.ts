import { defineConfig } from '@playwright/test';

/**
 * The load tier (`npm run test:load`): whole load runs with their own
 * browsers, shards, remote browsers and benchmarks. One at a time: each run
 * sizes itself to the machine, and their timing checks need the cores to themselves.
 */
export default defineConfig({
  testDir: 'load-runs',
  workers: 1,
  timeout: 10 * 60_000,
  reporter: [['list']],
});
