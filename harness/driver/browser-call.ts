import type { BrowserContext, Page, TestInfo } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import type { Scenario } from '../audio/scenarios';
import type { ClientProfile } from '../clients/profile';
import type { HarnessConfig } from '../config';
import { CALL_RECORD_ATTACHMENT, type CallRecord } from '../metrics/record';
import { pageHarnessScript } from '../page/bundle';
import type { PageEvent } from '../page/types';
import { currentShard } from '../plan/load';
import { reportTurn } from '../plan/client';
import { ticketDefaults, unplannedTicket, type Ticket } from '../plan/ticket';
import { loadMatchers } from '../protocol/load-matchers';
import { runCall } from './call';
import { attachEvidence, type EvidencePolicy } from './evidence';
import { CallOutcome } from './outcome';
import type { PageEventStream } from './page-events';
import type { TurnEndReports } from './turns';
import { buildCallPlan, callBudgetMs, chooseTrack, pageHarnessOptions, recordLateness } from './plan';

/** What every browser call of a worker shares: its configuration, profile, scenarios and caller audio. */
export interface CallDeps {
  config: HarnessConfig;
  profile: ClientProfile;
  scenarioTable: Map<string, Scenario>;
  callerTracks: CallerTrack[];
  evidencePolicy: EvidencePolicy;
}

/** Installs the in-page harness in a context before any of its pages runs a script. */
export async function prepareContext(context: BrowserContext, events: PageEventStream, deps: CallDeps): Promise<void> {
  await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => events.push(event));
  const options = pageHarnessOptions(
    deps.config,
    deps.profile,
    loadMatchers(deps.config.protocolMatchers),
    process.env.HARNESS_SEND_PATH_URL,
  );
  await context.addInitScript({ content: pageHarnessScript(options) });
}

/** A spec run outside playwright.config.ts (no conductor): the ticket the conductor would give without a plan. */
export function localTicket(config: HarnessConfig, callIndex: number): Ticket {
  return unplannedTicket({
    seed: config.seed,
    scenarios: config.scenarios,
    defaults: ticketDefaults(config),
    shard: currentShard(),
    testIndex: callIndex,
    nowMs: Date.now(),
  });
}

/** The record keeper of a ticket's call in `page`: the conductor hears of its end. */
export function callOutcome(ticket: Ticket, page: Page, events: PageEventStream): CallOutcome {
  return new CallOutcome(ticket, page, events, { conductorUrl: process.env.HARNESS_CONDUCTOR_URL });
}

/**
 * A ticket's call in a prepared page, to its end: caller audio chosen,
 * lateness recorded, the client driven through its turns. `budget` is told
 * how long the call may take from here (its bounded waits summed).
 */
export async function conductCall(
  o: { call: CallOutcome; ticket: Ticket; page: Page; events: PageEventStream; deps: CallDeps },
  budget: (ms: number) => void,
): Promise<CallRecord> {
  const { call, ticket, deps } = o;
  const { config, profile } = deps;
  const track = chooseTrack(deps.callerTracks, ticket, config.scenarios.length, config.pcmDir);
  call.track = track;
  recordLateness(call.rec, ticket, call.startedAtMs);
  const scenario = deps.scenarioTable.get(ticket.scenario);
  const plan = buildCallPlan({ ticket, track, scenario, config, profile, env: process.env });
  const conductorUrl = process.env.HARNESS_CONDUCTOR_URL;
  if (config.startupGuardMs > 0 && conductorUrl) plan.turnEnds = turnEndsTo(conductorUrl, ticket.callId, track);
  budget(callBudgetMs(plan, ticket.thinkTimeMs));
  await runCall(o.page, plan, o.events, call.rec).catch((e: unknown) => {
    call.failed(e);
    throw e;
  });
  return call.finished();
}

/** The conductor's start-up guard hears of this call's turn ends: each turn's speech end lies its offset in. */
function turnEndsTo(conductorUrl: string, callId: string, track: CallerTrack): TurnEndReports {
  // The answer names the speech end it answers: reports may overtake each other, and an answer that arrives after
  // the next turn's report must not clear it.
  let speechEndAtMs: number | null = null;
  return {
    upcoming: (index, speakAtMs) => {
      const turn = track.turns[index];
      if (!turn) return;
      speechEndAtMs = speakAtMs + turn.speechEndMs;
      reportTurn(conductorUrl, callId, { speechEndAtMs });
    },
    answered: () => {
      if (speechEndAtMs !== null) reportTurn(conductorUrl, callId, { speechEndAtMs, answered: true });
    },
  };
}

/**
 * A finished call's record and evidence, attached to the test that carried it.
 * `evidenceDir` names the call's own folder when a test carries several calls.
 */
export async function attachCall(
  testInfo: TestInfo,
  o: { call: CallOutcome; record: CallRecord; page: Page; events: PageEventStream; deps: CallDeps },
  evidenceDir?: string,
): Promise<void> {
  await testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(o.record), contentType: 'application/json' });
  if (o.call.track && o.deps.evidencePolicy.keep(o.record))
    await attachEvidence(testInfo, o.page, o.call.track, o.events.events, evidenceDir);
}
