import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FliteVoice } from './flite';
import { ensureCallerAudio, type GenerateResult } from './generate';
import { readManifest } from './manifest';
import { builtInScenarios, type Scenario } from './scenarios';
import { DEFAULT_OFFLINE_VOICES } from './voices';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PCM_DIR = path.join(PROJECT_ROOT, 'audio_cache');
/** Two offline voices by default, so calls do not all sound alike. */
export const DEFAULT_VOICES: readonly FliteVoice[] = DEFAULT_OFFLINE_VOICES;

/**
 * Makes sure the project's cache can speak every given scenario: scenarios
 * with no audio at all get the default offline callers. Scenarios that already
 * have audio (e.g. Azure voices from `npm run audio`) are left as they are, so
 * a run never mixes in voices the user did not ask for. Offline only: a load
 * run's set-up never spends Azure quota.
 */
export async function ensureDefaultAudio(
  log: (line: string) => void,
  scenarios: Scenario[] = [...builtInScenarios().values()],
): Promise<GenerateResult & { dir: string }> {
  const present = readManifest(DEFAULT_PCM_DIR).filter((e) => fs.existsSync(path.join(DEFAULT_PCM_DIR, e.filename)));
  // A scenario has audio when every turn has a file saying what the turn says now (its text, and
  // its burst length for false alarms): a scenario edited since its audio was made is made again.
  const current = (s: Scenario) =>
    s.turns.every((t, i) =>
      present.some(
        (e) =>
          e.scenario === s.name && e.turn_index === i + 1 && e.text === t.text && e.max_speech_ms === t.maxSpeechMs,
      ),
    );
  const missing = scenarios.filter((s) => !current(s));
  // `total` counts the files the given scenarios have, made now or before.
  const kept = present.filter((e) => scenarios.some((s) => s.name === e.scenario)).length;
  if (missing.length === 0)
    return {
      generated: 0,
      total: kept,
      byEngine: { azure: 0, flite: 0 },
      fallbacks: 0,
      elapsedMs: 0,
      dir: DEFAULT_PCM_DIR,
    };
  const result = await ensureCallerAudio({
    dir: DEFAULT_PCM_DIR,
    scenarios: missing,
    voices: DEFAULT_VOICES,
    engine: 'offline',
    onProgress: (p) => {
      if (p.generated) log(`generated ${p.file} (${p.done}/${p.total})`);
    },
    onNotice: log,
  });
  return { ...result, total: result.total + kept, dir: DEFAULT_PCM_DIR };
}

/** True when PCM_DIR names the project's own cache (which may be generated into). */
export function isDefaultPcmDir(dir: string): boolean {
  return path.resolve(dir) === DEFAULT_PCM_DIR;
}
