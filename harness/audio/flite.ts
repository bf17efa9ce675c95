import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALLER_SAMPLE_RATE_HZ, decodeCallerAudio } from './pcm';
import { spellDigits } from './text';

/** Flite's built-in voices (16 kHz except `kal`, which is 8 kHz and resampled). */
export const FLITE_VOICES = ['flite-slt', 'flite-rms', 'flite-awb', 'flite-kal16', 'flite-kal'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteRequest {
  text: string;
  voice: FliteVoice;
  /** >1 speaks slower (Flite's duration_stretch). */
  durationStretch?: number;
  /** Target mean pitch in Hz (Flite's int_f0_target_mean); unset = the voice's own. */
  pitchMeanHz?: number;
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flite-child.mjs');
const MAX_ATTEMPTS = 3;

/** Synthesizes each request as 16 kHz mono PCM16, in a child process (see flite-child.mjs). */
export async function synthesizeWithFlite(requests: readonly FliteRequest[]): Promise<Int16Array[]> {
  if (requests.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flite-'));
  try {
    const jobs = requests.map((r, i) => ({
      text: spellDigits(r.text),
      voice: r.voice.replace(/^flite-/, ''),
      features: {
        ...(r.durationStretch !== undefined ? { duration_stretch: r.durationStretch.toFixed(3) } : {}),
        ...(r.pitchMeanHz !== undefined ? { int_f0_target_mean: r.pitchMeanHz.toFixed(1) } : {}),
      },
      outFile: path.join(dir, `${i}.wav`),
    }));
    let pending = jobs;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await runChild(pending);
      } catch (e) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`offline speech synthesis failed after ${attempt} attempts: ${(e as Error).message}`);
      }
      pending = jobs.filter((j) => !fs.existsSync(j.outFile) || fs.statSync(j.outFile).size <= 44);
    }
    return jobs.map((j) => decodeCallerAudio(fs.readFileSync(j.outFile), j.outFile));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(requests: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`flite child exited (${signal ?? code}): ${stderr.trim().slice(-500)}`));
    });
    child.stdin.end(JSON.stringify({ requests }));
  });
}

export { CALLER_SAMPLE_RATE_HZ };
