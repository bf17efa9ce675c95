import type { CallRecord, TurnRecord } from '../metrics/record';
import type { Summary } from './schema';
import { escapeHtml } from './svg';

/**
 * Where a turn's time went, from the caller's speech end to the first audible sample of the answer. The harness
 * measures the first byte and the first audible sample at the page; the agent's stages (STT, tool, LLM first token,
 * TTS first audio) are known only when the agent reports them. Whatever nobody reported (endpointing, the network,
 * queueing) stays one grey span: it is never split by guess.
 */
export interface Span {
  /** 'unknown' | 'client' | an agent stage key (sttMs, llmFirstTokenMs, ...). */
  key: string;
  label: string;
  ms: number;
}

export interface TurnBreakdown {
  spans: Span[];
  /** The measured figure the spans add up to: ttfa, else ttfb when no audible sample was measured. */
  totalMs: number;
  endsAt: 'ttfa' | 'ttfb';
  /** By how much the agent's stages exceed the measured first byte (their clocks disagree), when they do. */
  overlapMs?: number;
}

/** Reported stages in pipeline order; other numeric keys an agent sends follow, by name. */
const STAGE_LABELS: Record<string, string> = {
  sttMs: 'STT',
  toolMs: 'tool',
  llmFirstTokenMs: 'LLM first token',
  ttsFirstAudioMs: 'TTS first audio',
};
export const SPAN_COLORS: Record<string, string> = {
  unknown: '#c7c7c7',
  sttMs: '#1f77b4',
  toolMs: '#8c564b',
  llmFirstTokenMs: '#ff7f0e',
  ttsFirstAudioMs: '#2ca02c',
  client: '#9467bd',
};
const OTHER_STAGE_COLOR = '#17becf';
const UNKNOWN_WITH_STAGES = 'endpointing, network, queueing (not reported)';
const UNKNOWN_WITHOUT_STAGES = 'speech end → first byte: endpointing, agent, network (no stages reported)';
const CLIENT = 'first byte → first audible (client playback)';

function stagesOf(t: TurnRecord): Array<[string, number]> {
  const entries = Object.entries(t.stages ?? {}).filter(
    ([k, v]) => k !== 'turn' && typeof v === 'number' && Number.isFinite(v) && v > 0,
  );
  const order = Object.keys(STAGE_LABELS);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return entries.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The turn's spans, or null when it has no first byte (nothing was measured to break down). */
export function turnBreakdown(t: TurnRecord): TurnBreakdown | null {
  if (t.ttfbMs === undefined) return null;
  const stages = stagesOf(t);
  const staged = stages.reduce((n, [, v]) => n + v, 0);
  const spans: Span[] = [];
  let overlapMs: number | undefined;
  if (stages.length) {
    const rest = t.ttfbMs - staged;
    if (rest < 0) overlapMs = round1(-rest);
    spans.push({ key: 'unknown', label: UNKNOWN_WITH_STAGES, ms: Math.max(0, rest) });
    for (const [k, v] of stages) spans.push({ key: k, label: STAGE_LABELS[k] ?? k.replace(/Ms$/, ''), ms: v });
  } else spans.push({ key: 'unknown', label: UNKNOWN_WITHOUT_STAGES, ms: t.ttfbMs });
  if (t.ttfaMs !== undefined) spans.push({ key: 'client', label: CLIENT, ms: Math.max(0, t.ttfaMs - t.ttfbMs) });
  return {
    spans,
    totalMs: t.ttfaMs ?? t.ttfbMs,
    endsAt: t.ttfaMs !== undefined ? 'ttfa' : 'ttfb',
    ...(overlapMs !== undefined ? { overlapMs } : {}),
  };
}

/** A horizontal stacked bar, `pxPerMs` to scale, each span with its label and length as a tooltip. */
export function stackedBar(b: TurnBreakdown, pxPerMs: number, heightPx = 14): string {
  let x = 0;
  const rects = b.spans.map((s) => {
    const w = s.ms * pxPerMs;
    const color = SPAN_COLORS[s.key] ?? OTHER_STAGE_COLOR;
    const r =
      `<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="${heightPx}" fill="${color}" ` +
      `class="span span-${s.key === 'unknown' ? 'unknown' : 'known'}" data-span="${escapeHtml(s.key)}" ` +
      `data-ms="${round1(s.ms)}"><title>${escapeHtml(s.label)}: ${Math.round(s.ms)} ms</title></rect>`;
    x += w;
    return r;
  });
  const width = Math.max(1, Math.ceil(x) + 1);
  const overlap = b.overlapMs ? ` (stages exceed ttfb by ${b.overlapMs} ms)` : '';
  const title = `${b.endsAt} ${Math.round(b.totalMs)} ms${overlap}`;
  return (
    `<svg class="bar" width="${width}" height="${heightPx}" viewBox="0 0 ${width} ${heightPx}" ` +
    `data-total-ms="${round1(b.totalMs)}" role="img" aria-label="${escapeHtml(title)}">${rects.join('')}</svg>`
  );
}

/** The colours' meaning, for under a set of bars. */
export function spanLegend(keys: Iterable<string>): string {
  const labels: Record<string, string> = { unknown: 'not reported (unknown split)', client: 'client playback' };
  return `<p class="legend">${[...new Set(keys)]
    .map(
      (k) =>
        `<span class="swatch" style="background:${SPAN_COLORS[k] ?? OTHER_STAGE_COLOR}"></span>` +
        escapeHtml(labels[k] ?? STAGE_LABELS[k] ?? k),
    )
    .join(' ')}</p>`;
}

const BANDS = [50, 90, 95, 99];
/** Turns ranked within this many percentile points of a band's centre are averaged into its bar. */
const BAND_HALF_WIDTH_PCT = 1;

/** The run's turns at p50, p90, p95 and p99 of ttfa: the mean of each span over the turns ranked there. */
export function breakdownSection(summary: Summary, records: readonly CallRecord[]): string {
  // Ranked by ttfa alone; spans are made only for the turns in a band (a long run has hundreds of thousands).
  const measured: TurnRecord[] = [];
  for (const r of records)
    for (const t of r.turns) if (t.ttfbMs !== undefined && t.ttfaMs !== undefined) measured.push(t);
  if (!measured.length) return '';
  measured.sort((a, b) => a.ttfaMs! - b.ttfaMs!);
  const withStages = measured.filter((t) => stagesOf(t).length > 0).length;
  const rows = BANDS.map((p) => {
    const n = measured.length;
    const from = Math.max(0, Math.floor(((p - BAND_HALF_WIDTH_PCT) / 100) * n));
    const to = Math.max(from + 1, Math.min(n, Math.ceil(((p + BAND_HALF_WIDTH_PCT) / 100) * n)));
    const band = measured.slice(from, to).map((t) => turnBreakdown(t)!);
    const sums = new Map<string, Span>();
    for (const b of band)
      for (const s of b.spans) {
        const e = sums.get(s.key) ?? { ...s, ms: 0 };
        e.ms += s.ms / band.length;
        sums.set(s.key, e);
      }
    // Turns without stages carry the whole first byte as unknown; turns with them split it. One bar shows both.
    if (withStages && withStages < measured.length) sums.get('unknown')!.label = 'not reported (unknown split)';
    const spans = [...sums.values()];
    const meanMs = spans.reduce((t, s) => t + s.ms, 0);
    return { p, band: band.length, bar: { spans, totalMs: meanMs, endsAt: 'ttfa' as const } };
  });
  const maxMs = Math.max(...rows.map((r) => r.bar.totalMs));
  const pxPerMs = 560 / Math.max(1, maxMs);
  const ttfa = summary.metrics.ttfa;
  const exact = (p: number) =>
    ttfa?.kind === 'latency' && ttfa.count
      ? String({ 50: ttfa.p50Ms, 90: ttfa.p90Ms, 95: ttfa.p95Ms, 99: ttfa.p99Ms }[p] ?? '-')
      : '-';
  const body = rows
    .map(
      (r) =>
        `<tr><td>p${r.p}</td><td>${r.band}</td><td class="bar-cell">${stackedBar(r.bar, pxPerMs)}</td>` +
        `<td>${Math.round(r.bar.totalMs)}</td><td>${exact(r.p)}</td></tr>`,
    )
    .join('');
  return (
    `<h2 id="time-went">Where each turn's time went</h2>` +
    `<p>From the caller's speech end to the first audible sample of the answer. For each percentile of ttfa, the ` +
    `turns ranked within ${BAND_HALF_WIDTH_PCT} point of it (of ${measured.length} turns with a measured ttfa), ` +
    `each span their mean: a bar adds up to those turns' mean ttfa. ${withStages} of them carry stages the agent ` +
    `reported; what no one reported is grey, never split by guess. Each evidence call's viewer has every turn's ` +
    `own bar.</p>` +
    `<table class="breakdown"><thead><tr><th>ttfa</th><th>Turns</th><th>Spans (ms)</th><th>Mean</th>` +
    `<th>Percentile</th></tr></thead><tbody>${body}</tbody></table>` +
    spanLegend(rows.flatMap((r) => r.bar.spans.map((s) => s.key)))
  );
}
