import { expect, test } from '@playwright/test';
import { loadHarnessConfig, ConfigError } from '../../harness/config';
import { compare, relativeGates } from '../../harness/reporter/baseline';
import { DEFAULT_GATES, evaluateGates, gatesFrom, parseGate } from '../../harness/reporter/gates';
import { SUMMARY_SCHEMA_VERSION, type MetricSummary, type Summary } from '../../harness/reporter/schema';

const latency = (p95Ms: number, count = 10): MetricSummary => ({
  kind: 'latency',
  count,
  fails: 0,
  minMs: 1,
  meanMs: p95Ms,
  p50Ms: p95Ms,
  p90Ms: p95Ms,
  p95Ms,
  p99Ms: p95Ms,
  maxMs: p95Ms,
});

test('k6-like gate strings parse into thresholds with a warn band', () => {
  expect(parseGate('ttfb:p95<2000|3000')).toEqual({
    name: 'ttfb p95',
    metric: 'ttfb',
    stat: 'p95Ms',
    op: '<',
    pass: 2000,
    warn: 3000,
  });
  expect(parseGate('turn/03:p(99)<8000')).toMatchObject({ metric: 'turn/03', stat: 'p99Ms', pass: 8000, warn: 8000 });
  expect(parseGate('success/turn:pct>95|90')).toMatchObject({ op: '>', pass: 95, warn: 90 });
  expect(() => parseGate('ttfb<2000')).toThrow(/gate "ttfb<2000" is not valid.*metric:stat<pass/);
  expect(() => parseGate('ttfb:p42x<2000')).toThrow(/unknown stat/);
  expect(() => parseGate('ttfb:p95<3000|2000')).toThrow(/warn limit 2000 is stricter/);
});

test('user gates replace the default on the same metric and stat and add the rest', () => {
  const gates = gatesFrom(['ttfb:p95<1000|1500', 'ttfa:p95<2500']);
  expect(gates.filter((g) => g.metric === 'ttfb')).toEqual([
    { name: 'ttfb p95', metric: 'ttfb', stat: 'p95Ms', op: '<', pass: 1000, warn: 1500 },
  ]);
  expect(gates).toHaveLength(DEFAULT_GATES.length + 1);
  const results = evaluateGates(gates, { ttfb: latency(1200), ttfa: latency(2600) });
  expect(results.find((r) => r.metric === 'ttfb')!.verdict).toBe('warn');
  expect(results.find((r) => r.metric === 'ttfa')!.verdict).toBe('fail');
  expect(results.find((r) => r.metric === 'barge')!.verdict).toBe('no-data');
});

test('a bad GATES value stops the run with a message naming GATES', () => {
  expect(() => loadHarnessConfig({ GATES: 'ttfb:p95<2000,nonsense' })).toThrow(ConfigError);
  expect(() => loadHarnessConfig({ GATES: 'ttfb:p95<2000,nonsense' })).toThrow(/^GATES=.*"nonsense": cannot read it/);
});

test('relative gates: under 1.5x the baseline p95 passes, up to 2x warns, beyond fails; +10% is a regression', () => {
  const metrics = { ttfb: latency(1000), turn: latency(4000), 'ttfb/01': latency(900), barge: latency(300) };
  const baseline = { schemaVersion: SUMMARY_SCHEMA_VERSION, metrics } as unknown as Summary;
  const report = compare(
    baseline,
    { ttfb: latency(2500), turn: latency(4300), 'ttfb/01': latency(985), barge: latency(500) },
    'base.json',
  );
  expect(report.comparisons).toEqual([
    { metric: 'ttfb', baselineP95Ms: 1000, p95Ms: 2500, changePct: 150, regression: true },
    { metric: 'turn', baselineP95Ms: 4000, p95Ms: 4300, changePct: 7.5, regression: false },
    { metric: 'ttfb/01', baselineP95Ms: 900, p95Ms: 985, changePct: 9.4, regression: false },
    { metric: 'barge', baselineP95Ms: 300, p95Ms: 500, changePct: 66.7, regression: true },
  ]);
  const gates = relativeGates(report);
  expect(gates.map((g) => [g.metric, g.value, g.verdict])).toEqual([
    ['ttfb', 2.5, 'fail'],
    ['turn', 1.08, 'pass'],
    ['barge', 1.67, 'warn'],
  ]);
});
