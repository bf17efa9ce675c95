import type { SpeakTiming } from '../page/types';

const RATE_HZ = 16000;

interface Placed {
  startSample: number;
  samples: Int16Array;
}

/**
 * A protocol caller's microphone: a timeline of caller audio sent in
 * real time, one frame every `frameMs` from the start, each frame leaving
 * once its audio has been "spoken". Between utterances it sends a low noise
 * floor, as a phone line does. Times are performance.now() ms.
 */
export class CallerStream {
  private t0 = 0;
  private sentFrames = 0;
  private placed: Placed[] = [];
  private running = false;
  private readonly frameSamples: number;
  private noise = 12345;

  constructor(
    private readonly turns: readonly { samples: Int16Array; speechStartMs: number; speechEndMs: number }[],
    private readonly send: (frame: Int16Array) => void,
    private readonly frameMs = 20,
  ) {
    this.frameSamples = (RATE_HZ * frameMs) / 1000;
  }

  start(atMs: number): void {
    this.t0 = atMs;
    this.running = true;
  }

  stop(): void {
    this.running = false;
  }

  /** Sends every frame due by `nowMs` (several, if the process fell behind). */
  tick(nowMs: number): void {
    if (!this.running) return;
    while (this.t0 + (this.sentFrames + 1) * this.frameMs <= nowMs) {
      this.send(this.frame(this.sentFrames));
      this.sentFrames++;
    }
    // Utterances fully sent are dropped from the timeline.
    const sentSample = this.sentFrames * this.frameSamples;
    if (this.placed.length && this.placed[0]!.startSample + this.placed[0]!.samples.length <= sentSample) {
      this.placed = this.placed.filter((p) => p.startSample + p.samples.length > sentSample);
    }
  }

  /** Places turn `index` to start at `atMs` (no earlier than the next unsent frame); when its samples leave. */
  speakAt(index: number, atMs: number): SpeakTiming {
    const turn = this.turns[index];
    if (!turn) throw new Error(`protocol caller: no audio for turn index ${index}`);
    const earliest = this.sentFrames * this.frameSamples;
    const startSample = Math.max(earliest, Math.ceil(((atMs - this.t0) * RATE_HZ) / 1000));
    this.placed.push({ startSample, samples: turn.samples });
    const leaves = (sample: number) => this.t0 + (Math.floor(sample / this.frameSamples) + 1) * this.frameMs;
    const ms = (n: number) => Math.round((n * RATE_HZ) / 1000);
    return {
      startAt: this.t0 + (startSample * 1000) / RATE_HZ,
      speechStartAt: leaves(startSample + ms(turn.speechStartMs)),
      speechEndAt: leaves(startSample + ms(turn.speechEndMs) - 1),
      endAt: leaves(startSample + turn.samples.length - 1),
    };
  }

  private frame(k: number): Int16Array {
    const out = new Int16Array(this.frameSamples);
    const from = k * this.frameSamples;
    for (let i = 0; i < out.length; i++) {
      // A few LSB of noise: what an open phone line carries between words.
      this.noise = (Math.imul(this.noise, 1103515245) + 12345) >>> 0;
      out[i] = ((this.noise >>> 16) % 5) - 2;
    }
    for (const p of this.placed) {
      const a = Math.max(from, p.startSample);
      const b = Math.min(from + out.length, p.startSample + p.samples.length);
      for (let s = a; s < b; s++) out[s - from] = p.samples[s - p.startSample]!;
    }
    return out;
  }
}

/** One timer for every caller stream in the process, instead of a timer per call. */
export class StreamPump {
  private readonly streams = new Set<CallerStream>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly everyMs = 5) {}

  add(stream: CallerStream): void {
    this.streams.add(stream);
    this.timer ??= setInterval(() => {
      const now = performance.now();
      for (const s of this.streams) s.tick(now);
    }, this.everyMs);
  }

  remove(stream: CallerStream): void {
    this.streams.delete(stream);
    if (!this.streams.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
