import WebSocket from 'ws';
import type { CallerTrack } from '../audio/cache';
import { awaitOpen, converse, countFailures, type ConversationPlan } from '../driver/conversation';
import { PageEventStream } from '../driver/page-events';
import type { CallSurface } from '../driver/turns';
import type { CallRecorder } from '../metrics/record';
import { Audibility } from '../page/audibility';
import { Interrupts } from '../page/interrupts';
import { ResponseTracker } from '../page/responses';
import type { PageEvent } from '../page/types';
import type { DetectionTokens } from '../protocol/frames';
import { createClassifier, type Protocol } from '../protocol/select';
import { CallerStream, type StreamPump } from './stream';
import { callerWire } from './wire';

export interface ProtocolCallPlan extends ConversationPlan {
  protocol: Protocol;
  endpoint: string;
  sessionId: string;
  scenario: string;
  track: CallerTrack;
  quietMs: number;
  tokens: DetectionTokens;
}

/**
 * One call without a browser: a ws client that streams the caller's audio in
 * real time and reads the agent's messages with the same classifiers and
 * trackers the page uses, so its figures mean the same (minus `ttfa`: there
 * is no speaker to listen to). Times are this process's performance.now().
 */
export async function runProtocolCall(plan: ProtocolCallPlan, pump: StreamPump, events: PageEventStream, rec: CallRecorder): Promise<void> {
  const failures = countFailures(events, rec);
  const push = (e: PageEvent) => events.push(e);
  const wire = callerWire(plan.protocol, plan.endpoint, plan.sessionId, plan.scenario);
  const classify = createClassifier(plan.protocol, wire.url, plan.tokens);
  let ws: WebSocket | undefined;
  const stream = new CallerStream(plan.track.turns.slice(0, plan.turns), (frame) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(wire.encode(frame));
  });
  const audibility = new Audibility((r, at) => push({ type: 'response-audible', at, turn: r.turn }));
  let interrupts: Interrupts | undefined;
  const tracker = new ResponseTracker(plan.quietMs, {
    onStart(r) {
      push({ type: 'response-start', at: r.firstAt, turn: r.turn });
      audibility.onResponseStart(r);
      interrupts?.onResponseStart(r);
    },
    onEnd(r) {
      push({ type: 'response-end', at: r.endAt!, turn: r.turn, reason: r.endReason!, frames: r.frames, audioMs: r.audioMs, gaps: r.gaps, gapMs: r.gapMs });
      interrupts?.onResponseEnd(r);
    },
  });
  interrupts = new Interrupts(stream, audibility, (turn) => tracker.expect(turn), push);

  try {
    const connectDeadline = Date.now() + plan.timeouts.connectMs;
    const setupZero = performance.now();
    push({ type: 'ws-created', at: performance.now(), url: wire.url });
    ws = new WebSocket(wire.url, wire.protocols, { headers: wire.headers, handshakeTimeout: plan.timeouts.connectMs });
    ws.on('open', () => {
      const at = performance.now();
      for (const m of wire.opening()) ws!.send(m);
      // The line is live from the first moment: silence frames flow before anyone speaks.
      stream.start(at);
      pump.add(stream);
      tracker.expect(0);
      push({ type: 'ws-open', at });
    });
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      const frame = classify(isBinary ? data : data.toString());
      if (frame.kind === 'audio') interrupts!.onAudio(at);
      else if (frame.kind === 'stop') interrupts!.onStop(at);
      else if (frame.kind === 'error') push({ type: 'server-error', at, code: frame.code, message: frame.message, throttle: frame.throttle });
      else if (frame.kind === 'session-end') push({ type: 'session-end', at, reason: frame.reason });
      else if (frame.kind === 'stage-timings') push({ type: 'stage-timings', at, turn: tracker.textTurn ?? 0, data: frame.data });
      if (frame.kind === 'response-end' && frame.stages) push({ type: 'stage-timings', at, turn: tracker.textTurn ?? 0, data: frame.stages });
      else if ((frame.kind === 'transcript' && frame.role === 'assistant') || (frame.kind === 'response-end' && frame.text)) {
        const text = frame.kind === 'transcript' ? frame.text : frame.text!;
        if (text) push({ type: 'response-text', at, turn: tracker.textTurn ?? 0, text });
      }
      tracker.onFrame(frame, at);
    });
    ws.on('error', () => push({ type: 'ws-error', at: performance.now() }));
    ws.on('close', (code, reason) => push({ type: 'ws-close', at: performance.now(), code, reason: reason.toString() }));

    const open = await awaitOpen(events, rec, connectDeadline, setupZero);
    failures.opened();
    const surface: CallSurface = {
      timeOrigin: performance.timeOrigin,
      async speak(index, turn, interruptPlan) {
        tracker.expect(turn);
        if (interruptPlan) interrupts!.arm(interruptPlan);
        return stream.speakAt(index, performance.now() + 20);
      },
      // No speaker at all: ttfa is a browser figure, not a missing one.
      outputWatched: async () => null,
    };
    await converse(surface, plan, events, rec, open.at);
    failures.ending();
  } finally {
    stream.stop();
    pump.remove(stream);
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'call complete');
  }
}
