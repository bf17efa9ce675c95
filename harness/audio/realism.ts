import { telephoneChannel, type TelephoneMode } from './filters';
import { generateNoise, rms, type NoiseKind } from './noise';
import { CALLER_SAMPLE_RATE_HZ, floatToInt16, int16ToFloat } from './pcm';
import { rngFor } from './random';
import { measureSpeechExtent, type SpeechBounds } from './vad';

/**
 * Realism transforms applied to synthesized speech: natural silence around
 * the utterance, a speaking level, background noise at an SNR and a phone
 * channel. Every random value is drawn from the run seed, so the same options
 * always give the same bytes.
 */
export interface RealismOptions {
  seed: number;
  noise: NoiseKind;
  /** Speech power (over the speech bounds) over noise power, in dB. */
  snrDb: number;
  telephone: TelephoneMode;
  /** Target active-speech RMS level, dBFS. */
  levelDbfs: number;
  /** Each file's level is drawn uniformly within +/- this of levelDbfs. */
  levelVariationDb: number;
  /** Silence before the first speech sample: [min, max] ms, drawn per file. */
  leadSilenceMs: readonly [number, number];
  trailSilenceMs: readonly [number, number];
}

export const DEFAULT_REALISM: RealismOptions = {
  seed: 1,
  noise: 'none',
  snrDb: 20,
  telephone: 'none',
  levelDbfs: -24,
  levelVariationDb: 3,
  leadSilenceMs: [150, 450],
  trailSilenceMs: [300, 700],
};

/** The transform of one file: what the manifest records and the content hash covers. */
export interface TransformParams {
  /** The run's seed, from which every value below was drawn. */
  seed: number;
  /** This file's own noise stream. */
  noiseSeed: number;
  noise: NoiseKind;
  snrDb: number | null;
  telephone: TelephoneMode;
  levelDbfs: number;
  leadSilenceMs: number;
  trailSilenceMs: number;
}

/** Peak ceiling after level change, so no file clips before noise is added. */
const PEAK_CEILING_DBFS = -1;
/** A TTS engine's own edge silence ends where the signal first rises within this of its loudest 5 ms. */
const EDGE_BELOW_PEAK_DB = 50;

/** Draws one file's parameters; `key` names the file (scenario, caller, turn). */
export function drawTransform(opts: RealismOptions, key: readonly (string | number)[]): TransformParams {
  const rng = rngFor(opts.seed, 'transform', ...key);
  const round = (v: number, step: number) => Math.round(v / step) * step;
  return {
    seed: opts.seed,
    noiseSeed: rngFor(opts.seed, 'noise', ...key).next() * 2 ** 32 >>> 0,
    noise: opts.noise,
    snrDb: opts.noise === 'none' ? null : opts.snrDb,
    telephone: opts.telephone,
    levelDbfs: Number((opts.levelDbfs + rng.uniform(-opts.levelVariationDb, opts.levelVariationDb)).toFixed(1)),
    leadSilenceMs: round(rng.uniform(opts.leadSilenceMs[0], opts.leadSilenceMs[1]), 10),
    trailSilenceMs: round(rng.uniform(opts.trailSilenceMs[0], opts.trailSilenceMs[1]), 10),
  };
}

/** Names the listening condition: files with the same variant form one caller track. */
export function variantName(p: Pick<TransformParams, 'noise' | 'snrDb' | 'telephone'>): string {
  const parts = [p.noise === 'none' ? 'clean' : `${p.noise}-${p.snrDb}db`];
  if (p.telephone !== 'none') parts.push(p.telephone === 'band' ? 'phone' : 'phone-8k');
  return parts.join('+');
}

export interface TransformedAudio extends SpeechBounds {
  samples: Int16Array;
  /** The speech level actually reached (lower than asked when the peak ceiling limited it), dBFS. */
  levelDbfs: number;
}

/**
 * speech -> trim the engine's own edge silence -> level -> natural silence ->
 * [speech bounds measured here, on clean speech] -> + noise at SNR -> phone channel.
 * Bounds come from the clean signal so noise can never move `t_se`.
 */
export async function applyTransform(speech: Int16Array, p: TransformParams, sampleRateHz = CALLER_SAMPLE_RATE_HZ): Promise<TransformedAudio> {
  const trimmed = trimEdges(int16ToFloat(speech), sampleRateHz);
  if (trimmed.length === 0) throw new Error('synthesized audio is silent');
  const active = activeRms(trimmed, sampleRateHz);
  let gain = Math.pow(10, p.levelDbfs / 20) / active;
  const peak = trimmed.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  gain = Math.min(gain, Math.pow(10, PEAK_CEILING_DBFS / 20) / peak);
  const lead = Math.round((p.leadSilenceMs * sampleRateHz) / 1000);
  const trail = Math.round((p.trailSilenceMs * sampleRateHz) / 1000);
  const clean = new Float32Array(lead + trimmed.length + trail);
  for (let i = 0; i < trimmed.length; i++) clean[lead + i] = trimmed[i]! * gain;

  const bounds = await measureSpeechExtent(floatToInt16(clean), sampleRateHz);
  if (!bounds) throw new Error('no speech detected in synthesized audio');

  let mixed: Float32Array = clean;
  if (p.noise !== 'none' && p.snrDb !== null) {
    const from = Math.floor((bounds.speechStartMs * sampleRateHz) / 1000);
    const to = Math.min(clean.length, Math.ceil((bounds.speechEndMs * sampleRateHz) / 1000));
    const noise = generateNoise(p.noise, clean.length, sampleRateHz, rngFor(p.noiseSeed));
    const noiseGain = rms(clean, from, to) / Math.pow(10, p.snrDb / 20);
    mixed = new Float32Array(clean.length);
    for (let i = 0; i < clean.length; i++) mixed[i] = clean[i]! + noiseGain * noise[i]!;
  }
  if (p.telephone !== 'none') mixed = telephoneChannel(mixed, sampleRateHz, p.telephone);
  return { samples: floatToInt16(mixed), ...bounds, levelDbfs: Number((20 * Math.log10(active * gain)).toFixed(1)) };
}

/** Cuts leading/trailing 5 ms windows more than EDGE_BELOW_PEAK_DB below the loudest one. */
function trimEdges(x: Float32Array, sampleRateHz: number): Float32Array {
  const win = Math.round(0.005 * sampleRateHz);
  const levels: number[] = [];
  for (let i = 0; i < x.length; i += win) levels.push(rms(x, i, Math.min(x.length, i + win)));
  const threshold = Math.max(...levels, 0) * Math.pow(10, -EDGE_BELOW_PEAK_DB / 20);
  let first = -1;
  let last = -1;
  for (let i = 0; i < x.length; i += win) {
    if (threshold > 0 && levels[i / win]! > threshold) {
      if (first < 0) first = i;
      last = Math.min(x.length, i + win);
    }
  }
  return first < 0 ? new Float32Array(0) : x.slice(first, last);
}

/**
 * RMS over the active part of the utterance: 10 ms frames within 35 dB of the
 * loudest, so pauses inside a sentence do not lower the measured level
 * (a simplified ITU-T P.56 active speech level).
 */
export function activeRms(x: Float32Array, sampleRateHz = CALLER_SAMPLE_RATE_HZ): number {
  const n = Math.round(0.01 * sampleRateHz);
  const energies: number[] = [];
  for (let i = 0; i + n <= x.length; i += n) energies.push(rms(x, i, i + n) ** 2);
  if (energies.length === 0) return rms(x);
  const max = Math.max(...energies);
  const active = energies.filter((e) => e >= max * Math.pow(10, -35 / 10));
  return Math.sqrt(active.reduce((s, e) => s + e, 0) / active.length);
}
