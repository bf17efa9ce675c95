import { expect, test } from '@playwright/test';
import { BrowserNotFoundError, resolveChromium } from '../../harness/browser/resolve';

test('CHROMIUM_PATH that is not an executable is an error that says what to do', () => {
  let error: unknown;
  try {
    resolveChromium({ CHROMIUM_PATH: '/nonexistent/chromium' });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BrowserNotFoundError);
  expect((error as Error).message).toContain('CHROMIUM_PATH="/nonexistent/chromium" is not an executable file');
  expect((error as Error).message).toContain('npx playwright install chromium');
});

test('without CHROMIUM_PATH a browser is found on this machine (set-up installs one)', () => {
  const found = resolveChromium({});
  expect(['playwright', 'debian']).toContain(found.source);
});
