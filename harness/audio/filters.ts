import { resample } from './pcm';

/**
 * Second-order IIR sections (RBJ audio-EQ cookbook) and the telephone channel
 * built from them. Hand-written: a biquad is a dozen lines, and the npm filter
 * packages are either unmaintained or untyped; the coefficients follow the
 * cookbook exactly so they can be checked against it.
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** Q of the two sections of a 4th-order Butterworth response. */
const BUTTERWORTH4_Q = [0.5412, 1.3066];

export function lowPass(cutoffHz: number, sampleRateHz: number, q = Math.SQRT1_2): Biquad {
  const w = (2 * Math.PI * cutoffHz) / sampleRateHz;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 - cos) / 2 / a0,
    b1: (1 - cos) / a0,
    b2: (1 - cos) / 2 / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha) / a0,
  };
}

export function highPass(cutoffHz: number, sampleRateHz: number, q = Math.SQRT1_2): Biquad {
  const w = (2 * Math.PI * cutoffHz) / sampleRateHz;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 + cos) / 2 / a0,
    b1: -(1 + cos) / a0,
    b2: (1 + cos) / 2 / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha) / a0,
  };
}

/** Constant 0 dB peak gain band-pass centred on `centreHz`. */
export function bandPass(centreHz: number, sampleRateHz: number, q: number): Biquad {
  const w = (2 * Math.PI * centreHz) / sampleRateHz;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: alpha / a0, b1: 0, b2: -alpha / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Runs the sections in series over `x` (direct form I), returning a new array. */
export function filter(x: Float32Array, sections: readonly Biquad[]): Float32Array {
  let input = x;
  for (const s of sections) {
    const out = new Float32Array(input.length);
    let x1 = 0,
      x2 = 0,
      y1 = 0,
      y2 = 0;
    for (let i = 0; i < input.length; i++) {
      const x0 = input[i]!;
      const y0 = s.b0 * x0 + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = y0;
      out[i] = y0;
    }
    input = out;
  }
  return input === x ? x.slice() : input;
}

/** Magnitude response of the sections at `freqHz`, in dB (for tests and docs). */
export function responseDb(sections: readonly Biquad[], freqHz: number, sampleRateHz: number): number {
  const w = (2 * Math.PI * freqHz) / sampleRateHz;
  let gain = 1;
  for (const s of sections) {
    // H(e^jw) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
    const nRe = s.b0 + s.b1 * Math.cos(w) + s.b2 * Math.cos(2 * w);
    const nIm = -(s.b1 * Math.sin(w) + s.b2 * Math.sin(2 * w));
    const dRe = 1 + s.a1 * Math.cos(w) + s.a2 * Math.cos(2 * w);
    const dIm = -(s.a1 * Math.sin(w) + s.a2 * Math.sin(2 * w));
    gain *= Math.hypot(nRe, nIm) / Math.hypot(dRe, dIm);
  }
  return 20 * Math.log10(gain);
}

export type TelephoneMode = 'none' | 'band' | 'band-8k';
export const TELEPHONE_MODES: readonly TelephoneMode[] = ['none', 'band', 'band-8k'];
export const TELEPHONE_LOW_HZ = 300;
export const TELEPHONE_HIGH_HZ = 3400;

/** The 300-3400 Hz voice band as two 4th-order Butterworth filters (24 dB/octave skirts). */
export function telephoneBandSections(sampleRateHz: number): Biquad[] {
  return [
    ...BUTTERWORTH4_Q.map((q) => highPass(TELEPHONE_LOW_HZ, sampleRateHz, q)),
    ...BUTTERWORTH4_Q.map((q) => lowPass(TELEPHONE_HIGH_HZ, sampleRateHz, q)),
  ];
}

/**
 * A narrow-band phone channel: the voice band, and with `band-8k` a round trip
 * through 8 kHz G.711 mu-law, which adds the codec's quantisation noise the way
 * a PSTN leg does.
 */
export function telephoneChannel(x: Float32Array, sampleRateHz: number, mode: TelephoneMode): Float32Array {
  if (mode === 'none') return x.slice();
  const band = filter(x, telephoneBandSections(sampleRateHz));
  if (mode === 'band') return band;
  const narrow = resample(band, sampleRateHz, 8000);
  for (let i = 0; i < narrow.length; i++) narrow[i] = muLawDecode(muLawEncode(narrow[i]!));
  const back = resample(narrow, 8000, sampleRateHz);
  // Resampling floors the length; keep the caller's length so speech bounds stay valid.
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, x.length));
  return out;
}

const MU = 255;
/** G.711 mu-law as 8-bit codes (continuous companding, then 8-bit quantisation). */
export function muLawEncode(sample: number): number {
  const s = Math.max(-1, Math.min(1, sample));
  const y = (Math.sign(s) * Math.log1p(MU * Math.abs(s))) / Math.log1p(MU);
  return Math.round(((y + 1) / 2) * 255);
}

export function muLawDecode(code: number): number {
  const y = (code / 255) * 2 - 1;
  return (Math.sign(y) * ((1 + MU) ** Math.abs(y) - 1)) / MU;
}
