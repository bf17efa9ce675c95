import { expect, test } from '@playwright/test';
import { LastLoudSample } from '../../fixtures/agent/last-loud';

const RATE_HZ = 16_000;
const FRAME = 320; // 20 ms

/** 2 s of 20 ms frames whose sound ends `endSample` samples in, sent the way a browser sends them. */
function feed(endSample: number, arrivalOf: (frameEndMs: number) => number): LastLoudSample {
  const detector = new LastLoudSample(RATE_HZ);
  for (let first = 0; first < 2 * RATE_HZ; first += FRAME) {
    const frame = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) if (first + i < endSample) frame[i] = 8000;
    detector.push(frame, arrivalOf(((first + FRAME) / RATE_HZ) * 1000));
  }
  return detector;
}

test('the last sound is dated on the stream clock: a client sending in render bursts does not move it', () => {
  // The sound ends 1234.5 ms in (sample 19752 is the last loud one: its end is 1234.5 ms).
  const endSample = 19_752;
  const transitMs = 3;
  const startMs = 10_000;
  // Frames leave in 60 ms bursts: each frame waits for the burst that ends after it (0 to 40 ms of waiting).
  const burstMs = 60;
  const bursty = feed(endSample, (endMs) => startMs + Math.ceil(endMs / burstMs) * burstMs + transitMs).latest!;
  const steady = feed(endSample, (endMs) => startMs + endMs + transitMs).latest!;
  expect(steady.lastLoudStreamMs).toBe(1234.5);
  // Sent at once, the clock and the arrival agree: the sample's moment plus transit.
  expect(steady.lastLoudArrivalMs).toBeCloseTo(startMs + 1234.5 + transitMs, 3);
  expect(steady.lastLoudClockMs).toBeCloseTo(startMs + 1234.5 + transitMs, 3);
  // In bursts the arrival is late by the wait for the burst (1260 - 1240 ms here); the clock is not.
  expect(bursty.lastLoudArrivalMs - steady.lastLoudArrivalMs).toBeCloseTo(20, 3);
  expect(bursty.lastLoudClockMs).toBeCloseTo(steady.lastLoudClockMs, 3);
});

test('a lasting step in the stream clock (a client stalled and never caught up) is followed within a second', () => {
  const detector = new LastLoudSample(RATE_HZ);
  const frame = (loud: boolean) => new Int16Array(FRAME).fill(loud ? 8000 : 0);
  // 1 s on time, then every frame 200 ms later for good; the sound ends 1.5 s after the step.
  for (let k = 0; k < 50; k++) detector.push(frame(false), 10_000 + (k + 1) * 20);
  for (let k = 50; k < 125; k++) detector.push(frame(true), 10_200 + (k + 1) * 20);
  for (let k = 125; k < 150; k++) detector.push(frame(false), 10_200 + (k + 1) * 20);
  const end = detector.latest!;
  expect(end.lastLoudStreamMs).toBe(2500);
  expect(end.lastLoudClockMs).toBeCloseTo(10_200 + 2500, 3);
});

test('chunks of a few ms (more than the record first holds) date the sound as 20 ms chunks do', () => {
  // 5 ms chunks: 200 within the clock's window of 1 s, so the record of recent chunks grows and wraps round.
  const chunk = 80;
  const detector = new LastLoudSample(RATE_HZ);
  // 1 s on time, then every chunk 200 ms later for good; the sound ends 1.5 s after the step, then 0.3 s of quiet.
  for (let k = 0; k < 560; k++) {
    const endMs = ((k + 1) * chunk * 1000) / RATE_HZ;
    detector.push(new Int16Array(chunk).fill(k >= 200 && k < 500 ? 8000 : 0), 10_000 + endMs + (k >= 200 ? 200 : 0));
  }
  const end = detector.latest!;
  expect(end.lastLoudStreamMs).toBe(2500);
  expect(end.lastLoudClockMs).toBeCloseTo(10_200 + 2500, 3);
  expect(end.firstLoudStreamMs).toBe(1000);
  expect(end.firstLoudClockMs).toBeCloseTo(10_200 + 1000, 3);
});

test('a step just before the sound ends dates it by the frames after it, as the page dates its samples', () => {
  const detector = new LastLoudSample(RATE_HZ, 500);
  const frame = (loud: boolean) => new Int16Array(FRAME).fill(loud ? 8000 : 0);
  // Sound from 0.5 s to 2 s; 100 ms before its end the client's audio falls 30 ms behind for good; 0.5 s of silence.
  for (let k = 0; k < 125; k++) {
    const lateMs = k >= 95 ? 30 : 0;
    detector.push(frame(k >= 25 && k < 100), 10_000 + (k + 1) * 20 + lateMs);
  }
  const end = detector.latest!;
  expect(end.lastLoudStreamMs).toBe(2000);
  expect(end.lastLoudClockMs).toBeCloseTo(10_030 + 2000, 3);
});

test('a sound after 300 ms of quiet dates its first sample as an onset, on the same clock as its end', () => {
  const detector = new LastLoudSample(RATE_HZ);
  // Sound from 100 to 500 ms, a 200 ms pause (a breath: no new onset), sound again to 900 ms, quiet, then a new
  // sound from sample 24_005 (1500.3125 ms) to 1800 ms. Frames arrive 50 ms after their end, the agent stamping
  // those of 1500-1700 ms 150 ms late (its own process not run): the onset is dated by the frames' least offset.
  const loud = (n: number) => (n >= 1600 && n < 8000) || (n >= 11_200 && n < 14_400) || (n >= 24_005 && n < 28_800);
  for (let first = 0; first < 2 * RATE_HZ; first += FRAME) {
    const frame = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) if (loud(first + i)) frame[i] = 8000;
    const endMs = ((first + FRAME) / RATE_HZ) * 1000;
    detector.push(frame, 10_000 + endMs + 50 + (endMs > 1500 && endMs < 1700 ? 150 : 0));
    if (first + FRAME === 16_000) {
      // After the first sound and its breath: its onset is its first sample, not the breath's end.
      expect(detector.latest!.firstLoudStreamMs).toBe(100);
      expect(detector.latest!.firstLoudClockMs).toBeCloseTo(10_000 + 100 + 50, 3);
    }
  }
  const l = detector.latest!;
  expect(l.firstLoudStreamMs).toBe(1500.313);
  expect(l.lastLoudStreamMs).toBe(1800);
  expect(l.firstLoudClockMs).toBeCloseTo(10_000 + 1500.3125 + 50, 2);
  expect(l.lastLoudClockMs! - l.firstLoudClockMs!).toBeCloseTo(1800 - 1500.3125, 2);
});

test('the audio that decides a speech end reads how late it arrived on the stream clock', () => {
  const detector = new LastLoudSample(RATE_HZ);
  const frame = (loud: boolean) => new Int16Array(FRAME).fill(loud ? 8000 : 0);
  expect(detector.newestLateMs).toBeUndefined();
  // 1 s of sound, then quiet, every frame on time (3 ms transit) but for the last, held 35 ms on its way.
  for (let k = 0; k < 50; k++) detector.push(frame(true), 10_003 + (k + 1) * 20);
  for (let k = 50; k < 74; k++) detector.push(frame(false), 10_003 + (k + 1) * 20);
  expect(detector.newestLateMs).toBe(0);
  detector.push(frame(false), 10_003 + 75 * 20 + 35);
  expect(detector.newestLateMs).toBe(35);
  // Sent in 60 ms bursts, nothing held: late by no more than the wait for its burst.
  const bursty = feed(16_000, (endMs) => 10_000 + Math.ceil(endMs / 60) * 60 + 3);
  expect(bursty.newestLateMs).toBeGreaterThanOrEqual(0);
  expect(bursty.newestLateMs).toBeLessThanOrEqual(40);
});
