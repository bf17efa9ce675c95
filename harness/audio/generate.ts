import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { synthesizeWithFlite, type FliteVoice } from './flite';
import { readManifest, writeManifest, type ManifestEntry } from './manifest';
import { CALLER_SAMPLE_RATE_HZ, durationMs, toBytes } from './pcm';
import type { Scenario } from './scenarios';
import { measureSpeechBounds } from './vad';

/** Natural pauses around an utterance: a caller does not start speaking on sample 0. */
const LEAD_SILENCE_MS = 200;
const TRAIL_SILENCE_MS = 400;

export interface GenerateOptions {
  dir: string;
  scenarios: readonly Scenario[];
  voices: readonly FliteVoice[];
  /** 0 = every turn. */
  maxTurns?: number;
  onProgress?: (event: { done: number; total: number; file: string; generated: boolean }) => void;
}

interface Planned {
  entry: Omit<ManifestEntry, 'duration_seconds' | 'speech_start_ms' | 'speech_end_ms' | 'created_at'>;
  voice: FliteVoice;
}

/** The identity of a file's content: the same inputs always give the same hash and file name. */
export function contentHash(parts: Record<string, unknown>): string {
  return crypto.createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
}

export function cacheFileName(scenario: string, turnIndex: number, turnCount: number, hash: string): string {
  return `${scenario.replace(/_/g, '-')}-turn-${turnIndex}-of-${turnCount}_${hash}.pcm`;
}

/** Generates whatever the cache lacks; returns how many files were made. */
export async function ensureCallerAudio(opts: GenerateOptions): Promise<{ generated: number; total: number }> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const existing = readManifest(opts.dir);
  const have = new Set(existing.filter((e) => fs.existsSync(path.join(opts.dir, e.filename))).map((e) => e.hash));
  const plan: Planned[] = [];
  for (const scenario of opts.scenarios) {
    const count = opts.maxTurns ? Math.min(opts.maxTurns, scenario.turns.length) : scenario.turns.length;
    for (const voice of opts.voices) {
      for (let i = 0; i < count; i++) {
        const text = scenario.turns[i]!.text;
        const hash = contentHash({ engine: 'flite', voice, text, lead: LEAD_SILENCE_MS, trail: TRAIL_SILENCE_MS, v: 1 });
        const filename = cacheFileName(scenario.name, i + 1, count, hash);
        plan.push({
          voice,
          entry: {
            filename, path: path.relative(process.cwd(), path.join(opts.dir, filename)), text, voice, sample_rate: CALLER_SAMPLE_RATE_HZ,
            style: 'neutral', rate: '+0%', label: `${scenario.name}-turn-${i + 1}-of-${count}`,
            scenario: scenario.name, turn_index: i + 1, turn_count: count, hash, engine: 'flite',
          },
        });
      }
    }
  }
  const missing = plan.filter((p) => !have.has(p.entry.hash));
  let done = plan.length - missing.length;
  if (missing.length === 0) return { generated: 0, total: plan.length };
  const audio = await synthesizeWithFlite(missing.map((p) => ({ text: p.entry.text, voice: p.voice })));
  const added: ManifestEntry[] = [];
  for (let i = 0; i < missing.length; i++) {
    const p = missing[i]!;
    const speech = audio[i]!;
    const lead = (LEAD_SILENCE_MS * CALLER_SAMPLE_RATE_HZ) / 1000;
    const trail = (TRAIL_SILENCE_MS * CALLER_SAMPLE_RATE_HZ) / 1000;
    const samples = new Int16Array(lead + speech.length + trail);
    samples.set(speech, lead);
    const bounds = await measureSpeechBounds(samples);
    if (!bounds) throw new Error(`no speech detected in synthesized audio for "${p.entry.text}" (${p.voice})`);
    fs.writeFileSync(path.join(opts.dir, p.entry.filename), toBytes(samples));
    added.push({
      ...p.entry,
      duration_seconds: Number((durationMs(samples) / 1000).toFixed(3)),
      speech_start_ms: bounds.speechStartMs,
      speech_end_ms: bounds.speechEndMs,
      created_at: new Date().toISOString(),
    });
    opts.onProgress?.({ done: ++done, total: plan.length, file: p.entry.filename, generated: true });
  }
  const keep = existing.filter((e) => !added.some((a) => a.hash === e.hash));
  writeManifest(opts.dir, [...keep, ...added]);
  return { generated: added.length, total: plan.length };
}
