/** Why a call ended early, as a stable code (the failure counter it increments). */
export type CallFailureCode = 'ws/error' | 'ws/close' | 'turn/error' | 'call/error';

export class CallFailure extends Error {
  constructor(readonly code: CallFailureCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CallFailure';
  }
}
