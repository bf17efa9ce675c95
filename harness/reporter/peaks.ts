import fs from 'node:fs';

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
/** Read in pieces: a report's evidence WAVs add up to minutes of audio, none of it needed whole in memory. */
const CHUNK_BYTES = 64 * 1024;

/** Where the 16-bit PCM samples are: the fmt chunk's layout and the data chunk's place in the file. */
function wavLayout(fd: number, file: string): { channels: number; rateHz: number; dataAt: number; dataBytes: number } {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(12);
  fs.readSync(fd, head, 0, 12, 0);
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error(`${file}: not a RIFF/WAVE file`);
  let offset = 12;
  let format: { channels: number; rateHz: number; codec: number; bits: number } | undefined;
  const chunk = Buffer.alloc(24);
  while (offset + 8 <= size) {
    fs.readSync(fd, chunk, 0, 24, offset);
    const id = chunk.toString('latin1', 0, 4);
    const bytes = chunk.readUInt32LE(4);
    if (id === 'fmt ')
      format = {
        codec: chunk.readUInt16LE(8),
        channels: chunk.readUInt16LE(10),
        rateHz: chunk.readUInt32LE(12),
        bits: chunk.readUInt16LE(22),
      };
    else if (id === 'data') {
      if (format?.codec !== 1 || format.bits !== 16) throw new Error(`${file}: not 16-bit PCM`);
      // A streamed file may say 0 or 0xffffffff: the data runs to the end.
      const end = bytes === 0 || bytes === 0xffffffff ? size : Math.min(size, offset + 8 + bytes);
      const usable = end - offset - 8;
      return { ...format, dataAt: offset + 8, dataBytes: usable - (usable % (2 * format.channels)) };
    }
    offset += 8 + bytes + (bytes % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/** Reads a 16-bit PCM WAV and reduces each channel to min/max pairs: `columns`, or as many as its length asks. */
export function wavPeaks(file: string, columns: number | ((durationMs: number) => number)): WavPeaks {
  const fd = fs.openSync(file, 'r');
  try {
    const { channels: nch, rateHz, dataAt, dataBytes } = wavLayout(fd, file);
    const frames = dataBytes / (2 * nch);
    const durationMs = (frames * 1000) / rateHz;
    const n = Math.max(1, Math.floor(typeof columns === 'number' ? columns : columns(durationMs)));
    const lo = Array.from({ length: nch }, () => new Int16Array(n));
    const hi = Array.from({ length: nch }, () => new Int16Array(n));
    const frameBytes = 2 * nch;
    const buf = Buffer.alloc(CHUNK_BYTES - (CHUNK_BYTES % frameBytes));
    let frame = 0;
    while (frame < frames) {
      const got = fs.readSync(
        fd,
        buf,
        0,
        Math.min(buf.length, (frames - frame) * frameBytes),
        dataAt + frame * frameBytes,
      );
      if (got <= 0) break;
      for (let off = 0; off + frameBytes <= got; off += frameBytes, frame++) {
        const col = Math.min(n - 1, Math.floor((frame * n) / frames));
        for (let c = 0; c < nch; c++) {
          const v = buf.readInt16LE(off + 2 * c);
          if (v < lo[c]![col]!) lo[c]![col] = v;
          if (v > hi[c]![col]!) hi[c]![col] = v;
        }
      }
    }
    const channels = lo.map((l, c) => ({
      min: Array.from(l, (v) => round3(v / 32768)),
      max: Array.from(hi[c]!, (v) => round3(v / 32767)),
    }));
    return { durationMs, sampleRateHz: rateHz, channels, msPerColumn: durationMs / n };
  } finally {
    fs.closeSync(fd);
  }
}
