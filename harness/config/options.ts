/**
 * Declarative option tables: each option is declared once (key, env name, kind,
 * unit, default, doc) and read with precedence env > config file > default.
 * Errors name the variable, the value given and what is allowed, so a bad value
 * stops a run before any browser starts.
 */

interface BaseSpec {
  /** Environment variable (and config-file key) that sets this option. */
  env?: string;
  /** Command-line flag that sets this option, for a command's own table (`npm run audio -- --max-turns 2`). */
  flag?: `--${string}`;
  doc: string;
  unit?: string;
}
export interface IntSpec extends BaseSpec {
  kind: 'int';
  default: number;
  min?: number;
  max?: number;
}
export interface NumberSpec extends BaseSpec {
  kind: 'number';
  default: number;
  min?: number;
  max?: number;
}
/** A number whose absence means something of its own (unset leaves the choice to someone else). */
export interface OptionalNumberSpec extends BaseSpec {
  kind: 'optional-number';
  min?: number;
  max?: number;
}
/** On the command line a bool flag alone means true; `--flag=false` also works. */
export interface BoolSpec extends BaseSpec {
  kind: 'bool';
  default: boolean;
}
export interface StringSpec extends BaseSpec {
  kind: 'string';
  default: string;
}
export interface OptionalStringSpec extends BaseSpec {
  kind: 'optional-string';
}
export interface UrlSpec extends BaseSpec {
  kind: 'url';
  protocols: readonly string[];
}
export interface EnumSpec<V extends string = string> extends BaseSpec {
  kind: 'enum';
  values: readonly V[];
  default: V;
}
/** Names separated by commas or whitespace; `nonEmpty` refuses an empty list where one was given. */
export interface ListSpec extends BaseSpec {
  kind: 'list';
  default: readonly string[];
  values?: readonly string[];
  nonEmpty?: boolean;
}
/** "300-800" or "500": a [low, high] pair, drawn from per use. */
export interface RangeSpec extends BaseSpec {
  kind: 'range';
  default: readonly [number, number];
  min: number;
  max: number;
}

export type OptionSpec =
  | IntSpec
  | NumberSpec
  | OptionalNumberSpec
  | BoolSpec
  | StringSpec
  | OptionalStringSpec
  | UrlSpec
  | EnumSpec
  | ListSpec
  | RangeSpec;
export type OptionTable = Record<string, OptionSpec>;
/** Options read from the environment and a config file: each has an env name. */
export type EnvOptionTable = Record<string, OptionSpec & { env: string }>;
/** A command's own options: each has a flag. */
export type FlagOptionTable = Record<string, OptionSpec & { flag: `--${string}` }>;

type ValueOf<S extends OptionSpec> = S extends IntSpec | NumberSpec
  ? number
  : S extends OptionalNumberSpec
    ? number | undefined
    : S extends BoolSpec
      ? boolean
      : S extends StringSpec
        ? string
        : S extends OptionalStringSpec | UrlSpec
          ? string | undefined
          : S extends EnumSpec<infer V>
            ? V
            : S extends ListSpec
              ? string[]
              : S extends RangeSpec
                ? [number, number]
                : never;

export type OptionValues<T extends OptionTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: unknown,
    readonly allowed: string,
    readonly origin: string,
  ) {
    // A flag is quoted as it is typed on the command line, where its origin goes without saying.
    const given = variable.startsWith('--')
      ? `${variable} ${JSON.stringify(value)}`
      : `${variable}=${JSON.stringify(value)} (from ${origin})`;
    super(`${given} is not valid: expected ${allowed}`);
    this.name = 'ConfigError';
  }
}

export function defineOptions<const T extends EnvOptionTable>(table: T): T {
  return table;
}

export function defineFlags<const T extends FlagOptionTable>(table: T): T {
  return table;
}

/** The name a user sets the option by: its flag on a command's table, else its env name. */
export function optionName(spec: OptionSpec): string {
  return spec.flag ?? spec.env ?? '(unnamed option)';
}

export interface OptionSources {
  env?: Record<string, string | undefined>;
  /** Parsed config file: keys are env names or option keys. */
  file?: Record<string, unknown>;
  fileName?: string;
}

/** Reads every option of `table` from the sources; throws ConfigError on the first bad value. */
export function readOptions<T extends EnvOptionTable>(table: T, sources: OptionSources): OptionValues<T> {
  const env = sources.env ?? {};
  const file = sources.file ?? {};
  const known = new Set<string>();
  for (const [key, spec] of Object.entries(table)) {
    known.add(key);
    known.add(spec.env);
  }
  for (const key of Object.keys(file)) {
    if (!known.has(key) && !key.startsWith('$')) {
      const names = Object.values(table)
        .map((s) => s.env)
        .join(', ');
      throw new ConfigError(key, file[key], `one of the known options: ${names}`, sources.fileName ?? 'config file');
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      out[key] = parseOption(spec, fromEnv, 'environment');
    } else if (file[spec.env] !== undefined || file[key] !== undefined) {
      out[key] = parseOption(spec, file[spec.env] ?? file[key], sources.fileName ?? 'config file');
    } else {
      out[key] = defaultOf(spec);
    }
  }
  return out as OptionValues<T>;
}

/** The value an option takes when nothing sets it (a fresh copy for lists and ranges). */
export function defaultOf(spec: OptionSpec): unknown {
  switch (spec.kind) {
    case 'optional-string':
    case 'optional-number':
    case 'url':
      return undefined;
    case 'list':
      return [...spec.default];
    case 'range':
      return [spec.default[0], spec.default[1]];
    default:
      return spec.default;
  }
}

/** The default as a user would type it; empty where there is none (unset, empty string, empty list). */
export function defaultText(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'optional-string':
    case 'optional-number':
    case 'url':
      return '';
    case 'list':
      return spec.default.join(',');
    case 'range':
      return spec.default[0] === spec.default[1] ? String(spec.default[0]) : spec.default.join('-');
    default:
      return String(spec.default);
  }
}

/** What the option accepts, without unit or doc: the words of both error messages and the reference. */
export function allowedOf(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'number':
    case 'optional-number': {
      const what = spec.kind === 'int' ? 'an integer' : 'a number';
      if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
      if (spec.min !== undefined) return `${what} >= ${spec.min}`;
      if (spec.max !== undefined) return `${what} <= ${spec.max}`;
      return what;
    }
    case 'bool':
      return 'true or false';
    case 'string':
    case 'optional-string':
      return 'a string';
    case 'url':
      return `an absolute URL with scheme ${spec.protocols.join(' or ')}`;
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'list':
      return (
        `${spec.nonEmpty ? 'one or more names' : 'a list of names'}` +
        `${spec.values ? ` from ${spec.values.join(', ')},` : ''} separated by commas or spaces`
      );
    case 'range':
      return `a number or a range "low-high" from ${spec.min} to ${spec.max}`;
  }
}

/** The "expected ..." of an error: what is allowed, in the option's unit, and what the option is for. */
export function expectedOf(spec: OptionSpec): string {
  const numeric =
    spec.kind === 'int' || spec.kind === 'number' || spec.kind === 'optional-number' || spec.kind === 'range';
  return `${allowedOf(spec)}${numeric && spec.unit ? ` ${spec.unit}` : ''} (${spec.doc})`;
}

/** Parses one raw value (text from the environment or command line, or JSON from a config file). */
export function parseOption(spec: OptionSpec, raw: unknown, origin: string): unknown {
  const bad = (detail = '') => new ConfigError(optionName(spec), raw, expectedOf(spec) + detail, origin);
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (spec.kind) {
    case 'int':
    case 'number':
    case 'optional-number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
      const ok =
        Number.isFinite(n) &&
        (spec.kind !== 'int' || Number.isInteger(n)) &&
        (spec.min === undefined || n >= spec.min) &&
        (spec.max === undefined || n <= spec.max);
      if (!ok) throw bad();
      return n;
    }
    case 'bool': {
      if (typeof text === 'boolean') return text;
      const s = String(text).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw bad();
    }
    case 'string':
    case 'optional-string':
      if (typeof text !== 'string') throw bad();
      return text;
    case 'url': {
      if (typeof text !== 'string') throw bad();
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw bad();
      }
      if (!spec.protocols.includes(url.protocol.replace(/:$/, ''))) throw bad();
      return text;
    }
    case 'enum':
      if (typeof text !== 'string' || !spec.values.includes(text)) throw bad();
      return text;
    case 'list': {
      const items = Array.isArray(text) ? text.map(String) : typeof text === 'string' ? text.split(/[,\s]+/) : null;
      if (!items) throw bad();
      const clean = items.map((s) => s.trim()).filter(Boolean);
      if (spec.nonEmpty && !clean.length) throw bad();
      const unknown = spec.values && clean.find((s) => !spec.values!.includes(s));
      if (unknown !== undefined) throw bad(`; "${unknown}" is unknown`);
      return clean;
    }
    case 'range': {
      const m =
        typeof text === 'number'
          ? [String(text), String(text)]
          : /^(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?$/.exec(String(text))?.slice(1);
      if (!m) throw bad();
      const low = Number(m[0]);
      const high = m[1] === undefined ? low : Number(m[1]);
      if (!(low <= high) || low < spec.min || high > spec.max) throw bad();
      return [low, high];
    }
  }
}

/** One line per option, for `--help` output. */
export function describeOptions(table: OptionTable): string {
  return Object.values(table)
    .map((s) => {
      const def = 'default' in s ? JSON.stringify(s.default) : '(unset)';
      return `  ${optionName(s).padEnd(28)} ${s.doc}${s.unit ? ` [${s.unit}]` : ''}; default ${def}`;
    })
    .join('\n');
}
