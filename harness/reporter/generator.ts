import { SATURATION } from '../generator/health';
import { overlaps, splitCpuSamples, startupWindows } from '../generator/steady';
import type { CallRecord, GeneratorStats, TurnRecord } from '../metrics/record';
import type { GeneratorSummary, Summary } from './schema';

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const defined = (stats: GeneratorStats[], f: (g: GeneratorStats) => number | undefined): number[] =>
  stats.flatMap((g) => {
    const v = f(g);
    return v === undefined ? [] : [v];
  });

/**
 * A sign seen in some calls is the machine's when it shows in enough of them (or the machine's CPU is short):
 * one call late while the others keep time is that call's client, not the generator.
 */
function acrossCalls(count: number, of: number): boolean {
  return count >= 2 && count >= SATURATION.callShare * of;
}

/** A turn that was timed: its ttfb, and the speech end it runs from. */
type TimedTurn = TurnRecord & { ttfbMs: number; speechEndAtMs: number };
const timedTurns = (r: Pick<CallRecord, 'turns'>): TimedTurn[] =>
  r.turns.filter((t): t is TimedTurn => t.ttfbMs !== undefined && t.speechEndAtMs !== undefined);

/** A timed turn's delay of the generator's own (ms, 0 if none) and the epoch span it fell in. */
type TurnDelay = (t: TimedTurn) => [number, number, number];

/** A delay a timed turn is checked for: how it is read, its limit, and its name in the reasons. */
interface TurnCheck {
  limitMs: number;
  delay: TurnDelay;
  what: string;
}

/**
 * Turns timed across a delay of the generator's own over `limitMs`. Those whose delay fell while another call was
 * starting up are the machine's (a page coming up takes the CPU from the pages in progress: the start-up CPU samples
 * set apart say nothing of them), the others are judged across calls. `what` names the delay in the reasons.
 */
function lateTurns(records: readonly CallRecord[], windows: ReturnType<typeof startupWindows>, check: TurnCheck) {
  const { limitMs, delay, what } = check;
  const out = { what, timed: 0, turns: 0, duringStartup: 0, longestMs: 0, callsTimed: 0, callsElsewhere: 0 };
  for (const r of records) {
    const timed = timedTurns(r);
    if (timed.length) out.callsTimed++;
    out.timed += timed.length;
    let elsewhere = false;
    for (const t of timed) {
      const [ms, from, to] = delay(t);
      if (ms <= limitMs) continue;
      out.turns++;
      out.longestMs = Math.max(out.longestMs, ms);
      if (overlaps(windows, from, to)) out.duringStartup++;
      else elsewhere = true;
    }
    if (elsewhere) out.callsElsewhere++;
  }
  return out;
}

/** The first audio dated after the page's main thread had been away: the absence ends at the dating. */
const stallOf: TurnDelay = (t) => {
  const ms = t.firstAudioStallMs ?? 0;
  const at = t.speechEndAtMs + t.ttfbMs;
  return [ms, at - ms, at];
};
/** Caller audio late at the speech end: held while the caller spoke, and over by the speech end plus its length. */
const holdOf: TurnDelay = (t) => {
  const ms = t.sendHoldMs ?? 0;
  return [ms, t.speechStartAtMs ?? t.speechEndAtMs - ms, t.speechEndAtMs + ms];
};

/**
 * The caller's audio carried late by the browser after the page sent it, beyond the run's usual (the two clocks'
 * offset and the probe's own trip): late from the speech end on, by as much.
 */
const sendPathOf =
  (usualMs: number): TurnDelay =>
  (t) => {
    const ms = t.sendPathMs === undefined ? 0 : Math.max(0, Math.round(t.sendPathMs - usualMs));
    return [ms, t.speechEndAtMs, t.speechEndAtMs + ms];
  };

/**
 * The agent's first frame that waited on its way beyond the run's usual (the median: an agent that sends its first
 * audio in a burst reads that burst on every turn): the wait ends as the page dates the first audio.
 */
const waitOf =
  (usualMs: number): TurnDelay =>
  (t) => {
    const ms = Math.max(0, (t.firstFrameWaitMs ?? 0) - usualMs);
    const at = t.speechEndAtMs + t.ttfbMs;
    return [Math.round(ms), at - ms, at];
  };

/**
 * The agent's first frame held in the browser on its way in: it waited beyond the usual, and the fixtures' own
 * messages, handled around it, were held beyond theirs (send-path.ts, the page's thread time taken out). The
 * smaller of the two is how much of the wait the browser is known to have made.
 */
const heldInOf =
  (usualWaitMs: number, usualReceiveMs: number): TurnDelay =>
  (t) => {
    const [waitMs, , at] = waitOf(usualWaitMs)(t);
    const receivedMs = t.receivePathMs === undefined ? 0 : Math.max(0, t.receivePathMs - usualReceiveMs);
    const ms = Math.round(Math.min(waitMs, receivedMs));
    return [ms, at - ms, at];
  };

function median(values: number[]): number {
  return values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]! : 0;
}

type LateTurns = ReturnType<typeof lateTurns>;
const timedLate = (l: LateTurns) => ({ turns: l.turns, duringStartup: l.duringStartup, longestMs: l.longestMs });
/** The reason when such turns fell in other calls' start-up, and the sign of the calls they fell in elsewhere. */
const duringStartupReason = (l: LateTurns) =>
  `${l.what} in ${l.duringStartup} of ${l.timed} turn(s) while other calls were starting up ` +
  `(longest ${l.longestMs} ms)`;
const elsewhereSign = (l: LateTurns): [number, number, string] => [
  l.callsElsewhere,
  l.callsTimed,
  `${l.what} in ${l.callsElsewhere} of ${l.callsTimed} call(s), longest ${l.longestMs} ms`,
];

/** One probe figure of the run's turns, send path or receive path (a turn without one is not in it). */
const probeFigures = (records: readonly Pick<CallRecord, 'turns'>[], key: 'sendPathMs' | 'receivePathMs') =>
  records.flatMap((r) => r.turns.flatMap((t) => (t[key] === undefined ? [] : [t[key]])));

/** The delays of the generator's own that a timed turn is checked for, each with its limit and its name. */
function turnChecks(
  records: readonly Pick<CallRecord, 'turns'>[],
): Record<'stalls' | 'holds' | 'waits' | 'heldIn' | 'sends', TurnCheck> {
  const usualWaitMs = median(records.flatMap((r) => r.turns.map((t) => t.firstFrameWaitMs ?? 0)));
  const usualReceiveMs = median(probeFigures(records, 'receivePathMs'));
  return {
    stalls: {
      limitMs: SATURATION.firstAudioStallMs,
      delay: stallOf,
      what: `first audio dated after the page's main thread was away over ${SATURATION.firstAudioStallMs} ms`,
    },
    holds: {
      limitMs: SATURATION.sendHoldMs,
      delay: holdOf,
      what: `caller audio held back over ${SATURATION.sendHoldMs} ms while the caller spoke`,
    },
    waits: {
      limitMs: SATURATION.firstFrameWaitMs,
      delay: waitOf(usualWaitMs),
      what:
        `the agent's first audio frame reached the page over ${SATURATION.firstFrameWaitMs} ms after the frames ` +
        'behind it allow',
    },
    heldIn: {
      limitMs: SATURATION.firstFrameWaitMs,
      delay: heldInOf(usualWaitMs, usualReceiveMs),
      what:
        `the agent's first audio frame held over ${SATURATION.firstFrameWaitMs} ms by the browser on its way to the ` +
        "page (the harness's own messages held as long)",
    },
    sends: {
      limitMs: SATURATION.sendPathMs,
      delay: sendPathOf(median(probeFigures(records, 'sendPathMs'))),
      what: `the caller's audio carried over ${SATURATION.sendPathMs} ms late by the browser after the page sent it`,
    },
  };
}

/**
 * The timed turns (`callId#turn`) that carry a delay of the generator's own over its limit, wherever it fell:
 * the turns whose figures the run does not vouch for. Benchmarks check the figures of the others apart.
 */
export function delayedTurns(records: readonly Pick<CallRecord, 'callId' | 'turns'>[]): Set<string> {
  const out = new Set<string>();
  for (const c of Object.values(turnChecks(records)))
    for (const r of records)
      for (const t of timedTurns(r)) if (c.delay(t)[0] > c.limitMs) out.add(`${r.callId}#${t.turn}`);
  return out;
}

/** What the start-up guard did across the calls (the run's `startupGuard`); nothing when it held none. */
export function startupGuardOf(records: readonly CallRecord[]): Pick<Summary['run'], 'startupGuard'> {
  const held = records.flatMap((r) => (r.startupGuard ? [r.startupGuard] : []));
  if (!held.length) return {};
  return {
    startupGuard: {
      held: held.length,
      longestHeldMs: Math.round(Math.max(...held.map((h) => h.heldMs))),
      forced: held.filter((h) => h.forced).length,
    },
  };
}

/** The host of a virtual machine took more of its CPU than the generator's figures can be trusted with (steal). */
export const hostTookCpu = (g: Pick<GeneratorSummary, 'cpuStealPctP95'> | undefined): boolean =>
  (g?.cpuStealPctP95 ?? 0) > SATURATION.cpuStealPctP95;

/**
 * The run's generator figures, and two judgements apart: the machine was saturated (its CPU in the steady state,
 * its workers' event loops, or the calls' audio late or glitching across calls), or the client is heavy (a call's
 * own page held up its main thread or its audio while the machine had headroom). Only the first makes the run's
 * latencies the generator's own.
 */
export function summarizeGenerator(records: readonly CallRecord[]): GeneratorSummary {
  const stats = records.flatMap((r) => (r.generator ? [r.generator] : []));
  const windows = startupWindows(records);
  const cpu = splitCpuSamples(records, windows);
  const waiting = splitCpuSamples(records, windows, (g) => g.cpuWaitingPct);
  const steal = splitCpuSamples(records, windows, (g) => g.cpuStealPct);
  const lateness = defined(stats, (g) => g.pacingLatenessP99Ms);
  const pageLag = defined(stats, (g) => g.pageEventLoopLagP99Ms);
  const longTasks = defined(stats, (g) => g.pageLongTaskPct);
  const underruns = defined(stats, (g) => g.playbackUnderruns);
  const lateCalls = lateness.filter((v) => v > SATURATION.pacingLatenessP99Ms).length;
  const laggingPages = pageLag.filter((v) => v > SATURATION.pageEventLoopLagP99Ms).length;
  const busyPages = longTasks.filter((v) => v > SATURATION.pageLongTaskPct).length;
  const glitchingCalls = underruns.filter((v) => v > SATURATION.playbackUnderruns).length;
  const probed = probeFigures(records, 'sendPathMs');
  // Browser turns timed without a figure: the page never reached the probe (a remote browser, a page's policy).
  const unprobed = records
    .filter((r) => r.group === 'browser')
    .flatMap((r) => r.turns)
    .filter((t) => t.ttfbMs !== undefined && t.sendPathMs === undefined).length;
  const checks = turnChecks(records);
  const stalls = lateTurns(records, windows, checks.stalls);
  const holds = lateTurns(records, windows, checks.holds);
  const waits = lateTurns(records, windows, checks.waits);
  const heldIn = lateTurns(records, windows, checks.heldIn);
  const sends = lateTurns(records, windows, checks.sends);
  const s: GeneratorSummary = {
    cpuBusyPctP95: Math.round(percentile(cpu.steady, 95)),
    cpuSamples: { steady: cpu.steady.length, startup: cpu.startup.length },
    ...(cpu.startup.length ? { startupCpuBusyPctP95: Math.round(percentile(cpu.startup, 95)) } : {}),
    ...(waiting.steady.length ? { cpuWaitingPctP95: Math.round(percentile(waiting.steady, 95)) } : {}),
    ...(steal.steady.length ? { cpuStealPctP95: Math.round(percentile(steal.steady, 95)) } : {}),
    eventLoopLagP99Ms: percentile(
      stats.map((g) => g.eventLoopLagP99Ms),
      99,
    ),
    pageEventLoopLagP99Ms: percentile(pageLag, 99),
    pageLongTaskPctMax: longTasks.length ? Math.max(...longTasks) : 0,
    pacingLatenessP99Ms: percentile(lateness, 99),
    lateCalls,
    sendJitterP99Ms: percentile(
      defined(stats, (g) => g.sendJitterP99Ms),
      99,
    ),
    ...(underruns.length ? { playbackUnderruns: underruns.reduce((a, b) => a + b, 0) } : {}),
    ...(stalls.turns ? { stalledTurns: timedLate(stalls) } : {}),
    ...(holds.turns ? { heldTurns: timedLate(holds) } : {}),
    ...(waits.turns ? { waitedTurns: timedLate(waits) } : {}),
    ...(heldIn.turns ? { heldInTurns: timedLate(heldIn) } : {}),
    ...(sends.turns ? { delayedSendTurns: timedLate(sends) } : {}),
    ...(probed.length ? { sendPathProbedTurns: probed.length } : {}),
    ...(unprobed ? { sendPathUnprobedTurns: unprobed } : {}),
    saturated: false,
    reasons: [],
  };
  const heavy: string[] = [];
  const machine = (what: string) => s.reasons.push(what);
  if (s.cpuBusyPctP95 > SATURATION.cpuBusyPctP95)
    machine(`CPU busy p95 ${s.cpuBusyPctP95}% above ${SATURATION.cpuBusyPctP95}% with calls in progress`);
  const cpuWaiting = (s.cpuWaitingPctP95 ?? 0) > SATURATION.cpuWaitingPctP95;
  if (cpuWaiting)
    machine(
      `work waited for a CPU ${s.cpuWaitingPctP95}% of the time (p95), above ${SATURATION.cpuWaitingPctP95}%, ` +
        'with calls in progress',
    );
  const cpuStolen = hostTookCpu(s);
  if (cpuStolen)
    machine(
      `the host of this virtual machine took ${s.cpuStealPctP95}% of its CPU time (steal, p95), above ` +
        `${SATURATION.cpuStealPctP95}%, with calls in progress`,
    );
  if (s.eventLoopLagP99Ms > SATURATION.eventLoopLagP99Ms)
    machine(`worker event-loop lag p99 ${s.eventLoopLagP99Ms} ms above ${SATURATION.eventLoopLagP99Ms} ms`);
  for (const late of [stalls, waits, holds, sends])
    if (late.duringStartup > SATURATION.stalledTurnShare * late.timed) machine(duringStartupReason(late));
  // Known to be the browser's wherever it fell: the client's page and the agent are not on that way.
  if (heldIn.turns > SATURATION.stalledTurnShare * heldIn.timed)
    machine(`${heldIn.what} in ${heldIn.turns} of ${heldIn.timed} turn(s) (longest ${heldIn.longestMs} ms)`);
  const cpuShort = s.cpuBusyPctP95 > SATURATION.cpuBusyPctP95 || cpuWaiting || cpuStolen;
  const machineWide = (count: number, of: number) => cpuShort || acrossCalls(count, of);
  const signs: Array<[number, number, string]> = [
    [
      lateCalls,
      lateness.length,
      `audio sent late (pacing lateness p99 above ${SATURATION.pacingLatenessP99Ms} ms) in ${lateCalls} of ` +
        `${lateness.length} call(s), worst ${s.pacingLatenessP99Ms} ms`,
    ],
    [
      laggingPages,
      pageLag.length,
      `page main-thread lag p99 above ${SATURATION.pageEventLoopLagP99Ms} ms in ${laggingPages} of ` +
        `${pageLag.length} call(s), worst ${s.pageEventLoopLagP99Ms} ms`,
    ],
    // Waits elsewhere are counted, not judged: the page was there (no heavy client), and the CPU checks judge
    // the machine.
    elsewhereSign(stalls),
    elsewhereSign(holds),
    [
      glitchingCalls,
      underruns.length,
      `the client's audio underran in ${glitchingCalls} of ${underruns.length} call(s)`,
    ],
  ];
  for (const [count, of, what] of signs) {
    if (!count) continue;
    if (machineWide(count, of)) machine(what);
    else heavy.push(what);
  }
  if (busyPages && !machineWide(busyPages, longTasks.length))
    heavy.push(
      `page main thread in long tasks over ${SATURATION.pageLongTaskPct}% of the time in ${busyPages} of ` +
        `${longTasks.length} call(s), worst ${s.pageLongTaskPctMax}%`,
    );
  s.saturated = s.reasons.length > 0;
  // A saturated machine makes every page slow: the client's figures then say nothing of the client.
  s.heavyClientReasons = s.saturated ? [] : heavy;
  s.heavyClient = s.heavyClientReasons.length > 0;
  return s;
}

/** What to do about a saturated machine: its calls measured the generator's own delays. */
const SATURATED_ADVICE =
  "Run fewer calls per machine (the client profile's callsPerCore times its cores), shard the run over machines " +
  '(--shard), or run the browsers on another machine (BROWSER_WS_ENDPOINT); SATURATED=ignore lets the gates decide.';
/** CPU the host took is not the run's load: fewer calls do not give it back. */
const STOLEN_ADVICE =
  'The host of this virtual machine took CPU from it: run again when it does not (`npm run --silent bench:host` ' +
  'tells in 10 s; an idle machine reads none), or on a machine with dedicated cores.';

/** The advice for this saturated run: the host's first when it took CPU, the rest in any case. */
export function saturatedAdvice(g: Pick<GeneratorSummary, 'cpuStealPctP95'>): string {
  return hostTookCpu(g) ? `${STOLEN_ADVICE} ${SATURATED_ADVICE}` : SATURATED_ADVICE;
}
/** What a heavy client means: the machine had headroom, the delays are the client's own. */
export const HEAVY_CLIENT_ADVICE =
  "The machine had headroom: these delays are the client's own, as a user's browser would have them, and they " +
  "count in its latencies. Profile the client's page (long tasks, animations: CLIENT_ANIMATION_FPS caps them).";

/** The generator's one-line figures. */
export function generatorLine(g: GeneratorSummary): string {
  const startup = g.startupCpuBusyPctP95 === undefined ? '' : ` (start-up ${g.startupCpuBusyPctP95}%, apart)`;
  const underruns = g.playbackUnderruns === undefined ? '' : `, audio underruns ${g.playbackUnderruns}`;
  const stalls =
    (g.stalledTurns ? `, ${g.stalledTurns.turns} turn(s) timed after a page stall` : '') +
    (g.heldTurns ? `, ${g.heldTurns.turns} turn(s) with the caller's audio held back` : '') +
    (g.waitedTurns ? `, ${g.waitedTurns.turns} turn(s) whose first agent audio waited on its way` : '') +
    (g.heldInTurns ? ` (${g.heldInTurns.turns} held by the browser)` : '') +
    (g.delayedSendTurns ? `, ${g.delayedSendTurns.turns} turn(s) whose caller audio the browser sent late` : '') +
    (g.sendPathUnprobedTurns ? `, send path not probed in ${g.sendPathUnprobedTurns} browser turn(s)` : '');
  const waiting =
    (g.cpuWaitingPctP95 === undefined ? '' : `, work waiting for a CPU p95 ${g.cpuWaitingPctP95}%`) +
    (g.cpuStealPctP95 === undefined ? '' : `, taken by the host (steal) p95 ${g.cpuStealPctP95}%`);
  return (
    `CPU p95 ${g.cpuBusyPctP95}% with calls in progress${startup}${waiting}, ` +
    `worker event-loop lag p99 ${g.eventLoopLagP99Ms} ms, page lag p99 ${g.pageEventLoopLagP99Ms} ms, ` +
    `audio pacing lateness p99 ${g.pacingLatenessP99Ms ?? 0} ms (send jitter ${g.sendJitterP99Ms ?? 0} ms)` +
    underruns +
    stalls
  );
}
