import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { azureCredentialsFromEnv, redactSecret } from './azure';
import { ConfigError } from '../config/options';
import { CliError, cliHelp, parseCliArgs, type CliOptions } from './cli-options';
import { PROJECT_ROOT } from './defaults';
import { clearCallerAudio, ensureCallerAudio, type GenerateResult } from './generate';
import { pickScenarios, scenariosWithFile } from './scenarios';
import { checkVoices, defaultVoices } from './voices';

/**
 * `npm run audio`: the caller-audio generator (the Locust suite's
 * `make generate_audio`). Prints one line per file made and a summary; exits
 * non-zero with a one-line reason on any error.
 */
export async function runAudioCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<GenerateResult | null> {
  const opts = parseCliArgs(argv);
  if (opts.help) {
    out(cliHelp());
    return null;
  }
  const engine = opts.engine;
  const credentials = engine === 'offline' ? null : azureCredentialsFromEnv(env);
  const all = scenariosWithFile(opts.scenariosFile || undefined);
  // An empty list is the declared default: every known scenario, and the voices the engine speaks.
  const scenarios = pickScenarios(all, opts.scenarios.length ? opts.scenarios : [...all.keys()]);
  const voices = opts.voices.length ? opts.voices : defaultVoices(engine, credentials !== null);
  checkVoices(voices, engine);
  if (engine === 'azure' && !credentials)
    throw new CliError('--engine azure needs AZURE_SPEECH_KEY and AZURE_SPEECH_REGION to be set');
  const dir = path.resolve(opts.dir || env.PCM_DIR || path.join(PROJECT_ROOT, 'audio_cache'));

  if (opts.clearCache) {
    const { removed } = await clearCallerAudio(dir);
    out(`cleared ${dir}: ${removed} files removed`);
  }
  const engineText =
    engine === 'offline'
      ? 'offline (Flite)'
      : credentials
        ? `${engine}: Azure region ${credentials.region}`
        : `${engine}: offline (AZURE_SPEECH_KEY/AZURE_SPEECH_REGION not set)`;
  out(
    `generating ${scenarios.map((s) => s.name).join(', ')} x ${voices.join(', ')} into ${dir} [engine ${engineText}]`,
  );
  const result = await ensureCallerAudio({
    dir,
    scenarios,
    voices,
    engine,
    maxTurns: opts.maxTurns,
    azure: { credentials },
    realism: realismOf(opts),
    prosodyVariation: { rateVariationPct: opts.rateVariationPct, pitchVariationPct: opts.pitchVariationPct },
    onProgress: (p) => {
      if (!p.generated) return;
      const via = p.fallback ? ` (offline stand-in for ${p.caller}: ${p.fallback})` : '';
      out(`[${p.done}/${p.total}] ${p.file}  ${p.engine} ${p.voice}${via}  ${(p.elapsedMs / 1000).toFixed(1)} s`);
    },
    onNotice: (line) => out(`note: ${line}`),
  });
  const made = Object.entries(result.byEngine)
    .filter(([, n]) => n > 0)
    .map(([e, n]) => `${n} ${e}`)
    .join(', ');
  out(
    `done in ${(result.elapsedMs / 1000).toFixed(1)} s: ${result.generated} generated${made ? ` (${made})` : ''}, ` +
      `${result.total - result.generated} already in the cache` +
      `${result.fallbacks ? `, ${result.fallbacks} spoken offline in place of Azure` : ''}`,
  );
  return result;
}

function realismOf(opts: CliOptions) {
  return {
    seed: opts.seed,
    noise: opts.noise,
    snrDb: opts.snrDb,
    telephone: opts.telephone,
    levelDbfs: opts.levelDbfs,
    levelVariationDb: opts.levelVariationDb,
    leadSilenceMs: opts.leadSilenceMs,
    trailSilenceMs: opts.trailSilenceMs,
  };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const scrub = (s: string) => redactSecret(s, process.env.AZURE_SPEECH_KEY?.trim() ?? '');
  try {
    await runAudioCli(process.argv.slice(2), process.env, (line) => console.log(scrub(line)));
  } catch (e) {
    const message = scrub((e as Error).message);
    console.error(`npm run audio: ${message}`);
    if (e instanceof CliError || e instanceof ConfigError) console.error('(npm run audio -- --help lists the options)');
    process.exitCode = 1;
  }
}
