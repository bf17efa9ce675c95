import { expect, test } from '@playwright/test';
import { runBench } from '../helpers/bench';

/** bench:startups, run as a user runs it: a short round of each variant, side by side. */

const startupsBench = (args: string[]) => runBench('startups', args);

test('bench:startups runs each variant in turn and reads how late the pages in progress were carried', () => {
  const run = startupsBench(['--rounds', '1', '--seconds', '3', '--pages', '2']);
  expect(run.status, run.stderr).toBe(0);
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toHaveLength(3);
  const [chromium, unraised, summary] = lines;
  expect([chromium.variant, unraised.variant]).toEqual(['chromium', 'unraised']);
  for (const b of [chromium, unraised]) {
    expect(b.round).toBe(1);
    // Another page started at least once in the window, while both pages sent every 20 ms (150 in 3 s each).
    expect(b.startups).toBeGreaterThanOrEqual(1);
    expect(b.messages).toBeGreaterThanOrEqual(150);
    expect(b.carriedLateP99Ms).toBeGreaterThanOrEqual(0);
    expect(b.carriedLateMaxMs).toBeGreaterThanOrEqual(b.carriedLateP99Ms);
    expect(b.carriedOver10Ms).toBeLessThanOrEqual(b.messages);
    expect(b.cpuStealPctP95).toBeGreaterThanOrEqual(0);
  }
  expect(summary).toMatchObject({ rounds: 1, seconds: 3, pages: 2 });
  // One round: each variant's median is its block's figure.
  expect(summary.chromium).toEqual({
    carriedLateP99Ms: chromium.carriedLateP99Ms,
    carriedOver10Ms: chromium.carriedOver10Ms,
  });
  expect(summary.unraised).toEqual({
    carriedLateP99Ms: unraised.carriedLateP99Ms,
    carriedOver10Ms: unraised.carriedOver10Ms,
  });
  if (chromium.carriedLateP99Ms > 0)
    expect(summary.p99Ratio).toBeCloseTo(unraised.carriedLateP99Ms / chromium.carriedLateP99Ms, 1);
  expect(summary.roundsUnraisedFewerLate).toBe(unraised.carriedOver10Ms < chromium.carriedOver10Ms ? 1 : 0);
});

test('bench:startups refuses a bad option, naming it', () => {
  const run = startupsBench(['--pages', '0']);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('--pages must be a whole number 1-16, got 0');
  expect(run.stdout).toBe('');
});
