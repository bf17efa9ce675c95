import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as sdk from 'microsoft-cognitiveservices-speech-sdk';
import { AzureSpeechError, type SsmlSynthesizer, type SynthesizerFactory } from '../../harness/audio/azure';
import { loadCallerTracks } from '../../harness/audio/cache';
import { synthesizeWithFlite } from '../../harness/audio/flite';
import { ensureCallerAudio, type GenerateOptions } from '../../harness/audio/generate';
import { readManifest } from '../../harness/audio/manifest';
import { builtInScenarios, pickScenarios } from '../../harness/audio/scenarios';
import { spellDigits } from '../../harness/audio/text';
import { ROOT } from '../helpers/run-load';
import { tempDir } from '../helpers/audio-signals';

/**
 * Azure cannot be reached from here, so the SDK's synthesizer is replaced by a
 * fake that answers exactly as the SDK does in Node: results built with the
 * SDK's own classes, and refusals reported the way its websocket adapter
 * reports them (close code 1006 with the HTTP status in the text).
 */
const KEY = 'k3y-SECRET-0123456789abcdef';
const JENNY = 'en-US-JennyMultilingualNeural';
const credentials = { key: KEY, region: 'westus2' };
const scenarios = pickScenarios(builtInScenarios(), ['insurance_inquiry']);
const texts = scenarios[0]!.turns.slice(0, 3).map((t) => t.text);

type Answer = 'ok' | '429' | '401' | 'network';
const REFUSAL: Record<Exclude<Answer, 'ok'>, string> = {
  429:
    'Unable to contact server. StatusCode: 1006,\n                    ' +
    'wss://westus2.tts.speech.microsoft.com/tts/cognitiveservices/websocket/v1 Reason:  Unexpected server response: ' +
    '429',
  // Echoes the key, as a careless proxy might: it must still never reach a file or a message.
  401:
    `Unable to contact server. StatusCode: 1006,\n ` +
    `wss://westus2.tts.speech.microsoft.com/tts/cognitiveservices/websocket/v1?Ocp-Apim-Subscription-Key=${KEY} ` +
    `Reason:  Unexpected server response: 401`,
  network:
    'Unable to contact server. StatusCode: 1006,\n                    ' +
    'wss://westus2.tts.speech.microsoft.com/tts/cognitiveservices/websocket/v1 Reason:  getaddrinfo ENOTFOUND ' +
    'westus2.tts.speech.microsoft.com',
};

/** What the fake service speaks: Flite audio of the SSML's text, so bounds and loading are real. */
let voiceOf: Map<string, Int16Array>;
test.beforeAll(async () => {
  const audio = await synthesizeWithFlite(texts.map((text) => ({ text, voice: 'flite-awb' as const })));
  voiceOf = new Map(texts.map((t, i) => [spellDigits(t), audio[i]!]));
});

interface FakeService {
  factory: SynthesizerFactory;
  requests: string[];
  configs: sdk.SpeechConfig[];
}

function fakeService(answer: (requestNo: number) => Answer): FakeService {
  const service: FakeService = {
    requests: [],
    configs: [],
    factory: () => {
      throw new Error('unset');
    },
  };
  service.factory = (config) => {
    service.configs.push(config);
    const synth: SsmlSynthesizer = {
      speakSsmlAsync(ssml, cb) {
        const n = service.requests.push(ssml);
        setTimeout(() => {
          const a = answer(n);
          if (a === 'ok') {
            const text = /<prosody[^>]*>([^<]*)<\/prosody>/.exec(ssml)![1]!.replace(/&apos;/g, "'");
            const pcm = voiceOf.get(text)!;
            cb(new sdk.SpeechSynthesisResult(`r${n}`, sdk.ResultReason.SynthesizingAudioCompleted, pcm.slice().buffer));
            return;
          }
          const props = new sdk.PropertyCollection();
          props.setProperty(
            'CancellationErrorCode',
            sdk.CancellationErrorCode[sdk.CancellationErrorCode.ConnectionFailure],
          );
          cb(new sdk.SpeechSynthesisResult(`r${n}`, sdk.ResultReason.Canceled, undefined, REFUSAL[a], props));
        }, 2);
      },
      close(cb) {
        cb?.();
      },
    };
    return synth;
  };
  return service;
}

async function generate(service: FakeService, engine: 'auto' | 'azure', extra: Partial<GenerateOptions> = {}) {
  const dir = extra.dir ?? tempDir('audio-azure');
  const notices: string[] = [];
  const progress: string[] = [];
  const sleeps: number[] = [];
  const run = ensureCallerAudio({
    dir,
    scenarios,
    voices: [JENNY],
    maxTurns: 3,
    engine,
    azure: {
      credentials,
      factory: service.factory,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      retryDelayMs: 500,
      throttleRetries: 2,
    },
    onNotice: (l) => notices.push(l),
    onProgress: (p) => progress.push(JSON.stringify(p)),
    ...extra,
  });
  const result = await run.catch((e: Error) => e);
  return { dir, result, notices, progress, sleeps };
}

/** Every byte the run left behind, plus its messages: none may hold the key. */
function expectNoKey(dir: string, messages: string[]) {
  for (const name of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, name)).includes(KEY), name).toBe(false);
  for (const m of messages) expect(m).not.toContain(KEY);
}

test(
  'success: raw 16 kHz PCM in the asked voice, SSML with prosody and spelled digits, recorded as ' + 'azure',
  async () => {
    const service = fakeService(() => 'ok');
    const { dir, result } = await generate(service, 'azure');
    expect(result).toMatchObject({ generated: 3, byEngine: { azure: 3, flite: 0 }, fallbacks: 0 });
    const config = service.configs[0]!;
    expect(config.speechSynthesisOutputFormat).toBe(sdk.SpeechSynthesisOutputFormat.Raw16Khz16BitMonoPcm);
    expect(config.speechSynthesisVoiceName).toBe(JENNY);
    expect(config.region).toBe('westus2');
    expect(service.configs).toHaveLength(1); // one connection for the whole run
    expect(service.requests[0]).toContain(`<voice name="${JENNY}">`);
    expect(service.requests[0]).toContain('<mstts:express-as style="chat">');
    expect(service.requests[0]).toMatch(
      /<prosody rate="[+-]\d+%" pitch="[+-]\d+%">Hello, my name is Alice Brown, my social is one two three four/,
    );
    expect(service.requests[1]).toContain('I&apos;m calling about my auto insurance policy');
    const entries = readManifest(dir);
    expect(entries.map((e) => [e.engine, e.voice, e.caller, e.style])).toEqual(
      Array(3).fill(['azure', JENNY, JENNY, 'chat']),
    );
    const [track] = await loadCallerTracks(dir);
    expect(track!.voice).toBe(JENNY);
    expect(track!.turns.map((t) => t.turnIndex)).toEqual([1, 2, 3]);
  },
);

test(
  '429: retried with back-off, then an error with --engine azure, or the offline engine per file with ' + 'auto',
  async () => {
    const strict = await generate(
      fakeService(() => '429'),
      'azure',
    );
    expect(strict.result).toBeInstanceOf(AzureSpeechError);
    const err = strict.result as AzureSpeechError;
    expect(err.kind).toBe('throttled');
    expect(err.message).toMatch(
      new RegExp(
        'Azure Speech throttled the request \\(HTTP 429 Too Many Requests\\) ' +
          'for en-US-JennyMultilingualNeural after 3 attempts',
      ),
    );
    expect(strict.sleeps).toEqual([500, 1000]);
    expect(fs.existsSync(path.join(strict.dir, 'manifest.jsonl'))).toBe(false);

    // Throttled file after file: after three, Azure is not asked again in this run.
    const exhausted = fakeService(() => '429');
    const gaveUp = await generate(exhausted, 'auto', {
      scenarios: pickScenarios(builtInScenarios(), ['insurance_inquiry']),
      maxTurns: 5,
    });
    expect(gaveUp.result).toMatchObject({ generated: 5, byEngine: { flite: 5, azure: 0 }, fallbacks: 5 });
    expect(exhausted.requests).toHaveLength(3 * 3);

    // Auto: the second file is throttled every time; the others succeed.
    const service = fakeService((n) => (n >= 2 && n <= 4 ? '429' : 'ok'));
    const auto = await generate(service, 'auto');
    expect(auto.result).toMatchObject({ generated: 3, byEngine: { azure: 2, flite: 1 }, fallbacks: 1 });
    const entries = readManifest(auto.dir).sort((a, b) => a.turn_index - b.turn_index);
    expect(entries.map((e) => e.engine)).toEqual(['azure', 'flite', 'azure']);
    expect(entries[1]).toMatchObject({ caller: JENNY, fallback: 'throttled', style: 'neutral' });
    expect(entries[1]!.voice).toMatch(/^flite-/);
    expect(auto.notices).toHaveLength(1);
    expect(auto.notices[0]).toMatch(/throttled.*the offline engine speaks in its place/);
    // Still one caller: the stand-in file plays in the Azure voice's track, in turn order.
    const tracks = await loadCallerTracks(auto.dir);
    expect(tracks.map((t) => [t.voice, t.turns.map((x) => x.turnIndex)])).toEqual([[JENNY, [1, 2, 3]]]);
  },
);

test('401: a clear credentials error, and no further requests once Azure has refused the key', async () => {
  const strict = await generate(
    fakeService(() => '401'),
    'azure',
  );
  expect((strict.result as AzureSpeechError).kind).toBe('auth');
  expect((strict.result as Error).message).toMatch(
    new RegExp(
      'Azure Speech rejected the credentials \\(HTTP 401\\/403\\)' +
        '.*check AZURE_SPEECH_KEY, and that AZURE_SPEECH_REGION="westus2"',
    ),
  );
  expectNoKey(strict.dir, [(strict.result as Error).message, ...strict.notices]);

  const service = fakeService(() => '401');
  const auto = await generate(service, 'auto');
  expect(auto.result).toMatchObject({ generated: 3, byEngine: { azure: 0, flite: 3 }, fallbacks: 3 });
  expect(service.requests).toHaveLength(1);
  expect(readManifest(auto.dir).map((e) => e.fallback)).toEqual(['auth', 'auth', 'auth']);
  expectNoKey(auto.dir, [...auto.notices, ...auto.progress]);
});

test(
  'network failure: a clear message, offline stand-ins with auto, and Azure retried (replacing them) ' +
    'once it answers',
  async () => {
    const strict = await generate(
      fakeService(() => 'network'),
      'azure',
    );
    expect((strict.result as AzureSpeechError).kind).toBe('network');
    expect((strict.result as Error).message).toMatch(
      /could not reach Azure Speech in region "westus2" \(network failure\).*ENOTFOUND/,
    );

    const down = fakeService(() => 'network');
    const auto = await generate(down, 'auto');
    expect(auto.result).toMatchObject({ generated: 3, byEngine: { flite: 3, azure: 0 }, fallbacks: 3 });
    expect(down.requests).toHaveLength(2); // two failures in a row: Azure is not asked again in this run
    expect(readManifest(auto.dir).every((e) => e.engine === 'flite' && e.fallback === 'network')).toBe(true);

    const up = fakeService(() => 'ok');
    const again = await generate(up, 'auto', { dir: auto.dir });
    expect(again.result).toMatchObject({ generated: 3, byEngine: { azure: 3, flite: 0 } });
    const entries = readManifest(auto.dir);
    expect(entries.map((e) => e.engine)).toEqual(['azure', 'azure', 'azure']);
    expectNoKey(auto.dir, [...auto.notices, ...again.notices]);
  },
);

test(
  'the real SDK against an unreachable region: an error naming the cause with --engine azure, offline ' +
    'files with auto, no key anywhere',
  () => {
    const dir = tempDir('audio-azure-cli');
    const run = (engine: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(ROOT, 'harness/audio/cli.ts'),
          '--dir',
          dir,
          '--engine',
          engine,
          '--scenarios',
          'simple_query',
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, AZURE_SPEECH_KEY: KEY, AZURE_SPEECH_REGION: 'nosuchregion0' },
        },
      );
    const strict = run('azure');
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/could not reach Azure Speech in region "nosuchregion0" \(network failure\)/);
    const auto = run('auto');
    expect(auto.status, auto.stderr).toBe(0);
    expect(readManifest(dir).map((e) => [e.engine, e.caller, e.fallback])).toEqual([['flite', JENNY, 'network']]);
    expectNoKey(dir, [strict.stdout, strict.stderr, auto.stdout, auto.stderr]);
  },
);
