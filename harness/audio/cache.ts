import fs from 'node:fs';
import path from 'node:path';
import { readManifest, type ManifestEntry } from './manifest';
import { AudioFormatError, CALLER_SAMPLE_RATE_HZ, decodeCallerAudio, durationMs } from './pcm';
import { measureSpeechBounds } from './vad';

export interface CallerTurnAudio {
  turnIndex: number;
  text: string;
  file: string;
  samples: Int16Array;
  durationMs: number;
  /** Speech bounds inside the file; `t_se` is measured from speechEndMs. */
  speechStartMs: number;
  speechEndMs: number;
}

/** One scenario spoken by one voice, turns in scenario order. */
export interface CallerTrack {
  scenario: string;
  voice: string;
  turns: CallerTurnAudio[];
}

/**
 * Loads a cache written by this harness or by the Locust suite. Turn order is
 * the manifest's `turn_index` within each scenario (Locust caches record
 * `turn_count` equal to the index, so it is not trusted for ordering).
 */
export async function loadCallerTracks(dir: string): Promise<CallerTrack[]> {
  const manifestFile = path.join(dir, 'manifest.jsonl');
  if (!fs.existsSync(manifestFile)) throw new Error(`no manifest.jsonl in ${path.resolve(dir)} (set PCM_DIR to an audio cache, or run \`npm run audio\`)`);
  const entries = readManifest(dir);
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) {
    if (e.sample_rate !== CALLER_SAMPLE_RATE_HZ && !/\.wav$/i.test(e.filename)) {
      throw new AudioFormatError(path.join(dir, e.filename), `manifest says ${e.sample_rate} Hz; raw PCM must be ${CALLER_SAMPLE_RATE_HZ} Hz (use a WAV file to have it resampled)`);
    }
    const key = `${e.scenario}\u0000${e.voice ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const tracks: CallerTrack[] = [];
  for (const list of groups.values()) {
    // Latest entry wins when a turn was regenerated.
    const byTurn = new Map<number, ManifestEntry>();
    for (const e of list) {
      const prev = byTurn.get(e.turn_index);
      if (!prev || String(e.created_at ?? '') >= String(prev.created_at ?? '')) byTurn.set(e.turn_index, e);
    }
    const ordered = [...byTurn.values()].sort((a, b) => a.turn_index - b.turn_index);
    const turns: CallerTurnAudio[] = [];
    for (const e of ordered) {
      const file = path.join(dir, e.filename);
      if (!fs.existsSync(file)) throw new AudioFormatError(file, 'listed in manifest.jsonl but missing');
      const samples = decodeCallerAudio(fs.readFileSync(file), file);
      let bounds = typeof e.speech_start_ms === 'number' && typeof e.speech_end_ms === 'number'
        ? { speechStartMs: e.speech_start_ms, speechEndMs: e.speech_end_ms }
        : await measureSpeechBounds(samples);
      if (!bounds) throw new AudioFormatError(file, 'no speech detected');
      turns.push({ turnIndex: e.turn_index, text: e.text, file, samples, durationMs: durationMs(samples), ...bounds });
    }
    tracks.push({ scenario: list[0]!.scenario, voice: String(list[0]!.voice ?? ''), turns });
  }
  return tracks.sort((a, b) => (a.scenario + a.voice).localeCompare(b.scenario + b.voice));
}
