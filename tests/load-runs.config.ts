import { defineConfig } from '@playwright/test';

/**
 * The load tier (`npm run test:load`): whole load runs with their own
 * browsers, shards, remote browsers and benchmarks, and the fast tier's tests
 * tagged @timing (clock comparisons to a few milliseconds). One at a time:
 * each run sizes itself to the machine, and timing checks need the cores to themselves.
 */
export default defineConfig({
  workers: 1,
  timeout: 10 * 60_000,
  reporter: [['list']],
  projects: [
    { name: 'load-runs', testDir: 'load-runs' },
    { name: 'timing', testDir: 'unit', grep: /@timing/ },
  ],
});
