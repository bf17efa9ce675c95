import { test, type Page } from '@playwright/test';
import type { PageEvent } from '../page/types';
import { SOCKET_QUERY_GLOBAL } from '../page/ws-probe';
import { redactUrl } from '../redact';
import { TARGET_WARNING_ANNOTATION } from './annotations';

type EventOf<T extends PageEvent['type']> = Extract<PageEvent, { type: T }>;

/** A socket URL as written by the client, resolved against its page (a relative URL is legal in browsers). */
function resolve(url: string, pageUrl: string | undefined): URL | null {
  try {
    const u = new URL(url, pageUrl);
    // A relative URL resolves to the page's scheme: the socket itself speaks ws/wss.
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    return u;
  } catch {
    return null;
  }
}

/**
 * The URL the call socket went to, resolved against the page: the probe
 * reports it after the profile's socketQuery was added.
 */
export function callSocketUrl(events: readonly PageEvent[], pageUrl?: string): URL | null {
  const created = events.find((e): e is EventOf<'ws-created'> => e.type === 'ws-created');
  return created ? resolve(created.url, pageUrl) : null;
}

/** Whether the call socket's URL tells the backend the call's scenario (`scenario=<it>` in its query). */
export function socketCarriesScenario(events: readonly PageEvent[], scenario: string): boolean {
  // Only the query matters here: any base resolves a relative URL's query.
  return callSocketUrl(events, 'ws://page/')?.searchParams.get('scenario') === scenario;
}

/**
 * The agent's id for the call, to match it with the agent's own logs: the
 * socket URL's `session_id` or `call_connection_id` (what the client asked
 * for), else the id the server announced in its first messages. A browser
 * page cannot set handshake headers, so the URL and the messages are all
 * there is to read.
 */
export function sessionOf(events: readonly PageEvent[], pageUrl?: string): { sessionId?: string } {
  const q = callSocketUrl(events, pageUrl)?.searchParams;
  const id = q?.get('session_id') || q?.get('call_connection_id');
  if (id) return { sessionId: id };
  const announced = events.find((e): e is EventOf<'ws-session'> => e.type === 'ws-session');
  return announced ? { sessionId: announced.id } : {};
}

/** Where the call socket went, without its query (per-call ids) and with credentials masked. */
export function targetOf(url: URL | null): { target?: string } {
  if (!url) return {};
  return { target: redactUrl(`${url.protocol}//${url.host}${url.pathname}`) };
}

/** The endpoint part of a URL (scheme, host, path), to compare where a socket went with where it was meant to. */
export function endpointOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return null;
  }
}

/**
 * Hands the call's socketQuery to the page's socket probe before any page
 * script runs: the probe adds it to the call socket's URL in the constructor
 * (page.routeWebSocket could too, but it relays every frame through this
 * process, which would add to every figure).
 */
export async function addSocketQuery(page: Page, query: Record<string, string> | undefined): Promise<void> {
  if (!query || !Object.keys(query).length) return;
  await page.addInitScript(
    ({ name, value }) => {
      (window as unknown as Record<string, unknown>)[name] = value;
    },
    { name: SOCKET_QUERY_GLOBAL, value: query },
  );
}

/**
 * With WS_URL set, a client that connects elsewhere measures another backend
 * than the one named: said before the first turn, on the console and as an
 * annotation the reporter prints as a WARNING line.
 */
export function warnIfElsewhere(events: readonly PageEvent[], pageUrl: string, expected: string | undefined): void {
  if (!expected) return;
  const went = callSocketUrl(events, pageUrl);
  const wanted = endpointOf(expected);
  if (!went || !wanted || endpointOf(went.toString()) === wanted) return;
  const message =
    `WS_URL=${redactUrl(expected)}, but the client connected to ${targetOf(went).target}: its figures are that ` +
    "backend's (the client's page decides where it connects; see docs/clients.md#your-own-client)";
  console.warn(`WARNING: ${message}`);
  try {
    test.info().annotations.push({ type: TARGET_WARNING_ANNOTATION, description: message });
  } catch {
    // Outside a Playwright test (a driver used on its own): the console line is all there is.
  }
}
