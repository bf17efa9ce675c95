/**
 * The few order statistics the benches print, in a module of their own so that a bench that needs only these
 * does not load the fidelity bench's run machinery (a bench's start, and its refusal of a bad flag, stay quick).
 */

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** The p-th percentile, nearest rank (0 for no values). */
export function pct(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
}

/** To a tenth of a millisecond, as the benches print their figures. */
export const round1 = (x: number) => Math.round(x * 10) / 10;
