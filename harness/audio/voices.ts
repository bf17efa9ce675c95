import { FLITE_VOICES, type FliteRequest, type FliteVoice } from './flite';
import { rngFor } from '../random';

/** The voices a caller can have: Flite's offline voices, and Azure neural voices by name. */
export type EngineName = 'azure' | 'flite';
export type EngineChoice = 'auto' | 'azure' | 'offline';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'azure', 'offline'];

export const DEFAULT_AZURE_VOICE = 'en-US-JennyMultilingualNeural';
/** Two offline voices by default, so calls do not all sound alike. */
export const DEFAULT_OFFLINE_VOICES: readonly FliteVoice[] = ['flite-slt', 'flite-rms'];

/**
 * Each Flite voice's own mean pitch (Hz, measured by autocorrelation on a
 * test sentence); null when the voice ignores int_f0_target_mean (rms).
 */
const FLITE_PITCH_MEAN_HZ: Record<FliteVoice, number | null> = {
  'flite-slt': 174,
  'flite-rms': null,
  'flite-awb': 132,
  'flite-kal16': 94,
  'flite-kal': 92,
};

/** Azure voice names: locale, optional region, name ending in Neural (e.g. en-US-JennyMultilingualNeural). */
const AZURE_VOICE_PATTERN = /^[a-z]{2,3}-[A-Za-z]{2,4}(-[A-Za-z]+)*-[A-Za-z0-9:]+Neural$/;

export function isOfflineVoice(name: string): name is FliteVoice {
  return (FLITE_VOICES as readonly string[]).includes(name);
}

export function isAzureVoice(name: string): boolean {
  return AZURE_VOICE_PATTERN.test(name);
}

export class UnknownVoiceError extends Error {
  constructor(name: string, detail: string) {
    super(
      `unknown voice "${name}"${detail ? ` (${detail})` : ''}; known voices: offline ${FLITE_VOICES.join(', ')}; ` +
        `Azure neural voices by name, e.g. ${DEFAULT_AZURE_VOICE} (needs AZURE_SPEECH_KEY and AZURE_SPEECH_REGION)`,
    );
    this.name = 'UnknownVoiceError';
  }
}

/** Throws naming the first voice the engine choice cannot speak. */
export function checkVoices(voices: readonly string[], engine: EngineChoice): void {
  for (const v of voices) {
    if (isOfflineVoice(v)) {
      if (engine === 'azure')
        throw new UnknownVoiceError(v, 'an offline voice, and --engine azure speaks only Azure voices');
    } else if (isAzureVoice(v)) {
      if (engine === 'offline')
        throw new UnknownVoiceError(v, 'an Azure voice, and --engine offline speaks only offline voices');
    } else {
      throw new UnknownVoiceError(v, '');
    }
  }
}

export function defaultVoices(engine: EngineChoice, azureConfigured: boolean): string[] {
  if (engine === 'azure' || (engine === 'auto' && azureConfigured)) return [DEFAULT_AZURE_VOICE];
  return [...DEFAULT_OFFLINE_VOICES];
}

/** The offline voice that stands in for an Azure voice, the same one every time. */
export function offlineStandIn(azureVoice: string): FliteVoice {
  const candidates: FliteVoice[] = ['flite-slt', 'flite-rms', 'flite-awb', 'flite-kal16'];
  return candidates[(rngFor('stand-in', azureVoice).next() * candidates.length) | 0]!;
}

/** How a caller speaks: rate and pitch relative to the voice's own, in percent. */
export interface Prosody {
  ratePct: number;
  pitchPct: number;
}

export interface ProsodyVariation {
  /** Each caller's rate is drawn within +/- this, percent. */
  rateVariationPct: number;
  pitchVariationPct: number;
}

export const DEFAULT_PROSODY_VARIATION: ProsodyVariation = { rateVariationPct: 8, pitchVariationPct: 6 };

/**
 * One draw per scenario and caller, not per turn: a person keeps their pace
 * and pitch through a call. Whole percents, as SSML prosody takes them.
 */
export function drawProsody(seed: number, scenario: string, voice: string, variation: ProsodyVariation): Prosody {
  const rng = rngFor(seed, 'prosody', scenario, voice);
  const ratePct = Math.round(rng.uniform(-variation.rateVariationPct, variation.rateVariationPct));
  const pitchPct = Math.round(rng.uniform(-variation.pitchVariationPct, variation.pitchVariationPct));
  return forVoice(voice, { ratePct: ratePct || 0, pitchPct: pitchPct || 0 });
}

/** The prosody a voice can actually give: pitch stays 0 for voices that ignore a pitch target. */
export function forVoice(voice: string, prosody: Prosody): Prosody {
  const pitchControl = !isOfflineVoice(voice) || FLITE_PITCH_MEAN_HZ[voice] !== null;
  return pitchControl ? prosody : { ...prosody, pitchPct: 0 };
}

/** "+4%", "-3%", "+0%": the Locust manifest's and SSML's notation. */
export function formatPct(pct: number): string {
  return `${pct < 0 ? '-' : '+'}${Math.abs(pct)}%`;
}

export function fliteRequest(text: string, voice: FliteVoice, prosody: Prosody): FliteRequest {
  const mean = FLITE_PITCH_MEAN_HZ[voice];
  return {
    text,
    voice,
    // duration_stretch scales durations: 4% faster speech = 1/1.04 as long.
    ...(prosody.ratePct ? { durationStretch: 100 / (100 + prosody.ratePct) } : {}),
    ...(prosody.pitchPct && mean ? { pitchMeanHz: mean * (1 + prosody.pitchPct / 100) } : {}),
  };
}
