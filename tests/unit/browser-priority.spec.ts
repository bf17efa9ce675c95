import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, expect, test } from '@playwright/test';
import { kindOf, tree } from '../../bench/lib/processes';
import { launchBrowserPool } from '../../fixtures/browsers';
import { keepOwnBrowsersUnraised } from '../../harness/browser/priority';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';

/**
 * The shared browsers' browser and GPU processes run at ordinary priority, as an unprivileged user's do; the
 * renderers keep the threads Chromium raised (their IO thread carries the caller's audio).
 */

/** Each Chromium process kind's threads below nice 0 that run under the ordinary policy (nice applies to them). */
function raisedThreadsByKind(browserPid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of tree(browserPid)) {
    const kind = kindOf(p.pid, p.cmd);
    for (const tid of fs.readdirSync(`/proc/${p.pid}/task`)) {
      let fields: string[];
      try {
        const stat = fs.readFileSync(`/proc/${p.pid}/task/${tid}/stat`, 'utf8');
        fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      } catch {
        continue;
      }
      // stat(5): nice is field 19, policy field 41 (0: SCHED_OTHER).
      if (Number(fields[16]) < 0 && Number(fields[38]) === 0) out[kind] = (out[kind] ?? 0) + 1;
    }
  }
  return out;
}

const PAGE = '<script>new AudioContext().resume().then(() => { document.title = "ready"; });</script>';

const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
let url = '';
const launch = () => ({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });

test.beforeAll(async () => {
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
});
test.afterAll(() => site.close());
test.beforeEach(() => {
  test.skip(process.getuid?.() !== 0, 'Chromium raises its threads only where it may (as root): nothing to put back');
});

async function openPage(browser: Browser): Promise<void> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await expect(page).toHaveTitle('ready');
}

/** This process's Chromium browser processes (launched by it, directly or through a pool). */
const ownBrowsers = () => tree(process.pid).filter((p) => p.pid !== process.pid && kindOf(p.pid, p.cmd) === 'browser');

/** The raised threads of a browser's own process and its GPU process, once its GPU process has started. */
function browserAndGpu(pid: number) {
  const raised = raisedThreadsByKind(pid);
  return { browser: raised.browser ?? 0, gpu: raised['gpu-process'] ?? 0 };
}

test('the shared browsers put the threads Chromium raised in its browser and GPU processes back to 0', async () => {
  // As launched, Chromium raises them: without this the check below could not fail.
  const plain = await chromium.launchServer({ ...launch(), headless: true });
  const pool = await launchBrowserPool(1, launch());
  try {
    const plainBrowser = await chromium.connect(plain.wsEndpoint());
    await openPage(plainBrowser);
    await expect.poll(() => browserAndGpu(plain.process().pid!).gpu).toBeGreaterThan(0);
    expect(browserAndGpu(plain.process().pid!).browser).toBeGreaterThan(0);
    await plainBrowser.close();

    const pooled = await chromium.connect(pool.endpoints[0]!);
    await openPage(pooled);
    const pid = ownBrowsers().find((p) => p.pid !== plain.process().pid)?.pid;
    expect(pid, 'the pool launched a browser under this process').toBeDefined();
    expect(tree(pid!).some((p) => kindOf(p.pid, p.cmd) === 'gpu-process')).toBe(true);
    // The GPU process starts with the first page; the pool looks for it every 2 s.
    await expect.poll(() => browserAndGpu(pid!), { timeout: 10_000 }).toEqual({ browser: 0, gpu: 0 });
    expect(raisedThreadsByKind(pid!).renderer, 'a renderer keeps its raised threads').toBeGreaterThan(0);
    await pooled.close();
  } finally {
    await pool.close();
    await plain.close();
  }
});

test("a worker's own browser (per-worker mode) is put back to 0 the same way", async () => {
  const browser = await chromium.launch({ ...launch(), headless: true });
  try {
    await openPage(browser);
    const [own] = ownBrowsers();
    expect(own, 'the browser this process launched').toBeDefined();
    await expect.poll(() => browserAndGpu(own!.pid).gpu).toBeGreaterThan(0);
    expect(browserAndGpu(own!.pid).browser).toBeGreaterThan(0);
    const stop = keepOwnBrowsersUnraised();
    try {
      await expect.poll(() => browserAndGpu(own!.pid), { timeout: 10_000 }).toEqual({ browser: 0, gpu: 0 });
    } finally {
      stop();
    }
  } finally {
    await browser.close();
  }
});
