import { epochMs } from '../clock';
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
/** Probing no first audio stops (no reply) ends after this long. */
const MAX_WINDOW_MS = 5000;
/** Probes awaiting their answer at most: a far end that never answers costs no more than this. */
const MAX_OUTSTANDING = 256;
/**
 * Messages from the fixtures (answers, and the ticks they send every 10 ms while probed) handled this long before
 * a first audio to this long after it are read as that first audio's receive path: one held with the agent's first
 * frame is released with it, just before or just after it.
 */
const RECEIVE_FROM_MS = -10;
const RECEIVE_TO_MS = 20;
/** Messages from the fixtures remembered, for the first audio that comes next (16 ticks: 160 ms). */
const RECENT_RECEIVES = 16;

interface Sent {
  index: number;
  generation: number;
  atMs: number;
}

/** One utterance's probing, as last spoken (an utterance may be spoken again: a new generation starts afresh). */
interface Utterance {
  generation: number;
  /** The largest answered delay so far. */
  worstMs?: number;
  /** Page ms the probing starts (a first audio before it answers an earlier turn, not this one). */
  fromAt: number;
  /** Page ms of the first audio that ended the probing. */
  firstAudioAt?: number;
  /** The largest receive-path delay around that first audio so far. */
  receiveWorstMs?: number;
  /** Ends the probing; undefined once ended. */
  stop?: () => void;
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
  private readonly utterances = new Map<number, Utterance>();
  /** The last messages from the fixtures: page ms handled, and the way from the fixtures to the page (ms). */
  private readonly recent: Array<{ at: number; receiveMs: number }> = [];

  /**
   * `Native`: the browser's own WebSocket, so the probe is never taken for the client's socket. `threadAwayMs(at)`:
   * how long the page's main thread had been away when it handled a message at page ms `at` (the client's own).
   */
  constructor(
    url: string,
    Native: typeof WebSocket,
    private readonly threadAwayMs: (at: number) => number = () => 0,
  ) {
    try {
      const ws = new Native(url);
      ws.onmessage = (e) => this.received(String(e.data));
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
    const before = this.utterances.get(index);
    before?.stop?.();
    const generation = (before?.generation ?? 0) + 1;
    const u: Utterance = { generation, fromAt: timing.speechEndAt + PROBE_FROM_MS };
    let interval: ReturnType<typeof setInterval> | undefined;
    const start = setTimeout(() => {
      const endAt = performance.now() + MAX_WINDOW_MS;
      this.send(index, generation);
      interval = setInterval(
        () => (performance.now() > endAt ? u.stop?.() : this.send(index, generation)),
        PROBE_EVERY_MS,
      );
    }, u.fromAt - performance.now());
    u.stop = () => {
      clearTimeout(start);
      clearInterval(interval);
      u.stop = undefined;
    };
    this.utterances.set(index, u);
    return timing;
  }

  /** The agent's first audio of a response arrived at page ms `at`: the utterances probing by then stop. */
  firstAudio(at: number): void {
    for (const u of this.utterances.values()) {
      if (u.fromAt > at || !u.stop) continue;
      u.stop();
      u.firstAudioAt = at;
      for (const r of this.recent) this.receivedAround(u, r.at, r.receiveMs);
    }
  }

  /**
   * How long the browser took to bring messages from the fixtures to the page around the first audio that ended
   * utterance `index`'s probing, beyond the time the page's own thread was away (ms, the largest): the agent's first
   * frame came in the same way, and a hold there held it as long. Raw, the clocks' offset included. Undefined
   * before that first audio, or when no message fell around it.
   */
  receiveMs(index: number): number | undefined {
    const worst = this.utterances.get(index)?.receiveWorstMs;
    return worst === undefined ? undefined : Math.round(worst * 10) / 10;
  }

  /**
   * Resolves once the span read as the receive path around utterance `index`'s first audio has passed (at once
   * when it has, or when no first audio came). Read sooner, the figure would miss the messages handled just after
   * the first audio, and a turn read at once could have none at all.
   */
  async settled(index: number): Promise<void> {
    const firstAudioAt = this.utterances.get(index)?.firstAudioAt;
    if (firstAudioAt === undefined) return;
    const waitMs = firstAudioAt + RECEIVE_TO_MS - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  private receivedAround(u: Utterance, at: number, receiveMs: number): void {
    if (u.firstAudioAt === undefined) return;
    if (at < u.firstAudioAt + RECEIVE_FROM_MS || at > u.firstAudioAt + RECEIVE_TO_MS) return;
    u.receiveWorstMs = Math.max(u.receiveWorstMs ?? -Infinity, receiveMs);
  }

  /**
   * The largest delay of the probes around utterance `index`'s speech end so far (ms): those answered, and those
   * still on their way by their age. Undefined when none was sent.
   */
  delayMs(index: number): number | undefined {
    const u = this.utterances.get(index);
    if (!u) return undefined;
    let worst = u.worstMs;
    const nowMs = epochMs();
    for (const sent of this.outstanding.values())
      if (sent.index === index && sent.generation === u.generation)
        worst = Math.max(worst ?? -Infinity, nowMs - sent.atMs);
    return worst === undefined ? undefined : Math.round(worst * 10) / 10;
  }

  private send(index: number, generation: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN || this.outstanding.size >= MAX_OUTSTANDING) return;
    const seq = ++this.seq;
    this.outstanding.set(seq, { index, generation, atMs: epochMs() });
    ws.send(String(seq));
  }

  /** An answer (`<seq> <epoch ms the probe arrived>`) or a tick (`t <epoch ms sent>`), each sent at once. */
  private received(text: string): void {
    const at = performance.now();
    const [head, stampText] = text.split(' ');
    const receiveMs = epochMs() - Number(stampText) - this.threadAwayMs(at);
    if (Number.isFinite(receiveMs)) {
      if (this.recent.length >= RECENT_RECEIVES) this.recent.shift();
      this.recent.push({ at, receiveMs });
      for (const u of this.utterances.values()) this.receivedAround(u, at, receiveMs);
    }
    if (head !== 't') this.answered(Number(head), Number(stampText));
  }

  private answered(seq: number, arrivedMs: number): void {
    const sent = this.outstanding.get(seq);
    if (!sent) return;
    this.outstanding.delete(seq);
    const u = this.utterances.get(sent.index);
    if (sent.generation !== u?.generation) return;
    // Not floored at 0: the two clocks may differ by a ms or two, and the report judges delays beyond the usual.
    const delayMs = arrivedMs - sent.atMs;
    if (Number.isFinite(delayMs)) u.worstMs = Math.max(u.worstMs ?? -Infinity, delayMs);
  }
}
