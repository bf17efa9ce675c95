import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, expect, test } from '@playwright/test';
import { kindOf, tree } from '../../bench/lib/processes';
import { launchBrowserPool } from '../../fixtures/browsers';
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

test('the shared browsers put the threads Chromium raised in its browser and GPU processes back to 0', async () => {
  test.skip(process.getuid?.() !== 0, 'Chromium raises its threads only where it may (as root): nothing to put back');
  const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  const launch = { executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS };
  const openPage = async (endpoint: string) => {
    const browser = await chromium.connect(endpoint);
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    await expect(page).toHaveTitle('ready');
    return browser;
  };

  // As launched, Chromium raises them: without this the check below could not fail.
  const plain = await chromium.launchServer({ ...launch, headless: true });
  const pool = await launchBrowserPool(1, launch);
  try {
    const plainBrowser = await openPage(plain.wsEndpoint());
    await expect.poll(() => raisedThreadsByKind(plain.process().pid!)['gpu-process'] ?? 0).toBeGreaterThan(0);
    expect(raisedThreadsByKind(plain.process().pid!).browser ?? 0).toBeGreaterThan(0);
    await plainBrowser.close();

    const pooled = await openPage(pool.endpoints[0]!);
    const pid = tree(process.pid).find((p) => kindOf(p.pid, p.cmd) === 'browser' && p.pid !== plain.process().pid)?.pid;
    expect(pid, 'the pool launched a browser under this process').toBeDefined();
    // The GPU process starts with the first page; the pool looks for it every 2 s.
    expect(tree(pid!).some((p) => kindOf(p.pid, p.cmd) === 'gpu-process')).toBe(true);
    const browserAndGpu = () => {
      const raised = raisedThreadsByKind(pid!);
      return { browser: raised.browser ?? 0, gpu: raised['gpu-process'] ?? 0 };
    };
    await expect.poll(browserAndGpu, { timeout: 10_000 }).toEqual({ browser: 0, gpu: 0 });
    expect(raisedThreadsByKind(pid!).renderer, 'a renderer keeps its raised threads').toBeGreaterThan(0);
    await pooled.close();
  } finally {
    await pool.close();
    await plain.close();
    site.close();
  }
});
