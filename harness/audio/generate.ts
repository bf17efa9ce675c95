import fs from 'node:fs';
import path from 'node:path';
import {
  AzureConfigError,
  AzureEngine,
  AzureSpeechError,
  type AzureCredentials,
  type AzureEngineOptions,
} from './azure';
import { synthesizeWithFlite, type FliteVoice } from './flite';
import { withCacheLock } from './lock';
import { callerOf, readManifest, variantOf, writeManifest, type ManifestEntry } from './manifest';
import { CALLER_SAMPLE_RATE_HZ, durationMs, toBytes } from './pcm';
import { CACHE_FILE_PATTERN, planGeneration, type FallbackReason, type PlannedFile, type Rendition } from './plan';
import { trimSpeech } from './trim';
import { applyTransform, DEFAULT_REALISM, type RealismOptions } from './realism';
import type { Scenario } from './scenarios';
import {
  checkVoices,
  DEFAULT_PROSODY_VARIATION,
  fliteRequest,
  formatPct,
  type EngineChoice,
  type EngineName,
  type ProsodyVariation,
} from './voices';

export { cacheFileName, contentHash } from './plan';

export interface GenerateOptions {
  dir: string;
  scenarios: readonly Scenario[];
  voices: readonly string[];
  /** 0 = every turn. */
  maxTurns?: number;
  /** Default 'offline'; Azure is used only when asked for and credentials are given. */
  engine?: EngineChoice;
  azure?: Omit<AzureEngineOptions, 'credentials'> & { credentials: AzureCredentials | null };
  realism?: Partial<RealismOptions>;
  prosodyVariation?: Partial<ProsodyVariation>;
  onProgress?: (event: GenerateProgress) => void;
  /** One-off messages: Azure failures with the offline engine standing in, waiting for a lock. */
  onNotice?: (line: string) => void;
}

export interface GenerateProgress {
  done: number;
  total: number;
  file: string;
  /** False when the file was already in the cache. */
  generated: boolean;
  engine: EngineName;
  voice: string;
  caller: string;
  fallback?: FallbackReason;
  /** Since the run started. */
  elapsedMs: number;
}

export interface GenerateResult {
  generated: number;
  total: number;
  byEngine: Record<EngineName, number>;
  /** Files the offline engine made in place of an Azure voice. */
  fallbacks: number;
  elapsedMs: number;
}

/** Offline requests per Flite child: big enough to amortise its start-up, small enough to show progress. */
const OFFLINE_CHUNK = 16;

interface Job {
  file: PlannedFile;
  rendition: Rendition;
  reason?: FallbackReason;
}

/**
 * Generates whatever the cache lacks, under the cache lock. The existing
 * manifest is read (and validated) before anything is written, each file is
 * written atomically before its manifest line, and the manifest is rewritten
 * atomically after every file: an interrupted run keeps what it made and never
 * leaves a half line.
 */
export async function ensureCallerAudio(opts: GenerateOptions): Promise<GenerateResult> {
  const started = Date.now();
  const engine = opts.engine ?? 'offline';
  const voices = [...new Set(opts.voices)];
  checkVoices(voices, engine);
  const credentials = opts.azure?.credentials ?? null;
  if (engine === 'azure' && !credentials) {
    throw new AzureConfigError('--engine azure needs AZURE_SPEECH_KEY and AZURE_SPEECH_REGION to be set');
  }
  const plan = planGeneration({
    scenarios: opts.scenarios,
    voices,
    maxTurns: opts.maxTurns ?? 0,
    engine,
    azureConfigured: credentials !== null,
    realism: { ...DEFAULT_REALISM, ...opts.realism },
    prosodyVariation: { ...DEFAULT_PROSODY_VARIATION, ...opts.prosodyVariation },
  });
  fs.mkdirSync(opts.dir, { recursive: true });
  return withCacheLock(
    opts.dir,
    async () => {
      const cache = new CacheWriter(opts.dir);
      const result: GenerateResult = {
        generated: 0,
        total: plan.length,
        byEngine: { azure: 0, flite: 0 },
        fallbacks: 0,
        elapsedMs: 0,
      };
      let done = 0;
      const report = (job: Job, generated: boolean) =>
        opts.onProgress?.({
          done: ++done,
          total: plan.length,
          file: job.rendition.filename,
          generated,
          engine: job.rendition.engine,
          voice: job.rendition.voice,
          caller: job.file.caller,
          ...(job.reason ? { fallback: job.reason } : {}),
          elapsedMs: Date.now() - started,
        });
      const finish = async (job: Job, spoken: Int16Array) => {
        const speech = job.file.maxSpeechMs ? await trimSpeech(spoken, job.file.maxSpeechMs) : spoken;
        const audio = await applyTransform(speech, job.file.transform).catch((e: Error) => {
          throw new Error(`${job.rendition.filename}: ${e.message} ("${job.file.text}", ${job.rendition.voice})`);
        });
        cache.add(job, audio.samples, {
          speechStartMs: audio.speechStartMs,
          speechEndMs: audio.speechEndMs,
          levelDbfs: audio.levelDbfs,
        });
        result.generated++;
        result.byEngine[job.rendition.engine]++;
        if (job.reason) result.fallbacks++;
        report(job, true);
      };

      const offline: Job[] = [];
      const azureJobs: Job[] = [];
      for (const file of plan) {
        const job: Job = {
          file,
          rendition: file.primary,
          ...(file.primaryReason ? { reason: file.primaryReason } : {}),
        };
        if (cache.has(file.primary.filename)) report(job, false);
        else (file.primary.engine === 'azure' ? azureJobs : offline).push(job);
      }

      if (azureJobs.length) {
        const azure = new AzureEngine({ ...opts.azure, credentials: credentials! });
        const told = new Set<string>();
        try {
          for (const job of azureJobs) {
            let speech: Int16Array;
            try {
              speech = await azure.synthesize({
                text: job.file.text,
                voice: job.rendition.voice,
                style: job.rendition.style,
                prosody: job.rendition.prosody,
              });
            } catch (e) {
              if (!(e instanceof AzureSpeechError) || !job.file.fallback) throw e;
              if (!told.has(e.kind)) {
                told.add(e.kind);
                opts.onNotice?.(
                  `${e.message}; the offline engine speaks in its place (${job.file.fallback.voice}) where Azure fails`,
                );
              }
              const standIn: Job = { file: job.file, rendition: job.file.fallback, reason: e.kind };
              if (cache.has(standIn.rendition.filename)) report(standIn, false);
              else offline.push(standIn);
              continue;
            }
            await finish(job, speech);
          }
        } finally {
          azure.close();
        }
      }

      for (let i = 0; i < offline.length; i += OFFLINE_CHUNK) {
        const chunk = offline.slice(i, i + OFFLINE_CHUNK);
        const audio = await synthesizeWithFlite(
          chunk.map((j) => fliteRequest(j.file.text, j.rendition.voice as FliteVoice, j.rendition.prosody)),
        );
        for (let k = 0; k < chunk.length; k++) await finish(chunk[k]!, audio[k]!);
      }
      result.elapsedMs = Date.now() - started;
      return result;
    },
    { onWait: (pid) => opts.onNotice?.(`waiting for process ${pid}, which is writing ${opts.dir}`) },
  );
}

/** The cache directory's manifest, kept in memory and rewritten atomically after every added file. */
class CacheWriter {
  private entries: ManifestEntry[];

  constructor(private readonly dir: string) {
    // Throws on a bad manifest (naming file and line) before anything is written.
    this.entries = readManifest(dir);
  }

  has(filename: string): boolean {
    return this.entries.some((e) => e.filename === filename) && fs.existsSync(path.join(this.dir, filename));
  }

  add(
    job: Job,
    samples: Int16Array,
    measured: { speechStartMs: number; speechEndMs: number; levelDbfs: number },
  ): void {
    const { file, rendition } = job;
    const full = path.join(this.dir, rendition.filename);
    const t = file.transform;
    const entry: ManifestEntry = {
      filename: rendition.filename,
      path: manifestPath(full),
      text: file.text,
      voice: rendition.voice,
      sample_rate: CALLER_SAMPLE_RATE_HZ,
      style: rendition.style,
      rate: formatPct(rendition.prosody.ratePct),
      duration_seconds: Number((durationMs(samples) / 1000).toFixed(3)),
      label: `${file.scenario}-turn-${file.turnIndex}-of-${file.turnCount}`,
      scenario: file.scenario,
      turn_index: file.turnIndex,
      turn_count: file.turnCount,
      created_at: new Date().toISOString(),
      hash: rendition.hash,
      speech_start_ms: measured.speechStartMs,
      speech_end_ms: measured.speechEndMs,
      engine: rendition.engine,
      caller: file.caller,
      ...(job.reason ? { fallback: job.reason } : {}),
      variant: file.variant,
      pitch: formatPct(rendition.prosody.pitchPct),
      seed: t.seed,
      noise_seed: t.noiseSeed,
      noise: t.noise,
      snr_db: t.snrDb,
      telephone: t.telephone,
      level_dbfs: measured.levelDbfs,
      lead_silence_ms: t.leadSilenceMs,
      trail_silence_ms: t.trailSilenceMs,
      ...(file.maxSpeechMs ? { max_speech_ms: file.maxSpeechMs } : {}),
    };
    writeAtomic(full, toBytes(samples));
    // A per-file JSON sidecar, as the Locust cache has.
    writeAtomic(full.replace(/\.pcm$/, '.json'), JSON.stringify(entry, null, 2));
    this.entries = [...this.entries.filter((e) => !supersedes(entry, e)), entry];
    writeManifest(this.dir, this.entries);
  }
}

/**
 * A new file replaces an older line for the same file name, and an older line
 * this generator wrote for the same caller, condition and turn (e.g. made with
 * another seed). Lines without `engine` (written by another tool) are never
 * replaced by a different file.
 */
function supersedes(added: ManifestEntry, old: ManifestEntry): boolean {
  if (old.filename === added.filename) return true;
  return (
    old.engine !== undefined &&
    old.scenario === added.scenario &&
    callerOf(old) === added.caller &&
    variantOf(old) === added.variant &&
    old.turn_index === added.turn_index
  );
}

/** Like the Locust cache: relative to where the tool ran, unless the cache lies outside it. */
function manifestPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** --clear-cache: removes the manifest, the files it lists and this generator's orphans; other files stay. */
export async function clearCallerAudio(dir: string): Promise<{ removed: number }> {
  if (!fs.existsSync(dir)) return { removed: 0 };
  return withCacheLock(dir, async () => {
    const listed = new Set<string>();
    try {
      for (const e of readManifest(dir)) listed.add(e.filename);
    } catch {
      // A corrupt manifest is being cleared anyway; orphans are found by name below.
    }
    let removed = 0;
    for (const name of fs.readdirSync(dir)) {
      const stem = name.replace(/\.(pcm|wav|json)$/i, '');
      const listedStem = [...listed].some((f) => f.replace(/\.(pcm|wav)$/i, '') === stem);
      if (name === 'manifest.jsonl' || listed.has(name) || listedStem || CACHE_FILE_PATTERN.test(name)) {
        fs.rmSync(path.join(dir, name), { force: true });
        removed++;
      }
    }
    return { removed };
  });
}
