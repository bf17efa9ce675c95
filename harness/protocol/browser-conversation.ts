import { errorCodeOf, throttleOf, type FrameClass } from './frames';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies one server message of the browser conversation transport (DESIGN section 5). */
export function classifyBrowserConversation(data: unknown): FrameClass {
  if (typeof data !== 'string') return { kind: 'other' };
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return { kind: 'other' };
  }
  if (!isObject(msg)) return { kind: 'other' };
  const type = msg.type;
  const payload = isObject(msg.payload) ? msg.payload : {};
  if (type === 'audio_data') {
    const b64 = typeof msg.data === 'string' ? msg.data : '';
    const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
    return {
      kind: 'audio',
      frameIndex: typeof msg.frame_index === 'number' ? msg.frame_index : null,
      isFinal: msg.is_final === true,
      audioBytes: Math.max(0, (b64.length * 3) / 4 - padding),
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
  if ((type === 'assistant' || payload.type === 'assistant') && payload.status === 'completed') return { kind: 'response-end' };
  if (type === 'assistant_streaming') return { kind: 'transcript', role: 'assistant', final: false };
  if (payload.type === 'user' || type === 'user') return { kind: 'transcript', role: 'user', final: true };
  if (type === 'assistant') return { kind: 'transcript', role: 'assistant', final: true };
  return { kind: 'other' };
}
