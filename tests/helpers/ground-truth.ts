import { expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

export interface TruthEvent {
  atMs: number;
  event: string;
  turn?: number;
  kind?: string;
  [k: string]: unknown;
}

/** The reference agent's ground truth for one session (AGENT_GROUND_TRUTH_DIR), or [] when it has none. */
export function readTruth(dir: string, sessionId: string): TruthEvent[] {
  const file = path.join(dir, `${sessionId.replace(/[^\w.-]/g, '_')}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TruthEvent);
}

/**
 * The agent's send time of the reply frame a caller received at `receivedAtMs`:
 * the latest first reply frame sent at or before it (turn numbers can differ
 * when the agent heard an utterance as two).
 */
export function replySentBefore(events: readonly TruthEvent[], receivedAtMs: number, slackMs = 2): number | undefined {
  return replySentEventBefore(events, receivedAtMs, slackMs)?.atMs;
}

/** The `first_frame_sent` event of that reply frame, with what the agent logged beside it (`sendCallMs`). */
export function replySentEventBefore(
  events: readonly TruthEvent[],
  receivedAtMs: number,
  slackMs = 2,
): TruthEvent | undefined {
  let latest: TruthEvent | undefined;
  for (const e of events)
    if (e.event === 'first_frame_sent' && e.kind === 'reply' && e.atMs <= receivedAtMs + slackMs)
      if (!latest || e.atMs > latest.atMs) latest = e;
  return latest;
}

/** How long after the agent's send an in-process client may handle the message on a loaded machine. */
const IN_PROCESS_HANDLING_MS = 25;

/**
 * A logged send against the in-process client's receive of that message, on the same clock: the log is dated at
 * the send, so never after the receive, and the receive follows within the event loop's turn (a loaded machine
 * can hold it several ms, so the bound is loose; the order is the point).
 */
export function expectLoggedAtSend(loggedAtMs: number, receivedAtMs: number, what: string): void {
  expect(loggedAtMs, `${what}: logged after the client received it`).toBeLessThanOrEqual(receivedAtMs);
  expect(receivedAtMs - loggedAtMs, `${what}: received long after its logged send`).toBeLessThan(
    IN_PROCESS_HANDLING_MS,
  );
}
