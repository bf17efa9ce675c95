import readline from 'node:readline';
import type WebSocket from 'ws';
import { epochMs, sleep } from '../../harness/clock';
import { openSession, Pacer, type SessionCounters } from './pacer';

/**
 * One load-client process of `bench/agent.ts`: opens its share of the
 * sessions and streams, so that the clients' event loops, not one shared
 * loop, carry the load and the benchmark measures the agent rather than its
 * client. Started by the bench as
 *   node --import tsx bench/agent/load-client.ts --ws-url U --sessions N --ramp-sec R --id-prefix P --max-sec M
 * Talks to the bench in lines: stdout `{"event":"open",...}` once its sessions
 * are opened; stdin `measure` (start of the measured window: lag and counters
 * reset), then `stop`, answered by one `{"event":"result",...}` line, after
 * which it closes its sockets and exits. It exits on its own after --max-sec
 * or when stdin closes, so a lost bench never leaves it running.
 */

interface ClientArgs {
  wsUrl: string;
  sessions: number;
  rampSec: number;
  idPrefix: string;
  maxSec: number;
}

function parse(argv: string[]): ClientArgs {
  const a: ClientArgs = { wsUrl: '', sessions: 0, rampSec: 1, idPrefix: 'bench', maxSec: 600 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--ws-url':
        a.wsUrl = v;
        break;
      case '--sessions':
        a.sessions = Math.max(0, Math.round(Number(v)));
        break;
      case '--ramp-sec':
        a.rampSec = Math.max(0, Number(v));
        break;
      case '--id-prefix':
        a.idPrefix = v;
        break;
      case '--max-sec':
        a.maxSec = Math.max(1, Number(v));
        break;
      default:
        throw new Error(`agent-load-client: unknown flag ${argv[i]}`);
    }
    i++;
  }
  if (!a.wsUrl.startsWith('ws://127.0.0.1:')) throw new Error('agent-load-client: --ws-url must be ws://127.0.0.1:…');
  if (!Number.isFinite(a.rampSec) || !Number.isFinite(a.maxSec)) throw new Error('agent-load-client: bad numbers');
  return a;
}

const emit = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const pacer = new Pacer();
  pacer.start();
  const counters: SessionCounters = { framesReceived: 0, open: 0, failed: 0 };
  const sockets: WebSocket[] = [];
  let received0 = 0;
  let sent0 = 0;
  let measuring = false;

  let finish: (reason: string) => void = () => {};
  const done = new Promise<string>((resolve) => {
    finish = resolve;
  });
  const hardStop = setTimeout(() => finish('max-sec'), args.maxSec * 1000);
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'measure') {
      pacer.lag.reset();
      received0 = counters.framesReceived;
      sent0 = pacer.framesSent;
      measuring = true;
    } else if (cmd === 'stop') finish('stop');
  });
  input.on('close', () => finish('stdin closed'));

  // Each client ramps its share over the whole ramp, so K clients together open at the bench's rate.
  const gapMs = args.sessions > 0 ? (args.rampSec * 1000) / args.sessions : 0;
  const t0 = epochMs();
  const opening: Array<Promise<unknown>> = [];
  for (let i = 0; i < args.sessions; i++) {
    const wait = t0 + i * gapMs - epochMs();
    if (wait > 1) await sleep(wait);
    opening.push(
      openSession(args.wsUrl, pacer, `${args.idPrefix}-${i}`, counters).then((ws) => ws && sockets.push(ws)),
    );
  }
  // Every connect settles (opens, fails or times out in the handshake), so this wait is bounded.
  await Promise.race([Promise.all(opening), done]);
  emit({ event: 'open', open: counters.open, failed: counters.failed });

  const reason = await done;
  clearTimeout(hardStop);
  input.close();
  emit({
    event: 'result',
    reason,
    measured: measuring,
    sessions: args.sessions,
    connected: counters.open,
    connectFailures: counters.failed,
    framesSent: pacer.framesSent - sent0,
    framesReceived: counters.framesReceived - received0,
    sendLagP99Ms: pacer.lag.percentile(99),
    sendLagMaxMs: pacer.lag.summary().maxMs,
  });
  pacer.stop();
  for (const ws of sockets) ws.terminate();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`[agent-load-client] ${e.message}\n`);
    process.exit(1);
  },
);
