import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_PROFILES } from '../harness/clients/builtin';
import { hostTookCpu } from '../harness/reporter/generator';
import { createClientServer } from '../fixtures/client/server';
import { ROOT, runLoad } from '../tests/helpers/run-load';
import { callerLoopWav, startBareCalls } from './lib/bare';
import { samplesOf } from './lib/fidelity';
import { pct } from './lib/stats';
import { stolenLevelsWarning } from './lib/steal';
import { CORES, tree, TreeSampler } from './lib/processes';
import { ratedLoadEnv } from './lib/rated-load';

/**
 * `npm run --silent bench:density -- [--client reference] [--levels 4,8,12,16] [--seconds 30] [--keep-going]`:
 * how many concurrent calls of a client this machine carries with the
 * harness, and what the harness itself costs per call. Each level runs, side
 * by side: the client bare (one Chromium, a page per call, Chromium's own
 * fake capture, driven by a minimal script) and the same number of calls as
 * a load run (USERS=N; calls start again as they end), each measured over
 * `--seconds` of steady state with every call in progress. CPU and
 * proportional memory count every process of each variant; the agent runs in
 * a process of its own, outside both. A level passes when every call passes,
 * the generator is not saturated and the first audio is dated within 10 ms
 * (p99) of the agent's send log. Levels run in order and stop at the first
 * that fails (--keep-going runs them all). One JSON line per level, and last
 * the largest passing level.
 */
const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'reference' },
    levels: { type: 'string', default: '4,8,12,16' },
    seconds: { type: 'string', default: '30' },
    'keep-going': { type: 'boolean', default: false },
  },
});
const levels = values.levels.split(',').map(Number);
if (levels.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--levels must be positive integers, got ${values.levels}`);
const seconds = Number(values.seconds);
if (!(seconds >= 5 && seconds <= 600)) throw new Error(`--seconds must be 5-600, got ${values.seconds}`);
const profile = BUILTIN_PROFILES[values.client];
if (!profile?.referencePage)
  throw new Error(
    `--client must be a reference client profile (the bare variant serves its page), got ${values.client}: ` +
      Object.keys(BUILTIN_PROFILES)
        .filter((k) => BUILTIN_PROFILES[k]!.referencePage)
        .join(', '),
  );

const FIRST_AUDIO_LIMIT_MS = 10;
/** Bare pages settle (audio devices open, greetings played) before their window. */
const BARE_WARMUP_MS = 8000;
const STAGGER_MS = 250;

interface Agent {
  url: string;
  proc: ChildProcess;
}

/** The reference agent in its own process, so neither variant's figures include it. */
async function startAgent(groundTruthDir: string): Promise<Agent> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'fixtures/agent/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, AGENT_PORT: '0', AGENT_GROUND_TRUTH_DIR: groundTruthDir, AGENT_REPLY_DELAY_MS: '300' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const label = { browser: 'browser conversation', acs: 'ACS media', realtime: 'realtime' }[
    profile!.referenceTransport ?? 'browser'
  ];
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the agent did not start within 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`${label}: (ws://[^,)\\s]+)`).exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`the agent exited (${code}):\n${out}`)));
  });
  return { url, proc };
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

const gt = fs.mkdtempSync(path.join(os.tmpdir(), 'density-gt-'));
const agent = await startAgent(gt);
const client = await createClientServer({ port: 0 });
const wav = await callerLoopWav();
const pageUrl = new URL(profile.referencePage, client.url);
pageUrl.searchParams.set('ws', agent.url);
pageUrl.searchParams.set('transport', profile.referenceTransport ?? 'browser');
pageUrl.searchParams.set('scenario', 'quick_question');

/** The client bare: `calls` pages for `seconds` after a warm-up. */
async function bare(calls: number): Promise<{ cores: number; mb: number }> {
  const run = await startBareCalls({
    profile: profile!,
    pageUrl: pageUrl.toString(),
    calls,
    wav,
    staggerMs: STAGGER_MS,
  });
  try {
    await new Promise((r) => setTimeout(r, BARE_WARMUP_MS));
    const own = process.cpuUsage();
    const sampler = new TreeSampler(() => run.pid).start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const usage = sampler.stop();
    // The driving script (this process) is part of the bare cost: it is what a minimal driver costs.
    const ownSec = (process.cpuUsage(own).user + process.cpuUsage(own).system) / 2e6;
    return { cores: (usage.cpuSec + ownSec) / seconds, mb: usage.peakRssMb };
  } finally {
    await run.close();
  }
}

/** The same calls as a load run: measured once every call is in progress, for `seconds`. */
async function withHarness(calls: number) {
  let pid: number | undefined;
  let sampler: TreeSampler | undefined;
  let usage: ReturnType<TreeSampler['stop']> | undefined;
  let agentMb = 0;
  const run = await runLoad(
    {
      WS_URL: agent.url,
      CLIENT_PROFILE: values.client!,
      // First connects, the window, and room for the slowest start, after the ramp.
      ...ratedLoadEnv(calls, 30 + seconds + 15),
      EVIDENCE: 'off',
    },
    [],
    20 * 60_000,
    (p) => {
      pid = p;
    },
    (text) => {
      const m = /\[live\] \S+ hold \S+ · active (\d+)\/(\d+)/.exec(text);
      if (sampler || !m || Number(m[1]) < calls) return;
      sampler = new TreeSampler(() => pid).start();
      setTimeout(() => {
        usage = sampler!.stop();
        agentMb = tree(agent.proc.pid!).reduce((s, p) => s + p.rssMb, 0);
      }, seconds * 1000);
    },
  );
  if (!usage)
    throw new Error(`level ${calls}: the run never had ${calls} calls in progress:\n${run.output.slice(-3000)}`);
  return { run, usage, agentMb };
}

interface Level {
  client: string;
  concurrentCalls: number;
  callsPerCore: number;
  harnessCoresPerCall: number;
  harnessMbPerCall: number;
  bareCoresPerCall: number;
  memoryMbPerCall: number;
  firstAudioErrorP99Ms: number;
  pacingLatenessP99Ms: number;
  saturated: boolean;
}

let best: Level | null = null;
/** Levels that failed while the host of this virtual machine took CPU from it: they rate the host's load too. */
const stolenLevels: number[] = [];
try {
  for (const c of levels) {
    const b = await bare(c);
    const h = await withHarness(c);
    const g = h.run.summary.generator;
    const harnessCores = h.usage.cpuSec / seconds;
    const firstAudio = samplesOf(h.run, gt).map((s) => s.firstAudioErr);
    const level: Level = {
      client: values.client!,
      concurrentCalls: c,
      callsPerCore: round(c / CORES, 1),
      harnessCoresPerCall: round((harnessCores - b.cores) / c),
      harnessMbPerCall: Math.round((h.usage.peakRssMb - b.mb) / c),
      bareCoresPerCall: round(b.cores / c),
      // The whole machine's share per call: harness, browsers and the agent.
      memoryMbPerCall: Math.round((h.usage.peakRssMb + h.agentMb) / c),
      firstAudioErrorP99Ms: round(pct(firstAudio, 99), 1),
      pacingLatenessP99Ms: g?.pacingLatenessP99Ms ?? 0,
      saturated: g?.saturated ?? true,
    };
    const { total, failed } = h.run.summary.run.calls;
    const pass =
      failed === 0 && total >= c && !level.saturated && firstAudio.length > 0 && level.firstAudioErrorP99Ms <= 10;
    // Where the harness's time went: each process kind's share of a core per call.
    const byProcess = Object.fromEntries(
      Object.entries(h.usage.cpuSecByKind).map(([k, v]) => [k, round(v / seconds / c)]),
    );
    console.log(
      JSON.stringify({
        ...level,
        pass,
        calls: total,
        failedCalls: failed,
        harnessCores: round(harnessCores, 2),
        bareCores: round(b.cores, 2),
        bareMbPerCall: Math.round(b.mb / c),
        cpuBusyPctP95: g?.cpuBusyPctP95,
        startupCpuBusyPctP95: g?.startupCpuBusyPctP95,
        cpuWaitingPctP95: g?.cpuWaitingPctP95,
        cpuStealPctP95: g?.cpuStealPctP95,
        firstAudioSamples: firstAudio.length,
        firstAudioLimitMs: FIRST_AUDIO_LIMIT_MS,
        cpuCoresPerCallByProcess: byProcess,
        reasons: g?.reasons ?? [],
      }),
    );
    if (pass) best = level;
    else if (hostTookCpu(g)) stolenLevels.push(c);
    if (!pass && !values['keep-going']) break;
  }
} finally {
  agent.proc.kill('SIGTERM');
  await client.close();
}
if (stolenLevels.length)
  console.error(`[density] ${stolenLevelsWarning(`${stolenLevels.join(', ')} call(s)`, 'rating', "the machine's")}`);
const rated = best ?? {
  client: values.client,
  concurrentCalls: 0,
  callsPerCore: 0,
  harnessCoresPerCall: 0,
  harnessMbPerCall: 0,
  bareCoresPerCall: 0,
  memoryMbPerCall: 0,
  firstAudioErrorP99Ms: 0,
  pacingLatenessP99Ms: 0,
  saturated: true,
};
console.log(JSON.stringify(stolenLevels.length ? { ...rated, stolenLevels } : rated));
