import type { CallRecord } from '../metrics/record';
import { spanLegend, stackedBar, turnBreakdown } from './breakdown';
import { MARKER_NAMES, type Marker, type MarkerKind } from './call-timeline';
import type { WavPeaks } from './peaks';
import { escapeHtml } from './svg';

/**
 * One evidence call's page: the caller's and the agent's audio as waveforms on one time axis, the measured moments
 * marked on it, the turns' figures and where each turn's time went, errors and console messages at their moment.
 * It is drawn as markup (readable with scripts off); a small script only plays, seeks and follows the audio.
 */
export interface ViewerInput {
  record: CallRecord;
  why: string;
  peaks: WavPeaks;
  markers: Marker[];
  notes: string[];
  /** conversation.wav beside the page, when the report kept it. */
  audioHref?: string;
  /** Why the audio is not playable here, when it is not. */
  audioNote?: string;
  files: Array<{ label: string; href: string }>;
  /** The report's main page, relative to this one. */
  indexHref: string;
}

/** Pixels per second of audio, as wide as a long call allows; the axis scrolls. */
export const VIEWER_PX_PER_S = 100;
const MAX_AXIS_PX = 16_000;
export const AXIS_LEFT_PX = 90;
const RIGHT_PX = 20;
const LANE_PX = 90;
const LABEL_ROW_PX = 13;
const LABEL_ROWS = 4;

/** The axis width for a call of this length: also the number of waveform columns the reporter computes. */
export function axisWidthPx(durationMs: number): number {
  return Math.max(200, Math.min(MAX_AXIS_PX, Math.ceil((durationMs / 1000) * VIEWER_PX_PER_S)));
}

const COLORS: Record<MarkerKind, string> = {
  'speech-start': '#2ca02c',
  'speech-end': '#137a13',
  'first-byte': '#1f77b4',
  'first-audible': '#9467bd',
  'barge-onset': '#e6a100',
  stop: '#d62728',
  'response-end': '#555',
  gap: '#ff7f0e',
  error: '#d62728',
  console: '#8c564b',
};

const f1 = (v: number) => v.toFixed(1);
const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

function waveform(peaks: { min: number[]; max: number[] }, top: number, pxPerCol: number, cls: string): string {
  const mid = top + LANE_PX / 2;
  const half = LANE_PX / 2 - 2;
  // A vertical stroke per column from its max to its min, in relative moves: a long call's lane stays ~10 bytes a
  // column. Silence still draws a hairline, so the lane reads as "nothing there", not as missing.
  const parts: string[] = [];
  let y = 0;
  for (let i = 0; i < peaks.max.length; i++) {
    const y1 = Math.round((mid - Math.max(peaks.max[i]! * half, 0.5)) * 2) / 2;
    const y2 = Math.round((mid - Math.min(peaks.min[i]! * half, -0.5)) * 2) / 2;
    parts.push(
      i === 0
        ? `M${f1(AXIS_LEFT_PX + 0.5 * pxPerCol)} ${y1}v${y2 - y1}`
        : `m${+pxPerCol.toFixed(3)} ${y1 - y}v${y2 - y1}`,
    );
    y = y2;
  }
  const d = parts.join('');
  return `<path class="wave ${cls}" d="${d}" stroke-width="${Math.max(1, pxPerCol * 0.8).toFixed(2)}"/>`;
}

/** Label rows picked greedily so that close markers' labels do not overprint; a crowded one keeps its tooltip. */
function labelRows(xs: number[], widths: number[]): Array<number | null> {
  const ends = new Array(LABEL_ROWS).fill(-Infinity);
  return xs.map((x, i) => {
    const row = ends.findIndex((end) => end < x - 2);
    if (row < 0) return null;
    ends[row] = x + widths[i]!;
    return row;
  });
}

function timeAxis(durationMs: number, x: (ms: number) => number, top: number, bottom: number): string {
  const totalS = durationMs / 1000;
  const stepS = [1, 2, 5, 10, 30, 60].find((s) => totalS / s <= 40) ?? 120;
  const parts: string[] = [];
  for (let s = 0; s <= totalS + 1e-9; s += stepS) {
    const px = f1(x(s * 1000));
    parts.push(
      `<line class="tick-line" data-ms="${s * 1000}" x1="${px}" x2="${px}" y1="${top}" y2="${bottom}"/>` +
        `<text class="tick" x="${px}" y="${bottom + 12}" text-anchor="middle">${s} s</text>`,
    );
  }
  return parts.join('');
}

function axisSvg(input: ViewerInput): string {
  const { peaks, markers } = input;
  const widthPx = axisWidthPx(peaks.durationMs);
  const pxPerMs = widthPx / peaks.durationMs;
  const x = (ms: number) => AXIS_LEFT_PX + ms * pxPerMs;
  const labelsTop = 4;
  const callerTop = labelsTop + LABEL_ROWS * LABEL_ROW_PX + 4;
  const agentTop = callerTop + LANE_PX + 8;
  const eventsTop = agentTop + LANE_PX + 6;
  const axisBottom = eventsTop + 16;
  const height = axisBottom + 18;
  const width = AXIS_LEFT_PX + widthPx + RIGHT_PX;
  const pxPerCol = widthPx / Math.max(1, peaks.channels[0]?.max.length ?? 1);
  const parts: string[] = [timeAxis(peaks.durationMs, x, callerTop, axisBottom)];
  const lane = (top: number, name: string) =>
    `<rect class="lane" x="${AXIS_LEFT_PX}" y="${top}" width="${widthPx}" height="${LANE_PX}"/>` +
    `<text class="lane-name" x="${AXIS_LEFT_PX - 8}" y="${top + LANE_PX / 2 + 4}" text-anchor="end">${name}</text>`;
  parts.push(lane(callerTop, 'caller'), lane(agentTop, 'agent'));
  parts.push(
    `<text class="lane-name" x="${AXIS_LEFT_PX - 8}" y="${eventsTop + 11}" text-anchor="end">errors, console</text>`,
  );
  const [left, right] = peaks.channels;
  if (left) parts.push(waveform(left, callerTop, pxPerCol, 'wave-caller'));
  if (right) parts.push(waveform(right, agentTop, pxPerCol, 'wave-agent'));
  const xs = markers.map((m) => x(m.atMs));
  const rows = labelRows(
    xs,
    markers.map((m) => m.short.length * 7 + 2),
  );
  markers.forEach((m, i) => {
    const color = COLORS[m.kind];
    const px = f1(xs[i]!);
    const attrs =
      `class="marker m-${m.kind}" data-kind="${m.kind}" data-ms="${m.atMs.toFixed(1)}"` +
      (m.turn !== undefined ? ` data-turn="${m.turn}"` : '');
    const tip = `<title>${escapeHtml(m.text)} · ${secs(m.atMs)}</title>`;
    if (m.kind === 'gap') {
      const w = Math.max(1, (m.spanMs ?? 0) * pxPerMs);
      parts.push(
        `<rect ${attrs} x="${px}" y="${agentTop}" width="${f1(w)}" height="${LANE_PX}" fill="${color}" ` +
          `fill-opacity="0.35">${tip}</rect>`,
      );
    } else if (m.kind === 'error' || m.kind === 'console') {
      parts.push(
        `<path ${attrs} d="M${px} ${eventsTop + 2}l5 12h-10z" fill="${color}">${tip}</path>` +
          `<line x1="${px}" x2="${px}" y1="${callerTop}" y2="${eventsTop}" stroke="${color}" stroke-opacity="0.4" ` +
          'stroke-dasharray="2 3"/>',
      );
    } else {
      const caller = m.kind === 'speech-start' || m.kind === 'speech-end' || m.kind === 'barge-onset';
      const y1 = caller ? callerTop : agentTop;
      parts.push(
        `<line ${attrs} x1="${px}" x2="${px}" y1="${y1}" y2="${agentTop + LANE_PX}" stroke="${color}" ` +
          `stroke-width="1.5">${tip}</line>`,
      );
    }
    const row = rows[i];
    if (row !== null && row !== undefined)
      parts.push(
        `<text class="marker-label" x="${px}" y="${labelsTop + (row + 1) * LABEL_ROW_PX - 2}" fill="${color}">` +
          `${escapeHtml(m.short)}<title>${escapeHtml(m.text)}</title></text>`,
      );
  });
  parts.push(
    `<line id="cursor" x1="${AXIS_LEFT_PX}" x2="${AXIS_LEFT_PX}" y1="${callerTop}" y2="${axisBottom}" ` +
      'stroke="#000" stroke-width="1" visibility="hidden"/>',
  );
  return (
    `<div class="scroll"><svg id="axis" class="axis" xmlns="http://www.w3.org/2000/svg" width="${width}" ` +
    `height="${height}" viewBox="0 0 ${width} ${height}" data-x0="${AXIS_LEFT_PX}" data-px-per-ms="${pxPerMs}" ` +
    `data-duration-ms="${peaks.durationMs}" role="img" aria-label="caller and agent audio with measured moments">` +
    `${parts.join('')}</svg></div>`
  );
}

/** A turn's play button starts this long before its speech end: the end of the question, then the wait. */
const PLAY_LEAD_MS = 1500;
const ms = (v: number | undefined) => (v === undefined ? '-' : String(Math.round(v)));

function turnsTable(input: ViewerInput, speechEnd: Map<number, number>): string {
  const { record } = input;
  const bars = record.turns.map((t) => ({ t, b: turnBreakdown(t) }));
  const maxMs = Math.max(1, ...bars.map(({ b }) => b?.totalMs ?? 0));
  const pxPerMs = 320 / maxMs;
  const rows = bars.map(({ t, b }) => {
    const se = speechEnd.get(t.turn);
    const play =
      se !== undefined && input.audioHref
        ? `<button type="button" class="play" data-seek-ms="${Math.max(0, se - PLAY_LEAD_MS).toFixed(0)}">` +
          `▶ ${secs(se)}</button>`
        : se !== undefined
          ? secs(se)
          : '-';
    const text = t.text ? escapeHtml(t.text.length > 120 ? `${t.text.slice(0, 117)}...` : t.text) : '';
    return (
      `<tr id="turn-${t.turn}"><td>${t.turn}</td><td>${t.kind}</td><td>${play}</td><td>${ms(t.ttfbMs)}</td>` +
      `<td>${ms(t.ttfaMs)}</td><td>${ms(t.turnMs)}</td><td>${ms(t.bargeMs)}</td><td>${ms(t.bargeAckMs)}</td>` +
      `<td>${t.gaps ? `${t.gaps} (${ms(t.gapMs)} ms)` : '-'}</td><td>${escapeHtml(t.endReason ?? '-')}</td>` +
      `<td class="bar-cell">${b ? stackedBar(b, pxPerMs) : '-'}</td>` +
      `<td class="text">${t.error ? `<b>${escapeHtml(t.error)}</b> ` : ''}${text}</td></tr>`
    );
  });
  const keys = bars.flatMap(({ b }) => b?.spans.map((s) => s.key) ?? []);
  return (
    `<h2>Turns (ms)</h2><table class="turns"><thead><tr><th>Turn</th><th>Kind</th><th>Speech end</th><th>ttfb</th>` +
    `<th>ttfa</th><th>turn</th><th>barge</th><th>barge ack</th><th>Gaps</th><th>End</th>` +
    `<th>Speech end → first audible</th><th>Agent said</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    (keys.length ? spanLegend(keys) : '')
  );
}

function diagnosticsList(markers: Marker[]): string {
  const items = markers.filter((m) => m.kind === 'error' || m.kind === 'console');
  if (!items.length) return '';
  return `<h2>Errors and console</h2><ul class="diagnostics">${items
    .map((m) => `<li><span class="at">${secs(m.atMs)}</span> ${escapeHtml(m.text)}</li>`)
    .join('')}</ul>`;
}

/** Plays, seeks on a click on the axis or a turn's button, and draws the play position. */
const SCRIPT = `(() => {
const audio = document.getElementById('audio');
const svg = document.getElementById('axis');
if (!audio || !svg) return;
const x0 = Number(svg.dataset.x0), pxPerMs = Number(svg.dataset.pxPerMs);
const cursor = document.getElementById('cursor');
const scroll = svg.parentElement;
const draw = () => {
  const x = x0 + audio.currentTime * 1000 * pxPerMs;
  cursor.setAttribute('x1', x); cursor.setAttribute('x2', x); cursor.setAttribute('visibility', 'visible');
  if (!audio.paused && (x < scroll.scrollLeft || x > scroll.scrollLeft + scroll.clientWidth - 40))
    scroll.scrollLeft = x - 100;
  if (!audio.paused) requestAnimationFrame(draw);
};
audio.addEventListener('play', draw); audio.addEventListener('seeked', draw); audio.addEventListener('pause', draw);
svg.addEventListener('click', (e) => {
  const r = svg.getBoundingClientRect();
  const ms = (e.clientX - r.left - x0) / pxPerMs;
  if (ms >= 0) { audio.currentTime = ms / 1000; draw(); }
});
for (const b of document.querySelectorAll('button.play'))
  b.addEventListener('click', () => { audio.currentTime = Number(b.dataset.seekMs) / 1000; audio.play(); });
})();`;

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:24px}
.scroll{overflow-x:auto;border:1px solid #eee;max-width:100%}
svg.axis{display:block;cursor:crosshair}
.lane{fill:#fafafa;stroke:#eee}.lane-name,.tick{font-size:11px;fill:#555}.tick-line{stroke:#eee}
.wave-caller{stroke:#2ca02c}.wave-agent{stroke:#1f77b4}.marker-label{font-size:10px;font-weight:bold}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td.text{text-align:left;max-width:360px}td.bar-cell{text-align:left}
.legend{font-size:12px;color:#555}.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.alert{border-left:4px solid #d62728;background:#fdecea;padding:6px 10px}.note{color:#555}
.diagnostics .at{font-family:monospace;color:#555}button.play{font:inherit;cursor:pointer}`;

export function renderViewer(input: ViewerInput): string {
  const { record } = input;
  const failure = record.failure;
  const speechEnd = new Map<number, number>();
  for (const m of input.markers) if (m.kind === 'speech-end' && m.turn !== undefined) speechEnd.set(m.turn, m.atMs);
  const legend = (Object.keys(MARKER_NAMES) as MarkerKind[])
    .filter((k) => input.markers.some((m) => m.kind === k))
    .map((k) => `<span class="swatch" style="background:${COLORS[k]}"></span>${escapeHtml(MARKER_NAMES[k])}`)
    .join(' ');
  const audio = input.audioHref
    ? `<p><audio id="audio" controls preload="auto" src="${escapeHtml(input.audioHref)}"></audio> ` +
      '<span class="note">Click the waveform to seek; ▶ in a turn plays from just before its speech end. ' +
      'Left channel: the caller; right: what the client played.</span></p>'
    : `<p class="note">${escapeHtml(input.audioNote ?? 'No audio for this call.')}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Call ${escapeHtml(record.callId)}</title>
<style>${STYLE}</style></head><body>
<p><a href="${escapeHtml(input.indexHref)}">← report</a></p>
<h1>Call ${escapeHtml(record.callId)} <small>(${escapeHtml(input.why)})</small></h1>
<p>Scenario ${escapeHtml(record.scenario)} · voice ${escapeHtml(record.voice)}${
    record.sessionId ? ` · agent session ${escapeHtml(record.sessionId)}` : ''
  } · ${secs(input.peaks.durationMs)} of audio · ${record.turns.length} turn(s)</p>
${failure ? `<p class="alert">Failed: ${escapeHtml(`${failure.code}: ${failure.message}`)}</p>` : ''}
${record.interrupted ? `<p class="alert">Cut short: ${escapeHtml(record.interrupted.reason)}</p>` : ''}
${input.notes.map((n) => `<p class="note">Note: ${escapeHtml(n)}</p>`).join('')}
${audio}
${axisSvg(input)}
<p class="legend">${legend}. Labels: S/E speech start/end, B first byte, A first audible, R response end,
I barge-in onset, X stop control, then the turn; hover a mark for its time.</p>
${turnsTable(input, speechEnd)}
${diagnosticsList(input.markers)}
<h2>Files</h2><ul>${input.files.map((f) => `<li><a href="${escapeHtml(f.href)}">${escapeHtml(f.label)}</a>`).join('')}
</ul>
<script>${SCRIPT}</script>
</body></html>
`;
}
