import { burstPeriodMs, pacingFigures, sendHoldMs } from './pacing';
import { watchPlayback, type PlaybackGlitches } from './playback-stats';

/**
 * The page's own health while it carries a call, from the client's first audio
 * send on (the page loading and the call starting are busy by nature, not
 * saturated): main-thread lag (how late a 100 ms timer
 * fires), the share of that time its main thread spent in long tasks,
 * the pacing of the audio the client sends (see pacing.ts) and the underruns of
 * the client's own audio contexts (Chromium's playbackStats, where it has them).
 */
const TICK_MS = 100;
const MAX_SAMPLES = 36_000;
/**
 * A heartbeat this often tells how long the main thread had been away when it dated a socket message
 * (silentBeforeMs): the lag ticks, 100 ms apart, see too little of a stall that ends with a message.
 */
const HEARTBEAT_MS = 25;

function p99(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
}

export interface PageGeneratorStats {
  pageLagP99Ms: number;
  /** Share of the page's life its main thread spent in long tasks (50 ms or more), percent. */
  pageLongTaskPct: number;
  pacingLatenessP99Ms: number;
  sendJitterP99Ms: number;
  sendBurstMs: number;
  framesSent: number;
  /** Underruns of the client's audio contexts; absent where the browser does not count them. */
  playback?: PlaybackGlitches;
}

export class GeneratorProbe {
  private readonly lags: number[] = [];
  private readonly lagsAt: number[] = [];
  // Preallocated: one store per frame on the audio path, no growth.
  private readonly sends = new Float64Array(MAX_SAMPLES);
  private readonly sendMs = new Float32Array(MAX_SAMPLES);
  private sent = 0;
  private longTaskMs = 0;
  /** Page time of the first send: the call's steady state starts there. */
  private firstSendAt = 0;
  private playback: (() => PlaybackGlitches | undefined) | null = null;
  private lastBeatAt: number | null = null;
  private beatBeforeAt: number | null = null;

  constructor(private readonly statedBurstMs = 0) {}

  start(): void {
    let expected = performance.now() + TICK_MS;
    setInterval(() => {
      const now = performance.now();
      if (this.lags.length < MAX_SAMPLES) {
        this.lags.push(Math.max(0, now - expected));
        this.lagsAt.push(now);
      }
      expected = now + TICK_MS;
    }, TICK_MS);
    setInterval(() => {
      this.beatBeforeAt = this.lastBeatAt;
      this.lastBeatAt = performance.now();
    }, HEARTBEAT_MS);
    try {
      new PerformanceObserver((list) => {
        for (const t of list.getEntries())
          if (this.sent)
            this.longTaskMs += Math.max(0, Math.min(t.duration, t.startTime + t.duration - this.firstSendAt));
      }).observe({ type: 'longtask' });
    } catch {
      // No Long Tasks API: the share reads 0.
    }
    this.playback = watchPlayback();
  }

  /**
   * How long before `at` the main thread had not run, beyond its heartbeat: a message dated at `at`, in the task
   * that handled it, may have waited up to that long for the thread. After a stall the overdue beat may run just
   * before the message's task: then the gap that beat closed is the absence. 0 before the first beat.
   */
  silentBeforeMs(at: number): number {
    if (this.lastBeatAt === null) return 0;
    const sinceBeatMs = at - this.lastBeatAt;
    const closedMs =
      sinceBeatMs <= HEARTBEAT_MS && this.beatBeforeAt !== null ? this.lastBeatAt - this.beatBeforeAt : 0;
    return Math.max(0, Math.round(Math.max(sinceBeatMs, closedMs) - HEARTBEAT_MS));
  }

  /** Called for every binary frame the client sends on the call socket, with its audio length. */
  onSend(at: number, audioMs: number): void {
    if (this.sent >= MAX_SAMPLES) return;
    if (!this.sent) this.firstSendAt = at;
    this.sends[this.sent] = at;
    this.sendMs[this.sent++] = audioMs;
  }

  /**
   * How late the client's audio left at the speech end `toAt`, against its schedule while the caller spoke from
   * `fromAt` (see pacing.ts): the agent heard the speech end that much later, and the turn's ttfb carries it.
   */
  sendHoldMs(fromAt: number, toAt: number): number {
    const sends = this.sends.subarray(0, this.sent);
    const allowance = Math.max(burstPeriodMs(sends), this.statedBurstMs);
    return sendHoldMs(sends, this.sendMs.subarray(0, this.sent), allowance, fromAt, toAt, performance.now());
  }

  stats(): PageGeneratorStats {
    const sends = this.sends.subarray(0, this.sent);
    const pacing = pacingFigures(sends, this.sendMs.subarray(0, this.sent), this.statedBurstMs);
    const lifeMs = this.sent ? performance.now() - this.firstSendAt : 0;
    // A page that sends no audio on the socket is judged over its whole life.
    const lags = this.sent ? this.lags.filter((_, i) => this.lagsAt[i]! >= this.firstSendAt) : this.lags;
    const playback = this.playback?.();
    return {
      pageLagP99Ms: Math.round(p99(lags) * 10) / 10,
      pageLongTaskPct: lifeMs > 0 ? Math.round((1000 * this.longTaskMs) / lifeMs) / 10 : 0,
      pacingLatenessP99Ms: pacing.latenessP99Ms,
      sendJitterP99Ms: pacing.jitterP99Ms,
      sendBurstMs: pacing.burstPeriodMs,
      framesSent: this.sent,
      ...(playback ? { playback } : {}),
    };
  }
}
