import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { loadCallerTracks } from '../../harness/audio/cache';
import { CLI_OPTIONS, cliHelp, parseCliArgs } from '../../harness/audio/cli-options';
import { ConfigError } from '../../harness/config/options';
import { clearCallerAudio, ensureCallerAudio } from '../../harness/audio/generate';
import { ManifestError, readManifest } from '../../harness/audio/manifest';
import { builtInScenarios, pickScenarios } from '../../harness/audio/scenarios';
import { ROOT } from '../helpers/run-load';
import { snapshot, tempDir } from '../helpers/audio-signals';

const scenarios = builtInScenarios();
const quick = pickScenarios(scenarios, ['quick_question']);

/** `npm run audio -- <args>` as a user runs it (without npm's banner). */
function audioCli(args: string[], env: Record<string, string | undefined> = {}) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'harness/audio/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AZURE_SPEECH_KEY: '', AZURE_SPEECH_REGION: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, elapsedMs: Date.now() - started };
}

test('offline generation writes both seed scenarios in two voices; a second run generates nothing', async () => {
  const dir = tempDir('audio-perf');
  const args = [
    '--dir',
    dir,
    '--scenarios',
    'insurance_inquiry',
    'quick_question',
    '--voices',
    'flite-slt',
    'flite-rms',
  ];
  const first = audioCli(args);
  expect(first.code, first.stderr).toBe(0);
  const entries = readManifest(dir);
  expect(entries).toHaveLength((5 + 3) * 2);
  expect(entries.every((e) => e.engine === 'flite' && fs.existsSync(path.join(dir, e.filename)))).toBe(true);
  const before = snapshot(dir);
  const mtimes = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs);

  const second = audioCli(args);
  expect(second.code, second.stderr).toBe(0);
  expect(snapshot(dir)).toEqual(before);
  expect(fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs)).toEqual(mtimes);
  // How long it took is recorded, not judged: a shared machine's timings are no test's business.
  test.info().annotations.push({
    type: 'generation-time-ms',
    description: `first ${first.elapsedMs}, second ${second.elapsedMs} (both include node + tsx start-up)`,
  });
});

test(
  'every built-in scenario is generated with all its turns, Locust fields and the transform, and loads ' +
    'in turn order',
  async () => {
    const dir = tempDir('audio-all');
    const result = await ensureCallerAudio({
      dir,
      scenarios: [...scenarios.values()],
      voices: ['flite-awb'],
      engine: 'offline',
      realism: { seed: 3 },
    });
    const turnTotal = [...scenarios.values()].reduce((n, s) => n + s.turns.length, 0);
    expect(result).toMatchObject({
      generated: turnTotal,
      total: turnTotal,
      byEngine: { flite: turnTotal, azure: 0 },
      fallbacks: 0,
    });
    const entries = readManifest(dir);
    for (const e of entries) {
      for (const key of [
        'filename',
        'path',
        'text',
        'voice',
        'sample_rate',
        'style',
        'rate',
        'duration_seconds',
        'label',
        'scenario',
        'turn_index',
        'turn_count',
        'created_at',
        'hash',
        'speech_start_ms',
        'speech_end_ms',
        'engine',
        'caller',
        'variant',
        'pitch',
        'seed',
        'noise_seed',
        'noise',
        'snr_db',
        'telephone',
        'level_dbfs',
        'lead_silence_ms',
        'trail_silence_ms',
      ]) {
        expect(e, `${e.filename} lacks ${key}`).toHaveProperty(key);
      }
      expect(e.filename).toBe(`${e.scenario.replace(/_/g, '-')}-turn-${e.turn_index}-of-${e.turn_count}_${e.hash}.pcm`);
      expect(e.label).toBe(`${e.scenario}-turn-${e.turn_index}-of-${e.turn_count}`);
      expect(e.rate).toMatch(/^[+-]\d+%$/);
      // Speech starts where the drawn lead silence ends (the VAD needs a few frames to be sure).
      expect(Math.abs(e.speech_start_ms! - e.lead_silence_ms!)).toBeLessThanOrEqual(60);
      expect(e.duration_seconds * 1000 - e.speech_end_ms!).toBeGreaterThanOrEqual(e.trail_silence_ms! - 60);
      // The Locust-style sidecar holds the same record.
      expect(JSON.parse(fs.readFileSync(path.join(dir, e.filename.replace(/\.pcm$/, '.json')), 'utf8'))).toEqual(e);
    }
    const tracks = await loadCallerTracks(dir);
    expect(tracks.map((t) => t.scenario).sort()).toEqual([...scenarios.keys()].sort());
    for (const t of tracks) {
      const scenario = scenarios.get(t.scenario)!;
      expect(t.turns.map((x) => x.text)).toEqual(scenario.turns.map((x) => x.text));
      expect(t.turns.map((x) => x.turnIndex)).toEqual(scenario.turns.map((_, i) => i + 1));
      expect(t.variant).toBe('clean');
    }
    // The false alarm is a short backchannel, not a sentence.
    const mhm = tracks.find((t) => t.scenario === 'false_alarm')!.turns[1]!;
    expect(mhm.text).toBe('Mhm.');
    expect(mhm.speechEndMs - mhm.speechStartMs).toBeLessThan(1000);
  },
);

test(
  'transform options are part of the content address; a new seed replaces the old files of that ' + 'caller',
  async () => {
    const dir = tempDir('audio-variants');
    const clean = await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt'], realism: { seed: 1 } });
    const noisy = await ensureCallerAudio({
      dir,
      scenarios: quick,
      voices: ['flite-slt'],
      realism: { seed: 1, noise: 'street', snrDb: 15, telephone: 'band-8k' },
    });
    expect([clean.generated, noisy.generated]).toEqual([3, 3]);
    expect(
      (
        await ensureCallerAudio({
          dir,
          scenarios: quick,
          voices: ['flite-slt'],
          realism: { seed: 1, noise: 'street', snrDb: 15, telephone: 'band-8k' },
        })
      ).generated,
    ).toBe(0);
    expect(
      (
        await ensureCallerAudio({
          dir,
          scenarios: quick,
          voices: ['flite-slt'],
          realism: { seed: 1, noise: 'street', snrDb: 16, telephone: 'band-8k' },
        })
      ).generated,
    ).toBe(3);
    let entries = readManifest(dir);
    expect(new Set(entries.map((e) => e.variant))).toEqual(
      new Set(['clean', 'street-15db+phone-8k', 'street-16db+phone-8k']),
    );
    expect(
      entries
        .filter((e) => e.variant === 'street-15db+phone-8k')
        .every((e) => e.noise === 'street' && e.snr_db === 15 && e.telephone === 'band-8k'),
    ).toBe(true);
    const tracks = await loadCallerTracks(dir);
    expect(tracks.map((t) => t.variant).sort()).toEqual(['clean', 'street-15db+phone-8k', 'street-16db+phone-8k']);

    const reseeded = await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt'], realism: { seed: 2 } });
    expect(reseeded.generated).toBe(3);
    entries = readManifest(dir);
    expect(entries.filter((e) => e.variant === 'clean').map((e) => e.seed)).toEqual([2, 2, 2]);
    expect(entries).toHaveLength(9);
  },
);

test(
  'lines from an older cache of this harness (no caller or variant recorded) are replaced, not ' + 'doubled',
  async () => {
    const dir = tempDir('audio-older');
    await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-rms'], realism: { seed: 5 } });
    const manifest = path.join(dir, 'manifest.jsonl');
    const older = readManifest(dir).map(({ caller: _c, variant: _v, ...rest }) => rest);
    fs.writeFileSync(manifest, `${older.map((e) => JSON.stringify(e)).join('\n')}\n`);
    expect((await loadCallerTracks(dir)).map((t) => t.variant)).toEqual(['clean']);
    await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-rms'], realism: { seed: 6 } });
    expect(readManifest(dir).map((e) => e.seed)).toEqual([6, 6, 6]);
    expect(await loadCallerTracks(dir)).toHaveLength(1);
  },
);

test('a bad manifest line stops generation with file and line, and nothing in the cache is touched', async () => {
  const dir = tempDir('audio-bad');
  await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt'], maxTurns: 2 });
  const manifest = path.join(dir, 'manifest.jsonl');
  const good = fs.readFileSync(manifest, 'utf8').split('\n').filter(Boolean);
  const cases: Array<[string, RegExp]> = [
    [`${good[0]}\n${good[1]!.slice(0, 40)}\n`, /manifest\.jsonl:2: not valid JSON/],
    [`${good[0]}\n\n${good[1]}\n`, /manifest\.jsonl:2: empty line/],
    [
      `${good[0]}\n{"filename":"x.pcm","text":"hi","sample_rate":16000,"scenario":"quick_question"}\n`,
      /manifest\.jsonl:2: field "turn_index" must be a number/,
    ],
  ];
  for (const [text, message] of cases) {
    fs.writeFileSync(manifest, text);
    const before = snapshot(dir);
    const err = await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt', 'flite-rms'] }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(manifest);
    expect(snapshot(dir)).toEqual(before);
    await expect(loadCallerTracks(dir)).rejects.toThrow(message);
  }
});

test('two generators on one cache take turns: every file once, no line lost', async () => {
  const dir = tempDir('audio-lock');
  const [a, b] = await Promise.all([
    ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt', 'flite-kal16'] }),
    ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt', 'flite-kal16'] }),
  ]);
  expect(a.generated + b.generated).toBe(6);
  const entries = readManifest(dir);
  expect(entries).toHaveLength(6);
  expect(new Set(entries.map((e) => e.filename)).size).toBe(6);
  expect(fs.existsSync(path.join(dir, '.manifest.lock'))).toBe(false);
});

test('--clear-cache removes the manifest and the audio, and leaves other files', async () => {
  const dir = tempDir('audio-clear');
  await ensureCallerAudio({ dir, scenarios: quick, voices: ['flite-slt'] });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
  const { removed } = await clearCallerAudio(dir);
  expect(removed).toBe(3 * 2 + 1);
  expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
});

test('the CLI names unknown scenarios, voices and bad values with what is allowed, and writes nothing', () => {
  const dir = tempDir('audio-cli');
  const cases: Array<[string[], RegExp]> = [
    [
      ['--scenarios', 'no_such'],
      new RegExp(
        'unknown scenario "no_such"; known scenarios: ' +
          'insurance_inquiry, quick_question, simple_query, tool_call, interruption, false_alarm',
      ),
    ],
    [
      ['--voices', 'robot'],
      new RegExp(
        'unknown voice "robot".*known voices: ' +
          'offline flite-slt, flite-rms, flite-awb, flite-kal16, flite-kal; Azure neural voices',
      ),
    ],
    [
      ['--engine', 'offline', '--voices', 'en-US-JennyMultilingualNeural'],
      /an Azure voice, and --engine offline speaks only offline voices/,
    ],
    [['--max-turns', 'two'], /--max-turns "two" is not valid: expected an integer from 0 to 1000/],
    [['--noise', 'rain'], /--noise "rain" is not valid: expected one of none, office, street/],
    [['--lead-silence-ms', '500-100'], /--lead-silence-ms "500-100" is not valid/],
    [['--engine', 'azure'], /--engine azure needs AZURE_SPEECH_KEY and AZURE_SPEECH_REGION/],
    [['--frobnicate'], /unknown option --frobnicate; known options: --scenarios, --scenarios-file, --max-turns/],
  ];
  for (const [args, message] of cases) {
    const r = audioCli(['--dir', dir, ...args]);
    expect(r.code, args.join(' ')).toBe(1);
    expect(r.stderr).toMatch(message);
  }
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('the CLI reads its flags with the shared option specs: lists, --opt=value, bool flags, the same errors', () => {
  const argv = ['--voices', 'flite-slt,flite-rms', 'flite-awb', '--seed=7', '--clear-cache', '--snr-db', '-5'];
  const opts = parseCliArgs(argv);
  expect(opts.voices).toEqual(['flite-slt', 'flite-rms', 'flite-awb']);
  expect([opts.seed, opts.clearCache, opts.snrDb, opts.help]).toEqual([7, true, -5, false]);
  expect(parseCliArgs([]).scenarios).toEqual([]); // empty = every known scenario
  expect(parseCliArgs(['--lead-silence-ms=200']).leadSilenceMs).toEqual([200, 200]);
  expect(parseCliArgs(['--clear-cache=false']).clearCache).toBe(false);
  const cases: Array<[string[], RegExp]> = [
    [['--voices'], /^--voices "" is not valid: expected one or more names separated by commas or spaces \(caller/],
    [['--voices', '--seed', '2'], /^--voices ""/],
    [['--dir'], /^--dir "" is not valid: expected a string \(cache directory/],
    [['--clear-cache=maybe'], /^--clear-cache "maybe" is not valid: expected true or false/],
    [['--snr-db', '99'], /^--snr-db "99" is not valid: expected a number from -10 to 60 dB \(speech-to-noise/],
    [['--seed', '1.5'], /^--seed "1.5" is not valid: expected an integer from 0 to 2147483647/],
  ];
  for (const [args, message] of cases) {
    let error: unknown;
    try {
      parseCliArgs(args);
    } catch (e) {
      error = e;
    }
    expect(error, args.join(' ')).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  }
  expect(() => parseCliArgs(['quick_question'])).toThrow(/unexpected argument "quick_question": values follow/);
  const help = cliHelp();
  for (const spec of Object.values(CLI_OPTIONS)) expect(help).toContain(spec.flag);
  expect(help).toContain('(default 150-450 ms)');
});

test(
  "--scenarios-file adds the user's scenarios (same format as scenarios.json); a bad one is named with " +
    'scenario and turn',
  () => {
    const dir = tempDir('audio-userfile');
    const file = path.join(dir, 'my-scenarios.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        billing: {
          description: 'A billing question',
          turns: [{ text: 'Why is my bill 40 dollars higher?', expect: ['bill'] }],
        },
      }),
    );
    const cache = path.join(dir, 'cache');
    const ok = audioCli([
      '--dir',
      cache,
      '--scenarios-file',
      file,
      '--scenarios',
      'billing',
      'simple_query',
      '--voices',
      'flite-kal16',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readManifest(cache).map((e) => [e.scenario, e.text])).toEqual([
      ['billing', 'Why is my bill 40 dollars higher?'],
      ['simple_query', 'What are your opening hours on Saturday?'],
    ]);
    fs.writeFileSync(file, JSON.stringify({ billing: { turns: [{ text: 'Hi' }, { text: 'Bye', timeoutSec: -1 }] } }));
    const bad = audioCli(['--dir', cache, '--scenarios-file', file, '--scenarios', 'billing']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}: scenario "billing" turn 2: "timeoutSec" must be a number > 0 (seconds)`);
  },
);
