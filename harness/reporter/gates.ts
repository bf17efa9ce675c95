import type { GateResult, GateStat, MetricSummary, Verdict } from './schema';

/** A threshold as data: value `op` pass -> pass; else value `op` warn -> warn; else fail. */
export interface GateSpec {
  name: string;
  metric: string;
  stat: GateStat;
  op: '<' | '>';
  pass: number;
  warn: number;
}

/** docs/design.md#gates (from the load-testing targets): target = pass, acceptable = warn. */
export const DEFAULT_GATES: readonly GateSpec[] = [
  { name: 'TTFB p95', metric: 'ttfb', stat: 'p95Ms', op: '<', pass: 2000, warn: 3000 },
  { name: 'barge-in p95', metric: 'barge', stat: 'p95Ms', op: '<', pass: 500, warn: 1000 },
  { name: 'connection success', metric: 'success/connection', stat: 'pct', op: '>', pass: 98, warn: 95 },
  { name: 'turn success', metric: 'success/turn', stat: 'pct', op: '>', pass: 95, warn: 90 },
];

const STAT_NAMES: Record<string, GateStat> = {
  min: 'minMs',
  avg: 'meanMs',
  mean: 'meanMs',
  med: 'p50Ms',
  p50: 'p50Ms',
  p90: 'p90Ms',
  p95: 'p95Ms',
  p99: 'p99Ms',
  max: 'maxMs',
  pct: 'pct',
  rate: 'pct',
  count: 'count',
};

export const GATE_SYNTAX =
  `metric:stat<pass or metric:stat<pass|warn, e.g. "ttfb:p95<2000|3000" or "success/turn:pct>95|90"; ` +
  `stats: ${Object.keys(STAT_NAMES).join(', ')} (k6's p(95) also accepted)`;

export class GateSyntaxError extends Error {
  constructor(
    readonly entry: string,
    readonly detail: string,
  ) {
    super(`gate "${entry}" is not valid (${detail}); expected ${GATE_SYNTAX}`);
    this.name = 'GateSyntaxError';
  }
}

/** k6-like gate strings ("ttfb:p95<2000", "ttfb:p(95)<2000|3000") as GateSpecs. */
export function parseGate(entry: string): GateSpec {
  const m = /^\s*([\w/.-]+)\s*:\s*([a-z][a-z0-9().]*)\s*([<>])\s*(\d+(?:\.\d+)?)\s*(?:\|\s*(\d+(?:\.\d+)?))?\s*$/i.exec(
    entry,
  );
  if (!m) throw new GateSyntaxError(entry, 'cannot read it');
  const [, metric, rawStat, op, pass, warn] = m;
  const statKey = rawStat!.toLowerCase().replace(/^p\((\d+)\)$/, 'p$1');
  const stat = STAT_NAMES[statKey];
  if (!stat) throw new GateSyntaxError(entry, `unknown stat "${rawStat}"`);
  const passN = Number(pass);
  const warnN = warn === undefined ? passN : Number(warn);
  if (op === '<' ? warnN < passN : warnN > passN)
    throw new GateSyntaxError(entry, `the warn limit ${warnN} is stricter than the pass limit ${passN}`);
  return { name: `${metric} ${statKey}`, metric: metric!, stat, op: op as '<' | '>', pass: passN, warn: warnN };
}

/** The defaults, with user gates replacing any default on the same metric and stat. */
export function gatesFrom(entries: readonly string[]): GateSpec[] {
  const user = entries.map(parseGate);
  const kept = DEFAULT_GATES.filter((d) => !user.some((u) => u.metric === d.metric && u.stat === d.stat));
  return [...kept, ...user];
}

function statValue(m: MetricSummary | undefined, stat: GateStat): number | null {
  if (!m) return null;
  if (m.kind === 'counter') return stat === 'count' ? m.count : null;
  if (m.count === 0) return null;
  const v = (m as unknown as Record<string, unknown>)[stat];
  return typeof v === 'number' ? v : null;
}

export function judge(value: number | null, g: Pick<GateSpec, 'op' | 'pass' | 'warn'>): GateResult['verdict'] {
  const ok = (limit: number) => value !== null && (g.op === '<' ? value < limit : value > limit);
  return value === null ? 'no-data' : ok(g.pass) ? 'pass' : ok(g.warn) ? 'warn' : 'fail';
}

export function evaluateGates(gates: readonly GateSpec[], metrics: Record<string, MetricSummary>): GateResult[] {
  return gates.map((g) => {
    const value = statValue(metrics[g.metric], g.stat);
    return {
      name: g.name,
      metric: g.metric,
      stat: g.stat,
      value,
      pass: `${g.op} ${g.pass}`,
      warn: `${g.op} ${g.warn}`,
      verdict: judge(value, g),
    };
  });
}

export function overallVerdict(results: readonly GateResult[]): Verdict {
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  if (results.some((r) => r.verdict === 'warn')) return 'warn';
  return 'pass';
}
