import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ROOT } from './run-load';

const PUBLIC_DIR = path.join(ROOT, 'fixtures', 'client', 'public');

/**
 * Variants of the reference client, each under its own path (`/<variant>/`),
 * made by one edit of its client.js: clients that misbehave in one known way.
 */
const VARIANTS: Record<string, (clientJs: string) => string> = {
  /** Plays every response through a gain of 0: its output is watched, and stays silent. */
  muted: (js) =>
    replaceOnce(
      js,
      'node.connect(ctx.destination);',
      'const mute = ctx.createGain();\n  mute.gain.value = 0;\n  node.connect(mute).connect(ctx.destination);',
    ),
  /** Busies its main thread for 400 ms right after creating the call socket, and says when it created it. */
  stall: (js) =>
    replaceOnce(
      js,
      'ws.binaryType = ',
      "navigator.sendBeacon('/mark?created=' + (performance.timeOrigin + performance.now()));\n  " +
        '{ const t0 = performance.now(); while (performance.now() - t0 < 400) {} }\n  ws.binaryType = ',
    ),
  /** Logs a console error as it loads. */
  errors: (js) => `console.error('variant client: the settings service is unreachable');\n${js}`,
};

function replaceOnce(text: string, find: string, replacement: string): string {
  if (!text.includes(find)) throw new Error(`reference client changed: "${find}" not found in client.js`);
  return text.replace(find, replacement);
}

export interface VariantServer {
  /** The page of a variant, talking to `wsUrl`. */
  pageUrl(variant: keyof typeof VARIANTS, wsUrl: string, scenario?: string): string;
  /** Epoch ms of each socket creation the stall variant reported. */
  created: number[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

export async function serveClientVariants(): Promise<VariantServer> {
  const created: number[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/mark') {
      created.push(Number(url.searchParams.get('created')));
      return void res.writeHead(204).end();
    }
    const [, variant, ...rest] = url.pathname.split('/');
    const edit = VARIANTS[variant ?? ''];
    const name = rest.join('/') || 'index.html';
    const file = path.join(PUBLIC_DIR, path.basename(name));
    if (!edit || !fs.existsSync(file)) return void res.writeHead(404).end();
    let body = fs.readFileSync(file, 'utf8');
    if (name === 'client.js') body = edit(body);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    created,
    pageUrl: (variant, wsUrl, scenario = 'quick_question') =>
      `${base}/${variant}/?${new URLSearchParams({ ws: wsUrl, transport: 'browser', scenario })}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The generic profile driving a variant of the reference client (its buttons, its call socket). */
export function genericClient(pageUrl: string, greeting: boolean): Record<string, string> {
  return {
    CLIENT_PROFILE: 'generic',
    CLIENT_URL: pageUrl,
    CLIENT_START_STEPS: 'button:Start talking to agent',
    CLIENT_END_STEPS: 'button:End conversation with agent',
    CLIENT_SOCKET_MATCH: '/conversation',
    CLIENT_GREETING: String(greeting),
  };
}
