import fs from 'node:fs';
import { judge } from './gates';
import {
  SUMMARY_SCHEMA_VERSION,
  type BaselineReport,
  type Comparison,
  type GateResult,
  type MetricSummary,
  type Summary,
} from './schema';

/**
 * Relative gates (docs/design.md#regression-check-against-a-baseline): p95 under 1.5x baseline passes, up to 2x warns,
 * beyond fails.
 */
export const RELATIVE_PASS_RATIO = 1.5;
export const RELATIVE_WARN_RATIO = 2;
/** A p95 this much above the baseline's is flagged as a regression. */
export const REGRESSION_FLAG_PCT = 10;
/** Aggregates that get a relative gate; per-turn metrics get a regression line only. */
const GATED = ['ttfb', 'ttfa', 'turn', 'barge', 'barge_ack', 'call/setup', 'call/greeting'];

export function readBaseline(file: string): Summary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`BASELINE=${file}: cannot read a summary.json there (${(e as Error).message})`);
  }
  const s = parsed as Partial<Summary>;
  if (s?.schemaVersion !== SUMMARY_SCHEMA_VERSION || typeof s.metrics !== 'object') {
    throw new Error(`BASELINE=${file}: not a summary.json of schema version ${SUMMARY_SCHEMA_VERSION}`);
  }
  return s as Summary;
}

function p95(m: MetricSummary | undefined): number | null {
  return m && m.kind === 'latency' && m.count > 0 ? m.p95Ms : null;
}

/** A regression line for every latency metric both runs measured. */
export function compare(baseline: Summary, metrics: Record<string, MetricSummary>, file: string): BaselineReport {
  const comparisons: Comparison[] = [];
  for (const [metric, m] of Object.entries(metrics)) {
    const now = p95(m);
    const before = p95(baseline.metrics[metric]);
    if (now === null || before === null || before === 0) continue;
    const changePct = Math.round(((now - before) / before) * 1000) / 10;
    comparisons.push({
      metric,
      baselineP95Ms: before,
      p95Ms: now,
      changePct,
      regression: changePct >= REGRESSION_FLAG_PCT,
    });
  }
  return { file, startedAt: baseline.run?.startedAt ?? '', comparisons };
}

export function relativeGates(report: BaselineReport): GateResult[] {
  return report.comparisons
    .filter((c) => GATED.includes(c.metric))
    .map((c) => {
      const ratio = Math.round((c.p95Ms / c.baselineP95Ms) * 100) / 100;
      return {
        name: `${c.metric} p95 vs baseline`,
        metric: c.metric,
        stat: 'p95Ratio' as const,
        value: ratio,
        pass: `< ${RELATIVE_PASS_RATIO}x`,
        warn: `< ${RELATIVE_WARN_RATIO}x`,
        verdict: judge(ratio, { op: '<', pass: RELATIVE_PASS_RATIO, warn: RELATIVE_WARN_RATIO }),
      };
    });
}
