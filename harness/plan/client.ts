import type { CallEnd, Ticket, TicketReply } from './ticket';

/**
 * A call's side of the conductor: ask for a ticket (the conductor holds the
 * request until the plan wants a call, then answers; "wait" means ask again),
 * and report the call's end. Bounded by `deadlineMs`.
 */
export async function takeTicket(
  conductorUrl: string,
  testIndex: number,
  deadlineMs: number,
): Promise<TicketReply & { kind: 'go' | 'done' }> {
  for (let attempt = 0; Date.now() < deadlineMs; attempt++) {
    let reply: TicketReply;
    try {
      const res = await fetch(new URL('/tickets', conductorUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ testIndex }),
        signal: AbortSignal.timeout(Math.max(1000, Math.min(60_000, deadlineMs - Date.now()))),
      });
      if (!res.ok) throw new Error(`conductor answered ${res.status}: ${await res.text()}`);
      reply = (await res.json()) as TicketReply;
    } catch (e) {
      // The conductor is part of this run: failing to reach it a few times in a row is fatal.
      if (attempt >= 3)
        throw new Error(`cannot get a ticket from the conductor at ${conductorUrl}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (reply.kind !== 'wait') return reply;
    attempt = -1;
  }
  throw new Error("no ticket before the test's deadline");
}

/**
 * Whether the conductor will still start calls: its "done" reply if not. A
 * quick look, not a ticket; null when the conductor cannot be reached (the
 * ticket request that follows reports that).
 */
export async function planClosed(conductorUrl: string): Promise<(TicketReply & { kind: 'done' }) | null> {
  try {
    const res = await fetch(new URL('/tickets', conductorUrl), { signal: AbortSignal.timeout(5000) });
    const reply = (await res.json()) as TicketReply | { kind: 'open' };
    return reply.kind === 'done' ? reply : null;
  } catch {
    return null;
  }
}

/**
 * Posts one of a call's reports (`/calls/<id>/<what>`) to the conductor. Never throws: the call's record still
 * reaches the reporter, and a report lost costs only the conductor's live view of the call.
 */
async function postCallReport(conductorUrl: string, callId: string, what: 'end' | 'turn', body: object) {
  try {
    const res = await fetch(new URL(`/calls/${encodeURIComponent(callId)}/${what}`, conductorUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
  } catch {
    // Unreachable or slow: the call goes on without it.
  }
}

export async function reportEnd(conductorUrl: string, end: CallEnd): Promise<void> {
  await postCallReport(conductorUrl, end.callId, 'end', end);
}

/**
 * Waits for a moment when opening a call's browser context meets no other call's speech end (STARTUP_GUARD_MS);
 * the conductor answers within its longest hold. Unreachable, it is not waited for: the ticket request reports it.
 */
export async function startupClear(conductorUrl: string): Promise<void> {
  try {
    const res = await fetch(new URL('/startup-clear', conductorUrl), { signal: AbortSignal.timeout(30_000) });
    await res.body?.cancel();
  } catch {
    // The ticket request that follows says what is wrong with the conductor.
  }
}

/**
 * Tells the conductor of a call's caller turn, for its start-up guard: the speech end due, or the answer begun.
 * Not awaited by the call: a report that fails costs only the guard's view of that turn.
 */
export function reportTurn(
  conductorUrl: string,
  callId: string,
  turn: { speechEndAtMs: number; answered?: true },
): void {
  void postCallReport(conductorUrl, callId, 'turn', turn);
}

export type { Ticket };
