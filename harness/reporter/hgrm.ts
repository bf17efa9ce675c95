import type { RunAggregate } from './aggregate';

/** HdrHistogram's percentile distribution text, one file per latency metric (values in ms). */
export function hgrmFiles(agg: RunAggregate): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const [metric, h] of agg.latencies) {
    if (h.totalCount === 0) continue;
    out.push({ name: `${metric.replace(/[^\w.-]+/g, '_')}.hgrm`, text: h.outputPercentileDistribution(5, 1) });
  }
  return out;
}
