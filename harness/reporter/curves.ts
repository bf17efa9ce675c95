import type { Histogram } from '../metrics/histogram';
import type { RunAggregate } from './aggregate';
import type { PercentileCurves, Summary } from './schema';
import type { Series } from './svg';

/** The aggregates the latency-by-percentile chart draws. */
export const CURVE_METRICS = ['ttfb', 'ttfa', 'turn', 'barge', 'barge_ack'];

/** Where a percentile sits on HdrHistogram's log axis: x = log10(1 / (1 - p)), 0 = p0, 3 = p99.9, 4 = p99.99. */
export const percentileX = (pct: number) => Math.log10(100 / (100 - Math.min(pct, 99.99)));

/** Percentile curve on that axis, in 0.1 steps of x (41 points). */
export function percentileCurve(h: Histogram): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let x = 0; x <= 4.0001; x += 0.1) {
    const p = 100 * (1 - 10 ** -x);
    points.push([x, h.getValueAtPercentile(Math.min(p, 100))]);
  }
  return points;
}

/** Enough points for a baseline's curve to read like the run's own, few enough to keep summary.json small. */
const SUMMARY_PERCENTILES = [0, 25, 50, 68.4, 75, 80, 90, 93.7, 95, 96.8, 98, 99, 99.4, 99.6, 99.8, 99.9, 99.95, 99.99];

/** Every aggregate latency metric with samples (per-turn metrics left out: their aggregate carries them). */
export function summaryCurves(agg: RunAggregate): PercentileCurves {
  const metrics: Record<string, number[]> = {};
  for (const [name, h] of agg.latencies) {
    if (/\/\d+$/.test(name) || h.totalCount === 0) continue;
    metrics[name] = SUMMARY_PERCENTILES.map((p) => h.getValueAtPercentile(p));
  }
  return { percentiles: SUMMARY_PERCENTILES, metrics };
}

/**
 * A baseline's curve for `metric`: its stored curve, else the percentiles every summary.json holds (min, p50, p90,
 * p95, p99). Empty when the baseline never measured the metric.
 */
export function baselineCurve(baseline: Summary, metric: string): Array<[number, number]> {
  const curves = baseline.percentileCurves;
  const stored = curves?.metrics?.[metric];
  if (curves && Array.isArray(stored) && stored.length === curves.percentiles.length)
    return curves.percentiles.map((p, i) => [percentileX(p), stored[i]!]);
  const m = baseline.metrics[metric];
  if (m?.kind !== 'latency' || !m.count) return [];
  return [
    [percentileX(0), m.minMs],
    [percentileX(50), m.p50Ms],
    [percentileX(90), m.p90Ms],
    [percentileX(95), m.p95Ms],
    [percentileX(99), m.p99Ms],
  ];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

/** This run's curves, and with a baseline its curves dashed in the same colour beside them. */
export function percentileSeries(agg: RunAggregate, baseline?: Summary): Series[] {
  const series: Series[] = [];
  CURVE_METRICS.forEach((metric, i) => {
    const h = agg.latencies.get(metric);
    if (!h?.totalCount) return;
    const color = COLORS[i % COLORS.length]!;
    series.push({ name: metric, points: percentileCurve(h), color });
    const before = baseline ? baselineCurve(baseline, metric) : [];
    if (before.length)
      series.push({ name: `${metric} baseline`, points: before, color, dashed: true, legend: false, cls: 'baseline' });
  });
  return series;
}
