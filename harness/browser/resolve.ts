import fs from 'node:fs';
import { chromium } from 'playwright';
import { DISABLE_FEATURES_ARG } from './features';

/** Debian's real binary (the /usr/bin/chromium wrapper adds flags and prints noise). */
export const DEBIAN_CHROMIUM = '/usr/lib/chromium/chromium';

export type BrowserSource = 'CHROMIUM_PATH' | 'playwright' | 'debian';

export interface ResolvedBrowser {
  source: BrowserSource;
  /** undefined = let Playwright launch its own installed browser. */
  executablePath?: string;
  description: string;
}

export const INSTALL_HINT =
  "Install one with `npx playwright install chromium` (Playwright's own build), " +
  'or set CHROMIUM_PATH to a Chromium binary. ' +
  "On Debian/Ubuntu as root, `npm run setup` installs the distribution's `chromium` package.";

export class BrowserNotFoundError extends Error {
  constructor(detail: string) {
    super(`${detail}\n${INSTALL_HINT}`);
    this.name = 'BrowserNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, else Playwright's installed Chromium, else Debian's; throws with what to do. */
export function resolveChromium(env: Record<string, string | undefined> = process.env): ResolvedBrowser {
  const explicit = env.CHROMIUM_PATH?.trim();
  if (explicit) {
    if (!isExecutable(explicit))
      throw new BrowserNotFoundError(`CHROMIUM_PATH="${explicit}" is not an executable file.`);
    return { source: 'CHROMIUM_PATH', executablePath: explicit, description: `${explicit} (CHROMIUM_PATH)` };
  }
  let playwrightPath: string | undefined;
  try {
    playwrightPath = chromium.executablePath();
  } catch {
    playwrightPath = undefined;
  }
  if (playwrightPath && isExecutable(playwrightPath)) {
    return { source: 'playwright', description: `Playwright's Chromium (${playwrightPath})` };
  }
  if (isExecutable(DEBIAN_CHROMIUM)) {
    return { source: 'debian', executablePath: DEBIAN_CHROMIUM, description: `Debian's Chromium (${DEBIAN_CHROMIUM})` };
  }
  throw new BrowserNotFoundError(
    "No Chromium found: CHROMIUM_PATH is unset, Playwright's browser is not installed, and " +
      DEBIAN_CHROMIUM +
      ' does not exist.',
  );
}

/**
 * Flags for calls: audio may start without a gesture, no background traffic
 * leaves the machine (a closed network refuses it, many at a time), and a new
 * page starts without the browser UI's extra renderers (./features.ts).
 */
export const CHROMIUM_ARGS = [
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-gpu',
  DISABLE_FEATURES_ARG,
];
