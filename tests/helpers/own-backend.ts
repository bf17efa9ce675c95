import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { AgentOverrides } from '../../fixtures/agent/options';
import { createAgentServer, type AgentServer } from '../../fixtures/agent/server';
import { createClientApp } from '../../fixtures/client/server';
import { ROOT } from './run-load';

/**
 * A backend of "your own" for load runs of a client profile: the reference
 * agent behind one origin that also serves the reference client page, as a
 * product's own web server serves its client and forwards its socket. The
 * page can then open a relative socket URL (`?ws=/api/v1/...`), and its
 * socket goes to this origin, not to any agent the fixtures start.
 */
export interface OwnBackend {
  /** http://127.0.0.1:PORT/ : the client page and the socket endpoints. */
  url: string;
  agent: AgentServer;
  close(): Promise<void>;
}

/**
 * `pageScript`: run first in the client page, as a product's own page script would (after the harness's); `agent`:
 * the agent's options beyond its port and ground truth.
 */
export async function startOwnBackend(
  groundTruthDir: string,
  opts: { pageScript?: string; agent?: AgentOverrides } = {},
): Promise<OwnBackend> {
  const agent = await createAgentServer({ ...opts.agent, port: 0, groundTruthDir });
  const agentPort = Number(new URL(agent.url).port);
  const app = express();
  if (opts.pageScript) {
    const page = fs.readFileSync(path.join(ROOT, 'fixtures', 'client', 'public', 'index.html'), 'utf8');
    const html = page.replace('<head>', `<head><script>${opts.pageScript}</script>`);
    app.get(['/', '/index.html'], (_req, res) => void res.type('html').send(html));
  }
  app.use(createClientApp());
  const server = http.createServer(app);
  // Sockets: the handshake is replayed to the agent byte for byte, then both ways are piped.
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(agentPort, '127.0.0.1', () => {
      const headers: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const drop = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', drop);
    socket.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    agent,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
