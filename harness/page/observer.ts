import type { FrameClass } from '../protocol/frames';
import { Audibility } from './audibility';
import { Interrupts, type CallerVoice } from './interrupts';
import type { OutputTransition } from './output-tap';
import { firstFrameWaitMs, ResponseTracker } from './responses';
import type { InterruptPlan, PageEvent } from './types';

/** Frame log bound for evidence: an hour of 50 ms frames would be 72,000. */
const MAX_FRAME_LOG = 20000;

/**
 * What a caller observes of one call, from the agent's messages and the
 * output it hears: responses, audibility, interruptions, errors, text and
 * stage timings, as events. Shared by the in-page harness and the
 * protocol-level caller, so both report the same figures the same way.
 */
export class CallObserver {
  readonly tracker: ResponseTracker;
  readonly audibility: Audibility;
  readonly interrupts: Interrupts;
  /** [arrival ms, frame_index or -1, audio ms] per agent audio frame, for evidence. */
  readonly frames: Array<[number, number, number]> = [];

  constructor(
    quietMs: number,
    voice: CallerVoice,
    private readonly emit: (event: PageEvent) => void,
  ) {
    this.audibility = new Audibility((r, at) => emit({ type: 'response-audible', at, turn: r.turn }));
    let interrupts: Interrupts | undefined;
    this.tracker = new ResponseTracker(quietMs, {
      onStart: (r) => {
        emit({ type: 'response-start', at: r.firstAt, turn: r.turn });
        this.audibility.onResponseStart(r);
        interrupts?.onResponseStart(r);
      },
      onEnd: (r) => {
        emit({
          type: 'response-end',
          at: r.endAt!,
          turn: r.turn,
          reason: r.endReason!,
          frames: r.frames,
          audioMs: r.audioMs,
          gaps: r.gaps,
          gapMs: r.gapMs,
          firstFrameWaitMs: Math.round(firstFrameWaitMs(r) * 10) / 10,
        });
        interrupts?.onResponseEnd(r);
      },
    });
    this.interrupts = interrupts = new Interrupts(voice, this.audibility, (turn) => this.tracker.expect(turn), emit);
  }

  expectResponse(turn: number): void {
    this.tracker.expect(turn);
  }

  armInterrupt(plan: InterruptPlan): void {
    this.interrupts.arm(plan);
  }

  onOutput(t: OutputTransition): void {
    this.audibility.onTransition(t);
  }

  /** One classified server message, received at `at`. */
  onFrame(frame: FrameClass, at: number): void {
    // Assistant text and stage timings belong to the response expected next, else the latest.
    const textTurn = this.tracker.textTurn ?? 0;
    switch (frame.kind) {
      case 'audio':
        this.interrupts.onAudio(at);
        if (this.frames.length < MAX_FRAME_LOG)
          this.frames.push([Math.round(at * 10) / 10, frame.frameIndex ?? -1, Math.round(frame.audioMs)]);
        break;
      case 'stop':
        this.interrupts.onStop(at);
        break;
      case 'error':
        this.emit({ type: 'server-error', at, code: frame.code, message: frame.message, throttle: frame.throttle });
        break;
      case 'session-end':
        this.emit({ type: 'session-end', at, reason: frame.reason });
        break;
      case 'session':
        this.emit({ type: 'ws-session', at, id: frame.id });
        break;
      case 'stage-timings':
        this.emit({ type: 'stage-timings', at, turn: textTurn, data: frame.data });
        break;
      case 'transcript':
        if (frame.role === 'assistant' && frame.text)
          this.emit({ type: 'response-text', at, turn: textTurn, text: frame.text });
        break;
      case 'response-end':
        if (frame.text) this.emit({ type: 'response-text', at, turn: textTurn, text: frame.text });
        if (frame.stages) this.emit({ type: 'stage-timings', at, turn: textTurn, data: frame.stages });
        break;
      default:
    }
    this.tracker.onFrame(frame, at);
  }
}
