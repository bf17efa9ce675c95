import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { hostTookCpu } from '../../harness/reporter/generator';
import { readTruth } from '../helpers/ground-truth';
import { startOwnBackend, type OwnBackend } from '../helpers/own-backend';
import { runLoad } from '../helpers/run-load';

/**
 * Load runs of a client of "your own": the reference client page served with
 * its socket by a backend started here (not by the fixtures), driven through
 * the generic profile or a JSON profile file, as docs/clients.md#your-own-client
 * describes.
 */
const PATH = '/api/v1/browser/conversation';
let backend: OwnBackend;
let truthDir: string;

test.beforeAll(async () => {
  truthDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-own-'));
  backend = await startOwnBackend(truthDir);
});
test.afterAll(async () => {
  await backend?.close();
});

function profileFile(profile: object): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'profile-')), 'client.json');
  fs.writeFileSync(file, JSON.stringify(profile));
  return file;
}

const generic = (clientUrl: string) => ({
  CLIENT_PROFILE: 'generic',
  CLIENT_URL: clientUrl,
  CLIENT_SOCKET_MATCH: '/conversation',
  SCENARIOS: 'quick_question',
  TURNS_PER_USER: '2',
  CALLS: '1',
});

test('a client whose backend never hears the scenario: task checks are not applicable, not failed', async () => {
  // The page is told no scenario, so its socket carries its own default and the agent answers generically.
  const run = await runLoad(generic(`${backend.url}?transport=browser`));
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const m = run.summary.metrics;
  expect(m['task/not_applicable'], JSON.stringify(m)).toEqual({ kind: 'counter', count: 2 });
  expect(m['task/incomplete']).toBeUndefined();
  expect(m['success/task']).toBeUndefined();
  expect(run.calls[0]!.turns.every((t) => t.task === undefined)).toBe(true);
});

test('the report names the backend the client actually connected to, the profile and the client URL', async () => {
  const clientUrl = `${backend.url}?transport=browser&scenario=quick_question`;
  const run = await runLoad(generic(clientUrl));
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const own = `ws://${new URL(backend.url).host}${PATH}`;
  expect(run.calls[0]!.target).toBe(own);
  expect(run.summary.run).toMatchObject({ target: own, targets: [own], clientProfile: 'generic', clientUrl });
  // With the scenario in its socket URL the backend knows it: the task check applies.
  expect(run.summary.metrics['success/task']).toMatchObject({ count: 2, successes: 2 });
});

test('WS_URL names one backend and the client connects to another: a warning before the first turn', async () => {
  // The same agent under another host name: WS_URL and the client's socket disagree.
  const wsUrl = `ws://localhost:${new URL(backend.url).port}${PATH}`;
  const run = await runLoad({ ...generic(`${backend.url}?transport=browser`), WS_URL: wsUrl });
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const own = `ws://${new URL(backend.url).host}${PATH}`;
  expect(run.summary.run.target).toBe(own);
  expect(run.summary.run.warnings).toHaveLength(1);
  expect(run.summary.run.warnings![0]).toContain(`WS_URL=${wsUrl}, but the client connected to ${own}`);
  expect(run.output).toContain(`WARNING: WS_URL=${wsUrl}, but the client connected to ${own}`);
});

test('a relative call socket URL still gives the call its session id, the one the agent logged', async () => {
  const run = await runLoad(generic(`${backend.url}?transport=browser&scenario=quick_question&ws=${PATH}`));
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const call = run.calls[0]!;
  expect(call.sessionId).toMatch(/^session_/);
  expect(readTruth(truthDir, call.sessionId!).find((e) => e.event === 'session_open')).toBeDefined();
  expect(call.target).toBe(`ws://${new URL(backend.url).host}${PATH}`);
});

test("a profile's socketQuery takes the call's scenario and session id to the backend", async () => {
  // The page itself knows no scenario; the profile adds it, and a run-unique session id, to the socket URL.
  const profile = profileFile({
    name: 'own-client',
    url: `${backend.url}?transport=browser`,
    socketUrlIncludes: '/conversation',
    start: [{ role: 'button', name: 'Start talking to agent' }],
    end: [{ role: 'button', name: 'End conversation with agent', optional: true }],
    greeting: true,
    socketQuery: { scenario: '{scenario}', session_id: '{sessionId}' },
  });
  const run = await runLoad({ CLIENT_PROFILE: profile, SCENARIOS: 'quick_question', TURNS_PER_USER: '2', CALLS: '1' });
  expect(run.code, run.output.slice(-2000)).toBe(0);
  const call = run.calls[0]!;
  expect(call.sessionId).toMatch(/^call-0001-[0-9a-f]{8}$/);
  const open = readTruth(truthDir, call.sessionId!).find((e) => e.event === 'session_open');
  expect(open, `no agent session ${call.sessionId}`).toMatchObject({ scenario: 'quick_question' });
  expect(run.summary.metrics['success/task']).toMatchObject({ count: 2, successes: 2 });
  expect(run.summary.run.clientProfile).toBe(profile);
});

test('a batch of protocol callers whose calls failed is a failed test naming them, with run-unique ids', async () => {
  // Nothing listens on port 1: every protocol call fails to connect.
  const run = await runLoad({
    PROTOCOL_CALLS: '2',
    PROTOCOL_WS_URL: 'ws://127.0.0.1:1/calls',
    ...generic(`${backend.url}?transport=browser&scenario=quick_question`),
    TURNS_PER_USER: '1',
  });
  const proto = run.calls.filter((c) => c.group === 'protocol');
  expect(proto.map((c) => c.ok)).toEqual([false, false]);
  for (const c of proto) expect(c.callId).toMatch(/^proto-[0-9a-f]{8}-0000[12]$/);
  expect(run.output).toMatch(/✘.*protocol calls 1-2/);
  expect(run.output).toContain('2 of 2 protocol calls failed');
  for (const c of proto) expect(run.output).toContain(c.callId);
});

/**
 * Holds the page's audio from half a second into the caller's first turn: every frame leaves 400 ms late until a
 * second of quiet after the turn, then 400 ms of audio is dropped and the sends are back on time (an audio path held
 * once, that resynchronized in the next silence). Frames are PCM16, loud above a tenth of full scale.
 */
const HOLD_ONCE = `(() => {
  const send = WebSocket.prototype.send;
  const HOLD_MS = 400;
  let loud = 0;
  let quiet = 0;
  let state = 'normal';
  let dropped = 0;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' || state === 'done') return send.call(this, data);
    const pcm = ArrayBuffer.isView(data)
      ? new Int16Array(data.buffer, data.byteOffset, data.byteLength >> 1)
      : new Int16Array(data, 0, data.byteLength >> 1);
    let peak = 0;
    for (const v of pcm) peak = Math.max(peak, Math.abs(v));
    if (state === 'normal') {
      if (peak > 3277 && ++loud === 25) state = 'held';
      else return send.call(this, data);
    }
    if (state === 'held') {
      quiet = peak < 300 ? quiet + 1 : 0;
      if (quiet < 50) return void setTimeout(() => this.readyState === 1 && send.call(this, data), HOLD_MS);
      state = 'resync';
    }
    dropped += (pcm.length / 16000) * 1000;
    if (dropped >= HOLD_MS) state = 'done';
  };
})();`;

test('a client that holds the caller audio mid-turn: the turn says how long, the run names the client', async () => {
  // A fixed reply delay: drawn stages (median 300 ms, p95 near 600) can differ between two turns by more than
  // the margin this test leaves under the 400 ms hold.
  const held = await startOwnBackend(truthDir, { pageScript: HOLD_ONCE, agent: { replyDelayMs: 300 } });
  try {
    const run = await runLoad(generic(`${held.url}?transport=browser&scenario=quick_question`));
    // A client's own delay, as a user's browser would have it: reported, not a saturated machine.
    expect(run.code, run.output.slice(-2000)).toBe(0);
    const [t1, t2] = run.calls[0]!.turns;
    expect(t1!.sendHoldMs, JSON.stringify(run.calls[0]!.turns)).toBeGreaterThan(300);
    expect(t1!.sendHoldMs).toBeLessThan(600);
    // The agent heard each turn's end that much later: the ttfbs differ by the holds, within the VAD's alignment.
    expect(t1!.ttfbMs! - t2!.ttfbMs!).toBeGreaterThan(t1!.sendHoldMs! - (t2!.sendHoldMs ?? 0) - 150);
    const g = run.summary.generator!;
    const hold = /caller audio held back over 50 ms .* 1 of 1 call/;
    if (hostTookCpu(g)) {
      // The host of this virtual machine took CPU: the machine was short (it can hold a turn's audio of its own,
      // 71 ms once), and a page sign is then the machine's.
      test.info().annotations.push({ type: 'steal', description: `host took ${g.cpuStealPctP95}% (p95)` });
      expect([g.saturated, g.heavyClient]).toEqual([true, false]);
      expect(g.reasons.join('; ')).toMatch(hold);
    } else {
      expect(t2!.sendHoldMs ?? 0).toBeLessThan(50);
      // The pacing reads a schedule that moved once as a new start: only the hold shows it.
      expect(g.pacingLatenessP99Ms).toBeLessThan(40);
      expect(g.heldTurns).toMatchObject({ turns: 1, duringStartup: 0 });
      expect([g.saturated, g.heavyClient]).toEqual([false, true]);
      expect(g.heavyClientReasons!.join('; ')).toMatch(hold);
    }
  } finally {
    await held.close();
  }
});
