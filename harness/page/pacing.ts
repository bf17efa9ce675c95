/**
 * How late a client's audio leaves against its own cadence. Each frame's offset is its send time against the time
 * its audio says it should leave (the first frame's time plus the audio sent before it). A client that captures in
 * bursts (an audio device callback, a ScriptProcessorNode buffer) sends frames early and late by design, so the raw
 * spread of offsets measures the client, not the machine. Lateness is measured instead against the schedule floor
 * (the earliest offsets around the frame), less the client's own burst allowance: the largest spread a burst period
 * produces. A machine that holds the page's thread or audio back delays frames well past that.
 */

/** Trailing and leading window of the schedule floor: long enough to span stalls, short enough to follow drift. */
export const FLOOR_WINDOW_MS = 2000;
/** Sends closer than this belong to one burst (one callback's frames, sent back to back). */
export const BURST_GAP_MS = 4;

export interface PacingFigures {
  /** p99 of each frame's lateness beyond the client's own cadence. */
  latenessP99Ms: number;
  /** p99 of |offset - running median|: the client's raw send jitter, cadence included (informational). */
  jitterP99Ms: number;
  /** The client's typical burst period (median spacing of its send bursts). */
  burstPeriodMs: number;
}

function percentile(values: ArrayLike<number>, p: number): number {
  if (!values.length) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Sliding minimum of `values` over [t - windowMs, t] (forward) at each index; `times` ascending. */
function trailingMin(times: ArrayLike<number>, values: ArrayLike<number>, windowMs: number): Float64Array {
  const out = new Float64Array(values.length);
  const deque: number[] = [];
  let head = 0;
  for (let i = 0; i < values.length; i++) {
    while (deque.length > head && values[deque.at(-1)!]! >= values[i]!) deque.pop();
    deque.push(i);
    while (times[deque[head]!]! < times[i]! - windowMs) head++;
    out[i] = values[deque[head]!]!;
  }
  return out;
}

/** The same over [t, t + windowMs]: the trailing minimum run backwards in time. */
function leadingMin(times: ArrayLike<number>, values: ArrayLike<number>, windowMs: number): Float64Array {
  const n = values.length;
  const rt = new Float64Array(n);
  const rv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    rt[i] = -times[n - 1 - i]!;
    rv[i] = values[n - 1 - i]!;
  }
  return trailingMin(rt, rv, windowMs).reverse();
}

/**
 * The client's burst period: sends closer than BURST_GAP_MS form one burst, and the period is the median spacing of
 * burst starts. A 20 ms worklet frame sent as it fills reads 20 ms; a 32 ms ScriptProcessorNode buffer reads 32.
 */
export function burstPeriodMs(sendsAt: ArrayLike<number>): number {
  const starts: number[] = [];
  for (let i = 0; i < sendsAt.length; i++)
    if (i === 0 || sendsAt[i]! - sendsAt[i - 1]! >= BURST_GAP_MS) starts.push(sendsAt[i]!);
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  return percentile(gaps, 0.5);
}

/** Each send's offset: its time against the first send's time plus the audio sent before it. */
function sendOffsets(sendsAt: ArrayLike<number>, audioMs: ArrayLike<number>): Float64Array {
  const offsets = new Float64Array(sendsAt.length);
  let audio = 0;
  for (let i = 0; i < sendsAt.length; i++) {
    offsets[i] = sendsAt[i]! - sendsAt[0]! - audio;
    audio += audioMs[i]!;
  }
  return offsets;
}

/**
 * Lateness of every frame: its offset above the schedule floor, less the allowance of the client's own cadence.
 * The floor is the larger of the earliest offsets in the trailing and in the leading window: a stall (frames held,
 * then sent in a catch-up burst) sits above both, while a client that pauses its sending starts a new schedule and
 * is not read as late (its offsets after the pause are the leading floor).
 */
export function latenessMs(
  sendsAt: ArrayLike<number>,
  audioMs: ArrayLike<number>,
  allowanceMs: number,
  windowMs = FLOOR_WINDOW_MS,
): Float64Array {
  const n = sendsAt.length;
  const offsets = sendOffsets(sendsAt, audioMs);
  const back = trailingMin(sendsAt, offsets, windowMs);
  const ahead = leadingMin(sendsAt, offsets, windowMs);
  const late = new Float64Array(n);
  for (let i = 0; i < n; i++) late[i] = Math.max(0, offsets[i]! - Math.max(back[i]!, ahead[i]!) - allowanceMs);
  return late;
}

/**
 * How late the client's audio left at the end of the caller's speech (`toAt`) against the best schedule it kept
 * while the caller spoke (from `fromAt`), beyond its burst allowance: offsets as in latenessMs, the first send at or
 * after `toAt` against the least offset of the sends in between. A hold the client made up before the speech end
 * reads 0 (the end left on time); one it never made up (it went on from a later schedule, which the lateness reads
 * as a new start), or one still open at the end, reads its length: the agent heard the speech end that much later.
 * A pause before the caller began (a client that sends only once speech starts) is not counted. With no send after
 * `toAt` yet, the client is behind by as long as it has not sent, until `nowAt`. 0 without a send while the caller
 * spoke.
 */
export function sendHoldMs(
  sendsAt: ArrayLike<number>,
  audioMs: ArrayLike<number>,
  allowanceMs: number,
  fromAt: number,
  toAt: number,
  nowAt: number,
): number {
  const offsets = sendOffsets(sendsAt, audioMs);
  let floor = Infinity;
  for (let i = 0; i < sendsAt.length; i++) {
    if (sendsAt[i]! < fromAt) continue;
    if (sendsAt[i]! < toAt) floor = Math.min(floor, offsets[i]!);
    else return floor === Infinity ? 0 : Math.round(Math.max(0, offsets[i]! - floor - allowanceMs));
  }
  if (floor === Infinity) return 0;
  // Nothing sent since the speech end: the next frame, after all the audio sent, could leave no earlier than now.
  const last = sendsAt.length - 1;
  const pendingOffset = offsets[last]! + nowAt - sendsAt[last]! - audioMs[last]!;
  return Math.round(Math.max(0, pendingOffset - floor - allowanceMs));
}

/** Raw jitter: each offset against the running median of the previous `window` offsets. */
function jitterMs(sendsAt: ArrayLike<number>, audioMs: ArrayLike<number>, window = 50): number[] {
  const offsets = sendOffsets(sendsAt, audioMs);
  const out: number[] = [];
  for (let i = 1; i < offsets.length; i++) {
    const w = offsets.slice(Math.max(0, i - window), i).sort((a, b) => a - b);
    out.push(Math.abs(offsets[i]! - w[Math.floor(w.length / 2)]!));
  }
  return out;
}

/**
 * The pacing figures of one call's sends. The allowance is the burst period measured here, or the profile's stated
 * one when larger (a client whose bursts vary).
 */
export function pacingFigures(
  sendsAt: ArrayLike<number>,
  audioMs: ArrayLike<number>,
  statedBurstMs = 0,
): PacingFigures {
  const period = burstPeriodMs(sendsAt);
  const allowance = Math.max(period, statedBurstMs);
  return {
    latenessP99Ms: round1(percentile(latenessMs(sendsAt, audioMs, allowance), 0.99)),
    jitterP99Ms: round1(percentile(jitterMs(sendsAt, audioMs), 0.99)),
    burstPeriodMs: round1(period),
  };
}
