import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The load generator's own health: machine CPU busy share and Node event-loop
 * lag. A harness that is itself saturated measures its own delays, not the
 * agent's, so these go into every report.
 */

function cpuTotals(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
  }
  return { idle, total };
}

/** Samples machine-wide CPU busy % every `intervalMs` while running. */
export class CpuSampler {
  readonly samplesPct: number[] = [];
  /** Epoch ms of each sample. */
  readonly sampledAtMs: number[] = [];
  private last = cpuTotals();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs = 1000,
    private readonly maxSamples = 3600,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): number {
    const now = cpuTotals();
    const total = now.total - this.last.total;
    const pct = total > 0 ? 100 * (1 - (now.idle - this.last.idle) / total) : 0;
    this.last = now;
    this.samplesPct.push(pct);
    this.sampledAtMs.push(Date.now());
    if (this.samplesPct.length > this.maxSamples) {
      this.samplesPct.shift();
      this.sampledAtMs.shift();
    }
    return pct;
  }

  /** Samples taken at or after `fromMs` (epoch). */
  since(fromMs: number): number[] {
    return this.samplesPct.filter((_, i) => this.sampledAtMs[i]! >= fromMs);
  }

  latestPct(): number {
    return this.samplesPct.at(-1) ?? 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const LAG_RESOLUTION_MS = 10;

/** Event-loop lag of this process (ms), from Node's own sampler. */
export class LoopLag {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });

  start(): this {
    this.h.enable();
    return this;
  }

  /** The sampler records whole timer intervals; lag is what exceeds its own period. */
  p99Ms(): number {
    return this.h.count ? Math.max(0, this.h.percentile(99) / 1e6 - LAG_RESOLUTION_MS) : 0;
  }

  reset(): void {
    this.h.reset();
  }

  stop(): void {
    this.h.disable();
  }
}

/** Thresholds past which a run is flagged `generator.saturated`. */
export const SATURATION = {
  cpuBusyPctP95: 90,
  eventLoopLagP99Ms: 50,
  pageEventLoopLagP99Ms: 100,
  pacingJitterP99Ms: 15,
} as const;
