import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FliteVoice } from './flite';
import { ensureCallerAudio } from './generate';
import { builtInScenarios, type Scenario } from './scenarios';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PCM_DIR = path.join(PROJECT_ROOT, 'audio_cache');
/** Two offline voices by default, so calls do not all sound alike. */
export const DEFAULT_VOICES: FliteVoice[] = ['flite-slt', 'flite-rms'];

/** Generates the built-in scenarios into audio_cache/ where anything is missing. */
export async function ensureDefaultAudio(log: (line: string) => void, scenarios: Scenario[] = [...builtInScenarios().values()]) {
  const result = await ensureCallerAudio({
    dir: DEFAULT_PCM_DIR,
    scenarios,
    voices: DEFAULT_VOICES,
    onProgress: (p) => log(`generated ${p.file} (${p.done}/${p.total})`),
  });
  return { ...result, dir: DEFAULT_PCM_DIR };
}

/** True when PCM_DIR names the project's own cache (which may be generated into). */
export function isDefaultPcmDir(dir: string): boolean {
  return path.resolve(dir) === DEFAULT_PCM_DIR;
}
