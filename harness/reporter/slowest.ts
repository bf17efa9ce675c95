import type { CallRecord, TurnRecord } from '../metrics/record';
import { stackedBar, turnBreakdown } from './breakdown';
import type { EvidenceLink } from './evidence';
import { escapeHtml } from './svg';

/** Turns listed: enough to see the tail's shape, few enough to read. */
const SLOWEST_TURNS = 10;

/** The same slowness the evidence is chosen by, so the slowest turns are those whose calls have a viewer. */
const slowness = (t: TurnRecord) => t.ttfbMs ?? t.turnMs ?? 0;

/** The run's slowest turns by first byte, each linked to its call's viewer when the call kept evidence. */
export function slowestTurnsSection(records: readonly CallRecord[], evidence: readonly EvidenceLink[]): string {
  const viewers = new Map(evidence.filter((e) => e.viewer).map((e) => [e.callId, e.viewer!]));
  // A bounded selection, not a sort of every turn of the run.
  const top: Array<{ r: CallRecord; t: TurnRecord }> = [];
  for (const r of records)
    for (const t of r.turns) {
      if (t.ttfbMs === undefined && t.turnMs === undefined) continue;
      if (top.length === SLOWEST_TURNS && slowness(t) <= slowness(top[top.length - 1]!.t)) continue;
      top.push({ r, t });
      top.sort((a, b) => slowness(b.t) - slowness(a.t));
      if (top.length > SLOWEST_TURNS) top.pop();
    }
  if (!top.length) return '';
  const maxMs = Math.max(1, ...top.map(({ t }) => t.ttfaMs ?? t.ttfbMs ?? 0));
  const ms = (v: number | undefined) => (v === undefined ? '-' : String(Math.round(v)));
  const rows = top.map(({ r, t }) => {
    const href = viewers.get(r.callId);
    const call = href
      ? `<a href="${escapeHtml(href)}#turn-${t.turn}">${escapeHtml(r.callId)}</a>`
      : escapeHtml(r.callId);
    const b = turnBreakdown(t);
    return (
      `<tr><td>${call}</td><td>${t.turn}</td><td>${escapeHtml(r.scenario)}</td><td>${ms(t.ttfbMs)}</td>` +
      `<td>${ms(t.ttfaMs)}</td><td>${ms(t.turnMs)}</td>` +
      `<td class="bar-cell">${b ? stackedBar(b, 240 / maxMs) : '-'}</td></tr>`
    );
  });
  return (
    `<h2 id="slowest-turns">Slowest turns</h2><p>By first byte; a linked call opens its viewer at the turn.</p>` +
    `<table class="slowest"><thead><tr><th>Call</th><th>Turn</th><th>Scenario</th><th>ttfb</th><th>ttfa</th>` +
    `<th>turn</th><th>Speech end → first audible</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
