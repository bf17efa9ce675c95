import { compare, relativeGates } from './baseline';
import { evaluateGates, overallVerdict, type GateSpec } from './gates';
import type { Summary, SummaryFigures, Verdict } from './schema';

/** The run's figures judged: absolute gates, relative gates against a stored baseline, and the verdict. */
export function judgeSummary(
  figures: SummaryFigures,
  gates: readonly GateSpec[],
  baseline?: { summary: Summary; file: string },
): Summary {
  const { schemaVersion, run, metrics } = figures;
  const comparison = baseline ? compare(baseline.summary, metrics, baseline.file) : undefined;
  const gateResults = [...evaluateGates(gates, metrics), ...(comparison ? relativeGates(comparison) : [])];
  // No calls, or a shard's results missing from a merge: nothing here can be trusted to pass.
  // A stop criterion is an abort threshold (k6's abortOnFail): the run failed even if the calls it kept pass the gates.
  const failed = run.calls.total === 0 || run.missingShards?.length || run.stopReason;
  const verdict: Verdict = failed ? 'fail' : overallVerdict(gateResults);
  // Spelled out, not spread: the verdict stays near the top of summary.json, above the optional blocks.
  return {
    schemaVersion,
    run,
    metrics,
    gates: gateResults,
    verdict,
    ...(figures.phases ? { phases: figures.phases } : {}),
    ...(figures.groups ? { groups: figures.groups } : {}),
    ...(figures.generator ? { generator: figures.generator } : {}),
    ...(comparison ? { baseline: comparison } : {}),
  };
}
