import type { CallRecord } from '../metrics/record';

/**
 * Splits the calls' machine CPU samples into start-up and steady state. A
 * sample covers the interval before it; it is start-up when that interval
 * overlaps any call's start-up (from its page's creation until its call socket
 * opened, or its end when it never opened): a browser and page coming up are
 * busy by nature, and that burst says nothing about whether the machine kept
 * up with the calls in progress. Records without sample times (older ones,
 * sampled from the socket's opening) count as steady state.
 */
export interface CpuSplit {
  steady: number[];
  startup: number[];
}

type Window = [number, number];

/**
 * A call's page is created before its clock starts (the record's start): this much before it counts as its
 * start-up too, for the browser context and page coming up.
 */
export const STARTUP_LEAD_MS = 1000;

/** The calls' start-up windows, merged and sorted. */
export function startupWindows(records: readonly CallRecord[]): Window[] {
  // Only calls with generator figures (browser calls) start a page; protocol-level callers have no start-up.
  const windows = records
    .flatMap((r): Window[] =>
      r.generator ? [[r.startedAtMs - STARTUP_LEAD_MS, r.generator.startupEndAtMs ?? r.endedAtMs]] : [],
    )
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged: Window[] = [];
  for (const w of windows) {
    const last = merged.at(-1);
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

/** Whether (from, to) overlaps any of the merged, sorted windows (touching at an end is no overlap). */
export function overlaps(windows: readonly Window[], from: number, to: number): boolean {
  let lo = 0;
  let hi = windows.length;
  // The first window ending after `from`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (windows[mid]![1] <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo < windows.length && windows[lo]![0] < to;
}

/**
 * The calls' CPU samples split as above: busy % by default, or another series aligned with them (`series`).
 * `windows`: the calls' start-up windows, when the caller has them already.
 */
export function splitCpuSamples(
  records: readonly CallRecord[],
  windows = startupWindows(records),
  series: (g: NonNullable<CallRecord['generator']>) => readonly number[] | undefined = (g) => g.cpuBusyPct,
): CpuSplit {
  const split: CpuSplit = { steady: [], startup: [] };
  for (const r of records) {
    const g = r.generator;
    const values = g && series(g);
    if (!g || !values) continue;
    if (g.cpuFirstAtMs === undefined) {
      split.steady.push(...values);
      continue;
    }
    const interval = g.cpuIntervalMs ?? 1000;
    values.forEach((pct, i) => {
      const at = g.cpuFirstAtMs! + i * interval;
      (overlaps(windows, at - interval, at) ? split.startup : split.steady).push(pct);
    });
  }
  return split;
}
