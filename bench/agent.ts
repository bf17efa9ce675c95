import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { epochMs, sleep } from '../harness/clock';
import { LatenessHistogram } from '../fixtures/agent/stats';
import { quietNoise } from './agent-clients';

/**
 * Benchmark of the reference agent (`npm run --silent bench:agent -- --sessions N --seconds S`).
 * The agent runs in its own process (pinned to cpu 0 with --pin on a dedicated
 * machine: on a shared one, pinning only adds waits behind other processes);
 * N real ws clients in this process each send a 20 ms PCM16 frame every 20 ms
 * and keep the agent talking back in 20 ms frames (a typed message after each
 * reply). Prints progress on stderr and, last, one JSON line on stdout.
 * `--churn` instead connects and disconnects sessions for the whole run and
 * samples the agent's heap, for the "memory flat under churn" claim.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FRAME_MS = 20;

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
  /** Extra node flags for the agent process (e.g. --cpu-prof). */
  agentNodeArgs: string[];
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
    agentNodeArgs: [],
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
      case '--agent-node-arg':
        args.agentNodeArgs.push(argv[++i] ?? '');
        break;
      default:
        throw new Error(
          `unknown flag ${flag}; flags: --sessions N --seconds S [--ramp-sec R] [--churn] [--hold-min-ms] ` +
            `[--hold-max-ms] [--sample-sec] [--truth-sessions] [--pin] [--agent-node-arg FLAG]`,
        );
    }
  }
  if (args.rampSec < 0) args.rampSec = Math.min(10, Math.max(1, args.sessions / 100));
  if (args.sampleSec < 0) args.sampleSec = Math.max(1, Math.min(10, args.seconds / 10));
  if (args.holdMaxMs < args.holdMinMs) throw new Error('--hold-max-ms must be >= --hold-min-ms');
  return args;
}

const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);

interface Agent {
  child: ChildProcess;
  url: string;
  wsUrl: string;
}

async function startAgent(args: Args, pinCpu: number | undefined): Promise<Agent> {
  const env = {
    ...process.env,
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_FRAME_MS: String(FRAME_MS),
    AGENT_PROFILE: 'fast',
    AGENT_IDLE_TIMEOUT_SEC: '0',
    AGENT_LOG_LEVEL: 'warn',
    AGENT_GROUND_TRUTH_SESSIONS: String(args.truthSessions),
    AGENT_GROUND_TRUTH_DIR: '',
    AGENT_FAULTS: '',
    AGENT_MAX_SESSIONS: '0',
  };
  const node = [
    process.execPath,
    '--expose-gc',
    ...args.agentNodeArgs,
    '--import',
    'tsx',
    path.join(ROOT, 'fixtures/agent/main.ts'),
  ];
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
};

async function agentStats(agent: Agent, gc = false): Promise<AgentStats> {
  return (await (await fetch(`${agent.url}/api/v1/agent/stats${gc ? '?gc=1' : ''}`)).json()) as AgentStats;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/**
 * Client sockets grouped by send phase (1 ms buckets over the 20 ms frame), so
 * N sessions' frames are spread over the frame period as real callers' are,
 * not sent in one burst.
 */
class Pacer {
  private readonly buckets: Array<Set<WebSocket>> = Array.from({ length: FRAME_MS }, () => new Set());
  private readonly next: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly lag = new LatenessHistogram();
  framesSent = 0;
  private readonly frames = Array.from({ length: 8 }, (_, i) =>
    Buffer.from(quietNoise(FRAME_MS, 40, 16000, i + 1).buffer),
  );
  private slot = 0;

  constructor(t0 = epochMs()) {
    for (let b = 0; b < FRAME_MS; b++) this.next.push(t0 + b);
  }

  add(ws: WebSocket): void {
    this.buckets[this.slot++ % FRAME_MS]!.add(ws);
  }

  remove(ws: WebSocket): void {
    for (const b of this.buckets) b.delete(ws);
  }

  start(): void {
    const tick = () => {
      const now = epochMs();
      for (let b = 0; b < FRAME_MS; b++) {
        while (this.next[b]! <= now) {
          this.lag.record(now - this.next[b]!);
          const frame = this.frames[((this.next[b]! / FRAME_MS) % this.frames.length) | 0]!;
          for (const ws of this.buckets[b]!) {
            if (ws.readyState !== WebSocket.OPEN) continue;
            ws.send(frame);
            this.framesSent++;
          }
          this.next[b]! += FRAME_MS;
        }
      }
      this.timer = setTimeout(tick, 1);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

const AUDIO_PREFIX = Buffer.from('{"type":"audio_data"');
const FINAL = Buffer.from('"is_final":true');

/** One bench session: streams through the pacer and asks for another reply as each one ends. */
function openSession(
  agent: Agent,
  pacer: Pacer,
  id: string,
  counters: { framesReceived: number; open: number; failed: number },
): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${agent.wsUrl}?session_id=${id}&streaming_mode=realtime`, {
      skipUTF8Validation: true,
      perMessageDeflate: false,
    });
    let opened = false;
    ws.on('open', () => {
      opened = true;
      counters.open++;
      pacer.add(ws);
      resolve(ws);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary || data.compare(AUDIO_PREFIX, 0, AUDIO_PREFIX.length, 0, AUDIO_PREFIX.length) !== 0) return;
      counters.framesReceived++;
      if (data.includes(FINAL, data.length - 24)) ws.send('next question please');
    });
    ws.on('close', () => {
      pacer.remove(ws);
      if (opened) counters.open--;
      resolve(undefined);
    });
    ws.on('error', () => {
      if (!opened) counters.failed++;
    });
  });
}

async function throughput(args: Args, agent: Agent): Promise<Record<string, unknown>> {
  const pacer = new Pacer();
  pacer.start();
  const counters = { framesReceived: 0, open: 0, failed: 0 };
  const sockets: WebSocket[] = [];
  const gapMs = (args.rampSec * 1000) / args.sessions;
  const t0 = epochMs();
  for (let i = 0; i < args.sessions; i++) {
    const wait = t0 + i * gapMs - epochMs();
    if (wait > 1) await sleep(wait);
    void openSession(agent, pacer, `bench-${i}`, counters).then((ws) => ws && sockets.push(ws));
  }
  await sleep(1500); // the last sessions' greetings start; the window begins in steady state
  log(`${counters.open}/${args.sessions} sessions open; measuring for ${args.seconds} s`);
  await fetch(`${agent.url}/api/v1/agent/stats/reset`, { method: 'POST' });
  pacer.lag.reset();
  const received0 = counters.framesReceived;
  await sleep(args.seconds * 1000);
  const s = await agentStats(agent);
  const connected = counters.open;
  pacer.stop();
  for (const ws of sockets) ws.terminate();
  return {
    sessions: args.sessions,
    connected,
    framesIn: s.framesIn,
    framesOut: s.framesOut,
    sendJitterP99Ms: s.sendLateness.p99Ms,
    cpuCoresUsed: s.cpuCoresUsed,
    rssMb: mb(s.rssBytes),
    mode: 'throughput',
    seconds: Math.round(s.windowMs / 100) / 10,
    sendJitterMaxMs: s.sendLateness.maxMs,
    cpuSystemCores: s.cpuSystemCores,
    framesReceived: counters.framesReceived - received0,
    clientSendLagP99Ms: pacer.lag.percentile(99),
    connectFailures: counters.failed,
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
  const slot = async (k: number) => {
    await sleep((k * args.rampSec * 1000) / args.sessions);
    while (Date.now() < deadline) {
      const ws = await openSession(agent, pacer, `churn-${made++}`, counters);
      if (!ws) {
        await sleep(100);
        continue;
      }
      if (made % 2 === 0) ws.send('tell me something'); // a reply in flight when the caller hangs up
      await sleep(args.holdMinMs + Math.random() * (args.holdMaxMs - args.holdMinMs));
      // Half hang up cleanly, half vanish (TCP reset, no close frame).
      if (made % 4 < 2) ws.terminate();
      else ws.close(1000);
      await new Promise<void>((resolve) =>
        ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()),
      );
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
  };
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
  const agent = await startAgent(args, canPin ? 0 : undefined);
  log(
    `agent at ${agent.url}${canPin ? ' pinned to cpu 0, clients on the others' : ' (not pinned)'}; ${args.sessions} ` +
      `sessions, ${args.seconds} s${args.churn ? ', churn' : ''}`,
  );
  const loadBefore = os.loadavg()[0]!;
  if (loadBefore > cores * 0.5)
    log(`warning: load average ${loadBefore.toFixed(2)} on ${cores} cores: other work will show up as send jitter`);
  try {
    const result = args.churn ? await churn(args, agent) : await throughput(args, agent);
    // Other processes' load shows up as jitter: report it next to the figures.
    result.loadAvg1 = Math.round(Math.max(loadBefore, os.loadavg()[0]!) * 100) / 100;
    result.cpus = cores;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => agent.child.once('exit', resolve));
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`[bench:agent] ${e.message}\n`);
    process.exit(1);
  },
);
