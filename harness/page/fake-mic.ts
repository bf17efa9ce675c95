import { AudioClock } from './audio-clock';
import type { SpeakTiming, TurnAudioInput } from './types';

const SAMPLE_RATE_HZ = 16000;
/** Lead between scheduling and the first sample, so the start is never in the past. */
const SCHEDULE_LEAD_S = 0.05;

interface LoadedTurn {
  buffer: AudioBuffer;
  speechStartMs: number;
  speechEndMs: number;
}

/**
 * A per-page microphone: getUserMedia() returns a track fed by this page's own
 * AudioContext, which plays each turn's audio when the driver asks. Times are
 * scheduled on the audio clock, so speech end is known to the sample.
 */
export class FakeMicrophone {
  private ctx: AudioContext | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;
  private clock: AudioClock | null = null;
  private turns: LoadedTurn[] = [];
  /** Every utterance played, for evidence recordings: audio index and scheduled start (page ms). */
  readonly spoken: Array<{ index: number; startAt: number }> = [];

  constructor(private readonly NativeAudioContext: typeof AudioContext) {}

  private context(): AudioContext {
    if (!this.ctx) {
      this.ctx = new this.NativeAudioContext({ sampleRate: SAMPLE_RATE_HZ, latencyHint: 'interactive' });
      this.dest = this.ctx.createMediaStreamDestination();
      this.dest.channelCount = 1;
      // A live microphone never stops producing samples; without a steady
      // source the track goes idle between utterances and capture nodes
      // downstream receive no input at all.
      const floor = this.ctx.createConstantSource();
      floor.offset.value = 0;
      floor.connect(this.dest);
      floor.start();
      this.clock = new AudioClock(this.ctx);
    }
    return this.ctx;
  }

  async getUserMedia(): Promise<MediaStream> {
    const ctx = this.context();
    if (ctx.state !== 'running') await ctx.resume();
    // A clone per request: a client that stops its tracks at hang-up can ask again.
    return new MediaStream(this.dest!.stream.getAudioTracks().map((t) => t.clone()));
  }

  async loadTurns(inputs: TurnAudioInput[]): Promise<number> {
    const ctx = this.context();
    this.turns = inputs.map((t) => {
      const bytes = Uint8Array.from(atob(t.pcmBase64), (c) => c.charCodeAt(0));
      const pcm = new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1);
      const buffer = ctx.createBuffer(1, Math.max(1, pcm.length), SAMPLE_RATE_HZ);
      const ch = buffer.getChannelData(0);
      for (let i = 0; i < pcm.length; i++) ch[i] = pcm[i]! / 32768;
      return { buffer, speechStartMs: t.speechStartMs, speechEndMs: t.speechEndMs };
    });
    return this.turns.length;
  }

  async speak(index: number): Promise<SpeakTiming> {
    const ctx = this.context();
    if (ctx.state !== 'running') await ctx.resume();
    return this.speakAt(index, performance.now() + SCHEDULE_LEAD_S * 1000);
  }

  /**
   * Schedules turn `index` to start at page time `atPageMs` on the audio clock
   * (no timer on the path); a time already past starts it as soon as possible.
   */
  speakAt(index: number, atPageMs: number): SpeakTiming {
    const turn = this.turns[index];
    if (!turn) throw new Error(`fake microphone: no audio loaded for turn index ${index}`);
    const ctx = this.context();
    const source = ctx.createBufferSource();
    source.buffer = turn.buffer;
    source.connect(this.dest!);
    const when = Math.max(ctx.currentTime + 0.005, this.clock!.contextTimeOf(atPageMs));
    source.start(when);
    source.onended = () => source.disconnect();
    // The samples enter the MediaStream when rendered, not when a (absent) speaker plays them.
    const startAt = this.clock!.pageTimeOf(when);
    this.spoken.push({ index, startAt });
    return {
      startAt,
      speechStartAt: startAt + turn.speechStartMs,
      speechEndAt: startAt + turn.speechEndMs,
      endAt: startAt + turn.buffer.duration * 1000,
    };
  }
}
