import type { SpeakTiming } from './types';

/** Where the fixtures answer the probes (fixtures/conductor/send-path.ts). */
export const SEND_PATH = '/send-path';

/**
 * Probes leave this often from just before each speech end until the agent's first audio: a delay the caller's
 * audio meets anywhere in that span (its last speech, or the silence an agent's VAD waits for) can hold the reply
 * back, and a probe sent during a delay waits it out, so any delay longer than this is seen.
 */
const PROBE_EVERY_MS = 25;
const PROBE_FROM_MS = -25;
/** A span no first audio closes (no reply) ends after this long. */
const MAX_WINDOW_MS = 5000;
/** Probes awaiting their answer at most: a far end that never answers costs no more than this. */
const MAX_OUTSTANDING = 256;

interface Sent {
  index: number;
  generation: number;
  atMs: number;
}

/** An utterance's probing: from just before its speech end until the agent's next first audio. */
interface ProbeSpan {
  /** Page ms the probing starts (a first audio before it answers an earlier turn, not this one). */
  fromAt: number;
  stop(): void;
}

/**
 * How long the browser took to carry a message from the page to the wire after each speech end. The page sees
 * the client hand its audio to the socket on time (pacing.ts); what happens after, in the browser's network
 * process, it cannot see on the client's socket. So it sends short probes on a socket of its own, through the same
 * network process, to the harness's fixtures (fixtures/conductor/send-path.ts), which answer with the epoch time
 * each arrived. A probe's delay is that arrival less its send; the largest from a speech end to the reply is how
 * late the caller's audio may have reached the agent in that span.
 */
export class SendPathProbe {
  private ws: WebSocket | null = null;
  private seq = 0;
  private readonly outstanding = new Map<number, Sent>();
  /** Per utterance: which speaking of it is current (an utterance may be spoken again), and its worst delay. */
  private readonly generations = new Map<number, number>();
  private readonly worstMs = new Map<number, number>();
  private readonly spans = new Map<number, ProbeSpan>();

  /** `Native`: the browser's own WebSocket, so the probe is never taken for the client's socket. */
  constructor(url: string, Native: typeof WebSocket) {
    try {
      const ws = new Native(url);
      ws.onmessage = (e) => this.answered(String(e.data));
      ws.onclose = () => {
        this.ws = null;
      };
      this.ws = ws;
    } catch {
      // A page whose policy refuses the socket has no send-path figure; the report counts the turns without one.
    }
  }

  /** Probes from utterance `index`'s speech end, as just scheduled, to the next first audio; returns the timing. */
  around(index: number, timing: SpeakTiming): SpeakTiming {
    if (!this.ws) return timing;
    const generation = (this.generations.get(index) ?? 0) + 1;
    this.generations.set(index, generation);
    this.worstMs.delete(index);
    this.spans.get(index)?.stop();
    const fromAt = timing.speechEndAt + PROBE_FROM_MS;
    let interval: ReturnType<typeof setInterval> | undefined;
    const span: ProbeSpan = {
      fromAt,
      stop: () => {
        clearTimeout(start);
        clearInterval(interval);
        if (this.spans.get(index) === span) this.spans.delete(index);
      },
    };
    const start = setTimeout(() => {
      const endAt = performance.now() + MAX_WINDOW_MS;
      this.send(index, generation);
      interval = setInterval(
        () => (performance.now() > endAt ? span.stop() : this.send(index, generation)),
        PROBE_EVERY_MS,
      );
    }, fromAt - performance.now());
    this.spans.set(index, span);
    return timing;
  }

  /** The agent's first audio of a response arrived at page ms `at`: the spans probing by then close. */
  firstAudio(at: number): void {
    for (const span of [...this.spans.values()]) if (span.fromAt <= at) span.stop();
  }

  /**
   * The largest delay of the probes around utterance `index`'s speech end so far (ms): those answered, and those
   * still on their way by their age. Undefined when none was sent.
   */
  delayMs(index: number): number | undefined {
    let worst = this.worstMs.get(index);
    const nowMs = performance.timeOrigin + performance.now();
    for (const sent of this.outstanding.values())
      if (sent.index === index && sent.generation === this.generations.get(index))
        worst = Math.max(worst ?? -Infinity, nowMs - sent.atMs);
    return worst === undefined ? undefined : Math.round(worst * 10) / 10;
  }

  private send(index: number, generation: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN || this.outstanding.size >= MAX_OUTSTANDING) return;
    const seq = ++this.seq;
    this.outstanding.set(seq, { index, generation, atMs: performance.timeOrigin + performance.now() });
    ws.send(String(seq));
  }

  private answered(text: string): void {
    const [seqText, arrivedText] = text.split(' ');
    const seq = Number(seqText);
    const sent = this.outstanding.get(seq);
    if (!sent) return;
    this.outstanding.delete(seq);
    if (sent.generation !== this.generations.get(sent.index)) return;
    // Not floored at 0: the two clocks may differ by a ms or two, and the report judges delays beyond the usual.
    const delayMs = Number(arrivedText) - sent.atMs;
    if (Number.isFinite(delayMs))
      this.worstMs.set(sent.index, Math.max(this.worstMs.get(sent.index) ?? -Infinity, delayMs));
  }
}
