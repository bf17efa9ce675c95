import { test as base } from '@playwright/test';
import { loadCallerTracks } from '../../harness/audio/cache';
import { scenariosWithFile } from '../../harness/audio/scenarios';
import { loadHarnessConfig } from '../../harness/config';
import { currentShard, runShape } from '../../harness/plan/load';
import { callsTitle, plannedSlotGroups, unplannedSlotGroups } from '../../harness/plan/slot-groups';
import { runProtocolBatch } from '../../harness/protocol-caller/batch';
import { test } from '../../harness/test';

/**
 * The load run. Browser calls: CALLS_PER_WORKER slots per test, carried at
 * once by its worker (one call per test with CALLS_PER_WORKER=1). Without a
 * plan there are CALLS calls, as many at a time as --workers says; with one
 * (PLAN, or USERS/SPAWN_RATE/TIME) there are enough slots to fill it and the
 * conductor decides when each call starts (slots the plan does not need are
 * skipped). Protocol-level calls (PROTOCOL_CALLS): batches of
 * PROTOCOL_BATCH, one test each, declared first so they take their workers
 * before the browser calls and run beside them (hybrid load).
 */
const config = loadHarnessConfig();
const scenarios = scenariosWithFile(config.scenariosFile);
const shard = currentShard();
const shape = runShape(config, [...scenarios.keys()], shard);
const { calls } = shape;

for (let first = 0; first < config.protocolCalls; first += config.protocolBatch) {
  const count = Math.min(config.protocolBatch, config.protocolCalls - first);
  base(`protocol calls ${first + 1}-${first + count}`, async ({}, testInfo) => {
    // As long as its longest call plus its spawn ramp; every wait inside is bounded.
    testInfo.setTimeout(30 * 60_000);
    await runProtocolBatch({
      config,
      scenarios,
      tracks: await loadCallerTracks(config.pcmDir),
      first,
      count,
      testInfo,
    });
  });
}

const perWorker = config.callsPerWorker;
if (perWorker === 1) {
  // One call per test: each test's index in the whole run picks, without a plan, its scenario and voice.
  for (let i = 0; i < calls; i++) {
    test.describe(() => {
      test.use({ callIndex: i });
      test(`call ${String(i + 1).padStart(4, '0')}`, async ({ voiceCall }) => {
        await voiceCall.run();
      });
    });
  }
} else {
  // CALLS_PER_WORKER call slots per test, carried at once by one worker; each call is named in the test's output.
  // Under a plan a slot is a user that takes tickets until the plan ends; without one, a slot runs its own calls
  // in turn, and there are only as many slots as calls at a time (set by --workers, see playwright.config.ts).
  const concurrency = Number(process.env.HARNESS_CALL_CONCURRENCY) || shape.slots;
  const tests = shape.plan
    ? plannedSlotGroups(calls, perWorker, shard.count)
    : unplannedSlotGroups(calls, concurrency, perWorker, shard.count);
  for (const slots of tests) {
    test.describe(() => {
      test.use({ callSlots: { indices: slots } });
      test(callsTitle(slots), async ({ callBatch }) => {
        await callBatch.run();
      });
    });
  }
}
