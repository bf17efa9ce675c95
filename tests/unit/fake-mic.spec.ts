import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, expect, type Page, test } from '@playwright/test';
import { createAgentServer } from '../../fixtures/agent/server';
import { createClientServer } from '../../fixtures/client/server';
import { loadCallerTracks } from '../../harness/audio/cache';
import { DEFAULT_PCM_DIR } from '../../harness/audio/defaults';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { pageHarnessScript } from '../../harness/page/bundle';
import type { PageEvent, SpeakTiming, TurnAudioInput } from '../../harness/page/types';
import { watchHost } from '../helpers/host-share';
import { CONVERSATION_PAGE_OPTIONS } from '../helpers/page-options';

/**
 * The fake microphone's two paths: played in the client's own context when
 * that is the only consumer (adopted), through the real track as soon as
 * anything else takes it. Each consumer must hear the caller.
 */

const PAGE = path.join(import.meta.dirname, '..', 'pages', 'mic-consumers.html');
const RATE_HZ = 16000;
const LEAD_MS = 200;
const TONE_MS = 500;

/** 200 ms of silence, 500 ms of a 440 Hz tone at half scale, 300 ms of silence: a turn with a sharp onset. */
function toneTurn(): TurnAudioInput {
  const pcm = new Int16Array((RATE_HZ * (LEAD_MS + TONE_MS + 300)) / 1000);
  const from = (RATE_HZ * LEAD_MS) / 1000;
  for (let i = 0; i < (RATE_HZ * TONE_MS) / 1000; i++) {
    pcm[from + i] = Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / RATE_HZ));
  }
  return {
    pcmBase64: Buffer.from(pcm.buffer).toString('base64'),
    speechStartMs: LEAD_MS,
    speechEndMs: LEAD_MS + TONE_MS,
  };
}

let browser: Browser;
let server: http.Server;
let pageUrl: string;

test.beforeAll(async () => {
  browser = await chromium.launch({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  const html = fs.readFileSync(PAGE);
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function harnessPage(events: PageEvent[] = []): Promise<Page> {
  const context = await browser.newContext({ permissions: ['microphone'] });
  await context.exposeBinding('__harnessEmit', (_source, event: PageEvent) => void events.push(event));
  await context.addInitScript({ content: pageHarnessScript(CONVERSATION_PAGE_OPTIONS) });
  return context.newPage();
}

interface Heard {
  rateHz: number;
  peak: number;
  onsetAt: number | null;
  /** The samples from the onset on. */
  kept: number[];
}

/** Opens the test page, lets it take the microphone in `mode`, speaks the tone turn and reports what each hears. */
async function takeAndSpeak(mode: string) {
  const page = await harnessPage();
  await page.goto(pageUrl);
  await page.evaluate((t) => window.__harness!.loadTurns([t]), toneTurn());
  const node = await page.evaluate((m) => (window as unknown as { take(m: string): Promise<object> }).take(m), mode);
  // Time for a peer connection's first packets, then one turn and its tail.
  await page.waitForTimeout(300);
  const timing: SpeakTiming = await page.evaluate(() => window.__harness!.speak(0));
  await page.waitForTimeout(LEAD_MS + TONE_MS + 600);
  const heard: Heard[] = await page.evaluate(() => (window as unknown as { heard(): Promise<Heard[]> }).heard());
  const path = await page.evaluate(() => window.__harness!.micPath());
  return { page, node, timing, heard, path };
}

test('a 48 kHz context as the only consumer: the turn plays in it, not through the track', async () => {
  for (const mode of ['context', 'constructor']) {
    const { page, node, heard, path } = await takeAndSpeak(mode);
    // The node answers as the real one would; the mic's own context rests.
    expect(node, mode).toEqual({ isSourceNode: true, sameStream: true });
    expect(path, mode).toEqual({ adopted: true, realUse: null, micContext: 'suspended' });
    expect(heard).toHaveLength(1);
    expect(heard[0]!.peak, mode).toBeGreaterThan(0.4);
    await page.context().close();
  }
});

test('a 48 kHz context as the only consumer: the turn starts where its schedule put it', {
  tag: '@timing',
}, async () => {
  // Compares two readers of one clock to 5 ms (@timing): a loaded machine skips render callbacks and moves them apart,
  // and so does a host that takes the machine's CPU (then the onset is held to 50 ms of its schedule).
  for (const mode of ['context', 'constructor']) {
    const host = watchHost();
    const { page, timing, heard } = await takeAndSpeak(mode);
    // Scheduled on this context's clock: the onset is where the schedule put it, up to how well the harness's and
    // the page's readings of that clock agree.
    const boundMs = host.quiet(mode) ? 5 : 50;
    expect(Math.abs(heard[0]!.onsetAt! - timing.speechStartAt), mode).toBeLessThan(boundMs);
    await page.context().close();
  }
});

test('a context at the rate of the audio hears the turn sample for sample, wherever the schedule fell', async () => {
  // Played from between two frames, every sample would be interpolated from two of the file's.
  const pcm = new Int16Array(Buffer.from(toneTurn().pcmBase64, 'base64').buffer.slice(0));
  const firstLoud = pcm.findIndex((x) => Math.abs(x) / 32768 > 0.01);
  for (let k = 0; k < 3; k++) {
    const { page, heard } = await takeAndSpeak('context-16k');
    const kept = heard[0]!.kept.map((x) => Math.round(x * 32768));
    expect(kept.length).toBeGreaterThan(1000);
    expect(kept).toEqual(Array.from(pcm.subarray(firstLoud, firstLoud + kept.length)));
    await page.context().close();
  }
});

test('a MediaRecorder on the stream runs the real track: the recording and the context hear the turn', async () => {
  const { page, timing, heard, path } = await takeAndSpeak('recorder');
  expect(path).toEqual({ adopted: false, realUse: 'MediaRecorder', micContext: 'running' });
  expect(heard[0]!.peak).toBeGreaterThan(0.4);
  // Through the track the client's context hears the turn after the track's FIFO, never before its schedule.
  expect(heard[0]!.onsetAt! - timing.speechStartAt).toBeGreaterThan(-3);
  expect(heard[0]!.onsetAt! - timing.speechStartAt).toBeLessThan(80);
  const recordedPeak = await page.evaluate(() => (window as unknown as { recorded(): Promise<number> }).recorded());
  expect(recordedPeak).toBeGreaterThan(0.2);
  await page.context().close();
});

test('a peer connection sending the track runs it: the far end hears the turn', async () => {
  const { page, heard, path } = await takeAndSpeak('peer');
  expect(path).toEqual({ adopted: false, realUse: 'RTCPeerConnection.addTrack', micContext: 'running' });
  expect(heard).toHaveLength(2);
  expect(heard[0]!.peak).toBeGreaterThan(0.4);
  expect(heard[1]!.peak, 'the remote end').toBeGreaterThan(0.1);
  await page.context().close();
});

test('a second context on a clone of the stream runs the track: both contexts hear the turn', async () => {
  const { page, heard, path } = await takeAndSpeak('two-contexts');
  expect(path).toEqual({ adopted: false, realUse: 'a second audio context', micContext: 'running' });
  expect(heard.map((h) => h.rateHz)).toEqual([48000, 16000]);
  for (const h of heard) expect(h.peak, `${h.rateHz} Hz`).toBeGreaterThan(0.4);
  await page.context().close();
});

test('the reference client, both builds, is adopted and its call is answered', async () => {
  const track = (await loadCallerTracks(DEFAULT_PCM_DIR)).find((t) => t.scenario === 'quick_question');
  expect(track, 'the default audio cache (npm run setup)').toBeDefined();
  const turn = track!.turns[1]!;
  const agent = await createAgentServer({ port: 0, logLevel: 'silent' });
  const client = await createClientServer({ port: 0 });
  try {
    for (const build of ['', '&build=legacy']) {
      const events: PageEvent[] = [];
      const page = await harnessPage(events);
      await page.goto(`${client.url}?ws=${encodeURIComponent(agent.wsUrl)}&scenario=quick_question${build}`);
      const pcm = Buffer.from(turn.samples.buffer, turn.samples.byteOffset, turn.samples.byteLength);
      await page.evaluate((t) => window.__harness!.loadTurns([t]), {
        pcmBase64: pcm.toString('base64'),
        speechStartMs: turn.speechStartMs,
        speechEndMs: turn.speechEndMs,
      });
      await page.getByRole('button', { name: 'Start talking to agent' }).click();
      await expect.poll(() => events.some((e) => e.type === 'ws-open'), { timeout: 10_000 }).toBe(true);
      // The greeting first, then the caller's turn.
      await expect.poll(() => events.some((e) => e.type === 'response-end'), { timeout: 20_000 }).toBe(true);
      await page.evaluate(() => {
        window.__harness!.expectResponse(1);
        return window.__harness!.speak(0);
      });
      await expect
        .poll(() => events.some((e) => e.type === 'response-start' && e.turn === 1), { timeout: 20_000 })
        .toBe(true);
      expect(await page.evaluate(() => window.__harness!.micPath()), build).toEqual({
        adopted: true,
        realUse: null,
        micContext: 'suspended',
      });
      await page.context().close();
    }
  } finally {
    await client.close();
    await agent.close();
  }
});
