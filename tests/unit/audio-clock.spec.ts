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
