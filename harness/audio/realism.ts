import { telephoneChannel, type TelephoneMode } from './filters';
import { generateNoise, rms, type NoiseKind } from './noise';
import { CALLER_SAMPLE_RATE_HZ, floatToInt16, int16ToFloat } from './pcm';
import { rngFor } from '../random';
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
/** Audio kept beyond the engine's speech bounds when its own edge silence is cut. */
const EDGE_MARGIN_MS = 50;

/** Draws one file's parameters; `key` names the file (scenario, caller, turn). */
export function drawTransform(opts: RealismOptions, key: readonly (string | number)[]): TransformParams {
  const rng = rngFor(opts.seed, 'transform', ...key);
  const round = (v: number, step: number) => Math.round(v / step) * step;
  return {
    seed: opts.seed,
    noiseSeed: (rngFor(opts.seed, 'noise', ...key).next() * 2 ** 32) >>> 0,
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
 * speech -> cut the engine's own edge silence (and breaths) -> level -> natural
 * silence -> [speech bounds measured here, on clean speech] -> + noise at SNR
 * -> phone channel. Bounds come from the clean signal, so noise can never move `t_se`.
 */
export async function applyTransform(
  speech: Int16Array,
  p: TransformParams,
  sampleRateHz = CALLER_SAMPLE_RATE_HZ,
): Promise<TransformedAudio> {
  const { clean, levelDbfs } = await placeSpeech(speech, p, sampleRateHz);
  return { ...(await renderScene(clean, p, sampleRateHz)), levelDbfs };
}

/** The speech at its drawn level between the drawn silences, as floats (not yet clipped to 16 bits). */
export async function placeSpeech(
  speech: Int16Array,
  p: TransformParams,
  sampleRateHz = CALLER_SAMPLE_RATE_HZ,
): Promise<{ clean: Float32Array; levelDbfs: number }> {
  const own = await measureSpeechExtent(speech, sampleRateHz);
  if (!own) throw new Error('no speech detected in synthesized audio');
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  // Keep a margin around the VAD's speech so weak onsets and releases survive the cut.
  const from = Math.max(0, toSamples(own.speechStartMs - EDGE_MARGIN_MS));
  const to = Math.min(speech.length, toSamples(own.speechEndMs + EDGE_MARGIN_MS));
  const trimmed = int16ToFloat(speech.subarray(from, to));
  const active = activeRms(trimmed, sampleRateHz);
  let gain = 10 ** (p.levelDbfs / 20) / active;
  const peak = trimmed.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  gain = Math.min(gain, 10 ** (PEAK_CEILING_DBFS / 20) / peak);
  // The drawn silences are measured from the speech itself, margin included.
  const lead = Math.max(0, toSamples(p.leadSilenceMs) - (toSamples(own.speechStartMs) - from));
  const trail = Math.max(0, toSamples(p.trailSilenceMs) - (to - toSamples(own.speechEndMs)));
  const clean = new Float32Array(lead + trimmed.length + trail);
  for (let i = 0; i < trimmed.length; i++) clean[lead + i] = trimmed[i]! * gain;
  return { clean, levelDbfs: Number((20 * Math.log10(active * gain)).toFixed(1)) };
}

/** Measures the speech bounds on `clean`, then adds the noise and the phone channel. */
export async function renderScene(
  clean: Float32Array,
  p: TransformParams,
  sampleRateHz = CALLER_SAMPLE_RATE_HZ,
): Promise<SpeechBounds & { samples: Int16Array }> {
  const bounds = await measureSpeechExtent(floatToInt16(clean), sampleRateHz);
  if (!bounds) throw new Error('no speech detected in synthesized audio');
  let mixed: Float32Array = clean;
  if (p.noise !== 'none' && p.snrDb !== null) {
    const from = Math.floor((bounds.speechStartMs * sampleRateHz) / 1000);
    const to = Math.min(clean.length, Math.ceil((bounds.speechEndMs * sampleRateHz) / 1000));
    const noise = generateNoise(p.noise, clean.length, sampleRateHz, rngFor(p.noiseSeed));
    const noiseGain = rms(clean, from, to) / 10 ** (p.snrDb / 20);
    mixed = new Float32Array(clean.length);
    for (let i = 0; i < clean.length; i++) mixed[i] = clean[i]! + noiseGain * noise[i]!;
  }
  if (p.telephone !== 'none') mixed = telephoneChannel(mixed, sampleRateHz, p.telephone);
  return { samples: floatToInt16(mixed), ...bounds };
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
  const active = energies.filter((e) => e >= max * 10 ** (-35 / 10));
  return Math.sqrt(active.reduce((s, e) => s + e, 0) / active.length);
}
