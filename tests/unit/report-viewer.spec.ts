import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, expect, type Page, test } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { RunAggregate } from '../../harness/reporter/aggregate';
import { collectEvidence, type EvidenceCandidate } from '../../harness/reporter/evidence';
import { buildFigures } from '../../harness/reporter/figures';
import { DEFAULT_GATES } from '../../harness/reporter/gates';
import { renderHtml } from '../../harness/reporter/html';
import type { Summary } from '../../harness/reporter/schema';
import { judgeSummary } from '../../harness/reporter/verdict';
import { cannedCalls } from '../helpers/canned';
import { KNOWN_DURATION_MS, KNOWN_MARKS, knownCallRecord, writeKnownCall } from '../helpers/evidence-call';

let browser: Browser;
test.beforeAll(async () => {
  const resolved = resolveChromium();
  browser = await chromium.launch({ executablePath: resolved.executablePath, args: CHROMIUM_ARGS });
});
test.afterAll(async () => browser?.close());

const RUN = { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000, target: 't', workers: 2, shards: 1 };

/** A report folder as the reporter writes it: canned calls, plus the known call kept as evidence (ok and failed). */
function writeReport(dir: string, opts: { baseline?: Summary; calls?: number } = {}): { summary: Summary } {
  const candidates: EvidenceCandidate[] = [
    writeKnownCall(path.join(dir, 'capture', 'ok')),
    writeKnownCall(path.join(dir, 'capture', 'failed'), knownCallRecord('known-failed', true)),
  ];
  const agg = new RunAggregate();
  for (const r of cannedCalls(opts.calls ?? 120)) agg.add(r);
  for (const c of candidates) agg.add(c.record);
  const baseline = opts.baseline ? { summary: opts.baseline, file: 'baseline.json' } : undefined;
  const summary = judgeSummary(buildFigures(agg, { ...RUN, incomplete: false }), DEFAULT_GATES, baseline);
  const links = collectEvidence(candidates, dir);
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
  fs.writeFileSync(path.join(dir, 'index.html'), renderHtml(summary, agg, links, opts.baseline));
  fs.rmSync(path.join(dir, 'capture'), { recursive: true, force: true });
  return { summary };
}

/** An offline page that fails the test on any request that is not a file of the report. */
async function offlinePage(): Promise<{ page: Page; remote: string[] }> {
  const context = await browser.newContext({ offline: true });
  const page = await context.newPage();
  const remote: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) remote.push(r.url());
  });
  return { page, remote };
}

/** Where the axis puts `ms`, read from its own 0 s tick and its last tick: the page's scale, not the code's. */
async function expectedX(page: Page, ms: number): Promise<number> {
  const ticks = await page
    .locator('svg#axis line.tick-line')
    .evaluateAll((lines) =>
      lines.map((l) => ({ ms: Number(l.getAttribute('data-ms')), x: l.getBoundingClientRect().x })),
    );
  const first = ticks[0]!;
  const last = ticks[ticks.length - 1]!;
  return first.x + ((last.x - first.x) * (ms - first.ms)) / (last.ms - first.ms);
}

async function markerX(page: Page, kind: string, turn?: number): Promise<number> {
  const sel = `svg#axis .marker[data-kind="${kind}"]${turn === undefined ? '' : `[data-turn="${turn}"]`}`;
  // Lines have no width and a gap's box starts at its moment; an error's triangle is centred on it.
  const centred = kind === 'error' || kind === 'console';
  const boxes = await page
    .locator(sel)
    .evaluateAll(
      (els, c) => els.map((e) => e.getBoundingClientRect().x + (c ? e.getBoundingClientRect().width / 2 : 0)),
      centred,
    );
  expect(boxes.length, sel).toBe(1);
  return boxes[0]!;
}

test('the call viewer draws both waveforms and marks each moment within a pixel of its time', async ({}, testInfo) => {
  const dir = testInfo.outputPath('report');
  writeReport(dir);
  const { page, remote } = await offlinePage();
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  // The evidence list links the viewer; it opens from disk.
  await page.locator('#evidence a', { hasText: 'viewer' }).first().click();
  await expect(page).toHaveURL(/evidence\/known-failed\/viewer\.html$/);
  await page.goto(`file://${path.join(dir, 'evidence', 'known-call', 'viewer.html')}`);
  await expect(page.locator('svg#axis')).toBeVisible();

  const m = KNOWN_MARKS;
  const expected: Array<[string, number | undefined, number]> = [
    ['speech-start', 1, m.t1.speechStart],
    ['speech-end', 1, m.t1.speechEnd],
    ['first-byte', 1, m.t1.firstByte],
    ['first-audible', 1, m.t1.firstAudible],
    ['response-end', 1, m.t1.end],
    ['speech-end', 2, m.t2.speechEnd],
    ['first-byte', 2, m.t2.firstByte],
    ['first-audible', 2, m.t2.firstAudible],
    ['response-end', 2, m.t2.end],
    ['barge-onset', 3, m.barge.onset],
    ['stop', 3, m.barge.stop],
    ['first-audible', 3, m.t3.firstAudible],
    ['gap', 3, m.gap.at],
    ['console', undefined, m.console],
    ['error', undefined, m.serverError],
  ];
  for (const [kind, turn, ms] of expected) {
    const x = await markerX(page, kind, turn);
    expect(Math.abs(x - (await expectedX(page, ms))), `${kind} ${turn ?? ''} at ${ms} ms`).toBeLessThanOrEqual(1);
  }
  await expect(page.locator('.diagnostics')).toContainText('AudioWorklet underrun');

  // Both waveforms: sound starts where the known audio starts (caller at turn 1's speech, agent at its audible).
  for (const [cls, ms] of [
    ['wave-caller', m.t1.speechStart],
    ['wave-agent', m.t1.firstAudible],
  ] as const) {
    const firstLoudX = await page.locator(`svg#axis path.${cls}`).evaluate((p) => {
      const svg = (p as unknown as SVGPathElement).ownerSVGElement!;
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      // One stroke per column: `M x y v len` first, then `m dx dy v len` relative to the previous stroke's end.
      let x = 0;
      let y = 0;
      for (const [, cmd, a, b, len] of (p.getAttribute('d') ?? '').matchAll(/([Mm])([-\d.]+) ([-\d.]+)v([-\d.]+)/g)) {
        x = cmd === 'M' ? Number(a) : x + Number(a);
        y = (cmd === 'M' ? Number(b) : y + Number(b)) + Number(len);
        if (Number(len) > 10) return svg.getBoundingClientRect().x + x * scale;
      }
      return Number.NaN;
    });
    expect(Math.abs(firstLoudX - (await expectedX(page, ms))), cls).toBeLessThanOrEqual(1);
  }

  // The breakdown of a turn adds up to its measured ttfa.
  const record = knownCallRecord();
  for (const t of record.turns) {
    const spans = await page
      .locator(`#turn-${t.turn} svg.bar rect.span`)
      .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-ms'))));
    expect(
      spans.reduce((a, b) => a + b, 0),
      `turn ${t.turn}`,
    ).toBeCloseTo(t.ttfaMs!, 5);
  }
  // Turn 1's agent-reported stages are shown, the rest of its first byte as unknown, never split further.
  const t1 = await page
    .locator('#turn-1 svg.bar rect.span')
    .evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-span'), Number(r.getAttribute('data-ms'))]));
  expect(t1).toEqual([
    ['unknown', 150],
    ['sttMs', 150],
    ['llmFirstTokenMs', 300],
    ['ttsFirstAudioMs', 100],
    ['client', 150],
  ]);
  await page.screenshot({ path: testInfo.outputPath('viewer.png'), fullPage: true });
  expect(remote).toEqual([]);
});

test('the viewer plays the call: its audio reports the call length and advances when played', async ({}, testInfo) => {
  const dir = testInfo.outputPath('report');
  writeReport(dir, { calls: 20 });
  const { page, remote } = await offlinePage();
  await page.goto(`file://${path.join(dir, 'evidence', 'known-call', 'viewer.html')}`);
  const audio = page.locator('audio#audio');
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration)).toBeCloseTo(KNOWN_DURATION_MS / 1000, 3);
  // A turn's play button seeks to just before its speech end and plays.
  await page.locator('#turn-2 button.play').click();
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(4.8);
  await expect(page.locator('#cursor')).toHaveAttribute('visibility', 'visible');
  await audio.evaluate((a: HTMLAudioElement) => a.pause());
  expect(remote).toEqual([]);
});

test('the report: ttfa broken down, slow turns and failures linked, how to keep a baseline', async ({}, testInfo) => {
  const dir = testInfo.outputPath('report');
  writeReport(dir);
  const { page, remote } = await offlinePage();
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  // Each percentile's bar adds up to the mean ttfa it shows.
  const bars = await page.locator('table.breakdown svg.bar').evaluateAll((svgs) =>
    svgs.map((s) => ({
      total: Number(s.getAttribute('data-total-ms')),
      sum: [...s.querySelectorAll('rect.span')].reduce((n, r) => n + Number(r.getAttribute('data-ms')), 0),
    })),
  );
  expect(bars.length).toBe(4);
  for (const b of bars) expect(Math.abs(b.sum - b.total)).toBeLessThan(0.5);
  await expect(page.locator('#failures a', { hasText: 'known-failed' })).toHaveAttribute(
    'href',
    'evidence/known-failed/viewer.html',
  );
  await expect(page.locator('table.slowest tbody tr')).toHaveCount(10);
  await expect(page.locator('#baseline + p')).toContainText('No baseline');
  await expect(page.locator('body')).toContainText('cp reports/summary.json baseline.json');
  await page.screenshot({ path: testInfo.outputPath('report.png'), fullPage: true });
  expect(remote).toEqual([]);
});

test('with a baseline the percentile chart overlays both runs and regressions are marked', async ({}, testInfo) => {
  // An earlier run twice as fast: this one regressed against it.
  const fastAgg = new RunAggregate();
  for (const r of cannedCalls(300, 9)) fastAgg.add(r);
  const baseline = judgeSummary(buildFigures(fastAgg, { ...RUN, incomplete: false }), DEFAULT_GATES);
  for (const m of Object.values(baseline.metrics))
    if (m.kind === 'latency') for (const k of ['minMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms'] as const) m[k] /= 2;
  for (const v of Object.values(baseline.percentileCurves!.metrics))
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / 2;

  for (const [name, stored] of [
    ['curves', baseline],
    ['percentiles only', { ...baseline, percentileCurves: undefined }],
  ] as const) {
    const dir = testInfo.outputPath(name.replace(' ', '-'));
    writeReport(dir, { baseline: stored as Summary });
    const { page, remote } = await offlinePage();
    await page.goto(`file://${path.join(dir, 'index.html')}`);
    const chart = page.locator('svg.chart[aria-label="Latency by percentile"]');
    await expect(chart.locator('path.series:not(.baseline)')).toHaveCount(3);
    await expect(chart.locator('path.series.baseline')).toHaveCount(3);
    const points = await chart.locator('circle.baseline').count();
    expect(points, name).toBe(name === 'curves' ? 3 * baseline.percentileCurves!.percentiles.length : 3 * 5);
    await expect(chart).toContainText('dashed: baseline');
    await expect(page.locator('table.comparison tr.regression').first()).toContainText('REGRESSION');
    await expect(page.locator('#baseline ~ p.alert').first()).toContainText('regression(s)');
    await page.screenshot({ path: testInfo.outputPath(`baseline-${name.replace(' ', '-')}.png`), fullPage: true });
    expect(remote).toEqual([]);
  }
});
