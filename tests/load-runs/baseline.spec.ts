import path from 'node:path';
import { expect, test } from '@playwright/test';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { latency, runLoad } from '../helpers/run-load';

const quick = { CALLS: '2', SCENARIOS: 'quick_question', TURNS_PER_USER: '2', AGENT_ENDPOINT_SILENCE_MS: '500' };

test(
  'a run 2.5x slower than its baseline fails the relative gate, flags regressions, and exits non-zero; ' +
    'its HTML report renders its charts',
  async () => {
    const base = await runLoad({ ...quick, AGENT_REPLY_DELAY_MS: '300' }, ['--workers', '2']);
    expect(base.code, base.output.slice(-2000)).toBe(0);
    const baseP95 = latency(base.summary, 'ttfb').p95Ms;
    // ttfb = hang-over + delay + ~40 ms: pick the delay that makes it 2.5x the baseline's.
    const slowDelay = Math.round(2.5 * baseP95 - (baseP95 - 300));
    const slow = await runLoad(
      { ...quick, AGENT_REPLY_DELAY_MS: String(slowDelay), BASELINE: path.join(base.reportDir, 'summary.json') },
      ['--workers', '2'],
    );
    expect(slow.code).not.toBe(0);
    const rel = slow.summary.gates.find((g) => g.name === 'ttfb p95 vs baseline')!;
    expect(rel.value!).toBeGreaterThan(2);
    expect(rel.verdict).toBe('fail');
    expect(slow.summary.verdict).toBe('fail');
    expect(slow.summary.baseline!.comparisons.find((c) => c.metric === 'ttfb')!.regression).toBe(true);
    expect(slow.output).toMatch(/ttfb\s+\d+ -> +\d+ ms\s+\+\d+(\.\d)?%\s+REGRESSION/);

    // The report opens from disk, with no network, and draws its charts.
    const browser = await chromium.launch({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${path.join(slow.reportDir, 'index.html')}`);
      const charts = page.locator('svg.chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(3);
      for (let i = 0; i < 3; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box!.width * box!.height).toBeGreaterThan(10_000);
        expect(await charts.nth(i).locator('path.series, circle.point').count()).toBeGreaterThan(0);
      }
      const shot = await page.screenshot({ fullPage: true, path: path.join(slow.reportDir, 'report.png') });
      expect(shot.byteLength).toBeGreaterThan(20_000);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      await expect(page.locator('h1 .verdict')).toHaveText('FAIL');
    } finally {
      await browser.close();
    }
  },
);

test('the degraded agent profile flips the verdict to fail and the exit code to non-zero', async () => {
  const run = await runLoad({ CALLS: '4', SCENARIOS: 'quick_question', AGENT_PROFILE: 'degraded' }, ['--workers', '4']);
  expect(run.code, JSON.stringify(run.summary.gates)).not.toBe(0);
  expect(run.summary.verdict).toBe('fail');
  // Slow enough to fail on latency (or to time out turns): either way a gate says so.
  expect(run.summary.gates.filter((g) => g.verdict === 'fail').map((g) => g.name)).toEqual(
    expect.arrayContaining([expect.stringMatching(/TTFB p95|turn success/)]),
  );
  expect(run.output).toMatch(/Verdict: FAIL/);
});
