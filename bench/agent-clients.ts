import WebSocket from 'ws';
import { epochMs, sleep } from '../harness/clock';
import { synthesizeWithFlite, type FliteVoice } from '../harness/audio/flite';
import { CALLER_SAMPLE_RATE_HZ, floatToInt16, int16ToFloat, resample } from '../harness/audio/pcm';

/**
 * Real WebSocket clients of the reference agent, shared by its conformance
 * tests and its benchmark: every received message is kept with its epoch-ms
 * arrival time, so what a client observed can be compared with the agent's
 * ground truth on the same clock.
 */
export interface Received {
  atMs: number;
  text?: string;
  binary?: Buffer;
  /** Parsed JSON when the text is JSON. */
  json?: Record<string, unknown>;
}

export interface ClientOptions {
  protocols?: string[];
  headers?: Record<string, string>;
}

export class RecordingClient {
  readonly received: Received[] = [];
  closed?: { code: number; reason: string; atMs: number };
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const atMs = epochMs();
      const buf = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data as ArrayBuffer);
      const r: Received = { atMs };
      if (isBinary) r.binary = buf;
      else {
        r.text = buf.toString('utf8');
        try {
          const v: unknown = JSON.parse(r.text);
          if (v && typeof v === 'object' && !Array.isArray(v)) r.json = v as Record<string, unknown>;
        } catch {
          /* malformed frames are kept as text */
        }
      }
      this.received.push(r);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), atMs: epochMs() };
      this.wake();
    });
    ws.on('error', () => {
      /* reported through 'close' */
    });
  }

  static open(url: string, opts: ClientOptions = {}): Promise<RecordingClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
      const client = new RecordingClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`handshake refused: HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
      ws.once('error', reject);
    });
  }

  /** JSON messages, optionally those whose `type` (or `kind`) is one of `types`. */
  messages(...types: string[]): Array<Record<string, unknown> & { atMs: number }> {
    return this.received
      .filter((r) => r.json && (types.length === 0 || types.includes(String(r.json.type ?? r.json.kind))))
      .map((r) => ({ ...r.json!, atMs: r.atMs }));
  }

  /** Resolves with the first received message (from index `from`) that matches; rejects after timeoutMs. */
  async waitFor(
    match: (r: Received) => boolean,
    timeoutMs: number,
    from = 0,
    what = 'a matching message',
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; got ${this.received.length} messages`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitType(type: string, timeoutMs: number, from = 0): Promise<Received> {
    return this.waitFor((r) => r.json?.type === type || r.json?.kind === type, timeoutMs, from, `"${type}"`);
  }

  async waitClosed(timeoutMs: number): Promise<{ code: number; reason: string; atMs: number }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`socket still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  sendJson(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export type Encoder = (chunk: Int16Array) => string | Buffer;

/** Browser conversation: raw PCM16 binary frames. */
export const binaryPcm: Encoder = (chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
/** ACS media streaming: AudioData JSON with base64 PCM16. */
export const acsAudioData: Encoder = (chunk) =>
  JSON.stringify({
    kind: 'AudioData',
    audioData: {
      timestamp: new Date().toISOString(),
      participantRawID: '8:acs:caller',
      data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
      silent: false,
    },
  });
/** Realtime: input_audio_buffer.append with base64 PCM16. */
export const realtimeAppend: Encoder = (chunk) =>
  JSON.stringify({
    type: 'input_audio_buffer.append',
    audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
  });

/**
 * Sends `samples` in frames of `frameSamples`, paced in real time from the
 * start (frame k at start + k * frame duration). Returns the epoch ms at which
 * each frame was sent.
 */
export async function stream(
  ws: WebSocket,
  samples: Int16Array,
  frameSamples: number,
  rateHz: number,
  encode: Encoder,
): Promise<number[]> {
  const frameMs = (frameSamples * 1000) / rateHz;
  const start = epochMs();
  const sentAt: number[] = [];
  for (let k = 0, off = 0; off < samples.length; k++, off += frameSamples) {
    const wait = start + k * frameMs - epochMs();
    if (wait > 1) await sleep(wait);
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(encode(samples.subarray(off, Math.min(samples.length, off + frameSamples))));
    sentAt.push(epochMs());
  }
  return sentAt;
}

const speechCache = new Map<string, Int16Array>();

/** Caller speech (offline TTS, 16 kHz) framed by silence, and where the speech sits in it. */
export async function callerSpeech(
  text: string,
  opts: { voice?: FliteVoice; leadMs?: number; trailMs?: number } = {},
): Promise<Int16Array> {
  const key = `${opts.voice ?? 'flite-slt'}|${text}`;
  let speech = speechCache.get(key);
  if (!speech) {
    [speech] = await synthesizeWithFlite([{ text, voice: opts.voice ?? 'flite-slt' }]);
    speechCache.set(key, speech!);
  }
  const lead = ((opts.leadMs ?? 200) * CALLER_SAMPLE_RATE_HZ) / 1000;
  const trail = ((opts.trailMs ?? 1000) * CALLER_SAMPLE_RATE_HZ) / 1000;
  const out = new Int16Array(lead + speech!.length + trail);
  out.set(speech!, lead);
  return out;
}

export function silence(ms: number, rateHz = CALLER_SAMPLE_RATE_HZ): Int16Array {
  return new Int16Array(Math.round((ms * rateHz) / 1000));
}

/** Low-level white noise, below what the VAD calls speech (the Locust suite's noise frames). */
export function quietNoise(ms: number, amplitude = 40, rateHz = CALLER_SAMPLE_RATE_HZ, seed = 1): Int16Array {
  const out = new Int16Array(Math.round((ms * rateHz) / 1000));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.round(((s / 4294967296) * 2 - 1) * amplitude);
  }
  return out;
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function to24k(samples16k: Int16Array): Int16Array {
  return floatToInt16(resample(int16ToFloat(samples16k), CALLER_SAMPLE_RATE_HZ, 24000));
}
