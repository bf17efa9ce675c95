import type { Page } from '@playwright/test';

/** How to open, start and end a call in one browser client. */
export interface ClientProfile {
  name: string;
  /** Substring of the call socket's URL (other sockets on the page are ignored). */
  socketUrlIncludes: string;
  /** The page to open for a call of `scenario` against `wsUrl`. */
  pageUrl(clientUrl: string, wsUrl: string | undefined, scenario: string): string;
  start(page: Page, timeoutMs: number): Promise<void>;
  end(page: Page, timeoutMs: number): Promise<void>;
}

/** The reference client served by the fixtures (and any client with the same buttons). */
export const referenceClient: ClientProfile = {
  name: 'reference',
  socketUrlIncludes: '/conversation',
  pageUrl(clientUrl, wsUrl, scenario) {
    const url = new URL(clientUrl);
    if (wsUrl) url.searchParams.set('ws', wsUrl);
    url.searchParams.set('scenario', scenario);
    return url.toString();
  },
  async start(page, timeoutMs) {
    await page.getByRole('button', { name: 'Start talking to agent' }).click({ timeout: timeoutMs });
  },
  async end(page, timeoutMs) {
    const button = page.getByRole('button', { name: 'End conversation with agent' });
    if (await button.isVisible()) await button.click({ timeout: timeoutMs });
  },
};
