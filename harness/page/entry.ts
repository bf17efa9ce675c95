import { createClassifier, detectProtocol, sentAudioMs } from '../protocol/select';
import { FakeMicrophone } from './fake-mic';
import { GeneratorProbe } from './generator-probe';
import type { CallerVoice } from './interrupts';
import { OutputTap } from './output-tap';
import { CallObserver } from './observer';
import { SendPathProbe } from './send-path';
import type { PageEvent, SpeakTiming } from './types';
import { installWebSocketProbe } from './ws-probe';

/**
 * Installed by init script before any page script runs: the fake microphone,
 * the socket probe, the output tap and the trackers built on them. Events go
 * to the Node driver via the exposed __harnessEmit binding; every timestamp is
 * taken here, in the page.
 */
/**
 * Runs requestAnimationFrame callbacks at most `fps` times a second. Some
 * clients redraw a waveform on every frame, which costs a core per call in a
 * headless load test while changing nothing a caller hears.
 */
function throttleAnimationFrames(fps: number): void {
  const intervalMs = 1000 / fps;
  let queue: Array<[number, FrameRequestCallback]> = [];
  let next = 0;
  let timerSet = false;
  const flush = () => {
    timerSet = false;
    const run = queue;
    queue = [];
    const now = performance.now();
    for (const [, cb] of run) cb(now);
  };
  window.requestAnimationFrame = (cb) => {
    const id = ++next;
    queue.push([id, cb]);
    if (!timerSet) {
      timerSet = true;
      window.setTimeout(flush, intervalMs);
    }
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
    void window.__harnessEmit?.(event).catch(() => {
      /* the page is closing */
    });
  };

  if (opts.animationFps) throttleAnimationFrames(opts.animationFps);
  const mic = new FakeMicrophone(window.AudioContext);
  const health = new GeneratorProbe(opts.sendBurstMs ?? 0);
  health.start();
  // Opened before the client's socket is wrapped, on the browser's own WebSocket.
  const sendPath = opts.sendPathUrl
    ? new SendPathProbe(opts.sendPathUrl, window.WebSocket, (at) => health.silentBeforeMs(at))
    : null;
  const spoken = (index: number, timing: SpeakTiming) => (sendPath ? sendPath.around(index, timing) : timing);
  const voice: CallerVoice = { speakAt: (index, atMs) => spoken(index, mic.speakAt(index, atMs)) };
  // A response's first frame is dated when the main thread handles it: how long that thread had been away then
  // bounds how late the date can be. It also ends the send path's probing of the turn it answers.
  const observer = new CallObserver(opts.quietMs, voice, (event) => {
    if (event.type !== 'response-start') return emit(event);
    sendPath?.firstAudio(event.at);
    emit({ ...event, silentBeforeMs: health.silentBeforeMs(event.at) });
  });
  const output = new OutputTap(
    { threshold: opts.outputThreshold, silenceHoldMs: opts.outputSilenceHoldMs, record: opts.recordOutput },
    (t) => observer.onOutput(t),
  );
  output.install();

  mic.install();

  let greeted = false;
  installWebSocketProbe({
    urlIncludes: opts.socketUrlIncludes,
    forSocket(url) {
      const protocol = opts.protocol === 'auto' ? detectProtocol(url) : opts.protocol;
      return {
        classify: createClassifier(protocol, url, opts.tokens, opts.matchers),
        sentAudioMs: (data) => sentAudioMs(protocol, data),
      };
    },
    onEvent(event) {
      // The greeting is the response to "turn 0", which starts with the first socket (not a reconnect).
      if (event.type === 'ws-open' && !greeted) {
        greeted = true;
        observer.expectResponse(0);
      }
      emit(event);
    },
    onSendAudio: (at, audioMs) => health.onSend(at, audioMs),
    onFrame: (frame, at) => observer.onFrame(frame, at),
  });

  window.__harness = {
    timeOrigin: performance.timeOrigin,
    loadTurns: (turns) => mic.loadTurns(turns),
    speak: async (index) => spoken(index, await mic.speak(index)),
    async speechRendered(index) {
      await sendPath?.settled(index);
      const r = mic.renderedTiming(index);
      const sendPathMs = sendPath?.delayMs(index);
      const receivePathMs = sendPath?.receiveMs(index);
      return (
        r && {
          ...r,
          sendHoldMs: health.sendHoldMs(r.speechStartAt, r.speechEndAt),
          ...(sendPathMs === undefined ? {} : { sendPathMs }),
          ...(receivePathMs === undefined ? {} : { receivePathMs }),
        }
      );
    },
    expectResponse: (turn) => observer.expectResponse(turn),
    armInterrupt: (plan) => observer.armInterrupt(plan),
    outputWatched: () => output.watching,
    generatorStats: () => health.stats(),
    micPath: () => mic.path,
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
        frames: observer.frames,
      };
    },
  };
})();
