import crypto from 'node:crypto';

/**
 * Seeded randomness for everything that must replay: audio realism, agent
 * stage delays and faults, scenario mix, think times, barge-in delays. Each
 * stream is keyed by the run's seed plus what it is for, so adding a scenario,
 * a call or a voice never shifts the values drawn for another.
 */

/** A uniform draw in [0, 1). */
export type Draw = () => number;

/**
 * mulberry32: a tiny, fast, well-distributed 32-bit generator. Hand-written
 * because the audio loops draw millions of values and need determinism, not
 * cryptographic quality.
 */
export function mulberry32(seed: number): Draw {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any key parts (sha256, so nearby keys give unrelated streams). */
export function seedFrom(...parts: Array<string | number>): number {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/** The stream for (seed, keys...). */
export function seededRandom(seed: number, ...keys: Array<string | number>): Draw {
  return mulberry32(seedFrom(seed, ...keys));
}

/** Derives an independent seed per (seed, index) without hashing: session k of a seeded run draws the same values. */
export function deriveSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in [low, high]. */
export function drawBetween(draw: Draw, [low, high]: readonly [number, number]): number {
  return low + (high - low) * draw();
}

/** Standard normal by Box-Muller (one value per call). */
export function standardNormal(draw: Draw): number {
  let u = 0;
  while (u === 0) u = draw();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * draw());
}

/** A stream with the shapes audio generation needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max]. */
  uniform(min: number, max: number): number;
  /** Standard normal (Box-Muller, both values of each pair used). */
  gaussian(): number;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  let spare: number | undefined;
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
