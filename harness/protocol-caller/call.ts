import WebSocket from 'ws';
import type { CallerTrack } from '../audio/cache';
import { awaitOpen, converse, countFailures, type ConversationPlan } from '../driver/conversation';
import type { PageEventStream } from '../driver/page-events';
import type { CallSurface } from '../driver/turns';
import type { CallRecorder } from '../metrics/record';
import { CallObserver } from '../page/observer';
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
export async function runProtocolCall(
  plan: ProtocolCallPlan,
  pump: StreamPump,
  events: PageEventStream,
  rec: CallRecorder,
): Promise<void> {
  const failures = countFailures(events, rec);
  const push = (e: PageEvent) => events.push(e);
  const wire = callerWire(plan.protocol, plan.endpoint, plan.sessionId, plan.scenario);
  const classify = createClassifier(plan.protocol, wire.url, plan.tokens);
  let ws: WebSocket | undefined;
  const stream = new CallerStream(plan.track.turns.slice(0, plan.turns), (frame) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(wire.encode(frame));
  });
  const observer = new CallObserver(plan.quietMs, stream, push);

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
      observer.expectResponse(0);
      push({ type: 'ws-open', at });
    });
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      observer.onFrame(classify(isBinary ? data : data.toString()), at);
    });
    ws.on('error', () => push({ type: 'ws-error', at: performance.now() }));
    ws.on('close', (code, reason) =>
      push({ type: 'ws-close', at: performance.now(), code, reason: reason.toString() }),
    );

    const open = await awaitOpen(events, rec, connectDeadline, setupZero);
    failures.opened();
    const surface: CallSurface = {
      timeOrigin: performance.timeOrigin,
      async speak(index, turn, interruptPlan) {
        observer.expectResponse(turn);
        if (interruptPlan) observer.armInterrupt(interruptPlan);
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
