import type { LaunchOptions, PlaywrightWorkerOptions } from '@playwright/test';
import type { HarnessConfig } from '../config';
import { ConfigError } from '../config/options';
import { CHROMIUM_ARGS } from './resolve';

export type ConnectOptions = NonNullable<PlaywrightWorkerOptions['connectOptions']>;

export interface RemoteBrowser {
  connectOptions: ConnectOptions;
  /**
   * Sent to the server with the connection (Playwright Test's
   * x-playwright-launch-options header). `npx playwright run-server --unsafe`
   * honours the flags and the executable; without --unsafe, and on most grids
   * and cloud services, the server launches its own Chromium with its own flags.
   */
  launchOptions: LaunchOptions;
}

/**
 * BROWSER_WS_ENDPOINT and its companions as Playwright's connectOptions, or
 * null to launch Chromium on this machine. Throws ConfigError on bad headers,
 * before any browser starts.
 *
 * The remote browser loads the client page and reaches the agent through this
 * machine (exposeNetwork): the fixtures listen on this machine's loopback, and
 * the fake microphone, probes and clocks all run inside the page, so the
 * connection's own latency is in none of a call's figures.
 */
export function remoteBrowser(
  config: HarnessConfig,
  env: Record<string, string | undefined> = process.env,
): RemoteBrowser | null {
  if (!config.browserWsEndpoint) return null;
  return {
    connectOptions: {
      wsEndpoint: config.browserWsEndpoint,
      headers: parseHeaders(config.browserWsHeaders, env.BROWSER_WS_HEADERS ? 'environment' : 'config file'),
      exposeNetwork: config.browserExposeNetwork,
      timeout: config.browserConnectTimeoutSec * 1000,
    },
    launchOptions: {
      args: CHROMIUM_ARGS,
      // The binary on the server's machine; there is nothing to resolve here.
      ...(config.chromiumPath ? { executablePath: config.chromiumPath } : {}),
    },
  };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A JSON object of header names to string values; values never appear in the error (they are usually secrets). */
export function parseHeaders(text: string | undefined, origin: string): Record<string, string> {
  if (!text) return {};
  const allowed = 'a JSON object of HTTP header names to string values, e.g. {"Authorization":"Bearer <token>"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold a token.
    throw new ConfigError('BROWSER_WS_HEADERS', '(not shown)', `${allowed}; it is not valid JSON`, origin);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      'BROWSER_WS_HEADERS',
      '(not shown)',
      `${allowed}; got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`,
      origin,
    );
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!HEADER_NAME.test(name))
      throw new ConfigError('BROWSER_WS_HEADERS', '(not shown)', `${allowed}; "${name}" is not a header name`, origin);
    // HTTP header values are ASCII without line breaks; anything else fails at the handshake with a vaguer message.
    if (typeof value !== 'string' || !/^[\x20-\x7e\t]*$/.test(value)) {
      throw new ConfigError(
        'BROWSER_WS_HEADERS',
        '(not shown)',
        `${allowed}; the value of "${name}" is not a printable ASCII string`,
        origin,
      );
    }
    headers[name] = value;
  }
  return headers;
}
