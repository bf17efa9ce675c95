/**
 * Ctrl-C in a terminal signals the whole process group at once: the runner,
 * its workers and the fixture process. The runner then interrupts the tests,
 * but the fixture process closes the reference agent and the shared browsers
 * at the same moment, so a call in progress can see its socket close (and
 * fail) before its test hears that it was interrupted. The worker notes the
 * signal itself, the moment it arrives, so such a call is recorded as cut
 * short at that moment rather than failed by the shutdown that follows.
 * Playwright's worker already ignores SIGINT; listening adds no exit of its own.
 */
type Listener = (atMs: number) => void;

const listeners = new Set<Listener>();
let installed = false;

/** Calls `listener` when this process receives SIGINT; returns the function that stops listening. */
export function onRunInterrupt(listener: Listener): () => void {
  if (!installed) {
    installed = true;
    process.on('SIGINT', () => {
      const atMs = Date.now();
      for (const l of [...listeners]) l(atMs);
    });
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
