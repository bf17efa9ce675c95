import { bandPass, filter, highPass, lowPass } from './filters';
import type { Rng } from '../random';

/**
 * Procedural background noise, so realistic rooms need no downloaded
 * recordings (and no licences). Each generator returns noise normalised to an
 * RMS of 1.0; the caller scales it to the wanted SNR.
 *
 * - office: distant babble of several talkers (a small formant synthesiser
 *   with syllable and phrase rhythm), ventilation rumble and bursts of typing.
 * - street: broadband traffic hiss (pink), low rumble (brown) and passing
 *   vehicles that swell and fade over a few seconds.
 */
export type NoiseKind = 'none' | 'office' | 'street';
export const NOISE_KINDS: readonly NoiseKind[] = ['none', 'office', 'street'];

export function generateNoise(
  kind: Exclude<NoiseKind, 'none'>,
  length: number,
  sampleRateHz: number,
  rng: Rng,
): Float32Array {
  const out = kind === 'office' ? office(length, sampleRateHz, rng) : street(length, sampleRateHz, rng);
  return normalise(out);
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! * x[i]!;
  return to > from ? Math.sqrt(e / (to - from)) : 0;
}

function normalise(x: Float32Array): Float32Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i]! /= r;
  return x;
}

/** Mixes components (each normalised first) with linear weights. */
function mix(length: number, parts: Array<[Float32Array, number]>): Float32Array {
  const out = new Float32Array(length);
  for (const [x, weight] of parts) {
    normalise(x);
    for (let i = 0; i < length; i++) out[i]! += weight * x[i]!;
  }
  return out;
}

function white(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.gaussian();
  return out;
}

/** Paul Kellet's refined pink filter: within 0.05 dB of 1/f above 10 Hz. */
export function pink(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < length; i++) {
    const w = rng.gaussian();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return out;
}

/** Leaky-integrated white noise: a 1/f^2 rumble below ~100 Hz. */
export function brown(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  let y = 0;
  for (let i = 0; i < length; i++) {
    y = 0.997 * y + rng.gaussian() * 0.05;
    out[i] = y;
  }
  return out;
}

/** Raised-cosine ramps so gated sounds start and stop without clicks. */
function ramp(i: number, length: number, rampSamples: number): number {
  const r = Math.min(rampSamples, length / 2);
  if (i < r) return 0.5 - 0.5 * Math.cos((Math.PI * i) / r);
  if (i >= length - r) return 0.5 - 0.5 * Math.cos((Math.PI * (length - i)) / r);
  return 1;
}

/**
 * One background talker: a glottal sawtooth with jittered pitch through two
 * formant resonators that change every syllable (120-300 ms), with fricative
 * noise between syllables and pauses between phrases. Summed, several of these
 * have the spectrum and the 3-6 Hz modulation of real babble.
 */
function talker(length: number, rateHz: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  const baseF0Hz = rng.uniform(90, 230);
  let t = Math.floor(rng.uniform(0, 1.5) * rateHz);
  let phraseEnd = t + Math.floor(rng.uniform(1.5, 4) * rateHz);
  let phase = 0;
  while (t < length) {
    if (t >= phraseEnd) {
      t += Math.floor(rng.uniform(0.3, 0.9) * rateHz);
      phraseEnd = t + Math.floor(rng.uniform(1.5, 4) * rateHz);
      continue;
    }
    const syllable = Math.min(length - t, Math.floor(rng.uniform(0.12, 0.3) * rateHz));
    const f0Hz = baseF0Hz * rng.uniform(0.85, 1.2);
    const formants = [bandPass(rng.uniform(300, 850), rateHz, 4), bandPass(rng.uniform(900, 2400), rateHz, 7)];
    const source = new Float32Array(syllable);
    for (let i = 0; i < syllable; i++) {
      phase += (f0Hz * (1 + 0.01 * rng.gaussian())) / rateHz;
      phase -= Math.floor(phase);
      source[i] = (phase - 0.5) * ramp(i, syllable, syllable * 0.3) + 0.05 * rng.gaussian();
    }
    const voiced = filter(source, formants.slice(0, 1));
    const second = filter(source, formants.slice(1));
    for (let i = 0; i < syllable; i++) out[t + i] = voiced[i]! + 0.6 * second[i]!;
    t += syllable;
    // A consonant gap: silence or a short fricative.
    const gap = Math.min(length - t, Math.floor(rng.uniform(0.03, 0.1) * rateHz));
    if (gap > 0 && rng.next() < 0.5) {
      const fric = filter(white(gap, rng), [highPass(rng.uniform(2500, 4500), rateHz)]);
      for (let i = 0; i < gap; i++) out[t + i] = 0.15 * fric[i]! * ramp(i, gap, gap * 0.3);
    }
    t += gap;
  }
  return out;
}

function babble(length: number, rateHz: number, talkers: number, rng: Rng): Float32Array {
  const parts: Array<[Float32Array, number]> = [];
  for (let k = 0; k < talkers; k++) parts.push([talker(length, rateHz, rng), rng.uniform(0.5, 1)]);
  // Distant talkers lose their highs to the room.
  return filter(mix(length, parts), [lowPass(3000, rateHz)]);
}

/** Bursts of typing: clicks every 80-250 ms for 1-3 s, then a pause. */
function typing(length: number, rateHz: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  const clickSamples = Math.floor(0.006 * rateHz);
  let t = Math.floor(rng.uniform(0, 2) * rateHz);
  while (t < length) {
    const burstEnd = t + Math.floor(rng.uniform(1, 3) * rateHz);
    while (t < Math.min(burstEnd, length)) {
      const amp = rng.uniform(0.4, 1);
      for (let i = 0; i < clickSamples && t + i < length; i++)
        out[t + i] = amp * rng.gaussian() * Math.exp(-i / (clickSamples / 4));
      t += Math.floor(rng.uniform(0.08, 0.25) * rateHz);
    }
    t += Math.floor(rng.uniform(1, 4) * rateHz);
  }
  return filter(out, [highPass(1000, rateHz)]);
}

function office(length: number, rateHz: number, rng: Rng): Float32Array {
  const hvac = filter(pink(length, rng), [lowPass(300, rateHz)]);
  return mix(length, [
    [babble(length, rateHz, 6, rng), 1],
    [hvac, 0.5],
    [typing(length, rateHz, rng), 0.25],
  ]);
}

/** Vehicles passing: Gaussian swells 2-6 s wide of low-passed noise. */
function traffic(length: number, rateHz: number, rng: Rng): Float32Array {
  const engine = filter(white(length, rng), [lowPass(rng.uniform(400, 900), rateHz), highPass(40, rateHz)]);
  const envelope = new Float32Array(length).fill(0.15);
  let t = Math.floor(rng.uniform(-2, 2) * rateHz);
  while (t < length) {
    const widthSamples = rng.uniform(2, 6) * rateHz;
    const centre = t + widthSamples / 2;
    const peak = rng.uniform(0.5, 1);
    const from = Math.max(0, Math.floor(centre - 2 * widthSamples));
    const to = Math.min(length, Math.ceil(centre + 2 * widthSamples));
    for (let i = from; i < to; i++) envelope[i]! += peak * Math.exp(-0.5 * ((i - centre) / (widthSamples / 4)) ** 2);
    t += Math.floor(rng.uniform(1.5, 5) * rateHz);
  }
  for (let i = 0; i < length; i++) engine[i]! *= envelope[i]!;
  return engine;
}

function street(length: number, rateHz: number, rng: Rng): Float32Array {
  const hiss = filter(pink(length, rng), [highPass(80, rateHz)]);
  const rumble = filter(brown(length, rng), [highPass(20, rateHz)]);
  return mix(length, [
    [hiss, 1],
    [rumble, 0.6],
    [traffic(length, rateHz, rng), 0.8],
  ]);
}
