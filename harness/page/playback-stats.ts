/**
 * The client's own audio glitches: Chromium counts, per AudioContext, the
 * underruns of its render (`playbackStats`: underrunEvents, underrunDuration,
 * totalDuration). An audio thread starved of CPU underruns: a direct sign the
 * machine could not keep the client's audio going. Every context the client
 * creates is followed; its last reading is kept, as a closed context reads 0.
 */

export interface PlaybackGlitches {
  underrunEvents: number;
  underrunMs: number;
  /** Audio the contexts rendered, for the rate. */
  renderedMs: number;
}

interface PlaybackStats {
  underrunEvents: number;
  underrunDuration: number;
  totalDuration: number;
}

const READ_EVERY_MS = 1000;

/** Wraps window.AudioContext; returns a reader of the glitches so far, or null where Chromium has no counters. */
export function watchPlayback(): (() => PlaybackGlitches | undefined) | null {
  const Native = window.AudioContext;
  if (!Native || !('playbackStats' in Native.prototype)) return null;
  const live = new Map<AudioContext, PlaybackStats>();
  const done: PlaybackStats[] = [];
  const read = () => {
    for (const [ctx, last] of live) {
      const s = (ctx as unknown as { playbackStats?: PlaybackStats }).playbackStats;
      const now =
        s && s.totalDuration >= last.totalDuration
          ? { underrunEvents: s.underrunEvents, underrunDuration: s.underrunDuration, totalDuration: s.totalDuration }
          : last;
      if (ctx.state === 'closed') {
        live.delete(ctx);
        done.push(now);
      } else live.set(ctx, now);
    }
  };
  // A Proxy, not a subclass: the client sees the same constructor name, prototype and instanceof.
  window.AudioContext = new Proxy(Native, {
    construct(target, args, newTarget) {
      const ctx = Reflect.construct(target, args, newTarget) as AudioContext;
      live.set(ctx, { underrunEvents: 0, underrunDuration: 0, totalDuration: 0 });
      return ctx;
    },
  });
  setInterval(read, READ_EVERY_MS);
  return () => {
    read();
    const all = [...done, ...live.values()];
    if (!all.length) return undefined;
    const sum = (f: (s: PlaybackStats) => number) => all.reduce((n, s) => n + f(s), 0);
    return {
      underrunEvents: sum((s) => s.underrunEvents),
      underrunMs: Math.round(sum((s) => s.underrunDuration) * 1000),
      renderedMs: Math.round(sum((s) => s.totalDuration) * 1000),
    };
  };
}
