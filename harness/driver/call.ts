import type { Page } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import { sleep } from '../clock';
import { CALL_GREETING, CALL_SETUP, TURN_ERROR, WS_CLOSE, WS_CONNECT, WS_ERROR, errCounter, rateCounter, turnMetric } from '../metrics/names';
import type { CallRecorder } from '../metrics/record';
import type { PageEvent, SpeakTiming, TurnAudioInput } from '../page/types';
import type { ClientProfile } from './client-profile';
import { CallFailure } from './errors';
import { PageEventStream, WaitTimeout } from './page-events';

export interface CallTimeouts {
  connectMs: number;
  firstByteMs: number;
  turnMs: number;
}

export interface CallPlan {
  pageUrl: string;
  profile: ClientProfile;
  track: CallerTrack;
  /** Turns to speak, from the track's first. */
  turns: number;
  timeouts: CallTimeouts;
  pauseBetweenTurnsMs: number;
}

const isSocketEnd = (e: PageEvent) => e.type === 'ws-close';

/**
 * Runs one call in an already prepared page: open the client, start the call,
 * hear the greeting, then speak each turn and wait for its response. Every
 * wait is bounded; every figure comes from page timestamps.
 */
export async function runCall(page: Page, plan: CallPlan, events: PageEventStream, rec: CallRecorder): Promise<void> {
  const { timeouts } = plan;
  const connectDeadline = Date.now() + timeouts.connectMs;
  // Server errors and throttling are counted whenever they arrive.
  events.subscribe((e) => {
    if (e.type !== 'server-error') return;
    if (e.code) rec.count(errCounter(e.code));
    if (e.throttle) rec.count(rateCounter(e.throttle));
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
  const opened = await waitForConnect(events, 'the call socket to open', (e) => e.type === 'ws-open', connectDeadline, rec,
    (e) => e.type === 'ws-close' || e.type === 'ws-error');
  if (opened.type !== 'ws-open') {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', `the call socket failed before opening (${describe(opened)})`);
  }
  rec.latency(CALL_SETUP, opened.at);
  rec.latency(WS_CONNECT, opened.at - created.at);

  // Greeting: the response to "turn 0", expected from the moment the socket opened.
  const greetingStart = await waitResponse(events, 0, 'start', toEpoch(opened.at) + timeouts.firstByteMs, rec);
  if (greetingStart) {
    rec.latency(CALL_GREETING, greetingStart.at - opened.at);
    await waitResponse(events, 0, 'end', toEpoch(opened.at) + timeouts.turnMs, rec);
  }

  for (let i = 0; i < plan.turns; i++) {
    const turn = i + 1;
    await sleep(plan.pauseBetweenTurnsMs);
    events.mark();
    const speak: SpeakTiming = await page.evaluate(({ index, turn }) => {
      window.__harness!.expectResponse(turn);
      return window.__harness!.speak(index);
    }, { index: i, turn });
    const t = rec.turn(turn);
    t.speechEndAtMs = toEpoch(speak.speechEndAt);
    const ttfbName = turnMetric('ttfb', turn);
    const turnName = turnMetric('turn', turn);
    const start = await waitResponse(events, turn, 'start', toEpoch(speak.speechEndAt) + timeouts.firstByteMs, rec);
    if (!start) {
      rec.fail(ttfbName);
      rec.fail(turnName);
      rec.count(TURN_ERROR);
      t.error = `no agent audio within ${timeouts.firstByteMs} ms of speech end`;
      throw new CallFailure('turn/error', `turn ${turn}: ${t.error}`);
    }
    t.ttfbMs = start.at - speak.speechEndAt;
    rec.latency(ttfbName, t.ttfbMs);
    const end = await waitResponse(events, turn, 'end', toEpoch(speak.speechEndAt) + timeouts.turnMs, rec);
    if (!end) {
      rec.fail(turnName);
      rec.count(TURN_ERROR);
      t.error = `response not complete within ${timeouts.turnMs} ms of speech end`;
      throw new CallFailure('turn/error', `turn ${turn}: ${t.error}`);
    }
    t.turnMs = end.at - speak.speechEndAt;
    t.endReason = end.type === 'response-end' ? end.reason : undefined;
    rec.latency(turnName, t.turnMs);
  }
  await plan.profile.end(page, 2000).catch(() => { /* the context closes anyway */ });
}

/** Waits for the response's start or end; null on timeout. A socket close fails the call. */
async function waitResponse(events: PageEventStream, turn: number, edge: 'start' | 'end', deadlineEpochMs: number, rec: CallRecorder) {
  const type = edge === 'start' ? 'response-start' : 'response-end';
  const what = `${edge === 'start' ? 'first agent audio' : 'end of response'} for turn ${turn}`;
  try {
    const e = await events.waitFor(what, (x) => x.type === type && x.turn === turn, deadlineEpochMs, isSocketEnd);
    if (e.type === 'ws-close') {
      rec.count(WS_CLOSE);
      throw new CallFailure('ws/close', `socket closed while waiting for ${what} (${describe(e)})`);
    }
    return e as Extract<PageEvent, { type: 'response-start' | 'response-end' }>;
  } catch (err) {
    if (err instanceof WaitTimeout) return null;
    throw err;
  }
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

function describe(e: PageEvent): string {
  if (e.type === 'ws-close') return `close code ${e.code}${e.reason ? ` "${e.reason}"` : ''}`;
  return e.type;
}
