import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { loadHarnessConfig, type HarnessConfig } from '../config';
import { CALL_RECORD_ATTACHMENT, CALL_RECORD_SCHEMA, type CallRecord } from '../metrics/record';
import { MISSED_ARRIVALS_ANNOTATION, parseMissedArrivals, parseShard, SHARD_ANNOTATION } from '../plan/shard';
import { TARGET_WARNING_ANNOTATION } from '../driver/annotations';
import { RunAggregate } from './aggregate';
import { readBaseline } from './baseline';
import { exceptionsCsv, failuresCsv, statsCsv } from './csv';
import { collectEvidence, type EvidenceCandidate, type EvidenceLink } from './evidence';
import { buildFigures, summarizeMetrics } from './figures';
import { gatesFrom } from './gates';
import { startupGuardOf, summarizeGenerator } from './generator';
import { LiveProgress } from './live';
import { planPhases, summarizePhases } from './phases';
import { hgrmFiles } from './hgrm';
import { renderHtml } from './html';
import type { Summary } from './schema';
import {
  formatBaseline,
  formatGates,
  formatGenerator,
  formatGroups,
  formatPhases,
  formatRateLimits,
  formatStatsTable,
} from './table';
import { formatWarnings, runTargets } from './targets';
import { INCONCLUSIVE_EXIT_CODE, judgeSummary } from './verdict';
import { entryOf } from '../entry-of';

/**
 * Playwright maps a run's status to 0 or 1 and exits with it (`playwright test` and `merge-reports` alike); a
 * reporter cannot return another status. Set as the process exits, the code replaces a 0 only: a run that failed
 * for another reason (a worker error) keeps its 1.
 */
function exitInconclusive(): void {
  process.once('exit', (code) => {
    if (code === 0) process.exitCode = INCONCLUSIVE_EXIT_CODE;
  });
}

export interface HarnessReporterOptions {
  /** Directory for summary.json and the other report files (default: REPORT_DIR or reports). */
  outputDir?: string;
}

/**
 * Merges the call records attached to test results (from workers, or from
 * shards' blob reports under `merge-reports`), prints the tables, writes the
 * report files and turns the gates' verdict into the exit status.
 */
/** A call's evidence files: a test carrying several calls keeps each call's under `<callId>/`. */
function evidenceOf(record: CallRecord, result: TestResult, severalCalls: boolean): EvidenceCandidate['attachments'] {
  const files = result.attachments.filter((a) => a.path && a.name !== CALL_RECORD_ATTACHMENT);
  return severalCalls ? files.filter((a) => a.name.startsWith(`${record.callId}/`)) : files;
}

export default class VoiceHarnessReporter implements Reporter {
  private readonly agg = new RunAggregate();
  private readonly byPhase = new Map<string, RunAggregate>();
  private readonly byGroup = new Map<string, RunAggregate>();
  private readonly evidence: EvidenceCandidate[] = [];
  private stopReason: string | undefined;
  /** Calls' warnings (annotations), printed as WARNING lines and kept in the run block. */
  private readonly warnings: string[] = [];
  /** Shard count and the shards whose tests reached this reporter (from each test's "shard" annotation). */
  private shardCount = 1;
  private readonly shardsSeen = new Set<number>();
  /** Planned arrivals no worker took, by shard (1-based): each shard's conductor counts its own. */
  private readonly missedByShard = new Map<number, number>();
  private live: LiveProgress | undefined;
  private readonly outputDir: string;
  private readonly config: HarnessConfig;
  private playwright: FullConfig | undefined;
  private startedAt = new Date();

  constructor(options: HarnessReporterOptions = {}) {
    this.config = loadHarnessConfig();
    this.outputDir = options.outputDir ?? this.config.reportDir;
  }

  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, _suite: Suite): void {
    this.playwright = config;
    this.startedAt = new Date();
    const conductor = process.env.HARNESS_CONDUCTOR_URL;
    if (conductor && !process.argv.includes('merge-reports')) this.live = new LiveProgress(conductor, this.agg).start();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const annotations = [...test.annotations, ...result.annotations];
    for (const a of annotations)
      if (a.type === TARGET_WARNING_ANNOTATION && a.description) this.warnings.push(a.description);
    const shard = parseShard(annotations.find((a) => a.type === SHARD_ANNOTATION)?.description);
    if (shard) {
      this.shardsSeen.add(shard.index + 1);
      this.shardCount = Math.max(this.shardCount, shard.count);
    }
    // The plan did not need a call, or a stop criterion ended the run: a skipped test says so, and so does a
    // multi-call test some of whose slots the plan no longer needed.
    const stopped = annotations.find((a) => a.type === 'load-stopped');
    if (stopped) this.stopReason ??= stopped.description;
    const missed = parseMissedArrivals(annotations.find((a) => a.type === MISSED_ARRIVALS_ANNOTATION)?.description);
    if (missed) {
      const key = missed.shard.index + 1;
      this.missedByShard.set(key, Math.max(this.missedByShard.get(key) ?? 0, missed.missed));
    }
    if (result.status === 'skipped') return;
    // A browser test carries one call; a protocol batch carries many.
    const attachments = result.attachments.filter((a) => a.name === CALL_RECORD_ATTACHMENT);
    // Stopped while waiting for its ticket or its page: no call began, so there is none to count.
    if (!attachments.length && result.status === 'interrupted') return;
    if (!attachments.length) {
      this.agg.addUnrecorded(
        test.title,
        result.error?.message?.split('\n')[0] ?? `test ${result.status} before the call began`,
      );
      return;
    }
    for (const attachment of attachments) {
      let record: CallRecord;
      try {
        const body = attachment.body ?? (attachment.path ? fs.readFileSync(attachment.path) : undefined);
        record = JSON.parse(body!.toString('utf8')) as CallRecord;
      } catch (e) {
        this.agg.addUnrecorded(test.title, `unreadable call record: ${(e as Error).message}`);
        continue;
      }
      if (record.schemaVersion !== CALL_RECORD_SCHEMA) {
        this.agg.addUnrecorded(
          test.title,
          `call record schema ${String(record.schemaVersion)} is not ${CALL_RECORD_SCHEMA}`,
        );
        continue;
      }
      this.agg.add(record);
      this.slice(this.byGroup, record.group).add(record);
      if (record.phase) this.slice(this.byPhase, record.phase).add(record);
      if (record.group === 'browser')
        this.evidence.push({ record, attachments: evidenceOf(record, result, attachments.length > 1) });
    }
  }

  private slice(map: Map<string, RunAggregate>, key: string): RunAggregate {
    return entryOf(map, key, () => new RunAggregate());
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    this.live?.stop();
    const errors: string[] = [];
    const attempt = <T>(what: string, fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        errors.push(`${what}: ${(e as Error).message}`);
        return undefined;
      }
    };
    const baseline = this.config.baseline
      ? attempt('baseline', () => ({ summary: readBaseline(this.config.baseline!), file: this.config.baseline! }))
      : undefined;
    const figures = buildFigures(
      this.agg,
      {
        startedAt: this.startedAt.toISOString(),
        durationMs: Math.round(result.duration ?? Date.now() - this.startedAt.getTime()),
        ...runTargets(this.agg.records, this.config, process.env.HARNESS_AGENT_WS_URL),
        ...(this.warnings.length ? { warnings: [...new Set(this.warnings)] } : {}),
        workers: this.playwright?.workers ?? 1,
        shards: Math.max(this.shardCount, this.playwright?.shard?.total ?? 1),
        ...this.missingShards(),
        incomplete:
          result.status === 'interrupted' ||
          result.status === 'timedout' ||
          this.stopReason !== undefined ||
          this.missingShards().missingShards !== undefined,
        ...(this.stopReason ? { stopReason: this.stopReason } : {}),
        ...(result.status === 'interrupted' ? { interrupted: 'interrupted' } : {}),
        ...(result.status === 'timedout' ? { interrupted: 'cut by the global timeout' } : {}),
        ...(this.missedByShard.size
          ? { missedArrivals: [...this.missedByShard.values()].reduce((a, b) => a + b, 0) }
          : {}),
        ...startupGuardOf(this.agg.records),
      },
      {
        phases: attempt('phases', () => summarizePhases(planPhases(this.agg.records), this.agg.records, this.byPhase)),
        generator: attempt('generator', () => summarizeGenerator(this.agg.records)),
        // Groups appear once protocol-level calls ran beside (or instead of) browser calls.
        groups: this.byGroup.has('protocol')
          ? Object.fromEntries([...this.byGroup].map(([g, a]) => [g, summarizeMetrics(a)]))
          : undefined,
      },
    );
    const summary = judgeSummary(figures, gatesFrom(this.config.gates), baseline, this.config.saturated);

    // Each output on its own: one failing must never cost the others.
    fs.mkdirSync(this.outputDir, { recursive: true });
    attempt('summary.json', () => this.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`));
    attempt('calls.jsonl', () =>
      this.write(
        'calls.jsonl',
        `${this.agg.records.map(({ histograms: _h, ...rest }) => JSON.stringify(rest)).join('\n')}\n`,
      ),
    );
    attempt('stats.csv', () => this.write('stats.csv', statsCsv(summary, this.agg)));
    attempt('failures.csv', () => this.write('failures.csv', failuresCsv(summary, this.agg)));
    attempt('exceptions.csv', () => this.write('exceptions.csv', exceptionsCsv(this.agg)));
    attempt('hgrm files', () => {
      const dir = path.join(this.outputDir, 'hgrm');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      for (const f of hgrmFiles(this.agg)) fs.writeFileSync(path.join(dir, f.name), f.text);
    });
    const links: EvidenceLink[] = attempt('evidence', () => collectEvidence(this.evidence, this.outputDir)) ?? [];
    attempt('index.html', () => this.write('index.html', renderHtml(summary, this.agg, links, baseline?.summary)));
    attempt('console table', () => this.print(summary));
    for (const e of errors) process.stderr.write(`voice harness reporter: ${e}\n`);

    if (result.status === 'interrupted' || result.status === 'timedout') return undefined;
    const failed = summary.verdict === 'fail' || errors.length > 0;
    // merge-reports ignores a reporter's status; a reporter error is what makes it exit non-zero.
    if (failed && process.argv.includes('merge-reports'))
      throw new Error(
        `verdict ${summary.verdict.toUpperCase()}${errors.length ? ` (${errors.length} report output(s) failed)` : ''}`,
      );
    if (summary.verdict === 'inconclusive') exitInconclusive();
    // The gates decide the exit code: a call that failed is a load outcome, counted in the gates.
    return { status: failed ? 'failed' : 'passed' };
  }

  /** Shards that ran no test of this report: a merge without one shard's blob must say so, not under-count. */
  private missingShards(): { missingShards?: number[] } {
    // A shard's own report holds only its own tests by design; only a merge (no shard of its own) must hold every
    // shard.
    if (this.shardCount <= 1 || this.playwright?.shard) return {};
    const missing = Array.from({ length: this.shardCount }, (_, i) => i + 1).filter((i) => !this.shardsSeen.has(i));
    return missing.length ? { missingShards: missing } : {};
  }

  private write(name: string, text: string): void {
    const file = path.join(this.outputDir, name);
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
  }

  private print(summary: Summary): void {
    const parts = [
      formatStatsTable(summary),
      formatGroups(summary),
      formatPhases(summary),
      formatRateLimits(summary),
      formatGenerator(summary),
      formatBaseline(summary),
      formatGates(summary),
      formatWarnings(summary.run.warnings ?? []),
      `Reports: ${path.resolve(this.outputDir)}`,
    ];
    process.stdout.write(`\n${parts.filter(Boolean).join('\n\n')}\n`);
  }
}
