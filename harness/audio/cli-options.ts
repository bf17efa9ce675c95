import {
  ConfigError,
  defaultOf,
  defaultText,
  defineFlags,
  expectedOf,
  parseOption,
  type OptionSpec,
  type OptionValues,
} from '../config/options';
import { TELEPHONE_MODES } from './filters';
import { NOISE_KINDS } from './noise';
import { DEFAULT_REALISM } from './realism';
import { DEFAULT_AZURE_VOICE, DEFAULT_PROSODY_VARIATION, ENGINE_CHOICES } from './voices';

/**
 * `npm run audio` options, declared once with the harness's option specs (flag,
 * kind, unit, default, doc), so a bad value is refused by the same code and in
 * the same words as a bad environment variable, and the configuration
 * reference documents them from this table.
 */
export const CLI_OPTIONS = defineFlags({
  scenarios: {
    flag: '--scenarios',
    kind: 'list',
    default: [],
    nonEmpty: true,
    doc: 'scenarios to generate; default: every known scenario',
  },
  scenariosFile: {
    flag: '--scenarios-file',
    kind: 'string',
    default: '',
    doc: 'extra scenarios, in the format of harness/audio/scenarios.json',
  },
  maxTurns: {
    flag: '--max-turns',
    kind: 'int',
    default: 0,
    min: 0,
    max: 1000,
    doc: 'turns per scenario, from the first; 0 = all',
  },
  voices: {
    flag: '--voices',
    kind: 'list',
    default: [],
    nonEmpty: true,
    doc: `caller voices; default: ${DEFAULT_AZURE_VOICE} when Azure is used, else flite-slt flite-rms`,
  },
  engine: {
    flag: '--engine',
    kind: 'enum',
    values: ENGINE_CHOICES,
    default: 'auto',
    doc: 'auto: Azure when AZURE_SPEECH_KEY and AZURE_SPEECH_REGION are set, offline per file where Azure fails',
  },
  clearCache: {
    flag: '--clear-cache',
    kind: 'bool',
    default: false,
    doc: "remove the cache's manifest and audio files first",
  },
  dir: { flag: '--dir', kind: 'string', default: '', doc: 'cache directory; default: $PCM_DIR, else audio_cache' },
  seed: {
    flag: '--seed',
    kind: 'int',
    default: DEFAULT_REALISM.seed,
    min: 0,
    max: 2 ** 31 - 1,
    doc: 'seed of every random choice (silences, level, rate, pitch, noise)',
  },
  noise: {
    flag: '--noise',
    kind: 'enum',
    values: NOISE_KINDS,
    default: DEFAULT_REALISM.noise,
    doc: 'background noise: office (babble, typing, ventilation) or street (traffic)',
  },
  snrDb: {
    flag: '--snr-db',
    kind: 'number',
    default: DEFAULT_REALISM.snrDb,
    min: -10,
    max: 60,
    unit: 'dB',
    doc: 'speech-to-noise ratio when --noise is set',
  },
  telephone: {
    flag: '--telephone',
    kind: 'enum',
    values: TELEPHONE_MODES,
    default: DEFAULT_REALISM.telephone,
    doc: 'phone channel: band (300-3400 Hz) or band-8k (also 8 kHz mu-law round trip)',
  },
  levelDbfs: {
    flag: '--level-dbfs',
    kind: 'number',
    default: DEFAULT_REALISM.levelDbfs,
    min: -60,
    max: -3,
    unit: 'dBFS',
    doc: 'active speech level',
  },
  levelVariationDb: {
    flag: '--level-variation-db',
    kind: 'number',
    default: DEFAULT_REALISM.levelVariationDb,
    min: 0,
    max: 30,
    unit: 'dB',
    doc: 'per-file level drawn within +/- this',
  },
  rateVariationPct: {
    flag: '--rate-variation-pct',
    kind: 'number',
    default: DEFAULT_PROSODY_VARIATION.rateVariationPct,
    min: 0,
    max: 50,
    unit: '%',
    doc: 'per-caller speaking rate drawn within +/- this',
  },
  pitchVariationPct: {
    flag: '--pitch-variation-pct',
    kind: 'number',
    default: DEFAULT_PROSODY_VARIATION.pitchVariationPct,
    min: 0,
    max: 50,
    unit: '%',
    doc: 'per-caller pitch drawn within +/- this',
  },
  leadSilenceMs: {
    flag: '--lead-silence-ms',
    kind: 'range',
    default: DEFAULT_REALISM.leadSilenceMs,
    min: 0,
    max: 10_000,
    unit: 'ms',
    doc: 'silence before speech, "low-high" drawn per file',
  },
  trailSilenceMs: {
    flag: '--trail-silence-ms',
    kind: 'range',
    default: DEFAULT_REALISM.trailSilenceMs,
    min: 0,
    max: 10_000,
    unit: 'ms',
    doc: 'silence after speech, "low-high" drawn per file',
  },
  help: { flag: '--help', kind: 'bool', default: false, doc: 'print this help' },
});

type Table = typeof CLI_OPTIONS;
export type CliOptions = { -readonly [K in keyof Table]: OptionValues<Table>[K] };

/** What `--help` and the configuration reference say about the command besides its flags. */
export const CLI_NOTES = {
  usage: 'npm run audio -- [options]',
  about: [
    'Generates caller audio (16 kHz mono PCM16 + manifest.jsonl, Locust cache layout) for the scenarios;',
    'files already in the cache are kept (content-addressed), so a re-run makes only what is missing.',
  ],
  syntax: [
    "Lists take every value up to the next option (--voices flite-slt flite-rms, as the Locust suite's",
    '`make generate_audio` takes them) or commas; --opt=value works too; a bool flag alone means true.',
  ],
  environment: 'AZURE_SPEECH_KEY and AZURE_SPEECH_REGION enable Azure neural voices; PCM_DIR sets the default --dir.',
} as const;

/** Where a flag's value came from, for ConfigError (whose message quotes a flag as typed). */
const COMMAND_LINE = 'command line';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

const BY_FLAG = new Map(Object.entries(CLI_OPTIONS).map(([key, spec]) => [spec.flag as string, key as keyof Table]));

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CLI_OPTIONS)) out[key] = defaultOf(spec);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const key = BY_FLAG.get(flag);
    if (!key) {
      throw new CliError(
        arg.startsWith('-')
          ? `unknown option ${flag}; known options: ${[...BY_FLAG.keys()].join(', ')}`
          : `unexpected argument "${arg}": values follow an option, e.g. --scenarios ${arg}`,
      );
    }
    const spec: OptionSpec = CLI_OPTIONS[key];
    if (spec.kind === 'bool' && inline === undefined) {
      out[key] = true;
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else if (spec.kind === 'list')
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    const raw = values.join(' ');
    // A flag given without a value is a mistake for every kind, even where an empty string would parse.
    if (raw.trim() === '') throw new ConfigError(flag, raw, expectedOf(spec), COMMAND_LINE);
    out[key] = parseOption(spec, raw, COMMAND_LINE);
  }
  return out as CliOptions;
}

export function cliHelp(): string {
  const lines = Object.values(CLI_OPTIONS).map((s) => {
    const spec: OptionSpec = s;
    const arg =
      spec.kind === 'list'
        ? ' <name...>'
        : spec.kind === 'bool'
          ? ''
          : spec.kind === 'enum'
            ? ` <${spec.values.join('|')}>`
            : ' <value>';
    const def = defaultText(spec);
    // A bool flag's false default is simply the flag left out.
    const quiet = !def || (spec.kind === 'bool' && !spec.default);
    const shown = quiet ? '' : ` (default ${def}${spec.unit ? ` ${spec.unit}` : ''})`;
    return `  ${(s.flag + arg).padEnd(40)} ${spec.doc}${shown}`;
  });
  return [
    `Usage: ${CLI_NOTES.usage}`,
    '',
    ...CLI_NOTES.about,
    '',
    ...lines,
    '',
    ...CLI_NOTES.syntax,
    `Environment: ${CLI_NOTES.environment}`,
  ].join('\n');
}
