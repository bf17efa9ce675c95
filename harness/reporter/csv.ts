import { newHistogram, type Histogram } from '../metrics/histogram';
import { isAggregate, isFailureCounter } from '../metrics/names';
import type { RunAggregate } from './aggregate';
import type { Summary } from './schema';

/** Locust's percentile columns in stats.csv. */
const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100];

function cell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(cells: Array<string | number>): string {
  return cells.map(cell).join(',');
}

function percentiles(h: Histogram): number[] {
  return PERCENTILES.map((p) => (h.totalCount ? h.getValueAtPercentile(p) : 0));
}

/**
 * stats.csv in Locust's column layout: one row per latency metric and per
 * counter, then "Aggregated" over every per-turn and per-call measurement
 * (aggregates such as `ttfb` are left out of it so nothing counts twice).
 */
export function statsCsv(summary: Summary, agg: RunAggregate): string {
  const seconds = Math.max(summary.run.durationMs / 1000, 1e-3);
  const lines = [
    row([
      'Type',
      'Name',
      'Request Count',
      'Failure Count',
      'Median Response Time',
      'Average Response Time',
      'Min Response Time',
      'Max Response Time',
      'Average Content Size',
      'Requests/s',
      'Failures/s',
      ...PERCENTILES.map((p) => `${p}%`),
    ]),
  ];
  const all = newHistogram();
  let requests = 0;
  let failures = 0;
  for (const [name, m] of Object.entries(summary.metrics)) {
    if (m.kind === 'latency') {
      const h = agg.latencies.get(name);
      const reqs = m.count + m.fails;
      lines.push(
        row([
          'latency',
          name,
          reqs,
          m.fails,
          m.p50Ms,
          m.meanMs,
          m.minMs,
          m.maxMs,
          0,
          (reqs / seconds).toFixed(3),
          (m.fails / seconds).toFixed(3),
          ...(h ? percentiles(h) : PERCENTILES.map(() => 0)),
        ]),
      );
      if (h && !isAggregate(name)) {
        all.add(h);
        requests += reqs;
        failures += m.fails;
      }
    } else if (m.kind === 'counter') {
      const fails = isFailureCounter(name) ? m.count : 0;
      lines.push(
        row([
          'counter',
          name,
          m.count,
          fails,
          0,
          0,
          0,
          0,
          0,
          (m.count / seconds).toFixed(3),
          (fails / seconds).toFixed(3),
          ...PERCENTILES.map(() => 0),
        ]),
      );
      requests += m.count;
      failures += fails;
    }
  }
  const mean = all.totalCount ? Math.round(all.mean * 10) / 10 : 0;
  const min = all.totalCount ? all.getValueAtPercentile(0) : 0;
  lines.push(
    row([
      '',
      'Aggregated',
      requests,
      failures,
      all.totalCount ? all.getValueAtPercentile(50) : 0,
      mean,
      min,
      all.maxValue,
      0,
      (requests / seconds).toFixed(3),
      (failures / seconds).toFixed(3),
      ...percentiles(all),
    ]),
  );
  return `${lines.join('\n')}\n`;
}

/** failures.csv (Method, Name, Error, Occurrences): timeouts per metric, counters, and why calls failed. */
export function failuresCsv(summary: Summary, agg: RunAggregate): string {
  const lines = [row(['Method', 'Name', 'Error', 'Occurrences'])];
  for (const [name, m] of Object.entries(summary.metrics)) {
    if (m.kind === 'latency' && m.fails && !isAggregate(name))
      lines.push(row(['latency', name, 'no measurement (timed out)', m.fails]));
    if (m.kind === 'counter' && isFailureCounter(name)) lines.push(row(['counter', name, name, m.count]));
  }
  for (const [key, n] of failureGroups(agg, false)) lines.push(row(['call', key.code, key.message, n]));
  return `${lines.join('\n')}\n`;
}

/** exceptions.csv (Count, Message, Traceback, Nodes): calls that ended on an unexpected harness error. */
export function exceptionsCsv(agg: RunAggregate): string {
  const lines = [row(['Count', 'Message', 'Traceback', 'Nodes'])];
  for (const [key, n] of failureGroups(agg, true)) lines.push(row([n, key.message, '', 'local']));
  return `${lines.join('\n')}\n`;
}

function failureGroups(agg: RunAggregate, exceptionsOnly: boolean): Array<[{ code: string; message: string }, number]> {
  const groups = new Map<string, { key: { code: string; message: string }; n: number }>();
  const add = (code: string, message: string) => {
    // Digits vary per call (timings, ports); grouping ignores them.
    const id = `${code}\u0000${message.replace(/\d+/g, 'N')}`;
    const g = groups.get(id) ?? { key: { code, message }, n: 0 };
    g.n++;
    groups.set(id, g);
  };
  for (const r of agg.records)
    if (r.failure && (r.failure.code === 'call/error') === exceptionsOnly) add(r.failure.code, r.failure.message);
  if (exceptionsOnly) for (const u of agg.unrecorded) add('call/error', `${u.title}: ${u.reason}`);
  return [...groups.values()].map((g) => [g.key, g.n]);
}
