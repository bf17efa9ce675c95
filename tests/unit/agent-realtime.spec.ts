import { expect, test } from '@playwright/test';
import { expectLoggedAtSend } from '../helpers/ground-truth';
import { watchHost } from '../helpers/host-share';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import { measureSpeechBounds } from '../../harness/audio/vad';
import { RecordingClient, callerSpeech, realtimeAppend, stream, to24k } from '../../bench/agent-clients';

/** Conformance of the realtime transport (OpenAI Realtime beta/GA, Azure Voice Live) with real ws clients. */

let agent: AgentServer | undefined;
test.afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const BROWSER_PROTOCOLS = ['realtime', 'openai-insecure-api-key.sk-test', 'openai-beta.realtime-v1'];
const isDelta = (t: string) => t.endsWith('.delta');

/** Event types with runs of the same delta type collapsed: the order a client sees, minus repetition. */
/** A typed user message, then a request for the response to it (as a client with turn detection off does). */
function askTyped(c: RecordingClient, text: string): void {
  c.sendJson({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });
  c.sendJson({ type: 'response.create' });
}

function shape(types: string[]): string[] {
  return types.filter((t, i) => !(isDelta(t) && types[i - 1] === t));
}

test('beta: echoes the offered subprotocol; one server-VAD turn produces the events in the real order', {
  tag: '@timing',
}, async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 150, stageTimings: true });
  const host = watchHost();
  const c = await RecordingClient.open(
    `${agent.realtimeUrl}?model=gpt-4o-realtime-preview&session_id=rt-beta&scenario=quick_question`,
    { protocols: BROWSER_PROTOCOLS },
  );
  expect(c.ws.protocol).toBe('realtime');
  const created = await c.waitType('session.created', 2000);
  expect(created.json!.session).toMatchObject({
    object: 'realtime.session',
    input_audio_format: 'pcm16',
    turn_detection: { type: 'server_vad' },
  });
  c.sendJson({
    type: 'session.update',
    session: {
      modalities: ['audio', 'text'],
      input_audio_format: 'pcm16',
      input_audio_transcription: { model: 'whisper-1' },
      turn_detection: { type: 'server_vad', silence_duration_ms: 500 },
    },
  });
  await c.waitType('session.updated', 2000);
  await stream(c.ws, to24k(await callerSpeech('Hi there, I have a quick question')), 480, 24000, realtimeAppend);
  await c.waitType('rate_limits.updated', 10000);
  c.close();

  const events = c.messages().filter((m) => !String(m.type).startsWith('session.'));
  const types = events
    .map((m) => String(m.type))
    .filter((t) => t !== 'conversation.item.input_audio_transcription.completed');
  expect(shape(types)).toEqual([
    'input_audio_buffer.speech_started',
    'input_audio_buffer.speech_stopped',
    'input_audio_buffer.committed',
    'conversation.item.created',
    'response.created',
    'response.output_item.added',
    'conversation.item.created',
    'response.content_part.added',
    ...shape(types.filter((t) => isDelta(t))),
    'response.audio.done',
    'response.audio_transcript.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.done',
    'rate_limits.updated',
  ]);
  expect(new Set(types.filter(isDelta))).toEqual(new Set(['response.audio.delta', 'response.audio_transcript.delta']));
  expect(types.indexOf('response.audio.delta')).toBeLessThan(types.indexOf('response.audio_transcript.delta'));
  // Every delta names the response and item announced before it.
  const added = events.find((m) => m.type === 'response.output_item.added')!;
  const itemId = (added.item as { id: string }).id;
  for (const d of events.filter((m) => isDelta(String(m.type))))
    expect(d).toMatchObject({ response_id: added.response_id, item_id: itemId });
  const done = events.find((m) => m.type === 'response.done')!;
  expect(done.response).toMatchObject({
    status: 'completed',
    output: [
      { id: itemId, role: 'assistant', content: [{ type: 'audio', transcript: 'Of course. What is your question?' }] },
    ],
  });
  // With AGENT_STAGE_TIMINGS the stages ride in the response's metadata (string values, as the API allows).
  expect(JSON.parse(String((done.response as { metadata: { stage_timings: string } }).metadata.stage_timings))).toEqual(
    { turn: 1, sttMs: 30, llmFirstTokenMs: 90, ttsFirstAudioMs: 30, toolMs: 0 },
  );
  const transcript = events
    .filter((m) => m.type === 'response.audio_transcript.delta')
    .map((m) => m.delta)
    .join('');
  expect(transcript).toBe('Of course. What is your question?');
  const stt = events.find((m) => m.type === 'conversation.item.input_audio_transcription.completed')!;
  expect(stt.transcript).toBe('Hi there, I have a quick question');
  const stopped = events.find((m) => m.type === 'input_audio_buffer.speech_stopped')!;
  expect(Number(stopped.audio_end_ms)).toBeGreaterThan(Number(events[0]!.audio_start_ms));
  const frame = Buffer.from(String(events.find((m) => m.type === 'response.audio.delta')!.delta), 'base64');
  expect(frame.byteLength).toBe(2400); // 50 ms at 24 kHz PCM16

  const truth = agent.groundTruth('rt-beta')!;
  const firstDelta = c.received.find((r) => r.json?.type === 'response.audio.delta')!;
  const sentToReceivedMs = Math.abs(truth.find((e) => e.event === 'first_frame_sent')!.atMs - firstDelta.atMs);
  expect(sentToReceivedMs).toBeLessThanOrEqual(host.quiet('first delta') ? 5 : 50);
  expect(truth.find((e) => e.event === 'realtime_api')).toMatchObject({ api: 'beta' });
});

test(
  'GA names for a client that offers no beta subprotocol, header or preview API version, with ' +
    'conversation.item.added/done and response.output_audio.*',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
    const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-ga&scenario=quick_question`, {
      protocols: ['realtime', 'openai-insecure-api-key.sk-test'],
    });
    await c.waitType('session.created', 2000);
    c.sendJson({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: 24000 },
            turn_detection: { type: 'server_vad', silence_duration_ms: 400 },
          },
        },
      },
    });
    const updated = await c.waitType('session.updated', 2000);
    expect(updated.json!.session).toMatchObject({
      type: 'realtime',
      audio: { input: { turn_detection: { silence_duration_ms: 400 } } },
    });
    await stream(c.ws, to24k(await callerSpeech('Hi there, I have a quick question')), 480, 24000, realtimeAppend);
    await c.waitType('rate_limits.updated', 10000);
    c.close();
    const types = c.messages().map((m) => String(m.type));
    expect(types).toContain('response.output_audio.delta');
    expect(types).toContain('response.output_audio_transcript.delta');
    expect(types).toContain('conversation.item.added');
    expect(types).toContain('conversation.item.done');
    expect(types).not.toContain('response.audio.delta');
    expect(types).not.toContain('conversation.item.created');
    expect(types.indexOf('conversation.item.added')).toBeLessThan(types.indexOf('response.created'));
    expect(
      agent
        .groundTruth('rt-ga')!
        .filter((e) => e.event === 'realtime_api')
        .map((e) => e.api),
    ).toEqual(['ga']);
  },
);

test('GA by configuration: AGENT_REALTIME_API=ga names events GA from the first one', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', realtimeApi: 'ga' });
  const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-ga-cfg`, { protocols: BROWSER_PROTOCOLS });
  const created = await c.waitType('session.created', 2000);
  c.close();
  expect(created.json!.session).toMatchObject({
    type: 'realtime',
    audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } },
  });
});

test('barge-in: speech during a response cancels it (turn_detected); truncate is honoured; the new turn ' +
  'is answered', { tag: '@timing' }, async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-barge&scenario=interruption`, {
    protocols: BROWSER_PROTOCOLS,
  });
  await c.waitType('session.created', 2000);
  askTyped(c, 'Tell me about my coverage options');
  const firstDelta = await c.waitType('response.audio.delta', 5000);
  await new Promise((r) => setTimeout(r, 600));
  await stream(c.ws, to24k(await callerSpeech('Sorry, actually, what is my deductible?')), 480, 24000, realtimeAppend);
  const cancelled = await c.waitFor((r) => r.json?.type === 'response.done', 5000, 0, 'the cancelled response');
  const itemId = String(firstDelta.json!.item_id);
  c.sendJson({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 500 });
  const truncated = await c.waitType('conversation.item.truncated', 2000);
  const second = await c.waitFor(
    (r) => r.json?.type === 'response.done' && r !== cancelled,
    10000,
    0,
    'the second response',
  );
  c.close();

  expect(cancelled.json!.response).toMatchObject({
    status: 'cancelled',
    status_details: { type: 'cancelled', reason: 'turn_detected' },
    output: [{ status: 'incomplete' }],
  });
  const startedIdx = c.received.findIndex((r) => r.json?.type === 'input_audio_buffer.speech_started');
  expect(startedIdx).toBeLessThan(c.received.indexOf(cancelled));
  const lateDeltas = c.received.filter(
    (r) => r.json?.type === 'response.audio.delta' && r.json.item_id === itemId && r.atMs > cancelled.atMs,
  );
  expect(lateDeltas).toHaveLength(0);
  expect(truncated.json).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 500 });
  expect(second.json!.response).toMatchObject({
    status: 'completed',
    output: [{ content: [{ transcript: 'Your deductible is 500 dollars.' }] }],
  });
  const truth = agent.groundTruth('rt-barge')!;
  expectLoggedAtSend(truth.find((e) => e.event === 'stop_sent')!.atMs, cancelled.atMs, 'response.cancelled');
  expect(truth.find((e) => e.event === 'truncate')).toMatchObject({ itemId, audioEndMs: 500 });
});

test(
  'response.cancel stops the response (client_cancelled); cancelling nothing and unknown items are ' + 'errors',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
    const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-cancel&scenario=interruption`, {
      headers: { 'OpenAI-Beta': 'realtime=v1' },
    });
    await c.waitType('session.created', 2000);
    askTyped(c, 'Options?');
    await c.waitType('response.audio.delta', 5000);
    c.sendJson({ type: 'response.create' });
    const busy = await c.waitType('error', 2000);
    c.sendJson({ type: 'response.cancel' });
    const done = await c.waitType('response.done', 2000);
    const from = c.received.length;
    c.sendJson({ type: 'response.cancel', event_id: 'evt_client_1' });
    const notActive = await c.waitType('error', 2000, from);
    c.sendJson({ type: 'conversation.item.truncate', item_id: 'item_nope', content_index: 0, audio_end_ms: 10 });
    const badItem = await c.waitType('error', 2000, c.received.length);
    c.close();
    expect(busy.json!.error).toMatchObject({ code: 'conversation_already_has_active_response' });
    expect(done.json!.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } });
    expect(notActive.json!.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'response_cancel_not_active',
      event_id: 'evt_client_1',
    });
    expect(badItem.json!.error).toMatchObject({ code: 'invalid_value' });
  },
);

test('manual turns: turn_detection null, commit, then response.create; an empty commit is an error', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-manual&scenario=quick_question`);
  await c.waitType('session.created', 2000);
  c.sendJson({ type: 'session.update', session: { turn_detection: null } });
  await c.waitType('session.updated', 2000);
  c.sendJson({ type: 'input_audio_buffer.commit' });
  const empty = await c.waitType('error', 2000);
  await stream(c.ws, to24k(await callerSpeech('Hi there, I have a quick question')), 480, 24000, realtimeAppend);
  const from = c.received.length;
  c.sendJson({ type: 'input_audio_buffer.commit' });
  await c.waitType('input_audio_buffer.committed', 2000, from);
  c.sendJson({ type: 'response.create' });
  const done = await c.waitType('response.done', 10000, from);
  c.close();
  expect(empty.json!.error).toMatchObject({ code: 'input_audio_buffer_commit_empty' });
  expect(c.messages('input_audio_buffer.speech_started')).toHaveLength(0);
  expect(done.json!.response).toMatchObject({
    status: 'completed',
    output: [{ content: [{ transcript: 'Of course. What is your question?' }] }],
  });
});

test('Voice Live: /voice-live/realtime with 16 kHz input and Azure semantic VAD', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(
    `${agent.voiceLiveUrl}?api-version=2025-05-01-preview&model=gpt-4o&session_id=vl-rt&scenario=quick_question`,
  );
  await c.waitType('session.created', 2000);
  c.sendJson({
    type: 'session.update',
    session: {
      input_audio_sampling_rate: 16000,
      turn_detection: { type: 'azure_semantic_vad', silence_duration_ms: 500 },
      voice: { name: 'en-US-AvaNeural', type: 'azure-standard' },
    },
  });
  const updated = await c.waitType('session.updated', 2000);
  expect(updated.json!.session).toMatchObject({
    input_audio_sampling_rate: 16000,
    voice: 'en-US-AvaNeural',
    turn_detection: { type: 'azure_semantic_vad' },
  });
  await stream(c.ws, await callerSpeech('Hi there, I have a quick question'), 320, 16000, realtimeAppend);
  await c.waitType('response.done', 10000);
  c.close();
  expect(c.messages('response.audio.delta').length).toBeGreaterThan(10);
  const started = c.messages('input_audio_buffer.speech_started')[0]!;
  // audio_start_ms is on the caller's own 16 kHz clock: the speech starts after the 200 ms lead.
  expect(Number(started.audio_start_ms)).toBeGreaterThanOrEqual(150);
  expect(Number(started.audio_start_ms)).toBeLessThan(600);
});

test('bad input gets error events and the session carries on', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent' });
  const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-bad`);
  await c.waitType('session.created', 2000);
  c.ws.send('{"type": "session.upd');
  c.sendJson({ type: 'session.teleport' });
  c.ws.send(Buffer.from([0, 1, 2, 3]));
  c.sendJson({ type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3]).toString('base64') });
  c.sendJson({ type: 'session.update', session: { input_audio_format: 'g711_ulaw' } });
  c.sendJson({ no: 'type' });
  c.sendJson({ type: 'session.update', session: { instructions: 'still here' } });
  await c.waitType('session.updated', 2000);
  c.close();
  expect(c.messages('error').map((m) => (m.error as { code: string }).code)).toEqual([
    'invalid_json',
    'invalid_value',
    'binary_not_supported',
    'invalid_value',
    'invalid_value',
    'missing_type',
  ]);
});

test(
  'session.updated echoes what the client set: tools, tool choice, temperature, token cap, voice, ' + 'turn detection',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false });
    const tool = {
      type: 'function',
      name: 'lookup_order',
      description: 'Find an order',
      parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    };
    const beta = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-echo-beta`, {
      protocols: BROWSER_PROTOCOLS,
    });
    await beta.waitType('session.created', 2000);
    const settings = {
      tools: [tool],
      tool_choice: 'required',
      temperature: 0.7,
      max_response_output_tokens: 256,
      voice: 'verse',
      turn_detection: { type: 'server_vad', silence_duration_ms: 700, create_response: false },
    };
    beta.sendJson({ type: 'session.update', session: settings });
    expect((await beta.waitType('session.updated', 2000)).json!.session).toMatchObject(settings);
    // A bad value is refused with an error event naming the field, and the settings stay as they were.
    beta.sendJson({ type: 'session.update', session: { temperature: 3 } });
    expect((await beta.waitType('error', 2000)).json!.error).toMatchObject({ message: /session\.temperature/ });
    const before = beta.received.length;
    beta.sendJson({ type: 'session.update', session: { instructions: 'Be brief.' } });
    expect((await beta.waitType('session.updated', 2000, before)).json!.session).toMatchObject({
      ...settings,
      instructions: 'Be brief.',
    });
    beta.close();

    const ga = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-echo-ga`, { protocols: ['realtime'] });
    await ga.waitType('session.created', 2000);
    ga.sendJson({
      type: 'session.update',
      session: {
        type: 'realtime',
        tools: [tool],
        tool_choice: { type: 'function', name: 'lookup_order' },
        max_output_tokens: 'inf',
      },
    });
    const gaUpdated = (await ga.waitType('session.updated', 2000)).json!.session;
    expect(gaUpdated).toMatchObject({
      tools: [tool],
      tool_choice: { type: 'function', name: 'lookup_order' },
      max_output_tokens: 'inf',
    });
    ga.close();
  },
);

test(
  'the dialect is fixed at connect: a beta client sending a GA-shaped update keeps beta names ' + 'all session',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
    const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-fixed&scenario=quick_question`, {
      protocols: BROWSER_PROTOCOLS,
    });
    await c.waitType('session.created', 2000);
    c.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: null } } } });
    await c.waitType('session.updated', 2000);
    await stream(c.ws, to24k(await callerSpeech('Hi there, I have a quick question')), 480, 24000, realtimeAppend);
    await c.waitType('rate_limits.updated', 10000);
    c.close();
    const types = c.messages().map((m) => String(m.type));
    expect(types).toContain('response.audio.delta');
    expect(types).toContain('conversation.item.created');
    expect(types.filter((t) => /output_audio|conversation\.item\.(added|done)/.test(t))).toEqual([]);
    const truth = agent.groundTruth('rt-fixed')!;
    expect(truth.filter((e) => e.event === 'realtime_api').map((e) => e.api)).toEqual(['beta']);
  },
);

test(
  'server VAD: speech_started carries the onset (audio_start_ms within 30 ms of where the speech ' +
    'starts), then speech_stopped and committed',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 100 });
    const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-onset`, { protocols: BROWSER_PROTOCOLS });
    await c.waitType('session.created', 2000);
    const speech = await callerSpeech('Hi there, I have a quick question', { leadMs: 1300 });
    const bounds = (await measureSpeechBounds(speech))!;
    await stream(c.ws, to24k(speech), 480, 24000, realtimeAppend);
    await c.waitType('input_audio_buffer.committed', 5000);
    c.close();
    const types = c.messages().map((m) => String(m.type));
    const order = ['speech_started', 'speech_stopped', 'committed'].map((t) =>
      types.indexOf(`input_audio_buffer.${t}`),
    );
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    const started = c.messages('input_audio_buffer.speech_started')[0]!;
    expect(Math.abs(Number(started.audio_start_ms) - bounds.speechStartMs)).toBeLessThanOrEqual(30);
    const stopped = c.messages('input_audio_buffer.speech_stopped')[0]!;
    expect(Math.abs(Number(stopped.audio_end_ms) - bounds.speechEndMs)).toBeLessThanOrEqual(30);
  },
);

test(
  'function calling: with the tool declared, the response is a function_call; the client runs it ' + 'and asks again',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 100 });
    const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-tool&scenario=tool_call`, {
      protocols: BROWSER_PROTOCOLS,
    });
    await c.waitType('session.created', 2000);
    const tool = { type: 'function', name: 'lookup_claim', parameters: { type: 'object', properties: {} } };
    c.sendJson({ type: 'session.update', session: { tools: [tool], turn_detection: null } });
    await c.waitType('session.updated', 2000);
    const ask = 'Can you check the status of my claim number 4417?';
    askTyped(c, ask);
    const args = (await c.waitType('response.function_call_arguments.done', 5000)).json!;
    expect(args).toMatchObject({ name: 'lookup_claim', arguments: JSON.stringify({ request: ask }) });
    const first = (await c.waitType('response.done', 2000)).json!.response as Record<string, unknown>;
    expect(first).toMatchObject({ status: 'completed', output: [{ type: 'function_call', call_id: args.call_id }] });
    // The agent waits for the client: no audio until the tool's output and a new response.create arrive.
    await new Promise((r) => setTimeout(r, 500));
    expect(c.messages('response.audio.delta')).toHaveLength(0);
    c.sendJson({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: args.call_id, output: '{"status":"approved"}' },
    });
    const asked = c.received.length;
    c.sendJson({ type: 'response.create' });
    const answer = (await c.waitType('response.done', 10000, asked)).json!.response as Record<string, unknown>;
    expect(answer).toMatchObject({ status: 'completed', output: [{ type: 'message', role: 'assistant' }] });
    c.close();
    const deltas = c.messages('response.function_call_arguments.delta');
    expect(deltas.map((d) => d.delta).join('')).toBe(args.arguments);
    expect(c.messages('response.audio.delta').length).toBeGreaterThan(5);
    const transcript = c.messages('response.audio_transcript.done')[0]!;
    expect(transcript.transcript).toBe('Your claim is approved and the payment was sent yesterday.');
    const truth = agent.groundTruth('rt-tool')!.map((e) => e.event);
    const order = ['tool_call_sent', 'tool_output_received', 'first_frame_sent'].map((e) => truth.indexOf(e));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    // An output for a call nobody made is refused.
    const again = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-tool-2`, {
      protocols: BROWSER_PROTOCOLS,
    });
    await again.waitType('session.created', 2000);
    again.sendJson({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_x', output: '' },
    });
    expect((await again.waitType('error', 2000)).json!.error).toMatchObject({ message: /call_x/ });
    again.close();
  },
);

test('turn_detection.interrupt_response false: speech during a response leaves it playing to its end', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.realtimeUrl}?session_id=rt-no-interrupt&scenario=interruption`, {
    protocols: BROWSER_PROTOCOLS,
  });
  await c.waitType('session.created', 2000);
  c.sendJson({
    type: 'session.update',
    session: { turn_detection: { type: 'server_vad', interrupt_response: false, create_response: false } },
  });
  await c.waitType('session.updated', 2000);
  askTyped(c, 'Tell me about my coverage options');
  await c.waitType('response.audio.delta', 5000);
  await stream(c.ws, to24k(await callerSpeech('Sorry, actually, what is my deductible?')), 480, 24000, realtimeAppend);
  const done = await c.waitType('response.done', 15000);
  // The speech was still heard and committed; with create_response false no answer of its own follows.
  await c.waitType('input_audio_buffer.committed', 5000);
  await new Promise((r) => setTimeout(r, 800));
  c.close();
  expect(done.json!.response).toMatchObject({ status: 'completed' });
  expect(c.messages('input_audio_buffer.speech_started').length).toBeGreaterThan(0);
  expect(c.messages('response.done')).toHaveLength(1);
  expect(agent.groundTruth('rt-no-interrupt')!.some((e) => e.event === 'stop_sent')).toBe(false);
});
