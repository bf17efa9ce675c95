import { defineOptions, readOptions, type OptionValues } from './options';
import { readConfigFile } from './file';

/**
 * Every harness option, declared once. Names follow the Locust suite where one
 * exists (WS_URL, PCM_DIR, TURNS_PER_USER, FIRST_BYTE_TIMEOUT_SEC, ...).
 */
export const harnessOptions = defineOptions({
  wsUrl: { env: 'WS_URL', kind: 'url', protocols: ['ws', 'wss'], doc: 'the voice agent WebSocket endpoint; unset = the embedded reference agent' },
  clientUrl: { env: 'CLIENT_URL', kind: 'url', protocols: ['http', 'https'], doc: 'the browser client page; unset = the reference client' },
  calls: { env: 'CALLS', kind: 'int', default: 4, min: 1, max: 100000, doc: 'number of calls in the run (one test each)' },
  scenarios: { env: 'SCENARIOS', kind: 'list', default: ['insurance_inquiry', 'quick_question'], doc: 'scenarios, assigned to calls in turn' },
  turnsPerUser: { env: 'TURNS_PER_USER', kind: 'int', default: 0, min: 0, doc: 'turns per call, capped by the scenario; 0 = all of its turns' },
  pcmDir: { env: 'PCM_DIR', kind: 'string', default: 'audio_cache', doc: 'caller audio cache (manifest.jsonl + 16 kHz PCM16 files)' },
  connectTimeoutSec: { env: 'CONNECT_TIMEOUT_SEC', kind: 'number', default: 10, min: 0.1, max: 600, unit: 's', doc: 'page load + WebSocket open' },
  firstByteTimeoutSec: { env: 'FIRST_BYTE_TIMEOUT_SEC', kind: 'number', default: 5, min: 0.1, max: 600, unit: 's', doc: 'speech end -> first agent audio' },
  turnTimeoutSec: { env: 'TURN_TIMEOUT_SEC', kind: 'number', default: 15, min: 0.1, max: 600, unit: 's', doc: 'speech end -> response complete' },
  bargeQuietMs: { env: 'BARGE_QUIET_MS', kind: 'int', default: 400, min: 10, max: 60000, unit: 'ms', doc: 'quiet gap after the last agent frame that ends a response' },
  pauseBetweenTurnsSec: { env: 'PAUSE_BETWEEN_TURNS_SEC', kind: 'number', default: 1.5, min: 0, max: 600, unit: 's', doc: 'caller think time after a response' },
  reportDir: { env: 'REPORT_DIR', kind: 'string', default: 'reports', doc: 'where the reporter writes its files' },
  chromiumPath: { env: 'CHROMIUM_PATH', kind: 'optional-string', doc: 'Chromium binary to launch; unset = Playwright\'s own, else Debian\'s' },
  trace: { env: 'TRACE', kind: 'enum', values: ['off', 'on', 'retain-on-failure'], default: 'off', doc: 'Playwright trace per call' },
});

export type HarnessConfig = OptionValues<typeof harnessOptions>;

export function loadHarnessConfig(env: Record<string, string | undefined> = process.env): HarnessConfig {
  return readOptions(harnessOptions, { env, ...readConfigFile('HARNESS_CONFIG', env) });
}

export { ConfigError, describeOptions } from './options';
