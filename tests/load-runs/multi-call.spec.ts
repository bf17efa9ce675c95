import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { expect, test } from '@playwright/test';
import { runLoad } from '../helpers/run-load';

/**
 * Several calls per worker (CALLS_PER_WORKER): one Playwright test carries
 * them at once, and each is still a call of its own: its own record, its own
 * line in the output, its own evidence folder, and a failure named.
 */
test(
  'three call slots per worker, four calls at a time: every call its own record, output line and evidence; ' +
    'a failed call named',
  async () => {
    const run = await runLoad(
      {
        CALLS: '6',
        CALLS_PER_WORKER: '3',
        SCENARIOS: 'quick_question',
        EVIDENCE: 'all',
        // The agent refuses its 5th connection: exactly one call fails, whichever test carries it.
        AGENT_FAULTS: '[{"fault":"refuse","sessions":[5]}]',
      },
      ['--workers', '4'],
    );
    expect(run.code, 'a failed call makes the run red').not.toBe(0);
    expect(run.summary.run.calls).toEqual({ total: 6, passed: 5, failed: 1 });
    expect(new Set(run.calls.map((c) => c.callId)).size).toBe(6);
    // Four calls at a time are four slots: a test of three and a test of one, on two workers (not a worker per three
    // calls). Call i runs in slot i mod 4, after the slot's earlier call.
    // Playwright may colour the counts.
    expect(stripVTControlCharacters(run.output)).toContain('Running 2 tests using 2 workers');
    expect(run.output).toContain('calls 0001-0003, 0005-0006');
    expect(run.output).toMatch(/calls 0004\b/);
    for (const c of run.calls) {
      const line = new RegExp(`^${c.callId} quick_question (passed|FAILED [^\\n]+) \\(\\d+\\.\\d+s\\)$`, 'm');
      expect(run.output, c.callId).toMatch(line);
    }
    const failed = run.calls.find((c) => !c.ok)!;
    // The red test names the failed call and why.
    expect(run.output).toMatch(new RegExp(`1 of [15] calls failed: ${failed.callId} \\(${failed.failure!.code}`));
    // Each call's own evidence: the reporter keeps failed and slowest calls, each in its own folder.
    const evidence = path.join(run.reportDir, 'evidence', failed.callId, 'timeline.json');
    expect(fs.existsSync(evidence), evidence).toBe(true);
    const passedWithEvidence = run.calls.filter(
      (c) => c.ok && fs.existsSync(path.join(run.reportDir, 'evidence', c.callId, 'timeline.json')),
    );
    expect(passedWithEvidence.length).toBeGreaterThan(0);
    for (const c of passedWithEvidence) {
      const timeline = JSON.parse(
        fs.readFileSync(path.join(run.reportDir, 'evidence', c.callId, 'timeline.json'), 'utf8'),
      ) as { events: Array<{ type: string; url?: string }> };
      // The folder holds this call's page events, not a neighbour's: its socket carried its session id.
      const created = timeline.events.find((e) => e.type === 'ws-created');
      expect(created?.url, c.callId).toContain(c.sessionId!);
    }
  },
);
