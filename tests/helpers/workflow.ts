import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@playwright/test';
import { parse } from 'yaml';
import { ROOT } from './run-load';

/** The parts of a GitHub Actions workflow the workflow tests read. */
export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
export interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  outputs?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  env?: Record<string, string>;
  steps: Step[];
}
export interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

/** A workflow under .github/workflows, read with a real YAML parser; `text` is the file as written. */
export function readWorkflow(file: string): { text: string; workflow: Workflow } {
  const text = fs.readFileSync(path.join(ROOT, '.github', 'workflows', file), 'utf8');
  return { text, workflow: parse(text) as Workflow };
}

export const needs = (job: Job): string[] => [job.needs ?? []].flat();

/** The one step of `job` that `match` picks (the test fails when there are none or several). */
export function step(job: Job, match: (s: Step) => boolean, what: string): Step {
  const found = job.steps.filter(match);
  expect(found, what).toHaveLength(1);
  return found[0]!;
}

export const uses =
  (action: string) =>
  (s: Step): boolean =>
    s.uses?.split('@')[0] === action;

/** The one-line `run:` commands of a job, in order. */
export const commandsOf = (job: Job): string[] =>
  job.steps.map((s) => s.run?.trim()).filter((r): r is string => r !== undefined && !r.includes('\n'));

/**
 * Runs a step's script as GitHub's runner does (bash -e) with the given environment; returns what it wrote to
 * GITHUB_OUTPUT.
 */
export function runStep(
  s: Step,
  env: Record<string, string>,
): { code: number | null; stdout: string; values: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-step-'));
  const output = path.join(dir, 'output');
  fs.writeFileSync(output, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], {
    env: { PATH: process.env.PATH, ...env, GITHUB_OUTPUT: output },
    encoding: 'utf8',
  });
  const lines = fs.readFileSync(output, 'utf8').split('\n').filter(Boolean);
  const values = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, values };
}

/** A GitHub glob (`*` within a name) as a RegExp. */
export function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
}
