import type { FullConfig } from '@playwright/test';
import { loadCallerTracks } from './audio/cache';
import { ensureDefaultAudio, isDefaultPcmDir } from './audio/defaults';
import { builtInScenarios, pickScenarios } from './audio/scenarios';
import { loadHarnessConfig } from './config';

/**
 * Runs once before any browser starts: checks the scenarios exist, generates
 * missing caller audio into the project's cache, and checks PCM_DIR holds
 * every scenario the run will speak.
 */
export default async function globalSetup(_config: FullConfig): Promise<void> {
  const config = loadHarnessConfig();
  const scenarios = pickScenarios(builtInScenarios(), config.scenarios);
  if (isDefaultPcmDir(config.pcmDir)) {
    const made = await ensureDefaultAudio((line) => console.log(`[audio] ${line}`), scenarios);
    if (made.generated) console.log(`[audio] ${made.generated} caller audio files generated in ${made.dir}`);
  }
  const tracks = await loadCallerTracks(config.pcmDir);
  const have = new Set(tracks.map((t) => t.scenario));
  const missing = scenarios.filter((s) => !have.has(s.name)).map((s) => s.name);
  if (missing.length) {
    throw new Error(`PCM_DIR=${config.pcmDir} has no audio for scenario(s) ${missing.join(', ')}; it has: ${[...have].join(', ') || 'none'}`);
  }
}
