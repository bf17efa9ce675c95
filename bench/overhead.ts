import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserServer } from 'playwright';
import { loadCallerTracks } from '../harness/audio/cache';
import { DEFAULT_PCM_DIR } from '../harness/audio/defaults';
import { encodeWav } from '../harness/audio/pcm';
import { CHROMIUM_ARGS, resolveChromium } from '../harness/browser/resolve';
import { pageHarnessScript } from '../harness/page/bundle';
import { createAgentServer } from '../fixtures/agent/server';
import { createClientServer } from '../fixtures/client/server';
import { TreeSampler } from './lib/processes';
import { CONVERSATION_PAGE_OPTIONS } from '../tests/helpers/page-options';

/**
 * `npm run --silent bench:overhead -- [--calls N] [--seconds S]`: the same
 * calls with the reference client bare (Chromium's fake audio device playing
 * the caller's audio in a loop) and with the harness (its fake microphone
 * playing the same audio, probes, output tap, trackers), side by side in one
 * run. Measures the browsers' CPU and peak memory. Prints one JSON line last.
 */
const { values } = parseArgs({
  options: { calls: { type: 'string', default: '4' }, seconds: { type: 'string', default: '30' } },
});
const calls = Number(values.calls);
const seconds = Number(values.seconds);

const track = (await loadCallerTracks(DEFAULT_PCM_DIR)).find((t) => t.scenario === 'quick_question');
if (!track) throw new Error('no quick_question audio: run `npm run setup` first');
const turn = track.turns[1]!;
// One turn followed by a pause long enough for the agent's answer: the loop both variants play.
const loop = new Int16Array(turn.samples.length + 16000 * 4);
loop.set(turn.samples);
const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'overhead-')), 'caller.wav');
fs.writeFileSync(wav, encodeWav(loop, 16000));
const loopMs = (loop.length / 16000) * 1000;

const agent = await createAgentServer({ port: 0, logLevel: 'silent' });
const client = await createClientServer({ port: 0 });
const pageUrl = `${client.url}?ws=${encodeURIComponent(agent.wsUrl)}&scenario=quick_question`;
const executablePath = resolveChromium().executablePath;

async function variant(
  withHarness: boolean,
): Promise<{ cpuSec: number; peakRssMb: number; cpuSecByKind: Record<string, number> }> {
  const args = [
    ...CHROMIUM_ARGS,
    ...(withHarness ? [] : ['--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`]),
  ];
  const server: BrowserServer = await chromium.launchServer({ executablePath, args });
  const browser = await chromium.connect(server.wsEndpoint());
  const sampler = new TreeSampler(() => server.process().pid).start();
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < calls; i++) {
      const context = await browser.newContext({ permissions: ['microphone'] });
      if (withHarness) {
        await context.exposeBinding('__harnessEmit', () => undefined);
        await context.addInitScript({
          content: pageHarnessScript({ ...CONVERSATION_PAGE_OPTIONS, recordOutput: true }),
        });
      }
      const page = await context.newPage();
      await page.goto(pageUrl);
      if (withHarness) {
        await page.evaluate((t) => window.__harness!.loadTurns([t]), {
          pcmBase64: Buffer.from(loop.buffer).toString('base64'),
          speechStartMs: turn.speechStartMs,
          speechEndMs: turn.speechEndMs,
        });
      }
      await page.getByRole('button', { name: 'Start talking to agent' }).click();
      if (withHarness) {
        const speak = () =>
          void page
            .evaluate(() => {
              window.__harness!.expectResponse(1);
              return window.__harness!.speak(0);
            })
            .catch(() => undefined);
        speak();
        timers.push(setInterval(speak, loopMs));
      }
    }
    await new Promise((r) => setTimeout(r, seconds * 1000));
  } finally {
    for (const t of timers) clearInterval(t);
  }
  const usage = sampler.stop();
  await browser.close();
  await server.close();
  return usage;
}

const rounded = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));

const bare = await variant(false);
const harness = await variant(true);
await agent.close();
await client.close();
console.log(
  JSON.stringify({
    calls,
    cpuOverheadPct: Math.round(((harness.cpuSec - bare.cpuSec) / bare.cpuSec) * 1000) / 10,
    memoryOverheadPct: Math.round(((harness.peakRssMb - bare.peakRssMb) / bare.peakRssMb) * 1000) / 10,
    bare: {
      cpuSec: Math.round(bare.cpuSec * 10) / 10,
      peakRssMb: Math.round(bare.peakRssMb),
      cpuSecByProcess: rounded(bare.cpuSecByKind),
    },
    harness: {
      cpuSec: Math.round(harness.cpuSec * 10) / 10,
      peakRssMb: Math.round(harness.peakRssMb),
      cpuSecByProcess: rounded(harness.cpuSecByKind),
    },
  }),
);
