import type { HarnessConfig } from '../config';
import type { CallRecord } from '../metrics/record';
import { drawBetween, seededRandom, type Draw } from '../random';
import type { PhaseWindow } from './plan';
import type { Shard } from './shard';

/** What a call is told by the conductor before it starts. Times are epoch ms. */
export interface Ticket {
  callId: string;
  /** Position in this shard's issue order (voices rotate by it). */
  callIndex: number;
  /** The shard that issued the ticket; the call's record carries it to the report. */
  shard: Shard;
  scenario: string;
  /** Phase the call starts in (null without a plan). */
  phase: string | null;
  /** When the plan meant this call to start; lateness is measured from it. */
  scheduledStartMs: number;
  /** Think time before each turn, drawn from the plan. */
  thinkTimeMs: number[];
  /** Delay of interruptions after the agent's first audio, drawn from the plan. */
  bargeDelayMs: number;
  /** The plan's phases on the wall clock, for per-phase reporting. */
  phases: Array<PhaseWindow & { startAtMs: number; endAtMs: number }>;
  /**
   * How long the start-up guard (STARTUP_GUARD_MS) held this call back from another call's speech end, and whether
   * it let it go at its longest hold with one still near; absent when it held nothing.
   */
  startupGuard?: { heldMs: number; forced: boolean };
}

/** Think time and interruption delay ranges for calls without a plan. */
export interface TicketDefaults {
  thinkTimeSec: [number, number];
  bargeDelayMs: [number, number];
}

/** PAUSE_BETWEEN_TURNS_SEC (a fixed pause) and BARGE_DELAY_MS: what a call without a plan draws from. */
export function ticketDefaults(config: Pick<HarnessConfig, 'pauseBetweenTurnsSec' | 'bargeDelayMs'>): TicketDefaults {
  const pauseSec = config.pauseBetweenTurnsSec;
  return { thinkTimeSec: [pauseSec, pauseSec], bargeDelayMs: [...config.bargeDelayMs] };
}

/** Think times drawn per call (more turns than any scenario has). */
export const THINK_TIMES = 20;

export interface TicketSpec {
  seed: number;
  shard: Shard;
  /** The call's index: issue order under a plan, the test's own index without one. */
  index: number;
  /** Picks the scenario; called first, with the call's own random stream. */
  scenario: (rand: Draw) => string;
  phase: string | null;
  scheduledStartMs: number;
  thinkTimeSec: readonly [number, number];
  bargeDelayMs: readonly [number, number];
  phases: Ticket['phases'];
}

/**
 * The one way a ticket is made, by the conductor and by a test run without
 * one: the same seed, shard and index draw the same scenario, think times and
 * interruption delay either way.
 */
export function makeTicket(spec: TicketSpec): Ticket {
  const { shard, index } = spec;
  const rand = seededRandom(spec.seed, 'call', shard.index, index);
  const scenario = spec.scenario(rand);
  return {
    // Shards number their calls alike; the prefix keeps call ids unique in a merged report.
    callId: `call-${shard.count > 1 ? `s${shard.index + 1}-` : ''}${String(index + 1).padStart(4, '0')}`,
    callIndex: index,
    shard: { index: shard.index, count: shard.count },
    scenario,
    phase: spec.phase,
    scheduledStartMs: spec.scheduledStartMs,
    thinkTimeMs: Array.from({ length: THINK_TIMES }, () => Math.round(drawBetween(rand, spec.thinkTimeSec) * 1000)),
    bargeDelayMs: Math.round(drawBetween(rand, spec.bargeDelayMs)),
    phases: spec.phases,
  };
}

/** A call without a plan: the test's own index picks its scenario (in turn); it starts now, in no phase. */
export function unplannedTicket(o: {
  seed: number;
  shard: Shard;
  testIndex: number;
  scenarios: readonly string[];
  defaults: TicketDefaults;
  nowMs: number;
}): Ticket {
  return makeTicket({
    seed: o.seed,
    shard: o.shard,
    index: o.testIndex,
    ...o.defaults,
    scenario: () => o.scenarios[o.testIndex % o.scenarios.length]!,
    phase: null,
    scheduledStartMs: o.nowMs,
    phases: [],
  });
}

export type TicketReply =
  | { kind: 'go'; ticket: Ticket }
  | { kind: 'wait' }
  /** `missedArrivals`: planned arrivals no free worker took, so far (they never start). */
  | { kind: 'done'; reason: string; stopped: boolean; missedArrivals?: number };

/** What a call reports when it ends: enough for stop criteria, live figures and /metrics. */
export interface CallEnd {
  callId: string;
  ok: boolean;
  failureCode?: string;
  ttfbMs: number[];
  turnMs: number[];
  bargeMs: number[];
  counters: Record<string, number>;
}

/** A finished call's report to the conductor: its outcome and per-turn latencies (turns that measured one). */
export function callEndOf(record: CallRecord): CallEnd {
  const each = (key: 'ttfbMs' | 'turnMs' | 'bargeMs'): number[] =>
    record.turns.flatMap((t) => (t[key] === undefined ? [] : [t[key]]));
  return {
    callId: record.callId,
    ok: record.ok,
    failureCode: record.failure?.code,
    ttfbMs: each('ttfbMs'),
    turnMs: each('turnMs'),
    bargeMs: each('bargeMs'),
    counters: record.counters,
  };
}

export interface TicketRequest {
  /** The test's own index (0-based), used for scenario choice without a plan. */
  testIndex: number;
}
