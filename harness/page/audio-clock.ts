/**
 * How often, on average, the audio clock is read against the page clock. Each wait is drawn from 10-30 ms: the
 * audio device renders in bursts of a fixed period (8 ms in headless Chromium, 10-20 ms elsewhere), and readings
 * at a fixed interval fall at the same few phases of that cycle, drifting only slowly; the least of them is then
 * late by that phase, up to a whole period, instead of by a small fraction of it.
 */
const READ_EVERY_MS = 20;
const READ_JITTER_MS = 10;
/**
 * How many recent readings the mapping takes its minimum over (300 ms): several
 * render bursts, so one reading just after a burst is always among them, yet
 * short enough that a permanent step (the audio device skipping callbacks
 * under load, after which the audio clock runs behind for good) is followed
 * within a third of a second instead of mapping samples too early for longer.
 */
const READINGS = 15;
/** How long readings are kept to date a sample after it was rendered (renderedAt): longer than any turn's reply. */
const HISTORY_READINGS = 1500;
/** After a sample's render, the readings that date it: the first bursts that carried it (see renderedAt). */
const RENDERED_WINDOW_MS = 300;

/**
 * Maps an AudioContext's time to page time (performance.now() ms).
 *
 * currentTime advances in bursts, a render callback's worth at a time, so a
 * single reading of (now - currentTime) lands anywhere within a callback
 * period, later still if the main thread was busy. The smallest recent
 * reading is the one taken just after a burst: it ties a sample's context time
 * to the moment it was rendered without that jitter.
 *
 * Readings are taken only while the context runs: a suspended context's time
 * stands still, so its old readings are dropped (they would date every later
 * sample too early) and its timer stops, costing the page nothing meanwhile.
 */
export class AudioClock {
  /** Readings, oldest first, with the context time each was taken at: the last READINGS map ahead (pageTimeOf). */
  private readonly history: Array<{ contextMs: number; offsetMs: number }> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: BaseAudioContext) {
    ctx.addEventListener('statechange', () => this.follow());
    this.follow();
  }

  /** Page time at which the graph renders context time `t` (seconds). */
  pageTimeOf(t: number): number {
    this.read();
    const offsetMs = this.recentOffsetMs();
    // Before the context first runs there is no reading: the present is the best there is.
    if (offsetMs === null) return performance.now() + (t - this.ctx.currentTime) * 1000;
    return offsetMs + t * 1000;
  }

  /** Context time (seconds) that the graph renders at page time `atMs`: the inverse of pageTimeOf. */
  contextTimeOf(atMs: number): number {
    this.read();
    const offsetMs = this.recentOffsetMs();
    if (offsetMs === null) return this.ctx.currentTime + (atMs - performance.now()) / 1000;
    return (atMs - offsetMs) / 1000;
  }

  /** The smallest offset of the last READINGS readings, or null before any. */
  private recentOffsetMs(): number | null {
    if (this.history.length === 0) return null;
    let offsetMs = Number.POSITIVE_INFINITY;
    for (let i = Math.max(0, this.history.length - READINGS); i < this.history.length; i++)
      offsetMs = Math.min(offsetMs, this.history[i]!.offsetMs);
    return offsetMs;
  }

  /**
   * Page time at which context time `t` (seconds), already rendered, was rendered: the smallest offset among the
   * readings of the 300 ms after it. pageTimeOf foretells it from the readings before; if the audio device then
   * skipped callbacks (the clock stepped) before `t` came, only the readings after it know. Falls back to
   * pageTimeOf while `t` is not yet rendered or is older than the history.
   */
  renderedAt(t: number): number {
    this.read();
    const fromMs = t * 1000;
    let offsetMs = Number.POSITIVE_INFINITY;
    for (const r of this.history)
      if (r.contextMs >= fromMs && r.contextMs <= fromMs + RENDERED_WINDOW_MS)
        offsetMs = Math.min(offsetMs, r.offsetMs);
    const covered = this.history.length > 0 && this.history[0]!.contextMs <= fromMs;
    return covered && Number.isFinite(offsetMs) ? offsetMs + fromMs : this.pageTimeOf(t);
  }

  private follow(): void {
    const running = this.ctx.state === 'running';
    if (!running) this.history.length = 0;
    if (running && this.timer === null) this.tick();
    else if (!running && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    this.read();
    const waitMs = READ_EVERY_MS - READ_JITTER_MS + Math.random() * 2 * READ_JITTER_MS;
    this.timer = setTimeout(() => this.tick(), waitMs);
  }

  private read(): void {
    if (this.ctx.state !== 'running') return;
    const contextMs = this.ctx.currentTime * 1000;
    const offsetMs = performance.now() - contextMs;
    this.history.push({ contextMs, offsetMs });
    if (this.history.length > HISTORY_READINGS) this.history.shift();
  }
}

const clocks = new WeakMap<BaseAudioContext, AudioClock>();

/** The one clock of a context: every user of its times shares its readings and its timer. */
export function clockFor(ctx: BaseAudioContext): AudioClock {
  let clock = clocks.get(ctx);
  if (!clock) {
    clock = new AudioClock(ctx);
    clocks.set(ctx, clock);
  }
  return clock;
}
