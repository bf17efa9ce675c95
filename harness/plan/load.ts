import fs from 'node:fs';
import type { HarnessConfig } from '../config';
import { profileCapacity } from '../clients/capacity';
import { ConfigError } from '../config/options';
import { estimateCallSec, type CallLengthEstimate } from './call-length';
import { parseShard, WHOLE_RUN, type Shard } from './shard';
import {
  callBudget,
  locustPlan,
  maxConcurrency,
  parseDurationSec,
  parsePlan,
  PlanError,
  shardShare,
  type LoadPlan,
} from './plan';

export type { Shard };

/** The shortest call a plan is budgeted for (a one-turn call with a short answer). */
export const SHORTEST_CALL_SEC = 6;

/**
 * Call slots kept beyond the plan's peak concurrency. When a call ends its
 * slot is free at once, but it needs a second or more to close the context
 * and open the next page; a spare slot already waiting with its page open
 * takes the call meanwhile, so calls in progress stay at the target. Several
 * calls can end within that second, hence one spare for every four calls.
 */
export function spareSlots(peakConcurrency: number): number {
  return peakConcurrency > 0 ? Math.ceil(peakConcurrency / 4) : 0;
}

/**
 * This process's shard (0-based index): Playwright's `--shard i/n` on the
 * command line, else HARNESS_SHARD, which playwright.config.ts sets from it
 * for the workers and the fixtures (their command lines do not carry it).
 */
/** Where Playwright's `--shard` flag stands on a command line, -1 without one. */
export function shardFlagIndex(argv: readonly string[] = process.argv): number {
  return argv.findIndex((a) => a === '--shard' || a.startsWith('--shard='));
}

export function currentShard(
  argv: readonly string[] = process.argv,
  env: Record<string, string | undefined> = process.env,
): Shard {
  const i = shardFlagIndex(argv);
  const value = i >= 0 ? (argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]) : env.HARNESS_SHARD;
  return parseShard(value) ?? { ...WHOLE_RUN };
}

/**
 * The whole run's plan: PLAN (a JSON file, or inline JSON), else the Locust
 * shortcuts USERS / SPAWN_RATE / TIME, else none (CALLS calls, as many at once
 * as there are workers).
 */
export function loadPlan(config: HarnessConfig, knownScenarios: readonly string[]): LoadPlan | null {
  if (config.plan) {
    const text = config.plan.trim().startsWith('{') ? config.plan : readPlanFile(config.plan);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(
        'PLAN',
        config.plan,
        `a JSON load plan or a file holding one (${(e as Error).message})`,
        'environment',
      );
    }
    try {
      return parsePlan(raw, knownScenarios);
    } catch (e) {
      if (e instanceof PlanError)
        throw new ConfigError('PLAN', config.plan, `a valid load plan; ${e.message}`, 'environment');
      throw e;
    }
  }
  if (config.users) {
    const time = parseDurationSec(config.time);
    if (time === null || time <= 0)
      throw new ConfigError('TIME', config.time, 'a duration like 90s, 5m or 1h30m', 'environment');
    return locustPlan(config.users, config.spawnRate, time, config.scenarios);
  }
  return null;
}

function readPlanFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('PLAN', file, `a readable plan file (${(e as Error).message})`, 'environment');
  }
}

/**
 * When the plan starts: PLAN_START_AT if given; for shards, the next whole
 * minute at least 20 s away (shards started within the same minute line up;
 * CI should pass one PLAN_START_AT to all of them); otherwise null, meaning
 * when the first worker asks for a call.
 */
export function planStartAt(config: HarnessConfig, shard: Shard, nowMs = Date.now()): number | null {
  if (config.planStartAt) {
    const text = config.planStartAt.trim();
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms))
      throw new ConfigError(
        'PLAN_START_AT',
        text,
        'an ISO time (2026-01-01T10:00:00Z) or epoch milliseconds',
        'environment',
      );
    return ms;
  }
  if (shard.count > 1) return Math.ceil((nowMs + 20_000) / 60_000) * 60_000;
  return null;
}

export interface RunShape {
  plan: LoadPlan | null;
  /** This shard's share of the plan. */
  sharePlan: LoadPlan | null;
  /** Tests in the whole run (every shard). */
  calls: number;
  /** Calls in progress at this shard's busiest (arrival phases sized by `callLength`). */
  peak: number;
  /** Calls this shard must be able to carry at once: its peak concurrency plus spares (4 without a plan). */
  slots: number;
  /** Workers for those slots, CALLS_PER_WORKER calls each. */
  workers: number;
  /** The call length arrival-rate phases were sized with; null when the plan has none. */
  callLength: CallLengthEstimate | null;
}

/** How many tests and workers the run needs. CALLS, when set, is the number of tests. */
export function runShape(
  config: HarnessConfig,
  knownScenarios: readonly string[],
  shard: Shard,
  env: Record<string, string | undefined> = process.env,
): RunShape {
  const plan = loadPlan(config, knownScenarios);
  const perWorker = config.callsPerWorker;
  if (!plan) {
    const slots = Math.min(config.calls, profileCapacity(config));
    return {
      plan,
      sharePlan: null,
      calls: config.calls,
      peak: 0,
      slots,
      workers: Math.ceil(slots / perWorker),
      callLength: null,
    };
  }
  const sharePlan = shardShare(plan, shard.index, shard.count);
  let perShard = 0;
  for (let i = 0; i < shard.count; i++)
    perShard = Math.max(perShard, callBudget(shardShare(plan, i, shard.count), SHORTEST_CALL_SEC));
  const calls = env.CALLS ? config.calls : perShard * shard.count;
  const callLength = plan.phases.some((p) => p.arrivalPerSec !== undefined)
    ? estimateCallSec(
        config.pcmDir,
        plan.mix,
        config.turnsPerUser,
        plan.thinkTimeSec ? (plan.thinkTimeSec[0] + plan.thinkTimeSec[1]) / 2 : config.pauseBetweenTurnsSec,
      )
    : null;
  const peak = maxConcurrency(sharePlan, callLength?.callSec ?? 0);
  const slots = Math.max(1, peak + spareSlots(peak));
  return { plan, sharePlan, calls, peak, slots, workers: Math.ceil(slots / perWorker), callLength };
}
