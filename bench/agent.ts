import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { sleep } from '../harness/clock';
import { CpuSampler } from '../harness/generator/health';
import { hostTookCpu } from '../harness/reporter/generator';
import { pct } from './lib/fidelity';
import { stolenLevelsWarning } from './lib/steal';
import { FRAME_MS, openSession, Pacer } from './agent-pacer';

/**
 * Benchmark of the reference agent (`npm run --silent bench:agent -- --sessions N --seconds S`).
 * The agent runs in its own process (pinned to cpu 0 with --pin on a dedicated
 * machine: on a shared one, pinning only adds waits behind other processes);
 * N real ws clients, spread over K client processes (`--client-procs K`,
 * bench/agent-load-client.ts) so that one client event loop is not the limit,
 * each send a 20 ms PCM16 frame every 20 ms and keep the agent talking back in
 * 20 ms frames (a typed message after each reply; `--agent-frame-ms` sets the
 * agent's frames, 50 ms by default outside this bench). Prints progress on stderr
 * and, last, one JSON line on stdout. `--curve 100,250,...` runs each level
 * against a fresh agent and reports the most sessions per agent core whose
 * sends held their schedule. `--churn` instead connects and disconnects
 * sessions (in this process) for the whole run and samples the agent's heap,
 * for the "memory flat under churn" claim.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every mainstream kernel build). */
const CLOCK_TICKS_PER_SEC = 100;
/** A level passes while the agent's send lateness p99 stays within this (a quarter of a frame). */
const SEND_LATENESS_LIMIT_MS = 5;
/** Clients whose own send lag p99 exceeds this are the bottleneck: the run does not measure the agent. */
const CLIENT_LAG_LIMIT_MS = 5;
/** Churn keeps at most this many heap samples in its output (evenly thinned); all are logged on stderr. */
const CHURN_SAMPLES_OUT = 12;

interface Args {
  sessions: number;
  seconds: number;
  rampSec: number;
  churn: boolean;
  holdMinMs: number;
  holdMaxMs: number;
  sampleSec: number;
  truthSessions: number;
  pin: boolean;
  /** Client processes the throughput sessions are spread over. */
  clientProcs: number;
  /** Session counts of a curve run; empty for a single level. */
  curve: number[];
  /** Extra node flags for the agent process (e.g. --cpu-prof). */
  agentNodeArgs: string[];
  /** Audio per reply frame (AGENT_FRAME_MS): 20 ms, more writes than the agent's default 50, unless told. */
  agentFrameMs: number;
  /** Each curve level also runs against the floor servers (bench/agent-floor.ts), without and with the VAD. */
  floor: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sessions: 100,
    seconds: 20,
    rampSec: -1,
    churn: false,
    holdMinMs: 500,
    holdMaxMs: 3000,
    sampleSec: -1,
    truthSessions: 500,
    pin: false,
    clientProcs: Math.max(2, Math.min(8, os.cpus().length - 1)),
    curve: [],
    agentNodeArgs: [],
    agentFrameMs: FRAME_MS,
    floor: false,
  };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min)
      throw new Error(`${flag} needs a number >= ${min} (got ${v ?? 'nothing'})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--sessions':
        args.sessions = Math.round(num(flag, argv[++i], 1));
        break;
      case '--seconds':
        args.seconds = num(flag, argv[++i], 1);
        break;
      case '--ramp-sec':
        args.rampSec = num(flag, argv[++i], 0);
        break;
      case '--churn':
        args.churn = true;
        break;
      case '--hold-min-ms':
        args.holdMinMs = num(flag, argv[++i], 20);
        break;
      case '--hold-max-ms':
        args.holdMaxMs = num(flag, argv[++i], 20);
        break;
      case '--sample-sec':
        args.sampleSec = num(flag, argv[++i], 0.5);
        break;
      case '--truth-sessions':
        args.truthSessions = Math.round(num(flag, argv[++i], 1));
        break;
      case '--pin':
        args.pin = true;
        break;
      case '--client-procs':
        args.clientProcs = Math.round(num(flag, argv[++i], 1));
        break;
      case '--curve':
        args.curve = (argv[++i] ?? '').split(',').map((v) => Math.round(num(flag, v, 1)));
        break;
      case '--agent-frame-ms':
        args.agentFrameMs = Math.round(num(flag, argv[++i], 10));
        break;
      case '--floor':
        args.floor = true;
        break;
      case '--agent-node-arg':
        args.agentNodeArgs.push(argv[++i] ?? '');
        break;
      default:
        throw new Error(
          `unknown flag ${flag}; flags: --sessions N --seconds S [--ramp-sec R] [--churn] [--hold-min-ms] ` +
            `[--hold-max-ms] [--sample-sec] [--truth-sessions] [--pin] [--client-procs K] [--curve N1,N2,...] ` +
            `[--agent-frame-ms MS] [--floor] [--agent-node-arg FLAG]`,
        );
    }
  }
  if (args.curve.length > 0 && args.churn) throw new Error('--curve and --churn are separate runs');
  if (args.curve.length > 20) throw new Error('--curve takes at most 20 levels');
  if (args.floor && args.curve.length === 0) throw new Error('--floor compares the levels of a --curve: give one');
  if (args.sampleSec < 0) args.sampleSec = Math.max(1, Math.min(10, args.seconds / 10));
  if (args.holdMaxMs < args.holdMinMs) throw new Error('--hold-max-ms must be >= --hold-min-ms');
  return args;
}

/** Ramp over 1 s per 100 sessions, 1 to 10 s (a --ramp-sec given applies to every level). */
const defaultRampSec = (sessions: number) => Math.min(10, Math.max(1, sessions / 100));

const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);

interface Agent {
  child: ChildProcess;
  url: string;
  wsUrl: string;
}

/** What answers the callers: the reference agent, or the floor server without or with the VAD. */
type Server = 'agent' | 'floor' | 'floor-vad';

async function startAgent(args: Args, pinCpu: number | undefined, server: Server = 'agent'): Promise<Agent> {
  const env = {
    ...process.env,
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_FRAME_MS: String(args.agentFrameMs),
    AGENT_PROFILE: 'fast',
    AGENT_IDLE_TIMEOUT_SEC: '0',
    AGENT_LOG_LEVEL: 'warn',
    AGENT_GROUND_TRUTH_SESSIONS: String(args.truthSessions),
    AGENT_GROUND_TRUTH_DIR: '',
    AGENT_FAULTS: '',
    AGENT_MAX_SESSIONS: '0',
  };
  const entry =
    server === 'agent'
      ? [path.join(ROOT, 'fixtures/agent/main.ts')]
      : [path.join(ROOT, 'bench/agent-floor.ts'), '--frame-ms', String(args.agentFrameMs)];
  if (server === 'floor-vad') entry.push('--vad');
  const node = [process.execPath, '--expose-gc', ...args.agentNodeArgs, '--import', 'tsx', ...entry];
  const cmd = pinCpu === undefined ? node : ['taskset', '-c', String(pinCpu), ...node];
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+) \(browser conversation: (\S+?),/.exec(out);
      if (m) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code}) before listening:\n${out}`)));
  });
  const m = /listening on (\S+) \(browser conversation: (\S+?),/.exec(line)!;
  return { child, url: m[1]!, wsUrl: m[2]! };
}

type AgentStats = {
  activeSessions: number;
  sessionsOpened: number;
  framesIn: number;
  framesOut: number;
  windowMs: number;
  sendLateness: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  cpuCoresUsed: number;
  cpuSystemCores: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The floor server with the VAD: 10 ms frames its VAD decided. */
  vadFrames?: number;
};

async function agentStats(agent: Agent, gc = false): Promise<AgentStats> {
  const res = await fetch(`${agent.url}/api/v1/agent/stats${gc ? '?gc=1' : ''}`, {
    signal: AbortSignal.timeout(30_000),
  });
  return (await res.json()) as AgentStats;
}

async function stopAgent(agent: Agent): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  const timer = setTimeout(() => agent.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** CPU seconds (user + system, all threads) the process has used, from /proc; undefined off Linux. */
function procCpuSec(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

interface LoadClient {
  child: ChildProcess;
  lines: string[];
  waiters: Array<() => void>;
  exited: boolean;
}

interface ClientResult {
  connected: number;
  connectFailures: number;
  framesSent: number;
  framesReceived: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
}

function startLoadClient(agent: Agent, sessions: number, rampSec: number, id: string, maxSec: number): LoadClient {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/agent-load-client.ts'),
      '--ws-url',
      agent.wsUrl,
      '--sessions',
      String(sessions),
      '--ramp-sec',
      String(rampSec),
      '--id-prefix',
      id,
      '--max-sec',
      String(Math.ceil(maxSec)),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const client: LoadClient = { child, lines: [], waiters: [], exited: false };
  const wake = () => {
    for (const w of client.waiters.splice(0)) w();
  };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    client.lines.push(line);
    wake();
  });
  child.once('exit', () => {
    client.exited = true;
    wake();
  });
  // A client that exits early closes its stdin: writing to it then must not crash the bench.
  child.stdin!.on('error', () => {});
  return client;
}

/** The client's first stdout line with this event, or an error after timeoutMs or if it exits first. */
async function clientEvent(c: LoadClient, event: string, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of c.lines) {
      try {
        const msg = JSON.parse(line) as Record<string, number> & { event?: string };
        if (msg.event === event) return msg;
      } catch {
        /* not a protocol line */
      }
    }
    const left = deadline - Date.now();
    if (c.exited || left <= 0)
      throw new Error(`load client ${c.child.pid} gave no "${event}" (${c.exited ? 'exited' : 'timed out'})`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      c.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Ends a client process: asks it to stop, and kills it if it has not exited in a few seconds. */
async function endClient(c: LoadClient): Promise<void> {
  if (!c.exited) c.child.stdin!.end();
  const deadline = Date.now() + 5000;
  while (!c.exited && Date.now() < deadline) await sleep(50);
  if (!c.exited) c.child.kill('SIGKILL');
}

/**
 * N sessions spread over K client processes; the measured window starts when
 * every client has opened its share. The agent's CPU is read from /proc (its
 * own process, whatever its event loop is doing), its send lateness from its
 * stats; the clients' own send lag is reported apart, and a run whose clients
 * lagged is flagged as not measuring the agent.
 */
async function throughput(args: Args, agent: Agent): Promise<Record<string, unknown>> {
  const procs = Math.max(1, Math.min(args.clientProcs, args.sessions));
  const rampSec = args.rampSec >= 0 ? args.rampSec : defaultRampSec(args.sessions);
  // Room for tsx's start, the ramp, the window and the bench's own steps; past it a client quits by itself.
  const maxSec = 60 + rampSec + args.seconds;
  const clients: LoadClient[] = [];
  try {
    for (let k = 0; k < procs; k++) {
      const share = Math.floor(args.sessions / procs) + (k < args.sessions % procs ? 1 : 0);
      clients.push(startLoadClient(agent, share, rampSec, `bench-p${k}`, maxSec));
    }
    const opened = await Promise.all(clients.map((c) => clientEvent(c, 'open', (maxSec - args.seconds) * 1000)));
    await sleep(1500); // the last sessions' greetings start; the window begins in steady state
    log(
      `${opened.reduce((n, o) => n + (o.open ?? 0), 0)}/${args.sessions} sessions open over ${procs} client ` +
        `processes; measuring for ${args.seconds} s`,
    );
    await fetch(`${agent.url}/api/v1/agent/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const cpu0 = procCpuSec(agent.child.pid);
    const wall0 = performance.now();
    // The host of a virtual machine can stop its CPUs (steal): sends then fall late that the agent did not delay.
    const machine = new CpuSampler().start();
    for (const c of clients) c.child.stdin!.write('measure\n');
    await sleep(args.seconds * 1000);
    const cpu1 = procCpuSec(agent.child.pid);
    machine.stop();
    const wallSec = (performance.now() - wall0) / 1000;
    const s = await agentStats(agent);
    for (const c of clients) c.child.stdin!.write('stop\n');
    const results = (await Promise.all(clients.map((c) => clientEvent(c, 'result', 15_000)))) as unknown as Array<
      ClientResult & { measured: boolean }
    >;
    if (results.some((r) => !r.measured)) throw new Error('a load client missed the start of the window');
    const sum = (key: keyof ClientResult) => results.reduce((n, r) => n + r[key], 0);
    const clientLagP99Ms = Math.max(...results.map((r) => r.sendLagP99Ms));
    const agentCores =
      cpu0 !== undefined && cpu1 !== undefined ? Math.round(((cpu1 - cpu0) / wallSec) * 1000) / 1000 : s.cpuCoresUsed;
    return {
      sessions: args.sessions,
      connected: sum('connected'),
      framesIn: s.framesIn,
      framesOut: s.framesOut,
      sendJitterP99Ms: s.sendLateness.p99Ms,
      cpuCoresUsed: s.cpuCoresUsed,
      rssMb: mb(s.rssBytes),
      mode: 'throughput',
      seconds: Math.round(s.windowMs / 100) / 10,
      sendJitterMaxMs: s.sendLateness.maxMs,
      cpuSystemCores: s.cpuSystemCores,
      framesReceived: sum('framesReceived'),
      clientSendLagP99Ms: clientLagP99Ms,
      connectFailures: sum('connectFailures'),
      sendLatenessP99Ms: s.sendLateness.p99Ms,
      agentCores,
      clientProcs: procs,
      agentFrameMs: args.agentFrameMs,
      clientSendLagMaxMs: Math.max(...results.map((r) => r.sendLagMaxMs)),
      framesSent: sum('framesSent'),
      clientLimited: clientLagP99Ms > CLIENT_LAG_LIMIT_MS,
      ...(machine.stealPct.length ? { cpuStealPctP95: Math.round(pct(machine.stealPct, 95)) } : {}),
      ...(s.vadFrames === undefined ? {} : { vadFrames: s.vadFrames }),
    };
  } finally {
    await Promise.all(clients.map((c) => endClient(c)));
  }
}

interface CurveLevel {
  sessions: number;
  agentCores: number;
  sendLatenessP99Ms: number;
  clientSendLagP99Ms: number;
  clientLimited: boolean;
  connected: number;
  cpuCoresUsed: number;
  framesIn: number;
  framesOut: number;
  /** The share of the machine's CPU time its host took over the window (%, p95 of 1 s samples), where told. */
  cpuStealPctP95?: number;
  passed: boolean;
  /** With --floor: the floor servers' CPU for the same callers, without and with the VAD, and their lateness. */
  floorCores?: number;
  floorVadCores?: number;
  floorSendLatenessP99Ms?: number;
  floorVadSendLatenessP99Ms?: number;
  /** What the floor with the VAD received, sent and decided, to compare with the agent's framesIn and framesOut. */
  floorVadFramesIn?: number;
  floorVadFramesOut?: number;
  floorVadDecisions?: number;
  /** The host's share over the two floor windows (the larger), as cpuStealPctP95 is the agent's. */
  floorCpuStealPctP95?: number;
  /** The agent's CPU over the floor with the VAD: how much more than the least an agent must do. */
  agentOverFloorVad?: number;
}

/** One throughput run of `sessions` callers against a fresh server of this kind. */
async function runLevel(args: Args, sessions: number, pinCpu: number | undefined, server: Server) {
  const agent = await startAgent(args, pinCpu, server);
  log(`level ${sessions} sessions: ${server} at ${agent.url}`);
  try {
    return await throughput({ ...args, sessions }, agent);
  } finally {
    await stopAgent(agent);
  }
}

/** The floor servers' figures for a level, run right after the agent's so the machine is alike. */
async function floorLevel(args: Args, level: CurveLevel, pinCpu: number | undefined): Promise<void> {
  const bare = await runLevel(args, level.sessions, pinCpu, 'floor');
  const vad = await runLevel(args, level.sessions, pinCpu, 'floor-vad');
  level.floorCores = Number(bare.agentCores);
  level.floorVadCores = Number(vad.agentCores);
  level.floorSendLatenessP99Ms = Number(bare.sendLatenessP99Ms);
  level.floorVadSendLatenessP99Ms = Number(vad.sendLatenessP99Ms);
  level.floorVadFramesIn = Number(vad.framesIn);
  level.floorVadFramesOut = Number(vad.framesOut);
  level.floorVadDecisions = Number(vad.vadFrames);
  const steal = [bare, vad].map((r) => r.cpuStealPctP95).filter((v) => v !== undefined);
  if (steal.length) level.floorCpuStealPctP95 = Math.max(...steal.map(Number));
  if (level.floorVadCores > 0)
    level.agentOverFloorVad = Math.round((level.agentCores / level.floorVadCores) * 100) / 100;
  log(
    `level ${level.sessions}: floor ${level.floorCores} cores (lateness p99 ${level.floorSendLatenessP99Ms} ms), ` +
      `with the VAD ${level.floorVadCores} (${level.floorVadSendLatenessP99Ms} ms); ` +
      `the agent ${level.agentOverFloorVad ?? '?'} times that`,
  );
}

/** Sends late past the limit a level passes within (an unmeasured floor is not late). */
const late = (p99Ms: number | undefined) => p99Ms !== undefined && p99Ms > SEND_LATENESS_LIMIT_MS;

/** Sessions per core of the floor at the largest level whose sends kept their schedule. */
function floorPerCore(levels: CurveLevel[], cores: 'floorCores' | 'floorVadCores'): number | undefined {
  const lateness = cores === 'floorCores' ? 'floorSendLatenessP99Ms' : 'floorVadSendLatenessP99Ms';
  const held = levels.filter((l) => (l[cores] ?? 0) > 0 && (l[lateness] ?? Infinity) <= SEND_LATENESS_LIMIT_MS);
  const top = held.sort((a, b) => b.sessions - a.sessions)[0];
  return top ? Math.round(top.sessions / top[cores]!) : undefined;
}

/** One throughput run per level, each against a fresh agent, and the most sessions per agent core that held. */
async function curve(args: Args, pinCpu: number | undefined): Promise<Record<string, unknown>> {
  const levels: CurveLevel[] = [];
  for (const sessions of args.curve) {
    const r = await runLevel(args, sessions, pinCpu, 'agent');
    const level: CurveLevel = {
      sessions,
      agentCores: Number(r.agentCores),
      sendLatenessP99Ms: Number(r.sendLatenessP99Ms),
      clientSendLagP99Ms: Number(r.clientSendLagP99Ms),
      clientLimited: r.clientLimited === true,
      connected: Number(r.connected),
      cpuCoresUsed: Number(r.cpuCoresUsed),
      framesIn: Number(r.framesIn),
      framesOut: Number(r.framesOut),
      ...(r.cpuStealPctP95 === undefined ? {} : { cpuStealPctP95: Number(r.cpuStealPctP95) }),
      passed: false,
    };
    level.passed =
      level.connected === sessions && level.sendLatenessP99Ms <= SEND_LATENESS_LIMIT_MS && !level.clientLimited;
    levels.push(level);
    log(
      `level ${sessions}: agent ${level.agentCores} cores, send lateness p99 ${level.sendLatenessP99Ms} ms, ` +
        `client lag p99 ${level.clientSendLagP99Ms} ms${level.clientLimited ? ' (client-limited)' : ''}, ` +
        `${level.cpuStealPctP95 ? `host took ${level.cpuStealPctP95}% (steal p95), ` : ''}` +
        `${level.passed ? 'passed' : 'failed'}`,
    );
    if (args.floor) await floorLevel(args, level, pinCpu);
  }
  const best = levels.filter((l) => l.passed).sort((a, b) => b.sessions - a.sessions)[0];
  const stolenLevels = levels.filter((l) => !l.passed && hostTookCpu(l)).map((l) => l.sessions);
  if (stolenLevels.length)
    log(stolenLevelsWarning(`${stolenLevels.join(', ')} sessions, which failed`, 'figure', "the agent's"));
  // A floor whose sends fell late while the host took CPU says as little of the machine as such an agent level.
  const stolenFloors = levels
    .filter((l) => late(l.floorSendLatenessP99Ms) || late(l.floorVadSendLatenessP99Ms))
    .filter((l) => hostTookCpu({ cpuStealPctP95: l.floorCpuStealPctP95 }))
    .map((l) => l.sessions);
  if (stolenFloors.length)
    log(stolenLevelsWarning(`${stolenFloors.join(', ')} sessions of the floor`, 'floor', "the machine's"));
  return {
    mode: 'curve',
    levels,
    maxSessionsPerAgentCore: best && best.agentCores > 0 ? Math.round(best.sessions / best.agentCores) : 0,
    largestPassingSessions: best?.sessions ?? 0,
    seconds: args.seconds,
    clientProcs: args.clientProcs,
    agentFrameMs: args.agentFrameMs,
    ...(stolenLevels.length ? { stolenLevels } : {}),
    ...(stolenFloors.length ? { stolenFloorLevels: stolenFloors } : {}),
    ...(args.floor
      ? {
          floorSessionsPerCore: floorPerCore(levels, 'floorCores') ?? 0,
          floorVadSessionsPerCore: floorPerCore(levels, 'floorVadCores') ?? 0,
        }
      : {}),
  };
}

async function churn(args: Args, agent: Agent): Promise<Record<string, unknown>> {
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cores = os.cpus().length;
  const canPin = args.pin && cores >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  if (canPin) spawnSync('taskset', ['-a', '-cp', `1-${cores - 1}`, String(process.pid)], { stdio: 'ignore' });
  const loadBefore = os.loadavg()[0]!;
  if (loadBefore > cores * 0.5)
    log(`warning: load average ${loadBefore.toFixed(2)} on ${cores} cores: other work will show up as send jitter`);
  let result: Record<string, unknown>;
  if (args.curve.length > 0) {
    log(`curve ${args.curve.join(', ')} sessions, ${args.seconds} s each, ${args.clientProcs} client processes`);
    result = await curve(args, canPin ? 0 : undefined);
  } else {
    const agent = await startAgent(args, canPin ? 0 : undefined);
    const clients = args.churn ? 'churn' : `${args.clientProcs} client processes`;
    log(
      `agent at ${agent.url}${canPin ? ' pinned to cpu 0, clients on the others' : ' (not pinned)'}; ` +
        `${args.sessions} sessions, ${args.seconds} s, ${clients}`,
    );
    try {
      result = args.churn ? await churn(args, agent) : await throughput(args, agent);
    } finally {
      await stopAgent(agent);
    }
  }
  // Other processes' load shows up as jitter: report it next to the figures.
  result.loadAvg1 = Math.round(Math.max(loadBefore, os.loadavg()[0]!) * 100) / 100;
  result.cpus = cores;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`[bench:agent] ${e.message}\n`);
    process.exit(1);
  },
);
