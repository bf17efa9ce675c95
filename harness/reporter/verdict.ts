import { compare, relativeGates } from './baseline';
import { evaluateGates, overallVerdict, type GateSpec } from './gates';
import type { RunInfo, Summary, SummaryFigures, Verdict } from './schema';

/** The exit status of a run whose verdict is `inconclusive` (Playwright's own: 0 passed, 1 failed, 130 SIGINT). */
export const INCONCLUSIVE_EXIT_CODE = 3;

/** What a run whose load generator was saturated gets (SATURATED): its gates alone decide under `ignore`. */
export const SATURATED_POLICIES = ['inconclusive', 'fail', 'ignore'] as const;
export type SaturatedPolicy = (typeof SATURATED_POLICIES)[number];

/**
 * The run's figures judged: absolute gates, relative gates against a stored baseline, and the verdict. A failing
 * gate or a forced failure is `fail`; otherwise a saturated generator, or planned arrivals it never started, make
 * the run `inconclusive` (its latencies may be the generator's own, or its load less than planned), or `fail` under
 * SATURATED=fail.
 */
export function judgeSummary(
  figures: SummaryFigures,
  gates: readonly GateSpec[],
  baseline?: { summary: Summary; file: string },
  saturated: SaturatedPolicy = 'inconclusive',
): Summary {
  const { schemaVersion, run, metrics } = figures;
  const comparison = baseline ? compare(baseline.summary, metrics, baseline.file) : undefined;
  const gateResults = [...evaluateGates(gates, metrics), ...(comparison ? relativeGates(comparison) : [])];
  const gated = overallVerdict(gateResults);
  const forced = forcedFailure(run);
  const generator = gated === 'fail' || forced ? undefined : shortfall(figures, saturated);
  const reason = forced ?? generator?.reason;
  const verdict: Verdict = forced ? 'fail' : (generator?.verdict ?? gated);
  // Spelled out, not spread: the verdict stays near the top of summary.json, above the optional blocks.
  return {
    schemaVersion,
    run,
    metrics,
    gates: gateResults,
    verdict,
    ...(reason ? { verdictReason: reason } : {}),
    ...(figures.phases ? { phases: figures.phases } : {}),
    ...(figures.groups ? { groups: figures.groups } : {}),
    ...(figures.generator ? { generator: figures.generator } : {}),
    ...(comparison ? { baseline: comparison } : {}),
    ...(figures.percentileCurves ? { percentileCurves: figures.percentileCurves } : {}),
  };
}

/**
 * The verdict a generator short of the load imposes, or undefined when the gates decide: saturated, or planned
 * arrivals that found no free worker and never started (the gates then judged less load than the plan asked for).
 */
function shortfall(figures: SummaryFigures, policy: SaturatedPolicy): { verdict: Verdict; reason: string } | undefined {
  if (policy === 'ignore') return undefined;
  const g = figures.generator;
  const missed = figures.run.missedArrivals ?? 0;
  const reasons = [
    ...(g?.saturated ? [`load generator saturated: ${g.reasons.join('; ')}`] : []),
    ...(missed > 0 ? [`${missed} planned arrival(s) never started (no free worker): the plan's load not applied`] : []),
  ];
  if (!reasons.length) return undefined;
  return { verdict: policy === 'fail' ? 'fail' : 'inconclusive', reason: reasons.join('; ') };
}

/** Why the run fails whatever its gates say, or undefined when the gates decide. */
function forcedFailure(run: RunInfo): string | undefined {
  // No calls, or a shard's results missing from a merge: nothing here can be trusted to pass.
  if (run.calls.total === 0) return 'no calls';
  // Every gate may lack data when no call got as far as a sample: a run of failed calls never passes.
  if (run.calls.passed === 0 && run.calls.failed > 0) return `no call passed (${run.calls.failed} failed)`;
  if (run.missingShards?.length) return `no results from shard(s) ${run.missingShards.join(', ')}`;
  // A stop criterion is an abort threshold (k6's abortOnFail): the run failed even if the calls it kept pass the gates.
  if (run.stopReason) return `stopped early: ${run.stopReason}`;
  // The load asked for was not applied in full: the gates judged only part of it.
  if (run.interrupted) return `run ${run.interrupted}: ${run.calls.interrupted ?? 0} call(s) cut short`;
  if (run.incomplete) return 'incomplete run';
  return undefined;
}
