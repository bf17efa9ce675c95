import { expect, test } from '@playwright/test';
import { runLoad } from '../helpers/run-load';

/**
 * STARTUP_GUARD_MS in a real run: calls of different lengths, three at a time, so calls end (and the next start
 * up) while others speak. No call may start up over another's speech end: a start-up lies either well before it or
 * after its answer's first audio, unless the guard let it go at its longest hold (marked forced).
 */

const GUARD_MS = 2000;
/** How much of the guard survives in the records: the conductor knows speech ends as foretold, within tens of ms. */
const BEFORE_END_MS = 1500;

test('with STARTUP_GUARD_MS no call starts up near another call speech end; the report counts held calls', async () => {
  const run = await runLoad(
    {
      CALLS: '7',
      CALLS_PER_WORKER: '3',
      SCENARIOS: 'quick_question,insurance_inquiry',
      STARTUP_GUARD_MS: String(GUARD_MS),
      EVIDENCE: 'off',
    },
    ['--workers', '3'],
  );
  expect(run.code === 0 || run.code === 3, run.output.slice(-2000)).toBe(true);
  const { calls, summary } = run;
  expect(summary.run.calls).toMatchObject({ total: 7, failed: 0 });
  const near: string[] = [];
  for (const c of calls) {
    if (c.startupGuard?.forced) continue;
    for (const d of calls) {
      if (d === c) continue;
      for (const t of d.turns) {
        if (t.speechEndAtMs === undefined || t.ttfbMs === undefined) continue;
        const answeredAt = t.speechEndAtMs + t.ttfbMs;
        if (c.startedAtMs > t.speechEndAtMs - BEFORE_END_MS && c.startedAtMs < answeredAt)
          near.push(`${c.callId} started ${Math.round(c.startedAtMs - t.speechEndAtMs)} ms from ${d.callId}#${t.turn}`);
      }
    }
  }
  expect(near).toEqual([]);
  // The calls after the first three waited for their slot to free; those the guard held say so, as the run does.
  const held = calls.filter((c) => c.startupGuard);
  if (held.length) {
    expect(summary.run.startupGuard).toEqual({
      held: held.length,
      longestHeldMs: Math.round(Math.max(...held.map((c) => c.startupGuard!.heldMs))),
      forced: held.filter((c) => c.startupGuard!.forced).length,
    });
    expect(run.output).toContain(`Start-up guard: ${held.length} call(s) held back`);
  } else {
    expect(summary.run.startupGuard).toBeUndefined();
    test.info().annotations.push({ type: 'guard', description: 'no start-up met a speech end in this run' });
  }
});
