import { defineConfig } from '@playwright/test';

/**
 * The fast tier (`npm test`, with typecheck and lint): unit tests, the fixtures
 * on port 0 driven by real clients, and one real browser call end to end.
 * These tests mostly wait on real-time audio, so several run at once; the
 * browser call, the longest, starts first (its project is listed first) and
 * overlaps the rest. Tests tagged @timing compare clocks to a few
 * milliseconds: they need a quiet machine and run in the load tier
 * (tests/load-runs.config.ts), one at a time.
 */
export default defineConfig({
  timeout: 2 * 60_000,
  workers: 4,
  reporter: [['list']],
  grepInvert: /@timing/,
  projects: [
    { name: 'browser-call', testDir: 'unit', testMatch: /browser-call\.spec\.ts$/, workers: 1 },
    { name: 'unit', testDir: 'unit', fullyParallel: true, testIgnore: /browser-call\.spec\.ts$/ },
  ],
});
