import type { TestInfo } from '@playwright/test';
import type { HarnessConfig } from '../config';
import type { CallRecord } from '../metrics/record';
import { currentShard } from '../plan/load';
import { formatMissedArrivals, MISSED_ARRIVALS_ANNOTATION } from '../plan/shard';
import type { DoneReply, SlotResult } from './slots';

/** Why the plan no longer needs a call (complete or stopped) and the arrivals it missed, as the reporter reads them. */
function annotateDone(testInfo: TestInfo, reply: DoneReply): void {
  testInfo.annotations.push({ type: reply.stopped ? 'load-stopped' : 'plan-complete', description: reply.reason });
  // The conductor's count so far; the reporter keeps the largest per shard (each shard has its own conductor).
  if (reply.missedArrivals) {
    const description = formatMissedArrivals(reply.missedArrivals, currentShard());
    testInfo.annotations.push({ type: MISSED_ARRIVALS_ANNOTATION, description });
  }
}

/** A test the plan does not need (complete, or stopped): skipped, saying why. */
export function skipTest(testInfo: TestInfo, reply: DoneReply): void {
  annotateDone(testInfo, reply);
  testInfo.skip(true, reply.reason);
}

/**
 * How long a slot waits before opening its page. A worker's first test
 * staggers its slots after those of the workers before it, so N calls come
 * up one every STARTUP_STAGGER_MS instead of all at once (opening a page
 * costs a burst of CPU; N at once saturate the machine before the first call
 * connects); later tests only spread their own slots (they follow the ends of
 * earlier calls, which are spread already).
 */
export function startDelayMs(
  config: Pick<HarnessConfig, 'startupStaggerMs'>,
  testInfo: Pick<TestInfo, 'parallelIndex'>,
  slots: number,
  slot: number,
  firstTestOfWorker: boolean,
): number {
  const before = firstTestOfWorker ? testInfo.parallelIndex * slots : 0;
  return (before + slot) * config.startupStaggerMs;
}

/**
 * A multi-call test's end: skipped as a whole when the plan needed none of
 * its calls, red when any of its calls failed, naming them.
 */
export function finishBatch(testInfo: TestInfo, results: readonly SlotResult[]): CallRecord[] {
  const records: CallRecord[] = [];
  for (const r of results) {
    if ('record' in r) records.push(r.record);
  }
  if (!records.length) {
    const skipped = results.find((r) => 'skipped' in r);
    if (skipped && 'skipped' in skipped) skipTest(testInfo, skipped.skipped);
    return records;
  }
  // The plan ended (or was stopped) while some slots waited: the reporter still hears why, and what was missed.
  const done = results.filter((r) => 'skipped' in r).map((r) => (r as { skipped: DoneReply }).skipped);
  const last = done.find((d) => d.stopped) ?? done.at(-1);
  if (last) annotateDone(testInfo, { ...last, missedArrivals: Math.max(0, ...done.map((d) => d.missedArrivals ?? 0)) });
  const failed = records.filter((r) => !r.ok && !r.interrupted);
  if (failed.length) {
    const names = failed.map((r) => `${r.callId} (${r.failure?.code}: ${r.failure?.message})`);
    throw new Error(`${failed.length} of ${records.length} calls failed: ${names.join('; ')}`);
  }
  return records;
}
