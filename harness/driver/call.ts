import type { Page } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import type { ScenarioTurn } from '../audio/scenarios';
import { sleep } from '../clock';
import {
  CALL_GREETING, CALL_SETUP, TTFA_UNMEASURED, WS_CLOSE, WS_CONNECT, WS_ERROR, WS_RECONNECT, errCounter, rateCounter,
} from '../metrics/names';
import type { CallRecorder } from '../metrics/record';
import type { PageEvent, TurnAudioInput } from '../page/types';
import { throttleOf } from '../protocol/frames';
import type { ClientProfile } from './client-profile';
import { CallFailure } from './errors';
import { PageEventStream, WaitTimeout } from './page-events';
import { checkTask, runTurn, type TurnContext } from './turns';

export interface CallTimeouts {
  connectMs: number;
  firstByteMs: number;
  turnMs: number;
}

export interface CallPlan {
  pageUrl: string;
  profile: ClientProfile;
  track: CallerTrack;
  /** The scenario's turns, aligned with the track's audio. */
  scenarioTurns: ScenarioTurn[];
  /** Turns to speak, from the first. */
  turns: number;
  timeouts: CallTimeouts;
  /** Think time before turn N (1-based). */
  pauseBetweenTurnsMs(turn: number): number;
  /** Delay of each interruption after the agent's first audio (drawn by the caller of runCall). */
  interruptDelayMs(turn: number): number;
  /** Count an unexpected close without ending the call (the client may reconnect). */
  ignoreCloseExceptions: boolean;
}

/** Close codes a server uses for an orderly end; anything else is counted as err/ws_<code>. */
const ORDERLY_CLOSE = new Set([1000, 1001, 1005]);

/**
 * Runs one call in an already prepared page: open the client, start the call,
 * hear the greeting, then speak each turn and wait for its response. Every
 * wait is bounded; every figure comes from page timestamps.
 */
export async function runCall(page: Page, plan: CallPlan, events: PageEventStream, rec: CallRecorder): Promise<void> {
  const { timeouts } = plan;
  const connectDeadline = Date.now() + timeouts.connectMs;
  let opened = false;
  let ending = false;
  let sockets = 0;
  // Failures and throttling are counted whenever they arrive, whatever the driver is waiting for.
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

  try {
    await page.goto(plan.pageUrl, { timeout: timeouts.connectMs, waitUntil: 'load' });
  } catch (e) {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', `client page did not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const timeOrigin = await page.evaluate(() => window.__harness?.timeOrigin ?? null);
  if (timeOrigin === null) throw new CallFailure('call/error', 'the in-page harness is not installed (the page blocked init scripts?)');
  const toEpoch = (pageMs: number) => timeOrigin + pageMs;

  const audio: TurnAudioInput[] = plan.track.turns.slice(0, plan.turns).map((t) => ({
    pcmBase64: Buffer.from(t.samples.buffer, t.samples.byteOffset, t.samples.byteLength).toString('base64'),
    speechStartMs: t.speechStartMs,
    speechEndMs: t.speechEndMs,
  }));
  await page.evaluate((turns) => window.__harness!.loadTurns(turns), audio);

  await plan.profile.start(page, Math.max(1, connectDeadline - Date.now()));
  const created = await waitForConnect(events, 'the call socket to be created', (e) => e.type === 'ws-created', connectDeadline, rec);
  const open = await waitForConnect(events, 'the call socket to open', (e) => e.type === 'ws-open', connectDeadline, rec,
    (e) => e.type === 'ws-close' || e.type === 'ws-error');
  if (open.type !== 'ws-open') {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', `the call socket failed before opening (${open.type === 'ws-close' ? `close code ${open.code}` : open.type})`);
  }
  opened = true;
  rec.latency(CALL_SETUP, open.at);
  rec.latency(WS_CONNECT, open.at - created.at);

  const ctx: TurnContext = {
    page, events, rec, toEpoch, firstByteMs: timeouts.firstByteMs, turnMs: timeouts.turnMs, abortOnClose: !plan.ignoreCloseExceptions,
  };
  // Greeting: the response to "turn 0", expected from the moment the socket opened.
  const greeting = await events.waitFor('the greeting', (e) => e.type === 'response-start' && e.turn === 0, toEpoch(open.at) + timeouts.firstByteMs,
    (e) => e.type === 'ws-close').catch((e) => { if (e instanceof WaitTimeout) return null; throw e; });
  if (greeting?.type === 'response-start') {
    rec.latency(CALL_GREETING, greeting.at - open.at);
    await events.waitFor('the end of the greeting', (e) => e.type === 'response-end' && e.turn === 0, toEpoch(open.at) + timeouts.turnMs)
      .catch((e) => { if (!(e instanceof WaitTimeout)) throw e; });
  }

  try {
    for (let i = 0; i < plan.turns;) {
      const st = plan.scenarioTurns[i]!;
      const next = i + 1 < plan.turns ? plan.scenarioTurns[i + 1] : undefined;
      const interrupt = next?.interrupt ? { st: next, delayMs: plan.interruptDelayMs(i + 2) } : null;
      await sleep(plan.pauseBetweenTurnsMs(i + 1));
      await runTurn(ctx, i + 1, i, st, interrupt);
      i += interrupt ? 2 : 1;
    }
  } finally {
    // Answer texts trail the audio; they are read once the turns are over.
    await sleep(500);
    for (const t of rec.turns) checkTask(events, rec, t, plan.scenarioTurns[t.turn - 1]!);
  }
  if (!(await page.evaluate(() => window.__harness!.outputWatched()))) rec.count(TTFA_UNMEASURED);
  ending = true;
  await plan.profile.end(page, 2000).catch(() => { /* the context closes anyway */ });
}

/** Connection-phase wait: running out of time is a classified `ws/error`. */
async function waitForConnect(events: PageEventStream, what: string, match: (e: PageEvent) => boolean, deadline: number,
  rec: CallRecorder, abort?: (e: PageEvent) => boolean): Promise<PageEvent> {
  try {
    return await events.waitFor(what, match, deadline, abort);
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', err.message);
  }
}
