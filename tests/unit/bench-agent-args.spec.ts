import { expect, test } from '@playwright/test';
import { parseArgs } from '../../bench/agent/args';
import { FRAME_MS } from '../../bench/agent/pacer';

/** bench:agent's flags: Node's own parser, with the bench's bounds and messages that name the flag. */

test('defaults, and every flag read', () => {
  const d = parseArgs([]);
  expect(d).toMatchObject({ sessions: 100, seconds: 20, churn: false, pin: false, floor: false, curve: [] });
  expect(d.agentFrameMs).toBe(FRAME_MS);
  expect(d.sampleSec).toBe(2); // a tenth of the run, 1-10 s

  const a = parseArgs([
    '--curve',
    '100,250.4',
    '--seconds',
    '15',
    '--floor',
    '--agent-frame-ms',
    '50',
    '--client-procs',
    '3',
    '--pin',
  ]);
  expect(a).toMatchObject({ curve: [100, 250], seconds: 15, floor: true, agentFrameMs: 50, clientProcs: 3, pin: true });
});

test('--agent-node-arg takes a flag as its value, given apart or joined, and repeats', () => {
  const a = parseArgs(['--agent-node-arg', '--cpu-prof', '--agent-node-arg=--perf-basic-prof', '--sessions', '7']);
  expect(a.agentNodeArgs).toEqual(['--cpu-prof', '--perf-basic-prof']);
  expect(a.sessions).toBe(7);
});

test('bad input is refused with a message naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--seconds', 'x'], /--seconds needs a number >= 1 \(got x\)/],
    [['--seconds'], /--seconds/],
    [['--sessions', '0'], /--sessions needs a number >= 1/],
    [['--curve', '100,,200'], /--curve needs numbers >= 1/],
    [['--bogus'], /--bogus.*flags: --sessions/],
    [['--sessions', '5', 'extra'], /extra/],
    [['--floor'], /--floor compares the levels of a --curve/],
    [['--curve', '100', '--churn'], /--curve and --churn are separate runs/],
    [['--hold-min-ms', '900', '--hold-max-ms', '100'], /--hold-max-ms must be >= --hold-min-ms/],
  ];
  for (const [argv, message] of cases) expect(() => parseArgs(argv), argv.join(' ')).toThrow(message);
});
