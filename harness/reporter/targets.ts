import type { HarnessConfig } from '../config';
import type { CallRecord } from '../metrics/record';
import { redactUrl } from '../redact';
import type { RunInfo } from './schema';

/**
 * What the run measured, from where its calls' sockets actually went: WS_URL
 * names a backend, but a client's page decides where it connects. The
 * configured endpoint stands in only when no call recorded a socket.
 */
export function runTargets(
  records: readonly CallRecord[],
  config: Pick<HarnessConfig, 'wsUrl' | 'clientUrl' | 'clientProfile'>,
  embeddedAgentWsUrl: string | undefined,
): Pick<RunInfo, 'target' | 'targets' | 'clientProfile' | 'clientUrl'> {
  const targets = [...new Set(records.map((r) => r.target).filter((t): t is string => !!t))].sort();
  const configured = config.wsUrl ?? (embeddedAgentWsUrl !== 'external' ? embeddedAgentWsUrl : undefined);
  return {
    target: targets.length ? targets.join(', ') : redactUrl(configured ?? 'unknown'),
    ...(targets.length ? { targets } : {}),
    clientProfile: config.clientProfile,
    ...(config.clientUrl ? { clientUrl: redactUrl(config.clientUrl) } : {}),
  };
}

/** The report's WARNING lines: each distinct message once. */
export function formatWarnings(warnings: readonly string[]): string {
  return [...new Set(warnings)].map((w) => `WARNING: ${w}`).join('\n');
}
