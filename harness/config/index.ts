import { knownTransportOf } from '../protocol/select';
import { redactUrl } from '../redact';
import { GATE_SYNTAX, GateSyntaxError, gatesFrom } from '../reporter/gates';
import { SATURATED_POLICIES } from '../reporter/verdict';
import { ConfigError, defineOptions, readOptions, type OptionValues } from './options';
import { readConfigFile } from './file';

/**
 * Every harness option, declared once. Names follow the Locust suite where one
 * exists (WS_URL, PCM_DIR, TURNS_PER_USER, FIRST_BYTE_TIMEOUT_SEC, ...).
 */
export const harnessOptions = defineOptions({
  wsUrl: {
    env: 'WS_URL',
    kind: 'url',
    protocols: ['ws', 'wss'],
    doc: 'the voice agent WebSocket endpoint; unset = the embedded reference agent',
  },
  clientUrl: {
    env: 'CLIENT_URL',
    kind: 'url',
    protocols: ['http', 'https'],
    doc:
      'the browser client page; unset = the reference client. May hold {scenario}, {sessionId}, {callId} and ' +
      '{wsUrl}, filled per call',
  },
  clientProfile: {
    env: 'CLIENT_PROFILE',
    kind: 'string',
    default: 'reference',
    doc:
      'how to drive the client: reference, reference-acs, reference-realtime, reference-legacy, accelerator, ' +
      'generic, or a JSON profile file',
  },
  clientStartSteps: {
    env: 'CLIENT_START_STEPS',
    kind: 'string',
    default: 'button:Start talking to agent',
    doc: 'generic profile: steps that start a call ("button:Start; button:Voice mode?; text:Connected; wait:500")',
  },
  clientEndSteps: {
    env: 'CLIENT_END_STEPS',
    kind: 'string',
    default: 'button:End conversation with agent?',
    doc: 'generic profile: steps that end a call',
  },
  clientSocketMatch: {
    env: 'CLIENT_SOCKET_MATCH',
    kind: 'string',
    default: '',
    doc: 'generic profile: substring of the call socket URL; empty = every socket the page opens',
  },
  clientGreeting: {
    env: 'CLIENT_GREETING',
    kind: 'bool',
    default: true,
    doc: 'generic profile: the agent greets when the call opens',
  },
  clientSocketQuery: {
    env: 'CLIENT_SOCKET_QUERY',
    kind: 'optional-string',
    doc:
      'query parameters added to the call socket URL, with {scenario}, {sessionId}, {callId}, {wsUrl} filled per ' +
      'call ("scenario={scenario}&session_id={sessionId}"); replaces the profile\'s socketQuery',
  },
  clientPassesScenario: {
    env: 'CLIENT_PASSES_SCENARIO',
    kind: 'bool',
    default: false,
    doc:
      "the client passes the call's scenario to its backend in a way its socket URL does not show, so the task " +
      "check applies (without it, or scenario=<the call's scenario> in the socket URL, it is task/not_applicable)",
  },
  clientAnimationFps: {
    env: 'CLIENT_ANIMATION_FPS',
    kind: 'optional-number',
    min: 0,
    max: 1000,
    unit: 'frames/s',
    doc:
      "cap the page's requestAnimationFrame rate; unset = the profile's cap (the accelerator profile uses 1); 0 = " +
      'no cap',
  },
  pipeline: {
    env: 'PIPELINE',
    kind: 'enum',
    values: ['cascade', 'voicelive'],
    default: 'cascade',
    doc: 'the backend pipeline, as in the Locust suite: cascade (STT -> LLM -> TTS) or voicelive',
  },
  protocol: {
    env: 'PROTOCOL',
    kind: 'enum',
    values: ['auto', 'browser', 'acs', 'realtime'],
    default: 'auto',
    doc: "how server messages are read; auto = from the call socket's URL",
  },
  protocolMatchers: {
    env: 'PROTOCOL_MATCHERS',
    kind: 'optional-string',
    doc:
      'extra message rules (JSON array or file): {"when": {"type": "tts_chunk"}, "kind": "audio", "data": ' +
      '"audio", "sampleRateHz": 24000}',
  },
  protocolCalls: {
    env: 'PROTOCOL_CALLS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 100000,
    doc: 'protocol-level calls (no browser) alongside the browser calls: bulk or phone-path load',
  },
  protocolTransport: {
    env: 'PROTOCOL_TRANSPORT',
    kind: 'enum',
    values: ['browser', 'acs', 'realtime'],
    default: 'browser',
    doc: 'what protocol callers speak: browser conversation, ACS media (phone path) or Realtime',
  },
  protocolWsUrl: {
    env: 'PROTOCOL_WS_URL',
    kind: 'url',
    protocols: ['ws', 'wss'],
    doc: 'endpoint for protocol callers; unset = WS_URL, else the embedded agent',
  },
  protocolBatch: {
    env: 'PROTOCOL_BATCH',
    kind: 'int',
    default: 50,
    min: 1,
    max: 5000,
    doc: 'protocol calls carried by one test (one worker), started together',
  },
  protocolSpawnRate: {
    env: 'PROTOCOL_SPAWN_RATE',
    kind: 'number',
    default: 20,
    min: 0.01,
    max: 10000,
    unit: 'calls/s',
    doc: 'how fast a batch starts its protocol calls',
  },
  calls: {
    env: 'CALLS',
    kind: 'int',
    default: 4,
    min: 1,
    max: 100000,
    doc:
      'number of calls in the run (without a plan, --workers of them at a time); with a plan, the calls ' +
      'available to it',
  },
  plan: {
    env: 'PLAN',
    kind: 'optional-string',
    doc: 'load plan: a JSON file, or inline JSON (phases, mix, think time, barge-in delay, stop criteria)',
  },
  users: {
    env: 'USERS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 100000,
    doc: 'Locust shortcut: concurrent calls to ramp to (0 = no such plan)',
  },
  spawnRate: {
    env: 'SPAWN_RATE',
    kind: 'number',
    default: 2,
    min: 0.001,
    max: 10000,
    unit: 'calls/s',
    doc: 'Locust shortcut: ramp speed',
  },
  time: { env: 'TIME', kind: 'string', default: '90s', doc: 'Locust shortcut: run time (90s, 5m, 1h30m)' },
  conductorPort: {
    env: 'CONDUCTOR_PORT',
    kind: 'int',
    default: 0,
    min: 0,
    max: 65535,
    doc: 'port of the conductor (live page, /status, Prometheus /metrics); 0 = a free port',
  },
  planStartAt: {
    env: 'PLAN_START_AT',
    kind: 'optional-string',
    doc: 'when the plan starts (ISO time or epoch ms); shards given the same value start together',
  },
  scenariosFile: {
    env: 'SCENARIOS_FILE',
    kind: 'optional-string',
    doc: 'your own scenarios (the format of harness/audio/scenarios.json), added to the built-in ones',
  },
  scenarios: {
    env: 'SCENARIOS',
    kind: 'list',
    default: ['insurance_inquiry', 'quick_question'],
    doc: 'scenarios, assigned to calls in turn',
  },
  turnsPerUser: {
    env: 'TURNS_PER_USER',
    kind: 'int',
    default: 0,
    min: 0,
    doc: 'turns per call, capped by the scenario; 0 = all of its turns',
  },
  pcmDir: {
    env: 'PCM_DIR',
    kind: 'string',
    default: 'audio_cache',
    doc: 'caller audio cache (manifest.jsonl + 16 kHz PCM16 files)',
  },
  connectTimeoutSec: {
    env: 'CONNECT_TIMEOUT_SEC',
    kind: 'number',
    default: 10,
    min: 0.1,
    max: 600,
    unit: 's',
    doc: 'page load + WebSocket open',
  },
  firstByteTimeoutSec: {
    env: 'FIRST_BYTE_TIMEOUT_SEC',
    kind: 'number',
    default: 5,
    min: 0.1,
    max: 600,
    unit: 's',
    doc: 'speech end -> first agent audio',
  },
  turnTimeoutSec: {
    env: 'TURN_TIMEOUT_SEC',
    kind: 'number',
    default: 15,
    min: 0.1,
    max: 600,
    unit: 's',
    doc: 'speech end -> response complete',
  },
  bargeQuietMs: {
    env: 'BARGE_QUIET_MS',
    kind: 'int',
    default: 400,
    min: 10,
    max: 60000,
    unit: 'ms',
    doc: 'quiet gap after the last agent frame that ends a response',
  },
  pauseBetweenTurnsSec: {
    env: 'PAUSE_BETWEEN_TURNS_SEC',
    kind: 'number',
    default: 1.5,
    min: 0,
    max: 600,
    unit: 's',
    doc: 'caller think time after a response',
  },
  bargeDelayMs: {
    env: 'BARGE_DELAY_MS',
    kind: 'range',
    default: [300, 800],
    min: 0,
    max: 60000,
    unit: 'ms',
    doc: "barge-in / false-alarm speech starts this long after the agent's first audio (drawn per turn)",
  },
  responseTokens: {
    env: 'RESPONSE_TOKENS',
    kind: 'list',
    default: [],
    doc: "words of a message's type/status/event fields that start a response besides audio frames",
  },
  endTokens: {
    env: 'END_TOKENS',
    kind: 'list',
    default: ['completed', 'final', 'end', 'stopped'],
    doc: "words of a message's type/status/event fields that end a response",
  },
  ignoreCloseExceptions: {
    env: 'WS_IGNORE_CLOSE_EXCEPTIONS',
    kind: 'bool',
    default: false,
    doc: 'count an unexpected socket close as ws/close without failing the call',
  },
  outputThresholdDbfs: {
    env: 'OUTPUT_THRESHOLD_DBFS',
    kind: 'number',
    default: -50,
    min: -120,
    max: 0,
    unit: 'dBFS',
    doc: 'client output louder than this is audible (ttfa, barge)',
  },
  seed: { env: 'SEED', kind: 'int', default: 1, min: 0, doc: 'seed for per-call random draws (barge-in delays)' },
  gates: {
    env: 'GATES',
    kind: 'list',
    default: [],
    doc: 'gates added to (or replacing) the defaults, k6-like: "ttfb:p95<2000|3000,success/turn:pct>95|90"',
  },
  baseline: {
    env: 'BASELINE',
    kind: 'optional-string',
    doc: 'a stored summary.json to compare with: p95 relative gates and regression lines',
  },
  evidence: {
    env: 'EVIDENCE',
    kind: 'enum',
    values: ['failed-and-slowest', 'all', 'off'],
    default: 'failed-and-slowest',
    doc: 'which calls keep a conversation recording and frame timeline',
  },
  saturated: {
    env: 'SATURATED',
    kind: 'enum',
    values: SATURATED_POLICIES,
    default: 'inconclusive',
    doc:
      'verdict of a run whose load generator was saturated, or missed planned arrivals, and no gate failed: ' +
      'inconclusive (exit code 3), fail, or ignore (the gates alone decide)',
  },
  reportDir: { env: 'REPORT_DIR', kind: 'string', default: 'reports', doc: 'where the reporter writes its files' },
  chromiumPath: {
    env: 'CHROMIUM_PATH',
    kind: 'optional-string',
    doc: "Chromium binary to launch; unset = Playwright's own, else Debian's",
  },
  workers: {
    env: 'WORKERS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 10000,
    doc:
      'Playwright workers on this machine (each carries CALLS_PER_WORKER calls at a time); 0 = what the plan ' +
      'needs; the --workers flag wins',
  },
  callsPerWorker: {
    env: 'CALLS_PER_WORKER',
    kind: 'int',
    default: 4,
    min: 1,
    max: 16,
    doc:
      'browser calls one Playwright worker carries at once, each with its own context, ticket and record ' +
      '(a worker process costs about as much memory as a call); 1 = one call per test',
  },
  startupStaggerMs: {
    env: 'STARTUP_STAGGER_MS',
    kind: 'int',
    default: 250,
    min: 0,
    max: 60_000,
    unit: 'ms',
    doc:
      'least time between two calls starting (and between the first pages opening), so start-up bursts ' +
      'never pile up on the machine; 0 = none',
  },
  startupGuardMs: {
    env: 'STARTUP_GUARD_MS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 10_000,
    unit: 'ms',
    doc:
      "keeps calls from starting up over other calls' caller speech ends: a call waits (10 s at most) while a " +
      'call in progress has its speech end due within this long, or past and its answer not begun, so that the ' +
      'start-up burst delays no turn the run must then flag. 3000 covers a start-up on a 2-core machine; for runs ' +
      'whose figures must be conclusive at a few calls. Runs without a plan and closed-model phases only; 0 = off',
  },
  browserMode: {
    env: 'BROWSER_MODE',
    kind: 'enum',
    values: ['shared', 'per-worker'],
    default: 'shared',
    doc:
      'shared: workers connect to a few browsers launched once; per-worker: each worker launches its own ' +
      "(Playwright's default)",
  },
  callsPerBrowser: {
    env: 'CALLS_PER_BROWSER',
    kind: 'int',
    default: 16,
    min: 1,
    max: 1000,
    doc: "shared mode: most calls one browser carries at once (16: Chromium's limit of live microphones)",
  },
  browserWsEndpoint: {
    env: 'BROWSER_WS_ENDPOINT',
    kind: 'url',
    protocols: ['ws', 'wss'],
    doc:
      'a remote Playwright browser server (npx playwright run-server, a grid, a cloud service) to connect to ' +
      'instead of launching Chromium here',
  },
  browserWsHeaders: {
    env: 'BROWSER_WS_HEADERS',
    kind: 'optional-string',
    doc: "HTTP headers of the remote browser connection, a JSON object of strings (a service's access token)",
  },
  browserExposeNetwork: {
    env: 'BROWSER_EXPOSE_NETWORK',
    kind: 'string',
    default: '<loopback>',
    doc:
      'hosts the remote browser reaches through this machine (Playwright exposeNetwork rules); the fixtures ' +
      'listen on its loopback',
  },
  browserConnectTimeoutSec: {
    env: 'BROWSER_CONNECT_TIMEOUT_SEC',
    kind: 'number',
    default: 60,
    min: 1,
    max: 3600,
    unit: 's',
    doc: 'connecting to the remote browser (a grid may queue the request)',
  },
  trace: {
    env: 'TRACE',
    kind: 'enum',
    values: ['off', 'on', 'retain-on-failure'],
    default: 'off',
    doc: 'Playwright trace per call',
  },
});

export type HarnessConfig = OptionValues<typeof harnessOptions>;

/** The variable naming the harness's JSON config file. */
export const HARNESS_CONFIG_VARIABLE = 'HARNESS_CONFIG';

export function loadHarnessConfig(env: Record<string, string | undefined> = process.env): HarnessConfig {
  const config = readOptions(harnessOptions, { env, ...readConfigFile(HARNESS_CONFIG_VARIABLE, env) });
  try {
    gatesFrom(config.gates);
  } catch (e) {
    if (e instanceof GateSyntaxError) {
      throw new ConfigError(
        'GATES',
        config.gates.join(','),
        `comma-separated gates, each ${GATE_SYNTAX}; "${e.entry}": ${e.detail}`,
        env.GATES ? 'environment' : 'config file',
      );
    }
    throw e;
  }
  checkProtocolEndpoint(config, env);
  return config;
}

/**
 * Protocol callers sent to an endpoint of another transport fail every turn:
 * refused before the run when the endpoint's path names a transport for certain.
 */
function checkProtocolEndpoint(config: HarnessConfig, env: Record<string, string | undefined>): void {
  if (!config.protocolCalls) return;
  const url = config.protocolWsUrl ?? config.wsUrl;
  const speaks = url ? knownTransportOf(url) : null;
  if (!url || !speaks || speaks === config.protocolTransport) return;
  const variable = config.protocolWsUrl ? 'PROTOCOL_WS_URL' : 'WS_URL';
  throw new ConfigError(
    'PROTOCOL_TRANSPORT',
    config.protocolTransport,
    `the transport of the protocol callers' endpoint: ${variable}=${redactUrl(url)} is a ${speaks} endpoint by its ` +
      `path; set PROTOCOL_TRANSPORT=${speaks}, or PROTOCOL_WS_URL to a ${config.protocolTransport} endpoint`,
    env.PROTOCOL_TRANSPORT ? 'environment' : 'config file or default',
  );
}

export { ConfigError, describeOptions } from './options';
