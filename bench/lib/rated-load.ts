import { harnessOptions } from '../../harness/config';

/**
 * How the benches load a machine with N calls: N users arriving at a steady rate, each starting its next call as
 * the last ends, for a fixed time, in the product's default `CALLS_PER_WORKER` and scenario mix. bench:density
 * rates a machine with this shape, and bench:fidelity proves its timings at the rated load with the same one: N
 * calls that all started in the same second would test a burst of start-ups the rating never saw, and shorter calls
 * start up more often (two short scenarios at 4 calls kept work waiting for a CPU 51% of the time where this mix
 * read 28%).
 */
const SPAWN_RATE_PER_SEC = 2;

/**
 * The calls each worker carries: the user's `CALLS_PER_WORKER`, else the product's default (the test helper that
 * starts runs gives each call a worker of its own, which would measure a heavier harness).
 */
export const benchCallsPerWorker = () => process.env.CALLS_PER_WORKER ?? String(harnessOptions.callsPerWorker.default);

/** The product's default scenario mix: calls of different lengths, as real traffic has. */
export const RATED_SCENARIOS: readonly string[] = harnessOptions.scenarios.default;

/** The run's environment: `calls` users, ramped, then held `holdSec`. */
export function ratedLoadEnv(calls: number, holdSec: number): Record<string, string> {
  const spawnSec = Math.ceil(calls / SPAWN_RATE_PER_SEC);
  return {
    SCENARIOS: RATED_SCENARIOS.join(','),
    USERS: String(calls),
    SPAWN_RATE: String(SPAWN_RATE_PER_SEC),
    TIME: `${spawnSec + holdSec}s`,
    CALLS_PER_WORKER: benchCallsPerWorker(),
  };
}
