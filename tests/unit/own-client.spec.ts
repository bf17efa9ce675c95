import { expect, test } from '@playwright/test';
import type { CallerTrack } from '../../harness/audio/cache';
import { BUILTIN_PROFILES } from '../../harness/clients/builtin';
import { embeddedAgentNeeded, loadClientProfile } from '../../harness/clients/load';
import { loadHarnessConfig } from '../../harness/config';
import { sessionOf } from '../../harness/driver/outcome';
import { buildCallPlan } from '../../harness/driver/plan';
import type { PageEvent } from '../../harness/page/types';
import type { Ticket } from '../../harness/plan/ticket';
import { classifyBrowserConversation } from '../../harness/protocol/browser-conversation';
import { createRealtimeClassifier } from '../../harness/protocol/realtime';
import { runTargets } from '../../harness/reporter/targets';

/** Clients of your own: scenario and session passing, session ids, targets, misrouted protocol callers. */

const TRACK: CallerTrack = {
  scenario: 'quick_question',
  voice: 'v',
  variant: 'clean',
  turns: [
    {
      turnIndex: 0,
      text: 't',
      file: 'f',
      samples: new Int16Array(0),
      durationMs: 1000,
      speechStartMs: 0,
      speechEndMs: 900,
    },
  ],
};
const TICKET: Ticket = {
  callId: 'call-0007',
  callIndex: 6,
  shard: { index: 0, count: 1 },
  scenario: 'quick_question',
  phase: null,
  scheduledStartMs: 0,
  thinkTimeMs: [0],
  bargeDelayMs: 300,
  phases: [],
};

test('protocol callers aimed at an endpoint of another transport are refused before the run, naming both', () => {
  const browserPath = 'ws://agent.example/api/v1/browser/conversation';
  expect(() => loadHarnessConfig({ PROTOCOL_CALLS: '2', PROTOCOL_TRANSPORT: 'acs', WS_URL: browserPath })).toThrow(
    `PROTOCOL_TRANSPORT="acs" (from environment) is not valid: expected the transport of the protocol callers' ` +
      `endpoint: WS_URL=${browserPath} is a browser endpoint by its path; set PROTOCOL_TRANSPORT=browser, or ` +
      'PROTOCOL_WS_URL to a acs endpoint',
  );
  expect(() =>
    loadHarnessConfig({ PROTOCOL_CALLS: '2', PROTOCOL_WS_URL: 'ws://agent.example/api/v1/media/stream?key=s3cret' }),
  ).toThrow(/PROTOCOL_WS_URL=ws:\/\/agent\.example\/api\/v1\/media\/stream\?key=REDACTED is a acs endpoint/);
  // A matching transport, a path of no known shape (a backend's own route), or no protocol calls: accepted.
  expect(() =>
    loadHarnessConfig({ PROTOCOL_CALLS: '2', PROTOCOL_TRANSPORT: 'browser', WS_URL: browserPath }),
  ).not.toThrow();
  expect(() =>
    loadHarnessConfig({ PROTOCOL_CALLS: '2', PROTOCOL_TRANSPORT: 'acs', PROTOCOL_WS_URL: 'ws://bridge.example/phone' }),
  ).not.toThrow();
  expect(() => loadHarnessConfig({ PROTOCOL_TRANSPORT: 'acs', WS_URL: browserPath })).not.toThrow();
});

test("a client URL template is filled per call with the call's scenario, session and call id", () => {
  const config = loadHarnessConfig({
    CLIENT_PROFILE: 'generic',
    CLIENT_URL: 'http://client.example/app?scenario={scenario}&sid={sessionId}&call={callId}&ws={wsUrl}',
    WS_URL: 'ws://agent.example/api/v1/browser/conversation',
    HARNESS_RUN_ID: 'abcd0123',
  });
  const profile = loadClientProfile(config);
  const env = { HARNESS_RUN_ID: 'abcd0123' };
  const plan = buildCallPlan({ ticket: TICKET, track: TRACK, scenario: undefined, config, profile, env });
  const url = new URL(plan.pageUrl);
  expect(Object.fromEntries(url.searchParams)).toEqual({
    scenario: 'quick_question',
    sid: 'call-0007-abcd0123',
    call: 'call-0007',
    ws: 'ws://agent.example/api/v1/browser/conversation',
  });
  // A socketQuery is filled the same way; its scenario makes the task check apply.
  const withQuery = loadClientProfile(
    loadHarnessConfig({
      CLIENT_PROFILE: 'generic',
      CLIENT_URL: 'http://client.example/',
      CLIENT_SOCKET_QUERY: 'scenario={scenario}&session_id={sessionId}',
    }),
  );
  const queried = buildCallPlan({ ticket: TICKET, track: TRACK, scenario: undefined, config, profile: withQuery, env });
  expect(queried.socketQuery).toEqual({ scenario: 'quick_question', session_id: 'call-0007-abcd0123' });
  expect(queried.task).toEqual({ scenario: 'quick_question', passed: true });
  expect(plan.task).toEqual({ scenario: 'quick_question', passed: false });
  // A placeholder the harness does not know is refused before any browser starts.
  expect(() =>
    loadClientProfile(loadHarnessConfig({ CLIENT_PROFILE: 'generic', CLIENT_URL: 'http://c.example/?s={scenaro}' })),
  ).toThrow(/CLIENT_URL="http:\/\/c\.example\/\?s=\{scenaro\}" .*not \{scenaro\}/);
});

test('the embedded agent starts only when a call can use it', () => {
  const config = (env: Record<string, string>) => loadHarnessConfig(env);
  const generic = { CLIENT_PROFILE: 'generic', CLIENT_URL: 'http://client.example/' };
  const need = (env: Record<string, string>) => embeddedAgentNeeded(config(env), loadClientProfile(config(env)));
  expect(need({})).toBe(true);
  expect(need({ WS_URL: 'ws://a.example/x' })).toBe(false);
  expect(need(generic)).toBe(false);
  expect(need({ ...generic, PROTOCOL_CALLS: '3' })).toBe(true);
  expect(need({ ...generic, PROTOCOL_CALLS: '3', PROTOCOL_WS_URL: 'ws://a.example/x' })).toBe(false);
  expect(need({ ...generic, CLIENT_URL: 'http://client.example/?ws={wsUrl}' })).toBe(true);
  expect(embeddedAgentNeeded(config({}), BUILTIN_PROFILES['reference-acs']!)).toBe(true);
});

test('session ids: a relative socket URL resolved against the page, else the id the server announced', () => {
  const created = (url: string): PageEvent => ({ type: 'ws-created', at: 0, url });
  expect(sessionOf([created('/api/v1/browser/conversation?session_id=s1')], 'https://app.example/call')).toEqual({
    sessionId: 's1',
  });
  // Realtime's session.created and the browser transport's connected event name the session.
  const realtime = createRealtimeClassifier()(
    JSON.stringify({ type: 'session.created', event_id: 'e', session: { id: 'sess_42', object: 'realtime.session' } }),
  );
  expect(realtime).toEqual({ kind: 'session', id: 'sess_42' });
  const connected = classifyBrowserConversation(
    JSON.stringify({
      type: 'event',
      session_id: 'browser-7',
      payload: { event_type: 'speech_cascade_connected', message: 'Connected', session_id: 'browser-7' },
    }),
  );
  expect(connected).toEqual({ kind: 'session', id: 'browser-7' });
  const announced: PageEvent = { type: 'ws-session', at: 5, id: 'sess_42' };
  expect(sessionOf([created('wss://api.example/v1/realtime?model=m'), announced])).toEqual({ sessionId: 'sess_42' });
});

test('the run block names the distinct targets the calls went to, the profile and the client URL', () => {
  const rec = (target?: string) => ({ target }) as never;
  expect(
    runTargets(
      [rec('ws://b.example/x'), rec('ws://a.example/y'), rec('ws://b.example/x'), rec()],
      { wsUrl: 'ws://c.example/z', clientUrl: 'https://u:p@client.example/?token=t', clientProfile: 'generic' },
      'external',
    ),
  ).toEqual({
    target: 'ws://a.example/y, ws://b.example/x',
    targets: ['ws://a.example/y', 'ws://b.example/x'],
    clientProfile: 'generic',
    clientUrl: 'https://REDACTED:REDACTED@client.example/?token=REDACTED',
  });
  // No call opened a socket: the configured endpoint stands in.
  expect(
    runTargets([], { wsUrl: undefined, clientUrl: undefined, clientProfile: 'reference' }, 'ws://127.0.0.1:9/'),
  ).toEqual({
    target: 'ws://127.0.0.1:9/',
    clientProfile: 'reference',
  });
});
