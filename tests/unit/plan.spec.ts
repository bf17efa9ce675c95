import { expect, test } from '@playwright/test';
import { loadHarnessConfig } from '../../harness/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { estimateCallSec, FALLBACK_CALL_SEC } from '../../harness/plan/call-length';
import { currentShard, loadPlan, runShape } from '../../harness/plan/load';
import {
  callBudget,
  locustPlan,
  maxConcurrency,
  parseDurationSec,
  parsePlan,
  phaseWindows,
  planAt,
  shardShare,
} from '../../harness/plan/plan';
import { StopMonitor } from '../../fixtures/conductor/stop-monitor';
import { startDelayMs } from '../../harness/driver/batch';
import { profileCapacity } from '../../harness/clients/capacity';
import { DEFAULT_STOP } from '../../harness/plan/plan';

const SCENARIOS = ['simple_query', 'tool_call', 'interruption', 'false_alarm'];
const six = {
  phases: [
    { name: 'baseline', durationSec: 20, concurrency: 1 },
    { name: 'ramp', durationSec: 30, concurrency: [2, 4], steps: 2 },
    { name: 'spike', durationSec: 10, concurrency: 7 },
    { name: 'steady', durationSec: 10, arrivalPerSec: 0.5 },
  ],
  mix: { simple_query: 6, tool_call: 2, interruption: 1, false_alarm: 1 },
};

test('a plan places phases on the clock, steps ramps, and gives time-weighted targets', () => {
  const plan = parsePlan(six, SCENARIOS);
  expect(phaseWindows(plan).map((w) => [w.name, w.startMs, w.endMs, w.targetConcurrency])).toEqual([
    ['baseline', 0, 20_000, 1],
    ['ramp', 20_000, 50_000, 3],
    ['spike', 50_000, 60_000, 7],
    ['steady', 60_000, 70_000, null],
  ]);
  expect([20_000, 29_999, 30_000, 40_000, 49_999].map((t) => planAt(plan, t)!.concurrency)).toEqual([2, 2, 3, 4, 4]);
  expect(planAt(plan, 65_000)!.phase.arrivalPerSec).toBe(0.5);
  expect(planAt(plan, 70_000)).toBeNull();
  // The arrival phase holds at most its 10 s of arrivals at 0.5/s: 5, below the spike.
  expect(maxConcurrency(plan, 30)).toBe(7);
});

test('shards split every target so that the shards together run the whole plan', () => {
  const plan = parsePlan(six, SCENARIOS);
  const shares = [0, 1, 2].map((i) => shardShare(plan, i, 3));
  expect(shares.map((s) => s.phases[2]!.concurrency)).toEqual([3, 2, 2]);
  expect(shares.map((s) => s.phases[1]!.concurrency)).toEqual([
    [1, 2],
    [1, 1],
    [0, 1],
  ]);
  expect(shares.reduce((n, s) => n + s.phases[3]!.arrivalPerSec!, 0)).toBeCloseTo(0.5);
  expect(callBudget(plan, 6)).toBeGreaterThan(7 * 2);
});

test('bad plans are refused with the field and what is allowed', () => {
  const bad: Array<[unknown, RegExp]> = [
    [
      { phases: [{ name: 'x', durationSec: -5, concurrency: 1 }] },
      /phases\[0\]\.durationSec: -5 is not a number between 0\.001/,
    ],
    [{ phases: [{ durationSec: 5 }] }, /phases\[0\]: needs exactly one of "concurrency" or "arrivalPerSec"/],
    [
      { phases: [{ durationSec: 5, concurrency: 1 }], mix: { simple_query: 0, tool_call: 0 } },
      /mix: weights sum to zero/,
    ],
    [
      { phases: [{ durationSec: 5, concurrency: 1 }], mix: { surfing: 1 } },
      /mix\.surfing: unknown scenario; known scenarios: simple_query/,
    ],
    [{ phases: [{ durationSec: 5, concurrency: [4, 2.5] }] }, /concurrency/],
    [{ phases: [] }, /phases: must be a non-empty array/],
    [
      { phases: [{ durationSec: 5, concurrency: 1 }], stop: { errorRate: 3 } },
      /stop\.errorRate: unknown stop criterion/,
    ],
  ];
  for (const [raw, message] of bad) expect(() => parsePlan(raw, SCENARIOS), JSON.stringify(raw)).toThrow(message);
});

test('PLAN and the Locust shortcuts come from the environment; errors name the variable', () => {
  const known = ['insurance_inquiry', 'quick_question'];
  expect(() => loadPlan(loadHarnessConfig({ PLAN: '{"phases": 3}' }), known)).toThrow(
    /^PLAN=.*load plan: phases: must be a non-empty array/,
  );
  expect(() => loadPlan(loadHarnessConfig({ PLAN: '/no/such/plan.json' }), known)).toThrow(
    /^PLAN="\/no\/such\/plan\.json".*readable plan file/,
  );
  expect(() => loadPlan(loadHarnessConfig({ USERS: '5', TIME: 'soon' }), known)).toThrow(
    /^TIME="soon".*90s, 5m or 1h30m/,
  );
  const locust = loadPlan(loadHarnessConfig({ USERS: '6', SPAWN_RATE: '2', TIME: '1m' }), known)!;
  expect(locust.phases.map((p) => [p.name, p.durationSec, p.concurrency])).toEqual([
    ['spawn', 3, [1, 6]],
    ['hold', 57, 6],
  ]);
  expect(parseDurationSec('1h30m')).toBe(5400);
  expect(locustPlan(1, 1, 30, known).phases).toEqual([{ name: 'hold', durationSec: 30, concurrency: 1 }]);
  // Call slots follow the plan's peak plus spares that refill a slot while a finished call's slot
  // opens its next page; workers carry CALLS_PER_WORKER slots each; tests are enough to fill it.
  const shape = runShape(
    loadHarnessConfig({ USERS: '6', SPAWN_RATE: '2', TIME: '1m' }),
    known,
    { index: 0, count: 1 },
    {},
  );
  expect([shape.slots, shape.workers]).toEqual([6 + 2, 2]);
  const half = runShape(
    loadHarnessConfig({ USERS: '40', SPAWN_RATE: '10', TIME: '1m' }),
    known,
    { index: 1, count: 2 },
    {},
  );
  expect([half.slots, half.workers]).toEqual([20 + 5, 7]);
  const single = runShape(
    loadHarnessConfig({ USERS: '6', SPAWN_RATE: '2', TIME: '1m', CALLS_PER_WORKER: '1' }),
    known,
    { index: 0, count: 1 },
    {},
  );
  expect(single.workers).toBe(6 + 2);
  // Without a plan: the client profile's capacity on this machine at once, CALLS_PER_WORKER (4) per worker.
  const plainConfig = loadHarnessConfig({ CALLS: '10' });
  const plain = runShape(plainConfig, known, { index: 0, count: 1 }, {});
  const slots = Math.min(10, profileCapacity(plainConfig));
  expect([plain.slots, plain.workers]).toEqual([slots, Math.ceil(slots / 4)]);
  expect(shape.calls).toBeGreaterThanOrEqual(6 * 10);
  expect(currentShard(['node', 'playwright', 'test', '--shard', '2/3'], {})).toEqual({ index: 1, count: 3 });
  expect(currentShard(['node', 'worker'], { HARNESS_SHARD: '3/3' })).toEqual({ index: 2, count: 3 });
});

test(
  "arrival-rate phases are sized by Little's law, with a call length estimated from the caller audio " + 'of the mix',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'call-length-'));
    const entry = (scenario: string, voice: string, turn: number, sec: number) =>
      JSON.stringify({
        filename: `${scenario}-${voice}-${turn}.pcm`,
        path: '',
        text: 'x',
        voice,
        sample_rate: 16000,
        style: 'neutral',
        rate: '0%',
        duration_seconds: sec,
        label: '',
        scenario,
        turn_index: turn,
        turn_count: 2,
        created_at: '2026-01-01T00:00:00Z',
        hash: `${scenario}${voice}${turn}`,
      });
    fs.writeFileSync(
      path.join(dir, 'manifest.jsonl'),
      `${[
        entry('quick_question', 'a', 1, 3),
        entry('quick_question', 'a', 2, 2),
        entry('quick_question', 'b', 1, 5),
        entry('simple_query', 'a', 1, 100),
      ].join('\n')}\n`,
    );
    // Voice a: 4 s greeting + (3 + 5 + 1.5) + (2 + 5 + 1.5) = 22 s; voice b: 4 + (5 + 5 + 1.5) = 15.5 s; a weight of 0
    // counts nothing.
    expect(estimateCallSec(dir, { quick_question: 1, simple_query: 0 }, 0, 1.5).callSec).toBe(19);
    // One turn per call: 13.5 and 15.5 s.
    expect(estimateCallSec(dir, { quick_question: 1 }, 1, 1.5).callSec).toBe(15);
    expect(estimateCallSec(path.join(dir, 'none'), { quick_question: 1 }, 0, 1.5).callSec).toBe(FALLBACK_CALL_SEC);
    const arrivals = (durationSec: number) =>
      JSON.stringify({ phases: [{ name: 'steady', durationSec, arrivalPerSec: 1 }], mix: { quick_question: 1 } });
    const known = ['quick_question', 'simple_query'];
    const shape = runShape(
      loadHarnessConfig({ PLAN: arrivals(120), PCM_DIR: dir, PAUSE_BETWEEN_TURNS_SEC: '1.5' }),
      known,
      { index: 0, count: 1 },
      {},
    );
    expect(shape.callLength!.callSec).toBe(19);
    expect([shape.peak, shape.slots, shape.workers]).toEqual([19, 19 + 5, 6]);
    // A phase shorter than a call holds only its own arrivals; each of two shards takes half the rate.
    expect(
      runShape(loadHarnessConfig({ PLAN: arrivals(8), PCM_DIR: dir }), known, { index: 0, count: 1 }, {}).peak,
    ).toBe(8);
    expect(
      runShape(
        loadHarnessConfig({ PLAN: arrivals(120), PCM_DIR: dir, PAUSE_BETWEEN_TURNS_SEC: '1.5' }),
        known,
        { index: 1, count: 2 },
        {},
      ).peak,
    ).toBe(10);
  },
);

test('stop monitor: error rate over the window, sustained throttling, turn p95 ceiling', () => {
  const end = (ok: boolean, counters: Record<string, number> = {}, turnMs: number[] = [3000]) => ({
    callId: 'x',
    ok,
    ttfbMs: [],
    turnMs,
    bargeMs: [],
    counters,
  });
  const m = new StopMonitor({ ...DEFAULT_STOP, errorRatePct: 5, errorWindowSec: 60, errorMinCalls: 5 });
  for (let i = 0; i < 20; i++) m.record(end(true), i * 1000);
  m.record(end(false), 20_000);
  expect(m.check(20_000)).toBeNull(); // 1 of 21 = 4.8%
  m.record(end(false), 21_000);
  expect(m.check(21_000)).toMatch(/^error rate 9\.1% over the last 60 s \(2 of 22 calls\) is above 5%/);
  // Old failures leave the window.
  expect(m.check(85_000)).toBeNull();

  const t = new StopMonitor({ ...DEFAULT_STOP, throttleSustainSec: 180 });
  for (let s = 0; s <= 170; s += 20) t.record(end(true, { 'rate/openai': 1 }), s * 1000);
  expect(t.check(170_000)).toBeNull();
  t.record(end(true, { 'rate/openai': 1 }), 185_000);
  expect(t.check(185_000)).toMatch(/^throttling sustained for 185 s/);
  // A gap longer than 30 s breaks the streak.
  const g = new StopMonitor({ ...DEFAULT_STOP, throttleSustainSec: 60 });
  for (const s of [0, 20, 40, 90, 110]) g.record(end(true, { 'rate/speech': 2 }), s * 1000);
  expect(g.throttleStreakMs(110_000)).toBe(20_000);

  const p = new StopMonitor({ ...DEFAULT_STOP, turnP95CeilingMs: 5000, errorMinCalls: 3 });
  for (const v of [4000, 4500, 4800]) p.record(end(true, {}, [v]), 1000);
  expect(p.check(2000)).toBeNull();
  for (const v of [9000, 9500]) p.record(end(true, {}, [v]), 1500);
  expect(p.check(2000)).toMatch(/^turn p95 9500 ms over the last 60 s is above the 5000 ms ceiling/);
});

test("a run's first pages open one after another across workers; later tests spread only their own", () => {
  const config = { startupStaggerMs: 250 };
  // Worker 2 (parallel index 1) of 4-call tests: its first test's slots follow worker 1's four.
  expect([0, 1, 2, 3].map((slot) => startDelayMs(config, { parallelIndex: 1 }, 4, slot, true))).toEqual([
    1000, 1250, 1500, 1750,
  ]);
  expect([0, 1, 2, 3].map((slot) => startDelayMs(config, { parallelIndex: 1 }, 4, slot, false))).toEqual([
    0, 250, 500, 750,
  ]);
  expect(startDelayMs({ startupStaggerMs: 0 }, { parallelIndex: 3 }, 4, 2, true)).toBe(0);
});
