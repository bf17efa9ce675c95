import type { Page } from '@playwright/test';
import type { GeneratorStats } from '../metrics/record';
import type { PageEvent } from '../page/types';
import { CpuSampler, LoopLag, SATURATION } from './health';

/** What the in-page harness says about its own health (null when the page no longer answers). */
export interface PageHealth {
  stats: { pageLagP99Ms: number; pacingJitterP99Ms: number } | null;
  /** The page's performance.timeOrigin (epoch ms), to place page event times on the wall clock. */
  timeOrigin: number | null;
}

export interface GeneratorStatsInput {
  /** The machine's CPU samples from an epoch ms on. */
  cpu: { since(fromMs: number): number[] };
  eventLoopLagP99Ms: number;
  page: PageHealth;
  events: readonly PageEvent[];
  startedAtMs: number;
  /** The client's own capture cadence jitter, when its profile states it. */
  pacingJitterLimitMs?: number;
}

/**
 * One call's generator figures. CPU counts from the call socket's opening on:
 * a browser context starting up is busy by nature, not saturated.
 */
export function generatorStats(o: GeneratorStatsInput): GeneratorStats {
  const open = o.events.find((e) => e.type === 'ws-open');
  const fromMs = open && o.page.timeOrigin !== null ? o.page.timeOrigin + open.at : o.startedAtMs;
  const stats: GeneratorStats = {
    cpuBusyPct: o.cpu.since(fromMs).map((v) => Math.round(v)),
    eventLoopLagP99Ms: Math.round(o.eventLoopLagP99Ms * 10) / 10,
  };
  if (o.page.stats) {
    stats.pageEventLoopLagP99Ms = o.page.stats.pageLagP99Ms;
    stats.pacingJitterP99Ms = o.page.stats.pacingJitterP99Ms;
    stats.pacingJitterLimitMs = o.pacingJitterLimitMs ?? SATURATION.pacingJitterP99Ms;
  }
  return stats;
}

/** Samples this worker's CPU and event loop for one call, from its start until `finish`. */
export class CallHealth {
  private readonly cpu = new CpuSampler(1000).start();
  private readonly lag = new LoopLag().start();

  constructor(private readonly startedAtMs: number) {}

  async finish(page: Page, events: readonly PageEvent[], pacingJitterLimitMs?: number): Promise<GeneratorStats> {
    this.cpu.sample();
    this.cpu.stop();
    const health = await page
      .evaluate(
        (): PageHealth => ({
          stats: window.__harness?.generatorStats() ?? null,
          timeOrigin: window.__harness?.timeOrigin ?? null,
        }),
      )
      .catch((): PageHealth => ({ stats: null, timeOrigin: null }));
    const stats = generatorStats({
      cpu: this.cpu,
      eventLoopLagP99Ms: this.lag.p99Ms(),
      page: health,
      events,
      startedAtMs: this.startedAtMs,
      pacingJitterLimitMs,
    });
    this.lag.stop();
    return stats;
  }
}
