/**
 * How the benches load a machine with N calls: N users arriving at a steady rate, each starting its next call as
 * the last ends, for a fixed time, in the product's default `CALLS_PER_WORKER`. bench:density rates a machine with
 * this shape, and bench:fidelity proves its timings at the rated load with the same one: N calls that all started
 * in the same second would test a burst of start-ups the rating never saw.
 */
export const SPAWN_RATE_PER_SEC = 2;

/** Seconds the ramp takes to reach `calls` users. */
export const spawnSec = (calls: number) => Math.ceil(calls / SPAWN_RATE_PER_SEC);

/** The run's environment: `calls` users, ramped, then held `holdSec`. */
export function ratedLoadEnv(calls: number, holdSec: number): Record<string, string> {
  return {
    USERS: String(calls),
    SPAWN_RATE: String(SPAWN_RATE_PER_SEC),
    TIME: `${spawnSec(calls) + holdSec}s`,
    // The product's default: a worker per call would measure a heavier harness.
    CALLS_PER_WORKER: process.env.CALLS_PER_WORKER ?? '4',
  };
}
