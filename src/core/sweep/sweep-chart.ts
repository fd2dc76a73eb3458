// The sweep as the paper's Figure 3: the best metric against prompt length (log scale), one line per
// initialisation (and per other swept setting), error bars one standard deviation across seeds. A
// standalone SVG with no dependencies; mid-tone colours and a transparent background read on light
// and dark themes alike.
import { SWEEPABLE, type SweepRow } from './sweep';

const W = 560;
const H = 340;
const M = { left: 56, right: 170, top: 20, bottom: 44 };
const COLORS = ['#3b82f6', '#f97316', '#22a35a', '#e0457b', '#8b5cf6', '#b8860b'];
const AXIS = '#888888';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (x: number) => x.toFixed(1);

export function sweepChartSvg(rows: readonly SweepRow[], metric: string): string {
  // A line per combination of the swept settings other than prompt length, its points by length.
  const lines = new Map<string, { length: number; row: SweepRow }[]>();
  for (const row of rows) {
    if (row.mean === undefined || row.values.promptLength === undefined) continue;
    const label = SWEEPABLE.filter((a) => a !== 'promptLength' && row.values[a] !== undefined).map((a) => row.values[a]).join(', ') || 'runs';
    lines.set(label, [...(lines.get(label) ?? []), { length: Number(row.values.promptLength), row }]);
  }
  const points = [...lines.values()].flat();
  const lengths = [...new Set(points.map((p) => p.length))].sort((a, b) => a - b);
  const lo = Math.min(...points.map((p) => p.row.mean! - p.row.std!), 1);
  const hi = Math.max(...points.map((p) => p.row.mean! + p.row.std!), 0);
  const [yMin, yMax] = [Math.max(0, Math.floor(lo * 10) / 10), Math.min(1, Math.ceil(hi * 10) / 10 || 1)];
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const logMin = Math.log(lengths[0] ?? 1);
  const logSpan = Math.log(lengths.at(-1) ?? 1) - logMin || 1;
  const x = (len: number) => M.left + (lengths.length > 1 ? ((Math.log(len) - logMin) / logSpan) * plotW : plotW / 2);
  const y = (v: number) => M.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(`${metric} vs prompt length`)}</title>`,
    `<g stroke="${AXIS}" fill="none"><line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}"/><line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}"/></g>`,
    `<g fill="${AXIS}">`,
    ...lengths.map((len) => `<text x="${f(x(len))}" y="${M.top + plotH + 16}" text-anchor="middle">${len}</text>`),
    ...[0, 0.25, 0.5, 0.75, 1].map((t) => yMin + t * (yMax - yMin)).map((v) => `<text x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${(100 * v).toFixed(0)}</text>`),
    `<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">prompt length (tokens, log scale)</text>`,
    `<text transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(metric)} (%)</text>`,
    `</g>`,
  ];
  [...lines.entries()].forEach(([label, pts], i) => {
    const color = COLORS[i % COLORS.length];
    const sorted = [...pts].sort((a, b) => a.length - b.length);
    const d = sorted.map((p, j) => `${j ? 'L' : 'M'}${f(x(p.length))} ${f(y(p.row.mean!))}`).join(' ');
    out.push(`<g class="series" stroke="${color}" fill="${color}">`, `<path d="${d}" fill="none" stroke-width="2"/>`);
    for (const p of sorted) {
      const [cx, top, bottom] = [x(p.length), y(p.row.mean! + p.row.std!), y(p.row.mean! - p.row.std!)];
      out.push(`<line x1="${f(cx)}" y1="${f(top)}" x2="${f(cx)}" y2="${f(bottom)}"/>`, `<circle cx="${f(cx)}" cy="${f(y(p.row.mean!))}" r="3"/>`);
    }
    const ly = M.top + 10 + i * 18;
    out.push(`<line x1="${W - M.right + 12}" y1="${ly}" x2="${W - M.right + 32}" y2="${ly}" stroke-width="2"/>`, `<text x="${W - M.right + 38}" y="${ly + 4}" stroke="none">${esc(label)}</text>`, `</g>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
