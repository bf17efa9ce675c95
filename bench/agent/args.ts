import os from 'node:os';
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

export function parseArgs(argv: string[]): Args {
  const args: Args = {
    sessions: 100,
    seconds: 20,
    rampSec: -1,
    churn: false,
    holdMinMs: 500,
    holdMaxMs: 3000,
    sampleSec: -1,
    truthSessions: 500,
    pin: false,
    clientProcs: Math.max(2, Math.min(8, os.cpus().length - 1)),
    curve: [],
    agentNodeArgs: [],
    agentFrameMs: FRAME_MS,
    floor: false,
  };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min)
      throw new Error(`${flag} needs a number >= ${min} (got ${v ?? 'nothing'})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--sessions':
        args.sessions = Math.round(num(flag, argv[++i], 1));
        break;
      case '--seconds':
        args.seconds = num(flag, argv[++i], 1);
        break;
      case '--ramp-sec':
        args.rampSec = num(flag, argv[++i], 0);
        break;
      case '--churn':
        args.churn = true;
        break;
      case '--hold-min-ms':
        args.holdMinMs = num(flag, argv[++i], 20);
        break;
      case '--hold-max-ms':
        args.holdMaxMs = num(flag, argv[++i], 20);
        break;
      case '--sample-sec':
        args.sampleSec = num(flag, argv[++i], 0.5);
        break;
      case '--truth-sessions':
        args.truthSessions = Math.round(num(flag, argv[++i], 1));
        break;
      case '--pin':
        args.pin = true;
        break;
      case '--client-procs':
        args.clientProcs = Math.round(num(flag, argv[++i], 1));
        break;
      case '--curve':
        args.curve = (argv[++i] ?? '').split(',').map((v) => Math.round(num(flag, v, 1)));
        break;
      case '--agent-frame-ms':
        args.agentFrameMs = Math.round(num(flag, argv[++i], 10));
        break;
      case '--floor':
        args.floor = true;
        break;
      case '--agent-node-arg':
        args.agentNodeArgs.push(argv[++i] ?? '');
        break;
      default:
        throw new Error(
          `unknown flag ${flag}; flags: --sessions N --seconds S [--ramp-sec R] [--churn] [--hold-min-ms] ` +
            `[--hold-max-ms] [--sample-sec] [--truth-sessions] [--pin] [--client-procs K] [--curve N1,N2,...] ` +
            `[--agent-frame-ms MS] [--floor] [--agent-node-arg FLAG]`,
        );
    }
  }
  if (args.curve.length > 0 && args.churn) throw new Error('--curve and --churn are separate runs');
  if (args.curve.length > 20) throw new Error('--curve takes at most 20 levels');
  if (args.floor && args.curve.length === 0) throw new Error('--floor compares the levels of a --curve: give one');
  if (args.sampleSec < 0) args.sampleSec = Math.max(1, Math.min(10, args.seconds / 10));
  if (args.holdMaxMs < args.holdMinMs) throw new Error('--hold-max-ms must be >= --hold-min-ms');
  return args;
}

/** Ramp over 1 s per 100 sessions, 1 to 10 s (a --ramp-sec given applies to every level). */
export const defaultRampSec = (sessions: number) => Math.min(10, Math.max(1, sessions / 100));

/** Progress goes to stderr; stdout holds only the result's JSON line. */
export const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);
