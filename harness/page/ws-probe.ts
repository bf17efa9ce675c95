import type { FrameClass } from '../protocol/frames';
import { redactUrl } from '../redact';
import type { PageEvent } from './types';

export interface SocketHooks {
  classify(data: unknown): FrameClass;
  /** Milliseconds of caller audio in a message the client sends (0 if none). */
  sentAudioMs(data: unknown): number;
}

export interface ProbeHooks {
  urlIncludes: string;
  /** Per call socket: how to read what it receives and sends. */
  forSocket(url: string): SocketHooks;
  onEvent(event: PageEvent): void;
  onFrame(frame: FrameClass, at: number): void;
  /** Caller audio the client sent on the call socket. */
  onSendAudio(at: number, audioMs: number): void;
}

/**
 * Replaces window.WebSocket with a subclass that timestamps the call socket's
 * lifecycle and every incoming message. Its listeners are added in the
 * constructor, before the client's own, so the timestamp precedes client work.
 */
export function installWebSocketProbe(hooks: ProbeHooks): void {
  const Native = window.WebSocket;
  class ProbedWebSocket extends Native {
    private readonly socket: SocketHooks | null;

    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const href = String(url);
      this.socket = !hooks.urlIncludes || href.includes(hooks.urlIncludes) ? hooks.forSocket(href) : null;
      const socket = this.socket;
      if (!socket) return;
      hooks.onEvent({ type: 'ws-created', at: performance.now(), url: redactUrl(href) });
      this.addEventListener('open', () => hooks.onEvent({ type: 'ws-open', at: performance.now() }));
      this.addEventListener('error', () => hooks.onEvent({ type: 'ws-error', at: performance.now() }));
      this.addEventListener('close', (e) =>
        hooks.onEvent({ type: 'ws-close', at: performance.now(), code: e.code, reason: e.reason }),
      );
      this.addEventListener('message', (e) => {
        const at = performance.now();
        hooks.onFrame(socket.classify(e.data), at);
      });
    }

    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (this.socket) {
        const audioMs = this.socket.sentAudioMs(data);
        if (audioMs > 0) hooks.onSendAudio(performance.now(), audioMs);
      }
      super.send(data);
    }
  }
  window.WebSocket = ProbedWebSocket;
}
