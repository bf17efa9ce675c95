import type { MetricSummary } from './summary';

export type Verdict = 'pass' | 'warn' | 'fail';
export type GateStat = 'p50Ms' | 'p90Ms' | 'p95Ms' | 'p99Ms' | 'maxMs' | 'meanMs' | 'pct' | 'count';

/** A threshold as data: value `op` pass -> pass; else value `op` warn -> warn; else fail. */
export interface GateSpec {
  name: string;
  metric: string;
  stat: GateStat;
  op: '<' | '>';
  pass: number;
  warn: number;
}

export interface GateResult {
  name: string;
  metric: string;
  stat: GateStat;
  value: number | null;
  pass: string;
  warn: string;
  /** 'no-data' when the run produced no sample for the metric; it does not decide the verdict. */
  verdict: Verdict | 'no-data';
}

/** DESIGN section 4 (from the load-testing targets): target = pass, acceptable = warn. */
export const DEFAULT_GATES: readonly GateSpec[] = [
  { name: 'TTFB p95', metric: 'ttfb', stat: 'p95Ms', op: '<', pass: 2000, warn: 3000 },
  { name: 'barge-in p95', metric: 'barge', stat: 'p95Ms', op: '<', pass: 500, warn: 1000 },
  { name: 'connection success', metric: 'success/connection', stat: 'pct', op: '>', pass: 98, warn: 95 },
  { name: 'turn success', metric: 'success/turn', stat: 'pct', op: '>', pass: 95, warn: 90 },
];

function valueOf(m: MetricSummary | undefined, stat: GateStat): number | null {
  if (!m) return null;
  if (m.kind === 'counter') return stat === 'count' ? m.count : null;
  if (m.count === 0) return null;
  const v = (m as unknown as Record<string, unknown>)[stat];
  return typeof v === 'number' ? v : null;
}

export function evaluateGates(gates: readonly GateSpec[], metrics: Record<string, MetricSummary>): GateResult[] {
  return gates.map((g) => {
    const value = valueOf(metrics[g.metric], g.stat);
    const ok = (limit: number) => value !== null && (g.op === '<' ? value < limit : value > limit);
    const verdict: GateResult['verdict'] = value === null ? 'no-data' : ok(g.pass) ? 'pass' : ok(g.warn) ? 'warn' : 'fail';
    return { name: g.name, metric: g.metric, stat: g.stat, value, pass: `${g.op} ${g.pass}`, warn: `${g.op} ${g.warn}`, verdict };
  });
}

export function overallVerdict(results: readonly GateResult[]): Verdict {
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  if (results.some((r) => r.verdict === 'warn')) return 'warn';
  return 'pass';
}
