import type { Shard } from '../plan/shard';
import { encodeHistogram, newHistogram, recordMs, type Histogram } from './histogram';
import { entryOf } from '../entry-of';

/** Version of the per-call record attached to each test result. */
export const CALL_RECORD_SCHEMA = 1;
/** Attachment name the reporter looks for. */
export const CALL_RECORD_ATTACHMENT = 'voice-harness-call.json';

export interface TurnRecord {
  turn: number;
  /** 'barge-in' and 'false-alarm' turns are spoken while the agent answers the previous turn. */
  kind: 'speech' | 'barge-in' | 'false-alarm';
  /** Epoch ms of the caller's speech start and end (t_se), as scheduled in the page. */
  speechStartAtMs?: number;
  speechEndAtMs?: number;
  ttfbMs?: number;
  /**
   * How long the page's main thread had been away (beyond a 25 ms heartbeat) when it dated the first agent audio:
   * the ttfb can be late by up to this much. Set when above 0.
   */
  firstAudioStallMs?: number;
  /**
   * How late the client's audio left at the speech end, against the schedule it kept while the caller spoke
   * (beyond its burst period): the agent heard the speech end this much later, so the ttfb is long by as much.
   * Set when above 0 (browser calls).
   */
  sendHoldMs?: number;
  /**
   * The largest delay the browser's send path showed around the speech end: probes the page sent on a socket of
   * its own to the fixtures, through the same network process as the client's audio (harness/page/send-path.ts).
   * Raw, clocks' offset included: the report judges it beyond the run's usual. Browser calls with the fixtures'
   * probe only.
   */
  sendPathMs?: number;
  /**
   * How long the browser took to bring the fixtures' messages (the send-path probes' answers and ticks) handled
   * around the turn's first audio to the page, outside the page's own thread (the largest): a hold on that way in
   * held the agent's first frame too. Raw, clocks' offset included. Browser calls with the fixtures' probe, when a
   * message fell there.
   */
  receivePathMs?: number;
  /**
   * How long the agent's first audio frame waited on its way beyond the frames after it (a paced stream's later
   * frames arriving bunched, then on time): the ttfb is long by that much if the wait was the machine's. Set when
   * above 0.
   */
  firstFrameWaitMs?: number;
  ttfaMs?: number;
  turnMs?: number;
  bargeMs?: number;
  bargeAckMs?: number;
  /** Epoch ms the interrupted answer's last frame arrived (barge-in turns). */
  bargeLastFrameAtMs?: number;
  /** How the response ended: final-frame, end-token, quiet, stopped (interrupted), superseded. */
  endReason?: string;
  /** Playback underruns in the response and their total length. */
  gaps?: number;
  gapMs?: number;
  /** What the agent said in its response (assistant text), for task completion. */
  text?: string;
  task?: 'completed' | 'incomplete';
  falseAlarm?: 'continued' | 'resumed' | 'stopped';
  /** Agent-reported stage timings (ms), when the agent sends them. */
  stages?: Record<string, number>;
  error?: string;
  /** The turn was in progress when its call was cut short (the record's `interrupted`): neither answered nor failed. */
  interrupted?: true;
}

/** The load generator's health during one call. */
export interface GeneratorStats {
  /** Machine CPU busy %, one sample a second from the call's start (from its socket's opening in older records). */
  cpuBusyPct: number[];
  /**
   * The share of each CPU sample's interval in which some task was ready to run and waited for a CPU (Linux's
   * pressure stall information), aligned with cpuBusyPct; absent where the kernel does not tell.
   */
  cpuWaitingPct?: number[];
  /** The share of each sample's CPU time the host of a virtual machine took from it (steal), aligned the same way. */
  cpuStealPct?: number[];
  /** Epoch ms of the first CPU sample and the samples' mean spacing: places each on the wall clock. */
  cpuFirstAtMs?: number;
  cpuIntervalMs?: number;
  /** Epoch ms the call's start-up ended (its socket opened); absent when it never opened. */
  startupEndAtMs?: number;
  /** Worker (Node) event-loop lag p99. */
  eventLoopLagP99Ms: number;
  /** Page main-thread lag p99, and the share of the page's life in long tasks (browser calls). */
  pageEventLoopLagP99Ms?: number;
  pageLongTaskPct?: number;
  /** p99 of how late the client's audio frames left beyond its own send cadence (its burst period). */
  pacingLatenessP99Ms?: number;
  /** The client's raw send jitter p99 (its cadence included) and its measured send burst period. */
  sendJitterP99Ms?: number;
  sendBurstMs?: number;
  /** Underruns of the client's own audio contexts (Chromium's playbackStats) and their total length. */
  playbackUnderruns?: number;
  playbackUnderrunMs?: number;
}

export interface PhaseRef {
  name: string;
  startAtMs: number;
  endAtMs: number;
  targetConcurrency: number | null;
  arrivalPerSec: number | null;
}

export interface CallRecord {
  schemaVersion: typeof CALL_RECORD_SCHEMA;
  callId: string;
  scenario: string;
  voice: string;
  group: 'browser' | 'protocol';
  /** The agent's session id for this call, to match it with the agent's own logs. */
  sessionId?: string;
  /** Where the call socket went (scheme, host, path; credentials masked): the backend this call measured. */
  target?: string;
  /** The shard that ran the call; absent in records from before shards were recorded (read as 1/1). */
  shard?: Shard;
  startedAtMs: number;
  endedAtMs: number;
  /** When the plan meant the call to start, and the phase it started in (runs with a plan). */
  scheduledStartMs?: number;
  phase?: string | null;
  /** The plan's phases on the wall clock (the same in every record of a run). */
  phases?: PhaseRef[];
  /** How long the start-up guard held the call back (STARTUP_GUARD_MS), when it did (the ticket's `startupGuard`). */
  startupGuard?: { heldMs: number; forced: boolean };
  generator?: GeneratorStats;
  ok: boolean;
  failure?: { code: string; message: string };
  /**
   * The run was stopped (Ctrl-C, the runner) while the call was in progress: its measurements are those taken
   * before `atMs`, and it is neither passed nor failed. A call that failed before the cut has `failure` instead.
   */
  interrupted?: { atMs: number; reason: string };
  turns: TurnRecord[];
  /** Latency metric -> compressed base64 HDR histogram of this call's samples. */
  histograms: Record<string, string>;
  /** Latency metric -> attempts that produced no sample (timeouts). */
  fails: Record<string, number>;
  /** Counter metric -> occurrences. */
  counters: Record<string, number>;
}

/** Collects one call's measurements; plain data out, no formatting. */
export class CallRecorder {
  private readonly histograms = new Map<string, Histogram>();
  private readonly fails: Record<string, number> = {};
  private readonly counters: Record<string, number> = {};
  readonly turns: TurnRecord[] = [];

  latency(metric: string, ms: number): void {
    recordMs(entryOf(this.histograms, metric, newHistogram), ms);
  }

  fail(metric: string): void {
    this.fails[metric] = (this.fails[metric] ?? 0) + 1;
  }

  count(metric: string, n = 1): void {
    this.counters[metric] = (this.counters[metric] ?? 0) + n;
  }

  turn(turn: number, kind: TurnRecord['kind'] = 'speech'): TurnRecord {
    let t = this.turns.find((x) => x.turn === turn);
    if (!t) {
      t = { turn, kind };
      this.turns.push(t);
    }
    return t;
  }

  finish(meta: Omit<CallRecord, 'schemaVersion' | 'turns' | 'histograms' | 'fails' | 'counters'>): CallRecord {
    const histograms: Record<string, string> = {};
    for (const [name, h] of this.histograms) histograms[name] = encodeHistogram(h);
    return {
      schemaVersion: CALL_RECORD_SCHEMA,
      ...meta,
      turns: this.turns,
      histograms,
      fails: { ...this.fails },
      counters: { ...this.counters },
    };
  }
}
