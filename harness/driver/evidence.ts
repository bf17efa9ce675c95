import fs from 'node:fs';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import { encodeWav } from '../audio/pcm';
import type { CallRecord } from '../metrics/record';
import type { PageEvent, PageEvidence } from '../page/types';
import { redactText, redactUrl } from '../redact';

export type EvidenceMode = 'failed-and-slowest' | 'all' | 'off';

const RATE_HZ = 16000;
/** Calls before this many have been seen in a worker keep evidence: there is no "slow" yet. */
const WARMUP_CALLS = 3;

/** The slowest turn of a call: its worst ttfb, or its worst turn time when no first byte came. */
export function callSlowness(r: Pick<CallRecord, 'turns'>): number {
  return Math.max(0, ...r.turns.map((t) => t.ttfbMs ?? t.turnMs ?? 0));
}

/**
 * Which calls keep evidence, decided per worker as calls end: every failed
 * call, and calls at or above the worker's running 90th percentile of slowness
 * (the run's slowest calls are among them; the reporter picks the top few).
 */
export class EvidencePolicy {
  private readonly seen: number[] = [];

  constructor(readonly mode: EvidenceMode) {}

  keep(record: Pick<CallRecord, 'ok' | 'turns'>): boolean {
    if (this.mode === 'off') return false;
    const slowness = callSlowness(record);
    const sorted = [...this.seen].sort((a, b) => a - b);
    this.seen.push(slowness);
    if (this.mode === 'all' || !record.ok || sorted.length < WARMUP_CALLS) return true;
    return slowness >= sorted[Math.floor(0.9 * (sorted.length - 1))]!;
  }
}

/** A console error or uncaught page error of the client's page, for a call's evidence. */
export interface PageDiagnostic {
  /** Epoch ms the worker heard of it. */
  atMs: number;
  kind: 'console-error' | 'page-error';
  text: string;
  /** Script URL and line of a console message, when the browser gives one. */
  location?: string;
}

/** At most this many diagnostics are kept per call: a client that logs per frame must not fill memory. */
const MAX_DIAGNOSTICS = 200;
const diagnostics = new WeakMap<Page, PageDiagnostic[]>();

/**
 * Starts keeping the page's console errors and uncaught errors (once per
 * page): a client that fails often says why only in its console.
 */
export function watchPageDiagnostics(page: Page): void {
  if (diagnostics.has(page)) return;
  const kept: PageDiagnostic[] = [];
  diagnostics.set(page, kept);
  const keep = (d: PageDiagnostic) => {
    if (kept.length < MAX_DIAGNOSTICS) kept.push(d);
  };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const l = m.location();
    keep({
      atMs: Date.now(),
      kind: 'console-error',
      text: redactText(m.text()),
      ...(l.url ? { location: `${redactUrl(l.url)}:${l.lineNumber + 1}` } : {}),
    });
  });
  page.on('pageerror', (e) =>
    keep({ atMs: Date.now(), kind: 'page-error', text: redactText(`${e.name}: ${e.message}`) }),
  );
}

/** The page's console and uncaught errors so far (none if they were not watched). */
export function pageDiagnostics(page: Page): readonly PageDiagnostic[] {
  return diagnostics.get(page) ?? [];
}

/**
 * Writes a call's evidence into `dir`: a stereo WAV (left: what the caller
 * said, right: what the client played) and the frame timeline.
 */
export async function captureEvidence(
  page: Page,
  track: CallerTrack,
  events: readonly PageEvent[],
  dir: string,
): Promise<Array<{ name: string; path: string; contentType: string }>> {
  const [ev, timeOrigin]: [PageEvidence, number] = await page.evaluate(async () => [
    await window.__harness!.evidence(),
    window.__harness!.timeOrigin,
  ]);
  fs.mkdirSync(dir, { recursive: true });
  const out: Array<{ name: string; path: string; contentType: string }> = [];
  const starts = [...ev.spoken.map((s) => s.startAt), ...(ev.output ? [ev.output.startAt] : [])];
  const t0 = starts.length ? Math.min(...starts) : null;
  const timeline = path.join(dir, 'timeline.json');
  fs.writeFileSync(
    timeline,
    JSON.stringify({
      clock: 'page ms (performance.now())',
      // The page clock's zero in epoch ms, and the page time of conversation.wav's first sample: the report's
      // call viewer places the record's epoch times and the console's on the audio with them.
      timeOrigin,
      wavStartAt: t0,
      events,
      spoken: ev.spoken,
      frames: ev.frames,
      // Epoch ms, as the worker heard of them: the console has no page clock.
      console: pageDiagnostics(page),
    }),
  );
  out.push({ name: 'timeline.json', path: timeline, contentType: 'application/json' });

  const agent = ev.output
    ? new Int16Array(Buffer.from(ev.output.pcmBase64, 'base64').buffer.slice(0))
    : new Int16Array(0);
  if (t0 === null) return out;
  const at = (pageMs: number) => Math.max(0, Math.round(((pageMs - t0) * RATE_HZ) / 1000));
  const callerEnd = Math.max(0, ...ev.spoken.map((s) => at(s.startAt) + (track.turns[s.index]?.samples.length ?? 0)));
  const agentStart = ev.output ? at(ev.output.startAt) : 0;
  const frames = Math.max(callerEnd, agentStart + agent.length);
  const stereo = new Int16Array(frames * 2);
  for (const s of ev.spoken) {
    const pcm = track.turns[s.index]?.samples;
    if (!pcm) continue;
    const off = at(s.startAt);
    for (let i = 0; i < pcm.length && off + i < frames; i++) stereo[(off + i) * 2] = pcm[i]!;
  }
  for (let i = 0; i < agent.length && agentStart + i < frames; i++) stereo[(agentStart + i) * 2 + 1] = agent[i]!;
  const wav = path.join(dir, 'conversation.wav');
  fs.writeFileSync(wav, encodeWav(stereo, RATE_HZ, 2));
  out.push({ name: 'conversation.wav', path: wav, contentType: 'audio/wav' });
  return out;
}

/**
 * Captures a call's evidence into the test's output and attaches it to the test's result. A test
 * that carries several calls names each call's folder (`callDir`): its attachments are then named
 * `<callDir>/<file>`, which is how the reporter tells whose evidence is whose.
 */
export async function attachEvidence(
  testInfo: TestInfo,
  page: Page,
  track: CallerTrack,
  events: readonly PageEvent[],
  callDir?: string,
): Promise<void> {
  try {
    const files = await captureEvidence(page, track, events, testInfo.outputPath(callDir ?? 'evidence'));
    for (const f of files) {
      const name = callDir ? `${callDir}/${f.name}` : f.name;
      await testInfo.attach(name, { path: f.path, contentType: f.contentType });
    }
  } catch (e) {
    // Evidence is a convenience; a closed page must not turn a measured call into an error.
    const reason = (e as Error).message.split('\n')[0];
    testInfo.annotations.push({ type: 'evidence', description: `not captured: ${reason}` });
  }
}
