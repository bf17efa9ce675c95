import type { FullConfig } from '@playwright/test';
import { loadCallerTracks } from './audio/cache';
import { ensureDefaultAudio, isDefaultPcmDir } from './audio/defaults';
import { pickScenarios, scenariosWithFile } from './audio/scenarios';
import os from 'node:os';
import { callCapacity, DEFAULT_CALLS_PER_CORE } from './clients/capacity';
import { loadClientProfile } from './clients/load';
import { loadHarnessConfig } from './config';
import { currentShard, runShape } from './plan/load';

/**
 * Runs once before any browser starts: checks the scenarios exist, generates
 * missing caller audio into the project's cache, checks PCM_DIR holds every
 * scenario the run will speak, and warns when the run asks more of this
 * machine than the client profile's measured capacity (calls per core).
 */
export default async function globalSetup(_config: FullConfig): Promise<void> {
  const config = loadHarnessConfig();
  const table = scenariosWithFile(config.scenariosFile);
  const shape = runShape(config, [...table.keys()], currentShard());
  const names = [
    ...new Set([
      ...(shape.plan ? Object.keys(shape.plan.mix).filter((n) => shape.plan!.mix[n]! > 0) : config.scenarios),
    ]),
  ];
  const scenarios = pickScenarios(table, names);
  if (isDefaultPcmDir(config.pcmDir)) {
    const made = await ensureDefaultAudio((line) => console.log(`[audio] ${line}`), scenarios);
    if (made.generated) console.log(`[audio] ${made.generated} caller audio files generated in ${made.dir}`);
  }
  const tracks = await loadCallerTracks(config.pcmDir);
  const have = new Set(tracks.map((t) => t.scenario));
  const missing = scenarios.filter((s) => !have.has(s.name)).map((s) => s.name);
  if (missing.length) {
    throw new Error(
      `PCM_DIR=${config.pcmDir} has no audio for scenario(s) ${missing.join(', ')}; it has: ` +
        `${[...have].join(', ') || 'none'}`,
    );
  }
  const workers = Number(process.env.HARNESS_WORKERS ?? shape.workers);
  if (shape.sharePlan && shape.callLength) {
    // Arrival-rate phases have no concurrency target: say what the worker count rests on.
    console.log(
      `[plan] arrival phases sized for ${shape.callLength.basis}: about ${shape.peak} calls in progress at the ` +
        `busiest, ${workers} worker${workers === 1 ? '' : 's'} (WORKERS or --workers to change)`,
    );
  }
  // The calls this machine will carry at once: the plan's peak, else the calls-at-a-time playwright.config.ts set.
  const concurrency = Number(process.env.HARNESS_CALL_CONCURRENCY ?? workers * config.callsPerWorker);
  const inFlight = shape.sharePlan ? shape.peak : Math.min(shape.calls, concurrency);
  const profile = loadClientProfile(config);
  const cores = os.cpus().length;
  const capacity = callCapacity(profile, cores);
  if (inFlight > capacity) {
    const perCore = profile.callsPerCore ?? DEFAULT_CALLS_PER_CORE;
    console.warn(
      `[load] warning: ${inFlight} concurrent calls on this machine; about ${capacity} ${profile.name} calls fit on ` +
        `${cores} cores (${perCore} per core, its measured capacity) before the load generator saturates. ` +
        'Expect an INCONCLUSIVE verdict, or shard the run (--shard) or run the browsers elsewhere ' +
        '(BROWSER_WS_ENDPOINT).',
    );
  }
}
