import { defineConfig } from '@playwright/test';

/**
 * A run without browsers: each test attaches one canned call record, so the
 * reporter's merging (across workers, shards and merge-reports) can be checked
 * against exactly known inputs. Used by tests/load-runs/report-merge.spec.ts.
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'canned.spec.ts',
  fullyParallel: true,
  workers: 3,
  reporter: process.argv.some((a) => a.startsWith('--shard')) ? [['blob']] : [['../../harness/reporter/index.ts']],
});
