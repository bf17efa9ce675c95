/**
 * Placeholders a client profile's page URL and socketQuery may hold, filled
 * per call: how a client of your own is told the call's scenario and session
 * without changing it.
 */
export interface CallVariables {
  /** The call's scenario (the backend needs it for the task check to apply). */
  scenario: string;
  /** An id for the agent's session, unique per run: find the call in the backend's logs by it. */
  sessionId: string;
  /** The harness's id of the call (call-0001, ...). */
  callId: string;
  /** WS_URL, else the embedded reference agent's endpoint for the profile's transport. */
  wsUrl: string;
}

export const PLACEHOLDERS: readonly (keyof CallVariables)[] = ['scenario', 'sessionId', 'callId', 'wsUrl'];

/** Placeholders in `text` the harness does not know ("{scenraio}"): a typo would otherwise reach the client as is. */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1]!)
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

/** Whether `text` uses placeholder `name`. */
export function usesPlaceholder(text: string | undefined, name: keyof CallVariables): boolean {
  return text?.includes(`{${name}}`) ?? false;
}

/** Fills the placeholders; `encode` URL-encodes each value (for a URL written out whole). */
export function fillTemplate(text: string, vars: Partial<CallVariables>, encode: boolean): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = (vars as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) return whole;
    return encode ? encodeURIComponent(value) : value;
  });
}

/** A socketQuery with its placeholders filled: the parameters added to the call socket's URL. */
export function fillQuery(query: Record<string, string>, vars: Partial<CallVariables>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, fillTemplate(v, vars, false)]));
}

/** "scenario={scenario}&session_id={sessionId}" -> { scenario: "{scenario}", session_id: "{sessionId}" }. */
export function parseQueryTemplate(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const part of text
    .split('&')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `"${part}" is not name=value`;
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}
