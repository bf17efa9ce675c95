import { loadHarnessConfig } from '../../harness/config';
import { test } from '../../harness/test';

/**
 * The load run: one test per call (CALLS of them). Playwright spreads them over
 * --workers and --shard; the reporter merges every call's histograms.
 */
const { calls } = loadHarnessConfig();

for (let i = 0; i < calls; i++) {
  test(`call ${String(i + 1).padStart(4, '0')}`, async ({ voiceCall }) => {
    await voiceCall.run(i);
  });
}
