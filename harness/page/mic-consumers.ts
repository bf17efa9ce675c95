/**
 * Everything in the page that can take the fake microphone's track other than
 * a Web Audio context: when one does, the track itself must carry the audio.
 * Covers peer connections (addTrack, addTransceiver, addStream, replaceTrack),
 * MediaRecorder, MediaStreamTrackProcessor and media elements (srcObject).
 * Clones of the mic's tracks and streams count as the mic's.
 */
export interface ConsumerHooks {
  isOurs(track: MediaStreamTrack): boolean;
  markOurs(track: MediaStreamTrack): void;
  onUse(reason: string): void;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

function wrapMethod(proto: object | undefined, name: string, before: (args: unknown[]) => void): void {
  const original = proto ? (Reflect.get(proto, name) as AnyFn | undefined) : undefined;
  if (!proto || typeof original !== 'function') return;
  Reflect.set(proto, name, function (this: unknown, ...args: unknown[]) {
    before(args);
    return original.apply(this, args);
  });
}

function wrapConstructor(name: string, before: (args: unknown[]) => void): void {
  const native = Reflect.get(window, name) as (new (...args: unknown[]) => object) | undefined;
  if (typeof native !== 'function') return;
  Reflect.set(
    window,
    name,
    new Proxy(native, {
      construct(target, args: unknown[], newTarget) {
        before(args);
        return Reflect.construct(target, args, newTarget === Reflect.get(window, name) ? target : newTarget);
      },
    }),
  );
}

export function installConsumerWatch(hooks: ConsumerHooks): void {
  const tracksOf = (x: unknown): MediaStreamTrack[] => {
    if (x instanceof MediaStreamTrack) return [x];
    if (x instanceof MediaStream) return x.getTracks();
    return [];
  };
  const check = (reason: string, ...things: unknown[]) => {
    if (things.some((x) => tracksOf(x).some((t) => hooks.isOurs(t)))) hooks.onUse(reason);
  };

  // Clones stay ours: a client may capture from a copy of the stream it was given.
  const trackClone = MediaStreamTrack.prototype.clone;
  MediaStreamTrack.prototype.clone = function (this: MediaStreamTrack) {
    const copy = trackClone.call(this);
    if (hooks.isOurs(this)) hooks.markOurs(copy);
    return copy;
  };
  const streamClone = MediaStream.prototype.clone;
  MediaStream.prototype.clone = function (this: MediaStream) {
    const copy = streamClone.call(this);
    const from = this.getTracks();
    copy.getTracks().forEach((t, i) => {
      if (from[i] && hooks.isOurs(from[i])) hooks.markOurs(t);
    });
    return copy;
  };

  const pc = window.RTCPeerConnection?.prototype;
  wrapMethod(pc, 'addTrack', (args) => check('RTCPeerConnection.addTrack', ...args));
  wrapMethod(pc, 'addTransceiver', (args) => check('RTCPeerConnection.addTransceiver', args[0]));
  wrapMethod(pc, 'addStream', (args) => check('RTCPeerConnection.addStream', args[0]));
  wrapMethod(window.RTCRtpSender?.prototype, 'replaceTrack', (args) => check('RTCRtpSender.replaceTrack', args[0]));
  wrapConstructor('MediaRecorder', (args) => check('MediaRecorder', args[0]));
  wrapConstructor('MediaStreamTrackProcessor', (args) =>
    check('MediaStreamTrackProcessor', (args[0] as { track?: unknown } | undefined)?.track),
  );

  const media = HTMLMediaElement.prototype;
  const srcObject = Object.getOwnPropertyDescriptor(media, 'srcObject');
  if (srcObject?.set && srcObject.get) {
    const { get, set } = srcObject;
    Object.defineProperty(media, 'srcObject', {
      ...srcObject,
      get,
      set(this: HTMLMediaElement, value: MediaProvider | null) {
        check('HTMLMediaElement.srcObject', value);
        set.call(this, value);
      },
    });
  }
}
