import type { Page } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import { CallHealth } from '../generator/stats';
import { CALL_ERROR } from '../metrics/names';
import { CallRecorder, type CallRecord } from '../metrics/record';
import type { PageEvent } from '../page/types';
import { reportEnd } from '../plan/client';
import { callEndOf, type Ticket } from '../plan/ticket';
import { failureOf, unfinishedFailure } from './errors';
import type { PageEventStream } from './page-events';
import { callSocketUrl, sessionOf, targetOf } from './socket';

/** What a browser call's record says about the call itself, beside its measurements and outcome. */
export type CallMeta = Omit<CallRecord, MeasuredFields>;
/** What the recorder fills in, and what only the call's end decides. */
type MeasuredFields = 'schemaVersion' | 'turns' | 'histograms' | 'fails' | 'counters' | 'ok' | 'endedAtMs';

export { sessionOf } from './socket';

/** `voice` is empty when the call failed before its audio was chosen; `pageUrl` resolves a relative socket URL. */
export function callMeta(
  ticket: Ticket,
  voice: string,
  startedAtMs: number,
  events: readonly PageEvent[],
  pageUrl?: string,
): CallMeta {
  return {
    callId: ticket.callId,
    scenario: ticket.scenario,
    voice,
    group: 'browser',
    shard: ticket.shard,
    startedAtMs,
    ...sessionOf(events, pageUrl),
    ...targetOf(callSocketUrl(events, pageUrl)),
    // Only runs with a plan have a schedule and phases to report against.
    ...(ticket.phases.length
      ? { scheduledStartMs: ticket.scheduledStartMs, phase: ticket.phase, phases: ticket.phases }
      : {}),
    ...(ticket.startupGuard ? { startupGuard: ticket.startupGuard } : {}),
  };
}

export interface CallOutcomeOptions {
  /** The run's conductor (HARNESS_CONDUCTOR_URL), told when the call ends; none outside playwright.config.ts. */
  conductorUrl?: string;
}

/**
 * One browser call's record, made exactly once whatever happens: the call
 * finishes, throws, or its test ends (a timeout) first. The conductor hears
 * of the end once, as soon as it is known.
 */
export class CallOutcome {
  readonly rec = new CallRecorder();
  readonly startedAtMs = Date.now();
  /** The caller audio, once chosen (none if the call failed before). */
  track: CallerTrack | undefined;
  private readonly health = new CallHealth(this.startedAtMs);
  private failure: CallRecord['failure'];
  private record: CallRecord | undefined;
  private endReported = false;

  constructor(
    private readonly ticket: Ticket,
    private readonly page: Page,
    private readonly events: PageEventStream,
    private readonly opts: CallOutcomeOptions,
  ) {}

  /** The call threw: why, as its record will say (unless the run was cut first: the throw is the cut's doing). */
  failed(e: unknown): void {
    if (this.record) return;
    const { unexpected, ...failure } = failureOf(e);
    this.failure = failure;
    if (unexpected) this.rec.count(CALL_ERROR);
  }

  /** The call ran to its end: its record, the conductor told. */
  async finished(): Promise<CallRecord> {
    this.record ??= this.make(true);
    await this.end(this.record);
    return this.record;
  }

  /**
   * The run was stopped while the call was in progress: its record as of `atMs`, unless it had already ended.
   * A call that failed before the cut keeps its failure.
   */
  interrupt(reason: string, atMs = Date.now()): void {
    if (this.record || this.failure) return;
    this.record = this.cut(reason, atMs);
  }

  /** At the test's teardown: the record of a call that finished, failed, or was cut short by its test. */
  async settle(testStatus: string | undefined): Promise<CallRecord> {
    // Playwright marks a test interrupted only if it had not failed: a failure seen now came after the cut.
    if (!this.record && testStatus === 'interrupted') this.record = this.cut('test interrupted', Date.now());
    if (!this.record && !this.failure) {
      this.failure = unfinishedFailure(testStatus);
      this.rec.count(CALL_ERROR);
    }
    this.record ??= this.make(false);
    await this.end(this.record);
    return this.record;
  }

  private make(ok: boolean): CallRecord {
    const pageUrl = this.page.isClosed() ? undefined : this.page.url();
    const meta = callMeta(this.ticket, this.track?.voice ?? '', this.startedAtMs, this.events.events, pageUrl);
    return this.rec.finish({ ...meta, endedAtMs: Date.now(), ok, ...(ok ? {} : { failure: this.failure }) });
  }

  /** A record of the call as far as it went: no failure, and the turn in progress marked as cut. */
  private cut(reason: string, atMs: number): CallRecord {
    const { failure: _failure, ...record } = this.make(false);
    // The call runs on in the background until its page closes: nothing it does later may change this record.
    const turns = structuredClone(record.turns).map((t) =>
      t.endReason === undefined && t.error === undefined && t.falseAlarm === undefined
        ? { ...t, interrupted: true as const }
        : t,
    );
    return { ...record, interrupted: { atMs, reason }, turns };
  }

  /**
   * The conductor first: a page on a loaded machine can take half a second to give its
   * figures, and a slot held that long is concurrency the plan asked for and did not get.
   */
  private async end(record: CallRecord): Promise<void> {
    if (this.opts.conductorUrl && !this.endReported) {
      this.endReported = true;
      await reportEnd(this.opts.conductorUrl, callEndOf(record));
    }
    record.generator ??= await this.health.finish(this.page, this.events.events);
  }
}
