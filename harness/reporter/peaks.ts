import fs from 'node:fs';
import { parseWav } from '../audio/pcm';

/** A channel's loudest excursions per column: what a waveform needs, without the page decoding any audio. */
export interface ChannelPeaks {
  /** Per column, the smallest and largest sample in it, as fractions of full scale (-1..1), 3 decimals. */
  min: number[];
  max: number[];
}

export interface WavPeaks {
  durationMs: number;
  sampleRateHz: number;
  /** One entry per channel of the file (evidence WAVs: left the caller, right what the client played). */
  channels: ChannelPeaks[];
  /** Milliseconds of audio each column covers. */
  msPerColumn: number;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Reads a 16-bit PCM WAV and reduces each channel to min/max pairs: `columns`, or as many as its length asks. */
export function wavPeaks(file: string, columns: number | ((durationMs: number) => number)): WavPeaks {
  const wav = parseWav(fs.readFileSync(file), file);
  const frames = Math.floor(wav.samples.length / wav.channels);
  const durationMs = (frames * 1000) / wav.sampleRateHz;
  const n = Math.max(1, Math.floor(typeof columns === 'number' ? columns : columns(durationMs)));
  const channels: ChannelPeaks[] = [];
  for (let c = 0; c < wav.channels; c++) {
    const min: number[] = new Array(n).fill(0);
    const max: number[] = new Array(n).fill(0);
    for (let col = 0; col < n; col++) {
      const from = Math.floor((col * frames) / n);
      const to = Math.max(from + 1, Math.floor(((col + 1) * frames) / n));
      let lo = 0;
      let hi = 0;
      for (let f = from; f < to && f < frames; f++) {
        const v = wav.samples[f * wav.channels + c]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[col] = round3(lo / 32768);
      max[col] = round3(hi / 32767);
    }
    channels.push({ min, max });
  }
  return { durationMs, sampleRateHz: wav.sampleRateHz, channels, msPerColumn: durationMs / n };
}
