import type { PhaseWindow } from './plan';

/** What a call is told by the conductor before it starts. Times are epoch ms. */
export interface Ticket {
  callId: string;
  /** Position in this shard's issue order (voices rotate by it). */
  callIndex: number;
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
}

/** Test annotation: "<missed arrivals> <shard i/n>", on tests the finished plan skipped. */
export const MISSED_ARRIVALS_ANNOTATION = 'missed-arrivals';

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

export interface TicketRequest {
  /** The test's own index (0-based), used for scenario choice without a plan. */
  testIndex: number;
}
