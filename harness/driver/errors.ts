import { CALL_ERROR } from '../metrics/names';

/** Why a call ended early, as a stable code (the failure counter it increments). */
export type CallFailureCode =
  | 'ws/error'
  | 'ws/close'
  | 'turn/error'
  | 'call/error'
  | 'ttfa/silent'
  | 'greeting/missing';

export class CallFailure extends Error {
  constructor(
    readonly code: CallFailureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CallFailure';
  }
}

/**
 * How a call that threw is recorded. A CallFailure is a known way for a call
 * to end and carries its own code; anything else (a Playwright error, a bug)
 * is unexpected: recorded as call/error with its first line, and the caller
 * counts call/error for it.
 */
export function failureOf(e: unknown): { code: string; message: string; unexpected: boolean } {
  if (e instanceof CallFailure) return { code: e.code, message: e.message, unexpected: false };
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  return { code: CALL_ERROR, message, unexpected: true };
}

/** A call whose test ended (timed out, interrupted) before the call finished or threw. */
export function unfinishedFailure(testStatus: string | undefined): { code: string; message: string } {
  return { code: CALL_ERROR, message: `call did not finish (test ${testStatus ?? 'ended'})` };
}
