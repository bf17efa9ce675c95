import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Summary } from '../../harness/reporter/schema';
import { latency, ROOT, runLoad } from '../helpers/run-load';
import { run, type Spawned } from '../helpers/spawn';

/**
 * The README's sharding commands, for real: three `playwright test --shard i/3`
 * processes at once (each with its own fixtures, browser and conductor, as on
 * three machines), their blob reports merged by `merge-reports` with the
 * harness reporter, compared with one unsharded run of the same plan.
 */

const CLI = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const REPORTER = './harness/reporter/index.ts';
const SHARDS = 3;
/**
 * Arrivals fall on a fixed schedule, so the plan's call count is exact: 0.25
 * calls/s for 24 s is 6 calls unsharded (every 4 s), and each shard's third of
 * the rate is 2 calls, 12 s apart, the shards interleaved (shard 1 at 0 and
 * 12 s, shard 2 at 4 and 16 s, shard 3 at 8 and 20 s): the same schedule.
 */
const PLAN = { phases: [{ name: 'steady', durationSec: 24, arrivalPerSec: 0.25 }], mix: { quick_question: 1 } };
const PLAN_CALLS = 6;
const TURNS = 1;
/** A fixed agent reply delay: what is left to vary between runs is the browser and the machine. */
const ENV = { PLAN: JSON.stringify(PLAN), TURNS_PER_USER: String(TURNS), AGENT_REPLY_DELAY_MS: '300' };
/**
 * Medians of two separate runs on this shared 2-core machine: each run's ttfb
 * median lands within 60 ms of the agent's fixed delay plus its hang-over
 * (tests/load-runs/load-run.spec.ts), so two runs differ by less than 120 ms when
 * neither is disturbed; turn and ttfa add the client's playback path, which the
 * sharded run (three browsers at once) loads a little more.
 */
const MEDIAN_TOLERANCE_MS = { ttfb: 120, ttfa: 150, turn: 150 };

type CallLine = {
  callId: string;
  scheduledStartMs?: number;
  phases?: Array<{ startAtMs: number }>;
  turns: Array<{ turn: number; ttfbMs?: number; ttfaMs?: number; turnMs?: number }>;
};

function readReport(dir: string): { summary: Summary; calls: CallLine[] } {
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
  const calls = fs
    .readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CallLine);
  return { summary, calls };
}

/**
 * CI gathers every shard's blob into one folder before merging; `except` leaves shards out, as a dead machine would.
 */
function gather(dir: string, name: string, except: number[] = []): string {
  const all = path.join(dir, name);
  fs.mkdirSync(all);
  for (let i = 1; i <= SHARDS; i++) {
    if (except.includes(i)) continue;
    for (const f of fs.readdirSync(path.join(dir, `blob-${i}`)))
      fs.copyFileSync(path.join(dir, `blob-${i}`, f), path.join(all, f));
  }
  return all;
}

function mergeReports(blobs: string, reportDir: string): Promise<Spawned> {
  return run(process.execPath, [CLI, 'merge-reports', '--reporter', REPORTER, blobs], {
    cwd: ROOT,
    env: { ...ENV, REPORT_DIR: reportDir },
    timeoutMs: 120_000,
  });
}

/** Nearest-rank percentile, the definition HdrHistogram uses (the value at rank ceil(p% of n)). */
function nearestRank(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[rank - 1]!;
}

/**
 * Raw per-turn samples of one metric (ttfb, ttfb/01, ...) from calls.jsonl, rounded to whole ms as they were recorded.
 */
function rawSamples(calls: CallLine[], metric: string): number[] {
  const [family, turn] = metric.split('/') as ['ttfb' | 'ttfa' | 'turn', string | undefined];
  const key = `${family}Ms` as 'ttfbMs' | 'ttfaMs' | 'turnMs';
  return calls
    .flatMap((c) =>
      c.turns
        .filter((t) => turn === undefined || t.turn === Number(turn))
        .flatMap((t) => (t[key] === undefined ? [] : [Math.round(t[key]!)])),
    )
    .sort((a, b) => a - b);
}

/**
 * A histogram figure equals the exact figure within HdrHistogram's precision:
 * 3 significant digits, i.e. at most a thousandth of the value (below 2048 ms
 * its buckets are 1 ms wide, so the figures are equal).
 */
function expectWithinHdrPrecision(hdr: number, exact: number, what: string): void {
  expect(Math.abs(hdr - exact), `${what}: histogram ${hdr}, exact ${exact}`).toBeLessThanOrEqual(
    exact < 2048 ? 0 : exact / 1000,
  );
}

test(
  "three shards run at once and merge to the plan's calls, agreeing with one unsharded run; a missing " +
    'shard is named and fails the merge',
  async () => {
    test.setTimeout(8 * 60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shards-'));
    // One start time for every shard, as the CI workflow computes it; far enough ahead for three processes to start on
    // two cores.
    const planStartMs = Math.ceil((Date.now() + 50_000) / 1000) * 1000;
    const planStartAt = new Date(planStartMs).toISOString();

    // Processes at once in one folder each get their own --output: each empties its output folder as it starts.
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, k) =>
        run(
          process.execPath,
          [
            CLI,
            'test',
            '--shard',
            `${k + 1}/${SHARDS}`,
            '--workers',
            '2',
            '--output',
            path.join(dir, `results-${k + 1}`),
          ],
          {
            cwd: ROOT,
            env: {
              ...ENV,
              PLAN_START_AT: planStartAt,
              PLAYWRIGHT_BLOB_OUTPUT_DIR: path.join(dir, `blob-${k + 1}`),
              REPORT_DIR: path.join(dir, `shard-${k + 1}`),
            },
            timeoutMs: 4 * 60_000,
          },
        ),
      ),
    );
    for (const [k, s] of shards.entries())
      expect(s.code, `shard ${k + 1}/${SHARDS}:\n${s.output.slice(-3000)}`).toBe(0);
    for (let i = 1; i <= SHARDS; i++)
      expect(fs.readdirSync(path.join(dir, `blob-${i}`)).filter((f) => f.endsWith('.zip'))).toHaveLength(1);

    const merged = await mergeReports(gather(dir, 'all-blobs'), path.join(dir, 'merged'));
    expect(merged.code, merged.output.slice(-3000)).toBe(0);
    const { summary, calls } = readReport(path.join(dir, 'merged'));

    // The whole plan, every shard in it, all started on the one clock.
    expect(summary.run.calls).toEqual({ total: PLAN_CALLS, passed: PLAN_CALLS, failed: 0 });
    expect(summary.run.shards).toBe(SHARDS);
    expect(summary.run.missingShards).toBeUndefined();
    expect(summary.run.incomplete).toBe(false);
    expect(summary.verdict).toBe('pass');
    expect(new Set(calls.map((c) => /^call-s(\d)-/.exec(c.callId)?.[1]))).toEqual(new Set(['1', '2', '3']));
    expect(calls.map((c) => c.phases![0]!.startAtMs)).toEqual(calls.map(() => planStartMs));
    expect(calls.map((c) => Math.round(c.scheduledStartMs! - planStartMs)).sort((a, b) => a - b)).toEqual([
      0, 4000, 8000, 12_000, 16_000, 20_000,
    ]);
    expect(summary.phases?.map((p) => [p.name, p.calls])).toEqual([['steady', PLAN_CALLS]]);

    // Exact merging: the merged histograms' figures are those of the raw samples themselves.
    const turnMetrics = Object.keys(summary.metrics).filter((m) => /^(ttfb|ttfa|turn)(\/\d+)?$/.test(m));
    expect(turnMetrics.length).toBe(3 * (TURNS + 1));
    for (const name of turnMetrics) {
      const m = latency(summary, name);
      const raw = rawSamples(calls, name);
      expect(m.count, name).toBe(raw.length);
      expect(m.count, name).toBe(name.includes('/') ? PLAN_CALLS : PLAN_CALLS * TURNS);
      for (const [key, p] of [
        ['p50Ms', 50],
        ['p90Ms', 90],
        ['p95Ms', 95],
        ['p99Ms', 99],
      ] as const)
        expectWithinHdrPrecision(m[key], nearestRank(raw, p), `${name} ${key}`);
      expectWithinHdrPrecision(m.minMs, raw[0]!, `${name} min`);
      expectWithinHdrPrecision(m.maxMs, raw[raw.length - 1]!, `${name} max`);
      const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
      expect(Math.abs(m.meanMs - mean), `${name} mean`).toBeLessThanOrEqual(0.05 + mean / 1000);
    }

    // One unsharded run of the same plan: the same counts exactly, medians within noise.
    // A one-turn call lasts about 13 s here: at one arrival every 4 s, four are under way at once; a fifth worker is
    // margin.
    const single = await runLoad(ENV, ['--workers', '5']);
    expect(single.code, single.output.slice(-3000)).toBe(0);
    expect(single.summary.run.calls).toEqual(summary.run.calls);
    // What the plan decides: one sample per call or turn, and the success ratios. Playback gaps and late starts are
    // left
    // out: they are how loaded the machine was at a given moment, which no two runs share.
    const PLANNED = /^(call\/(setup|greeting|late)|ws\/connect|ttfb|ttfa|turn)(\/\d+)?$|^success\//;
    const counts = (s: Summary) =>
      Object.fromEntries(
        Object.entries(s.metrics)
          .filter(([n]) => PLANNED.test(n))
          .map(([n, m]) => [
            n,
            m.kind === 'latency' ? [m.count, m.fails] : m.kind === 'ratio' ? [m.count, m.successes] : m.count,
          ]),
      );
    expect(counts(summary)).toEqual(counts(single.summary));
    const medians: Record<string, [number, number]> = {};
    for (const family of ['ttfb', 'ttfa', 'turn'] as const) {
      const a = latency(single.summary, family);
      const b = latency(summary, family);
      medians[family] = [a.p50Ms, b.p50Ms];
      expect(
        Math.abs(a.p50Ms - b.p50Ms),
        `${family} p50: unsharded ${a.p50Ms} ms, sharded ${b.p50Ms} ms`,
      ).toBeLessThanOrEqual(MEDIAN_TOLERANCE_MS[family]);
    }
    test.info().annotations.push({ type: 'medians (unsharded, sharded) ms', description: JSON.stringify(medians) });

    // A shard whose blob never arrived (its machine died): the report says which, and the merge fails.
    const partial = await mergeReports(gather(dir, 'partial-blobs', [2]), path.join(dir, 'partial'));
    expect(partial.code).not.toBe(0);
    const incomplete = readReport(path.join(dir, 'partial')).summary;
    expect(incomplete.run.missingShards).toEqual([2]);
    expect(incomplete.run.shards).toBe(SHARDS);
    expect(incomplete.run.incomplete).toBe(true);
    expect(incomplete.run.calls.total).toBe(PLAN_CALLS - 2);
    expect(incomplete.verdict).toBe('fail');
    expect(partial.output).toContain('no results from shard(s) 2 of 3');
    for (const d of [dir, single.reportDir]) fs.rmSync(d, { recursive: true, force: true });
  },
);

test('one shard (--shard 1/1, a CI matrix of one) writes its blob report, and merging it gives its calls', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-shard-'));
  const env = { CALLS: '1', TURNS_PER_USER: '1', AGENT_REPLY_DELAY_MS: '300' };
  const shard = await run(process.execPath, [CLI, 'test', '--shard', '1/1', '--output', path.join(dir, 'results')], {
    cwd: ROOT,
    env: { ...env, PLAYWRIGHT_BLOB_OUTPUT_DIR: path.join(dir, 'blob'), REPORT_DIR: path.join(dir, 'shard') },
    timeoutMs: 3 * 60_000,
  });
  expect(shard.code, shard.output.slice(-3000)).toBe(0);
  expect(fs.readdirSync(path.join(dir, 'blob')).filter((f) => f.endsWith('.zip'))).toHaveLength(1);
  const merged = await run(process.execPath, [CLI, 'merge-reports', '--reporter', REPORTER, path.join(dir, 'blob')], {
    cwd: ROOT,
    env: { ...env, REPORT_DIR: path.join(dir, 'merged') },
    timeoutMs: 120_000,
  });
  expect(merged.code, merged.output.slice(-3000)).toBe(0);
  const { summary, calls } = readReport(path.join(dir, 'merged'));
  expect(summary.run.calls).toEqual({ total: 1, passed: 1, failed: 0 });
  expect(summary.run.shards).toBe(1);
  expect(summary.run.missingShards).toBeUndefined();
  expect(summary.verdict).toBe('pass');
  expect(calls.map((c) => c.turns.length)).toEqual([1]);
  fs.rmSync(dir, { recursive: true, force: true });
});
