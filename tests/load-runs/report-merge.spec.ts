import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Summary } from '../../harness/reporter/schema';
import { cannedCalls } from '../helpers/canned';
import { ROOT } from '../helpers/run-load';
import { run } from '../helpers/spawn';

const CLI = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const CONFIG = path.join(ROOT, 'tests', 'reporter-fixture', 'playwright.config.ts');
const REPORTER = path.join(ROOT, 'harness', 'reporter', 'index.ts');

test('the same calls give the same metrics in one run and as three shards merged with merge-reports', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'merge-'));
  const records = path.join(dir, 'records.json');
  fs.writeFileSync(records, JSON.stringify(cannedCalls(60)));
  const env = { CANNED_RECORDS: records };

  const single = await run(process.execPath, [CLI, 'test', '-c', CONFIG], {
    cwd: ROOT,
    env: { ...env, REPORT_DIR: path.join(dir, 'single') },
  });
  // Each process at once gets its own --output: each empties its output folder as it starts.
  const shards = await Promise.all(
    [1, 2, 3].map((i) =>
      run(
        process.execPath,
        [CLI, 'test', '-c', CONFIG, '--shard', `${i}/3`, '--output', path.join(dir, `results-${i}`)],
        { cwd: ROOT, env: { ...env, PLAYWRIGHT_BLOB_OUTPUT_DIR: path.join(dir, `blob-${i}`) } },
      ),
    ),
  );
  for (const s of shards) expect(s.code, s.output).toBe(0);
  // CI gathers every shard's blob into one folder before merging.
  const all = path.join(dir, 'all-blobs');
  fs.mkdirSync(all);
  for (const i of [1, 2, 3])
    for (const f of fs.readdirSync(path.join(dir, `blob-${i}`)))
      fs.copyFileSync(path.join(dir, `blob-${i}`, f), path.join(all, f));
  const merged = await run(process.execPath, [CLI, 'merge-reports', '--reporter', REPORTER, all], {
    cwd: ROOT,
    env: { ...env, REPORT_DIR: path.join(dir, 'merged') },
  });

  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name, 'summary.json'), 'utf8')) as Summary;
  const a = read('single');
  const b = read('merged');
  expect(a.run.calls).toEqual({ total: 60, passed: 56, failed: 4 });
  expect(b.run.calls).toEqual(a.run.calls);
  // Exact: histograms are merged by addition, never by averaging percentiles.
  expect(b.metrics).toEqual(a.metrics);
  expect(b.gates).toEqual(a.gates);
  // These canned latencies fail the TTFB gate: both ways of running must exit non-zero.
  expect(a.verdict).toBe('fail');
  expect(single.code).not.toBe(0);
  expect(merged.code).not.toBe(0);
  expect(merged.output).toContain('Verdict: FAIL');
});
