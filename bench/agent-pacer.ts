import WebSocket from 'ws';
import { epochMs } from '../harness/clock';
import { LatenessHistogram } from '../fixtures/agent/stats';
import { quietNoise } from './agent-clients';

/**
 * The benchmark's caller side, shared by `bench/agent.ts` (churn runs in its
 * own process) and `bench/agent-load-client.ts` (throughput runs spread over
 * client processes): a pacer that sends every session a 20 ms frame every
 * 20 ms, and sessions that ask for another reply as each one ends.
 */
export const FRAME_MS = 20;

/** A connect that neither opens nor fails in this time is given up, so no session waits forever. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Client sockets grouped by send phase (1 ms buckets over the 20 ms frame), so
 * N sessions' frames are spread over the frame period as real callers' are,
 * not sent in one burst.
 */
export class Pacer {
  private readonly buckets: Array<Set<WebSocket>> = Array.from({ length: FRAME_MS }, () => new Set());
  private readonly next: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** How late each send slot ran against its schedule: the client's own lag, not the agent's. */
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

export interface SessionCounters {
  framesReceived: number;
  open: number;
  failed: number;
}

const AUDIO_PREFIX = Buffer.from('{"type":"audio_data"');
const FINAL = Buffer.from('"is_final":true');

/** One bench session: streams through the pacer and asks for another reply as each one ends. */
export function openSession(
  wsUrl: string,
  pacer: Pacer,
  id: string,
  counters: SessionCounters,
): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}?session_id=${id}&streaming_mode=realtime`, {
      skipUTF8Validation: true,
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
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
