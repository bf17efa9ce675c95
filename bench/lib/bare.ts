import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { loadCallerTracks } from '../../harness/audio/cache';
import { DEFAULT_PCM_DIR } from '../../harness/audio/defaults';
import { encodeWav } from '../../harness/audio/pcm';
import { CHROMIUM_ARGS, resolveChromium } from '../../harness/browser/resolve';
import { type ClientProfile, runSteps } from '../../harness/clients/profile';

/** A page's start steps (its start button) may take this long. */
const START_TIMEOUT_MS = 30_000;

/** One caller turn, then a pause long enough for the agent's answer: what a bare call's microphone loops. */
export function callerLoopWav(scenario = 'quick_question'): Promise<string> {
  return loadCallerTracks(DEFAULT_PCM_DIR).then((tracks) => {
    const track = tracks.find((t) => t.scenario === scenario);
    if (!track) throw new Error(`no ${scenario} audio: run \`npm run setup\` first`);
    const turn = track.turns[1] ?? track.turns[0]!;
    const loop = new Int16Array(turn.samples.length + 16000 * 4);
    loop.set(turn.samples);
    const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bare-caller-')), 'caller.wav');
    fs.writeFileSync(wav, encodeWav(loop, 16000));
    return wav;
  });
}

export interface BareCalls {
  /** The browser's process id: its tree is what the bare calls cost. */
  pid: number;
  close(): Promise<void>;
}

/**
 * The same client with nothing of the harness: one Chromium, a page per call
 * started the way a person would (its start button), Chromium's own fake
 * capture device playing `wav` in a loop as every page's microphone. What a
 * minimal script driving real pages costs, to set the harness's cost against.
 */
export async function startBareCalls(o: {
  profile: ClientProfile;
  /** The reference client's page (the fixtures' client server), or the profile's own URL. */
  pageUrl: string;
  calls: number;
  wav: string;
  staggerMs: number;
}): Promise<BareCalls> {
  const browser: Browser = await chromium.launch({
    executablePath: resolveChromium().executablePath,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${o.wav}`],
  });
  const pid = browserPid(browser);
  try {
    for (let i = 0; i < o.calls; i++) {
      const context = await browser.newContext({ permissions: ['microphone'] });
      const page = await context.newPage();
      await page.goto(o.pageUrl);
      await runSteps(page, o.profile.start, START_TIMEOUT_MS);
      await new Promise((r) => setTimeout(r, o.staggerMs));
    }
  } catch (e) {
    await browser.close();
    throw e;
  }
  return { pid, close: () => browser.close() };
}

/** Playwright does not expose a launched browser's process; the newest Chromium child of this process is it. */
function browserPid(_browser: Browser): number {
  const kids = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { pid: Number(d), ppid: Number(fields[1]), start: Number(fields[19]), cmd: stat };
      } catch {
        return null;
      }
    })
    .filter((p) => p !== null && p.ppid === process.pid && /chrom/i.test(p.cmd))
    .sort((a, b) => b!.start - a!.start);
  if (!kids.length) throw new Error('cannot find the launched Chromium among this process’s children');
  return kids[0]!.pid;
}
