import { parseArgs } from 'node:util';
import { runLoad } from '../tests/helpers/run-load';
import { kindOf, tree } from './lib/processes';

/**
 * `npm run --silent bench:soak -- [--minutes 30] [--users 4] [--calls-per-worker 3]`: back-to-back calls
 * for a long run (USERS users, each starting its next call when one ends), with the run's processes'
 * proportional memory sampled every 10 s. Growth is measured after a warm-up (the first fifth of the run,
 * at least a minute): the median of the last minute against the median of the first minute after it,
 * for the harness's own Node processes (runner, workers, fixtures) and for everything (browsers too).
 * Prints one JSON line last.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    users: { type: 'string', default: '4' },
    'calls-per-worker': { type: 'string', default: '3' },
  },
});
const minutes = Number(values.minutes);
const users = Number(values.users);
if (!(minutes >= 2 && minutes <= 240)) throw new Error(`--minutes must be 2-240, got ${values.minutes}`);
if (!Number.isInteger(users) || users < 1) throw new Error(`--users must be a positive integer, got ${values.users}`);

const SAMPLE_MS = 10_000;
interface Sample {
  atMs: number;
  nodeMb: number;
  allMb: number;
  /** The harness's Node processes by kind (runner, test workers, fixtures), summed per kind. */
  byKindMb: Record<string, number>;
}
const samples: Sample[] = [];
let pid: number | undefined;
const timer = setInterval(() => {
  if (pid === undefined) return;
  const procs = tree(pid);
  const byKindMb: Record<string, number> = {};
  for (const p of procs.filter((p) => p.cmd === 'node')) {
    const kind = kindOf(p.pid, p.cmd);
    byKindMb[kind] = (byKindMb[kind] ?? 0) + p.rssMb;
  }
  samples.push({
    atMs: Date.now(),
    nodeMb: procs.filter((p) => p.cmd === 'node').reduce((s, p) => s + p.rssMb, 0),
    allMb: procs.reduce((s, p) => s + p.rssMb, 0),
    byKindMb,
  });
}, SAMPLE_MS);

const started = Date.now();
const run = await runLoad(
  {
    USERS: String(users),
    SPAWN_RATE: String(users),
    TIME: `${minutes}m`,
    SCENARIOS: 'quick_question',
    EVIDENCE: 'failed-and-slowest',
    CALLS_PER_WORKER: values['calls-per-worker']!,
  },
  [],
  (minutes + 10) * 60_000,
  (p) => {
    pid = p;
  },
);
clearInterval(timer);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
const warmupMs = Math.max(60_000, (minutes * 60_000) / 5);
const steady = samples.filter((s) => s.atMs - started >= warmupMs);
const endMs = steady.at(-1)?.atMs ?? started;
const first = steady.filter((s) => s.atMs < steady[0]!.atMs + 60_000);
const last = steady.filter((s) => s.atMs > endMs - 60_000);
const growth = (key: 'nodeMb' | 'allMb') => {
  const a = median(first.map((s) => s[key]));
  const b = median(last.map((s) => s[key]));
  return { startMb: Math.round(a), endMb: Math.round(b), growthPct: a ? Math.round(((b - a) / a) * 1000) / 10 : 0 };
};
const node = growth('nodeMb');
// Which of the harness's processes grew: the first and last steady minute's medians per kind.
const kinds = [...new Set(steady.flatMap((x) => Object.keys(x.byKindMb)))];
const byKind = Object.fromEntries(
  kinds.map((k) => [
    k,
    {
      startMb: Math.round(median(first.map((x) => x.byKindMb[k] ?? 0))),
      endMb: Math.round(median(last.map((x) => x.byKindMb[k] ?? 0))),
    },
  ]),
);
const all = growth('allMb');
console.log(
  JSON.stringify({
    minutes,
    users,
    workers: run.summary.run.workers,
    calls: run.summary.run.calls.total,
    failedCalls: run.summary.run.calls.failed,
    verdict: run.summary.verdict,
    harnessStartMb: node.startMb,
    harnessEndMb: node.endMb,
    harnessRssGrowthPct: node.growthPct,
    allStartMb: all.startMb,
    allEndMb: all.endMb,
    allRssGrowthPct: all.growthPct,
    harnessMbByProcess: byKind,
    samples: samples.length,
  }),
);
