import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { callCapacity } from '../../harness/clients/capacity';
import { CpuSampler } from '../../harness/generator/health';
import { splitCpuSamples } from '../../harness/generator/steady';
import { CallRecorder, type CallRecord, type GeneratorStats, type TurnRecord } from '../../harness/metrics/record';
import { burstPeriodMs, latenessMs, pacingFigures, sendHoldMs } from '../../harness/page/pacing';
import { delayedTurns, generatorLine, saturatedAdvice, summarizeGenerator } from '../../harness/reporter/generator';
import type { Summary } from '../../harness/reporter/schema';
import { ROOT } from '../helpers/run-load';
import { run } from '../helpers/spawn';

/** Send times of a client capturing `frameMs` frames, delivered by a callback every `burstMs` (sample-exact). */
function bursty(seconds: number, frameMs: number, burstMs: number, stall?: { atMs: number; forMs: number }) {
  const sendsAt: number[] = [];
  const audioMs: number[] = [];
  for (let k = 0; (k + 1) * frameMs <= seconds * 1000; k++) {
    // The frame is complete at (k + 1) * frameMs and leaves at the next callback; a stall holds the thread.
    let at = Math.ceil(((k + 1) * frameMs) / burstMs) * burstMs + 0.3;
    if (stall && at >= stall.atMs && at < stall.atMs + stall.forMs) at = stall.atMs + stall.forMs;
    sendsAt.push(at);
    audioMs.push(frameMs);
  }
  return { sendsAt, audioMs };
}

test('pacing: a bursty client that keeps its own cadence reads no lateness, its raw jitter does', () => {
  // 20 ms frames out of a 32 ms callback (a ScriptProcessorNode-like burst), and out of a 10 ms one.
  for (const burstMs of [32, 10]) {
    const c = bursty(30, 20, burstMs);
    const figures = pacingFigures(c.sendsAt, c.audioMs);
    expect(figures.latenessP99Ms, `burst ${burstMs}`).toBe(0);
    expect(figures.burstPeriodMs, `burst ${burstMs}`).toBeGreaterThanOrEqual(Math.min(burstMs, 20));
  }
  expect(pacingFigures(bursty(30, 20, 32).sendsAt, bursty(30, 20, 32).audioMs).jitterP99Ms).toBeGreaterThan(10);
  // Drift between the audio clock and the page clock (0.1%) is no lateness either.
  const drift = bursty(60, 20, 10);
  expect(
    pacingFigures(
      drift.sendsAt.map((t) => t * 1.001),
      drift.audioMs,
    ).latenessP99Ms,
  ).toBe(0);
});

test('pacing: a held thread makes its frames late by the stall, less the cadence', () => {
  const c = bursty(10, 20, 20, { atMs: 5000, forMs: 300 });
  const late = latenessMs(c.sendsAt, c.audioMs, burstPeriodMs(c.sendsAt));
  // The first frame held waits the whole stall (less one burst period of allowance).
  expect(Math.max(...late)).toBeGreaterThan(250);
  expect(late.filter((v) => v > 0).length).toBeGreaterThan(10);
  // Stalls every second (a saturated machine) push the p99 past the limit.
  let sendsAt = bursty(30, 20, 20).sendsAt;
  for (let s = 1000; s < 30_000; s += 1000) sendsAt = sendsAt.map((t) => (t >= s && t < s + 120 ? s + 120 : t));
  expect(pacingFigures(sendsAt, c.audioMs.concat(c.audioMs, c.audioMs)).latenessP99Ms).toBeGreaterThan(40);
});

test('send hold: audio late at the speech end against the turn schedule reads the delay; made-up holds do not', () => {
  const c = bursty(10, 20, 32);
  const allowance = burstPeriodMs(c.sendsAt);
  const hold = (sendsAt: number[], fromAt: number, toAt: number, nowAt = 10_000) =>
    sendHoldMs(sendsAt, c.audioMs, allowance, fromAt, toAt, nowAt);
  // A steady client is late by nothing beyond its own 32 ms bursts.
  expect(hold(c.sendsAt, 2000, 6000)).toBe(0);
  // Held 450 ms at 4 s and then sent from a later schedule (nothing made up): the pacing sees a new start, the
  // hold reads it at the speech end.
  const shifted = c.sendsAt.map((t) => (t >= 4000 ? t + 450 : t));
  expect(pacingFigures(shifted, c.audioMs).latenessP99Ms).toBe(0);
  expect(hold(shifted, 2000, 6000)).toBeGreaterThan(400);
  // Held and made up in a burst before the speech end: the end left on time.
  const held = bursty(10, 20, 32, { atMs: 4000, forMs: 450 }).sendsAt;
  expect(hold(held, 2000, 6000)).toBe(0);
  // Held over the speech end: late by what remained of the hold.
  expect(hold(held, 2000, 4200)).toBeGreaterThan(200);
  // A schedule that moved before the caller began (a client that sends only once speech starts) is not a hold.
  expect(hold(shifted, 4500, 8000)).toBe(0);
  // Nothing sent since before the speech end: behind by as long as it has not sent; no send while the caller
  // spoke reads 0.
  const stopped = c.sendsAt.filter((t) => t < 5000);
  expect(hold(stopped, 4000, 5500, 5800)).toBeGreaterThan(700);
  expect(hold([], 4000, 6000, 5800)).toBe(0);
});

test('pacing: a client that pauses its sending starts a new schedule rather than reading late', () => {
  const a = bursty(5, 20, 20);
  const b = bursty(5, 20, 20);
  // Five seconds of silence not sent: the frames after the pause are on time against their own schedule.
  const sendsAt = [...a.sendsAt, ...b.sendsAt.map((t) => t + 10_000)];
  expect(pacingFigures(sendsAt, [...a.audioMs, ...b.audioMs]).latenessP99Ms).toBe(0);
});

const T0 = 1_800_000_000_000;

function record(i: number, startedAtMs: number, g: Partial<GeneratorStats>, openAfterMs = 2000): CallRecord {
  const rec = new CallRecorder();
  rec.latency('ws/connect', 20);
  rec.latency('ttfb', 500);
  return rec.finish({
    callId: `call-${i}`,
    scenario: 'quick_question',
    voice: 'v',
    group: 'browser',
    startedAtMs,
    endedAtMs: startedAtMs + 20_000,
    ok: true,
    generator: {
      cpuBusyPct: [],
      eventLoopLagP99Ms: 2,
      startupEndAtMs: startedAtMs + openAfterMs,
      pageEventLoopLagP99Ms: 20,
      pageLongTaskPct: 1,
      pacingLatenessP99Ms: 0,
      sendJitterP99Ms: 10,
      ...g,
    },
  });
}

test('steady state: CPU samples while any call starts up are reported apart, not judged', () => {
  // Two calls: the second starts 5 s after the first; each samples the machine from its start.
  const cpu = (from: number, pct: number[]) => ({ cpuBusyPct: pct, cpuFirstAtMs: from + 1000, cpuIntervalMs: 1000 });
  const a = record(1, T0, cpu(T0, [99, 99, 40, 40, 40, 97, 98, 40, 40, 40]));
  const b = record(2, T0 + 5000, cpu(T0 + 5000, [97, 98, 40, 40, 40]));
  const split = splitCpuSamples([a, b]);
  expect(split.startup.sort()).toEqual([97, 97, 98, 98, 99, 99, 40].sort());
  expect(split.steady.every((v) => v === 40)).toBe(true);
  const g = summarizeGenerator([a, b]);
  expect([g.cpuBusyPctP95, g.startupCpuBusyPctP95, g.saturated]).toEqual([40, 99, false]);
  // A protocol-level call (no generator figures, no page) starts nothing up.
  const protocol = { ...record(4, T0 + 2500, {}), group: 'protocol' as const, generator: undefined };
  const withProtocol = splitCpuSamples([a, b, protocol]);
  expect([withProtocol.startup.sort(), withProtocol.steady]).toEqual([split.startup, split.steady]);
  // Older records (no sample times, sampled from the socket's opening) count as steady state.
  const old = record(3, T0, { cpuBusyPct: [95, 96] });
  expect(splitCpuSamples([old]).steady).toEqual([95, 96]);
  // The time work waited for a CPU is split the same way; a machine that does not tell has no figure.
  expect(g.cpuWaitingPctP95).toBeUndefined();
  const waiting = (r: CallRecord, pct: number[]) => ({ ...r, generator: { ...r.generator!, cpuWaitingPct: pct } });
  const told = summarizeGenerator([waiting(a, [60, 55, 4, 5, 3, 50, 52, 6, 2, 4]), waiting(b, [48, 45, 5, 3, 7])]);
  expect(told.cpuWaitingPctP95).toBe(7);
  expect(generatorLine(told)).toMatch(/work waiting for a CPU p95 7%/);
  expect(told.saturated).toBe(false);
});

test('work that waited for a CPU much of the time, with calls in progress, is a saturated machine', () => {
  const steady = (busy: number, waiting: number) => ({
    cpuBusyPct: [busy, busy, busy],
    cpuWaitingPct: [waiting, waiting, waiting],
    cpuFirstAtMs: T0 + 5000,
    cpuIntervalMs: 1000,
  });
  // Busy under the CPU limit, each second averaged out; the work waiting for a CPU says the cores were short.
  const short = summarizeGenerator([record(1, T0, steady(72, 56)), record(2, T0, steady(70, 50))]);
  expect(short.saturated).toBe(true);
  expect(short.reasons).toEqual(['work waited for a CPU 56% of the time (p95), above 40%, with calls in progress']);
  // Then a page sign in one call is the machine's too, not a heavy client.
  const lagging = summarizeGenerator([
    record(1, T0, { ...steady(72, 56), pageEventLoopLagP99Ms: 300 }),
    record(2, T0, steady(70, 50)),
  ]);
  expect([lagging.heavyClient, lagging.reasons.some((r) => /main-thread lag/.test(r))]).toEqual([false, true]);
  // At the limit it is not.
  const fine = summarizeGenerator([record(1, T0, steady(47, 40)), record(2, T0, steady(45, 28))]);
  expect([fine.saturated, fine.cpuWaitingPctP95]).toEqual([false, 40]);
});

test('CPU time the host of a virtual machine took (steal), with calls in progress, is a machine short of CPU', () => {
  const steady = (steal: number[], g: Partial<GeneratorStats> = {}) => ({
    cpuBusyPct: [45, 45, 45],
    cpuWaitingPct: [10, 10, 10],
    cpuStealPct: steal,
    cpuFirstAtMs: T0 + 5000,
    cpuIntervalMs: 1000,
    ...g,
  });
  // Busy and waiting read headroom: the guest does not count the time the host took in either.
  const stolen = summarizeGenerator([record(1, T0, steady([0, 22, 31])), record(2, T0, steady([18, 25, 2]))]);
  expect(stolen.cpuStealPctP95).toBe(31);
  expect(stolen.reasons).toEqual([
    'the host of this virtual machine took 31% of its CPU time (steal, p95), above 10%, with calls in progress',
  ]);
  expect(generatorLine(stolen)).toMatch(/taken by the host \(steal\) p95 31%/);
  // Fewer calls do not give the host's share back: the advice says so first.
  expect(saturatedAdvice(stolen)).toMatch(/^The host of this virtual machine took CPU from it: run again when/);
  expect(saturatedAdvice({ cpuStealPctP95: 2 })).toMatch(/^Run fewer calls per machine/);
  // A page sign in one call is then the machine's, not a heavy client's.
  const lagging = summarizeGenerator([record(1, T0, steady([20, 20, 20], { pageEventLoopLagP99Ms: 300 }))]);
  expect([lagging.heavyClient, lagging.reasons.some((r) => /main-thread lag/.test(r))]).toEqual([false, true]);
  // At the limit, or where the kernel does not tell (bare metal, not Linux), it is not.
  const fine = summarizeGenerator([record(1, T0, steady([10, 3, 0]))]);
  expect([fine.saturated, fine.cpuStealPctP95]).toEqual([false, 10]);
  const untold = summarizeGenerator([record(1, T0, { ...steady([]), cpuStealPct: undefined })]);
  expect([untold.saturated, untold.cpuStealPctP95]).toEqual([false, undefined]);
  expect(generatorLine(untold)).not.toMatch(/steal/);
});

test('the sampler reads work waiting for a CPU and the host share (steal) where told, each 0-100%', async () => {
  const sampler = new CpuSampler(50).start();
  // Busy for a while, so that the machine has something to run.
  const until = performance.now() + 300;
  while (performance.now() < until) Math.sqrt(Math.random());
  await new Promise((r) => setTimeout(r, 120));
  sampler.stop();
  sampler.sample();
  expect(sampler.samplesPct.length).toBeGreaterThanOrEqual(2);
  if (!fs.existsSync('/proc/pressure/cpu')) return void expect(sampler.waitingPct).toEqual([]);
  expect(sampler.waitingPct).toHaveLength(sampler.samplesPct.length);
  for (const pct of sampler.waitingPct) expect(pct >= 0 && pct <= 100, String(pct)).toBe(true);
  // The host's share (steal) from the kernel's CPU times, told wherever pressure is (a machine not virtual reads 0).
  expect(sampler.stealPct).toHaveLength(sampler.samplesPct.length);
  for (const pct of sampler.stealPct) expect(pct >= 0 && pct <= 100, String(pct)).toBe(true);
});

test('a saturated machine and a heavy client are told apart', () => {
  const steadyCpu = (pct: number) => ({ cpuBusyPct: [pct, pct, pct], cpuFirstAtMs: T0 + 5000, cpuIntervalMs: 1000 });
  // One call whose own page is busy and late while the machine has headroom: the client, not the machine.
  const heavy = summarizeGenerator([
    record(1, T0, { ...steadyCpu(45), pageLongTaskPct: 40, pacingLatenessP99Ms: 80, pageEventLoopLagP99Ms: 150 }),
  ]);
  expect(heavy.saturated).toBe(false);
  expect(heavy.heavyClient).toBe(true);
  expect(heavy.heavyClientReasons!.join('; ')).toMatch(/long tasks.*1 of 1 call/);
  // Lateness across most calls: the machine, whatever its CPU reads.
  const late = [1, 2, 3, 4].map((i) => record(i, T0, { ...steadyCpu(70), pacingLatenessP99Ms: i === 4 ? 0 : 90 }));
  const machine = summarizeGenerator(late);
  expect(machine.saturated).toBe(true);
  expect(machine.reasons.join('; ')).toMatch(/audio sent late .* in 3 of 4 call/);
  expect(machine.heavyClient).toBe(false);
  // Steady CPU high: saturated, and the page signs are the machine's.
  const cpu = summarizeGenerator([record(1, T0, { ...steadyCpu(97), pageLongTaskPct: 40 })]);
  expect(cpu.saturated).toBe(true);
  expect(cpu.reasons[0]).toMatch(/CPU busy p95 97% above 90%/);
  // Healthy: nothing.
  const ok = summarizeGenerator([record(1, T0, steadyCpu(50))]);
  expect([ok.saturated, ok.heavyClient, ok.lateCalls]).toEqual([false, false, 0]);
});

/** Half a machine busy from 5 s after `from` on: the CPU judges nothing in the late-turn cases below. */
const cpu = (from: number) => ({ cpuBusyPct: [50, 50, 50], cpuFirstAtMs: from + 5000, cpuIntervalMs: 1000 });
/** Call 2, started at `startedAtMs`, with one turn timed 9 s in and nothing late: its start-up is the point. */
const calm = (startedAtMs: number) => {
  const rec = record(2, startedAtMs, cpu(startedAtMs));
  rec.turns = [{ turn: 1, kind: 'speech', speechEndAtMs: startedAtMs + 9000, ttfbMs: 800 }];
  return rec;
};

test('a first audio dated after a page stall while another call started up is the machine saturated', () => {
  /** Call 1 with one turn whose first audio the page dated 6 s in, its main thread away `stallMs` before. */
  const stalledCall = (stallMs: number) => {
    const rec = record(1, T0, cpu(T0));
    rec.turns = [{ turn: 1, kind: 'speech', speechEndAtMs: T0 + 5200, ttfbMs: 800, firstAudioStallMs: stallMs }];
    return rec;
  };
  // Call 2 comes up from 5 s to 8 s: its start-up CPU is set apart, the stall it caused in call 1 is not.
  const starting = summarizeGenerator([stalledCall(120), calm(T0 + 6000)]);
  expect(starting.saturated).toBe(true);
  expect(starting.reasons.join('; ')).toMatch(/away over 50 ms in 1 of 2 turn\(s\) while other calls.*120 ms/);
  expect(starting.stalledTurns).toEqual({ turns: 1, duringStartup: 1, longestMs: 120 });
  // The same stall with no call starting: one call of two, that page's own (a heavy client).
  const alone = summarizeGenerator([stalledCall(120), calm(T0 + 30_000)]);
  expect(alone.saturated).toBe(false);
  expect(alone.heavyClientReasons!.join('; ')).toMatch(/away over 50 ms in 1 of 2 call/);
  // A short absence (a timer a little late) is no sign.
  const short = summarizeGenerator([stalledCall(30), calm(T0 + 6000)]);
  expect([short.saturated, short.heavyClient, short.stalledTurns]).toEqual([false, false, undefined]);
});

test('caller audio held back while another call started up is the machine saturated; else judged across calls', () => {
  /** Call 1 with one turn spoken from 4.5 s to 5.2 s, its audio held `holdMs` meanwhile. */
  const heldCall = (holdMs: number) => {
    const rec = record(1, T0, cpu(T0));
    rec.turns = [
      {
        turn: 1,
        kind: 'speech',
        speechStartAtMs: T0 + 4500,
        speechEndAtMs: T0 + 5200,
        ttfbMs: 1250,
        sendHoldMs: holdMs,
      },
    ];
    return rec;
  };
  // Call 2 comes up from 5 s to 8 s (its start-up window opens a second earlier), over call 1's turn.
  const starting = summarizeGenerator([heldCall(450), calm(T0 + 6000)]);
  expect(starting.saturated).toBe(true);
  expect(starting.reasons.join('; ')).toMatch(/caller audio held back over 50 ms .* 1 of 2 turn\(s\) while other.*450/);
  expect(starting.heldTurns).toEqual({ turns: 1, duringStartup: 1, longestMs: 450 });
  expect(generatorLine(starting)).toMatch(/1 turn\(s\) with the caller's audio held back/);
  // With no call starting: one call of two, that client's own.
  const alone = summarizeGenerator([heldCall(450), calm(T0 + 30_000)]);
  expect(alone.saturated).toBe(false);
  expect(alone.heavyClientReasons!.join('; ')).toMatch(/caller audio held back over 50 ms .* 1 of 2 call/);
  // In both calls, with no call starting: the machine's.
  const both = heldCall(450);
  const twice = summarizeGenerator([both, { ...heldCall(300), callId: 'call-2' }]);
  expect([twice.saturated, twice.heldTurns]).toEqual([true, { turns: 2, duringStartup: 0, longestMs: 450 }]);
  // A hold within the limit is no sign.
  const short = summarizeGenerator([heldCall(40), calm(T0 + 6000)]);
  expect([short.saturated, short.heavyClient, short.heldTurns]).toEqual([false, false, undefined]);
});

/** A call with a timed turn per value, speech ends 5.2 s in and every 10 s, each turn given `fields(value)`. */
const callOfTurns =
  <V = number>(fields: (value: V) => Partial<TurnRecord>) =>
  (i: number, startedAtMs: number, values: V[]) => {
    const rec = record(i, startedAtMs, cpu(startedAtMs));
    rec.turns = values.map((v, k) => ({
      turn: k + 1,
      kind: 'speech' as const,
      speechEndAtMs: startedAtMs + 5200 + 10_000 * k,
      ttfbMs: 800,
      ...fields(v),
    }));
    return rec;
  };

test('a first agent frame that waited on its way beyond the usual, during another start-up, is the machine', () => {
  /** A call whose turns' first frames waited `waits` ms; turn 1's first audio arrives 6 s in. */
  const call = callOfTurns((w) => (w ? { firstFrameWaitMs: w } : {}));
  // Call 2 comes up from 5 s to 8 s, over call 1's first turn.
  const starting = summarizeGenerator([call(1, T0, [82, 2, 1]), call(2, T0 + 6000, [0, 1, 3])]);
  expect(starting.saturated).toBe(true);
  expect(starting.reasons.join('; ')).toMatch(/first audio frame reached the page over 10 ms .* 1 of 6 turn/);
  expect(starting.waitedTurns).toEqual({ turns: 1, duringStartup: 1, longestMs: 80 });
  // 14 ms over the usual is a first-audio error past the harness's goal of 10 ms; 8 ms is not judged.
  const fourteen = summarizeGenerator([call(1, T0, [16, 2, 1]), call(2, T0 + 6000, [0, 1, 3])]);
  expect([fourteen.saturated, fourteen.waitedTurns?.longestMs]).toEqual([true, 14]);
  const eight = summarizeGenerator([call(1, T0, [10, 2, 1]), call(2, T0 + 6000, [0, 1, 3])]);
  expect([eight.saturated, eight.waitedTurns]).toEqual([false, undefined]);
  // An agent that bursts its first audio reads that burst on every turn: only the excess over the usual counts.
  const bursty = summarizeGenerator([call(1, T0, [160, 150, 155]), call(2, T0 + 6000, [150, 158, 152])]);
  expect([bursty.saturated, bursty.waitedTurns]).toEqual([false, undefined]);
  // With no call starting, it is counted, not judged.
  const alone = summarizeGenerator([call(1, T0, [82, 2, 1]), call(2, T0 + 30_000, [0, 1, 3])]);
  expect([alone.saturated, alone.heavyClient, alone.waitedTurns?.duringStartup]).toEqual([false, false, 0]);
});

test("a first frame's wait the browser made (its receive path held as long) is the machine, start-up or not", () => {
  /** Turns' first-frame waits, with the receive path around each first audio: `[wait, receive]` pairs. */
  const call = callOfTurns(([w, r]: [number, number]) => ({ firstFrameWaitMs: w, receivePathMs: r }));
  // No call starts near another's turns; the receive path's usual is 1 ms (the clocks' offset, say). The second call
  // keeps time on every turn.
  const apart = (a: Array<[number, number]>) =>
    summarizeGenerator([
      call(1, T0, a),
      call(2, T0 + 30_000, [
        [0, 0.8],
        [2, 1],
        [3, 1.1],
      ]),
    ]);
  const held = apart([
    [2, 1],
    [42, 35],
    [1, 1.2],
  ]);
  expect(held.saturated).toBe(true);
  expect(held.reasons.join('; ')).toMatch(/held over 10 ms by the browser .* in 1 of 6 turn\(s\) \(longest 34 ms\)/);
  expect(held.heldInTurns).toEqual({ turns: 1, duringStartup: 0, longestMs: 34 });
  expect(held.waitedTurns).toEqual({ turns: 1, duringStartup: 0, longestMs: 40 });
  expect(generatorLine(held)).toMatch(
    /1 turn\(s\) whose first agent audio waited on its way \(1 held by the browser\)/,
  );
  // The same wait with the harness's own messages on time: the agent's or the network's unevenness, counted only.
  const agents = apart([
    [2, 1],
    [42, 1.3],
    [1, 1.2],
  ]);
  expect([agents.saturated, agents.heldInTurns, agents.waitedTurns?.turns]).toEqual([false, undefined, 1]);
  // A receive path held while the first frame came on time moved nothing.
  const onTime = apart([
    [2, 40],
    [3, 1],
    [1, 1.2],
  ]);
  expect([onTime.saturated, onTime.heldInTurns]).toEqual([false, undefined]);
});

test('caller audio the browser sent late, beyond the usual, during another start-up, is the machine', () => {
  /** A call whose turns' send-path probes read at most these delays from their speech ends to the reply. */
  const call = callOfTurns((d) => ({ sendPathMs: d }));
  // Call 2 comes up from 5 s to 8 s, over call 1's first speech end; the usual is 1 ms.
  const starting = summarizeGenerator([call(1, T0, [171, 1.2, 0.9]), call(2, T0 + 6000, [0.8, 1, 1.1])]);
  expect(starting.saturated).toBe(true);
  expect(starting.reasons.join('; ')).toMatch(/carried over 10 ms late by the browser .* 1 of 6 turn.*170 ms/);
  expect(starting.delayedSendTurns).toEqual({ turns: 1, duringStartup: 1, longestMs: 170 });
  expect(starting.sendPathProbedTurns).toBe(6);
  expect(generatorLine(starting)).toMatch(/1 turn\(s\) whose caller audio the browser sent late/);
  // Within 10 ms of the usual is no sign, and a clock offset moves the usual, not the judgement.
  const near = summarizeGenerator([call(1, T0, [9, 1.2, 0.9]), call(2, T0 + 6000, [0.8, 1, 1.1])]);
  expect([near.saturated, near.delayedSendTurns]).toEqual([false, undefined]);
  const offset = summarizeGenerator([call(1, T0, [-2, -3, -2.5]), call(2, T0 + 6000, [-2.2, -2.9, 12])]);
  expect([offset.saturated, offset.delayedSendTurns]).toEqual([false, { turns: 1, duringStartup: 0, longestMs: 14 }]);
  // With no call starting, it is counted, not judged.
  const alone = summarizeGenerator([call(1, T0, [171, 1.2, 0.9]), call(2, T0 + 30_000, [0.8, 1, 1.1])]);
  expect([alone.saturated, alone.delayedSendTurns?.duringStartup]).toEqual([false, 0]);
  // A browser call whose page never reached the probe (a remote browser) is counted, and the line says so; a
  // protocol call has no browser send path to probe.
  const unprobed = summarizeGenerator([calm(T0)]);
  expect([unprobed.sendPathProbedTurns, unprobed.sendPathUnprobedTurns]).toEqual([undefined, 1]);
  expect(generatorLine(unprobed)).toMatch(/send path not probed in 1 browser turn/);
  expect(summarizeGenerator([{ ...calm(T0), group: 'protocol' }]).sendPathUnprobedTurns).toBeUndefined();
  expect(starting.sendPathUnprobedTurns).toBeUndefined();
});

test('the turns a run does not vouch for: each delay over its limit, in a start-up or not', () => {
  const sent = callOfTurns((d) => ({ sendPathMs: d }));
  const waited = callOfTurns((w) => ({ firstFrameWaitMs: w, sendPathMs: 1 }));
  // Call 2 comes up over call 1's first turn; call 3's second turn is late with no call starting.
  const calls = [sent(1, T0, [171, 1.2, 0.9]), sent(2, T0 + 6000, [0.8, 1, 1.1]), waited(3, T0 + 60_000, [1, 40, 2])];
  const flagged = delayedTurns(calls);
  expect([...flagged].sort()).toEqual([`${calls[0]!.callId}#1`, `${calls[2]!.callId}#2`]);
  // The same delays within their limits flag nothing.
  expect(delayedTurns([sent(1, T0, [9, 1.2, 0.9]), waited(3, T0 + 60_000, [1, 9, 2])]).size).toBe(0);
});

test("the default concurrency follows the client profile's calls per core", () => {
  expect(callCapacity({ callsPerCore: 2 }, 2)).toBe(4);
  expect(callCapacity({}, 2)).toBe(2);
  expect(callCapacity({ callsPerCore: 0.25 }, 2)).toBe(1);
});

const CLI = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const CONFIG = path.join(ROOT, 'tests', 'reporter-fixture', 'playwright.config.ts');
const REPORTER = path.join(ROOT, 'harness', 'reporter', 'index.ts');

test('a saturated generator makes the run INCONCLUSIVE, exit code 3, also merged; a failing gate wins', async () => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inconclusive-'));
  const records = path.join(dir, 'records.json');
  const saturated = { cpuBusyPct: [97, 98, 99], cpuFirstAtMs: T0 + 30_000, cpuIntervalMs: 1000 };
  fs.writeFileSync(records, JSON.stringify([1, 2, 3].map((i) => record(i, T0 + i, saturated))));
  // The default, spelled out: the load tier's config sets SATURATED for its own runs, and a unit test may load it.
  const env = { CANNED_RECORDS: records, SATURATED: 'inconclusive' };
  // Each run its own output folder: a run empties its folder as it starts, and these runs start together. One
  // worker each: the verdict is the subject here (merging across workers is report-merge's), and each worker
  // more is a process start-up more for the fast tier.
  const reporterRun = (name: string, extra: Record<string, string> = {}) =>
    run(
      process.execPath,
      [CLI, 'test', '-c', CONFIG, '--workers', '1', '--output', path.join(dir, `${name}-results`)],
      {
        cwd: ROOT,
        env: { ...env, REPORT_DIR: path.join(dir, name), ...extra },
      },
    );
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name, 'summary.json'), 'utf8')) as Summary;

  const [plain, ignored, failed, failing] = await Promise.all([
    reporterRun('plain'),
    reporterRun('ignored', { SATURATED: 'ignore' }),
    reporterRun('failed', { SATURATED: 'fail' }),
    reporterRun('failing', { GATES: 'ttfb:p95<100' }),
  ]);
  expect(plain.code, plain.output).toBe(3);
  expect(read('plain').verdict).toBe('inconclusive');
  expect(read('plain').verdictReason).toMatch(/^load generator saturated: CPU busy p95 99%/);
  expect(plain.output).toMatch(/Verdict: INCONCLUSIVE \(load generator saturated/);
  expect(plain.output).toMatch(/INCONCLUSIVE: the load generator was saturated .*BROWSER_WS_ENDPOINT/);
  expect(fs.readFileSync(path.join(dir, 'plain', 'index.html'), 'utf8')).toMatch(
    /verdict inconclusive">INCONCLUSIVE<[\s\S]*Inconclusive: the load generator was saturated/,
  );
  expect([ignored.code, read('ignored').verdict]).toEqual([0, 'pass']);
  expect([failed.code, read('failed').verdict]).toEqual([1, 'fail']);
  expect([failing.code, read('failing').verdict, read('failing').verdictReason]).toEqual([1, 'fail', undefined]);

  // Shards merged with merge-reports judge the same.
  const blob = path.join(dir, 'blob');
  const shard = await run(
    process.execPath,
    [CLI, 'test', '-c', CONFIG, '--workers', '1', '--shard', '1/1', '--output', `${blob}-results`],
    {
      cwd: ROOT,
      env: { ...env, PLAYWRIGHT_BLOB_OUTPUT_DIR: blob },
    },
  );
  expect(shard.code, shard.output).toBe(0);
  const merged = await run(process.execPath, [CLI, 'merge-reports', '--reporter', REPORTER, blob], {
    cwd: ROOT,
    env: { ...env, REPORT_DIR: path.join(dir, 'merged') },
  });
  expect(merged.code, merged.output).toBe(3);
  expect(read('merged').verdict).toBe('inconclusive');
});
