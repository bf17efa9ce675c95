import {
  base64Bytes,
  DEFAULT_TOKENS,
  errorCodeOf,
  fieldTokens,
  matchesAny,
  parseJsonObject,
  throttleOf,
  type DetectionTokens,
  type FrameClass,
} from './frames';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Classifies one server message of the browser conversation transport (docs/design.md#browser-conversation-transport).
 */
export function classifyBrowserConversation(data: unknown, tokens: DetectionTokens = DEFAULT_TOKENS): FrameClass {
  const msg = parseJsonObject(data);
  if (!msg) return { kind: 'other' };
  const type = msg.type;
  const payload = isObject(msg.payload) ? msg.payload : {};
  if (type === 'audio_data') {
    const audioBytes = base64Bytes(typeof msg.data === 'string' ? msg.data : '');
    const rate = typeof msg.sample_rate === 'number' && msg.sample_rate > 0 ? msg.sample_rate : 16000;
    return {
      kind: 'audio',
      frameIndex: typeof msg.frame_index === 'number' ? msg.frame_index : null,
      isFinal: msg.is_final === true,
      audioBytes,
      audioMs: (audioBytes / 2 / rate) * 1000,
    };
  }
  if (type === 'control' && (msg.action === 'audio_stop' || msg.action === 'tts_cancelled')) {
    return { kind: 'stop', action: String(msg.action) };
  }
  if (type === 'session_end') return { kind: 'session-end', reason: String(msg.reason ?? '') };
  if (type === 'status' && payload.statusTone === 'error') {
    const caption = String(payload.statusCaption ?? '');
    const message = String(payload.message ?? '');
    const text = `${caption} ${message}`;
    return { kind: 'error', code: errorCodeOf(text), message: text.trim(), throttle: throttleOf(text) };
  }
  if (msg.kind === 'ErrorData' && isObject(msg.errorData)) {
    const code = msg.errorData.code === undefined ? null : String(msg.errorData.code);
    const message = String(msg.errorData.message ?? '');
    return { kind: 'error', code, message, throttle: throttleOf(`${code ?? ''} ${message}`) };
  }
  // The connected event names the session: the id to find the call by in the agent's logs.
  if (type === 'event' && typeof payload.event_type === 'string' && payload.event_type.endsWith('_connected')) {
    const id = payload.session_id ?? msg.session_id;
    if (typeof id === 'string' && id) return { kind: 'session', id };
  }
  if (payload.event_type === 'stage_timings' && isObject(payload.data)) {
    const data: Record<string, number> = {};
    for (const [k, v] of Object.entries(payload.data)) if (typeof v === 'number') data[k] = v;
    return { kind: 'stage-timings', data };
  }
  const text =
    typeof payload.content === 'string' ? payload.content : typeof payload.message === 'string' ? payload.message : '';
  const assistant = type === 'assistant' || type === 'assistant_streaming' || payload.type === 'assistant';
  const words = fieldTokens(msg);
  if (matchesAny(words, tokens.end))
    return assistant && text ? { kind: 'response-end', text } : { kind: 'response-end' };
  if (matchesAny(words, tokens.response)) return { kind: 'response-start' };
  if (type === 'assistant_streaming') return { kind: 'transcript', role: 'assistant', final: false, text };
  if (payload.type === 'user' || type === 'user') return { kind: 'transcript', role: 'user', final: true, text };
  if (assistant) return { kind: 'transcript', role: 'assistant', final: true, text };
  return { kind: 'other' };
}
