import { expect, test } from '@playwright/test';
import { Conductor } from '../../fixtures/conductor/conductor';
import { STARTUP_GUARD_MAX_HOLD_MS } from '../../fixtures/conductor/startup-guard';
import { createConductorServer } from '../../fixtures/conductor/server';
import { reportTurn, startupClear, takeTicket } from '../../harness/plan/client';
import type { Ticket, TicketReply } from '../../harness/plan/ticket';

/**
 * The conductor's start-up guard (STARTUP_GUARD_MS): a ticket waits while a call in progress has a caller speech
 * end near, and the call it lets go knows how long it waited.
 */

const defaults = { thinkTimeSec: [1, 2] as [number, number], bargeDelayMs: [300, 800] as [number, number] };
const GUARD_MS = 2000;

function setup(startupGuardMs = GUARD_MS) {
  let now = 1_000_000;
  const conductor = new Conductor({
    plan: null,
    scenarios: ['simple_query'],
    startAtMs: null,
    shard: { index: 0, count: 1 },
    seed: 3,
    defaults,
    startupGuardMs,
    clock: () => now,
  });
  const tickets = new Map<number, Ticket>();
  const ask = (testIndex: number) =>
    void conductor.request({ testIndex }).then((r: TicketReply) => {
      if (r.kind === 'go') tickets.set(testIndex, r.ticket);
    });
  return {
    conductor,
    tickets,
    ask,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Past the conductor's own 50 ms tick. */
const settle = () => new Promise((r) => setTimeout(r, 80));

test('a ticket waits while a call has its speech end near, and goes once the answer begins', async () => {
  const s = setup();
  s.ask(0);
  await settle();
  const first = s.tickets.get(0)!;
  expect(first.startupGuard).toBeUndefined();
  const endAt = s.now() + 1500;
  s.conductor.turnDue(first.callId, endAt);
  s.ask(1);
  await settle();
  expect(s.tickets.has(1)).toBe(false);
  s.advance(1000);
  await settle();
  expect(s.tickets.has(1)).toBe(false);
  // The speech end passed: still held, the answer has not begun.
  s.advance(1000);
  await settle();
  expect(s.tickets.has(1)).toBe(false);
  s.conductor.turnAnswered(first.callId, endAt);
  await settle();
  expect(s.tickets.get(1)!.startupGuard).toEqual({ heldMs: 2000, forced: false });
  expect(s.conductor.status().startupGuard).toEqual({ held: 1, forced: 0 });
  s.conductor.close();
});

test('a speech end further off than the guard holds nothing; an answer to an earlier turn clears nothing', async () => {
  const s = setup();
  s.ask(0);
  await settle();
  const callId = s.tickets.get(0)!.callId;
  const turn1 = s.now() + 500;
  s.conductor.turnDue(callId, turn1);
  // The next turn's report overtook the first turn's answer.
  const turn2 = s.now() + GUARD_MS + 3000;
  s.conductor.turnDue(callId, turn2);
  s.conductor.turnAnswered(callId, turn1);
  s.ask(1);
  await settle();
  expect(s.tickets.get(1)!.startupGuard).toBeUndefined();
  // Turn 2 comes within the guard: the next ticket waits for its answer.
  s.advance(3500);
  s.ask(2);
  await settle();
  expect(s.tickets.has(2)).toBe(false);
  s.conductor.turnAnswered(callId, turn1);
  await settle();
  expect(s.tickets.has(2)).toBe(false);
  s.conductor.turnAnswered(callId, turn2);
  await settle();
  expect(s.tickets.has(2)).toBe(true);
  s.conductor.close();
});

test('a ticket is held at most the longest hold, then goes forced; a call that ends clears its turn', async () => {
  const s = setup();
  s.ask(0);
  s.ask(1);
  await settle();
  // No speech end yet: both start (the guard is not a stagger).
  const [a, b] = [s.tickets.get(0)!, s.tickets.get(1)!];
  s.conductor.turnDue(a.callId, s.now() + 100);
  s.conductor.turnDue(b.callId, s.now() + 100);
  s.ask(2);
  s.advance(STARTUP_GUARD_MAX_HOLD_MS - 1);
  await settle();
  expect(s.tickets.has(2)).toBe(false);
  s.advance(1);
  await settle();
  expect(s.tickets.get(2)!.startupGuard).toEqual({ heldMs: STARTUP_GUARD_MAX_HOLD_MS, forced: true });
  // b's turn never got its answer; a ended: b's speech end is past the longest hold and holds nothing more.
  s.conductor.ended({ callId: a.callId, ok: true, ttfbMs: [], turnMs: [], bargeMs: [], counters: {} });
  s.advance(200);
  s.ask(3);
  await settle();
  expect(s.tickets.get(3)!.startupGuard).toBeUndefined();
  expect(s.conductor.status().startupGuard).toEqual({ held: 1, forced: 1 });
  s.conductor.close();
});

test('a browser context waits for a clear moment as a ticket does, at most the longest hold', async () => {
  const s = setup();
  s.ask(0);
  await settle();
  const callId = s.tickets.get(0)!.callId;
  let cleared = 0;
  const clear = () => void s.conductor.startupClear().then(() => cleared++);
  clear();
  await settle();
  expect(cleared).toBe(1);
  const endAt = s.now() + 500;
  s.conductor.turnDue(callId, endAt);
  clear();
  await settle();
  expect(cleared).toBe(1);
  s.conductor.turnAnswered(callId, endAt);
  await settle();
  expect(cleared).toBe(2);
  s.conductor.turnDue(callId, s.now() + 500);
  clear();
  s.advance(STARTUP_GUARD_MAX_HOLD_MS);
  await settle();
  expect(cleared).toBe(3);
  // Counted are tickets, not contexts.
  expect(s.conductor.status().startupGuard).toEqual({ held: 0, forced: 0 });
  s.conductor.close();
});

test('with the guard off, speech ends hold nothing', async () => {
  const s = setup(0);
  s.ask(0);
  await settle();
  s.conductor.turnDue(s.tickets.get(0)!.callId, s.now() + 100);
  s.ask(1);
  let cleared = false;
  void s.conductor.startupClear().then(() => {
    cleared = true;
  });
  await settle();
  expect(s.tickets.get(1)!.startupGuard).toBeUndefined();
  expect(cleared).toBe(true);
  s.conductor.close();
});

test("over HTTP: a call's turn reports hold the next ticket until its answer; a bad report is refused", async () => {
  const server = await createConductorServer({
    port: 0,
    plan: null,
    scenarios: ['simple_query'],
    startAtMs: null,
    shard: { index: 0, count: 1 },
    seed: 1,
    defaults,
    startupGuardMs: GUARD_MS,
  });
  try {
    const first = await takeTicket(server.url, 0, Date.now() + 5000);
    if (first.kind !== 'go') throw new Error('expected a ticket');
    const speechEndAtMs = Date.now() + 1000;
    reportTurn(server.url, first.ticket.callId, { speechEndAtMs });
    await settle();
    const askedAt = Date.now();
    const second = takeTicket(server.url, 1, Date.now() + 5000);
    await new Promise((r) => setTimeout(r, 300));
    reportTurn(server.url, first.ticket.callId, { speechEndAtMs, answered: true });
    const reply = await second;
    if (reply.kind !== 'go') throw new Error('expected a ticket');
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(300);
    expect(reply.ticket.startupGuard!.heldMs).toBeGreaterThanOrEqual(250);
    expect(reply.ticket.startupGuard!.forced).toBe(false);
    // The context of a third call: clear now, told at once.
    const clearAt = Date.now();
    await startupClear(server.url);
    expect(Date.now() - clearAt).toBeLessThan(1000);
    const bad = await fetch(new URL(`/calls/${first.ticket.callId}/turn`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answered: true }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('speechEndAtMs');
  } finally {
    await server.close();
  }
});
