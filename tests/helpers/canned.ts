import { CallRecorder, type CallRecord } from '../../harness/metrics/record';

/** Deterministic pseudo-random values (no flaky seeds). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` plausible call records with heavy-tailed latencies, some failures and counters. */
export function cannedCalls(n: number, seed = 1): CallRecord[] {
  const rand = lcg(seed);
  const out: CallRecord[] = [];
  for (let i = 0; i < n; i++) {
    const rec = new CallRecorder();
    const started = 1_800_000_000_000 + i * 1000;
    rec.latency('call/setup', 400 + rand() * 900);
    rec.latency('ws/connect', 3 + rand() * 40);
    rec.latency('call/greeting', 20 + rand() * 200);
    const turns = 3 + (i % 3);
    const failAt = i % 17 === 5 ? 2 : 0;
    for (let t = 1; t <= turns; t++) {
      const turnRec = rec.turn(t);
      const nn = String(t).padStart(2, '0');
      if (t === failAt) {
        rec.fail(`ttfb/${nn}`);
        rec.fail(`turn/${nn}`);
        rec.count('turn/error');
        turnRec.error = 'timeout';
        break;
      }
      const ttfb = 600 + rand() ** 4 * 6000;
      const ttfa = ttfb + 150 + rand() * 100;
      const turn = ttfb + 2500 + rand() * 3000;
      rec.latency(`ttfb/${nn}`, ttfb);
      rec.latency(`ttfa/${nn}`, ttfa);
      rec.latency(`turn/${nn}`, turn);
      Object.assign(turnRec, {
        speechEndAtMs: started + t * 8000,
        ttfbMs: ttfb,
        ttfaMs: ttfa,
        turnMs: turn,
        endReason: 'final-frame',
      });
    }
    if (i % 9 === 0) rec.count('rate/openai');
    if (i % 13 === 0) rec.count('err/429');
    out.push(
      rec.finish({
        callId: `call-${String(i + 1).padStart(5, '0')}`,
        scenario: i % 2 ? 'quick_question' : 'insurance_inquiry',
        voice: 'flite-slt',
        group: 'browser',
        startedAtMs: started,
        endedAtMs: started + 40_000,
        ok: failAt === 0,
        ...(failAt
          ? { failure: { code: 'turn/error', message: `turn ${failAt}: no agent audio within 5000 ms of speech end` } }
          : {}),
      }),
    );
  }
  return out;
}
