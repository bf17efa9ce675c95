import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { CallRecord } from '../../harness/metrics/record';
import { startupGuardOf } from '../../harness/reporter/generator';
import type { Summary } from '../../harness/reporter/schema';
import { formatGates, formatRateLimits, formatStatsTable } from '../../harness/reporter/table';

const example = JSON.parse(
  fs.readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'example-summary.json'),
    'utf8',
  ),
) as Summary;

test("the stats table has Locust's columns and one row per latency or counter metric", () => {
  const lines = formatStatsTable(example).split('\n');
  expect(
    lines[0]!
      .trim()
      .split(/\s{2,}|\s(?=#)/)
      .filter(Boolean),
  ).toEqual(['Name', '# reqs', 'Avg', 'Min', 'p50', 'p95', 'p99', 'Max', 'Fails']);
  const rows = new Map(
    lines.slice(2, -1).map((l) => {
      const cells = l.trim().split(/\s+/);
      return [cells[0]!, cells.slice(1)];
    }),
  );
  // # reqs = samples + fails (attempts, as Locust counts them).
  expect(rows.get('ttfb/02')).toEqual(['15', '1156', '450', '1100', '2700', '2790', '2800', '1']);
  expect(rows.get('rate/openai')).toEqual(['5', '-', '-', '-', '-', '-', '-', '5']);
  expect(rows.has('success/connection')).toBe(false);
});

test('rate limits are summarized by source and gates show their verdicts', () => {
  expect(formatRateLimits(example)).toContain('openai              :     5 occurrences');
  const gates = formatGates(example);
  expect(gates).toContain('WARN');
  expect(gates).toMatch(/Verdict: WARN/);
});

test('the start-up guard: the calls it held, the longest hold and those it let go at it, under the gates', () => {
  const records = [
    { startupGuard: { heldMs: 1234.5, forced: false } },
    { startupGuard: { heldMs: 10_000, forced: true } },
    {},
  ] as CallRecord[];
  const guard = startupGuardOf(records);
  expect(guard).toEqual({ startupGuard: { held: 2, longestHeldMs: 10_000, forced: 1 } });
  expect(startupGuardOf([{}] as CallRecord[])).toEqual({});
  expect(formatGates({ ...example, run: { ...example.run, ...guard } })).toContain(
    "Start-up guard: 2 call(s) held back from other calls' speech ends (longest 10.0 s), 1 started at its longest hold",
  );
  expect(formatGates(example)).not.toContain('Start-up guard');
});
