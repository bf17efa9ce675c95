import http from 'node:http';
import { type RawData, WebSocketServer } from 'ws';
import { createVad, VAD_FRAME_MS, type Vad } from '../../harness/audio/vad';
import { epochMs } from '../../harness/clock';
import { Endpointer } from '../../fixtures/agent/endpointer';
import { AgentStats } from '../../fixtures/agent/stats';
import { PhaseBuckets } from './pacer';
import { audioDataMessage } from '../../fixtures/agent/transports/browser';
import { pcm16 } from '../../fixtures/agent/transports/common';

/**
 * The floor of `bench:agent --floor`: a server that does only what any agent
 * must do for the benchmark's callers, on the same `ws` library and Node, so
 * the reference agent's CPU per session can be read against this machine's
 * own cost of the traffic. It reads every caller frame, sends every session
 * reply frames of the agent's size at the agent's pace, and with `--vad` also
 * runs WebRTC's VAD on each caller's audio, as the agent's endpointing does. No
 * turns, scripts, logs or ground truth. It serves the agent's stats endpoints
 * so the bench measures both alike, and prints the agent's "listening" line.
 *   node --import tsx bench/agent/floor.ts --frame-ms 50 [--vad]
 */

const CALLER_RATE_HZ = 16000;
const VAD_FRAME = (CALLER_RATE_HZ * VAD_FRAME_MS) / 1000;
const REPLY_RATE_HZ = 16000;
/** Reply frames in one "reply": each ends with is_final, as the agent's do, and the clients answer it. */
const FRAMES_PER_REPLY = 40;
const WS_PATH = '/api/v1/browser/conversation';

function parse(argv: string[]): { frameMs: number; vad: boolean } {
  const a = { frameMs: 50, vad: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vad') a.vad = true;
    else if (argv[i] === '--frame-ms') {
      a.frameMs = Number(argv[++i]);
      if (!Number.isInteger(a.frameMs) || a.frameMs < 10)
        throw new Error('agent-floor: --frame-ms needs an integer >= 10');
    } else throw new Error(`agent-floor: unknown flag ${argv[i]}; flags: --frame-ms MS [--vad]`);
  }
  return a;
}

/** The agent's own audio_data message for frame k of a reply (quiet audio; its size is what costs). */
function replyMessages(frameMs: number): Buffer[] {
  const b64 = Buffer.alloc((frameMs * REPLY_RATE_HZ * 2) / 1000, 1).toString('base64');
  return Array.from({ length: FRAMES_PER_REPLY }, (_, k) =>
    Buffer.from(audioDataMessage(b64, REPLY_RATE_HZ, k, k === FRAMES_PER_REPLY - 1)),
  );
}

interface FloorSession {
  ws: import('ws').WebSocket;
  frame: number;
  vad?: Vad;
  /** The agent's own endpointer (VAD on 10 ms frames) when the floor includes it. */
  endpointer?: Endpointer;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const stats = new AgentStats();
  const messages = replyMessages(args.frameMs);
  // Sessions in send-phase buckets of 1 ms: one timer paces them all, the cheapest way to send on schedule.
  const phases = new PhaseBuckets<FloorSession>(args.frameMs);
  let open = 0;
  /** 10 ms frames the VAD decided since the last reset: shows the VAD ran on every caller's audio. */
  let vadFrames = 0;
  phases.start((sessions, _dueMs, lateMs) => {
    for (const s of sessions) {
      stats.sendLateness.record(lateMs);
      s.ws.send(messages[s.frame]!, { binary: false });
      s.frame = (s.frame + 1) % FRAMES_PER_REPLY;
      stats.framesOut++;
    }
  });

  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/agent/stats/reset') && req.method === 'POST') {
      stats.reset();
      vadFrames = 0;
      return void res.end('{}');
    }
    if (req.url?.startsWith('/api/v1/agent/stats')) {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ ...stats.snapshot(open), vadFrames }));
    }
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ server, path: WS_PATH, perMessageDeflate: false });
  wss.on('connection', async (ws) => {
    open++;
    stats.sessionsOpened++;
    const s: FloorSession = { ws, frame: 0 };
    if (args.vad) {
      s.vad = await createVad(CALLER_RATE_HZ, 3);
      s.endpointer = new Endpointer(s.vad, { onsetMs: 60, silenceMs: 500, minSpeechMs: 200 });
    }
    phases.add(s);
    ws.on('message', (data: RawData, isBinary) => {
      if (!isBinary) return;
      stats.framesIn++;
      if (!s.endpointer) return;
      const before = s.endpointer.streamSamples;
      s.endpointer.push(pcm16(data as Buffer), epochMs());
      vadFrames += Math.floor(s.endpointer.streamSamples / VAD_FRAME) - Math.floor(before / VAD_FRAME);
    });
    ws.on('close', () => {
      open--;
      stats.sessionsClosed++;
      phases.remove(s);
      s.vad?.close();
    });
  });
  if (args.vad) (await createVad(CALLER_RATE_HZ, 3)).close(); // the WASM loads before the first caller
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as import('node:net').AddressInfo;
    const base = `127.0.0.1:${port}`;
    process.stdout.write(
      `floor listening on http://${base} (browser conversation: ws://${base}${WS_PATH}, ` +
        `${args.frameMs} ms frames${args.vad ? ', VAD' : ''})\n`,
    );
  });
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e: Error) => {
  process.stderr.write(`agent-floor: ${e.message}\n`);
  process.exit(1);
});
