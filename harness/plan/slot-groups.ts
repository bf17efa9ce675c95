/**
 * How a run without a plan lays its calls out as tests when each test carries
 * several calls (CALLS_PER_WORKER > 1).
 *
 * Playwright starts a worker, and the harness a browser, for every test it can
 * run at once, up to --workers. Without a plan --workers N means N calls at a
 * time, so the run has only as many tests as N calls need (N / CALLS_PER_WORKER,
 * per shard) and each slot carries its calls one after another: call i goes to
 * slot i mod (all slots). A test per CALLS_PER_WORKER calls would start a
 * worker and a browser for every test up to N, most of them with slots the
 * conductor keeps waiting.
 *
 * Returns, per test, per slot, the call indices in the order the slot runs them.
 * Each shard gets the same number of tests, so Playwright's --shard split (equal
 * runs of consecutive tests) gives every machine its share of slots.
 */
export function unplannedSlotGroups(
  calls: number,
  concurrency: number,
  perWorker: number,
  shardCount = 1,
): number[][][] {
  const slotsPerShard = Math.max(1, Math.min(concurrency, Math.ceil(calls / shardCount)));
  const perShard = testSizes(slotsPerShard, perWorker, Math.ceil(slotsPerShard / perWorker));
  const tests: number[][][] = [];
  for (let s = 0; s < shardCount; s++) for (const size of perShard) tests.push(Array.from({ length: size }, () => []));
  const slots = tests.flat();
  for (let i = 0; i < calls; i++) slots[i % slots.length]!.push(i);
  // A slot with no call (fewer calls than slots across shards) would open a page for nothing.
  return tests.map((t) => t.filter((slot) => slot.length > 0)).filter((t) => t.length > 0);
}

/** A test's title from its calls: "calls 0001-0004", or "calls 0001-0004, 0009-0012" when slots run several in turn. */
export function callsTitle(slots: readonly (readonly number[])[]): string {
  const indices = [...new Set(slots.flat())].sort((a, b) => a - b);
  const ranges: string[] = [];
  const label = (i: number) => String(i + 1).padStart(4, '0');
  for (let k = 0; k < indices.length; ) {
    let end = k;
    while (end + 1 < indices.length && indices[end + 1] === indices[end]! + 1) end++;
    ranges.push(end === k ? label(indices[k]!) : `${label(indices[k]!)}-${label(indices[end]!)}`);
    k = end + 1;
  }
  return `calls ${ranges.join(', ')}`;
}

/**
 * Under a plan: slots of one index each (a user the conductor gives tickets), `calls` of them across the shards, in
 * tests of at most CALLS_PER_WORKER. Each shard gets the same number of tests and its even share of the slots, so
 * Playwright's --shard split gives every machine the slots its share of the plan needs: grouped across shards
 * instead (9 slots in tests of 4), the last shard held one slot where the others held four.
 */
export function plannedSlotGroups(calls: number, perWorker: number, shardCount = 1): number[][][] {
  const least = Math.floor(calls / shardCount);
  const extra = calls % shardCount;
  const testsPerShard = Math.ceil((least + (extra ? 1 : 0)) / perWorker);
  const tests: number[][][] = [];
  for (let s = 0, first = 0; s < shardCount; s++) {
    const share = least + (s < extra ? 1 : 0);
    for (const size of testSizes(share, perWorker, testsPerShard)) {
      const at = first;
      tests.push(Array.from({ length: size }, (_, k) => [at + k]));
      first += size;
    }
  }
  return tests;
}

/**
 * One shard's slots in at most `tests` tests: full tests first (a worker carries CALLS_PER_WORKER at once), leaving a
 * slot for each test still to come, so a shard one slot short of the others still has as many tests.
 */
function testSizes(slots: number, perWorker: number, tests: number): number[] {
  const sizes: number[] = [];
  for (let t = 0, left = slots; t < tests && left > 0; t++) {
    const size = Math.max(1, Math.min(perWorker, left - (tests - 1 - t)));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}
