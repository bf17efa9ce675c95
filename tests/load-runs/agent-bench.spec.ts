import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

/** The agent benchmark, run as a user runs it (small scale: the full run is for a quiet machine). */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function bench(args: string[]): Record<string, number | string> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/agent.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!) as Record<string, number | string>;
}

test('bench:agent streams 20 ms frames both ways and prints one JSON line with the agreed keys', () => {
  const r = bench(['--sessions', '10', '--seconds', '4']);
  expect(Object.keys(r).slice(0, 7)).toEqual([
    'sessions',
    'connected',
    'framesIn',
    'framesOut',
    'sendJitterP99Ms',
    'cpuCoresUsed',
    'rssMb',
  ]);
  expect(r.sessions).toBe(10);
  expect(r.connected).toBe(10);
  // 10 sessions x 50 frames/s x 4 s in; out, the agent talks most of the time (a reply per typed message).
  expect(Number(r.framesIn)).toBeGreaterThan(1800);
  expect(Number(r.framesIn)).toBeLessThan(2200);
  expect(Number(r.framesOut)).toBeGreaterThan(1200);
  // Ten sessions are nothing to the agent: its sends keep their 20 ms schedule, less than a frame late.
  expect(Number(r.sendJitterP99Ms)).toBeGreaterThan(0);
  expect(Number(r.sendJitterP99Ms)).toBeLessThan(20);
  expect(Number(r.cpuCoresUsed)).toBeGreaterThan(0);
  expect(Number(r.rssMb)).toBeGreaterThan(20);
});

test('bench:agent --churn: sessions come and go, none is left behind and the heap stays flat', () => {
  const r = bench([
    '--sessions',
    '12',
    '--seconds',
    '8',
    '--churn',
    '--hold-min-ms',
    '150',
    '--hold-max-ms',
    '800',
    '--truth-sessions',
    '20',
    '--sample-sec',
    '1',
  ]);
  expect(r.mode).toBe('churn');
  expect(Number(r.sessionsOpened)).toBeGreaterThan(60);
  expect(r.activeAfter).toBe(0);
  expect(Math.abs(Number(r.heapEndMb) - Number(r.heapStartMb))).toBeLessThan(4);
});
