import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT } from '../helpers/run-load';

/** The formatter's width (biome.json): it wraps code, but never a comment, a string or markup. */
const MAX_COLUMNS = 120;

test("source lines fit the formatter's 120 columns, comments and strings included", () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && fs.existsSync(path.join(ROOT, f)));
  expect(files.length).toBeGreaterThan(100);
  const long = files.flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.length > MAX_COLUMNS ? [`${f}:${i + 1} (${line.length})`] : [])),
  );
  expect(long).toEqual([]);
});
