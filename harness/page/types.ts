/** The contract between the in-page harness and the Node driver. Page times are performance.now() ms. */

export interface PageHarnessOptions {
  /** Only sockets whose URL contains this are the call's socket; '' = the first socket opened. */
  socketUrlIncludes: string;
  /** Quiet gap after the last agent audio frame that ends a response. */
  quietMs: number;
}

export interface TurnAudioInput {
  /** Base64 PCM16 mono 16 kHz. */
  pcmBase64: string;
  speechStartMs: number;
  speechEndMs: number;
}

export interface SpeakTiming {
  /** Scheduled times (page ms) at which these samples leave the fake microphone. */
  startAt: number;
  speechStartAt: number;
  speechEndAt: number;
  endAt: number;
}

export type ResponseEndReason = 'final-frame' | 'end-token' | 'quiet';

export type PageEvent =
  | { type: 'ws-created'; at: number; url: string }
  | { type: 'ws-open'; at: number }
  | { type: 'ws-close'; at: number; code: number; reason: string }
  | { type: 'ws-error'; at: number }
  | { type: 'response-start'; at: number; turn: number; frameIndex: number | null }
  | { type: 'response-end'; at: number; turn: number; reason: ResponseEndReason; frames: number }
  | { type: 'server-error'; at: number; code: string | null; message: string; throttle: string | null }
  | { type: 'session-end'; at: number; reason: string };

export interface PageHarnessApi {
  timeOrigin: number;
  loadTurns(turns: TurnAudioInput[]): Promise<number>;
  speak(index: number): Promise<SpeakTiming>;
  /** Frames from now on belong to the response to `turn`. */
  expectResponse(turn: number): void;
}

declare global {
  interface Window {
    __harness?: PageHarnessApi;
    __harnessOptions?: PageHarnessOptions;
    __harnessEmit?: (event: PageEvent) => Promise<void>;
  }
}
