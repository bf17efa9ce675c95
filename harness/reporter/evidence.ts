import fs from 'node:fs';
import path from 'node:path';
import { callSlowness } from '../driver/evidence';
import type { CallRecord } from '../metrics/record';
import { callMarkers, type EvidenceTimeline } from './call-timeline';
import { wavPeaks } from './peaks';
import { axisWidthPx, renderViewer } from './viewer';

export interface EvidenceLink {
  callId: string;
  why: string;
  files: Array<{ label: string; href: string }>;
  /** The call's viewer page (waveforms, marks, turns), when its timeline and audio were captured. */
  viewer?: string;
}

export interface EvidenceCandidate {
  record: CallRecord;
  attachments: Array<{ name: string; path?: string }>;
}

/** Failed calls with evidence are all kept up to this many; plus the slowest few of the rest. */
const MAX_FAILED = 20;
const SLOWEST = 5;
/**
 * Conversation audio copied into the report, in all: a minute of call is ~4 MB of stereo WAV, and the report of
 * a 10,000-call run stays under 20 MB with it (calls.jsonl alone is ~9 MB). The slowest calls' audio goes first,
 * then the failed calls' in order; a call past the budget keeps its waveform and marks in its viewer, and the
 * viewer says where its WAV is.
 */
export const EVIDENCE_AUDIO_BUDGET_BYTES = 6 * 1024 * 1024;
const VIEWER = 'viewer.html';

/**
 * Copies the evidence of failed calls and of the slowest calls into
 * <reports>/evidence/<call>/, writes each call's viewer page there, and
 * returns links relative to the report.
 */
export function collectEvidence(candidates: readonly EvidenceCandidate[], outputDir: string): EvidenceLink[] {
  const withFiles = candidates.filter((c) => c.attachments.some((a) => a.path && fs.existsSync(a.path)));
  const failed = withFiles.filter((c) => !c.record.ok).slice(0, MAX_FAILED);
  const slowest = withFiles
    .filter((c) => c.record.ok)
    .sort((a, b) => callSlowness(b.record) - callSlowness(a.record))
    .slice(0, SLOWEST);
  const keepAudio = audioWithinBudget([...slowest, ...failed]);
  const root = path.join(outputDir, 'evidence');
  fs.rmSync(root, { recursive: true, force: true });
  const links: EvidenceLink[] = [];
  for (const [c, why] of [
    ...failed.map(
      (c) => [c, c.record.interrupted ? 'interrupted' : `failed: ${c.record.failure?.code ?? ''}`] as const,
    ),
    ...slowest.map((c) => [c, `slowest: ${Math.round(callSlowness(c.record))} ms`] as const),
  ]) {
    const dir = path.join(root, c.record.callId.replace(/[^\w.-]/g, '_'));
    fs.mkdirSync(dir, { recursive: true });
    const files: EvidenceLink['files'] = [];
    for (const a of c.attachments) {
      if (!a.path || !fs.existsSync(a.path)) continue;
      const name = a.name === 'trace' ? 'trace.zip' : path.basename(a.name);
      if (name === 'conversation.wav' && !keepAudio.has(c)) continue;
      fs.copyFileSync(a.path, path.join(dir, name));
      files.push({ label: name, href: path.posix.join('evidence', path.basename(dir), name) });
    }
    let viewer = false;
    try {
      viewer = writeViewer(c, why, dir, files, keepAudio.has(c));
    } catch (e) {
      // A capture the viewer cannot read keeps its files and its link; only the page is missing.
      process.stderr.write(`voice harness reporter: no viewer for ${c.record.callId}: ${(e as Error).message}\n`);
    }
    links.push({
      callId: c.record.callId,
      why,
      files,
      ...(viewer ? { viewer: path.posix.join('evidence', path.basename(dir), VIEWER) } : {}),
    });
  }
  return links;
}

/** The attachment's file by its name (a test carrying several calls prefixes it with the call's folder). */
const sourceOf = (c: EvidenceCandidate, name: string) =>
  c.attachments.find((a) => path.basename(a.name) === name && a.path && fs.existsSync(a.path))?.path;

function audioWithinBudget(ordered: readonly EvidenceCandidate[]): Set<EvidenceCandidate> {
  const kept = new Set<EvidenceCandidate>();
  let bytes = 0;
  for (const c of ordered) {
    const wav = sourceOf(c, 'conversation.wav');
    if (!wav) continue;
    const size = fs.statSync(wav).size;
    if (bytes + size > EVIDENCE_AUDIO_BUDGET_BYTES) continue;
    bytes += size;
    kept.add(c);
  }
  return kept;
}

/** The call's viewer page, when its timeline and audio were captured; false when they were not. */
function writeViewer(
  c: EvidenceCandidate,
  why: string,
  dir: string,
  files: EvidenceLink['files'],
  audioKept: boolean,
): boolean {
  const timelineFile = sourceOf(c, 'timeline.json');
  const wav = sourceOf(c, 'conversation.wav');
  if (!timelineFile || !wav) return false;
  const timeline = JSON.parse(fs.readFileSync(timelineFile, 'utf8')) as EvidenceTimeline;
  const peaks = wavPeaks(wav, axisWidthPx);
  const { markers, notes } = callMarkers(c.record, timeline);
  const mb = (fs.statSync(wav).size / 1024 / 1024).toFixed(1);
  const html = renderViewer({
    record: c.record,
    why,
    peaks,
    markers,
    notes,
    ...(audioKept
      ? { audioHref: 'conversation.wav' }
      : {
          audioNote:
            `Audio not copied into the report (${mb} MB; the report keeps at most ` +
            `${EVIDENCE_AUDIO_BUDGET_BYTES / 1024 / 1024} MB of conversation audio, the slowest calls' first). ` +
            `The waveform above is drawn from it; the file is at ${wav}.`,
        }),
    files: files.map((f) => ({ label: f.label, href: path.posix.basename(f.href) })),
    indexHref: '../../index.html',
  });
  fs.writeFileSync(path.join(dir, VIEWER), html);
  return true;
}
