import type { PageDiagnostic } from '../driver/evidence';
import type { CallRecord } from '../metrics/record';
import type { PageEvent } from '../page/types';

/** timeline.json as captureEvidence writes it (timeOrigin and wavStartAt are missing from older captures). */
export interface EvidenceTimeline {
  timeOrigin?: number;
  wavStartAt?: number | null;
  events: PageEvent[];
  spoken: Array<{ index: number; startAt: number }>;
  frames: Array<[number, number, number]>;
  console?: PageDiagnostic[];
}

export type MarkerKind =
  | 'speech-start'
  | 'speech-end'
  | 'first-byte'
  | 'first-audible'
  | 'barge-onset'
  | 'stop'
  | 'response-end'
  | 'gap'
  | 'error'
  | 'console';

/** A measured moment on the conversation's time axis: ms since conversation.wav's first sample. */
export interface Marker {
  kind: MarkerKind;
  atMs: number;
  /** Gaps have a length: the underrun ends at atMs + spanMs. */
  spanMs?: number;
  turn?: number;
  /** Short text on the axis, and the full one for the tooltip and the list. */
  short: string;
  text: string;
}

export const MARKER_NAMES: Record<MarkerKind, string> = {
  'speech-start': 'caller speech start',
  'speech-end': 'caller speech end',
  'first-byte': 'first byte at the page',
  'first-audible': 'first audible sample',
  'barge-onset': 'barge-in onset',
  stop: "agent's stop control",
  'response-end': 'response end',
  gap: 'playback gap',
  error: 'error',
  console: 'console',
};

/** The same playout cushion as the page's response tracker: a frame later than this was an underrun. */
const JITTER_ALLOWANCE_MS = 60;

/**
 * The page clock's zero in epoch ms: recorded since evidence carries it, else recovered from a turn whose first
 * byte is both in the record (epoch speech end + ttfb) and among the page's events (page ms).
 */
function timeOriginOf(record: CallRecord, tl: EvidenceTimeline): number | undefined {
  if (typeof tl.timeOrigin === 'number') return tl.timeOrigin;
  for (const t of record.turns) {
    if (t.speechEndAtMs === undefined || t.ttfbMs === undefined) continue;
    const start = tl.events.find((e) => e.type === 'response-start' && e.turn === t.turn);
    if (start) return t.speechEndAtMs - (start.at - t.ttfbMs);
  }
  return undefined;
}

/** Every moment the viewer marks, from the call record (its figures) and the page's timeline (the rest). */
export function callMarkers(record: CallRecord, tl: EvidenceTimeline): { markers: Marker[]; notes: string[] } {
  const notes: string[] = [];
  const wavStart =
    typeof tl.wavStartAt === 'number'
      ? tl.wavStartAt
      : tl.spoken.length
        ? Math.min(...tl.spoken.map((s) => s.startAt))
        : 0;
  if (typeof tl.wavStartAt !== 'number')
    notes.push('this capture does not say where its audio starts: times assume the first caller audio');
  const origin = timeOriginOf(record, tl);
  const page = (pageMs: number) => pageMs - wavStart;
  const epoch = (ms: number | undefined) =>
    ms === undefined || origin === undefined ? undefined : ms - origin - wavStart;
  if (origin === undefined) notes.push("the page clock's origin is unknown: the record's times are not marked");
  const markers: Marker[] = [];
  const add = (m: Marker | undefined) => m && Number.isFinite(m.atMs) && markers.push(m);
  const mark = (kind: MarkerKind, atMs: number | undefined, turn: number | undefined, short: string, text: string) =>
    atMs === undefined ? undefined : { kind, atMs, ...(turn !== undefined ? { turn } : {}), short, text };

  for (const t of record.turns) {
    const n = t.turn;
    const se = epoch(t.speechEndAtMs);
    add(mark('speech-start', epoch(t.speechStartAtMs), n, `S${n}`, `turn ${n}: ${MARKER_NAMES['speech-start']}`));
    add(mark('speech-end', se, n, `E${n}`, `turn ${n}: ${MARKER_NAMES['speech-end']} (t_se)`));
    if (se === undefined) continue;
    if (t.ttfbMs !== undefined)
      add(mark('first-byte', se + t.ttfbMs, n, `B${n}`, `turn ${n}: first byte (ttfb ${Math.round(t.ttfbMs)} ms)`));
    if (t.ttfaMs !== undefined)
      add(
        mark('first-audible', se + t.ttfaMs, n, `A${n}`, `turn ${n}: first audible (ttfa ${Math.round(t.ttfaMs)} ms)`),
      );
    if (t.turnMs !== undefined)
      add(mark('response-end', se + t.turnMs, n, `R${n}`, `turn ${n}: response end (turn ${Math.round(t.turnMs)} ms)`));
  }
  const responses = new Map<number, { start?: number; end?: number }>();
  for (const e of tl.events) {
    if (e.type === 'response-start') (responses.get(e.turn) ?? responses.set(e.turn, {}).get(e.turn)!).start = e.at;
    else if (e.type === 'response-end') {
      (responses.get(e.turn) ?? responses.set(e.turn, {}).get(e.turn)!).end = e.at;
      // Responses without a turn figure (stopped, superseded) still end somewhere worth seeing.
      const measured = record.turns.find((t) => t.turn === e.turn)?.turnMs !== undefined;
      if (!measured)
        add(mark('response-end', page(e.at), e.turn, `R${e.turn}`, `turn ${e.turn}: response end (${e.reason})`));
    } else if (e.type === 'barge' || e.type === 'false-alarm') {
      const what = e.type === 'barge' ? 'barge-in onset' : 'false alarm onset';
      add(mark('barge-onset', page(e.onsetAt), e.turn, `I${e.turn}`, `turn ${e.turn}: ${what}`));
      if (e.type === 'barge' && e.ackAt !== null)
        add(mark('stop', page(e.ackAt), e.turn, `X${e.turn}`, `turn ${e.turn}: the agent's stop control`));
    } else if (e.type === 'server-error')
      add(mark('error', page(e.at), undefined, '!', `server error${e.code ? ` ${e.code}` : ''}: ${e.message}`));
    else if (e.type === 'ws-close')
      add(mark('error', page(e.at), undefined, '!', `socket closed ${e.code} ${e.reason}`));
    else if (e.type === 'ws-error') add(mark('error', page(e.at), undefined, '!', 'socket error'));
  }
  for (const [turn, r] of responses)
    for (const g of gapsIn(tl.frames, r.start, r.end)) add({ kind: 'gap', turn, ...g, atMs: page(g.atMs) });
  for (const d of tl.console ?? [])
    add(mark(d.kind === 'page-error' ? 'error' : 'console', epoch(d.atMs), undefined, '!', `${d.kind}: ${d.text}`));
  if (record.interrupted)
    add(mark('error', epoch(record.interrupted.atMs), undefined, '!', `call cut: ${record.interrupted.reason}`));
  markers.sort((a, b) => a.atMs - b.atMs);
  return { markers, notes };
}

/** Underruns of one response, placed by the page tracker's rule: audio played from its first frame plus a cushion. */
function gapsIn(
  frames: ReadonlyArray<[number, number, number]>,
  start: number | undefined,
  end: number | undefined,
): Array<{ atMs: number; spanMs: number; short: string; text: string }> {
  if (start === undefined) return [];
  const inside = frames.filter(([at]) => at >= start && (end === undefined || at <= end));
  const gaps: Array<{ atMs: number; spanMs: number; short: string; text: string }> = [];
  let audioMs = 0;
  let gapMs = 0;
  inside.forEach(([at, , ms], i) => {
    const played = at - start - JITTER_ALLOWANCE_MS - gapMs;
    if (i > 0 && played > audioMs) {
      const len = played - audioMs;
      gaps.push({ atMs: at - len, spanMs: len, short: 'gap', text: `playback gap ${Math.round(len)} ms` });
      gapMs += len;
    }
    audioMs += ms;
  });
  return gaps;
}
