import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { sleep } from '../harness/clock';
import { CpuSampler, SATURATION } from '../harness/generator/health';
import { hostTookCpu } from '../harness/reporter/generator';
import { INCONCLUSIVE_EXIT_CODE } from '../harness/reporter/verdict';
import { pct } from './lib/stats';

/**
 * `npm run --silent bench:host -- [--seconds 10]`: would the host of this virtual machine take CPU from a run
 * started now? A load run is judged INCONCLUSIVE when the host took over 10% of the CPU (steal, p95), and on some
 * virtual machines the host takes it mostly from a guest that wakes often: an idle machine, and busy loops, can read
 * no steal there while a run's audio threads, waking every few milliseconds, read 20-30%. So this wakes like them: two
 * threads per core, each running 0.1 ms of work every millisecond (about a third of the machine), and reads the
 * host's share each second as a run does. One JSON line; exit code 3 when a run now would be judged for it.
 * `--wait-minutes M` reads again every `--every-seconds` (60) while the host takes CPU, for at most M minutes, a
 * JSON line per reading: it exits 0 at the first quiet reading, so `bench:host -- --wait-minutes 60 && ...` starts a
 * long run when the host lets it, or exits 3 when none came.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'wait-minutes': { type: 'string', default: '0' },
    'every-seconds': { type: 'string', default: '60' },
  },
});
const seconds = Number(values.seconds);
if (!(Number.isInteger(seconds) && seconds >= 2 && seconds <= 120))
  throw new Error(`--seconds must be a whole number of seconds, 2-120, got ${values.seconds}`);
const waitMinutes = Number(values['wait-minutes']);
if (!(waitMinutes >= 0 && waitMinutes <= 24 * 60))
  throw new Error(`--wait-minutes must be 0-1440, got ${values['wait-minutes']}`);
const everySec = Number(values['every-seconds']);
if (!(everySec >= seconds && everySec <= 3600))
  throw new Error(`--every-seconds must be from --seconds (${seconds}) to 3600, got ${values['every-seconds']}`);

const THREADS = 2 * os.availableParallelism();
const WORK_MS = 0.1;

/** One waking thread: a timer every millisecond, each spinning WORK_MS, until the end. */
const WAKER = `
const { workerData: { endAtMs, workMs } } = require('node:worker_threads');
function tick() {
  const t = performance.now();
  while (performance.now() - t < workMs) {}
  if (Date.now() < endAtMs) setTimeout(tick, 1);
}
tick();
`;

/** One reading: the waking load for `seconds`, and the host's share of each second of it. */
async function reading() {
  const sampler = new CpuSampler(1000).start();
  const endAtMs = Date.now() + seconds * 1000;
  const workers = Array.from(
    { length: THREADS },
    () => new Worker(WAKER, { eval: true, workerData: { endAtMs, workMs: WORK_MS } }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  // Whole seconds only: the last second's sample comes just after the end (a part-second reads a few ticks' noise).
  await sleep(endAtMs + 200 - Date.now());
  sampler.stop();
  const told = sampler.stealPct.length > 0;
  const cpuStealPctP95 = told ? Math.round(pct(sampler.stealPct, 95)) : null;
  const took = told && hostTookCpu({ cpuStealPctP95: cpuStealPctP95! });
  console.log(
    JSON.stringify({
      seconds,
      threads: THREADS,
      cpuBusyPctP95: Math.round(pct(sampler.samplesPct, 95)),
      cpuStealPctP95,
      cpuStealPct: sampler.stealPct.map(Math.round),
      limitPct: SATURATION.cpuStealPctP95,
      hostTookCpu: told ? took : null,
    }),
  );
  return { told, took, cpuStealPctP95 };
}

const waitUntilMs = Date.now() + waitMinutes * 60_000;
let startMs = Date.now();
let { told, took, cpuStealPctP95 } = await reading();
// Bounded by the wait: a reading starts every everySec while the host takes CPU, and only within the wait.
while (took && startMs + everySec * 1000 < waitUntilMs) {
  const nextMs = startMs + everySec * 1000;
  const minutesLeft = Math.ceil((waitUntilMs - Date.now()) / 60_000);
  console.error(
    `the host took ${cpuStealPctP95}% (steal, p95); reading again in ${Math.round((nextMs - Date.now()) / 1000)} s ` +
      `(${minutesLeft} min of the wait left)`,
  );
  await sleep(nextMs - Date.now());
  startMs = Date.now();
  ({ told, took, cpuStealPctP95 } = await reading());
}

if (!told) console.error("this kernel does not tell the host's share (no steal in /proc/stat): nothing to judge.");
else if (took) {
  console.error(
    `the host of this virtual machine took ${cpuStealPctP95}% of its CPU (steal, p95) from a load that wakes like a ` +
      `run's audio, above ${SATURATION.cpuStealPctP95}%: a run now would be judged INCONCLUSIVE for it. Try again ` +
      `later${waitMinutes ? '' : ' (--wait-minutes M reads again for you)'}, or run on a machine with dedicated cores.`,
  );
  process.exitCode = INCONCLUSIVE_EXIT_CODE;
} else
  console.error(
    `the host took ${cpuStealPctP95}% of the CPU (steal, p95), within ${SATURATION.cpuStealPctP95}%: quiet enough ` +
      'for a run now (it may change during the run: the run reads it again).',
  );
