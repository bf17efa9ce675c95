import crypto from 'node:crypto';
import { drawTransform, variantName, type RealismOptions, type TransformParams } from './realism';
import type { Scenario } from './scenarios';
import { spellDigits } from './text';
import {
  drawProsody,
  forVoice,
  isOfflineVoice,
  offlineStandIn,
  type EngineChoice,
  type EngineName,
  type Prosody,
  type ProsodyVariation,
} from './voices';

/**
 * What a generation run should produce: one planned file per scenario turn and
 * caller voice, each with the rendition to try first and, for Azure voices in
 * auto mode, the offline rendition that stands in when Azure fails. A file's
 * name carries the hash of everything that shapes its bytes, so the cache is
 * content-addressed: same inputs, same name, nothing to redo.
 */
export interface Rendition {
  engine: EngineName;
  /** The voice that actually speaks. */
  voice: string;
  style: string;
  prosody: Prosody;
  hash: string;
  filename: string;
}

/** Why an Azure voice was spoken offline; recorded in the manifest. */
export type FallbackReason = 'no-credentials' | 'throttled' | 'auth' | 'network' | 'service';

export interface PlannedFile {
  scenario: string;
  turnIndex: number;
  turnCount: number;
  text: string;
  /** The voice asked for: caller tracks are grouped by it, even when another engine stood in. */
  caller: string;
  variant: string;
  transform: TransformParams;
  /** Keep only this much of the speech (false-alarm bursts). */
  maxSpeechMs?: number;
  primary: Rendition;
  /** Offline stand-in, tried when the primary (Azure) fails in auto mode. */
  fallback?: Rendition;
  /** Set when the primary itself is already a stand-in (auto mode without Azure credentials). */
  primaryReason?: FallbackReason;
}

export interface PlanOptions {
  scenarios: readonly Scenario[];
  voices: readonly string[];
  /** 0 = every turn. */
  maxTurns: number;
  engine: EngineChoice;
  azureConfigured: boolean;
  realism: RealismOptions;
  prosodyVariation: ProsodyVariation;
}

/** Bumped when the generation pipeline changes what bytes the same inputs give. */
const PIPELINE_VERSION = 2;

/** The identity of a file's content: the same inputs always give the same hash and file name. */
export function contentHash(parts: Record<string, unknown>): string {
  return crypto.createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
}

/** The Locust cache's naming: `insurance-inquiry-turn-1-of-5_<hash>.pcm`. */
export function cacheFileName(scenario: string, turnIndex: number, turnCount: number, hash: string): string {
  return `${scenario.replace(/_/g, '-')}-turn-${turnIndex}-of-${turnCount}_${hash}.pcm`;
}

/** Files this generator may have written (for --clear-cache of orphans). */
export const CACHE_FILE_PATTERN = /^[a-z0-9-]+-turn-\d+-of-\d+_[0-9a-f]{10}\.(pcm|json)$/i;

export function planGeneration(opts: PlanOptions): PlannedFile[] {
  const plan: PlannedFile[] = [];
  for (const scenario of opts.scenarios) {
    const count = opts.maxTurns ? Math.min(opts.maxTurns, scenario.turns.length) : scenario.turns.length;
    for (const caller of opts.voices) {
      const prosody = drawProsody(opts.realism.seed, scenario.name, caller, opts.prosodyVariation);
      for (let i = 0; i < count; i++) {
        const text = scenario.turns[i]!.text;
        const maxSpeechMs = scenario.turns[i]!.maxSpeechMs;
        const transform = drawTransform(opts.realism, [scenario.name, caller, i + 1]);
        const make = (engine: EngineName, voice: string): Rendition => {
          const voiceProsody = forVoice(voice, prosody);
          const style = engine === 'azure' ? 'chat' : 'neutral';
          const hash = contentHash({
            v: PIPELINE_VERSION,
            engine,
            voice,
            style,
            spoken: spellDigits(text),
            prosody: voiceProsody,
            transform,
            ...(maxSpeechMs ? { maxSpeechMs } : {}),
          });
          return {
            engine,
            voice,
            style,
            prosody: voiceProsody,
            hash,
            filename: cacheFileName(scenario.name, i + 1, count, hash),
          };
        };
        const file = {
          scenario: scenario.name,
          turnIndex: i + 1,
          turnCount: count,
          text,
          caller,
          variant: variantName(transform),
          transform,
          ...(maxSpeechMs ? { maxSpeechMs } : {}),
        };
        if (isOfflineVoice(caller)) {
          plan.push({ ...file, primary: make('flite', caller) });
        } else if (opts.engine === 'auto' && !opts.azureConfigured) {
          plan.push({ ...file, primary: make('flite', offlineStandIn(caller)), primaryReason: 'no-credentials' });
        } else {
          plan.push({
            ...file,
            primary: make('azure', caller),
            ...(opts.engine === 'auto' ? { fallback: make('flite', offlineStandIn(caller)) } : {}),
          });
        }
      }
    }
  }
  return plan;
}
