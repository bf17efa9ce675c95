/**
 * Static SVG charts. Drawn as markup, not by a chart library, so the report
 * renders from disk with no script and no network, in any browser or viewer.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  mode?: 'line' | 'points';
  /** Colour, else the palette's by position; dashed draws the line dashed (a baseline beside the run). */
  color?: string;
  dashed?: boolean;
  /** false: no legend entry (the chart's note explains it). */
  legend?: boolean;
  /** Extra class on the series' marks, for readers of the page. */
  cls?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xTicks?: Array<{ value: number; label: string }>;
  width?: number;
  height?: number;
  /** A line under the title (what the dashes are). */
  note?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const PAD = { left: 64, right: 16, top: 32, bottom: 44 };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 300;
  const all = o.series.flatMap((s) => s.points);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xMin = Math.min(...all.map((p) => p[0]), ...(o.xTicks ?? []).map((t) => t.value));
  const xMax = Math.max(...all.map((p) => p[0]), ...(o.xTicks ?? []).map((t) => t.value));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const x = (v: number) => PAD.left + (xMax === xMin ? plotW / 2 : ((v - xMin) / (xMax - xMin)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${PAD.left}" y="20" class="title">${escapeHtml(o.title)}</text>`);
  if (o.note)
    parts.push(`<text x="${width - PAD.right}" y="20" text-anchor="end" class="legend">${escapeHtml(o.note)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${Math.round(v)}</text>`);
  }
  const ticks = o.xTicks ?? [xMin, (xMin + xMax) / 2, xMax].map((v) => ({ value: v, label: String(Math.round(v)) }));
  for (const t of ticks)
    parts.push(
      `<text x="${x(t.value)}" y="${height - PAD.bottom + 16}" text-anchor="middle" class="tick">` +
        `${escapeHtml(t.label)}</text>`,
    );
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="label">` +
      `${escapeHtml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" class="label" ` +
      `transform="rotate(-90 14 ${PAD.top + plotH / 2})">${escapeHtml(o.yLabel)}</text>`,
  );
  let legendAt = 0;
  o.series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const cls = s.cls ? ` ${s.cls}` : '';
    if (s.mode === 'points') {
      // One path of zero-length round-capped strokes: a dot per sample at a fraction of a circle's markup.
      const d = s.points.map(([px, py]) => `M${x(px).toFixed(1)} ${y(py).toFixed(1)}h0`).join('');
      if (d)
        parts.push(`<path d="${d}" stroke="${color}" stroke-width="5" stroke-linecap="round" class="points${cls}"/>`);
    } else if (s.points.length) {
      const d = s.points.map(([px, py], k) => `${k ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash} class="series${cls}"/>`);
      if (s.dashed)
        for (const [px, py] of s.points)
          parts.push(
            `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2" fill="${color}"` +
              `${s.cls ? ` class="${s.cls}"` : ''}/>`,
          );
    }
    if (s.legend === false) return;
    parts.push(
      `<rect x="${PAD.left + 8 + legendAt * 120}" y="${PAD.top - 4}" width="10" height="10" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${PAD.left + 22 + legendAt * 120}" y="${PAD.top + 5}" class="legend">${escapeHtml(s.name)}</text>`,
    );
    legendAt++;
  });
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join('')}</svg>`
  );
}
