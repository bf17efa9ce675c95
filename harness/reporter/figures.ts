import { statsOf } from '../metrics/histogram';
import type { RunAggregate } from './aggregate';
import { summaryCurves } from './curves';
import {
  SUMMARY_SCHEMA_VERSION,
  type MetricSummary,
  type RatioMetricSummary,
  type RunInfo,
  type SummaryFigures,
} from './schema';

export const CONNECTION_SUCCESS = 'success/connection';
export const TURN_SUCCESS = 'success/turn';
export const TASK_SUCCESS = 'success/task';
export const FALSE_ALARM_SUCCESS = 'success/false_alarm';

const PER_CALL = ['call/setup', 'ws/connect', 'call/greeting'];
const TURN_FAMILIES = ['ttfb', 'ttfa', 'turn', 'barge', 'barge_ack'];

/** Order for people: per-call metrics, then each turn family (turns, then its aggregate), then the rest. */
function sortKey(name: string): string {
  if (PER_CALL.includes(name)) return `0 ${PER_CALL.indexOf(name)}`;
  const m = /^(ttfb|ttfa|turn|barge|barge_ack)(?:\/(\d+))?$/.exec(name);
  if (m) return `1 ${TURN_FAMILIES.indexOf(m[1]!)} ${(m[2] ?? '99999').padStart(5, '0')}`;
  return `2 ${name}`;
}

export function summarizeMetrics(agg: RunAggregate): Record<string, MetricSummary> {
  const metrics: Record<string, MetricSummary> = {};
  const names = [...agg.latencies.keys()].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  for (const name of names)
    metrics[name] = { kind: 'latency', ...statsOf(agg.latencies.get(name)!), fails: agg.fails.get(name) ?? 0 };
  metrics[CONNECTION_SUCCESS] = ratio(agg.connection);
  metrics[TURN_SUCCESS] = ratio(agg.turns);
  if (agg.tasks.attempts) metrics[TASK_SUCCESS] = ratio(agg.tasks);
  if (agg.falseAlarms.attempts) metrics[FALSE_ALARM_SUCCESS] = ratio(agg.falseAlarms);
  for (const name of [...agg.counters.keys()].sort())
    metrics[name] = { kind: 'counter', count: agg.counters.get(name)! };
  return metrics;
}

function ratio(r: { attempts: number; successes: number }): RatioMetricSummary {
  return {
    kind: 'ratio',
    count: r.attempts,
    successes: r.successes,
    pct: r.attempts ? Math.round((10000 * r.successes) / r.attempts) / 100 : 0,
  };
}

/** The run's figures; phases, groups and generator are summarized by their own modules and passed in. */
export function buildFigures(
  agg: RunAggregate,
  run: Omit<RunInfo, 'calls'>,
  extra: Pick<SummaryFigures, 'phases' | 'generator' | 'groups'> = {},
): SummaryFigures {
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    run: { ...run, calls: agg.calls },
    metrics: summarizeMetrics(agg),
    ...(extra.phases?.length ? { phases: extra.phases } : {}),
    ...(extra.groups ? { groups: extra.groups } : {}),
    ...(extra.generator ? { generator: extra.generator } : {}),
    percentileCurves: summaryCurves(agg),
  };
}
