import fs from 'node:fs';
import path from 'node:path';

/**
 * One line of `manifest.jsonl`: the Locust audio cache's fields, plus speech
 * bounds, the engine that made the file and the realism transform applied.
 * Caches written by the Locust suite lack the optional fields and load as
 * they are.
 */
export interface ManifestEntry {
  filename: string;
  path: string;
  text: string;
  voice: string;
  sample_rate: number;
  style: string;
  rate: string;
  duration_seconds: number;
  label: string;
  scenario: string;
  turn_index: number;
  turn_count: number;
  created_at: string;
  hash: string;
  /** Speech bounds in the file, measured by the VAD on the clean speech before noise was added. */
  speech_start_ms?: number;
  speech_end_ms?: number;
  /** 'azure' or 'flite': the engine that actually made this file. */
  engine?: string;
  /** Only this much of the speech was kept (false-alarm bursts). */
  max_speech_ms?: number;
  /** The voice asked for; differs from `voice` when the offline engine stood in for an Azure voice. */
  caller?: string;
  /** Why the offline engine stood in: no-credentials, throttled, auth, network or service. */
  fallback?: string;
  /** The listening condition (e.g. clean, office-10db+phone); one caller track per caller and variant. */
  variant?: string;
  pitch?: string;
  /** The generation run's seed; every random choice for this file was drawn from it. */
  seed?: number;
  /** This file's noise stream (drawn from seed). */
  noise_seed?: number;
  noise?: string;
  snr_db?: number | null;
  telephone?: string;
  /** Active speech level reached, dBFS. */
  level_dbfs?: number;
  lead_silence_ms?: number;
  trail_silence_ms?: number;
}

/** A line's listening condition; lines this harness wrote before variants were recorded were all clean. */
export function variantOf(e: ManifestEntry): string {
  return e.variant ?? (e.engine !== undefined ? 'clean' : '');
}

/** The voice a line was asked for (the caller), which groups it into a track. */
export function callerOf(e: ManifestEntry): string {
  return String(e.caller ?? e.voice ?? '');
}

/** One scenario spoken by one caller in one listening condition: its lines in turn order. */
export interface ManifestTrack {
  scenario: string;
  caller: string;
  variant: string;
  turns: ManifestEntry[];
}

/**
 * Groups manifest lines into tracks by scenario, caller and variant; a turn
 * regenerated since keeps only its latest line (by `created_at`). Turn order is
 * `turn_index` (Locust caches record `turn_count` equal to the index, so it is
 * not trusted for ordering).
 */
export function manifestTracks(entries: readonly ManifestEntry[]): ManifestTrack[] {
  const groups = new Map<string, Map<number, ManifestEntry>>();
  for (const e of entries) {
    const key = [e.scenario, callerOf(e), variantOf(e)].join('\u0000');
    const byTurn = groups.get(key) ?? new Map<number, ManifestEntry>();
    const prev = byTurn.get(e.turn_index);
    if (!prev || String(e.created_at ?? '') >= String(prev.created_at ?? '')) byTurn.set(e.turn_index, e);
    groups.set(key, byTurn);
  }
  return [...groups.values()].map((byTurn) => {
    const turns = [...byTurn.values()].sort((a, b) => a.turn_index - b.turn_index);
    return { scenario: turns[0]!.scenario, caller: callerOf(turns[0]!), variant: variantOf(turns[0]!), turns };
  });
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ManifestError';
  }
}

const REQUIRED: Array<[keyof ManifestEntry, 'string' | 'number']> = [
  ['filename', 'string'],
  ['text', 'string'],
  ['sample_rate', 'number'],
  ['scenario', 'string'],
  ['turn_index', 'number'],
];

export function parseManifest(text: string, file: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const lineNo = i + 1;
    if (line === '') {
      // A blank line inside the file means a lost record; a trailing newline is fine.
      if (lines.slice(i + 1).some((l) => l.trim() !== ''))
        throw new ManifestError(file, lineNo, 'empty line (a truncated or lost record)');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ManifestError(file, lineNo, `not valid JSON (${(e as Error).message}); the line may be truncated`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new ManifestError(file, lineNo, 'expected a JSON object');
    const obj = value as Record<string, unknown>;
    for (const [key, type] of REQUIRED) {
      if (typeof obj[key] !== type) throw new ManifestError(file, lineNo, `field "${key}" must be a ${type}`);
    }
    if (/[\\/]/.test(obj.filename as string) || (obj.filename as string).startsWith('.')) {
      throw new ManifestError(file, lineNo, `filename "${obj.filename}" must be a plain file name inside the cache`);
    }
    entries.push(obj as unknown as ManifestEntry);
  });
  return entries;
}

export function readManifest(dir: string): ManifestEntry[] {
  const file = path.join(dir, 'manifest.jsonl');
  if (!fs.existsSync(file)) return [];
  return parseManifest(fs.readFileSync(file, 'utf8'), file);
}

/** Rewrites the manifest atomically so an interrupted write never leaves half a line. */
export function writeManifest(dir: string, entries: readonly ManifestEntry[]): void {
  const file = path.join(dir, 'manifest.jsonl');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
  fs.renameSync(tmp, file);
}
