import type { Page } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import { runSteps, type ClientProfile } from '../clients/profile';
import { WS_ERROR } from '../metrics/names';
import type { CallRecorder } from '../metrics/record';
import type { TurnAudioInput } from '../page/types';
import { awaitOpen, converse, countFailures, type ConversationPlan } from './conversation';
import { CallFailure } from './errors';
import type { PageEventStream } from './page-events';
import type { CallSurface } from './turns';

export interface CallPlan extends ConversationPlan {
  pageUrl: string;
  profile: ClientProfile;
  track: CallerTrack;
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
  };
}

/**
 * Runs one browser call in an already prepared page: open the client, load
 * the caller's audio into the fake microphone, start the call the way a
 * person would, converse, end it.
 */
export async function runCall(page: Page, plan: CallPlan, events: PageEventStream, rec: CallRecorder): Promise<void> {
  const connectDeadline = Date.now() + plan.timeouts.connectMs;
  const failures = countFailures(events, rec);
  try {
    await page.goto(plan.pageUrl, { timeout: plan.timeouts.connectMs, waitUntil: 'load' });
  } catch (e) {
    rec.count(WS_ERROR);
    throw new CallFailure('ws/error', `client page did not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const timeOrigin = await page.evaluate(() => window.__harness?.timeOrigin ?? null);
  if (timeOrigin === null)
    throw new CallFailure('call/error', 'the in-page harness is not installed (the page blocked init scripts?)');
  const audio: TurnAudioInput[] = plan.track.turns.slice(0, plan.turns).map((t) => ({
    pcmBase64: Buffer.from(t.samples.buffer, t.samples.byteOffset, t.samples.byteLength).toString('base64'),
    speechStartMs: t.speechStartMs,
    speechEndMs: t.speechEndMs,
  }));
  await page.evaluate((turns) => window.__harness!.loadTurns(turns), audio);

  await runSteps(page, plan.profile.start, Math.max(1, connectDeadline - Date.now()));
  // Page time 0 is the navigation start: call/setup runs from there to the socket's open.
  const open = await awaitOpen(events, rec, connectDeadline);
  failures.opened();
  await converse(pageSurface(page, timeOrigin), plan, events, rec, open.at);
  failures.ending();
  await runSteps(page, plan.profile.end, 2000).catch(() => {
    /* the context closes anyway */
  });
}
