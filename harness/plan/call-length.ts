import fs from 'node:fs';
import path from 'node:path';
import { manifestTracks, readManifest } from '../audio/manifest';

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
export function estimateCallSec(
  pcmDir: string,
  mix: Record<string, number>,
  turnsPerUser: number,
  thinkTimeSec: number,
): CallLengthEstimate {
  if (!fs.existsSync(path.join(pcmDir, 'manifest.jsonl'))) {
    return { callSec: FALLBACK_CALL_SEC, basis: `no audio cache in ${pcmDir} yet: ${FALLBACK_CALL_SEC} s assumed` };
  }
  const tracks = manifestTracks(readManifest(pcmDir));
  let weighted = 0;
  let weights = 0;
  for (const [scenario, weight] of Object.entries(mix)) {
    const spoken = tracks.filter((t) => t.scenario === scenario);
    if (!(weight > 0) || !spoken.length) continue;
    let sum = 0;
    for (const t of spoken) {
      const turns = turnsPerUser > 0 ? t.turns.slice(0, turnsPerUser) : t.turns;
      sum += GREETING_SEC + turns.reduce((acc, e) => acc + e.duration_seconds + AGENT_TURN_SEC + thinkTimeSec, 0);
    }
    weighted += (weight * sum) / spoken.length;
    weights += weight;
  }
  if (!weights)
    return {
      callSec: FALLBACK_CALL_SEC,
      basis: `no audio for the plan's scenarios in ${pcmDir} yet: ${FALLBACK_CALL_SEC} s assumed`,
    };
  const callSec = Math.round(weighted / weights);
  return {
    callSec,
    basis: `about ${callSec} s per call, from the mix's caller audio plus ${AGENT_TURN_SEC} s of agent per turn`,
  };
}
