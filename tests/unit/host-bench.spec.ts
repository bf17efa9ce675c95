import os from 'node:os';
import { expect, test } from '@playwright/test';
import { runBench } from '../helpers/bench';

/** bench:host, run as a user runs it: a short window of its waking load and the host's share read from it. */

const hostBench = (args: string[]) => runBench('host', args, 60_000);

test('bench:host loads the machine as it says, reads the host share each second and judges it as a run does', () => {
  const run = hostBench(['--seconds', '3']);
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  expect(Object.keys(r)).toEqual([
    'seconds',
    'threads',
    'cpuBusyPctP95',
    'cpuStealPctP95',
    'cpuStealPct',
    'limitPct',
    'hostTookCpu',
  ]);
  expect(r.seconds).toBe(3);
  expect(r.threads).toBe(2 * os.availableParallelism());
  // Two threads per core at a tenth of each millisecond: the machine was loaded, not idle.
  expect(r.cpuBusyPctP95).toBeGreaterThanOrEqual(10);
  expect(r.limitPct).toBe(10);
  if (r.cpuStealPctP95 === null) {
    // A kernel that does not tell: nothing judged, and the run says so.
    expect(r.hostTookCpu).toBeNull();
    expect(run.status).toBe(0);
    return;
  }
  // One share a second (a timer late on a loaded machine may miss the last).
  expect(r.cpuStealPct.length).toBeGreaterThanOrEqual(2);
  expect(r.cpuStealPct.length).toBeLessThanOrEqual(3);
  for (const v of r.cpuStealPct) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(100);
  }
  expect(r.cpuStealPctP95).toBe(Math.max(...r.cpuStealPct));
  expect(r.hostTookCpu).toBe(r.cpuStealPctP95 > 10);
  expect(run.status, run.stderr).toBe(r.hostTookCpu ? 3 : 0);
  expect(run.stderr).toContain(r.hostTookCpu ? 'would be judged INCONCLUSIVE' : 'quiet enough');
});

test('bench:host refuses a window it cannot judge, naming the option', () => {
  const run = hostBench(['--seconds', '1']);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('--seconds must be a whole number of seconds, 2-120, got 1');
  expect(run.stdout).toBe('');
});

test('bench:host --wait-minutes reads again while the host takes CPU, until a quiet reading or the wait ends', () => {
  // Readings start every 3 s within 6 s: at most two, the second only after a stolen first.
  const run = hostBench(['--seconds', '2', '--every-seconds', '3', '--wait-minutes', '0.1']);
  const readings = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(readings.length).toBeGreaterThanOrEqual(1);
  expect(readings.length).toBeLessThanOrEqual(2);
  const last = readings.at(-1)!;
  if (last.hostTookCpu === null) {
    expect(readings).toHaveLength(1);
    expect(run.status).toBe(0);
    return;
  }
  // Every reading but the last found the host taking CPU: a quiet one ends the wait.
  for (const r of readings.slice(0, -1)) expect(r.hostTookCpu).toBe(true);
  if (readings.length === 2) expect(run.stderr).toMatch(/the host took \d+% \(steal, p95\); reading again in [0-9]+ s/);
  expect(run.status, run.stderr).toBe(last.hostTookCpu ? 3 : 0);
  expect(run.stderr).toContain(last.hostTookCpu ? 'would be judged INCONCLUSIVE' : 'quiet enough');
});

test('bench:host refuses readings closer together than a reading lasts, naming the options', () => {
  const run = hostBench(['--seconds', '4', '--every-seconds', '3']);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('--every-seconds must be from --seconds (4) to 3600, got 3');
  expect(run.stdout).toBe('');
});
