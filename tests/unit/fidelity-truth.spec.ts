import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { samplesOf, stolenLevel, worstVouched } from '../../bench/lib/fidelity';
import { runBench } from '../helpers/bench';
import type { LoadRun } from '../helpers/run-load';

const T0 = 1_800_000_000_000;

/**
 * One barge-in turn as the agent logged it: the caller stream runs 40 ms behind its positions (arrival less
 * position), the VAD found the onset at 5000 ms of stream, and the agent decided it `decidedLateMs` after it would
 * have (its own process not run meanwhile).
 */
function truthFile(dir: string, decidedLateMs: number, onClock: 'first-loud' | 'vad' | false): void {
  const clock = (streamMs: number) => T0 + 40 + streamMs;
  const events = [
    { event: 'first_frame_sent', kind: 'reply', atMs: T0 + 3000 },
    { event: 'speech_start', streamMs: 5000, duringReply: true, atMs: clock(5000) + 30 + decidedLateMs },
    { event: 'last_frame_sent', atMs: clock(5000) + 200 + decidedLateMs },
    { event: 'first_frame_sent', kind: 'reply', atMs: clock(6500) + 800 },
    {
      event: 'speech_end',
      atMs: clock(6500) + 500,
      startStreamMs: 5000,
      endStreamMs: 6500,
      lastVoicedArrivalMs: clock(6480),
      // An older log has the VAD's figures only.
      ...(onClock ? { lastLoudStreamMs: 6480, lastLoudClockMs: clock(6480) } : {}),
      // The first sound, at sample resolution: 4 ms after the VAD's 10 ms frame began.
      ...(onClock === 'first-loud' ? { firstLoudStreamMs: 5004, firstLoudClockMs: clock(5004) } : {}),
    },
  ];
  fs.writeFileSync(path.join(dir, 's1.jsonl'), events.map((e) => JSON.stringify({ session: 's1', ...e })).join('\n'));
}

/** The harness's record of that turn: the caller began the barge-in at 5000 ms of stream, the page dated it so. */
function run(decidedLateMs: number): LoadRun {
  const speechStartAtMs = T0 + 40 + 5000 - 10;
  return {
    calls: [
      {
        callId: 'call-1',
        scenario: 'interruption',
        voice: 'v',
        group: 'browser',
        sessionId: 's1',
        turns: [
          {
            turn: 2,
            kind: 'barge-in',
            speechStartAtMs,
            speechEndAtMs: T0 + 40 + 6480,
            ttfbMs: 830,
            bargeLastFrameAtMs: T0 + 40 + 5000 + 200 + decidedLateMs + 1,
          },
        ],
      },
    ],
  } as unknown as LoadRun;
}

test('the barge-in onset of the ground truth is dated on the stream clock, not by the agent deciding it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fidelity-truth-'));
  try {
    for (const lateMs of [0, 150]) {
      truthFile(dir, lateMs, 'first-loud');
      const [s] = samplesOf(run(lateMs), dir);
      // The first sound on the stream's clock, against the page's date: the same 14 ms whatever the agent did.
      expect(s!.onsetOffset, `agent late by ${lateMs} ms`).toBeCloseTo(14, 6);
      expect(s!.bargeLastFrameErr).toBeCloseTo(1, 6);
      // A log without the first sound: the VAD's onset position, on the same clock.
      truthFile(dir, lateMs, 'vad');
      expect(samplesOf(run(lateMs), dir)[0]!.onsetOffset).toBeCloseTo(10, 6);
    }
    // Without the stream's clock in the speech end, the decision's moment is all there is: it carries the delay.
    truthFile(dir, 150, false);
    expect(samplesOf(run(150), dir)[0]!.onsetOffset).toBeCloseTo(10 + 30 + 150, 6);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the worst vouched turn: the farthest from the truth that no check flagged, with the page's figures", () => {
  const errs = {
    ttfb: [3.04, 40, 12.26],
    barge: [],
    firstAudio: [2.96, 39, 11.94],
    turnIds: ['call-1#1', 'call-1#2', 'call-2#1'],
    decidedLate: [0.5, 30, undefined],
    agentSendCall: [0.1, 0.2, 9.04],
  };
  const calls = [
    { callId: 'call-1', turns: [{ turn: 1 }, { turn: 2, firstFrameWaitMs: 38 }] },
    { callId: 'call-2', turns: [{ turn: 1, firstFrameWaitMs: 11.9, receivePathMs: 1.2, sendPathMs: 2.5 }] },
  ] as unknown as LoadRun['calls'];
  // The 40 ms turn was flagged: it is the checks' to explain, not a silent error.
  expect(worstVouched(errs, [false, true, false], { calls })).toEqual({
    turn: 'call-2#1',
    ttfbErrorMs: 12.3,
    firstAudioErrorMs: 11.9,
    decidedLateMs: undefined,
    agentSendCallMs: 9,
    firstFrameWaitMs: 11.9,
    receivePathMs: 1.2,
    firstAudioStallMs: undefined,
    sendHoldMs: undefined,
    sendPathMs: 2.5,
  });
  expect(worstVouched(errs, [true, true, true], { calls })).toBeUndefined();
});

test('--retries tries again only a level the host took CPU from: one held back by its own load is its answer', () => {
  const level = (verdict: string, cpuStealPctP95: number) =>
    ({ summary: { verdict, generator: { cpuStealPctP95 } } }) as unknown as Pick<LoadRun, 'summary'>;
  expect(stolenLevel(level('inconclusive', 25))).toBe(true);
  // At the limit the host's share is within it: the run was judged for something of its own.
  expect(stolenLevel(level('inconclusive', 10))).toBe(false);
  // A run that passed, or failed a gate, is no less true for another try.
  expect(stolenLevel(level('pass', 25))).toBe(false);
  expect(stolenLevel(level('fail', 25))).toBe(false);
  expect(stolenLevel({ summary: { verdict: 'inconclusive' } } as unknown as Pick<LoadRun, 'summary'>)).toBe(false);
});

test('bench:fidelity refuses retries past its bound, naming the option', () => {
  const run = runBench('fidelity', ['--retries', '9'], 60_000);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('--retries must be a whole number 0-5, got 9');
  expect(run.stdout).toBe('');
});
