import { spawnSync } from 'node:child_process';
import { ensureDefaultAudio } from '../audio/defaults';
import { BrowserNotFoundError, resolveChromium } from './resolve';

/**
 * `npm run setup` (also run by `npm install`): finds a browser, installs
 * Debian's chromium when running as root with apt and none is found, and
 * generates the default caller audio. With --postinstall it never fails the
 * install; the run itself reports what is missing.
 */
const postinstall = process.argv.includes('--postinstall');

function tryResolve(): string | null {
  try {
    return resolveChromium().description;
  } catch (e) {
    if (e instanceof BrowserNotFoundError) return null;
    throw e;
  }
}

function hasApt(): boolean {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

function installDebianChromium(): boolean {
  console.log("setup: no Chromium found; installing Debian's chromium package (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`setup: apt-get ${args.join(' ')} failed (exit ${r.status}).`);
      return false;
    }
  }
  return true;
}

let browser = tryResolve();
if (!browser && process.getuid?.() === 0 && hasApt()) {
  installDebianChromium();
  browser = tryResolve();
}
let ok = true;
if (browser) {
  console.log(`setup: browser: ${browser}`);
} else {
  ok = false;
  try {
    resolveChromium();
  } catch (e) {
    console.error(`setup: ${(e as Error).message}`);
  }
}

try {
  const made = await ensureDefaultAudio((line) => console.log(`setup: ${line}`));
  console.log(`setup: caller audio: ${made.total} files in ${made.dir} (${made.generated} generated now)`);
} catch (e) {
  ok = false;
  console.error(`setup: caller audio generation failed: ${(e as Error).message}`);
}

if (!ok && !postinstall) process.exit(1);
