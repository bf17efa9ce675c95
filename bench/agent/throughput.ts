import { sleep } from '../../harness/clock';
import { CpuSampler } from '../../harness/generator/health';
import { pct } from '../lib/stats';
import { processCpuSec } from '../lib/processes';
import { type Args, defaultRampSec, log } from './args';
import { type ClientResult, clientEvent, endClient, type LoadClient, startLoadClient } from './client-procs';
import { type Agent, agentStats, mb } from './server';

/** Clients whose own send lag p99 exceeds this are the bottleneck: the run does not measure the agent. */
const CLIENT_LAG_LIMIT_MS = 5;

/**
 * N sessions spread over K client processes; the measured window starts when
 * every client has opened its share. The agent's CPU is read from /proc (its
 * own process, whatever its event loop is doing), its send lateness from its
 * stats; the clients' own send lag is reported apart, and a run whose clients
 * lagged is flagged as not measuring the agent.
 */
export async function throughput(args: Args, agent: Agent): Promise<Record<string, unknown>> {
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
    const cpu0 = processCpuSec(agent.child.pid);
    const wall0 = performance.now();
    // The host of a virtual machine can stop its CPUs (steal): sends then fall late that the agent did not delay.
    const machine = new CpuSampler().start();
    for (const c of clients) c.child.stdin!.write('measure\n');
    await sleep(args.seconds * 1000);
    const cpu1 = processCpuSec(agent.child.pid);
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
