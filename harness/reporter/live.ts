import type { RunAggregate } from './aggregate';
import { statsOf } from '../metrics/histogram';

interface Status {
  state: string;
  stopReason: string | null;
  phase: { name: string; index: number; count: number } | null;
  targetConcurrency: number | null;
  active: number;
  ended: number;
  failed: number;
  window: { errorRatePct: number };
  throttleStreakSec: number;
  planElapsedMs: number;
  generator: { cpuBusyPct: number; cpuStealPct?: number; saturated: boolean };
}

/** A progress line every few seconds during a run, from the conductor's status and the calls reported so far. */
export class LiveProgress {
  private timer: NodeJS.Timeout | undefined;
  private warnedSaturation = false;
  private saidStop = false;

  constructor(
    private readonly conductorUrl: string,
    private readonly agg: RunAggregate,
    private readonly everyMs = 5000,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.print(), this.everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async print(): Promise<void> {
    let s: Status;
    try {
      s = (await (
        await fetch(new URL('/status', this.conductorUrl), { signal: AbortSignal.timeout(2000) })
      ).json()) as Status;
    } catch {
      return;
    }
    const t = Math.round(s.planElapsedMs / 1000);
    const clock = `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    const phase = s.phase ? `${s.phase.name} (${s.phase.index + 1}/${s.phase.count})` : s.state;
    const ttfb = this.agg.latencies.get('ttfb');
    const p95 = ttfb?.totalCount ? `${statsOf(ttfb).p95Ms} ms` : '-';
    const parts = [
      `[live] ${clock} ${phase}`,
      `active ${s.active}${s.targetConcurrency !== null ? `/${s.targetConcurrency}` : ''}`,
      `completed ${s.ended} (${s.failed} failed)`,
      `ttfb p95 ${p95}`,
      `errors ${s.window.errorRatePct.toFixed(1)}%`,
      ...(s.throttleStreakSec ? [`throttled ${s.throttleStreakSec} s`] : []),
      `cpu ${Math.round(s.generator.cpuBusyPct)}%`,
      // Shown only when the host takes some: on most machines it is always 0.
      ...(s.generator.cpuStealPct ? [`host took ${Math.round(s.generator.cpuStealPct)}%`] : []),
    ];
    process.stdout.write(`${parts.join(' · ')}\n`);
    if (s.generator.saturated && !this.warnedSaturation) {
      this.warnedSaturation = true;
      process.stdout.write(
        '[live] WARNING: the load generator looks saturated (CPU busy for 10 s, CPU taken by the host, or ' +
          'event-loop lag); its own delays may show up as latency.\n',
      );
    }
    if (s.stopReason && !this.saidStop) {
      this.saidStop = true;
      process.stdout.write(`[live] stopping, draining calls in progress: ${s.stopReason}\n`);
    }
  }
}
