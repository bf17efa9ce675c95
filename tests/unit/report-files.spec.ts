import { expect, test } from '@playwright/test';
import { EvidencePolicy } from '../../harness/driver/evidence';
import { redactText, redactUrl } from '../../harness/redact';
import { RunAggregate } from '../../harness/reporter/aggregate';
import { exceptionsCsv, failuresCsv, statsCsv } from '../../harness/reporter/csv';
import { buildFigures } from '../../harness/reporter/figures';
import { DEFAULT_GATES } from '../../harness/reporter/gates';
import { hgrmFiles } from '../../harness/reporter/hgrm';
import { generatorCpuSeries } from '../../harness/reporter/generator-chart';
import { renderHtml } from '../../harness/reporter/html';
import { judgeSummary } from '../../harness/reporter/verdict';
import { classifyBrowserConversation } from '../../harness/protocol/browser-conversation';
import { cannedCalls, lcg } from '../helpers/canned';

function aggregate(n: number) {
  const agg = new RunAggregate();
  for (const r of cannedCalls(n)) agg.add(r);
  agg.addUnrecorded('call 0099', 'browser crashed');
  const run = { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000, target: 't', workers: 2, shards: 1 };
  const summary = judgeSummary(buildFigures(agg, { ...run, incomplete: false }), DEFAULT_GATES);
  return { agg, summary };
}

/** Minimal CSV reader for the checks (quoted fields, no embedded newlines). */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) =>
      [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)]
        .slice(0, -1)
        .map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')),
    );
}

test("stats.csv has Locust's columns, a row per metric, and an Aggregated row that counts nothing twice", () => {
  const { agg, summary } = aggregate(40);
  const rows = parseCsv(statsCsv(summary, agg));
  expect(rows[0]).toEqual([
    'Type',
    'Name',
    'Request Count',
    'Failure Count',
    'Median Response Time',
    'Average Response Time',
    'Min Response Time',
    'Max Response Time',
    'Average Content Size',
    'Requests/s',
    'Failures/s',
    '50%',
    '66%',
    '75%',
    '80%',
    '90%',
    '95%',
    '98%',
    '99%',
    '99.9%',
    '99.99%',
    '100%',
  ]);
  const byName = new Map(rows.slice(1).map((r) => [r[1]!, r]));
  const ttfb = summary.metrics.ttfb!;
  if (ttfb.kind !== 'latency') throw new Error('ttfb is not a latency');
  expect(byName.get('ttfb')!.slice(2, 5)).toEqual([
    String(ttfb.count + ttfb.fails),
    String(ttfb.fails),
    String(ttfb.p50Ms),
  ]);
  expect(byName.get('ttfb')![16]).toBe(String(ttfb.p95Ms));
  const agg1 = rows.at(-1)!;
  expect(agg1[1]).toBe('Aggregated');
  // Aggregated = per-turn and per-call latency attempts + counter occurrences; aggregates like `ttfb` are excluded.
  const expected = Object.entries(summary.metrics).reduce(
    (n, [name, m]) =>
      n +
      (m.kind === 'latency' && !/^(ttfb|ttfa|turn|barge|barge_ack)$/.test(name)
        ? m.count + m.fails
        : m.kind === 'counter'
          ? m.count
          : 0),
    0,
  );
  expect(Number(agg1[2])).toBe(expected);
});

test('failures.csv and exceptions.csv group failures by cause', () => {
  const { agg, summary } = aggregate(40);
  const failures = parseCsv(failuresCsv(summary, agg));
  expect(failures[0]).toEqual(['Method', 'Name', 'Error', 'Occurrences']);
  const callRow = failures.find((r) => r[0] === 'call' && r[1] === 'turn/error')!;
  expect(callRow[2]).toMatch(/no agent audio/);
  expect(Number(callRow[3])).toBe(agg.records.filter((r) => !r.ok).length);
  expect(parseCsv(exceptionsCsv(agg))).toEqual([
    ['Count', 'Message', 'Traceback', 'Nodes'],
    ['1', 'call 0099: browser crashed', '', 'local'],
  ]);
});

test('one .hgrm percentile file per latency metric with samples', () => {
  const { agg } = aggregate(10);
  const files = hgrmFiles(agg);
  expect(files.map((f) => f.name)).toContain('ttfb_01.hgrm');
  expect(files.find((f) => f.name === 'ttfb.hgrm')!.text).toMatch(/Value\s+Percentile\s+TotalCount/);
});

test('no random audio frame is ever classified as an error or throttling', () => {
  const rand = lcg(42);
  const bytes = new Uint8Array(4800);
  let withDigits = 0;
  // Kinds are gathered and checked once: an expect per frame costs more than the frames (each is a test step).
  const misread: Array<{ frame: number; kind: string }> = [];
  for (let i = 0; i < 5000; i++) {
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rand() * 256);
    const data = Buffer.from(bytes).toString('base64');
    if (data.includes('429')) withDigits++;
    const c = classifyBrowserConversation(
      JSON.stringify({
        type: 'audio_data',
        data,
        sample_rate: 48000,
        frame_index: i,
        total_frames: 0,
        is_final: false,
      }),
    );
    if (c.kind !== 'audio') misread.push({ frame: i, kind: c.kind });
  }
  expect(misread).toEqual([]);
  // The hazard is real: a good share of frames contain "429" somewhere.
  expect(withDigits).toBeGreaterThan(100);
});

test('secrets in URLs and subprotocols are redacted', () => {
  expect(redactUrl('wss://u:p@host/ws?session_id=abc&token=SECRET&api-key=K2')).toBe(
    'wss://REDACTED:REDACTED@host/ws?session_id=abc&token=REDACTED&api-key=REDACTED',
  );
  expect(redactText('protocols realtime, openai-insecure-api-key.sk-123, openai-beta.realtime-v1')).toBe(
    'protocols realtime, openai-insecure-api-key.REDACTED, openai-beta.realtime-v1',
  );
  expect(redactText('GET /x?access_token=abc&x=1 Bearer eyJhbGci.x.y')).toBe(
    'GET /x?access_token=REDACTED&x=1 Bearer REDACTED',
  );
});

test('evidence policy: every failed call, the first calls of a worker, then calls at or above its running p90', () => {
  const p = new EvidencePolicy('failed-and-slowest');
  const call = (ttfbMs: number, ok = true) => ({ ok, turns: [{ turn: 1, kind: 'speech' as const, ttfbMs }] });
  expect([800, 900, 850].map((v) => p.keep(call(v)))).toEqual([true, true, true]);
  for (let i = 0; i < 20; i++) p.keep(call(800 + (i % 5)));
  expect(p.keep(call(802))).toBe(false);
  expect(p.keep(call(2000))).toBe(true);
  expect(p.keep(call(700, false))).toBe(true);
  expect(new EvidencePolicy('off').keep(call(5000, false))).toBe(false);
});

test('the HTML report draws calls in progress in bounded steps, even for a record dated at the epoch', () => {
  const agg = new RunAggregate();
  const calls = cannedCalls(30);
  // A client whose clock was unset: its call would stretch the run over fifty years of 1 s steps, and so would
  // its CPU samples beside a call's of today.
  const cpu = (atMs: number) => ({ cpuBusyPct: [50], cpuFirstAtMs: atMs, cpuIntervalMs: 1000, eventLoopLagP99Ms: 0 });
  calls[0] = { ...calls[0]!, startedAtMs: 0, generator: cpu(0) };
  calls[1] = { ...calls[1]!, generator: cpu(calls[1]!.startedAtMs) };
  for (const r of calls) agg.add(r);
  const run = { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000, target: 't', workers: 2, shards: 1 };
  const summary = judgeSummary(buildFigures(agg, { ...run, incomplete: false }), DEFAULT_GATES);
  const html = renderHtml(summary, agg, []);
  expect(html).toContain('calls in progress');
  expect(html).toContain('Load generator&#39;s CPU over the run');
  expect(html.length).toBeLessThan(2_000_000);
});

test("the HTML report draws the load generator's CPU over the run: busy, waiting and the host's share", () => {
  const startMs = Date.parse('2026-01-01T00:00:00.000Z');
  const calls = cannedCalls(2).map((r, i) => ({
    ...r,
    generator: {
      // Two calls of one machine, the second from 2 s on: the seconds both sampled read their mean.
      cpuBusyPct: i ? [60, 40] : [20, 40, 80],
      cpuWaitingPct: i ? [10, 30] : [10, 10, 50],
      cpuStealPct: i ? [0, 20] : [0, 0, 40],
      cpuFirstAtMs: startMs + 1000 + i * 1000,
      cpuIntervalMs: 1000,
      eventLoopLagP99Ms: 0,
    },
  }));
  const series = generatorCpuSeries(calls, startMs);
  expect(series.map((s) => [s.name, s.points])).toEqual([
    [
      'busy',
      [
        [1, 20],
        [2, 50],
        [3, 60],
      ],
    ],
    [
      'waiting',
      [
        [1, 10],
        [2, 10],
        [3, 40],
      ],
    ],
    [
      'steal',
      [
        [1, 0],
        [2, 0],
        [3, 30],
      ],
    ],
  ]);
  // A machine that does not tell steal (or records without sample times) has no such line.
  const untold = calls.map((r) => ({ ...r, generator: { ...r.generator, cpuStealPct: undefined } }));
  expect(generatorCpuSeries(untold, startMs).map((s) => s.name)).toEqual(['busy', 'waiting']);
  const untimed = calls.map((r) => ({ ...r, generator: { ...r.generator, cpuFirstAtMs: undefined } }));
  expect(generatorCpuSeries(untimed, startMs)).toEqual([]);
  const agg = new RunAggregate();
  for (const r of calls) agg.add(r);
  const run = { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000, target: 't', workers: 1, shards: 1 };
  const html = renderHtml(judgeSummary(buildFigures(agg, { ...run, incomplete: false }), DEFAULT_GATES), agg, []);
  expect(html).toContain('aria-label="Load generator&#39;s CPU over the run"');
  expect(html).toContain('steal: taken by the host');
});
