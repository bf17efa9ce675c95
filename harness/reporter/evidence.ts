import fs from 'node:fs';
import path from 'node:path';
import { callSlowness } from '../driver/evidence';
import type { CallRecord } from '../metrics/record';
import type { EvidenceLink } from './html';

export interface EvidenceCandidate {
  record: CallRecord;
  attachments: Array<{ name: string; path?: string }>;
}

/** Failed calls with evidence are all kept up to this many; plus the slowest few of the rest. */
const MAX_FAILED = 20;
const SLOWEST = 5;

/**
 * Copies the evidence of failed calls and of the slowest calls into
 * <reports>/evidence/<call>/ and returns links relative to the report.
 */
export function collectEvidence(candidates: readonly EvidenceCandidate[], outputDir: string): EvidenceLink[] {
  const withFiles = candidates.filter((c) => c.attachments.some((a) => a.path && fs.existsSync(a.path)));
  const failed = withFiles.filter((c) => !c.record.ok).slice(0, MAX_FAILED);
  const slowest = withFiles
    .filter((c) => c.record.ok)
    .sort((a, b) => callSlowness(b.record) - callSlowness(a.record))
    .slice(0, SLOWEST);
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
      fs.copyFileSync(a.path, path.join(dir, name));
      files.push({ label: name, href: path.posix.join('evidence', path.basename(dir), name) });
    }
    links.push({ callId: c.record.callId, why, files });
  }
  return links;
}
