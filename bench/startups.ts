import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';
import { WebSocketServer } from 'ws';
import { keepBrowserUnraised } from '../harness/browser/priority';
import { epochMs, sleep } from '../harness/clock';
import { CHROMIUM_ARGS, resolveChromium } from '../harness/browser/resolve';
import { CpuSampler } from '../harness/generator/health';
import { pct, round1 } from './lib/stats';

/**
 * `npm run --silent bench:startups -- [--rounds 6] [--seconds 15] [--pages 4]`: what other pages' start-ups do to
 * the pages in progress, with Chromium's own thread priorities (`chromium`) and with the shared browsers' (the
 * browser and GPU processes put back to ordinary priority, `unraised`), alternated side by side. In each block a
 * fresh browser runs `--pages` pages that each send a message every 20 ms over a WebSocket, as a client sends
 * caller audio, while a new context and page open and close about once a second. Each message's carry, from the
 * page's send to this process's receipt, is taken against its page's median (the two clocks' offset): how late the
 * browser carried it, and the host's share of the CPU (steal) in the window. One JSON line per block, and last the
 * medians per variant and their ratio. Run it with nothing else on the machine (`bench:host` first).
 */
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '15' },
    pages: { type: 'string', default: '4' },
  },
});
const wholeIn = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min && n <= max))
    throw new Error(`--${name} must be a whole number ${min}-${max}, got ${v}`);
  return n;
};
const rounds = wholeIn('rounds', values.rounds, 1, 50);
const seconds = wholeIn('seconds', values.seconds, 2, 300);
const pages = wholeIn('pages', values.pages, 1, 16);

const SEND_EVERY_MS = 20;
/** How long a started page stays open before it closes and the next one starts. */
const STARTED_PAGE_OPEN_MS = 700;
/** A message carried this much later than its page's usual counts as late. */
const LATE_MS = 10;
const VARIANTS = ['chromium', 'unraised'] as const;

// The page plays a tone, as a call plays the agent, and sends its send time (epoch ms with a fraction); the same
// machine's clocks differ only by an offset.
const PAGE = `<!doctype html><script>
const audio = new AudioContext();
const tone = audio.createOscillator();
const quiet = audio.createGain();
quiet.gain.value = 0.001;
tone.connect(quiet).connect(audio.destination);
tone.start();
const ws = new WebSocket('ws://127.0.0.1:' + new URLSearchParams(location.search).get('ws'));
ws.onopen = () => {
  const t0 = performance.now();
  let k = 0;
  const tick = () => {
    ws.send(JSON.stringify({ sentAtMs: performance.timeOrigin + performance.now(), pad: 'x'.repeat(600) }));
    k++;
    setTimeout(tick, Math.max(0, t0 + k * ${SEND_EVERY_MS} - performance.now()));
  };
  tick();
  audio.resume().then(() => { document.title = 'ready'; });
};
</script>`;

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((resolve) => wss.once('listening', resolve));
/** Per connection, in the order the pages connected: each message's carry (receipt minus send time). */
let carries: number[][] = [];
wss.on('connection', (socket) => {
  const mine: number[] = [];
  carries.push(mine);
  socket.on('message', (data) => mine.push(epochMs() - (JSON.parse(data.toString()) as { sentAtMs: number }).sentAtMs));
});
const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/?ws=${(wss.address() as AddressInfo).port}`;

async function block(variant: (typeof VARIANTS)[number]) {
  const server = await chromium.launchServer({
    executablePath: resolveChromium().executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const stopUnraising = variant === 'unraised' ? keepBrowserUnraised(server.process().pid) : () => undefined;
  const browser = await chromium.connect(server.wsEndpoint());
  const open = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready');
    return context;
  };
  try {
    carries = [];
    for (let i = 0; i < pages; i++) await open();
    const steady = carries.slice();
    // The GPU process starts with the first page: one check of the unraised variant has passed before the window.
    await sleep(2500);
    for (const c of steady) c.length = 0;
    const endMs = Date.now() + seconds * 1000;
    // The host's share of the CPU over the window: a block it took much from says more about the host than Chromium.
    const sampler = new CpuSampler(1000).start();
    let startups = 0;
    for (let n = 0; n < 10_000 && Date.now() < endMs; n++) {
      const context = await open();
      await sleep(STARTED_PAGE_OPEN_MS);
      await context.close();
      startups++;
    }
    sampler.stop();
    const lateMs = steady.flatMap((c) => {
      const usual = pct(c, 50);
      return c.map((ms) => ms - usual);
    });
    return {
      variant,
      startups,
      messages: lateMs.length,
      carriedLateP99Ms: round1(pct(lateMs, 99)),
      carriedLateMaxMs: round1(Math.max(...lateMs)),
      carriedOver10Ms: lateMs.filter((ms) => ms > LATE_MS).length,
      cpuStealPctP95: Math.round(pct(sampler.stealPct, 95)),
    };
  } finally {
    stopUnraising();
    await browser.close();
    await server.close();
  }
}

const blocks: Awaited<ReturnType<typeof block>>[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    for (const variant of VARIANTS) {
      const b = await block(variant);
      blocks.push(b);
      console.log(JSON.stringify({ round: r + 1, ...b }));
    }
  }
} finally {
  wss.close();
  site.close();
}
const median = (variant: string, key: 'carriedLateP99Ms' | 'carriedOver10Ms') =>
  pct(
    blocks.filter((b) => b.variant === variant).map((b) => b[key]),
    50,
  );
const summary = Object.fromEntries(
  VARIANTS.map((v) => [
    v,
    { carriedLateP99Ms: median(v, 'carriedLateP99Ms'), carriedOver10Ms: median(v, 'carriedOver10Ms') },
  ]),
);
const pairsBetter = blocks.filter(
  (b, i) => b.variant === 'unraised' && b.carriedOver10Ms < blocks[i - 1]!.carriedOver10Ms,
).length;
console.log(
  JSON.stringify({
    rounds,
    seconds,
    pages,
    ...summary,
    // Unraised against Chromium's own: below 1, the calls in progress were carried late less.
    p99Ratio: summary.chromium!.carriedLateP99Ms
      ? Math.round((summary.unraised!.carriedLateP99Ms / summary.chromium!.carriedLateP99Ms) * 100) / 100
      : null,
    roundsUnraisedFewerLate: pairsBetter,
  }),
);
