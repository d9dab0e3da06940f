import { html } from "hono/html";
import type { Html } from "./layout.ts";

export interface Series {
  /** Start of each bucket. */
  at: Date[];
  values: number[];
}

/**
 * A bar chart as inline SVG, drawn on the server: no script, no client framework, readable
 * with CSS off (each bar has a <title> with its time and value). `label` names a bucket's time,
 * `value` formats a value; the axis shows 0 and the maximum, and a few time marks.
 */
export function barChart(
  s: Series,
  o: { id: string; title: string; label: (d: Date) => string; value: (n: number) => string; color?: string; width?: number; height?: number },
): Html {
  const width = o.width ?? 560;
  const height = o.height ?? 120;
  const left = 44;
  const bottom = 18;
  const plotW = width - left - 4;
  const plotH = height - bottom - 6;
  const max = Math.max(1, ...s.values);
  const bw = plotW / Math.max(1, s.values.length);
  const marks = s.at.map((d, i) => ({ d, i })).filter(({ i }) => i % Math.max(1, Math.ceil(s.at.length / 6)) === 0);
  return html`<figure class="chart" id="${o.id}">
    <figcaption>${o.title}</figcaption>
    <svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${o.title}">
      <line x1="${left}" y1="${6 + plotH}" x2="${width - 4}" y2="${6 + plotH}" stroke="#687685" stroke-width="1" />
      <text x="${left - 4}" y="12" text-anchor="end" font-size="10" fill="#687685">${o.value(max)}</text>
      <text x="${left - 4}" y="${6 + plotH}" text-anchor="end" font-size="10" fill="#687685">0</text>
      ${s.values.map((n, i) => {
        const h = (n / max) * plotH;
        return html`<rect
          class="chart-bar"
          data-value="${n}"
          x="${(left + i * bw + 0.5).toFixed(1)}"
          y="${(6 + plotH - h).toFixed(1)}"
          width="${Math.max(1, bw - 1).toFixed(1)}"
          height="${h.toFixed(1)}"
          fill="${o.color ?? "#2f6fa3"}"
          ><title>${o.label(s.at[i]!)}: ${o.value(n)}</title></rect
        >`;
      })}
      ${marks.map(({ d, i }) => html`<text x="${(left + i * bw).toFixed(1)}" y="${height - 4}" font-size="10" fill="#687685">${o.label(d)}</text>`)}
    </svg>
  </figure>`;
}
