import { expect, test } from '@playwright/test';
import { CallRecorder, type CallRecord } from '../../harness/metrics/record';
import { RunAggregate } from '../../harness/reporter/aggregate';
import { buildFigures } from '../../harness/reporter/figures';
import { DEFAULT_GATES } from '../../harness/reporter/gates';
import type { RunInfo } from '../../harness/reporter/schema';
import { formatGates } from '../../harness/reporter/table';
import { judgeSummary } from '../../harness/reporter/verdict';
import { cannedCalls } from '../helpers/canned';

/** Within the canned calls' span (their charts run over the calls' wall clock). */
const T0_MS = 1_800_000_000_000 + 5000;

const RUN: Omit<RunInfo, 'calls'> = {
  startedAt: 'x',
  durationMs: 60_000,
  target: 't',
  workers: 2,
  shards: 1,
  incomplete: false,
};

/**
 * A call cut by Ctrl-C as the worker records it: two turns answered (their latencies recorded), the third in
 * progress with its first byte measured but no end, no failure, no counter of its own.
 */
function cutCall(id: string, connected = true): CallRecord {
  const rec = new CallRecorder();
  if (connected) rec.latency('ws/connect', 12);
  for (const turn of connected ? [1, 2] : []) {
    rec.latency(`ttfb/0${turn}`, 700);
    rec.latency(`turn/0${turn}`, 3000);
    Object.assign(rec.turn(turn), { ttfbMs: 700, turnMs: 3000, endReason: 'final-frame' });
  }
  if (connected) {
    rec.latency('ttfb/03', 900);
    Object.assign(rec.turn(3), { ttfbMs: 900, interrupted: true });
  }
  const record = rec.finish({
    callId: id,
    scenario: 's',
    voice: 'v',
    group: 'browser',
    startedAtMs: 0,
    endedAtMs: 1,
    ok: false,
  });
  return { ...record, interrupted: { atMs: T0_MS + 30_000, reason: 'run interrupted (SIGINT)' } };
}

/** Calls that passed: a cut call's two answered turns, without the cut. */
function passedCalls(count: number): CallRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const { interrupted: _cut, turns, ...rest } = cutCall(`ok-${i}`);
    return { ...rest, ok: true, turns: turns.filter((t) => !t.interrupted) };
  });
}

function aggregate(records: CallRecord[]): RunAggregate {
  const agg = new RunAggregate();
  for (const r of records) agg.add(r);
  return agg;
}

test('interrupted calls are counted apart: out of the success ratios, their finished turns and latencies kept', () => {
  const done = cannedCalls(20);
  const cut = [cutCall('cut-1'), cutCall('cut-2'), cutCall('cut-3', false)];
  const base = aggregate(done);
  const withCut = aggregate([...done, ...cut]);
  const before = judgeSummary(buildFigures(base, RUN), DEFAULT_GATES);
  const after = judgeSummary(
    buildFigures(withCut, { ...RUN, incomplete: true, interrupted: 'interrupted' }),
    DEFAULT_GATES,
  );

  // Apart: neither passed nor failed, the genuine failures of the canned run still failed.
  const failedBefore = before.run.calls.failed;
  expect(failedBefore).toBeGreaterThan(0);
  expect(after.run.calls).toEqual({
    total: 23,
    passed: before.run.calls.passed,
    failed: failedBefore,
    interrupted: 3,
  });
  expect(before.run.calls.interrupted).toBeUndefined();
  expect(after.metrics['call/error']).toBeUndefined();

  // Connection success as if the cut calls never ran (even the one cut before its socket opened).
  expect(after.metrics['success/connection']).toEqual(before.metrics['success/connection']);
  // Turn success: the finished turns of the cut calls count as answered; the turns in progress count nowhere.
  const turnsBefore = before.metrics['success/turn'];
  const turnsAfter = after.metrics['success/turn'];
  if (turnsBefore?.kind !== 'ratio' || turnsAfter?.kind !== 'ratio') throw new Error('no turn ratio');
  expect(turnsAfter.count).toBe(turnsBefore.count + 4);
  expect(turnsAfter.successes).toBe(turnsBefore.successes + 4);
  // Latencies measured before the cut are samples; the cut itself adds no fails (timeouts).
  const ttfb = (s: typeof before) => s.metrics.ttfb;
  const [tb, ta] = [ttfb(before), ttfb(after)];
  if (tb?.kind !== 'latency' || ta?.kind !== 'latency') throw new Error('no ttfb');
  expect(ta.count).toBe(tb.count + 6);
  expect(ta.fails).toBe(tb.fails);
  const connGate = (s: typeof before) => s.gates.find((g) => g.name === 'connection success')!;
  expect(connGate(after).value).toBe(connGate(before).value);

  // An interrupted run fails whatever its gates say, and says why; a complete one is judged by its gates.
  expect(before.verdictReason).toBeUndefined();
  expect(after.verdict).toBe('fail');
  expect(after.verdictReason).toBe('run interrupted: 3 call(s) cut short');
  const text = formatGates(after);
  expect(text).toContain('Run interrupted (incomplete): 3 call(s) cut short');
  expect(text).toMatch(/3 interrupted\.\s+Verdict: FAIL \(run interrupted: 3 call\(s\) cut short\)/);
});

test('an interrupted run whose calls all pass the gates is still a failure, not a pass', () => {
  const ok = passedCalls(10);
  const complete = judgeSummary(buildFigures(aggregate(ok), RUN), DEFAULT_GATES);
  expect(complete.verdict).not.toBe('fail');
  const cut = judgeSummary(
    buildFigures(aggregate([...ok, cutCall('cut')]), { ...RUN, incomplete: true, interrupted: 'interrupted' }),
    DEFAULT_GATES,
  );
  expect(cut.gates.map((g) => g.verdict)).toEqual(complete.gates.map((g) => g.verdict));
  expect(cut.verdict).toBe('fail');
  expect(cut.verdictReason).toMatch(/^run interrupted: 1 call\(s\) cut short$/);
  // Any other incomplete run says so too.
  const timedOut = judgeSummary(buildFigures(aggregate(ok), { ...RUN, incomplete: true }), DEFAULT_GATES);
  expect([timedOut.verdict, timedOut.verdictReason]).toEqual(['fail', 'incomplete run']);
});

test('planned arrivals that never started make a run INCONCLUSIVE whatever its calls read (SATURATED decides)', () => {
  const ok = passedCalls(10);
  const judged = (missedArrivals: number | undefined, policy?: 'inconclusive' | 'fail' | 'ignore') =>
    judgeSummary(buildFigures(aggregate(ok), { ...RUN, missedArrivals }), DEFAULT_GATES, undefined, policy);
  const full = judged(undefined);
  expect(['pass', 'warn']).toContain(full.verdict);
  const short = judged(2);
  expect([short.verdict, short.verdictReason]).toEqual([
    'inconclusive',
    "2 planned arrival(s) never started (no free worker): the plan's load not applied",
  ]);
  expect(formatGates(short)).toContain('INCONCLUSIVE: 2 planned arrival(s) found no free worker and never started');
  expect(judged(2, 'fail').verdict).toBe('fail');
  // Under SATURATED=ignore the gates alone decide, and the table still warns.
  const ignored = judged(2, 'ignore');
  expect(ignored.verdict).toBe(full.verdict);
  expect(formatGates(ignored)).toContain('WARNING: 2 planned arrival(s) found no free worker and never started');
});
