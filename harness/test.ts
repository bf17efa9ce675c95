import { test as base } from '@playwright/test';
import { loadCallerTracks, type CallerTrack } from './audio/cache';
import { scenariosWithFile, type Scenario } from './audio/scenarios';
import { keepOwnBrowsersUnraised } from './browser/priority';
import { loadClientProfile } from './clients/load';
import type { ClientProfile } from './clients/profile';
import { loadHarnessConfig, type HarnessConfig } from './config';
import { finishBatch, skipTest, startDelayMs } from './driver/batch';
import {
  attachCall,
  type CallDeps,
  callOutcome,
  conductCall,
  localTicket,
  prepareContext,
} from './driver/browser-call';
import { EvidencePolicy } from './driver/evidence';
import { onRunInterrupt } from './driver/interrupt';
import { PageEventStream } from './driver/page-events';
import { type InFlightCall, runCallSlots, settleInFlight } from './driver/slots';
import type { CallRecord } from './metrics/record';
import { planClosed, startupClear, takeTicket } from './plan/client';
import { currentShard } from './plan/load';
import { formatShard, SHARD_ANNOTATION } from './plan/shard';
import type { Ticket } from './plan/ticket';

export interface VoiceCall {
  /** Runs this test's call: its ticket says which scenario and when. Returns its record. */
  run(): Promise<CallRecord>;
}

export interface CallBatch {
  /** Runs this test's calls at once, each with its own ticket, page and record. Returns their records. */
  run(): Promise<CallRecord[]>;
}

interface TestFixtures {
  /** The test's index in the whole run (0-based): the load spec sets it per test with `test.use`. */
  callIndex: number;
  planOpen: boolean;
  ticket: Ticket;
  pageEvents: PageEventStream;
  voiceCall: VoiceCall;
  /** The run's test indices a multi-call test carries (CALLS_PER_WORKER of them): the load spec sets it. */
  /**
   * Per call slot of a multi-call test, the run's call indices it carries in turn (one under a plan). An object:
   * Playwright would read a bare array of arrays as a [value, options] pair.
   */
  callSlots: { indices: number[][] };
  callBatch: CallBatch;
}
interface WorkerFixtures {
  clientProfile: ClientProfile;
  harnessConfig: HarnessConfig;
  scenarioTable: Map<string, Scenario>;
  callerTracks: CallerTrack[];
  evidencePolicy: EvidencePolicy;
  callDeps: CallDeps;
  /** Tests this worker has begun: its first staggers its start-up after the other workers'. */
  testsBegun: { count: number };
}

/** A test may wait this long for its ticket (the plan decides when its call starts). */
const TICKET_WAIT_MS = 24 * 3600_000;

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
  planOpen: async ({ harnessConfig }, use, testInfo) => {
    // Every test says which shard ran it, so a merged report can name a shard whose results are missing.
    testInfo.annotations.push({ type: SHARD_ANNOTATION, description: formatShard(currentShard()) });
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    const closed = conductor ? await planClosed(conductor) : null;
    if (closed) skipTest(testInfo, closed);
    // Under the start-up guard the context opens at a moment no other call's speech end is near.
    if (conductor && harnessConfig.startupGuardMs > 0) await startupClear(conductor);
    await use(true);
  },

  // The page is open before the ticket is asked for, so the call starts the moment the
  // conductor says go: opening a context takes a second or more on a busy machine, and a
  // plan's concurrency counts calls in progress, not pages being opened.
  ticket: async ({ harnessConfig, callIndex, planOpen: _open, page: _page }, use, testInfo) => {
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    // A spec run outside playwright.config.ts has no conductor.
    if (!conductor) return void (await use(localTicket(harnessConfig, callIndex)));
    testInfo.setTimeout(TICKET_WAIT_MS);
    const reply = await takeTicket(conductor, callIndex, Date.now() + TICKET_WAIT_MS);
    if (reply.kind === 'done') skipTest(testInfo, reply);
    await use((reply as { ticket: Ticket }).ticket);
  },

  context: async ({ context, pageEvents, callDeps }, use) => {
    await prepareContext(context, pageEvents, callDeps);
    await use(context);
  },

  callDeps: [
    async ({ harnessConfig, clientProfile, scenarioTable, callerTracks, evidencePolicy }, use) => {
      await use({ config: harnessConfig, profile: clientProfile, scenarioTable, callerTracks, evidencePolicy });
    },
    worker,
  ],

  voiceCall: async ({ ticket, page, pageEvents, callDeps }, use, testInfo) => {
    const call = callOutcome(ticket, page, pageEvents);
    // Ctrl-C: the call is cut where it stands, before the fixture process's shutdown can fail it.
    const stopListening = onRunInterrupt((atMs) => call.interrupt('run interrupted (SIGINT)', atMs));
    await use({
      // The ticket wait had its own timeout; from here the call's bounded waits decide.
      run: () =>
        conductCall({ call, ticket, page, events: pageEvents, deps: callDeps }, (ms) =>
          testInfo.setTimeout(Date.now() - call.startedAtMs + ms),
        ),
    });
    // Teardown runs even when the test timed out, so no call goes unreported.
    const record = await call.settle(testInfo.status);
    stopListening();
    await attachCall(testInfo, { call, record, page, events: pageEvents, deps: callDeps });
  },

  // A worker's own browser (per-worker mode) runs as the shared ones do: its browser and GPU processes unraised.
  browser: [
    async ({ browser }, use) => {
      const stop = keepOwnBrowsersUnraised();
      await use(browser);
      stop();
    },
    worker,
  ],
  callSlots: [{ indices: [] }, { option: true }],
  testsBegun: [async ({}, use) => use({ count: 0 }), worker],
  callBatch: async ({ browser, callDeps, callSlots, testsBegun }, use, testInfo) => {
    const first = testsBegun.count++ === 0;
    testInfo.annotations.push({ type: SHARD_ANNOTATION, description: formatShard(currentShard()) });
    const inFlight = new Set<InFlightCall>();
    await use({
      async run() {
        const results = await runCallSlots({
          browser,
          deps: callDeps,
          testInfo,
          callIndices: callSlots.indices,
          inFlight,
          startDelayMs: (slot) => startDelayMs(callDeps.config, testInfo, callSlots.indices.length, slot, first),
        });
        return finishBatch(testInfo, results);
      },
    });
    // Teardown runs even when the run was cut or the test timed out, so no call goes unreported.
    await settleInFlight(testInfo, inFlight, callDeps);
  },
});

export { expect } from '@playwright/test';
