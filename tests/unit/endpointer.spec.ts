import { expect, test } from '@playwright/test';
import { synthesizeWithFlite } from '../../harness/audio/flite';
import { createVad, measureSpeechBounds } from '../../harness/audio/vad';
import { Endpointer, type EndpointEvent } from '../../fixtures/agent/endpointer';

const RATE = 16000;
const ms = (n: number) => (n * RATE) / 1000;

test('the endpointer closes a turn after the hang-over and reports where speech ended', async () => {
  const [speech] = await synthesizeWithFlite([
    { text: 'Can you help me check my account balance?', voice: 'flite-slt' },
  ]);
  const signal = new Int16Array(ms(1000) + speech!.length + ms(1500));
  signal.set(speech!, ms(1000));
  const bounds = (await measureSpeechBounds(signal))!;
  const ep = new Endpointer(await createVad(RATE, 3), { onsetMs: 30, silenceMs: 500, minSpeechMs: 200 });
  const events: EndpointEvent[] = [];
  // 20 ms chunks "arriving" in real time: arrival time = stream time.
  for (let off = 0; off < signal.length; off += ms(20)) {
    events.push(...ep.push(signal.subarray(off, off + ms(20)), (off + ms(20)) / (RATE / 1000)));
  }
  const start = events.find((e) => e.kind === 'speech-start')!;
  const end = events.find((e) => e.kind === 'speech-end');
  expect(events.filter((e) => e.kind === 'speech-end')).toHaveLength(1);
  expect(Math.abs(start.startSample / ms(1) - bounds.speechStartMs)).toBeLessThanOrEqual(30);
  if (end?.kind !== 'speech-end') throw new Error('no speech-end');
  expect(Math.abs(end.endSample / ms(1) - bounds.speechEndMs)).toBeLessThanOrEqual(30);
  // Decided once 500 ms of silence followed the last voiced frame (20 ms chunk granularity).
  expect(end.atMs - end.endSample / ms(1)).toBeGreaterThanOrEqual(500);
  expect(end.atMs - end.endSample / ms(1)).toBeLessThan(500 + 20 + 1);
});

// WebRTC VAD holds "voiced" ~100 ms past an abrupt stop, so the burst is 60 ms for a 200 ms minimum.
test('a burst shorter than the minimum speech is noise, not a turn', async () => {
  const [speech] = await synthesizeWithFlite([{ text: 'Hmm.', voice: 'flite-rms' }]);
  const bounds = (await measureSpeechBounds(speech!))!;
  const burst = speech!.subarray(ms(bounds.speechStartMs), ms(bounds.speechStartMs) + ms(60));
  const signal = new Int16Array(ms(500) + burst.length + ms(800));
  signal.set(burst, ms(500));
  const ep = new Endpointer(await createVad(RATE, 3), { onsetMs: 30, silenceMs: 500, minSpeechMs: 200 });
  const kinds = ep
    .push(signal, 0)
    .map((e) => e.kind)
    .filter((k) => k !== 'speech-continues');
  expect(kinds).toEqual(['speech-start', 'noise']);
});
