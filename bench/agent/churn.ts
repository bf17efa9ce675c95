import WebSocket from 'ws';
import { sleep } from '../../harness/clock';
import { type Args, defaultRampSec, log } from './args';
import { openSession, Pacer } from './pacer';
import { type Agent, agentStats, mb } from './server';

/** Churn keeps at most this many heap samples in its output (evenly thinned); all are logged on stderr. */
const CHURN_SAMPLES_OUT = 12;

/**
 * Sessions connect and hang up (cleanly or by vanishing) for the whole run,
 * in this process, while the agent's heap is sampled after a GC: the
 * "memory flat under churn" figure is the slope of its heap over the run.
 */
export async function churn(args: Args, agent: Agent): Promise<Record<string, unknown>> {
  const pacer = new Pacer();
  pacer.start();
  const counters = { framesReceived: 0, open: 0, failed: 0 };
  const deadline = Date.now() + args.seconds * 1000;
  let made = 0;
  const samples: Array<{ atSec: number; heapMb: number; rssMb: number; active: number }> = [];
  const t0 = Date.now();
  const rampSec = args.rampSec >= 0 ? args.rampSec : defaultRampSec(args.sessions);
  const slot = async (k: number) => {
    await sleep((k * rampSec * 1000) / args.sessions);
    while (Date.now() < deadline) {
      const ws = await openSession(agent.wsUrl, pacer, `churn-${made++}`, counters);
      if (!ws) {
        await sleep(100);
        continue;
      }
      if (made % 2 === 0) ws.send('tell me something'); // a reply in flight when the caller hangs up
      await sleep(args.holdMinMs + Math.random() * (args.holdMaxMs - args.holdMinMs));
      // Half hang up cleanly, half vanish (TCP reset, no close frame).
      if (made % 4 < 2) ws.terminate();
      else ws.close(1000);
      // A clean close waits for the agent's close frame; one that never comes is cut after 10 s.
      await new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        const timer = setTimeout(() => ws.terminate(), 10_000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const sampler = (async () => {
    while (Date.now() < deadline) {
      const s = await agentStats(agent, true);
      samples.push({
        atSec: (Date.now() - t0) / 1000,
        heapMb: mb(s.heapUsedBytes),
        rssMb: mb(s.rssBytes),
        active: s.activeSessions,
      });
      log(
        `t=${Math.round((Date.now() - t0) / 1000)} s active=${s.activeSessions} opened=${s.sessionsOpened} ` +
          `heap=${mb(s.heapUsedBytes)} MB rss=${mb(s.rssBytes)} MB`,
      );
      await sleep(args.sampleSec * 1000);
    }
  })();
  await Promise.all([...Array.from({ length: args.sessions }, (_, k) => slot(k)), sampler]);
  pacer.stop();
  const settleUntil = Date.now() + 10000;
  let s = await agentStats(agent, true);
  while (s.activeSessions > 0 && Date.now() < settleUntil) {
    await sleep(200);
    s = await agentStats(agent, true);
  }
  samples.push({
    atSec: (Date.now() - t0) / 1000,
    heapMb: mb(s.heapUsedBytes),
    rssMb: mb(s.rssBytes),
    active: s.activeSessions,
  });
  // Warm-up (ground-truth store filling, JIT, caches) is excluded: the slope is fitted from 20% of the run on.
  const steady = samples.filter((x) => x.atSec >= args.seconds * 0.2);
  const fit = steady.length >= 2 ? slope(steady.map((x) => [x.atSec / 60, x.heapMb])) : 0;
  return {
    sessions: args.sessions,
    connected: counters.open,
    framesIn: s.framesIn,
    framesOut: s.framesOut,
    sendJitterP99Ms: s.sendLateness.p99Ms,
    cpuCoresUsed: s.cpuCoresUsed,
    rssMb: mb(s.rssBytes),
    mode: 'churn',
    seconds: args.seconds,
    sessionsOpened: s.sessionsOpened,
    activeAfter: s.activeSessions,
    heapStartMb: steady[0]?.heapMb ?? null,
    heapEndMb: mb(s.heapUsedBytes),
    heapSlopeMbPerMin: Math.round(fit * 100) / 100,
    rssStartMb: steady[0]?.rssMb ?? null,
    rssEndMb: mb(s.rssBytes),
    samples: thin(samples, CHURN_SAMPLES_OUT).map((x) => ({ ...x, atSec: Math.round(x.atSec) })),
  };
}

/** At most n items, evenly spaced, the first and last always kept. */
function thin<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
