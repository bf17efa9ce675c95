import fs from 'node:fs';
import path from 'node:path';

/**
 * One writer per cache directory. Two load runs (or `npm run audio` during a
 * run's set-up) could otherwise both read the manifest, generate, and the last
 * rename would drop the other's lines. The lock is a file created exclusively;
 * a lock whose process is gone, or older than staleMs, is taken over.
 */
export const LOCK_NAME = '.manifest.lock';

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  staleMs?: number;
  onWait?: (holderPid: number) => void;
}

export async function withCacheLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const file = path.join(dir, LOCK_NAME);
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const staleMs = opts.staleMs ?? 15 * 60_000;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(file);
    if (!holder || (holder.pid > 0 && !alive(holder.pid)) || Date.now() - holder.atMs > staleMs) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `${dir} is locked by process ${holder.pid} (${file}) for more than ${timeoutMs} ms; remove the lock file if ` +
          `that process is gone`,
      );
    }
    if (!told) {
      opts.onWait?.(holder.pid);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The holder, or pid 0 for a lock still being written (held, unless it stays unreadable for 5 s). */
function readHolder(file: string): { pid: number; atMs: number } | null {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as { pid?: unknown; at?: unknown };
    if (typeof v.pid === 'number' && typeof v.at === 'string') return { pid: v.pid, atMs: Date.parse(v.at) };
  } catch {
    // fall through
  }
  return Date.now() - mtimeMs < 5000 ? { pid: 0, atMs: Date.now() } : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
