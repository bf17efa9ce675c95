import type { Browser, Page, TestInfo } from '@playwright/test';
import type { CallRecord } from '../metrics/record';
import { planClosed, startupClear, takeTicket } from '../plan/client';
import type { Ticket, TicketReply } from '../plan/ticket';
import { attachCall, type CallDeps, callOutcome, conductCall, localTicket, prepareContext } from './browser-call';
import { onRunInterrupt } from './interrupt';
import type { CallOutcome } from './outcome';
import { PageEventStream } from './page-events';

/** A slot may wait this long for its ticket (the plan decides when its call starts). */
const TICKET_WAIT_MS = 24 * 3600_000;

/** What one call of a multi-call test came to: its record, or the plan's reason for not needing it. */
export type SlotResult = { callIndex: number; record: CallRecord } | { callIndex: number; skipped: DoneReply };

export interface SlotOptions {
  browser: Browser;
  deps: CallDeps;
  testInfo: TestInfo;
  /** Per slot (all run at once), the run's call indices it carries in turn; under a plan, one per slot. */
  callIndices: readonly (readonly number[])[];
  /** Delay before each slot opens its first page, by position: start-up is spread out, not all at once. */
  startDelayMs: (slot: number) => number;
  /** Calls begun and not yet attached: the test's teardown settles them if the test ends first (Ctrl-C). */
  inFlight: Set<InFlightCall>;
}

export interface InFlightCall {
  call: CallOutcome;
  page: Page;
  events: PageEventStream;
}

/** Calls one slot may carry in a row under a plan: a bound, far above any plan's need. */
const MAX_CALLS_PER_SLOT = 10_000;
/**
 * Under a plan, how long a test's slots keep taking tickets before the test ends and the next test of the budget
 * takes over in the same worker. Playwright keeps every API call of a test as a step (with its stack) until the
 * test ends: over a half-hour run of one such test the harness grew about 1 MB per call. The price is one
 * wait for the test's slowest call every few minutes, which the spare slots cover.
 */
const PLANNED_TEST_MAX_MS = 5 * 60_000;

/**
 * At a multi-call test's teardown: the calls it began and did not finish (its run was cut, or it
 * timed out) are settled as a one-call test's are, and attached.
 */
export async function settleInFlight(testInfo: TestInfo, inFlight: Set<InFlightCall>, deps: CallDeps): Promise<void> {
  for (const entry of [...inFlight]) {
    inFlight.delete(entry);
    const record = await entry.call.settle(testInfo.status);
    await attachCall(testInfo, { ...entry, record, deps }, record.callId);
  }
}

/**
 * Several calls in one Playwright test: one worker process carries them all,
 * each in its own browser context with its own in-page harness, ticket and
 * record (attached to the test, one record per call, evidence in a folder
 * per call). A worker process costs about as much memory as a call; sharing
 * it among calls is what lets one machine carry many. Each call's waits are
 * bounded by its own budget, as a one-call test's are by its timeout.
 *
 * Without a plan each slot carries its own calls in turn. Under a plan a
 * slot is a user: when its call ends it asks for the next ticket at once, so
 * a worker never holds a free slot while waiting for its slowest call, until
 * the conductor says the plan is done (or the test has run for a few minutes:
 * the next test takes over).
 */
export async function runCallSlots(o: SlotOptions): Promise<SlotResult[]> {
  // The ticket waits have their own deadline; every call below has its own budget.
  o.testInfo.setTimeout(TICKET_WAIT_MS + 10 * 60_000);
  const takeTicketsUntilMs = Date.now() + PLANNED_TEST_MAX_MS;
  const results = await Promise.all(
    o.callIndices.map(async (indices, slot) => {
      await new Promise((r) => setTimeout(r, o.startDelayMs(slot)));
      const out: SlotResult[] = [];
      for (let n = 0; n < MAX_CALLS_PER_SLOT; n++) {
        // Under a plan a slot has one index, which names it for every ticket it asks for.
        const result = await runSlotCall(o, indices[Math.min(n, indices.length - 1)]!);
        out.push(result);
        if ('skipped' in result) break;
        const planned = Boolean(result.record.phases?.length);
        if (planned ? Date.now() >= takeTicketsUntilMs : n + 1 >= indices.length) break;
      }
      return out;
    }),
  );
  return results.flat();
}

async function runSlotCall(o: SlotOptions, callIndex: number): Promise<SlotResult> {
  const conductor = process.env.HARNESS_CONDUCTOR_URL;
  const closed = conductor ? await planClosed(conductor) : null;
  if (closed) return { callIndex, skipped: closed };
  // A context coming up is most of a start-up's CPU: under the start-up guard it waits for no speech end near too.
  if (conductor && o.deps.config.startupGuardMs > 0) await startupClear(conductor);
  const events = new PageEventStream();
  const context = await o.browser.newContext({ permissions: ['microphone'] });
  try {
    await prepareContext(context, events, o.deps);
    const page = await context.newPage();
    // The page is open before the ticket is asked for, as in a one-call test: the call starts when told to.
    const reply = await ticketFor(o, callIndex);
    if (reply.kind === 'done') return { callIndex, skipped: reply };
    const call = callOutcome(reply.ticket, page, events);
    const entry: InFlightCall = { call, page, events };
    o.inFlight.add(entry);
    const stopListening = onRunInterrupt((atMs) => call.interrupt('run interrupted (SIGINT)', atMs));
    // conductCall records a failure itself; a call past its budget is settled as a timed-out test's call is.
    const status = await withBudget((budget) =>
      conductCall({ call, ticket: reply.ticket, page, events, deps: o.deps }, budget),
    );
    const record = await call.settle(status);
    stopListening();
    // Named in the test's output as it ends (the list reporter prints it), as a one-call test's title is.
    console.log(callLine(record));
    // Taken out first: the teardown must not attach it a second time while this one is being attached.
    if (!o.inFlight.delete(entry)) return { callIndex, record };
    await attachCall(o.testInfo, { call, record, page, events, deps: o.deps }, record.callId);
    return { callIndex, record };
  } finally {
    await context.close().catch(() => undefined);
  }
}

function callLine(r: CallRecord): string {
  const seconds = ((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1);
  const how = r.interrupted ? 'cut short' : r.ok ? 'passed' : `FAILED ${r.failure?.code}: ${r.failure?.message}`;
  return `${r.callId} ${r.scenario} ${how} (${seconds}s)`;
}

async function ticketFor(o: SlotOptions, callIndex: number): Promise<{ kind: 'go'; ticket: Ticket } | DoneReply> {
  const conductor = process.env.HARNESS_CONDUCTOR_URL;
  if (conductor) return takeTicket(conductor, callIndex, Date.now() + TICKET_WAIT_MS) as Promise<GoOrDone>;
  return { kind: 'go', ticket: localTicket(o.deps.config, callIndex) };
}

/**
 * Runs `work`, which sets its own budget (and may reset it once it knows its length): 'passed',
 * 'failed' when it throws, 'timedOut' when the budget runs out first (the work is left to end
 * when its page closes).
 */
async function withBudget(work: (budget: (ms: number) => void) => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  let expire: () => void = () => undefined;
  const expired = new Promise<string>((resolve) => {
    expire = () => resolve('timedOut');
  });
  const budget = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(expire, ms);
  };
  // Until the call knows its length: long enough to open the client and load its audio.
  budget(INITIAL_BUDGET_MS);
  try {
    return await Promise.race([
      work(budget).then(
        () => 'passed',
        () => 'failed',
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A call's budget before it has computed its own (client opened, audio loaded). */
const INITIAL_BUDGET_MS = 120_000;

export type DoneReply = Extract<TicketReply, { kind: 'done' }>;
type GoOrDone = { kind: 'go'; ticket: Ticket } | DoneReply;
