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

/** Set per call by the driver (page.addInitScript): query parameters added to the call socket's URL. */
export const SOCKET_QUERY_GLOBAL = '__harnessSocketQuery';

/**
 * The call socket's URL with the profile's socketQuery added (the call's
 * scenario, session id): done here, in the constructor, so the client stays
 * unchanged and no frame is relayed through the test process.
 */
function withSocketQuery(url: string | URL, urlIncludes: string): string | URL {
  const query = (window as unknown as Record<string, Record<string, string> | undefined>)[SOCKET_QUERY_GLOBAL];
  const href = String(url);
  if (!query || (urlIncludes && !href.includes(urlIncludes))) return url;
  const u = new URL(href, location.href);
  if (u.protocol === 'http:' || u.protocol === 'https:') u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/** Long tasks are kept this long: an open is never held up longer than the connect timeout allows. */
const LONG_TASK_KEEP_MS = 120_000;
/** Between two long tasks the thread ran other short tasks: up to this gap they still form one stall. */
const LONG_TASK_GAP_MS = 16;

/**
 * The page's main-thread long tasks (50 ms or more, Long Tasks API), to tell
 * how long a socket event waited for the thread. Chromium dates a socket
 * event when it is dispatched (its `timeStamp` is the listener's time), so a
 * handshake that completed during a long task is only seen at its end.
 */
function watchLongTasks(): (from: number, to: number) => number {
  const tasks: Array<[number, number]> = [];
  const keep = (list: PerformanceEntryList) => {
    for (const t of list) tasks.push([t.startTime, t.startTime + t.duration]);
    const horizon = performance.now() - LONG_TASK_KEEP_MS;
    while (tasks.length && tasks[0]![1] < horizon) tasks.shift();
  };
  let observer: PerformanceObserver | null = null;
  try {
    observer = new PerformanceObserver((list) => keep(list.getEntries()));
    observer.observe({ type: 'longtask' });
  } catch {
    observer = null; // a browser without the Long Tasks API: no stall is attributed
  }
  // Only the run of long tasks the event came straight after held it up: a long task followed by a free
  // thread did not (the handshake was still under way then).
  return (from, to) => {
    if (observer) keep(observer.takeRecords());
    let held = 0;
    let cursor = to;
    for (const [start, end] of [...tasks].sort((a, b) => b[1] - a[1])) {
      if (end > cursor + 1 || start >= cursor) continue;
      if (end < cursor - LONG_TASK_GAP_MS || end <= from) break;
      held += Math.min(end, cursor) - Math.max(start, from);
      cursor = start;
      if (start <= from) break;
    }
    return held;
  };
}

/**
 * Replaces window.WebSocket with a subclass that timestamps the call socket's
 * lifecycle and every incoming message. Its listeners are added in the
 * constructor, before the client's own, so the timestamp precedes client work.
 */
export function installWebSocketProbe(hooks: ProbeHooks): void {
  const Native = window.WebSocket;
  const heldBehind = watchLongTasks();
  class ProbedWebSocket extends Native {
    private readonly socket: SocketHooks | null;

    constructor(given: string | URL, protocols?: string | string[]) {
      const url = withSocketQuery(given, hooks.urlIncludes);
      super(url, protocols);
      const href = String(url);
      this.socket = !hooks.urlIncludes || href.includes(hooks.urlIncludes) ? hooks.forSocket(href) : null;
      const socket = this.socket;
      if (!socket) return;
      const createdAt = performance.now();
      hooks.onEvent({ type: 'ws-created', at: createdAt, url: redactUrl(href) });
      // Added first, so no client listener runs before it. What the open waited for the main thread (an event
      // queued before dispatch, or long tasks since the socket was created) is reported apart as the stall.
      this.addEventListener('open', (e) => {
        const dispatchAt = performance.now();
        const queuedMs = Math.max(0, dispatchAt - e.timeStamp);
        const stallMs = Math.min(dispatchAt - createdAt, Math.max(queuedMs, heldBehind(createdAt, dispatchAt)));
        hooks.onEvent({ type: 'ws-open', at: dispatchAt - stallMs, dispatchAt, stallMs });
      });
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
