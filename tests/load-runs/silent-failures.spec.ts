import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import { genericClient, serveClientVariants, type VariantServer } from '../helpers/client-variants';
import { latency, ROOT, runLoad } from '../helpers/run-load';

/**
 * Failures that used to pass unseen, and spans that used to hold time that
 * was not theirs: each run here builds one such call with real parts.
 */

let agent: AgentServer | undefined;
let pages: VariantServer | undefined;
test.afterEach(async () => {
  await pages?.close();
  await agent?.close();
  pages = undefined;
  agent = undefined;
});

async function agentAndPages(): Promise<{ agent: AgentServer; pages: VariantServer }> {
  agent = await createAgentServer({ port: 0, logLevel: 'silent' });
  pages = await serveClientVariants();
  return { agent, pages };
}

test('a client that plays nothing fails its turn as ttfa/silent: table, failures.csv, verdict', async () => {
  const { agent, pages } = await agentAndPages();
  const run = await runLoad({
    ...genericClient(pages.pageUrl('muted', agent.wsUrl), true),
    WS_URL: agent.wsUrl,
    CALLS: '1',
    SCENARIOS: 'quick_question',
    EVIDENCE: 'off',
  });
  const [call] = run.calls;
  expect(call!.ok, run.output.slice(-2000)).toBe(false);
  expect(call!.failure).toMatchObject({ code: 'ttfa/silent' });
  expect(call!.failure!.message).toContain('turn 1: the client played nothing audible');
  expect(call!.turns[0]!.error).toContain('the caller heard nothing');
  expect(run.summary.metrics['ttfa/silent']).toEqual({ kind: 'counter', count: 1 });
  expect(latency(run.summary, 'ttfa/01')).toMatchObject({ count: 0, fails: 1 });
  expect(run.summary.metrics['success/turn']).toMatchObject({ count: 1, successes: 0, pct: 0 });
  expect(run.summary.verdict).toBe('fail');
  expect(run.code).not.toBe(0);
  expect(run.output).toMatch(/ttfa\/silent\s+1\s+-\s+-\s+-\s+-\s+-\s+-\s+1/);
  const failures = fs.readFileSync(path.join(run.reportDir, 'failures.csv'), 'utf8');
  expect(failures).toContain('counter,ttfa/silent,ttfa/silent,1');
  expect(failures).toContain('call,ttfa/silent,"ttfa/silent: turn 1: the client played nothing audible');
});

test('a greeting the profile expects and never hears fails call/greeting and counts greeting/missing', async () => {
  const run = await runLoad({
    AGENT_GREETING: 'false',
    CALLS: '1',
    SCENARIOS: 'quick_question',
    TURNS_PER_USER: '1',
    FIRST_BYTE_TIMEOUT_SEC: '3',
    EVIDENCE: 'off',
  });
  const [call] = run.calls;
  expect(call!.failure, run.output.slice(-2000)).toMatchObject({ code: 'greeting/missing' });
  expect(call!.failure!.message).toContain('no greeting within 3000 ms of the socket opening');
  expect(call!.failure!.message).toContain('CLIENT_GREETING=false');
  // The turns are still measured: the call fails after them.
  expect(latency(run.summary, 'ttfb/01').count).toBe(1);
  expect(latency(run.summary, 'call/greeting')).toMatchObject({ count: 0, fails: 1 });
  expect(run.summary.metrics['greeting/missing']).toEqual({ kind: 'counter', count: 1 });
  expect(run.output).toMatch(/greeting\/missing\s+1\s+-\s+-\s+-\s+-\s+-\s+-\s+1/);
  expect(run.output).toContain('CLIENT_GREETING=false');
});

test("the harness's own set-up (a long caller track) is reported apart and never fails the connect", async () => {
  // quick_question's first turn followed by 8 minutes of silence: seconds of loading into the page.
  const src = path.join(ROOT, 'tests', 'data', 'audio', 'neural-jenny-quick');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'long-track-'));
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const first = fs.readdirSync(dir).find((f) => f.startsWith('quick-question-turn-1') && f.endsWith('.pcm'))!;
  fs.appendFileSync(path.join(dir, first), Buffer.alloc(8 * 60 * 16000 * 2));
  const run = await runLoad({
    PCM_DIR: dir,
    SCENARIOS: 'quick_question',
    TURNS_PER_USER: '1',
    CALLS: '1',
    CONNECT_TIMEOUT_SEC: '4',
    EVIDENCE: 'off',
  });
  const harness = latency(run.summary, 'harness/setup');
  const setup = latency(run.summary, 'call/setup');
  console.log(`harness/setup ${harness.maxMs} ms, call/setup ${setup.maxMs} ms`);
  expect(run.calls[0]!.failure, run.output.slice(-2000)).toBeUndefined();
  expect(harness.count).toBe(1);
  expect(harness.minMs).toBeGreaterThan(1000);
  // What is left is the client's own set-up: the page load, the click and the handshake.
  expect(setup.maxMs).toBeLessThan(harness.minMs);
  expect(setup.maxMs).toBeLessThan(4000);
});

test('a client that busies its main thread after creating the socket: ws/connect stays near the agent accept, ' +
  'the stall is ws/open_stall', { tag: '@timing' }, async () => {
  const { agent, pages } = await agentAndPages();
  const run = await runLoad({
    ...genericClient(pages.pageUrl('stall', agent.wsUrl), true),
    WS_URL: agent.wsUrl,
    CALLS: '1',
    SCENARIOS: 'quick_question',
    TURNS_PER_USER: '1',
    EVIDENCE: 'off',
  });
  const [call] = run.calls;
  expect(call!.ok, run.output.slice(-2000)).toBe(true);
  const truth = agent.groundTruth(call!.sessionId!) ?? [];
  const accepted = truth.find((e) => e.event === 'session_open')?.atMs;
  expect(accepted, 'the agent logged the session open').toBeDefined();
  expect(pages.created).toHaveLength(1);
  const acceptMs = accepted! - pages.created[0]!;
  const connect = latency(run.summary, 'ws/connect');
  const stall = latency(run.summary, 'ws/open_stall');
  console.log(`accept ${acceptMs.toFixed(1)} ms, ws/connect ${connect.maxMs} ms, ws/open_stall ${stall.maxMs} ms`);
  // The page busied itself 400 ms; the handshake took a few ms of it.
  expect(stall.count).toBe(1);
  expect(stall.minMs).toBeGreaterThanOrEqual(300);
  expect(Math.abs(connect.maxMs - acceptMs)).toBeLessThan(60);
  expect(latency(run.summary, 'call/greeting').maxMs).toBeLessThan(300);
});

test('a client pointed at a dead port: the failure names its URL, its console error is in the evidence', async () => {
  pages = await serveClientVariants();
  const dead = 'ws://127.0.0.1:1/api/v1/browser/conversation';
  const run = await runLoad({ ...genericClient(pages.pageUrl('errors', dead), true), CALLS: '1', WS_URL: dead });
  const [call] = run.calls;
  expect(call!.failure, run.output.slice(-2000)).toMatchObject({ code: 'ws/error' });
  expect(call!.failure!.message).toContain('the call socket failed before opening (close code 1006)');
  expect(call!.failure!.message).toContain(`— ${dead}?session_id=`);
  const dir = path.join(run.reportDir, 'evidence', call!.callId.replace(/[^\w.-]/g, '_'));
  const timeline = JSON.parse(fs.readFileSync(path.join(dir, 'timeline.json'), 'utf8')) as {
    console: Array<{ kind: string; text: string }>;
  };
  expect(timeline.console).toContainEqual(
    expect.objectContaining({ kind: 'console-error', text: 'variant client: the settings service is unreachable' }),
  );
  // Chromium's own console line for the failed handshake names the socket too.
  expect(timeline.console.some((c) => c.kind === 'console-error' && c.text.includes('ws://127.0.0.1:1/'))).toBe(true);
});
