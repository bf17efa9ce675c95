import type { CallRecord, PhaseRef } from '../metrics/record';
import { shardOf } from '../plan/shard';
import type { RunAggregate } from './aggregate';
import { summarizeMetrics } from './figures';
import type { PhaseSummary } from './schema';

/** The plan's phases, as recorded in the calls (every record of a run carries the same list). */
export function planPhases(records: readonly CallRecord[]): PhaseRef[] {
  const withPlan = records.find((r) => r.phases?.length);
  if (!withPlan) return [];
  // Shards share phase names and times; their targets add up.
  const byName = new Map<string, PhaseRef>();
  const shardsSeen = new Map<string, Set<number>>();
  for (const r of records) {
    const shardKey = shardOf(r).index;
    for (const p of r.phases ?? []) {
      const seen = shardsSeen.get(p.name) ?? new Set<number>();
      if (!byName.has(p.name)) byName.set(p.name, { ...p });
      else if (!seen.has(shardKey) && p.targetConcurrency !== null) {
        const cur = byName.get(p.name)!;
        cur.targetConcurrency = (cur.targetConcurrency ?? 0) + p.targetConcurrency;
      }
      seen.add(shardKey);
      shardsSeen.set(p.name, seen);
    }
  }
  return (withPlan.phases ?? []).map((p) => byName.get(p.name)!);
}

/** Mean number of calls in progress over [from, to), from the calls' start and end times. */
export function measuredConcurrency(records: readonly CallRecord[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  let busy = 0;
  for (const r of records) busy += Math.max(0, Math.min(r.endedAtMs, toMs) - Math.max(r.startedAtMs, fromMs));
  return Math.round((busy / (toMs - fromMs)) * 100) / 100;
}

export function summarizePhases(
  phases: readonly PhaseRef[],
  records: readonly CallRecord[],
  byPhase: Map<string, RunAggregate>,
): PhaseSummary[] {
  if (!phases.length) return [];
  const origin = phases[0]!.startAtMs;
  return phases.map((p) => {
    const agg = byPhase.get(p.name);
    return {
      name: p.name,
      startMs: p.startAtMs - origin,
      endMs: p.endAtMs - origin,
      targetConcurrency: p.targetConcurrency,
      measuredConcurrency: measuredConcurrency(records, p.startAtMs, p.endAtMs),
      calls: agg?.records.length ?? 0,
      metrics: agg ? summarizeMetrics(agg) : {},
    };
  });
}
