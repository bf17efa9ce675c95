/**
 * The page's own health while it carries a call: main-thread lag (how late a
 * 100 ms timer fires) and the pacing of the audio the client sends: each
 * frame's send time against the time its audio says it should leave (the
 * first frame's time plus the audio sent before it), relative to the running
 * median of that offset so a slow clock drift does not count as jitter.
 */
const TICK_MS = 100;
const MAX_SAMPLES = 36_000;
/** Frames in the running median of the send offset (about 1 s of 20 ms frames). */
const OFFSET_WINDOW = 50;

function p99(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
}

export class GeneratorProbe {
  private readonly lags: number[] = [];
  private readonly sends: number[] = [];
  private readonly sendMs: number[] = [];

  start(): void {
    let expected = performance.now() + TICK_MS;
    setInterval(() => {
      const now = performance.now();
      if (this.lags.length < MAX_SAMPLES) this.lags.push(Math.max(0, now - expected));
      expected = now + TICK_MS;
    }, TICK_MS);
  }

  /** Called for every binary frame the client sends on the call socket, with its audio length. */
  onSend(at: number, audioMs: number): void {
    if (this.sends.length >= MAX_SAMPLES) return;
    this.sends.push(at);
    this.sendMs.push(audioMs);
  }

  stats(): { pageLagP99Ms: number; pacingJitterP99Ms: number; framesSent: number } {
    const offsets: number[] = [];
    let audio = 0;
    for (let i = 0; i < this.sends.length; i++) {
      offsets.push(this.sends[i]! - this.sends[0]! - audio);
      audio += this.sendMs[i]!;
    }
    const jitter: number[] = [];
    for (let i = 1; i < offsets.length; i++) {
      const window = offsets.slice(Math.max(0, i - OFFSET_WINDOW), i).sort((a, b) => a - b);
      jitter.push(Math.abs(offsets[i]! - window[Math.floor(window.length / 2)]!));
    }
    return {
      pageLagP99Ms: Math.round(p99(this.lags) * 10) / 10,
      pacingJitterP99Ms: Math.round(p99(jitter) * 10) / 10,
      framesSent: this.sends.length,
    };
  }
}
