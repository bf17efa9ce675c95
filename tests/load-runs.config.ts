import { defineConfig } from '@playwright/test';

// The runs here check what the harness does, on a machine shared with other work: a saturated generator there
// is the machine's state, not the feature's. The runs that check the saturation verdict set SATURATED themselves.
process.env.SATURATED ??= 'ignore';

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
