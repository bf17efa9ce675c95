import { expect, test } from '@playwright/test';
import { Conductor } from '../../fixtures/conductor/conductor';
import type { CallerTrack } from '../../harness/audio/cache';
import { BUILTIN_PROFILES } from '../../harness/clients/builtin';
import { loadHarnessConfig } from '../../harness/config';
import { CallFailure, failureOf, unfinishedFailure } from '../../harness/driver/errors';
import { callMeta, sessionOf } from '../../harness/driver/outcome';
import {
  buildCallPlan,
  callBudgetMs,
  CALL_MARGIN_MS,
  chooseTrack,
  pageHarnessOptions,
  recordLateness,
} from '../../harness/driver/plan';
import { generatorStats } from '../../harness/generator/stats';
import { CALL_RECORD_SCHEMA, CallRecorder, type CallRecord } from '../../harness/metrics/record';
import type { PageEvent } from '../../harness/page/types';
import { currentShard } from '../../harness/plan/load';
import {
  formatMissedArrivals,
  formatShard,
  parseMissedArrivals,
  parseShard,
  shardOf,
  WHOLE_RUN,
} from '../../harness/plan/shard';
import {
  callEndOf,
  makeTicket,
  ticketDefaults,
  unplannedTicket,
  THINK_TIMES,
  type Ticket,
} from '../../harness/plan/ticket';
import { planPhases } from '../../harness/reporter/phases';

const PHASE = {
  name: 'hold',
  startMs: 0,
  endMs: 60_000,
  startAtMs: 1_000_000,
  endAtMs: 1_060_000,
  targetConcurrency: 2,
  arrivalPerSec: null,
};

function track(scenario: string, voice: string, turnsMs: number[]): CallerTrack {
  return {
    scenario,
    voice,
    variant: 'clean',
    turns: turnsMs.map((durationMs, i) => ({
      turnIndex: i,
      text: `turn ${i + 1}`,
      file: `${voice}-${i}.pcm`,
      samples: new Int16Array(0),
      durationMs,
      speechStartMs: 0,
      speechEndMs: durationMs,
    })),
  };
}

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    callId: 'call-0003',
    callIndex: 2,
    shard: { index: 0, count: 1 },
    scenario: 'a',
    phase: null,
    scheduledStartMs: 1_000_000,
    thinkTimeMs: [1000, 2000, 3000],
    bargeDelayMs: 450,
    phases: [],
    ...over,
  };
}

function record(over: Partial<CallRecord>): CallRecord {
  return {
    schemaVersion: CALL_RECORD_SCHEMA,
    callId: 'call-0001',
    scenario: 'a',
    voice: 'v',
    group: 'browser',
    startedAtMs: 1_000_000,
    endedAtMs: 1_010_000,
    ok: true,
    turns: [],
    histograms: {},
    fails: {},
    counters: {},
    ...over,
  };
}

test('a shard has one text form, Playwright\'s 1-based "i/n", for the command line and both annotations', () => {
  expect(formatShard({ index: 1, count: 3 })).toBe('2/3');
  expect(parseShard('2/3')).toEqual({ index: 1, count: 3 });
  expect(parseShard(formatShard({ index: 4, count: 5 }))).toEqual({ index: 4, count: 5 });
  for (const bad of ['0/3', '4/3', '2-3', '', undefined, 'x/y']) expect(parseShard(bad), String(bad)).toBeNull();
  expect(formatMissedArrivals(7, { index: 2, count: 3 })).toBe('7 3/3');
  expect(parseMissedArrivals('7 3/3')).toEqual({ missed: 7, shard: { index: 2, count: 3 } });
  expect(parseMissedArrivals('7 4/3')).toBeNull();
  expect(currentShard(['node', 'pw', 'test', '--shard=3/4'], {})).toEqual({ index: 2, count: 4 });
  expect(currentShard(['node', 'worker'], {})).toEqual({ index: 0, count: 1 });
  // Records from before the field: one shard.
  expect(shardOf(record({}))).toEqual(WHOLE_RUN);
  expect(shardOf(record({ shard: { index: 1, count: 2 } }))).toEqual({ index: 1, count: 2 });
});

test("merged phases add up each shard's target once, by record.shard; old records count as shard 1/1", () => {
  const phases = [PHASE];
  const shard = (index: number) => ({ index, count: 2 });
  const two = planPhases([
    record({ callId: 'call-s1-0001', shard: shard(0), phases }),
    record({ callId: 'call-s1-0002', shard: shard(0), phases }),
    record({ callId: 'call-s2-0001', shard: shard(1), phases }),
  ]);
  expect(two.map((p) => p.targetConcurrency)).toEqual([4]);
  // Without the field, every record is shard 1/1 whatever its call id says.
  const old = planPhases([record({ callId: 'call-s1-0001', phases }), record({ callId: 'call-s2-0001', phases })]);
  expect(old.map((p) => p.targetConcurrency)).toEqual([2]);
});

test('tickets: one maker for the conductor and a run without one; the same inputs draw the same ticket', () => {
  const config = loadHarnessConfig({
    SEED: '7',
    PAUSE_BETWEEN_TURNS_SEC: '2',
    BARGE_DELAY_MS: '300-800',
    SCENARIOS: 'a,b',
  });
  expect(ticketDefaults(config)).toEqual({ thinkTimeSec: [2, 2], bargeDelayMs: [300, 800] });
  const shard = { index: 1, count: 3 };
  const local = unplannedTicket({
    seed: 7,
    shard,
    testIndex: 4,
    scenarios: ['a', 'b'],
    defaults: ticketDefaults(config),
    nowMs: 5000,
  });
  expect(local).toMatchObject({
    callId: 'call-s2-0005',
    callIndex: 4,
    shard,
    scenario: 'a',
    phase: null,
    scheduledStartMs: 5000,
    phases: [],
  });
  expect(local.thinkTimeMs).toEqual(Array.from({ length: THINK_TIMES }, () => 2000));
  expect(THINK_TIMES).toBe(20);
  expect(local.bargeDelayMs).toBeGreaterThanOrEqual(300);
  expect(local.bargeDelayMs).toBeLessThanOrEqual(800);
  expect(
    unplannedTicket({
      seed: 7,
      shard,
      testIndex: 4,
      scenarios: ['a', 'b'],
      defaults: ticketDefaults(config),
      nowMs: 5000,
    }),
  ).toEqual(local);
  expect(
    unplannedTicket({
      seed: 8,
      shard,
      testIndex: 4,
      scenarios: ['a', 'b'],
      defaults: ticketDefaults(config),
      nowMs: 5000,
    }).bargeDelayMs,
  ).not.toBe(local.bargeDelayMs);
  const unsharded = makeTicket({
    seed: 7,
    shard: { index: 0, count: 1 },
    index: 11,
    scenario: () => 'b',
    phase: 'p',
    scheduledStartMs: 0,
    thinkTimeSec: [1, 3],
    bargeDelayMs: [100, 100],
    phases: [],
  });
  expect(unsharded).toMatchObject({ callId: 'call-0012', callIndex: 11, scenario: 'b', phase: 'p', bargeDelayMs: 100 });
  expect(unsharded.thinkTimeMs.every((ms) => ms >= 1000 && ms <= 3000 && Number.isInteger(ms))).toBe(true);
  expect(new Set(unsharded.thinkTimeMs).size).toBeGreaterThan(1);
});

test('the conductor without a plan hands out the very ticket a run without a conductor makes', async () => {
  const defaults = { thinkTimeSec: [1.5, 1.5] as [number, number], bargeDelayMs: [300, 800] as [number, number] };
  const shard = { index: 1, count: 2 };
  const c = new Conductor({
    plan: null,
    scenarios: ['a', 'b'],
    startAtMs: null,
    shard,
    seed: 3,
    defaults,
    clock: () => 42_000,
  });
  const reply = await c.request({ testIndex: 5 });
  c.close();
  expect(reply.kind).toBe('go');
  const issued = (reply as { ticket: Ticket }).ticket;
  expect(issued).toEqual(
    unplannedTicket({ seed: 3, shard, testIndex: 5, scenarios: ['a', 'b'], defaults, nowMs: 42_000 }),
  );
  expect(issued).toMatchObject({ callId: 'call-s2-0006', scenario: 'b', shard });
});

test("caller audio: the scenario's tracks in turn, counted per scenario; none is an error naming PCM_DIR", () => {
  const tracks = [track('a', 'v1', [1]), track('b', 'w1', [1]), track('a', 'v2', [1]), track('a', 'v3', [1])];
  // Two scenarios in turn: calls 0, 2, 4, 6 are scenario a's first, second, third and fourth call.
  expect([0, 2, 4, 6].map((callIndex) => chooseTrack(tracks, { scenario: 'a', callIndex }, 2, '/pcm').voice)).toEqual([
    'v1',
    'v2',
    'v3',
    'v1',
  ]);
  expect(chooseTrack(tracks, { scenario: 'b', callIndex: 3 }, 2, '/pcm').voice).toBe('w1');
  expect(() => chooseTrack(tracks, { scenario: 'c', callIndex: 0 }, 2, '/pcm')).toThrow(
    'PCM_DIR=/pcm has no audio for scenario "c"',
  );
});

test('the call plan: page URL, turns, timeouts, think times and the test-timeout budget', () => {
  const config = loadHarnessConfig({
    TURNS_PER_USER: '2',
    CONNECT_TIMEOUT_SEC: '10',
    FIRST_BYTE_TIMEOUT_SEC: '5',
    TURN_TIMEOUT_SEC: '15',
    SCENARIOS: 'a',
  });
  const t = ticket();
  const caller = track('a', 'v1', [2000, 3000, 4000]);
  const scenario = {
    name: 'a',
    description: '',
    turns: [{ text: 'one' }, { text: 'two', timeoutSec: 40 }, { text: 'three' }],
  };
  const env = { HARNESS_CLIENT_URL: 'http://127.0.0.1:4000', HARNESS_AGENT_WS_URL: 'ws://127.0.0.1:5000/' };
  const plan = buildCallPlan({ ticket: t, track: caller, scenario, config, profile: BUILTIN_PROFILES.reference!, env });
  const url = new URL(plan.pageUrl);
  expect(url.origin).toBe('http://127.0.0.1:4000');
  expect(url.searchParams.get('ws')).toBe('ws://127.0.0.1:5000/api/v1/browser/conversation');
  expect(url.searchParams.get('scenario')).toBe('a');
  expect(url.searchParams.get('transport')).toBe('browser');
  expect(plan.turns).toBe(2);
  expect(plan.timeouts).toEqual({ connectMs: 10_000, firstByteMs: 5000, turnMs: 15_000 });
  expect([1, 2, 3, 4].map((turn) => plan.pauseBetweenTurnsMs(turn))).toEqual([1000, 2000, 3000, 1000]);
  expect(plan.interruptDelayMs(2)).toBe(450);
  expect(plan.greeting).toBe(true);
  expect(plan.scenarioTurns).toBe(scenario.turns);
  // 2 connects (20 s) + a spare turn timeout (15 s) + turns 15 s and 40 s + speech 5 s + think 3 s + margin.
  expect(callBudgetMs(plan, t.thinkTimeMs)).toBe(20_000 + 15_000 + 55_000 + 5000 + 3000 + CALL_MARGIN_MS);
  // Against an external agent, no embedded agent URL; without a scenario script, the track's text stands in.
  const external = buildCallPlan({
    ticket: t,
    track: caller,
    scenario: undefined,
    config,
    profile: BUILTIN_PROFILES.reference!,
    env: { HARNESS_CLIENT_URL: 'http://127.0.0.1:4000', HARNESS_AGENT_WS_URL: 'external' },
  });
  expect(new URL(external.pageUrl).searchParams.get('ws')).toBeNull();
  expect(external.scenarioTurns).toEqual([{ text: 'turn 1' }, { text: 'turn 2' }, { text: 'turn 3' }]);
  const all = buildCallPlan({
    ticket: t,
    track: caller,
    scenario,
    config: loadHarnessConfig({}),
    profile: BUILTIN_PROFILES.reference!,
    env,
  });
  expect(all.turns).toBe(3);
});

test('the page harness options follow the config and the client profile', () => {
  const config = loadHarnessConfig({ OUTPUT_THRESHOLD_DBFS: '-40', EVIDENCE: 'off' });
  const options = pageHarnessOptions(config, { ...BUILTIN_PROFILES.reference!, animationFps: 2 }, []);
  expect(options).toMatchObject({
    socketUrlIncludes: '/conversation',
    animationFps: 2,
    outputSilenceHoldMs: 100,
    recordOutput: false,
  });
  expect(options.outputThreshold).toBeCloseTo(0.01, 6);
  expect(pageHarnessOptions(loadHarnessConfig({}), BUILTIN_PROFILES.reference!, []).animationFps).toBeNull();
  // The fixtures' send-path probe, unless the browser runs elsewhere (its loopback is not this machine's).
  const probe = 'ws://127.0.0.1:4000/send-path';
  expect(pageHarnessOptions(loadHarnessConfig({}), BUILTIN_PROFILES.reference!, [], probe).sendPathUrl).toBe(probe);
  const remote = loadHarnessConfig({ BROWSER_WS_ENDPOINT: 'ws://10.0.0.5:3000/' });
  expect(pageHarnessOptions(remote, BUILTIN_PROFILES.reference!, [], probe).sendPathUrl).toBeUndefined();
});

test('lateness: measured only for planned calls; late past 50 ms counts a late start', () => {
  const none = new CallRecorder();
  recordLateness(none, ticket(), 1_900_000);
  expect(none.finish(record({})).histograms).toEqual({});
  const planned = ticket({ phases: [PHASE] });
  const onTime = new CallRecorder();
  recordLateness(onTime, planned, planned.scheduledStartMs + 50);
  const r1 = onTime.finish(record({}));
  expect(Object.keys(r1.histograms)).toEqual(['call/late']);
  expect(r1.counters).toEqual({});
  const late = new CallRecorder();
  recordLateness(late, planned, planned.scheduledStartMs + 51);
  expect(late.finish(record({})).counters).toEqual({ 'call/late_start': 1 });
});

test('failures: a CallFailure keeps its code; anything else is call/error with its first line', () => {
  expect(failureOf(new CallFailure('ws/close', 'socket closed'))).toEqual({
    code: 'ws/close',
    message: 'ws/close: socket closed',
    unexpected: false,
  });
  expect(failureOf(new Error('page.goto: net::ERR\nCall log:\n  - navigating'))).toEqual({
    code: 'call/error',
    message: 'page.goto: net::ERR',
    unexpected: true,
  });
  expect(failureOf('thrown string')).toEqual({ code: 'call/error', message: 'thrown string', unexpected: true });
  expect(unfinishedFailure('timedOut')).toEqual({ code: 'call/error', message: 'call did not finish (test timedOut)' });
  expect(unfinishedFailure(undefined).message).toBe('call did not finish (test ended)');
});

test("the conductor hears a call's outcome and the latencies its turns measured", () => {
  const r = record({
    callId: 'call-0009',
    ok: false,
    failure: { code: 'turn/error', message: 'x' },
    counters: { 'turn/error': 1 },
    turns: [
      { turn: 1, kind: 'speech', ttfbMs: 800, turnMs: 2500 },
      { turn: 2, kind: 'barge-in', bargeMs: 300 },
      { turn: 3, kind: 'speech' },
    ],
  });
  expect(callEndOf(r)).toEqual({
    callId: 'call-0009',
    ok: false,
    failureCode: 'turn/error',
    ttfbMs: [800],
    turnMs: [2500],
    bargeMs: [300],
    counters: { 'turn/error': 1 },
  });
});

test('generator stats: CPU from the call start with its sample times, start-up end, page pacing figures', () => {
  const cpu = { samplesPct: [90.4, 50.6, 20.2], sampledAtMs: [1000, 2000, 3010] };
  const events: PageEvent[] = [{ type: 'ws-open', at: 1500 }];
  const page = {
    stats: {
      pageLagP99Ms: 12,
      pageLongTaskPct: 1.5,
      pacingLatenessP99Ms: 0,
      sendJitterP99Ms: 9.5,
      sendBurstMs: 20,
      framesSent: 300,
      playback: { underrunEvents: 1, underrunMs: 10, renderedMs: 6000 },
    },
    timeOrigin: 100,
  };
  expect(generatorStats({ cpu, eventLoopLagP99Ms: 3.136, page, events, startedAtMs: 0 })).toEqual({
    cpuBusyPct: [90, 51, 20],
    cpuFirstAtMs: 1000,
    cpuIntervalMs: 1005,
    startupEndAtMs: 1600,
    eventLoopLagP99Ms: 3.1,
    pageEventLoopLagP99Ms: 12,
    pageLongTaskPct: 1.5,
    pacingLatenessP99Ms: 0,
    sendJitterP99Ms: 9.5,
    sendBurstMs: 20,
    playbackUnderruns: 1,
    playbackUnderrunMs: 10,
  });
  // No socket opened, and the page no longer answers: Node figures only, no start-up end.
  expect(
    generatorStats({
      cpu,
      eventLoopLagP99Ms: 0,
      page: { stats: null, timeOrigin: null },
      events: [],
      startedAtMs: 900,
    }),
  ).toEqual({ cpuBusyPct: [90, 51, 20], cpuFirstAtMs: 1000, cpuIntervalMs: 1005, eventLoopLagP99Ms: 0 });
  // A page that sent no audio has no pacing.
  const silent = { ...page, stats: { ...page.stats, framesSent: 0 } };
  expect(generatorStats({ cpu, eventLoopLagP99Ms: 0, page: silent, events, startedAtMs: 0 })).not.toHaveProperty(
    'pacingLatenessP99Ms',
  );
});

test("a browser call's record names its shard, its agent session, and its schedule only under a plan", () => {
  const events: PageEvent[] = [{ type: 'ws-created', at: 0, url: 'ws://agent/api?session_id=abc&x=1' }];
  expect(sessionOf(events)).toEqual({ sessionId: 'abc' });
  expect(sessionOf([{ type: 'ws-created', at: 0, url: 'not a url' }])).toEqual({});
  const shard = { index: 1, count: 2 };
  expect(callMeta(ticket({ shard }), 'v1', 5, events)).toEqual({
    callId: 'call-0003',
    scenario: 'a',
    voice: 'v1',
    group: 'browser',
    shard,
    startedAtMs: 5,
    sessionId: 'abc',
    target: 'ws://agent/api',
  });
  expect(callMeta(ticket({ phase: 'hold', phases: [PHASE] }), '', 5, [])).toMatchObject({
    scheduledStartMs: 1_000_000,
    phase: 'hold',
    phases: [PHASE],
  });
});
