import type { FrameClass } from '../protocol/frames';
import type { PageEvent, ResponseEndReason } from './types';

interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

interface Pending {
  turn: number;
  firstAt: number | null;
  lastAt: number;
  frames: number;
  ended: boolean;
  quietTimer: unknown;
}

/**
 * Splits the agent's audio into responses: the response to turn N starts with
 * the first audio frame after the driver expects it and ends at the final
 * frame, an end token, or a quiet gap after the last frame (whichever first).
 */
export class ResponseTracker {
  private current: Pending | null = null;

  constructor(
    private readonly quietMs: number,
    private readonly emit: (event: PageEvent) => void,
    private readonly timers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as number) },
  ) {}

  expect(turn: number): void {
    if (this.current && !this.current.ended) this.timers.clear(this.current.quietTimer);
    this.current = { turn, firstAt: null, lastAt: 0, frames: 0, ended: false, quietTimer: undefined };
  }

  onFrame(frame: FrameClass, at: number): void {
    const r = this.current;
    if (!r || r.ended) return;
    if (frame.kind === 'audio') {
      if (r.firstAt === null) {
        r.firstAt = at;
        this.emit({ type: 'response-start', at, turn: r.turn, frameIndex: frame.frameIndex });
      }
      r.lastAt = at;
      r.frames++;
      this.timers.clear(r.quietTimer);
      if (frame.isFinal) return this.end(r, at, 'final-frame');
      r.quietTimer = this.timers.set(() => this.end(r, r.lastAt, 'quiet'), this.quietMs);
    } else if (frame.kind === 'response-end' && r.firstAt !== null) {
      this.end(r, at, 'end-token');
    }
  }

  private end(r: Pending, at: number, reason: ResponseEndReason): void {
    if (r.ended) return;
    r.ended = true;
    this.timers.clear(r.quietTimer);
    this.emit({ type: 'response-end', at, turn: r.turn, reason, frames: r.frames });
  }
}
