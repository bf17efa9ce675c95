import { newHistogram, type Histogram } from '../metrics/histogram';
import { addEncoded } from '../metrics/merge';
import { aggregateOf } from '../metrics/names';
import type { CallRecord } from '../metrics/record';
import { entryOf } from '../entry-of';

/**
 * Every call of a run, merged: histograms by addition (exact, never averaged
 * percentiles), fails and counters by sum. Records are kept for evidence.
 */
export class RunAggregate {
  readonly latencies = new Map<string, Histogram>();
  readonly fails = new Map<string, number>();
  readonly counters = new Map<string, number>();
  readonly records: CallRecord[] = [];
  /** Tests that ended without a call record (crashed before the call began). */
  readonly unrecorded: Array<{ title: string; reason: string }> = [];
  /** Calls the run's end cut short: counted apart, never as failures. */
  interrupted = 0;
  connection = { attempts: 0, successes: 0 };
  turns = { attempts: 0, successes: 0 };
  tasks = { attempts: 0, successes: 0 };
  falseAlarms = { attempts: 0, successes: 0 };

  add(record: CallRecord): void {
    // Histograms are merged below; the kept record (evidence, calls.jsonl, charts) does without them.
    this.records.push({ ...record, histograms: {} });
    for (const [name, encoded] of Object.entries(record.histograms)) {
      addEncoded(this.histogram(name), encoded);
      const agg = aggregateOf(name);
      if (agg) addEncoded(this.histogram(agg), encoded);
    }
    for (const [name, n] of Object.entries(record.fails)) {
      this.bump(this.fails, name, n);
      const agg = aggregateOf(name);
      if (agg) this.bump(this.fails, agg, n);
      this.histogram(name);
      if (agg) this.histogram(agg);
    }
    for (const [name, n] of Object.entries(record.counters)) this.bump(this.counters, name, n);
    // A cut call says nothing of whether calls connect; its turns that ended before the cut still count below.
    if (record.interrupted) this.interrupted++;
    else {
      this.connection.attempts++;
      if (record.histograms['ws/connect']) this.connection.successes++;
    }
    // A false alarm expects no answer of its own; an answer cut short by a barge-in still counts as answered.
    // The turn in progress when the call was cut is neither answered nor failed.
    const answered = record.turns.filter((t) => t.kind !== 'false-alarm' && !t.interrupted);
    this.turns.attempts += answered.length;
    this.turns.successes += answered.filter((t) => t.endReason !== undefined && !t.error).length;
    const checked = record.turns.filter((t) => t.task !== undefined);
    this.tasks.attempts += checked.length;
    this.tasks.successes += checked.filter((t) => t.task === 'completed').length;
    // A false alarm is handled when the answer carried on, or resumed after a stop.
    const alarms = record.turns.filter((t) => t.falseAlarm !== undefined);
    this.falseAlarms.attempts += alarms.length;
    this.falseAlarms.successes += alarms.filter((t) => t.falseAlarm !== 'stopped').length;
  }

  addUnrecorded(title: string, reason: string): void {
    this.unrecorded.push({ title, reason });
    this.bump(this.counters, 'call/error', 1);
  }

  get calls(): { total: number; passed: number; failed: number; interrupted?: number } {
    const passed = this.records.filter((r) => r.ok).length;
    const total = this.records.length + this.unrecorded.length;
    const failed = total - passed - this.interrupted;
    return this.interrupted ? { total, passed, failed, interrupted: this.interrupted } : { total, passed, failed };
  }

  private histogram(name: string): Histogram {
    return entryOf(this.latencies, name, newHistogram);
  }

  private bump(map: Map<string, number>, name: string, n: number): void {
    map.set(name, (map.get(name) ?? 0) + n);
  }
}
