/**
 * The shape of summary.json, in one place. Tools outside the harness read the
 * file (baselines, dashboards, CI), so the reporter's steps share these types
 * rather than each declaring its own part, and this module imports no step.
 */
import type { LatencyStats } from '../metrics/histogram';

/** Bump on any change a reader of an older summary.json would misread; baselines of another version are refused. */
export const SUMMARY_SCHEMA_VERSION = 1;

export interface LatencyMetricSummary extends LatencyStats {
  kind: 'latency';
  fails: number;
}
export interface CounterMetricSummary {
  kind: 'counter';
  count: number;
}
/** Success ratios (connection, turn): attempts, successes, percent. */
export interface RatioMetricSummary {
  kind: 'ratio';
  count: number;
  successes: number;
  pct: number;
}
export type MetricSummary = LatencyMetricSummary | CounterMetricSummary | RatioMetricSummary;

export interface RunInfo {
  startedAt: string;
  durationMs: number;
  /** Where the calls' sockets went (`targets`, joined), else the configured endpoint when no call opened one. */
  target: string;
  /** Each distinct endpoint the calls' sockets went to (scheme, host, path; credentials masked). */
  targets?: string[];
  /** CLIENT_PROFILE and CLIENT_URL (credentials masked): which client the calls drove. */
  clientProfile?: string;
  clientUrl?: string;
  /** What the run warned about (a client that connected elsewhere than WS_URL), each once. */
  warnings?: string[];
  workers: number;
  shards: number;
  /**
   * `total` counts every call that began; `interrupted` (present when any was) the calls the run's end cut short,
   * which are neither passed nor failed.
   */
  calls: { total: number; passed: number; failed: number; interrupted?: number };
  incomplete: boolean;
  /** Why the run ended early (a stop criterion), when it did. */
  stopReason?: string;
  /** How the run itself was cut before its tests ended (Ctrl-C, the global timeout), when it was. */
  interrupted?: string;
  /** Shards (1-based) with no results in a merged report: their calls are missing, not zero. */
  missingShards?: number[];
  /** Planned arrivals that found no free worker and never started (k6's dropped iterations). */
  missedArrivals?: number;
  /**
   * Calls the start-up guard (STARTUP_GUARD_MS) held back from other calls' speech ends, the longest hold, and the
   * calls it let start at its longest hold with a speech end still near; absent when it held none.
   */
  startupGuard?: { held: number; longestHeldMs: number; forced: number };
}

/** A gate's judgement. */
export type GateVerdict = 'pass' | 'warn' | 'fail';
/** The run's: `inconclusive` when no gate failed but the load generator was saturated (SATURATED). */
export type Verdict = GateVerdict | 'inconclusive';
export type GateStat =
  | 'minMs'
  | 'meanMs'
  | 'p50Ms'
  | 'p90Ms'
  | 'p95Ms'
  | 'p99Ms'
  | 'maxMs'
  | 'pct'
  | 'count'
  | 'p95Ratio';

export interface GateResult {
  name: string;
  metric: string;
  stat: GateStat;
  value: number | null;
  pass: string;
  warn: string;
  /** 'no-data' when the run produced no sample for the metric; it does not decide the verdict. */
  verdict: GateVerdict | 'no-data';
}

export interface PhaseSummary {
  name: string;
  /** ms since the plan started. */
  startMs: number;
  endMs: number;
  targetConcurrency: number | null;
  /** Time-weighted mean of calls in progress during the phase (every shard's calls). */
  measuredConcurrency: number;
  /** Calls that started in the phase; their metrics follow. */
  calls: number;
  metrics: Record<string, MetricSummary>;
}

export interface GeneratorSummary {
  /** p95 of the machine's CPU busy % in the steady state: calls in progress and none starting up. */
  cpuBusyPctP95: number;
  /** The same while some call was starting up (browser context, page, socket), reported apart, never judged. */
  startupCpuBusyPctP95?: number;
  /** How many one-second CPU samples (summed over calls) fell in each. */
  cpuSamples?: { steady: number; startup: number };
  /**
   * p95 of the share of time some task was ready to run and waited for a CPU, with calls in progress and none
   * starting (Linux's pressure stall information; absent where the kernel does not tell).
   */
  cpuWaitingPctP95?: number;
  /**
   * p95 of the share of CPU time the host of a virtual machine took from it (steal, from /proc/stat), at the same
   * moments; absent where the kernel does not tell.
   */
  cpuStealPctP95?: number;
  /** p99 across calls of each call's worker event-loop lag p99. */
  eventLoopLagP99Ms: number;
  /** The same for the page main thread, and the largest share of a page's life in long tasks. */
  pageEventLoopLagP99Ms: number;
  pageLongTaskPctMax?: number;
  /** p99 across calls of how late each call's audio left beyond its client's own send cadence. */
  pacingLatenessP99Ms?: number;
  /** Calls whose pacing lateness p99 passed the limit. */
  lateCalls?: number;
  /** p99 across calls of the raw send jitter, the client's own cadence included (informational). */
  sendJitterP99Ms?: number;
  /** Underruns of the clients' audio contexts, summed over calls (browsers that count them). */
  playbackUnderruns?: number;
  /**
   * Turns whose first audio the page dated after its main thread had been away over the limit (their ttfb may be
   * that much late), how many of them while another call was starting up, and the longest absence.
   */
  stalledTurns?: TurnsTimedLate;
  /**
   * Turns whose caller audio the client held back while the caller spoke, over SATURATION.sendHoldMs (the speech end
   * reached the agent at least that much late): counted the same way.
   */
  heldTurns?: TurnsTimedLate;
  /**
   * Turns whose first agent audio frame waited on its way to the page, beyond the run's usual, over
   * SATURATION.firstFrameWaitMs (the agent, the network, the browser or the page's thread away for less than a
   * stall delivering it late): counted the same way.
   */
  waitedTurns?: TurnsTimedLate;
  /**
   * Of those, the turns whose wait the browser is known to have made: the fixtures' own messages, handled around the
   * first audio, were held as long beyond their usual (the turn's receivePathMs). Counted by the smaller of the two.
   */
  heldInTurns?: TurnsTimedLate;
  /**
   * Turns whose caller audio the browser may have carried late to the wire after the page sent it: a send-path
   * probe around the speech end, beyond the run's usual, over SATURATION.sendPathMs. Counted the same way.
   */
  delayedSendTurns?: TurnsTimedLate;
  /** Timed turns with a send-path figure (browser calls whose page reached the fixtures' probe). */
  sendPathProbedTurns?: number;
  /** Timed browser turns without one: their caller audio's way to the wire was not checked. */
  sendPathUnprobedTurns?: number;
  /** True when the machine running the calls was saturated: the run's latencies may be the generator's own. */
  saturated: boolean;
  reasons: string[];
  /** True when a call's own client held up its page or audio while the machine had headroom. */
  heavyClient?: boolean;
  heavyClientReasons?: string[];
}

/** Turns timed across a delay of the generator's own: how many, how many during other calls' start-up, the longest. */
export interface TurnsTimedLate {
  turns: number;
  duringStartup: number;
  longestMs: number;
}

export interface Comparison {
  metric: string;
  baselineP95Ms: number;
  p95Ms: number;
  changePct: number;
  regression: boolean;
}

export interface BaselineReport {
  file: string;
  startedAt: string;
  comparisons: Comparison[];
}

/**
 * A compact percentile curve per aggregate latency metric, so that a later run can draw this one's curve beside its
 * own (a baseline without it is drawn from its percentiles). Added in schema 1: readers may find it missing.
 */
export interface PercentileCurves {
  /** The percentiles the curves are sampled at, ascending (100 excluded: the max is in the metric). */
  percentiles: number[];
  /** Metric -> its value (ms) at each percentile. */
  metrics: Record<string, number[]>;
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  run: RunInfo;
  metrics: Record<string, MetricSummary>;
  gates: GateResult[];
  verdict: Verdict;
  /**
   * Why the verdict is `fail` whatever the gates say (no calls, an incomplete run), or `inconclusive`
   * (the load generator saturated), when that decided it.
   */
  verdictReason?: string;
  /** Per phase of the load plan (runs with a plan). */
  phases?: PhaseSummary[];
  /** Browser calls and protocol-level calls, apart (runs with protocol callers). */
  groups?: Record<string, Record<string, MetricSummary>>;
  generator?: GeneratorSummary;
  /** Present when the run was compared with a stored baseline summary. */
  baseline?: BaselineReport;
  percentileCurves?: PercentileCurves;
}

/** What the run measured, before any gate judged it: judging adds gates, verdict and baseline. */
export type SummaryFigures = Omit<Summary, 'gates' | 'verdict' | 'verdictReason' | 'baseline'>;
