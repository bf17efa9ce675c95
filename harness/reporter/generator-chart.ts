import type { CallRecord, GeneratorStats } from '../metrics/record';
import type { Series } from './svg';

/** The chart's points per series at most: a long run gets wider buckets, never an unbounded loop. */
const MAX_CPU_POINTS = 2000;

/** The machine's CPU series a call record keeps, each under the name the chart gives it. */
const SERIES: Array<[string, (g: GeneratorStats) => readonly number[] | undefined]> = [
  ['busy', (g) => g.cpuBusyPct],
  ['waiting', (g) => g.cpuWaitingPct],
  ['steal', (g) => g.cpuStealPct],
];

/**
 * The load generator's CPU over the run: busy, work waiting for a CPU and the host's share (steal), from the calls'
 * one-second samples placed on the wall clock, x in seconds since `originMs`. The calls of one machine sample the
 * same CPU, so each bucket reads the mean of the samples in it (a sharded run's machines are averaged together).
 * Records without sample times (older ones) are left out.
 */
export function generatorCpuSeries(records: readonly CallRecord[], originMs: number): Series[] {
  const timed = records.flatMap((r) =>
    r.generator?.cpuFirstAtMs === undefined ? [] : [{ g: r.generator, firstMs: r.generator.cpuFirstAtMs }],
  );
  if (!timed.length) return [];
  // A loop, not a spread: a run of 100k calls would pass as many arguments.
  let fromMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const { g, firstMs } of timed) {
    fromMs = Math.min(fromMs, firstMs);
    lastMs = Math.max(lastMs, firstMs + g.cpuBusyPct.length * (g.cpuIntervalMs ?? 1000));
  }
  const bucketMs = Math.max(1000, Math.ceil((lastMs - fromMs) / MAX_CPU_POINTS / 1000) * 1000);
  const out: Series[] = [];
  for (const [name, of] of SERIES) {
    const sums = new Map<number, { sum: number; n: number }>();
    for (const { g, firstMs } of timed) {
      const values = of(g);
      if (!values) continue;
      const intervalMs = g.cpuIntervalMs ?? 1000;
      values.forEach((pct, i) => {
        const bucket = Math.floor((firstMs + i * intervalMs - fromMs) / bucketMs);
        const b = sums.get(bucket) ?? { sum: 0, n: 0 };
        b.sum += pct;
        b.n++;
        sums.set(bucket, b);
      });
    }
    if (!sums.size) continue;
    const points = [...sums.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([bucket, { sum, n }]): [number, number] => [
        Math.round((fromMs + bucket * bucketMs - originMs) / 100) / 10,
        Math.round(sum / n),
      ]);
    out.push({ name, points });
  }
  return out;
}
