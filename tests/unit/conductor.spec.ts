import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Conductor } from '../../fixtures/conductor/conductor';
import { createConductorServer } from '../../fixtures/conductor/server';
import { parsePlan, shardShare } from '../../harness/plan/plan';
import { reportEnd, takeTicket } from '../../harness/plan/client';
import type { TicketReply } from '../../harness/plan/ticket';

const defaults = { thinkTimeSec: [1, 2] as [number, number], bargeDelayMs: [300, 800] as [number, number] };
const SCEN = ['simple_query', 'tool_call'];

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A conductor without a plan on a fake clock. */
function unplanned(
  clock: ReturnType<typeof fakeClock>,
  extra: Pick<ConstructorParameters<typeof Conductor>[0], 'maxConcurrent' | 'minIssueGapMs'>,
): Conductor {
  const shard = { index: 0, count: 1 };
  return new Conductor({
    plan: null,
    scenarios: SCEN,
    startAtMs: null,
    shard,
    seed: 3,
    defaults,
    clock: clock.now,
    ...extra,
  });
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 80));
}

test("concurrency phases: tickets wait for a free slot; the plan's end releases everyone", async () => {
  const clock = fakeClock();
  const plan = parsePlan(
    {
      phases: [
        { name: 'a', durationSec: 10, concurrency: 2 },
        { name: 'b', durationSec: 10, concurrency: 3 },
      ],
      mix: { simple_query: 1 },
    },
    SCEN,
  );
  const c = new Conductor({
    plan,
    scenarios: SCEN,
    startAtMs: clock.now(),
    shard: { index: 0, count: 1 },
    seed: 3,
    defaults,
    clock: clock.now,
  });
  const replies: TicketReply[] = [];
  const asks = [0, 1, 2, 3].map((i) =>
    c.request({ testIndex: i }).then((r) => {
      replies.push(r);
      return r;
    }),
  );
  await settle();
  expect(replies.map((r) => r.kind)).toEqual(['go', 'go']);
  const first = replies[0] as Extract<TicketReply, { kind: 'go' }>;
  expect(first.ticket).toMatchObject({
    callId: 'call-0001',
    scenario: 'simple_query',
    phase: 'a',
    bargeDelayMs: expect.any(Number),
  });
  expect(first.ticket.thinkTimeMs.every((v) => v === 1500)).toBe(false);
  expect(first.ticket.phases.map((p) => p.name)).toEqual(['a', 'b']);
  c.ended({ callId: first.ticket.callId, ok: true, ttfbMs: [800], turnMs: [3000], bargeMs: [], counters: {} });
  await settle();
  expect(replies).toHaveLength(3);
  clock.advance(10_000); // phase b: three slots
  await settle();
  expect(replies).toHaveLength(4);
  expect(c.status()).toMatchObject({
    state: 'running',
    phase: { name: 'b' },
    targetConcurrency: 3,
    active: 3,
    issued: 4,
    ended: 1,
  });
  clock.advance(10_000);
  const late = await c.request({ testIndex: 4 });
  expect(late).toEqual({ kind: 'done', reason: 'the load plan is complete', stopped: false, missedArrivals: 0 });
  await Promise.all(asks);
  c.close();
});

test(
  'arrival-rate phases issue on a fixed schedule, late calls keep their scheduled time, missed ' +
    'arrivals are counted',
  async () => {
    const clock = fakeClock();
    const plan = parsePlan(
      { phases: [{ name: 'arrive', durationSec: 10, arrivalPerSec: 1 }], mix: { tool_call: 1 } },
      SCEN,
    );
    const c = new Conductor({
      plan,
      scenarios: SCEN,
      startAtMs: clock.now(),
      shard: { index: 0, count: 1 },
      seed: 1,
      defaults,
      clock: clock.now,
    });
    const start = clock.now();
    clock.advance(3500); // arrivals due at 0, 1, 2, 3 s; nobody was asking
    const r = await c.request({ testIndex: 0 });
    expect(r.kind === 'go' && r.ticket.scheduledStartMs).toBe(start);
    clock.advance(10_000);
    await settle();
    expect(c.status().state).toBe('complete');
    expect(c.status().missedArrivals).toBe(9);
    // Tests the finished plan turns away carry the count to the report.
    expect(await c.request({ testIndex: 1 })).toEqual({
      kind: 'done',
      reason: 'the load plan is complete',
      stopped: false,
      missedArrivals: 9,
    });
    c.close();
  },
);

test('shards interleave their arrivals: together they keep the unsharded schedule', async () => {
  const clock = fakeClock();
  const whole = parsePlan(
    { phases: [{ name: 'arrive', durationSec: 24, arrivalPerSec: 0.25 }], mix: { tool_call: 1 } },
    SCEN,
  );
  const start = clock.now();
  const scheduled: number[] = [];
  for (let index = 0; index < 3; index++) {
    const c = new Conductor({
      plan: shardShare(whole, index, 3),
      scenarios: SCEN,
      startAtMs: start,
      shard: { index, count: 3 },
      seed: 1,
      defaults,
      clock: clock.now,
    });
    clock.advance(23_000); // near the phase's end: every arrival of the phase is due, none taken yet
    for (let k = 0; k < 2; k++) {
      const r = await c.request({ testIndex: k });
      if (r.kind === 'go') scheduled.push(r.ticket.scheduledStartMs - start);
    }
    c.close();
    clock.advance(-23_000);
  }
  expect(scheduled.sort((a, b) => a - b)).toEqual([0, 4000, 8000, 12_000, 16_000, 20_000]);
});

test('an error-rate stop ends the run: waiting and later requests are told why', async () => {
  const clock = fakeClock();
  const plan = parsePlan(
    { phases: [{ durationSec: 600, concurrency: 1 }], mix: { simple_query: 1 }, stop: { errorMinCalls: 2 } },
    SCEN,
  );
  const c = new Conductor({
    plan,
    scenarios: SCEN,
    startAtMs: clock.now(),
    shard: { index: 0, count: 1 },
    seed: 1,
    defaults,
    clock: clock.now,
  });
  const fail = (callId: string) =>
    c.ended({
      callId,
      ok: false,
      failureCode: 'turn/error',
      ttfbMs: [],
      turnMs: [],
      bargeMs: [],
      counters: { 'turn/error': 1 },
    });
  const first = await c.request({ testIndex: 0 });
  if (first.kind !== 'go') throw new Error('expected a ticket');
  const second = c.request({ testIndex: 1 });
  fail(first.ticket.callId); // 1 call ended: below the minimum, the next call goes
  const r2 = await second;
  if (r2.kind !== 'go') throw new Error('expected a ticket');
  const waiting = c.request({ testIndex: 2 });
  fail(r2.ticket.callId); // 2 of 2 failed: stop
  const stopped = await waiting;
  expect(stopped).toMatchObject({ kind: 'done', stopped: true });
  expect(stopped.kind === 'done' && stopped.reason).toMatch(
    /^load stopped: error rate 100\.0% over the last 60 s \(2 of 2 calls\) is above 5%/,
  );
  expect(await c.request({ testIndex: 3 })).toMatchObject({ kind: 'done', stopped: true });
  expect(c.status().state).toBe('stopped');
  c.close();
});

test(
  'the conductor server hands out tickets over HTTP, takes call ends, serves the live page and ' +
    'Prometheus /metrics',
  async () => {
    const plan = parsePlan(
      { phases: [{ name: 'only', durationSec: 60, concurrency: 1 }], mix: { simple_query: 1 } },
      SCEN,
    );
    const server = await createConductorServer({
      port: 0,
      plan,
      scenarios: SCEN,
      startAtMs: null,
      shard: { index: 0, count: 1 },
      seed: 1,
      defaults,
    });
    try {
      const reply = await takeTicket(server.url, 0, Date.now() + 10_000);
      if (reply.kind !== 'go') throw new Error('expected a ticket');
      await reportEnd(server.url, {
        callId: reply.ticket.callId,
        ok: false,
        failureCode: 'ws/close',
        ttfbMs: [850, 910],
        turnMs: [4000],
        bargeMs: [320],
        counters: { 'ws/close': 1, 'rate/openai': 2, 'err/429': 2 },
      });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
      const value = (name: string, labels: Record<string, string> = {}) =>
        Number(
          (families.get(name)?.metrics as Array<{ value?: string; labels?: Record<string, string> }> | undefined)?.find(
            (m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
          )?.value,
        );
      expect(value('voice_calls_started_total')).toBe(1);
      expect(value('voice_calls_ended_total', { outcome: 'failed' })).toBe(1);
      expect(value('voice_ws_close_total')).toBe(1);
      expect(value('voice_rate_total', { source: 'openai' })).toBe(2);
      expect(value('voice_err_total', { code: '429' })).toBe(2);
      expect(families.get('voice_ttfb_ms')!.type).toBe('HISTOGRAM');
      const ttfb = (
        families.get('voice_ttfb_ms')!.metrics as Array<{ count: string; buckets: Record<string, string> }>
      )[0]!;
      expect(Number(ttfb.count)).toBe(2);
      expect(Number(ttfb.buckets['1000'])).toBe(2);
      expect(Number(ttfb.buckets['750'])).toBe(0);
      expect(value('voice_phase', { name: 'only' })).toBe(1);
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        ended: number;
        generator: { cpuBusyPct: number };
      };
      expect(status.ended).toBe(1);
      expect(typeof status.generator.cpuBusyPct).toBe('number');
      // The host's share of the CPU (steal) from the first one-second sample on, where the kernel tells.
      if (fs.existsSync('/proc/stat')) {
        await expect
          .poll(
            async () =>
              ((await (await fetch(`${server.url}/status`)).json()) as { generator: { cpuStealPct?: number } })
                .generator.cpuStealPct,
            { timeout: 5000 },
          )
          .toBeGreaterThanOrEqual(0);
        const scraped = parsePrometheusTextFormat(await (await fetch(`${server.url}/metrics`)).text());
        const steal = scraped.find((f) => f.name === 'voice_generator_cpu_steal_pct')?.metrics as
          | Array<{ value: string }>
          | undefined;
        expect(Number(steal?.[0]?.value)).toBeGreaterThanOrEqual(0);
      }
      expect(await (await fetch(`${server.url}/`)).text()).toContain('<title>Voice load: live</title>');
      expect(
        (
          await fetch(`${server.url}/tickets`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"testIndex": -1}',
          })
        ).status,
      ).toBe(400);
    } finally {
      await server.close();
    }
  },
);

test('without a plan, calls at once are held at maxConcurrent (--workers), the rest wait for a slot', async () => {
  const clock = fakeClock();
  const c = unplanned(clock, { maxConcurrent: 2 });
  const replies = new Map<number, TicketReply>();
  for (const i of [0, 1, 2]) void c.request({ testIndex: i }).then((r) => replies.set(i, r));
  await settle();
  expect([...replies.keys()].sort()).toEqual([0, 1]);
  const first = replies.get(0) as Extract<TicketReply, { kind: 'go' }>;
  // Without a plan the ticket follows the test's own index.
  expect(first.ticket.callId).toBe('call-0001');
  c.ended({ callId: first.ticket.callId, ok: true, ttfbMs: [], turnMs: [], bargeMs: [], counters: {} });
  await settle();
  expect((replies.get(2) as Extract<TicketReply, { kind: 'go' }>).ticket.callId).toBe('call-0003');
  c.close();
});

test('tickets are spaced by minIssueGapMs: calls start one by one, not in a burst', async () => {
  const clock = fakeClock();
  const c = unplanned(clock, { minIssueGapMs: 250 });
  const replies = new Map<number, TicketReply>();
  for (const i of [0, 1, 2]) void c.request({ testIndex: i }).then((r) => replies.set(i, r));
  await settle();
  expect(replies.size).toBe(1);
  clock.advance(249);
  await settle();
  expect(replies.size).toBe(1);
  clock.advance(1);
  await settle();
  expect(replies.size).toBe(2);
  clock.advance(250);
  await settle();
  expect(replies.size).toBe(3);
  c.close();
});
