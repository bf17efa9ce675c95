import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserServer, chromium, expect, type Page, test } from '@playwright/test';
import { type WebSocket as AgentSocket, WebSocketServer } from 'ws';
import { kindOf, tree } from '../../bench/lib/processes';
import { type SendPathProbeServer, startSendPathProbe } from '../../fixtures/conductor/send-path';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { pageHarnessScript } from '../../harness/page/bundle';
import type { PageEvent, SpeakTiming, TurnAudioInput } from '../../harness/page/types';
import { CONVERSATION_PAGE_OPTIONS } from '../helpers/page-options';

/**
 * The page's send-path probe, against the fixtures' real endpoint in a real Chromium: with the browser's network
 * process stopped over a speech end (as a start-up on a full machine starves it), the turn reads the delay that
 * the caller's audio would have had on its way to the agent; stopped over the agent's first frame, the receive
 * path reads how long that frame was held; left running, both read about nothing.
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

/** The pages' events, by type, as the driver receives them. */
const pageEvents = new EventEmitter();
let server: BrowserServer;
let browser: Browser;
let site: http.Server;
let probe: SendPathProbeServer;
let port = 0;
/** A stand-in agent: the page's call socket ends here, and the test sends the reply's frames itself. */
let agent: WebSocketServer;

test.beforeAll(async () => {
  server = await chromium.launchServer({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  browser = await chromium.connect(server.wsEndpoint());
  site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>call</p>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  port = (site.address() as AddressInfo).port;
  probe = await startSendPathProbe();
  agent = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/conversation' });
  await new Promise((resolve) => agent.once('listening', resolve));
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  await probe?.close();
  await new Promise((resolve) => agent?.close(resolve));
  await new Promise((resolve) => site?.close(resolve));
});

async function harnessPage(): Promise<Page> {
  const context = await browser.newContext();
  await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => pageEvents.emit(event.type, event));
  const options = { ...CONVERSATION_PAGE_OPTIONS, sendPathUrl: probe.url };
  await context.addInitScript({ content: pageHarnessScript(options) });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate((t) => window.__harness!.loadTurns([t]), TURN);
  return page;
}

/** The browser's network process: both directions of every page's sockets pass through it. */
function networkPid(): number {
  const network = tree(server.process().pid!).filter((p) => kindOf(p.pid, p.cmd) === 'network');
  expect(network, 'the browser runs its network service in a process of its own').toHaveLength(1);
  return network[0]!.pid;
}

/** Stops process `pid` for `ms` (as a starved process is held); returns how long it was stopped. */
async function stopFor(pid: number, ms: number): Promise<number> {
  const from = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return Date.now() - from;
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
  const pid = networkPid();

  const free = await speakTurn(page);
  expect(free, 'every probe answered').toBeDefined();
  // Generous: on a loaded machine the network process can be a few tens of ms late on its own.
  expect(free!).toBeLessThan(150);

  let stoppedMs = 0;
  const stopped = await speakTurn(page, async () => {
    stoppedMs = await stopFor(pid, STOP_MS);
  });
  // The first probe sent while the process was stopped (they leave every 25 ms from 25 ms before the speech end)
  // waited from there to the stop's end, and none can have waited longer than the stop.
  expect(stopped!).toBeGreaterThan(STOP_MS - 25 - 30);
  expect(stopped!).toBeLessThan(stoppedMs + 100);
  expect(stopped! - free!).toBeGreaterThan(100);
  await page.context().close();
});

/** 20 ms frames of 16 kHz PCM16 (a quiet tone), as the browser transport's agent sends them. */
const FRAME_MS = 20;
const REPLY_FRAMES = 40;
const replyFrame = (() => {
  const pcm = new Int16Array((RATE_HZ * FRAME_MS) / 1000);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(4000 * Math.sin((2 * Math.PI * 300 * i) / RATE_HZ));
  const data = Buffer.from(pcm.buffer).toString('base64');
  return (k: number) =>
    JSON.stringify({
      type: 'audio_data',
      data,
      sample_rate: RATE_HZ,
      frame_index: k,
      is_final: k === REPLY_FRAMES - 1,
    });
})();
/** The reply's first frame leaves this long after the speech end; the network process is stopped from before it. */
const REPLY_AFTER_END_MS = 300;
const HOLD_FROM_END_MS = 250;
const HOLD_MS = 200;

let replies = 0;
/**
 * Speaks the turn on a page with a call socket open to the stand-in agent, which sends a paced reply from
 * REPLY_AFTER_END_MS after the speech end; `hold` (in Node) runs HOLD_FROM_END_MS after it. Returns the turn's
 * receive path once the reply's first audio has been dated.
 */
async function replyTurn(page: Page, hold?: () => Promise<void>): Promise<number | undefined> {
  return (await replyTurnRead(page, hold, false)).receivePathMs;
}

/**
 * As replyTurn; with `atFirstAudio`, the turn is read as the driver reads it, as soon as the page tells the
 * reply's first audio (`response-start`). Returns the figure and how long after that first audio it was read (ms).
 */
async function replyTurnRead(
  page: Page,
  hold: (() => Promise<void>) | undefined,
  atFirstAudio: boolean,
): Promise<{ receivePathMs?: number; readAfterMs?: number }> {
  let read: Promise<{ receivePathMs?: number; readAfterMs: number }> | undefined;
  const onStart = (event: Extract<PageEvent, { type: 'response-start' }>) => {
    read = page.evaluate(async (at) => {
      const r = await window.__harness!.speechRendered(0);
      return { receivePathMs: r?.receivePathMs, readAfterMs: performance.now() - at };
    }, event.at);
  };
  if (atFirstAudio) pageEvents.once('response-start', onStart);
  const connected = new Promise<AgentSocket>((resolve) => agent.once('connection', resolve));
  await page.evaluate(
    (url) => {
      const call = new WebSocket(url);
      call.binaryType = 'arraybuffer';
      return new Promise((resolve) => {
        call.onopen = resolve;
      });
    },
    `ws://127.0.0.1:${(agent.address() as AddressInfo).port}/conversation`,
  );
  const call = await connected;
  // A reply the page expects: the first socket's greeting is expected on its own, a later socket's is not.
  await page.evaluate((turn) => window.__harness!.expectResponse(turn), replies++);
  const timing: SpeakTiming = await page.evaluate(() => window.__harness!.speak(0));
  const origin = await page.evaluate(() => performance.timeOrigin);
  const endEpochMs = origin + timing.speechEndAt;
  const at = (fromEndMs: number) => new Promise((r) => setTimeout(r, endEpochMs + fromEndMs - Date.now()));
  const holding = at(HOLD_FROM_END_MS).then(() => hold?.());
  await at(REPLY_AFTER_END_MS);
  // Paced from a fixed schedule, as the reference agent sends: frames the hold kept back then arrive bunched.
  const startMs = Date.now();
  for (let k = 0; k < REPLY_FRAMES; k++) {
    call.send(replyFrame(k));
    await new Promise((r) => setTimeout(r, startMs + (k + 1) * FRAME_MS - Date.now()));
  }
  await holding;
  pageEvents.off('response-start', onStart);
  const rendered = read ? await read : await page.evaluate(() => window.__harness!.speechRendered(0));
  call.close();
  return rendered ?? {};
}

test("a receive path stopped over the agent's first frame reads the hold on the turn; a free one reads almost none", {
  tag: '@timing',
}, async () => {
  const page = await harnessPage();
  const pid = networkPid();

  const free = await replyTurn(page);
  expect(free, 'messages from the fixtures handled around the first audio').toBeDefined();
  expect(free!).toBeLessThan(50);

  let stoppedMs = 0;
  const held = await replyTurn(page, async () => {
    stoppedMs = await stopFor(pid, HOLD_MS);
  });
  // Ticks come every 10 ms while the page probes, and for 100 ms after its last probe got through: the first one
  // held waited from within 10 ms of the stop to its end, released with the first frame, and none longer.
  expect(held!).toBeGreaterThan(HOLD_MS - 10 - 30);
  expect(held!).toBeLessThan(stoppedMs + 30);
  await page.context().close();
});

test("a turn read as soon as its reply's first audio arrives waits out the receive path's span, and has its figure", {
  tag: '@timing',
}, async () => {
  const page = await harnessPage();
  const { receivePathMs, readAfterMs } = await replyTurnRead(page, undefined, true);
  // Ticks every 10 ms from 10 ms before the first audio to 20 ms after it: read at once, the turn could have none.
  expect(readAfterMs, 'the read waited for the span after the first audio').toBeGreaterThanOrEqual(20);
  expect(receivePathMs, 'messages from the fixtures handled around the first audio').toBeDefined();
  expect(receivePathMs!).toBeLessThan(50);
  await page.context().close();
});
