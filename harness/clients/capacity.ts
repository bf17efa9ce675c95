import os from 'node:os';
import type { HarnessConfig } from '../config';
import { loadClientProfile } from './load';
import type { ClientProfile } from './profile';

/** Calls per core of a client nobody measured: one, a browser session per core (Selenium Grid's default). */
export const DEFAULT_CALLS_PER_CORE = 1;

/**
 * Concurrent calls of this client that `cores` carry before the load generator
 * saturates: the profile's measured calls per core (bench:density) times the
 * cores, at least one. The default worker count and the load warning rest on it.
 */
export function callCapacity(profile: Pick<ClientProfile, 'callsPerCore'>, cores = os.cpus().length): number {
  return Math.max(1, Math.floor(cores * (profile.callsPerCore ?? DEFAULT_CALLS_PER_CORE)));
}

/** The capacity of the configured client profile (CLIENT_PROFILE) on this machine: calls at once without a plan. */
export function profileCapacity(config: HarnessConfig, cores = os.cpus().length): number {
  return callCapacity(loadClientProfile(config), cores);
}
