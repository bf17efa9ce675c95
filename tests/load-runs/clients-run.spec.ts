import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { readTruth, replySentBefore } from '../helpers/ground-truth';
import { latency, runLoad } from '../helpers/run-load';

/** Real runs: the reference client in each transport and in its legacy build; protocol-level and hybrid load. */

for (const [profile, scenario] of [
  ['reference-acs', 'quick_question'],
  ['reference-realtime', 'interruption'],
  ['reference-legacy', 'quick_question'],
] as const) {
  test(`client profile ${profile}: every turn metric is measured`, async () => {
    const run = await runLoad({ CLIENT_PROFILE: profile, CALLS: '1', SCENARIOS: scenario });
    expect(run.code, run.output.slice(-2000)).toBe(0);
    const turns = scenario === 'interruption' ? 2 : 3;
    for (const family of ['ttfb', 'ttfa']) expect(latency(run.summary, family).count, family).toBe(turns);
    if (scenario === 'interruption') {
      // The barge-in: the interrupted answer has no turn time; the agent's stop is acknowledged.
      expect(latency(run.summary, 'barge/02').count).toBe(1);
      expect(latency(run.summary, 'barge_ack/02').count).toBe(1);
      expect(latency(run.summary, 'turn').count).toBe(1);
    } else {
      expect(latency(run.summary, 'turn').count).toBe(turns);
      expect(latency(run.summary, 'call/greeting').count).toBe(1);
    }
    expect(run.summary.metrics['ttfa/unmeasured']).toBeUndefined();
    expect(run.calls[0]!.sessionId).toBeTruthy();
  });
}

test(
  'ACS protocol callers follow the Locust ACS flow: metadata first, JSON audio frames, silence between ' +
    'turns, barge-in',
  async () => {
    const gt = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-acs-'));
    const run = await runLoad({
      PROTOCOL_CALLS: '4',
      PROTOCOL_TRANSPORT: 'acs',
      CALLS: '1',
      SCENARIOS: 'interruption',
      AGENT_GROUND_TRUTH_DIR: gt,
      CLIENT_PROFILE: 'reference',
    });
    expect(run.code, run.output.slice(-2000)).toBe(0);
    const proto = run.calls.filter((c) => c.group === 'protocol');
    expect(proto).toHaveLength(4);
    for (const c of proto) {
      const truth = readTruth(gt, c.sessionId!);
      expect(
        truth.find((e) => e.event === 'audio_metadata'),
        c.callId,
      ).toMatchObject({ encoding: 'PCM', sampleRateHz: 16000 });
      expect(truth.some((e) => e.event === 'barge_in')).toBe(true);
      const barge = c.turns.find((t) => t.kind === 'barge-in')!;
      expect(barge.bargeMs).toBeGreaterThan(0);
      expect(barge.bargeAckMs).toBeGreaterThan(0);
    }
    expect(run.summary.groups!.protocol!.barge).toMatchObject({ kind: 'latency', count: 4 });
  },
);

// Four batches of protocol callers beside two browsers at a time, each batch starting its
// 50 calls over 25 s. Measured here: with four browsers and the batches started at 20/s
// the callers' event loop lagged 1.3-4.1 s at p99 and a reply could miss the 5 s
// first-byte timeout; at this pace it lags about 0.1 s. CPU p95 still reads 100%, so the
// ttfb gate is widened and the first byte gets 15 s: this test is about grouping and
// ground truth, not latency. The receive - send checks are timing checks on a shared
// machine and get one retry, as the others do; a real regression fails both.
test.describe(() => {
  test.describe.configure({ retries: 1 });

  test(
    "hybrid load: 8 browser calls and 200 protocol callers, reported apart, and the agent's ground truth " +
      'agrees with both',
    async () => {
      const gt = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-hybrid-'));
      const run = await runLoad(
        {
          CALLS: '8',
          PROTOCOL_CALLS: '200',
          PROTOCOL_BATCH: '50',
          PROTOCOL_SPAWN_RATE: '2',
          SCENARIOS: 'quick_question',
          TURNS_PER_USER: '2',
          AGENT_GROUND_TRUTH_DIR: gt,
          EVIDENCE: 'off',
          GATES: 'ttfb:p95<20000|30000',
          FIRST_BYTE_TIMEOUT_SEC: '15',
        },
        ['--workers', '6'],
        15 * 60_000,
      );
      expect(run.code, run.output.slice(-2000)).toBe(0);
      const failures = run.calls
        .filter((c) => !c.ok)
        .map((c) => `${c.group} ${c.callId}: ${c.failure?.code} ${c.failure?.message}`)
        .join('\n');
      expect(run.summary.run.calls, failures).toEqual({ total: 208, passed: 208, failed: 0 });
      const groups = run.summary.groups!;
      expect(groups.browser!['success/connection']).toMatchObject({ count: 8 });
      expect(groups.protocol!['success/connection']).toMatchObject({ count: 200 });
      expect(groups.protocol!.ttfa).toBeUndefined();
      expect(groups.browser!.ttfa).toMatchObject({ kind: 'latency' });
      // What each caller received against what the agent says it sent: never before, and close after.
      for (const group of ['browser', 'protocol'] as const) {
        const lags: number[] = [];
        for (const c of run.calls.filter((x) => x.group === group && x.sessionId)) {
          const truth = readTruth(gt, c.sessionId!);
          for (const t of c.turns) {
            if (t.ttfbMs === undefined || t.speechEndAtMs === undefined) continue;
            const received = t.speechEndAtMs + t.ttfbMs;
            const sent = replySentBefore(truth, received);
            expect(
              sent,
              `${c.callId} turn ${t.turn}: the agent logged no reply sent before the caller heard one`,
            ).toBeDefined();
            lags.push(received - sent!);
          }
        }
        lags.sort((a, b) => a - b);
        expect(lags.length, group).toBeGreaterThanOrEqual(group === 'browser' ? 12 : 300);
        // Half of the replies reach their caller within a few ms at this pace (medians of
        // 1.4-2.8 ms measured here); past saturation they took 54-215 ms.
        console.log(
          `${group}: receive - send median ${lags[Math.floor(lags.length / 2)]!.toFixed(1)} ms, p95 ` +
            `${lags[Math.floor(lags.length * 0.95)]!.toFixed(1)} ms`,
        );
        expect(lags[Math.floor(lags.length / 2)]!, `${group}: median receive - send`).toBeLessThan(100);
        // A caller reads a frame no sooner than its event loop turns: past saturation the
        // tail is bounded by the lag its own process measured, not by a fixed figure.
        const lagP99Ms = Math.max(
          0,
          ...run.calls.filter((x) => x.group === group).map((x) => x.generator?.eventLoopLagP99Ms ?? 0),
        );
        expect(
          lags[Math.floor(lags.length * 0.95)]!,
          `${group}: p95 receive - send (event-loop lag p99 ${lagP99Ms} ms)`,
        ).toBeLessThan(Math.max(500, lagP99Ms + 100));
      }
      expect(latency(run.summary, 'ttfb').count).toBe(416);
    },
  );
});
