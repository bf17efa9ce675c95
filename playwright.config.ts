import { defineConfig, type ReporterDescription } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from './harness/browser/resolve';
import { loadHarnessConfig } from './harness/config';
import { READY_PATTERN } from './fixtures/ready';

// Both throw before anything starts when a value is wrong or no browser exists.
const harness = loadHarnessConfig();
const browser = resolveChromium();

const sharded = process.argv.some((a) => a === '--shard' || a.startsWith('--shard='));
const reporters: ReporterDescription[] = [
  [sharded ? 'blob' : 'list'],
  ['./harness/reporter/index.ts', { outputDir: harness.reportDir }],
];

export default defineConfig({
  testDir: 'tests/load',
  fullyParallel: true,
  // A retried call would be counted twice; a failed call is a load outcome, not flakiness.
  retries: 0,
  workers: Math.min(harness.calls, 4),
  timeout: 10 * 60_000,
  reporter: reporters,
  globalSetup: './harness/global-setup.ts',
  use: {
    headless: true,
    trace: harness.trace,
    permissions: ['microphone'],
    launchOptions: { executablePath: browser.executablePath, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: 'node --import tsx fixtures/main.ts',
    wait: { stdout: READY_PATTERN },
    stdout: 'ignore',
    stderr: 'pipe',
    timeout: 120_000,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
