import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { sleep } from '../../harness/clock';
import { ROOT } from '../../tests/helpers/run-load';
import type { Agent } from './server';

/**
 * The bench's side of its load-client processes (bench/agent/load-client.ts):
 * start one with its share of the sessions, wait for the JSON lines it prints
 * (open, result), and end it.
 */

export interface LoadClient {
  child: ChildProcess;
  lines: string[];
  waiters: Array<() => void>;
  exited: boolean;
}

export interface ClientResult {
  connected: number;
  connectFailures: number;
  framesSent: number;
  framesReceived: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
}

export function startLoadClient(
  agent: Agent,
  sessions: number,
  rampSec: number,
  id: string,
  maxSec: number,
): LoadClient {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/agent/load-client.ts'),
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
export async function clientEvent(c: LoadClient, event: string, timeoutMs: number): Promise<Record<string, number>> {
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
export async function endClient(c: LoadClient): Promise<void> {
  if (!c.exited) c.child.stdin!.end();
  const deadline = Date.now() + 5000;
  while (!c.exited && Date.now() < deadline) await sleep(50);
  if (!c.exited) c.child.kill('SIGKILL');
}
