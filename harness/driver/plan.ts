import type { CallerTrack } from '../audio/cache';
import type { Scenario } from '../audio/scenarios';
import { callVariables, pageUrlFor, profilePassesScenario, type PageUrlOptions } from '../clients/load';
import type { ClientProfile } from '../clients/profile';
import { fillQuery } from '../clients/template';
import type { HarnessConfig } from '../config';
import type { CallRecorder } from '../metrics/record';
import type { PageHarnessOptions } from '../page/types';
import type { FieldMatcher } from '../protocol/matchers';
import type { Ticket } from '../plan/ticket';
import { runId } from '../run-id';
import type { CallPlan } from './call';

/** Calls at most this late against their schedule are on time (timer and HTTP slack). */
export const LATE_TOLERANCE_MS = 50;
/** Output quieter than the threshold for this long has stopped (longer than a frame gap, shorter than a pause). */
export const OUTPUT_SILENCE_HOLD_MS = 100;
/** Added to a call's summed waits for what is not a wait: page setup, evidence, teardown. */
export const CALL_MARGIN_MS = 60_000;

/**
 * The caller audio for a ticket: the scenario's tracks in turn. Calls of one
 * scenario are every `scenarioCount`-th call, so dividing by it gives each
 * scenario's own call count, and consecutive calls of a scenario change voice.
 */
export function chooseTrack(
  tracks: readonly CallerTrack[],
  ticket: Pick<Ticket, 'scenario' | 'callIndex'>,
  scenarioCount: number,
  pcmDir: string,
): CallerTrack {
  const own = tracks.filter((t) => t.scenario === ticket.scenario);
  if (!own.length) throw new Error(`PCM_DIR=${pcmDir} has no audio for scenario "${ticket.scenario}"`);
  return own[Math.floor(ticket.callIndex / Math.max(1, scenarioCount)) % own.length]!;
}

export interface CallPlanInput {
  ticket: Ticket;
  track: CallerTrack;
  /** The scenario's script; without one (a cache made by other tools) the track's own text stands in. */
  scenario: Scenario | undefined;
  config: HarnessConfig;
  profile: ClientProfile;
  /** HARNESS_CLIENT_URL and HARNESS_AGENT_WS_URL, which the fixture process publishes. */
  env: Record<string, string | undefined>;
}

export function buildCallPlan({ ticket, track, scenario, config, profile, env }: CallPlanInput): CallPlan {
  const embedded = env.HARNESS_AGENT_WS_URL;
  const urlOptions: PageUrlOptions = {
    referenceClientUrl: env.HARNESS_CLIENT_URL,
    wsUrl: config.wsUrl,
    scenario: ticket.scenario,
    pipeline: config.pipeline,
    // 'external': the run targets WS_URL and no agent was started.
    embeddedAgentWsUrl: embedded && embedded !== 'external' ? embedded : undefined,
    // Unique per run, so a backend's logs of two runs never share a session.
    sessionId: `${ticket.callId}-${runId(env)}`,
    callId: ticket.callId,
  };
  return {
    pageUrl: pageUrlFor(profile, urlOptions),
    ...(profile.socketQuery ? { socketQuery: fillQuery(profile.socketQuery, callVariables(profile, urlOptions)) } : {}),
    task: { scenario: ticket.scenario, passed: profilePassesScenario(profile) },
    ...(config.wsUrl ? { expectedTarget: config.wsUrl } : {}),
    profile,
    track,
    scenarioTurns: scenario?.turns ?? track.turns.map((t) => ({ text: t.text })),
    turns: config.turnsPerUser ? Math.min(config.turnsPerUser, track.turns.length) : track.turns.length,
    timeouts: {
      connectMs: config.connectTimeoutSec * 1000,
      firstByteMs: config.firstByteTimeoutSec * 1000,
      turnMs: config.turnTimeoutSec * 1000,
    },
    pauseBetweenTurnsMs: (turn) => ticket.thinkTimeMs[(turn - 1) % ticket.thinkTimeMs.length] ?? 0,
    interruptDelayMs: () => ticket.bargeDelayMs,
    ignoreCloseExceptions: config.ignoreCloseExceptions,
    greeting: profile.greeting,
  };
}

/**
 * The longest a call can take: every wait inside it is bounded, so this is
 * their sum (two connect timeouts, one spare turn timeout, each turn's own
 * timeout, the caller's speech and think time) plus a margin.
 */
export function callBudgetMs(plan: CallPlan, thinkTimeMs: readonly number[]): number {
  const { turns, timeouts } = plan;
  const speechMs = plan.track.turns.slice(0, turns).reduce((s, t) => s + t.durationMs, 0);
  const turnWaitsMs = plan.scenarioTurns
    .slice(0, turns)
    .reduce((s, t) => s + Math.max(timeouts.turnMs, (t.timeoutSec ?? 0) * 1000), 0);
  const thinkMs = thinkTimeMs.slice(0, turns).reduce((a, b) => a + b, 0);
  return timeouts.connectMs * 2 + timeouts.turnMs + turnWaitsMs + speechMs + thinkMs + CALL_MARGIN_MS;
}

/**
 * How late the call started against the plan's schedule (a plan with no free
 * worker runs late; a stalled generator cannot hide it). Calls without a plan
 * have no schedule.
 */
export function recordLateness(rec: CallRecorder, ticket: Ticket, startedAtMs: number): void {
  if (!ticket.phases.length) return;
  const lateMs = startedAtMs - ticket.scheduledStartMs;
  rec.latency('call/late', Math.max(0, lateMs));
  if (lateMs > LATE_TOLERANCE_MS) rec.count('call/late_start');
}

/** What the in-page harness is told: which socket is the call's, how its responses end, what to record. */
export function pageHarnessOptions(
  config: HarnessConfig,
  profile: ClientProfile,
  matchers: FieldMatcher[],
  probeUrl?: string,
): PageHarnessOptions {
  // A remote browser's loopback is not this machine's: its pages could not reach the probe.
  const sendPathUrl = config.browserWsEndpoint ? undefined : probeUrl;
  return {
    socketUrlIncludes: profile.socketUrlIncludes,
    quietMs: config.bargeQuietMs,
    protocol: config.protocol,
    tokens: { response: config.responseTokens, end: config.endTokens },
    matchers,
    animationFps: profile.animationFps ?? null,
    outputThreshold: 10 ** (config.outputThresholdDbfs / 20),
    outputSilenceHoldMs: OUTPUT_SILENCE_HOLD_MS,
    recordOutput: config.evidence !== 'off',
    ...(profile.sendBurstMs ? { sendBurstMs: profile.sendBurstMs } : {}),
    ...(sendPathUrl ? { sendPathUrl } : {}),
  };
}
