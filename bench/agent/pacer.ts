import WebSocket from 'ws';
import { epochMs } from '../../harness/clock';
import { LatenessHistogram } from '../../fixtures/agent/stats';
import { quietNoise } from '../agent-clients';

/**
 * The benchmark's caller side, shared by `bench/agent/churn.ts` (churn runs in the
 * bench's own process) and `bench/agent/load-client.ts` (throughput runs spread over
 * client processes): a pacer that sends every session a 20 ms frame every
 * 20 ms, and sessions that ask for another reply as each one ends.
 */
export const FRAME_MS = 20;

/** A connect that neither opens nor fails in this time is given up, so no session waits forever. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Members grouped by send phase (1 ms buckets over the period), so N sessions' frames are spread over the period as
 * real callers' are, not sent in one burst; one timer serves them all. `onDue` gets each bucket as its time comes,
 * with how late it came: a caught-up bucket runs once per period missed, so no frame is dropped.
 */
export class PhaseBuckets<T> {
  private readonly buckets: Array<Set<T>>;
  private readonly next: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private slot = 0;

  constructor(
    private readonly periodMs: number,
    t0 = epochMs(),
  ) {
    this.buckets = Array.from({ length: periodMs }, () => new Set());
    for (let b = 0; b < periodMs; b++) this.next.push(t0 + b);
  }

  add(member: T): void {
    this.buckets[this.slot++ % this.periodMs]!.add(member);
  }

  remove(member: T): void {
    for (const b of this.buckets) b.delete(member);
  }

  start(onDue: (members: ReadonlySet<T>, dueMs: number, lateMs: number) => void): void {
    const tick = () => {
      const now = epochMs();
      for (let b = 0; b < this.periodMs; b++) {
        while (this.next[b]! <= now) {
          onDue(this.buckets[b]!, this.next[b]!, now - this.next[b]!);
          this.next[b]! += this.periodMs;
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

/** The callers' side: every session a 20 ms frame of quiet noise every 20 ms, on PhaseBuckets. */
export class Pacer {
  private readonly phases: PhaseBuckets<WebSocket>;
  /** How late each send slot ran against its schedule: the client's own lag, not the agent's. */
  readonly lag = new LatenessHistogram();
  framesSent = 0;
  private readonly frames = Array.from({ length: 8 }, (_, i) =>
    Buffer.from(quietNoise(FRAME_MS, 40, 16000, i + 1).buffer),
  );

  constructor(t0 = epochMs()) {
    this.phases = new PhaseBuckets(FRAME_MS, t0);
  }

  add(ws: WebSocket): void {
    this.phases.add(ws);
  }

  remove(ws: WebSocket): void {
    this.phases.remove(ws);
  }

  start(): void {
    this.phases.start((sockets, dueMs, lateMs) => {
      this.lag.record(lateMs);
      const frame = this.frames[((dueMs / FRAME_MS) % this.frames.length) | 0]!;
      for (const ws of sockets) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        ws.send(frame);
        this.framesSent++;
      }
    });
  }

  stop(): void {
    this.phases.stop();
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
