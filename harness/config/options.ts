/**
 * Declarative option tables: each option is declared once (key, env name, kind,
 * unit, default, doc) and read with precedence env > config file > default.
 * Errors name the variable, the value given and what is allowed, so a bad value
 * stops a run before any browser starts.
 */

interface BaseSpec {
  /** Environment variable (and config-file key) that sets this option. */
  env: string;
  doc: string;
  unit?: string;
}
export interface IntSpec extends BaseSpec { kind: 'int'; default: number; min?: number; max?: number }
export interface NumberSpec extends BaseSpec { kind: 'number'; default: number; min?: number; max?: number }
export interface BoolSpec extends BaseSpec { kind: 'bool'; default: boolean }
export interface StringSpec extends BaseSpec { kind: 'string'; default: string }
export interface OptionalStringSpec extends BaseSpec { kind: 'optional-string' }
export interface UrlSpec extends BaseSpec { kind: 'url'; protocols: readonly string[] }
export interface EnumSpec<V extends string = string> extends BaseSpec { kind: 'enum'; values: readonly V[]; default: V }
export interface ListSpec extends BaseSpec { kind: 'list'; default: readonly string[]; values?: readonly string[] }
/** "300-800" or "500": a [low, high] pair, drawn from per use. */
export interface RangeSpec extends BaseSpec { kind: 'range'; default: readonly [number, number]; min: number; max: number }

export type OptionSpec = IntSpec | NumberSpec | BoolSpec | StringSpec | OptionalStringSpec | UrlSpec | EnumSpec | ListSpec | RangeSpec;
export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> =
  S extends IntSpec | NumberSpec ? number :
  S extends BoolSpec ? boolean :
  S extends StringSpec ? string :
  S extends OptionalStringSpec | UrlSpec ? string | undefined :
  S extends EnumSpec<infer V> ? V :
  S extends ListSpec ? string[] :
  S extends RangeSpec ? [number, number] :
  never;

export type OptionValues<T extends OptionTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly value: unknown, readonly allowed: string, readonly origin: string) {
    super(`${variable}=${JSON.stringify(value)} (from ${origin}) is not valid: expected ${allowed}`);
    this.name = 'ConfigError';
  }
}

export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

export interface OptionSources {
  env?: Record<string, string | undefined>;
  /** Parsed config file: keys are env names or option keys. */
  file?: Record<string, unknown>;
  fileName?: string;
}

/** Reads every option of `table` from the sources; throws ConfigError on the first bad value. */
export function readOptions<T extends OptionTable>(table: T, sources: OptionSources): OptionValues<T> {
  const env = sources.env ?? {};
  const file = sources.file ?? {};
  const known = new Set<string>();
  for (const [key, spec] of Object.entries(table)) {
    known.add(key);
    known.add(spec.env);
  }
  for (const key of Object.keys(file)) {
    if (!known.has(key) && !key.startsWith('$')) {
      throw new ConfigError(key, file[key], `one of the known options: ${[...Object.values(table)].map((s) => s.env).join(', ')}`, sources.fileName ?? 'config file');
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      out[key] = parseValue(spec, fromEnv, 'environment');
    } else if (file[spec.env] !== undefined || file[key] !== undefined) {
      out[key] = parseValue(spec, file[spec.env] ?? file[key], sources.fileName ?? 'config file');
    } else {
      out[key] = defaultOf(spec);
    }
  }
  return out as OptionValues<T>;
}

function defaultOf(spec: OptionSpec): unknown {
  switch (spec.kind) {
    case 'optional-string':
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

function rangeText(spec: IntSpec | NumberSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`>= ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  const unit = spec.unit ? ` ${spec.unit}` : '';
  return `${spec.kind === 'int' ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}${unit} (${spec.doc})`;
}

function parseValue(spec: OptionSpec, raw: unknown, origin: string): unknown {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
      const ok = Number.isFinite(n) && (spec.kind === 'number' || Number.isInteger(n))
        && (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
      if (!ok) throw new ConfigError(spec.env, raw, rangeText(spec), origin);
      return n;
    }
    case 'bool': {
      if (typeof text === 'boolean') return text;
      const s = String(text).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw new ConfigError(spec.env, raw, `true or false (${spec.doc})`, origin);
    }
    case 'string':
    case 'optional-string':
      if (typeof text !== 'string') throw new ConfigError(spec.env, raw, `a string (${spec.doc})`, origin);
      return text;
    case 'url': {
      if (typeof text !== 'string') throw new ConfigError(spec.env, raw, `a URL (${spec.doc})`, origin);
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new ConfigError(spec.env, raw, `an absolute URL with scheme ${spec.protocols.join(' or ')} (${spec.doc})`, origin);
      }
      if (!spec.protocols.includes(url.protocol.replace(/:$/, ''))) {
        throw new ConfigError(spec.env, raw, `a URL with scheme ${spec.protocols.join(' or ')} (${spec.doc})`, origin);
      }
      return text;
    }
    case 'enum':
      if (typeof text !== 'string' || !spec.values.includes(text)) {
        throw new ConfigError(spec.env, raw, `one of ${spec.values.join(', ')} (${spec.doc})`, origin);
      }
      return text;
    case 'list': {
      const items = Array.isArray(text) ? text.map(String) : typeof text === 'string' ? text.split(/[,\s]+/) : null;
      if (!items) throw new ConfigError(spec.env, raw, `a comma-separated list (${spec.doc})`, origin);
      const clean = items.map((s) => s.trim()).filter(Boolean);
      if (spec.values) {
        const bad = clean.find((s) => !spec.values!.includes(s));
        if (bad !== undefined) throw new ConfigError(spec.env, raw, `a list of ${spec.values.join(', ')} (${spec.doc}); "${bad}" is unknown`, origin);
      }
      return clean;
    }
    case 'range': {
      const allowed = `a number or a range "low-high" between ${spec.min} and ${spec.max}${spec.unit ? ` ${spec.unit}` : ''} (${spec.doc})`;
      const m = typeof text === 'number' ? [String(text), String(text)] : /^(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?$/.exec(String(text))?.slice(1);
      if (!m) throw new ConfigError(spec.env, raw, allowed, origin);
      const low = Number(m[0]);
      const high = m[1] === undefined ? low : Number(m[1]);
      if (!(low <= high) || low < spec.min || high > spec.max) throw new ConfigError(spec.env, raw, allowed, origin);
      return [low, high];
    }
  }
}

/** One line per option, for `--help` output and the README. */
export function describeOptions(table: OptionTable): string {
  return Object.values(table)
    .map((s) => {
      const def = 'default' in s ? JSON.stringify(s.default) : '(unset)';
      return `  ${s.env.padEnd(28)} ${s.doc}${s.unit ? ` [${s.unit}]` : ''}; default ${def}`;
    })
    .join('\n');
}
