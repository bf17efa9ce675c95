import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { loadCallerTracks } from '../../harness/audio/cache';
import { ManifestError } from '../../harness/audio/manifest';
import { AudioFormatError, encodeWav, int16ToFloat } from '../../harness/audio/pcm';
import { measureSpeechExtent } from '../../harness/audio/vad';
import { knownSpeech, RATE_HZ, samplesOf, snapshot, tempDir } from '../helpers/audio-signals';
import { LOCUST_CACHE_DIR } from '../helpers/run-load';

function copyCache(to: string): void {
  for (const f of fs.readdirSync(LOCUST_CACHE_DIR)) fs.copyFileSync(path.join(LOCUST_CACHE_DIR, f), path.join(to, f));
}

/** A one-turn cache holding `file` with the given bytes. */
function cacheWith(filename: string, bytes: Uint8Array, entry: Record<string, unknown> = {}): string {
  const dir = tempDir('audio-input');
  fs.writeFileSync(path.join(dir, filename), bytes);
  const line = {
    filename,
    path: filename,
    text: 'Can you help me check my account balance?',
    voice: 'test',
    sample_rate: 16000,
    style: 'neutral',
    rate: '+0%',
    duration_seconds: 1,
    label: 'x',
    scenario: 'quick_question',
    turn_index: 1,
    turn_count: 1,
    created_at: '2025-01-01T00:00:00Z',
    hash: 'abc',
    ...entry,
  };
  fs.writeFileSync(path.join(dir, 'manifest.jsonl'), `${JSON.stringify(line)}\n`);
  return dir;
}

test(
  'a Locust neural cache loads unchanged: bounds measured at load, turns in turn_index order despite ' +
    'its turn_count',
  async () => {
    const dir = tempDir('audio-locust');
    copyCache(dir);
    // Shuffle the manifest lines: order comes from turn_index, not from the file.
    const lines = fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(path.join(dir, 'manifest.jsonl'), `${[lines[2], lines[0], lines[1]].join('\n')}\n`);
    const before = snapshot(dir);
    const tracks = await loadCallerTracks(dir);
    expect(tracks).toHaveLength(1);
    const [track] = tracks;
    expect(track).toMatchObject({ scenario: 'quick_question', voice: 'en-US-JennyMultilingualNeural', variant: '' });
    expect(track!.turns.map((t) => t.text)).toEqual([
      'Hi there, I have a quick question',
      'Can you help me check my account balance?',
      "Thanks, that's all I needed to know",
    ]);
    for (const t of track!.turns) {
      expect(t.samples.length).toBe(fs.statSync(t.file).size / 2);
      // Neural TTS leaves ~100-200 ms before the words and a few hundred after.
      expect(t.speechStartMs).toBeGreaterThan(50);
      expect(t.speechStartMs).toBeLessThan(400);
      expect(t.speechEndMs).toBeGreaterThan(t.durationMs - 600);
      expect(t.speechEndMs).toBeLessThan(t.durationMs);
    }
    // Loading never writes to someone else's cache.
    expect(snapshot(dir)).toEqual(before);
  },
);

test('a raw PCM file with an odd byte count is rejected naming the file', async () => {
  const dir = cacheWith('odd.pcm', new Uint8Array(3201));
  const err = await loadCallerTracks(dir).catch((e: Error) => e);
  expect(err).toBeInstanceOf(AudioFormatError);
  expect((err as Error).message).toBe(
    `${path.join(dir, 'odd.pcm')}: odd byte count 3201: not 16-bit PCM (truncated or another format)`,
  );
});

test('a WAV at 44.1 kHz stereo is downmixed and resampled to 16 kHz with its speech where it was', async () => {
  const [speech] = await knownSpeech([{ text: 'Can you help me check my account balance?', voice: 'flite-slt' }]);
  const mono16k = new Int16Array(samplesOf(500) + speech!.length + samplesOf(700));
  mono16k.set(speech!, samplesOf(500));
  // Up to 44.1 kHz (linear interpolation is enough for a fixture), opposite polarity noise on each channel so only a
  // true mix cancels it.
  const srcRateHz = 44100;
  const frames = Math.floor((mono16k.length * srcRateHz) / RATE_HZ);
  const stereo = new Int16Array(frames * 2);
  const x = int16ToFloat(mono16k);
  for (let i = 0; i < frames; i++) {
    const pos = (i * RATE_HZ) / srcRateHz;
    const k = Math.floor(pos);
    const v = (x[k] ?? 0) + ((x[k + 1] ?? 0) - (x[k] ?? 0)) * (pos - k);
    const hum = 0.05 * Math.sin((2 * Math.PI * 50 * i) / srcRateHz);
    stereo[2 * i] = Math.round((v + hum) * 32767);
    stereo[2 * i + 1] = Math.round((v - hum) * 32767);
  }
  const dir = cacheWith('turn.wav', encodeWav(stereo, srcRateHz, 2), { sample_rate: 44100 });
  const [track] = await loadCallerTracks(dir);
  const turn = track!.turns[0]!;
  expect(Math.abs(turn.samples.length - mono16k.length)).toBeLessThanOrEqual(2);
  const reference = (await measureSpeechExtent(mono16k))!;
  expect(Math.abs(turn.speechStartMs - reference.speechStartMs)).toBeLessThanOrEqual(20);
  expect(Math.abs(turn.speechEndMs - reference.speechEndMs)).toBeLessThanOrEqual(20);
  // The hum cancelled in the mix: the lead silence stays near digital silence.
  const lead = int16ToFloat(turn.samples.subarray(samplesOf(50), samplesOf(400)));
  expect(Math.max(...lead.map(Math.abs))).toBeLessThan(0.003);
});

test('raw PCM at another rate and unsupported WAV encodings are rejected naming the file', async () => {
  const rawAt8k = cacheWith('turn.pcm', new Uint8Array(3200), { sample_rate: 8000 });
  await expect(loadCallerTracks(rawAt8k)).rejects.toThrow(
    `${path.join(rawAt8k, 'turn.pcm')}: manifest says 8000 Hz; raw PCM must be 16000 Hz`,
  );
  const wav = encodeWav(new Int16Array(1600), 16000);
  new DataView(wav.buffer).setUint16(34, 24, true); // claims 24-bit samples
  const dir24 = cacheWith('turn.wav', wav);
  await expect(loadCallerTracks(dir24)).rejects.toThrow(
    `${path.join(dir24, 'turn.wav')}: unsupported WAV encoding (codec 1, 24 bit)`,
  );
});

test(
  'empty, truncated and incomplete manifest lines are reported with file and line; missing audio names ' + 'the file',
  async () => {
    const dir = tempDir('audio-manifest');
    copyCache(dir);
    const manifest = path.join(dir, 'manifest.jsonl');
    const lines = fs.readFileSync(manifest, 'utf8').split('\n').filter(Boolean);
    const cases: Array<[string, string]> = [
      [`${lines[0]}\n\n${lines[1]}\n`, `${manifest}:2: empty line (a truncated or lost record)`],
      [`${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 100)}`, `${manifest}:3: not valid JSON`],
      [`${lines[0]}\n[1, 2]\n`, `${manifest}:2: expected a JSON object`],
      [
        `${lines[0]}\n{"filename": "../etc/passwd", "text": "x", "sample_rate": 16000, "scenario": "s", ` +
          `"turn_index": 1}\n`,
        `${manifest}:2: filename "../etc/passwd" must be a plain file name inside the cache`,
      ],
    ];
    for (const [text, message] of cases) {
      fs.writeFileSync(manifest, text);
      const err = await loadCallerTracks(dir).catch((e: Error) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as Error).message.startsWith(message), (err as Error).message).toBe(true);
    }
    fs.writeFileSync(manifest, `${lines.join('\n')}\n`);
    const gone = JSON.parse(lines[1]!).filename as string;
    fs.rmSync(path.join(dir, gone));
    await expect(loadCallerTracks(dir)).rejects.toThrow(
      `${path.join(dir, gone)}: listed in manifest.jsonl but missing`,
    );
  },
);
