import crypto from 'node:crypto';

/**
 * Seeded randomness for reproducible audio. Every random choice (silence
 * lengths, level, rate, noise samples) is drawn from a stream keyed by the run
 * seed plus what the value is for, so adding a scenario or a voice never shifts
 * the values drawn for another file.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max]. */
  uniform(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  gaussian(): number;
}

/** A 32-bit seed from any key parts (sha256, so nearby keys give unrelated streams). */
export function seedFrom(...parts: Array<string | number>): number {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/**
 * mulberry32: a tiny, fast, well-distributed 32-bit generator. Hand-written
 * because the audio loops draw millions of values and only need determinism,
 * not cryptographic quality.
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    gaussian() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u = Math.max(next(), 1e-12);
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

export function rngFor(...parts: Array<string | number>): Rng {
  return createRng(seedFrom(...parts));
}
