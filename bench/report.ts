import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../harness/browser/resolve';
import { callSlowness } from '../harness/driver/evidence';
import type { CallRecord } from '../harness/metrics/record';
import { RunAggregate } from '../harness/reporter/aggregate';
import { exceptionsCsv, failuresCsv, statsCsv } from '../harness/reporter/csv';
import { collectEvidence } from '../harness/reporter/evidence';
import { buildFigures } from '../harness/reporter/figures';
import { DEFAULT_GATES } from '../harness/reporter/gates';
import { hgrmFiles } from '../harness/reporter/hgrm';
import { renderHtml } from '../harness/reporter/html';
import { formatStatsTable } from '../harness/reporter/table';
import { judgeSummary } from '../harness/reporter/verdict';
import { cannedCalls } from '../tests/helpers/canned';
import { writeRecordEvidence } from '../tests/helpers/evidence-call';

/**
 * `npm run --silent bench:report -- --calls 10000`: builds realistic call
 * records as workers attach them (JSON with encoded histograms), then times
 * what the reporter does at the end of a run: parse and merge them, and render
 * every output. The records are made by a child process so that the peak
 * memory reported is the reporter's alone. The calls the reporter keeps
 * evidence of (failed and slowest) get a capture as long as the call, so the
 * report folder holds what a real run's would. Then Chromium opens the report
 * from disk: `htmlMb` is the whole folder, `htmlLoadMs` the page loaded and
 * drawn. Prints one JSON line last.
 */
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    'write-records': { type: 'string' },
    'write-captures': { type: 'string' },
  },
});
const calls = Number(values.calls);
if (!Number.isInteger(calls) || calls < 1) throw new Error(`--calls must be a positive integer, got ${values.calls}`);

if (values['write-records']) {
  const records = cannedCalls(calls, 7);
  fs.writeFileSync(values['write-records'], records.map((r) => JSON.stringify(r)).join('\n'));
  // The workers' side of evidence: captures of the calls the reporter will keep, one folder each.
  const kept = [
    ...records.filter((r) => !r.ok).slice(0, 20),
    ...records
      .filter((r) => r.ok)
      .sort((a, b) => callSlowness(b) - callSlowness(a))
      .slice(0, 5),
  ];
  for (const r of kept) writeRecordEvidence(path.join(values['write-captures']!, r.callId), r);
  process.exit(0);
}
const recordsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-records-')), 'records.jsonl');
const captures = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-captures-'));
const made = spawnSync(
  process.execPath,
  [
    ...process.execArgv,
    process.argv[1]!,
    ...['--calls', String(calls), '--write-records', recordsFile, '--write-captures', captures],
  ],
  { stdio: 'inherit' },
);
if (made.status !== 0) throw new Error('making the call records failed');
const bodies = fs.readFileSync(recordsFile, 'utf8').split('\n');
fs.rmSync(path.dirname(recordsFile), { recursive: true, force: true });

const t0 = performance.now();
const agg = new RunAggregate();
for (const body of bodies) agg.add(JSON.parse(body) as CallRecord);
const mergeMs = performance.now() - t0;

const byId = new Map(agg.records.map((r) => [r.callId, r]));
const kept = fs.readdirSync(captures).map((id) => ({
  record: byId.get(id)!,
  attachments: ['timeline.json', 'conversation.wav'].map((name) => ({ name, path: path.join(captures, id, name) })),
}));

const t1 = performance.now();
const run = {
  startedAt: new Date().toISOString(),
  durationMs: 3_600_000,
  target: 'bench',
  workers: 20,
  shards: 1,
  incomplete: false,
};
const summary = judgeSummary(buildFigures(agg, run), DEFAULT_GATES);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
fs.writeFileSync(
  path.join(dir, 'calls.jsonl'),
  agg.records.map(({ histograms: _h, ...rest }) => JSON.stringify(rest)).join('\n'),
);
fs.writeFileSync(path.join(dir, 'stats.csv'), statsCsv(summary, agg));
fs.writeFileSync(path.join(dir, 'failures.csv'), failuresCsv(summary, agg));
fs.writeFileSync(path.join(dir, 'exceptions.csv'), exceptionsCsv(agg));
for (const f of hgrmFiles(agg)) fs.writeFileSync(path.join(dir, f.name), f.text);
const t2 = performance.now();
const links = collectEvidence(kept, dir);
const evidenceMs = performance.now() - t2;
fs.writeFileSync(path.join(dir, 'index.html'), renderHtml(summary, agg, links));
formatStatsTable(summary);
// The report's own work without the evidence copy, as before evidence was part of this bench.
const renderMs = performance.now() - t1 - evidenceMs;
fs.rmSync(captures, { recursive: true, force: true });

const folderBytes = (d: string): number =>
  fs
    .readdirSync(d, { withFileTypes: true })
    .reduce(
      (n, e) => n + (e.isDirectory() ? folderBytes(path.join(d, e.name)) : fs.statSync(path.join(d, e.name)).size),
      0,
    );
const htmlMb = folderBytes(dir) / 1024 / 1024;
const browser = await chromium.launch({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
const page = await (await browser.newContext({ offline: true })).newPage();
const t3 = performance.now();
await page.goto(`file://${path.join(dir, 'index.html')}`, { waitUntil: 'load', timeout: 60_000 });
// Drawn: two animation frames after load, the page has been laid out and painted once.
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const htmlLoadMs = performance.now() - t3;
await browser.close();
fs.rmSync(dir, { recursive: true, force: true });

const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    calls,
    mergeMs: Math.round(mergeMs),
    renderMs: Math.round(renderMs),
    evidenceMs: Math.round(evidenceMs),
    peakRssMb: Math.round(peakRssMb),
    htmlMb: Math.round(htmlMb * 10) / 10,
    htmlLoadMs: Math.round(htmlLoadMs),
  }),
);
