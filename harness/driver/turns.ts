import type { ScenarioTurn } from '../audio/scenarios';
import {
  AUDIO_GAP_MS,
  AUDIO_GAPS,
  FALSE_ALARM_STOPPED,
  TASK_INCOMPLETE,
  TASK_NOT_APPLICABLE,
  TASK_UNMEASURED,
  TTFA_SILENT,
  TURN_ERROR,
  stageMetric,
  turnMetric,
} from '../metrics/names';
import type { CallRecorder, TurnRecord } from '../metrics/record';
import type { InterruptPlan, PageEvent, RenderedSpeech, SpeakTiming } from '../page/types';
import { CallFailure } from './errors';
import { WaitTimeout, type PageEventStream } from './page-events';

type EventOf<T extends PageEvent['type']> = Extract<PageEvent, { type: T }>;

/** Where a call's audio is spoken and its responses observed: a browser page, or a protocol-level caller. */
export interface CallSurface {
  /** Epoch ms of the surface clock's zero (the page's timeOrigin, or Node's). */
  timeOrigin: number;
  /**
   * Expects the response to `turn`, arms `plan` (an interruption over that response), and speaks turn audio `index`.
   */
  speak(index: number, turn: number, plan: InterruptPlan | null): Promise<SpeakTiming>;
  /** Whether the client's audible output is observed (ttfa); null where there is no client output at all. */
  outputWatched(): Promise<boolean | null>;
  /** Turn audio `index`'s speech bounds as rendered, once they have been; absent where speak's timing is exact. */
  speechRendered?(index: number): Promise<RenderedSpeech | null>;
}

/**
 * Where a call tells of its caller turns' ends (the conductor's start-up guard, STARTUP_GUARD_MS): a start-up near
 * one would carry that turn's audio late.
 */
export interface TurnEndReports {
  /** Turn audio `index` starts being spoken at `speakAtMs` (epoch): its speech end falls its own offset later. */
  upcoming(index: number, speakAtMs: number): void;
  /** The answer to the turn last told of has begun. */
  answered(): void;
}

export interface TurnContext {
  surface: CallSurface;
  events: PageEventStream;
  rec: CallRecorder;
  /** Page ms -> epoch ms. */
  toEpoch(pageMs: number): number;
  firstByteMs: number;
  turnMs: number;
  /** Waits end the call early when the socket closes (unless closes are tolerated). */
  abortOnClose: boolean;
  turnEnds?: TurnEndReports;
}

/** Slack after a planned interruption's start before its absence is an error. */
const INTERRUPT_SLACK_MS = 3000;
/** How long an audible transition missing at a response's end is waited for (a stalled page reports late). */
const LATE_AUDIBLE_MS = 1500;
/** The in-page false-alarm verdict waits up to 2 s for resumed audio. */
const FALSE_ALARM_VERDICT_MS = 4000;

/**
 * One caller turn, or a turn and the interruption spoken over its answer:
 * speak, wait for the answer to start and end, record the figures. Throws
 * CallFailure on a timeout or a closed socket; every wait has a deadline.
 */
export async function runTurn(
  ctx: TurnContext,
  turn: number,
  audioIndex: number,
  st: ScenarioTurn,
  interrupt: { st: ScenarioTurn; delayMs: number } | null,
): Promise<void> {
  const { surface, events, rec } = ctx;
  const firstByteMs = st.timeoutSec ? Math.max(ctx.firstByteMs, st.timeoutSec * 1000) : ctx.firstByteMs;
  const turnMs = st.timeoutSec ? st.timeoutSec * 1000 : ctx.turnMs;
  const plan: InterruptPlan | null = interrupt
    ? {
        turn: turn + 1,
        audioIndex: audioIndex + 1,
        kind: interrupt.st.interrupt!,
        afterTurn: turn,
        delayMs: interrupt.delayMs,
      }
    : null;

  events.mark();
  const speak: SpeakTiming = await surface.speak(audioIndex, turn, plan);
  const t = rec.turn(turn);
  t.speechStartAtMs = ctx.toEpoch(speak.speechStartAt);
  t.speechEndAtMs = ctx.toEpoch(speak.speechEndAt);
  const tSe = ctx.toEpoch(speak.speechEndAt);

  const start = await waitFor(ctx, 'response-start', turn, tSe + firstByteMs, `first agent audio for turn ${turn}`);
  if (!start) return failTurn(rec, t, turn, `no agent audio within ${firstByteMs} ms of speech end`, true);
  const speechEndAt = await recordFirstAudio(ctx, t, audioIndex, speak, start);
  // The interruption is spoken its delay after the answer's first audio.
  if (plan) ctx.turnEnds?.upcoming(plan.audioIndex, ctx.toEpoch(start.at) + plan.delayMs);
  else ctx.turnEnds?.answered();

  if (!plan) {
    await finishResponse(ctx, t, turn, speechEndAt, tSe + turnMs);
    return;
  }

  const spoken = await waitFor(
    ctx,
    'interrupt-spoken',
    plan.turn,
    ctx.toEpoch(start.at) + plan.delayMs + INTERRUPT_SLACK_MS,
    `the interruption of turn ${turn}`,
  );
  if (!spoken) throw new CallFailure('call/error', `turn ${plan.turn}: the planned ${plan.kind} was never spoken`);
  // The interrupted answer: complete only if it ran to its natural end.
  await finishResponse(ctx, t, turn, speechEndAt, tSe + turnMs);
  const it = rec.turn(plan.turn, plan.kind);
  it.speechStartAtMs = ctx.toEpoch(spoken.timing.speechStartAt);
  it.speechEndAtMs = ctx.toEpoch(spoken.timing.speechEndAt);

  if (plan.kind === 'false-alarm') {
    const verdict = await waitFor(
      ctx,
      'false-alarm',
      plan.turn,
      Date.now() + FALSE_ALARM_VERDICT_MS,
      `the false-alarm outcome of turn ${plan.turn}`,
    );
    // The agent answers no false alarm: its outcome ends the turn.
    ctx.turnEnds?.answered();
    if (verdict) {
      it.falseAlarm = verdict.outcome;
      if (verdict.outcome === 'stopped') rec.count(FALSE_ALARM_STOPPED);
    }
    return;
  }

  const tSe2 = ctx.toEpoch(spoken.timing.speechEndAt);
  const start2 = await waitFor(
    ctx,
    'response-start',
    plan.turn,
    tSe2 + firstByteMs,
    `first agent audio for turn ${plan.turn}`,
  );
  if (!start2)
    return failTurn(rec, it, plan.turn, `no agent audio within ${firstByteMs} ms of the barge-in speech end`, true);
  const speechEnd2At = await recordFirstAudio(ctx, it, plan.audioIndex, spoken.timing, start2);
  ctx.turnEnds?.answered();
  // Emitted by the page as the new answer starts: the interrupted audio is over by then.
  const barge = await waitFor(ctx, 'barge', plan.turn, Date.now() + 2000, `barge-in figures for turn ${plan.turn}`);
  if (barge) {
    const stoppedAt = Math.max(barge.lastFrameAt ?? barge.onsetAt, barge.silentAt ?? -Infinity);
    it.bargeMs = stoppedAt - barge.onsetAt;
    if (barge.lastFrameAt !== null) it.bargeLastFrameAtMs = ctx.toEpoch(barge.lastFrameAt);
    rec.latency(turnMetric('barge', plan.turn), it.bargeMs);
    if (barge.ackAt !== null) {
      it.bargeAckMs = barge.ackAt - barge.onsetAt;
      rec.latency(turnMetric('barge_ack', plan.turn), it.bargeAckMs);
    }
  }
  await finishResponse(ctx, it, plan.turn, speechEnd2At, tSe2 + turnMs);
}

/**
 * Records a turn's ttfb once its first agent audio arrived, and returns the speech end it is timed from. By now
 * the speech end has been rendered: it is dated from the clock as it ran, not as foretold when scheduled.
 */
async function recordFirstAudio(
  ctx: TurnContext,
  t: TurnRecord,
  audioIndex: number,
  scheduled: SpeakTiming,
  start: EventOf<'response-start'>,
): Promise<number> {
  const rendered = await ctx.surface.speechRendered?.(audioIndex).catch(() => null);
  const speechEndAt = rendered?.speechEndAt ?? scheduled.speechEndAt;
  if (rendered) {
    t.speechStartAtMs = ctx.toEpoch(rendered.speechStartAt);
    t.speechEndAtMs = ctx.toEpoch(rendered.speechEndAt);
  }
  t.ttfbMs = start.at - speechEndAt;
  if (start.silentBeforeMs) t.firstAudioStallMs = start.silentBeforeMs;
  if (rendered?.sendHoldMs) t.sendHoldMs = rendered.sendHoldMs;
  if (rendered?.sendPathMs !== undefined) t.sendPathMs = rendered.sendPathMs;
  if (rendered?.receivePathMs !== undefined) t.receivePathMs = rendered.receivePathMs;
  ctx.rec.latency(turnMetric('ttfb', t.turn), t.ttfbMs);
  return speechEndAt;
}

/** Waits for the response to end and records turn time, audibility, gaps and stage timings. */
async function finishResponse(
  ctx: TurnContext,
  t: TurnRecord,
  turn: number,
  speechEndAt: number,
  deadline: number,
): Promise<void> {
  const { rec } = ctx;
  const end = await waitFor(ctx, 'response-end', turn, deadline, `end of response for turn ${turn}`);
  if (!end)
    return failTurn(
      rec,
      t,
      turn,
      `response not complete within ${Math.round(deadline - ctx.toEpoch(speechEndAt))} ms of speech end`,
      false,
    );
  t.endReason = end.reason;
  if (end.firstFrameWaitMs) t.firstFrameWaitMs = end.firstFrameWaitMs;
  t.gaps = end.gaps;
  t.gapMs = Math.round(end.gapMs);
  if (end.gaps) {
    rec.count(AUDIO_GAPS, end.gaps);
    rec.latency(AUDIO_GAP_MS, end.gapMs);
  }
  // A response cut short by a barge-in is not a complete one: no turn time for it.
  if (end.reason !== 'stopped' && end.reason !== 'superseded') {
    t.turnMs = end.at - speechEndAt;
    rec.latency(turnMetric('turn', turn), t.turnMs);
  }
  const audible = await audibleFor(ctx, turn);
  let silent: string | null = null;
  if (audible) {
    t.ttfaMs = audible.at - speechEndAt;
    rec.latency(turnMetric('ttfa', turn), t.ttfaMs);
  } else if (audible === null && end.reason !== 'stopped' && end.reason !== 'superseded') {
    // The agent's audio arrived but the client's speakers stayed quiet: the caller heard nothing, so the turn
    // failed, whatever the socket says.
    rec.count(TTFA_SILENT);
    rec.fail(turnMetric('ttfa', turn));
    silent =
      `the client played nothing audible for the agent's complete response (${end.frames} frames, ` +
      `${Math.round(end.audioMs)} ms of audio; output threshold OUTPUT_THRESHOLD_DBFS): the caller heard nothing`;
    t.error = silent;
  }
  const stages = ctx.events.find((e): e is EventOf<'stage-timings'> => e.type === 'stage-timings' && e.turn === turn);
  if (stages) {
    t.stages = stages.data;
    for (const [name, ms] of Object.entries(stages.data)) if (name !== 'turn') rec.latency(stageMetric(name), ms);
  }
  if (silent) throw new CallFailure('ttfa/silent', `turn ${turn}: ${silent}`);
}

/**
 * When the client's output turned audible for `turn`'s response: null if its
 * watched output stayed quiet, undefined if its output is not watched. On a
 * stalled page the output tap can report after the response already ended,
 * so a missing transition is waited for a little before it counts as silence.
 */
async function audibleFor(ctx: TurnContext, turn: number): Promise<EventOf<'response-audible'> | null | undefined> {
  const match = (e: PageEvent): e is EventOf<'response-audible'> => e.type === 'response-audible' && e.turn === turn;
  const seen = ctx.events.find(match);
  if (seen) return seen;
  if ((await ctx.surface.outputWatched()) !== true) return undefined;
  try {
    return (await ctx.events.waitFor(
      `audible output for turn ${turn}`,
      match,
      Date.now() + LATE_AUDIBLE_MS,
    )) as EventOf<'response-audible'>;
  } catch (err) {
    if (err instanceof WaitTimeout) return null;
    throw err;
  }
}

/**
 * Task completion: every expected word appears in what the agent said for the
 * turn. Checked after the think pause, since the final text trails the audio.
 * `applies` is false when the backend was never told the call's scenario.
 */
export function checkTask(
  events: PageEventStream,
  rec: CallRecorder,
  t: TurnRecord,
  st: ScenarioTurn,
  applies = true,
): void {
  const text = events.events
    .filter((e): e is EventOf<'response-text'> => e.type === 'response-text' && e.turn === t.turn)
    .map((e) => e.text);
  // Streaming messages repeat the growing text; the longest one is the whole answer.
  const said = text.reduce((a, b) => (b.length > a.length ? b : a), '');
  if (said) t.text = said;
  if (!st.expect?.length || t.turnMs === undefined) return;
  // An agent answering without the scenario cannot say its words: not applicable, not a failure, left out of
  // success/task.
  if (!applies) return void rec.count(TASK_NOT_APPLICABLE);
  // A transport without text (a phone line) cannot show what was said: unmeasured, not incomplete.
  if (!said) return void rec.count(TASK_UNMEASURED);
  const lower = said.toLowerCase();
  t.task = st.expect.every((w) => lower.includes(w.toLowerCase())) ? 'completed' : 'incomplete';
  if (t.task === 'incomplete') rec.count(TASK_INCOMPLETE);
}

function failTurn(rec: CallRecorder, t: TurnRecord, turn: number, reason: string, noFirstByte: boolean): never {
  if (noFirstByte) rec.fail(turnMetric('ttfb', turn));
  rec.fail(turnMetric('turn', turn));
  rec.count(TURN_ERROR);
  t.error = reason;
  throw new CallFailure('turn/error', `turn ${turn}: ${reason}`);
}

/** The event for `turn`, or null at the deadline. A closed socket ends the call. */
async function waitFor<T extends PageEvent['type']>(
  ctx: TurnContext,
  type: T,
  turn: number,
  deadlineEpochMs: number,
  what: string,
): Promise<EventOf<T> | null> {
  try {
    const e = await ctx.events.waitFor(
      what,
      (x) => x.type === type && (x as { turn?: number }).turn === turn,
      deadlineEpochMs,
      ctx.abortOnClose ? (x) => x.type === 'ws-close' : undefined,
    );
    if (e.type === 'ws-close')
      throw new CallFailure(
        'ws/close',
        `socket closed (code ${e.code}${e.reason ? ` "${e.reason}"` : ''}) while waiting for ${what}`,
      );
    return e as EventOf<T>;
  } catch (err) {
    if (err instanceof WaitTimeout) return null;
    throw err;
  }
}
