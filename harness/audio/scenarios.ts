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

export function pickScenarios(all: Map<string, Scenario>, names: readonly string[]): Scenario[] {
  return names.map((n) => {
    const s = all.get(n);
    if (!s) throw new UnknownScenarioError(n, [...all.keys()]);
    return s;
  });
}
