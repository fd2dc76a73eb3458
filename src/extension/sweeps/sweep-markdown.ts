// A sweep's sweep.json (prompt-tune sweep) as markdown for the preview: the results table with a row
// per grid point, the prompt-design line, and links to the chart and the file. The rows come from
// sweep.json as the CLI summarised them; their text is escaped (a workspace file writes it). No
// vscode import: unit-tested.
import * as v from 'valibot';
import { parseWith } from '../../core/schema';
import { formatDuration } from '../../core/format';
import { mdCell, mdText } from '../markdown';

const Row = v.object({
  values: v.record(v.string(), v.string()),
  seeds: v.number(),
  mean: v.optional(v.number()),
  std: v.optional(v.number()),
  meanBestStep: v.optional(v.number()),
  meanSeconds: v.optional(v.number()),
});
const SweepFile = v.object({
  metric: v.string(),
  rows: v.array(Row),
  textPrompt: v.optional(v.object({ text: v.string(), shots: v.number(), metric: v.number(), n: v.number() })),
});

const pct = (x: number) => (100 * x).toFixed(1);
const cell = (text: string) => mdCell(mdText(text));

/**
 * The markdown; a file that is no sweep.json is an error naming it and the field at fault. The chart
 * (sweep.svg's text) is inlined as a data: image, which the preview's strict policy shows as an image
 * (no script in an <img> runs).
 */
export function sweepMarkdown(json: unknown, file: string, chartSvg: string | undefined): string {
  const sweep = parseWith(SweepFile, json, { where: file });
  const columns = [...new Set(sweep.rows.flatMap((r) => Object.keys(r.values)))];
  // Text from the file is escaped; the numbers are formatted here.
  const head = [...columns.map((c) => cell(c.replace(/[A-Z]/g, (x) => ` ${x.toLowerCase()}`))), `${cell(sweep.metric)} % (mean ± std)`, 'seeds', 'best step', 'time/run'];
  const lines = [
    `# Sweep results`,
    '',
    `${mdText(file)}: the best validation ${mdText(sweep.metric)} of each point, mean ± standard deviation over its seeds.`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...sweep.rows.map((r) => `| ${[
      ...columns.map((c) => cell(r.values[c] ?? '')),
      r.mean === undefined ? '—' : `${pct(r.mean)} ± ${pct(r.std ?? 0)}`,
      String(r.seeds),
      r.meanBestStep === undefined ? '—' : String(Math.round(r.meanBestStep)),
      formatDuration(r.meanSeconds, '—'),
    ].join(' | ')} |`),
  ];
  const t = sweep.textPrompt;
  if (t) lines.push('', `Prompt design (frozen model, no training), text prompt “${mdText(t.text)}”${t.shots ? ` + ${t.shots} shots` : ''}: ${mdText(sweep.metric)} ${pct(t.metric)}% on ${t.n} examples.`);
  if (chartSvg) lines.push('', `![${mdText(sweep.metric)} against prompt length](data:image/svg+xml;base64,${Buffer.from(chartSvg, 'utf8').toString('base64')})`);
  return `${lines.join('\n')}\n`;
}
