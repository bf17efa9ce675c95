import type { Protocol } from '../protocol/select';

/**
 * 16 -> 24 kHz by linear interpolation, frame by frame. A windowed-sinc
 * filter per 20 ms frame would cost hundreds of callers a core; speech
 * recognition and VAD do not hear the difference at this ratio.
 */
function upsample16to24(pcm: Int16Array): Int16Array {
  const out = new Int16Array(Math.floor((pcm.length * 3) / 2));
  for (let i = 0; i < out.length; i++) {
    const x = (i * 2) / 3;
    const k = Math.floor(x);
    const a = pcm[k]!;
    const b = k + 1 < pcm.length ? pcm[k + 1]! : a;
    out[i] = Math.round(a + (b - a) * (x - k));
  }
  return out;
}

/** What a protocol caller sends on one transport: where, with which headers, and how audio is framed. */
export interface CallerWire {
  url: string;
  protocols?: string[];
  headers?: Record<string, string>;
  /** Messages to send once the socket opens. */
  opening(): string[];
  /** One frame of 16 kHz caller audio, encoded for the wire. */
  encode(pcm: Int16Array): string | Buffer;
}

const PATHS: Record<Protocol, string> = {
  browser: '/api/v1/browser/conversation',
  acs: '/api/v1/media/stream',
  realtime: '/v1/realtime',
};

/** The endpoint for `protocol`: `explicit` as given, else the embedded agent's host with the transport's path. */
export function endpointFor(
  protocol: Protocol,
  explicit: string | undefined,
  embeddedAgentWsUrl: string | undefined,
): string {
  if (explicit) return explicit;
  if (!embeddedAgentWsUrl)
    throw new Error(
      'no agent to call: set PROTOCOL_WS_URL (or WS_URL), or run with playwright.config.ts so the fixtures start the ' +
        'reference agent',
    );
  const url = new URL(embeddedAgentWsUrl);
  url.pathname = PATHS[protocol];
  return url.toString();
}

/**
 * The three transports as the Locust suite and real phone bridges speak them:
 * browser conversation (binary PCM16 frames), ACS media (AudioMetadata, then
 * AudioData JSON with base64 PCM16; the call id in a header and the query),
 * Realtime (session.update, then input_audio_buffer.append at 24 kHz).
 */
export function callerWire(protocol: Protocol, endpoint: string, sessionId: string, scenario: string): CallerWire {
  const url = new URL(endpoint);
  switch (protocol) {
    case 'acs':
      url.searchParams.set('call_connection_id', sessionId);
      url.searchParams.set('scenario', scenario);
      return {
        url: url.toString(),
        headers: { 'x-ms-call-connection-id': sessionId },
        opening: () => [
          JSON.stringify({
            kind: 'AudioMetadata',
            audioMetadata: { subscriptionId: sessionId, encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
          }),
        ],
        encode: (pcm) =>
          JSON.stringify({
            kind: 'AudioData',
            audioData: {
              timestamp: new Date().toISOString(),
              participantRawID: `8:acs:${sessionId}`,
              data: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64'),
              silent: false,
            },
          }),
      };
    case 'realtime':
      url.searchParams.set('session_id', sessionId);
      url.searchParams.set('scenario', scenario);
      return {
        url: url.toString(),
        protocols: ['realtime', 'openai-beta.realtime-v1'],
        opening: () => [
          JSON.stringify({
            type: 'session.update',
            session: {
              input_audio_format: 'pcm16',
              output_audio_format: 'pcm16',
              turn_detection: { type: 'server_vad' },
            },
          }),
        ],
        encode: (pcm) => {
          const pcm24 = upsample16to24(pcm);
          return JSON.stringify({
            type: 'input_audio_buffer.append',
            audio: Buffer.from(pcm24.buffer, pcm24.byteOffset, pcm24.byteLength).toString('base64'),
          });
        },
      };
    default:
      url.searchParams.set('session_id', sessionId);
      url.searchParams.set('streaming_mode', 'realtime');
      url.searchParams.set('scenario', scenario);
      return {
        url: url.toString(),
        opening: () => [],
        encode: (pcm) => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      };
  }
}
