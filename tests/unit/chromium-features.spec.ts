import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, expect, test } from '@playwright/test';
import { kindOf, tree } from '../../bench/lib/processes';
import { HARNESS_DISABLED_FEATURES } from '../../harness/browser/features';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';

/**
 * Chromium keeps only the last `--disable-features` switch. The harness's must carry Playwright's names as well
 * as its own, and a new page must start without the browser UI's renderers.
 */

/** A process's arguments (Chromium may rewrite its title into one space-joined string). */
const argvOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);

const featureSwitches = (argv: string[]) =>
  argv.filter((a) => a.startsWith('--disable-features=')).map((a) => a.slice('--disable-features='.length).split(','));

test("the last --disable-features switch carries all of Playwright's names and the harness's", async () => {
  const server = await chromium.launchServer({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  try {
    const pid = server.process().pid!;
    const switches = featureSwitches(argvOf(pid));
    expect(switches.length).toBeGreaterThan(0);
    const last = new Set(switches.at(-1));
    // The earlier switches are Playwright's: a name it added in an update must be in the harness's list too.
    for (const names of switches.slice(0, -1)) for (const name of names) expect(last, name).toContain(name);
    for (const name of HARNESS_DISABLED_FEATURES) expect(last, name).toContain(name);
  } finally {
    await server.close();
  }
});

test('a new context and page start one renderer, without the address bar popups', async () => {
  const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>call</p>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const server = await chromium.launchServer({ executablePath: resolveChromium().executablePath, args: CHROMIUM_ARGS });
  const browser = await chromium.connect(server.wsEndpoint());
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    await expect(page.locator('p')).toHaveText('call');
    // This browser's renderers: its descendants, the zygote's children.
    const renderers = tree(server.process().pid!).filter((p) => kindOf(p.pid, p.cmd) === 'renderer');
    expect(renderers).toHaveLength(1);
    expect(argvOf(renderers[0]!.pid)).not.toContain('--top-chrome-webui');
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    site.close();
  }
});
