import type { FrameClass } from '../protocol/frames';
import type { ResponseEndReason } from './types';

interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

/** One agent utterance as the page received it. Times are page ms. */
export interface Response {
  turn: number;
  firstAt: number;
  lastAt: number;
  frames: number;
  /** Audio received, from frame sizes and sample rates. */
  audioMs: number;
  /** Playback underruns: moments a real-time player starting at the first frame would have run dry. */
  gaps: number;
  gapMs: number;
  stopAt: number | null;
  endAt: number | null;
  endReason: ResponseEndReason | null;
  /**
   * The earliest arrival less the audio before it, over the frames of the response's first second of audio: the
   * time the first frame would have arrived had it come as early, relative to them, as the best of them. A paced
   * stream whose first frame waited on the way (its later frames then arrive bunched, then on time) has it before
   * `firstAt` by that wait (firstFrameWaitMs).
   */
  headFloorAt: number;
}

/** Audio at the head of a response over which the first frame's wait is read. */
const HEAD_AUDIO_MS = 1000;

/** How long the first frame of `r` waited beyond the frames after it (0 for a stream on its schedule). */
export const firstFrameWaitMs = (r: Response): number => Math.max(0, r.firstAt - r.headFloorAt);

export interface ResponseHooks {
  onStart(r: Response): void;
  onEnd(r: Response): void;
}

/** Playout cushion a client keeps before it plays: arrivals later than this are gaps. */
const JITTER_ALLOWANCE_MS = 60;
/**
 * A quiet timer that fires this much late ran after a stalled main thread:
 * frames that arrived during the stall may still be queued behind it, so the
 * gap is checked again shortly (a bounded number of times) before it counts.
 */
const STALL_MS = 50;
const STALL_RECHECK_MS = 100;
const STALL_RECHECKS = 5;

/**
 * Splits the agent's audio into responses. The response to turn N is the first
 * utterance to start after the driver expects it: a new utterance begins with
 * frame_index 0, or with the first frame after the previous one ended. It ends
 * at its final frame, an end token, the agent's stop control, a new utterance,
 * or a quiet gap after its last frame, whichever comes first.
 */
export class ResponseTracker {
  private current: Response | null = null;
  private pendingTurn: number | null = null;
  private quietTimer: unknown;

  constructor(
    private readonly quietMs: number,
    private readonly hooks: ResponseHooks,
    private readonly timers: Timers = {
      set: (fn, ms) => setTimeout(fn, ms),
      clear: (h) => clearTimeout(h as number),
      now: () => performance.now(),
    },
  ) {}

  get active(): Response | null {
    return this.current && this.current.endAt === null ? this.current : null;
  }

  /** The response that text and stage timings arriving now belong to: the one expected next, else the latest. */
  get textTurn(): number | null {
    return this.pendingTurn ?? this.current?.turn ?? null;
  }

  /** Frames of the next utterance belong to the response to `turn`. */
  expect(turn: number): void {
    this.pendingTurn = turn;
  }

  onFrame(frame: FrameClass, at: number): void {
    if (frame.kind === 'audio') return this.onAudio(frame, at);
    if (frame.kind === 'response-start' && !this.active) return void this.begin(at);
    const r = this.active;
    if (!r) return;
    if (frame.kind === 'stop') {
      r.stopAt ??= at;
      this.end(r, r.lastAt, 'stopped');
    } else if (frame.kind === 'response-end') {
      this.end(r, at, 'end-token');
    }
  }

  private onAudio(frame: Extract<FrameClass, { kind: 'audio' }>, at: number): void {
    let r = this.active;
    if (r && frame.frameIndex === 0 && r.frames > 0) {
      this.end(r, r.lastAt, 'superseded');
      r = null;
    }
    // The tail of an utterance that already ended (a stalled page can mistake a late frame for a
    // quiet gap) never opens a new response: only an utterance's first frame does.
    if (!r && frame.frameIndex !== null && frame.frameIndex > 0) return;
    r ??= this.begin(at);
    if (!r) return; // audio nobody is waiting for (e.g. after a stop)
    // Underrun model: audio received so far is played from firstAt (+ cushion) in real time.
    const playedMs = at - r.firstAt - JITTER_ALLOWANCE_MS - r.gapMs;
    if (r.frames > 0 && playedMs > r.audioMs) {
      r.gaps++;
      r.gapMs += playedMs - r.audioMs;
    }
    r.lastAt = at;
    if (r.audioMs < HEAD_AUDIO_MS) r.headFloorAt = Math.min(r.headFloorAt, at - r.audioMs);
    r.frames++;
    r.audioMs += frame.audioMs;
    this.timers.clear(this.quietTimer);
    if (frame.isFinal) return this.end(r, at, 'final-frame');
    this.armQuiet(r, this.quietMs, 0);
  }

  private armQuiet(r: Response, ms: number, rechecks: number): void {
    const dueAt = this.timers.now() + ms;
    this.quietTimer = this.timers.set(() => {
      if (this.timers.now() - dueAt > STALL_MS && rechecks < STALL_RECHECKS)
        return this.armQuiet(r, STALL_RECHECK_MS, rechecks + 1);
      this.end(r, r.lastAt, 'quiet');
    }, ms);
  }

  private begin(at: number): Response | null {
    if (this.pendingTurn === null) return null;
    const r: Response = {
      turn: this.pendingTurn,
      firstAt: at,
      lastAt: at,
      frames: 0,
      audioMs: 0,
      gaps: 0,
      gapMs: 0,
      stopAt: null,
      endAt: null,
      endReason: null,
      headFloorAt: at,
    };
    this.current = r;
    this.pendingTurn = null;
    this.hooks.onStart(r);
    return r;
  }

  private end(r: Response, at: number, reason: ResponseEndReason): void {
    if (r.endAt !== null) return;
    r.endAt = at;
    r.endReason = reason;
    this.timers.clear(this.quietTimer);
    this.hooks.onEnd(r);
  }
}
