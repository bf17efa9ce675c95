import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** docs/design.md#histograms: 1 ms .. 10 min, 3 significant digits, merged by addition. */
export const HISTOGRAM_LOWEST_MS = 1;
export const HISTOGRAM_HIGHEST_MS = 600_000;
export const HISTOGRAM_DIGITS = 3;

export type { Histogram };

export function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: HISTOGRAM_LOWEST_MS,
    highestTrackableValue: HISTOGRAM_HIGHEST_MS,
    numberOfSignificantValueDigits: HISTOGRAM_DIGITS,
    bitBucketSize: 32,
    autoResize: false,
  });
}

/** Records a latency; negative values (clock skew across a boundary) count as 0. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HISTOGRAM_HIGHEST_MS, Math.max(0, Math.round(ms))));
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded, 32, false);
}

export interface LatencyStats {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function statsOf(h: Histogram): LatencyStats {
  const count = h.totalCount;
  if (count === 0) return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
  // minNonZeroValue ignores recorded zeros; a zero-valued sample is still the minimum.
  const min = h.getValueAtPercentile(0);
  return {
    count,
    minMs: min,
    meanMs: round1(h.mean),
    p50Ms: h.getValueAtPercentile(50),
    p90Ms: h.getValueAtPercentile(90),
    p95Ms: h.getValueAtPercentile(95),
    p99Ms: h.getValueAtPercentile(99),
    maxMs: h.maxValue,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
