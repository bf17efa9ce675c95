/**
 * What one server message means to a caller, independent of transport. The
 * classifiers look at message fields, never at substrings of the whole frame:
 * base64 audio contains "429" by chance in about 2% of frames.
 */
export type Throttle = 'openai' | 'speech' | 'unknown';

export type FrameClass =
  | { kind: 'audio'; frameIndex: number | null; isFinal: boolean; audioBytes: number }
  | { kind: 'stop'; action: string }
  | { kind: 'response-end' }
  | { kind: 'error'; code: string | null; message: string; throttle: Throttle | null }
  | { kind: 'session-end'; reason: string }
  | { kind: 'transcript'; role: 'user' | 'assistant'; final: boolean }
  | { kind: 'other' };

const OPENAI_THROTTLE = /ratelimitexceeded|\b429\b|too many requests|tokens per minute|requests per minute/i;
const SPEECH_THROTTLE = /quota exceeded|throttl|speech[^.]*limit/i;

/** Throttling source named by an error's own text (code, message, caption), as the Locust suite groups it. */
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
