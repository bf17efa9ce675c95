import { classifyBrowserConversation } from '../protocol/browser-conversation';
import { FakeMicrophone } from './fake-mic';
import { ResponseTracker } from './responses';
import type { PageEvent } from './types';
import { installWebSocketProbe } from './ws-probe';

/**
 * Installed by init script before any page script runs: the fake microphone,
 * the socket probe and the response tracker. Events go to the Node driver via
 * the exposed __harnessEmit binding; every timestamp is taken here, in the page.
 */
(function install() {
  if (window.top !== window || window.__harness || !window.__harnessOptions) return;
  const opts = window.__harnessOptions;
  const emit = (event: PageEvent) => {
    void window.__harnessEmit?.(event).catch(() => { /* the page is closing */ });
  };
  const tracker = new ResponseTracker(opts.quietMs, emit);
  const mic = new FakeMicrophone(window.AudioContext);

  if (navigator.mediaDevices) {
    const native = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints?: MediaStreamConstraints) =>
      constraints?.audio ? mic.getUserMedia() : native(constraints);
  }

  installWebSocketProbe({
    urlIncludes: opts.socketUrlIncludes,
    classify: classifyBrowserConversation,
    onEvent(event) {
      // The greeting is the response to "turn 0", which starts with the socket.
      if (event.type === 'ws-open') tracker.expect(0);
      emit(event);
    },
    onFrame(frame, at) {
      tracker.onFrame(frame, at);
      if (frame.kind === 'error') emit({ type: 'server-error', at, code: frame.code, message: frame.message, throttle: frame.throttle });
      else if (frame.kind === 'session-end') emit({ type: 'session-end', at, reason: frame.reason });
    },
  });

  window.__harness = {
    timeOrigin: performance.timeOrigin,
    loadTurns: (turns) => mic.loadTurns(turns),
    speak: (index) => mic.speak(index),
    expectResponse: (turn) => tracker.expect(turn),
  };
})();
