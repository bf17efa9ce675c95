import { expect, test } from '@playwright/test';
import { ConfigError } from '../../harness/config/options';
import { classifyBrowserConversation } from '../../harness/protocol/browser-conversation';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import type { AgentOverrides } from '../../fixtures/agent/options';
import { APOLOGY } from '../../fixtures/agent/voice';
import { RecordingClient, acsAudioData, callerSpeech, stream, type Received } from '../../bench/agent-clients';

/** Every injected fault, as a client sees it and as the ground truth records it. */

let agent: AgentServer | undefined;
test.afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const isAudio = (r: Received) => r.json?.type === 'audio_data';
const isCompleted = (r: Received) =>
  r.json?.type === 'assistant' && (r.json.payload as { status?: string }).status === 'completed';

async function start(overrides: AgentOverrides): Promise<AgentServer> {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 50, ...overrides });
  return agent;
}

function faultsIn(sessionId: string) {
  return agent!.groundTruth(sessionId)!.filter((e) => e.event === 'fault');
}

test(
  "throttling in the cascade's own words: OpenAI 429 and Speech quota as status errors the harness " + 'classifies',
  async () => {
    await start({
      faults: [
        { fault: 'throttle', service: 'openai', turns: [1] },
        { fault: 'throttle', service: 'stt', turns: [2] },
        { fault: 'throttle', service: 'tts', turns: [3] },
      ],
    });
    const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=thr-1`);
    for (let turn = 1; turn <= 3; turn++) {
      const from = c.received.length;
      c.ws.send(`question ${turn}`);
      await c.waitFor((r) => r.json?.type === 'status', 3000, from, `the error of turn ${turn}`);
    }
    const from = c.received.length;
    c.ws.send('question 4');
    await c.waitFor(isCompleted, 10000, from, 'the fourth reply');
    c.close();
    const errors = c.received.filter((r) => r.json?.type === 'status').map((r) => classifyBrowserConversation(r.text));
    expect(errors).toMatchObject([
      { kind: 'error', code: '429', throttle: 'openai' },
      { kind: 'error', throttle: 'speech' },
      { kind: 'error', throttle: 'speech' },
    ]);
    expect(String((c.messages('status')[0]!.payload as Record<string, unknown>).statusCaption)).toMatch(
      /^Error code: 429 - RateLimitExceeded/,
    );
    // No reply audio for the throttled turns: the only utterance is turn 4's.
    expect(c.received.filter((r) => isAudio(r) && r.json!.frame_index === 0)).toHaveLength(1);
    expect(faultsIn('thr-1').map((e) => [e.fault, e.service, e.turn])).toEqual([
      ['throttle', 'openai', 1],
      ['throttle', 'stt', 2],
      ['throttle', 'tts', 3],
    ]);
    expect(agent!.stats().faults).toMatchObject({ throttle: 3 });
  },
);

test('voice_live throttling is an ErrorData message', async () => {
  await start({ faults: [{ fault: 'throttle', probability: 1 }] });
  const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=thr-vl&streaming_mode=voice_live`);
  c.ws.send('hello');
  const err = await c.waitType('ErrorData', 3000);
  c.close();
  expect(err.json).toMatchObject({ kind: 'ErrorData', errorData: { code: '429' } });
  expect(classifyBrowserConversation(err.text)).toMatchObject({ kind: 'error', code: '429', throttle: 'openai' });
});

test(
  'realtime throttling: an error event with rate_limit_exceeded, a failed response and rate limits at ' + 'zero',
  async () => {
    await start({ faults: [{ fault: 'throttle', turns: [1], transports: ['realtime'] }] });
    const c = await RecordingClient.open(`${agent!.realtimeUrl}?session_id=thr-rt`, {
      protocols: ['realtime', 'openai-beta.realtime-v1'],
    });
    await c.waitType('session.created', 2000);
    c.sendJson({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    });
    c.sendJson({ type: 'response.create' });
    const limits = await c.waitType('rate_limits.updated', 3000);
    c.close();
    expect(c.messages('error')[0]).toMatchObject({
      type: 'error',
      error: { code: 'rate_limit_exceeded', message: expect.stringMatching(/Rate limit/) },
    });
    expect(c.messages('response.done')[0]!.response).toMatchObject({
      status: 'failed',
      status_details: { error: { code: 'rate_limit_exceeded' } },
    });
    expect((limits.json!.rate_limits as Array<{ remaining: number }>)[0]!.remaining).toBe(0);
    expect(faultsIn('thr-rt')).toHaveLength(1);
  },
);

test('ACS throttling: a phone caller hears an apology', async () => {
  await start({ faults: [{ fault: 'throttle', turns: [1] }] });
  const c = await RecordingClient.open(`${agent!.acsUrl}?call_connection_id=thr-acs`);
  c.sendJson({
    kind: 'AudioMetadata',
    audioMetadata: { encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
  });
  await stream(c.ws, await callerSpeech('What are your opening hours on Saturday?'), 320, 16000, acsAudioData);
  await c.waitType('AudioData', 5000);
  c.close();
  const truth = agent!.groundTruth('thr-acs')!;
  expect(truth.find((e) => e.event === 'reply_scheduled' && e.kind === 'apology')).toMatchObject({ text: APOLOGY });
  expect(truth.find((e) => e.event === 'fault')).toMatchObject({ fault: 'throttle', service: 'openai', turn: 1 });
});

test("capacity exhaustion closes the socket with 1013 and the transport's reason", async () => {
  await start({
    faults: [
      { fault: 'capacity', service: 'tts', sessions: [1] },
      { fault: 'capacity', service: 'stt', sessions: [2] },
    ],
  });
  const tts = await RecordingClient.open(`${agent!.wsUrl}?session_id=cap-tts`);
  tts.ws.send('hello');
  expect(await tts.waitClosed(3000)).toMatchObject({ code: 1013, reason: 'TTS capacity unavailable' });
  const stt = await RecordingClient.open(`${agent!.wsUrl}?session_id=cap-stt`);
  stt.ws.send('hello');
  expect(await stt.waitClosed(3000)).toMatchObject({ code: 1013, reason: 'STT capacity unavailable' });
  expect(faultsIn('cap-tts')).toMatchObject([{ fault: 'capacity', service: 'tts' }]);
  expect(faultsIn('cap-stt')).toMatchObject([{ fault: 'capacity', service: 'stt' }]);
  expect(agent!.groundTruth('cap-tts')!.find((e) => e.event === 'close_sent')).toMatchObject({ code: 1013 });
});

test('refused handshakes: a refuse fault and the connection cap answer HTTP 503', async () => {
  await start({ faults: [{ fault: 'refuse', sessions: [1] }] });
  await expect(RecordingClient.open(`${agent!.wsUrl}?session_id=refused-1`)).rejects.toMatchObject({ status: 503 });
  const ok = await RecordingClient.open(`${agent!.wsUrl}?session_id=refused-2`);
  ok.close();
  expect(faultsIn('refused-1')).toMatchObject([{ fault: 'refuse', status: 503 }]);
  await agent!.close();

  await start({ maxSessions: 1 });
  const first = await RecordingClient.open(`${agent!.wsUrl}?session_id=cap-a`);
  await expect(RecordingClient.open(`${agent!.wsUrl}?session_id=cap-b`)).rejects.toMatchObject({ status: 503 });
  first.close();
  await first.waitClosed(2000);
  await expect.poll(() => agent!.activeSessions(), { timeout: 2000 }).toBe(0);
  const third = await RecordingClient.open(`${agent!.wsUrl}?session_id=cap-c`);
  third.close();
  expect(faultsIn('cap-b')).toMatchObject([{ fault: 'connection_cap', status: 503, activeSessions: 1 }]);
});

test('socket drop mid-response: the client sees an abnormal close after some reply frames', async () => {
  await start({ faults: [{ fault: 'drop', turns: [1], afterFrames: 5 }] });
  const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=drop-1`);
  c.ws.send('hello');
  const closed = await c.waitClosed(5000);
  expect(closed.code).toBe(1006);
  expect(c.received.filter(isAudio)).toHaveLength(5);
  expect(agent!.groundTruth('drop-1')!.find((e) => e.event === 'drop')).toMatchObject({ frame: 5 });
  await expect.poll(() => agent!.activeSessions(), { timeout: 2000 }).toBe(0);
});

test('stall: a turn gets no reply, and the session still answers the next one', async () => {
  await start({ faults: [{ fault: 'stall', turns: [1] }] });
  const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=stall-1`);
  c.ws.send('first');
  await new Promise((r) => setTimeout(r, 1500));
  expect(c.received.filter(isAudio)).toHaveLength(0);
  expect(c.messages('user')).toHaveLength(1); // speech-to-text worked; the model never answered
  c.ws.send('second');
  await c.waitFor(isCompleted, 10000);
  c.close();
  const truth = agent!.groundTruth('stall-1')!;
  expect(truth.find((e) => e.event === 'stall')).toMatchObject({ turn: 1 });
  expect(truth.find((e) => e.event === 'reply_cancelled')).toMatchObject({ turn: 1 });
});

test('malformed frame: one unparseable text frame mid-response, then the reply carries on', async () => {
  await start({ faults: [{ fault: 'malformed', turns: [1], afterFrames: 3 }] });
  const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=bad-frame`);
  c.ws.send('hello');
  await c.waitFor(isCompleted, 10000);
  c.close();
  const broken = c.received.filter((r) => r.json === undefined);
  expect(broken).toHaveLength(1);
  expect(() => JSON.parse(broken[0]!.text!)).toThrow();
  const index = c.received.indexOf(broken[0]!);
  expect(c.received[index - 1]!.json).toMatchObject({ type: 'audio_data', frame_index: 2 });
  expect(c.received[index + 1]!.json).toMatchObject({ type: 'audio_data', frame_index: 3 });
  expect(agent!.groundTruth('bad-frame')!.find((e) => e.event === 'malformed_sent')).toMatchObject({ frame: 3 });
});

test('slow handshake: the upgrade is held for the configured time', { tag: '@timing' }, async () => {
  await start({ faults: [{ fault: 'slow_handshake', delayMs: 800, sessions: [1] }] });
  const t0 = Date.now();
  const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=slow-1`);
  const slowMs = Date.now() - t0;
  c.close();
  const t1 = Date.now();
  const d = await RecordingClient.open(`${agent!.wsUrl}?session_id=slow-2`);
  const fastMs = Date.now() - t1;
  d.close();
  expect(slowMs).toBeGreaterThanOrEqual(790);
  expect(fastMs).toBeLessThan(300);
  expect(faultsIn('slow-1')).toMatchObject([{ fault: 'slow_handshake', delayMs: 800 }]);
});

test('faults by probability follow the seed: same seed, same turns; about the configured share', async () => {
  const throttled = async (seed: number) => {
    await start({ seed, faults: [{ fault: 'throttle', probability: 0.5 }], replyDelayMs: 0 });
    const c = await RecordingClient.open(`${agent!.wsUrl}?session_id=prob-${seed}`);
    for (let i = 0; i < 40; i++) c.ws.send(`q${i}`);
    await expect
      .poll(() => agent!.groundTruth(`prob-${seed}`)!.filter((e) => e.event === 'reply_scheduled').length, {
        timeout: 5000,
      })
      .toBe(40);
    c.close();
    const turns = faultsIn(`prob-${seed}`).map((e) => e.turn);
    await agent!.close();
    agent = undefined;
    return turns;
  };
  const a = await throttled(7);
  const b = await throttled(7);
  const other = await throttled(8);
  expect(a).toEqual(b);
  expect(a).not.toEqual(other);
  expect(a.length).toBeGreaterThan(10);
  expect(a.length).toBeLessThan(30);
});

test('bad fault rules stop the agent with a message naming AGENT_FAULTS', async () => {
  const attempt = (faults: string) => createAgentServer({ port: 0, logLevel: 'silent', faults });
  await expect(attempt('[{"fault":"explode","probability":1}]')).rejects.toThrow(ConfigError);
  await expect(attempt('[{"fault":"explode","probability":1}]')).rejects.toThrow(
    /AGENT_FAULTS.*"fault" must be one of throttle/,
  );
  await expect(attempt('[{"fault":"drop"}]')).rejects.toThrow(/give "probability" or a schedule/);
  await expect(attempt('[{"fault":"refuse","turns":[1]}]')).rejects.toThrow(/acts on the handshake/);
  await expect(attempt('/nonexistent/faults.json')).rejects.toThrow(/AGENT_FAULTS/);
});
