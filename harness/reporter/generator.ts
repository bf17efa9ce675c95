import { SATURATION } from '../generator/health';
import type { CallRecord } from '../metrics/record';
import type { GeneratorSummary } from './schema';

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarizeGenerator(records: readonly CallRecord[]): GeneratorSummary {
  const stats = records.flatMap((r) => (r.generator ? [r.generator] : []));
  const s: GeneratorSummary = {
    cpuBusyPctP95: Math.round(
      percentile(
        stats.flatMap((g) => g.cpuBusyPct),
        95,
      ),
    ),
    eventLoopLagP99Ms: percentile(
      stats.map((g) => g.eventLoopLagP99Ms),
      99,
    ),
    pageEventLoopLagP99Ms: percentile(
      stats.flatMap((g) => (g.pageEventLoopLagP99Ms === undefined ? [] : [g.pageEventLoopLagP99Ms])),
      99,
    ),
    pacingJitterP99Ms: percentile(
      stats.flatMap((g) => (g.pacingJitterP99Ms === undefined ? [] : [g.pacingJitterP99Ms])),
      99,
    ),
    saturated: false,
    reasons: [],
  };
  const over = (value: number, limit: number, what: string) => {
    if (value > limit) s.reasons.push(`${what} ${value} above ${limit}`);
  };
  over(s.cpuBusyPctP95, SATURATION.cpuBusyPctP95, 'CPU busy % p95');
  over(s.eventLoopLagP99Ms, SATURATION.eventLoopLagP99Ms, 'worker event-loop lag p99 (ms)');
  over(s.pageEventLoopLagP99Ms, SATURATION.pageEventLoopLagP99Ms, 'page main-thread lag p99 (ms)');
  // Clients whose capture is bursty by design (ScriptProcessorNode) carry a higher limit in their records.
  const limits = stats.flatMap((g) => (g.pacingJitterLimitMs === undefined ? [] : [g.pacingJitterLimitMs]));
  over(
    s.pacingJitterP99Ms,
    limits.length ? percentile(limits, 50) : SATURATION.pacingJitterP99Ms,
    'audio send pacing jitter p99 (ms)',
  );
  s.saturated = s.reasons.length > 0;
  return s;
}
