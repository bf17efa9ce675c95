import fs from 'node:fs';
import path from 'node:path';
import { encodeWav } from '../../harness/audio/pcm';
import type { EvidenceCandidate } from '../../harness/reporter/evidence';
import type { CallRecord, TurnRecord } from '../../harness/metrics/record';
import type { PageEvent } from '../../harness/page/types';
import { CALL_RECORD_SCHEMA } from '../../harness/metrics/record';

const RATE_HZ = 16000;
const FRAME_MS = 20;
/** The page clock's zero (epoch ms) and the page time of the WAV's first sample, for every known call. */
export const KNOWN_TIME_ORIGIN = 1_800_000_000_000;
export const KNOWN_WAV_START_AT = 500;
export const KNOWN_DURATION_MS = 12_000;

/**
 * What the viewer must mark for the known call, in ms since the WAV's first sample: turn 1 a plain answer with
 * agent stages, turn 2 an answer that turn 3 barges into, turn 3 an answer with one playback gap, then a console
 * error and a server error.
 */
export const KNOWN_MARKS = {
  t1: { speechStart: 1000, speechEnd: 2500, firstByte: 3200, firstAudible: 3350, end: 5000 },
  t2: { speechStart: 6000, speechEnd: 7200, firstByte: 7800, firstAudible: 7980, end: 9050 },
  t3: { speechStart: 8800, speechEnd: 9600, firstByte: 10100, firstAudible: 10240, end: 11500 },
  barge: { onset: 8800, stop: 9000 },
  gap: { at: 10660, ms: 140 },
  console: 10000,
  serverError: 11200,
};
export const KNOWN_STAGES = { sttMs: 150, llmFirstTokenMs: 300, ttsFirstAudioMs: 100, toolMs: 0 };

const epoch = (axisMs: number) => KNOWN_TIME_ORIGIN + KNOWN_WAV_START_AT + axisMs;
const page = (axisMs: number) => KNOWN_WAV_START_AT + axisMs;

function tone(out: Int16Array, channel: number, fromMs: number, toMs: number, hz: number, amp: number): void {
  const from = Math.round((fromMs * RATE_HZ) / 1000);
  const to = Math.round((toMs * RATE_HZ) / 1000);
  for (let i = from; i < to; i++)
    out[i * 2 + channel] = Math.round(amp * 32767 * Math.sin((2 * Math.PI * hz * i) / RATE_HZ));
}

/** The known call's record: figures that agree with its timeline and audio to the millisecond. */
export function knownCallRecord(callId = 'known-call', failed = false): CallRecord {
  const m = KNOWN_MARKS;
  const turns: TurnRecord[] = [
    {
      turn: 1,
      kind: 'speech',
      speechStartAtMs: epoch(m.t1.speechStart),
      speechEndAtMs: epoch(m.t1.speechEnd),
      ttfbMs: m.t1.firstByte - m.t1.speechEnd,
      ttfaMs: m.t1.firstAudible - m.t1.speechEnd,
      turnMs: m.t1.end - m.t1.speechEnd,
      endReason: 'final-frame',
      stages: { turn: 1, ...KNOWN_STAGES },
      text: 'Your policy covers water damage.',
    },
    {
      turn: 2,
      kind: 'speech',
      speechStartAtMs: epoch(m.t2.speechStart),
      speechEndAtMs: epoch(m.t2.speechEnd),
      ttfbMs: m.t2.firstByte - m.t2.speechEnd,
      ttfaMs: m.t2.firstAudible - m.t2.speechEnd,
      endReason: 'stopped',
    },
    {
      turn: 3,
      kind: 'barge-in',
      speechStartAtMs: epoch(m.t3.speechStart),
      speechEndAtMs: epoch(m.t3.speechEnd),
      ttfbMs: m.t3.firstByte - m.t3.speechEnd,
      ttfaMs: m.t3.firstAudible - m.t3.speechEnd,
      turnMs: m.t3.end - m.t3.speechEnd,
      bargeMs: 300,
      bargeAckMs: m.barge.stop - m.barge.onset,
      endReason: 'final-frame',
      gaps: 1,
      gapMs: m.gap.ms,
    },
  ];
  return {
    schemaVersion: CALL_RECORD_SCHEMA,
    callId,
    scenario: 'insurance_inquiry',
    voice: 'flite-slt',
    group: 'browser',
    startedAtMs: epoch(0) - 2000,
    endedAtMs: epoch(KNOWN_DURATION_MS),
    ok: !failed,
    ...(failed
      ? { failure: { code: 'turn/error', message: 'turn 4: no agent audio within 5000 ms of speech end' } }
      : {}),
    turns,
    histograms: {},
    fails: {},
    counters: {},
  };
}

/** Agent audio frames of one response, every 20 ms, none inside `hole`. */
function frames(from: number, to: number, hole?: [number, number]): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let index = 0;
  for (let at = from; at < to; at += FRAME_MS) {
    if (hole && at > hole[0] && at < hole[1]) continue;
    out.push([page(at), index++, FRAME_MS]);
  }
  return out;
}

/**
 * Writes the known call's timeline.json and conversation.wav into `dir`, as captureEvidence would, and returns
 * it as the reporter's evidence candidate.
 */
export function writeKnownCall(dir: string, record = knownCallRecord()): EvidenceCandidate {
  const m = KNOWN_MARKS;
  fs.mkdirSync(dir, { recursive: true });
  const stereo = new Int16Array((KNOWN_DURATION_MS * RATE_HZ * 2) / 1000);
  for (const t of [m.t1, m.t2, m.t3]) tone(stereo, 0, t.speechStart, t.speechEnd, 220, 0.5);
  tone(stereo, 1, m.t1.firstAudible, m.t1.end, 330, 0.4);
  tone(stereo, 1, m.t2.firstAudible, m.barge.stop + 100, 330, 0.4);
  tone(stereo, 1, m.t3.firstAudible, m.gap.at, 330, 0.4);
  tone(stereo, 1, m.gap.at + m.gap.ms, m.t3.end, 330, 0.4);
  const events: PageEvent[] = [
    { type: 'response-start', at: page(m.t1.firstByte), turn: 1 },
    { type: 'stage-timings', at: page(m.t1.firstByte), turn: 1, data: { turn: 1, ...KNOWN_STAGES } },
    { type: 'response-audible', at: page(m.t1.firstAudible), turn: 1 },
    {
      type: 'response-end',
      at: page(m.t1.end),
      turn: 1,
      reason: 'final-frame',
      frames: 90,
      audioMs: 1800,
      gaps: 0,
      gapMs: 0,
    },
    { type: 'response-start', at: page(m.t2.firstByte), turn: 2 },
    { type: 'response-audible', at: page(m.t2.firstAudible), turn: 2 },
    {
      type: 'barge',
      at: page(m.t2.end + 50),
      turn: 3,
      onsetAt: page(m.barge.onset),
      ackAt: page(m.barge.stop),
      lastFrameAt: page(m.t2.end),
      silentAt: page(m.t2.end + 50),
    },
    {
      type: 'response-end',
      at: page(m.t2.end),
      turn: 2,
      reason: 'stopped',
      frames: 62,
      audioMs: 1240,
      gaps: 0,
      gapMs: 0,
    },
    { type: 'response-start', at: page(m.t3.firstByte), turn: 3 },
    { type: 'response-audible', at: page(m.t3.firstAudible), turn: 3 },
    { type: 'server-error', at: page(m.serverError), code: 'rate_limit', message: 'slow down', throttle: 'openai' },
    {
      type: 'response-end',
      at: page(m.t3.end),
      turn: 3,
      reason: 'final-frame',
      frames: 63,
      audioMs: 1260,
      gaps: 1,
      gapMs: 140,
    },
  ];
  const timeline = {
    clock: 'page ms (performance.now())',
    timeOrigin: KNOWN_TIME_ORIGIN,
    wavStartAt: KNOWN_WAV_START_AT,
    events,
    spoken: [
      { index: 0, startAt: page(m.t1.speechStart) },
      { index: 1, startAt: page(m.t2.speechStart) },
      { index: 2, startAt: page(m.t3.speechStart) },
    ],
    frames: [
      ...frames(m.t1.firstByte, m.t1.end),
      ...frames(m.t2.firstByte, m.t2.end),
      // The last frame before the hole carries 20 ms and the player keeps 60 ms: it runs dry 80 ms after it.
      ...frames(m.t3.firstByte, m.t3.end, [m.gap.at - 80, m.gap.at + m.gap.ms]),
    ],
    console: [{ atMs: epoch(m.console), kind: 'console-error', text: 'AudioWorklet underrun' }],
  };
  return writeCapture(dir, record, timeline, stereo);
}

/**
 * Evidence for any record with speech ends and figures (canned ones): a caller tone before each speech end, the
 * agent's from its first audible sample to its end, frames from its first byte; as long as the call.
 */
export function writeRecordEvidence(dir: string, record: CallRecord): EvidenceCandidate {
  fs.mkdirSync(dir, { recursive: true });
  const durationMs = record.endedAtMs - record.startedAtMs;
  const at = (epochMs: number) => Math.min(durationMs, Math.max(0, epochMs - record.startedAtMs));
  const stereo = new Int16Array(Math.round((durationMs * RATE_HZ) / 1000) * 2);
  const events: PageEvent[] = [];
  const frameList: Array<[number, number, number]> = [];
  for (const t of record.turns) {
    if (t.speechEndAtMs === undefined) continue;
    const se = at(t.speechEndAtMs);
    tone(stereo, 0, Math.max(0, se - 1500), se, 220, 0.5);
    if (t.ttfbMs === undefined) continue;
    const end = Math.min(durationMs, se + (t.turnMs ?? t.ttfbMs + 2000));
    tone(stereo, 1, Math.min(end, se + (t.ttfaMs ?? t.ttfbMs)), end, 330, 0.4);
    events.push({ type: 'response-start', at: se + t.ttfbMs, turn: t.turn });
    if (t.ttfaMs !== undefined) events.push({ type: 'response-audible', at: se + t.ttfaMs, turn: t.turn });
    let index = 0;
    for (let f = se + t.ttfbMs; f < end; f += FRAME_MS) frameList.push([f, index++, FRAME_MS]);
    const audioMs = index * FRAME_MS;
    events.push({
      type: 'response-end',
      at: end,
      turn: t.turn,
      reason: 'final-frame',
      frames: index,
      audioMs,
      gaps: 0,
      gapMs: 0,
    });
  }
  const timeline = {
    timeOrigin: record.startedAtMs,
    wavStartAt: 0,
    events,
    spoken: [],
    frames: frameList,
    console: [],
  };
  return writeCapture(dir, record, timeline, stereo);
}

/** A call's capture as the driver writes it: the frame timeline and the stereo conversation. */
function writeCapture(dir: string, record: CallRecord, timeline: object, stereo: Int16Array): EvidenceCandidate {
  const timelineFile = path.join(dir, 'timeline.json');
  const wavFile = path.join(dir, 'conversation.wav');
  fs.writeFileSync(timelineFile, JSON.stringify(timeline));
  fs.writeFileSync(wavFile, encodeWav(stereo, RATE_HZ, 2));
  return {
    record,
    attachments: [
      { name: 'timeline.json', path: timelineFile },
      { name: 'conversation.wav', path: wavFile },
    ],
  };
}
