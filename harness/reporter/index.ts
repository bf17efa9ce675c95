import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { CALL_RECORD_ATTACHMENT, CALL_RECORD_SCHEMA, type CallRecord } from '../metrics/record';
import { RunAggregate } from './aggregate';
import { DEFAULT_GATES } from './gates';
import { buildSummary, type Summary } from './summary';
import { formatGates, formatRateLimits, formatStatsTable } from './table';

export interface HarnessReporterOptions {
  /** Directory for summary.json and the other report files (default: reports). */
  outputDir?: string;
}

/**
 * Merges the call records attached to test results (from workers, or from
 * shards' blob reports under `merge-reports`), prints the tables, writes the
 * report files and turns the gates' verdict into the exit status.
 */
export default class VoiceHarnessReporter implements Reporter {
  private readonly agg = new RunAggregate();
  private readonly outputDir: string;
  private config: FullConfig | undefined;
  private startedAt = new Date();

  constructor(options: HarnessReporterOptions = {}) {
    this.outputDir = options.outputDir ?? process.env.REPORT_DIR ?? 'reports';
  }

  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, _suite: Suite): void {
    this.config = config;
    this.startedAt = new Date();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const attachment = result.attachments.find((a) => a.name === CALL_RECORD_ATTACHMENT);
    let record: CallRecord | undefined;
    try {
      const body = attachment?.body ?? (attachment?.path ? fs.readFileSync(attachment.path) : undefined);
      if (body) record = JSON.parse(body.toString('utf8')) as CallRecord;
    } catch (e) {
      this.agg.addUnrecorded(test.title, `unreadable call record: ${(e as Error).message}`);
      return;
    }
    if (record && record.schemaVersion === CALL_RECORD_SCHEMA) this.agg.add(record);
    else if (record) this.agg.addUnrecorded(test.title, `call record schema ${String(record.schemaVersion)} is not ${CALL_RECORD_SCHEMA}`);
    else this.agg.addUnrecorded(test.title, result.error?.message?.split('\n')[0] ?? `test ${result.status} before the call began`);
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    const summary = buildSummary(this.agg, {
      startedAt: this.startedAt.toISOString(),
      durationMs: Math.round(result.duration ?? Date.now() - this.startedAt.getTime()),
      target: process.env.WS_URL ?? process.env.HARNESS_AGENT_WS_URL ?? 'unknown',
      workers: this.config?.workers ?? 1,
      shards: this.config?.shard?.total ?? 1,
      incomplete: result.status === 'interrupted' || result.status === 'timedout',
    }, DEFAULT_GATES);

    // Each output on its own: one failing must never cost the others.
    const errors: string[] = [];
    const attempt = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
      }
    };
    attempt('summary.json', () => this.writeJson('summary.json', summary));
    attempt('calls.jsonl', () => this.writeCalls());
    attempt('console table', () => this.print(summary));
    for (const e of errors) process.stderr.write(`voice harness reporter: ${e}\n`);

    if (result.status === 'interrupted' || result.status === 'timedout') return undefined;
    // The gates decide the exit code: a call that failed is a load outcome, counted in the gates.
    return { status: summary.verdict === 'fail' || errors.length ? 'failed' : 'passed' };
  }

  private writeJson(name: string, value: unknown): void {
    fs.mkdirSync(this.outputDir, { recursive: true });
    const file = path.join(this.outputDir, name);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2) + '\n');
    fs.renameSync(`${file}.tmp`, file);
  }

  /** Per-call evidence, one JSON line per call (histograms are in the merged summary). */
  private writeCalls(): void {
    const lines = this.agg.records.map(({ histograms: _h, ...rest }) => JSON.stringify(rest));
    fs.mkdirSync(this.outputDir, { recursive: true });
    fs.writeFileSync(path.join(this.outputDir, 'calls.jsonl'), lines.join('\n') + (lines.length ? '\n' : ''));
  }

  private print(summary: Summary): void {
    const parts = [formatStatsTable(summary), formatRateLimits(summary), formatGates(summary), `Reports: ${path.resolve(this.outputDir)}`];
    process.stdout.write('\n' + parts.filter(Boolean).join('\n\n') + '\n');
  }
}
