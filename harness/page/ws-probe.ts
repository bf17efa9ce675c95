import type { FrameClass } from '../protocol/frames';
import { redactUrl } from '../redact';
import type { PageEvent } from './types';

export interface ProbeHooks {
  urlIncludes: string;
  classify(data: unknown): FrameClass;
  onEvent(event: PageEvent): void;
  onFrame(frame: FrameClass, at: number): void;
  /** A binary (audio) frame the client sent on the call socket, and its byte length. */
  onSendBinary(at: number, bytes: number): void;
}

/**
 * Replaces window.WebSocket with a subclass that timestamps the call socket's
 * lifecycle and every incoming message. Its listeners are added in the
 * constructor, before the client's own, so the timestamp precedes client work.
 */
export function installWebSocketProbe(hooks: ProbeHooks): void {
  const Native = window.WebSocket;
  class ProbedWebSocket extends Native {
    private readonly tracked: boolean;

    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const href = String(url);
      this.tracked = !hooks.urlIncludes || href.includes(hooks.urlIncludes);
      if (!this.tracked) return;
      hooks.onEvent({ type: 'ws-created', at: performance.now(), url: redactUrl(href) });
      this.addEventListener('open', () => hooks.onEvent({ type: 'ws-open', at: performance.now() }));
      this.addEventListener('error', () => hooks.onEvent({ type: 'ws-error', at: performance.now() }));
      this.addEventListener('close', (e) => hooks.onEvent({ type: 'ws-close', at: performance.now(), code: e.code, reason: e.reason }));
      this.addEventListener('message', (e) => {
        const at = performance.now();
        hooks.onFrame(hooks.classify(e.data), at);
      });
    }

    override send(data: Parameters<WebSocket["send"]>[0]): void {
      if (this.tracked && typeof data !== 'string') hooks.onSendBinary(performance.now(), data instanceof Blob ? data.size : data.byteLength);
      super.send(data);
    }
  }
  window.WebSocket = ProbedWebSocket;
}
