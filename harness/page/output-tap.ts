import { type AudioClock, clockFor } from './audio-clock';

/**
 * Watches what the client's own Web Audio graph renders to its speakers: every
 * node the client connects to an AudioContext's destination is also connected
 * to a silent tap (an AudioWorklet with no outputs) that reports when the
 * output turns audible and when it falls silent, in page time.
 */

export interface OutputTransition {
  kind: 'audible' | 'silent';
  /** Page time (performance.now() ms) of the first audible / first silent sample. */
  at: number;
}

export interface OutputTapOptions {
  /** Absolute sample value above which output counts as audible (0.003 is about -50 dBFS). */
  threshold: number;
  /** Continuous silence that ends audibility; the transition is dated at its first sample. */
  silenceHoldMs: number;
  /** Keep what the client played, at 16 kHz, for evidence recordings (bounded). */
  record: boolean;
}

/** What the client played, resampled to 16 kHz; `startAt` is the page time of the first sample. */
export interface OutputRecording {
  startAt: number;
  sampleRateHz: number;
  samples: Int16Array;
}

const RECORD_RATE_HZ = 16000;
/** Evidence recordings stop growing after this long (about 19 MB of PCM). */
const RECORD_MAX_SECONDS = 600;

// Runs on the audio thread: plain JS in a string, loaded from a Blob URL.
const TAP_PROCESSOR = `
class HarnessOutputTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.threshold = options.processorOptions.threshold;
    this.hold = Math.max(1, Math.round(options.processorOptions.silenceHoldMs * sampleRate / 1000));
    this.audible = false;
    this.silentRun = 0;
    // Evidence: nearest-sample decimation to 16 kHz is enough for listening.
    this.record = options.processorOptions.record;
    this.step = sampleRate / ${RECORD_RATE_HZ};
    this.next = 0;
    this.frame = 0;
    this.startTime = -1;
    this.chunks = [];
    this.chunk = new Int16Array(16000);
    this.filled = 0;
    this.budget = ${RECORD_RATE_HZ * RECORD_MAX_SECONDS};
    this.port.onmessage = (e) => {
      if (e.data !== 'dump') return;
      const parts = this.chunks.concat([this.chunk.slice(0, this.filled)]);
      this.port.postMessage({ kind: 'recording', startTime: this.startTime, parts });
    };
  }
  process(inputs) {
    const input = inputs[0];
    const length = input && input.length ? input[0].length : 128;
    if (this.startTime < 0) this.startTime = currentTime;
    for (let i = 0; i < length; i++) {
      let peak = 0;
      let mix = 0;
      for (let c = 0; input && c < input.length; c++) {
        const x = input[c][i];
        mix += x;
        const v = Math.abs(x);
        if (v > peak) peak = v;
      }
      if (this.record && this.frame >= this.next && this.budget > 0) {
        this.next += this.step;
        this.budget--;
        const m = input && input.length ? mix / input.length : 0;
        this.chunk[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(m * 32767)));
        if (this.filled === this.chunk.length) {
          this.chunks.push(this.chunk);
          this.chunk = new Int16Array(16000);
          this.filled = 0;
        }
      }
      this.frame++;
      if (peak > this.threshold) {
        this.silentRun = 0;
        if (!this.audible) {
          this.audible = true;
          this.port.postMessage({ kind: 'audible', t: currentTime + i / sampleRate });
        }
      } else if (this.audible && ++this.silentRun >= this.hold) {
        this.audible = false;
        this.port.postMessage({ kind: 'silent', t: currentTime + (i - this.hold + 1) / sampleRate });
      }
    }
    return true;
  }
}
registerProcessor('harness-output-tap', HarnessOutputTap);
`;

export class OutputTap {
  private readonly taps = new WeakMap<BaseAudioContext, Promise<AudioWorkletNode | null>>();
  private first: { clock: AudioClock; node: AudioWorkletNode } | null = null;
  private moduleUrl: string | null = null;
  private contexts = 0;

  constructor(
    private readonly opts: OutputTapOptions,
    private readonly onTransition: (t: OutputTransition) => void,
  ) {}

  /** True once a client context has connected anything to its destination. */
  get watching(): boolean {
    return this.contexts > 0;
  }

  install(): void {
    const tap = this;
    const proto = AudioNode.prototype;
    const connect = proto.connect as (this: AudioNode, ...args: unknown[]) => unknown;
    const disconnect = proto.disconnect as (this: AudioNode, ...args: unknown[]) => unknown;
    proto.connect = function (this: AudioNode, ...args: unknown[]) {
      const result = connect.apply(this, args);
      const target = args[0];
      if (target instanceof AudioDestinationNode && target.context instanceof AudioContext) {
        void tap.nodeFor(target.context).then((node) => {
          if (node) connect.call(this, node);
        });
      }
      return result;
    } as typeof proto.connect;
    proto.disconnect = function (this: AudioNode, ...args: unknown[]) {
      const target = args[0];
      const result = disconnect.apply(this, args);
      // Follow the client: a node taken off the speakers is taken off the tap too.
      if (args.length === 0 || target instanceof AudioDestinationNode) {
        void tap.taps.get(this.context)?.then((node) => {
          if (node)
            try {
              disconnect.call(this, node);
            } catch {
              /* was not connected */
            }
        });
      }
      return result;
    } as typeof proto.disconnect;
  }

  /** What the client played into its first output context, or null if nothing was tapped. */
  recording(): Promise<OutputRecording | null> {
    const first = this.first;
    if (!first || !this.opts.record) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onMessage = (e: MessageEvent<{ kind: string; startTime: number; parts: Int16Array[] }>) => {
        if (e.data.kind !== 'recording') return;
        first.node.port.removeEventListener('message', onMessage);
        const total = e.data.parts.reduce((n, p) => n + p.length, 0);
        const samples = new Int16Array(total);
        let off = 0;
        for (const p of e.data.parts) {
          samples.set(p, off);
          off += p.length;
        }
        resolve({ startAt: first.clock.pageTimeOf(e.data.startTime), sampleRateHz: RECORD_RATE_HZ, samples });
      };
      first.node.port.addEventListener('message', onMessage);
      first.node.port.postMessage('dump');
      setTimeout(() => resolve(null), 2000);
    });
  }

  private nodeFor(ctx: AudioContext): Promise<AudioWorkletNode | null> {
    let node = this.taps.get(ctx);
    if (!node) {
      this.moduleUrl ??= URL.createObjectURL(new Blob([TAP_PROCESSOR], { type: 'application/javascript' }));
      node = ctx.audioWorklet
        .addModule(this.moduleUrl)
        .then(() => {
          const n = new AudioWorkletNode(ctx, 'harness-output-tap', {
            numberOfInputs: 1,
            numberOfOutputs: 0,
            channelCountMode: 'max',
            processorOptions: this.opts,
          });
          const clock = clockFor(ctx);
          n.port.onmessage = (e: MessageEvent<{ kind: 'audible' | 'silent' | 'recording'; t: number }>) => {
            if (e.data.kind === 'recording') return;
            // The sample's context time, mapped when the message arrives: how late it arrives does not matter.
            this.onTransition({ kind: e.data.kind, at: clock.pageTimeOf(e.data.t) });
          };
          this.contexts++;
          this.first ??= { clock, node: n };
          return n;
        })
        .catch(() => null);
      this.taps.set(ctx, node);
    }
    return node;
  }
}
