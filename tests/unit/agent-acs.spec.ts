import { expect, test } from '@playwright/test';
import { expectLoggedAtSend } from '../helpers/ground-truth';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import { RecordingClient, acsAudioData, callerSpeech, stream, to24k, type Received } from '../../bench/agent-clients';

/** Conformance of the ACS media streaming transport with real ws clients. */

let agent: AgentServer | undefined;
test.afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const kindOf = (r: Received) => String(r.json?.kind ?? '');
const metadata = {
  kind: 'AudioMetadata',
  audioMetadata: { subscriptionId: 'sub-1', encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
};

test('AudioMetadata then base64 AudioData frames of 640 bytes: the reply comes back as 1280-byte ' +
  'AudioData frames; the call id names the session', { tag: '@timing' }, async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 150 });
  const c = await RecordingClient.open(`${agent.acsUrl}?call_connection_id=call-42&scenario=simple_query`);
  c.sendJson(metadata);
  const greeting = await c.waitFor((r) => kindOf(r) === 'AudioData', 3000, 0, 'greeting audio');
  // Wait out the greeting (about 3.5 s) so the caller's speech is a turn, not a barge-in.
  await new Promise((r) => setTimeout(r, 4000));
  const before = c.received.length;
  await stream(c.ws, await callerSpeech('What are your opening hours on Saturday?'), 320, 16000, acsAudioData);
  await c.waitFor((r) => kindOf(r) === 'AudioData', 5000, before, 'reply audio');
  await new Promise((r) => setTimeout(r, 1000));
  c.close();

  expect(greeting.json).toEqual({ kind: 'AudioData', audioData: { data: expect.any(String) } });
  const frames = c.received.filter((r) => kindOf(r) === 'AudioData');
  const sizes = frames.map(
    (r) => Buffer.from(String((r.json!.audioData as { data: string }).data), 'base64').byteLength,
  );
  expect(sizes.slice(0, 10).every((n) => n === 1280)).toBe(true);
  expect(c.received.every((r) => r.json !== undefined)).toBe(true);
  const truth = agent.groundTruth('call-42')!;
  expect(truth.find((e) => e.event === 'session_open')).toMatchObject({ transport: 'acs' });
  expect(truth.find((e) => e.event === 'reply_scheduled' && e.turn === 1)).toMatchObject({
    text: 'On Saturday we are open from nine in the morning until one in the afternoon.',
  });
  const first = truth.find((e) => e.event === 'first_frame_sent' && e.turn === 1)!;
  const received = c.received[before + c.received.slice(before).findIndex((r) => kindOf(r) === 'AudioData')]!;
  expectLoggedAtSend(first.atMs, received.atMs, 'first reply frame');
});

test(
  'the call id can come from the x-ms-call-connection-id header; kind and payload keys are ' + 'case-insensitive',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 100 });
    const c = await RecordingClient.open(agent.acsUrl, { headers: { 'x-ms-call-connection-id': 'hdr-call-7' } });
    c.sendJson({
      Kind: 'AUDIOMETADATA',
      AudioMetadata: { SubscriptionId: 's', Encoding: 'PCM', SampleRate: 16000, Channels: 1, Length: 640 },
    });
    const speech = await callerSpeech('What are your opening hours on Saturday?');
    await stream(c.ws, speech, 320, 16000, (chunk) =>
      JSON.stringify({
        kind: 'audiodata',
        AudioData: {
          Timestamp: new Date().toISOString(),
          ParticipantRawID: '4:+15550100',
          Data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
          Silent: false,
        },
      }),
    );
    await c.waitFor((r) => kindOf(r) === 'AudioData', 5000, 0, 'reply audio');
    c.close();
    const truth = agent.groundTruth('hdr-call-7')!;
    expect(truth.find((e) => e.event === 'audio_metadata')).toMatchObject({ sampleRateHz: 16000, length: 640 });
    expect(truth.filter((e) => e.event === 'speech_end')).toHaveLength(1);
  },
);

test('barge-in sends StopAudio and no reply audio follows until the new reply; silent frames without data ' +
  'keep the clock', { tag: '@timing' }, async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: true, replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.acsUrl}?call_connection_id=acs-barge`);
  c.sendJson(metadata);
  await c.waitFor((r) => kindOf(r) === 'AudioData', 3000);
  // Silent frames (no payload) for 300 ms, then speech over the greeting.
  for (let i = 0; i < 15; i++)
    c.sendJson({
      kind: 'AudioData',
      audioData: { timestamp: new Date().toISOString(), participantRawID: 'p', silent: true },
    });
  await stream(
    c.ws,
    await callerSpeech('Sorry, can I ask something else?', { trailMs: 1200 }),
    320,
    16000,
    acsAudioData,
  );
  const stop = await c.waitFor((r) => kindOf(r) === 'StopAudio', 5000, 0, 'StopAudio');
  await c.waitFor((r) => kindOf(r) === 'AudioData' && r.atMs > stop.atMs, 5000, 0, 'the reply after the barge-in');
  c.close();
  expect(stop.json).toEqual({ kind: 'StopAudio', StopAudio: {} });
  const truth = agent.groundTruth('acs-barge')!;
  const speechStart = truth.find((e) => e.event === 'speech_start')!;
  // 15 silent frames of 640 bytes = 300 ms of stream time before the speech's 200 ms lead.
  expect(Number(speechStart.streamMs)).toBeGreaterThanOrEqual(480);
  expectLoggedAtSend(truth.find((e) => e.event === 'stop_sent')!.atMs, stop.atMs, 'StopAudio');
});

test('bad input is ignored with a log line and the call goes on; an unsupported format closes 1003', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.acsUrl}?call_connection_id=acs-bad`);
  c.sendJson(metadata);
  c.ws.send('{not json');
  c.ws.send(Buffer.from([1, 2, 3]));
  c.sendJson({ kind: 'Mystery', mystery: {} });
  c.sendJson({ kind: 'AudioData', audioData: { data: '!!!not base64!!!' } });
  c.sendJson({ kind: 'AudioData', audioData: { data: Buffer.from([1, 2, 3]).toString('base64') } });
  c.sendJson({ kind: 'DtmfData', dtmfData: { data: '5' } });
  await stream(c.ws, await callerSpeech('What are your opening hours on Saturday?'), 320, 16000, acsAudioData);
  await c.waitFor((r) => kindOf(r) === 'AudioData', 5000, 0, 'reply audio');
  c.close();
  const kinds = agent
    .groundTruth('acs-bad')!
    .filter((e) => e.event === 'bad_input')
    .map((e) => e.kind);
  expect(kinds).toEqual(['invalid_json', 'binary', 'unknown_kind', 'bad_base64', 'odd_length']);
  expect(agent.stats().badInput).toMatchObject({
    invalid_json: 1,
    binary: 1,
    unknown_kind: 1,
    bad_base64: 1,
    odd_length: 1,
  });

  const mulaw = await RecordingClient.open(`${agent.acsUrl}?call_connection_id=acs-mulaw`);
  mulaw.sendJson({
    kind: 'AudioMetadata',
    audioMetadata: { encoding: 'MULAW', sampleRate: 8000, channels: 1, length: 160 },
  });
  expect(await mulaw.waitClosed(2000)).toMatchObject({ code: 1003 });
});

test('24 kHz AudioMetadata: audio is resampled for endpointing and the turn is found', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.acsUrl}?call_connection_id=acs-24k`);
  c.sendJson({
    kind: 'AudioMetadata',
    audioMetadata: { encoding: 'PCM', sampleRate: 24000, channels: 1, length: 960 },
  });
  const speech = to24k(await callerSpeech('What are your opening hours on Saturday?'));
  await stream(c.ws, speech, 480, 24000, acsAudioData);
  await c.waitFor((r) => kindOf(r) === 'AudioData', 5000, 0, 'reply audio');
  c.close();
  const end = agent.groundTruth('acs-24k')!.find((e) => e.event === 'speech_end')!;
  // Stream time is kept at 16 kHz: the speech ends near its place in the signal (200 ms lead + ~2.5 s).
  expect(Number(end.endStreamMs)).toBeGreaterThan(2000);
  expect(Number(end.endStreamMs)).toBeLessThan(speech.length / 24);
});
