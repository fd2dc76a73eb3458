// Counting hook for over-long examples. The tokenizer stage truncates inputs and targets to the
// model's maximum lengths; this counts (with the tokenizer's own counting function) how many will be
// cut and where, so the run can report it instead of truncating silently.
import type { Example } from './dataset';

export interface OverLongReport {
  part: 'input' | 'target';
  maxTokens: number;
  /** How many examples have more than maxTokens tokens in `part`. */
  count: number;
  total: number;
  /** The most tokens any example has in `part`. */
  longest: number;
  /** The first few over-long examples, in the order given. */
  first: { file: string; line: number; tokens: number }[];
}

export function findOverLong(
  examples: readonly Example[],
  part: 'input' | 'target',
  countTokens: (text: string) => number,
  maxTokens: number,
  listFirst = 5,
): OverLongReport {
  const report: OverLongReport = { part, maxTokens, count: 0, total: examples.length, longest: 0, first: [] };
  for (const example of examples) {
    const tokens = countTokens(example[part]);
    report.longest = Math.max(report.longest, tokens);
    if (tokens <= maxTokens) continue;
    report.count += 1;
    if (report.first.length < listFirst) report.first.push({ ...example.source, tokens });
  }
  return report;
}

/** E.g. `3 of 120 inputs are longer than 256 tokens (longest 301) and will be truncated: data.jsonl line 4 (290), ...`. */
export function describeOverLong(report: OverLongReport): string {
  const what = `${report.part}s`;
  if (report.count === 0) return `all ${report.total} ${what} fit in ${report.maxTokens} tokens (longest ${report.longest})`;
  const listed = report.first.map((f) => `${f.file} line ${f.line} (${f.tokens})`).join(', ');
  const more = report.count > report.first.length ? `, and ${report.count - report.first.length} more` : '';
  return (
    `${report.count} of ${report.total} ${what} are longer than ${report.maxTokens} tokens (longest ${report.longest}) ` +
    `and will be truncated: ${listed}${more}`
  );
}
