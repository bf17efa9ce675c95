import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILT_IN_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios.json');

export interface ScenarioTurn {
  /** What the caller says. */
  text: string;
  /** What the reference agent answers (its stand-in for the LLM). */
  reply?: string;
  /** Words the agent's reply must contain for the turn's task to count as completed. */
  expect?: string[];
  /** Turn timeout for this turn, overriding TURN_TIMEOUT_SEC (e.g. tool calls). */
  timeoutSec?: number;
  /** The reference agent waits on this slow tool before it replies. */
  tool?: { name: string; delayMs: number };
  /** Spoken while the agent is still answering the previous turn. */
  interrupt?: 'barge-in' | 'false-alarm';
  /** Keep only this much of the spoken audio (a burst, for false alarms). */
  maxSpeechMs?: number;
}

export interface Scenario {
  name: string;
  description: string;
  turns: ScenarioTurn[];
}

export class UnknownScenarioError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`unknown scenario "${name}"; known scenarios: ${known.join(', ')}`);
    this.name = 'UnknownScenarioError';
  }
}

export function builtInScenarios(): Map<string, Scenario> {
  const builtIn = JSON.parse(fs.readFileSync(BUILT_IN_FILE, 'utf8')) as Record<string, unknown>;
  const out = new Map<string, Scenario>();
  for (const [name, value] of Object.entries(builtIn)) {
    if (name.startsWith('$')) continue;
    const v = value as { description: string; turns: ScenarioTurn[] };
    out.set(name, { name, description: v.description, turns: v.turns });
  }
  return out;
}

export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ScenarioFileError';
  }
}

/**
 * The built-in scenarios plus a user's file in the same format
 * (scenarios.json); a user scenario of the same name replaces the built-in one.
 * Every field is checked, and errors name the file, scenario and turn.
 */
export function scenariosWithFile(file: string | undefined): Map<string, Scenario> {
  const all = builtInScenarios();
  if (!file) return all;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ScenarioFileError(file, `not a readable JSON file (${(e as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new ScenarioFileError(
      file,
      'expected an object of scenarios: {"name": {"description", "turns": [{"text"}]}}',
    );
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (name.startsWith('$')) continue;
    const where = `scenario "${name}"`;
    const v = value as { description?: unknown; turns?: unknown };
    if (!v || typeof v !== 'object' || !Array.isArray(v.turns) || v.turns.length === 0)
      throw new ScenarioFileError(file, `${where}: "turns" must be a non-empty array`);
    const turns = v.turns.map((t: unknown, i: number) => checkTurn(t, file, `${where} turn ${i + 1}`));
    all.set(name, { name, description: typeof v.description === 'string' ? v.description : '', turns });
  }
  return all;
}

function checkTurn(t: unknown, file: string, where: string): ScenarioTurn {
  const bad = (detail: string) => new ScenarioFileError(file, `${where}: ${detail}`);
  if (!t || typeof t !== 'object') throw bad('expected an object with "text"');
  const turn = t as Record<string, unknown>;
  if (typeof turn.text !== 'string' || !turn.text.trim()) throw bad('"text" must be a non-empty string');
  if (turn.reply !== undefined && typeof turn.reply !== 'string') throw bad('"reply" must be a string');
  if (turn.expect !== undefined && !(Array.isArray(turn.expect) && turn.expect.every((x) => typeof x === 'string')))
    throw bad('"expect" must be an array of strings');
  if (turn.timeoutSec !== undefined && !(typeof turn.timeoutSec === 'number' && turn.timeoutSec > 0))
    throw bad('"timeoutSec" must be a number > 0 (seconds)');
  const tool = turn.tool as { name?: unknown; delayMs?: unknown } | undefined;
  if (
    tool !== undefined &&
    !(tool && typeof tool.name === 'string' && typeof tool.delayMs === 'number' && tool.delayMs >= 0)
  )
    throw bad('"tool" must be {"name": string, "delayMs": number >= 0}');
  if (turn.interrupt !== undefined && turn.interrupt !== 'barge-in' && turn.interrupt !== 'false-alarm')
    throw bad('"interrupt" must be "barge-in" or "false-alarm"');
  if (turn.maxSpeechMs !== undefined && !(typeof turn.maxSpeechMs === 'number' && turn.maxSpeechMs > 0))
    throw bad('"maxSpeechMs" must be a number > 0 (milliseconds)');
  return turn as unknown as ScenarioTurn;
}

export function pickScenarios(all: Map<string, Scenario>, names: readonly string[]): Scenario[] {
  return names.map((n) => {
    const s = all.get(n);
    if (!s) throw new UnknownScenarioError(n, [...all.keys()]);
    return s;
  });
}
