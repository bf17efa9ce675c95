import fs from 'node:fs';
import { ConfigError } from './options';

/** Reads the JSON config file named by `variable` (e.g. HARNESS_CONFIG); keys are option env names. */
export function readConfigFile(
  variable: string,
  env: Record<string, string | undefined>,
): { file?: Record<string, unknown>; fileName?: string } {
  const fileName = env[variable];
  if (!fileName) return {};
  let text: string;
  try {
    text = fs.readFileSync(fileName, 'utf8');
  } catch (e) {
    throw new ConfigError(variable, fileName, `a readable JSON file (${(e as Error).message})`, 'environment');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(variable, fileName, `a JSON object (${(e as Error).message})`, 'environment');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(variable, fileName, 'a JSON object whose keys are option names', 'environment');
  }
  return { file: parsed as Record<string, unknown>, fileName };
}
