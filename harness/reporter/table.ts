import { isFailureCounter } from '../metrics/names';
import { generatorLine, HEAVY_CLIENT_ADVICE, saturatedAdvice } from './generator';
import type { Summary } from './schema';

const COLUMNS = ['Name', '# reqs', 'Avg', 'Min', 'p50', 'p95', 'p99', 'Max', 'Fails'];

function fmt(n: number): string {
  return String(Math.round(n));
}

/** Locust-style statistics table: latency rows in ms, counters with their count as failures. */
export function formatStatsTable(summary: Summary): string {
  const rows: string[][] = [];
  for (const [name, m] of Object.entries(summary.metrics)) {
    if (m.kind === 'latency') {
      const reqs = m.count + m.fails;
      rows.push(
        m.count
          ? [
              name,
              fmt(reqs),
              fmt(m.meanMs),
              fmt(m.minMs),
              fmt(m.p50Ms),
              fmt(m.p95Ms),
              fmt(m.p99Ms),
              fmt(m.maxMs),
              fmt(m.fails),
            ]
          : [name, fmt(reqs), '-', '-', '-', '-', '-', '-', fmt(m.fails)],
      );
    } else if (m.kind === 'counter') {
      rows.push([name, fmt(m.count), '-', '-', '-', '-', '-', '-', fmt(isFailureCounter(name) ? m.count : 0)]);
    }
  }
  const width = Math.max(COLUMNS[0]!.length, ...rows.map((r) => r[0]!.length)) + 2;
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(i === 1 ? 7 : 8))).join('');
  const header = line(COLUMNS);
  const rule = '─'.repeat(header.length);
  return [header, rule, ...rows.map(line), rule].join('\n');
}

/** Rate-limit occurrences by source, as the Locust suite prints them at the end of a run. */
export function formatRateLimits(summary: Summary): string | null {
  const rows = Object.entries(summary.metrics).filter(([name, m]) => name.startsWith('rate/') && m.kind === 'counter');
  if (!rows.length) return null;
  const rule = '='.repeat(60);
  const body = rows.map(
    ([name, m]) =>
      `  ${name.slice(5).padEnd(20)}: ${String(m.kind === 'counter' ? m.count : 0).padStart(5)} occurrences`,
  );
  return [rule, 'RATE LIMIT SUMMARY', rule, ...body, rule].join('\n');
}

/** One line per metric both runs measured: baseline p95 -> this run's p95, flagged at +10% or more. */
export function formatBaseline(summary: Summary): string | null {
  const b = summary.baseline;
  if (!b) return null;
  const width = Math.max(6, ...b.comparisons.map((c) => c.metric.length)) + 2;
  const lines = b.comparisons.map(
    (c) =>
      `  ${c.metric.padEnd(width)}${String(c.baselineP95Ms).padStart(8)} -> ${String(c.p95Ms).padStart(8)} ms  ` +
      `${`${c.changePct > 0 ? '+' : ''}${c.changePct}%`.padStart(8)}${c.regression ? '  REGRESSION' : ''}`,
  );
  return [`p95 compared with baseline ${b.file}:`, ...lines].join('\n');
}

export function formatGates(summary: Summary): string {
  const lines = summary.gates.map((g) => {
    const value =
      g.value === null
        ? 'no data'
        : g.stat === 'pct'
          ? `${g.value}%`
          : g.stat === 'p95Ratio'
            ? `${g.value}x`
            : g.stat === 'count'
              ? String(g.value)
              : `${g.value} ms`;
    return (
      `  ${g.verdict.toUpperCase().padEnd(8)}${g.name.padEnd(30)}${value.padStart(10)}   ` +
      `pass ${g.pass}, warn ${g.warn}`
    );
  });
  const c = summary.run.calls;
  return [
    'Gates:',
    ...lines,
    ...(summary.run.stopReason ? [`Run stopped early (incomplete): ${summary.run.stopReason}`] : []),
    ...(summary.run.interrupted
      ? [
          `Run ${summary.run.interrupted} (incomplete): ${c.interrupted ?? 0} call(s) cut short, counted apart ` +
            '(not failed; their finished turns kept)',
        ]
      : []),
    ...(summary.run.missedArrivals
      ? [
          `${summary.verdict === 'inconclusive' ? 'INCONCLUSIVE' : 'WARNING'}: ${summary.run.missedArrivals} ` +
            `planned arrival(s) found no free worker and never started: the plan's load was not applied in full ` +
            '(raise WORKERS or --workers)',
        ]
      : []),
    ...(summary.run.startupGuard
      ? [
          `Start-up guard: ${summary.run.startupGuard.held} call(s) held back from other calls' speech ends ` +
            `(longest ${(summary.run.startupGuard.longestHeldMs / 1000).toFixed(1)} s), ` +
            `${summary.run.startupGuard.forced} started at its longest hold with one still near`,
        ]
      : []),
    ...(summary.run.missingShards
      ? [
          `INCOMPLETE: no results from shard(s) ${summary.run.missingShards.join(', ')} of ${summary.run.shards}: ` +
            `their calls are missing from every figure`,
        ]
      : []),
    `Calls: ${c.total} total, ${c.passed} passed, ${c.failed} failed` +
      `${c.interrupted ? `, ${c.interrupted} interrupted` : ''}.  Verdict: ${summary.verdict.toUpperCase()}` +
      `${summary.verdictReason ? ` (${summary.verdictReason})` : ''}`,
  ].join('\n');
}

/** One row per phase of the plan: the runbook's "plot each step separately". */
export function formatPhases(summary: Summary): string | null {
  if (!summary.phases?.length) return null;
  const head = ['Phase', 'Start s', 'Target', 'Measured', 'Calls', 'ttfb p50', 'ttfb p95', 'turn p95', 'Failed'];
  const rows = summary.phases.map((p) => {
    const l = (name: string, key: 'p50Ms' | 'p95Ms') => {
      const m = p.metrics[name];
      return m && m.kind === 'latency' && m.count ? String(m[key]) : '-';
    };
    const conn = p.metrics['success/connection'];
    const turnOk = p.metrics['success/turn'];
    const failed =
      (conn && conn.kind === 'ratio' ? conn.count - conn.successes : 0) +
      (turnOk && turnOk.kind === 'ratio' ? turnOk.count - turnOk.successes : 0);
    return [
      p.name,
      String(Math.round(p.startMs / 1000)),
      p.targetConcurrency === null ? '-' : String(p.targetConcurrency),
      String(p.measuredConcurrency),
      String(p.calls),
      l('ttfb', 'p50Ms'),
      l('ttfb', 'p95Ms'),
      l('turn', 'p95Ms'),
      String(failed),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('');
  return ['Per phase (ms; failed = failed connections + failed turns):', line(head), ...rows.map(line)].join('\n');
}

export function formatGenerator(summary: Summary): string | null {
  const g = summary.generator;
  if (!g) return null;
  const lines = [`Load generator: ${generatorLine(g)}`];
  if (g.saturated)
    lines.push(
      `${summary.verdict === 'inconclusive' ? 'INCONCLUSIVE' : 'WARNING'}: the load generator was saturated ` +
        `(${g.reasons.join('; ')}): latencies may be the generator's own. ${saturatedAdvice(g)}`,
    );
  if (g.heavyClient)
    lines.push(`NOTE: the client is heavy (${(g.heavyClientReasons ?? []).join('; ')}). ${HEAVY_CLIENT_ADVICE}`);
  return lines.join('\n');
}

/** Browser calls and protocol-level calls side by side (hybrid runs). */
export function formatGroups(summary: Summary): string | null {
  if (!summary.groups) return null;
  const head = ['Group', 'Calls', 'ttfb p50', 'ttfb p95', 'ttfa p95', 'turn p95', 'barge p95', 'Connection', 'Turns'];
  const rows = Object.entries(summary.groups).map(([group, m]) => {
    const l = (name: string, key: 'p50Ms' | 'p95Ms') => {
      const x = m[name];
      return x && x.kind === 'latency' && x.count ? String(x[key]) : '-';
    };
    const r = (name: string) => {
      const x = m[name];
      return x && x.kind === 'ratio' ? `${x.pct}%` : '-';
    };
    const conn = m['success/connection'];
    return [
      group,
      String(conn && conn.kind === 'ratio' ? conn.count : 0),
      l('ttfb', 'p50Ms'),
      l('ttfb', 'p95Ms'),
      l('ttfa', 'p95Ms'),
      l('turn', 'p95Ms'),
      l('barge', 'p95Ms'),
      r('success/connection'),
      r('success/turn'),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)) + 2);
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('');
  return ['By group (ms; protocol calls have no ttfa: no speaker):', line(head), ...rows.map(line)].join('\n');
}
