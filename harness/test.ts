import { test as base } from '@playwright/test';
import { loadCallerTracks, type CallerTrack } from './audio/cache';
import { builtInScenarios } from './audio/scenarios';
import { loadHarnessConfig, type HarnessConfig } from './config';
import { runCall, type CallPlan } from './driver/call';
import { referenceClient, type ClientProfile } from './driver/client-profile';
import { CallFailure } from './driver/errors';
import { EvidencePolicy, captureEvidence } from './driver/evidence';
import { PageEventStream } from './driver/page-events';
import { CALL_RECORD_ATTACHMENT, CallRecorder, type CallRecord } from './metrics/record';
import { pageHarnessScript } from './page/bundle';
import type { PageEvent } from './page/types';
import { drawBetween, seededRandom } from './random';

export interface VoiceCall {
  /** Runs call number `index` (0-based): its scenario, voice and turns follow from the index. */
  run(index: number): Promise<CallRecord>;
}

interface TestFixtures {
  pageEvents: PageEventStream;
  clientProfile: ClientProfile;
  voiceCall: VoiceCall;
}
interface WorkerFixtures {
  harnessConfig: HarnessConfig;
  callerTracks: CallerTrack[];
  evidencePolicy: EvidencePolicy;
}

/** Output quieter than the threshold for this long has stopped (longer than a frame gap, shorter than a pause). */
const OUTPUT_SILENCE_HOLD_MS = 100;

/** Where the fixture process put the reference client and agent (see fixtures/ready.ts). */
function targetUrls(config: HarnessConfig): { clientUrl: string; wsUrl: string | undefined } {
  const clientUrl = config.clientUrl ?? process.env.HARNESS_CLIENT_URL;
  if (!clientUrl) throw new Error('no client URL: set CLIENT_URL, or run with playwright.config.ts so the fixtures start the reference client');
  const embedded = process.env.HARNESS_AGENT_WS_URL;
  return { clientUrl, wsUrl: config.wsUrl ?? (embedded && embedded !== 'external' ? embedded : undefined) };
}

/**
 * Playwright fixtures for voice calls: the in-page harness is installed in
 * each test's browser context before any page script runs, and every call's
 * record is attached to its test result, passed or failed, for the reporter.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  harnessConfig: [async ({}, use) => { await use(loadHarnessConfig()); }, { scope: 'worker' }],
  callerTracks: [async ({ harnessConfig }, use) => { await use(await loadCallerTracks(harnessConfig.pcmDir)); }, { scope: 'worker' }],
  evidencePolicy: [async ({ harnessConfig }, use) => { await use(new EvidencePolicy(harnessConfig.evidence)); }, { scope: 'worker' }],
  clientProfile: async ({}, use) => { await use(referenceClient); },
  pageEvents: async ({}, use) => { await use(new PageEventStream()); },

  context: async ({ context, pageEvents, clientProfile, harnessConfig }, use) => {
    await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => pageEvents.push(event));
    await context.addInitScript({
      content: pageHarnessScript({
        socketUrlIncludes: clientProfile.socketUrlIncludes,
        quietMs: harnessConfig.bargeQuietMs,
        tokens: { response: harnessConfig.responseTokens, end: harnessConfig.endTokens },
        outputThreshold: 10 ** (harnessConfig.outputThresholdDbfs / 20),
        outputSilenceHoldMs: OUTPUT_SILENCE_HOLD_MS,
        recordOutput: harnessConfig.evidence !== 'off',
      }),
    });
    await use(context);
  },

  voiceCall: async ({ page, pageEvents, clientProfile, harnessConfig, callerTracks, evidencePolicy }, use, testInfo) => {
    const rec = new CallRecorder();
    let record: CallRecord | undefined;
    let meta: Pick<CallRecord, 'callId' | 'scenario' | 'voice'> | undefined;
    let callTrack: CallerTrack | undefined;
    const startedAtMs = Date.now();
    let failure: CallRecord['failure'];

    await use({
      async run(index) {
        const scenarios = harnessConfig.scenarios;
        const scenario = scenarios[index % scenarios.length]!;
        const tracks = callerTracks.filter((t) => t.scenario === scenario);
        if (!tracks.length) throw new Error(`PCM_DIR=${harnessConfig.pcmDir} has no audio for scenario "${scenario}"`);
        const track = callTrack = tracks[Math.floor(index / scenarios.length) % tracks.length]!;
        const turns = harnessConfig.turnsPerUser ? Math.min(harnessConfig.turnsPerUser, track.turns.length) : track.turns.length;
        const repeat = testInfo.repeatEachIndex ? `-r${testInfo.repeatEachIndex}` : '';
        meta = { callId: `call-${String(index + 1).padStart(4, '0')}${repeat}`, scenario, voice: track.voice };
        const { clientUrl, wsUrl } = targetUrls(harnessConfig);
        const scenarioTurns = builtInScenarios().get(scenario)?.turns ?? track.turns.map((t) => ({ text: t.text }));
        const plan: CallPlan = {
          pageUrl: clientProfile.pageUrl(clientUrl, wsUrl, scenario),
          profile: clientProfile,
          track,
          scenarioTurns,
          turns,
          timeouts: {
            connectMs: harnessConfig.connectTimeoutSec * 1000,
            firstByteMs: harnessConfig.firstByteTimeoutSec * 1000,
            turnMs: harnessConfig.turnTimeoutSec * 1000,
          },
          pauseBetweenTurnsMs: harnessConfig.pauseBetweenTurnsSec * 1000,
          interruptDelayMs: (turn) => drawBetween(seededRandom(harnessConfig.seed, 'barge', index, turn), harnessConfig.bargeDelayMs),
          ignoreCloseExceptions: harnessConfig.ignoreCloseExceptions,
        };
        // Every wait inside the call is bounded; this bound covers their sum plus margin.
        const speechMs = track.turns.slice(0, turns).reduce((s, t) => s + t.durationMs, 0);
        testInfo.setTimeout(plan.timeouts.connectMs * 2 + plan.timeouts.turnMs * (turns + 1) + speechMs + plan.pauseBetweenTurnsMs * turns + 30_000);
        try {
          await runCall(page, plan, pageEvents, rec);
        } catch (e) {
          failure = e instanceof CallFailure
            ? { code: e.code, message: e.message }
            : { code: 'call/error', message: (e as Error).message.split('\n')[0]! };
          if (!(e instanceof CallFailure)) rec.count('call/error');
          throw e;
        }
        record = rec.finish({ ...meta, group: 'browser', startedAtMs, endedAtMs: Date.now(), ok: true });
        return record;
      },
    });

    // Teardown runs even when the test timed out, so no call goes unreported.
    if (meta) {
      if (!record && !failure) {
        failure = { code: 'call/error', message: `call did not finish (test ${testInfo.status ?? 'ended'})` };
        rec.count('call/error');
      }
      record ??= rec.finish({ ...meta, group: 'browser', startedAtMs, endedAtMs: Date.now(), ok: false, failure });
      await testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(record), contentType: 'application/json' });
      if (callTrack && evidencePolicy.keep(record)) {
        try {
          const files = await captureEvidence(page, callTrack, pageEvents.events, testInfo.outputPath('evidence'));
          for (const f of files) await testInfo.attach(f.name, { path: f.path, contentType: f.contentType });
        } catch (e) {
          // Evidence is a convenience; a closed page must not turn a measured call into an error.
          testInfo.annotations.push({ type: 'evidence', description: `not captured: ${(e as Error).message.split('\n')[0]}` });
        }
      }
    }
  },
});

export { expect } from '@playwright/test';
