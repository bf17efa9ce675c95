import { defineConfig } from '@playwright/test';

/**
 * The project's own tests (`npm test`). One worker: several tests run whole
 * load runs with their own browsers, and timing checks need the cores to themselves.
 */
export default defineConfig({
  testDir: 'self',
  workers: 1,
  timeout: 10 * 60_000,
  reporter: [['list']],
});
