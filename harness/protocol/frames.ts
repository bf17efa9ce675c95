/**
 * What one server message means to a caller, independent of transport. The
 * classifiers look at message fields, never at substrings of the whole frame:
 * base64 audio contains "429" by chance in about 2% of frames.
 */
export type Throttle = 'openai' | 'speech' | 'unknown';

export type FrameClass =
  | { kind: 'audio'; frameIndex: number | null; isFinal: boolean; audioBytes: number; audioMs: number }
  | { kind: 'stop'; action: string }
  | { kind: 'response-start' }
  | { kind: 'response-end'; text?: string; stages?: Record<string, number> }
  | { kind: 'error'; code: string | null; message: string; throttle: Throttle | null }
  | { kind: 'session-end'; reason: string }
  | { kind: 'transcript'; role: 'user' | 'assistant'; final: boolean; text: string }
  | { kind: 'stage-timings'; data: Record<string, number> }
  /** The server named its session (Realtime session.created, the browser transport's connected event). */
  | { kind: 'session'; id: string }
  | { kind: 'other' };

/** RESPONSE_TOKENS / END_TOKENS: words matched against a message's type-like fields. */
export interface DetectionTokens {
  /** Non-audio messages that start a response (default none: only audio starts one). */
  response: readonly string[];
  /** Messages that end a response (besides a final audio frame). */
  end: readonly string[];
}

export const DEFAULT_TOKENS: DetectionTokens = { response: [], end: ['completed', 'final', 'end', 'stopped'] };

const OPENAI_THROTTLE =
  /ratelimitexceeded|rate_limit_exceeded|\b429\b|too many requests|tokens per minute|requests per minute/i;
const SPEECH_THROTTLE = /quota exceeded|throttl|speech[^.]*limit|(stt|tts) capacity/i;

/** Throttling source named by an error's own text (code, message, caption, close reason). */
export function throttleOf(text: string): Throttle | null {
  if (SPEECH_THROTTLE.test(text)) return 'speech';
  if (OPENAI_THROTTLE.test(text)) return 'openai';
  if (/rate.?limit/i.test(text)) return 'unknown';
  return null;
}

/** The numeric or symbolic error code inside an error text ("Error code: 429 - ..." -> "429"). */
export function errorCodeOf(text: string): string | null {
  const m = /error code:?\s*([\w-]+)/i.exec(text) ?? /\b([45]\d\d)\b/.exec(text);
  return m ? m[1]! : null;
}

type Json = Record<string, unknown>;
const TYPE_FIELDS = ['type', 'kind', 'status', 'action', 'reason', 'event_type'];

/**
 * Lower-case words of a message's type-like fields (top level and payload):
 * "response.done" -> response, done; "audio_stop" -> audio, stop. Never the
 * message's data, so audio payloads cannot match by accident.
 */
export function fieldTokens(msg: Json): Set<string> {
  const out = new Set<string>();
  const scan = (o: unknown) => {
    if (!o || typeof o !== 'object') return;
    for (const f of TYPE_FIELDS) {
      const v = (o as Json)[f];
      if (typeof v === 'string') for (const w of v.toLowerCase().split(/[^a-z0-9]+/)) if (w) out.add(w);
    }
  };
  scan(msg);
  scan(msg.payload);
  return out;
}

export function matchesAny(tokens: Set<string>, wanted: readonly string[]): boolean {
  return wanted.some((w) => tokens.has(w.toLowerCase()));
}

/** A text message as a JSON object, or null (binary, not JSON, or not an object). */
export function parseJsonObject(data: unknown): Json | null {
  if (typeof data !== 'string') return null;
  try {
    const v: unknown = JSON.parse(data);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

/** Bytes encoded by a base64 string, without decoding it. */
export function base64Bytes(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.max(0, (b64.length * 3) / 4 - padding);
}
