import { expect, test } from '@playwright/test';
import { AudioClock } from '../../harness/page/audio-clock';

/**
 * An AudioContext stand-in rendering 10 ms bursts, and the page clock it is read against: AudioClock touches only
 * currentTime, state, statechange and performance.now().
 */
function simulated() {
  let pageMs = 5000;
  const listeners: Array<() => void> = [];
  const ctx = {
    state: 'running' as AudioContextState,
    currentTime: 0,
    addEventListener: (_: string, f: () => void) => listeners.push(f),
  };
  const realPerformance = globalThis.performance;
  Object.defineProperty(globalThis, 'performance', { value: { now: () => pageMs }, configurable: true });
  const clock = new AudioClock(ctx as unknown as BaseAudioContext);
  return {
    clock,
    /** One render burst of 10 ms (`lateMs` after it was due), then the page reads the clock 1 ms after it. */
    burst(lateMs = 0) {
      pageMs += 10 + lateMs;
      ctx.currentTime += 0.01;
      clock.pageTimeOf(0);
      pageMs += 1;
      clock.pageTimeOf(0);
      pageMs -= 1;
    },
    end() {
      ctx.state = 'closed';
      for (const f of listeners) f();
      Object.defineProperty(globalThis, 'performance', { value: realPerformance, configurable: true });
    },
  };
}

test('a sample dated as rendered: a step in the audio clock after scheduling moves it, the forecast does not', () => {
  const sim = simulated();
  try {
    for (let k = 0; k < 100; k++) sim.burst(); // 1 s of steady rendering: context 0 s is page 5000 ms
    const t = 1.5;
    const foretold = sim.clock.pageTimeOf(t);
    expect(foretold).toBeCloseTo(6500, 6);
    // At context 1.2 s the device skips 50 ms of callbacks: everything after is rendered 50 ms later for good.
    for (let k = 0; k < 20; k++) sim.burst();
    sim.burst(50);
    for (let k = 0; k < 60; k++) sim.burst();
    expect(sim.clock.renderedAt(t)).toBeCloseTo(6550, 6);
    // A sample rendered before the step keeps its time.
    expect(sim.clock.renderedAt(1.1)).toBeCloseTo(6100, 6);
    // Not rendered yet: the forecast.
    expect(sim.clock.renderedAt(3)).toBeCloseTo(sim.clock.pageTimeOf(3), 6);
  } finally {
    sim.end();
  }
});

test('the clock is read at varying phases of the render cycle: a sample is dated within a fraction of a burst', () => {
  // The page's own timers on a simulated clock: 20 ms render bursts, the clock created 7 ms after one of them. Read
  // every 20 ms, every reading would fall 7 ms after a burst and every sample would be dated 7 ms late.
  let pageMs = 7;
  const due: Array<{ atMs: number; run: () => void; id: number; everyMs?: number }> = [];
  let nextId = 1;
  const real = { setTimeout, clearTimeout, setInterval, clearInterval };
  const realPerformance = globalThis.performance;
  const stub = (run: () => void, ms = 0, everyMs?: number) => {
    due.push({ atMs: pageMs + ms, run, id: nextId, everyMs });
    return nextId++;
  };
  const cancel = (id: unknown) => {
    const i = due.findIndex((d) => d.id === id);
    if (i >= 0) due.splice(i, 1);
  };
  Object.assign(globalThis, {
    setTimeout: (run: () => void, ms?: number) => stub(run, ms),
    setInterval: (run: () => void, ms?: number) => stub(run, ms, ms),
    clearTimeout: cancel,
    clearInterval: cancel,
  });
  Object.defineProperty(globalThis, 'performance', { value: { now: () => pageMs }, configurable: true });
  const ctx = { state: 'running' as AudioContextState, currentTime: 0, addEventListener: () => {} };
  try {
    const clock = new AudioClock(ctx as unknown as BaseAudioContext);
    const errorsMs: number[] = [];
    // 4 s in 0.5 ms steps; a burst at every 20 ms of page time renders the next 20 ms of context time.
    for (let step = 1; step <= 8000; step++) {
      pageMs = 7 + step * 0.5;
      if (pageMs % 20 === 0) ctx.currentTime = pageMs / 1000;
      for (const d of due.filter((x) => x.atMs <= pageMs)) {
        cancel(d.id);
        if (d.everyMs) due.push({ ...d, atMs: d.atMs + d.everyMs });
        d.run();
      }
      // A sample rendered half a second ago. Context time and page time coincide at each burst, so a reading taken
      // just as a burst lands dates every sample at its own context time: anything more is the reading's lateness.
      if (step % 100 === 0 && pageMs > 1000) {
        const t = (pageMs - 500) / 1000;
        errorsMs.push(clock.renderedAt(t) - t * 1000);
      }
    }
    errorsMs.sort((a, b) => a - b);
    expect(errorsMs[0]).toBeGreaterThanOrEqual(-1e-6);
    expect(errorsMs[Math.floor(errorsMs.length / 2)]).toBeLessThan(3);
    ctx.state = 'closed';
  } finally {
    Object.assign(globalThis, real);
    Object.defineProperty(globalThis, 'performance', { value: realPerformance, configurable: true });
  }
});
