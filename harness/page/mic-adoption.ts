import type { AudioClock } from './audio-clock';

/** The microphone as seen from inside one client context. */
export interface AdoptedInput {
  ctx: AudioContext;
  /** What every node handed to the client listens to: the turns, a floor of zeros, and the track if it runs. */
  bus: GainNode;
  clock: AudioClock;
  /** The real track fed in, once it carries the audio (another consumer appeared). */
  fromTrack: MediaStreamAudioSourceNode | null;
}

export interface AdoptionHooks {
  /** Whether every audio track of the stream is the fake microphone's. */
  owns(stream: MediaStream): boolean;
  adopt(ctx: AudioContext, stream: MediaStream): AdoptedInput;
}

const NativeSource = window.MediaStreamAudioSourceNode;
const nativeCreate = AudioContext.prototype.createMediaStreamSource;

/** A real MediaStreamAudioSourceNode, whatever the page was given in its place. */
export function nativeMediaStreamSource(ctx: AudioContext, mediaStream: MediaStream): MediaStreamAudioSourceNode {
  return new NativeSource(ctx, { mediaStream });
}

/** Nodes handed out in place of a MediaStreamAudioSourceNode: they answer `instanceof` as one. */
const handedOut = new WeakSet<object>();

/**
 * A client's createMediaStreamSource(stream) (or new MediaStreamAudioSourceNode)
 * on the fake microphone's stream returns a node of the client's own context
 * that plays the turns directly: a GainNode with the `mediaStream` property of
 * the real node. Any other stream gets the real node.
 */
export function installAdoption(hooks: AdoptionHooks): void {
  const handOut = (ctx: AudioContext, stream: MediaStream): AudioNode => {
    const input = hooks.adopt(ctx, stream);
    const node = ctx.createGain();
    input.bus.connect(node);
    Object.defineProperty(node, 'mediaStream', { value: stream, enumerable: true });
    handedOut.add(node);
    return node;
  };

  AudioContext.prototype.createMediaStreamSource = function (this: AudioContext, stream: MediaStream) {
    if (!hooks.owns(stream)) return nativeCreate.call(this, stream);
    return handOut(this, stream) as MediaStreamAudioSourceNode;
  };

  window.MediaStreamAudioSourceNode = new Proxy(NativeSource, {
    construct(target, args: [BaseAudioContext, MediaStreamAudioSourceOptions], newTarget) {
      const [ctx, options] = args;
      if (ctx instanceof AudioContext && options?.mediaStream && hooks.owns(options.mediaStream)) {
        return handOut(ctx, options.mediaStream);
      }
      return Reflect.construct(target, args, newTarget === window.MediaStreamAudioSourceNode ? target : newTarget);
    },
    get(target, prop, receiver) {
      if (prop === Symbol.hasInstance) return (x: unknown) => handedOut.has(x as object) || x instanceof target;
      return Reflect.get(target, prop, receiver);
    },
  });
}
