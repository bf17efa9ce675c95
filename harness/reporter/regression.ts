import { REGRESSION_FLAG_PCT } from './baseline';
import type { Summary } from './schema';
import { escapeHtml } from './svg';

/**
 * The comparison with a baseline, regressions marked; without a baseline, how to keep this run as one. The curves
 * of both runs are overlaid in the latency-by-percentile chart (curves.ts).
 */
export function regressionSection(summary: Summary): string {
  const b = summary.baseline;
  if (!b)
    return (
      '<h2 id="baseline">Baseline</h2><p class="hint">No baseline was compared. To compare later runs with this ' +
      'one, keep its summary and name it in <code>BASELINE</code>:</p>' +
      '<pre>cp reports/summary.json baseline.json\nBASELINE=baseline.json npx playwright test</pre>' +
      '<p class="hint">Each metric&#39;s p95 is then compared (+' +
      `${REGRESSION_FLAG_PCT}% or more is a regression), and the latency-by-percentile chart draws both runs.</p>`
    );
  const regressions = b.comparisons.filter((c) => c.regression);
  const rows = b.comparisons
    .map((c) => {
      const better = c.changePct <= -REGRESSION_FLAG_PCT;
      const cls = c.regression ? ' class="regression"' : better ? ' class="better"' : '';
      return (
        `<tr${cls}><td>${escapeHtml(c.metric)}</td><td>${c.baselineP95Ms}</td><td>${c.p95Ms}</td>` +
        `<td>${c.changePct > 0 ? '+' : ''}${c.changePct}%</td>` +
        `<td>${c.regression ? 'REGRESSION' : better ? 'better' : ''}</td></tr>`
      );
    })
    .join('');
  const headline = regressions.length
    ? `<p class="alert">${regressions.length} regression(s) of +${REGRESSION_FLAG_PCT}% or more in p95: ` +
      `${escapeHtml(regressions.map((c) => c.metric).join(', '))}</p>`
    : `<p>No metric's p95 is ${REGRESSION_FLAG_PCT}% or more above the baseline's.</p>`;
  return (
    `<h2 id="baseline">Compared with baseline</h2>` +
    `<p>${escapeHtml(b.file)} (${escapeHtml(b.startedAt)}); its curves are dashed in the latency-by-percentile ` +
    `chart.</p>${headline}` +
    `<table class="comparison"><thead><tr><th>Metric</th><th>Baseline p95</th><th>p95</th><th>Change</th><th></th>` +
    `</tr></thead><tbody>${rows}</tbody></table>`
  );
}
