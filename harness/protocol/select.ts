import { classifyAcs } from './acs';
import { classifyBrowserConversation } from './browser-conversation';
import type { DetectionTokens, FrameClass } from './frames';
import { matchFrame, type FieldMatcher } from './matchers';
import { createRealtimeClassifier } from './realtime';

export type Protocol = 'browser' | 'acs' | 'realtime';
export const PROTOCOLS: readonly Protocol[] = ['browser', 'acs', 'realtime'];

/** The transport a socket speaks, from its URL path (the endpoints in docs/design.md#wire-protocols). */
export function detectProtocol(url: string): Protocol {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // a relative or odd URL: match on the text
  }
  if (/\/media\/stream\b/.test(path)) return 'acs';
  // /v1/realtime, /openai/realtime, /voice-live/realtime; the older /api/v1/realtime/conversation is the browser
  // transport.
  if (/\/realtime\/?$/.test(path)) return 'realtime';
  return 'browser';
}

/**
 * The transport a URL's path names for certain, or null for a path of no
 * known shape (a backend's own route may speak any transport): only a known
 * path can contradict a configured transport.
 */
export function knownTransportOf(url: string): Protocol | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  if (/\/media\/stream\b/.test(path)) return 'acs';
  if (/\/realtime\/?$/.test(path)) return 'realtime';
  if (/\/(browser|realtime)\/conversation\/?$/.test(path)) return 'browser';
  return null;
}

/** A classifier for one socket: user matchers first, then the transport's own. */
export function createClassifier(
  protocol: Protocol | 'auto',
  url: string,
  tokens: DetectionTokens,
  matchers: readonly FieldMatcher[] = [],
): (data: unknown) => FrameClass {
  const p = protocol === 'auto' ? detectProtocol(url) : protocol;
  const builtIn =
    p === 'acs'
      ? classifyAcs
      : p === 'realtime'
        ? createRealtimeClassifier()
        : (d: unknown) => classifyBrowserConversation(d, tokens);
  return (data) => matchFrame(matchers, data) ?? builtIn(data);
}

/**
 * Milliseconds of caller audio in one message the client sent, without
 * parsing it: binary PCM16 16 kHz for the browser transport, the base64 field
 * of an ACS AudioData (16 kHz) or a Realtime append (24 kHz). 0 for anything else.
 */
export function sentAudioMs(protocol: Protocol, data: unknown): number {
  if (typeof data !== 'string') {
    const bytes =
      data instanceof Blob
        ? data.size
        : data instanceof ArrayBuffer
          ? data.byteLength
          : ArrayBuffer.isView(data)
            ? data.byteLength
            : 0;
    return protocol === 'browser' ? bytes / 32 : 0;
  }
  const key = protocol === 'acs' ? '"data":"' : protocol === 'realtime' ? '"audio":"' : null;
  if (!key) return 0;
  const start = data.indexOf(key);
  if (start < 0) return 0;
  const end = data.indexOf('"', start + key.length);
  const padding = data[end - 1] === '=' ? (data[end - 2] === '=' ? 2 : 1) : 0;
  const bytes = ((end - start - key.length) * 3) / 4 - padding;
  return bytes / (protocol === 'acs' ? 32 : 48);
}
