/** Reproducible draws: the same seed and keys always give the same value (mulberry32 over a key hash). */
export function seededRandom(seed: number, ...keys: Array<string | number>): () => number {
  let h = 2166136261 ^ seed;
  for (const k of keys.join('\u0000')) h = Math.imul(h ^ k.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [low, high]. */
export function drawBetween(rand: () => number, [low, high]: readonly [number, number]): number {
  return low + (high - low) * rand();
}
