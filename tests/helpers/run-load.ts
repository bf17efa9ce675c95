import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../harness/reporter/schema';
import type { CallRecord } from '../../harness/metrics/record';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** quick_question from a Locust suite's Azure neural (Jenny) cache, copied unchanged: real caller audio. */
export const LOCUST_CACHE_DIR = path.join(ROOT, 'tests', 'data', 'audio', 'neural-jenny-quick');
const PLAYWRIGHT_CLI = path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');

export interface LoadRun {
  code: number | null;
  output: string;
  reportDir: string;
  elapsedMs: number;
  summary: Summary;
  calls: Array<Omit<CallRecord, 'histograms'>>;
}

/**
 * Runs `playwright test` (the load run, the README's main job) as a user would, in its own report dir.
 * One call per worker unless `env` says otherwise: these runs set their concurrency with --workers.
 */
export async function runLoad(
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 8 * 60_000,
  onSpawn?: (pid: number) => void,
  /** Told each piece of output as it comes (the live lines say what phase the run is in). */
  onOutput?: (text: string) => void,
): Promise<LoadRun> {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-run-'));
  const started = Date.now();
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', ...args], {
    cwd: ROOT,
    env: { ...process.env, REPORT_DIR: reportDir, CALLS_PER_WORKER: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    onOutput?.(d.toString());
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const summaryFile = path.join(reportDir, 'summary.json');
  if (!fs.existsSync(summaryFile))
    throw new Error(`no summary.json after the run (exit ${code}):\n${output.slice(-3000)}`);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
  const callsFile = path.join(reportDir, 'calls.jsonl');
  const calls = fs.existsSync(callsFile)
    ? fs
        .readFileSync(callsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Omit<CallRecord, 'histograms'>)
    : [];
  return { code, output, reportDir, elapsedMs: Date.now() - started, summary, calls };
}

export function latency(summary: Summary, name: string) {
  const m = summary.metrics[name];
  if (m?.kind !== 'latency')
    throw new Error(`summary has no latency metric ${name}; it has ${Object.keys(summary.metrics).join(', ')}`);
  return m;
}
