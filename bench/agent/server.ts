import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../tests/helpers/run-load';
import type { Args } from './args';

/**
 * The server `bench:agent` measures, in a process of its own: the reference
 * agent, or the floor (bench/agent/floor.ts) without or with the VAD. All
 * serve the agent's stats endpoint, which the bench reads and resets.
 */

export interface Agent {
  child: ChildProcess;
  url: string;
  wsUrl: string;
}

/** What answers the callers: the reference agent, or the floor server without or with the VAD. */
export type Server = 'agent' | 'floor' | 'floor-vad';

export async function startAgent(
  args: Pick<Args, 'agentFrameMs' | 'truthSessions' | 'agentNodeArgs'>,
  pinCpu: number | undefined,
  server: Server = 'agent',
): Promise<Agent> {
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
      : [path.join(ROOT, 'bench/agent/floor.ts'), '--frame-ms', String(args.agentFrameMs)];
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

export async function agentStats(agent: Agent, gc = false): Promise<AgentStats> {
  const res = await fetch(`${agent.url}/api/v1/agent/stats${gc ? '?gc=1' : ''}`, {
    signal: AbortSignal.timeout(30_000),
  });
  return (await res.json()) as AgentStats;
}

export async function stopAgent(agent: Agent): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  const timer = setTimeout(() => agent.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
