import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserServer, chromium, expect, type Page, test } from '@playwright/test';
import { kindOf, tree } from '../../bench/lib/processes';
import { type SendPathProbeServer, startSendPathProbe } from '../../fixtures/conductor/send-path';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { pageHarnessScript } from '../../harness/page/bundle';
import type { SpeakTiming, TurnAudioInput } from '../../harness/page/types';
import { CONVERSATION_PAGE_OPTIONS } from '../helpers/page-options';

/**
 * The page's send-path probe, against the fixtures' real endpoint in a real Chromium: with the browser's network
 * process stopped over a speech end (as a start-up on a full machine starves it), the turn reads the delay that
 * the caller's audio would have had on its way to the agent; left running, it reads about nothing.
 */

const RATE_HZ = 16000;
/** A turn of 200 ms of silence, 400 ms of a tone and 200 ms of silence. */
const TURN: TurnAudioInput = (() => {
  const pcm = new Int16Array((RATE_HZ * 800) / 1000);
  for (let i = 0; i < (RATE_HZ * 400) / 1000; i++)
    pcm[(RATE_HZ * 200) / 1000 + i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / RATE_HZ));
  return { pcmBase64: Buffer.from(pcm.buffer).toString('base64'), speechStartMs: 200, speechEndMs: 600 };
})();
/** How long the network process is stopped, from a little before the speech end. */
const STOP_MS = 300;
const STOP_BEFORE_END_MS = 50;

let server: BrowserServer;
let browser: Browser;
let site: http.Server;
let probe: SendPathProbeServer;
let port = 0;

test.beforeAll(async () => {
  server = await chromium.launchServer({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  browser = await chromium.connect(server.wsEndpoint());
  site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>call</p>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  port = (site.address() as AddressInfo).port;
  probe = await startSendPathProbe();
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  await probe?.close();
  await new Promise((resolve) => site?.close(resolve));
});

async function harnessPage(): Promise<Page> {
  const context = await browser.newContext();
  await context.exposeBinding('__harnessEmit', () => {});
  const options = { ...CONVERSATION_PAGE_OPTIONS, sendPathUrl: probe.url };
  await context.addInitScript({ content: pageHarnessScript(options) });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate((t) => window.__harness!.loadTurns([t]), TURN);
  return page;
}

/** Speaks the turn; `atSpeechEnd` runs (in Node) a little before its speech end. Returns the turn's send path. */
async function speakTurn(page: Page, atSpeechEnd?: () => Promise<void>): Promise<number | undefined> {
  const timing: SpeakTiming = await page.evaluate(() => window.__harness!.speak(0));
  const origin = await page.evaluate(() => performance.timeOrigin);
  const untilEndMs = origin + timing.speechEndAt - Date.now();
  await new Promise((resolve) => setTimeout(resolve, untilEndMs - STOP_BEFORE_END_MS));
  await atSpeechEnd?.();
  // With no agent here, no reply closes the probing: the figure so far is read, the stop's probes answered by now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const rendered = await page.evaluate(() => window.__harness!.speechRendered(0));
  return rendered?.sendPathMs;
}

test('a send path stopped over the speech end reads its delay on the turn; a free one reads almost none', {
  tag: '@timing',
}, async () => {
  const page = await harnessPage();
  const network = tree(server.process().pid!).filter((p) => kindOf(p.pid, p.cmd) === 'network');
  expect(network, 'the browser runs its network service in a process of its own').toHaveLength(1);
  const pid = network[0]!.pid;

  const free = await speakTurn(page);
  expect(free, 'every probe answered').toBeDefined();
  // Generous: on a loaded machine the network process can be a few tens of ms late on its own.
  expect(free!).toBeLessThan(150);

  let stoppedMs = 0;
  const stopped = await speakTurn(page, async () => {
    const from = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, STOP_MS));
    } finally {
      process.kill(pid, 'SIGCONT');
      stoppedMs = Date.now() - from;
    }
  });
  // The first probe sent while the process was stopped (they leave every 25 ms from 25 ms before the speech end)
  // waited from there to the stop's end, and none can have waited longer than the stop.
  expect(stopped!).toBeGreaterThan(STOP_MS - 25 - 30);
  expect(stopped!).toBeLessThan(stoppedMs + 100);
  expect(stopped! - free!).toBeGreaterThan(100);
  await page.context().close();
});
