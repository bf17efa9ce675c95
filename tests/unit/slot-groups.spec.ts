import { expect, test } from '@playwright/test';
import { callsTitle, plannedSlotGroups, unplannedSlotGroups } from '../../harness/plan/slot-groups';

test('without a plan: as many slots as calls at a time, each running its calls in turn, every call once', () => {
  // 16 calls, 8 at a time, 4 per worker: 2 tests (2 workers, not 4), each slot 2 calls.
  const tests = unplannedSlotGroups(16, 8, 4);
  expect(tests).toEqual([
    [
      [0, 8],
      [1, 9],
      [2, 10],
      [3, 11],
    ],
    [
      [4, 12],
      [5, 13],
      [6, 14],
      [7, 15],
    ],
  ]);
  expect(tests.map(callsTitle)).toEqual(['calls 0001-0004, 0009-0012', 'calls 0005-0008, 0013-0016']);
  // A last test with fewer slots when the calls at a time are not a multiple of CALLS_PER_WORKER.
  expect(unplannedSlotGroups(7, 6, 4).map((t) => t.length)).toEqual([4, 2]);
  // Fewer calls than --workers: one slot per call.
  expect(unplannedSlotGroups(3, 8, 4)).toEqual([[[0], [1], [2]]]);
  for (const [calls, atOnce, perWorker, shards] of [
    [100, 20, 4, 1],
    [37, 10, 3, 2],
    [5, 8, 4, 4],
    [1, 1, 4, 1],
  ] as const) {
    const layout = unplannedSlotGroups(calls, atOnce, perWorker, shards);
    const all = layout.flat(2).sort((a, b) => a - b);
    expect(all, `${calls} calls`).toEqual(Array.from({ length: calls }, (_, i) => i));
    for (const t of layout) expect(t.length).toBeLessThanOrEqual(perWorker);
    expect(layout.flat().length).toBeLessThanOrEqual(atOnce * shards);
  }
});

test('sharded without a plan: every shard gets the same tests, so each machine carries its calls at a time', () => {
  // 2 shards, 4 calls at a time on each, 3 per worker: tests of 3 and 1 slots per shard, in shard order.
  const tests = unplannedSlotGroups(40, 4, 3, 2);
  expect(tests.map((t) => t.length)).toEqual([3, 1, 3, 1]);
  // Playwright's --shard takes equal runs of consecutive tests: each half holds 4 slots and half the calls.
  const half = (k: number) => tests.slice(k * 2, k * 2 + 2).flat(2).length;
  expect([half(0), half(1)]).toEqual([20, 20]);
});

test('under a plan: slots of one index each, the conductor deciding what each call is', () => {
  expect(plannedSlotGroups(6, 4)).toEqual([
    [[0], [1], [2], [3]],
    [[4], [5]],
  ]);
  expect(plannedSlotGroups(6, 4).map(callsTitle)).toEqual(['calls 0001-0004', 'calls 0005-0006']);
  expect(callsTitle([[2], [0, 4]])).toBe('calls 0001, 0003, 0005');
});

test('under a plan, sharded: every shard gets the same tests and its share of the slots', () => {
  // 9 slots over 3 shards, 4 per worker: one test of 3 slots each, not tests of 4, 4 and 1.
  expect(plannedSlotGroups(9, 4, 3)).toEqual([
    [[0], [1], [2]],
    [[3], [4], [5]],
    [[6], [7], [8]],
  ]);
  for (const [calls, perWorker, shards] of [
    [16, 4, 2],
    [10, 4, 2],
    [10, 4, 3],
    [17, 3, 4],
    [8, 4, 4],
  ] as const) {
    const tests = plannedSlotGroups(calls, perWorker, shards);
    expect(tests.flat(2), `${calls} slots`).toEqual(Array.from({ length: calls }, (_, i) => i));
    for (const t of tests) expect(t.length).toBeLessThanOrEqual(perWorker);
    // Playwright's --shard takes equal runs of consecutive tests: each run holds a share within one slot of the rest.
    expect(tests.length % shards).toBe(0);
    const per = tests.length / shards;
    const shares = Array.from({ length: shards }, (_, k) => tests.slice(k * per, (k + 1) * per).flat().length);
    expect(Math.max(...shares) - Math.min(...shares), `${calls} slots: ${shares}`).toBeLessThanOrEqual(1);
  }
});
