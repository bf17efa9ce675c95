import { base64Bytes, errorCodeOf, parseJsonObject, throttleOf, type FrameClass } from './frames';

type Json = Record<string, unknown>;

/** OpenAI Realtime and Azure Voice Live speak PCM16 at 24 kHz unless configured otherwise. */
const REALTIME_RATE_HZ = 24000;
const AUDIO_DELTAS = new Set(['response.audio.delta', 'response.output_audio.delta']);
const TRANSCRIPT_DELTAS = new Set(['response.audio_transcript.delta', 'response.output_audio_transcript.delta']);

/**
 * A classifier for one Realtime socket (OpenAI beta and GA event names, Azure
 * Voice Live): stateful, because a response's first audio delta follows its
 * `response.created` and deltas carry no index of their own.
 */
export function createRealtimeClassifier(): (data: unknown) => FrameClass {
  // Deltas carry no index: count them from each response.created, so a response's tail is recognisable.
  let deltaIndex: number | null = null;
  return (data) => {
    const o = parseJsonObject(data);
    if (!o) return { kind: 'other' };
    const type = typeof o.type === 'string' ? o.type : '';
    if (AUDIO_DELTAS.has(type)) {
      const audioBytes = base64Bytes(typeof o.delta === 'string' ? o.delta : '');
      const frameIndex = deltaIndex;
      if (deltaIndex !== null) deltaIndex++;
      return {
        kind: 'audio',
        frameIndex,
        isFinal: false,
        audioBytes,
        audioMs: (audioBytes / 2 / REALTIME_RATE_HZ) * 1000,
      };
    }
    if (type === 'session.created') {
      const session = (o.session ?? {}) as Json;
      return typeof session.id === 'string' && session.id ? { kind: 'session', id: session.id } : { kind: 'other' };
    }
    if (type === 'response.created') {
      deltaIndex = 0;
      return { kind: 'other' };
    }
    if (type === 'response.done') {
      const response = (o.response ?? {}) as Json;
      if (response.status === 'cancelled') return { kind: 'stop', action: 'response.cancelled' };
      if (response.status === 'failed') {
        const err = ((response.status_details as Json | undefined)?.error ?? {}) as Json;
        const text = `${String(err.code ?? '')} ${String(err.message ?? '')}`;
        return {
          kind: 'error',
          code: typeof err.code === 'string' ? err.code : errorCodeOf(text),
          message: text.trim(),
          throttle: throttleOf(text),
        };
      }
      // The reference agent (and agents like it) put per-stage timings in the response's metadata.
      const meta = (response.metadata ?? {}) as Json;
      const raw = meta.stage_timings;
      let stages: Record<string, number> | undefined;
      if (typeof raw === 'string' || (raw && typeof raw === 'object')) {
        try {
          const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Json;
          stages = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'number')) as Record<
            string,
            number
          >;
        } catch {
          stages = undefined;
        }
      }
      return stages ? { kind: 'response-end', stages } : { kind: 'response-end' };
    }
    if (type === 'error') {
      const err = (o.error ?? {}) as Json;
      const text = `${String(err.code ?? '')} ${String(err.type ?? '')} ${String(err.message ?? '')}`;
      return {
        kind: 'error',
        code: typeof err.code === 'string' ? err.code : errorCodeOf(text),
        message: String(err.message ?? '').trim(),
        throttle: throttleOf(text),
      };
    }
    if (TRANSCRIPT_DELTAS.has(type))
      return { kind: 'transcript', role: 'assistant', final: false, text: String(o.delta ?? '') };
    if (type === 'response.audio_transcript.done' || type === 'response.output_audio_transcript.done') {
      return { kind: 'transcript', role: 'assistant', final: true, text: String(o.transcript ?? '') };
    }
    if (type === 'conversation.item.input_audio_transcription.completed')
      return { kind: 'transcript', role: 'user', final: true, text: String(o.transcript ?? '') };
    return { kind: 'other' };
  };
}
