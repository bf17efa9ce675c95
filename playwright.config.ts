import { defineConfig, type ReporterDescription } from '@playwright/test';
import { scenariosWithFile } from './harness/audio/scenarios';
import { remoteBrowser } from './harness/browser/remote';
import { CHROMIUM_ARGS, resolveChromium } from './harness/browser/resolve';
import { loadClientProfile } from './harness/clients/load';
import { loadMatchers } from './harness/protocol/load-matchers';
import { loadHarnessConfig } from './harness/config';
import { currentShard, runShape, shardFlagIndex } from './harness/plan/load';
import { formatShard } from './harness/plan/shard';
import { runId } from './harness/run-id';
import { READY_PATTERN } from './fixtures/ready';

// These throw before anything starts when a value is wrong or no browser exists.
const harness = loadHarnessConfig();
// With a remote browser (BROWSER_WS_ENDPOINT) nothing is launched here, so no local Chromium is needed.
const remote = remoteBrowser(harness);
const launchOptions = remote
  ? remote.launchOptions
  : { executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS };
const shard = currentShard();
const shape = runShape(harness, [...scenariosWithFile(harness.scenariosFile).keys()], shard);
loadClientProfile(harness);
loadMatchers(harness.protocolMatchers);
// One id for the whole run, set before the workers start so they inherit it.
runId();
// The workers and the fixture process do not see --shard on their command lines.
if (shard.count > 1) process.env.HARNESS_SHARD = formatShard(shard);

// WORKERS (a CI input), else enough workers for the plan's peak concurrency (each worker carries
// CALLS_PER_WORKER browser calls at a time), plus one per batch of protocol-level calls; --workers wins.
const protocolWorkers = Math.ceil(harness.protocolCalls / harness.protocolBatch);
const chosenWorkers = workersFromArgv() ?? (harness.workers || undefined);
const workers = chosenWorkers ?? shape.workers + protocolWorkers;
// Set by the runner only: a worker (a child of the runner) loads this file too, without --workers on its command
// line, and inherits the runner's values (the load test lays its calls out from them, and must see what the runner
// saw). Not TEST_WORKER_INDEX: a run started from inside another Playwright test inherits that.
if (process.env.HARNESS_RUNNER_PID !== String(process.ppid)) {
  process.env.HARNESS_RUNNER_PID = String(process.pid);
  // The fixture process launches the shared browsers: it needs to know how many workers will connect.
  process.env.HARNESS_WORKERS = String(workers);
  // Without a plan, --workers N (or WORKERS) means N browser calls at a time, as it always has: the conductor
  // holds the calls at that, and the load test has only the call slots N calls need. A plan sets its own.
  if (!shape.plan)
    process.env.HARNESS_CALL_CONCURRENCY = String(
      chosenWorkers ? Math.max(1, chosenWorkers - protocolWorkers) : shape.slots,
    );
}

function workersFromArgv(argv = process.argv): number | undefined {
  const i = argv.findIndex((a) => a === '--workers' || a === '-j' || a.startsWith('--workers='));
  const value = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// Any --shard, 1/1 too (a CI matrix of one), writes the blob report that merge-reports reads.
const sharded = shard.count > 1 || shardFlagIndex() >= 0;
const reporters: ReporterDescription[] = [
  [sharded ? 'blob' : 'list'],
  ['./harness/reporter/index.ts', { outputDir: harness.reportDir }],
];

export default defineConfig({
  testDir: 'tests/load',
  fullyParallel: true,
  // A retried call would be counted twice; a failed call is a load outcome, not flakiness.
  retries: 0,
  workers,
  timeout: 10 * 60_000,
  reporter: reporters,
  globalSetup: './harness/global-setup.ts',
  use: {
    headless: true,
    trace: harness.trace,
    permissions: ['microphone'],
    launchOptions,
    ...(remote ? { connectOptions: remote.connectOptions } : {}),
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
