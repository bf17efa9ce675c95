import { expect, test } from '@playwright/test';
import { Audibility } from '../../harness/page/audibility';
import { firstFrameWaitMs, ResponseTracker, type Response } from '../../harness/page/responses';

/** Manual timers: the quiet-gap logic is tested without waiting. */
function fakeTimers() {
  const pending = new Map<number, { fn: () => void; at: number }>();
  let id = 0;
  let now = 0;
  return {
    set: (fn: () => void, ms: number) => {
      pending.set(++id, { fn, at: now + ms });
      return id;
    },
    clear: (h: unknown) => {
      pending.delete(h as number);
    },
    now: () => now,
    advance(ms: number) {
      now += ms;
      for (const [k, t] of [...pending])
        if (t.at <= now) {
          pending.delete(k);
          t.fn();
        }
    },
  };
}

/** 50 ms frames. */
const audio = (frameIndex: number, isFinal = false) => ({
  kind: 'audio' as const,
  frameIndex,
  isFinal,
  audioBytes: 4800,
  audioMs: 50,
});

function tracked(quietMs = 400) {
  const log: string[] = [];
  const ended: Response[] = [];
  const timers = fakeTimers();
  const tracker = new ResponseTracker(
    quietMs,
    {
      onStart: (r) => log.push(`start ${r.turn}@${r.firstAt}`),
      onEnd: (r) => {
        log.push(`end ${r.turn}@${r.endAt} ${r.endReason}`);
        ended.push(r);
      },
    },
    timers,
  );
  return { tracker, log, ended, timers };
}

test('a response starts at its first frame and ends at the final frame; unexpected audio is ignored', () => {
  const { tracker, log } = tracked();
  tracker.onFrame(audio(0), 5);
  tracker.expect(1);
  tracker.onFrame(audio(0), 100);
  tracker.onFrame(audio(1), 150);
  tracker.onFrame(audio(2, true), 200);
  tracker.onFrame(audio(3), 250);
  expect(log).toEqual(['start 1@100', 'end 1@200 final-frame']);
});

test('a first frame that waited on its way reads the wait from the frames after it; a paced stream reads 0', () => {
  /** A paced 50 ms stream sent from 1000 ms: frames before `heldUntil` arrive together at it. */
  const stream = (heldUntil: number, frames = 30) => {
    const { tracker, ended } = tracked();
    tracker.expect(1);
    for (let k = 0; k < frames; k++) tracker.onFrame(audio(k, k === frames - 1), Math.max(1000 + 50 * k, heldUntil));
    return ended[0]!;
  };
  expect(firstFrameWaitMs(stream(0))).toBe(0);
  // Delivered 82 ms late, with the next frame: the third frame, on time, shows the wait.
  const held = stream(1082);
  expect(held.firstAt).toBe(1082);
  expect(firstFrameWaitMs(held)).toBe(82);
  // A wait longer than the head's second of audio reads what that head shows: the audio before its last frame.
  expect(firstFrameWaitMs(stream(2500))).toBe(950);
  // Frames that come later than their schedule (a slow sender) never read as a wait of the first.
  const { tracker, ended } = tracked();
  tracker.expect(1);
  for (let k = 0; k < 10; k++) tracker.onFrame(audio(k, k === 9), 1000 + 60 * k);
  expect(firstFrameWaitMs(ended[0]!)).toBe(0);
});

test('without a final frame the response ends at its last frame once the quiet gap passes', () => {
  const { tracker, log, timers } = tracked();
  tracker.expect(2);
  tracker.onFrame(audio(0), 1000);
  timers.advance(300);
  tracker.onFrame(audio(1), 1300);
  timers.advance(399);
  expect(log).toEqual(['start 2@1000']);
  timers.advance(1);
  expect(log).toEqual(['start 2@1000', 'end 2@1300 quiet']);
});

test(
  'a quiet timer that fires late (a stalled page) waits for frames queued behind it before ending the ' + 'response',
  () => {
    const { tracker, log, timers } = tracked();
    tracker.expect(2);
    tracker.onFrame(audio(0), 1000);
    // The page stalls for 700 ms: the timer due at 400 fires at 700, before the frames queued meanwhile.
    timers.advance(700);
    expect(log).toEqual(['start 2@1000']);
    tracker.onFrame(audio(1), 1700);
    tracker.onFrame(audio(2, true), 1701);
    expect(log).toEqual(['start 2@1000', 'end 2@1701 final-frame']);
    // A stall with nothing queued behind it still ends the response, at its last frame, once a recheck finds nothing
    // new.
    tracker.expect(3);
    tracker.onFrame(audio(0), 5000);
    timers.advance(900);
    for (let i = 0; i < 5; i++) timers.advance(100);
    expect(log.at(-1)).toBe('end 3@5000 quiet');
  },
);

test('an end token ends a response only after it started', () => {
  const { tracker, log } = tracked();
  tracker.expect(3);
  tracker.onFrame({ kind: 'response-end' }, 10);
  expect(log).toEqual([]);
  tracker.onFrame(audio(0), 20);
  tracker.onFrame({ kind: 'response-end' }, 90);
  expect(log).toEqual(['start 3@20', 'end 3@90 end-token']);
});

test('barge-in: a stop ends the response at its last frame and the next utterance (frame 0) is the next turn', () => {
  const { tracker, log } = tracked();
  tracker.expect(1);
  tracker.onFrame(audio(0), 100);
  tracker.onFrame(audio(1), 150);
  tracker.expect(2); // the caller barged in: the next utterance answers turn 2
  tracker.onFrame(audio(2), 200); // still the interrupted answer
  tracker.onFrame({ kind: 'stop', action: 'audio_stop' }, 230);
  tracker.onFrame(audio(0), 900);
  expect(log).toEqual(['start 1@100', 'end 1@200 stopped', 'start 2@900']);
});

test('the late tail of an ended utterance never opens the next response', () => {
  const { tracker, log, timers } = tracked();
  tracker.expect(0);
  tracker.onFrame(audio(0), 100);
  timers.advance(400); // a stall: the quiet gap ends the greeting early
  tracker.expect(1);
  tracker.onFrame(audio(1), 600); // still the greeting
  tracker.onFrame(audio(2, true), 650);
  tracker.onFrame(audio(0), 2000); // the answer to turn 1
  expect(log).toEqual(['start 0@100', 'end 0@100 quiet', 'start 1@2000']);
});

test('a new utterance (frame 0) without a stop supersedes the running one', () => {
  const { tracker, log } = tracked();
  tracker.expect(1);
  tracker.onFrame(audio(0), 100);
  tracker.expect(2);
  tracker.onFrame(audio(1), 150);
  tracker.onFrame(audio(0), 400);
  expect(log).toEqual(['start 1@100', 'end 1@150 superseded', 'start 2@400']);
});

test('playback gaps: arrivals later than the audio already received (plus a 60 ms cushion) are underruns', () => {
  const { tracker, ended } = tracked(10_000);
  tracker.expect(1);
  // Real-time pacing: 50 ms of audio every 50 ms, then one frame 300 ms late.
  for (let k = 0; k < 5; k++) tracker.onFrame(audio(k), 1000 + 50 * k);
  tracker.onFrame(audio(5), 1000 + 250 + 300);
  tracker.onFrame(audio(6, true), 1000 + 300 + 300);
  const r = ended[0]!;
  expect(r.gaps).toBe(1);
  // Played by then: 550 - 60 = 490 ms; received before it: 250 ms -> 240 ms gap.
  expect(r.gapMs).toBe(240);
  expect(r.audioMs).toBe(350);
});

test(
  "audibility: the first audible output after a response's first frame dates its ttfa; silence is " +
    'tracked for barge-in',
  () => {
    const audible: Array<[number, number]> = [];
    const a = new Audibility((r, at) => audible.push([r.turn, at]));
    const r = (turn: number, firstAt: number) => ({ turn, firstAt }) as Response;
    a.onTransition({ kind: 'audible', at: 50 }); // greeting tail, before turn 1's audio
    a.onTransition({ kind: 'silent', at: 90 });
    a.onResponseStart(r(1, 100));
    a.onTransition({ kind: 'audible', at: 123 });
    a.onTransition({ kind: 'silent', at: 400 });
    a.onTransition({ kind: 'audible', at: 520 });
    a.onTransition({ kind: 'silent', at: 610 });
    expect(audible).toEqual([[1, 123]]);
    expect(a.lastSilenceStart(300, 700)).toBe(610);
    expect(a.lastSilenceStart(300, 550)).toBeNull();
  },
);

test(
  'audibility: audio reported after a response began, dated up to a render burst before its first ' +
    "frame, is that response's, at the frame",
  () => {
    const audible: Array<[number, number]> = [];
    const a = new Audibility((r, at) => audible.push([r.turn, at]));
    const r = (turn: number, firstAt: number) => ({ turn, firstAt }) as Response;
    // Known before the response began and well before its first frame: earlier output, not this response.
    a.onTransition({ kind: 'audible', at: 960 });
    a.onTransition({ kind: 'silent', at: 980 });
    a.onResponseStart(r(1, 1000));
    expect(audible).toEqual([]);
    // Reported once the response is under way, dated 12 ms early by the burst mapping.
    a.onTransition({ kind: 'audible', at: 988 });
    expect(audible).toEqual([[1, 1000]]);
    // A transition reported live but far earlier than the first frame is not the response's audio.
    a.onTransition({ kind: 'silent', at: 1500 });
    a.onResponseStart(r(2, 3000));
    a.onTransition({ kind: 'audible', at: 2900 });
    expect(audible).toEqual([[1, 1000]]);
    a.onTransition({ kind: 'silent', at: 2950 });
    a.onTransition({ kind: 'audible', at: 3020 });
    expect(audible).toEqual([
      [1, 1000],
      [2, 3020],
    ]);
  },
);
