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
