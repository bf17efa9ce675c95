/**
 * The traffic model as data: phases of target concurrency or arrival rate, a
 * scenario mix, think time, barge-in delays and stop criteria. Pure functions;
 * the conductor runs it, the reporter reads its phase windows.
 */

export interface PhaseSpec {
  name: string;
  durationSec: number;
  /** Calls in progress: a number, or [from, to] ramped over the phase. */
  concurrency?: number | [number, number];
  /** Ramp steps when concurrency is [from, to] (default: 1 per call of difference). */
  steps?: number;
  /** New calls per second instead of a concurrency target. */
  arrivalPerSec?: number;
}

export interface StopCriteria {
  /** Stop when more than this share of calls ended in failure over the window. */
  errorRatePct: number;
  errorWindowSec: number;
  /** At least this many calls must have ended in the window before the error rate counts. */
  errorMinCalls: number;
  /** Stop when throttling has been seen continuously (no gap over 30 s) this long. */
  throttleSustainSec: number;
  /** Stop when turn p95 over the error window exceeds this (0 = off). */
  turnP95CeilingMs: number;
}

export interface LoadPlan {
  phases: PhaseSpec[];
  /** Scenario name -> weight. */
  mix: Record<string, number>;
  /** Unset: PAUSE_BETWEEN_TURNS_SEC / BARGE_DELAY_MS apply. */
  thinkTimeSec?: [number, number];
  bargeDelayMs?: [number, number];
  stop: StopCriteria;
}

export const DEFAULT_STOP: StopCriteria = {
  errorRatePct: 5,
  errorWindowSec: 60,
  errorMinCalls: 5,
  throttleSustainSec: 180,
  turnP95CeilingMs: 0,
};

export class PlanError extends Error {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`load plan: ${where}: ${detail}`);
    this.name = 'PlanError';
  }
}

/** A phase placed on the run's clock (ms since the plan's start). */
export interface PhaseWindow {
  name: string;
  startMs: number;
  endMs: number;
  /** Time-weighted mean of the target over the phase (concurrency phases), else null. */
  targetConcurrency: number | null;
  arrivalPerSec: number | null;
}

function num(v: unknown, where: string, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new PlanError(
      where,
      `${JSON.stringify(v)} is not a number between ${min} and ${max === Infinity ? 'any' : max}`,
    );
  }
  return v;
}

function pair(v: unknown, where: string, min: number, max: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p) throw new PlanError(where, `${JSON.stringify(v)} is not a number or a [low, high] pair`);
  const lo = num(p[0], where, min, max);
  const hi = num(p[1], where, min, max);
  if (hi < lo) throw new PlanError(where, `[${lo}, ${hi}]: high is below low`);
  return [lo, hi];
}

/** Validates a plan object (from JSON); errors say which field and what is allowed. */
export function parsePlan(raw: unknown, knownScenarios: readonly string[]): LoadPlan {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new PlanError('plan', 'must be a JSON object with "phases"');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.phases) || o.phases.length === 0) throw new PlanError('phases', 'must be a non-empty array');
  const phases = o.phases.map((p, i): PhaseSpec => {
    const where = `phases[${i}]`;
    if (!p || typeof p !== 'object') throw new PlanError(where, 'must be an object');
    const ph = p as Record<string, unknown>;
    const name = typeof ph.name === 'string' && ph.name ? ph.name : `phase ${i + 1}`;
    const durationSec = num(ph.durationSec, `${where}.durationSec`, 0.001, 7 * 24 * 3600);
    const hasC = ph.concurrency !== undefined;
    const hasA = ph.arrivalPerSec !== undefined;
    if (hasC === hasA) throw new PlanError(where, 'needs exactly one of "concurrency" or "arrivalPerSec"');
    const out: PhaseSpec = { name, durationSec };
    if (hasC) {
      const c = pair(ph.concurrency, `${where}.concurrency`, 0, 100_000);
      if (!Number.isInteger(c[0]) || !Number.isInteger(c[1]))
        throw new PlanError(`${where}.concurrency`, 'calls are whole numbers');
      out.concurrency = c[0] === c[1] ? c[0] : c;
      if (ph.steps !== undefined) out.steps = num(ph.steps, `${where}.steps`, 1, 10_000);
    } else {
      out.arrivalPerSec = num(ph.arrivalPerSec, `${where}.arrivalPerSec`, 0, 100_000);
    }
    return out;
  });
  const mixRaw = o.mix ?? Object.fromEntries(knownScenarios.slice(0, 1).map((s) => [s, 1]));
  if (!mixRaw || typeof mixRaw !== 'object' || Array.isArray(mixRaw))
    throw new PlanError('mix', 'must be an object of scenario -> weight');
  const mix: Record<string, number> = {};
  for (const [name, w] of Object.entries(mixRaw)) {
    if (!knownScenarios.includes(name))
      throw new PlanError(`mix.${name}`, `unknown scenario; known scenarios: ${knownScenarios.join(', ')}`);
    mix[name] = num(w, `mix.${name}`, 0);
  }
  if (Object.values(mix).reduce((a, b) => a + b, 0) <= 0)
    throw new PlanError('mix', 'weights sum to zero: no scenario could ever be chosen');
  const stopRaw = (o.stop ?? {}) as Record<string, unknown>;
  const stop: StopCriteria = { ...DEFAULT_STOP };
  for (const key of Object.keys(stopRaw)) {
    if (!(key in DEFAULT_STOP))
      throw new PlanError(`stop.${key}`, `unknown stop criterion; known: ${Object.keys(DEFAULT_STOP).join(', ')}`);
    (stop as unknown as Record<string, number>)[key] = num(stopRaw[key], `stop.${key}`, 0);
  }
  return {
    phases,
    mix,
    ...(o.thinkTimeSec === undefined ? {} : { thinkTimeSec: pair(o.thinkTimeSec, 'thinkTimeSec', 0, 3600) }),
    ...(o.bargeDelayMs === undefined ? {} : { bargeDelayMs: pair(o.bargeDelayMs, 'bargeDelayMs', 0, 60_000) }),
    stop,
  };
}

/** Locust's USERS / SPAWN_RATE / TIME: ramp to USERS at SPAWN_RATE per second, hold until TIME. */
export function locustPlan(
  users: number,
  spawnRatePerSec: number,
  timeSec: number,
  scenarios: readonly string[],
): LoadPlan {
  const rampSec = users > 1 ? Math.min(timeSec, users / spawnRatePerSec) : 0;
  const phases: PhaseSpec[] = [];
  if (rampSec > 0)
    phases.push({ name: 'spawn', durationSec: rampSec, concurrency: [Math.min(1, users), users], steps: users });
  if (timeSec - rampSec > 0) phases.push({ name: 'hold', durationSec: timeSec - rampSec, concurrency: users });
  return parsePlan({ phases, mix: Object.fromEntries(scenarios.map((s) => [s, 1])) }, scenarios);
}

/** "90s", "5m", "1h30m", "120" (seconds) -> seconds. */
export function parseDurationSec(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!m || t === '') return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Target concurrency at `tMs` into a phase (ramps move in equal steps). */
function concurrencyAt(p: PhaseSpec, tMs: number): number {
  if (typeof p.concurrency === 'number') return p.concurrency;
  const [from, to] = p.concurrency!;
  const steps = Math.max(1, Math.round(p.steps ?? Math.abs(to - from)));
  const stepIndex = Math.min(steps, Math.floor((tMs / (p.durationSec * 1000)) * (steps + 1)));
  return Math.round(from + ((to - from) * stepIndex) / steps);
}

/**
 * The plan as one shard sees it: shard i of n takes an even share of every
 * concurrency and arrival rate (the first shards take the remainder), so the
 * shards together run the whole plan.
 */
export function shardShare(plan: LoadPlan, shardIndex: number, shardCount: number): LoadPlan {
  if (shardCount <= 1) return plan;
  const share = (v: number) => Math.floor(v / shardCount) + (shardIndex < v % shardCount ? 1 : 0);
  return {
    ...plan,
    phases: plan.phases.map((p) => ({
      ...p,
      ...(p.concurrency !== undefined
        ? {
            concurrency:
              typeof p.concurrency === 'number'
                ? share(p.concurrency)
                : ([share(p.concurrency[0]), share(p.concurrency[1])] as [number, number]),
          }
        : { arrivalPerSec: p.arrivalPerSec! / shardCount }),
    })),
  };
}

export function phaseWindows(plan: LoadPlan): PhaseWindow[] {
  let start = 0;
  return plan.phases.map((p) => {
    const durationMs = p.durationSec * 1000;
    let target: number | null = null;
    if (p.concurrency !== undefined) {
      // Time-weighted mean of the stepped target.
      const samples = 200;
      let sum = 0;
      for (let k = 0; k < samples; k++) sum += concurrencyAt(p, ((k + 0.5) / samples) * durationMs);
      target = Math.round((sum / samples) * 100) / 100;
    }
    const w = {
      name: p.name,
      startMs: start,
      endMs: start + durationMs,
      targetConcurrency: target,
      arrivalPerSec: p.arrivalPerSec ?? null,
    };
    start += durationMs;
    return w;
  });
}

export function planDurationMs(plan: LoadPlan): number {
  return plan.phases.reduce((s, p) => s + p.durationSec * 1000, 0);
}

/** Where the plan is at `tMs` since its start: the phase and its target, or null once it is over. */
export function planAt(
  plan: LoadPlan,
  tMs: number,
): { index: number; phase: PhaseSpec; phaseStartMs: number; concurrency: number | null } | null {
  let start = 0;
  for (let i = 0; i < plan.phases.length; i++) {
    const p = plan.phases[i]!;
    const end = start + p.durationSec * 1000;
    if (tMs < end)
      return {
        index: i,
        phase: p,
        phaseStartMs: start,
        concurrency: p.concurrency !== undefined ? concurrencyAt(p, tMs - start) : null,
      };
    start = end;
  }
  return null;
}

function peakTarget(p: PhaseSpec): number {
  return p.concurrency === undefined
    ? 0
    : typeof p.concurrency === 'number'
      ? p.concurrency
      : Math.max(...p.concurrency);
}

/**
 * Calls in progress at the plan's busiest: a phase's concurrency target, or
 * for an arrival rate the arrivals over one call's length (Little's law; a
 * phase shorter than a call holds only the arrivals of its own duration).
 */
export function maxConcurrency(plan: LoadPlan, callSec: number): number {
  return Math.max(
    0,
    ...plan.phases.map(
      (p) =>
        peakTarget(p) +
        (p.arrivalPerSec === undefined ? 0 : Math.ceil(p.arrivalPerSec * Math.min(callSec, p.durationSec))),
    ),
  );
}

/**
 * Calls the plan can start at most, given the shortest call it could see:
 * enough tests to fill it (calls left over once it ends are skipped).
 */
export function callBudget(plan: LoadPlan, shortestCallSec: number): number {
  let calls = 0;
  for (const p of plan.phases) {
    const c = peakTarget(p);
    calls += c * Math.ceil(p.durationSec / shortestCallSec) + c;
    if (p.arrivalPerSec !== undefined) calls += Math.ceil(p.arrivalPerSec * p.durationSec) + 1;
  }
  return Math.max(1, calls);
}
