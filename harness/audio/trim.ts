import { measureSpeechBounds } from './vad';

const FADE_MS = 15;

/**
 * Keeps only the first `maxSpeechMs` of speech, with a short fade so the cut
 * makes no click: a backchannel "mhm" or a cough is a burst, not a sentence.
 * Used for false-alarm turns, which must stay shorter than an agent's minimum
 * speech to be heard as noise.
 */
export async function trimSpeech(speech: Int16Array, maxSpeechMs: number, sampleRateHz = 16000): Promise<Int16Array> {
  const bounds = await measureSpeechBounds(speech, sampleRateHz);
  if (!bounds) return speech;
  const start = Math.round((bounds.speechStartMs * sampleRateHz) / 1000);
  const end = Math.min(speech.length, start + Math.round((maxSpeechMs * sampleRateHz) / 1000));
  const out = speech.slice(start, end);
  const fade = Math.min(out.length, Math.round((FADE_MS * sampleRateHz) / 1000));
  for (let i = 0; i < fade; i++)
    out[out.length - fade + i] = Math.round(out[out.length - fade + i]! * (1 - (i + 1) / fade));
  return out;
}
