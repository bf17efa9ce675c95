import { hostTookCpu } from '../../harness/reporter/generator';
import { stolenLevelsWarning } from '../lib/steal';
import { type Args, log } from './args';
import { type Server, startAgent, stopAgent } from './server';
import { throughput } from './throughput';

/** A level passes while the agent's send lateness p99 stays within this (a quarter of a frame). */
const SEND_LATENESS_LIMIT_MS = 5;

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
export async function curve(args: Args, pinCpu: number | undefined): Promise<Record<string, unknown>> {
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
