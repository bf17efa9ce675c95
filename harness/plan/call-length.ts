import fs from 'node:fs';
import path from 'node:path';
import { readManifest } from '../audio/manifest';

/**
 * What a turn costs besides the caller's own words: the agent's end-of-speech
 * hang-over, its reply delay and its spoken reply. Against the reference agent a
 * two-turn quick_question call lasts 23 s (median of 56 calls) for 6 s of caller
 * audio and 3 s of think time: 4 s of greeting, then about 5 s per turn.
 */
export const AGENT_TURN_SEC = 5;
export const GREETING_SEC = 4;
/** When the audio cache is not there yet: a three-turn call against the reference agent. */
export const FALLBACK_CALL_SEC = 30;

export interface CallLengthEstimate {
  callSec: number;
  /** Where the figure came from, for the console line that explains the worker count. */
  basis: string;
}

/**
 * The mean length of a call in this plan's mix, from the caller audio the
 * calls will speak: greeting, then per turn the caller's audio, the agent's
 * turn and the think time. Arrival-rate phases need it to size the workers
 * (Little's law: calls in progress = arrivals per second x seconds per call).
 */
export function estimateCallSec(pcmDir: string, mix: Record<string, number>, turnsPerUser: number, thinkTimeSec: number): CallLengthEstimate {
  if (!fs.existsSync(path.join(pcmDir, 'manifest.jsonl'))) {
    return { callSec: FALLBACK_CALL_SEC, basis: `no audio cache in ${pcmDir} yet: ${FALLBACK_CALL_SEC} s assumed` };
  }
  // Seconds of caller audio per turn, per scenario and voice (the latest entry of a regenerated turn wins by order).
  const turnSec = new Map<string, Map<number, number>>();
  for (const e of readManifest(pcmDir)) {
    const key = `${e.scenario}\u0000${e.caller ?? e.voice}\u0000${e.variant ?? ''}`;
    const turns = turnSec.get(key) ?? new Map<number, number>();
    turns.set(e.turn_index, e.duration_seconds);
    turnSec.set(key, turns);
  }
  let weighted = 0;
  let weights = 0;
  for (const [scenario, weight] of Object.entries(mix)) {
    if (!(weight > 0)) continue;
    const tracks = [...turnSec.entries()].filter(([k]) => k.startsWith(`${scenario}\u0000`)).map(([, t]) => t);
    if (!tracks.length) continue;
    let sum = 0;
    for (const t of tracks) {
      const spoken = [...t.entries()].sort((a, b) => a[0] - b[0]).slice(0, turnsPerUser > 0 ? turnsPerUser : undefined).map(([, s]) => s);
      sum += GREETING_SEC + spoken.reduce((acc, s) => acc + s + AGENT_TURN_SEC + thinkTimeSec, 0);
    }
    weighted += (weight * sum) / tracks.length;
    weights += weight;
  }
  if (!weights) return { callSec: FALLBACK_CALL_SEC, basis: `no audio for the plan's scenarios in ${pcmDir} yet: ${FALLBACK_CALL_SEC} s assumed` };
  const callSec = Math.round(weighted / weights);
  return { callSec, basis: `about ${callSec} s per call, from the mix's caller audio plus ${AGENT_TURN_SEC} s of agent per turn` };
}
