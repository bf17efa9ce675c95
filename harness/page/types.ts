import type { PageGeneratorStats } from './generator-probe';
import type { DetectionTokens } from '../protocol/frames';
import type { FieldMatcher } from '../protocol/matchers';
import type { Protocol } from '../protocol/select';

/** The contract between the in-page harness and the Node driver. Page times are performance.now() ms. */

export interface PageHarnessOptions {
  /** Only sockets whose URL contains this are the call's socket; '' = every socket. */
  socketUrlIncludes: string;
  /** Quiet gap after the last agent audio frame that ends a response. */
  quietMs: number;
  /** The call socket's transport, or 'auto' to tell it from the socket URL. */
  protocol: Protocol | 'auto';
  tokens: DetectionTokens;
  matchers: FieldMatcher[];
  /** Cap on requestAnimationFrame callbacks per second (null = untouched). */
  animationFps: number | null;
  /** Output audibility: threshold as an absolute sample value, and the silence that ends audibility. */
  outputThreshold: number;
  outputSilenceHoldMs: number;
  /** Record the client's output for evidence (costs memory on the audio thread). */
  recordOutput: boolean;
  /** The client profile's stated send burst period (ms), the least allowance its pacing lateness gets. */
  sendBurstMs?: number;
  /** The fixtures' send-path probe (ws://…/send-path, send-path.ts); absent = no probe (a remote browser). */
  sendPathUrl?: string;
}

/** Material for a call's evidence: what the caller said when, what the client played, every audio frame. */
export interface PageEvidence {
  spoken: Array<{ index: number; startAt: number }>;
  output: { startAt: number; sampleRateHz: number; pcmBase64: string } | null;
  /** [arrival page ms, frame_index or -1, audio ms] per agent audio frame. */
  frames: Array<[number, number, number]>;
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

/** A caller turn spoken while the agent answers the previous one, timed from that answer's first audio. */
export interface InterruptPlan {
  turn: number;
  /** Index of the turn's audio in loadTurns(). */
  audioIndex: number;
  kind: 'barge-in' | 'false-alarm';
  /** The response being interrupted. */
  afterTurn: number;
  /** Speech starts this long after the interrupted response's first audio frame arrives. */
  delayMs: number;
}

export type ResponseEndReason = 'final-frame' | 'end-token' | 'quiet' | 'stopped' | 'superseded';
export type FalseAlarmOutcome = 'continued' | 'resumed' | 'stopped';

export type PageEvent =
  | { type: 'ws-created'; at: number; url: string }
  /** The session id the server announced in its first messages. */
  | { type: 'ws-session'; at: number; id: string }
  /** `at`: the open as near the wire as the page can date it; `dispatchAt`: when its listener ran (browser only). */
  | { type: 'ws-open'; at: number; dispatchAt?: number; stallMs?: number }
  | { type: 'ws-close'; at: number; code: number; reason: string }
  | { type: 'ws-error'; at: number }
  /** `silentBeforeMs`: how long the main thread had been away when it dated the first frame (in-page callers). */
  | { type: 'response-start'; at: number; turn: number; silentBeforeMs?: number }
  | {
      type: 'response-end';
      at: number;
      turn: number;
      reason: ResponseEndReason;
      frames: number;
      audioMs: number;
      gaps: number;
      gapMs: number;
      /** How long the first frame waited on its way beyond the frames after it (see responses.ts). */
      firstFrameWaitMs?: number;
    }
  | { type: 'response-audible'; at: number; turn: number }
  | { type: 'response-text'; at: number; turn: number; text: string }
  | { type: 'interrupt-spoken'; at: number; turn: number; kind: InterruptPlan['kind']; timing: SpeakTiming }
  | {
      type: 'barge';
      at: number;
      turn: number;
      onsetAt: number;
      ackAt: number | null;
      lastFrameAt: number | null;
      silentAt: number | null;
    }
  | { type: 'false-alarm'; at: number; turn: number; onsetAt: number; outcome: FalseAlarmOutcome }
  | { type: 'stage-timings'; at: number; turn: number; data: Record<string, number> }
  | { type: 'server-error'; at: number; code: string | null; message: string; throttle: string | null }
  | { type: 'session-end'; at: number; reason: string };

/**
 * An utterance as the mic rendered it, how late the client's audio left at its end (ms, past its burst), the
 * largest delay the browser's send path showed around it and its receive path around the reply's first audio (ms,
 * send-path.ts).
 */
export type RenderedSpeech = Pick<SpeakTiming, 'speechStartAt' | 'speechEndAt'> & {
  sendHoldMs?: number;
  sendPathMs?: number;
  receivePathMs?: number;
};

export interface PageHarnessApi {
  timeOrigin: number;
  loadTurns(turns: TurnAudioInput[]): Promise<number>;
  speak(index: number): Promise<SpeakTiming>;
  /**
   * Speech bounds of utterance `index` as rendered (after the fact), or null if it was never spoken; with how late
   * the client's audio left at its speech end. Resolves once the receive path around the reply's first audio is
   * read (at most 20 ms after it).
   */
  speechRendered(index: number): Promise<RenderedSpeech | null>;
  /** Frames of the next agent utterance belong to the response to `turn`. */
  expectResponse(turn: number): void;
  armInterrupt(plan: InterruptPlan): void;
  /** Whether the client's audio output is observed (it plays through Web Audio). */
  outputWatched(): boolean;
  evidence(): Promise<PageEvidence>;
  /** Whether the caller's audio is played in the client's own context (adopted) or through the track, and why. */
  micPath(): { adopted: boolean; realUse: string | null; micContext: AudioContextState | 'none' };
  /** Main-thread lag and send pacing of this page so far. */
  generatorStats(): PageGeneratorStats;
}

declare global {
  interface Window {
    __harness?: PageHarnessApi;
    __harnessOptions?: PageHarnessOptions;
    __harnessEmit?: (event: PageEvent) => Promise<void>;
  }
}
