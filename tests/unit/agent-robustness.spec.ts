import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { ConfigError } from '../../harness/config/options';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import { loadAgentOptions } from '../../fixtures/agent/options';
import type { GroundTruthLog, TruthEvent } from '../../fixtures/agent/ground-truth';
import type { EngineSink } from '../../fixtures/agent/engine';
import { epochMs } from '../../harness/clock';
import { RecordingClient, binaryPcm, callerSpeech, quietNoise, stream, type Received } from '../../bench/agent-clients';

/** Bad input, abrupt disconnects and bounded state: the agent never crashes and never leaks a session. */

let agent: AgentServer | undefined;
test.afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const isCompleted = (r: Received) =>
  r.json?.type === 'assistant' && (r.json.payload as { status?: string }).status === 'completed';

test(
  'browser transport: odd-length binary is ignored and counted, unknown JSON is ignored, and speech ' +
    'still makes a turn',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 50 });
    const c = await RecordingClient.open(`${agent.wsUrl}?session_id=odd-1&scenario=quick_question`);
    for (let i = 0; i < 20; i++) c.ws.send(Buffer.alloc(641));
    c.sendJson({ type: 'mystery', payload: { x: 1 } });
    c.ws.send(Buffer.alloc(0));
    await stream(c.ws, await callerSpeech('Hi there, I have a quick question'), 320, 16000, binaryPcm);
    await c.waitFor(isCompleted, 10000);
    c.close();
    expect(agent.stats().badInput).toMatchObject({ odd_length: 20 });
    const bad = agent.groundTruth('odd-1')!.filter((e) => e.event === 'bad_input');
    expect(bad).toHaveLength(3); // the first few are written to the ground truth, the rest only counted
  },
);

test('a container format where raw PCM is expected closes 1003; a frame over 1 MiB closes 1009', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false });
  const wav = await RecordingClient.open(`${agent.wsUrl}?session_id=wav-1`);
  wav.ws.send(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40)]));
  expect(await wav.waitClosed(2000)).toMatchObject({ code: 1003, reason: expect.stringMatching(/WAV/) });
  const big = await RecordingClient.open(`${agent.wsUrl}?session_id=big-1`);
  big.ws.send(Buffer.alloc(1024 * 1024 + 2));
  expect((await big.waitClosed(3000)).code).toBe(1009);
  await expect.poll(() => agent!.activeSessions(), { timeout: 2000 }).toBe(0);
  expect(agent.stats().badInput).toMatchObject({ container: 1, frame_too_large: 1 });
  expect(agent.groundTruth('big-1')!.find((e) => e.event === 'socket_error')).toBeTruthy();
});

test('non-JSON text on the browser transport is a typed user message', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, replyDelayMs: 50 });
  const c = await RecordingClient.open(`${agent.wsUrl}?session_id=typed-1`);
  c.ws.send('{"type": "unterminated');
  await c.waitFor(isCompleted, 10000);
  c.close();
  expect((c.messages('user')[0]!.payload as { content: string }).content).toBe('{"type": "unterminated');
});

test('abrupt disconnects mid-reply, mid-handshake and mid-stream: every session and timer is released', async () => {
  agent = await createAgentServer({
    port: 0,
    logLevel: 'silent',
    greeting: true,
    replyDelayMs: 50,
    faults: [{ fault: 'slow_handshake', delayMs: 300, everyNthSession: 5 }],
  });
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const baseline = timers();
  const clients: RecordingClient[] = [];
  for (let i = 0; i < 30; i++) {
    if (i % 5 === 4) {
      // Slow handshake: give up before it completes.
      const ws = new WebSocket(`${agent.wsUrl}?session_id=churn-${i}`);
      ws.on('error', () => {});
      setTimeout(() => ws.terminate(), 20);
      continue;
    }
    const c = await RecordingClient.open(`${agent.wsUrl}?session_id=churn-${i}`);
    clients.push(c);
    void stream(c.ws, quietNoise(2000), 320, 16000, binaryPcm);
  }
  await Promise.all(clients.map((c) => c.waitFor((r) => r.json?.type === 'audio_data', 3000)));
  for (const [i, c] of clients.entries()) {
    if (i % 2) c.ws.terminate();
    else c.close();
  }
  await expect.poll(() => agent!.activeSessions(), { timeout: 3000 }).toBe(0);
  await new Promise((r) => setTimeout(r, 400));
  expect(timers()).toBeLessThanOrEqual(baseline + 1);
  const s = agent.stats();
  expect(s.sessionsOpened).toBe(s.sessionsClosed);
  // Still serving.
  const after = await RecordingClient.open(`${agent.wsUrl}?session_id=after`);
  await after.waitFor((r) => r.json?.type === 'audio_data', 3000);
  after.close();
});

test(
  'ground truth over HTTP: 404 for unknown sessions, bounded to the last N sessions; JSONL files hold ' +
    'the same events',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-truth-'));
    agent = await createAgentServer({
      port: 0,
      logLevel: 'silent',
      greeting: true,
      groundTruthSessions: 3,
      groundTruthDir: dir,
    });
    for (let i = 1; i <= 5; i++) {
      const c = await RecordingClient.open(`${agent.wsUrl}?session_id=gt-${i}`);
      await c.waitFor((r) => r.json?.type === 'audio_data', 2000);
      c.close();
      await c.waitClosed(2000);
    }
    await expect.poll(() => agent!.stats().sessionsClosed, { timeout: 2000 }).toBe(5);
    const list = (await (await fetch(`${agent.url}/api/v1/ground-truth`)).json()) as { sessions: string[] };
    expect(list.sessions).toEqual(['gt-3', 'gt-4', 'gt-5']);
    expect((await fetch(`${agent.url}/api/v1/ground-truth/gt-1`)).status).toBe(404);
    const served = ((await (await fetch(`${agent.url}/api/v1/ground-truth/gt-5`)).json()) as { events: TruthEvent[] })
      .events;
    await agent.close();
    agent = undefined;
    const lines = fs
      .readFileSync(path.join(dir, 'gt-5.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TruthEvent);
    expect(lines).toEqual(served);
    expect(lines.map((e) => e.event)).toEqual(
      expect.arrayContaining(['session_open', 'reply_scheduled', 'first_frame_sent', 'session_close']),
    );
    expect(fs.readdirSync(dir).sort()).toEqual(['gt-1.jsonl', 'gt-2.jsonl', 'gt-3.jsonl', 'gt-4.jsonl', 'gt-5.jsonl']);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);

test('a reconnect with the same session id continues its ground truth as connection 2', async () => {
  agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false });
  for (let i = 0; i < 2; i++) {
    const c = await RecordingClient.open(`${agent.wsUrl}?session_id=again`);
    c.close();
    await c.waitClosed(2000);
  }
  await expect
    .poll(() => agent!.groundTruth('again')!.filter((e) => e.event === 'session_close').length, { timeout: 2000 })
    .toBe(2);
  expect(
    agent
      .groundTruth('again')!
      .filter((e) => e.event === 'session_open')
      .map((e) => e.connection),
  ).toEqual([1, 2]);
});

test('bad options stop the agent with a message naming the variable', () => {
  const bad = (env: Record<string, string>) => () => loadAgentOptions(env);
  expect(bad({ AGENT_PROFILE: 'warp-speed' })).toThrow(ConfigError);
  expect(bad({ AGENT_PROFILE: 'warp-speed' })).toThrow(/AGENT_PROFILE="warp-speed".*fast, typical, degraded/);
  expect(bad({ AGENT_REPLY_DELAY_MS: '-5' })).toThrow(/AGENT_REPLY_DELAY_MS="-5".*integer from 0 to 600000/);
  expect(bad({ AGENT_SEED: 'abc' })).toThrow(/AGENT_SEED/);
  expect(bad({ AGENT_FALSE_ALARM: 'maybe' })).toThrow(/AGENT_FALSE_ALARM.*ignore, resume/);
  expect(bad({ AGENT_FAULTS: '{"fault":"stall"}' })).toThrow(/AGENT_FAULTS/);
  expect(bad({ AGENT_SCENARIOS_FILE: '/nonexistent.json' })).not.toThrow(); // read when the agent starts
  expect(loadAgentOptions({ AGENT_REPLY_DELAY_MS: '250', AGENT_SEED: '9' })).toMatchObject({
    replyDelayMs: 250,
    seed: 9,
    profile: { name: 'fast' },
  });
});

/** A turn engine on the agent's own parts, its wire replaced by `sink` (what a transport would send). */
async function engineWith(sink: Partial<EngineSink>, truth: GroundTruthLog, warn: (line: string) => void = () => {}) {
  const { TurnEngine } = await import('../../fixtures/agent/engine');
  const { loadVoiceBank } = await import('../../fixtures/agent/voice');
  const { ReplyScript } = await import('../../fixtures/agent/script');
  const { FaultPlan } = await import('../../fixtures/agent/faults');
  const { AgentStats } = await import('../../fixtures/agent/stats');
  const { mulberry32: createRng } = await import('../../harness/random');
  const { createVad } = await import('../../harness/audio/vad');
  const opts = loadAgentOptions({}, { logLevel: 'silent', replyDelayMs: 0 });
  const none = () => {};
  return new TurnEngine(
    {
      opts,
      transport: 'browser',
      ordinal: 1,
      scenario: undefined,
      script: new ReplyScript([]),
      voice: await loadVoiceBank('flite-kal16', [], [16000]),
      outputRateHz: 16000,
      frameMs: 50,
      faults: new FaultPlan([]),
      rng: createRng(1),
      truth,
      stats: new AgentStats(),
      vad: await createVad(),
      log: { info: none, warn },
    },
    { frame: none, stop: none, error: none, malformed: none, drop: none, idle: none, close: none, ...sink },
  );
}

test('a transport bug while streaming ends that session with 1011; the agent process carries on', async () => {
  const { GroundTruthStore } = await import('../../fixtures/agent/ground-truth');
  const closes: Array<[number, string]> = [];
  const warnings: string[] = [];
  const engine = await engineWith(
    {
      frame: (_r, _f, index) => {
        if (index === 2) throw new Error('encoder exploded');
      },
      close: (code, reason) => {
        closes.push([code, reason]);
      },
    },
    new GroundTruthStore(10).open('buggy'),
    (l) => warnings.push(l),
  );
  engine.greet();
  await expect.poll(() => closes.length, { timeout: 2000 }).toBe(1);
  expect(closes[0]).toEqual([1011, 'internal error']);
  expect(warnings[0]).toMatch(/encoder exploded/);
  expect(engine.busy).toBe(false);
});

test('stop_sent is dated before the stop goes out, so no client can read the stop before its logged time', async () => {
  const { GroundTruthLog } = await import('../../fixtures/agent/ground-truth');
  const events: TruthEvent[] = [];
  let frames = 0;
  let stopStartedAtMs = Number.NaN;
  const engine = await engineWith(
    {
      frame: () => {
        frames++;
      },
      // A send that takes 20 ms (a full socket buffer): the log must not date the stop at its end.
      stop: () => {
        stopStartedAtMs = epochMs();
        while (epochMs() - stopStartedAtMs < 20) {}
      },
    },
    new GroundTruthLog('stop-dating', 1, (e) => events.push(e)),
  );
  engine.greet();
  await expect.poll(() => frames, { timeout: 5000 }).toBeGreaterThan(2);
  expect(engine.cancel()).toBe(true);
  const stop = events.find((e) => e.event === 'stop_sent')!;
  expect(stop).toMatchObject({ reason: 'client_cancel' });
  expect(stop.atMs).toBeLessThanOrEqual(stopStartedAtMs);
  engine.close();
});
