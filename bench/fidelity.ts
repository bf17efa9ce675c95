import { parseArgs } from 'node:util';
import { delayedTurns } from '../harness/reporter/generator';
import type { LoadRun } from '../tests/helpers/run-load';
import {
  type Calibration,
  calibrate,
  errors,
  FEWEST_CALLS_AT_ONE,
  level,
  type Sample,
  stolenLevel,
  worstVouched,
} from './lib/fidelity';
import { pct, round1 as round } from './lib/stats';

/**
 * `npm run --silent bench:fidelity -- [--concurrency N] [--seconds S] [--calls-at-one M]`:
 * real calls against the reference agent, M calls one at a time (12: four of
 * each scenario, a barge-in's and the product's default mix), then N calls in
 * progress as bench:density rates a machine (the default mix, users ramped at
 * 2 a second, each starting its next call as the last ends, held S seconds:
 * 120), with the harness's figures checked turn by turn against the agent's
 * ground truth. The barge error is read at 1 call: the mix has no barge-in.
 *
 * For each turn, two clocks see the same events:
 * - first audio: the page's receive time of the reply's first frame against
 *   the agent's log of sending it (loopback transit is ~0.1 ms: the rest is
 *   the harness's own delay);
 * - speech end: the harness's t_se against the arrival, at the agent, of the
 *   last caller sample above -50 dBFS, at sample resolution (its frame's
 *   arrival less the audio after it in the frame). Their distance is the call's
 *   capture-path latency (real, part of what a caller waits through) plus a
 *   per-file offset between that level threshold and the audio's speech bound
 *   (calibrated per audio file on the 1-call runs); what is left, turn to turn
 *   within a call, is the error.
 * ttfb error = first-audio error + speech-end deviation. Barge error is built
 * the same way from the interrupted answer's last frame and the barge onset
 * (the caller's first sound after quiet, at sample resolution, dated on the
 * stream's clock as the speech end is).
 * Prints one JSON line per level; the last is the rated level. Each level also splits its turns: those the
 * run flags as carrying a delay of the generator's own (what makes a run INCONCLUSIVE when it falls in enough
 * turns) and the others, the turns whose figures the run vouches for. A vouched turn far off is a silent error;
 * a flagged turn near the truth is the checks' caution. The dating errors above cannot see a delay that held the
 * caller's audio at the agent's decision (it moves the reply and the page's first audio alike), so each turn also
 * reads from the agent's log how late the audio that decided its speech end arrived, on the stream's clock: the
 * generator's own delay in that turn's ttfb, which the checks are there to flag.
 * `--retries R` runs a level again, up to R times, when the host of a virtual machine took CPU from it (the
 * harness then judges it INCONCLUSIVE, whatever its figures): every try prints its line (`try`), the last try of
 * the 1-call level calibrates the audio, and the last line is still the rated level's.
 * `STARTUP_GUARD_MS=2000 npm run --silent bench:fidelity` runs the levels under the start-up guard (the run option):
 * no call starts up near another's speech end, and each line says how many calls it held (`startupGuard`).
 */
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '120' },
    'calls-at-one': { type: 'string', default: String(FEWEST_CALLS_AT_ONE) },
    retries: { type: 'string', default: '0' },
  },
});
const rated = Number(values.concurrency);
if (!Number.isInteger(rated) || rated < 1)
  throw new Error(`--concurrency must be a positive integer, got ${values.concurrency}`);
const holdSec = Number(values.seconds);
if (!(holdSec >= 20 && holdSec <= 1800)) throw new Error(`--seconds must be 20-1800, got ${values.seconds}`);
const callsAtOne = Number(values['calls-at-one']);
if (!Number.isInteger(callsAtOne) || callsAtOne < FEWEST_CALLS_AT_ONE)
  throw new Error(
    `--calls-at-one must be an integer of at least ${FEWEST_CALLS_AT_ONE}, got ${values['calls-at-one']}`,
  );

const retries = Number(values.retries);
if (!Number.isInteger(retries) || retries < 0 || retries > 5)
  throw new Error(`--retries must be a whole number 0-5, got ${values.retries}`);

/** A vouched turn whose deciding audio arrived later than this holds a delay past the harness's goal of 10 ms. */
const DECIDED_LATE_LIMIT_MS = 10;
function figures(concurrency: number, tryNo: number, e: ReturnType<typeof errors>, run: LoadRun) {
  const delayed = delayedTurns(run.calls);
  const flaggedAt = e.turnIds.map((id) => delayed.has(id));
  /** The values of the flagged turns (`flagged`), or of the vouched ones, known ones only. */
  const of = <T>(values: readonly (T | undefined)[], flagged: boolean) =>
    values.filter((v, i): v is T => v !== undefined && flaggedAt[i] === flagged);
  const vouched = of(e.ttfb, false);
  const doubted = of(e.ttfb, true);
  const vouchedLate = of(e.decidedLate, false);
  const flaggedLate = of(e.decidedLate, true);
  return {
    concurrency,
    try: tryNo,
    calls: run.summary.run.calls.total,
    // The run's own verdict: a proof of the timings needs a run the harness did not find saturated.
    verdict: run.summary.verdict,
    turns: e.ttfb.length,
    ttfbErrorP50Ms: round(pct(e.ttfb, 50)),
    ttfbErrorP99Ms: round(pct(e.ttfb, 99)),
    ttfbErrorMaxMs: round(Math.max(0, ...e.ttfb)),
    ...(e.barge.length ? { bargeErrorP99Ms: round(pct(e.barge, 99)) } : {}),
    firstAudioErrorP99Ms: round(pct(e.firstAudio, 99)),
    bargeTurns: e.barge.length,
    vouchedTurns: vouched.length,
    vouchedTtfbErrorP99Ms: round(pct(vouched, 99)),
    flaggedTurns: doubted.length,
    ...(doubted.length ? { flaggedTtfbErrorMaxMs: round(Math.max(...doubted)) } : {}),
    // The generator's delay each turn's ttfb holds: how late the audio that decided the speech end reached the agent.
    vouchedDecidedLateMaxMs: round(Math.max(0, ...vouchedLate)),
    vouchedTurnsDecidedOver10Ms: vouchedLate.filter((v) => v > DECIDED_LATE_LIMIT_MS).length,
    ...(flaggedLate.length ? { flaggedDecidedLateMaxMs: round(Math.max(...flaggedLate)) } : {}),
    worstVouchedTurn: worstVouched(e, flaggedAt, run),
    // STARTUP_GUARD_MS, passed through: the calls it held back from other calls' speech ends.
    ...(run.summary.run.startupGuard ? { startupGuard: run.summary.run.startupGuard } : {}),
    generator: run.summary.generator,
  };
}

/**
 * A level, run again while the host took CPU from it and retries are left; each try's figures printed. Returns the
 * last try with the calibration its figures were read with.
 */
async function tried(
  concurrency: number,
  run: () => Promise<Awaited<ReturnType<typeof level>>>,
  calibration: (samples: Sample[]) => Calibration,
) {
  for (let tryNo = 1; ; tryNo++) {
    const r = await run();
    const calib = calibration(r.samples);
    console.log(JSON.stringify(figures(concurrency, tryNo, errors(r.samples, calib), r.run)));
    if (tryNo > retries || !stolenLevel(r.run)) return { ...r, calib };
    process.stderr.write(
      `[bench:fidelity] ${concurrency} call(s): the host took ${r.run.summary.generator?.cpuStealPctP95}% of the ` +
        `CPU (steal, p95), so the run is INCONCLUSIVE whatever its figures: running it again (retry ${tryNo} of ` +
        `${retries})\n`,
    );
  }
}

// The 1-call level calibrates the audio files from its own samples; the rated level is read with that calibration.
const one = await tried(1, () => level(1, callsAtOne), calibrate);
if (rated > 1)
  await tried(
    rated,
    () => level(rated, { holdSec }),
    () => one.calib,
  );
