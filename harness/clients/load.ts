import fs from 'node:fs';
import type { HarnessConfig } from '../config';
import { ConfigError } from '../config/options';
import { BUILTIN_PROFILES } from './builtin';
import { parseSteps, type ClientProfile, type Step } from './profile';
import {
  fillTemplate,
  parseQueryTemplate,
  PLACEHOLDERS,
  unknownPlaceholders,
  usesPlaceholder,
  type CallVariables,
} from './template';

const PATHS: Record<string, string> = {
  browser: '/api/v1/browser/conversation',
  acs: '/api/v1/media/stream',
  realtime: '/v1/realtime',
};

function steps(variable: string, value: string): Step[] {
  const parsed = parseSteps(value);
  if (typeof parsed === 'string')
    throw new ConfigError(
      variable,
      value,
      `steps like "button:Start call; button:Voice mode?; text:Connected; wait:500" (${parsed})`,
      'environment',
    );
  return parsed;
}

/**
 * CLIENT_PROFILE: a built-in name, `generic` (CLIENT_URL with CLIENT_START_STEPS,
 * CLIENT_END_STEPS, CLIENT_SOCKET_MATCH), or a JSON file holding a profile.
 * PIPELINE=voicelive switches the accelerator's mode choice.
 */
export function loadClientProfile(config: HarnessConfig): ClientProfile {
  const name = config.clientProfile;
  let profile: ClientProfile;
  if (name === 'generic') {
    if (!config.clientUrl)
      throw new ConfigError(
        'CLIENT_URL',
        '',
        'the URL of your client page (CLIENT_PROFILE=generic needs it)',
        'environment',
      );
    profile = {
      name: 'generic',
      url: config.clientUrl,
      socketUrlIncludes: config.clientSocketMatch,
      start: steps('CLIENT_START_STEPS', config.clientStartSteps),
      end: steps('CLIENT_END_STEPS', config.clientEndSteps),
      greeting: config.clientGreeting,
    };
  } else if (BUILTIN_PROFILES[name]) {
    profile = { ...BUILTIN_PROFILES[name]! };
    if (name === 'accelerator') {
      if (!config.clientUrl)
        throw new ConfigError(
          'CLIENT_URL',
          '',
          'the URL of the accelerator client (CLIENT_PROFILE=accelerator needs it)',
          'environment',
        );
      profile.url = config.clientUrl;
      if (config.pipeline === 'voicelive')
        profile.start = [profile.start[0]!, { role: 'button', name: 'Voice Live Orchestration', optional: true }];
    }
  } else {
    profile = readProfileFile(name);
  }
  if (config.clientUrl && !profile.referencePage) profile.url = config.clientUrl;
  if (config.clientAnimationFps !== undefined) profile.animationFps = config.clientAnimationFps || undefined;
  if (config.clientSocketQuery !== undefined) {
    const query = parseQueryTemplate(config.clientSocketQuery);
    if (typeof query === 'string')
      throw new ConfigError(
        'CLIENT_SOCKET_QUERY',
        config.clientSocketQuery,
        `name=value pairs joined by & ("scenario={scenario}&session_id={sessionId}"; ${query})`,
        'environment',
      );
    profile.socketQuery = query;
  }
  if (config.clientPassesScenario) profile.passesScenario = true;
  checkPlaceholders(profile, config);
  return profile;
}

/** A placeholder the harness does not fill would reach the client as is: refused before any browser starts. */
function checkPlaceholders(profile: ClientProfile, config: HarnessConfig): void {
  const known = `placeholders ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
  const badUrl = profile.url ? unknownPlaceholders(profile.url) : [];
  if (badUrl.length)
    throw new ConfigError(
      config.clientUrl ? 'CLIENT_URL' : 'CLIENT_PROFILE',
      config.clientUrl ?? config.clientProfile,
      `a URL with only the ${known} (not {${badUrl[0]}})`,
      'environment',
    );
  const badQuery = Object.values(profile.socketQuery ?? {}).flatMap(unknownPlaceholders);
  if (badQuery.length)
    throw new ConfigError(
      config.clientSocketQuery !== undefined ? 'CLIENT_SOCKET_QUERY' : 'CLIENT_PROFILE',
      config.clientSocketQuery ?? config.clientProfile,
      `a socket query with only the ${known} (not {${badQuery[0]}})`,
      'environment',
    );
}

/**
 * Whether any call can use the embedded reference agent: not with WS_URL, nor
 * with a client of its own whose backend is fixed (its URL names no {wsUrl})
 * and no protocol caller to send there. Starting it then costs a core's worth
 * of start-up and names a target nothing measured.
 */
export function embeddedAgentNeeded(
  config: Pick<HarnessConfig, 'wsUrl' | 'protocolCalls' | 'protocolWsUrl'>,
  profile: ClientProfile,
): boolean {
  if (config.wsUrl) return false;
  if (config.protocolCalls > 0 && !config.protocolWsUrl) return true;
  if (profile.referencePage) return true;
  return (
    usesPlaceholder(profile.url, 'wsUrl') ||
    Object.values(profile.socketQuery ?? {}).some((v) => usesPlaceholder(v, 'wsUrl'))
  );
}

/** Whether the profile tells the backend the call's scenario without the socket URL showing it to the harness. */
export function profilePassesScenario(profile: ClientProfile): boolean {
  return (
    profile.passesScenario === true || Object.values(profile.socketQuery ?? {}).some((v) => v.includes('{scenario}'))
  );
}

function readProfileFile(file: string): ClientProfile {
  const known = `one of ${['generic', ...Object.keys(BUILTIN_PROFILES)].join(', ')}, or a JSON profile file`;
  if (!fs.existsSync(file)) throw new ConfigError('CLIENT_PROFILE', file, known, 'environment');
  let p: Partial<ClientProfile>;
  try {
    p = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClientProfile>;
  } catch (e) {
    throw new ConfigError('CLIENT_PROFILE', file, `a JSON profile (${(e as Error).message})`, 'environment');
  }
  const query = p.socketQuery as unknown;
  if (
    query !== undefined &&
    (typeof query !== 'object' || query === null || Object.values(query).some((v) => typeof v !== 'string'))
  )
    throw new ConfigError(
      'CLIENT_PROFILE',
      file,
      'a profile whose "socketQuery" is an object of strings ({"scenario": "{scenario}"})',
      'environment',
    );
  for (const key of ['callsPerCore', 'sendBurstMs'] as const) {
    const v = p[key] as unknown;
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0))
      throw new ConfigError('CLIENT_PROFILE', file, `a profile whose "${key}" is a positive number`, 'environment');
  }
  if (typeof p.socketUrlIncludes !== 'string' || !Array.isArray(p.start) || !Array.isArray(p.end)) {
    throw new ConfigError(
      'CLIENT_PROFILE',
      file,
      'a profile with "socketUrlIncludes", "start" and "end" steps (see README)',
      'environment',
    );
  }
  return { name: p.name ?? file, greeting: p.greeting ?? true, ...p } as ClientProfile;
}

export interface PageUrlOptions {
  referenceClientUrl?: string;
  wsUrl?: string;
  embeddedAgentWsUrl?: string;
  scenario: string;
  pipeline: string;
  /** Fill the profile URL's {sessionId} and {callId}; without them those placeholders stay as written. */
  sessionId?: string;
  callId?: string;
}

/** WS_URL, else the embedded agent's endpoint for the profile's transport: the {wsUrl} of a profile URL. */
export function agentWsUrlFor(profile: ClientProfile, opts: PageUrlOptions): string | undefined {
  if (opts.wsUrl) return opts.wsUrl;
  if (!opts.embeddedAgentWsUrl) return undefined;
  // The embedded agent serves every transport; pick this one's path on its host.
  const agent = new URL(opts.embeddedAgentWsUrl);
  agent.pathname = PATHS[profile.referenceTransport ?? 'browser']!;
  return agent.toString();
}

/** The placeholders of one call (docs/clients.md#your-own-client); those unknown here stay as written. */
export function callVariables(profile: ClientProfile, opts: PageUrlOptions): Partial<CallVariables> {
  return {
    scenario: opts.scenario,
    sessionId: opts.sessionId,
    callId: opts.callId,
    wsUrl: agentWsUrlFor(profile, opts),
  };
}

/**
 * The page to open for one call: the profile's URL (placeholders filled), or
 * the reference client with its endpoint and scenario.
 */
export function pageUrlFor(profile: ClientProfile, opts: PageUrlOptions): string {
  if (!profile.referencePage) {
    if (!profile.url) throw new Error(`client profile ${profile.name} has no URL (set CLIENT_URL)`);
    return fillTemplate(profile.url, callVariables(profile, opts), true);
  }
  if (!opts.referenceClientUrl)
    throw new Error('no reference client: run with playwright.config.ts so the fixtures start it');
  const url = new URL(profile.referencePage, opts.referenceClientUrl);
  const transport = profile.referenceTransport ?? 'browser';
  const ws = agentWsUrlFor(profile, opts);
  if (ws) url.searchParams.set('ws', ws);
  url.searchParams.set('transport', transport);
  url.searchParams.set('scenario', opts.scenario);
  url.searchParams.set('streaming_mode', opts.pipeline === 'voicelive' ? 'voice_live' : 'realtime');
  return url.toString();
}
