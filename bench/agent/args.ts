import os from 'node:os';
import { parseArgs as parseFlags } from 'node:util';
import { FRAME_MS } from './pacer';

/** The flags of `bench:agent`, checked with messages that name the flag, and the bench's progress line. */
export interface Args {
  sessions: number;
  seconds: number;
  rampSec: number;
  churn: boolean;
  holdMinMs: number;
  holdMaxMs: number;
  sampleSec: number;
  truthSessions: number;
  pin: boolean;
  /** Client processes the throughput sessions are spread over. */
  clientProcs: number;
  /** Session counts of a curve run; empty for a single level. */
  curve: number[];
  /** Extra node flags for the agent process (e.g. --cpu-prof). */
  agentNodeArgs: string[];
  /** Audio per reply frame (AGENT_FRAME_MS): 20 ms, more writes than the agent's default 50, unless told. */
  agentFrameMs: number;
  /** Each curve level also runs against the floor servers (bench/agent/floor.ts), without and with the VAD. */
  floor: boolean;
}

const FLAGS = {
  sessions: { type: 'string' },
  seconds: { type: 'string' },
  'ramp-sec': { type: 'string' },
  churn: { type: 'boolean' },
  'hold-min-ms': { type: 'string' },
  'hold-max-ms': { type: 'string' },
  'sample-sec': { type: 'string' },
  'truth-sessions': { type: 'string' },
  pin: { type: 'boolean' },
  'client-procs': { type: 'string' },
  curve: { type: 'string' },
  'agent-frame-ms': { type: 'string' },
  floor: { type: 'boolean' },
  'agent-node-arg': { type: 'string', multiple: true },
} as const;

const USAGE =
  'flags: --sessions N --seconds S [--ramp-sec R] [--churn] [--hold-min-ms] [--hold-max-ms] [--sample-sec] ' +
  '[--truth-sessions] [--pin] [--client-procs K] [--curve N1,N2,...] [--agent-frame-ms MS] [--floor] ' +
  '[--agent-node-arg FLAG]';

export function parseArgs(argv: string[]): Args {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags(argv);
  } catch (e) {
    // Node's own message names the flag ("Unknown option '--x'", "Option '--seconds <value>' argument missing").
    throw new Error(`${(e as Error).message}; ${USAGE}`);
  }
  const num = (flag: keyof typeof FLAGS, min: number, fallback: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' ? numberAtLeast(v, min) : undefined;
    if (n === undefined) throw new Error(`--${flag} needs a number >= ${min} (got ${String(v)})`);
    return n;
  };
  const curve = values.curve === undefined ? [] : values.curve.split(',');
  const args: Args = {
    sessions: Math.round(num('sessions', 1, 100)),
    seconds: num('seconds', 1, 20),
    rampSec: num('ramp-sec', 0, -1),
    churn: values.churn ?? false,
    holdMinMs: num('hold-min-ms', 20, 500),
    holdMaxMs: num('hold-max-ms', 20, 3000),
    sampleSec: num('sample-sec', 0.5, -1),
    truthSessions: Math.round(num('truth-sessions', 1, 500)),
    pin: values.pin ?? false,
    clientProcs: Math.round(num('client-procs', 1, Math.max(2, Math.min(8, os.cpus().length - 1)))),
    curve: curve.map((v) => {
      const n = numberAtLeast(v, 1);
      if (n === undefined) throw new Error(`--curve needs numbers >= 1, separated by commas (got ${values.curve})`);
      return Math.round(n);
    }),
    agentNodeArgs: values['agent-node-arg'] ?? [],
    agentFrameMs: Math.round(num('agent-frame-ms', 10, FRAME_MS)),
    floor: values.floor ?? false,
  };
  if (args.curve.length > 0 && args.churn) throw new Error('--curve and --churn are separate runs');
  if (args.curve.length > 20) throw new Error('--curve takes at most 20 levels');
  if (args.floor && args.curve.length === 0) throw new Error('--floor compares the levels of a --curve: give one');
  if (args.sampleSec < 0) args.sampleSec = Math.max(1, Math.min(10, args.seconds / 10));
  if (args.holdMaxMs < args.holdMinMs) throw new Error('--hold-max-ms must be >= --hold-min-ms');
  return args;
}

/** `v` as a finite number of at least `min`; undefined for anything else (Number('') would read 0). */
function numberAtLeast(v: string, min: number): number | undefined {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= min ? n : undefined;
}

function readFlags(argv: string[]) {
  // --agent-node-arg's value is itself a flag (--agent-node-arg --cpu-prof), which util.parseArgs would call
  // ambiguous: join the pair as --agent-node-arg=--cpu-prof first.
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--agent-node-arg' && i + 1 < argv.length) joined.push(`--agent-node-arg=${argv[++i]}`);
    else joined.push(argv[i]!);
  }
  return parseFlags({ args: joined, options: FLAGS, strict: true, allowPositionals: false }).values;
}

/** Ramp over 1 s per 100 sessions, 1 to 10 s (a --ramp-sec given applies to every level). */
export const defaultRampSec = (sessions: number) => Math.min(10, Math.max(1, sessions / 100));

/** Progress goes to stderr; stdout holds only the result's JSON line. */
export const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);
