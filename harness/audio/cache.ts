import fs from 'node:fs';
import path from 'node:path';
import { manifestTracks, readManifest } from './manifest';
import { AudioFormatError, CALLER_SAMPLE_RATE_HZ, decodeCallerAudio, durationMs } from './pcm';
import { measureSpeechExtent } from './vad';

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

/** One scenario spoken by one caller, turns in scenario order. */
export interface CallerTrack {
  scenario: string;
  /** The caller's voice (for a file the offline engine made in an Azure voice's place, still the Azure voice). */
  voice: string;
  /** Listening condition, e.g. `clean` or `office-10db+phone`; empty for caches made by other tools. */
  variant: string;
  turns: CallerTurnAudio[];
}

/**
 * Loads a cache written by this harness or by the Locust suite, one track per
 * scenario, caller and variant (`manifestTracks`). Files without speech bounds
 * get them measured here, by the same VAD the generator uses.
 */
export async function loadCallerTracks(dir: string): Promise<CallerTrack[]> {
  const manifestFile = path.join(dir, 'manifest.jsonl');
  if (!fs.existsSync(manifestFile))
    throw new Error(
      `no manifest.jsonl in ${path.resolve(dir)} (set PCM_DIR to an audio cache, or run \`npm run audio\`)`,
    );
  const entries = readManifest(dir);
  for (const e of entries) {
    if (e.sample_rate !== CALLER_SAMPLE_RATE_HZ && !/\.wav$/i.test(e.filename)) {
      throw new AudioFormatError(
        path.join(dir, e.filename),
        `manifest says ${e.sample_rate} Hz; raw PCM must be ${CALLER_SAMPLE_RATE_HZ} Hz (use a WAV file to have it ` +
          `resampled)`,
      );
    }
  }
  const tracks: CallerTrack[] = [];
  for (const track of manifestTracks(entries)) {
    const turns: CallerTurnAudio[] = [];
    for (const e of track.turns) {
      const file = path.join(dir, e.filename);
      if (!fs.existsSync(file)) throw new AudioFormatError(file, 'listed in manifest.jsonl but missing');
      const samples = decodeCallerAudio(fs.readFileSync(file), file);
      const bounds =
        typeof e.speech_start_ms === 'number' && typeof e.speech_end_ms === 'number'
          ? { speechStartMs: e.speech_start_ms, speechEndMs: e.speech_end_ms }
          : await measureSpeechExtent(samples);
      if (!bounds) throw new AudioFormatError(file, 'no speech detected');
      turns.push({ turnIndex: e.turn_index, text: e.text, file, samples, durationMs: durationMs(samples), ...bounds });
    }
    tracks.push({ scenario: track.scenario, voice: track.caller, variant: track.variant, turns });
  }
  const order = (t: CallerTrack) => [t.scenario, t.voice, t.variant].join('\u0000');
  return tracks.sort((a, b) => order(a).localeCompare(order(b)));
}
