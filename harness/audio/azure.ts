import { createRequire } from 'node:module';
import type * as Sdk from 'microsoft-cognitiveservices-speech-sdk';
import { parseRawPcm16 } from './pcm';
import { spellDigits } from './text';
import { formatPct, type Prosody } from './voices';

/**
 * Azure neural voices through the Speech SDK: raw 16 kHz 16-bit mono PCM into
 * memory (no speaker). Failures are classified (throttled, auth, network,
 * service) so the generator can report them clearly or fall back per file.
 * The key never leaves this module: every message is scrubbed of it.
 */

let sdkModule: typeof Sdk | undefined;
/**
 * The Speech SDK, loaded on first use: most runs speak offline voices, and loading it costs each process that
 * imports this module (the runner, every worker, the agent, the audio CLI) about 0.25 s of CPU.
 */
function speechSdk(): typeof Sdk {
  sdkModule ??= createRequire(import.meta.url)('microsoft-cognitiveservices-speech-sdk') as typeof Sdk;
  return sdkModule;
}

export interface AzureCredentials {
  key: string;
  region: string;
}

export class AzureConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureConfigError';
  }
}

/** AZURE_SPEECH_KEY + AZURE_SPEECH_REGION, both or neither; null when neither is set. */
export function azureCredentialsFromEnv(
  env: Record<string, string | undefined> = process.env,
): AzureCredentials | null {
  const key = env.AZURE_SPEECH_KEY?.trim() ?? '';
  const region = env.AZURE_SPEECH_REGION?.trim() ?? '';
  if (!key && !region) return null;
  if (!key)
    throw new AzureConfigError(
      'AZURE_SPEECH_REGION is set but AZURE_SPEECH_KEY is not: set both to use Azure voices, or neither for offline ' +
        'voices',
    );
  if (!region)
    throw new AzureConfigError(
      "AZURE_SPEECH_KEY is set but AZURE_SPEECH_REGION is not: set it to the Speech resource's region, e.g. westus2",
    );
  if (!/^[a-z0-9]+$/.test(region))
    throw new AzureConfigError(
      `AZURE_SPEECH_REGION=${JSON.stringify(region)} is not valid: expected a region name such as westus2 (lowercase ` +
        `letters and digits)`,
    );
  return { key, region };
}

/** The part of the SDK's SpeechSynthesizer used here; tests substitute a fake that answers as the SDK does. */
export interface SsmlSynthesizer {
  speakSsmlAsync(ssml: string, cb: (result: Sdk.SpeechSynthesisResult) => void, err: (error: string) => void): void;
  close(cb?: () => void, err?: (error: string) => void): void;
}
export type SynthesizerFactory = (config: Sdk.SpeechConfig) => SsmlSynthesizer;

/** The real SDK synthesizer. A null audio config keeps audio in memory: no speaker device is opened. */
export const sdkSynthesizerFactory: SynthesizerFactory = (config) => {
  const { SpeechSynthesizer } = speechSdk();
  return new SpeechSynthesizer(config, null);
};

export type AzureFailureKind = 'throttled' | 'auth' | 'network' | 'service';

export class AzureSpeechError extends Error {
  constructor(
    readonly kind: AzureFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'AzureSpeechError';
  }
}

export interface AzureRequest {
  text: string;
  voice: string;
  /** mstts:express-as style; 'neutral' sends none. */
  style: string;
  prosody: Prosody;
}

export interface AzureEngineOptions {
  credentials: AzureCredentials;
  factory?: SynthesizerFactory;
  /** No answer within this is a network failure. */
  requestTimeoutMs?: number;
  /** Throttled requests are retried this many times, backing off from retryDelayMs. */
  throttleRetries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function buildSsml(req: AzureRequest): string {
  const lang = req.voice.split('-').slice(0, 2).join('-');
  let body =
    `<prosody rate="${formatPct(req.prosody.ratePct)}" pitch="${formatPct(req.prosody.pitchPct)}">` +
    `${escapeXml(spellDigits(req.text))}</prosody>`;
  if (req.style && req.style !== 'neutral')
    body = `<mstts:express-as style="${escapeXml(req.style)}">${body}</mstts:express-as>`;
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts" ` +
    `xml:lang="${escapeXml(lang)}">` +
    `<voice name="${escapeXml(req.voice)}">${body}</voice></speak>`
  );
}

/**
 * Classifies an SDK cancellation. In Node the SDK reports HTTP refusals as websocket code 1006 with the HTTP status in
 * the text.
 */
export function classifyFailure(details: string, code: Sdk.CancellationErrorCode | undefined): AzureFailureKind {
  const codes = speechSdk().CancellationErrorCode;
  if (code === codes.TooManyRequests || /\b4?429\b|too many requests|throttl/i.test(details)) return 'throttled';
  if (code === codes.AuthenticationFailure || /\b4?40[13]\b|unauthori[sz]ed|forbidden|authentication/i.test(details))
    return 'auth';
  if (
    code === codes.ConnectionFailure ||
    code === codes.ServiceTimeout ||
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|unable to contact/i.test(details)
  )
    return 'network';
  return 'service';
}

export class AzureEngine {
  private synthesizer: SsmlSynthesizer | undefined;
  /** Set after a failure no retry can fix (bad credentials, no route): later requests fail at once. */
  private disabled: AzureSpeechError | undefined;
  private networkFailuresInARow = 0;
  private throttledInARow = 0;
  private readonly factory: SynthesizerFactory;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: AzureEngineOptions) {
    this.factory = opts.factory ?? sdkSynthesizerFactory;
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.retries = opts.throttleRetries ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** 16 kHz mono PCM16 of the request, or an AzureSpeechError. */
  async synthesize(req: AzureRequest): Promise<Int16Array> {
    if (this.disabled) throw this.disabled;
    for (let attempt = 0; ; attempt++) {
      try {
        const samples = await this.once(req);
        this.networkFailuresInARow = 0;
        this.throttledInARow = 0;
        return samples;
      } catch (e) {
        const err =
          e instanceof AzureSpeechError
            ? e
            : new AzureSpeechError('service', this.scrub(`Azure Speech failed: ${(e as Error).message}`));
        this.reset();
        if (err.kind === 'throttled' && attempt < this.retries) {
          await this.sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        if (err.kind === 'auth') this.disabled = err;
        if (err.kind === 'network' && ++this.networkFailuresInARow >= 2) this.disabled = err;
        // Each throttled file already waited through its back-off; three in a row means the quota is gone for now.
        if (err.kind === 'throttled' && ++this.throttledInARow >= 3) this.disabled = err;
        throw err;
      }
    }
  }

  close(): void {
    this.reset();
  }

  private reset(): void {
    const s = this.synthesizer;
    this.synthesizer = undefined;
    try {
      s?.close();
    } catch {
      // Closing a synthesizer whose connection already failed may throw; it is gone either way.
    }
  }

  private once(req: AzureRequest): Promise<Int16Array> {
    this.synthesizer ??= this.factory(this.speechConfig(req.voice));
    const synth = this.synthesizer;
    return new Promise<Int16Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.failure('network', req, `no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      synth.speakSsmlAsync(
        buildSsml(req),
        (result) => {
          clearTimeout(timer);
          const sdk = speechSdk();
          if (result.reason === sdk.ResultReason.SynthesizingAudioCompleted) {
            if (!result.audioData || result.audioData.byteLength === 0) {
              reject(this.failure('service', req, 'the service returned no audio'));
              return;
            }
            try {
              resolve(parseRawPcm16(new Uint8Array(result.audioData), `Azure ${req.voice} audio`));
            } catch (e) {
              reject(this.failure('service', req, (e as Error).message));
            }
            return;
          }
          const details = sdk.CancellationDetails.fromResult(result);
          const text = details.errorDetails || result.errorDetails || sdk.ResultReason[result.reason] || 'cancelled';
          reject(this.failure(classifyFailure(text, details.ErrorCode), req, text));
        },
        (error) => {
          clearTimeout(timer);
          const text = String(error);
          reject(this.failure(classifyFailure(text, undefined), req, text));
        },
      );
    });
  }

  private speechConfig(voice: string): Sdk.SpeechConfig {
    const sdk = speechSdk();
    const config = sdk.SpeechConfig.fromSubscription(this.opts.credentials.key, this.opts.credentials.region);
    config.speechSynthesisVoiceName = voice;
    config.speechSynthesisOutputFormat = sdk.SpeechSynthesisOutputFormat.Raw16Khz16BitMonoPcm;
    return config;
  }

  private failure(kind: AzureFailureKind, req: AzureRequest, detail: string): AzureSpeechError {
    const region = this.opts.credentials.region;
    const why = detail.replace(/\s+/g, ' ').trim();
    const text = {
      throttled:
        `Azure Speech throttled the request (HTTP 429 Too Many Requests) ` +
        `for ${req.voice} after ${this.retries + 1} attempts: ` +
        "the resource's request or concurrency quota is used up; " +
        'wait, generate fewer files at a time, or raise the quota',
      auth:
        `Azure Speech rejected the credentials (HTTP 401/403) for ${req.voice}: check AZURE_SPEECH_KEY, and that ` +
        `AZURE_SPEECH_REGION="${region}" is the resource's region`,
      network:
        `could not reach Azure Speech in region "${region}" (network failure): check the network or proxy, ` +
        `and AZURE_SPEECH_REGION`,
      service: `Azure Speech failed for ${req.voice}`,
    }[kind];
    return new AzureSpeechError(kind, this.scrub(`${text} [${why}]`));
  }

  private scrub(text: string): string {
    return redactSecret(text, this.opts.credentials.key);
  }
}

/** Replaces every occurrence of the secret (and its URL-encoded form) with [redacted]. */
export function redactSecret(text: string, secret: string): string {
  if (!secret) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  return out;
}
