import type { FullConfig } from '@playwright/test';
import { loadCallerTracks } from './audio/cache';
import { ensureDefaultAudio, isDefaultPcmDir } from './audio/defaults';
import { pickScenarios, scenariosWithFile } from './audio/scenarios';
import { loadHarnessConfig } from './config';
import { currentShard, runShape } from './plan/load';

/**
 * Browser calls per core before the generator flags itself saturated, with the
 * reference client (bench:density on a 2-core machine: 2 calls at the edge,
 * see docs/results.md#density). Only a warning's threshold: heavier clients hold fewer.
 */
const CALLS_PER_CORE_ESTIMATE = 1;

/**
 * Runs once before any browser starts: checks the scenarios exist, generates
 * missing caller audio into the project's cache, checks PCM_DIR holds every
 * scenario the run will speak, and warns when the plan asks more of this
 * machine than it can carry.
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
  if (shape.sharePlan) {
    const peak = shape.peak;
    if (shape.callLength) {
      // Arrival-rate phases have no concurrency target: say what the worker count rests on.
      const workers = Number(process.env.HARNESS_WORKERS ?? shape.workers);
      console.log(
        `[plan] arrival phases sized for ${shape.callLength.basis}: about ${peak} calls in progress at the busiest, ` +
          `${workers} worker${workers === 1 ? '' : 's'} (WORKERS or --workers to change)`,
      );
    }
    const cores = (await import('node:os')).cpus().length;
    const capacity = cores * CALLS_PER_CORE_ESTIMATE;
    if (peak > capacity) {
      console.warn(
        `[plan] warning: the plan peaks at ${peak} concurrent calls on this machine; ` +
          `about ${capacity} fit on ${cores} cores ` +
          `(${CALLS_PER_CORE_ESTIMATE} per core) before the generator saturates. ` +
          `Expect generator.saturated, or shard the run (--shard).`,
      );
    }
  }
}
