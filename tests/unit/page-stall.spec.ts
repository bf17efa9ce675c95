import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, expect, test } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { pageHarnessScript } from '../../harness/page/bundle';
import type { PageEvent } from '../../harness/page/types';
import { CONVERSATION_PAGE_OPTIONS } from '../helpers/page-options';

/**
 * The page dates an agent's first audio when its main thread handles the message. A response-start says how long
 * that thread had been away just before, so a stall that held the message back shows on the turn.
 */

/** One 20 ms frame of silence at 16 kHz, as the browser transport sends audio. */
const FRAME = JSON.stringify({ type: 'audio_data', data: Buffer.alloc(640).toString('base64'), frame_index: 0 });

let browser: Browser;
let server: http.Server;
let wss: WebSocketServer;
let port = 0;
/** How long the page's main thread stays busy over the reply's arrival. */
const BLOCK_MS = 600;
/** How long before the block's end the reply must have left for the block to have held it back. */
const ARRIVAL_MARGIN_MS = 250;
/** Epoch ms the agent sent its last reply. */
let repliedAtMs = 0;

test.beforeAll(async () => {
  browser = await chromium.launch({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>call</p>'));
  wss = new WebSocketServer({ server });
  // The agent answers "speak" with a first audio frame 50 ms later.
  wss.on('connection', (ws) =>
    ws.on('message', () =>
      setTimeout(() => {
        repliedAtMs = Date.now();
        ws.send(FRAME);
      }, 50),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

test.afterAll(async () => {
  await browser?.close();
  wss?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** Asks for a reply as turn 1; `blockMs` > 0 keeps the main thread busy over the moment the reply arrives. */
async function firstAudio(
  blockMs: number,
): Promise<{ start: Extract<PageEvent, { type: 'response-start' }>; blockStartMs: number; blockEndAtMs: number }> {
  const events: PageEvent[] = [];
  const context = await browser.newContext();
  await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => void events.push(event));
  await context.addInitScript({ content: pageHarnessScript(CONVERSATION_PAGE_OPTIONS) });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const [blockStartMs, blockEndAtMs] = await page.evaluate(
    ([url, blockMs]) =>
      new Promise<[number, number]>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => {
          window.__harness!.expectResponse(1);
          ws.send('speak');
          // Busy from now on, over the reply's arrival 50 ms later (a loaded test process can send it late).
          const startMs = performance.now();
          const endMs = startMs + blockMs;
          while (performance.now() < endMs);
          setTimeout(() => resolve([startMs, performance.timeOrigin + endMs]), 150 + 200);
        };
      }),
    [`ws://127.0.0.1:${port}/conversation`, blockMs] as const,
  );
  await context.close();
  const start = events.find((e) => e.type === 'response-start');
  if (start?.type !== 'response-start') throw new Error('no response-start');
  return { start, blockStartMs, blockEndAtMs };
}

test('a first audio held back by a stalled main thread says how long the thread was away', async () => {
  const { start: idle } = await firstAudio(0);
  // The premise is checked, not assumed: the reply must leave well before the block ends, since on a loaded machine
  // the browser's network process can take tens of ms to pass it on, and a message that reaches the page after the
  // block was not held by it (it rightly reads 0).
  let stalled: Awaited<ReturnType<typeof firstAudio>> | undefined;
  for (let attempt = 0; attempt < 3 && !stalled; attempt++) {
    const trial = await firstAudio(BLOCK_MS);
    if (repliedAtMs < trial.blockEndAtMs - ARRIVAL_MARGIN_MS) stalled = trial;
  }
  if (!stalled) throw new Error('in 3 attempts the reply never left well before the page was free again');
  const { start, blockStartMs } = stalled;
  // Away for the block, less the heartbeat's own 25 ms (and some margin).
  expect(start.silentBeforeMs).toBeGreaterThan(BLOCK_MS - 100);
  // At most from the block's start to the message's handling (a loaded machine delays that past the block's end),
  // plus how late the last beat before the block may have run.
  expect(start.silentBeforeMs).toBeLessThan(start.at - blockStartMs + 100);
  // With the thread free, the message is handled at once.
  expect(idle.silentBeforeMs ?? 0).toBeLessThan(start.silentBeforeMs! - 100);
});
