import fs from 'node:fs';
import type { HarnessConfig } from '../config';
import { ConfigError } from '../config/options';
import { BUILTIN_PROFILES } from './builtin';
import { parseSteps, type ClientProfile, type Step } from './profile';

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
  return profile;
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

/** The page to open for one call: the profile's URL, or the reference client with its endpoint and scenario. */
export function pageUrlFor(
  profile: ClientProfile,
  opts: {
    referenceClientUrl?: string;
    wsUrl?: string;
    embeddedAgentWsUrl?: string;
    scenario: string;
    pipeline: string;
  },
): string {
  if (!profile.referencePage) {
    if (!profile.url) throw new Error(`client profile ${profile.name} has no URL (set CLIENT_URL)`);
    return profile.url;
  }
  if (!opts.referenceClientUrl)
    throw new Error('no reference client: run with playwright.config.ts so the fixtures start it');
  const url = new URL(profile.referencePage, opts.referenceClientUrl);
  const transport = profile.referenceTransport ?? 'browser';
  let ws = opts.wsUrl;
  if (!ws && opts.embeddedAgentWsUrl) {
    // The embedded agent serves every transport; pick this one's path on its host.
    const agent = new URL(opts.embeddedAgentWsUrl);
    agent.pathname = PATHS[transport]!;
    ws = agent.toString();
  }
  if (ws) url.searchParams.set('ws', ws);
  url.searchParams.set('transport', transport);
  url.searchParams.set('scenario', opts.scenario);
  url.searchParams.set('streaming_mode', opts.pipeline === 'voicelive' ? 'voice_live' : 'realtime');
  return url.toString();
}
