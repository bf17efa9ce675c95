import type { Audibility } from './audibility';
import type { Response } from './responses';
import type { FalseAlarmOutcome, InterruptPlan, PageEvent, SpeakTiming } from './types';

/** What speaks the caller's audio: the page's fake microphone, or a protocol caller's stream. */
export interface CallerVoice {
  speakAt(index: number, atMs: number): SpeakTiming;
}

/** After the agent stops for a false alarm, how long resumed audio still counts as resuming. */
const RESUME_WINDOW_MS = 2000;

interface Active {
  plan: InterruptPlan;
  onsetAt: number;
  interrupted: Response;
  ackAt: number | null;
  audioAfterStop: boolean;
  done: boolean;
}

/**
 * Speaks planned interruptions from inside the page, timed from the agent's
 * first audio with no round trip to Node, and measures what the agent did:
 * barge-in (audio stops, stop control) or false alarm (audio carries on).
 */
export class Interrupts {
  private readonly plans = new Map<number, InterruptPlan>();
  private active: Active | null = null;

  constructor(
    private readonly mic: CallerVoice,
    private readonly audibility: Audibility,
    private readonly expectResponse: (turn: number) => void,
    private readonly emit: (event: PageEvent) => void,
  ) {}

  arm(plan: InterruptPlan): void {
    this.plans.set(plan.afterTurn, plan);
  }

  onResponseStart(r: Response): void {
    const a = this.active;
    // The answer to the barge-in turn has begun: the interrupted audio is over.
    if (a && !a.done && a.plan.kind === 'barge-in' && r.turn === a.plan.turn) this.finishBarge(a, r.firstAt);
    const plan = this.plans.get(r.turn);
    if (!plan) return;
    this.plans.delete(r.turn);
    const timing = this.mic.speakAt(plan.audioIndex, r.firstAt + plan.delayMs);
    this.active = {
      plan,
      onsetAt: timing.speechStartAt,
      interrupted: r,
      ackAt: null,
      audioAfterStop: false,
      done: false,
    };
    if (plan.kind === 'barge-in') this.expectResponse(plan.turn);
    this.emit({ type: 'interrupt-spoken', at: performance.now(), turn: plan.turn, kind: plan.kind, timing });
  }

  onStop(at: number): void {
    const a = this.active;
    if (a && !a.done && a.ackAt === null && at >= a.onsetAt) a.ackAt = at;
  }

  onAudio(at: number): void {
    const a = this.active;
    if (a && !a.done && a.ackAt !== null && at > a.ackAt) a.audioAfterStop = true;
  }

  onResponseEnd(r: Response): void {
    const a = this.active;
    if (!a || a.done || a.plan.kind !== 'false-alarm' || r !== a.interrupted) return;
    if (r.endReason === 'stopped' || r.endReason === 'superseded') {
      setTimeout(() => this.finishFalseAlarm(a), RESUME_WINDOW_MS);
    } else {
      this.finishFalseAlarm(a);
    }
  }

  private finishBarge(a: Active, nextStartAt: number): void {
    a.done = true;
    const r = a.interrupted;
    const lastFrameAt = r.lastAt >= a.onsetAt ? r.lastAt : null;
    const silentAt = this.audibility.lastSilenceStart(a.onsetAt, nextStartAt);
    this.emit({
      type: 'barge',
      at: performance.now(),
      turn: a.plan.turn,
      onsetAt: a.onsetAt,
      ackAt: a.ackAt,
      lastFrameAt,
      silentAt,
    });
  }

  private finishFalseAlarm(a: Active): void {
    if (a.done) return;
    a.done = true;
    const outcome: FalseAlarmOutcome = a.ackAt === null ? 'continued' : a.audioAfterStop ? 'resumed' : 'stopped';
    this.emit({ type: 'false-alarm', at: performance.now(), turn: a.plan.turn, onsetAt: a.onsetAt, outcome });
  }
}
