import type { Page } from '@playwright/test';
import type { GeneratorStats } from '../metrics/record';
import type { PageGeneratorStats } from '../page/generator-probe';
import type { PageEvent } from '../page/types';
import { CpuSampler, LoopLag } from './health';

/** What the in-page harness says about its own health (null when the page no longer answers). */
export interface PageHealth {
  stats: PageGeneratorStats | null;
  /** The page's performance.timeOrigin (epoch ms), to place page event times on the wall clock. */
  timeOrigin: number | null;
}

export interface GeneratorStatsInput {
  /** The machine's CPU samples (busy %, and waiting % where told) and their epoch ms, from the call's start on. */
  cpu: {
    samplesPct: readonly number[];
    waitingPct?: readonly number[];
    stealPct?: readonly number[];
    sampledAtMs: readonly number[];
  };
  eventLoopLagP99Ms: number;
  page: PageHealth;
  events: readonly PageEvent[];
  startedAtMs: number;
}

/** The CPU samples as a call record keeps them: whole percents, the waiting and steal shares where the kernel told. */
export function cpuSeries(
  cpu: GeneratorStatsInput['cpu'],
): Pick<GeneratorStats, 'cpuBusyPct' | 'cpuWaitingPct' | 'cpuStealPct'> {
  const whole = (values: readonly number[]) => values.map((v) => Math.round(v));
  return {
    cpuBusyPct: whole(cpu.samplesPct),
    ...(cpu.waitingPct?.length ? { cpuWaitingPct: whole(cpu.waitingPct) } : {}),
    ...(cpu.stealPct?.length ? { cpuStealPct: whole(cpu.stealPct) } : {}),
  };
}

/**
 * One call's generator figures. CPU is sampled from the call's start, with the
 * samples' times (the first and the mean spacing), and the end of its start-up
 * (its socket's opening): the run judges the machine on its steady state, with
 * no call starting, as a browser and page starting up are busy by nature.
 */
export function generatorStats(o: GeneratorStatsInput): GeneratorStats {
  const open = o.events.find((e) => e.type === 'ws-open');
  const times = o.cpu.sampledAtMs;
  const stats: GeneratorStats = {
    ...cpuSeries(o.cpu),
    ...(times.length
      ? {
          cpuFirstAtMs: Math.round(times[0]!),
          cpuIntervalMs: times.length > 1 ? Math.round((times.at(-1)! - times[0]!) / (times.length - 1)) : 1000,
        }
      : {}),
    ...(open && o.page.timeOrigin !== null ? { startupEndAtMs: Math.round(o.page.timeOrigin + open.at) } : {}),
    eventLoopLagP99Ms: Math.round(o.eventLoopLagP99Ms * 10) / 10,
  };
  const page = o.page.stats;
  if (page) {
    stats.pageEventLoopLagP99Ms = page.pageLagP99Ms;
    stats.pageLongTaskPct = page.pageLongTaskPct;
    // A call that sent no audio has no pacing to judge.
    if (page.framesSent > 1) {
      stats.pacingLatenessP99Ms = page.pacingLatenessP99Ms;
      stats.sendJitterP99Ms = page.sendJitterP99Ms;
      stats.sendBurstMs = page.sendBurstMs;
    }
    if (page.playback) {
      stats.playbackUnderruns = page.playback.underrunEvents;
      stats.playbackUnderrunMs = page.playback.underrunMs;
    }
  }
  return stats;
}

/** Samples this worker's CPU and event loop for one call, from its start until `finish`. */
export class CallHealth {
  private readonly cpu = new CpuSampler(1000).start();
  private readonly lag = new LoopLag().start();

  constructor(private readonly startedAtMs: number) {}

  async finish(page: Page, events: readonly PageEvent[]): Promise<GeneratorStats> {
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
    });
    this.lag.stop();
    return stats;
  }
}
