import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { harnessOptions } from '../../harness/config';
import { ROOT } from '../helpers/run-load';
import { commandsOf, glob, type Job, needs, readWorkflow, runStep, step, uses } from '../helpers/workflow';

/**
 * The sharded load workflow, read with a real YAML parser: the matrix and the
 * merge job wired together, and every command it runs documented.
 */

const { text, workflow } = readWorkflow('load.yml');
const { setup, load, merge } = workflow.jobs as { setup: Job; load: Job; merge: Job };
const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { default?: string }> };

test('the workflow is valid YAML with the inputs the README names, dispatched by hand', () => {
  expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
  expect(Object.keys(dispatch.inputs)).toEqual(
    expect.arrayContaining(['ws_url', 'shards', 'workers', 'plan', 'baseline']),
  );
  expect(Object.keys(workflow.jobs)).toEqual(['setup', 'load', 'merge']);
  // The plan input's default is a plan in the repository.
  expect(fs.existsSync(path.join(ROOT, dispatch.inputs.plan!.default!))).toBe(true);
});

test('the matrix counts the shards through the setup job, and every shard gets the same plan start', () => {
  expect(needs(load)).toEqual(['setup']);
  expect(load.strategy?.['fail-fast']).toBe(false);
  // A matrix cannot count to a number input: the setup job writes the JSON array it expands.
  expect(load.strategy?.matrix).toEqual({ shard: '${{ fromJSON(needs.setup.outputs.shard-indexes) }}' });
  const shape = step(setup, (s) => s.id === 'shape', 'the setup step');
  for (const output of ['shards', 'shard-indexes', 'plan-start-at']) {
    expect(setup.outputs?.[output]).toBe(`\${{ steps.shape.outputs.${output} }}`);
    expect(shape.run).toContain(`echo "${output}=`);
  }
  expect(shape.env?.SHARDS).toBe('${{ inputs.shards }}');
  // The step's script, run as the runner runs it (bash -e, GNU coreutils).
  const outputs = runStep(shape, { SHARDS: '3', START_DELAY_MINUTES: '5' });
  expect(outputs.code).toBe(0);
  expect(JSON.parse(outputs.values['shard-indexes']!)).toEqual([1, 2, 3]);
  expect(outputs.values.shards).toBe('3');
  const startMs = Date.parse(outputs.values['plan-start-at']!);
  expect(startMs % 60_000).toBe(0);
  expect(startMs - Date.now()).toBeGreaterThan(5 * 60_000);
  expect(startMs - Date.now()).toBeLessThanOrEqual(7 * 60_000);
  // One shard is a matrix of one: its blob report is still written (playwright.config.ts), uploaded and merged.
  const one = runStep(shape, { SHARDS: '1', START_DELAY_MINUTES: '0' });
  expect(one.code).toBe(0);
  expect(JSON.parse(one.values['shard-indexes']!)).toEqual([1]);
  for (const bad of ['0', '257', 'three', '']) {
    const r = runStep(shape, { SHARDS: bad, START_DELAY_MINUTES: '5' });
    expect(r.code, `shards=${bad}`).not.toBe(0);
    expect(r.stdout).toContain('::error::shards=');
  }

  // One PLAN_START_AT for the whole matrix: computed once, in the setup job, never per shard.
  expect(load.env?.PLAN_START_AT).toBe('${{ needs.setup.outputs.plan-start-at }}');
  expect(load.steps.some((s) => s.env?.PLAN_START_AT !== undefined || /PLAN_START_AT|date /.test(s.run ?? ''))).toBe(
    false,
  );
  expect(load.env).toMatchObject({
    WS_URL: '${{ inputs.ws_url }}',
    PLAN: '${{ inputs.plan }}',
    WORKERS: '${{ inputs.workers }}',
  });
  // CALLS set beside a plan caps the tests the plan may use (runShape): it is passed only without a plan.
  expect(load.env?.CALLS).toBe("${{ inputs.plan == '' && inputs.calls || '' }}");
  // Every variable the job sets is a harness option (or Playwright's own).
  const known = new Set<string>(Object.values(harnessOptions).map((o) => o.env));
  expect(Object.keys(load.env!).filter((k) => !known.has(k))).toEqual([]);

  const run = step(load, (s) => /playwright test/.test(s.run ?? ''), 'the load step');
  expect(run.run).toBe('npx playwright test --shard ${{ matrix.shard }}/${{ needs.setup.outputs.shards }}');
  const installs = load.steps.map((s) => s.run).filter(Boolean);
  expect(installs.slice(0, 2)).toEqual(['npm ci', 'npx playwright install --with-deps chromium']);
  expect(step(load, uses('actions/setup-node'), 'setup-node').with?.['node-version']).toBe(20);
});

test(
  'each shard uploads its blob report under a name the merge job downloads, and the merge uses the ' +
    'harness reporter',
  () => {
    const upload = step(load, uses('actions/upload-artifact'), 'the blob upload');
    expect(upload.if).toBe('always()');
    // Playwright's blob reporter writes blob-report/ unless told otherwise.
    expect(upload.with).toMatchObject({
      name: 'blob-report-${{ matrix.shard }}',
      path: 'blob-report',
      'if-no-files-found': 'error',
    });

    expect(needs(merge)).toEqual(expect.arrayContaining(['load']));
    // The merge runs when shards failed too: it is what names a missing shard.
    expect(merge.if).toMatch(/^always\(\)/);
    const download = step(
      merge,
      (s) => uses('actions/download-artifact')(s) && s.with?.pattern !== undefined,
      'the blob download',
    );
    const pattern = String(download.with!.pattern);
    for (const shard of [1, 2, 17]) expect(`blob-report-${shard}`).toMatch(glob(pattern));
    expect('load-report').not.toMatch(glob(pattern));
    expect(download.with?.['merge-multiple']).toBe(true);

    const mergeStep = step(merge, (s) => /merge-reports/.test(s.run ?? ''), 'the merge step');
    const m = /^npx playwright merge-reports --reporter (\S+) (\S+)$/.exec(mergeStep.run!);
    expect(m, mergeStep.run).not.toBeNull();
    expect(path.resolve(ROOT, m![1]!)).toBe(path.join(ROOT, 'harness', 'reporter', 'index.ts'));
    expect(m![2]!.replace(/\/$/, '')).toBe(String(download.with!.path).replace(/\/$/, ''));
    expect(mergeStep.env?.BASELINE).toBe('${{ steps.baseline.outputs.file }}');

    // The reports the reporter writes (REPORT_DIR's default) are published, under the name a later baseline reads.
    const publish = step(merge, (s) => uses('actions/upload-artifact')(s), 'the report upload');
    expect(publish.if).toBe('always()');
    expect(String(publish.with?.path).replace(/\/$/, '')).toBe(harnessOptions.reportDir.default);
    const baseline = step(
      merge,
      (s) => uses('actions/download-artifact')(s) && s.with?.['run-id'] !== undefined,
      'the baseline download',
    );
    expect(baseline.with?.name).toBe(publish.with?.name);
    const parse = step(merge, (s) => s.id === 'baseline', 'the baseline step');
    expect(parse.run).toContain(`file=${String(baseline.with?.path)}/summary.json`);
    expect(parse.env?.BASELINE_INPUT).toBe('${{ inputs.baseline }}');
  },
);

test("every expression refers to something that exists: inputs, needed jobs' outputs, earlier steps' outputs", () => {
  const inputs = Object.keys(dispatch.inputs);
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const jobText = JSON.stringify(job);
    for (const [, input] of jobText.matchAll(/inputs\.([\w-]+)/g))
      expect(inputs, `${name}: inputs.${input}`).toContain(input);
    for (const [, other, output] of jobText.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      expect(needs(job), `${name} uses ${other}'s outputs`).toContain(other);
      expect(Object.keys(workflow.jobs[other!]!.outputs ?? {}), `${other} outputs ${output}`).toContain(output);
    }
    for (const [i, s] of job.steps.entries()) {
      for (const [, id, output] of JSON.stringify(s).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const source = job.steps.slice(0, i).find((p) => p.id === id);
        expect(source, `${name}: step ${id} comes before ${s.name ?? s.uses}`).toBeDefined();
        expect(source!.run, `${name}: step ${id} writes ${output}`).toContain(`${output}=`);
      }
    }
    if (name !== 'load') expect(jobText, `${name} has no matrix`).not.toContain('matrix.');
  }
  // Unpinned actions change under a load test; every action names its major version.
  for (const job of Object.values(workflow.jobs))
    for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/^actions\/[\w-]+@v\d+$/);
});

test('the commands the workflow runs are the ones docs/scaling.md documents', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'scaling.md'), 'utf8');
  const commands = [load, merge].flatMap(commandsOf);
  expect(commands.length).toBeGreaterThanOrEqual(4);
  for (const command of commands) {
    // A workflow expression stands for a value the page writes out (1/3 for the shard).
    const pattern = command
      .split(/\$\{\{[^}]*\}\}/)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\S+');
    expect(doc, command).toMatch(new RegExp(`(^|[\\s\`])${pattern}($|[\\s\`])`, 'm'));
  }
  // The page points at the workflow, and the workflow at the page.
  expect(doc).toContain('.github/workflows/load.yml');
  expect(text).toContain('docs/scaling.md');
});
