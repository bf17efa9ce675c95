import { randomBytes } from 'node:crypto';

/** The variable carrying the run's id from the runner to its workers (they inherit its environment). */
export const RUN_ID_VARIABLE = 'HARNESS_RUN_ID';

/**
 * A short id of this run, the same in the runner and every worker: ids made
 * from it (protocol callers' session ids) differ from run to run, so a second
 * run's calls never land in the first run's sessions on the agent.
 */
export function runId(env: Record<string, string | undefined> = process.env): string {
  env[RUN_ID_VARIABLE] ||= randomBytes(4).toString('hex');
  return env[RUN_ID_VARIABLE];
}
