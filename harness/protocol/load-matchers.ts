import fs from 'node:fs';
import { ConfigError } from '../config/options';
import { parseMatchers, type FieldMatcher } from './matchers';

/** PROTOCOL_MATCHERS: inline JSON or a JSON file of field rules; errors name the variable and the rule. */
export function loadMatchers(value: string | undefined): FieldMatcher[] {
  if (!value) return [];
  const text = value.trim().startsWith('[')
    ? value
    : (() => {
        try {
          return fs.readFileSync(value, 'utf8');
        } catch (e) {
          throw new ConfigError(
            'PROTOCOL_MATCHERS',
            value,
            `a JSON array of rules or a file holding one (${(e as Error).message})`,
            'environment',
          );
        }
      })();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('PROTOCOL_MATCHERS', value, `valid JSON (${(e as Error).message})`, 'environment');
  }
  const rules = parseMatchers(raw);
  if (typeof rules === 'string') throw new ConfigError('PROTOCOL_MATCHERS', value, rules, 'environment');
  return rules;
}
