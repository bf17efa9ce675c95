import createFvadModule from '@echogarden/fvad-wasm';

/**
 * WebRTC VAD (libfvad compiled to WASM). Frames are 10 ms; the caller decides
 * how many voiced/unvoiced frames make speech start or end.
 */

type FvadModule = {
  _fvad_new(): number;
  _fvad_free(inst: number): void;
  _fvad_set_mode(inst: number, mode: number): number;
  _fvad_set_sample_rate(inst: number, rate: number): number;
  _fvad_process(inst: number, ptr: number, length: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAP16: Int16Array;
};

let modulePromise: Promise<FvadModule> | undefined;
function loadModule(): Promise<FvadModule> {
  modulePromise ??= (createFvadModule as unknown as () => Promise<FvadModule>)();
  return modulePromise;
}

export const VAD_FRAME_MS = 10;
export type VadMode = 0 | 1 | 2 | 3;

export interface Vad {
  readonly frameSamples: number;
  /** True when the 10 ms frame is voiced. `frame.length` must equal frameSamples. */
  isSpeech(frame: Int16Array): boolean;
  close(): void;
}

export async function createVad(sampleRateHz = 16000, mode: VadMode = 3): Promise<Vad> {
  const m = await loadModule();
  const inst = m._fvad_new();
  if (!inst) throw new Error('fvad: out of memory');
  if (m._fvad_set_sample_rate(inst, sampleRateHz) !== 0)
    throw new Error(`fvad: unsupported sample rate ${sampleRateHz} Hz (8000, 16000, 32000 or 48000)`);
  m._fvad_set_mode(inst, mode);
  const frameSamples = (sampleRateHz * VAD_FRAME_MS) / 1000;
  const ptr = m._malloc(frameSamples * 2);
  let closed = false;
  return {
    frameSamples,
    isSpeech(frame) {
      // HEAP16 may be replaced when WASM memory grows: read it on every call.
      m.HEAP16.set(frame, ptr >> 1);
      const r = m._fvad_process(inst, ptr, frameSamples);
      if (r < 0) throw new Error('fvad: invalid frame');
      return r === 1;
    },
    close() {
      if (closed) return;
      closed = true;
      m._free(ptr);
      m._fvad_free(inst);
    },
  };
}

export interface SpeechBounds {
  speechStartMs: number;
  speechEndMs: number;
}

/**
 * First and last voiced region of an utterance. A region needs `minRunMs` of
 * consecutive voiced frames, so clicks and breaths at the edges do not count.
 */
export async function measureSpeechBounds(
  samples: Int16Array,
  sampleRateHz = 16000,
  minRunMs = 30,
): Promise<SpeechBounds | null> {
  const vad = await createVad(sampleRateHz, 3);
  try {
    const n = vad.frameSamples;
    const voiced: boolean[] = [];
    for (let i = 0; i + n <= samples.length; i += n) voiced.push(vad.isSpeech(samples.subarray(i, i + n)));
    const minRun = Math.max(1, Math.round(minRunMs / VAD_FRAME_MS));
    let first = -1;
    let last = -1;
    let run = 0;
    for (let f = 0; f < voiced.length; f++) {
      run = voiced[f] ? run + 1 : 0;
      if (run >= minRun) {
        if (first < 0) first = f - minRun + 1;
        last = f;
      }
    }
    if (first < 0) return null;
    return { speechStartMs: first * VAD_FRAME_MS, speechEndMs: (last + 1) * VAD_FRAME_MS };
  } finally {
    vad.close();
  }
}

/** Edge frames quieter than this below the utterance's loudest frame are not speech. */
const EXTENT_BELOW_PEAK_DB = 45;

/**
 * Speech bounds for `t_se`: the VAD's region without its hang-over. WebRTC VAD
 * keeps reporting voice for up to ~90 ms after speech stops (its built-in
 * hang-over at 10 ms frames), which would put speech end late and make every
 * latency look shorter. Frames at either edge of the region that are more than
 * EXTENT_BELOW_PEAK_DB below its loudest frame are cut; the region never grows.
 */
export async function measureSpeechExtent(samples: Int16Array, sampleRateHz = 16000): Promise<SpeechBounds | null> {
  const bounds = await measureSpeechBounds(samples, sampleRateHz);
  if (!bounds) return null;
  const n = (sampleRateHz * VAD_FRAME_MS) / 1000;
  const first = bounds.speechStartMs / VAD_FRAME_MS;
  const end = Math.min(bounds.speechEndMs / VAD_FRAME_MS, Math.floor(samples.length / n));
  const energy: number[] = [];
  for (let f = first; f < end; f++) {
    let e = 0;
    for (let i = f * n; i < (f + 1) * n; i++) e += samples[i]! * samples[i]!;
    energy.push(e);
  }
  const threshold = Math.max(...energy) * 10 ** (-EXTENT_BELOW_PEAK_DB / 10);
  let lo = 0;
  let hi = energy.length - 1;
  while (lo < hi && energy[lo]! < threshold) lo++;
  while (hi > lo && energy[hi]! < threshold) hi--;
  return { speechStartMs: (first + lo) * VAD_FRAME_MS, speechEndMs: (first + hi + 1) * VAD_FRAME_MS };
}
