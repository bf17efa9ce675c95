import { test as base, type TestInfo } from '@playwright/test';
import { loadCallerTracks, type CallerTrack } from './audio/cache';
import { scenariosWithFile, type Scenario } from './audio/scenarios';
import { loadHarnessConfig, type HarnessConfig } from './config';
import { runCall, type CallPlan } from './driver/call';
import { loadClientProfile, pageUrlFor } from './clients/load';
import type { ClientProfile } from './clients/profile';
import { CallFailure } from './driver/errors';
import { EvidencePolicy, captureEvidence } from './driver/evidence';
import { PageEventStream } from './driver/page-events';
import { CpuSampler, LoopLag, SATURATION } from './generator/health';
import { CALL_ERROR } from './metrics/names';
import { CALL_RECORD_ATTACHMENT, CallRecorder, type CallRecord, type GeneratorStats } from './metrics/record';
import { pageHarnessScript } from './page/bundle';
import { loadMatchers } from './protocol/load-matchers';
import type { PageEvent } from './page/types';
import { planClosed, reportEnd, takeTicket, type Ticket } from './plan/client';
import { currentShard } from './plan/load';
import { MISSED_ARRIVALS_ANNOTATION } from './plan/ticket';
import { drawBetween, seededRandom } from './random';

export interface VoiceCall {
  /** Runs this test's call: its ticket says which scenario and when. Returns its record. */
  run(): Promise<CallRecord>;
}

interface TestFixtures {
  planOpen: boolean;
  ticket: Ticket;
  pageEvents: PageEventStream;
  voiceCall: VoiceCall;
}
interface WorkerFixtures {
  clientProfile: ClientProfile;
  harnessConfig: HarnessConfig;
  scenarioTable: Map<string, Scenario>;
  callerTracks: CallerTrack[];
  evidencePolicy: EvidencePolicy;
}

/** Output quieter than the threshold for this long has stopped (longer than a frame gap, shorter than a pause). */
const OUTPUT_SILENCE_HOLD_MS = 100;
/** Calls at most this late against their schedule are on time (timer and HTTP slack). */
const LATE_TOLERANCE_MS = 50;
/** A test may wait this long for its ticket (the plan decides when its call starts). */
const TICKET_WAIT_MS = 24 * 3600_000;


/** The agent's id for the call, from the call socket's URL (to match the agent's own logs). */
function sessionOf(events: readonly PageEvent[]): { sessionId?: string } {
  const created = events.find((e): e is Extract<PageEvent, { type: 'ws-created' }> => e.type === 'ws-created');
  if (!created) return {};
  try {
    const q = new URL(created.url).searchParams;
    const id = q.get('session_id') ?? q.get('call_connection_id');
    return id ? { sessionId: id } : {};
  } catch {
    return {};
  }
}

/** A ticket made here when no conductor runs (a spec run outside playwright.config.ts). */
function localTicket(config: HarnessConfig, testIndex: number): Ticket {
  const rand = seededRandom(config.seed, 'call', 0, testIndex);
  return {
    callId: `call-${String(testIndex + 1).padStart(4, '0')}`, callIndex: testIndex,
    scenario: config.scenarios[testIndex % config.scenarios.length]!, phase: null, scheduledStartMs: Date.now(),
    thinkTimeMs: Array.from({ length: 20 }, () => config.pauseBetweenTurnsSec * 1000),
    bargeDelayMs: Math.round(drawBetween(rand, config.bargeDelayMs)), phases: [],
  };
}

function skipTest(testInfo: TestInfo, reply: { reason: string; stopped: boolean; missedArrivals?: number }): void {
  testInfo.annotations.push({ type: reply.stopped ? 'load-stopped' : 'plan-complete', description: reply.reason });
  // The conductor's count so far; the reporter keeps the largest per shard (each shard has its own conductor).
  if (reply.missedArrivals) {
    const shard = currentShard();
    testInfo.annotations.push({ type: MISSED_ARRIVALS_ANNOTATION, description: `${reply.missedArrivals} ${shard.index + 1}/${shard.count}` });
  }
  testInfo.skip(true, reply.reason);
}

/**
 * Playwright fixtures for voice calls. Each test first asks the conductor
 * whether the plan still runs (a test it does not need is skipped before any
 * browser context opens), then opens its page and waits for its ticket; the
 * in-page harness is installed in the context before any page script runs;
 * every call's record is attached to its test result, passed or failed, for
 * the reporter.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  harnessConfig: [async ({}, use) => { await use(loadHarnessConfig()); }, { scope: 'worker' }],
  // Shared mode: this worker connects to one of the browsers the fixtures launched (workers spread evenly).
  connectOptions: [async ({ connectOptions }, use, workerInfo) => {
    const shared = (process.env.HARNESS_BROWSER_ENDPOINTS ?? 'none').split(',').filter((e) => e !== 'none');
    await use(connectOptions ?? (shared.length ? { wsEndpoint: shared[workerInfo.parallelIndex % shared.length]! } : undefined));
  }, { scope: 'worker' }],
  scenarioTable: [async ({ harnessConfig }, use) => { await use(scenariosWithFile(harnessConfig.scenariosFile)); }, { scope: 'worker' }],
  callerTracks: [async ({ harnessConfig }, use) => { await use(await loadCallerTracks(harnessConfig.pcmDir)); }, { scope: 'worker' }],
  evidencePolicy: [async ({ harnessConfig }, use) => { await use(new EvidencePolicy(harnessConfig.evidence)); }, { scope: 'worker' }],
  clientProfile: [async ({ harnessConfig }, use) => { await use(loadClientProfile(harnessConfig)); }, { scope: 'worker' }],
  pageEvents: async ({}, use) => { await use(new PageEventStream()); },

  // Before any browser context opens: a test the finished (or stopped) plan does not need is skipped cheaply.
  planOpen: async ({}, use, testInfo) => {
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    const closed = conductor ? await planClosed(conductor) : null;
    if (closed) skipTest(testInfo, closed);
    await use(true);
  },

  // The page is open before the ticket is asked for, so the call starts the moment the
  // conductor says go: opening a context takes a second or more on a busy machine, and a
  // plan's concurrency counts calls in progress, not pages being opened.
  ticket: async ({ harnessConfig, planOpen: _open, page: _page }, use, testInfo) => {
    // Tests are titled "call NNNN"; the number is the test's index in the whole run.
    const testIndex = Number(/(\d+)\s*$/.exec(testInfo.title)?.[1] ?? '1') - 1;
    // Every test says which shard ran it, so a merged report can name a shard whose results are missing.
    const shard = currentShard();
    testInfo.annotations.push({ type: 'shard', description: `${shard.index + 1}/${shard.count}` });
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    if (!conductor) return void (await use(localTicket(harnessConfig, testIndex)));
    testInfo.setTimeout(TICKET_WAIT_MS);
    const reply = await takeTicket(conductor, testIndex, Date.now() + TICKET_WAIT_MS);
    if (reply.kind === 'done') skipTest(testInfo, reply);
    await use((reply as { ticket: Ticket }).ticket);
  },

  context: async ({ context, pageEvents, clientProfile, harnessConfig }, use) => {
    await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => pageEvents.push(event));
    await context.addInitScript({
      content: pageHarnessScript({
        socketUrlIncludes: clientProfile.socketUrlIncludes,
        quietMs: harnessConfig.bargeQuietMs,
        protocol: harnessConfig.protocol,
        tokens: { response: harnessConfig.responseTokens, end: harnessConfig.endTokens },
        matchers: loadMatchers(harnessConfig.protocolMatchers),
        animationFps: clientProfile.animationFps ?? null,
        outputThreshold: 10 ** (harnessConfig.outputThresholdDbfs / 20),
        outputSilenceHoldMs: OUTPUT_SILENCE_HOLD_MS,
        recordOutput: harnessConfig.evidence !== 'off',
      }),
    });
    await use(context);
  },

  voiceCall: async ({ ticket, page, pageEvents, clientProfile, harnessConfig, scenarioTable, callerTracks, evidencePolicy }, use, testInfo) => {
    const rec = new CallRecorder();
    const startedAtMs = Date.now();
    const cpu = new CpuSampler(1000).start();
    const lag = new LoopLag().start();
    let record: CallRecord | undefined;
    let endReported = false;
    let failure: CallRecord['failure'];
    let track: CallerTrack | undefined;
    const meta = (): Omit<CallRecord, 'schemaVersion' | 'turns' | 'histograms' | 'fails' | 'counters' | 'ok' | 'endedAtMs'> => ({
      callId: ticket.callId, scenario: ticket.scenario, voice: track?.voice ?? '', group: 'browser', startedAtMs,
      ...sessionOf(pageEvents.events),
      ...(ticket.phases.length ? { scheduledStartMs: ticket.scheduledStartMs, phase: ticket.phase, phases: ticket.phases } : {}),
    });

    await use({
      async run() {
        const scenario = scenarioTable.get(ticket.scenario);
        const tracks = callerTracks.filter((t) => t.scenario === ticket.scenario);
        if (!tracks.length) throw new Error(`PCM_DIR=${harnessConfig.pcmDir} has no audio for scenario "${ticket.scenario}"`);
        track = tracks[Math.floor(ticket.callIndex / Math.max(1, harnessConfig.scenarios.length)) % tracks.length]!;
        const turns = harnessConfig.turnsPerUser ? Math.min(harnessConfig.turnsPerUser, track.turns.length) : track.turns.length;
        if (ticket.phases.length) {
          const lateMs = startedAtMs - ticket.scheduledStartMs;
          // How late the plan's schedule ran (no free worker): a stalled generator cannot hide it.
          rec.latency('call/late', Math.max(0, lateMs));
          if (lateMs > LATE_TOLERANCE_MS) rec.count('call/late_start');
        }
        const embedded = process.env.HARNESS_AGENT_WS_URL;
        const plan: CallPlan = {
          pageUrl: pageUrlFor(clientProfile, {
            referenceClientUrl: process.env.HARNESS_CLIENT_URL, wsUrl: harnessConfig.wsUrl, scenario: ticket.scenario, pipeline: harnessConfig.pipeline,
            embeddedAgentWsUrl: embedded && embedded !== 'external' ? embedded : undefined,
          }),
          profile: clientProfile,
          track,
          scenarioTurns: scenario?.turns ?? track.turns.map((t) => ({ text: t.text })),
          turns,
          timeouts: {
            connectMs: harnessConfig.connectTimeoutSec * 1000,
            firstByteMs: harnessConfig.firstByteTimeoutSec * 1000,
            turnMs: harnessConfig.turnTimeoutSec * 1000,
          },
          pauseBetweenTurnsMs: (turn) => ticket.thinkTimeMs[(turn - 1) % ticket.thinkTimeMs.length] ?? 0,
          interruptDelayMs: () => ticket.bargeDelayMs,
          ignoreCloseExceptions: harnessConfig.ignoreCloseExceptions,
          greeting: clientProfile.greeting,
        };
        // Every wait inside the call is bounded; this bound covers their sum plus margin.
        const speechMs = track.turns.slice(0, turns).reduce((s, t) => s + t.durationMs, 0);
        const turnBudgetMs = plan.scenarioTurns.slice(0, turns).reduce((s, t) => s + Math.max(plan.timeouts.turnMs, (t.timeoutSec ?? 0) * 1000), 0);
        const thinkMs = ticket.thinkTimeMs.slice(0, turns).reduce((a, b) => a + b, 0);
        testInfo.setTimeout(Date.now() - startedAtMs + plan.timeouts.connectMs * 2 + plan.timeouts.turnMs + turnBudgetMs + speechMs + thinkMs + 60_000);
        try {
          await runCall(page, plan, pageEvents, rec);
        } catch (e) {
          failure = e instanceof CallFailure
            ? { code: e.code, message: e.message }
            : { code: CALL_ERROR, message: (e as Error).message.split('\n')[0]! };
          if (!(e instanceof CallFailure)) rec.count(CALL_ERROR);
          throw e;
        }
        record = rec.finish({ ...meta(), endedAtMs: Date.now(), ok: true });
        await endCall(record);
        return record;
      },
    });

    async function generatorStats(): Promise<GeneratorStats> {
      cpu.sample();
      cpu.stop();
      const { page_, timeOrigin } = await page.evaluate(() => ({ page_: window.__harness?.generatorStats() ?? null, timeOrigin: window.__harness?.timeOrigin ?? null }))
        .catch(() => ({ page_: null, timeOrigin: null }));
      // From the call's socket opening on: a browser context starting up is busy by nature, not saturated.
      const open = pageEvents.events.find((e) => e.type === 'ws-open');
      const from = open && timeOrigin !== null ? timeOrigin + open.at : startedAtMs;
      const stats: GeneratorStats = { cpuBusyPct: cpu.since(from).map((v) => Math.round(v)), eventLoopLagP99Ms: Math.round(lag.p99Ms() * 10) / 10 };
      lag.stop();
      if (page_) {
        Object.assign(stats, { pageEventLoopLagP99Ms: page_.pageLagP99Ms, pacingJitterP99Ms: page_.pacingJitterP99Ms, pacingJitterLimitMs: clientProfile.sendJitterLimitMs ?? SATURATION.pacingJitterP99Ms });
      }
      return stats;
    }

    /**
     * Frees the call's slot in the conductor the moment the call ends, then reads the
     * generator's figures: a page on a loaded machine can take half a second to answer,
     * and a slot held that long is concurrency the plan asked for and did not get.
     */
    async function endCall(r: CallRecord): Promise<void> {
      const conductor = process.env.HARNESS_CONDUCTOR_URL;
      if (conductor && !endReported) {
        endReported = true;
        await reportEnd(conductor, {
          callId: r.callId, ok: r.ok, failureCode: r.failure?.code,
          ttfbMs: r.turns.flatMap((t) => (t.ttfbMs === undefined ? [] : [t.ttfbMs])),
          turnMs: r.turns.flatMap((t) => (t.turnMs === undefined ? [] : [t.turnMs])),
          bargeMs: r.turns.flatMap((t) => (t.bargeMs === undefined ? [] : [t.bargeMs])),
          counters: r.counters,
        });
      }
      r.generator ??= await generatorStats();
    }

    // Teardown runs even when the test timed out, so no call goes unreported.
    if (!record && !failure) {
      failure = { code: CALL_ERROR, message: `call did not finish (test ${testInfo.status ?? 'ended'})` };
      rec.count(CALL_ERROR);
    }
    record ??= rec.finish({ ...meta(), endedAtMs: Date.now(), ok: false, failure });
    await endCall(record);
    await testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(record), contentType: 'application/json' });
    if (track && evidencePolicy.keep(record)) {
      try {
        const files = await captureEvidence(page, track, pageEvents.events, testInfo.outputPath('evidence'));
        for (const f of files) await testInfo.attach(f.name, { path: f.path, contentType: f.contentType });
      } catch (e) {
        // Evidence is a convenience; a closed page must not turn a measured call into an error.
        testInfo.annotations.push({ type: 'evidence', description: `not captured: ${(e as Error).message.split('\n')[0]}` });
      }
    }
  },
});

export { expect } from '@playwright/test';
