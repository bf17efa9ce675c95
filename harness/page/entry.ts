import { createClassifier, detectProtocol, sentAudioMs } from '../protocol/select';
import { Audibility } from './audibility';
import { FakeMicrophone } from './fake-mic';
import { GeneratorProbe } from './generator-probe';
import { Interrupts } from './interrupts';
import { OutputTap } from './output-tap';
import { ResponseTracker } from './responses';
import type { PageEvent } from './types';
import { installWebSocketProbe } from './ws-probe';

/**
 * Installed by init script before any page script runs: the fake microphone,
 * the socket probe, the output tap and the trackers built on them. Events go
 * to the Node driver via the exposed __harnessEmit binding; every timestamp is
 * taken here, in the page.
 */
/** Frame log bound for evidence: an hour of 50 ms frames would be 72,000. */
const MAX_FRAME_LOG = 20000;

/**
 * Runs requestAnimationFrame callbacks at most `fps` times a second. Some
 * clients redraw a waveform on every frame, which costs a core per call in a
 * headless load test while changing nothing a caller hears.
 */
function throttleAnimationFrames(fps: number): void {
  const intervalMs = 1000 / fps;
  let queue: Array<[number, FrameRequestCallback]> = [];
  let next = 0;
  let timer: number | null = null;
  const flush = () => {
    timer = null;
    const run = queue;
    queue = [];
    const now = performance.now();
    for (const [, cb] of run) cb(now);
  };
  window.requestAnimationFrame = (cb) => {
    const id = ++next;
    queue.push([id, cb]);
    timer ??= window.setTimeout(flush, intervalMs);
    return id;
  };
  window.cancelAnimationFrame = (id) => {
    queue = queue.filter(([i]) => i !== id);
  };
}

(function install() {
  if (window.top !== window || window.__harness || !window.__harnessOptions) return;
  const opts = window.__harnessOptions;
  const emit = (event: PageEvent) => {
    void window.__harnessEmit?.(event).catch(() => { /* the page is closing */ });
  };

  if (opts.animationFps) throttleAnimationFrames(opts.animationFps);
  const mic = new FakeMicrophone(window.AudioContext);
  const health = new GeneratorProbe();
  health.start();
  const audibility = new Audibility((r, at) => emit({ type: 'response-audible', at, turn: r.turn }));
  let interrupts: Interrupts | undefined;
  const tracker = new ResponseTracker(opts.quietMs, {
    onStart(r) {
      emit({ type: 'response-start', at: r.firstAt, turn: r.turn });
      audibility.onResponseStart(r);
      interrupts?.onResponseStart(r);
    },
    onEnd(r) {
      emit({ type: 'response-end', at: r.endAt!, turn: r.turn, reason: r.endReason!, frames: r.frames, audioMs: r.audioMs, gaps: r.gaps, gapMs: r.gapMs });
      interrupts?.onResponseEnd(r);
    },
  });
  interrupts = new Interrupts(mic, audibility, (turn) => tracker.expect(turn), emit);
  const output = new OutputTap({ threshold: opts.outputThreshold, silenceHoldMs: opts.outputSilenceHoldMs, record: opts.recordOutput },
    (t) => audibility.onTransition(t));
  output.install();

  if (navigator.mediaDevices) {
    const native = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints?: MediaStreamConstraints) =>
      constraints?.audio ? mic.getUserMedia() : native(constraints);
  }

  let greeted = false;
  const frames: Array<[number, number, number]> = [];
  installWebSocketProbe({
    urlIncludes: opts.socketUrlIncludes,
    forSocket(url) {
      const protocol = opts.protocol === 'auto' ? detectProtocol(url) : opts.protocol;
      return { classify: createClassifier(protocol, url, opts.tokens, opts.matchers), sentAudioMs: (data) => sentAudioMs(protocol, data) };
    },
    onEvent(event) {
      // The greeting is the response to "turn 0", which starts with the first socket (not a reconnect).
      if (event.type === 'ws-open' && !greeted) {
        greeted = true;
        tracker.expect(0);
      }
      emit(event);
    },
    onSendAudio: (at, audioMs) => health.onSend(at, audioMs),
    onFrame(frame, at) {
      const textTurn = tracker.textTurn ?? 0;
      switch (frame.kind) {
        case 'audio':
          interrupts!.onAudio(at);
          if (frames.length < MAX_FRAME_LOG) frames.push([Math.round(at * 10) / 10, frame.frameIndex ?? -1, Math.round(frame.audioMs)]);
          break;
        case 'stop':
          interrupts!.onStop(at);
          break;
        case 'error':
          emit({ type: 'server-error', at, code: frame.code, message: frame.message, throttle: frame.throttle });
          break;
        case 'session-end':
          emit({ type: 'session-end', at, reason: frame.reason });
          break;
        case 'stage-timings':
          emit({ type: 'stage-timings', at, turn: textTurn, data: frame.data });
          break;
        case 'transcript':
          if (frame.role === 'assistant' && frame.text) emit({ type: 'response-text', at, turn: textTurn, text: frame.text });
          break;
        case 'response-end':
          if (frame.text) emit({ type: 'response-text', at, turn: textTurn, text: frame.text });
          if (frame.stages) emit({ type: 'stage-timings', at, turn: textTurn, data: frame.stages });
          break;
        default:
      }
      tracker.onFrame(frame, at);
    },
  });

  window.__harness = {
    timeOrigin: performance.timeOrigin,
    loadTurns: (turns) => mic.loadTurns(turns),
    speak: (index) => mic.speak(index),
    expectResponse: (turn) => tracker.expect(turn),
    armInterrupt: (plan) => interrupts!.arm(plan),
    outputWatched: () => output.watching,
    generatorStats: () => health.stats(),
    async evidence() {
      const rec = await output.recording();
      let pcmBase64 = '';
      if (rec) {
        const bytes = new Uint8Array(rec.samples.buffer, rec.samples.byteOffset, rec.samples.byteLength);
        let bin = '';
        for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        pcmBase64 = btoa(bin);
      }
      return {
        spoken: [...mic.spoken],
        output: rec ? { startAt: rec.startAt, sampleRateHz: rec.sampleRateHz, pcmBase64 } : null,
        frames,
      };
    },
  };
})();
