import type { Page } from '@playwright/test';

/** One UI step of starting or ending a call, as a person would do it. */
export type Step = { role: string; name: string; optional?: boolean } | { text: string } | { waitMs: number };

/** How to open, start and end a call in one browser client. Plain data, so profiles can live in JSON files. */
export interface ClientProfile {
  name: string;
  /**
   * The page to open; unset = the reference client served by the fixtures. May hold {scenario}, {sessionId},
   * {callId} and {wsUrl}, filled per call (URL-encoded).
   */
  url?: string;
  /** Page on the reference client server ('/', or '/?build=legacy') and its transport. */
  referencePage?: string;
  referenceTransport?: 'browser' | 'acs' | 'realtime';
  /** Substring of the call socket's URL (other sockets on the page are ignored). */
  socketUrlIncludes: string;
  start: Step[];
  end: Step[];
  /** The agent greets when the call opens (Realtime sessions do not). */
  greeting: boolean;
  /**
   * Query parameters added to the call socket's URL, values with the same placeholders as `url`
   * ({"scenario": "{scenario}", "session_id": "{sessionId}"}): tells the backend what the client does not.
   */
  socketQuery?: Record<string, string>;
  /**
   * The client passes the call's scenario to its backend in a way the socket URL does not show (a page URL
   * parameter it forwards in a message, say): the task check applies to its calls.
   */
  passesScenario?: boolean;
  /** Cap the page's requestAnimationFrame rate (animations that cost a core per call); unset = untouched. */
  animationFps?: number;
  /** What the client asks getUserMedia for (documentation: the fake microphone serves any request). */
  getUserMedia?: string;
  /**
   * The client's send burst period (ms) when its pattern does not show it: the least allowance its pacing lateness
   * gets. Unset = measured per call (the median spacing of its send bursts).
   */
  sendBurstMs?: number;
  /**
   * Concurrent calls of this client one core carries before the load generator saturates (measured with
   * bench:density): sets the default worker count and the load warning. Unset = 1.
   */
  callsPerCore?: number;
  /** @deprecated Read and ignored: pacing is judged by its lateness against the client's own cadence. */
  sendJitterLimitMs?: number;
}

/**
 * "button:Start talking to agent; button:Custom Speech Cascade?; text:Connected; wait:500" -> steps ("?" = optional).
 */
export function parseSteps(text: string): Step[] | string {
  const steps: Step[] = [];
  for (const raw of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+):(.+?)(\?)?$/.exec(raw);
    if (!m) return `"${raw}" is not role:name, text:..., or wait:ms`;
    const [, kind, value, optional] = m;
    if (kind === 'wait') {
      const ms = Number(value);
      if (!Number.isFinite(ms) || ms < 0) return `"${raw}": wait needs milliseconds`;
      steps.push({ waitMs: ms });
    } else if (kind === 'text') {
      steps.push({ text: value!.trim() });
    } else {
      steps.push({ role: kind!, name: value!.trim(), ...(optional ? { optional: true } : {}) });
    }
  }
  return steps;
}

/** Performs the steps within `timeoutMs`; an optional step that is not there is skipped. */
export async function runSteps(page: Page, steps: readonly Step[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  for (const step of steps) {
    if ('waitMs' in step) {
      await page.waitForTimeout(Math.min(step.waitMs, left()));
    } else if ('text' in step) {
      await page.getByText(step.text).first().waitFor({ state: 'visible', timeout: left() });
    } else {
      const target = page.getByRole(step.role as Parameters<Page['getByRole']>[0], { name: step.name });
      if (step.optional) {
        const visible = await target.waitFor({ state: 'visible', timeout: Math.min(2000, left()) }).then(
          () => true,
          () => false,
        );
        if (!visible) continue;
      }
      await target.click({ timeout: left() });
    }
  }
}
