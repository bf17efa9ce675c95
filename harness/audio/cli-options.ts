import { TELEPHONE_MODES } from './filters';
import { NOISE_KINDS } from './noise';
import { DEFAULT_REALISM } from './realism';
import { DEFAULT_PROSODY_VARIATION, ENGINE_CHOICES } from './voices';

/**
 * `npm run audio` options, declared once: flag, kind, unit, default and doc.
 * Lists take every value up to the next option (`--voices a b`, as the Locust
 * suite's `make generate_audio` takes them); `--opt=value` works too.
 */
type Spec =
  | { kind: 'list'; doc: string; default: readonly string[] | null }
  | { kind: 'flag'; doc: string }
  | { kind: 'int' | 'number'; doc: string; default: number; min: number; max: number; unit?: string }
  | { kind: 'enum'; doc: string; values: readonly string[]; default: string }
  | { kind: 'string'; doc: string; default: string }
  | { kind: 'range'; doc: string; default: readonly [number, number]; min: number; max: number; unit: string };

export const CLI_OPTIONS = {
  scenarios: { kind: 'list', default: null, doc: 'scenarios to generate; default: every known scenario' },
  scenariosFile: { kind: 'string', default: '', doc: 'extra scenarios, in the format of harness/audio/scenarios.json' },
  maxTurns: { kind: 'int', default: 0, min: 0, max: 1000, doc: 'turns per scenario, from the first; 0 = all' },
  voices: { kind: 'list', default: null, doc: `caller voices; default: ${'en-US-JennyMultilingualNeural'} when Azure is used, else flite-slt flite-rms` },
  engine: { kind: 'enum', values: ENGINE_CHOICES, default: 'auto', doc: 'auto: Azure when AZURE_SPEECH_KEY and AZURE_SPEECH_REGION are set, offline per file where Azure fails' },
  clearCache: { kind: 'flag', doc: 'remove the cache\'s manifest and audio files first' },
  dir: { kind: 'string', default: '', doc: 'cache directory; default: $PCM_DIR, else audio_cache' },
  seed: { kind: 'int', default: DEFAULT_REALISM.seed, min: 0, max: 2 ** 31 - 1, doc: 'seed of every random choice (silences, level, rate, pitch, noise)' },
  noise: { kind: 'enum', values: NOISE_KINDS, default: DEFAULT_REALISM.noise, doc: 'background noise: office (babble, typing, ventilation) or street (traffic)' },
  snrDb: { kind: 'number', default: DEFAULT_REALISM.snrDb, min: -10, max: 60, unit: 'dB', doc: 'speech-to-noise ratio when --noise is set' },
  telephone: { kind: 'enum', values: TELEPHONE_MODES, default: DEFAULT_REALISM.telephone, doc: 'phone channel: band (300-3400 Hz) or band-8k (also 8 kHz mu-law round trip)' },
  levelDbfs: { kind: 'number', default: DEFAULT_REALISM.levelDbfs, min: -60, max: -3, unit: 'dBFS', doc: 'active speech level' },
  levelVariationDb: { kind: 'number', default: DEFAULT_REALISM.levelVariationDb, min: 0, max: 30, unit: 'dB', doc: 'per-file level drawn within +/- this' },
  rateVariationPct: { kind: 'number', default: DEFAULT_PROSODY_VARIATION.rateVariationPct, min: 0, max: 50, unit: '%', doc: 'per-caller speaking rate drawn within +/- this' },
  pitchVariationPct: { kind: 'number', default: DEFAULT_PROSODY_VARIATION.pitchVariationPct, min: 0, max: 50, unit: '%', doc: 'per-caller pitch drawn within +/- this' },
  leadSilenceMs: { kind: 'range', default: DEFAULT_REALISM.leadSilenceMs, min: 0, max: 10_000, unit: 'ms', doc: 'silence before speech, "low-high" drawn per file' },
  trailSilenceMs: { kind: 'range', default: DEFAULT_REALISM.trailSilenceMs, min: 0, max: 10_000, unit: 'ms', doc: 'silence after speech, "low-high" drawn per file' },
  help: { kind: 'flag', doc: 'print this help' },
} as const satisfies Record<string, Spec>;

type Table = typeof CLI_OPTIONS;
type ValueOf<S> =
  S extends { kind: 'list' } ? string[] | null :
  S extends { kind: 'flag' } ? boolean :
  S extends { kind: 'int' | 'number' } ? number :
  S extends { kind: 'range' } ? [number, number] :
  S extends { kind: 'enum'; values: readonly (infer V)[] } ? V :
  string;
export type CliOptions = { -readonly [K in keyof Table]: ValueOf<Table[K]> };

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const BY_FLAG = new Map(Object.keys(CLI_OPTIONS).map((k) => [flagOf(k), k as keyof Table]));

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CLI_OPTIONS) as Array<[keyof Table, Spec]>) {
    out[key] = spec.kind === 'flag' ? false : spec.kind === 'range' ? [...spec.default] : 'default' in spec ? spec.default : null;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const key = BY_FLAG.get(flag);
    if (!key) {
      throw new CliError(arg.startsWith('-')
        ? `unknown option ${flag}; known options: ${[...BY_FLAG.keys()].join(', ')}`
        : `unexpected argument "${arg}": values follow an option, e.g. --scenarios ${arg}`);
    }
    const spec: Spec = CLI_OPTIONS[key];
    if (spec.kind === 'flag') {
      if (inline !== undefined) throw new CliError(`${flag} takes no value`);
      out[key] = true;
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else if (spec.kind === 'list') while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    out[key] = parseValue(flag, spec, values);
  }
  return out as CliOptions;
}

function parseValue(flag: string, spec: Exclude<Spec, { kind: 'flag' }>, values: string[]): unknown {
  const raw = values.join(' ');
  const bad = (allowed: string) => new CliError(`${flag} ${JSON.stringify(raw)} is not valid: expected ${allowed} (${spec.doc})`);
  switch (spec.kind) {
    case 'list': {
      const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      if (!items.length) throw bad('one or more names');
      return items;
    }
    case 'int':
    case 'number': {
      const n = values.length === 1 && values[0]!.trim() !== '' ? Number(values[0]) : NaN;
      if (!Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n)) || n < spec.min || n > spec.max) {
        throw bad(`${spec.kind === 'int' ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}${spec.unit ? ` ${spec.unit}` : ''}`);
      }
      return n;
    }
    case 'enum':
      if (values.length !== 1 || !spec.values.includes(values[0]!)) throw bad(`one of ${spec.values.join(', ')}`);
      return values[0];
    case 'string':
      if (values.length !== 1 || !values[0]) throw bad('a value');
      return values[0];
    case 'range': {
      const m = values.length === 1 ? /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(values[0]!.trim()) : null;
      const low = m ? Number(m[1]) : NaN;
      const high = m?.[2] !== undefined ? Number(m[2]) : low;
      if (!m || low > high || low < spec.min || high > spec.max) throw bad(`"low-high" or one number, from ${spec.min} to ${spec.max} ${spec.unit}`);
      return [low, high];
    }
  }
}

export function cliHelp(): string {
  const lines = Object.entries(CLI_OPTIONS).map(([key, s]) => {
    const spec: Spec = s;
    const arg = spec.kind === 'list' ? ' <name...>' : spec.kind === 'flag' ? '' : spec.kind === 'enum' ? ` <${spec.values.join('|')}>` : ' <value>';
    const def = spec.kind === 'range' ? ` (default ${spec.default.join('-')} ${spec.unit})`
      : 'default' in spec && spec.default !== null && spec.default !== '' ? ` (default ${spec.default}${'unit' in spec && spec.unit ? ` ${spec.unit}` : ''})` : '';
    return `  ${(flagOf(key) + arg).padEnd(40)} ${spec.doc}${def}`;
  });
  return [
    'Usage: npm run audio -- [options]',
    '',
    'Generates caller audio (16 kHz mono PCM16 + manifest.jsonl, Locust cache layout) for the scenarios;',
    'files already in the cache are kept (content-addressed), so a re-run makes only what is missing.',
    '',
    ...lines,
    '',
    'Environment: AZURE_SPEECH_KEY and AZURE_SPEECH_REGION enable Azure neural voices; PCM_DIR sets the default --dir.',
  ].join('\n');
}
