import { base64Bytes, errorCodeOf, parseJsonObject, throttleOf, type FrameClass } from './frames';

type Json = Record<string, unknown>;

/** ACS media payload keys arrive in either case depending on the SDK. */
function field(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

/** ACS plays 16 kHz PCM16 unless the stream says otherwise. */
const ACS_RATE_HZ = 16000;

/**
 * Azure Communication Services media streaming (docs/design.md#acs-media-transport): AudioData
 * with base64 PCM16 out, StopAudio on barge-in; `kind` in any case. A phone
 * line has no end-of-response marker: responses end on a quiet gap.
 */
export function classifyAcs(data: unknown): FrameClass {
  const o = parseJsonObject(data);
  if (!o) return { kind: 'other' };
  const kind = String(field(o, 'kind') ?? '').toLowerCase();
  if (kind === 'audiodata') {
    const payload = field(o, 'audioData');
    const b64 = payload && typeof payload === 'object' ? field(payload as Json, 'data') : undefined;
    if (typeof b64 !== 'string') return { kind: 'other' };
    const audioBytes = base64Bytes(b64);
    return {
      kind: 'audio',
      frameIndex: null,
      isFinal: false,
      audioBytes,
      audioMs: (audioBytes / 2 / ACS_RATE_HZ) * 1000,
    };
  }
  if (kind === 'stopaudio') return { kind: 'stop', action: 'StopAudio' };
  if (kind === 'errordata' || kind === 'error') {
    const e = field(o, 'errorData') ?? field(o, 'error');
    const text =
      e && typeof e === 'object'
        ? `${String(field(e as Json, 'code') ?? '')} ${String(field(e as Json, 'message') ?? '')}`
        : String(e ?? '');
    return {
      kind: 'error',
      code: errorCodeOf(text) ?? (e && typeof e === 'object' ? String(field(e as Json, 'code') ?? '') || null : null),
      message: text.trim(),
      throttle: throttleOf(text),
    };
  }
  return { kind: 'other' };
}
