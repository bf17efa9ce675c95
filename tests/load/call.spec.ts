import { scenariosWithFile } from '../../harness/audio/scenarios';
import { loadHarnessConfig } from '../../harness/config';
import { currentShard, runShape } from '../../harness/plan/load';
import { test } from '../../harness/test';

/**
 * The load run: one test per call. Without a plan there are CALLS of them;
 * with one (PLAN, or USERS/SPAWN_RATE/TIME) there are enough to fill it and
 * the conductor decides when each starts (tests the plan does not need are
 * skipped). Playwright spreads them over --workers and --shard.
 */
const config = loadHarnessConfig();
const { calls } = runShape(config, [...scenariosWithFile(config.scenariosFile).keys()], currentShard());

for (let i = 0; i < calls; i++) {
  test(`call ${String(i + 1).padStart(4, '0')}`, async ({ voiceCall }) => {
    await voiceCall.run();
  });
}
