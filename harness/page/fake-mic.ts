import { type AudioClock, clockFor } from './audio-clock';
import { type AdoptedInput, installAdoption, nativeMediaStreamSource } from './mic-adoption';
import { installConsumerWatch } from './mic-consumers';
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
 * A per-page microphone. getUserMedia() returns a real track fed by the mic's
 * own AudioContext, which plays each turn's audio when the driver asks. Times
 * are scheduled on an audio clock, so speech end is known to the sample.
 *
 * Most clients only ever feed that track into a Web Audio context of their
 * own (createMediaStreamSource). Such a client is handed a node of its own
 * context instead (mic-adoption.ts), the turns are scheduled on that context's
 * clock, and the mic's context is suspended: no second audio render thread and
 * output stream per page, and no cross-context FIFO and resampler. As soon as
 * the track is used any other way (a peer connection, a recorder, a media
 * element, a second context: mic-consumers.ts), or has been handed out and not
 * yet claimed, the mic's context runs and every turn goes through the track.
 */
export class FakeMicrophone {
  private ctx: AudioContext | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;
  private turns: LoadedTurn[] = [];
  private readonly ours = new WeakSet<MediaStreamTrack>();
  /** Tracks handed out that no known consumer has taken yet: while any is live, the track must carry audio. */
  private readonly unclaimed = new Set<MediaStreamTrack>();
  /** Set once the track is used other than by one adopting context; kept for the page's life. */
  private realUse: string | null = null;
  private adopted: AdoptedInput[] = [];
  /** Every utterance played, for evidence recordings: audio index and scheduled start (page ms). */
  readonly spoken: Array<{ index: number; startAt: number }> = [];
  /** The latest scheduling of each utterance, to date its speech bounds once rendered (renderedTiming). */
  private readonly scheduled = new Map<number, { clock: AudioClock; when: number; turn: LoadedTurn }>();

  constructor(private readonly NativeAudioContext: typeof AudioContext) {}

  /** Replaces getUserMedia and watches what the page does with the tracks it returns. */
  install(): void {
    const md = navigator.mediaDevices;
    if (md) {
      const native = md.getUserMedia.bind(md);
      md.getUserMedia = (constraints?: MediaStreamConstraints) =>
        constraints?.audio ? this.getUserMedia() : native(constraints);
    }
    installAdoption({
      owns: (stream) => this.owns(stream),
      adopt: (ctx, stream) => this.adopt(ctx, stream),
    });
    installConsumerWatch({
      isOurs: (track) => this.ours.has(track),
      markOurs: (track) => this.ours.add(track),
      onUse: (reason) => this.useReal(reason),
    });
  }

  /** Which path carries the caller's audio now, for tests and diagnostics. */
  get path(): { adopted: boolean; realUse: string | null; micContext: AudioContextState | 'none' } {
    return { adopted: this.adoptedInput() !== null, realUse: this.realUse, micContext: this.ctx?.state ?? 'none' };
  }

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
    }
    return this.ctx;
  }

  /** A clone of the track, marked as ours. */
  private realStream(): MediaStream {
    this.context();
    const tracks = this.dest!.stream.getAudioTracks().map((t) => t.clone());
    for (const t of tracks) this.ours.add(t);
    return new MediaStream(tracks);
  }

  async getUserMedia(): Promise<MediaStream> {
    const ctx = this.context();
    // A clone per request: a client that stops its tracks at hang-up can ask again.
    const stream = this.realStream();
    for (const t of stream.getAudioTracks()) this.unclaimed.add(t);
    // Until a consumer is known the track itself must carry audio.
    if (ctx.state !== 'running') await ctx.resume();
    return stream;
  }

  private owns(stream: MediaStream): boolean {
    const tracks = stream.getAudioTracks();
    return tracks.length > 0 && tracks.every((t) => this.ours.has(t));
  }

  private adopt(ctx: AudioContext, stream: MediaStream): AdoptedInput {
    for (const t of stream.getAudioTracks()) this.unclaimed.delete(t);
    this.adopted = this.adopted.filter((a) => a.ctx.state !== 'closed');
    let input = this.adopted.find((a) => a.ctx === ctx);
    if (!input) {
      input = this.inputIn(ctx);
      this.adopted.push(input);
    }
    if (this.adopted.length > 1) this.useReal('a second audio context');
    else if (this.realUse) this.feedFromTrack(input);
    this.settle();
    return input;
  }

  /** The client's context's own copy of the microphone: a floor of zeros (a live mic never stops). */
  private inputIn(ctx: AudioContext): AdoptedInput {
    const bus = ctx.createGain();
    const floor = ctx.createConstantSource();
    floor.offset.value = 0;
    floor.connect(bus);
    floor.start();
    return { ctx, bus, clock: clockFor(ctx), fromTrack: null };
  }

  private feedFromTrack(input: AdoptedInput): void {
    if (input.fromTrack || input.ctx.state === 'closed') return;
    input.fromTrack = nativeMediaStreamSource(input.ctx, this.realStream());
    input.fromTrack.connect(input.bus);
  }

  private useReal(reason: string): void {
    if (!this.realUse) this.realUse = reason;
    for (const a of this.adopted) this.feedFromTrack(a);
    this.settle();
  }

  /** The one adopting context that carries the audio, or null when the track does. */
  private adoptedInput(): AdoptedInput | null {
    if (this.realUse) return null;
    const live = this.adopted.filter((a) => a.ctx.state !== 'closed');
    return live.length === 1 ? live[0]! : null;
  }

  /** Runs the mic's context exactly while the track may have to carry audio. */
  private settle(): void {
    const ctx = this.ctx;
    if (!ctx || ctx.state === 'closed') return;
    for (const t of this.unclaimed) if (t.readyState === 'ended') this.unclaimed.delete(t);
    const needed = this.realUse !== null || this.unclaimed.size > 0 || this.adoptedInput() === null;
    if (needed && ctx.state !== 'running') void ctx.resume();
    else if (!needed && ctx.state === 'running') void ctx.suspend();
  }

  async loadTurns(inputs: TurnAudioInput[]): Promise<number> {
    this.turns = inputs.map((t) => {
      // One pass from the decoded string's bytes to samples: this runs while the call's page starts up, when the
      // machine is at its busiest. For 9 s of audio in a new page it takes 5-11 ms; a byte array built with a
      // callback per byte, then samples from it, took 28-33.
      const bytes = atob(t.pcmBase64);
      const samples = bytes.length >> 1;
      // Not tied to a context: the same buffer plays in whichever context carries the audio.
      const buffer = new AudioBuffer({ numberOfChannels: 1, length: Math.max(1, samples), sampleRate: SAMPLE_RATE_HZ });
      const ch = buffer.getChannelData(0);
      for (let i = 0; i < samples; i++) {
        const v = bytes.charCodeAt(2 * i) | (bytes.charCodeAt(2 * i + 1) << 8);
        ch[i] = (v >= 0x8000 ? v - 0x10000 : v) / 32768;
      }
      return { buffer, speechStartMs: t.speechStartMs, speechEndMs: t.speechEndMs };
    });
    return this.turns.length;
  }

  async speak(index: number): Promise<SpeakTiming> {
    this.settle();
    if (!this.adoptedInput()) {
      const ctx = this.context();
      if (ctx.state !== 'running') await ctx.resume();
    }
    return this.speakAt(index, performance.now() + SCHEDULE_LEAD_S * 1000);
  }

  /**
   * Schedules turn `index` to start at page time `atPageMs` on the clock of
   * the context that carries the audio (no timer on the path); a time already
   * past starts it as soon as possible.
   */
  speakAt(index: number, atPageMs: number): SpeakTiming {
    const turn = this.turns[index];
    if (!turn) throw new Error(`fake microphone: no audio loaded for turn index ${index}`);
    const input = this.adoptedInput();
    const ctx: BaseAudioContext = input ? input.ctx : this.context();
    const into: AudioNode = input ? input.bus : this.dest!;
    const clock: AudioClock = input ? input.clock : clockFor(ctx);
    const source = new AudioBufferSourceNode(ctx, { buffer: turn.buffer });
    source.connect(into);
    // On a whole frame of the context: a start between two frames is rendered by interpolating every sample, which
    // changes the audio's levels a little, and so where its quiet tail ends (by up to 10-15 ms on a slow fade).
    const at = Math.max(ctx.currentTime + 0.005, clock.contextTimeOf(atPageMs));
    const when = Math.ceil(at * ctx.sampleRate) / ctx.sampleRate;
    source.start(when);
    source.onended = () => source.disconnect();
    // The samples enter the client's graph (or the track) when rendered, not when a (absent) speaker plays them.
    const startAt = clock.pageTimeOf(when);
    this.spoken.push({ index, startAt });
    this.scheduled.set(index, { clock, when, turn });
    return {
      startAt,
      speechStartAt: startAt + turn.speechStartMs,
      speechEndAt: startAt + turn.speechEndMs,
      endAt: startAt + turn.buffer.duration * 1000,
    };
  }

  /**
   * Utterance `index`'s speech bounds dated from the clock readings taken as they were rendered, not foretold at
   * scheduling: the audio device may have skipped callbacks in between, and the samples rendered that much later.
   */
  renderedTiming(index: number): Pick<SpeakTiming, 'speechStartAt' | 'speechEndAt'> | null {
    const s = this.scheduled.get(index);
    if (!s) return null;
    return {
      speechStartAt: s.clock.renderedAt(s.when + s.turn.speechStartMs / 1000),
      speechEndAt: s.clock.renderedAt(s.when + s.turn.speechEndMs / 1000),
    };
  }
}
