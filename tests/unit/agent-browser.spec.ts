import { expect, test } from '@playwright/test';
import { measureSpeechBounds } from '../../harness/audio/vad';
import { classifyBrowserConversation } from '../../harness/protocol/browser-conversation';
import { expectLoggedAtSend } from '../helpers/ground-truth';
import { watchHost } from '../helpers/host-share';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import type { TruthEvent } from '../../fixtures/agent/ground-truth';
import { REPLIES } from '../../fixtures/agent/voice';
import { LOUD_THRESHOLD_DBFS } from '../../fixtures/agent/last-loud';
import {
  RecordingClient,
  binaryPcm,
  callerSpeech,
  concat,
  quietNoise,
  silence,
  stream,
  type Received,
} from '../../bench/agent-clients';
import { synthesizeWithFlite } from '../../harness/audio/flite';

/**
 * Conformance of the browser conversation transport (docs/design.md#browser-conversation-transport) with real ws
 * clients.
 */

// The 5 ms ground-truth checks share one Node process between agent and client
// on a machine shared with other work: one retry; a real regression fails both.
test.describe.configure({ retries: 1 });

let agent: AgentServer | undefined;
test.afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const isAudio = (r: Received) => r.json?.type === 'audio_data';
const payload = (r: Received) => (r.json?.payload ?? {}) as Record<string, unknown>;
const isCompleted = (r: Received) => r.json?.type === 'assistant' && payload(r).status === 'completed';

async function truthOf(sessionId: string): Promise<TruthEvent[]> {
  const res = await fetch(`${agent!.url}/api/v1/ground-truth/${sessionId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: TruthEvent[] }).events;
}

/** Splits received audio frames into utterances at frame_index 0. */
function utterances(c: RecordingClient): Received[][] {
  const out: Received[][] = [];
  for (const r of c.received.filter(isAudio)) {
    if (r.json!.frame_index === 0) out.push([]);
    out.at(-1)?.push(r);
  }
  return out;
}

test('Locust-style call: AudioMetadata first, 640-byte frames, every message type in order; ground truth ' +
  'dated at each send, before the client received it', { tag: '@timing' }, async () => {
  agent = await createAgentServer({ port: 0, stageTimings: true, logLevel: 'silent' });
  const host = watchHost();
  const c = await RecordingClient.open(
    `${agent.wsUrl}?session_id=locust-1&streaming_mode=realtime&scenario=quick_question&user_email=a@example.com`,
  );
  c.sendJson({
    kind: 'AudioMetadata',
    audioMetadata: { subscriptionId: 'sub', encoding: 'PCM', sampleRate: 16000, channels: 1, length: 640 },
  });
  await c.waitFor((r) => isAudio(r) && r.json!.is_final === true, 15000, 0, 'the end of the greeting');
  await stream(c.ws, await callerSpeech('Hi there, I have a quick question'), 320, 16000, binaryPcm);
  await c.waitFor(isCompleted, 10000, 0, 'the completed reply');
  c.close();

  const first = c.received[0]!.json!;
  expect(first).toMatchObject({
    type: 'event',
    session_id: 'locust-1',
    user_id: 'a@example.com',
    payload: { event_type: 'speech_cascade_connected' },
  });
  for (const key of ['type', 'topic', 'session_id', 'call_id', 'user_id', 'sender', 'ts', 'payload', 'speaker_id'])
    expect(first).toHaveProperty(key);
  expect(c.received[1]!.json).toMatchObject({ type: 'assistant', payload: { streaming: false } });
  // The server sends JSON text only, never binary frames.
  expect(c.received.every((r) => r.binary === undefined && r.json !== undefined)).toBe(true);

  const [greeting, reply] = utterances(c);
  for (const u of [greeting!, reply!]) {
    expect(u.map((r) => r.json!.frame_index)).toEqual(u.map((_, i) => i));
    expect(u.map((r) => r.json!.is_final)).toEqual(u.map((_, i) => i === u.length - 1));
    expect(u[0]!.json).toMatchObject({ sample_rate: 48000, total_frames: 0 });
    expect(Buffer.from(String(u[1]!.json!.data), 'base64').byteLength).toBe(4800);
  }

  const order = (pred: (r: Received) => boolean) => c.received.findIndex(pred);
  const partial = order((r) => payload(r).event_type === 'stt_partial');
  const user = order((r) => payload(r).type === 'user');
  const streaming = order((r) => r.json?.type === 'assistant_streaming');
  const timings = order((r) => payload(r).event_type === 'stage_timings');
  const replyStart = c.received.indexOf(reply![0]!);
  const done = order(isCompleted);
  expect(partial).toBeGreaterThan(0);
  expect([partial, user, streaming, timings, replyStart, done]).toEqual(
    [partial, user, streaming, timings, replyStart, done].sort((a, b) => a - b),
  );
  expect(timings).toBe(replyStart - 1);
  expect(payload(c.received[user]!).content).toBe('Hi there, I have a quick question');
  expect(payload(c.received[done]!).content).toBe('Of course. What is your question?');
  // The harness's own classifier reads these messages as intended.
  expect(classifyBrowserConversation(reply![0]!.text)).toMatchObject({ kind: 'audio', frameIndex: 0 });
  expect(classifyBrowserConversation(c.received[done]!.text)).toMatchObject({ kind: 'response-end' });
  expect(classifyBrowserConversation(c.received[user]!.text)).toMatchObject({ kind: 'transcript', role: 'user' });

  const truth = await truthOf('locust-1');
  const ev = (name: string, reply: number) => truth.find((e) => e.event === name && e.reply === reply)!;
  const data = (payload(c.received[timings]!).data ?? {}) as Record<string, number>;
  const scheduled = ev('reply_scheduled', 2);
  expect(data).toEqual({
    turn: 1,
    sttMs: scheduled.sttMs,
    llmFirstTokenMs: scheduled.llmFirstTokenMs,
    ttsFirstAudioMs: scheduled.ttsFirstAudioMs,
    toolMs: 0,
  });
  expect(truth.find((e) => e.event === 'audio_metadata')).toBeTruthy();
  // Ground truth vs what the client observed, same clock, loopback.
  expectLoggedAtSend(ev('first_frame_sent', 1).atMs, greeting![0]!.atMs, 'greeting first frame');
  expectLoggedAtSend(ev('first_frame_sent', 2).atMs, reply![0]!.atMs, 'reply first frame');
  expectLoggedAtSend(ev('last_frame_sent', 2).atMs, reply!.at(-1)!.atMs, 'reply last frame');
  // The send call's length beside its date: this client runs on the agent's thread, so it handles the frame only
  // after the call returned (0.01 ms: the log's rounding).
  const firstSent = ev('first_frame_sent', 2);
  expect(firstSent.sendCallMs).toBeGreaterThanOrEqual(0);
  expect(firstSent.atMs + (firstSent.sendCallMs as number)).toBeLessThanOrEqual(reply![0]!.atMs + 0.01);
  const end = truth.find((e) => e.event === 'speech_end')!;
  const stages = ['stt_final', 'llm_first_token', 'tts_first_audio', 'first_frame_sent'].map(
    (name) => ev(name, 2).atMs,
  );
  expect(stages).toEqual([...stages].sort((a, b) => a - b));
  // The stages add up: first frame = speech end detected + stt + llm + tts (timer slack only, or what a host that
  // took the CPU held the timers).
  const planned = end.atMs + data.sttMs! + data.llmFirstTokenMs! + data.ttsFirstAudioMs!;
  expect(ev('first_frame_sent', 2).atMs - planned).toBeGreaterThanOrEqual(-1);
  expect(ev('first_frame_sent', 2).atMs - planned).toBeLessThan(host.quiet('reply stages') ? 25 : 100);
});

test('1024-byte speech frames make a turn; 3200-byte noise frames never do', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=frames-1&scenario=quick_question`);
  await stream(c.ws, quietNoise(3000), 1600, 16000, binaryPcm);
  await new Promise((r) => setTimeout(r, 700));
  expect(c.messages('user')).toHaveLength(0);
  expect(c.received.filter(isAudio)).toHaveLength(0);
  await stream(c.ws, await callerSpeech('Hi there, I have a quick question'), 512, 16000, binaryPcm);
  await c.waitFor(isCompleted, 10000, 0, 'the completed reply');
  expect((c.messages('user')[0]!.payload as Record<string, unknown>).content).toBe('Hi there, I have a quick question');
  const truth = await truthOf('frames-1');
  expect(truth.filter((e) => e.event === 'speech_end')).toHaveLength(1);
});

/** Speech onset in a streamed signal, as epoch ms of the frame that carried it. */
async function onsetSentAt(signal: Int16Array, sentAt: number[], frameSamples: number): Promise<number> {
  const bounds = (await measureSpeechBounds(signal))!;
  return sentAt[Math.floor((bounds.speechStartMs * 16) / frameSamples)]!;
}

test('barge-in: caller speech during a reply stops it with audio_stop within the reaction time, and the ' +
  'new turn gets its reply', { tag: '@timing' }, async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 200 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=barge-1&scenario=interruption`);
  c.ws.send('Can you tell me about all of my coverage options?'); // typed: a turn without speech
  const firstFrame = await c.waitFor(isAudio, 5000);
  await new Promise((r) => setTimeout(r, 1000));
  const barge = concat(await callerSpeech('Sorry, actually, what is my deductible?', { leadMs: 100 }));
  const sentAt = await stream(c.ws, barge, 320, 16000, binaryPcm);
  const stop = await c.waitFor((r) => r.json?.type === 'control', 5000, 0, 'the stop message');
  const done = await c.waitFor(isCompleted, 10000, 0, 'the completed reply');
  c.close();

  expect(stop.json).toEqual({ type: 'control', action: 'audio_stop', reason: 'barge_in' });
  const onset = await onsetSentAt(barge, sentAt, 320);
  // Default false-alarm handling waits for max(AGENT_BARGE_IN_MS, AGENT_MIN_SPEECH_MS) = 200 ms of speech.
  expect(stop.atMs - onset).toBeGreaterThan(150);
  expect(stop.atMs - onset).toBeLessThan(450);
  // No frame of the interrupted utterance after the stop; the next utterance restarts at frame_index 0.
  const after = c.received.filter((r) => isAudio(r) && r.atMs > stop.atMs);
  expect(after[0]!.json!.frame_index).toBe(0);
  expect(firstFrame.json!.frame_index).toBe(0);
  expect(payload(done).content).toBe('Your deductible is 500 dollars.');

  const truth = await truthOf('barge-1');
  const stopSent = truth.find((e) => e.event === 'stop_sent')!;
  expectLoggedAtSend(stopSent.atMs, stop.atMs, 'audio_stop');
  const bargeIn = truth.find((e) => e.event === 'barge_in')!;
  expect(bargeIn.voicedMs).toBeGreaterThanOrEqual(200);
  const lastBefore = c.received.filter((r) => isAudio(r) && r.atMs < stop.atMs).at(-1)!;
  const lastSent = truth.find((e) => e.event === 'last_frame_sent' && e.reply === 1)!;
  expectLoggedAtSend(lastSent.atMs, lastBefore.atMs, 'last frame before the stop');
  expect(lastSent.final).toBe(false);
});

/** 80 ms of voiced sound: WebRTC VAD holds ~100 ms more, still short of the 200 ms minimum speech. */
async function burst(): Promise<Int16Array> {
  const [speech] = await synthesizeWithFlite([{ text: 'Hmm.', voice: 'flite-rms' }]);
  const bounds = (await measureSpeechBounds(speech!))!;
  const start = bounds.speechStartMs * 16;
  return concat(silence(100), speech!.subarray(start, start + 80 * 16), silence(900));
}

test('false alarm (AGENT_FALSE_ALARM=ignore, the default): a short burst never stops the reply', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=fa-ignore&scenario=false_alarm`);
  c.ws.send('How do I file a claim online?');
  await c.waitFor(isAudio, 5000);
  await new Promise((r) => setTimeout(r, 800));
  await stream(c.ws, await burst(), 320, 16000, binaryPcm);
  await c.waitFor(isCompleted, 15000, 0, 'the completed reply');
  c.close();
  expect(c.messages('control')).toHaveLength(0);
  expect(utterances(c)).toHaveLength(1);
  const truth = await truthOf('fa-ignore');
  expect(truth.filter((e) => e.event === 'noise')).toHaveLength(1);
  expect(truth.filter((e) => e.event === 'speech_end')).toHaveLength(0);
});

test(
  'false alarm (AGENT_FALSE_ALARM=resume): the reply stops, then resumes where it stopped at ' +
    'frame_index 0 and completes',
  async () => {
    agent = await createAgentServer({
      port: 0,
      greeting: false,
      logLevel: 'silent',
      replyDelayMs: 100,
      falseAlarm: 'resume',
      bargeInMs: 60,
    });
    const c = await RecordingClient.open(`${agent.wsUrl}?session_id=fa-resume&scenario=false_alarm`);
    c.ws.send('How do I file a claim online?');
    await c.waitFor(isAudio, 5000);
    await new Promise((r) => setTimeout(r, 800));
    await stream(c.ws, await burst(), 320, 16000, binaryPcm);
    await c.waitFor(isCompleted, 15000, 0, 'the completed reply');
    c.close();
    expect(c.messages('control')).toHaveLength(1);
    const [before, resumed] = utterances(c);
    expect(resumed!.length).toBeGreaterThan(0);
    const truth = await truthOf('fa-resume');
    const resume = truth.find((e) => e.event === 'resume')!;
    expect(resume.fromFrame).toBe(before!.length);
    const full = agent.groundTruth('fa-resume')!.find((e) => e.event === 'reply_scheduled')!;
    expect(full.text).toContain('claims page');
    // Every frame of the reply was played exactly once across the two segments.
    const frames = truth.filter((e) => e.event === 'last_frame_sent').reduce((n, e) => n + Number(e.framesSent), 0);
    expect(frames).toBe(before!.length + resumed!.length);
  },
);

test('voice_live mode: tts_cancelled comes before audio_stop', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(
    `${agent.wsUrl}?session_id=vl-1&streaming_mode=voice_live&scenario=interruption`,
  );
  await c.waitFor(() => true, 2000);
  expect(c.received[0]!.json).toMatchObject({ payload: { event_type: 'voice_live_connected' } });
  c.ws.send('Tell me about my coverage options');
  await c.waitFor(isAudio, 5000);
  await new Promise((r) => setTimeout(r, 500));
  await stream(c.ws, await callerSpeech('Sorry, actually, what is my deductible?'), 320, 16000, binaryPcm);
  await c.waitFor((r) => r.json?.action === 'audio_stop', 5000);
  c.close();
  expect(c.messages('control').map((m) => m.action)).toEqual(['tts_cancelled', 'audio_stop']);
});

test('AGENT_REPLY_DELAY_MS is a fixed total: first reply frame = speech end detected + the delay', {
  tag: '@timing',
}, async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 400 });
  const speech = await callerSpeech('Hi there, I have a quick question');
  const host = watchHost();
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=fixed-1&scenario=quick_question`);
  await stream(c.ws, speech, 320, 16000, binaryPcm);
  const first = await c.waitFor(isAudio, 10000);
  c.close();
  const truth = await truthOf('fixed-1');
  const end = truth.find((e) => e.event === 'speech_end')!;
  // Never early; late by a timer's slack, or by what a host that took the CPU held the timer.
  expect(first.atMs - end.atMs).toBeGreaterThanOrEqual(399);
  expect(first.atMs - end.atMs).toBeLessThan(host.quiet('reply timer') ? 420 : 500);
  expect(truth.find((e) => e.event === 'reply_scheduled')).toMatchObject({
    profile: 'fixed',
    sttMs: 80,
    llmFirstTokenMs: 240,
    ttsFirstAudioMs: 80,
  });
});

test('a tool-call turn waits on its slow tool before the reply', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 100 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=tool-1&scenario=tool_call`);
  const typedAt = Date.now();
  c.ws.send('Can you check the status of my claim number 4417?');
  const done = await c.waitFor(isCompleted, 15000);
  c.close();
  expect(payload(done).content).toBe('Your claim is approved and the payment was sent yesterday.');
  const truth = await truthOf('tool-1');
  const start = truth.find((e) => e.event === 'tool_start')!;
  const end = truth.find((e) => e.event === 'tool_end')!;
  expect(start).toMatchObject({ name: 'lookup_claim', delayMs: 3000 });
  // Both ends are timers scheduled from the turn's end: a late first one shortens the gap a little.
  expect(end.atMs - start.atMs).toBeGreaterThanOrEqual(2950);
  // The log's clock (time origin + performance.now()) and Date.now() may differ by under a millisecond.
  expect(truth.find((e) => e.event === 'first_frame_sent')!.atMs - typedAt).toBeGreaterThanOrEqual(3099);
});

test('unknown scenarios get generic replies; typed text is the user transcript', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 50 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=generic-1&scenario=banking`);
  c.ws.send('What is my balance?');
  const done = await c.waitFor(isCompleted, 10000);
  c.close();
  expect(payload(done).content).toBe(REPLIES[0]);
  expect((c.messages('user')[0]!.payload as Record<string, unknown>).content).toBe('What is my balance?');
});

test('an idle session gets session_end IDLE_TIMEOUT, then close 1000', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', idleTimeoutSec: 0.5 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=idle-1`);
  const openedAt = Date.now();
  const closed = await c.waitClosed(3000);
  expect(closed).toMatchObject({ code: 1000, reason: 'IDLE_TIMEOUT' });
  expect(Date.now() - openedAt).toBeGreaterThanOrEqual(450);
  const end = c.messages('session_end')[0]!;
  expect(end.reason).toBe('IDLE_TIMEOUT');
  expect(classifyBrowserConversation(c.received.find((r) => r.json?.type === 'session_end')!.text)).toMatchObject({
    kind: 'session-end',
    reason: 'IDLE_TIMEOUT',
  });
  await expect.poll(() => agent!.activeSessions(), { timeout: 2000 }).toBe(0);
});

test('health and readiness answer like a real backend; both conversation paths accept calls', async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent' });
  expect(await (await fetch(`${agent.url}/api/v1/health`)).json()).toEqual({ status: 'healthy' });
  expect(await (await fetch(`${agent.url}/api/v1/readiness`)).json()).toEqual({ status: 'ready', checks: [] });
  const old = await RecordingClient.open(
    `${agent.url.replace('http', 'ws')}/api/v1/realtime/conversation?session_id=old-path`,
  );
  await old.waitFor((r) => payload(r).event_type === 'speech_cascade_connected', 2000);
  old.close();
  await expect(RecordingClient.open(`${agent.url.replace('http', 'ws')}/nowhere`)).rejects.toThrow(/404/);
});

test(
  'a caller that names its session only in the x-ms-call-connection-id header gets that session, ' + 'on every path',
  async () => {
    agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 50 });
    const headers = (id: string) => ({ headers: { 'x-ms-call-connection-id': id } });
    const browser = await RecordingClient.open(agent.wsUrl, headers('hdr-browser-1'));
    const connected = await browser.waitFor((r) => payload(r).event_type === 'speech_cascade_connected', 5000);
    expect(payload(connected).session_id).toBe('hdr-browser-1');
    browser.ws.send('What is my balance?');
    await browser.waitFor(isCompleted, 10000);
    browser.close();
    const realtime = await RecordingClient.open(agent.realtimeUrl, headers('hdr-realtime-1'));
    await realtime.waitFor((r) => r.json?.type === 'session.created', 5000);
    realtime.close();
    expect(agent.groundTruth('hdr-browser-1')?.some((e) => e.event === 'first_frame_sent')).toBe(true);
    expect(agent.groundTruth('hdr-realtime-1')?.[0]).toMatchObject({ event: 'session_open', transport: 'realtime' });
  },
);

test('speech end at sample resolution: the last sample above -50 dBFS, its position and arrival whatever the framing', {
  tag: '@timing',
}, async () => {
  agent = await createAgentServer({ port: 0, greeting: false, logLevel: 'silent', replyDelayMs: 100 });
  const speech = await callerSpeech('What is my balance?', { leadMs: 300, trailMs: 900 });
  const loud = Math.round(32768 * 10 ** (LOUD_THRESHOLD_DBFS / 20));
  let last = speech.length - 1;
  while (last > 0 && Math.abs(speech[last]!) < loud) last--;
  for (const frameSamples of [320, 512]) {
    const id = `loud-${frameSamples}`;
    const host = watchHost();
    const c = await RecordingClient.open(`${agent.wsUrl}?session_id=${id}`);
    const sentAt = await stream(c.ws, speech, frameSamples, 16000, binaryPcm);
    await c.waitFor(isCompleted, 10000);
    c.close();
    // Transit and timer slack of a few ms while the machine had its CPU; a host that took it holds either for tens.
    const quiet = host.quiet(`${frameSamples}-sample frames`);
    const end = agent.groundTruth(id)!.find((e) => e.event === 'speech_end')!;
    // Position: exact to the sample (the VAD's own end is on 10 ms frames plus its hang-over).
    expect(end.lastLoudStreamMs).toBeCloseTo((last + 1) / 16, 2);
    // Arrival: the frame's send time less the audio after the sample in that frame, within loopback transit.
    const k = Math.floor(last / frameSamples);
    const alone = sentAt[k]! - ((k + 1) * frameSamples - (last + 1)) / 16;
    const arrivalErrorMs = Math.abs(Number(end.lastLoudArrivalMs) - alone);
    expect(arrivalErrorMs, `${frameSamples}-sample frames`).toBeLessThanOrEqual(quiet ? 5 : 50);
    // The audio that decided it came paced, nothing held on its way: on the stream's clock, within a timer's slack.
    expect(end.decidedLateMs).toBeGreaterThanOrEqual(0);
    expect(end.decidedLateMs).toBeLessThan(quiet ? 25 : 100);
  }
});
