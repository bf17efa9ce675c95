import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { PageHarnessOptions } from './types';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'entry.ts');
let bundled: string | undefined;

/**
 * The in-page harness as one self-contained script. Bundled with esbuild, not
 * passed as a function to addInitScript: a function's source text depends on
 * whichever transpiler loaded this file (tsx injects helpers the page lacks).
 */
export function pageHarnessScript(options: PageHarnessOptions): string {
  bundled ??= buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'chrome110',
    minify: false,
    legalComments: 'none',
  }).outputFiles[0]!.text;
  return `window.__harnessOptions = ${JSON.stringify(options)};\n${bundled}`;
}
