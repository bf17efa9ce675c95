import { defineConfig } from '@playwright/test';

/**
 * A run without browsers: each test attaches one canned call record, so the
 * reporter's merging (across workers, shards and merge-reports) can be checked
 * against exactly known inputs. Used by tests/load-runs/report-merge.spec.ts and
 * tests/unit/generator-health.spec.ts.
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'canned.spec.ts',
  // Its own output folder: Playwright's default is the repository's test-results/, which every run empties as it
  // starts, and these runs are started by fast-tier tests while other tests of that tier are writing there.
  outputDir: 'test-results',
  fullyParallel: true,
  workers: 3,
  reporter: process.argv.some((a) => a.startsWith('--shard')) ? [['blob']] : [['../../harness/reporter/index.ts']],
});
