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
  const sent = events
    .filter((e) => e.event === 'first_frame_sent' && e.kind === 'reply' && e.atMs <= receivedAtMs + slackMs)
    .map((e) => e.atMs);
  return sent.length ? Math.max(...sent) : undefined;
}
