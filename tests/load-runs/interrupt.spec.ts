import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { CallRecord } from '../../harness/metrics/record';
import type { Summary } from '../../harness/reporter/schema';
import { ROOT } from '../helpers/run-load';

const PLAYWRIGHT_CLI = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
/** Calls in progress show in the live line (every 5 s) within this long of the start, setup and audio included. */
const CALLS_ACTIVE_WITHIN_MS = 150_000;
/** Then this long for turns to end before the cut (a five-turn call lasts well over a minute). */
const TURNS_MS = 15_000;
/** From the signal to the exit: the runner stops its workers, writes the report and stops the fixtures. */
const EXIT_WITHIN_MS = 90_000;

/**
 * Ctrl-C in a terminal signals the whole process group: the runner, its workers and the fixture process (agent,
 * conductor, shared browsers) at once. The run is spawned as a group of its own and signalled the same way.
 */
test('Ctrl-C mid-run: calls in progress are interrupted, not failed; the run fails as incomplete', async () => {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-interrupt-'));
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', '--workers', '2'], {
    cwd: ROOT,
    // Five-turn calls: long enough to be cut in the middle.
    env: { ...process.env, REPORT_DIR: reportDir, CALLS: '4', SCENARIOS: 'insurance_inquiry' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  let output = '';
  let signalled = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const seen = (re: RegExp) => re.test(output);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  try {
    const activeBy = Date.now() + CALLS_ACTIVE_WITHIN_MS;
    while (!seen(/\[live\].* active [1-9]/) && child.exitCode === null && Date.now() < activeBy)
      await new Promise((r) => setTimeout(r, 250));
    expect(seen(/\[live\].* active [1-9]/), `no call in progress within the bound:\n${output.slice(-3000)}`).toBe(true);
    await new Promise((r) => setTimeout(r, TURNS_MS));
    expect(child.exitCode, `the run ended before the signal:\n${output.slice(-3000)}`).toBeNull();
    process.kill(-pid, 'SIGINT');
    signalled = true;
    const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), EXIT_WITHIN_MS))]);
    expect(code, `the run did not exit within ${EXIT_WITHIN_MS} ms of the signal`).not.toBe('late');
    expect(code, 'an interrupted run exits non-zero').not.toBe(0);
  } finally {
    // Bounded whatever happened above: nothing of the run outlives the test.
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, signalled ? 'SIGKILL' : 'SIGINT');
      } catch {
        // Already gone.
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
    }
  }

  const summaryFile = path.join(reportDir, 'summary.json');
  expect(fs.existsSync(summaryFile), `no summary.json after the interrupt:\n${output.slice(-3000)}`).toBe(true);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
  const calls = fs
    .readFileSync(path.join(reportDir, 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Omit<CallRecord, 'histograms'>);
  const { run } = summary;
  const context = `${JSON.stringify(run)}\n${output.slice(-3000)}`;

  expect(run.incomplete, context).toBe(true);
  const cut = calls.filter((c) => c.interrupted);
  expect(run.calls.interrupted ?? 0, context).toBeGreaterThanOrEqual(1);
  expect(run.calls.interrupted, context).toBe(cut.length);
  expect(run.calls.total, context).toBe(calls.length);
  expect(run.calls.failed, context).toBe(calls.filter((c) => !c.ok && !c.interrupted).length);
  for (const c of cut) {
    // The cut is no failure of the call: no failure code, no call/error or other failure counter from it.
    expect(c.ok, c.callId).toBe(false);
    expect(c.failure, c.callId).toBeUndefined();
    expect(c.counters['call/error'] ?? 0, c.callId).toBe(0);
    expect(
      Object.values(c.fails).reduce((a, b) => a + b, 0),
      `${c.callId} fails`,
    ).toBe(0);
    // At most the turn in progress is marked; the turns that ended before the cut are kept as they were.
    expect(c.turns.filter((t) => t.interrupted).length, c.callId).toBeLessThanOrEqual(1);
    for (const t of c.turns.filter((t) => t.interrupted)) expect(t.error, `${c.callId} turn ${t.turn}`).toBeUndefined();
  }
  // No call failed on its own here: no call/error in the whole run (before, each cut call counted one).
  expect(summary.metrics['call/error'], context).toBeUndefined();

  // Success ratios leave the cut calls and their turn in progress out.
  const uncut = calls.filter((c) => !c.interrupted);
  const connection = summary.metrics['success/connection'];
  expect(connection?.kind === 'ratio' && connection.count, context).toBe(uncut.length);
  const connectionGate = summary.gates.find((g) => g.name === 'connection success')!;
  expect(connectionGate.verdict, context).not.toBe('fail');
  const turnOk = summary.metrics['success/turn'];
  const settledTurns = calls.flatMap((c) => c.turns).filter((t) => t.kind !== 'false-alarm' && !t.interrupted);
  expect(turnOk?.kind === 'ratio' && turnOk.count, context).toBe(settledTurns.length);
  // Latencies measured before the cut still count: every first-byte time in the records is a sample.
  const ttfbSamples = calls.flatMap((c) => c.turns).filter((t) => t.ttfbMs !== undefined).length;
  const ttfb = summary.metrics.ttfb;
  expect(ttfb?.kind === 'latency' ? ttfb.count : 0, context).toBe(ttfbSamples);

  // An incomplete run is never a pass, and says why.
  expect(summary.verdict, context).toBe('fail');
  expect(summary.verdictReason ?? '', context).toMatch(/interrupted/);
  expect(output).toMatch(/Run interrupted \(incomplete\): \d+ call\(s\) cut short/);
  expect(output).toMatch(/\d+ interrupted\.\s+Verdict: FAIL \(run interrupted/);
  const html = fs.readFileSync(path.join(reportDir, 'index.html'), 'utf8');
  expect(html).toMatch(/Run interrupted: \d+ call\(s\) cut short/);
  fs.rmSync(reportDir, { recursive: true, force: true });
});
