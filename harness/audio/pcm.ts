/** PCM16 mono helpers: file formats, conversion and resampling. Pure functions on typed arrays. */

export const CALLER_SAMPLE_RATE_HZ = 16000;

export class AudioFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'AudioFormatError';
  }
}

/** Raw little-endian PCM16; an odd byte count means a truncated or foreign file. */
export function parseRawPcm16(bytes: Uint8Array, file: string): Int16Array {
  if (bytes.byteLength % 2 !== 0) {
    throw new AudioFormatError(
      file,
      `odd byte count ${bytes.byteLength}: not 16-bit PCM (truncated or another format)`,
    );
  }
  const copy = new Int16Array(bytes.byteLength / 2);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

export interface DecodedWav {
  samples: Int16Array;
  sampleRateHz: number;
  channels: number;
}

/** RIFF/WAVE with 16-bit integer PCM; other encodings are rejected by name. */
export function parseWav(bytes: Uint8Array, file: string): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (off: number) => String.fromCharCode(...bytes.subarray(off, off + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new AudioFormatError(file, 'not a RIFF/WAVE file');
  let offset = 12;
  let format: { channels: number; rate: number; bits: number; codec: number } | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        codec: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new AudioFormatError(file, 'data chunk before fmt chunk');
      if (format.codec !== 1 || format.bits !== 16) {
        throw new AudioFormatError(
          file,
          `unsupported WAV encoding (codec ${format.codec}, ${format.bits} bit); 16-bit PCM is required`,
        );
      }
      // Flite writes 0 or 0xffffffff as the data size when streaming; clamp to the file.
      const end = Math.min(bytes.byteLength, size === 0 || size === 0xffffffff ? bytes.byteLength : body + size);
      const usable = end - body - ((end - body) % (2 * format.channels));
      const samples = parseRawPcm16(bytes.subarray(body, body + usable), file);
      return { samples, sampleRateHz: format.rate, channels: format.channels };
    }
    offset = body + size + (size % 2);
  }
  throw new AudioFormatError(file, 'no data chunk');
}

export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Band-limited resampling with a Kaiser-windowed sinc (cutoff at the lower
 * Nyquist), so downsampling does not fold energy above 8 kHz back into speech.
 * Written here because it is ~30 lines and the npm resamplers either lack an
 * anti-aliasing filter or pull in native builds.
 */
export function resample(samples: Float32Array, fromHz: number, toHz: number, halfTaps = 16): Float32Array {
  if (fromHz === toHz) return samples.slice();
  const ratio = toHz / fromHz;
  const outLength = Math.floor(samples.length * ratio);
  const out = new Float32Array(outLength);
  const cutoff = Math.min(1, ratio); // relative to the input Nyquist
  const support = halfTaps / cutoff;
  const window = kaiserTable();
  for (let n = 0; n < outLength; n++) {
    const center = n / ratio;
    const first = Math.max(0, Math.ceil(center - support));
    const last = Math.min(samples.length - 1, Math.floor(center + support));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const x = center - k;
      const w = window[Math.round((Math.abs(x) / support) * (window.length - 1))]!;
      acc += samples[k]! * cutoff * sinc(cutoff * x) * w;
    }
    out[n] = acc;
  }
  return out;
}

let kaiser: Float64Array | undefined;
/** Kaiser window (beta 8.6, about 90 dB stop-band) sampled on |t| in [0, 1]. */
function kaiserTable(): Float64Array {
  if (kaiser) return kaiser;
  const beta = 8.6;
  const size = 4096;
  kaiser = new Float64Array(size);
  const norm = besselI0(beta);
  for (let i = 0; i < size; i++) {
    const t = i / (size - 1);
    kaiser[i] = besselI0(beta * Math.sqrt(1 - t * t)) / norm;
  }
  return kaiser;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 40; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32768);
    out[i] = v > 32767 ? 32767 : Math.max(v, -32768);
  }
  return out;
}

/** Any supported file (raw .pcm at 16 kHz, or WAV at any rate/channels) as 16 kHz mono PCM16. */
export function decodeCallerAudio(bytes: Uint8Array, file: string): Int16Array {
  if (!/\.wav$/i.test(file)) return parseRawPcm16(bytes, file);
  const wav = parseWav(bytes, file);
  const mono = downmixToMono(wav.samples, wav.channels);
  if (wav.sampleRateHz === CALLER_SAMPLE_RATE_HZ) return mono;
  return floatToInt16(resample(int16ToFloat(mono), wav.sampleRateHz, CALLER_SAMPLE_RATE_HZ));
}

export function durationMs(samples: { length: number }, sampleRateHz = CALLER_SAMPLE_RATE_HZ): number {
  return (samples.length * 1000) / sampleRateHz;
}

export function toBytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** A minimal 16-bit PCM WAV container (used for evidence recordings and exports). */
export function encodeWav(samples: Int16Array, sampleRateHz: number, channels = 1): Uint8Array {
  const data = toBytes(samples);
  const out = new Uint8Array(44 + data.byteLength);
  const view = new DataView(out.buffer);
  const put = (off: number, s: string) => {
    for (let i = 0; i < 4; i++) out[off + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + data.byteLength, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, data.byteLength, true);
  out.set(data, 44);
  return out;
}
