import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTruth, replySentEventBefore, type TruthEvent } from '../../tests/helpers/ground-truth';
import { runLoad, type LoadRun } from '../../tests/helpers/run-load';
import { benchCallsPerWorker, RATED_SCENARIOS, ratedLoadEnv } from './rated-load';
import { median, round1 } from './stats';
import { hostTookCpu } from '../../harness/reporter/generator';

/**
 * The harness's figures against the reference agent's ground truth, turn by
 * turn (see bench/fidelity.ts for what is compared and why).
 */
export interface Sample {
  call: string;
  /** `callId#turn`: the turn's name in the generator's list of delayed turns. */
  turnId: string;
  key: string;
  firstAudioErr: number;
  speechEndOffset: number;
  /** How late the audio that decided the speech end reached the agent, on the stream's clock (agent's log). */
  decidedLateMs?: number;
  /** How long the agent's call that sent the reply's first frame took: its log dates the call's start. */
  agentSendCallMs?: number;
  bargeLastFrameErr?: number;
  onsetOffset?: number;
}

export function samplesOf(run: LoadRun, gt: string): Sample[] {
  const out: Sample[] = [];
  for (const c of run.calls.filter((x) => x.group === 'browser' && x.sessionId)) {
    const truth = readTruth(gt, c.sessionId!);
    for (const t of c.turns) {
      if (t.ttfbMs === undefined || t.speechEndAtMs === undefined) continue;
      const received = t.speechEndAtMs + t.ttfbMs;
      const sentEvent = replySentEventBefore(truth, received);
      const sent = sentEvent?.atMs;
      const speechEnd = latestBefore(truth, 'speech_end', sent ?? received);
      // The sample-exact end (the last sample above the agent's level threshold) dated on the stream's clock, as
      // the page dates its own samples; else its chunk's arrival; else the VAD's frame.
      const endArrivalMs = speechEnd?.lastLoudClockMs ?? speechEnd?.lastLoudArrivalMs ?? speechEnd?.lastVoicedArrivalMs;
      if (sent === undefined || typeof endArrivalMs !== 'number') continue;
      const s: Sample = {
        call: c.callId,
        turnId: `${c.callId}#${t.turn}`,
        key: `${c.scenario}|${c.voice}|${t.turn}`,
        firstAudioErr: received - sent,
        speechEndOffset: endArrivalMs - t.speechEndAtMs,
        ...(typeof speechEnd?.decidedLateMs === 'number' ? { decidedLateMs: speechEnd.decidedLateMs } : {}),
      };
      if (typeof sentEvent?.sendCallMs === 'number') s.agentSendCallMs = sentEvent.sendCallMs;
      if (t.kind === 'barge-in' && t.bargeLastFrameAtMs !== undefined && t.speechStartAtMs !== undefined) {
        const lastSent = latestBefore(truth, 'last_frame_sent', t.bargeLastFrameAtMs + 2);
        const onset = truth.find(
          (e) => e.event === 'speech_start' && e.duringReply === true && e.atMs >= t.speechStartAtMs! - 50,
        );
        if (lastSent && onset) {
          s.bargeLastFrameErr = t.bargeLastFrameAtMs - lastSent.atMs;
          s.onsetOffset = onsetOnClock(truth, onset) - t.speechStartAtMs;
        }
      }
      out.push(s);
    }
  }
  return out;
}

/**
 * The barge-in onset on the caller stream's own clock, from the utterance's speech end: its first sound at sample
 * resolution (firstLoudClockMs), else the VAD's onset position plus the stream's clock offset (arrival less
 * position, its least over the frames that followed). The moment the agent decided the onset would also carry the
 * agent's own delays: an agent on the harness's machine, not run while another call starts up, decided onsets
 * 92-168 ms late. It is the last resort, for logs without either.
 */
function onsetOnClock(truth: readonly TruthEvent[], onset: TruthEvent): number {
  const end = truth.find((e) => e.event === 'speech_end' && e.atMs >= onset.atMs && e.startStreamMs === onset.streamMs);
  const { firstLoudClockMs, startStreamMs, lastLoudClockMs, lastLoudStreamMs } = (end ?? {}) as Record<string, unknown>;
  if (typeof firstLoudClockMs === 'number') return firstLoudClockMs;
  if (typeof startStreamMs !== 'number' || typeof lastLoudClockMs !== 'number' || typeof lastLoudStreamMs !== 'number')
    return onset.atMs;
  return startStreamMs + (lastLoudClockMs - lastLoudStreamMs);
}

function latestBefore(events: readonly TruthEvent[], name: string, atMs: number): TruthEvent | undefined {
  let best: TruthEvent | undefined;
  for (const e of events) if (e.event === name && e.atMs <= atMs && (!best || e.atMs > best.atMs)) best = e;
  return best;
}

/**
 * The 1-call level's scenarios: a barge-in's (the barge error is read there) and the rated load's mix, whose audio
 * files it calibrates. The rated level runs the mix alone, as bench:density rates a machine with it.
 */
export const CALIBRATED_SCENARIOS: readonly string[] = [...new Set(['interruption', ...RATED_SCENARIOS])];

/**
 * The fewest 1-call calls that give each audio file two: calls of a scenario change voice in turn, so four calls of
 * each scenario speak each voice's files twice (a file heard once would calibrate to its own figure, error 0).
 */
export const FEWEST_CALLS_AT_ONE = 4 * CALIBRATED_SCENARIOS.length;

/**
 * One level's calls, with the agent's ground truth: `calls` calls `concurrency` at a time (a number), or the rated
 * load's shape for `holdSec` (`concurrency` users ramped, calls restarting as they end, as bench:density rates a
 * machine, its scenario mix included).
 */
export async function level(
  concurrency: number,
  calls: number | { holdSec: number },
  onSpawn?: (pid: number) => void,
): Promise<{ run: LoadRun; samples: Sample[] }> {
  const gt = fs.mkdtempSync(path.join(os.tmpdir(), 'fidelity-gt-'));
  const shape =
    typeof calls === 'number'
      ? { CALLS: String(calls), CALLS_PER_WORKER: benchCallsPerWorker(), SCENARIOS: CALIBRATED_SCENARIOS.join(',') }
      : ratedLoadEnv(concurrency, calls.holdSec);
  const run = await runLoad(
    {
      ...shape,
      AGENT_GROUND_TRUTH_DIR: gt,
      EVIDENCE: 'off',
      AGENT_REPLY_DELAY_MS: '300',
    },
    // Without a plan, --workers N is the number of calls in progress at once.
    typeof calls === 'number' ? ['--workers', String(concurrency)] : [],
    30 * 60_000,
    onSpawn,
  );
  const reported = run.summary.run.calls.total;
  if (typeof calls === 'number' ? reported !== calls : reported < concurrency)
    throw new Error(`level ${concurrency}: ${reported} calls reported:\n${run.output.slice(-2000)}`);
  return { run, samples: samplesOf(run, gt) };
}

export type Calibration = Map<string, { end: number; onset?: number }>;

/**
 * A level worth another try under `--retries`: the harness judged it INCONCLUSIVE with the host of its virtual
 * machine taking CPU. A level held back by its own load (busy cores, a lagging page) is the machine's answer and
 * is kept: trying again would only pick the luckiest run.
 */
export const stolenLevel = (run: Pick<LoadRun, 'summary'>): boolean =>
  run.summary.verdict === 'inconclusive' && hostTookCpu(run.summary.generator);

/**
 * The speech-end offset (agent arrival of the last voiced frame - t_se) is
 * modelled as call + file + noise: the capture path's latency differs per
 * call (it is real: a caller's speech takes that long to reach the agent),
 * and the agent's VAD places each utterance's end at its own distance from
 * the true end. Only the noise is the harness's error.
 */
function callOffsets(samples: readonly Sample[], file: (s: Sample) => number): Map<string, number> {
  const calls = new Map<string, number>();
  for (const call of new Set(samples.map((s) => s.call)))
    calls.set(call, median(samples.filter((s) => s.call === call).map((s) => s.speechEndOffset - file(s))));
  return calls;
}

/** Each audio file's VAD offset (speech end, and barge onset), from the 1-call runs, net of per-call latency. */
export function calibrate(samples: readonly Sample[]): Calibration {
  let fileEnd = new Map<string, number>();
  let calls = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    fileEnd = new Map(
      [...new Set(samples.map((s) => s.key))].map((key) => [
        key,
        median(samples.filter((s) => s.key === key).map((s) => s.speechEndOffset - (calls.get(s.call) ?? 0))),
      ]),
    );
    calls = callOffsets(samples, (s) => fileEnd.get(s.key)!);
  }
  const calib: Calibration = new Map();
  for (const [key, end] of fileEnd) {
    const onsets = samples
      .filter((s) => s.key === key && s.onsetOffset !== undefined)
      .map((s) => s.onsetOffset! - calls.get(s.call)!);
    calib.set(key, { end, ...(onsets.length ? { onset: median(onsets) } : {}) });
  }
  return calib;
}

export function errors(
  samples: readonly Sample[],
  calib: Calibration,
): {
  ttfb: number[];
  barge: number[];
  firstAudio: number[];
  turnIds: string[];
  decidedLate: (number | undefined)[];
  agentSendCall: (number | undefined)[];
} {
  const known = samples.filter((s) => calib.has(s.key));
  const calls = callOffsets(known, (s) => calib.get(s.key)!.end);
  const speechEndNoise = (s: Sample) => s.speechEndOffset - calib.get(s.key)!.end - calls.get(s.call)!;
  return {
    ttfb: known.map((s) => Math.abs(s.firstAudioErr + speechEndNoise(s))),
    barge: known.flatMap((s) => {
      const c = calib.get(s.key)!.onset;
      return s.bargeLastFrameErr === undefined || s.onsetOffset === undefined || c === undefined
        ? []
        : [Math.abs(s.bargeLastFrameErr + (s.onsetOffset - c - calls.get(s.call)!))];
    }),
    firstAudio: known.map((s) => s.firstAudioErr),
    turnIds: known.map((s) => s.turnId),
    decidedLate: known.map((s) => s.decidedLateMs),
    agentSendCall: known.map((s) => s.agentSendCallMs),
  };
}

/**
 * The vouched turn farthest from the truth, with what the page measured of the generator's own delays in it: a
 * vouched turn far off is an error no check saw, and these say which way in it did not look.
 */
export function worstVouched(e: ReturnType<typeof errors>, flaggedAt: readonly boolean[], run: Pick<LoadRun, 'calls'>) {
  let worst = -1;
  e.ttfb.forEach((v, i) => {
    if (!flaggedAt[i] && (worst < 0 || v > e.ttfb[worst]!)) worst = i;
  });
  if (worst < 0) return undefined;
  const [callId, turnNo] = e.turnIds[worst]!.split('#');
  const t = run.calls.find((c) => c.callId === callId)?.turns.find((x) => String(x.turn) === turnNo);
  return {
    turn: e.turnIds[worst],
    ttfbErrorMs: round1(e.ttfb[worst]!),
    firstAudioErrorMs: round1(e.firstAudio[worst]!),
    decidedLateMs: e.decidedLate[worst] === undefined ? undefined : round1(e.decidedLate[worst]!),
    agentSendCallMs: e.agentSendCall[worst] === undefined ? undefined : round1(e.agentSendCall[worst]!),
    // The page's own figures for the turn (docs/metrics.md), absent where they read 0 or were not measured.
    firstFrameWaitMs: t?.firstFrameWaitMs,
    receivePathMs: t?.receivePathMs,
    firstAudioStallMs: t?.firstAudioStallMs,
    sendHoldMs: t?.sendHoldMs,
    sendPathMs: t?.sendPathMs,
  };
}
