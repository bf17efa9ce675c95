import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT } from '../helpers/run-load';
import loadRunsConfig from '../load-runs.config';
import unitConfig from '../unit.config';
import { commandsOf, type Job, readWorkflow, step, uses } from '../helpers/workflow';

/**
 * The test workflow on push and pull request, and the test tiers it runs:
 * the same commands as the README's Quick start and .ci/run, and every spec
 * file of the project's own tests in exactly one tier.
 */

const { workflow } = readWorkflow('ci.yml');
const { test: fast, 'load-tier': loadTier } = workflow.jobs as { test: Job; 'load-tier': Job };
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

test('the fast tier runs on every push and pull request; the load tier nightly, by hand and on a label', () => {
  expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch']);
  // push with no filter: every branch.
  expect(workflow.on.push).toBeNull();
  expect((workflow.on.pull_request as { types: string[] }).types).toEqual(
    expect.arrayContaining(['opened', 'synchronize', 'labeled']),
  );
  expect(Object.keys(workflow.jobs)).toEqual(['test', 'load-tier']);

  // The fast tier is skipped only for a label change (its code did not change).
  expect(fast.if).toBe("github.event.action != 'labeled'");
  expect(commandsOf(fast)).toEqual(['npm ci', 'npx playwright install --with-deps chromium', 'npm test']);
  expect(commandsOf(loadTier)).toEqual(['npm ci', 'npx playwright install --with-deps chromium', 'npm run test:load']);
  for (const event of ['schedule', 'workflow_dispatch', 'pull_request'])
    expect(loadTier.if).toContain(`github.event_name == '${event}'`);
  expect(loadTier.if).toContain("contains(github.event.pull_request.labels.*.name, 'load-tests')");
  for (const job of [fast, loadTier]) {
    expect(step(job, uses('actions/setup-node'), 'setup-node').with?.['node-version']).toBe(20);
    for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/^actions\/[\w-]+@v\d+$/);
  }
  expect(step(loadTier, uses('actions/upload-artifact'), 'the output upload').if).toBe('failure()');
});

test("the tiers are the README's test commands, and .ci/run runs both", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const ciRun = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
  for (const command of ['npm test', 'npm run test:load']) {
    expect(readme, command).toContain(command);
    expect(ciRun, command).toMatch(new RegExp(`(^|&& |\\s)${command}(\\s|$)`, 'm'));
  }
  expect(pkg.scripts.test).toContain('playwright test -c tests/unit.config.ts');
  expect(pkg.scripts.test).toContain('npm run lint');
  expect(pkg.scripts.test).toContain('tsc -p .');
  expect(pkg.scripts['test:load']).toBe('playwright test -c tests/load-runs.config.ts');
});

test("every spec file of the project's own tests belongs to exactly one tier", () => {
  const specs = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, 'tests', dir)).filter((f) => f.endsWith('.spec.ts'));
  const tiers = fs
    .readdirSync(path.join(ROOT, 'tests'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && specs(d.name).length > 0)
    .map((d) => d.name)
    .sort();
  // tests/load is the load run itself (playwright.config.ts); reporter-fixture is a canned run the reporter tests
  // drive.
  expect(tiers).toEqual(['load', 'load-runs', 'reporter-fixture', 'unit']);
  // Each tier's config reads its own folder, whole.
  expect(unitConfig.projects?.map((p) => p.testDir)).toEqual(['unit', 'unit']);
  expect(loadRunsConfig.projects?.map((p) => [p.testDir, p.grep])).toEqual([
    ['load-runs', undefined],
    ['unit', /@timing/],
  ]);
  expect(loadRunsConfig.workers).toBe(1);
  // What the load tier takes from tests/unit, the fast tier leaves out.
  expect(unitConfig.grepInvert).toEqual(/@timing/);
});
