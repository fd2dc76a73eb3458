// `prompt-tune eval`'s label checks for people: the outputs that are no label (with the most
// frequent), the labels never produced, and the confusion matrix as an aligned table.
import type { LabelChecks } from '../core/training/label-checks';

const quoted = (text: string) => JSON.stringify(text);

export function labelCheckLines(c: LabelChecks, n: number): string[] {
  const examples = c.invalidExamples.map((x) => `${quoted(x.text)} x${x.count}`).join(', ');
  const lines = [
    `outputs that are no label: ${c.invalid} of ${n}${c.invalid > 0 ? ` (${examples}${c.invalid > c.invalidExamples.reduce((a, x) => a + x.count, 0) ? ', ...' : ''})` : ''}`,
    `labels never produced: ${c.neverPredicted.length > 0 ? c.neverPredicted.join(', ') : 'none'}`,
    'confusion (rows: gold label, columns: output):',
  ];
  const header = ['gold \\ output', ...c.labels, 'other'];
  const table = [header, ...c.golds.map((g, r) => [g, ...c.confusion[r].map(String)])];
  const widths = header.map((_, col) => Math.max(...table.map((row) => row[col].length)));
  for (const row of table) lines.push(`  ${row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ')}`);
  return lines;
}
