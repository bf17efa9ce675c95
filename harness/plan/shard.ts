/**
 * A run split over machines (Playwright's `--shard i/n`). `index` is 0-based;
 * the text form is Playwright's own, 1-based "i/n", so what a test's
 * annotations say reads the same as the command line that ran it.
 */
export interface Shard {
  index: number;
  count: number;
}

/** An unsharded run, and the shard of a record written before records named theirs. */
export const WHOLE_RUN: Shard = Object.freeze({ index: 0, count: 1 });

/** Test annotation: the shard that ran the test (skipped tests too: a merge must see every shard). */
export const SHARD_ANNOTATION = 'shard';
/** Test annotation: "<missed arrivals> <shard>", on tests the finished plan skipped. */
export const MISSED_ARRIVALS_ANNOTATION = 'missed-arrivals';

export function formatShard(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

/** "i/n" with 1 <= i <= n, else null. */
export function parseShard(text: string | undefined): Shard | null {
  const m = /^(\d+)\/(\d+)$/.exec(text?.trim() ?? '');
  if (!m) return null;
  const index = Number(m[1]) - 1;
  const count = Number(m[2]);
  return index >= 0 && index < count ? { index, count } : null;
}

export function formatMissedArrivals(missed: number, shard: Shard): string {
  return `${missed} ${formatShard(shard)}`;
}

export function parseMissedArrivals(text: string | undefined): { missed: number; shard: Shard } | null {
  const m = /^(\d+) (\S+)$/.exec(text?.trim() ?? '');
  const shard = m ? parseShard(m[2]) : null;
  return m && shard ? { missed: Number(m[1]), shard } : null;
}

/** The shard a call record came from; records without one predate sharded records and count as one shard. */
export function shardOf(record: { shard?: Shard }): Shard {
  return record.shard ?? WHOLE_RUN;
}
