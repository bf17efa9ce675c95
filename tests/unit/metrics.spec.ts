import { expect, test } from '@playwright/test';
import { decodeHistogram, encodeHistogram, newHistogram, recordMs, statsOf } from '../../harness/metrics/histogram';
import { CallRecorder } from '../../harness/metrics/record';
import { RunAggregate } from '../../harness/reporter/aggregate';
import { buildFigures } from '../../harness/reporter/figures';
import { DEFAULT_GATES } from '../../harness/reporter/gates';
import type { Summary } from '../../harness/reporter/schema';
import { judgeSummary } from '../../harness/reporter/verdict';
import { lcg } from '../helpers/canned';

/** Built and judged against the default gates, as the reporter does at the end of a run. */
function summarize(agg: RunAggregate, run: Parameters<typeof buildFigures>[1]): Summary {
  return judgeSummary(buildFigures(agg, run), DEFAULT_GATES);
}

test('per-call histograms merged by addition equal one histogram of every sample', () => {
  const rand = lcg(7);
  const all = newHistogram();
  const merged = newHistogram();
  for (let call = 0; call < 300; call++) {
    const h = newHistogram();
    for (let k = 0; k < 5; k++) {
      const v = 50 + rand() ** 3 * 20000;
      recordMs(h, v);
      recordMs(all, v);
    }
    merged.add(decodeHistogram(encodeHistogram(h)));
  }
  expect(statsOf(merged)).toEqual(statsOf(all));
  expect(merged.totalCount).toBe(1500);
});

function call(id: string, ttfb: number[], opts: { connected?: boolean; failTurn?: number } = {}) {
  const rec = new CallRecorder();
  if (opts.connected !== false) rec.latency('ws/connect', 10);
  ttfb.forEach((v, i) => {
    rec.latency(`ttfb/0${i + 1}`, v);
    rec.latency(`turn/0${i + 1}`, v + 2000);
    Object.assign(rec.turn(i + 1), { ttfbMs: v, turnMs: v + 2000, endReason: 'final-frame' });
  });
  if (opts.failTurn) {
    rec.fail(`ttfb/0${opts.failTurn}`);
    rec.fail(`turn/0${opts.failTurn}`);
    rec.count('turn/error');
    rec.turn(opts.failTurn).error = 'timeout';
  }
  const ok = !opts.failTurn && opts.connected !== false;
  return rec.finish({ callId: id, scenario: 's', voice: 'v', group: 'browser', startedAtMs: 0, endedAtMs: 1, ok });
}

test('the summary counts samples and fails per turn, aggregates turns, and computes success ratios', () => {
  const agg = new RunAggregate();
  agg.add(call('a', [800, 900]));
  agg.add(call('b', [1000], { failTurn: 2 }));
  agg.add(call('c', [], { connected: false }));
  const s = summarize(agg, { startedAt: 'x', durationMs: 1, target: 't', workers: 1, shards: 1, incomplete: false });
  expect(s.run.calls).toEqual({ total: 3, passed: 1, failed: 2 });
  expect(s.metrics['ttfb/01']).toMatchObject({ kind: 'latency', count: 2, fails: 0 });
  expect(s.metrics['ttfb/02']).toMatchObject({ kind: 'latency', count: 1, fails: 1, minMs: 900 });
  expect(s.metrics.ttfb).toMatchObject({ kind: 'latency', count: 3, fails: 1, maxMs: 1000 });
  expect(s.metrics['turn/error']).toEqual({ kind: 'counter', count: 1 });
  expect(s.metrics['success/connection']).toEqual({ kind: 'ratio', count: 3, successes: 2, pct: 66.67 });
  expect(s.metrics['success/turn']).toEqual({ kind: 'ratio', count: 4, successes: 3, pct: 75 });
  expect(s.gates.find((g) => g.name === 'connection success')!.verdict).toBe('fail');
  expect(s.gates.find((g) => g.name === 'barge-in p95')!.verdict).toBe('no-data');
  expect(s.verdict).toBe('fail');
  // Metric order for people: per-call first, then each family's turns before its aggregate.
  const names = Object.keys(s.metrics);
  expect(names.indexOf('ws/connect')).toBeLessThan(names.indexOf('ttfb/01'));
  expect(names.indexOf('ttfb/02')).toBeLessThan(names.indexOf('ttfb'));
  expect(names.indexOf('ttfb')).toBeLessThan(names.indexOf('turn/01'));
});

test('a run with no calls has a failing verdict', () => {
  const run = { startedAt: 'x', durationMs: 1, target: 't', workers: 1, shards: 1, incomplete: false };
  const s = summarize(new RunAggregate(), run);
  expect(s.verdict).toBe('fail');
});

test('a run whose every test failed before its call began fails, though no gate has data to judge', () => {
  const agg = new RunAggregate();
  // Tests that failed with no call record (e.g. the worker could not find them): counted, with no sample.
  agg.addUnrecorded('calls 0001-0004', 'Test not found in the worker process');
  agg.addUnrecorded('calls 0005-0008', 'Test not found in the worker process');
  const s = summarize(agg, { startedAt: 'x', durationMs: 1, target: 't', workers: 1, shards: 1, incomplete: false });
  expect(s.gates.every((g) => g.verdict === 'no-data')).toBe(true);
  expect(s.verdict).toBe('fail');
  expect(s.verdictReason).toBe('no call passed (2 failed)');
});

test('a run a stop criterion ended fails, even when the calls it kept pass every gate', () => {
  const agg = new RunAggregate();
  agg.add(call('a', [800, 900]));
  const run = { startedAt: 'x', durationMs: 1, target: 't', workers: 1, shards: 1 };
  expect(summarize(agg, { ...run, incomplete: false }).verdict).not.toBe('fail');
  const stopReason = 'load stopped: error rate 10.0% over the last 60 s (1 of 10 calls) is above 5%';
  const stopped = summarize(agg, { ...run, incomplete: true, stopReason });
  expect(stopped.gates.every((g) => g.verdict !== 'fail')).toBe(true);
  expect(stopped.verdict).toBe('fail');
});

test('adding encoded histograms directly equals decoding and adding them', async () => {
  const { addEncoded } = await import('../../harness/metrics/merge');
  const { encodeHistogram: enc } = await import('../../harness/metrics/histogram');
  const rand = lcg(11);
  const viaDecode = newHistogram();
  const direct = newHistogram();
  for (let call = 0; call < 500; call++) {
    const h = newHistogram();
    const n = 1 + Math.floor(rand() * 6);
    // Zeros, small values, mid-range and values near the top of the range.
    for (let k = 0; k < n; k++)
      recordMs(h, [0, 1 + rand() * 50, 200 + rand() * 5000, 100_000 + rand() * 499_000][Math.floor(rand() * 4)]!);
    const e = enc(h);
    viaDecode.add(decodeHistogram(e));
    addEncoded(direct, e);
  }
  expect(statsOf(direct)).toEqual(statsOf(viaDecode));
  expect(direct.totalCount).toBe(viaDecode.totalCount);
  expect(enc(direct)).toBe(enc(viaDecode));
});
