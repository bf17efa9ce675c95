import { expect, test } from '@playwright/test';
import { loadHarnessConfig } from '../../harness/config';
import { loadClientProfile, pageUrlFor } from '../../harness/clients/load';
import { parseSteps } from '../../harness/clients/profile';
import { classifyAcs } from '../../harness/protocol/acs';
import { loadMatchers } from '../../harness/protocol/load-matchers';
import { matchFrame } from '../../harness/protocol/matchers';
import { createRealtimeClassifier } from '../../harness/protocol/realtime';
import { createClassifier, detectProtocol, sentAudioMs } from '../../harness/protocol/select';
import { DEFAULT_TOKENS } from '../../harness/protocol/frames';

const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');

test('ACS media: AudioData in any case is 16 kHz audio, StopAudio is the stop', () => {
  expect(classifyAcs(JSON.stringify({ kind: 'AudioData', audioData: { data: b64(1280) } }))).toEqual({
    kind: 'audio',
    frameIndex: null,
    isFinal: false,
    audioBytes: 1280,
    audioMs: 40,
  });
  expect(classifyAcs(JSON.stringify({ Kind: 'audiodata', AudioData: { Data: b64(640) } }))).toMatchObject({
    kind: 'audio',
    audioMs: 20,
  });
  expect(classifyAcs('{"kind":"StopAudio","StopAudio":{}}')).toEqual({ kind: 'stop', action: 'StopAudio' });
  expect(classifyAcs('{"kind":"DtmfData","dtmfData":{}}')).toEqual({ kind: 'other' });
});

test(
  'Realtime: beta and GA deltas are 24 kHz audio; the first after response.created opens a response; ' +
    'cancel is a stop',
  () => {
    const c = createRealtimeClassifier();
    expect(c('{"type":"response.created","response":{"id":"r1"}}')).toEqual({ kind: 'other' });
    expect(c(JSON.stringify({ type: 'response.audio.delta', delta: b64(2400) }))).toEqual({
      kind: 'audio',
      frameIndex: 0,
      isFinal: false,
      audioBytes: 2400,
      audioMs: 50,
    });
    expect(c(JSON.stringify({ type: 'response.output_audio.delta', delta: b64(2400) }))).toMatchObject({
      kind: 'audio',
      frameIndex: 1,
    });
    expect(
      c(
        JSON.stringify({
          type: 'response.done',
          response: { status: 'completed', metadata: { stage_timings: '{"sttMs":61,"llmFirstTokenMs":190}' } },
        }),
      ),
    ).toEqual({ kind: 'response-end', stages: { sttMs: 61, llmFirstTokenMs: 190 } });
    expect(
      c('{"type":"response.done","response":{"status":"cancelled","status_details":{"reason":"turn_detected"}}}'),
    ).toEqual({ kind: 'stop', action: 'response.cancelled' });
    expect(
      c('{"type":"error","error":{"type":"requests","code":"rate_limit_exceeded","message":"Rate limit reached"}}'),
    ).toMatchObject({ kind: 'error', code: 'rate_limit_exceeded', throttle: 'openai' });
    expect(c('{"type":"rate_limits.updated","rate_limits":[]}')).toEqual({ kind: 'other' });
    expect(c('{"type":"response.audio_transcript.done","transcript":"Your balance is 250 dollars."}')).toMatchObject({
      kind: 'transcript',
      role: 'assistant',
      final: true,
    });
  },
);

test('the transport is told from the socket URL, and user field matchers come first', () => {
  expect(detectProtocol('ws://h/api/v1/media/stream?call_connection_id=1')).toBe('acs');
  expect(detectProtocol('wss://h/v1/realtime?model=x')).toBe('realtime');
  expect(detectProtocol('wss://h/voice-live/realtime')).toBe('realtime');
  expect(detectProtocol('ws://h/api/v1/realtime/conversation')).toBe('browser');
  expect(detectProtocol('ws://h/api/v1/browser/conversation')).toBe('browser');
  const rules = loadMatchers(
    '[{"when":{"event":"tts_chunk"},"kind":"audio","data":"payload.pcm","sampleRateHz":24000,"final":"payload.last"},' +
      '{"when":{"event":["done","finished"]},"kind":"response-end"}]',
  );
  const classify = createClassifier('auto', 'ws://h/custom/socket', DEFAULT_TOKENS, rules);
  expect(classify(JSON.stringify({ event: 'tts_chunk', payload: { pcm: b64(4800), last: true } }))).toEqual({
    kind: 'audio',
    frameIndex: null,
    isFinal: true,
    audioBytes: 4800,
    audioMs: 100,
  });
  expect(classify('{"event":"finished"}')).toEqual({ kind: 'response-end' });
  expect(matchFrame(rules, '{"event":"other"}')).toBeNull();
  expect(() => loadMatchers('[{"when":{},"kind":"audio"}]')).toThrow(
    /^PROTOCOL_MATCHERS=.*rule 1: "when" must be an object/,
  );
  expect(() => loadMatchers('[{"when":{"a":1},"kind":"audio"}]')).toThrow(/an audio rule needs "data"/);
});

test("sent audio is measured from each transport's own framing", () => {
  expect(sentAudioMs('browser', new ArrayBuffer(640))).toBe(20);
  expect(sentAudioMs('acs', JSON.stringify({ kind: 'AudioData', audioData: { data: b64(640), silent: false } }))).toBe(
    20,
  );
  expect(sentAudioMs('realtime', JSON.stringify({ type: 'input_audio_buffer.append', audio: b64(960) }))).toBe(20);
  expect(sentAudioMs('browser', '{"type":"stop"}')).toBe(0);
});

test('client profiles: built-ins, generic from the environment, errors that say what is needed', () => {
  expect(parseSteps('button:Start talking to agent; button:Custom Speech Cascade?; text:Connected; wait:250')).toEqual([
    { role: 'button', name: 'Start talking to agent' },
    { role: 'button', name: 'Custom Speech Cascade', optional: true },
    { text: 'Connected' },
    { waitMs: 250 },
  ]);
  const acc = loadClientProfile(
    loadHarnessConfig({
      CLIENT_PROFILE: 'accelerator',
      CLIENT_URL: 'https://agent.example/app',
      PIPELINE: 'voicelive',
    }),
  );
  expect(acc.start[1]).toEqual({ role: 'button', name: 'Voice Live Orchestration', optional: true });
  expect(acc.animationFps).toBe(1);
  expect(() => loadClientProfile(loadHarnessConfig({ CLIENT_PROFILE: 'accelerator' }))).toThrow(
    /^CLIENT_URL=.*accelerator client/,
  );
  expect(() => loadClientProfile(loadHarnessConfig({ CLIENT_PROFILE: 'nonesuch' }))).toThrow(
    /one of generic, reference, reference-acs/,
  );
  const generic = loadClientProfile(
    loadHarnessConfig({
      CLIENT_PROFILE: 'generic',
      CLIENT_URL: 'http://127.0.0.1:3000/',
      CLIENT_START_STEPS: 'button:Call',
      CLIENT_SOCKET_MATCH: '/ws',
    }),
  );
  expect(generic).toMatchObject({
    url: 'http://127.0.0.1:3000/',
    socketUrlIncludes: '/ws',
    start: [{ role: 'button', name: 'Call' }],
  });
  expect(() =>
    loadClientProfile(
      loadHarnessConfig({ CLIENT_PROFILE: 'generic', CLIENT_URL: 'http://x/', CLIENT_START_STEPS: 'click' }),
    ),
  ).toThrow(/^CLIENT_START_STEPS="click"/);
  const ref = loadClientProfile(loadHarnessConfig({ CLIENT_PROFILE: 'reference-realtime' }));
  const url = new URL(
    pageUrlFor(ref, {
      referenceClientUrl: 'http://127.0.0.1:5000/',
      embeddedAgentWsUrl: 'ws://127.0.0.1:6000/api/v1/browser/conversation',
      scenario: 'quick_question',
      pipeline: 'cascade',
    }),
  );
  expect(url.searchParams.get('ws')).toBe('ws://127.0.0.1:6000/v1/realtime');
  expect(url.searchParams.get('transport')).toBe('realtime');
});
