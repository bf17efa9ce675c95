import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { chromium } from 'playwright';
import { parseHeaders, remoteBrowser } from '../../harness/browser/remote';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { ConfigError, loadHarnessConfig } from '../../harness/config';
import { latency, ROOT, runLoad } from '../helpers/run-load';

/**
 * Calls through a remote browser: `npx playwright run-server` runs in its own
 * network namespace (a second host as far as the network goes, joined by a
 * veth pair), so the browser reaches the fixtures on this machine's loopback
 * only through Playwright's exposeNetwork tunnel. Loopback only: no traffic
 * leaves the machine.
 */

/** A network namespace joined to this one by a veth pair: its own loopback, one /30 between the two. */
interface Host {
  /** Command prefix that runs a program on the other host. */
  exec: string[];
  /** The other host's address, where its server listens. */
  address: string;
  /** Why there is no namespace, when there is none (the server then runs on this machine's loopback). */
  fallback?: string;
  remove(): void;
}

function ip(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim() };
}

function otherHost(): Host {
  const id = process.pid % 10_000;
  const ns = `voice-rs-${id}`;
  // Interface names are at most 15 characters; the subnet is per process so concurrent runs do not collide.
  const [outer, inner] = [`vrs${id}o`, `vrs${id}i`];
  const subnet = `10.231.${id % 250}`;
  const steps: string[][] = [
    ['netns', 'add', ns],
    ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'],
    ['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner],
    ['link', 'set', inner, 'netns', ns],
    ['addr', 'add', `${subnet}.1/30`, 'dev', outer],
    ['link', 'set', outer, 'up'],
    ['netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', inner],
    ['netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up'],
  ];
  const remove = () => {
    // Deleting one end of a veth pair deletes both; errors mean it was never made.
    ip(['link', 'del', outer]);
    ip(['netns', 'del', ns]);
  };
  for (const step of steps) {
    const r = ip(step);
    if (!r.ok) {
      remove();
      return {
        exec: [],
        address: '127.0.0.1',
        fallback: `no network namespace (ip ${step.join(' ')}: ${r.err}); run-server on loopback`,
        remove: () => {},
      };
    }
  }
  return { exec: ['ip', 'netns', 'exec', ns], address: `${subnet}.2`, remove };
}

interface RunServer {
  wsEndpoint: string;
  /** Browser launches the server has logged (DEBUG=pw:server). */
  launches(): number;
  stop(): Promise<void>;
}

/**
 * `npx playwright run-server` on the other host, on a port it picks; --unsafe so the harness's Chromium flags and
 * binary reach the browser.
 */
async function startRunServer(host: Host): Promise<RunServer> {
  const [cmd, ...args] = [
    ...host.exec,
    'npx',
    'playwright',
    'run-server',
    '--port',
    '0',
    '--host',
    host.address,
    '--unsafe',
  ];
  // Its own process group: npx, its shell and node are stopped together.
  const child: ChildProcess = spawn(cmd!, args, {
    cwd: ROOT,
    env: { ...process.env, DEBUG: 'pw:server' },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const wsEndpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`run-server did not listen within 30 s:\n${out}\n${log}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on (ws:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`run-server exited (${code}):\n${out}\n${log}`)));
  });
  return {
    wsEndpoint,
    launches: () => (log.match(/engaged launch mode/g) ?? []).length,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

test('BROWSER_WS_HEADERS must be a JSON object of header strings; the error names it and never shows the value', () => {
  expect(parseHeaders('{"Authorization":"Bearer abc","x-api-key":"k"}', 'environment')).toEqual({
    Authorization: 'Bearer abc',
    'x-api-key': 'k',
  });
  for (const bad of [
    'Bearer secret-token',
    '["a"]',
    '{"bad name":"x"}',
    '{"Authorization":5}',
    '{"Authorization":"line\\nbreak"}',
  ]) {
    let error: unknown;
    try {
      parseHeaders(bad, 'environment');
    } catch (e) {
      error = e;
    }
    expect(error, bad).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^BROWSER_WS_HEADERS="\(not shown\)" \(from environment\) is not valid: expected a JSON object/,
    );
    expect((error as Error).message).not.toContain('secret-token');
  }
  expect(() => loadHarnessConfig({ BROWSER_WS_ENDPOINT: 'http://grid:4444' })).toThrow(
    /^BROWSER_WS_ENDPOINT="http:\/\/grid:4444".*scheme ws or wss/,
  );
  expect(remoteBrowser(loadHarnessConfig({}))).toBeNull();
  const remote = remoteBrowser(
    loadHarnessConfig({
      BROWSER_WS_ENDPOINT: 'wss://browsers.example/pw',
      BROWSER_WS_HEADERS: '{"Authorization":"Bearer t"}',
    }),
    { BROWSER_WS_HEADERS: 'x' },
  );
  expect(remote?.connectOptions).toEqual({
    wsEndpoint: 'wss://browsers.example/pw',
    headers: { Authorization: 'Bearer t' },
    exposeNetwork: '<loopback>',
    timeout: 60_000,
  });
});

test(
  'calls through `npx playwright run-server` in another network namespace: the fixtures reached ' +
    'through exposeNetwork, figures matching a local run',
  async () => {
    test.setTimeout(8 * 60_000);
    const host = otherHost();
    if (host.fallback) test.info().annotations.push({ type: 'fallback', description: host.fallback });
    let server: RunServer | undefined;
    // A page on this machine's loopback, as the fixtures are.
    const probe = http.createServer((_req, res) => res.end('fixture'));
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
    try {
      server = await startRunServer(host);
      // The server's browser (the binary on its machine, which here is the same one this machine resolves).
      const executablePath = resolveChromium().executablePath;
      const launchHeader = {
        'x-playwright-launch-options': JSON.stringify({
          args: CHROMIUM_ARGS,
          ...(executablePath ? { executablePath } : {}),
        }),
      };

      if (!host.fallback) {
        // The other host's loopback is its own: without the tunnel, this machine's fixtures are out of reach.
        const isolated = await chromium.connect(server.wsEndpoint, { headers: launchHeader, timeout: 60_000 });
        const error = await isolated
          .newPage()
          .then((p) => p.goto(probeUrl))
          .then(
            () => null,
            (e: Error) => e.message,
          );
        await isolated.close();
        expect(error).toMatch(/ERR_CONNECTION_REFUSED/);
      }
      const tunnelled = await chromium.connect(server.wsEndpoint, {
        headers: launchHeader,
        exposeNetwork: '<loopback>',
        timeout: 60_000,
      });
      const page = await tunnelled.newPage();
      await page.goto(probeUrl);
      expect(await page.textContent('body')).toBe('fixture');
      await tunnelled.close();

      // The same calls through the remote browser and launched here: the clocks run in the page, so the figures agree.
      const env = { CALLS: '4', SCENARIOS: 'quick_question', TURNS_PER_USER: '2', AGENT_REPLY_DELAY_MS: '300' };
      const launchesBefore = server.launches();
      const remote = await runLoad(
        {
          ...env,
          BROWSER_WS_ENDPOINT: server.wsEndpoint,
          ...(executablePath ? { CHROMIUM_PATH: executablePath } : {}),
        },
        ['--workers', '2'],
      );
      expect(remote.code, remote.output.slice(-3000)).toBe(0);
      expect(remote.summary.run.calls).toEqual({ total: 4, passed: 4, failed: 0 });
      // Each worker's browser was launched by the server, not here.
      expect(server.launches() - launchesBefore).toBe(2);
      const local = await runLoad(env, ['--workers', '2']);
      expect(local.code, local.output.slice(-3000)).toBe(0);
      expect(local.summary.run.calls).toEqual(remote.summary.run.calls);

      // The same call index speaks the same utterances in both runs, and the calls alternate between utterances whose
      // ttfb differ by ~130 ms: a median over 4 calls sits on that gap. So each call's turn is compared with itself.
      const differences = { ttfbMs: [] as number[], ttfaMs: [] as number[], turnMs: [] as number[] };
      for (const name of ['ttfb/01', 'ttfb/02', 'ttfa/01', 'ttfa/02', 'turn/01', 'turn/02']) {
        expect(latency(remote.summary, name).count, name).toBe(latency(local.summary, name).count);
      }
      for (const call of local.calls) {
        const twin = remote.calls.find((c) => c.callId === call.callId);
        expect(twin, `${call.callId} in the remote run`).toBeDefined();
        for (const turn of call.turns) {
          const other = twin?.turns.find((t) => t.turn === turn.turn);
          for (const key of ['ttfbMs', 'ttfaMs', 'turnMs'] as const) {
            const [a, b] = [turn[key], other?.[key]];
            expect(b === undefined, `${call.callId} turn ${turn.turn} ${key}: local ${a}, remote ${b}`).toBe(
              a === undefined,
            );
            if (a !== undefined && b !== undefined) differences[key].push(Math.abs(a - b));
          }
        }
      }
      const medianMs = (values: number[]) =>
        [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
      const medians: Record<string, number> = {};
      for (const [key, toleranceMs] of [
        // Measured here: 16, 9 and 17 ms; the agent's endpoint alone moves 20-80 ms with frame alignment.
        ['ttfbMs', 75],
        ['ttfaMs', 75],
        ['turnMs', 75],
      ] as const) {
        expect(differences[key].length, key).toBe(8);
        medians[key] = Math.round(medianMs(differences[key]));
        expect(
          medians[key],
          `${key}: median difference of the same call's turn, local against remote`,
        ).toBeLessThanOrEqual(toleranceMs);
      }
      test.info().annotations.push({ type: 'median |local - remote| ms', description: JSON.stringify(medians) });
      for (const r of [remote, local]) fs.rmSync(r.reportDir, { recursive: true, force: true });
    } finally {
      probe.close();
      await server?.stop();
      host.remove();
    }
  },
);
