import { expect, test } from '@playwright/test';
import { ResponseTracker } from '../../harness/page/responses';
import type { PageEvent } from '../../harness/page/types';

/** Manual timers: the quiet-gap logic is tested without waiting. */
function fakeTimers() {
  const pending = new Map<number, { fn: () => void; at: number }>();
  let id = 0;
  let now = 0;
  return {
    set: (fn: () => void, ms: number) => { pending.set(++id, { fn, at: now + ms }); return id; },
    clear: (h: unknown) => { pending.delete(h as number); },
    advance(ms: number) {
      now += ms;
      for (const [k, t] of [...pending]) if (t.at <= now) { pending.delete(k); t.fn(); }
    },
  };
}

const audio = (frameIndex: number, isFinal = false) => ({ kind: 'audio' as const, frameIndex, isFinal, audioBytes: 4800 });

test('a response starts at its first frame and ends at the final frame', () => {
  const events: PageEvent[] = [];
  const tracker = new ResponseTracker(400, (e) => events.push(e), fakeTimers());
  tracker.onFrame(audio(0), 5); // before anything is expected: ignored
  tracker.expect(1);
  tracker.onFrame(audio(0), 100);
  tracker.onFrame(audio(1), 150);
  tracker.onFrame(audio(2, true), 200);
  tracker.onFrame(audio(3), 250);
  expect(events).toEqual([
    { type: 'response-start', at: 100, turn: 1, frameIndex: 0 },
    { type: 'response-end', at: 200, turn: 1, reason: 'final-frame', frames: 3 },
  ]);
});

test('without a final frame the response ends at its last frame once the quiet gap passes', () => {
  const events: PageEvent[] = [];
  const timers = fakeTimers();
  const tracker = new ResponseTracker(400, (e) => events.push(e), timers);
  tracker.expect(2);
  tracker.onFrame(audio(0), 1000);
  timers.advance(300);
  tracker.onFrame(audio(1), 1300);
  timers.advance(399);
  expect(events.map((e) => e.type)).toEqual(['response-start']);
  timers.advance(1);
  expect(events[1]).toEqual({ type: 'response-end', at: 1300, turn: 2, reason: 'quiet', frames: 2 });
});

test('an end token ends a response only after it started', () => {
  const events: PageEvent[] = [];
  const tracker = new ResponseTracker(400, (e) => events.push(e), fakeTimers());
  tracker.expect(3);
  tracker.onFrame({ kind: 'response-end' }, 10);
  expect(events).toEqual([]);
  tracker.onFrame(audio(0), 20);
  tracker.onFrame({ kind: 'response-end' }, 90);
  expect(events.at(-1)).toEqual({ type: 'response-end', at: 90, turn: 3, reason: 'end-token', frames: 1 });
});
