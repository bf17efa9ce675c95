import type { PageEvent } from '../page/types';

export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly waitedMs: number,
  ) {
    super(`timed out after ${Math.round(waitedMs)} ms waiting for ${what}`);
    this.name = 'WaitTimeout';
  }
}

type Matcher = (e: PageEvent) => boolean;

interface Waiter {
  match: Matcher;
  abort?: Matcher;
  resolve: (e: PageEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Events pushed from the page, kept in arrival order. A wait matches events
 * already received as well as future ones, so no event is missed between a
 * page action and the wait that follows it.
 */
export class PageEventStream {
  readonly events: PageEvent[] = [];
  private waiters = new Set<Waiter>();
  private listeners: Array<(e: PageEvent) => void> = [];
  private cursor = 0;

  /** Calls `fn` for every later event (used for counters that apply whenever an event arrives). */
  subscribe(fn: (e: PageEvent) => void): void {
    this.listeners.push(fn);
  }

  push(event: PageEvent): void {
    this.events.push(event);
    for (const fn of this.listeners) fn(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) this.settle(w, () => w.resolve(event));
      else if (w.abort?.(event)) this.settle(w, () => w.resolve(event));
    }
  }

  /** The first event received so far (at any time in the call) that matches. */
  find<E extends PageEvent>(match: (e: PageEvent) => e is E): E | undefined {
    return this.events.find(match);
  }

  /** Only events after this point are matched by later waits. */
  mark(): void {
    this.cursor = this.events.length;
  }

  /**
   * The first event (from the mark on) that matches `match` or `abort`,
   * whichever comes first; rejects with WaitTimeout at `deadlineEpochMs`.
   */
  waitFor(what: string, match: Matcher, deadlineEpochMs: number, abort?: Matcher): Promise<PageEvent> {
    for (let i = this.cursor; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (match(e) || abort?.(e)) return Promise.resolve(e);
    }
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        abort,
        resolve,
        reject,
        timer: setTimeout(
          () => this.settle(w, () => reject(new WaitTimeout(what, Date.now() - started))),
          Math.max(0, deadlineEpochMs - Date.now()),
        ),
      };
      this.waiters.add(w);
    });
  }

  private settle(w: Waiter, fn: () => void): void {
    clearTimeout(w.timer);
    this.waiters.delete(w);
    fn();
  }
}
