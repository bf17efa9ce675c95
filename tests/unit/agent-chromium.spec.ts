import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { chromium, type Browser } from 'playwright';
import { WebSocketServer } from 'ws';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';

/**
 * The realtime subprotocol handshake from a real Chromium page: browsers
 * authenticate by subprotocol, and Chromium fails the handshake unless the
 * server echoes one of the offered ones.
 */

let agent: AgentServer | undefined;
let browser: Browser | undefined;
let page: http.Server | undefined;
test.afterEach(async () => {
  await browser?.close();
  await agent?.close();
  await new Promise<void>((resolve) => (page ? page.close(() => resolve()) : resolve()));
  agent = undefined;
  browser = undefined;
  page = undefined;
});

/** A blank page on http://127.0.0.1 (a secure context), served by the test. */
async function servePage(): Promise<string> {
  if (page) return `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  page = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>realtime handshake</title>'),
  );
  await new Promise<void>((resolve) => page!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
}

interface Outcome {
  opened: boolean;
  protocol: string;
  firstType: string | null;
  closeCode: number | null;
}

async function openFromPage(url: string, protocols: string[]): Promise<Outcome> {
  const resolved = resolveChromium();
  browser ??= await chromium.launch({ executablePath: resolved.executablePath, args: CHROMIUM_ARGS });
  const p = await browser.newPage();
  await p.goto(await servePage());
  return p.evaluate(
    ({ url, protocols }) =>
      new Promise<Outcome>((resolve) => {
        const ws = new WebSocket(url, protocols);
        const out: Outcome = { opened: false, protocol: '', firstType: null, closeCode: null };
        ws.onopen = () => {
          out.opened = true;
          out.protocol = ws.protocol;
        };
        ws.onmessage = (e) => {
          out.firstType = JSON.parse(String(e.data)).type;
          ws.close(); // no code: the close frame carries none, so onclose reports 1005
        };
        ws.onclose = (e) => {
          out.closeCode = e.code;
          resolve(out);
        };
      }),
    { url, protocols },
  );
}

test(
  'Chromium opens /v1/realtime and /voice-live/realtime with browser subprotocols; the agent echoes ' + '"realtime"',
  async () => {
    agent = await createAgentServer({ port: 0, logLevel: 'silent' });
    const protocols = ['realtime', 'openai-insecure-api-key.sk-test', 'openai-beta.realtime-v1'];
    const openai = await openFromPage(`${agent.realtimeUrl}?model=gpt-4o-realtime-preview`, protocols);
    expect(openai).toEqual({ opened: true, protocol: 'realtime', firstType: 'session.created', closeCode: 1005 });
    const voiceLive = await openFromPage(`${agent.voiceLiveUrl}?api-version=2025-05-01-preview&model=gpt-4o`, [
      'openai-insecure-api-key.sk-test',
    ]);
    expect(voiceLive).toEqual({
      opened: true,
      protocol: 'openai-insecure-api-key.sk-test',
      firstType: 'session.created',
      closeCode: 1005,
    });
  },
);

test('control: a server that echoes no subprotocol fails the handshake in Chromium', async () => {
  const plain = http.createServer();
  const wss = new WebSocketServer({ server: plain, handleProtocols: () => false });
  wss.on('connection', (ws) => ws.send('{"type":"session.created"}'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    const outcome = await openFromPage(`ws://127.0.0.1:${(plain.address() as AddressInfo).port}/v1/realtime`, [
      'realtime',
    ]);
    expect(outcome.opened).toBe(false);
    expect(outcome.closeCode).toBe(1006);
  } finally {
    wss.close();
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
});
