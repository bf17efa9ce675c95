import { spawnSync } from 'node:child_process';
import { ROOT } from './run-load';

/** A benchmark run as a user runs it (`npm run --silent bench:<name> -- args`), to its end: status, stdout, stderr. */
export function runBench(name: string, args: string[], timeoutMs = 120_000) {
  return spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}
