import { test as base, type TestInfo } from '@playwright/test';
import { loadCallerTracks, type CallerTrack } from './audio/cache';
import { scenariosWithFile, type Scenario } from './audio/scenarios';
import { loadClientProfile } from './clients/load';
import type { ClientProfile } from './clients/profile';
import { loadHarnessConfig, type HarnessConfig } from './config';
import { runCall } from './driver/call';
import { CallOutcome } from './driver/outcome';
import { EvidencePolicy, attachEvidence } from './driver/evidence';
import { onRunInterrupt } from './driver/interrupt';
import { PageEventStream } from './driver/page-events';
import { buildCallPlan, callBudgetMs, chooseTrack, pageHarnessOptions, recordLateness } from './driver/plan';
import { CALL_RECORD_ATTACHMENT, type CallRecord } from './metrics/record';
import { pageHarnessScript } from './page/bundle';
import type { PageEvent } from './page/types';
import { planClosed, takeTicket } from './plan/client';
import { currentShard } from './plan/load';
import { formatMissedArrivals, formatShard, MISSED_ARRIVALS_ANNOTATION, SHARD_ANNOTATION } from './plan/shard';
import { ticketDefaults, unplannedTicket, type Ticket, type TicketReply } from './plan/ticket';
import { loadMatchers } from './protocol/load-matchers';

export interface VoiceCall {
  /** Runs this test's call: its ticket says which scenario and when. Returns its record. */
  run(): Promise<CallRecord>;
}

interface TestFixtures {
  /** The test's index in the whole run (0-based): the load spec sets it per test with `test.use`. */
  callIndex: number;
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

/** A test may wait this long for its ticket (the plan decides when its call starts). */
const TICKET_WAIT_MS = 24 * 3600_000;

/** A test the plan does not need (complete, or stopped): skipped, saying why. */
function skipTest(testInfo: TestInfo, reply: Extract<TicketReply, { kind: 'done' }>): void {
  testInfo.annotations.push({ type: reply.stopped ? 'load-stopped' : 'plan-complete', description: reply.reason });
  // The conductor's count so far; the reporter keeps the largest per shard (each shard has its own conductor).
  if (reply.missedArrivals) {
    const description = formatMissedArrivals(reply.missedArrivals, currentShard());
    testInfo.annotations.push({ type: MISSED_ARRIVALS_ANNOTATION, description });
  }
  testInfo.skip(true, reply.reason);
}

const worker = { scope: 'worker' } as const;

/**
 * Playwright fixtures for voice calls. Each test first asks the conductor
 * whether the plan still runs (a test it does not need is skipped before any
 * browser context opens), then opens its page and waits for its ticket; the
 * in-page harness is installed in the context before any page script runs;
 * every call's record is attached to its test result, passed or failed, for
 * the reporter.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  callIndex: [0, { option: true }],
  harnessConfig: [
    async ({}, use) => {
      await use(loadHarnessConfig());
    },
    worker,
  ],
  // Shared mode: this worker connects to one of the browsers the fixtures launched (workers spread evenly).
  connectOptions: [
    async ({ connectOptions }, use, workerInfo) => {
      const shared = (process.env.HARNESS_BROWSER_ENDPOINTS ?? 'none').split(',').filter((e) => e !== 'none');
      const endpoint = shared.length ? { wsEndpoint: shared[workerInfo.parallelIndex % shared.length]! } : undefined;
      await use(connectOptions ?? endpoint);
    },
    worker,
  ],
  scenarioTable: [
    async ({ harnessConfig: c }, use) => {
      await use(scenariosWithFile(c.scenariosFile));
    },
    worker,
  ],
  callerTracks: [
    async ({ harnessConfig: c }, use) => {
      await use(await loadCallerTracks(c.pcmDir));
    },
    worker,
  ],
  evidencePolicy: [
    async ({ harnessConfig: c }, use) => {
      await use(new EvidencePolicy(c.evidence));
    },
    worker,
  ],
  clientProfile: [
    async ({ harnessConfig: c }, use) => {
      await use(loadClientProfile(c));
    },
    worker,
  ],
  pageEvents: async ({}, use) => {
    await use(new PageEventStream());
  },

  // Before any browser context opens: a test the finished (or stopped) plan does not need is skipped cheaply.
  planOpen: async ({}, use, testInfo) => {
    // Every test says which shard ran it, so a merged report can name a shard whose results are missing.
    testInfo.annotations.push({ type: SHARD_ANNOTATION, description: formatShard(currentShard()) });
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    const closed = conductor ? await planClosed(conductor) : null;
    if (closed) skipTest(testInfo, closed);
    await use(true);
  },

  // The page is open before the ticket is asked for, so the call starts the moment the
  // conductor says go: opening a context takes a second or more on a busy machine, and a
  // plan's concurrency counts calls in progress, not pages being opened.
  ticket: async ({ harnessConfig, callIndex, planOpen: _open, page: _page }, use, testInfo) => {
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    if (!conductor) {
      // A spec run outside playwright.config.ts: the ticket the conductor would give without a plan.
      const local = unplannedTicket({
        seed: harnessConfig.seed,
        scenarios: harnessConfig.scenarios,
        defaults: ticketDefaults(harnessConfig),
        shard: currentShard(),
        testIndex: callIndex,
        nowMs: Date.now(),
      });
      return void (await use(local));
    }
    testInfo.setTimeout(TICKET_WAIT_MS);
    const reply = await takeTicket(conductor, callIndex, Date.now() + TICKET_WAIT_MS);
    if (reply.kind === 'done') skipTest(testInfo, reply);
    await use((reply as { ticket: Ticket }).ticket);
  },

  context: async ({ context, pageEvents, clientProfile, harnessConfig }, use) => {
    await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => pageEvents.push(event));
    const options = pageHarnessOptions(harnessConfig, clientProfile, loadMatchers(harnessConfig.protocolMatchers));
    await context.addInitScript({ content: pageHarnessScript(options) });
    await use(context);
  },

  voiceCall: async (
    {
      ticket,
      page,
      pageEvents,
      clientProfile: profile,
      harnessConfig: config,
      scenarioTable,
      callerTracks,
      evidencePolicy,
    },
    use,
    testInfo,
  ) => {
    const call = new CallOutcome(ticket, page, pageEvents, {
      conductorUrl: process.env.HARNESS_CONDUCTOR_URL,
      pacingJitterLimitMs: profile.sendJitterLimitMs,
    });
    // Ctrl-C: the call is cut where it stands, before the fixture process's shutdown can fail it.
    const stopListening = onRunInterrupt((atMs) => call.interrupt('run interrupted (SIGINT)', atMs));
    await use({
      async run() {
        const track = chooseTrack(callerTracks, ticket, config.scenarios.length, config.pcmDir);
        call.track = track;
        recordLateness(call.rec, ticket, call.startedAtMs);
        const scenario = scenarioTable.get(ticket.scenario);
        const plan = buildCallPlan({ ticket, track, scenario, config, profile, env: process.env });
        // The ticket wait had its own timeout; from here the call's bounded waits decide.
        testInfo.setTimeout(Date.now() - call.startedAtMs + callBudgetMs(plan, ticket.thinkTimeMs));
        await runCall(page, plan, pageEvents, call.rec).catch((e: unknown) => {
          call.failed(e);
          throw e;
        });
        return call.finished();
      },
    });
    // Teardown runs even when the test timed out, so no call goes unreported.
    const record = await call.settle(testInfo.status);
    stopListening();
    await testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(record), contentType: 'application/json' });
    if (call.track && evidencePolicy.keep(record)) await attachEvidence(testInfo, page, call.track, pageEvents.events);
  },
});

export { expect } from '@playwright/test';
