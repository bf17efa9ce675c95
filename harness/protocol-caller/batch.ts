import type { TestInfo } from '@playwright/test';
import type { CallerTrack } from '../audio/cache';
import type { Scenario } from '../audio/scenarios';
import { sleep } from '../clock';
import type { HarnessConfig } from '../config';
import { failureOf } from '../driver/errors';
import { PageEventStream } from '../driver/page-events';
import { CpuSampler, LoopLag } from '../generator/health';
import { cpuSeries } from '../generator/stats';
import { CALL_ERROR } from '../metrics/names';
import { CALL_RECORD_ATTACHMENT, CallRecorder, type CallRecord } from '../metrics/record';
import { currentShard } from '../plan/load';
import { formatShard, SHARD_ANNOTATION } from '../plan/shard';
import { drawBetween, seededRandom } from '../random';
import { runId } from '../run-id';
import { runProtocolCall } from './call';
import { StreamPump } from './stream';
import { endpointFor } from './wire';
import { targetOf } from '../driver/socket';

export interface BatchOptions {
  config: HarnessConfig;
  scenarios: Map<string, Scenario>;
  tracks: CallerTrack[];
  /** Index of the batch's first call among all protocol calls, and how many it carries. */
  first: number;
  count: number;
  testInfo: TestInfo;
}

/**
 * Runs a batch of protocol-level calls concurrently in this worker (started
 * at PROTOCOL_SPAWN_RATE), attaching one call record each, in group
 * "protocol", to the test: the reporter merges them with the browser calls
 * and reports the two groups apart.
 */
export async function runProtocolBatch(o: BatchOptions): Promise<CallRecord[]> {
  const { config } = o;
  const shard = currentShard();
  o.testInfo.annotations.push({ type: SHARD_ANNOTATION, description: formatShard(shard) });
  const pump = new StreamPump();
  const cpu = new CpuSampler(1000).start();
  const lag = new LoopLag().start();
  const embedded = process.env.HARNESS_AGENT_WS_URL;
  const endpoint = endpointFor(
    config.protocolTransport,
    config.protocolWsUrl ?? config.wsUrl,
    embedded && embedded !== 'external' ? embedded : undefined,
  );
  // Unique per run: the agent keys its sessions (and their logs) by this id.
  const run = runId();
  const records: CallRecord[] = [];
  const one = async (k: number): Promise<void> => {
    await sleep((k * 1000) / config.protocolSpawnRate);
    const index = o.first + k;
    const scenarioName = config.scenarios[index % config.scenarios.length]!;
    const tracks = o.tracks.filter((t) => t.scenario === scenarioName);
    const track = tracks[Math.floor(index / config.scenarios.length) % Math.max(1, tracks.length)];
    const callId = `proto-${run}-${String(index + 1).padStart(5, '0')}`;
    const rec = new CallRecorder();
    const startedAtMs = Date.now();
    let failure: CallRecord['failure'];
    try {
      if (!track) throw new Error(`PCM_DIR=${config.pcmDir} has no audio for scenario "${scenarioName}"`);
      const scenarioTurns = o.scenarios.get(scenarioName)?.turns ?? track.turns.map((t) => ({ text: t.text }));
      const rand = seededRandom(config.seed, 'protocol', index);
      await runProtocolCall(
        {
          protocol: config.protocolTransport,
          endpoint,
          sessionId: callId,
          scenario: scenarioName,
          track,
          scenarioTurns,
          turns: config.turnsPerUser ? Math.min(config.turnsPerUser, track.turns.length) : track.turns.length,
          timeouts: {
            connectMs: config.connectTimeoutSec * 1000,
            firstByteMs: config.firstByteTimeoutSec * 1000,
            turnMs: config.turnTimeoutSec * 1000,
          },
          greeting: config.protocolTransport !== 'realtime',
          pauseBetweenTurnsMs: () => config.pauseBetweenTurnsSec * 1000,
          interruptDelayMs: () => drawBetween(rand, config.bargeDelayMs),
          ignoreCloseExceptions: config.ignoreCloseExceptions,
          quietMs: config.bargeQuietMs,
          tokens: { response: config.responseTokens, end: config.endTokens },
        },
        pump,
        new PageEventStream(),
        rec,
      );
    } catch (e) {
      const { unexpected, ...known } = failureOf(e);
      failure = known;
      if (unexpected) rec.count(CALL_ERROR);
    }
    const record = rec.finish({
      callId,
      sessionId: callId,
      ...targetOf(new URL(endpoint)),
      shard,
      scenario: scenarioName,
      voice: track?.voice ?? '',
      group: 'protocol',
      startedAtMs,
      endedAtMs: Date.now(),
      ok: !failure,
      ...(failure ? { failure } : {}),
      generator: {
        ...cpuSeries(cpu),
        eventLoopLagP99Ms: Math.round(lag.p99Ms() * 10) / 10,
      },
    });
    records.push(record);
    await o.testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(record), contentType: 'application/json' });
  };
  try {
    await Promise.all(Array.from({ length: o.count }, (_, k) => one(k)));
  } finally {
    cpu.stop();
    lag.stop();
  }
  // Every record is attached already; a failed call makes the batch's test red, as a failed browser call does.
  const failed = records.filter((r) => !r.ok);
  if (failed.length) throw new ProtocolBatchFailure(failed, o.count);
  return records;
}

/** A batch with failed calls, naming each (and its session id, to find it in the agent's log). */
export class ProtocolBatchFailure extends Error {
  constructor(
    readonly failed: readonly CallRecord[],
    total: number,
  ) {
    const lines = failed.map(
      (r) =>
        `  ${r.callId} (session ${r.sessionId ?? '?'}): ${r.failure?.code ?? 'failed'} ${r.failure?.message ?? ''}`,
    );
    super(`${failed.length} of ${total} protocol calls failed:\n${lines.join('\n')}`);
    this.name = 'ProtocolBatchFailure';
  }
}
