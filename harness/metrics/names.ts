/** Metric names: namespaced, per turn zero-padded (`ttfb/01`), aggregates without the turn. */

export type TurnMetric = 'ttfb' | 'ttfa' | 'turn' | 'barge' | 'barge_ack';

export function turnMetric(base: TurnMetric, turn: number): string {
  return `${base}/${String(turn).padStart(2, '0')}`;
}

/** `ttfb/03` -> `ttfb`; names without a turn suffix have no aggregate. */
export function aggregateOf(name: string): string | null {
  const m = /^(ttfb|ttfa|turn|barge|barge_ack)\/\d+$/.exec(name);
  return m ? m[1]! : null;
}

/** True for the all-turns aggregates (`ttfb`, `turn`, ...), which merge per-turn metrics. */
export function isAggregate(name: string): boolean {
  return /^(ttfb|ttfa|turn|barge|barge_ack)$/.test(name);
}

/** Per-call latency metrics (docs/design.md#per-call-latencies). */
export const CALL_SETUP = 'call/setup';
export const WS_CONNECT = 'ws/connect';
export const CALL_GREETING = 'call/greeting';
/** The harness's own set-up in the page (loading the caller audio): kept out of call/setup and the connect deadline. */
export const HARNESS_SETUP = 'harness/setup';
/** How long the call socket's open waited for the page's main thread (dispatch - the open's own time). */
export const WS_OPEN_STALL = 'ws/open_stall';

/** Failure counters, named as in the Locust suite. */
export const WS_CLOSE = 'ws/close';
export const WS_ERROR = 'ws/error';
export const TURN_ERROR = 'turn/error';
export const WS_RECONNECT = 'ws/reconnect';
export const CALL_ERROR = 'call/error';
export const TASK_INCOMPLETE = 'task/incomplete';
export const TASK_UNMEASURED = 'task/unmeasured';
/** Task checks of calls whose backend was never told the scenario (information, not a failure). */
export const TASK_NOT_APPLICABLE = 'task/not_applicable';
/** The agent stopped for a false alarm and never resumed (the seed runbook expects it to carry on). */
export const FALSE_ALARM_STOPPED = 'false_alarm/stopped';
export const AUDIO_GAPS = 'audio/gaps';
export const AUDIO_GAP_MS = 'audio/gap_ms';
/** Calls whose client plays audio outside Web Audio: ttfa cannot be measured, and is not invented. */
export const TTFA_UNMEASURED = 'ttfa/unmeasured';
/** Complete responses the watched client output never made audible (above OUTPUT_THRESHOLD_DBFS): no ttfa for them. */
export const TTFA_SILENT = 'ttfa/silent';
/** Calls whose profile expects a greeting (greeting: true) and heard none within FIRST_BYTE_TIMEOUT_SEC. */
export const GREETING_MISSING = 'greeting/missing';
export const stageMetric = (stage: string) =>
  `stage/${stage.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
const FAILURE_COUNTERS = new Set([
  'ws/error',
  'ws/close',
  'turn/error',
  'call/error',
  'task/incomplete',
  'false_alarm/stopped',
  'audio/gaps',
  TTFA_SILENT,
  GREETING_MISSING,
]);
/** Counters that count failures (the table's Fails column); others (reconnects, late starts) are information. */
export function isFailureCounter(name: string): boolean {
  return FAILURE_COUNTERS.has(name) || /^(rate|err)\/.+$/.test(name);
}

export const rateCounter = (source: string) => `rate/${source}`;
export const errCounter = (code: string) => `err/${code}`;
