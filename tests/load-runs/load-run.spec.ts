import net from 'node:net';
import { expect, test } from '@playwright/test';
import { latency, runLoad } from '../helpers/run-load';

/** Real load runs: fixtures on port 0, real Chromium, the real reporter; assertions on its files. */

test('eight calls on four workers: every call passes and merged counts equal the sum over calls', async () => {
  const run = await runLoad({ CALLS: '8' }, ['--workers', '4']);
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const { summary, calls } = run;
  expect(summary.run.calls).toEqual({ total: 8, passed: 8, failed: 0 });
  expect(calls).toHaveLength(8);
  // Every turn metric's count is the number of calls that produced that turn's sample.
  const perTurn = new Map<string, number>();
  for (const call of calls) {
    for (const t of call.turns) {
      if (t.ttfbMs === undefined) continue;
      const name = `ttfb/${String(t.turn).padStart(2, '0')}`;
      perTurn.set(name, (perTurn.get(name) ?? 0) + 1);
    }
  }
  expect(perTurn.size).toBeGreaterThanOrEqual(3);
  let total = 0;
  for (const [name, count] of perTurn) {
    expect(latency(summary, name).count, name).toBe(count);
    total += count;
  }
  expect(latency(summary, 'ttfb').count).toBe(total);
  // insurance_inquiry has 5 turns, quick_question 3; calls alternate between them.
  expect(total).toBe(4 * 5 + 4 * 3);
  expect(summary.verdict).toBe('pass');
});

// A timing check read from this shared machine: a host stall of the audio path in one of
// its two runs (seen: send jitter p99 143 ms, the paired shift 20.8 ms off) can miss by
// chance. One retry, as for the other timing checks; a real regression fails both.
test.describe(() => {
  test.describe.configure({ retries: 1 });

  test(
    'ttfb and ttfa follow the agent reply delay: D plus the hang-over within 60 ms, and the same turns ' +
      'move by the change in D within 20 ms (median)',
    async () => {
      const hangoverMs = 500;
      const runs: Array<{ delayMs: number; calls: Awaited<ReturnType<typeof runLoad>>['calls'] }> = [];
      for (const delayMs of [200, 900]) {
        const run = await runLoad(
          {
            CALLS: '4',
            SCENARIOS: 'quick_question',
            AGENT_REPLY_DELAY_MS: String(delayMs),
            AGENT_ENDPOINT_SILENCE_MS: String(hangoverMs),
          },
          ['--workers', '2'],
        );
        expect(run.code, run.output.slice(-2000)).toBe(0);
        const ttfb = latency(run.summary, 'ttfb');
        const ttfa = latency(run.summary, 'ttfa');
        expect(ttfb.count).toBe(12);
        expect(ttfa.count).toBe(12);
        expect(
          Math.abs(ttfb.p50Ms - (delayMs + hangoverMs)),
          `D=${delayMs}: median ttfb ${ttfb.p50Ms} ms`,
        ).toBeLessThanOrEqual(60);
        // What the caller hears comes after the first frame arrives, never before it.
        expect(ttfa.p50Ms).toBeGreaterThan(ttfb.p50Ms);
        runs.push({ delayMs, calls: run.calls });
      }
      // Each reply has its own lead-in before it turns audible, and each caller
      // voice its own endpointing, so the medians of a 12-turn mix jump between
      // those groups. The same turn of the same call (same voice, same reply) in
      // both runs differs only by D and by noise: the median of those paired
      // differences is how far the metric moved.
      const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
      const shift = b.delayMs - a.delayMs;
      const moved = (metric: 'ttfbMs' | 'ttfaMs') => {
        const deltas: number[] = [];
        for (const callA of a.calls) {
          const callB = b.calls.find((c) => c.callId === callA.callId);
          expect(callB?.voice, `${callA.callId} speaks with the same voice in both runs`).toBe(callA.voice);
          for (const turnA of callA.turns) {
            const turnB = callB!.turns.find((t) => t.turn === turnA.turn);
            if (turnA[metric] !== undefined && turnB?.[metric] !== undefined)
              deltas.push(turnB[metric]! - turnA[metric]!);
          }
        }
        expect(deltas, `${metric}: one paired difference per turn`).toHaveLength(12);
        deltas.sort((x, y) => x - y);
        return (deltas[5]! + deltas[6]!) / 2;
      };
      const movedTtfb = moved('ttfbMs');
      const movedTtfa = moved('ttfaMs');
      const detail = JSON.stringify({ shift, movedTtfb, movedTtfa });
      test.info().annotations.push({ type: 'moved (ms)', description: detail });
      expect(Math.abs(movedTtfb - shift), detail).toBeLessThanOrEqual(20);
      expect(Math.abs(movedTtfa - shift), detail).toBeLessThanOrEqual(20);
    },
  );
});

test('a target where nothing listens fails fast with a classified ws/error and still writes summary.json', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const run = await runLoad({
    CALLS: '1',
    WS_URL: `ws://127.0.0.1:${port}/api/v1/browser/conversation`,
    CONNECT_TIMEOUT_SEC: '5',
  });
  expect(run.code).not.toBe(0);
  expect(run.summary.run.calls).toEqual({ total: 1, passed: 0, failed: 1 });
  expect(run.summary.metrics['ws/error']).toEqual({ kind: 'counter', count: 1 });
  expect(run.summary.verdict).toBe('fail');
  expect(run.calls[0]!.failure!.code).toBe('ws/error');
  // Well inside the connect timeout: refused at once, not a hang.
  expect(run.calls[0]!.endedAtMs - run.calls[0]!.startedAtMs).toBeLessThan(5000);
});
