import type { Page } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import { runSteps, type ClientProfile } from '../clients/profile';
import { HARNESS_SETUP, WS_ERROR } from '../metrics/names';
import type { CallRecorder } from '../metrics/record';
import type { TurnAudioInput } from '../page/types';
import { awaitOpen, converse, countFailures, type ConversationPlan } from './conversation';
import { CallFailure } from './errors';
import { watchPageDiagnostics } from './evidence';
import type { PageEventStream } from './page-events';
import { addSocketQuery, warnIfElsewhere } from './socket';
import type { CallSurface } from './turns';

export interface CallPlan extends ConversationPlan {
  pageUrl: string;
  profile: ClientProfile;
  track: CallerTrack;
  /** Query parameters added to the call socket's URL (the profile's socketQuery, filled for this call). */
  socketQuery?: Record<string, string>;
  /** WS_URL, when set: a client that connects elsewhere is warned about. */
  expectedTarget?: string;
}

/** The in-page harness as a call surface: every action is one evaluate in the page. */
function pageSurface(page: Page, timeOrigin: number): CallSurface {
  return {
    timeOrigin,
    speak: (index, turn, plan) =>
      page.evaluate(
        ({ index, turn, plan }) => {
          window.__harness!.expectResponse(turn);
          if (plan) window.__harness!.armInterrupt(plan);
          return window.__harness!.speak(index);
        },
        { index, turn, plan },
      ),
    outputWatched: () => page.evaluate(() => window.__harness!.outputWatched()),
    speechRendered: (index) => page.evaluate((i) => window.__harness!.speechRendered(i), index),
  };
}

/**
 * Runs one browser call in an already prepared page: open the client, load
 * the caller's audio into the fake microphone, start the call the way a
 * person would, converse, end it.
 */
export async function runCall(page: Page, plan: CallPlan, events: PageEventStream, rec: CallRecorder): Promise<void> {
  // The harness's own preparation comes before the clock starts: it is not the client's set-up.
  const audio: TurnAudioInput[] = plan.track.turns.slice(0, plan.turns).map((t) => ({
    pcmBase64: Buffer.from(t.samples.buffer, t.samples.byteOffset, t.samples.byteLength).toString('base64'),
    speechStartMs: t.speechStartMs,
    speechEndMs: t.speechEndMs,
  }));
  watchPageDiagnostics(page);
  let connectDeadline = Date.now() + plan.timeouts.connectMs;
  const failures = countFailures(events, rec);
  await addSocketQuery(page, plan.socketQuery);
  try {
    await page.goto(plan.pageUrl, { timeout: plan.timeouts.connectMs, waitUntil: 'load' });
  } catch (e) {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', `client page did not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const loadStartedAtMs = Date.now();
  const page0 = await page.evaluate(() =>
    window.__harness ? { timeOrigin: window.__harness.timeOrigin, now: performance.now() } : null,
  );
  if (page0 === null)
    throw new CallFailure('call/error', 'the in-page harness is not installed (the page blocked init scripts?)');
  const loadedAt = await page.evaluate(async (turns) => {
    await window.__harness!.loadTurns(turns);
    return performance.now();
  }, audio);
  // Loading the caller audio happens inside the page's set-up (the page must exist first), so its span, timed on
  // the page's clock, is reported apart and taken out of call/setup; the connect deadline moves by the same wall time.
  const harnessSetupMs = loadedAt - page0.now;
  rec.latency(HARNESS_SETUP, harnessSetupMs);
  connectDeadline += Date.now() - loadStartedAtMs;

  await runSteps(page, plan.profile.start, Math.max(1, connectDeadline - Date.now()));
  // Page time 0 is the navigation start: call/setup runs from there to the socket's open, less the harness's own span.
  // A client that opened its socket while the page loaded (before the harness's span) owes it nothing.
  const open = await awaitOpen(events, rec, connectDeadline, (openAt) => (openAt > loadedAt ? harnessSetupMs : 0));
  failures.opened();
  warnIfElsewhere(events.events, page.url(), plan.expectedTarget);
  // The greeting is timed from the open's dispatch: a stall that held up the open (and the greeting's frames
  // with it) is ws/open_stall's, not the greeting's.
  await converse(pageSurface(page, page0.timeOrigin), plan, events, rec, open.dispatchAt ?? open.at);
  failures.ending();
  await runSteps(page, plan.profile.end, 2000).catch(() => {
    /* the context closes anyway */
  });
}
