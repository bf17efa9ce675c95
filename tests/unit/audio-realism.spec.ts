import { expect, test } from '@playwright/test';
import { bandPass, filter, responseDb, telephoneBandSections, telephoneChannel } from '../../harness/audio/filters';
import { generateNoise, pink } from '../../harness/audio/noise';
import { floatToInt16, int16ToFloat } from '../../harness/audio/pcm';
import { createRng } from '../../harness/random';
import {
  activeRms,
  applyTransform,
  DEFAULT_REALISM,
  drawTransform,
  renderScene,
  type TransformParams,
} from '../../harness/audio/realism';
import { measureSpeechExtent } from '../../harness/audio/vad';
import { knownSpeech, msOf, powerDb, RATE_HZ, samplesOf, tone } from '../helpers/audio-signals';

const params = (over: Partial<TransformParams>): TransformParams => ({
  seed: 1,
  noiseSeed: 7,
  noise: 'none',
  snrDb: null,
  telephone: 'none',
  levelDbfs: -24,
  leadSilenceMs: 700,
  trailSilenceMs: 900,
  ...over,
});

const SENTENCES = [
  { text: 'Can you help me check my account balance?', voice: 'flite-slt' as const },
  { text: "I'm calling about my auto insurance policy", voice: 'flite-rms' as const },
  { text: 'What happens if I get into an accident?', voice: 'flite-awb' as const },
];

test(
  'speech bounds are within 60 ms of the known speech, clean and with office or street noise at 10 dB ' + 'SNR',
  async () => {
    const speech = await knownSpeech(SENTENCES);
    const errorsMs: number[] = [];
    for (const [k, s] of speech.entries()) {
      // Known speech between known silences: 700 ms before, 900 ms after.
      const clean = new Float32Array(samplesOf(700) + s.length + samplesOf(900));
      clean.set(int16ToFloat(s), samplesOf(700));
      const truth = { startMs: 700, endMs: 700 + msOf(s.length) };
      for (const noise of ['none', 'office', 'street'] as const) {
        for (const telephone of ['none', 'band-8k'] as const) {
          const out = await renderScene(
            clean,
            params({ noise, snrDb: noise === 'none' ? null : 10, noiseSeed: 11 + k, telephone }),
          );
          expect(out.samples.length).toBe(clean.length);
          const what = `${SENTENCES[k]!.text} (${noise}, ${telephone})`;
          const startErr = Math.abs(out.speechStartMs - truth.startMs);
          const endErr = Math.abs(out.speechEndMs - truth.endMs);
          expect(startErr, `${what} start ${out.speechStartMs} vs ${truth.startMs}`).toBeLessThanOrEqual(60);
          expect(endErr, `${what} end ${out.speechEndMs} vs ${truth.endMs}`).toBeLessThanOrEqual(60);
          errorsMs.push(startErr, endErr);
        }
      }
      // Loading a cache without bounds measures the file the same way.
      const direct = (await measureSpeechExtent(floatToInt16(clean)))!;
      expect(Math.abs(direct.speechStartMs - truth.startMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(direct.speechEndMs - truth.endMs)).toBeLessThanOrEqual(60);
    }
    test.info().annotations.push({
      type: 'vad-bound-error-ms',
      description:
        `max ${Math.max(...errorsMs)}, mean ` + `${(errorsMs.reduce((a, b) => a + b, 0) / errorsMs.length).toFixed(1)}`,
    });
  },
);

test(
  'the generation pipeline puts the drawn silences around the speech, whatever the engine left at its ' + 'edges',
  async () => {
    const [s] = await knownSpeech([SENTENCES[2]!]);
    // An engine that leaves 400 ms of hiss (about -45 dBFS) before and 300 ms after the words.
    const hiss = (n: number) => Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 601) - 300);
    const raw = new Int16Array(samplesOf(400) + s!.length + samplesOf(300));
    raw.set(hiss(samplesOf(400)));
    raw.set(s!, samplesOf(400));
    raw.set(hiss(samplesOf(300)), samplesOf(400) + s!.length);
    for (const [leadSilenceMs, trailSilenceMs] of [
      [150, 300],
      [450, 700],
    ] as const) {
      const out = await applyTransform(raw, params({ leadSilenceMs, trailSilenceMs }));
      expect(Math.abs(out.speechStartMs - leadSilenceMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(msOf(out.samples.length) - out.speechEndMs - trailSilenceMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(out.speechEndMs - out.speechStartMs - msOf(s!.length))).toBeLessThanOrEqual(60);
    }
  },
);

test('noise is mixed at the asked SNR, over the speech, and the same seed gives the same bytes', async () => {
  const [s] = await knownSpeech([SENTENCES[0]!]);
  const clean = await applyTransform(s!, params({}));
  for (const noise of ['office', 'street'] as const) {
    for (const snrDb of [10, 20]) {
      const noisy = await applyTransform(s!, params({ noise, snrDb }));
      const c = int16ToFloat(clean.samples);
      const n = int16ToFloat(noisy.samples).map((v, i) => v - c[i]!);
      const from = samplesOf(clean.speechStartMs);
      const to = samplesOf(clean.speechEndMs);
      const measured = powerDb(c, from, to) - powerDb(n);
      expect(Math.abs(measured - snrDb), `${noise} at ${snrDb} dB measured ${measured.toFixed(2)} dB`).toBeLessThan(
        0.3,
      );
      // Noise fills the silences too: a room is never digitally silent.
      expect(powerDb(n, 0, samplesOf(500))).toBeGreaterThan(powerDb(c, from, to) - snrDb - 10);
      expect(noisy.speechStartMs).toBe(clean.speechStartMs);
      expect(noisy.speechEndMs).toBe(clean.speechEndMs);
    }
  }
  const a = await applyTransform(s!, params({ noise: 'office', snrDb: 15, noiseSeed: 5 }));
  const b = await applyTransform(s!, params({ noise: 'office', snrDb: 15, noiseSeed: 5 }));
  const c = await applyTransform(s!, params({ noise: 'office', snrDb: 15, noiseSeed: 6 }));
  expect(Buffer.from(a.samples.buffer).equals(Buffer.from(b.samples.buffer))).toBe(true);
  expect(Buffer.from(a.samples.buffer).equals(Buffer.from(c.samples.buffer))).toBe(false);
});

test('street noise is pink-like and office noise fluctuates like babble', () => {
  const lengthSamples = samplesOf(8000);
  const street = generateNoise('street', lengthSamples, RATE_HZ, createRng(3));
  const office = generateNoise('office', lengthSamples, RATE_HZ, createRng(3));
  // Octave-band power through a band-pass (Q = sqrt 2 spans one octave).
  const bandDb = (x: Float32Array, lowHz: number, highHz: number) =>
    powerDb(filter(x, [bandPass(Math.sqrt(lowHz * highHz), RATE_HZ, Math.SQRT2)]));
  // Pink noise has equal power per octave (white gains 3 dB per octave); street adds traffic rumble, so lows dominate.
  const steady = pink(lengthSamples, createRng(4));
  expect(Math.abs(bandDb(steady, 250, 500) - bandDb(steady, 2000, 4000))).toBeLessThan(1.5);
  const streetTilt = bandDb(street, 250, 500) - bandDb(street, 2000, 4000);
  expect(streetTilt, `street 250-500 Hz over 2-4 kHz: ${streetTilt.toFixed(1)} dB`).toBeGreaterThan(3);
  // Babble: 40 ms frame energy swings with syllables and pauses far more than steady noise does.
  const swingDb = (x: Float32Array) => {
    const frames: number[] = [];
    for (let i = 0; i + 640 <= x.length; i += 640) frames.push(powerDb(x, i, i + 640));
    frames.sort((p, q) => p - q);
    return frames[Math.floor(frames.length * 0.9)]! - frames[Math.floor(frames.length * 0.1)]!;
  };
  expect(swingDb(office)).toBeGreaterThan(swingDb(steady) + 3);
});

test('the telephone channel passes 300-3400 Hz and removes the rest; band-8k also drops everything above 4 kHz', () => {
  const sections = telephoneBandSections(RATE_HZ);
  expect(Math.abs(responseDb(sections, 1000, RATE_HZ))).toBeLessThan(0.5);
  // Butterworth: -3 dB at each band edge.
  expect(responseDb(sections, 300, RATE_HZ)).toBeCloseTo(-3, 0);
  expect(responseDb(sections, 3400, RATE_HZ)).toBeCloseTo(-3, 0);
  expect(responseDb(sections, 100, RATE_HZ)).toBeLessThan(-30);
  expect(responseDb(sections, 6000, RATE_HZ)).toBeLessThan(-25);
  const gainDb = (freqHz: number, mode: 'band' | 'band-8k') => {
    const x = tone(freqHz, 500);
    const y = telephoneChannel(x, RATE_HZ, mode);
    expect(y.length).toBe(x.length);
    // Skip the filters' settling at the start and end.
    return powerDb(y, samplesOf(100), samplesOf(400)) - powerDb(x, samplesOf(100), samplesOf(400));
  };
  expect(Math.abs(gainDb(1000, 'band'))).toBeLessThan(0.5);
  expect(gainDb(120, 'band')).toBeLessThan(-20);
  expect(gainDb(5000, 'band')).toBeLessThan(-20);
  expect(Math.abs(gainDb(1000, 'band-8k'))).toBeLessThan(1);
  expect(gainDb(4500, 'band-8k')).toBeLessThan(-40);
});

test('level and silences follow the drawn parameters; draws are reproducible and vary per file', async () => {
  const [s] = await knownSpeech([SENTENCES[1]!]);
  for (const levelDbfs of [-30, -24, -18]) {
    const out = await applyTransform(s!, params({ levelDbfs, leadSilenceMs: 300, trailSilenceMs: 500 }));
    const x = int16ToFloat(out.samples);
    expect(out.levelDbfs).toBeCloseTo(levelDbfs, 1);
    expect(20 * Math.log10(activeRms(x))).toBeCloseTo(levelDbfs, 0);
    // Clean output: the lead and trail are true silence.
    expect(x.subarray(0, samplesOf(300)).every((v) => v === 0)).toBe(true);
    expect(x.subarray(x.length - samplesOf(500)).every((v) => v === 0)).toBe(true);
  }
  const opts = { ...DEFAULT_REALISM, seed: 42 };
  const draws = Array.from({ length: 50 }, (_, i) => drawTransform(opts, ['quick_question', 'flite-slt', i]));
  expect(drawTransform(opts, ['quick_question', 'flite-slt', 3])).toEqual(draws[3]);
  for (const d of draws) {
    expect(d.leadSilenceMs).toBeGreaterThanOrEqual(150);
    expect(d.leadSilenceMs).toBeLessThanOrEqual(450);
    expect(d.trailSilenceMs).toBeGreaterThanOrEqual(300);
    expect(d.trailSilenceMs).toBeLessThanOrEqual(700);
    expect(Math.abs(d.levelDbfs - -24)).toBeLessThanOrEqual(3);
  }
  expect(new Set(draws.map((d) => d.leadSilenceMs)).size).toBeGreaterThan(10);
  expect(new Set(draws.map((d) => d.levelDbfs)).size).toBeGreaterThan(10);
});
