import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthesizeWithFlite, type FliteRequest } from '../../harness/audio/flite';
import { rms } from '../../harness/audio/noise';
import { int16ToFloat } from '../../harness/audio/pcm';

/** Signals and scratch directories shared by the audio tests. */

export const RATE_HZ = 16000;
export const samplesOf = (ms: number) => Math.round((ms * RATE_HZ) / 1000);
export const msOf = (samples: number) => (samples * 1000) / RATE_HZ;

/**
 * Speech with a known extent: Flite output cut to its first and last 5 ms
 * window within 40 dB of the loudest one, so the returned samples start and
 * end on speech (an energy definition, independent of the VAD under test).
 */
export async function knownSpeech(requests: FliteRequest[]): Promise<Int16Array[]> {
  const raw = await synthesizeWithFlite(requests);
  return raw.map((s) => {
    const x = int16ToFloat(s);
    const win = samplesOf(5);
    const levels: number[] = [];
    for (let i = 0; i + win <= x.length; i += win) levels.push(rms(x, i, i + win));
    const threshold = Math.max(...levels) / 100;
    const first = levels.findIndex((l) => l > threshold);
    const last = levels.length - 1 - [...levels].reverse().findIndex((l) => l > threshold);
    return s.slice(first * win, (last + 1) * win);
  });
}

/** Power in dB of a float signal's samples [from, to). */
export function powerDb(x: Float32Array, from = 0, to = x.length): number {
  return 20 * Math.log10(rms(x, from, to));
}

/** A sine of `freqHz` at amplitude 0.5. */
export function tone(freqHz: number, ms: number): Float32Array {
  const out = new Float32Array(samplesOf(ms));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * freqHz * i) / RATE_HZ);
  return out;
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A scratch directory, removed when the test worker exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}

/** Every file in `dir` with its bytes, to prove a failed operation touched nothing. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort())
    out.set(name, fs.readFileSync(path.join(dir, name)).toString('base64'));
  return out;
}
