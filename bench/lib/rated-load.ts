import { harnessOptions } from '../../harness/config';

/**
 * How the benches load a machine with N calls: N users arriving at a steady rate, each starting its next call as
 * the last ends, for a fixed time, in the product's default `CALLS_PER_WORKER`. bench:density rates a machine with
 * this shape, and bench:fidelity proves its timings at the rated load with the same one: N calls that all started
 * in the same second would test a burst of start-ups the rating never saw.
 */
const SPAWN_RATE_PER_SEC = 2;

/**
 * The calls each worker carries: the user's `CALLS_PER_WORKER`, else the product's default (the test helper that
 * starts runs gives each call a worker of its own, which would measure a heavier harness).
 */
export const benchCallsPerWorker = () => process.env.CALLS_PER_WORKER ?? String(harnessOptions.callsPerWorker.default);

/** The run's environment: `calls` users, ramped, then held `holdSec`. */
export function ratedLoadEnv(calls: number, holdSec: number): Record<string, string> {
  const spawnSec = Math.ceil(calls / SPAWN_RATE_PER_SEC);
  return {
    USERS: String(calls),
    SPAWN_RATE: String(SPAWN_RATE_PER_SEC),
    TIME: `${spawnSec + holdSec}s`,
    CALLS_PER_WORKER: benchCallsPerWorker(),
  };
}
