import type { RunAggregate } from './aggregate';
import { breakdownSection } from './breakdown';
import type { EvidenceLink } from './evidence';
import { generatorLine, HEAVY_CLIENT_ADVICE, saturatedAdvice } from './generator';
import { generatorCpuSeries } from './generator-chart';
import { percentileSeries } from './curves';
import { regressionSection } from './regression';
import type { Summary } from './schema';
import { slowestTurnsSection } from './slowest';
import { escapeHtml, lineChart, type Series } from './svg';

function perTurnSeries(summary: Summary, family: string): Series[] {
  const rows = Object.entries(summary.metrics)
    .filter(([name, m]) => name.startsWith(`${family}/`) && /\/\d+$/.test(name) && m.kind === 'latency' && m.count > 0)
    .map(([name, m]) => [Number(name.split('/')[1]), m] as const);
  const p = (key: 'p50Ms' | 'p95Ms') =>
    rows.map(([turn, m]) => [turn, m.kind === 'latency' ? m[key] : 0] as [number, number]);
  return rows.length
    ? [
        { name: `${family} p50`, points: p('p50Ms') },
        { name: `${family} p95`, points: p('p95Ms') },
      ]
    : [];
}

function overTime(summary: Summary, agg: RunAggregate): Series[] {
  const start = Date.parse(summary.run.startedAt);
  const ttfb: Array<[number, number]> = [];
  const turn: Array<[number, number]> = [];
  for (const r of agg.records) {
    for (const t of r.turns) {
      if (t.speechEndAtMs === undefined) continue;
      const x = (t.speechEndAtMs - start) / 1000;
      if (t.ttfbMs !== undefined) ttfb.push([x, t.ttfbMs]);
      if (t.turnMs !== undefined) turn.push([x, t.turnMs]);
    }
  }
  return [
    { name: 'ttfb', points: ttfb, mode: 'points' },
    { name: 'turn', points: turn, mode: 'points' },
  ];
}

function statsTable(summary: Summary): string {
  const rows = Object.entries(summary.metrics).map(([name, m]) => {
    if (m.kind === 'latency') {
      const c = m.count
        ? [m.meanMs, m.minMs, m.p50Ms, m.p95Ms, m.p99Ms, m.maxMs].map((v) => Math.round(v))
        : ['-', '-', '-', '-', '-', '-'];
      return [name, m.count + m.fails, ...c, m.fails];
    }
    if (m.kind === 'counter') return [name, m.count, '-', '-', '-', '-', '-', '-', m.count];
    return [name, m.count, `${m.pct}% (${m.successes}/${m.count})`, '', '', '', '', '', m.count - m.successes];
  });
  const head = ['Name', '# reqs', 'Avg', 'Min', 'p50', 'p95', 'p99', 'Max', 'Fails'];
  return table(
    head,
    rows.map((r) => r.map(String)),
  );
}

function table(head: string[], rows: string[][], cls = ''): string {
  return (
    `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}` +
    '</tbody></table>'
  );
}

/** The concurrency chart's points at most: a long run gets coarser steps, never an unbounded loop. */
const MAX_CONCURRENCY_POINTS = 2000;

/** Calls in progress over the run (1 s steps, coarser past MAX_CONCURRENCY_POINTS) against the plan's target. */
function concurrencySeries(summary: Summary, agg: RunAggregate): Series[] {
  const records = agg.records;
  if (!records.length) return [];
  // Sorted once and swept: a count per step without a pass over every call (and no spread of 100k arguments).
  const starts = records.map((r) => r.startedAtMs).sort((a, b) => a - b);
  const ends = records.map((r) => r.endedAtMs).sort((a, b) => a - b);
  const origin = summary.phases?.length ? Date.parse(summary.run.startedAt) : starts[0]!;
  const planStart = records.find((r) => r.phases?.length)?.phases?.[0]?.startAtMs ?? origin;
  const from = Math.min(origin, planStart);
  const end = ends[ends.length - 1]!;
  const stepMs = Math.max(1000, Math.ceil((end - from) / MAX_CONCURRENCY_POINTS / 1000) * 1000);
  const active: Array<[number, number]> = [];
  let started = 0;
  let ended = 0;
  for (let t = from; t <= end; t += stepMs) {
    while (started < starts.length && starts[started]! <= t) started++;
    while (ended < ends.length && ends[ended]! <= t) ended++;
    active.push([(t - planStart) / 1000, started - ended]);
  }
  const series: Series[] = [{ name: 'calls in progress', points: active }];
  if (summary.phases?.length) {
    const target: Array<[number, number]> = [];
    for (const p of summary.phases) {
      if (p.targetConcurrency === null) continue;
      target.push([p.startMs / 1000, p.targetConcurrency], [p.endMs / 1000, p.targetConcurrency]);
    }
    if (target.length) series.push({ name: 'target (phase mean)', points: target });
  }
  return series;
}

function phasesTable(summary: Summary): string {
  if (!summary.phases?.length) return '';
  const cell = (m: Summary['metrics'][string] | undefined, key: 'p50Ms' | 'p95Ms') =>
    m && m.kind === 'latency' && m.count ? String(m[key]) : '-';
  return `<h2>Per phase</h2>${table(
    [
      'Phase',
      'Start (s)',
      'End (s)',
      'Target',
      'Measured',
      'Calls',
      'ttfb p50',
      'ttfb p95',
      'turn p95',
      'barge p95',
      'Connection',
      'Turns',
    ],
    summary.phases.map((p) => {
      const ratio = (name: string) => {
        const m = p.metrics[name];
        return m && m.kind === 'ratio' ? `${m.pct}%` : '-';
      };
      return [
        p.name,
        String(Math.round(p.startMs / 1000)),
        String(Math.round(p.endMs / 1000)),
        p.targetConcurrency === null ? '-' : String(p.targetConcurrency),
        String(p.measuredConcurrency),
        String(p.calls),
        cell(p.metrics.ttfb, 'p50Ms'),
        cell(p.metrics.ttfb, 'p95Ms'),
        cell(p.metrics.turn, 'p95Ms'),
        cell(p.metrics.barge, 'p95Ms'),
        ratio('success/connection'),
        ratio('success/turn'),
      ];
    }),
  )}`;
}

function groupsTable(summary: Summary): string {
  if (!summary.groups) return '';
  const cell = (m: Summary['metrics'][string] | undefined, key: 'p50Ms' | 'p95Ms') =>
    m && m.kind === 'latency' && m.count ? String(m[key]) : '-';
  const ratio = (m: Summary['metrics'][string] | undefined) => (m && m.kind === 'ratio' ? `${m.pct}%` : '-');
  return `<h2>By group</h2>${table(
    ['Group', 'Calls', 'ttfb p50', 'ttfb p95', 'ttfa p95', 'turn p95', 'barge p95', 'Connection', 'Turns'],
    Object.entries(summary.groups).map(([g, m]) => {
      const conn = m['success/connection'];
      return [
        g,
        String(conn && conn.kind === 'ratio' ? conn.count : 0),
        cell(m.ttfb, 'p50Ms'),
        cell(m.ttfb, 'p95Ms'),
        cell(m.ttfa, 'p95Ms'),
        cell(m.turn, 'p95Ms'),
        cell(m.barge, 'p95Ms'),
        ratio(m['success/connection']),
        ratio(m['success/turn']),
      ];
    }),
  )}`;
}

function generatorBox(summary: Summary): string {
  const g = summary.generator;
  if (!g) return '';
  const saturated = g.saturated
    ? `<p class="alert">${summary.verdict === 'inconclusive' ? 'Inconclusive: the load' : 'Load'} generator was ` +
      `saturated: ${escapeHtml(g.reasons.join('; '))}. Latencies may be the generator's own. ` +
      `${escapeHtml(saturatedAdvice(g))}</p>`
    : '';
  const heavy = g.heavyClient
    ? `<p class="hint">The client is heavy: ${escapeHtml((g.heavyClientReasons ?? []).join('; '))}. ` +
      `${escapeHtml(HEAVY_CLIENT_ADVICE)}</p>`
    : '';
  return `<h2>Load generator</h2>${saturated}${heavy}<p>${escapeHtml(generatorLine(g))}</p>`;
}

/**
 * The self-contained report page: inline CSS and SVG only, no script. `baseline` is the stored summary the run was
 * compared with: its curves are drawn beside the run's.
 */
export function renderHtml(summary: Summary, agg: RunAggregate, evidence: EvidenceLink[], baseline?: Summary): string {
  const run = summary.run;
  const curves = percentileSeries(agg, baseline);
  const charts: string[] = [];
  if (curves.length) {
    charts.push(
      lineChart({
        title: 'Latency by percentile',
        xLabel: 'percentile',
        yLabel: 'ms',
        series: curves,
        xTicks: [0, 1, 2, 3, 4].map((v) => ({ value: v, label: ['0%', '90%', '99%', '99.9%', '99.99%'][v]! })),
        ...(curves.some((s) => s.dashed) ? { note: 'solid: this run · dashed: baseline' } : {}),
      }),
    );
  }
  const perTurn = [...perTurnSeries(summary, 'ttfb'), ...perTurnSeries(summary, 'turn')];
  if (perTurn.length)
    charts.push(lineChart({ title: 'p50 and p95 per turn', xLabel: 'turn', yLabel: 'ms', series: perTurn }));
  const concurrency = concurrencySeries(summary, agg);
  if (concurrency.length)
    charts.push(
      lineChart({
        title: 'Concurrency over the run',
        xLabel: summary.phases?.length ? 'seconds since the plan started' : 'seconds',
        yLabel: 'calls',
        series: concurrency,
      }),
    );
  const time = overTime(summary, agg);
  if (time.some((s) => s.points.length))
    charts.push(
      lineChart({ title: 'Latency over the run', xLabel: 'seconds since start', yLabel: 'ms', series: time }),
    );
  // Beside the latency over the run, on the same clock: a latency that rose with the CPU taken is the machine's.
  const cpu = generatorCpuSeries(agg.records, Date.parse(run.startedAt));
  if (cpu.length)
    charts.push(
      lineChart({
        title: "Load generator's CPU over the run",
        xLabel: 'seconds since start',
        yLabel: '%',
        series: cpu,
        note: 'waiting: work ready to run, no CPU free · steal: taken by the host',
      }),
    );

  const gates = table(
    ['Verdict', 'Gate', 'Value', 'Pass', 'Warn'],
    summary.gates.map((g) => [
      g.verdict.toUpperCase(),
      g.name,
      g.value === null ? 'no data' : String(g.value),
      g.pass,
      g.warn,
    ]),
    'gates',
  );
  const failed = agg.records.filter((r) => !r.ok && !r.interrupted).slice(0, 100);
  const viewers = new Map(evidence.filter((e) => e.viewer).map((e) => [e.callId, e.viewer!]));
  const callCell = (callId: string) => {
    const href = viewers.get(callId);
    return href ? `<a href="${escapeHtml(href)}">${escapeHtml(callId)}</a>` : escapeHtml(callId);
  };
  const failures = failed.length
    ? `<section id="failures"><h2>Failed calls</h2><p>A linked call opens its viewer.</p>` +
      `<table><thead><tr><th>Call</th><th>Scenario</th><th>Code</th><th>Message</th></tr></thead><tbody>${failed
        .map(
          (r) =>
            `<tr><td>${callCell(r.callId)}</td><td>${escapeHtml(r.scenario)}</td>` +
            `<td>${escapeHtml(r.failure?.code ?? '')}</td><td>${escapeHtml(r.failure?.message ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table></section>`
    : '';
  const evidenceHtml = evidence.length
    ? `<section id="evidence"><h2>Evidence</h2><ul>${evidence
        .map(
          (e) =>
            `<li><b>${callCell(e.callId)}</b> (${escapeHtml(e.why)}): ${[
              ...(e.viewer ? [`<a href="${escapeHtml(e.viewer)}">viewer</a>`] : []),
              ...e.files.map((f) => `<a href="${escapeHtml(f.href)}">${escapeHtml(f.label)}</a>`),
            ].join(', ')}</li>`,
        )
        .join('')}</ul></section>`
    : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voice load report ${escapeHtml(run.startedAt)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child,table.gates td:nth-child(2),table.gates th:nth-child(2){text-align:left}
th{background:#f4f4f4}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:bold}
.alert{border-left:4px solid #d62728;background:#fdecea;padding:6px 10px}
.pass{background:#2ca02c}.warn{background:#e6a100}.fail{background:#d62728}.inconclusive{background:#7f7f7f}
svg.chart{display:block;margin:12px 0;border:1px solid #eee}
svg .grid{stroke:#eee}svg .tick,svg .legend{font-size:11px;fill:#555}
svg .label{font-size:12px;fill:#333}svg .title{font-size:14px;font-weight:bold}
tr.regression td{background:#fdecea;color:#a00;font-weight:bold}tr.better td{background:#eaf6ea}
.hint{color:#444}pre{background:#f6f6f6;padding:8px 12px;display:inline-block}
td.bar-cell{text-align:left}svg.bar{display:block}
.legend{font-size:12px;color:#555}.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
</style></head><body>
<h1>Voice load report <span class="verdict ${summary.verdict}">${summary.verdict.toUpperCase()}</span></h1>
<p>Started ${escapeHtml(run.startedAt)} · ${(run.durationMs / 1000).toFixed(1)} s · target ${escapeHtml(run.target)}
 · ${run.workers} workers · ${run.shards} shard(s)
 · calls ${run.calls.total} (${run.calls.passed} passed, ${run.calls.failed} failed${
   run.calls.interrupted ? `, ${run.calls.interrupted} interrupted` : ''
 })${run.incomplete ? ' · <b>incomplete run</b>' : ''}</p>
${run.stopReason ? `<p class="alert">Stopped early: ${escapeHtml(run.stopReason)}</p>` : ''}
${
  run.interrupted
    ? `<p class="alert">Run ${escapeHtml(run.interrupted)}: ${run.calls.interrupted ?? 0} call(s) cut short, ` +
      'counted apart (not failed; their finished turns kept)</p>'
    : ''
}
${
  summary.verdictReason
    ? `<p class="alert">Verdict ${summary.verdict.toUpperCase()}: ${escapeHtml(summary.verdictReason)}</p>`
    : ''
}
${
  run.missedArrivals
    ? `<p class="alert">${run.missedArrivals} planned arrival(s) found no free worker and never started: ` +
      `the plan's load was not applied in full</p>`
    : ''
}
${
  run.missingShards
    ? `<p class="alert">Incomplete: no results from shard(s) ${run.missingShards.join(', ')} of ${run.shards}</p>`
    : ''
}
<h2>Gates</h2>${gates}${regressionSection(summary)}
${groupsTable(summary)}${phasesTable(summary)}${generatorBox(summary)}
<h2>Charts</h2>${charts.join('\n') || '<p>No latency samples.</p>'}
<h2>Statistics (ms)</h2>${statsTable(summary)}
${slowestTurnsSection(agg.records, evidence)}${breakdownSection(summary, agg.records)}
${failures}${evidenceHtml}
</body></html>
`;
}
