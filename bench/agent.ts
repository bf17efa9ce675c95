import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { log, parseArgs } from './agent/args';
import { churn } from './agent/churn';
import { curve } from './agent/curve';
import { startAgent, stopAgent } from './agent/server';
import { throughput } from './agent/throughput';

/**
 * Benchmark of the reference agent (`npm run --silent bench:agent -- --sessions N --seconds S`).
 * The agent runs in its own process (pinned to cpu 0 with --pin on a dedicated
 * machine: on a shared one, pinning only adds waits behind other processes);
 * N real ws clients, spread over K client processes (`--client-procs K`,
 * bench/agent/load-client.ts) so that one client event loop is not the limit,
 * each send a 20 ms PCM16 frame every 20 ms and keep the agent talking back in
 * 20 ms frames (a typed message after each reply; `--agent-frame-ms` sets the
 * agent's frames, 50 ms by default outside this bench). Prints progress on stderr
 * and, last, one JSON line on stdout. `--curve 100,250,...` runs each level
 * against a fresh agent and reports the most sessions per agent core whose
 * sends held their schedule. `--churn` instead connects and disconnects
 * sessions (in this process) for the whole run and samples the agent's heap,
 * for the "memory flat under churn" claim.
 */
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
