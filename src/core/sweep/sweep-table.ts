// The sweep's results as one text table: a row per grid point (the seeds folded into mean ± std),
// and the hand-written text prompt's row (no training) when the sweep evaluated one.
import { formatDuration } from '../format';
import { SWEEPABLE, type SweepRow } from './sweep';

/** The frozen model's score with a text prompt in front of each input (prompt design, the paper's baseline). */
export interface TextPromptRow {
  text: string;
  shots: number;
  metric: number;
  n: number;
}

const pct = (x: number) => (100 * x).toFixed(1);

/** Aligned columns: the swept settings, the metric (mean ± std over seeds, in %), seeds, best step, time per run. */
export function sweepTableLines(rows: readonly SweepRow[], metric: string, textPrompt?: TextPromptRow): string[] {
  const swept = SWEEPABLE.filter((a) => a !== 'seed' && rows.some((r) => r.values[a] !== undefined));
  // Only seeds swept: one row, named as the base run.
  const axes: string[] = swept.length ? swept : ['run'];
  const head = [...axes.map((a) => a.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)), `${metric} % (mean ± std)`, 'seeds', 'best step', 'time/run'];
  const body = rows.map((r) => [
    ...(swept.length ? swept.map((a) => r.values[a] ?? '') : ['base']),
    r.mean === undefined ? '—' : `${pct(r.mean)} ± ${pct(r.std!)}`,
    String(r.seeds),
    r.meanBestStep === undefined ? '—' : String(Math.round(r.meanBestStep)),
    formatDuration(r.meanSeconds, '—'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row: readonly string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const table = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (!textPrompt) return table;
  const shots = textPrompt.shots ? ` + ${textPrompt.shots} shots` : '';
  return [...table, `prompt design (frozen model, no training), text prompt "${textPrompt.text}"${shots}: ${metric} ${pct(textPrompt.metric)}% on ${textPrompt.n} examples`];
}
