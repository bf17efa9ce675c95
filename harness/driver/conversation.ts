import type { ScenarioTurn } from '../audio/scenarios';
import { sleep } from '../clock';
import {
  CALL_GREETING,
  CALL_SETUP,
  GREETING_MISSING,
  TTFA_UNMEASURED,
  WS_CLOSE,
  WS_CONNECT,
  WS_ERROR,
  WS_OPEN_STALL,
  WS_RECONNECT,
  errCounter,
  rateCounter,
} from '../metrics/names';
import type { CallRecorder } from '../metrics/record';
import type { PageEvent } from '../page/types';
import { throttleOf } from '../protocol/frames';
import { CallFailure } from './errors';
import { WaitTimeout, type PageEventStream } from './page-events';
import { socketCarriesScenario } from './socket';
import { checkTask, runTurn, type CallSurface, type TurnContext, type TurnEndReports } from './turns';

export interface CallTimeouts {
  connectMs: number;
  firstByteMs: number;
  turnMs: number;
}

export interface ConversationPlan {
  /** The scenario's turns, aligned with the audio loaded on the surface. */
  scenarioTurns: ScenarioTurn[];
  /** Turns to speak, from the first. */
  turns: number;
  timeouts: CallTimeouts;
  /** The agent greets when the call opens. */
  greeting: boolean;
  /** Think time before turn N (1-based). */
  pauseBetweenTurnsMs(turn: number): number;
  /** Delay of the interruption spoken as turn N, after the agent's first audio. */
  interruptDelayMs(turn: number): number;
  /** Count an unexpected close without ending the call (the client may reconnect). */
  ignoreCloseExceptions: boolean;
  /** Where the call tells of its turns' ends (STARTUP_GUARD_MS); unset = nobody asks. */
  turnEnds?: TurnEndReports;
  /**
   * The call's scenario, and whether the client is known to pass it to its backend; unset = the backend knows it.
   * Otherwise the task check applies only when the call socket's URL carries `scenario=<it>`.
   */
  task?: { scenario: string; passed: boolean };
}

/** Close codes a server uses for an orderly end; anything else is counted as err/ws_<code>. */
const ORDERLY_CLOSE = new Set([1000, 1001, 1005]);
/** A socket that failed to open closes right after its error; its close code is waited for this long. */
const CLOSE_AFTER_ERROR_MS = 1000;

/**
 * Counts failures and throttling whenever they arrive, whatever the driver is
 * waiting for. Returns a switch to call once the call is ending on purpose.
 */
export function countFailures(events: PageEventStream, rec: CallRecorder): { opened(): void; ending(): void } {
  let opened = false;
  let ending = false;
  let sockets = 0;
  events.subscribe((e: PageEvent) => {
    if (e.type === 'server-error') {
      if (e.code) rec.count(errCounter(e.code));
      if (e.throttle) rec.count(rateCounter(e.throttle));
    } else if (e.type === 'ws-created') {
      if (++sockets > 1) rec.count(WS_RECONNECT);
    } else if (e.type === 'ws-close' && opened && !ending) {
      rec.count(WS_CLOSE);
      if (!ORDERLY_CLOSE.has(e.code)) rec.count(errCounter(`ws_${e.code}`));
      const throttle = throttleOf(e.reason);
      if (throttle) rec.count(rateCounter(throttle));
    }
  });
  return {
    opened: () => {
      opened = true;
    },
    ending: () => {
      ending = true;
    },
  };
}

/**
 * Waits for the call socket to open (the clock started at `setupZero`, in
 * surface time, or the zero a function gives for the open's time); running
 * out of time or a failed socket is a classified `ws/error`, whose message
 * names the URL the client tried.
 */
export async function awaitOpen(
  events: PageEventStream,
  rec: CallRecorder,
  deadlineEpochMs: number,
  setupZero: number | ((openAt: number) => number) = 0,
): Promise<Extract<PageEvent, { type: 'ws-open' }>> {
  let url = '';
  const failed = (message: string): never => {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', url ? `${message} — ${url}` : message);
  };
  const wait = async (what: string, match: (e: PageEvent) => boolean, abort?: (e: PageEvent) => boolean) => {
    try {
      return await events.waitFor(what, match, deadlineEpochMs, abort);
    } catch (err) {
      if (!(err instanceof WaitTimeout)) throw err;
      return failed(err.message);
    }
  };
  const created = await wait('the call socket to be created', (e) => e.type === 'ws-created');
  if (created.type === 'ws-created') url = created.url;
  const open = await wait(
    'the call socket to open',
    (e) => e.type === 'ws-open',
    (e) => e.type === 'ws-close' || e.type === 'ws-error',
  );
  if (open.type !== 'ws-open') {
    // An error comes just before its close; the close carries the code worth reporting.
    const close =
      open.type === 'ws-close'
        ? open
        : await events
            .waitFor('the failed socket to close', (e) => e.type === 'ws-close', Date.now() + CLOSE_AFTER_ERROR_MS)
            .catch(() => null);
    return failed(
      `the call socket failed before opening (${close?.type === 'ws-close' ? `close code ${close.code}` : open.type})`,
    );
  }
  rec.latency(CALL_SETUP, open.at - (typeof setupZero === 'function' ? setupZero(open.at) : setupZero));
  rec.latency(WS_CONNECT, open.at - created.at);
  if (open.stallMs !== undefined) rec.latency(WS_OPEN_STALL, open.stallMs);
  return open;
}

/**
 * The conversation once the socket is open: hear the greeting, then speak
 * each turn (or a turn and the interruption over its answer) and wait for its
 * response. Every wait is bounded; every figure comes from surface timestamps.
 */
export async function converse(
  surface: CallSurface,
  plan: ConversationPlan,
  events: PageEventStream,
  rec: CallRecorder,
  openAt: number,
): Promise<void> {
  const { timeouts } = plan;
  const toEpoch = (t: number) => surface.timeOrigin + t;
  const ctx: TurnContext = {
    surface,
    events,
    rec,
    toEpoch,
    firstByteMs: timeouts.firstByteMs,
    turnMs: timeouts.turnMs,
    abortOnClose: !plan.ignoreCloseExceptions,
    ...(plan.turnEnds ? { turnEnds: plan.turnEnds } : {}),
  };
  // Greeting: the response to "turn 0", expected from the moment the socket opened.
  const greeting = !plan.greeting
    ? null
    : await events
        .waitFor(
          'the greeting',
          (e) => e.type === 'response-start' && e.turn === 0,
          toEpoch(openAt) + timeouts.firstByteMs,
          (e) => e.type === 'ws-close',
        )
        .catch((e) => {
          if (e instanceof WaitTimeout) return null;
          throw e;
        });
  // A profile that expects a greeting and hears none: the caller sat through silence. Counted now, and the call
  // fails once its turns are measured (a failed turn says more and goes first).
  let greetingMissing: string | null = null;
  if (plan.greeting && greeting === null) {
    rec.fail(CALL_GREETING);
    rec.count(GREETING_MISSING);
    greetingMissing =
      `no greeting within ${timeouts.firstByteMs} ms of the socket opening, and the client profile expects one; ` +
      'if the agent does not greet, set CLIENT_GREETING=false (generic profile) or "greeting": false in the profile';
  }
  if (greeting?.type === 'response-start') {
    rec.latency(CALL_GREETING, greeting.at - openAt);
    await events
      .waitFor(
        'the end of the greeting',
        (e) => e.type === 'response-end' && e.turn === 0,
        toEpoch(openAt) + timeouts.turnMs,
      )
      .catch((e) => {
        if (!(e instanceof WaitTimeout)) throw e;
      });
  }
  try {
    for (let i = 0; i < plan.turns; ) {
      const st = plan.scenarioTurns[i]!;
      const next = i + 1 < plan.turns ? plan.scenarioTurns[i + 1] : undefined;
      const interrupt = next?.interrupt ? { st: next, delayMs: plan.interruptDelayMs(i + 2) } : null;
      const pauseMs = plan.pauseBetweenTurnsMs(i + 1);
      ctx.turnEnds?.upcoming(i, Date.now() + pauseMs);
      await sleep(pauseMs);
      await runTurn(ctx, i + 1, i, st, interrupt);
      i += interrupt ? 2 : 1;
    }
  } finally {
    // Answer texts trail the audio; they are read once the turns are over.
    await sleep(500);
    const applies = !plan.task || plan.task.passed || socketCarriesScenario(events.events, plan.task.scenario);
    for (const t of rec.turns) checkTask(events, rec, t, plan.scenarioTurns[t.turn - 1]!, applies);
  }
  if ((await surface.outputWatched()) === false) rec.count(TTFA_UNMEASURED);
  if (greetingMissing) throw new CallFailure('greeting/missing', greetingMissing);
}
