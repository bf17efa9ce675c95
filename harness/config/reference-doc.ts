import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_CONFIG_VARIABLE, agentOptions } from '../../fixtures/agent/options';
import { CLI_NOTES, CLI_OPTIONS } from '../audio/cli-options';
import { HARNESS_CONFIG_VARIABLE, harnessOptions } from './index';
import { ConfigError, expectedOf, optionName, type OptionSpec } from './options';
import { configurationReference } from './reference';

/**
 * `npm run docs:config`: writes docs/configuration.md from the three option
 * tables. The unit tests render it again in memory and fail when the file
 * on disk differs, so the reference always says what the code reads.
 */

export const CONFIG_DOC_COMMAND = 'npm run docs:config';
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFIG_DOC_PATH = path.join(ROOT, 'docs', 'configuration.md');

/** The error a bad value gets, made by the code that makes it, so the example cannot drift either. */
function exampleError(spec: OptionSpec, value: string, origin: string): string {
  return `\`${new ConfigError(optionName(spec), value, expectedOf(spec), origin).message}\``;
}

/** How the environment, a config file and the defaults combine (readOptions and readConfigFile). */
function envIntro(configVariable: string, runWith: string, example: { key: string; value: unknown }): string[] {
  return [
    `Precedence: environment variable, then the JSON file named by \`${configVariable}\`, then the default. ` +
      'A variable set to the empty string counts as unset.',
    'The file holds one JSON object whose keys are the variable names below (the camelCase option keys of the ' +
      'source work too); values may be JSON numbers, booleans and arrays as well as strings. A key that names ' +
      'no option is an error; keys starting with `$` (such as `$comment`) are ignored. For example, ' +
      `\`${configVariable}=my.json ${runWith}\` with \`my.json\` holding ` +
      `\`${JSON.stringify({ [example.key]: example.value })}\`.`,
  ];
}

export function renderConfigurationDoc(): string {
  return configurationReference({
    command: CONFIG_DOC_COMMAND,
    intro: [
      'Every option is declared once in code, with its name, kind, unit, default and description; this page is ' +
        'rendered from those declarations. The load run and the reference agent read their options from ' +
        'environment variables and an optional JSON config file; `npm run audio` reads its own from ' +
        'command-line flags.',
      'Every value is checked before anything starts. A bad one stops with an error naming the option, the value ' +
        'given, where it came from and what is allowed, e.g. ' +
        `${exampleError(harnessOptions.calls, 'many', 'environment')}.`,
    ],
    sections: [
      {
        title: 'Load run options',
        source: 'harness/config/index.ts',
        intro: envIntro(HARNESS_CONFIG_VARIABLE, 'npm run load', { key: 'CALLS', value: 8 }),
        table: harnessOptions,
      },
      {
        title: 'Reference agent options',
        source: 'fixtures/agent/options.ts',
        intro: [
          '`npm run agent` reads these, and so does the agent a load run embeds when `WS_URL` is unset ' +
            '(it listens on a free port, and `SCENARIOS_FILE`, when set, takes the place of `AGENT_SCENARIOS_FILE`).',
          ...envIntro(AGENT_CONFIG_VARIABLE, 'npm run agent', { key: 'AGENT_PROFILE', value: 'typical' }),
        ],
        table: agentOptions,
      },
      {
        title: '`npm run audio` flags',
        source: 'harness/audio/cli-options.ts',
        intro: [
          `\`${CLI_NOTES.usage}\`. ${CLI_NOTES.about.join(' ')}`,
          `${CLI_NOTES.syntax.join(' ')} A flag given twice keeps the last value. There is no config file.`,
          `Environment: ${CLI_NOTES.environment}`,
          'A bad value is refused the same way as a bad variable, e.g. ' +
            `${exampleError(CLI_OPTIONS.maxTurns, 'two', 'command line')}.`,
        ],
        table: CLI_OPTIONS,
      },
    ],
  });
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  fs.mkdirSync(path.dirname(CONFIG_DOC_PATH), { recursive: true });
  fs.writeFileSync(CONFIG_DOC_PATH, renderConfigurationDoc());
  console.log(`wrote ${path.relative(process.cwd(), CONFIG_DOC_PATH)}`);
}
