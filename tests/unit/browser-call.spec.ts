import { expect, test } from '@playwright/test';
import { LOCUST_CACHE_DIR, runLoad } from '../helpers/run-load';

test('a Locust neural cache through PCM_DIR drives a real call: the agent answers every turn', async () => {
  // The call is the subject, not the machine: a host that takes CPU from this shared machine makes the run
  // INCONCLUSIVE (its verdict has tests of its own), so the saturation verdict is set aside here as in the load tier.
  const run = await runLoad({
    PCM_DIR: LOCUST_CACHE_DIR,
    SCENARIOS: 'quick_question',
    CALLS: '1',
    SATURATED: 'ignore',
  });
  expect(run.code, run.output.slice(-2000)).toBe(0);
  expect(run.calls).toHaveLength(1);
  const [call] = run.calls;
  expect(call).toMatchObject({ scenario: 'quick_question', voice: 'en-US-JennyMultilingualNeural', ok: true });
  expect(call!.turns.map((t) => t.turn)).toEqual([1, 2, 3]);
  for (const t of call!.turns) {
    expect(t.ttfbMs, `turn ${t.turn}`).toBeGreaterThan(0);
    expect(t.turnMs, `turn ${t.turn}`).toBeGreaterThan(t.ttfbMs!);
  }
  expect(run.summary.run.calls).toMatchObject({ total: 1, passed: 1, failed: 0 });
});
